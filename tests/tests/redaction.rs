//! Redaction proof: run the e2e scenarios (every operation's success, every documented error,
//! unknown codes, malformed bodies, faults, wrong keys, clock skew) while capturing every
//! `tracing` span and event, every `Debug` of clients, requests, responses and errors, and
//! every error's `Display`; then assert that no secret key, no signature and no signed-URL
//! query string appears anywhere in the capture.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use demo::{Clients, Outcome};
use emulator::{Emulator, Fault, Malformed, Reply};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

/// A `tracing` subscriber that writes every span's fields and every event into a string.
#[derive(Clone, Default)]
struct Capture {
    text: Arc<Mutex<String>>,
    ids: Arc<AtomicU64>,
}

struct Line<'a>(&'a mut String);

impl Visit for Line<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let _ = write!(self.0, " {}={value:?}", field.name());
    }
}

impl Capture {
    fn push(&self, head: &str, record: impl FnOnce(&mut Line<'_>)) {
        let mut line = head.to_owned();
        record(&mut Line(&mut line));
        let mut text = self.text.lock().expect("capture");
        text.push_str(&line);
        text.push('\n');
    }

    fn text(&self) -> String {
        self.text.lock().expect("capture").clone()
    }
}

impl Subscriber for Capture {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, span: &Attributes<'_>) -> Id {
        self.push(&format!("span {}", span.metadata().name()), |l| {
            span.record(l)
        });
        Id::from_u64(self.ids.fetch_add(1, Ordering::Relaxed) + 1)
    }
    fn record(&self, _: &Id, values: &Record<'_>) {
        self.push("record", |l| values.record(l));
    }
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        self.push(&format!("event {}", event.metadata().target()), |l| {
            event.record(l)
        });
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

/// Every string that must never be printed: secret keys, every signature the emulator saw,
/// and the query strings of the signed URLs in the samples.
fn secrets(emu: &Emulator) -> Vec<String> {
    let keys = emu.keys();
    let mut out = vec![
        keys.tencent.secret_key.expose().clone(),
        keys.ucloud.private_key.expose().clone(),
        keys.huawei.sk.expose().clone(),
    ];
    for r in emu.requests() {
        let body = r.body_text();
        let texts = [r.query.as_str(), &body];
        for text in texts {
            for pair in text.split('&') {
                if let Some(sig) = pair.strip_prefix("Signature=") {
                    out.push(sig.to_owned());
                }
            }
        }
        for (k, v) in &r.headers {
            if k == "authorization"
                && let Some(sig) = v.split("Signature=").nth(1)
            {
                out.push(sig.to_owned());
            }
        }
    }
    for op in generated::catalog::hand_written() {
        for s in op.spec.samples {
            for url in s.body.split('"').filter(|t| t.starts_with("http")) {
                if let Some((_, query)) = url.split_once('?') {
                    out.push(query.to_owned());
                }
            }
        }
    }
    out.retain(|s| s.len() >= 8);
    out.sort();
    out.dedup();
    out
}

async fn scenarios(emu: &Emulator, log: &mut String) {
    let keys = emu.keys().clone();
    let clients = Clients::for_endpoint(
        &emu.endpoint(),
        (
            keys.tencent.clone(),
            keys.ucloud.clone(),
            keys.huawei.clone(),
        ),
        |c| {
            c.max_attempts(2)
                .backoff(Duration::from_millis(1), Duration::from_millis(2))
                .attempt_timeout(Duration::from_millis(300))
                .max_body_bytes(64 << 10)
        },
    )
    .expect("clients");
    let _ = writeln!(log, "{clients:?}");
    fn record(log: &mut String, outcome: Outcome) {
        match outcome {
            Outcome::Ok(debug) => log.push_str(&debug),
            Outcome::Service { debug, display, .. } => {
                let _ = writeln!(log, "{debug}\n{display}");
            }
            Outcome::Build(e) => {
                let _ = writeln!(log, "{e:?}\n{e}");
            }
            Outcome::Decode(e) => {
                let _ = writeln!(log, "{e:?}\n{e}");
            }
            Outcome::Transport(e) => {
                let _ = writeln!(log, "{e:?}\n{e}");
            }
            Outcome::Credentials(e) => {
                let _ = writeln!(log, "{e:?}\n{e}");
            }
            Outcome::Pagination(e) => {
                let _ = writeln!(log, "{e:?}\n{e}");
            }
            Outcome::Wait(e) => {
                let _ = writeln!(log, "{e:?}\n{e}");
            }
        }
    }
    for op in generated::catalog::hand_written() {
        let name = op.spec.info.name;
        let mut replies = vec![Reply::Sample(0)];
        replies.extend(
            op.spec
                .errors
                .iter()
                .map(|e| Reply::Error(e.code.to_owned())),
        );
        replies.push(Reply::Custom {
            code: "Brand.New".into(),
            message: "new".into(),
            status: 418,
        });
        replies.extend(
            [Malformed::Html502, Malformed::Truncated, Malformed::Empty].map(Reply::Malformed),
        );
        replies.extend(
            [
                Fault::Reset,
                Fault::Oversize(1 << 20),
                Fault::Html {
                    status: 429,
                    retry_after: None,
                },
            ]
            .map(Reply::Fault),
        );
        for reply in replies {
            emu.set_reply(name, reply);
            record(log, clients.call(name).await.expect("known operation"));
        }
        emu.set_reply(name, Reply::Sample(0));
    }
    // Wrong secrets and a skewed clock.
    let wrong = Clients::for_endpoint(
        &emu.endpoint(),
        (
            generated::runtime::TencentCredentials::new(keys.tencent.secret_id, "wrong-secret-0"),
            generated::runtime::UCloudCredentials::new(keys.ucloud.public_key, "wrong-secret-1"),
            keys.huawei.clone(),
        ),
        |c| c.fixed_clock(1_000_000_000, 1),
    )
    .expect("clients");
    let _ = writeln!(log, "{wrong:?}");
    for name in Clients::operations() {
        record(log, wrong.call(name).await.expect("known operation"));
    }
    // Signed requests of every operation, printed.
    for entry in generated::catalog::hand_written() {
        let name = entry.spec.info.name;
        let runtime = clients
            .runtime_for(entry.spec.info.protocol)
            .expect("vendor");
        let wire = clients
            .example_request(name)
            .expect("known operation")
            .expect("wire");
        let signed = runtime.sign(entry.spec.info, wire).expect("signed");
        let _ = writeln!(log, "{signed:?}\n{runtime:?}");
    }
    // Credential chains: a provider holding keys from the environment, and the errors of a
    // malformed profile file whose bad line holds the secret key.
    use generated::runtime::credentials::Lookup;
    let keys = emu.keys().clone();
    let (id, secret) = (
        keys.tencent.secret_id.clone(),
        keys.tencent.secret_key.expose().clone(),
    );
    let provider = generated::runtime::TencentCredentials::default_chain()
        .lookup(Lookup::from_fn(move |name| match name {
            "TENCENTCLOUD_SECRET_ID" => Some(id.clone().into()),
            "TENCENTCLOUD_SECRET_KEY" => Some(secret.clone().into()),
            _ => None,
        }))
        .home(None)
        .build();
    let found = provider.credentials().await.expect("env keys");
    let _ = writeln!(log, "{provider:?}\n{found:?}");
    let file = std::env::temp_dir().join(format!("sdkgen-redaction-{}.ini", std::process::id()));
    std::fs::write(
        &file,
        format!(
            "[default]\nsecret_id = x\nsecret_key {}\n",
            keys.tencent.secret_key.expose()
        ),
    )
    .expect("write");
    let named = file.display().to_string();
    let err = generated::runtime::TencentCredentials::default_chain()
        .lookup(Lookup::from_fn(move |name| {
            (name == "TENCENTCLOUD_CREDENTIALS_FILE").then(|| named.clone().into())
        }))
        .home(None)
        .build()
        .credentials()
        .await
        .expect_err("malformed");
    let _ = std::fs::remove_file(&file);
    let _ = writeln!(log, "{err:?}\n{err}");
}

#[tokio::test]
async fn redaction_no_secret_signature_or_signed_url_in_any_output() {
    let capture = Capture::default();
    let _guard = tracing::subscriber::set_default(capture.clone());
    let emu = Emulator::start(generated::catalog::hand_written())
        .await
        .expect("emulator");
    let mut printed = String::new();
    scenarios(&emu, &mut printed).await;
    let traced = capture.text();
    let secrets = secrets(&emu);
    assert!(secrets.len() > 50, "{} secrets collected", secrets.len());
    assert!(
        traced
            .lines()
            .filter(|l| l.starts_with("span sdk.call"))
            .count()
            > 100,
        "spans captured"
    );
    for secret in &secrets {
        assert!(
            !printed.contains(secret.as_str()),
            "printed output leaks {secret:?}"
        );
        assert!(
            !traced.contains(secret.as_str()),
            "tracing output leaks {secret:?}"
        );
    }
    // Where they would be, the output says so.
    assert!(printed.contains("Signature=<redacted>"));
    assert!(printed.contains("SignedUrl(\"https://redis-database-backup-1251937656.cos.ap-chengdu.myqcloud.com/<redacted>\")"));
    assert!(printed.contains("secret_key: <redacted>"));
    // What the spans do carry.
    for field in [
        "operation=",
        "attempt=",
        "status=",
        "request_id=",
        "latency_ms=",
    ] {
        assert!(traced.contains(field), "no {field} in spans");
    }
    let sample: Vec<&str> = traced
        .lines()
        .filter(|l| l.contains("request_id="))
        .take(1)
        .collect();
    insta::assert_snapshot!("span_record_example", sample.join("\n"));
}

/// An imported operation's response with a value that contradicts its catalogue type: the
/// call succeeds with that field absent, the rest decoded, and a warning in the call's span
/// names the field and what was found, never the value (which may be a secret).
#[tokio::test]
async fn a_contradicting_value_in_an_imported_response_is_set_aside_and_logged_without_it() {
    use generated::tencent::cdb;
    let capture = Capture::default();
    let _guard = tracing::subscriber::set_default(capture.clone());
    let entry = generated::catalog::find("cdb", "DescribeBackupConfig").expect("imported op");
    let emu = Emulator::start([entry]).await.expect("emulator");
    emu.set_reply(
        "DescribeBackupConfig",
        Reply::Template(
            r#"{"Response": {"StartTimeMin": "tok-Zq81-secret", "StartTimeMax": "6", "BackupTimeWindow": [{"Monday": "02:00-06:00"}], "RequestId": "req-1"}}"#.into(),
        ),
    );
    let config = generated::runtime::ClientConfig::new()
        .region("ap-guangzhou")
        .endpoint(emu.endpoint())
        .max_attempts(1);
    let client = cdb::Client::new(config, emu.keys().tencent.clone()).expect("client");
    let request = cdb::catalog::describe_backup_config::example().expect("example");
    let response = client
        .describe_backup_config(&request)
        .await
        .expect("the call succeeds");
    assert_eq!(response.start_time_min, None);
    assert_eq!(response.start_time_max, Some(6));
    // A one-element list where an object is declared is that object, without a note.
    let window = response.backup_time_window.expect("window");
    assert_eq!(window.monday.as_deref(), Some("02:00-06:00"));
    assert_eq!(response.request_id.as_deref(), Some("req-1"));
    let traced = capture.text();
    let warnings: Vec<&str> = traced.lines().filter(|l| l.contains("set aside")).collect();
    assert_eq!(warnings.len(), 1, "{traced}");
    assert!(
        warnings[0].contains("`DescribeBackupConfigResponse.StartTimeMin`: a string where an integer (i64) or a string holding one is declared"),
        "{}",
        warnings[0]
    );
    assert!(
        warnings[0].contains("operation=\"DescribeBackupConfig\""),
        "{}",
        warnings[0]
    );
    assert!(!traced.contains("tok-Zq81"), "{traced}");
}
