//! `--fresh`: take a new backup, wait until the vendor reports it complete (the generated
//! SDK's waiters), and hand back the [`Source`] whose links fetch it.
//!
//! Per link API: cdb `CreateBackup` (logical, so the export has its `.sql` files) then
//! `DescribeBackups` until the backup is `SUCCESS`, whose `Date` is the export's date;
//! Redis `ManualBackupInstance` then `DescribeTaskInfo` until the task `succeed`s, then the
//! backup listed with this run's remark; UDB `BackupUDBInstance` then
//! `DescribeUDBInstanceBackupState` until `Success`; DDS `CreateManualBackup` then
//! `ListBackups` until the backup is `COMPLETED`. The Redis API 2.0 link API has no
//! create call of its era and is not offered.

use std::time::Duration;

use generated::runtime::WaitOptions;
use generated::{huawei, tencent, ucloud};

use crate::source::{Clients, LinkError, Source, need, wrap};

/// A backup to take: the instance and what its link API then needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fresh {
    /// Tencent CDB: a logical backup, fetched through `GetExportBackupUrl`.
    Cdb {
        /// Instance id.
        instance_id: String,
        /// Databases to export (empty: all).
        databases: Vec<String>,
    },
    /// Tencent Redis (API 3.0 links).
    Redis {
        /// Instance id.
        instance_id: String,
        /// The backup's remark: how the new backup is told from the others once the task
        /// ends (the task does not name its backup). Unique per run.
        remark: String,
    },
    /// UCloud UDB.
    Udb {
        /// `Region`.
        region: String,
        /// `DBId`.
        db_id: String,
        /// The backup's name.
        name: String,
        /// How long the links stay valid.
        valid_time: Duration,
    },
    /// Huawei DDS.
    Dds {
        /// Instance id.
        instance_id: String,
        /// The backup's name (4 to 64 characters, starting with a letter).
        name: String,
    },
}

/// A name for this run's backup: `cloud-backup-<unix seconds>-<pid>`, valid for every
/// vendor's naming rule.
pub fn run_name() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    format!("cloud-backup-{secs}-{}", std::process::id())
}

