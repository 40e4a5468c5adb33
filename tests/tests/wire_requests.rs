//! The exact wire request each client method builds for each seed's documented example
//! input (`demo`'s, shared with the e2e tests), plus request validation before any I/O and error-code mapping.

use generated::huawei::dds::{self, DownloadFileRequest};
use generated::protocols;
use generated::runtime::ClientConfig;
use generated::runtime::wire::Body;
use generated::runtime::{HuaweiCredentials, TencentCredentials, UCloudCredentials};
use generated::runtime::{SdkError, ServiceError};
use generated::tencent::cdb::{self, GetExportBackupUrlError, GetExportBackupUrlRequest};
use generated::tencent::redis::{self, DescribeBackupUrlError};
use generated::ucloud::udb::{
    self, DescribeUdbInstanceBackupUrlError, DescribeUdbInstanceBackupUrlRequest,
};

fn tencent() -> TencentCredentials {
    TencentCredentials::new("AKIDEXAMPLE", "secret")
}

#[test]
fn seed_000_wire_request() {
    let req = generated::tencent::cdb::catalog::get_export_backup_url::example().expect("example");
    let client =
        cdb::Client::new(ClientConfig::new().region("ap-guangzhou"), tencent()).expect("client");
    let wire = client.unsigned_request(&req).expect("wire");
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
        .unsigned_request(&req)
        .expect("wire");
    insta::assert_snapshot!(format!("{wire:#?}"));
}

#[test]
fn seed_002_wire_request_and_financial_zone() {
    let req = generated::tencent::redis::catalog::describe_backup_url::example().expect("example");
    let wire = redis::Client::new(ClientConfig::new().region("ap-guangzhou"), tencent())
        .expect("client")
        .unsigned_request(&req)
        .expect("wire");
    assert_eq!(
        wire.body,
        Body::Json(r#"{"InstanceId":"crs-4y9t57vt","BackupId":"678362566696298532848117"}"#.into())
    );
    insta::assert_snapshot!(format!("{wire:#?}"));
    let fsi = redis::Client::new(ClientConfig::new().region("ap-shanghai-fsi"), tencent())
        .expect("client")
        .unsigned_request(&req)
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
        custom.unsigned_request(&req).expect("wire").host,
        "127.0.0.1:9000"
    );
}

