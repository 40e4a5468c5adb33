//! a. One full generated call on loopback vs hand-written reqwest with the same signing.

use super::*;

/// The hand-written body of `DescribeBackupUrl`.
#[derive(Serialize)]
pub(crate) struct DescribeBackupUrlBody<'a> {
    #[serde(rename = "InstanceId")]
    pub(crate) instance_id: &'a str,
    #[serde(rename = "BackupId")]
    pub(crate) backup_id: &'a str,
}

/// A plain mirror of the Tencent API 3.0 envelope of `DescribeBackupUrl`.
#[derive(Deserialize)]
pub(crate) struct TencentEnvelope {
    #[serde(rename = "Response")]
    pub(crate) response: TencentPayload,
}

/// The generated `DescribeBackupUrlResponse`'s five fields, absent lists read as empty as the
/// generated struct reads them (the spec's `Filenames` and `BackupInfos[]` are absent from the
/// document's sample but part of the shape both sides decode).
#[derive(Deserialize)]
pub(crate) struct TencentPayload {
    #[serde(rename = "DownloadUrl", default)]
    pub(crate) download_url: Vec<String>,
    #[serde(rename = "InnerDownloadUrl", default)]
    pub(crate) inner_download_url: Vec<String>,
    #[serde(rename = "Filenames", default)]
    pub(crate) _filenames: Vec<String>,
    #[serde(rename = "BackupInfos", default)]
    pub(crate) _backup_infos: Vec<TencentBackupInfo>,
    #[serde(rename = "RequestId")]
    pub(crate) request_id: String,
}

/// A plain mirror of the generated `BackupDownloadInfo`.
#[derive(Deserialize)]
pub(crate) struct TencentBackupInfo {
    #[serde(rename = "FileName")]
    pub(crate) _file_name: Option<String>,
    #[serde(rename = "FileSize")]
    pub(crate) _file_size: Option<u64>,
    #[serde(rename = "DownloadUrl")]
    pub(crate) _download_url: Option<String>,
    #[serde(rename = "InnerDownloadUrl")]
    pub(crate) _inner_download_url: Option<String>,
}

pub(crate) const INSTANCE_ID: &str = "crs-4y9t57vt";
pub(crate) const BACKUP_ID: &str = "678362566696298532848117";

/// What a careful hand-written client does: JSON body, TC3 headers signed with the runtime's
/// public functions, POST on one reused `reqwest::Client`, read the bytes, decode with serde.
pub(crate) async fn hand_written_call(
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

pub(crate) fn full_call() -> bool {
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
pub(crate) fn sign_only() {
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
