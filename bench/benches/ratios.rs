//! `cargo bench -p bench`: each comparison prints one ratio against a baseline measured in
//! the same process, interleaved (see the `bench` library), and a verdict against its target.
//! BENCHMARKS.md records a run.

use std::hint::black_box;
use std::time::{SystemTime, UNIX_EPOCH};

use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use bench::{Target, interleave, interleave_async, report};
use emulator::Emulator;
use generated::runtime::{ClientConfig, TencentCredentials};
use generated::tencent::redis::{
    self, DescribeBackupUrlError, DescribeBackupUrlRequest, DescribeBackupUrlResponse, catalog,
};
use runtime::OperationInfo;
use runtime::protocols::encoding::form_urlencode;
use runtime::protocols::{huawei, tencent_v3};
use serde::{Deserialize, Serialize};

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

fn main() {
    println!(
        "sdkgen ratios ({} {}, {} logical CPUs)",
        std::env::consts::OS,
        std::env::consts::ARCH,
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    let mut met = 0;
    let mut total = 0;
    let mut count = |ok: bool| {
        total += 1;
        met += usize::from(ok);
    };
    // `SDKGEN_BENCH_ONLY=a,c` runs only those sections (for profiling); unset: all.
    let only = std::env::var("SDKGEN_BENCH_ONLY").ok();
    let run = |section: &str| {
        only.as_deref()
            .is_none_or(|o| o.split(',').any(|s| s.trim() == section))
    };
    if run("a") || only.as_deref().is_some_and(|o| o.starts_with("a-")) {
        count(full_call());
    }
    if only.as_deref().is_some_and(|o| o.contains("sign-only")) {
        sign_only();
    }
    if run("b") {
        let (tc3, hw) = signing();
        count(tc3);
        count(hw);
    }
    if run("c") {
        let (tencent, huawei) = decoding();
        count(tencent);
        count(huawei);
    }
    println!("{met}/{total} targets met");
}

// ---------------------------------------------------------------------------------------
// a. One full generated call on loopback vs hand-written reqwest with the same signing.

/// The hand-written body of `DescribeBackupUrl`.
#[derive(Serialize)]
struct DescribeBackupUrlBody<'a> {
    #[serde(rename = "InstanceId")]
    instance_id: &'a str,
    #[serde(rename = "BackupId")]
    backup_id: &'a str,
}

/// A plain mirror of the Tencent API 3.0 envelope of `DescribeBackupUrl`.
#[derive(Deserialize)]
struct TencentEnvelope {
    #[serde(rename = "Response")]
    response: TencentPayload,
}

#[derive(Deserialize)]
struct TencentPayload {
    #[serde(rename = "DownloadUrl")]
    download_url: Vec<String>,
    #[serde(rename = "InnerDownloadUrl")]
    inner_download_url: Vec<String>,
    #[serde(rename = "RequestId")]
    request_id: String,
}

const INSTANCE_ID: &str = "crs-4y9t57vt";
const BACKUP_ID: &str = "678362566696298532848117";

/// What a careful hand-written client does: JSON body, TC3 headers signed with the runtime's
/// public functions, POST on one reused `reqwest::Client`, read the bytes, decode with serde.
async fn hand_written_call(
    http: &reqwest::Client,
    url: &str,
    host: &str,
    creds: &TencentCredentials,
) -> TencentEnvelope {
    let body = serde_json::to_vec(&DescribeBackupUrlBody {
        instance_id: INSTANCE_ID,
        backup_id: BACKUP_ID,
    })
    .expect("serialisable");
    let ts = now();
    let signed = [
        ("content-type".to_owned(), "application/json".to_owned()),
        ("host".to_owned(), host.to_owned()),
    ];
    let (canonical, names) = tencent_v3::canonical_request("POST", "/", "", &signed, &body);
    let sts = tencent_v3::string_to_sign(ts, "redis", &canonical);
    let sig = tencent_v3::signature(creds.secret_key.expose(), ts, "redis", &sts);
    let auth = tencent_v3::authorization(&creds.secret_id, ts, "redis", &names, &sig);
    let resp = http
        .post(url)
        .header("Content-Type", "application/json")
        .header("X-TC-Action", "DescribeBackupUrl")
        .header("X-TC-Version", "2018-04-12")
        .header("X-TC-Region", "ap-guangzhou")
        .header("X-TC-Timestamp", ts.to_string())
        .header("Authorization", auth)
        .body(body)
        .send()
        .await
        .expect("sent");
    assert!(resp.status().is_success(), "HTTP {}", resp.status());
    let bytes = resp.bytes().await.expect("body read");
    serde_json::from_slice(&bytes).expect("the emulator's sample decodes")
}

