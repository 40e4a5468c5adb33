//! Huawei Cloud REST behind API Gateway (`https://{service}.{region}.myhuaweicloud.com`).
//!
//! Fields are placed by their spec location: `{name}` path segments (percent-encoded),
//! query parameters (a list of scalars as the same key repeated), headers (a `Content-Type`
//! field replaces the default `application/json`), members of a JSON body, or the whole
//! body (`payload`: a string as it is, anything else as JSON). `X-Sdk-Date`, `X-Project-Id`
//! or `X-Domain-Id` (by the operation's [`Scope`]), `X-Security-Token` (temporary AK/SK),
//! `X-Sdk-Content-Sha256` (non-JSON bodies) and `Authorization` are added by the signer,
//! which sends the query in canonical order.

use percent_encoding::{percent_decode_str, percent_encode};

use super::encoding::{
    RFC3986, body_bytes, header, hmac_sha256, multipart, rfc3986, sha256_hex, utc,
};
use super::{Field, Location, OperationInfo, Scope};
use crate::build::{BuildError, Problem};
use crate::credentials::HuaweiCredentials;
use crate::wire::{Body, SignContext, SignedRequest, Value, WireRequest};

const ALGORITHM: &str = "SDK-HMAC-SHA256";
const CONTENT_SHA256: &str = "X-Sdk-Content-Sha256";
const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";
/// SHA-256 of nothing: the payload hash of an empty body, whatever the headers say.
const EMPTY_HASH: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

pub(super) fn build(
    op: &OperationInfo,
    host: String,
    fields: Vec<Field>,
) -> Result<WireRequest, BuildError> {
    let mut path = op.path.to_owned();
    let mut query = Vec::new();
    let mut headers = vec![("Content-Type".to_owned(), "application/json".to_owned())];
    let mut members = Vec::new();
    let mut form = Vec::new();
    let mut parts = Vec::new();
    let mut payload = None;
    for f in fields {
        match f.location {
            // Unset: the `{name}` stays for the signer (`project_id` from the credentials).
            Location::Path if f.value == Value::Null => {}
            Location::Path => {
                let text = f.value.scalar_text().unwrap_or_default();
                if text.is_empty() {
                    return Err(BuildError::new(
                        op.name,
                        Problem::Config {
                            what: format!("path parameter `{}` is empty", f.name),
                        },
                    ));
                }
                path = path.replace(&format!("{{{}}}", f.name), &rfc3986(&text));
            }
            Location::Query | Location::Param => push_query(f.name, &f.value, &mut query),
            Location::Header => {
                if let Some(v) = f.value.scalar_text() {
                    // The caller's Content-Type replaces the default (the SDK's `setdefault`).
                    headers.retain(|(k, _)| !k.eq_ignore_ascii_case(f.name));
                    headers.push((f.name.to_owned(), v));
                }
            }
            Location::Body => members.push((f.name, f.value)),
            Location::Payload => payload = Some(f.value),
            Location::Form => push_query(f.name, &f.value, &mut form),
            Location::Part => parts.push((f.name, f.value)),
        }
    }
    let body = match payload {
        Some(Value::Null) => Body::Empty,
        Some(Value::Str(text)) => Body::Raw(text),
        Some(Value::Blob(blob)) => {
            let ct = blob.content_type().unwrap_or("application/octet-stream");
            body_content_type(&mut headers, ct, false);
            Body::Bytes(blob.into_bytes())
        }
        Some(value) => Body::Json(value.to_json()),
        None if !parts.is_empty() => {
            // The boundary is part of the type: it replaces even a declared multipart type.
            let (ct, bytes) = multipart(&parts);
            body_content_type(&mut headers, &ct, true);
            Body::Bytes(bytes)
        }
        None if !form.is_empty() => {
            body_content_type(&mut headers, "application/x-www-form-urlencoded", false);
            Body::Form(form)
        }
        None if members.is_empty() => Body::Empty,
        None => Body::Json(Value::Object(members).to_json()),
    };
    Ok(WireRequest {
        operation: op.name,
        method: op.method,
        host,
        path,
        query,
        headers,
        body,
    })
}

