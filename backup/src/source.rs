//! Which backup to fetch and how to ask for its links: one variant per link API, called
//! through the generated SDK's public clients (a fresh signed call every time, so asking
//! again is how an expired link is renewed).

use std::fmt;
use std::time::Duration;

use generated::runtime::ClientConfig;
use generated::runtime::{HuaweiCredentials, TencentCredentials, UCloudCredentials};
use generated::{huawei, tencent, ucloud};
use time::OffsetDateTime;

use crate::link::{self, BackupLink};

/// One backup of one of the five link APIs, with what its request needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// Seed 000: Tencent CDB (MySQL) `GetExportBackupUrl` (API 2.0).
    CdbExport {
        /// `cdbInstanceId`.
        instance_id: String,
        /// `date` of the backup, `YYYY-MM-DD hh:mm:ss`.
        date: String,
        /// Databases to export (all tables of each); empty: every database (`[]`).
        databases: Vec<String>,
    },
    /// Seed 001: Tencent Redis `GetBackupDownloadUrl` (API 2.0).
    RedisV2 {
        /// `redisId`.
        redis_id: String,
        /// `backupId`.
        backup_id: String,
    },
    /// Seed 002: Tencent Redis `DescribeBackupUrl` (API 3.0).
    RedisV3 {
        /// `InstanceId`.
        instance_id: String,
        /// `BackupId`.
        backup_id: String,
    },
    /// Seed 003: UCloud UDB `DescribeUDBInstanceBackupURL`.
    Udb {
        /// `Region`.
        region: String,
        /// `DBId`.
        db_id: String,
        /// `BackupId`.
        backup_id: i64,
        /// `ValidTime` to ask for; the links expire this long after the call.
        valid_time: Duration,
    },
    /// Seed 004: Huawei DDS `download-file`.
    Dds {
        /// `instance_id`.
        instance_id: String,
        /// `backup_id`.
        backup_id: String,
    },
}

impl Source {
    /// The link API's wire name.
    pub fn operation(&self) -> &'static str {
        match self {
            Source::CdbExport { .. } => "GetExportBackupUrl",
            Source::RedisV2 { .. } => "GetBackupDownloadUrl",
            Source::RedisV3 { .. } => "DescribeBackupUrl",
            Source::Udb { .. } => "DescribeUDBInstanceBackupURL",
            Source::Dds { .. } => "download-file",
        }
    }

    /// A short name for messages and directory names (`redis-v3/<backup id>`).
    pub fn label(&self) -> String {
        match self {
            Source::CdbExport {
                instance_id, date, ..
            } => format!("cdb/{instance_id}/{date}"),
            Source::RedisV2 {
                redis_id,
                backup_id,
            } => format!("redis-v2/{redis_id}/{backup_id}"),
            Source::RedisV3 {
                instance_id,
                backup_id,
            } => format!("redis-v3/{instance_id}/{backup_id}"),
            Source::Udb {
                db_id, backup_id, ..
            } => format!("udb/{db_id}/{backup_id}"),
            Source::Dds {
                instance_id,
                backup_id,
            } => format!("dds/{instance_id}/{backup_id}"),
        }
    }

    /// Calls the link API (signed afresh) and normalises its answer.
    pub async fn links(&self, clients: &Clients) -> Result<Vec<BackupLink>, LinkError> {
        let op = self.operation();
        let issued = OffsetDateTime::now_utc();
        match self {
            Source::CdbExport {
                instance_id,
                date,
                databases,
            } => {
                let client = need(&clients.cdb, op, "Tencent")?;
                let tables = databases
                    .iter()
                    .map(|d| tencent::cdb::DbTable {
                        dbname: d.clone(),
                        table_list: Vec::new(),
                    })
                    .collect::<Vec<_>>();
                let req = tencent::cdb::GetExportBackupUrlRequest::builder()
                    .cdb_instance_id(instance_id.as_str())
                    .date(date.as_str())
                    .db_table_list(tables)
                    .build()
                    .map_err(wrap(op))?;
                let out = client.get_export_backup_url(&req).await.map_err(wrap(op))?;
                Ok(link::from_cdb_export(&out, issued))
            }
            Source::RedisV2 {
                redis_id,
                backup_id,
            } => {
                let client = need(&clients.redis, op, "Tencent")?;
                let req = tencent::redis::GetBackupDownloadUrlRequest::builder()
                    .redis_id(redis_id.as_str())
                    .backup_id(backup_id.as_str())
                    .build()
                    .map_err(wrap(op))?;
                let out = client
                    .get_backup_download_url(&req)
                    .await
                    .map_err(wrap(op))?;
                Ok(link::from_redis_v2(&out, backup_id, issued))
            }
            Source::RedisV3 {
                instance_id,
                backup_id,
            } => {
                let client = need(&clients.redis, op, "Tencent")?;
                let req = tencent::redis::DescribeBackupUrlRequest::builder()
                    .instance_id(instance_id.as_str())
                    .backup_id(backup_id.as_str())
                    .build()
                    .map_err(wrap(op))?;
                let out = client.describe_backup_url(&req).await.map_err(wrap(op))?;
                Ok(link::from_redis_v3(&out, backup_id, issued))
            }
            Source::Udb {
                region,
                db_id,
                backup_id,
                valid_time,
            } => {
                let client = need(&clients.udb, op, "UCloud")?;
                let secs = i64::try_from(valid_time.as_secs()).unwrap_or(i64::MAX);
                let req = ucloud::udb::DescribeUdbInstanceBackupUrlRequest::builder()
                    .region(region.as_str())
                    .db_id(db_id.as_str())
                    .backup_id(*backup_id)
                    .valid_time(secs)
                    .build()
                    .map_err(wrap(op))?;
                let out = client
                    .describe_udb_instance_backup_url(&req)
                    .await
                    .map_err(wrap(op))?;
                Ok(link::from_udb(&out, db_id, *backup_id, issued, *valid_time))
            }
            Source::Dds {
                instance_id,
                backup_id,
            } => {
                let client = need(&clients.dds, op, "Huawei")?;
                let req = huawei::dds::DownloadFileRequest::builder()
                    .instance_id(instance_id.as_str())
                    .backup_id(backup_id.as_str())
                    .build()
                    .map_err(wrap(op))?;
                let out = client.download_file(&req).await.map_err(wrap(op))?;
                Ok(link::from_dds(&out))
            }
        }
    }
}