fn full_call() -> bool {
    const WARMUP: usize = 200;
    const ROUNDS: usize = 300;
    const BATCH: usize = 20;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    rt.block_on(async {
        let emu = Emulator::start(generated::catalog::hand_written())
            .await
            .expect("emulator starts");
        let creds = emu.keys().tencent.clone();
        let config = ClientConfig::new()
            .region("ap-guangzhou")
            .endpoint(emu.endpoint());
        // Built first: it installs the process's rustls provider, which `reqwest` needs.
        let client = redis::Client::new(config, creds.clone()).expect("client");
        let input = DescribeBackupUrlRequest::builder()
            .instance_id(INSTANCE_ID)
            .backup_id(BACKUP_ID)
            .build()
            .expect("valid input");
        // Same User-Agent as the generated client, so both send the same bytes.
        let http = reqwest::Client::builder()
            .user_agent("generated/0.1.0 runtime/0.1.0")
            .build()
            .expect("reqwest client");
        let host = emu.endpoint().trim_start_matches("http://").to_owned();
        let url = format!("{}/", emu.endpoint());
        // `Client::describe_backup_url` is `runtime.invoke(&OPERATION, input.to_wire(..))`;
        // the spec's `rate_limit: 20/s` makes `invoke` space calls 52.5 ms apart, which is
        // the vendor's limit, not overhead. The same call with only that limit removed:
        let unthrottled = OperationInfo {
            rate_limit: None,
            ..catalog::describe_backup_url::OPERATION
        };
        let ours = async || -> DescribeBackupUrlResponse {
            let wire = catalog::describe_backup_url::to_wire(&input, client.config())
                .expect("valid input");
            client
                .runtime()
                .invoke::<DescribeBackupUrlResponse, DescribeBackupUrlError>(&unthrottled, wire)
                .await
                .expect("generated call succeeds")
        };

        // Both sides must really succeed (the emulator verifies each signature).
        let via_client = client.describe_backup_url(&input).await.expect("ok");
        let mine = ours().await;
        let theirs = hand_written_call(&http, &url, &host, &creds).await;
        for o in [&via_client, &mine] {
            assert_eq!(o.download_url.len(), theirs.response.download_url.len());
            assert_eq!(
                o.inner_download_url.len(),
                theirs.response.inner_download_url.len()
            );
            assert_eq!(o.request_id, theirs.response.request_id);
        }

        let base = async || {
            black_box(hand_written_call(&http, &url, &host, &creds).await);
        };
        // Profiling aid (`SDKGEN_BENCH_ONLY=a-ours` or `a-base`, not part of a run): one
        // side alone, for `perf stat` (instruction counts do not depend on machine load).
        if let Ok(side) = std::env::var("SDKGEN_BENCH_ONLY")
            && (side == "a-ours" || side == "a-base")
        {
            for _ in 0..20_000 {
                if side == "a-ours" {
                    black_box(ours().await);
                } else {
                    base().await;
                }
            }
            return true;
        }
        let samples = interleave_async(
            WARMUP,
            ROUNDS,
            BATCH,
            async || {
                black_box(ours().await);
            },
            base,
        )
        .await;
        let met = report(
            "a. full call, spec rate limit off (ours / hand-written reqwest)",
            ("ours", "baseline"),
            &samples,
            BATCH,
            Target::AtMost(1.03),
        )
        .print();

        // Where the difference comes from: ours taken over one stage at a time, each
        // line cumulative, against the same baseline.
        let runtime = client.runtime();
        let sign = || {
            let wire = catalog::describe_backup_url::to_wire(&input, client.config())
                .expect("valid input");
            runtime.sign(&unthrottled, wire).expect("signed")
        };
        let stages = [
            "a.1 our to_wire + sign, then plain reqwest + serde derive",
            "a.2 … + our Transport::send",
            "a.3 … + our envelope decode (all but invoke's span/timeout/retry loop)",
        ];
        for (stage, label) in stages.into_iter().enumerate() {
            let partial = async || {
                let signed = sign();
                if stage == 0 {
                    let mut req = http.post(&url);
                    for (k, v) in &signed.headers {
                        req = req.header(k.as_str(), v.as_str());
                    }
                    let resp = req.body(signed.body).send().await.expect("sent");
                    let bytes = resp.bytes().await.expect("body read");
                    black_box(serde_json::from_slice::<TencentEnvelope>(&bytes).expect("ok"));
                    return;
                }
                let raw = runtime.send(&signed).await.expect("sent");
                if stage == 1 {
                    black_box(serde_json::from_slice::<TencentEnvelope>(&raw.body).expect("ok"));
                } else {
                    let id = raw.header("x-request-id");
                    black_box(
                        generated::tencent::redis::catalog::describe_backup_url::decode(
                            raw.status, id, &raw.body,
                        )
                        .expect("ok"),
                    );
                }
            };
            let samples = interleave_async(WARMUP, ROUNDS, BATCH, partial, base).await;
            report(
                label,
                ("ours", "baseline"),
                &samples,
                BATCH,
                Target::AtMost(1.03),
            )
            .print_info("breakdown of a, informational");
        }

        // As shipped: the client waits for the operation's next 20/s slot.
        const SHIPPED_ROUNDS: usize = 6;
        const SHIPPED_BATCH: usize = 4;
        let samples = interleave_async(
            2,
            SHIPPED_ROUNDS,
            SHIPPED_BATCH,
            async || {
                black_box(client.describe_backup_url(&input).await.expect("ok"));
            },
            base,
        )
        .await;
        let shipped = report(
            "a*. as shipped, back-to-back calls (ours / hand-written reqwest)",
            ("ours", "baseline"),
            &samples,
            SHIPPED_BATCH,
            Target::AtMost(1.03),
        );
        shipped.print_info(&format!(
            "informational: ours waits for the spec's rate_limit 20/s slot (1.05/20 s = {:.1} ms \
             per call); the baseline has no limiter",
            1.05 / 20.0 * 1e3
        ));
        met
    })
}

