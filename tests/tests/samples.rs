//! Every documented sample response decoded into its typed response (pretty `Debug`, with
//! redaction visible), through the same `decode` the client will use.

use generated::tencent::cdb::BackupType;
use tests::read;

/// Secrets that appear in the samples and must never appear in `Debug` output.
const SECRETS: &[&str] = &[
    "sign=",
    "q-signature",
    "NuRTyoDugir",
    "UCloudPublicKey",
    "rdsbucket.username",
    "xxxxxx",
    "ZDblezgJ",
];

fn assert_redacted(debug: &str) {
    for s in SECRETS {
        assert!(!debug.contains(s), "Debug output leaks `{s}`:\n{debug}");
    }
}

#[test]
fn seed_000_get_export_backup_url() {
    let body = read("specs/tencent/cdb/samples/get_export_backup_url.json");
    let r = generated::tencent::cdb::catalog::get_export_backup_url::decode(200, None, &body)
        .expect("documented sample decodes");
    let f = &r.data[0];
    assert_eq!(
        f.size,
        Some(671224),
        "\"size\":\"671224\" decodes as a number"
    );
    assert_eq!(f.backup_type, Some(BackupType::Mysql));
    assert_eq!(
        f.date
            .as_ref()
            .and_then(|d| d.parsed())
            .map(|t| t.unix_timestamp()),
        Some(1467738294)
    );
    assert!(
        f.in_url
            .as_ref()
            .is_some_and(|u| u.expose().contains("sign=ChupJ1dMt8W"))
    );
    let debug = format!("{r:#?}");
    assert_redacted(&debug);
    insta::assert_snapshot!(debug);
}

#[test]
fn seed_001_get_backup_download_url() {
    let body = read("specs/tencent/redis/samples/get_backup_download_url.json");
    let r = generated::tencent::redis::catalog::get_backup_download_url::decode(200, None, &body)
        .expect("documented sample decodes");
    let data = r.data.as_ref().expect("data is an object here");
    assert!(
        data.extranet
            .as_ref()
            .is_some_and(|u| u.expose().starts_with("http://203.195.128.115:9097/"))
    );
    let debug = format!("{r:#?}");
    assert_redacted(&debug);
    insta::assert_snapshot!(debug);
}

#[test]
fn seed_002_describe_backup_url() {
    let body = read("specs/tencent/redis/samples/describe_backup_url.json");
    let r = generated::tencent::redis::catalog::describe_backup_url::decode(200, None, &body)
        .expect("documented sample decodes");
    assert_eq!((r.download_url.len(), r.inner_download_url.len()), (5, 5));
    assert_eq!(r.request_id, "f1b5aabe-806a-4886-b839-9907baa24c85");
    let debug = format!("{r:#?}");
    assert_redacted(&debug);
    insta::assert_snapshot!(debug);
}

#[test]
fn seed_003_describe_udb_instance_backup_url() {
    let body = read("specs/ucloud/udb/samples/describe_udb_instance_backup_url.json");
    let r =
        generated::ucloud::udb::catalog::describe_udb_instance_backup_url::decode(200, None, &body)
            .expect("documented sample decodes");
    assert_eq!(
        r.md5.as_deref(),
        Some("SltVqrDH"),
        "`Md5` fills the `MD5` field"
    );
    let debug = format!("{r:#?}");
    assert_redacted(&debug);
    insta::assert_snapshot!(debug);
}

#[test]
fn seed_004_download_file() {
    let body = read("specs/huawei/dds/samples/download_file.json");
    let r = generated::huawei::dds::catalog::download_file::decode(200, Some("req-h-1"), &body)
        .expect("documented sample decodes");
    let f = &r.files[0];
    assert_eq!(f.size_bytes(), Some(2803 * 1024), "size is in KB");
    let t = f.link_expired_time.as_ref().expect("present");
    assert_eq!(
        (t.raw(), t.parsed()),
        ("2018-08-016T10:15:14+0000", None),
        "invalid date kept raw"
    );
    let debug = format!("{r:#?}");
    assert_redacted(&debug);
    insta::assert_snapshot!(debug);
}