/// Sets the content type of a body of another kind than JSON, unless a `Content-Type`
/// field already set one (`force`: even then, for a type carrying its boundary).
fn body_content_type(headers: &mut Vec<(String, String)>, ct: &str, force: bool) {
    if force || header(headers, "content-type") == Some("application/json") {
        headers.retain(|(k, _)| !k.eq_ignore_ascii_case("content-type"));
        headers.push(("Content-Type".to_owned(), ct.to_owned()));
    }
}

/// Adds a query field: a list of scalars as repeated `name=item` (Huawei style), anything
/// else flattened (`name.N`, `name.Sub`).
fn push_query(name: &str, value: &Value, out: &mut Vec<(String, String)>) {
    let nested = |v: &Value| matches!(v, Value::List(_) | Value::Object(_));
    match value {
        Value::List(items) if !items.iter().any(nested) => {
            let texts = items.iter().filter_map(Value::scalar_text);
            out.extend(texts.map(|t| (name.to_owned(), t)));
        }
        _ => value.flatten_into(name, out),
    }
}

/// Percent-decodes the path, RFC 3986-encodes each `/` segment and ends it with `/`.
pub fn canonical_uri(path: &str) -> String {
    let decoded: Vec<u8> = percent_decode_str(path).collect();
    let mut uri = decoded
        .split(|b| *b == b'/')
        .map(|segment| percent_encode(segment, RFC3986).to_string())
        .collect::<Vec<_>>()
        .join("/");
    if !uri.ends_with('/') {
        uri.push('/');
    }
    uri
}

