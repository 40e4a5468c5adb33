//! The emulator places a request in its service: two fixture services sharing a Tencent
//! action (`PingWidgets` of `widgets` and `gadgets`) and two sharing a Huawei method and path
//! (`POST /v1/{project_id}/widgets` of `widgets` and `gadgets`), called through the clients
//! generated from the fixture corpus.

use emulator::{Emulator, Received, Verdict};
use runtime::{ClientConfig, SdkError, ServiceError};
use tests::fixture_sdk::huawei::{gadgets as hgadgets, widgets as hwidgets};
use tests::fixture_sdk::tencent::{gadgets, widgets};

async fn start() -> Emulator {
    tests::fixture_emulator::start().await
}

fn config(endpoint: &str) -> ClientConfig {
    ClientConfig::new()
        .region("cn-north-4")
        .endpoint(endpoint)
        .max_attempts(1)
}

fn last(emu: &Emulator) -> Received {
    emu.requests().pop().expect("a request was received")
}

#[tokio::test]
async fn a_shared_tencent_action_is_answered_by_the_service_the_signature_names() {
    let emu = start().await;
    let keys = emu.keys().tencent.clone();
    for endpoint in [emu.endpoint(), emu.endpoint_for("gadgets")] {
        let client = gadgets::Client::new(config(&endpoint), keys.clone()).expect("client");
        let request = gadgets::PingWidgetsRequest::builder()
            .gadget_id("g-1")
            .build()
            .expect("valid");
        let response = client
            .ping_widgets(&request)
            .await
            .expect("gadgets answers");
        // The synthesized answer of gadgets' own response type, not widgets' empty one.
        assert_eq!(response.gadget, "example-Gadget", "{endpoint}");
        assert_eq!(response.parts.len(), 1);
        let r = last(&emu);
        assert_eq!((r.service, r.verdict), (Some("gadgets"), Verdict::Accepted));
    }
    for endpoint in [emu.endpoint(), emu.endpoint_for("widgets")] {
        let client = widgets::Client::new(config(&endpoint), keys.clone()).expect("client");
        let request = widgets::PingWidgetsRequest::builder()
            .build()
            .expect("valid");
        client
            .ping_widgets(&request)
            .await
            .expect("widgets answers");
        let r = last(&emu);
        assert_eq!((r.service, r.verdict), (Some("widgets"), Verdict::Accepted));
    }
    // A request signed for widgets but sent to the port of gadgets is refused, not answered
    // as gadgets' operation of the same name.
    let astray = widgets::Client::new(config(&emu.endpoint_for("gadgets")), keys).expect("client");
    let err = astray
        .ping_widgets(
            &widgets::PingWidgetsRequest::builder()
                .build()
                .expect("valid"),
        )
        .await
        .expect_err("refused");
    let SdkError::Service(e) = err else {
        panic!("a service error: {err:?}")
    };
    assert_eq!(e.code(), "AuthFailure.SignatureFailure");
}

#[tokio::test]
async fn a_shared_huawei_path_is_placed_by_the_services_port_and_refused_on_the_shared_one() {
    let emu = start().await;
    let keys = emu.keys().huawei.clone();
    let gadget = hgadgets::CreateGadgetWidgetRequest::builder()
        .gadget_id("g-1")
        .zones(vec!["az-1".to_owned(), "az-2".to_owned()])
        .build()
        .expect("valid");
    let widget = hwidgets::CreateWidgetRequest::builder()
        .project_id(
            keys.project_id
                .clone()
                .expect("the emulator's keys have a project"),
        )
        .name("w")
        .build()
        .expect("valid");

    let client =
        hgadgets::Client::new(config(&emu.endpoint_for("gadgets")), keys.clone()).expect("client");
    let created = client.create_gadget_widget(&gadget).await.expect("created");
    assert_eq!(created.gadget_widget_id, "example-gadget_widget_id");
    let r = last(&emu);
    assert_eq!(r.service, Some("gadgets"));
    // An `encoding: csv` list is one comma-separated value, signed and verified as sent.
    assert_eq!(r.query, "zones=az-1%2Caz-2");

    let client =
        hwidgets::Client::new(config(&emu.endpoint_for("widgets")), keys.clone()).expect("client");
    client.create_widget(&widget).await.expect("created");
    let r = last(&emu);
    assert_eq!((r.service, r.verdict), (Some("widgets"), Verdict::Accepted));

    // Nothing in the request names its service on the shared port: refused as the gateway
    // refuses an unknown API, whichever client sent it.
    let client = hwidgets::Client::new(config(&emu.endpoint()), keys).expect("client");
    let err = client.create_widget(&widget).await.expect_err("refused");
    let SdkError::Service(e) = err else {
        panic!("a service error: {err:?}")
    };
    assert_eq!(e.code(), "APIG.0101");
    let r = last(&emu);
    assert_eq!(r.service, None);
    let Verdict::Rejected { reason, .. } = r.verdict else {
        panic!("refused: {r:#?}")
    };
    assert!(reason.contains("gadgets, widgets"), "{reason}");
}
