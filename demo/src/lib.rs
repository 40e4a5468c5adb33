//! The five seed calls, shared by the demo binary and the end-to-end tests: each seed's
//! documented example input, one client per service, and [`Clients::call`] that runs an
//! operation by wire name and flattens its typed result into an [`Outcome`].
#![forbid(unsafe_code)]
#![warn(missing_docs)]

use generated::huawei::dds::{self, DownloadFileRequest};
use generated::runtime::{
    BuildError, ClientConfig, DecodeError, ErrorMeta, HuaweiCredentials, SdkError, ServiceError,
    TencentCredentials, TransportError, UCloudCredentials,
};
use generated::tencent::cdb::{self, DbTable, GetExportBackupUrlRequest};
use generated::tencent::redis::{self, DescribeBackupUrlRequest, GetBackupDownloadUrlRequest};
use generated::ucloud::udb::{self, DescribeUdbInstanceBackupUrlRequest};

/// Seed 000 (Tencent CDB, API 2.0): the document's example input.
pub fn get_export_backup_url() -> GetExportBackupUrlRequest {
    GetExportBackupUrlRequest::builder()
        .cdb_instance_id("cdb-c1nl9rpv")
        .date("2016-07-06 01:04:54")
        .db_table_list([
            DbTable {
                dbname: "test1".into(),
                table_list: vec![],
            },
            DbTable {
                dbname: "mysql".into(),
                table_list: vec!["general_log".into(), "slow_log".into()],
            },
        ])
        .build()
        .expect("the documented input is valid")
}

/// Seed 001 (Tencent Redis, API 2.0).
pub fn get_backup_download_url() -> GetBackupDownloadUrlRequest {
    GetBackupDownloadUrlRequest::builder()
        .redis_id("crs-c7xq4kqu")
        .backup_id("fb8d2cd6-f6ee-11e6-ac36-525400394272")
        .build()
        .expect("the documented input is valid")
}

/// Seed 002 (Tencent Redis, API 3.0).
pub fn describe_backup_url() -> DescribeBackupUrlRequest {
    DescribeBackupUrlRequest::builder()
        .instance_id("crs-4y9t57vt")
        .backup_id("678362566696298532848117")
        .build()
        .expect("the documented input is valid")
}

/// Seed 003 (UCloud UDB). `ValidTime` is 14400, the smallest the API accepts (the
/// document's example sends 5, which the builder refuses).
pub fn describe_udb_instance_backup_url(region: &str) -> DescribeUdbInstanceBackupUrlRequest {
    DescribeUdbInstanceBackupUrlRequest::builder()
        .region(region)
        .db_id("udb-xxx")
        .backup_id(1234)
        .valid_time(14400)
        .build()
        .expect("the documented input is valid")
}

/// Seed 004 (Huawei DDS), the project id left to the credentials.
pub fn download_file() -> DownloadFileRequest {
    DownloadFileRequest::builder()
        .instance_id("befb1cfe1f96403780396b0c54f85d11in02")
        .backup_id("bd062e1af2d248b3bb4cd3dbb4183888br02")
        .build()
        .expect("the documented input is valid")
}

/// One client per seed service.
#[derive(Clone, Debug)]
pub struct Clients {
    /// Tencent CDB (API 2.0).
    pub cdb: cdb::Client,
    /// Tencent Redis (API 2.0 and 3.0).
    pub redis: redis::Client,
    /// UCloud UDB.
    pub udb: udb::Client,
    /// Huawei DDS.
    pub dds: dds::Client,
    /// Region for UCloud's `Region` parameter.
    pub ucloud_region: String,
}

/// The flattened result of one call.
#[derive(Debug)]
pub enum Outcome {
    /// Success: the typed response's pretty `Debug` (signed URLs redacted).
    Ok(String),
    /// The service's error: the variant's `Debug` and its metadata.
    Service {
        /// `Debug` of the operation's error enum value, e.g. `Common(AuthFailure(ErrorMeta {..}))`.
        debug: String,
        /// `Display` of the error.
        display: String,
        /// Code, message, request id, status.
        meta: ErrorMeta,
    },
    /// Refused before sending.
    Build(BuildError),
    /// The response could not be decoded.
    Decode(DecodeError),
    /// No complete response.
    Transport(TransportError),
}

