//! Tencent Cloud API 2.0 (`https://<module>.api.qcloud.com/v2/index.php`).
//!
//! All parameters travel together: in the query for GET, in a form body for POST (never
//! mixed). `Action` and `Region` are common parameters; `Timestamp`, `Nonce`, `SecretId`,
//! `SignatureMethod` and `Signature` are added by the signer.

use std::borrow::Cow;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::encoding::{form_urlencode, hmac_sha1, hmac_sha256};
use super::{ClientConfig, Field, OperationInfo, flatten_params};
use crate::credentials::TencentCredentials;
use crate::wire::{Body, Method, SignContext, SignedRequest, WireRequest};

pub(super) fn build(
    op: &OperationInfo,
    cfg: &ClientConfig,
    host: String,
    fields: Vec<Field>,
) -> WireRequest {
    let mut lead = vec![("Action".to_owned(), op.name.to_owned())];
    if let Some(region) = cfg.region_name() {
        lead.push(("Region".to_owned(), region.to_owned()));
    }
    if let Some(version) = op.version {
        lead.push(("Version".to_owned(), version.to_owned()));
    }
    let params = flatten_params(lead, &fields);
    let (query, body, headers) = match op.method {
        Method::Get => (params, Body::Empty, vec![]),
        _ => (
            vec![],
            Body::Form(params),
            vec![(
                "Content-Type".to_owned(),
                "application/x-www-form-urlencoded".to_owned(),
            )],
        ),
    };
    WireRequest {
        operation: op.name,
        method: op.method,
        host,
        path: op.path.to_owned(),
        query,
        headers,
        body,
    }
}

/// The HMAC of a signature v1 (`SignatureMethod`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HmacAlgo {
    /// `HmacSHA1`, the default when `SignatureMethod` is absent.
    Sha1,
    /// `HmacSHA256`.
    Sha256,
}

impl HmacAlgo {
    /// The algorithm a `SignatureMethod` value names (`HmacSHA256`; anything else is SHA1).
    pub fn from_name(name: &str) -> Self {
        if name == "HmacSHA256" {
            Self::Sha256
        } else {
            Self::Sha1
        }
    }

    /// The `SignatureMethod` value.
    pub fn name(self) -> &'static str {
        match self {
            Self::Sha1 => "HmacSHA1",
            Self::Sha256 => "HmacSHA256",
        }
    }
}

/// `METHODhostpath?k=v&…` as both official SDKs build it (`tencentcloud-sdk-python-common`'s
/// signature v1): every `_` in a name becomes `.` *before* the names are sorted by their bytes;
/// names equal after that replacement are one entry holding the value given last (the SDKs'
/// dict); no `Signature`; raw values.
pub fn string_to_sign(method: &str, host: &str, path: &str, params: &[(String, String)]) -> String {
    canonical(method, host, path, params.iter())
}

/// [`string_to_sign`] with API 2.0's legacy file-upload rule (`qcloudapi-sdk-python`): a POST
/// leaves parameters whose value starts with `@` out of the string to sign (they are still sent).
pub fn api2_string_to_sign(
    method: &str,
    host: &str,
    path: &str,
    params: &[(String, String)],
) -> String {
    let post = method == "POST";
    let signed = params.iter().filter(|(_, v)| !(post && v.starts_with('@')));
    canonical(method, host, path, signed)
}

fn canonical<'a>(
    method: &str,
    host: &str,
    path: &str,
    params: impl Iterator<Item = &'a (String, String)>,
) -> String {
    let mut named: Vec<(Cow<'a, str>, &'a str)> = params
        .filter(|(k, _)| k != "Signature")
        .map(|(k, v)| {
            let name = if k.contains('_') {
                Cow::Owned(k.replace('_', "."))
            } else {
                Cow::Borrowed(k.as_str())
            };
            (name, v.as_str())
        })
        .collect();
    // Stable: of equal names, the one given last ends its run and is the one kept.
    named.sort_by(|a, b| a.0.cmp(&b.0));
    let mut out = format!("{method}{host}{path}?");
    let mut first = true;
    for (i, (name, value)) in named.iter().enumerate() {
        if named.get(i + 1).is_some_and(|next| next.0 == *name) {
            continue;
        }
        if !first {
            out.push('&');
        }
        first = false;
        out.push_str(name);
        out.push('=');
        out.push_str(value);
    }
    out
}

