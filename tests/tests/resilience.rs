//! Retries, rate limiting and injected faults, end to end against the emulator.
//!
//! The fault report (`resilience__fault_report.snap`) is the per-fault table the resilience
//! issue asks for: retried or not, attempts as counted by the emulator, final outcome, for an
//! idempotent and a non-idempotent call.

use std::time::{Duration, Instant};

use emulator::{Emulator, Fault, Malformed, Reply, Verdict};
use generated::runtime::{ClientConfig, OperationInfo, SdkError, ServiceError};
use generated::tencent::redis::{
    self, DescribeBackupUrlError, DescribeBackupUrlRequest, DescribeBackupUrlResponse,
};

const OP: &str = "DescribeBackupUrl";

async fn start() -> Emulator {
    tests::seed_emulator().await
}

fn client(emu: &Emulator, tweak: impl Fn(ClientConfig) -> ClientConfig) -> redis::Client {
    let config = ClientConfig::new()
        .region("ap-guangzhou")
        .endpoint(emu.endpoint())
        .max_attempts(3)
        .backoff(Duration::from_millis(1), Duration::from_millis(5))
        .attempt_timeout(Duration::from_millis(300))
        .max_body_bytes(64 << 10);
    redis::Client::new(tweak(config), emu.keys().tencent.clone()).expect("client")
}

fn request() -> DescribeBackupUrlRequest {
    generated::tencent::redis::catalog::describe_backup_url::example().expect("example")
}

/// Calls `DescribeBackupUrl` as declared (idempotent) or as if it were not.
async fn call(
    client: &redis::Client,
    idempotent: bool,
) -> Result<DescribeBackupUrlResponse, SdkError<DescribeBackupUrlError>> {
    let info = OperationInfo {
        idempotent,
        ..redis::catalog::describe_backup_url::OPERATION
    };
    let wire = client.unsigned_request(&request()).expect("wire");
    client.runtime().invoke(&info, wire).await
}

fn outcome(r: &Result<DescribeBackupUrlResponse, SdkError<DescribeBackupUrlError>>) -> String {
    match r {
        Ok(_) => "Ok".into(),
        Err(SdkError::Service(e)) => {
            let debug = format!("{e:?}");
            let variant = debug.split("(ErrorMeta").next().unwrap_or_default();
            let close = ")".repeat(variant.matches('(').count());
            format!("Service {variant}{close}, code {}", e.meta().code)
        }
        Err(SdkError::Decode(e)) => format!("Decode(HTTP {})", e.status),
        Err(SdkError::Transport(e)) => format!("Transport({:?})", e.kind),
        Err(SdkError::Build(e)) => format!("Build({e})"),
        Err(other) => format!("{other:?}"),
    }
}

#[tokio::test]
async fn fault_report_retries_only_what_is_safe() {
    let emu = start().await;
    let client = client(&emu, |c| c);
    let faults: Vec<(&str, Reply)> = vec![
        (
            "HTTP 429, HTML page",
            Reply::Fault(Fault::Html {
                status: 429,
                retry_after: None,
            }),
        ),
        (
            "HTTP 503, HTML page",
            Reply::Fault(Fault::Html {
                status: 503,
                retry_after: None,
            }),
        ),
        ("HTTP 502, HTML page", Reply::Malformed(Malformed::Html502)),
        ("connection reset", Reply::Fault(Fault::Reset)),
        (
            "stall past the attempt timeout",
            Reply::Fault(Fault::Stall(Duration::from_secs(2))),
        ),
        ("truncated JSON", Reply::Malformed(Malformed::Truncated)),
        (
            "body over the size cap",
            Reply::Fault(Fault::Oversize(1 << 20)),
        ),
        (
            "slow drip past the timeout",
            Reply::Fault(Fault::Drip {
                chunks: 8,
                delay: Duration::from_millis(100),
            }),
        ),
        (
            "throttled: RequestLimitExceeded",
            Reply::Error("RequestLimitExceeded".into()),
        ),
        ("InternalError", Reply::Error("InternalError".into())),
        (
            "auth: AuthFailure.SignatureFailure",
            Reply::Error("AuthFailure.SignatureFailure".into()),
        ),
        (
            "unknown code",
            Reply::Custom {
                code: "Brand.New".into(),
                message: "m".into(),
                status: 200,
            },
        ),
    ];
    let mut report = String::from("fault | idempotent | attempts | retried | outcome\n");
    for (name, reply) in &faults {
        for idempotent in [true, false] {
            emu.set_reply(OP, reply.clone());
            emu.clear_requests();
            let result = call(&client, idempotent).await;
            let attempts = emu.requests().len();
            let retried = if attempts > 1 { "yes" } else { "no" };
            report.push_str(&format!(
                "{name} | {idempotent} | {attempts} | {retried} | {}\n",
                outcome(&result)
            ));
            assert!(result.is_err(), "{name}");
            // A non-idempotent call reaches the service once, unless the vendor's own code
            // says it refused the request unprocessed (throttling).
            if !idempotent && !name.starts_with("throttled") {
                assert_eq!(
                    attempts, 1,
                    "{name}: non-idempotent call sent {attempts} times"
                );
            }
        }
    }
    insta::assert_snapshot!("fault_report", report);
}

