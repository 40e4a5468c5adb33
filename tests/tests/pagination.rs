//! Paginators against the emulator's paged replies, one fixture operation per paging shape
//! (offset with and without a total, page number, cursor; a REST offset in the query): every
//! item comes back exactly once and in order at the sizes where paging goes wrong, a page
//! that fails once is retried, and a server that repeats a cursor ends the stream with an
//! error instead of a loop.

use emulator::{Emulator, Fault, Paged, Reply};
use serde_json::{Value, json};
use tests::fixture_emulator::{accepted_calls, start as emulator, widgets as tencent};
use tests::fixture_sdk::huawei::widgets as hw;
use tests::fixture_sdk::tencent::widgets as tw;

/// The sizes the issue names: none, one, a page, a page and one, and many pages.
const PAGE: usize = 20;
const SIZES: [usize; 5] = [0, 1, PAGE, PAGE + 1, 2345];

fn ids(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("w-{i:05}")).collect()
}

/// An emulator answering `op` with pages of `items`, `default_page` to a page unless asked.
async fn serving(op: &'static str, items: Vec<Value>, default_page: usize) -> Emulator {
    let emu = emulator().await;
    emu.set_reply(op, Reply::Pages(Paged::new(items, default_page)));
    emu
}

/// `ids(n)` as JSON strings.
fn id_values(n: usize) -> Vec<Value> {
    ids(n).into_iter().map(Value::from).collect()
}

/// `(accepted answers, 503s)` of `op`: the emulator logs a faulted request as accepted,
/// so the 503 is the one of the same page asked for twice.
fn accepted_or_503(emu: &Emulator, op: &str) -> (usize, usize) {
    let bodies: Vec<String> = emu
        .requests()
        .iter()
        .filter(|r| r.operation == Some(op))
        .map(|r| r.body_text().into_owned())
        .collect();
    let mut distinct = bodies.clone();
    distinct.dedup();
    (distinct.len(), bodies.len() - distinct.len())
}

/// The pages a walk over `n` items should take: one empty page for an empty list, else one
/// per `size` items, plus an empty one where only an empty page can say the end.
fn pages(n: usize, size: usize, ends_on_empty: bool) -> usize {
    n.div_ceil(size).max(1) + usize::from(ends_on_empty && n > 0 && n.is_multiple_of(size))
}

#[tokio::test]
async fn an_offset_walk_with_a_total_returns_every_item_once_in_order() {
    for n in SIZES {
        let emu = emulator().await;
        let items: Vec<Value> = ids(n)
            .iter()
            .map(|id| json!({ "WidgetId": id, "Name": "w" }))
            .collect();
        emu.set_reply("ListWidgets", Reply::Pages(Paged::new(items, PAGE)));
        let client = tencent(&emu);
        let got = client
            .list_widgets_paginator(tw::ListWidgetsRequest::builder().build().expect("valid"))
            .page_size(PAGE as u64)
            .items()
            .collect()
            .await
            .expect("every page");
        let got: Vec<String> = got.into_iter().map(|w| w.widget_id).collect();
        assert_eq!(got, ids(n), "n = {n}");
        // The total ends the walk: no call past the last page.
        assert_eq!(
            accepted_calls(&emu, "ListWidgets"),
            pages(n, PAGE, false),
            "n = {n}"
        );
    }
}

#[tokio::test]
async fn an_offset_walk_without_a_total_ends_on_a_short_or_empty_page() {
    for n in SIZES {
        let emu = serving("BrowseWidgets", id_values(n), PAGE).await;
        let client = tencent(&emu);
        let got = client
            .browse_widgets_paginator(tw::BrowseWidgetsRequest::builder().build().expect("valid"))
            .page_size(PAGE as u64)
            .items()
            .collect()
            .await
            .expect("every page");
        assert_eq!(got, ids(n), "n = {n}");
        assert_eq!(
            accepted_calls(&emu, "BrowseWidgets"),
            pages(n, PAGE, true),
            "n = {n}"
        );
    }
}

#[tokio::test]
async fn a_page_number_walk_returns_every_item_once_in_order() {
    for n in SIZES {
        // No page size asked for: the server's default (capped at the documented 20).
        let emu = serving("ListWidgetPages", id_values(n), PAGE).await;
        let client = tencent(&emu);
        let mut pages_seen = 0;
        let mut got = Vec::new();
        let mut stream = client
            .list_widget_pages_paginator(
                tw::ListWidgetPagesRequest::builder()
                    .build()
                    .expect("valid"),
            )
            .pages();
        while let Some(page) = stream.next().await {
            let page = page.expect("a page");
            assert_eq!(page.total, Some(n as i32));
            got.extend(page.widget_ids);
            pages_seen += 1;
        }
        assert_eq!(got, ids(n), "n = {n}");
        assert_eq!(pages_seen, pages(n, PAGE, false), "n = {n}");
    }
}

