//! Recognise the protocol and operation of a request, verify its signature and timestamp
//! the way the vendor's gateway does, and check the spec's required parameters.
//!
//! Signatures are recomputed from the request *as received* (raw query string, body bytes,
//! header values) with the runtime's canonicalisation functions, which are themselves
//! tested against the vendors' official vectors.

use runtime::Protocol;
use runtime::catalog::OperationCatalog;
use runtime::protocols::encoding::form_urldecode;
use runtime::protocols::{Location, huawei, tencent_v2, tencent_v3, ucloud};

use crate::dialect::Dialect;
use crate::{Keys, Seen};

pub(crate) enum Outcome {
    /// Not a request of any protocol the catalog serves.
    Unrecognised(String),
    Rejected {
        dialect: Dialect,
        op: Option<&'static OperationCatalog>,
        code: &'static str,
        reason: String,
    },
    Accepted {
        dialect: Dialect,
        op: &'static OperationCatalog,
    },
}

type Pairs = Vec<(String, String)>;

fn get<'a>(pairs: &'a Pairs, key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// `Key=value, Key=value` after the algorithm name of an `Authorization` header.
fn auth_fields(auth: &str) -> Pairs {
    let rest = auth.split_once(' ').map_or("", |(_, r)| r);
    rest.split(',')
        .filter_map(|kv| kv.trim().split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

/// Where a request was sent: the emulator's shared port, or the port of one service
/// ([`crate::Emulator::endpoint_for`]), which serves that service's operations alone.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Scope<'a> {
    Shared,
    Service(&'a str),
}

/// Which operation a request names, or why none can be told.
enum Placed {
    Found(&'static OperationCatalog),
    Unknown,
    /// The request names an operation of several services and nothing in it says which.
    Ambiguous(Vec<&'static str>),
}

impl Placed {
    /// The one operation of `candidates`, or the services among which it is ambiguous.
    fn of(candidates: Vec<&'static OperationCatalog>) -> Self {
        let mut services: Vec<&'static str> = candidates.iter().map(|o| o.info.service).collect();
        services.sort_unstable();
        services.dedup();
        match (candidates.first(), services.len()) {
            (None, _) => Placed::Unknown,
            (Some(op), 1) => Placed::Found(op),
            _ => Placed::Ambiguous(services),
        }
    }

    fn op(&self) -> Option<&'static OperationCatalog> {
        match self {
            Placed::Found(op) => Some(op),
            _ => None,
        }
    }
}

/// The service a request's `Host` names by its first label (`mariadb.localhost:8080`,
/// `cdb.tencentcloudapi.com`), when the emulator serves one of that name.
fn host_service<'a>(ops: &[&'static OperationCatalog], host: &'a str) -> Option<&'a str> {
    let label = host.split(['.', ':']).next()?;
    ops.iter().any(|o| o.info.service == label).then_some(label)
}

pub(crate) fn check(
    ops: &[&'static OperationCatalog],
    scope: Scope<'_>,
    keys: &Keys,
    req: &Seen,
    now: i64,
) -> Outcome {
    let auth = req.header("authorization").unwrap_or_default();
    let params = if req.method == "GET" {
        form_urldecode(&req.query)
    } else {
        form_urldecode(&String::from_utf8_lossy(&req.body))
    };
    // The service the request was sent to: the port's, else the one its host names.
    let service = match scope {
        Scope::Service(s) => Some(s),
        Scope::Shared => host_service(ops, req.header("host").unwrap_or_default()),
    };
    let in_service = |o: &&&'static OperationCatalog| service.is_none_or(|s| o.info.service == s);
    // The official SDKs also sign API 3.0 calls the old way (HmacSHA1/HmacSHA256 over form
    // or query parameters, `Action` and `Version` among them): recognised by an `Action`
    // that only a 3.0 operation has, answered in the 3.0 envelope.
    let v1_on_v3 = !auth.starts_with("TC3-HMAC-SHA256")
        && req.header("x-tc-action").is_none()
        && get(&params, "SecretId").is_some()
        && get(&params, "Version").is_some()
        && get(&params, "Action").is_some_and(|a| {
            let served = |p: Protocol| {
                ops.iter()
                    .filter(in_service)
                    .any(|o| o.info.protocol == p && o.info.name == a)
            };
            served(Protocol::TencentV3) && !served(Protocol::TencentV2)
        });
    let protocol =
        if auth.starts_with("TC3-HMAC-SHA256") || req.header("x-tc-action").is_some() || v1_on_v3 {
            Protocol::TencentV3
        } else if auth.starts_with("SDK-HMAC-SHA256") {
            Protocol::Huawei
        } else if get(&params, "SecretId").is_some() {
            Protocol::TencentV2
        } else if get(&params, "PublicKey").is_some() {
            Protocol::UCloud
        } else {
            return Outcome::Unrecognised(
                "emulator: not a Tencent, UCloud or Huawei request (no signature found)".into(),
            );
        };
    let Some(any) = ops.iter().find(|o| o.info.protocol == protocol) else {
        return Outcome::Unrecognised(format!("emulator: no {protocol:?} operation is served"));
    };
    let Some(dialect) = Dialect::of(any) else {
        return Outcome::Unrecognised(format!(
            "emulator: protocol {protocol:?}'s spec names no bad-signature code"
        ));
    };
    // A TC3 signature names its service in the credential scope: on the shared port that
    // is the service; on a service's port a scope naming another is a bad signature.
    let tc3_service = (protocol == Protocol::TencentV3 && !v1_on_v3)
        .then(|| credential_service(auth))
        .flatten()
        .filter(|_| service.is_none());
    let candidates = ops
        .iter()
        .copied()
        .filter(|o| o.info.protocol == protocol)
        .filter(|o| {
            service
                .or(tc3_service.as_deref())
                .is_none_or(|s| o.info.service == s)
        });
    let named = |action: &str| {
        Placed::of(
            candidates
                .clone()
                .filter(|o| o.info.name == action)
                .collect(),
        )
    };
    let placed = match protocol {
        Protocol::TencentV3 if !v1_on_v3 => named(req.header("x-tc-action").unwrap_or_default()),
        Protocol::TencentV3 | Protocol::TencentV2 | Protocol::UCloud => {
            named(get(&params, "Action").unwrap_or_default())
        }
        Protocol::Huawei => {
            // The most literal template wins (`/instances/backups` over `/instances/{id}`).
            let matching: Vec<(usize, &'static OperationCatalog)> = candidates
                .filter(|o| o.info.method.as_str() == req.method)
                .filter_map(|o| Some((path_vars(o.info.path, &req.path)?.len(), o)))
                .collect();
            let fewest = matching.iter().map(|(vars, _)| *vars).min();
            Placed::of(
                matching
                    .into_iter()
                    .filter(|(vars, _)| Some(*vars) == fewest)
                    .map(|(_, o)| o)
                    .collect(),
            )
        }
        other => {
            return Outcome::Unrecognised(format!("emulator: no verifier for {other:?}"));
        }
    };
    let op = placed.op();
    let reject = |code: &'static str, reason: String| Outcome::Rejected {
        dialect,
        op,
        code,
        reason,
    };
    let auth_result = match protocol {
        Protocol::TencentV2 => verify_v1(
            &dialect,
            keys,
            req,
            &params,
            now,
            tencent_v2::api2_string_to_sign,
        ),
        Protocol::TencentV3 if v1_on_v3 => verify_v1(
            &dialect,
            keys,
            req,
            &params,
            now,
            tencent_v2::string_to_sign,
        ),
        Protocol::TencentV3 => verify_v3(&dialect, keys, req, op, now),
        Protocol::UCloud => verify_ucloud(&dialect, keys, &params),
        Protocol::Huawei => verify_huawei(&dialect, keys, req, now),
        other => Err((dialect.bad_signature, format!("no verifier for {other:?}"))),
    };
    if let Err((code, reason)) = auth_result {
        return reject(code, reason);
    }
    let op = match placed {
        Placed::Found(op) => op,
        Placed::Unknown => return reject(dialect.unknown_operation, "no such operation".into()),
        Placed::Ambiguous(services) => {
            return reject(
                dialect.unknown_operation,
                format!(
                    "the operation is one of services {} and the request names none: \
                     send it to the service's endpoint (Emulator::endpoint_for)",
                    services.join(", ")
                ),
            );
        }
    };
    if let Some(code) = dialect.missing_param
        && let Some(missing) = missing_param(op, req, &params, v1_on_v3)
    {
        return reject(code, format!("missing required parameter {missing}"));
    }
    Outcome::Accepted { dialect, op }
}

type Verified = Result<(), (&'static str, String)>;

fn skew(d: &Dialect, timestamp: Option<i64>, now: i64) -> Verified {
    match timestamp {
        Some(ts) if ts.abs_diff(now) <= d.max_skew.unsigned_abs() => Ok(()),
        Some(ts) => Err((
            d.expired,
            format!("timestamp {ts} is {}s from {now}", ts - now),
        )),
        None => Err((d.bad_signature, "no timestamp".into())),
    }
}

fn same(d: &Dialect, sent: Option<&str>, expected: &str) -> Verified {
    if sent == Some(expected) {
        Ok(())
    } else {
        Err((d.bad_signature, "signature mismatch".into()))
    }
}

/// The string a v1 signature covers: API 2.0 leaves a POST's `@` values out
/// (`api2_string_to_sign`); the common client on API 3.0 hosts signs every parameter.
type V1StringToSign = fn(&str, &str, &str, &[(String, String)]) -> String;

/// Signature v1 (HmacSHA1/HmacSHA256 over the sorted parameters).
fn verify_v1(
    d: &Dialect,
    keys: &Keys,
    req: &Seen,
    params: &Pairs,
    now: i64,
    string_to_sign: V1StringToSign,
) -> Verified {
    let key = &keys.tencent;
    if get(params, "SecretId") != Some(key.secret_id.as_str()) {
        return Err((d.unknown_key, "unknown SecretId".into()));
    }
    skew(
        d,
        get(params, "Timestamp").and_then(|t| t.parse().ok()),
        now,
    )?;
    let algo = tencent_v2::HmacAlgo::from_name(get(params, "SignatureMethod").unwrap_or_default());
    let host = req.header("host").unwrap_or_default();
    let sts = string_to_sign(&req.method, host, &req.path, params);
    let expected = tencent_v2::signature(algo, key.secret_key.expose(), &sts);
    same(d, get(params, "Signature"), &expected)
}

/// The service a TC3 `Authorization` header's credential scope names
/// (`Credential=<id>/<date>/<service>/tc3_request`).
fn credential_service(auth: &str) -> Option<String> {
    let fields = auth_fields(auth);
    get(&fields, "Credential")?
        .split('/')
        .nth(2)
        .map(str::to_owned)
}

fn verify_v3(
    d: &Dialect,
    keys: &Keys,
    req: &Seen,
    op: Option<&'static OperationCatalog>,
    now: i64,
) -> Verified {
    let key = &keys.tencent;
    let fields = auth_fields(req.header("authorization").unwrap_or_default());
    let credential = get(&fields, "Credential").unwrap_or_default();
    let mut scope = credential.split('/');
    let (id, date, service) = (scope.next(), scope.next(), scope.next());
    if id != Some(key.secret_id.as_str()) {
        return Err((d.unknown_key, "unknown SecretId".into()));
    }
    let timestamp: Option<i64> = req.header("x-tc-timestamp").and_then(|t| t.parse().ok());
    skew(d, timestamp, now)?;
    let timestamp = timestamp.unwrap_or_default();
    let service = service.unwrap_or_default();
    if op.is_some_and(|o| o.info.service != service) {
        return Err((
            d.bad_signature,
            format!("credential scope names service `{service}`"),
        ));
    }
    let signed_names = get(&fields, "SignedHeaders").unwrap_or_default();
    let headers: Pairs = signed_names
        .split(';')
        .map(|n| (n.to_owned(), req.header(n).unwrap_or_default().to_owned()))
        .collect();
    let (canonical, signed) =
        tencent_v3::canonical_request(&req.method, &req.path, &req.query, &headers, &req.body);
    if signed != signed_names || !signed.split(';').any(|h| h == "host") {
        return Err((d.bad_signature, "SignedHeaders must include host".into()));
    }
    let sts = tencent_v3::string_to_sign(timestamp, service, &canonical);
    if sts.lines().nth(2).and_then(|s| s.split('/').next()) != date {
        return Err((
            d.bad_signature,
            "credential scope date is not the timestamp's".into(),
        ));
    }
    let expected = tencent_v3::signature(key.secret_key.expose(), timestamp, service, &sts);
    same(d, get(&fields, "Signature"), &expected)
}

fn verify_ucloud(d: &Dialect, keys: &Keys, params: &Pairs) -> Verified {
    let key = &keys.ucloud;
    if get(params, "PublicKey") != Some(key.public_key.as_str()) {
        return Err((d.unknown_key, "unknown PublicKey".into()));
    }
    let expected = ucloud::signature(&ucloud::string_to_sign(params, key.private_key.expose()));
    same(d, get(params, "Signature"), &expected)
}

fn verify_huawei(d: &Dialect, keys: &Keys, req: &Seen, now: i64) -> Verified {
    let key = &keys.huawei;
    let fields = auth_fields(req.header("authorization").unwrap_or_default());
    if get(&fields, "Access") != Some(key.ak.as_str()) {
        return Err((d.unknown_key, "unknown AK".into()));
    }
    let date = req.header("x-sdk-date").unwrap_or_default();
    skew(d, parse_sdk_date(date), now)?;
    let signed_names = get(&fields, "SignedHeaders").unwrap_or_default();
    let headers: Pairs = signed_names
        .split(';')
        .filter_map(|n| req.header(n).map(|v| (n.to_owned(), v.to_owned())))
        .collect();
    let host = req.header("host").unwrap_or_default();
    let query = form_urldecode(&req.query);
    let (canonical, signed) =
        huawei::canonical_request(&req.method, host, &req.path, &query, &headers, &req.body);
    if signed != signed_names {
        return Err((
            d.bad_signature,
            "SignedHeaders do not match the headers sent".into(),
        ));
    }
    let expected = huawei::signature(key.sk.expose(), &huawei::string_to_sign(date, &canonical));
    same(d, get(&fields, "Signature"), &expected)
}

/// `YYYYMMDDTHHMMSSZ` as UNIX seconds.
fn parse_sdk_date(s: &str) -> Option<i64> {
    let format = time::macros::format_description!("[year][month][day]T[hour][minute][second]Z");
    time::PrimitiveDateTime::parse(s, format)
        .ok()
        .map(|t| t.assume_utc().unix_timestamp())
}

/// The `{name}` values of `path` if it matches `template`.
fn path_vars(template: &str, path: &str) -> Option<Vec<(String, String)>> {
    let (t, p): (Vec<&str>, Vec<&str>) = (template.split('/').collect(), path.split('/').collect());
    if t.len() != p.len() {
        return None;
    }
    let mut vars = Vec::new();
    for (t, p) in t.iter().zip(&p) {
        match t.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(name) if !p.is_empty() => vars.push((name.to_owned(), (*p).to_owned())),
            Some(_) => return None,
            None if t == p => {}
            None => return None,
        }
    }
    Some(vars)
}

/// The `name` of each part of a `multipart/form-data` body (none for any other body).
pub(crate) fn multipart_names(content_type: &str, body: &[u8]) -> Vec<String> {
    let Some(boundary) = content_type
        .strip_prefix("multipart/form-data")
        .and_then(|rest| {
            rest.split(';')
                .find_map(|p| p.trim().strip_prefix("boundary="))
        })
    else {
        return Vec::new();
    };
    let delimiter = format!("--{}", boundary.trim_matches('"'));
    let text = String::from_utf8_lossy(body);
    text.split(delimiter.as_str())
        .filter_map(|part| {
            let head = part.split("\r\n\r\n").next()?;
            let disposition = head
                .lines()
                .find(|l| l.to_ascii_lowercase().starts_with("content-disposition:"))?;
            let name = disposition
                .split(';')
                .find_map(|p| p.trim().strip_prefix("name="))?;
            Some(name.trim_matches('"').to_owned())
        })
        .collect()
}

/// The first required parameter the request lacks, named as the spec names it.
fn missing_param(
    op: &OperationCatalog,
    req: &Seen,
    params: &Pairs,
    v1_on_v3: bool,
) -> Option<&'static str> {
    let json: Option<serde_json::Value> = serde_json::from_slice(&req.body).ok();
    let query = form_urldecode(&req.query);
    let in_pairs = |pairs: &Pairs, name: &str| {
        pairs
            .iter()
            .any(|(k, v)| !v.is_empty() && (k == name || k.starts_with(&format!("{name}."))))
    };
    let parts = multipart_names(req.header("content-type").unwrap_or_default(), &req.body);
    let in_json = |name: &str| {
        json.as_ref()
            .and_then(|j| j.get(name))
            .is_some_and(|v| !v.is_null())
    };
    op.params
        .iter()
        .filter(|p| p.required)
        .map(|p| (p.name, p.location))
        .find(|&(name, location)| {
            let present = match (location, op.info.protocol) {
                // The protocol's usual place: the JSON body for API 3.0, else the form/query pairs.
                // API 3.0: the JSON body, or the query of a GET, or the pairs of a v1 signature.
                (Location::Param, Protocol::TencentV3) if v1_on_v3 => in_pairs(params, name),
                (Location::Param, Protocol::TencentV3) if req.method == "GET" => {
                    in_pairs(&query, name)
                }
                (Location::Param, Protocol::TencentV3) => in_json(name),
                (Location::Param, _) => in_pairs(params, name),
                (Location::Path, _) => path_vars(op.info.path, &req.path)
                    .is_some_and(|vars| vars.iter().any(|(k, v)| k == name && !v.starts_with('{'))),
                (Location::Header, _) => req.header(name).is_some(),
                (Location::Body, _) => in_json(name),
                (Location::Payload, _) => !req.body.is_empty(),
                (Location::Query, _) => in_pairs(&query, name),
                (Location::Form, _) => in_pairs(params, name),
                (Location::Part, _) => parts.iter().any(|part| part == name),
            };
            !present
        })
        .map(|(name, _)| name)
}