/// Profiling aid (`SDKGEN_BENCH_ONLY=sign-only`, not part of a run): the request-building
/// and signing halves of line `a` alone, no I/O.
fn sign_only() {
    let creds = TencentCredentials::new("AKIDbench", "bench-secret");
    let config = ClientConfig::new()
        .region("ap-guangzhou")
        .endpoint("http://127.0.0.1:1");
    let client = redis::Client::new(config, creds.clone()).expect("client");
    let input = DescribeBackupUrlRequest::builder()
        .instance_id(INSTANCE_ID)
        .backup_id(BACKUP_ID)
        .build()
        .expect("valid input");
    let op = catalog::describe_backup_url::OPERATION;
    let host = "127.0.0.1:1";
    let s = interleave(
        2_000,
        200,
        500,
        || {
            let wire = catalog::describe_backup_url::to_wire(&input, client.config())
                .expect("valid input");
            // As `invoke` does: the unsigned request is kept for a retry.
            black_box(client.runtime().sign(&op, wire.clone()).expect("signed"));
            black_box(wire);
        },
        || {
            let body = serde_json::to_vec(&DescribeBackupUrlBody {
                instance_id: INSTANCE_ID,
                backup_id: BACKUP_ID,
            })
            .expect("serialisable");
            let ts = now();
            let signed = [
                ("content-type".to_owned(), "application/json".to_owned()),
                ("host".to_owned(), host.to_owned()),
            ];
            let (canonical, names) = tencent_v3::canonical_request("POST", "/", "", &signed, &body);
            let sts = tencent_v3::string_to_sign(ts, "redis", &canonical);
            let sig = tencent_v3::signature(creds.secret_key.expose(), ts, "redis", &sts);
            black_box((
                tencent_v3::authorization(&creds.secret_id, ts, "redis", &names, &sig),
                ts.to_string(),
                body,
            ));
        },
    );
    report(
        "sign-only. to_wire + clone + sign (ours / hand-written)",
        ("ours", "baseline"),
        &s,
        500,
        Target::AtMost(1.03),
    )
    .print_info("profiling aid");
}