impl Clients {
    /// Clients for every seed service sharing `tencent`, `ucloud` and `huawei` settings.
    pub fn new(
        tencent: ClientConfig,
        ucloud: ClientConfig,
        huawei: ClientConfig,
        keys: (TencentCredentials, UCloudCredentials, HuaweiCredentials),
    ) -> Result<Self, TransportError> {
        let ucloud_region = ucloud.region_name().unwrap_or("cn-bj2").to_owned();
        Ok(Self {
            cdb: cdb::Client::new(tencent.clone(), keys.0.clone())?,
            redis: redis::Client::new(tencent, keys.0)?,
            udb: udb::Client::new(ucloud, keys.1)?,
            dds: dds::Client::new(huawei, keys.2)?,
            ucloud_region,
        })
    }

    /// Clients that all talk to one endpoint (an emulator) with `keys`.
    pub fn for_endpoint(
        endpoint: &str,
        keys: (TencentCredentials, UCloudCredentials, HuaweiCredentials),
        tweak: impl Fn(ClientConfig) -> ClientConfig,
    ) -> Result<Self, TransportError> {
        let config = |region: &str| tweak(ClientConfig::new().region(region).endpoint(endpoint));
        Self::new(
            config("ap-guangzhou"),
            config("cn-bj2"),
            config("cn-north-4"),
            keys,
        )
    }

    /// Wire names of the operations [`call`](Self::call) knows, in seed order.
    pub fn operations() -> [&'static str; 5] {
        [
            cdb::get_export_backup_url::OPERATION.name,
            redis::get_backup_download_url::OPERATION.name,
            redis::describe_backup_url::OPERATION.name,
            udb::describe_udb_instance_backup_url::OPERATION.name,
            dds::download_file::OPERATION.name,
        ]
    }

    /// Calls `operation` (wire name) with its seed's example input.
    pub async fn call(&self, operation: &str) -> Option<Outcome> {
        Some(match operation {
            n if n == cdb::get_export_backup_url::OPERATION.name => flatten(
                self.cdb
                    .get_export_backup_url(&get_export_backup_url())
                    .await,
            ),
            n if n == redis::get_backup_download_url::OPERATION.name => flatten(
                self.redis
                    .get_backup_download_url(&get_backup_download_url())
                    .await,
            ),
            n if n == redis::describe_backup_url::OPERATION.name => {
                flatten(self.redis.describe_backup_url(&describe_backup_url()).await)
            }
            n if n == udb::describe_udb_instance_backup_url::OPERATION.name => {
                let req = describe_udb_instance_backup_url(&self.ucloud_region);
                flatten(self.udb.describe_udb_instance_backup_url(&req).await)
            }
            n if n == dds::download_file::OPERATION.name => {
                flatten(self.dds.download_file(&download_file()).await)
            }
            _ => return None,
        })
    }
}

fn flatten<T: std::fmt::Debug, E: ServiceError>(result: Result<T, SdkError<E>>) -> Outcome {
    match result {
        Ok(resp) => Outcome::Ok(format!("{resp:#?}")),
        Err(SdkError::Service(e)) => Outcome::Service {
            debug: format!("{e:?}"),
            display: e.to_string(),
            meta: e.meta().clone(),
        },
        Err(SdkError::Build(e)) => Outcome::Build(e),
        Err(SdkError::Decode(e)) => Outcome::Decode(e),
        Err(SdkError::Transport(e)) => Outcome::Transport(e),
        Err(e) => Outcome::Transport(TransportError {
            operation: "",
            kind: generated::runtime::TransportErrorKind::Io,
            status: None,
            message: format!("unexpected error kind: {e}"),
        }),
    }
}
