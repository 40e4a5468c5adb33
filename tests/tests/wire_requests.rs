//! The exact wire request each client method builds for each seed's documented example
//! input (`demo`'s, shared with the e2e tests), plus request validation before any I/O and error-code mapping.

use generated::ClientConfig;
use generated::huawei::dds::{self, DownloadFileRequest};
use generated::runtime::wire::Body;
use generated::runtime::{HuaweiCredentials, TencentCredentials, UCloudCredentials};
use generated::tencent::cdb::{self, GetExportBackupUrlError, GetExportBackupUrlRequest};
use generated::tencent::redis::{self, DescribeBackupUrlError};
use generated::ucloud::udb::{
    self, DescribeUdbInstanceBackupUrlError, DescribeUdbInstanceBackupUrlRequest,
};
use generated::{SdkError, ServiceError, protocols};

fn tencent() -> TencentCredentials {
    TencentCredentials::new("AKIDEXAMPLE", "secret")
}

#[test]
fn seed_000_wire_request() {
    let req = generated::tencent::cdb::catalog::get_export_backup_url::example().expect("example");
    let client =
        cdb::Client::new(ClientConfig::new().region("ap-guangzhou"), tencent()).expect("client");
    let wire = client.get_export_backup_url_request(&req).expect("wire");
    let list = wire
        .query
        .iter()
        .find(|(k, _)| k == "dbTableList")
        .map(|(_, v)| v.as_str());
    assert_eq!(
        list,
        Some(
            r#"[{"dbname":"test1","tableList":[]},{"dbname":"mysql","tableList":["general_log","slow_log"]}]"#
        ),
        "dbTableList exactly as the document shows"
    );
    insta::assert_snapshot!(format!("{wire:#?}"));
}

#[test]
fn seed_001_wire_request() {
    let req =
        generated::tencent::redis::catalog::get_backup_download_url::example().expect("example");
    let wire = redis::Client::new(ClientConfig::new(), tencent())
        .expect("client")
        .get_backup_download_url_request(&req)
        .expect("wire");
    insta::assert_snapshot!(format!("{wire:#?}"));
}

