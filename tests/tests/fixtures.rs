//! Behaviour of code generated from the fixture corpus (compiled into `tests::fixture_sdk`):
//! recursion, maps, open enums, keyword and colliding names, secrets, no-parameter operations.

use runtime::ServiceError;
use tests::fixture_sdk::huawei::widgets::CreateWidgetRequest;
use tests::fixture_sdk::tencent::widgets::{
    self, DescribeWidgetTreeError, DescribeWidgetTreeRequest, Filter, WidgetKind,
};
use tests::fixture_sdk::ucloud::widgets::{self as uwidgets, PingRequest};
use tests::read;

#[test]
fn nested_recursive_maps_enums_decode() {
    let body = read("tests/fixtures/specs/tencent/widgets/samples/describe_widget_tree.json");
    let r =
        tests::fixture_sdk::tencent::widgets::describe_widget_tree::glue::decode(200, None, &body)
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
    .describe_widget_tree_request(&req)
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
    .ping_request(&req)
    .expect("wire");
    insta::assert_snapshot!(format!("{wire:#?}"));
    let r = tests::fixture_sdk::ucloud::widgets::ping::glue::decode(
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
        client.create_widget_request(&req).expect("wire")
    ));
    let e = DescribeWidgetTreeError::from(runtime::ErrorMeta::new(
        "LimitExceeded.Widgets",
        "m",
        None,
        200,
    ));
    assert!(matches!(e, DescribeWidgetTreeError::LimitExceededWidgets(_)) && e.is_retryable());
}
