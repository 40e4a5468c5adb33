//! Waiters against the emulator, one fixture waiter per shape: a response state
//! (`DescribeWidgetTask`'s `Status`), a keyed item of a paged list (`ListWidgets`, each poll
//! walks the pages), a keyed item of one response's list with integer key and state. Every
//! poll is a signed call the emulator verifies; success, a failure state, the deadline and
//! a poll's own error each end the wait as documented.

use std::time::Duration;

use emulator::{Paged, Reply};
use runtime::{SdkError, WaitErrorKind, WaitOptions};
use serde_json::{Value, json};
use tests::fixture_emulator::{accepted_calls, start as emulator, widgets as client};
use tests::fixture_sdk::tencent::widgets as tw;

/// Polls quickly, and gives up after `max_wait`.
fn quick(max_wait: Duration) -> WaitOptions {
    WaitOptions::new()
        .delay(Duration::from_millis(1), Duration::from_millis(5))
        .max_wait(max_wait)
}

fn task(body: Value) -> Reply {
    Reply::Template(json!({ "Response": body }).to_string())
}

fn task_request() -> tw::DescribeWidgetTaskRequest {
    tw::DescribeWidgetTaskRequest::builder()
        .task_id(42u64)
        .build()
        .expect("valid")
}

#[tokio::test]
async fn a_response_waiter_polls_until_a_success_state() {
    let emu = emulator().await;
    emu.queue_replies(
        "DescribeWidgetTask",
        ["preparing", "running", "running"].map(|s| task(json!({ "Status": s }))),
    );
    emu.set_reply("DescribeWidgetTask", task(json!({ "Status": "succeed" })));
    let done = client(&emu)
        .wait_until_widget_task_done(task_request(), &quick(Duration::from_secs(10)))
        .await
        .expect("the task succeeds on the fourth poll");
    assert_eq!(done.status.as_deref(), Some("succeed"));
    assert_eq!(accepted_calls(&emu, "DescribeWidgetTask"), 4);
}

#[tokio::test]
async fn a_failure_state_ends_the_wait_at_once() {
    let emu = emulator().await;
    emu.queue_replies("DescribeWidgetTask", [task(json!({ "Status": "running" }))]);
    emu.set_reply("DescribeWidgetTask", task(json!({ "Status": "failed" })));
    let err = client(&emu)
        .wait_until_widget_task_done(task_request(), &quick(Duration::from_secs(10)))
        .await
        .expect_err("`failed` is a failure state");
    let SdkError::Wait(e) = &err else {
        panic!("expected a wait error, got {err:?}")
    };
    assert_eq!(
        e.kind,
        WaitErrorKind::Failed {
            state: "failed".into()
        }
    );
    assert_eq!(e.waiter, "widget_task_done");
    assert_eq!(accepted_calls(&emu, "DescribeWidgetTask"), 2);
}

#[tokio::test]
async fn the_deadline_ends_a_wait_with_the_last_state() {
    let emu = emulator().await;
    emu.set_reply("DescribeWidgetTask", task(json!({ "Status": "running" })));
    let err = client(&emu)
        .wait_until_widget_task_done(task_request(), &quick(Duration::from_millis(150)))
        .await
        .expect_err("never done");
    let SdkError::Wait(e) = &err else {
        panic!("expected a wait error, got {err:?}")
    };
    let WaitErrorKind::TimedOut {
        waited,
        polls,
        last_state,
    } = &e.kind
    else {
        panic!("expected a timeout, got {e}")
    };
    assert!(*waited >= Duration::from_millis(150), "{waited:?}");
    assert_eq!(*polls as usize, accepted_calls(&emu, "DescribeWidgetTask"));
    assert_eq!(last_state.as_deref(), Some("running"));
    assert!(
        e.to_string().contains("the last state was `running`"),
        "{e}"
    );
}