#[test]
fn seed_002_wire_request_and_financial_zone() {
    let req = generated::tencent::redis::catalog::describe_backup_url::example().expect("example");
    let wire = redis::Client::new(ClientConfig::new().region("ap-guangzhou"), tencent())
        .expect("client")
        .describe_backup_url_request(&req)
        .expect("wire");
    assert_eq!(
        wire.body,
        Body::Json(r#"{"InstanceId":"crs-4y9t57vt","BackupId":"678362566696298532848117"}"#.into())
    );
    insta::assert_snapshot!(format!("{wire:#?}"));
    let fsi = redis::Client::new(ClientConfig::new().region("ap-shanghai-fsi"), tencent())
        .expect("client")
        .describe_backup_url_request(&req)
        .expect("wire");
    assert_eq!(fsi.host, "redis.ap-shanghai-fsi.tencentcloudapi.com");
    let custom = redis::Client::new(
        ClientConfig::new()
            .region("ap-shanghai-fsi")
            .endpoint("127.0.0.1:9000"),
        tencent(),
    )
    .expect("client");
    assert_eq!(
        custom.describe_backup_url_request(&req).expect("wire").host,
        "127.0.0.1:9000"
    );
}

#[test]
fn seed_003_wire_request_and_range_check() {
    let req = generated::ucloud::udb::catalog::describe_udb_instance_backup_url::example()
        .expect("example");
    let wire = udb::Client::new(ClientConfig::new(), UCloudCredentials::new("pub", "pk"))
        .expect("client")
        .describe_udb_instance_backup_url_request(&req)
        .expect("wire");
    insta::assert_snapshot!(format!("{wire:#?}"));
    // The document's own example sends ValidTime=5: out of range, refused before any I/O.
    let err = DescribeUdbInstanceBackupUrlRequest::builder()
        .valid_time(5)
        .build()
        .unwrap_err();
    insta::assert_snapshot!("seed_003_build_error", err.to_string());
}

#[test]
fn seed_003_region_and_project_come_from_the_client_unless_the_request_sets_them() {
    let req = DescribeUdbInstanceBackupUrlRequest::builder()
        .db_id("udb-x")
        .backup_id(7)
        .build()
        .expect("`Region` is not a field every caller must repeat");
    let creds = || UCloudCredentials::new("pub", "pk");
    let form = |wire: generated::runtime::WireRequest| match wire.body {
        Body::Form(pairs) => pairs,
        other => panic!("a form: {other:?}"),
    };
    // Neither the request nor the client has a region: refused before sending.
    let err = udb::Client::new(ClientConfig::new(), creds())
        .expect("client")
        .describe_udb_instance_backup_url_request(&req)
        .expect_err("no region anywhere");
    let text = err.to_string();
    assert!(
        text.contains("`Region` is required") && text.contains("ClientConfig::region"),
        "{text}"
    );
    // The client's region and project are sent; not its zone: the action's `Zone` is
    // optional, a choice the caller makes.
    let client = udb::Client::new(
        ClientConfig::new()
            .region("cn-bj2")
            .zone("cn-bj2-05")
            .project("org-1"),
        creds(),
    )
    .expect("client");
    let sent = form(
        client
            .describe_udb_instance_backup_url_request(&req)
            .expect("wire"),
    );
    for pair in [("Region", "cn-bj2"), ("ProjectId", "org-1")] {
        assert!(
            sent.contains(&(pair.0.to_owned(), pair.1.to_owned())),
            "{pair:?} in {sent:?}"
        );
    }
    assert!(!sent.iter().any(|(k, _)| k == "Zone"), "{sent:?}");
    // The request's own value wins over the client's.
    let own = DescribeUdbInstanceBackupUrlRequest::builder()
        .region("hk")
        .db_id("udb-x")
        .backup_id(7)
        .build()
        .expect("valid");
    let sent = form(
        client
            .describe_udb_instance_backup_url_request(&own)
            .expect("wire"),
    );
    assert!(
        sent.contains(&("Region".to_owned(), "hk".to_owned())),
        "{sent:?}"
    );
    assert!(!sent.contains(&("Region".to_owned(), "cn-bj2".to_owned())));
}

#[test]
fn seed_004_wire_request_and_region() {
    let req = DownloadFileRequest::builder()
        .project_id("97b026aa9cc4417888c14c84a1ad9860")
        .instance_id("befb1cfe1f96403780396b0c54f85d11in02")
        .backup_id("bd062e1af2d248b3bb4cd3dbb4183888br02")
        .build()
        .expect("valid");
    let wire = dds::Client::new(
        ClientConfig::new().region("cn-north-4"),
        HuaweiCredentials::new("ak", "sk"),
    )
    .expect("client")
    .download_file_request(&req)
    .expect("wire");
    assert_eq!(
        wire.path,
        "/v3/97b026aa9cc4417888c14c84a1ad9860/backups/download-file"
    );
    insta::assert_snapshot!(format!("{wire:#?}"));
    let err = dds::Client::new(ClientConfig::new(), HuaweiCredentials::new("ak", "sk"))
        .expect("client")
        .download_file_request(&req)
        .unwrap_err();
    assert!(err.to_string().contains("needs a region"), "{err}");
}

#[test]
fn missing_required_fields_are_all_reported() {
    let err = GetExportBackupUrlRequest::builder()
        .date("2016-07-06 01:04:54")
        .build()
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid GetExportBackupUrl request: missing required field `cdb_instance_id` (cdbInstanceId); \
         missing required field `db_table_list` (dbTableList)"
    );
}