#[tokio::test]
async fn retries_recover_and_honour_retry_after() {
    let emu = start().await;
    let client = client(&emu, |c| c);
    // Two 503 pages, then the sample: the third attempt succeeds.
    emu.queue_replies(
        OP,
        [
            Reply::Fault(Fault::Html {
                status: 503,
                retry_after: None,
            }),
            Reply::Fault(Fault::Reset),
        ],
    );
    let r = call(&client, true).await;
    assert!(r.is_ok(), "{r:?}");
    assert_eq!(emu.requests().len(), 3);
    // Every attempt was signed afresh: three distinct Authorization headers would need three
    // timestamps; at least the emulator accepted each one's signature.
    assert!(
        emu.requests()
            .iter()
            .all(|r| r.verdict == Verdict::Accepted)
    );
    // Retry-After: 1 is honoured even though the backoff is milliseconds.
    emu.clear_requests();
    emu.queue_replies(
        OP,
        [Reply::Fault(Fault::Html {
            status: 429,
            retry_after: Some(1),
        })],
    );
    let started = Instant::now();
    let r = call(&client, true).await;
    assert!(r.is_ok(), "{r:?}");
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    let log = emu.requests();
    assert!(log[1].at - log[0].at >= Duration::from_secs(1));
    // A Retry-After beyond the total timeout is not waited for.
    let short = client_with_total(&emu, Duration::from_millis(500));
    emu.queue_replies(
        OP,
        [Reply::Fault(Fault::Html {
            status: 429,
            retry_after: Some(30),
        })],
    );
    let started = Instant::now();
    let r = call(&short, true).await;
    assert!(
        matches!(r, Err(SdkError::Decode(ref e)) if e.status == 429),
        "{r:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(2));
}

fn client_with_total(emu: &Emulator, total: Duration) -> redis::Client {
    client(emu, |c| c.total_timeout(total))
}

/// Seed 002's spec says 20 requests/s. 200 concurrent calls on clones of one client never
/// exceed that in any one-second window, as the emulator counts arrivals.
#[tokio::test]
async fn rate_limit_from_the_spec_holds_across_clones_under_200_concurrent_calls() {
    let emu = start().await;
    let client = client(&emu, |c| c.max_attempts(1));
    let limit = redis::catalog::describe_backup_url::OPERATION
        .rate_limit
        .expect("spec rate");
    assert_eq!(limit, 20.0);
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..200 {
        let c = client.clone();
        tasks.spawn(async move { c.describe_backup_url(&request()).await.is_ok() });
    }
    let mut ok = 0;
    while let Some(r) = tasks.join_next().await {
        ok += usize::from(r.expect("task"));
    }
    let elapsed = started.elapsed();
    assert_eq!(ok, 200);
    let mut at: Vec<Duration> = emu.requests().iter().map(|r| r.at).collect();
    at.sort_unstable();
    assert_eq!(at.len(), 200);
    let max_in_window = (0..at.len())
        .map(|i| {
            at[i..]
                .iter()
                .take_while(|t| **t - at[i] < Duration::from_secs(1))
                .count()
        })
        .max()
        .unwrap_or_default();
    eprintln!(
        "rate limit: 200 calls in {elapsed:?}, at most {max_in_window} in any 1 s window (limit {limit})"
    );
    assert!(
        max_in_window as f64 <= limit,
        "{max_in_window} requests in one second"
    );
    // And it does not over-throttle: 200 calls at ~19/s take about 10.5 s.
    assert!(elapsed < Duration::from_secs(14), "{elapsed:?}");
}

/// Every attempt is signed again: API 2.0 requests carry a fresh random `Nonce` each time.
#[tokio::test]
async fn every_attempt_is_signed_afresh() {
    let emu = start().await;
    let keys = emu.keys().clone();
    let clients = demo::Clients::for_endpoint(
        &emu.endpoint(),
        (keys.tencent, keys.ucloud, keys.huawei),
        |c| c.backoff(Duration::from_millis(1), Duration::from_millis(2)),
    )
    .expect("clients");
    let op = generated::tencent::cdb::catalog::get_export_backup_url::OPERATION.name;
    let html = || {
        Reply::Fault(Fault::Html {
            status: 503,
            retry_after: None,
        })
    };
    emu.queue_replies(op, [html(), html()]);
    let outcome = clients.call(op).await.expect("known");
    assert!(matches!(outcome, demo::Outcome::Ok(_)), "{outcome:?}");
    let log = emu.requests();
    let mut nonces: Vec<String> = log
        .iter()
        .filter_map(|r| {
            r.query
                .split('&')
                .find_map(|p| p.strip_prefix("Nonce="))
                .map(str::to_owned)
        })
        .collect();
    assert_eq!(nonces.len(), 3);
    nonces.dedup();
    assert_eq!(nonces.len(), 3, "three attempts, three nonces");
    assert!(log.iter().all(|r| r.verdict == Verdict::Accepted));
}

/// Which calls a timeout retries, by operation: a read (`DescribeBackups`) is retried and
/// succeeds; a `Create…` without an idempotency token (`CreateBackup`) is sent once and its
/// timeout returned; `CreateDBInstance`, whose `ClientToken` the caller leaves unset, is
/// retried with the same fresh token on both attempts, and the next call gets another.
#[tokio::test]
async fn reads_and_calls_with_a_client_token_are_retried_with_one_token() {
    use generated::runtime::TransportErrorKind;
    use generated::tencent::cdb;
    let entry = |name: &str| generated::catalog::operation(name).expect("in the catalog");
    let emu = Emulator::start([
        entry("DescribeBackups"),
        entry("CreateBackup"),
        entry("CreateDBInstance"),
    ])
    .await
    .expect("emulator");
    let client = cdb::Client::new(
        ClientConfig::new()
            .region("ap-guangzhou")
            .endpoint(emu.endpoint_for("cdb"))
            .max_attempts(3)
            .backoff(Duration::from_millis(1), Duration::from_millis(5))
            .attempt_timeout(Duration::from_millis(300)),
        emu.keys().tencent.clone(),
    )
    .expect("client");
    let stall = || Reply::Fault(Fault::Stall(Duration::from_secs(2)));

    emu.queue_replies("DescribeBackups", [stall()]);
    let read = cdb::catalog::describe_backups::example().expect("example");
    let r = client.describe_backups(&read).await;
    assert!(r.is_ok(), "{r:?}");
    assert_eq!(emu.requests().len(), 2, "the read is retried once");

    emu.clear_requests();
    emu.queue_replies("CreateBackup", [stall()]);
    let create = cdb::catalog::create_backup::example().expect("example");
    let r = client.create_backup(&create).await;
    assert!(
        matches!(r, Err(SdkError::Transport(ref e)) if e.kind == TransportErrorKind::Timeout),
        "{r:?}"
    );
    assert_eq!(
        emu.requests().len(),
        1,
        "a create without a token is sent once"
    );

    let token = |body: &str| -> String {
        let v: serde_json::Value = serde_json::from_str(body).expect("JSON body");
        v["ClientToken"]
            .as_str()
            .expect("ClientToken sent")
            .to_owned()
    };
    emu.clear_requests();
    emu.queue_replies("CreateDBInstance", [stall()]);
    let tokened = cdb::catalog::create_db_instance::example().expect("example");
    assert!(tokened.client_token.is_none(), "the caller leaves it unset");
    let r = client.create_db_instance(&tokened).await;
    assert!(r.is_ok(), "{r:?}");
    let sent = emu.requests();
    assert_eq!(sent.len(), 2, "the create with a token is retried");
    assert!(sent.iter().all(|r| r.verdict == Verdict::Accepted));
    let first = token(&sent[0].body_text());
    assert_eq!(first.len(), 36, "{first}");
    assert_eq!(
        token(&sent[1].body_text()),
        first,
        "the same token on the retry"
    );

    emu.clear_requests();
    client.create_db_instance(&tokened).await.expect("answered");
    assert_ne!(
        token(&emu.requests()[0].body_text()),
        first,
        "a new call, a new token"
    );
}

/// Per-call options: a timeout shorter than the emulator's stall ends that call only; a
/// header, a region and a language set for one call arrive on that call only.
#[tokio::test]
async fn per_call_options_change_that_call_only() {
    use generated::runtime::{CallOptions, TransportErrorKind};
    let emu = start().await;
    let client = client(&emu, |c| c.attempt_timeout(Duration::from_secs(5)));
    let header = |r: &emulator::Received, name: &str| {
        r.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };

    // A stall of 400 ms: the one call with a 100 ms attempt timeout (and no retry) times
    // out; the client itself, with 5 s, waits it out.
    let stall = || Reply::Fault(Fault::Stall(Duration::from_millis(400)));
    emu.queue_replies(OP, [stall(), stall()]);
    let hurried = client.with_options(
        &CallOptions::new()
            .attempt_timeout(Duration::from_millis(100))
            .max_attempts(1),
    );
    let r = hurried.describe_backup_url(&request()).await;
    assert!(
        matches!(r, Err(SdkError::Transport(ref e)) if e.kind == TransportErrorKind::Timeout),
        "{r:?}"
    );
    let r = client.describe_backup_url(&request()).await;
    assert!(r.is_ok(), "the client's own timeout is unchanged: {r:?}");
    assert_eq!(emu.requests().len(), 2);

    // A header, a region and a language for one call.
    emu.clear_requests();
    let tagged = client.with_options(
        &CallOptions::new()
            .header("X-Trace-Id", "trace-1")
            .region("ap-shanghai")
            .language("en-US"),
    );
    tagged.describe_backup_url(&request()).await.expect("ok");
    client.describe_backup_url(&request()).await.expect("ok");
    let log = emu.requests();
    assert_eq!(log.len(), 2);
    assert!(
        log.iter().all(|r| r.verdict == Verdict::Accepted),
        "{log:#?}"
    );
    assert_eq!(header(&log[0], "x-trace-id").as_deref(), Some("trace-1"));
    assert_eq!(
        header(&log[0], "x-tc-region").as_deref(),
        Some("ap-shanghai")
    );
    assert_eq!(header(&log[0], "x-tc-language").as_deref(), Some("en-US"));
    assert_eq!(header(&log[1], "x-trace-id"), None);
    assert_eq!(
        header(&log[1], "x-tc-region").as_deref(),
        Some("ap-guangzhou")
    );
    assert_eq!(header(&log[1], "x-tc-language"), None);
    // `Debug` of the options names a header, never its value.
    let options = format!("{:?}", CallOptions::new().header("X-Token", "s3cret"));
    assert!(
        options.contains("X-Token") && !options.contains("s3cret"),
        "{options}"
    );
}

/// The response language is a client setting, sent in each protocol's own header: Tencent
/// API 3.0's `X-TC-Language`, Huawei's `X-Language`.
#[tokio::test]
async fn the_response_language_is_sent_in_each_protocols_header() {
    let emu = start().await;
    let tencent = client(&emu, |c| c.language("en-US"));
    tencent.describe_backup_url(&request()).await.expect("ok");
    let huawei = generated::huawei::dds::Client::new(
        ClientConfig::new()
            .region("cn-north-4")
            .endpoint(emu.endpoint())
            .language("en-us"),
        emu.keys().huawei.clone(),
    )
    .expect("client");
    let input = generated::huawei::dds::catalog::download_file::example().expect("example");
    let _ = huawei.download_file(&input).await;
    let log = emu.requests();
    assert_eq!(log.len(), 2, "{log:#?}");
    assert!(
        log.iter().all(|r| r.verdict == Verdict::Accepted),
        "{log:#?}"
    );
    let sent = |i: usize, name: &str| {
        log[i]
            .headers
            .iter()
            .any(|(k, v)| k == name && v.eq_ignore_ascii_case("en-us"))
    };
    assert!(sent(0, "x-tc-language"));
    assert!(sent(1, "x-language"));
}

#[tokio::test]
async fn a_configured_proxy_carries_the_calls() {
    let emu = start().await;
    // The endpoint's host does not resolve: only the proxy (the emulator, which takes a
    // proxied absolute-form request like any other) can answer.
    let proxied = ClientConfig::new()
        .region("ap-guangzhou")
        .endpoint("http://redis.proxied.invalid")
        .proxy(format!(
            "http://user:hunter2@{}",
            emu.endpoint().trim_start_matches("http://")
        ))
        .max_attempts(1);
    let debug = format!("{proxied:?}");
    assert!(
        !debug.contains("hunter2") && !debug.contains("user:"),
        "{debug}"
    );
    let client = redis::Client::new(proxied, emu.keys().tencent.clone()).expect("client");
    let out = client.describe_backup_url(&request()).await;
    assert!(out.is_ok(), "{out:?}");
    let log = emu.requests();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].verdict, Verdict::Accepted, "{:#?}", log[0]);
    // The proxy saw the credentials it asked for, as Basic authorization.
    assert!(
        log[0]
            .headers
            .iter()
            .any(|(k, v)| k.eq_ignore_ascii_case("proxy-authorization") && v.starts_with("Basic ")),
        "{:#?}",
        log[0].headers
    );
}