/// The client of a vendor, or the error saying it has no credentials.
pub(crate) fn need<'c, C>(
    client: &'c Option<C>,
    op: &'static str,
    vendor: &str,
) -> Result<&'c C, LinkError> {
    client.as_ref().ok_or_else(|| LinkError {
        operation: op,
        source: format!("no {vendor} credentials configured").into(),
    })
}

/// Wraps an SDK error (build or call) of `op`.
pub(crate) fn wrap<E: Into<Box<dyn std::error::Error + Send + Sync>>>(
    op: &'static str,
) -> impl Fn(E) -> LinkError {
    move |e| LinkError {
        operation: op,
        source: e.into(),
    }
}

/// A link API call that failed: the operation and the SDK's error (its chain names code,
/// message and request id; never a secret).
#[derive(Debug)]
pub struct LinkError {
    /// The link API's wire name.
    pub operation: &'static str,
    source: Box<dyn std::error::Error + Send + Sync>,
}

impl fmt::Display for LinkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} failed", self.operation)?;
        let mut next: Option<&(dyn std::error::Error + 'static)> = Some(self.source.as_ref());
        while let Some(e) = next {
            write!(f, ": {e}")?;
            next = e.source();
        }
        Ok(())
    }
}

impl std::error::Error for LinkError {}

/// The generated SDK's clients for the four services the link APIs live in; a vendor
/// without credentials has none.
#[derive(Clone, Debug, Default)]
pub struct Clients {
    /// Tencent CDB.
    pub cdb: Option<tencent::cdb::Client>,
    /// Tencent Redis (API 2.0 and 3.0).
    pub redis: Option<tencent::redis::Client>,
    /// UCloud UDB.
    pub udb: Option<ucloud::udb::Client>,
    /// Huawei DDS.
    pub dds: Option<huawei::dds::Client>,
}

impl Clients {
    /// Clients for every vendor with keys: `tencent` for CDB and Redis, `ucloud`, `huawei`,
    /// each with its own configuration (region, endpoint).
    pub fn new(
        tencent: Option<(ClientConfig, TencentCredentials)>,
        ucloud: Option<(ClientConfig, UCloudCredentials)>,
        huawei: Option<(ClientConfig, HuaweiCredentials)>,
    ) -> Result<Self, generated::runtime::TransportError> {
        let mut c = Clients::default();
        if let Some((config, keys)) = tencent {
            c.cdb = Some(tencent::cdb::Client::new(config.clone(), keys.clone())?);
            c.redis = Some(tencent::redis::Client::new(config, keys)?);
        }
        if let Some((config, keys)) = ucloud {
            c.udb = Some(ucloud::udb::Client::new(config, keys)?);
        }
        if let Some((config, keys)) = huawei {
            c.dds = Some(huawei::dds::Client::new(config, keys)?);
        }
        Ok(c)
    }
}
