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

fn last(emu: &Emulator) -> emulator::Received {
    let r = emu.requests().pop().expect("a request was received");
    assert_eq!(r.verdict, Verdict::Accepted, "{r:?}");
    r
}

fn header<'a>(r: &'a emulator::Received, name: &str) -> &'a str {
    r.headers
        .iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

#[tokio::test]
async fn a_multipart_upload_sends_text_parts_then_the_file_part() {
    let (emu, client) = client().await;
    // Not UTF-8, and holding a CRLF: the bytes go as they are.
    let file: Vec<u8> = vec![0x50, 0x4b, 0x03, 0x04, 0xff, 0xfe, b'\r', b'\n', 0x00];
    let request = widgets::UploadWidgetManualRequest::builder()
        .widget_id("w-1")
        .file(
            runtime::Blob::new(file.clone())
                .with_file_name("manual \"v2\".xlsx")
                .with_content_type("application/vnd.ms-excel"),
        )
        .language("en")
        .is_public(true)
        .build()
        .expect("valid");
    let printed = format!("{request:?}");
    assert!(printed.contains("len: 9"), "{printed}");
    client
        .upload_widget_manual(&request)
        .await
        .expect("answered");
    let r = last(&emu);
    let ct = header(&r, "content-type");
    let boundary = ct
        .strip_prefix("multipart/form-data; boundary=")
        .unwrap_or_else(|| panic!("a multipart type with its boundary: {ct}"));
    // The SDK's rule: a body other than JSON is signed as `UNSIGNED-PAYLOAD`.
    assert_eq!(header(&r, "x-sdk-content-sha256"), "UNSIGNED-PAYLOAD");
    let mut want = Vec::new();
    for (name, value) in [("language", "en"), ("is_public", "true")] {
        want.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    want.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; \
             filename=\"manual %22v2%22.xlsx\"\r\nContent-Type: application/vnd.ms-excel\r\n\r\n"
        )
        .as_bytes(),
    );
    want.extend_from_slice(&file);
    want.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    assert_eq!(r.body, want);
    // The same request encodes to the same bytes (the boundary comes from the parts).
    client
        .upload_widget_manual(&request)
        .await
        .expect("answered");
    assert_eq!(last(&emu).body, want);
}

#[tokio::test]
async fn a_multipart_request_without_its_file_part_fails_at_build() {
    let (emu, _client) = client().await;
    let err = widgets::UploadWidgetManualRequest::builder()
        .widget_id("w-1")
        .build()
        .expect_err("the file part is required");
    assert!(err.to_string().contains("file"), "{err}");
    assert!(emu.requests().is_empty(), "refused before any I/O");
}

#[tokio::test]
async fn bytes_as_the_whole_body_go_as_an_octet_stream() {
    let (emu, client) = client().await;
    let image = vec![0x89, b'P', b'N', b'G', 0x00, 0xff];
    let request = widgets::PutWidgetImageRequest::builder()
        .widget_id("w-1")
        .image(image.clone())
        .build()
        .expect("valid");
    client.put_widget_image(&request).await.expect("answered");
    let r = last(&emu);
    assert_eq!(header(&r, "content-type"), "application/octet-stream");
    assert_eq!(header(&r, "x-sdk-content-sha256"), "UNSIGNED-PAYLOAD");
    assert_eq!(r.body, image);
    // A blob's own content type is the body's.
    let request = widgets::PutWidgetImageRequest::builder()
        .widget_id("w-1")
        .image(runtime::Blob::new(image).with_content_type("image/png"))
        .build()
        .expect("valid");
    client.put_widget_image(&request).await.expect("answered");
    assert_eq!(header(&last(&emu), "content-type"), "image/png");
}

#[tokio::test]
async fn a_non_json_download_is_its_bytes_never_a_decode_error() {
    let (emu, client) = client().await;
    let request = widgets::GetWidgetImageRequest::builder()
        .widget_id("w-1")
        .build()
        .expect("valid");
    let bodies: [&[u8]; 4] = [
        &[0x89, b'P', b'N', b'G', 0x00, 0xff, 0xfe],
        b"<?xml version=\"1.0\"?><a/>",
        br#"{"looks":"like JSON"}"#,
        b"",
    ];
    for body in bodies {
        emu.set_reply(
            "GetWidgetImage",
            Reply::Bytes {
                content_type: "image/png".into(),
                body: body.to_vec(),
            },
        );
        let response = client.get_widget_image(&request).await.expect("answered");
        let image = response.image.as_ref().expect("the body is the field");
        assert_eq!(image.bytes(), body);
        assert_eq!(response.content_type.as_deref(), Some("image/png"));
        // Debug never prints a file's bytes.
        assert!(format!("{response:?}").contains(&format!("len: {}", body.len())));
    }
    // The default answer (synthesized) is bytes too.
    emu.set_reply("GetWidgetImage", Reply::Default);
    let response = client.get_widget_image(&request).await.expect("answered");
    assert_eq!(
        response.image.expect("present").bytes(),
        b"example-image".as_slice()
    );
    // An error status is still the error envelope.
    emu.set_reply("GetWidgetImage", Reply::Error("APIG.0101".into()));
    let err = client
        .get_widget_image(&request)
        .await
        .expect_err("an error");
    assert!(format!("{err:?}").contains("APIG.0101"), "{err:?}");
}