// ---------------------------------------------------------------------------------------
// b. TC3 and Huawei signing vs aws-sigv4's SigV4 on the same request.

const SIGN_HOST: &str = "dds.cn-north-4.myhuaweicloud.com";
const SIGN_PATH: &str = "/v3/0123456789abcdef0123456789abcdef/instances/backups/download-file";
const SIGN_URI: &str = "https://dds.cn-north-4.myhuaweicloud.com/v3/0123456789abcdef0123456789abcdef/instances/backups/download-file?limit=10&offset=0";
const SIGN_BODY: &str = r#"{"InstanceId":"befb1cfe1f96403780396b0c54f85d11in02","BackupId":"bd062e1af2d248b3bb4cd3dbb418","Limit":10}"#;
const ACCESS_KEY: &str = "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE";
const SECRET_KEY: &str = "Gu5t9xGARNpq86cd98joQYCN3EXAMPLEKEYwJal";

fn signing() -> (bool, bool) {
    const WARMUP: usize = 2_000;
    const ROUNDS: usize = 200;
    const BATCH: usize = 500;
    assert!((90..=120).contains(&SIGN_BODY.len()), "a ~100-byte body");
    let query = vec![
        ("limit".to_owned(), "10".to_owned()),
        ("offset".to_owned(), "0".to_owned()),
    ];
    // The request's own headers, the same for every signer; each signer adds its date its
    // own way (SigV4 `x-amz-date`, Huawei `X-Sdk-Date`, TC3 the timestamp in the scope).
    let headers = vec![
        ("Content-Type".to_owned(), "application/json".to_owned()),
        ("Host".to_owned(), SIGN_HOST.to_owned()),
        ("X-Action".to_owned(), "DownloadFile".to_owned()),
    ];
    let body = SIGN_BODY.as_bytes();
    let identity =
        aws_credential_types::Credentials::new(ACCESS_KEY, SECRET_KEY, None, None, "bench-static")
            .into();

    let mut aws = || {
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region("cn-north-4")
            .name("dds")
            .time(SystemTime::now())
            .settings(SigningSettings::default())
            .build()
            .expect("signing params")
            .into();
        let request = SignableRequest::new(
            "POST",
            SIGN_URI,
            headers.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            SignableBody::Bytes(body),
        )
        .expect("signable request");
        let (instructions, signature) = sign(request, &params).expect("signed").into_parts();
        black_box((instructions, signature));
    };
    let tc3 = || {
        let ts = now();
        let canonical_query = form_urlencode(&query);
        let (canonical, names) =
            tencent_v3::canonical_request("POST", SIGN_PATH, &canonical_query, &headers, body);
        let sts = tencent_v3::string_to_sign(ts, "dds", &canonical);
        let sig = tencent_v3::signature(SECRET_KEY, ts, "dds", &sts);
        black_box(tencent_v3::authorization(
            ACCESS_KEY, ts, "dds", &names, &sig,
        ));
    };
    let mut huawei_headers = headers.clone();
    let mut huawei = || {
        let date = huawei::sdk_date(now());
        huawei_headers.truncate(headers.len());
        huawei_headers.push(("X-Sdk-Date".to_owned(), date.clone()));
        let (canonical, names) =
            huawei::canonical_request("POST", SIGN_HOST, SIGN_PATH, &query, &huawei_headers, body);
        let sig = huawei::signature(SECRET_KEY, &huawei::string_to_sign(&date, &canonical));
        black_box(huawei::authorization(ACCESS_KEY, &names, &sig));
    };

    // Sanity: each produces an Authorization of its scheme.
    let mut out = None;
    let (instructions, _) = sign(
        SignableRequest::new(
            "POST",
            SIGN_URI,
            headers.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            SignableBody::Bytes(body),
        )
        .expect("signable request"),
        &v4::SigningParams::builder()
            .identity(&identity)
            .region("cn-north-4")
            .name("dds")
            .time(SystemTime::now())
            .settings(SigningSettings::default())
            .build()
            .expect("signing params")
            .into(),
    )
    .expect("signed")
    .into_parts();
    for (name, value) in instructions.headers() {
        if name.eq_ignore_ascii_case("authorization") {
            out = Some(value.to_owned());
        }
    }
    let auth = out.expect("aws-sigv4 sets Authorization");
    assert!(auth.starts_with("AWS4-HMAC-SHA256 Credential="), "{auth}");
    assert!(auth.contains("SignedHeaders=content-type;host;x-action;x-amz-date"));

    let s = interleave(WARMUP, ROUNDS, BATCH, &mut aws, tc3);
    let tc3_met = report(
        "b1. TC3 signing (aws-sigv4 / ours)",
        ("aws-sigv4", "ours"),
        &s,
        BATCH,
        Target::AtLeast(1.0),
    )
    .print();
    let s = interleave(WARMUP, ROUNDS, BATCH, &mut aws, &mut huawei);
    let huawei_met = report(
        "b2. Huawei signing (aws-sigv4 / ours)",
        ("aws-sigv4", "ours"),
        &s,
        BATCH,
        Target::AtLeast(1.0),
    )
    .print();
    (tc3_met, huawei_met)
}

