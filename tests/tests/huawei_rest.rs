//! Huawei REST responses beyond a JSON object of members, through clients generated from
//! the fixture corpus (`tests/fixtures/specs/huawei/widgets`) against the emulator: typed
//! fields read from response headers (a HEAD, a secret token beside body members), a JSON
//! array as the whole body, and a text body that is not JSON.

use emulator::{Emulator, Reply, Verdict};
use runtime::ClientConfig;
use tests::fixture_sdk::huawei::widgets;

async fn client() -> (Emulator, widgets::Client) {
    let emu = Emulator::start(tests::fixture_sdk::catalog::operations())
        .await
        .expect("emulator starts");
    let config = ClientConfig::new()
        .region("cn-north-4")
        .endpoint(emu.endpoint_for("widgets"))
        .max_attempts(1);
    let client = widgets::Client::new(config, emu.keys().huawei.clone()).expect("client");
    (emu, client)
}

fn accepted(emu: &Emulator, method: &str) {
    let r = emu.requests().pop().expect("a request was received");
    assert_eq!(r.verdict, Verdict::Accepted, "{r:?}");
    assert_eq!(r.method, method, "{r:?}");
}

#[tokio::test]
async fn a_head_answer_is_read_from_its_headers() {
    let (emu, client) = client().await;
    let request = widgets::HeadWidgetRequest::builder()
        .widget_id("w-1")
        .build()
        .expect("valid");
    let response = client.head_widget(&request).await.expect("answered");
    // Typed from header text: the synthesized answer sends the spec's example.
    assert_eq!(response.widget_size, Some(42));
    assert_eq!(response.etag.as_deref(), Some("example-ETag"));
    accepted(&emu, "HEAD");
}

#[tokio::test]
async fn a_json_array_body_is_the_payload_field_and_headers_fill_theirs() {
    let (emu, client) = client().await;
    let request = widgets::ListWidgetNamesRequest::builder()
        .kinds(vec![
            widgets::WidgetKind::Round,
            widgets::WidgetKind::Square,
        ])
        .build()
        .expect("valid");
    emu.set_reply("ListWidgetNames", Reply::Template(r#"["a", "b"]"#.into()));
    let response = client.list_widget_names(&request).await.expect("answered");
    assert_eq!(response.names, vec!["a".to_owned(), "b".to_owned()]);
    // The emulator's request id header, read into the field.
    let id = response.request_id.expect("the header was read");
    assert!(!id.is_empty());
    let r = emu.requests().pop().expect("received");
    // A csv list of enum values is one comma-separated value.
    assert_eq!(r.query, "kinds=round%2Csquare", "{r:?}");
    assert_eq!(r.verdict, Verdict::Accepted, "{r:?}");
    // An empty body leaves the list empty rather than failing.
    emu.set_reply("ListWidgetNames", Reply::Template(String::new()));
    let response = client.list_widget_names(&request).await.expect("answered");
    assert!(response.names.is_empty());
}

#[tokio::test]
async fn a_text_body_is_returned_as_it_came_never_a_decode_error() {
    let (emu, client) = client().await;
    let request = widgets::GetWidgetNoteRequest::builder()
        .widget_id("w-1")
        .build()
        .expect("valid");
    for (body, want) in [
        ("<note>not JSON</note>", "<note>not JSON</note>"),
        ("plain text", "plain text"),
        (r#""a JSON string""#, "a JSON string"),
        (r#"{"a JSON":"object"}"#, r#"{"a JSON":"object"}"#),
    ] {
        emu.set_reply("GetWidgetNote", Reply::Template(body.into()));
        let response = client.get_widget_note(&request).await.expect("answered");
        assert_eq!(response.note.as_deref(), Some(want), "{body}");
    }
    // An error status is still the error envelope.
    emu.set_reply(
        "GetWidgetNote",
        Reply::Custom {
            code: "WID.0404".into(),
            message: "no note".into(),
            status: 404,
        },
    );
    let err = client
        .get_widget_note(&request)
        .await
        .expect_err("an error");
    assert!(format!("{err:?}").contains("WID.0404"), "{err:?}");
}

#[tokio::test]
async fn a_secret_header_field_is_typed_and_never_printed() {
    let (emu, client) = client().await;
    let request = widgets::CreateWidgetTokenRequest::builder()
        .build()
        .expect("valid");
    let response = client
        .create_widget_token(&request)
        .await
        .expect("answered");
    let token = response
        .subject_token
        .as_ref()
        .expect("the header was read");
    assert_eq!(token.expose(), "example-X-Subject-Token");
    assert!(response.expires_at.is_some(), "body members beside it");
    let printed = format!("{response:?}");
    assert!(!printed.contains("example-X-Subject-Token"), "{printed}");
    accepted(&emu, "POST");
}
