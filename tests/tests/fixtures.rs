//! Behaviour of code generated from the fixture corpus (compiled into `tests::fixture_sdk`):
//! recursion, maps, open enums, keyword and colliding names, secrets, no-parameter operations.

use runtime::ServiceError;
use tests::fixture_sdk::huawei::widgets::{
    CreateWidgetRequest, PatchWidgetTagsRequest, PutWidgetNoteRequest, Tag,
};
use tests::fixture_sdk::tencent::widgets::{
    self, DescribeWidgetTreeError, DescribeWidgetTreeRequest, Filter, WidgetKind,
};
use tests::fixture_sdk::ucloud::widgets::{self as uwidgets, PingRequest};
use tests::read;

#[test]
fn nested_recursive_maps_enums_decode() {
    let body = read("tests/fixtures/specs/tencent/widgets/samples/describe_widget_tree.json");
    let r = tests::fixture_sdk::tencent::widgets::catalog::describe_widget_tree::decode(
        200, None, &body,
    )
    .expect("fixture sample decodes");
    assert_eq!(r.root.children.len(), 2);
    assert_eq!(
        r.root.children[1].node_type,
        Some(WidgetKind::Unknown("flux-capacitor".into()))
    );
    assert_eq!(
        r.root.children[1].parent.as_ref().map(|p| p.name.as_str()),
        Some("root")
    );
    assert_eq!(
        r.kind.as_ref().map(WidgetKind::as_str),
        Some("brand-new-kind")
    );
    assert_eq!(r.tags["env"].weight, Some(0.5));
    assert_eq!(r.tags["team"].value.as_deref(), Some("7"));
    assert_eq!(r.size_bytes(), Some(2048 * 1024));
    assert_eq!(
        r.created_at.as_ref().map(|t| t.parsed().is_none()),
        Some(true),
        "Feb 30 kept raw"
    );
    insta::assert_snapshot!(format!("{r:#?}"));
}

#[test]
fn keyword_collision_secret_and_nested_request() {
    let req = DescribeWidgetTreeRequest::builder()
        .app_id(7u64)
        .app_id_text("7")
        .kind(WidgetKind::SelfRef)
        .filters(vec![Filter {
            name: "zone".into(),
            values: Some(vec!["a".into()]),
        }])
        .labels(
            [("k".to_owned(), "v".to_owned())]
                .into_iter()
                .collect::<std::collections::BTreeMap<_, _>>(),
        )
        .password("hunter2")
        .limit(10u32)
        .build()
        .expect("valid");
    assert!(
        !format!("{req:?}").contains("hunter2"),
        "secret redacted in Debug"
    );
    let wire = widgets::Client::new(
        runtime::ClientConfig::new(),
        runtime::TencentCredentials::new("AKID", "sk"),
    )
    .expect("client")
    .unsigned_request(&req)
    .expect("wire");
    insta::assert_snapshot!(format!("{wire:#?}"));
    let err = DescribeWidgetTreeRequest::builder()
        .app_id(1u64)
        .limit(0u32)
        .build()
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid DescribeWidgetTree request: `limit` (Limit) = 0 is out of range 1..=100"
    );
}

#[test]
fn operation_with_no_parameters() {
    let req = PingRequest::builder().build().expect("nothing to check");
    let wire = uwidgets::Client::new(
        runtime::ClientConfig::new(),
        runtime::UCloudCredentials::new("pub", "pk"),
    )
    .expect("client")
    .unsigned_request(&req)
    .expect("wire");
    insta::assert_snapshot!(format!("{wire:#?}"));
    let r = tests::fixture_sdk::ucloud::widgets::catalog::ping::decode(
        200,
        None,
        br#"{"RetCode":0,"Action":"PingResponse"}"#,
    )
    .expect("decodes");
    assert_eq!(format!("{r:?}"), "PingResponse");
}