// ---------------------------------------------------------------------------------------
// c. Generated lenient decoding vs plain serde derive on the same sample.

const TENCENT_SAMPLE: &str =
    include_str!("../../specs/tencent/redis/samples/describe_backup_url.json");
const HUAWEI_SAMPLE: &str = include_str!("../../specs/huawei/dds/samples/download_file.json");

/// The generated payload struct (lenient fields) under a plain serde derive of the envelope.
#[derive(Deserialize)]
struct LenientOnly {
    #[serde(rename = "Response")]
    _response: DescribeBackupUrlResponse,
}

/// A plain mirror of the Huawei `DownloadFile` response.
#[derive(Deserialize)]
struct HuaweiDownloadFile {
    #[serde(default)]
    files: Vec<HuaweiFile>,
    bucket: Option<String>,
}

#[derive(Deserialize)]
struct HuaweiFile {
    name: Option<String>,
    size: Option<u64>,
    download_link: Option<String>,
    link_expired_time: Option<String>,
    group_id: Option<String>,
    group_name: Option<String>,
}

fn decoding() -> (bool, bool) {
    const WARMUP: usize = 2_000;
    const ROUNDS: usize = 200;
    const BATCH: usize = 500;
    let (tencent, huawei) = (TENCENT_SAMPLE.as_bytes(), HUAWEI_SAMPLE.as_bytes());

    // Sanity: both sides decode the same content.
    let ours = generated::tencent::redis::catalog::describe_backup_url::decode(200, None, tencent)
        .expect("sample decodes");
    let plain: TencentEnvelope = serde_json::from_slice(tencent).expect("sample decodes");
    assert_eq!(ours.download_url.len(), 5);
    assert_eq!(ours.download_url.len(), plain.response.download_url.len());
    assert_eq!(ours.request_id, plain.response.request_id);
    let ours = generated::huawei::dds::catalog::download_file::decode(200, None, huawei)
        .expect("sample decodes");
    let plain: HuaweiDownloadFile = serde_json::from_slice(huawei).expect("sample decodes");
    assert_eq!(ours.files.len(), plain.files.len());
    assert_eq!(ours.bucket, plain.bucket);
    let (p, o) = (&plain.files[0], &ours.files[0]);
    assert_eq!((&o.name, o.size), (&p.name, p.size));
    assert!(o.download_link.is_some() && p.download_link.is_some());
    assert!(o.link_expired_time.is_some() && p.link_expired_time.is_some());
    assert!(p.group_id.is_none() && p.group_name.is_none());

    let s = interleave(
        WARMUP,
        ROUNDS,
        BATCH,
        || {
            black_box(serde_json::from_slice::<TencentEnvelope>(black_box(tencent)).expect("ok"));
        },
        || {
            black_box(
                generated::tencent::redis::catalog::describe_backup_url::decode(
                    200,
                    None,
                    black_box(tencent),
                )
                .expect("ok"),
            );
        },
    );
    let tencent_met = report(
        "c1. Tencent decode (serde derive / ours)",
        ("serde", "ours"),
        &s,
        BATCH,
        Target::AtLeast(1.0),
    )
    .print();
    // Where ours spends it: the same generated struct (lenient fields) under a plain serde
    // derive of the envelope, i.e. ours without the envelope decoder (no code, message or
    // request id noted, no error detection).
    let s = interleave(
        WARMUP,
        ROUNDS,
        BATCH,
        || {
            black_box(serde_json::from_slice::<LenientOnly>(black_box(tencent)).expect("ok"));
        },
        || {
            black_box(
                generated::tencent::redis::catalog::describe_backup_url::decode(
                    200,
                    None,
                    black_box(tencent),
                )
                .expect("ok"),
            );
        },
    );
    report(
        "c1*. lenient fields alone (plain envelope derive around the generated struct / ours)",
        ("lenient only", "ours"),
        &s,
        BATCH,
        Target::AtLeast(1.0),
    )
    .print_info("informational: 1 - this ratio is the share of ours spent in the envelope decoder");
    let s = interleave(
        WARMUP,
        ROUNDS,
        BATCH,
        || {
            black_box(serde_json::from_slice::<HuaweiDownloadFile>(black_box(huawei)).expect("ok"));
        },
        || {
            black_box(
                generated::huawei::dds::catalog::download_file::decode(
                    200,
                    None,
                    black_box(huawei),
                )
                .expect("ok"),
            );
        },
    );
    let huawei_met = report(
        "c2. Huawei decode (serde derive / ours)",
        ("serde", "ours"),
        &s,
        BATCH,
        Target::AtLeast(1.0),
    )
    .print();
    // The same split for Huawei (no wrapper: the body is the payload).
    let s = interleave(
        WARMUP,
        ROUNDS,
        BATCH,
        || {
            black_box(
                serde_json::from_slice::<generated::huawei::dds::DownloadFileResponse>(black_box(
                    huawei,
                ))
                .expect("ok"),
            );
        },
        || {
            black_box(
                generated::huawei::dds::catalog::download_file::decode(
                    200,
                    None,
                    black_box(huawei),
                )
                .expect("ok"),
            );
        },
    );
    report(
        "c2*. lenient fields alone (plain serde_json::from_slice of the generated struct / ours)",
        ("lenient only", "ours"),
        &s,
        BATCH,
        Target::AtLeast(1.0),
    )
    .print_info("informational: 1 - this ratio is the share of ours spent in the envelope decoder");
    (tencent_met, huawei_met)
}