impl Fresh {
    /// The create call's wire name.
    pub fn operation(&self) -> &'static str {
        match self {
            Fresh::Cdb { .. } => "CreateBackup",
            Fresh::Redis { .. } => "ManualBackupInstance",
            Fresh::Udb { .. } => "BackupUDBInstance",
            Fresh::Dds { .. } => "CreateManualBackup",
        }
    }

    /// Starts the backup, waits for it by `wait`, and returns the source of its links.
    /// `started` is told the new backup's id (or task id) as soon as the vendor gives it.
    pub async fn take(
        &self,
        clients: &Clients,
        wait: &WaitOptions,
        started: impl Fn(&str),
    ) -> Result<Source, LinkError> {
        let op = self.operation();
        match self {
            Fresh::Cdb {
                instance_id,
                databases,
            } => {
                let client = need(&clients.cdb, op, "Tencent")?;
                let req = tencent::cdb::CreateBackupRequest::builder()
                    .instance_id(instance_id.as_str())
                    .backup_method("logical")
                    .build()
                    .map_err(wrap(op))?;
                let out = client.create_backup(&req).await.map_err(wrap(op))?;
                let id = out.backup_id.ok_or_else(|| missing(op, "BackupId"))?;
                started(&id.to_string());
                let id = i64::try_from(id).map_err(|_| missing(op, "a BackupId in range"))?;
                let list = tencent::cdb::DescribeBackupsRequest::builder()
                    .instance_id(instance_id.as_str())
                    .build()
                    .map_err(wrap("DescribeBackups"))?;
                let done = client
                    .wait_until_backup_done(list, id, wait)
                    .await
                    .map_err(wrap("DescribeBackups"))?;
                Ok(Source::CdbExport {
                    instance_id: instance_id.clone(),
                    date: done
                        .date
                        .ok_or_else(|| missing("DescribeBackups", "Date"))?,
                    databases: databases.clone(),
                })
            }
            Fresh::Redis {
                instance_id,
                remark,
            } => {
                let client = need(&clients.redis, op, "Tencent")?;
                let req = tencent::redis::ManualBackupInstanceRequest::builder()
                    .instance_id(instance_id.as_str())
                    .remark(remark.as_str())
                    .build()
                    .map_err(wrap(op))?;
                let out = client
                    .manual_backup_instance(&req)
                    .await
                    .map_err(wrap(op))?;
                let task = out.task_id.ok_or_else(|| missing(op, "TaskId"))?;
                started(&format!("task {task}"));
                let task = u64::try_from(task).map_err(|_| missing(op, "a TaskId in range"))?;
                let poll = tencent::redis::DescribeTaskInfoRequest::builder()
                    .task_id(task)
                    .build()
                    .map_err(wrap("DescribeTaskInfo"))?;
                client
                    .wait_until_task_done(poll, wait)
                    .await
                    .map_err(wrap("DescribeTaskInfo"))?;
                let list = tencent::redis::DescribeInstanceBackupsRequest::builder()
                    .instance_id(instance_id.as_str())
                    .build()
                    .map_err(wrap("DescribeInstanceBackups"))?;
                let mut backups = client.describe_instance_backups_paginator(list).items();
                while let Some(b) = backups.next().await {
                    let b = b.map_err(wrap("DescribeInstanceBackups"))?;
                    if b.remark.as_deref() == Some(remark.as_str())
                        && let Some(backup_id) = b.backup_id
                    {
                        return Ok(Source::RedisV3 {
                            instance_id: instance_id.clone(),
                            backup_id,
                        });
                    }
                }
                Err(missing(
                    "DescribeInstanceBackups",
                    &format!("a backup with the remark `{remark}` (the task succeeded)"),
                ))
            }
            Fresh::Udb {
                region,
                db_id,
                name,
                valid_time,
            } => {
                let client = need(&clients.udb, op, "UCloud")?;
                let req = ucloud::udb::BackupUdbInstanceRequest::builder()
                    .region(region.as_str())
                    .db_id(db_id.as_str())
                    .backup_name(name.as_str())
                    .build()
                    .map_err(wrap(op))?;
                let out = client.backup_udb_instance(&req).await.map_err(wrap(op))?;
                let id = out.backup_id.ok_or_else(|| missing(op, "BackupId"))?;
                started(&id.to_string());
                let poll = ucloud::udb::DescribeUdbInstanceBackupStateRequest::builder()
                    .region(region.as_str())
                    .backup_id(id)
                    .build()
                    .map_err(wrap("DescribeUDBInstanceBackupState"))?;
                client
                    .wait_until_backup_done(poll, wait)
                    .await
                    .map_err(wrap("DescribeUDBInstanceBackupState"))?;
                Ok(Source::Udb {
                    region: region.clone(),
                    db_id: db_id.clone(),
                    backup_id: id,
                    valid_time: *valid_time,
                })
            }
            Fresh::Dds { instance_id, name } => {
                let client = need(&clients.dds, op, "Huawei")?;
                let body = huawei::dds::CreateManualBackupRequestBody {
                    backup: Some(huawei::dds::CreateManualBackupOption {
                        instance_id: instance_id.clone(),
                        name: name.clone(),
                        description: Some("taken by cloud-backup --fresh".into()),
                    }),
                };
                let req = huawei::dds::CreateManualBackupRequest::builder()
                    .body(body)
                    .build()
                    .map_err(wrap(op))?;
                let out = client.create_manual_backup(&req).await.map_err(wrap(op))?;
                let id = out.backup_id.ok_or_else(|| missing(op, "backup_id"))?;
                started(&id);
                let list = huawei::dds::ListBackupsRequest::builder()
                    .instance_id(instance_id.as_str())
                    .backup_id(id.as_str())
                    .build()
                    .map_err(wrap("ListBackups"))?;
                client
                    .wait_until_backup_done(list, id.as_str(), wait)
                    .await
                    .map_err(wrap("ListBackups"))?;
                Ok(Source::Dds {
                    instance_id: instance_id.clone(),
                    backup_id: id,
                })
            }
        }
    }
}

/// A response that lacks what the next step needs.
fn missing(op: &'static str, what: &str) -> LinkError {
    wrap(op)(format!("the response has no {what}"))
}