#[test]
fn huawei_path_header_body_and_errors() {
    let req = CreateWidgetRequest::builder()
        .project_id("p 1")
        .x_client_token("tok")
        .name("w")
        .size_gb(8)
        .dry_run(true)
        .build()
        .expect("valid");
    let client = tests::fixture_sdk::huawei::widgets::Client::new(
        runtime::ClientConfig::new().region("cn-north-4"),
        runtime::HuaweiCredentials::new("ak", "sk"),
    )
    .expect("client");
    insta::assert_snapshot!(format!(
        "{:#?}",
        client.unsigned_request(&req).expect("wire")
    ));
    let e = DescribeWidgetTreeError::from(runtime::ErrorMeta::new(
        "LimitExceeded.Widgets",
        "m",
        None,
        200,
    ));
    assert!(matches!(e, DescribeWidgetTreeError::LimitExceededWidgets(_)) && e.is_retryable());
}

fn huawei_client(creds: runtime::HuaweiCredentials) -> tests::fixture_sdk::huawei::widgets::Client {
    tests::fixture_sdk::huawei::widgets::Client::new(
        runtime::ClientConfig::new().region("cn-north-4"),
        creds,
    )
    .expect("client")
}

fn sign(
    op: &runtime::OperationInfo,
    wire: runtime::WireRequest,
    creds: runtime::HuaweiCredentials,
) -> Result<runtime::SignedRequest, runtime::BuildError> {
    let ctx = runtime::SignContext {
        timestamp: 1_704_164_645,
        nonce: 1,
    };
    runtime::protocols::sign(op, wire, &creds.into(), &ctx)
}

#[test]
fn huawei_domain_scope_patch_and_json_array_payload() {
    use tests::fixture_sdk::huawei::widgets::catalog::patch_widget_tags::OPERATION;
    assert_eq!(OPERATION.scope, runtime::Scope::Domain);
    assert_eq!(OPERATION.method, runtime::Method::Patch);
    let req = PatchWidgetTagsRequest::builder()
        .widget_id("w-1")
        .zone(vec!["b".into(), "a".into()])
        .tags(vec![
            Tag {
                key: "env".into(),
                value: Some("prod".into()),
            },
            Tag {
                key: "team".into(),
                value: Some("a b".into()),
            },
        ])
        .build()
        .expect("valid");
    let creds = runtime::HuaweiCredentials::new("ak", "sk").with_domain_id("d1");
    let wire = huawei_client(creds.clone())
        .unsigned_request(&req)
        .expect("wire");
    assert_eq!(
        wire.body,
        runtime::Body::Json(
            r#"[{"key":"env","value":"prod"},{"key":"team","value":"a b"}]"#.into()
        ),
        "the array is the whole body"
    );
    insta::assert_snapshot!(format!("{wire:#?}"));
    let signed = sign(&OPERATION, wire.clone(), creds).expect("signed");
    assert_eq!(signed.path, "/v3/d1/widgets/w-1/tags");
    assert_eq!(signed.query, "zone=a&zone=b");
    let header = |name: &str| {
        signed
            .headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(header("X-Domain-Id"), Some("d1"));
    assert_eq!(header("X-Project-Id"), None);
    let no_domain = runtime::HuaweiCredentials::new("ak", "sk").with_project_id("p1");
    let err = sign(&OPERATION, wire, no_domain).unwrap_err();
    assert!(err.to_string().contains("domain id"), "{err}");
}

#[test]
fn huawei_raw_string_payload_with_callers_content_type() {
    use tests::fixture_sdk::huawei::widgets::catalog::put_widget_note::OPERATION;
    let req = PutWidgetNoteRequest::builder()
        .widget_id("w-1")
        .content_type("text/plain; charset=utf-8")
        .note("line one\nline two: {not json}")
        .build()
        .expect("valid");
    let creds = runtime::HuaweiCredentials::new("ak", "sk")
        .with_project_id("p1")
        .with_security_token("tok");
    let wire = huawei_client(creds.clone())
        .unsigned_request(&req)
        .expect("wire");
    let content_types: Vec<_> = wire
        .headers
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case("content-type"))
        .collect();
    assert_eq!(content_types.len(), 1, "replaced, not added");
    assert_eq!(
        wire.body,
        runtime::Body::Raw("line one\nline two: {not json}".into())
    );
    insta::assert_snapshot!(format!("{wire:#?}"));
    let signed = sign(&OPERATION, wire, creds).expect("signed");
    let auth = signed
        .headers
        .iter()
        .find(|(k, _)| k == "Authorization")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    assert!(
        auth.contains(
            "SignedHeaders=content-type;host;x-project-id;x-sdk-content-sha256;x-sdk-date;x-security-token,"
        ),
        "{auth}"
    );
    assert!(!format!("{signed:?}").contains("tok\""), "token redacted");
}