/// Standard Base64 (padded) of the HMAC of `string_to_sign` under the SecretKey.
pub fn signature(algo: HmacAlgo, secret_key: &str, string_to_sign: &str) -> String {
    let (key, msg) = (secret_key.as_bytes(), string_to_sign.as_bytes());
    match algo {
        HmacAlgo::Sha1 => STANDARD.encode(hmac_sha1(key, msg)),
        HmacAlgo::Sha256 => STANDARD.encode(hmac_sha256(key, msg)),
    }
}

/// Adds the common signing parameters and `Signature` (HmacSHA256, over
/// [`api2_string_to_sign`]); GET sends them all in the query, other methods in a form body.
pub(crate) fn sign(
    req: WireRequest,
    creds: &TencentCredentials,
    ctx: &SignContext,
) -> SignedRequest {
    let algo = HmacAlgo::Sha256;
    let mut params = req.query;
    if let Body::Form(form) = req.body {
        params.extend(form);
    }
    params.extend([
        ("Nonce".to_owned(), ctx.nonce.to_string()),
        ("Timestamp".to_owned(), ctx.timestamp.to_string()),
        ("SecretId".to_owned(), creds.secret_id.clone()),
        ("SignatureMethod".to_owned(), algo.name().to_owned()),
    ]);
    if let Some(token) = &creds.token {
        params.push(("Token".to_owned(), token.expose().clone()));
    }
    let sts = api2_string_to_sign(req.method.as_str(), &req.host, &req.path, &params);
    params.push((
        "Signature".to_owned(),
        signature(algo, creds.secret_key.expose(), &sts),
    ));
    let encoded = form_urlencode(&params);
    let (query, body) = match req.method {
        Method::Get => (encoded, Vec::new()),
        _ => (String::new(), encoded.into_bytes()),
    };
    SignedRequest {
        operation: req.operation,
        method: req.method,
        host: req.host,
        path: req.path,
        query,
        headers: req.headers,
        body,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocols::encoding::form_urldecode;

    fn request(method: Method) -> WireRequest {
        let params = vec![
            ("Action".to_owned(), "DescribeInstances".to_owned()),
            ("Placement_Zone".to_owned(), "测试 vm&1".to_owned()),
            ("File".to_owned(), "@/tmp/a.txt".to_owned()),
        ];
        let (query, body) = match method {
            Method::Get => (params, Body::Empty),
            _ => (vec![], Body::Form(params)),
        };
        WireRequest {
            operation: "DescribeInstances",
            method,
            host: "cvm.api.qcloud.com".to_owned(),
            path: "/v2/index.php".to_owned(),
            query,
            headers: vec![("X-Keep".to_owned(), "1".to_owned())],
            body,
        }
    }

    #[test]
    fn sign_sends_exactly_what_it_signs() {
        let creds = TencentCredentials::new("AKID1", "key").with_token("tok");
        let ctx = SignContext {
            timestamp: 1465185768,
            nonce: 11886,
        };
        for method in [Method::Get, Method::Post] {
            let signed = sign(request(method), &creds, &ctx);
            let sent = match method {
                Method::Get => signed.query.clone(),
                _ => String::from_utf8(signed.body.clone()).expect("utf-8"),
            };
            assert_eq!(signed.headers, [("X-Keep".to_owned(), "1".to_owned())]);
            assert_eq!(signed.query.is_empty(), method != Method::Get);
            assert_eq!(signed.body.is_empty(), method == Method::Get);
            let mut pairs = form_urldecode(&sent);
            let keys: Vec<&str> = pairs.iter().map(|(k, _)| k.as_str()).collect();
            assert_eq!(
                keys,
                [
                    "Action",
                    "Placement_Zone",
                    "File",
                    "Nonce",
                    "Timestamp",
                    "SecretId",
                    "SignatureMethod",
                    "Token",
                    "Signature"
                ]
            );
            let (_, sig) = pairs.pop().expect("Signature");
            let sts = api2_string_to_sign(
                method.as_str(),
                "cvm.api.qcloud.com",
                "/v2/index.php",
                &pairs,
            );
            assert!(sts.contains("&Placement.Zone=测试 vm&1&") && sts.contains("Nonce=11886"));
            // API 2.0's POST leaves `@` values out of what it signs, but sends them.
            assert_eq!(sts.contains("&File=@/tmp/a.txt&"), method == Method::Get);
            assert!(pairs.contains(&("File".to_owned(), "@/tmp/a.txt".to_owned())));
            assert_eq!(sig, signature(HmacAlgo::Sha256, "key", &sts));
        }
    }

    #[test]
    fn algo_names_round_trip() {
        for algo in [HmacAlgo::Sha1, HmacAlgo::Sha256] {
            assert_eq!(HmacAlgo::from_name(algo.name()), algo);
        }
        assert_eq!(HmacAlgo::from_name("hmacsha256"), HmacAlgo::Sha1);
    }

    #[test]
    fn string_to_sign_sorts_bytes_and_skips_signature() {
        let p = |k: &str, v: &str| (k.to_owned(), v.to_owned());
        let params = [
            p("b", "2"),
            p("Signature", "x"),
            p("a_b", "c_d"),
            p("B", ""),
        ];
        assert_eq!(
            string_to_sign("GET", "h", "/", &params),
            "GETh/?B=&a.b=c_d&b=2"
        );
        assert_eq!(string_to_sign("GET", "h", "/", &[]), "GETh/?");
    }

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn underscores_become_dots_before_sorting() {
        // `_` (0x5F) sorts after digits and upper case, `.` (0x2E) before them: sorting the
        // names as given would put `A_b` after `A0` and `AB`, `instance_name` after
        // `instanceName`, `Zone_Id` after `ZoneA`.
        let params = pairs(&[
            ("limit", "5"),
            ("ZoneA", "w"),
            ("Zone_Id", "z"),
            ("instanceName", "y"),
            ("instance_name", "x"),
            ("AB", "4"),
            ("A0", "3"),
            ("A.c", "2"),
            ("A_b", "1"),
            ("Limit", "20"),
        ]);
        let expected = "GETh/?A.b=1&A.c=2&A0=3&AB=4&Limit=20&Zone.Id=z&ZoneA=w\
                        &instance.name=x&instanceName=y&limit=5";
        assert_eq!(string_to_sign("GET", "h", "/", &params), expected);
        assert_eq!(
            api2_string_to_sign("GET", "h", "/", &params),
            expected,
            "no `@` value: both rules agree"
        );
    }

    #[test]
    fn names_equal_after_replacement_sign_the_last_value() {
        for (first, last) in [("A_b", "A.b"), ("A.b", "A_b")] {
            let params = pairs(&[(first, "first"), ("Z", "z"), (last, "second")]);
            assert_eq!(
                string_to_sign("POST", "h", "/", &params),
                "POSTh/?A.b=second&Z=z"
            );
        }
    }

    #[test]
    fn api2_post_leaves_at_values_unsigned() {
        let params = pairs(&[
            ("File", "@/tmp/upload.txt"),
            ("Comment_Text", "@mention me"),
            ("Mail", "user@example.com"),
            ("A_b", "@x"),
            ("A.b", "kept"),
        ]);
        assert_eq!(
            api2_string_to_sign("POST", "h", "/", &params),
            "POSTh/?A.b=kept&Mail=user@example.com"
        );
        // A skipped `@` value does not displace an equal name given before it either.
        let reversed: Vec<_> = params.iter().rev().cloned().collect();
        assert_eq!(
            api2_string_to_sign("POST", "h", "/", &reversed),
            "POSTh/?A.b=kept&Mail=user@example.com"
        );
        let all = "A.b=kept&Comment.Text=@mention me&File=@/tmp/upload.txt&Mail=user@example.com";
        assert_eq!(
            api2_string_to_sign("GET", "h", "/", &params),
            format!("GETh/?{all}")
        );
        // The API 3.0 common client's signature v1 signs `@` values on POST too.
        assert_eq!(
            string_to_sign("POST", "h", "/", &params[..4]),
            "POSTh/?A.b=@x&Comment.Text=@mention me&File=@/tmp/upload.txt&Mail=user@example.com"
        );
    }
}