#[tokio::test]
async fn a_form_body_is_url_encoded_with_lists_as_repeated_keys() {
    let (emu, client) = client().await;
    let request = widgets::SubmitWidgetFormRequest::builder()
        .widget_id("w-1")
        .label("a b&c")
        .sizes(vec![1, 2])
        .build()
        .expect("valid");
    client.submit_widget_form(&request).await.expect("answered");
    let r = last(&emu);
    assert_eq!(
        header(&r, "content-type"),
        "application/x-www-form-urlencoded"
    );
    assert_eq!(
        String::from_utf8_lossy(&r.body),
        "Label=a+b%26c&Sizes=1&Sizes=2"
    );
}

#[tokio::test]
async fn json_values_and_maps_are_json_objects_in_the_body() {
    let (emu, client) = client().await;
    let settings = serde_json::json!({ "depth": 3, "tags": ["x"], "nested": { "k": null } });
    let request = widgets::SetWidgetSettingsRequest::builder()
        .widget_id("w-1")
        .settings(settings.clone())
        .labels(std::collections::BTreeMap::from([(
            "env".to_owned(),
            "prod".to_owned(),
        )]))
        .build()
        .expect("valid");
    emu.set_reply(
        "SetWidgetSettings",
        Reply::Template(r#"{"settings": {"depth": 3, "any": [1, "two"]}}"#.into()),
    );
    let response = client
        .set_widget_settings(&request)
        .await
        .expect("answered");
    assert_eq!(
        response.settings,
        Some(serde_json::json!({ "depth": 3, "any": [1, "two"] }))
    );
    let body: serde_json::Value = serde_json::from_slice(&last(&emu).body).expect("JSON");
    assert_eq!(
        body,
        serde_json::json!({
            "settings": { "depth": 3, "tags": ["x"], "nested": { "k": null } },
            "labels": { "env": "prod" },
        })
    );
}

#[tokio::test]
async fn a_tencent_action_with_a_file_is_a_multipart_form_signed_over_its_bytes() {
    use tests::fixture_sdk::tencent::widgets as tc;
    let emu = Emulator::start(tests::fixture_sdk::catalog::operations())
        .await
        .expect("emulator starts");
    let config = ClientConfig::new()
        .region("ap-guangzhou")
        .endpoint(emu.endpoint_for("widgets"))
        .max_attempts(1);
    let client = tc::Client::new(config, emu.keys().tencent.clone()).expect("client");
    let request = tc::UploadWidgetFileRequest::builder()
        .widget_id(7)
        .file(vec![0x00, 0xff, b'\r', b'\n'])
        .tags(vec!["a".to_owned()])
        .build()
        .expect("valid");
    client.upload_widget_file(&request).await.expect("answered");
    let r = emu
        .requests()
        .into_iter()
        .rfind(|r| r.operation == Some("UploadWidgetFile"))
        .expect("received");
    // The emulator recomputed the TC3 signature over these bytes and the boundary'd type.
    assert_eq!(r.verdict, Verdict::Accepted, "{r:?}");
    let ct = header(&r, "content-type");
    let boundary = ct
        .strip_prefix("multipart/form-data; boundary=")
        .unwrap_or_else(|| panic!("multipart: {ct}"));
    let body = r.body_text();
    for part in [
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"WidgetId\"\r\n\r\n7\r\n"),
        "Content-Disposition: form-data; name=\"Tags\"\r\nContent-Type: application/json\r\n\r\n[\"a\"]\r\n".to_owned(),
        "Content-Disposition: form-data; name=\"File\"; filename=\"File\"\r\n".to_owned(),
    ] {
        assert!(body.contains(&part), "{part:?} in {body:?}");
    }
    assert!(r.body.windows(4).any(|w| w == [0x00, 0xff, b'\r', b'\n']));
}