#[tokio::test]
async fn a_poll_that_fails_past_its_retries_ends_the_wait_as_that_error() {
    let emu = emulator().await;
    emu.set_reply(
        "DescribeWidgetTask",
        Reply::Custom {
            code: "ResourceNotFound".into(),
            message: "no such task".into(),
            status: 200,
        },
    );
    let err = client(&emu)
        .wait_until_widget_task_done(task_request(), &quick(Duration::from_secs(10)))
        .await
        .expect_err("the task does not exist");
    let meta = err
        .as_service()
        .map(|e| runtime::ServiceError::meta(e).clone());
    assert_eq!(
        meta.map(|m| m.code),
        Some("ResourceNotFound".to_owned()),
        "{err:?}"
    );
    assert_eq!(accepted_calls(&emu, "DescribeWidgetTask"), 1);
}

fn widgets(n: usize, target: Option<&str>) -> Vec<Value> {
    (0..n)
        .map(|i| {
            let id = format!("w-{i:05}");
            let status = if i + 1 == n { target } else { Some("READY") };
            json!({ "WidgetId": id, "Status": status })
        })
        .collect()
}

#[tokio::test]
async fn a_keyed_waiter_walks_the_pages_until_its_item_is_ready() {
    let emu = emulator().await;
    // Poll 1: the new widget is not listed yet (two pages of 40). Poll 2: it is, on the
    // third page, still building. Poll 3: it is ready.
    let page = |items: Vec<Value>| Reply::Pages(Paged::new(items, 20));
    emu.queue_replies(
        "ListWidgets",
        std::iter::repeat_n(page(widgets(40, Some("READY"))), 2)
            .chain(std::iter::repeat_n(page(widgets(41, Some("BUILDING"))), 3)),
    );
    emu.set_reply("ListWidgets", page(widgets(41, Some("READY"))));
    let ready = client(&emu)
        .wait_until_widget_ready(
            tw::ListWidgetsRequest::builder().build().expect("valid"),
            "w-00040",
            &quick(Duration::from_secs(10)),
        )
        .await
        .expect("ready on the third poll");
    assert_eq!(ready.widget_id, "w-00040");
    assert_eq!(ready.status.as_deref(), Some("READY"));
    assert_eq!(accepted_calls(&emu, "ListWidgets"), 2 + 3 + 3);
}

#[tokio::test]
async fn a_keyed_waiter_stops_walking_once_it_finds_its_item() {
    let emu = emulator().await;
    emu.set_reply(
        "ListWidgets",
        Reply::Pages(Paged::new(widgets(100, None), 20)),
    );
    let found = client(&emu)
        .wait_until_widget_ready(
            tw::ListWidgetsRequest::builder().build().expect("valid"),
            "w-00003",
            &quick(Duration::from_secs(10)),
        )
        .await
        .expect("listed and ready on the first page");
    assert_eq!(found.widget_id, "w-00003");
    assert_eq!(accepted_calls(&emu, "ListWidgets"), 1);
}

#[tokio::test]
async fn a_keyed_waiter_reads_one_responses_list_with_integer_keys() {
    let emu = emulator().await;
    let steps = |second: i64| {
        task(json!({ "Status": "running", "Steps": [
            { "StepNo": 1, "Phase": 2 }, { "StepNo": 2, "Phase": second },
        ] }))
    };
    emu.queue_replies("DescribeWidgetTask", [steps(1), steps(1)]);
    emu.set_reply("DescribeWidgetTask", steps(2));
    let step = client(&emu)
        .wait_until_widget_step_done(task_request(), 2, &quick(Duration::from_secs(10)))
        .await
        .expect("step 2 is done on the third poll");
    assert_eq!((step.step_no, step.phase), (2, Some(2)));
    assert_eq!(accepted_calls(&emu, "DescribeWidgetTask"), 3);

    emu.set_reply("DescribeWidgetTask", steps(-1));
    let err = client(&emu)
        .wait_until_widget_step_done(task_request(), 2, &quick(Duration::from_secs(10)))
        .await
        .expect_err("-1 is a failure state");
    assert!(
        matches!(&err, SdkError::Wait(e) if e.kind == WaitErrorKind::Failed { state: "-1".into() }),
        "{err:?}"
    );
}