/// The emulator serving the fixture corpus verifies the new Huawei request shapes as sent:
/// a domain-scoped PATCH with a JSON-array body, and a raw-text PUT with the caller's
/// Content-Type and a security token.
#[tokio::test]
async fn emulator_accepts_the_new_huawei_shapes() {
    let mut keys = emulator::Keys::default();
    keys.huawei = keys
        .huawei
        .clone()
        .with_domain_id("d-emu")
        .with_security_token("tok-emu");
    let emu =
        emulator::Emulator::start_with(tests::fixture_sdk::catalog::operations(), keys.clone())
            .await
            .expect("emulator");
    let client = tests::fixture_sdk::huawei::widgets::Client::new(
        runtime::ClientConfig::new()
            .region("cn-north-4")
            .endpoint(emu.endpoint())
            .max_attempts(1),
        keys.huawei.clone(),
    )
    .expect("client");
    let patch = PatchWidgetTagsRequest::builder()
        .widget_id("w-1")
        .zone(vec!["b".into(), "a".into()])
        .tags(vec![Tag {
            key: "env".into(),
            value: Some("prod".into()),
        }])
        .build()
        .expect("valid");
    let _ = client.patch_widget_tags(&patch).await;
    let note = PutWidgetNoteRequest::builder()
        .widget_id("w-1")
        .content_type("text/plain; charset=utf-8")
        .note("line one\nline two: {not json}")
        .build()
        .expect("valid");
    let _ = client.put_widget_note(&note).await;
    let log = emu.requests();
    assert_eq!(log.len(), 2, "{log:#?}");
    for r in &log {
        assert_eq!(r.verdict, emulator::Verdict::Accepted, "{r:#?}");
        assert!(
            r.headers
                .iter()
                .any(|(k, v)| k == "x-security-token" && v == "tok-emu")
        );
    }
    assert_eq!(
        (log[0].method.as_str(), log[0].path.as_str()),
        ("PATCH", "/v3/d-emu/widgets/w-1/tags")
    );
    assert!(
        log[0]
            .headers
            .iter()
            .any(|(k, v)| k == "x-domain-id" && v == "d-emu")
    );
    assert_eq!(log[1].body_text(), "line one\nline two: {not json}");
}

