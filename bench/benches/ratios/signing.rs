//! b. TC3 and Huawei signing vs aws-sigv4's SigV4 on the same request.

use super::*;

pub(crate) const SIGN_HOST: &str = "dds.cn-north-4.myhuaweicloud.com";
pub(crate) const SIGN_PATH: &str =
    "/v3/0123456789abcdef0123456789abcdef/instances/backups/download-file";
pub(crate) const SIGN_URI: &str = "https://dds.cn-north-4.myhuaweicloud.com/v3/0123456789abcdef0123456789abcdef/instances/backups/download-file?limit=10&offset=0";
pub(crate) const SIGN_BODY: &str = r#"{"InstanceId":"befb1cfe1f96403780396b0c54f85d11in02","BackupId":"bd062e1af2d248b3bb4cd3dbb418","Limit":10}"#;
pub(crate) const ACCESS_KEY: &str = "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE";
pub(crate) const SECRET_KEY: &str = "Gu5t9xGARNpq86cd98joQYCN3EXAMPLEKEYwJal";

pub(crate) fn signing() -> (bool, bool) {
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
