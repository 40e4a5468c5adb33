//! The requests the official Tencent SDK sends to an API 3.0 endpoint, replayed byte for byte
//! at the emulator: TC3 over GET (parameters in the query) and POST, and the older
//! HmacSHA1/HmacSHA256 signing over GET and form POST, each answered in the 3.0 envelope.
//! Recorded by `tests/fixtures/derive_tencent_sdk_requests.py` from
//! tencentcloud-sdk-python-common 3.1.195 (time, nonce pinned; the emulator's keys).

use emulator::{Emulator, Verdict};
use generated::runtime::catalog::Outcome;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const RECORDED: &str = include_str!("../fixtures/tencent_sdk_requests.json");

/// Sends `raw` on a fresh connection and returns the status and body.
async fn replay(addr: &str, raw: &[u8]) -> (u16, Vec<u8>) {
    let mut s = tokio::net::TcpStream::connect(addr).await.expect("connect");
    s.write_all(raw).await.expect("write");
    let mut out = Vec::new();
    s.read_to_end(&mut out).await.expect("read");
    let head_end = out.windows(4).position(|w| w == b"\r\n\r\n").expect("head") + 4;
    let head = String::from_utf8_lossy(&out[..head_end]).into_owned();
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status");
    (status, out[head_end..].to_vec())
}

/// The recorded request as HTTP/1.1 bytes, with `Connection: close` so the read ends.
fn http(r: &Value, signature_tamper: bool) -> Vec<u8> {
    let text = |k: &str| r[k].as_str().expect(k).to_owned();
    let mut target = text("path");
    let mut query = text("query");
    let mut body = text("body");
    let mut headers: Vec<(String, String)> = r["headers"]
        .as_array()
        .expect("headers")
        .iter()
        .map(|h| {
            (
                h[0].as_str().expect("name").to_owned(),
                h[1].as_str().expect("value").to_owned(),
            )
        })
        .collect();
    // The SDK's HTTP library adds `Host` when the SDK did not set it.
    if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("host")) {
        headers.insert(0, ("Host".to_owned(), text("host")));
    }
    if signature_tamper {
        // Change one character of the signature wherever it travels.
        let flip = |s: &str| s.replacen("Signature=", "Signature=0", 1);
        query = flip(&query);
        body = flip(&body);
        for h in &mut headers {
            h.1 = flip(&h.1);
        }
    }
    if !query.is_empty() {
        target = format!("{target}?{query}");
    }
    let mut out = format!("{} {target} HTTP/1.1\r\n", text("method"));
    for (k, v) in &headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    ));
    out.push_str(&body);
    out.into_bytes()
}

#[tokio::test]
async fn official_sdk_requests_to_api3_hosts_are_verified_and_answered_in_the_3_0_envelope() {
    let recorded: Vec<Value> = serde_json::from_str(RECORDED).expect("fixture");
    assert_eq!(recorded.len(), 6, "GET/POST × TC3/HmacSHA1/HmacSHA256");
    let emu = Emulator::start(generated::catalog::hand_written())
        .await
        .expect("emulator");
    let addr = emu.endpoint().trim_start_matches("http://").to_owned();
    let decode = generated::catalog::operation("DescribeBackupUrl")
        .expect("in the catalog")
        .decode;
    for r in &recorded {
        let id = r["id"].as_str().expect("id");
        emu.set_now(r["timestamp"].as_i64().map(|t| t + 30));
        let (status, body) = replay(&addr, &http(r, false)).await;
        let outcome = decode(status, None, &body);
        assert!(
            matches!(outcome, Outcome::Ok(_)),
            "{id}: HTTP {status}: {outcome:?}"
        );
        // A wrong signature is refused with the 3.0 protocol's code, in the 3.0 envelope.
        let (status, body) = replay(&addr, &http(r, true)).await;
        let Outcome::Service { meta, .. } = decode(status, None, &body) else {
            panic!("{id}: tampered signature accepted")
        };
        assert_eq!(meta.code, "AuthFailure.SignatureFailure", "{id}");
    }
    let log = emu.requests();
    let verdicts: Vec<bool> = log.iter().map(|r| r.verdict == Verdict::Accepted).collect();
    assert_eq!(verdicts, [true, false].repeat(6), "{log:#?}");
}