#[test]
fn seed_003_wire_request_and_range_check() {
    let req = generated::ucloud::udb::catalog::describe_udb_instance_backup_url::example()
        .expect("example");
    let wire = udb::Client::new(ClientConfig::new(), UCloudCredentials::new("pub", "pk"))
        .expect("client")
        .unsigned_request(&req)
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
        .unsigned_request(&req)
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
    let sent = form(client.unsigned_request(&req).expect("wire"));
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
    let sent = form(client.unsigned_request(&own).expect("wire"));
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
    .unsigned_request(&req)
    .expect("wire");
    assert_eq!(
        wire.path,
        "/v3/97b026aa9cc4417888c14c84a1ad9860/backups/download-file"
    );
    insta::assert_snapshot!(format!("{wire:#?}"));
    let err = dds::Client::new(ClientConfig::new(), HuaweiCredentials::new("ak", "sk"))
        .expect("client")
        .unsigned_request(&req)
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

/// UCloud's form encoding against its official SDK's rules (`ucloud-sdk-python3` 0.11.150,
/// `ucloud/core/typesystem/encoder.py`), restated here independently of the runtime: a dict
/// member is `Key.Field`, a list item `Key.N` from 0, a dict in a list `Key.N.Field`; booleans
/// are `true`/`false`; a whole float is sent as an integer (`1.0` → `1`: the gateway reads
/// it as one); an unset value is left out. Floats are drawn where Python's `str` writes plain
/// decimals (it writes `1e-07` for what Rust writes `0.0000001`; both are read as the same
/// number, and the schemas' floats are prices and sizes).
mod ucloud_encoding {
    use generated::runtime::wire::Value;
    use proptest::prelude::*;

    /// A value as the Python SDK holds it before encoding.
    #[derive(Clone, Debug)]
    enum Py {
        None,
        Str(String),
        Int(i64),
        Float(f64),
        Bool(bool),
        List(Vec<Py>),
        Dict(Vec<(String, Py)>),
    }

    /// `encoder.encode_value`.
    fn py_text(v: &Py) -> String {
        match v {
            Py::Bool(b) => (if *b { "true" } else { "false" }).to_owned(),
            Py::Float(f) if f.fract() == 0.0 => format!("{}", *f as i64),
            Py::Float(f) => format!("{f}"),
            Py::Int(i) => i.to_string(),
            Py::Str(s) => s.clone(),
            Py::None | Py::List(_) | Py::Dict(_) => unreachable!("scalars only"),
        }
    }

    /// `encoder.encode` of one top-level key (the schema has left out `None`s).
    fn py_encode(key: &str, v: &Py, out: &mut Vec<(String, String)>) {
        match v {
            Py::None => {}
            Py::Dict(members) => {
                for (k, m) in members {
                    py_encode(&format!("{key}.{k}"), m, out);
                }
            }
            Py::List(items) => {
                for (i, item) in items.iter().enumerate() {
                    match item {
                        Py::Dict(members) => {
                            for (k, m) in members {
                                py_encode(&format!("{key}.{i}.{k}"), m, out);
                            }
                        }
                        Py::None => {}
                        scalar => out.push((format!("{key}.{i}"), py_text(scalar))),
                    }
                }
            }
            scalar => out.push((key.to_owned(), py_text(scalar))),
        }
    }

    /// The same value as generated code hands it to the runtime (a structure's members
    /// have `'static` wire names).
    fn to_value(v: &Py) -> Value {
        match v {
            Py::None => Value::Null,
            Py::Str(s) => Value::Str(s.clone()),
            Py::Int(i) => Value::Int(*i),
            Py::Float(f) => Value::Float(*f),
            Py::Bool(b) => Value::Bool(*b),
            Py::List(items) => Value::List(items.iter().map(to_value).collect()),
            Py::Dict(members) => Value::Object(
                members
                    .iter()
                    .map(|(k, m)| (&*Box::leak(k.clone().into_boxed_str()), to_value(m)))
                    .collect(),
            ),
        }
    }

    fn scalar() -> impl Strategy<Value = Py> {
        prop_oneof![
            "[a-zA-Z0-9 .:/_-]{0,12}".prop_map(Py::Str),
            any::<i64>().prop_map(Py::Int),
            (-1_000_000_000i64..1_000_000_000).prop_map(|n| Py::Float(n as f64)),
            (-1_000_000i64..1_000_000, 1u32..4)
                .prop_map(|(n, d)| Py::Float(n as f64 / 10f64.powi(d as i32))),
            any::<bool>().prop_map(Py::Bool),
            Just(Py::None),
        ]
    }

    fn member_name() -> impl Strategy<Value = String> {
        "[A-Z][A-Za-z0-9]{0,8}"
    }

    /// A structure: distinct member names, values scalars, lists or structures.
    fn dict(depth: u32) -> BoxedStrategy<Py> {
        let value = if depth == 0 {
            scalar().boxed()
        } else {
            prop_oneof![
                3 => scalar(),
                1 => prop::collection::vec(scalar(), 0..4).prop_map(Py::List),
                1 => prop::collection::vec(dict(depth - 1), 0..3).prop_map(Py::List),
                1 => dict(depth - 1),
            ]
            .boxed()
        };
        prop::collection::btree_map(member_name(), value, 0..4)
            .prop_map(|m| Py::Dict(m.into_iter().collect()))
            .boxed()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2_000))]

        #[test]
        fn flattening_matches_the_official_sdk(top in dict(3)) {
            let Py::Dict(params) = &top else { unreachable!() };
            let mut ours = Vec::new();
            let mut sdk = Vec::new();
            for (key, v) in params {
                to_value(v).flatten_into(key, &mut ours);
                py_encode(key, v, &mut sdk);
            }
            prop_assert_eq!(ours, sdk);
        }
    }
}
