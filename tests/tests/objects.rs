//! The emulator's object store (`/objects/<key>`): signed URLs, byte ranges, `If-Range`,
//! COS's CRC-64 header and errors, each one-shot fault, and link APIs answering fresh URLs
//! through `Reply::Template`. Requests are raw HTTP/1.1 over a `TcpStream`, so a cut body is
//! seen exactly as sent.

use std::time::{Duration, Instant};

use emulator::{Emulator, ObjectFault, Reply};
use generated::runtime::ClientConfig;
use generated::runtime::checksum::crc64;
use generated::tencent::redis;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

async fn start() -> Emulator {
    tests::seed_emulator().await
}

/// A response as read off the socket until the server closed it.
#[derive(Debug)]
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn content_length(&self) -> u64 {
        self.header("content-length")
            .and_then(|v| v.parse().ok())
            .expect("Content-Length")
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Sends `method url` with `headers` and `Connection: close`; reads until the server closes.
async fn send(method: &str, url: &str, headers: &[(&str, &str)]) -> Answer {
    let rest = url.strip_prefix("http://").expect("http URL");
    let (host, path) = rest.split_at(rest.find('/').expect("path"));
    let mut stream = TcpStream::connect(host).await.expect("connect");
    let mut request = format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n");
    for (k, v) in headers {
        request.push_str(&format!("{k}: {v}\r\n"));
    }
    request.push_str("\r\n");
    stream
        .write_all(request.as_bytes())
        .await
        .expect("send request");
    let mut raw = Vec::new();
    let mut buf = vec![0u8; 1 << 16];
    // A cut connection may end in a reset: keep what arrived.
    while let Ok(n) = stream.read(&mut buf).await {
        if n == 0 {
            break;
        }
        raw.extend_from_slice(&buf[..n]);
    }
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("complete header block");
    let head = String::from_utf8_lossy(&raw[..end]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .expect("status line");
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    Answer {
        status,
        headers,
        body: raw[end + 4..].to_vec(),
    }
}

async fn get(url: &str, headers: &[(&str, &str)]) -> Answer {
    send("GET", url, headers).await
}

const KEY: &str = "backups/crs-1/a.rdb";
const SIZE: u64 = 3 * 1024 * 1024 + 123;

#[tokio::test]
async fn whole_object_with_its_crc64() {
    let emu = start().await;
    let info = emu.put_object(KEY, SIZE);
    let url = emu.object_url(KEY);
    assert!(url.starts_with(&format!(
        "{}/objects/backups/crs-1/a.rdb?sign-expires=",
        emu.endpoint()
    )));
    let a = get(&url, &[]).await;
    assert_eq!(a.status, 200);
    assert_eq!(a.content_length(), SIZE);
    assert_eq!(a.body.len() as u64, SIZE);
    let content = emu.object_content(KEY, 0..SIZE);
    assert!(a.body == content, "served bytes differ from object_content");
    let crc = crc64(&content);
    assert_eq!(info.crc64, crc);
    assert_eq!(
        a.header("x-cos-hash-crc64ecma"),
        Some(crc.to_string().as_str())
    );
    assert_eq!(a.header("etag"), Some(info.etag.as_str()));
    assert_eq!(info.etag.len(), 34);
    assert!(info.etag.starts_with('"') && info.etag.ends_with('"'));
    assert_eq!(a.header("last-modified"), Some(info.last_modified.as_str()));
    assert!(info.last_modified.ends_with(" GMT"));
    assert_eq!(a.header("accept-ranges"), Some("bytes"));
    assert_eq!(a.header("content-type"), Some("application/octet-stream"));
    assert!(a.header("date").is_some());

    // HEAD: the same headers, no body.
    let h = send("HEAD", &url, &[]).await;
    assert_eq!(h.status, 200);
    assert_eq!(h.content_length(), SIZE);
    assert!(h.body.is_empty());
    assert_eq!(
        h.header("x-cos-hash-crc64ecma"),
        Some(crc.to_string().as_str())
    );

    // An empty object.
    let empty = emu.put_object("empty", 0);
    assert_eq!(empty.crc64, 0);
    let e = get(&emu.object_url("empty"), &[]).await;
    assert_eq!((e.status, e.content_length(), e.body.len()), (200, 0, 0));
    assert_eq!(e.header("x-cos-hash-crc64ecma"), Some("0"));

    let log = emu.object_requests();
    assert_eq!(log.len(), 3);
    assert_eq!(
        (
            log[0].key.as_str(),
            log[0].method.as_str(),
            log[0].status,
            log[0].bytes_sent
        ),
        (KEY, "GET", 200, SIZE)
    );
    assert_eq!((log[1].method.as_str(), log[1].bytes_sent), ("HEAD", 0));
    assert!(
        emu.requests().is_empty(),
        "object requests are logged apart"
    );
}

#[tokio::test]
async fn byte_ranges() {
    let emu = start().await;
    emu.put_object(KEY, SIZE);
    let url = emu.object_url(KEY);
    let crc = crc64(&emu.object_content(KEY, 0..SIZE)).to_string();
    for (range, first, last) in [
        ("bytes=0-0", 0, 0),
        ("bytes=5-1048580", 5, 1_048_580),
        ("bytes=3145000-", 3_145_000, SIZE - 1),
        ("bytes=-100", SIZE - 100, SIZE - 1),
        ("bytes=100-99999999", 100, SIZE - 1),
    ] {
        let a = get(&url, &[("Range", range)]).await;
        assert_eq!(a.status, 206, "{range}");
        assert_eq!(
            a.header("content-range"),
            Some(format!("bytes {first}-{last}/{SIZE}").as_str()),
            "{range}"
        );
        assert_eq!(a.content_length(), last - first + 1, "{range}");
        assert!(
            a.body == emu.object_content(KEY, first..last + 1),
            "{range}"
        );
        assert_eq!(a.header("x-cos-hash-crc64ecma"), Some(crc.as_str()));
    }
    // Several ranges: the whole object.
    let multi = get(&url, &[("Range", "bytes=0-1,4-5")]).await;
    assert_eq!((multi.status, multi.body.len() as u64), (200, SIZE));

    for range in [format!("bytes={SIZE}-"), "bytes=-0".to_owned()] {
        let a = get(&url, &[("Range", &range)]).await;
        assert_eq!(a.status, 416, "{range}");
        assert_eq!(
            a.header("content-range"),
            Some(format!("bytes */{SIZE}").as_str())
        );
    }
    let log = emu.object_requests();
    assert_eq!(log[1].range.as_deref(), Some("bytes=5-1048580"));
    assert_eq!(log[1].bytes_sent, 1_048_576);
}

#[tokio::test]
async fn if_range_by_etag_and_by_date() {
    let emu = start().await;
    let old = emu.put_object(KEY, SIZE);
    let url = emu.object_url(KEY);
    let range = ("Range", "bytes=10-19");
    let a = get(&url, &[range, ("If-Range", &old.etag)]).await;
    assert_eq!(a.status, 206);
    let a = get(&url, &[range, ("If-Range", &old.last_modified)]).await;
    assert_eq!(a.status, 206);
    let weak = format!("W/{}", old.etag);
    assert_eq!(get(&url, &[range, ("If-Range", &weak)]).await.status, 200);

    let new = emu.change_object(KEY);
    assert_eq!(new.size, old.size);
    assert_ne!(new.etag, old.etag);
    assert_ne!(new.crc64, old.crc64);
    assert_ne!(new.last_modified, old.last_modified);
    let content = emu.object_content(KEY, 0..SIZE);
    assert_eq!(new.crc64, crc64(&content));

    for validator in [&old.etag, &old.last_modified] {
        let a = get(&url, &[range, ("If-Range", validator)]).await;
        assert_eq!(a.status, 200, "{validator}");
        assert_eq!(a.header("etag"), Some(new.etag.as_str()));
        assert!(a.body == content);
    }
    let a = get(&url, &[range, ("If-Range", &new.etag)]).await;
    assert_eq!(a.status, 206);
    assert!(a.body == content[10..20]);
    let log = emu.object_requests();
    assert_eq!(log.last().and_then(|r| r.if_range.clone()), Some(new.etag));
}

#[tokio::test]
async fn signatures_expiry_and_unknown_keys() {
    let emu = start().await;
    emu.put_object(KEY, 1000);
    emu.set_now(Some(1_700_000_000));
    emu.set_object_url_ttl(Duration::from_secs(60));
    let url = emu.object_url(KEY);
    assert!(url.contains("sign-expires=1700000060&"), "{url}");
    assert_eq!(get(&url, &[]).await.status, 200);

    emu.set_now(Some(1_700_000_061));
    let a = get(&url, &[]).await;
    assert_eq!(a.status, 403);
    assert_eq!(a.header("content-type"), Some("application/xml"));
    let text = a.text();
    assert!(
        text.starts_with(
            "<?xml version='1.0' encoding='utf-8' ?><Error><Code>AccessDenied</Code>\
             <Message>Request has expired</Message><RequestId>"
        ),
        "{text}"
    );
    assert!(text.ends_with("</RequestId></Error>"), "{text}");
    // A fresh URL works again.
    assert_eq!(get(&emu.object_url(KEY), &[]).await.status, 200);

    // A tampered signature, a tampered expiry, no signature.
    let fresh = emu.object_url(KEY);
    let last = fresh.chars().last().expect("sign");
    let flipped = if last == '0' { '1' } else { '0' };
    let bad = format!("{}{flipped}", &fresh[..fresh.len() - 1]);
    let a = get(&bad, &[]).await;
    assert_eq!(a.status, 403);
    assert!(a.text().contains("<Code>SignatureDoesNotMatch</Code>"));
    let later = fresh.replace("sign-expires=1700000121", "sign-expires=1800000000");
    assert_ne!(later, fresh);
    assert_eq!(get(&later, &[]).await.status, 403);
    let unsigned = fresh.split('?').next().expect("path");
    assert_eq!(get(unsigned, &[]).await.status, 403);
    // A URL for another key does not open this one.
    let other = emu.object_url("other");
    let swapped = other.replace("/objects/other?", &format!("/objects/{KEY}?"));
    assert_eq!(get(&swapped, &[]).await.status, 403);

    // A valid URL of a key never stored.
    let a = get(&emu.object_url("missing.rdb"), &[]).await;
    assert_eq!(a.status, 404);
    assert!(a.text().contains("<Code>NoSuchKey</Code>"));
}

#[tokio::test]
async fn each_fault_once() {
    let emu = start().await;
    let info = emu.put_object(KEY, SIZE);
    let url = emu.object_url(KEY);
    let content = emu.object_content(KEY, 0..SIZE);

    // Cut: full length promised, fewer bytes, connection closed.
    emu.queue_object_faults(KEY, [ObjectFault::CutAfter(100_000)]);
    let a = get(&url, &[]).await;
    assert_eq!((a.status, a.content_length()), (200, SIZE));
    assert_eq!(a.body.len(), 100_000);
    assert!(a.body == content[..100_000]);
    // The fault was one-shot.
    assert_eq!(get(&url, &[]).await.body.len() as u64, SIZE);

    // Cut inside a range.
    emu.queue_object_faults(KEY, [ObjectFault::CutAfter(10)]);
    let a = get(&url, &[("Range", "bytes=1000-1999")]).await;
    assert_eq!(
        (a.status, a.content_length(), a.body.len()),
        (206, 1000, 10)
    );
    assert!(a.body == content[1000..1010]);

    // Stall.
    emu.queue_object_faults(
        KEY,
        [ObjectFault::StallAfter {
            bytes: 1000,
            for_: Duration::from_millis(300),
        }],
    );
    let t = Instant::now();
    let a = get(&url, &[]).await;
    assert!(t.elapsed() >= Duration::from_millis(300));
    assert!(a.body == content);

    // Status.
    emu.queue_object_faults(KEY, [ObjectFault::Status(503), ObjectFault::Status(500)]);
    let a = get(&url, &[]).await;
    assert_eq!(a.status, 503);
    assert!(a.text().contains("<Code>ServiceUnavailable</Code>"));
    let a = get(&url, &[]).await;
    assert_eq!(a.status, 500);
    assert!(a.text().contains("<Code>InternalError</Code>"));

    // Expired though valid.
    emu.queue_object_faults(KEY, [ObjectFault::Expired]);
    let a = get(&url, &[]).await;
    assert_eq!(a.status, 403);
    assert!(a.text().contains("<Message>Request has expired</Message>"));

    // Corrupt byte: inside the range served, and outside it (no effect).
    emu.queue_object_faults(
        KEY,
        [
            ObjectFault::CorruptByte(2_000_000),
            ObjectFault::CorruptByte(5),
        ],
    );
    let a = get(&url, &[]).await;
    assert_eq!(
        a.header("x-cos-hash-crc64ecma"),
        Some(info.crc64.to_string().as_str())
    );
    assert_eq!(a.body[2_000_000], !content[2_000_000]);
    assert!(a.body[..2_000_000] == content[..2_000_000]);
    assert!(a.body[2_000_001..] == content[2_000_001..]);
    let a = get(&url, &[("Range", "bytes=100-199")]).await;
    assert!(a.body == content[100..200]);

    // Ignore the range.
    emu.queue_object_faults(KEY, [ObjectFault::IgnoreRange]);
    let a = get(&url, &[("Range", "bytes=100-199")]).await;
    assert_eq!((a.status, a.body.len() as u64), (200, SIZE));

    // HEAD consumes no fault; the change happens before the next GET.
    emu.queue_object_faults(KEY, [ObjectFault::ChangeBefore]);
    assert_eq!(
        send("HEAD", &url, &[]).await.header("etag"),
        Some(info.etag.as_str())
    );
    let a = get(
        &url,
        &[("Range", "bytes=100-199"), ("If-Range", &info.etag)],
    )
    .await;
    assert_eq!(a.status, 200);
    let new = emu.object_info(KEY).expect("object");
    assert_ne!(new.etag, info.etag);
    assert_eq!(a.header("etag"), Some(new.etag.as_str()));
    assert_eq!(
        a.header("x-cos-hash-crc64ecma"),
        Some(new.crc64.to_string().as_str())
    );
    assert_eq!(crc64(&a.body), new.crc64);

    let log = emu.object_requests();
    let faults: Vec<_> = log.iter().filter_map(|r| r.fault.clone()).collect();
    assert_eq!(
        faults,
        [
            ObjectFault::CutAfter(100_000),
            ObjectFault::CutAfter(10),
            ObjectFault::StallAfter {
                bytes: 1000,
                for_: Duration::from_millis(300)
            },
            ObjectFault::Status(503),
            ObjectFault::Status(500),
            ObjectFault::Expired,
            ObjectFault::CorruptByte(2_000_000),
            ObjectFault::CorruptByte(5),
            ObjectFault::IgnoreRange,
            ObjectFault::ChangeBefore,
        ]
    );
    assert_eq!(log[0].bytes_sent, 100_000);
    assert_eq!(log[2].bytes_sent, 10);
    assert_eq!(log[2].status, 206);
}

fn redis_client(emu: &Emulator) -> redis::Client {
    let config = ClientConfig::new()
        .region("ap-guangzhou")
        .endpoint(emu.endpoint())
        .max_attempts(1);
    redis::Client::new(config, emu.keys().tencent.clone()).expect("client")
}

#[tokio::test]
async fn link_api_answers_fresh_urls_from_a_template() {
    let emu = start().await;
    emu.put_object("a.rdb", 4096);
    emu.set_reply(
        "GetBackupDownloadUrl",
        Reply::Template(
            r#"{"code":0,"message":"","data":{"intranet":"{{url:a.rdb}}","extranet":"{{url:a.rdb}}"}}"#
                .into(),
        ),
    );
    emu.set_now(Some(1_700_000_000));
    let client = redis_client(&emu);
    let request = redis::catalog::get_backup_download_url::example().expect("example");
    let response = client
        .get_backup_download_url(&request)
        .await
        .expect("call succeeds");
    let urls = response.data.expect("data");
    let url = urls.intranet.expect("intranet").expose().to_owned();
    assert_eq!(urls.extranet.expect("extranet").expose(), url);
    assert!(
        url.starts_with(&format!("{}/objects/a.rdb?", emu.endpoint())),
        "{url}"
    );
    assert!(url.contains("sign-expires=1700043200&"), "{url}");
    let a = get(&url, &[]).await;
    assert_eq!((a.status, a.body.len()), (200, 4096));

    // Every call signs anew, from the clock at answer time.
    emu.set_now(Some(1_700_000_100));
    let again = client
        .get_backup_download_url(&request)
        .await
        .expect("call succeeds");
    let url2 = again.data.and_then(|d| d.intranet).expect("intranet");
    assert!(url2.expose().contains("sign-expires=1700043300&"));

    // `{{expires:KEY}}`, rendered where a string is expected.
    emu.set_reply(
        "GetBackupDownloadUrl",
        Reply::Template(
            r#"{"code":0,"message":"","data":{"intranet":"{{expires:a.rdb}}","extranet":"{{url:a.rdb}}"}}"#
                .into(),
        ),
    );
    let dated = client
        .get_backup_download_url(&request)
        .await
        .expect("call succeeds");
    let expires = dated.data.and_then(|d| d.intranet).expect("intranet");
    assert_eq!(expires.expose(), "2023-11-15T10:15:00+0000");

    // An unknown key or placeholder: a 500 saying which.
    for (template, says) in [
        (r#"{"u":"{{url:nope.rdb}}"}"#, "nope.rdb"),
        (r#"{"u":"{{link:a.rdb}}"}"#, "link:a.rdb"),
    ] {
        emu.set_reply("GetBackupDownloadUrl", Reply::Template(template.into()));
        let err = client
            .get_backup_download_url(&request)
            .await
            .expect_err("a 500");
        // The runtime quotes the start of the plain-text reason.
        let detail = std::error::Error::source(&err)
            .map(ToString::to_string)
            .unwrap_or_default();
        assert!(
            detail.contains("HTTP 500") && detail.contains(says),
            "{detail}"
        );
    }
}