/// Every type in every position compiles (the fixture corpus builds under clippy), and a
/// timestamp in a request travels as the text the caller gave.
#[test]
fn every_type_in_every_position_and_timestamps_in_requests() {
    use tests::fixture_sdk::tencent::shapes::{Client, EchoShapesRequest};
    let req = EchoShapesRequest::builder()
        .required("r")
        .time("2024-01-02T03:04:05Z")
        .time_list(vec!["2024-01-02T03:04:05+08:00".into()])
        .build()
        .expect("valid");
    let client = Client::new(
        runtime::ClientConfig::new().region("ap-guangzhou"),
        runtime::TencentCredentials::new("id", "key"),
    )
    .expect("client");
    let wire = client.unsigned_request(&req).expect("wire");
    let runtime::Body::Json(body) = &wire.body else {
        panic!("{wire:?}")
    };
    assert!(body.contains(r#""Time":"2024-01-02T03:04:05Z""#), "{body}");
    assert!(
        body.contains(r#""TimeList":["2024-01-02T03:04:05+08:00"]"#),
        "{body}"
    );
}

/// An operation with an error table of its own nests its service's enum: its own codes first,
/// then the service's as `Service(..)`, then the protocol's as `Common(..)`, else
/// `Unhandled`; meta and retry come through from where the code landed. An operation
/// without a table returns the service's enum itself.
#[test]
fn an_operation_table_nests_the_service_enum() {
    use tests::fixture_sdk::protocols::tencent_v3::TencentV3Error;
    let meta = |code: &str| runtime::ErrorMeta::new(code, "m", Some("rid".into()), 400);
    let own = DescribeWidgetTreeError::from(meta("ResourceNotFound.Widget"));
    assert!(
        matches!(own, DescribeWidgetTreeError::ResourceNotFoundWidget(_)),
        "{own:?}"
    );
    let service = DescribeWidgetTreeError::from(meta("ResourceInUse.Widget"));
    assert!(
        matches!(
            &service,
            DescribeWidgetTreeError::Service(widgets::WidgetsError::ResourceInUseWidget(_))
        ),
        "{service:?}"
    );
    assert_eq!(service.code(), "ResourceInUse.Widget");
    assert_eq!(service.meta().request_id.as_deref(), Some("rid"));
    assert_eq!(service.retry(), runtime::Retry::IfIdempotent);
    let common = DescribeWidgetTreeError::from(meta("AuthFailure.SignatureFailure"));
    assert!(
        matches!(
            common,
            DescribeWidgetTreeError::Common(TencentV3Error::AuthFailureSignatureFailure(_))
        ),
        "{common:?}"
    );
    let other = DescribeWidgetTreeError::from(meta("Nobody.Knows"));
    assert!(
        matches!(other, DescribeWidgetTreeError::Unhandled(_)),
        "{other:?}"
    );

    let ping: widgets::PingWidgetsError = widgets::WidgetsError::from(meta("ResourceInUse.Widget"));
    assert!(matches!(
        ping,
        widgets::WidgetsError::ResourceInUseWidget(_)
    ));
}

/// An idempotency token the caller leaves unset is filled with a fresh version-4 UUID on
/// each call's wire request; one the caller sets is sent as it is; the operation counts as
/// idempotent.
#[test]
fn an_unset_idempotency_token_is_filled_fresh_per_call() {
    use tests::fixture_sdk::tencent::widgets as tw;
    let client = tw::Client::new(
        runtime::ClientConfig::new().region("ap-guangzhou"),
        runtime::TencentCredentials::new("AKID", "sk"),
    )
    .expect("client");
    let token = |req: &tw::CreateWidgetRequest| -> Option<String> {
        match client.unsigned_request(req).expect("wire").body {
            runtime::Body::Json(text) => {
                let v: serde_json::Value = serde_json::from_str(&text).expect("JSON body");
                v["ClientToken"].as_str().map(str::to_owned)
            }
            other => panic!("{other:?}"),
        }
    };
    let unset = tw::CreateWidgetRequest::builder()
        .name("w")
        .build()
        .expect("valid");
    let (a, b) = (
        token(&unset).expect("filled"),
        token(&unset).expect("filled"),
    );
    assert_ne!(a, b, "each call its own token");
    assert_eq!(a.len(), 36, "{a}");
    let set = tw::CreateWidgetRequest::builder()
        .name("w")
        .client_token("mine")
        .build()
        .expect("valid");
    assert_eq!(token(&set).as_deref(), Some("mine"));
    const { assert!(tw::catalog::create_widget::OPERATION.idempotent) };
}