#[test]
fn documented_codes_map_to_their_own_variants() {
    // 000: duplicate messages, distinct variants.
    let body = br#"{"code":9013,"message":"InternalError","codeDesc":"InternalError"}"#;
    let Err(SdkError::Service(e)) =
        generated::tencent::cdb::catalog::get_export_backup_url::decode(200, None, body)
    else {
        panic!()
    };
    assert!(
        matches!(e, GetExportBackupUrlError::SystemInternalError(_)),
        "{e:?}"
    );
    let body = br#"{"code":"9016","message":"InternalError"}"#;
    let Err(SdkError::Service(e)) =
        generated::tencent::cdb::catalog::get_export_backup_url::decode(200, None, body)
    else {
        panic!()
    };
    assert!(
        matches!(e, GetExportBackupUrlError::DesInternalError(_)),
        "{e:?}"
    );
    // Common 2.0 code, retryable per the doc.
    let body = br#"{"code":6000,"message":"busy"}"#;
    let Err(SdkError::Service(e)) =
        generated::tencent::cdb::catalog::get_export_backup_url::decode(200, None, body)
    else {
        panic!()
    };
    assert!(matches!(
        e,
        GetExportBackupUrlError::Common(
            protocols::tencent_v2::TencentV2Error::ServerInternalError(_)
        )
    ));
    assert!(e.is_retryable());
    // 002: string code inside HTTP 200, request id kept.
    let body = br#"{"Response":{"Error":{"Code":"ResourceNotFound.InstanceNotExists","Message":"no"},"RequestId":"r-9"}}"#;
    let Err(SdkError::Service(e)) =
        generated::tencent::redis::catalog::describe_backup_url::decode(200, None, body)
    else {
        panic!()
    };
    assert!(matches!(
        e,
        DescribeBackupUrlError::ResourceNotFoundInstanceNotExists(_)
    ));
    assert_eq!(e.meta().request_id.as_deref(), Some("r-9"));
    // Unknown code: Unhandled with everything preserved.
    let body =
        br#"{"Response":{"Error":{"Code":"Brand.NewCode","Message":"m"},"RequestId":"r-10"}}"#;
    let Err(SdkError::Service(e)) =
        generated::tencent::redis::catalog::describe_backup_url::decode(200, None, body)
    else {
        panic!()
    };
    insta::assert_snapshot!("unhandled_error", format!("{e:?}\n{e}"));
    // 003: UCloud RetCode 171 is the common signature error; request id from the header.
    let body = br#"{"RetCode":171,"Message":"Signature VerifyAC Error","Action":"DescribeUDBInstanceBackupURLResponse"}"#;
    let Err(SdkError::Service(e)) =
        generated::ucloud::udb::catalog::describe_udb_instance_backup_url::decode(
            200,
            Some("u-1"),
            body,
        )
    else {
        panic!()
    };
    assert!(matches!(
        e,
        DescribeUdbInstanceBackupUrlError::Common(protocols::ucloud::UcloudError::SignatureError(
            _
        ))
    ));
    assert_eq!(e.meta().request_id.as_deref(), Some("u-1"));
    // 004: HTTP status + error_code; a proxy's HTML page is a decode error, not a panic.
    let body = br#"{"error_code":"DBS.200002","error_msg":"Instance not found"}"#;
    let Err(SdkError::Service(e)) =
        generated::huawei::dds::catalog::download_file::decode(404, Some("h-1"), body)
    else {
        panic!()
    };
    assert!(matches!(e, dds::DownloadFileError::InstanceNotFound(_)));
    assert_eq!(e.meta().status, 404);
    let Err(SdkError::Decode(e)) = generated::huawei::dds::catalog::download_file::decode(
        502,
        None,
        b"<html>502 Bad Gateway</html>",
    ) else {
        panic!()
    };
    assert_eq!(
        (e.status, e.excerpt.as_str()),
        (502, "<html>502 Bad Gateway</html>")
    );
}