/// Pairs sorted by key then value, both RFC 3986-encoded, as `k=v` joined with `&`.
pub fn canonical_query(pairs: &[(String, String)]) -> String {
    let mut sorted: Vec<_> = pairs.iter().collect();
    sorted.sort();
    sorted
        .iter()
        .map(|(k, v)| format!("{}={}", rfc3986(k), rfc3986(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Whether the SDK signs `UNSIGNED-PAYLOAD`: a Content-Type other than JSON or BSON.
fn unsigned_payload(headers: &[(String, String)]) -> bool {
    header(headers, "content-type").is_some_and(|ct| {
        !ct.starts_with("application/json") && !ct.starts_with("application/bson")
    })
}

/// The canonical request and its signed-header list: every header whose name has no `_`,
/// plus `host` when absent and `x-sdk-content-sha256` when the payload is unsigned. The
/// payload hash is that of an empty body when `body` is empty, else the
/// `x-sdk-content-sha256` value when there is one, else the body's SHA-256.
pub fn canonical_request(
    method: &str,
    host: &str,
    path: &str,
    query: &[(String, String)],
    headers: &[(String, String)],
    body: &[u8],
) -> (String, String) {
    let mut signed: Vec<(String, String)> = headers
        .iter()
        .filter(|(k, _)| !k.contains('_'))
        .map(|(k, v)| (k.to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let mut add_absent = |name: &str, value: &str| {
        if !signed.iter().any(|(k, _)| k == name) {
            signed.push((name.to_owned(), value.to_owned()));
        }
    };
    add_absent("host", host);
    if unsigned_payload(headers) {
        add_absent("x-sdk-content-sha256", UNSIGNED_PAYLOAD);
    }
    signed.sort_by(|a, b| a.0.cmp(&b.0));
    // As the SDK: an empty body hashes as empty; otherwise `X-Sdk-Content-Sha256`, when
    // sent, stands for the payload hash (`UNSIGNED-PAYLOAD`, or a precomputed digest).
    let declared = signed.iter().find(|(k, _)| k == "x-sdk-content-sha256");
    let hash = match declared {
        _ if body.is_empty() => EMPTY_HASH.to_owned(),
        Some((_, v)) => v.clone(),
        None => sha256_hex(body),
    };
    let canonical: String = signed.iter().map(|(k, v)| format!("{k}:{v}\n")).collect();
    let names = signed
        .iter()
        .map(|(k, _)| k.as_str())
        .collect::<Vec<_>>()
        .join(";");
    let (uri, query) = (canonical_uri(path), canonical_query(query));
    (
        format!("{method}\n{uri}\n{query}\n{canonical}\n{names}\n{hash}"),
        names,
    )
}

/// `SDK-HMAC-SHA256\n<X-Sdk-Date>\n<hex sha256 of the canonical request>`.
pub fn string_to_sign(sdk_date: &str, canonical_request: &str) -> String {
    format!(
        "{ALGORITHM}\n{sdk_date}\n{}",
        sha256_hex(canonical_request.as_bytes())
    )
}

/// Lower-case hex HMAC-SHA256 of the string to sign under the SK.
pub fn signature(sk: &str, string_to_sign: &str) -> String {
    hex::encode(hmac_sha256(sk.as_bytes(), string_to_sign.as_bytes()))
}

/// The `Authorization` header value.
pub fn authorization(ak: &str, signed_headers: &str, signature: &str) -> String {
    format!("{ALGORITHM} Access={ak}, SignedHeaders={signed_headers}, Signature={signature}")
}

/// `X-Sdk-Date` of UNIX seconds: UTC `YYYYMMDDTHHMMSSZ`.
pub fn sdk_date(timestamp: i64) -> String {
    let t = utc(timestamp);
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Fills `{project_id}` and `{domain_id}`, adds `X-Sdk-Date`, `X-Project-Id` (project
/// scope, when the credentials carry one) or `X-Domain-Id` (domain scope: required),
/// `X-Security-Token` (temporary AK/SK), `X-Sdk-Content-Sha256` (non-JSON bodies) and
/// `Authorization`; the query is sent in canonical form.
pub(crate) fn sign(
    op: &OperationInfo,
    req: WireRequest,
    creds: &HuaweiCredentials,
    ctx: &SignContext,
) -> Result<SignedRequest, BuildError> {
    let mut path = req.path;
    let mut headers = req.headers;
    let date = sdk_date(ctx.timestamp);
    headers.push(("X-Sdk-Date".to_owned(), date.clone()));
    if let Some(project_id) = &creds.project_id {
        path = path.replace("{project_id}", &rfc3986(project_id));
    }
    if let Some(domain_id) = &creds.domain_id {
        path = path.replace("{domain_id}", &rfc3986(domain_id));
    }
    match (op.scope, &creds.project_id, &creds.domain_id) {
        (Scope::Project, Some(project_id), _) => {
            headers.push(("X-Project-Id".to_owned(), project_id.clone()));
        }
        (Scope::Project, None, _) => {}
        (Scope::Domain, _, Some(domain_id)) => {
            headers.push(("X-Domain-Id".to_owned(), domain_id.clone()));
        }
        (Scope::Domain, _, None) => {
            return Err(BuildError::new(
                op.name,
                Problem::Config {
                    what: "a domain-scoped (global) operation needs the account's domain id: \
                           the Huawei credentials have none (`with_domain_id`, \
                           `HUAWEICLOUD_SDK_DOMAIN_ID`)"
                        .to_owned(),
                },
            ));
        }
    }
    if let Some(token) = &creds.security_token {
        headers.push(("X-Security-Token".to_owned(), token.expose().clone()));
    }
    if unsigned_payload(&headers) && header(&headers, CONTENT_SHA256).is_none() {
        headers.push((CONTENT_SHA256.to_owned(), UNSIGNED_PAYLOAD.to_owned()));
    }
    let body = body_bytes(req.body);
    let method = req.method.as_str();
    let (canonical, names) =
        canonical_request(method, &req.host, &path, &req.query, &headers, &body);
    let sig = signature(creds.sk.expose(), &string_to_sign(&date, &canonical));
    headers.push((
        "Authorization".to_owned(),
        authorization(&creds.ak, &names, &sig),
    ));
    Ok(SignedRequest {
        operation: req.operation,
        method: req.method,
        host: req.host,
        path,
        query: canonical_query(&req.query),
        headers,
        body,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ClientConfig;
    use crate::envelope::EnvelopeSpec;
    use crate::protocols::Protocol;
    use crate::wire::Method;

    static ENVELOPE: EnvelopeSpec = EnvelopeSpec {
        protocol: "huawei",
        wrapper: None,
        error_object: None,
        code_field: "error_code",
        message_field: "error_msg",
        alt_error_fields: &[],
        success_code: None,
        request_id_field: None,
        request_id_header: None,
        status_errors: true,
        clock_skew_codes: &[],
    };

    fn op(scope: Scope) -> OperationInfo {
        OperationInfo {
            name: "CreateVpc",
            protocol: Protocol::Huawei,
            service: "vpc",
            version: None,
            endpoint: "vpc.{region}.myhuaweicloud.com",
            method: Method::Post,
            path: "/v1/{project_id}/vpcs",
            idempotent: false,
            rate_limit: None,
            envelope: &ENVELOPE,
            scope,
            response: sdk_core::envelope::ResponseLayout::MEMBERS,
            regions: &[("eu-west-101", "vpc.eu-west-101.myhuaweicloud.eu")],
        }
    }

    fn p(k: &str, v: &str) -> (String, String) {
        (k.to_owned(), v.to_owned())
    }

    #[test]
    fn a_listed_region_takes_its_own_host_and_an_override_wins() {
        let host = |cfg: &ClientConfig| {
            crate::protocols::build(&op(Scope::Project), cfg, Vec::new())
                .expect("builds")
                .host
        };
        let cfg = ClientConfig::new();
        assert_eq!(
            host(&cfg.clone().region("cn-north-4")),
            "vpc.cn-north-4.myhuaweicloud.com"
        );
        assert_eq!(
            host(&cfg.clone().region("eu-west-101")),
            "vpc.eu-west-101.myhuaweicloud.eu"
        );
        assert_eq!(
            host(&cfg.region("eu-west-101").endpoint("127.0.0.1:9")),
            "127.0.0.1:9"
        );
    }

    #[test]
    fn lists_of_scalars_repeat_the_key() {
        let mut out = vec![];
        let list = Value::List(vec![Value::Str("b".into()), Value::Null, Value::Int(1)]);
        push_query("tags", &list, &mut out);
        push_query("one", &Value::Bool(true), &mut out);
        let objects = Value::List(vec![Value::Object(vec![("k", Value::Str("v".into()))])]);
        push_query("objs", &objects, &mut out);
        push_query("none", &Value::Null, &mut out);
        assert_eq!(
            out,
            [
                p("tags", "b"),
                p("tags", "1"),
                p("one", "true"),
                p("objs.0.k", "v")
            ]
        );
    }

    #[test]
    fn canonical_uri_reencodes_segments() {
        assert_eq!(canonical_uri("/v1/a%20b/c*d"), "/v1/a%20b/c%2Ad/");
        assert_eq!(canonical_uri("/x/"), "/x/");
        assert_eq!(canonical_uri(""), "/");
        assert_eq!(canonical_uri("/a%2Fb/%FF"), "/a/b/%FF/");
    }

    #[test]
    fn canonical_query_sorts_pairs() {
        let q = [p("b", "2"), p("a", "z"), p("a", "y y"), p("c", "")];
        assert_eq!(canonical_query(&q), "a=y%20y&a=z&b=2&c=");
        assert_eq!(canonical_query(&[]), "");
    }

    #[test]
    fn sdk_date_format() {
        assert_eq!(sdk_date(1573789015), "20191115T033655Z");
        assert_eq!(sdk_date(0), "19700101T000000Z");
    }

    fn request(content_type: &str, body: Body) -> WireRequest {
        WireRequest {
            operation: "CreateVpc",
            method: Method::Post,
            host: "vpc.cn-north-4.myhuaweicloud.com".to_owned(),
            path: "/v1/{project_id}/vpcs".to_owned(),
            query: vec![p("tags", "b=2"), p("name", "web server"), p("tags", "a&1")],
            headers: vec![p("Content-Type", content_type), p("TEST_UNDERSCORE", "x")],
            body,
        }
    }

    #[test]
    fn sign_sends_exactly_what_it_signs() {
        let creds = HuaweiCredentials::new("AK", "SK").with_project_id("p 1");
        let ctx = SignContext {
            timestamp: 1704164645,
            nonce: 1,
        };
        let json = r#"{"vpc":{"name":"a"}}"#;
        for (ct, names) in [
            (
                "application/json;charset=UTF-8",
                "content-type;host;x-project-id;x-sdk-date",
            ),
            (
                "application/octet-stream",
                "content-type;host;x-project-id;x-sdk-content-sha256;x-sdk-date",
            ),
        ] {
            let req = request(ct, Body::Json(json.to_owned()));
            let signed = sign(&op(Scope::Project), req.clone(), &creds, &ctx).unwrap();
            assert_eq!(signed.path, "/v1/p%201/vpcs");
            assert_eq!(signed.query, "name=web%20server&tags=a%261&tags=b%3D2");
            assert_eq!(signed.body, json.as_bytes());
            let get = |name: &str| header(&signed.headers, name).map(str::to_owned);
            assert_eq!(get("X-Sdk-Date").as_deref(), Some("20240102T030405Z"));
            assert_eq!(get("X-Project-Id").as_deref(), Some("p 1"));
            let unsigned = get(CONTENT_SHA256).is_some();
            assert_eq!(unsigned, ct == "application/octet-stream");
            let sent: Vec<_> = signed.headers[..signed.headers.len() - 1].to_vec();
            let (cr, signed_names) = canonical_request(
                "POST",
                &req.host,
                &signed.path,
                &req.query,
                &sent,
                &signed.body,
            );
            assert_eq!(signed_names, names);
            let lines: Vec<&str> = cr.split('\n').collect();
            assert_eq!(lines[2], signed.query, "the query sent is the one signed");
            let hash = if unsigned {
                UNSIGNED_PAYLOAD.to_owned()
            } else {
                sha256_hex(&signed.body)
            };
            assert_eq!(lines.last(), Some(&hash.as_str()));
            let sig = signature("SK", &string_to_sign("20240102T030405Z", &cr));
            assert_eq!(get("Authorization"), Some(authorization("AK", names, &sig)));
        }
        let anonymous = sign(
            &op(Scope::Project),
            request("application/json", Body::Empty),
            &HuaweiCredentials::new("AK", "SK"),
            &ctx,
        )
        .unwrap();
        assert_eq!(anonymous.path, "/v1/{project_id}/vpcs");
        assert_eq!(header(&anonymous.headers, "X-Project-Id"), None);
    }

    #[test]
    fn scope_picks_the_id_header_and_the_token_is_signed() {
        let ctx = SignContext {
            timestamp: 1704164645,
            nonce: 1,
        };
        let creds = HuaweiCredentials::new("AK", "SK")
            .with_project_id("p1")
            .with_domain_id("d1")
            .with_security_token("tok");
        let req = request("application/json", Body::Empty);
        let global = sign(&op(Scope::Domain), req.clone(), &creds, &ctx).unwrap();
        assert_eq!(header(&global.headers, "X-Domain-Id"), Some("d1"));
        assert_eq!(header(&global.headers, "X-Project-Id"), None);
        assert_eq!(header(&global.headers, "X-Security-Token"), Some("tok"));
        let auth = header(&global.headers, "Authorization").unwrap();
        assert!(
            auth.contains(
                "SignedHeaders=content-type;host;x-domain-id;x-sdk-date;x-security-token,"
            ),
            "{auth}"
        );
        let regional = sign(&op(Scope::Project), req.clone(), &creds, &ctx).unwrap();
        assert_eq!(header(&regional.headers, "X-Project-Id"), Some("p1"));
        assert_eq!(header(&regional.headers, "X-Domain-Id"), None);
        let no_domain = HuaweiCredentials::new("AK", "SK").with_project_id("p1");
        let err = sign(&op(Scope::Domain), req, &no_domain, &ctx).unwrap_err();
        assert!(err.to_string().contains("domain id"), "{err}");
    }

    #[test]
    fn payload_is_the_body_and_content_type_is_replaced() {
        let host = "h".to_owned();
        let o = op(Scope::Project);
        let list = vec!["a".to_owned(), "b".to_owned()];
        let wire = build(&o, host.clone(), vec![Field::payload("items", &list)]).unwrap();
        assert_eq!(wire.body, Body::Json(r#"["a","b"]"#.to_owned()));
        let text = "line one\nline two".to_owned();
        let ct = "text/plain; charset=utf-8".to_owned();
        let wire = build(
            &o,
            host,
            vec![
                Field::payload("doc", &text),
                Field::header("Content-Type", &ct),
            ],
        )
        .unwrap();
        assert_eq!(wire.body, Body::Raw(text));
        assert_eq!(wire.headers, [p("Content-Type", &ct)]);
    }

    #[test]
    fn an_empty_body_hashes_as_empty_even_when_unsigned() {
        let headers = [p("Content-Type", "text/plain")];
        let (cr, names) = canonical_request("GET", "h", "/", &[], &headers, b"");
        assert_eq!(names, "content-type;host;x-sdk-content-sha256");
        assert!(cr.ends_with(EMPTY_HASH), "{cr}");
    }
}
