//! `--endpoint emulator`: the embedded loopback emulator, set up so that every seed link API
//! answers with links to files the emulator itself serves (deterministic content, COS-style
//! headers, signed URLs that expire). Each call renders fresh links, as the vendors do.

use std::time::Duration;

use emulator::{Emulator, Reply};
use generated::runtime::ClientConfig;
use md5::Digest;

use crate::fresh::Fresh;
use crate::source::{Clients, Source};

/// One emulated backup: the source to ask and the files it should yield.
#[derive(Clone, Debug)]
pub struct Emulated {
    /// What to ask for.
    pub source: Source,
    /// `(object key = file name, size in bytes)` of its files.
    pub files: Vec<(String, u64)>,
}

/// The running emulator with the five seed backups on it.
pub struct Setup {
    /// The emulator (stops when dropped).
    pub emulator: Emulator,
    /// Clients pointed at it, with its keys.
    pub clients: Clients,
    /// One backup per seed link API.
    pub backups: Vec<Emulated>,
}

impl std::fmt::Debug for Setup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Setup")
            .field("emulator", &self.emulator)
            .field("backups", &self.backups)
            .finish()
    }
}

/// The MD5 of an emulated object, in lower-case hex.
pub fn object_md5(emulator: &Emulator, key: &str, size: u64) -> String {
    let mut h = md5::Md5::new();
    let step = 8 << 20;
    let mut at = 0;
    while at < size {
        let end = (at + step).min(size);
        h.update(emulator.object_content(key, at..end));
        at = end;
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Starts the emulator and sets up one backup per seed link API, each file `size` bytes
/// (the Redis API 3.0 backup has two files; the second is 1 KiB + 1 byte longer, and the
/// DDS one reports its size in KiB).
pub async fn start(size: u64) -> std::io::Result<Setup> {
    // Every operation of the four services: `--fresh` creates and polls with more than the
    // link APIs.
    let emulator = Emulator::start(generated::catalog::operations()).await?;
    let put = |key: &str, size: u64| {
        emulator.put_object(key, size);
        (key.to_owned(), size)
    };
    let cdb = put("cdb154153_backup_2016-07-06.sql", size);
    let redis2 = put("dump.rdb", size);
    let redis3 = [
        put("redis-1001463-1.rdb", size),
        put("redis-1001463-2.rdb", size + 1025),
    ];
    let udb = put("udb-backup-1234.tar.gz", size);
    let dds = put("43e4feaab48f11e89039fa163ebaa7e4br02.tar", size);

    emulator.set_reply(
        "GetExportBackupUrl",
        Reply::Template(format!(
            r#"{{"code":"0","message":"","codeDesc":"Success","data":[{{"file_name":"{0}","size":"{1}","type":"mysql","date":"2016-07-06 01:04:54","in_url":"{{{{url:{0}}}}}"}}]}}"#,
            cdb.0, cdb.1
        )),
    );
    emulator.set_reply(
        "GetBackupDownloadUrl",
        Reply::Template(format!(
            r#"{{"code":0,"message":"","codeDesc":"Success","data":{{"intranet":"{{{{url:{0}}}}}","extranet":"{{{{url:{0}}}}}"}}}}"#,
            redis2.0
        )),
    );
    let infos: Vec<String> = redis3
        .iter()
        .map(|(k, n)| {
            format!(
                r#"{{"FileName":"{k}","FileSize":{n},"DownloadUrl":"{{{{url:{k}}}}}","InnerDownloadUrl":"{{{{url:{k}}}}}"}}"#
            )
        })
        .collect();
    emulator.set_reply(
        "DescribeBackupUrl",
        Reply::Template(format!(
            r#"{{"Response":{{"DownloadUrl":[],"InnerDownloadUrl":[],"Filenames":[],"BackupInfos":[{}],"RequestId":"emulated"}}}}"#,
            infos.join(",")
        )),
    );
    let md5 = object_md5(&emulator, &udb.0, udb.1);
    emulator.set_reply(
        "DescribeUDBInstanceBackupURL",
        Reply::Template(format!(
            r#"{{"Action":"DescribeUDBInstanceBackupURLResponse","BackupPath":"{{{{url:{0}}}}}","InnerBackupPath":"{{{{url:{0}}}}}","MD5":"{md5}","RetCode":0}}"#,
            udb.0
        )),
    );
    emulator.set_reply(
        "download-file",
        Reply::Template(format!(
            r#"{{"files":[{{"name":"{0}","size":{1},"download_link":"{{{{url:{0}}}}}","link_expired_time":"{{{{expires:{0}}}}}"}}],"bucket":"emulated"}}"#,
            dds.0,
            (dds.1 + 512) / 1024
        )),
    );

    let keys = emulator.keys().clone();
    let config = |region: &str| {
        ClientConfig::new()
            .region(region)
            .endpoint(emulator.endpoint())
    };
    let clients = Clients::new(
        Some((config("ap-guangzhou"), keys.tencent)),
        Some((config("cn-bj2").zone("cn-bj2-02"), keys.ucloud)),
        Some((config("cn-north-4"), keys.huawei)),
    )
    .map_err(std::io::Error::other)?;
    let backups = vec![
        Emulated {
            source: Source::CdbExport {
                instance_id: "cdb-c1nl9rpv".into(),
                date: "2016-07-06 01:04:54".into(),
                databases: vec!["test1".into()],
            },
            files: vec![cdb],
        },
        Emulated {
            source: Source::RedisV2 {
                redis_id: "crs-c7xq4kqu".into(),
                backup_id: "fb8d2cd6-f6ee-11e6-ac36-525400394272".into(),
            },
            files: vec![redis2],
        },
        Emulated {
            source: Source::RedisV3 {
                instance_id: "crs-4y9t57vt".into(),
                backup_id: "678362566696298532848117".into(),
            },
            files: redis3.to_vec(),
        },
        Emulated {
            source: Source::Udb {
                region: "cn-bj2".into(),
                db_id: "udb-xxx".into(),
                backup_id: 1234,
                valid_time: Duration::from_secs(4 * 3600),
            },
            files: vec![udb],
        },
        Emulated {
            source: Source::Dds {
                instance_id: "befb1cfe1f96403780396b0c54f85d11in02".into(),
                backup_id: "bd062e1af2d248b3bb4cd3dbb4183888br02".into(),
            },
            files: vec![dds],
        },
    ];
    Ok(Setup {
        emulator,
        clients,
        backups,
    })
}

/// The fresh backups `--all --fresh` takes: one per link API with a create call, on the
/// seed instances (the Redis remark is this run's).
pub fn fresh_backups(remark: &str) -> Vec<Fresh> {
    vec![
        Fresh::Cdb {
            instance_id: "cdb-c1nl9rpv".into(),
            databases: vec!["test1".into()],
        },
        Fresh::Redis {
            instance_id: "crs-4y9t57vt".into(),
            remark: remark.to_owned(),
        },
        Fresh::Udb {
            region: "cn-bj2".into(),
            db_id: "udb-xxx".into(),
            name: remark.to_owned(),
            valid_time: Duration::from_secs(4 * 3600),
        },
        Fresh::Dds {
            instance_id: "befb1cfe1f96403780396b0c54f85d11in02".into(),
            name: remark.to_owned(),
        },
    ]
}

impl Setup {
    /// Answers `fresh`'s create call and its waiter's polls as the vendor would: the first
    /// poll finds the backup still in progress, the next complete. The new backup's files
    /// are the seed backup's of the same link API (its link reply does not read the id).
    pub fn serve_fresh(&self, fresh: &Fresh) {
        let e = &self.emulator;
        match fresh {
            Fresh::Cdb { .. } => {
                e.set_reply(
                    "CreateBackup",
                    Reply::Template(
                        r#"{"Response":{"BackupId":102996666,"RequestId":"emulated"}}"#.into(),
                    ),
                );
                let listed = |status: &str| {
                    Reply::Template(format!(
                        r#"{{"Response":{{"TotalCount":2,"Items":[{{"BackupId":102996665,"Status":"SUCCESS","Date":"2016-07-05 01:04:54"}},{{"BackupId":102996666,"Status":"{status}","Date":"2016-07-06 01:04:54"}}],"RequestId":"emulated"}}}}"#
                    ))
                };
                e.queue_replies("DescribeBackups", [listed("RUNNING")]);
                e.set_reply("DescribeBackups", listed("SUCCESS"));
            }
            Fresh::Redis { remark, .. } => {
                e.set_reply(
                    "ManualBackupInstance",
                    Reply::Template(
                        r#"{"Response":{"TaskId":6954227,"RequestId":"emulated"}}"#.into(),
                    ),
                );
                let task = |status: &str| {
                    Reply::Template(format!(
                        r#"{{"Response":{{"Status":"{status}","TaskType":"Back up Instance","InstanceId":"crs-4y9t57vt","RequestId":"emulated"}}}}"#
                    ))
                };
                e.queue_replies("DescribeTaskInfo", [task("running")]);
                e.set_reply("DescribeTaskInfo", task("succeed"));
                let remark = serde_json::Value::from(remark.as_str());
                e.set_reply(
                    "DescribeInstanceBackups",
                    Reply::Template(format!(
                        r#"{{"Response":{{"TotalCount":2,"BackupSet":[{{"BackupId":"678362566696298532848116","Remark":"nightly","Status":2}},{{"BackupId":"678362566696298532848117","Remark":{remark},"Status":2}}],"RequestId":"emulated"}}}}"#
                    )),
                );
            }
            Fresh::Udb { .. } => {
                e.set_reply(
                    "BackupUDBInstance",
                    Reply::Template(
                        r#"{"Action":"BackupUDBInstanceResponse","RetCode":0,"BackupId":1234}"#
                            .into(),
                    ),
                );
                let state = |s: &str| {
                    Reply::Template(format!(
                        r#"{{"Action":"DescribeUDBInstanceBackupStateResponse","RetCode":0,"State":"{s}"}}"#
                    ))
                };
                e.queue_replies("DescribeUDBInstanceBackupState", [state("Backuping")]);
                e.set_reply("DescribeUDBInstanceBackupState", state("Success"));
            }
            Fresh::Dds { .. } => {
                e.set_reply(
                    "CreateManualBackup",
                    Reply::Template(
                        r#"{"job_id":"a6a1f6b5-a9e4-4d8e-bf6b-eb3f7f1bd4a6","backup_id":"bd062e1af2d248b3bb4cd3dbb4183888br02"}"#
                            .into(),
                    ),
                );
                let listed = |status: &str| {
                    Reply::Template(format!(
                        r#"{{"backups":[{{"id":"bd062e1af2d248b3bb4cd3dbb4183888br02","status":"{status}"}}],"total_count":1}}"#
                    ))
                };
                e.queue_replies("ListBackups", [listed("BUILDING")]);
                e.set_reply("ListBackups", listed("COMPLETED"));
            }
        }
    }
}