#[test]
fn network_settings_are_checked_when_the_client_is_built() {
    let keys = emulator::Keys::default().tencent;
    let build = |c: ClientConfig| redis::Client::new(c.region("ap-guangzhou"), keys.clone());
    let root = tests::read("tests/fixtures/tls/test-root.pem");
    assert!(build(ClientConfig::new().root_certificates_pem(root.clone())).is_ok());
    assert!(
        build(
            ClientConfig::new()
                .root_certificates_pem(root)
                .only_given_roots()
                .no_proxy()
        )
        .is_ok()
    );
    let err = |c: ClientConfig| build(c).expect_err("refused").to_string();
    let bad_root = err(ClientConfig::new().root_certificates_pem(b"not a certificate".to_vec()));
    assert!(bad_root.contains("root_certificates_pem #1"), "{bad_root}");
    let no_roots = err(ClientConfig::new().only_given_roots());
    assert!(no_roots.contains("only_given_roots"), "{no_roots}");
    let bad_proxy = err(ClientConfig::new().proxy("http://user:hunter2@[::1"));
    assert!(bad_proxy.contains("ClientConfig::proxy"), "{bad_proxy}");
    assert!(!bad_proxy.contains("hunter2"), "{bad_proxy}");
    let socks = err(ClientConfig::new().proxy("socks5://127.0.0.1:1080"));
    assert!(socks.contains("http or https"), "{socks}");
}