#[tokio::test]
async fn a_cursor_walk_returns_every_item_once_in_order() {
    for n in SIZES {
        let emu = serving("ScanWidgets", id_values(n), PAGE).await;
        let client = tencent(&emu);
        let got = client
            .scan_widgets_paginator(tw::ScanWidgetsRequest::builder().build().expect("valid"))
            .page_size(PAGE as u64)
            .items()
            .collect()
            .await
            .expect("every page");
        assert_eq!(got, ids(n), "n = {n}");
        assert_eq!(
            accepted_calls(&emu, "ScanWidgets"),
            pages(n, PAGE, false),
            "n = {n}"
        );
    }
}

#[tokio::test]
async fn a_rest_offset_walk_sends_its_position_in_the_query() {
    for n in SIZES {
        let emu = serving("ListWidgetRecords", id_values(n), 1000).await;
        let client = hw::Client::new(
            runtime::ClientConfig::new()
                .region("cn-north-4")
                .endpoint(emu.endpoint()),
            emulator::Keys::default().huawei,
        )
        .expect("client");
        let got = client
            .list_widget_records_paginator(
                hw::ListWidgetRecordsRequest::builder()
                    .build()
                    .expect("valid"),
            )
            .page_size(PAGE as u64)
            .items()
            .collect()
            .await
            .expect("every page");
        assert_eq!(got, ids(n), "n = {n}");
        let log = emu.requests();
        assert_eq!(log.len(), pages(n, PAGE, false), "n = {n}");
        if n > PAGE {
            assert_eq!(log[1].query, format!("limit={PAGE}&offset={PAGE}"));
        }
    }
}

#[tokio::test]
async fn a_page_that_fails_once_is_retried() {
    let emu = emulator().await;
    let n = 3 * PAGE;
    emu.set_reply(
        "BrowseWidgets",
        Reply::Pages(Paged::new(id_values(n), PAGE)),
    );
    let client = tencent(&emu);
    let mut stream = client
        .browse_widgets_paginator(tw::BrowseWidgetsRequest::builder().build().expect("valid"))
        .page_size(PAGE as u64)
        .items();
    let mut got = Vec::new();
    for _ in 0..PAGE {
        got.push(stream.next().await.expect("an item").expect("no error"));
    }
    // The second page's first answer is a gateway's 503.
    emu.queue_replies(
        "BrowseWidgets",
        [Reply::Fault(Fault::Html {
            status: 503,
            retry_after: None,
        })],
    );
    while let Some(item) = stream.next().await {
        got.push(item.expect("the 503 was retried"));
    }
    assert_eq!(got, ids(n));
    // Three full pages, then the empty one that ends a walk without a total; the second
    // page was asked for twice.
    assert_eq!(accepted_or_503(&emu, "BrowseWidgets"), (4, 1));
}

#[tokio::test]
async fn a_repeated_cursor_ends_the_stream_with_an_error() {
    let emu = emulator().await;
    let mut paged = Paged::new(id_values(5 * PAGE), PAGE);
    paged.repeat_cursor = true;
    emu.set_reply("ScanWidgets", Reply::Pages(paged));
    let client = tencent(&emu);
    let mut stream = client
        .scan_widgets_paginator(tw::ScanWidgetsRequest::builder().build().expect("valid"))
        .pages();
    let mut results = Vec::new();
    while let Some(page) = stream.next().await {
        results.push(page);
        assert!(results.len() < 10, "the stream loops");
    }
    // Page 1 hands out cursor-20; page 2 (from cursor-20) hands it out again.
    assert_eq!(results.len(), 3, "{results:?}");
    assert!(results[0].is_ok() && results[1].is_ok());
    let Err(runtime::SdkError::Pagination(e)) = &results[2] else {
        panic!("expected a pagination error, got {:?}", results[2]);
    };
    assert_eq!(e.operation, "ScanWidgets");
    assert_eq!(e.page, 2);
    assert!(e.to_string().contains("already followed"), "{e}");
}

#[tokio::test]
async fn an_error_that_survives_the_retries_is_the_last_item() {
    let emu = emulator().await;
    emu.set_reply(
        "ListWidgets",
        Reply::Custom {
            code: "ResourceNotFound.Widget".into(),
            message: "no widgets".into(),
            status: 200,
        },
    );
    let client = tencent(&emu);
    let mut stream = client
        .list_widgets_paginator(tw::ListWidgetsRequest::builder().build().expect("valid"))
        .items();
    let first = stream.next().await.expect("one item");
    assert!(
        matches!(first, Err(runtime::SdkError::Service(_))),
        "{first:?}"
    );
    assert!(stream.next().await.is_none());
}
