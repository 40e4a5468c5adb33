//! c. Generated lenient decoding vs plain serde derive on the same sample.

use super::*;

pub(crate) const TENCENT_SAMPLE: &str =
    include_str!("../../../specs/tencent/redis/samples/describe_backup_url.json");
pub(crate) const HUAWEI_SAMPLE: &str =
    include_str!("../../../specs/huawei/dds/samples/download_file.json");

/// The generated payload struct (lenient fields) under a plain serde derive of the envelope.
#[derive(Deserialize)]
pub(crate) struct LenientOnly {
    #[serde(rename = "Response")]
    pub(crate) _response: DescribeBackupUrlResponse,
}

/// A plain mirror of the Huawei `DownloadFile` response.
#[derive(Deserialize)]
pub(crate) struct HuaweiDownloadFile {
    #[serde(default)]
    pub(crate) files: Vec<HuaweiFile>,
    pub(crate) bucket: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct HuaweiFile {
    pub(crate) name: Option<String>,
    pub(crate) size: Option<u64>,
    pub(crate) download_link: Option<String>,
    pub(crate) link_expired_time: Option<String>,
    pub(crate) group_id: Option<String>,
    pub(crate) group_name: Option<String>,
}

pub(crate) fn decoding() -> (bool, bool) {
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

    // The four decodes the lines compare (each closure only borrows, so it is `Copy`).
    let tencent_ours = || {
        black_box(
            generated::tencent::redis::catalog::describe_backup_url::decode(
                200,
                None,
                black_box(tencent),
            )
            .expect("ok"),
        );
    };
    let tencent_serde = || {
        black_box(serde_json::from_slice::<TencentEnvelope>(black_box(tencent)).expect("ok"));
    };
    let huawei_ours = || {
        black_box(
            generated::huawei::dds::catalog::download_file::decode(200, None, black_box(huawei))
                .expect("ok"),
        );
    };
    let huawei_serde = || {
        black_box(serde_json::from_slice::<HuaweiDownloadFile>(black_box(huawei)).expect("ok"));
    };

    // Profiling aid (`SDKGEN_BENCH_ONLY=c1-ours`, `c1-base`, `c2-ours` or `c2-base`, not part
    // of a run): 200 000 decodes of one side alone, for `valgrind --tool=callgrind`.
    if let Ok(side) = std::env::var("SDKGEN_BENCH_ONLY")
        && matches!(side.as_str(), "c1-ours" | "c1-base" | "c2-ours" | "c2-base")
    {
        let decode = match side.as_str() {
            "c1-ours" => &tencent_ours as &dyn Fn(),
            "c1-base" => &tencent_serde,
            "c2-ours" => &huawei_ours,
            _ => &huawei_serde,
        };
        for _ in 0..200_000 {
            decode();
        }
        return (true, true);
    }

    let s = interleave(WARMUP, ROUNDS, BATCH, tencent_serde, tencent_ours);
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
        tencent_ours,
    );
    report(
        "c1*. lenient fields alone (plain envelope derive around the generated struct / ours)",
        ("lenient only", "ours"),
        &s,
        BATCH,
        Target::AtLeast(1.0),
    )
    .print_info("informational: 1 - this ratio is the share of ours spent in the envelope decoder");
    let s = interleave(WARMUP, ROUNDS, BATCH, huawei_serde, huawei_ours);
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
        huawei_ours,
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
