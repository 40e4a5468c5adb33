//! The wire request description: what a client method would put on the network, before
//! signing. Generated code turns request fields into [`Value`]s; the protocol modules in
//! the runtime's protocols place them (query, form, JSON body, path, headers).

use std::fmt;

/// A request field's value, protocol-neutral. Objects keep the spec's field order, so a
/// JSON rendering is deterministic and matches the vendors' documented examples.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// Absent (an unset optional field); protocols skip it.
    Null,
    /// Text.
    Str(String),
    /// Signed integer.
    Int(i64),
    /// Unsigned integer.
    UInt(u64),
    /// Floating-point number.
    Float(f64),
    /// Boolean.
    Bool(bool),
    /// A list.
    List(Vec<Value>),
    /// An object: `(wire name, value)` in spec order.
    Object(Vec<(&'static str, Value)>),
    /// A map: keys are data (a `map<string, T>` field, a JSON value's object), in order.
    Map(Vec<(String, Value)>),
    /// Bytes sent as they are: a multipart file part, or an `application/octet-stream`
    /// body. Inside JSON (which the specs refuse) it is the text of its bytes.
    Blob(crate::blob::Blob),
}

impl Value {
    /// Compact JSON text of this value (`Null` fields of objects are left out).
    pub fn to_json(&self) -> String {
        let mut out = String::new();
        self.write_json(&mut out);
        out
    }

    fn write_json(&self, out: &mut String) {
        match self {
            Value::Null => out.push_str("null"),
            Value::Str(s) => push_json_str(out, s),
            Value::Int(v) => out.push_str(&v.to_string()),
            Value::UInt(v) => out.push_str(&v.to_string()),
            Value::Float(v) if v.is_finite() => out.push_str(&v.to_string()),
            Value::Float(_) => out.push_str("null"),
            Value::Bool(v) => out.push_str(if *v { "true" } else { "false" }),
            Value::List(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.write_json(out);
                }
                out.push(']');
            }
            Value::Object(fields) => {
                write_json_object(out, fields.iter().map(|(k, v)| (*k, v)));
            }
            Value::Map(entries) => {
                // Keys are data: a `null` is the caller's (`{"k": null}` clears `k`), kept.
                out.push('{');
                for (i, (k, v)) in entries.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    push_json_str(out, k);
                    out.push(':');
                    v.write_json(out);
                }
                out.push('}');
            }
            Value::Blob(blob) => push_json_str(out, &String::from_utf8_lossy(blob.bytes())),
        }
    }

    /// The scalar's text for a query string or form (`None` for lists, objects and null).
    pub fn scalar_text(&self) -> Option<String> {
        Some(match self {
            Value::Str(s) => s.clone(),
            Value::Int(v) => v.to_string(),
            Value::UInt(v) => v.to_string(),
            Value::Float(v) => v.to_string(),
            Value::Bool(v) => v.to_string(),
            Value::Null | Value::List(_) | Value::Object(_) | Value::Map(_) | Value::Blob(_) => {
                return None;
            }
        })
    }

    /// Flattens into `(key, text)` pairs the way form-style protocols do:
    /// lists as `Key.N` (from 0), objects as `Key.Sub`, null skipped.
    pub fn flatten_into(&self, key: &str, out: &mut Vec<(String, String)>) {
        match self {
            Value::Null => {}
            Value::List(items) => {
                for (i, item) in items.iter().enumerate() {
                    item.flatten_into(&format!("{key}.{i}"), out);
                }
            }
            Value::Object(fields) => {
                for (k, v) in fields {
                    v.flatten_into(&format!("{key}.{k}"), out);
                }
            }
            Value::Map(entries) => {
                for (k, v) in entries {
                    v.flatten_into(&format!("{key}.{k}"), out);
                }
            }
            scalar => out.extend(scalar.scalar_text().map(|t| (key.to_owned(), t))),
        }
    }
}

/// Appends `{"k":v,…}`, leaving out `Null` members.
fn write_json_object<'a>(out: &mut String, members: impl Iterator<Item = (&'a str, &'a Value)>) {
    out.push('{');
    let mut first = true;
    for (k, v) in members.filter(|(_, v)| **v != Value::Null) {
        if !first {
            out.push(',');
        }
        first = false;
        push_json_str(out, k);
        out.push(':');
        v.write_json(out);
    }
    out.push('}');
}

/// Appends `s` as a JSON string literal. Runs of characters that need no escape are
/// copied whole (the bytes that do are all ASCII, so a byte scan is UTF-8 safe).
#[doc(hidden)]
pub fn push_json_str(out: &mut String, s: &str) {
    out.push('"');
    let mut rest = s;
    while let Some(at) = rest
        .bytes()
        .position(|b| b == b'"' || b == b'\\' || b < 0x20)
    {
        out.push_str(&rest[..at]);
        match rest.as_bytes()[at] {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            b => {
                use std::fmt::Write as _;
                let _ = write!(out, "\\u{b:04x}");
            }
        }
        rest = &rest[at + 1..];
    }
    out.push_str(rest);
    out.push('"');
}

/// Converts a request field into a wire [`Value`]. Generated request types implement it.
pub trait ToWire {
    /// The wire value.
    fn to_wire(&self) -> Value;
}

impl ToWire for String {
    fn to_wire(&self) -> Value {
        Value::Str(self.clone())
    }
}
impl ToWire for bool {
    fn to_wire(&self) -> Value {
        Value::Bool(*self)
    }
}
impl ToWire for f64 {
    fn to_wire(&self) -> Value {
        Value::Float(*self)
    }
}
macro_rules! to_wire_int {
    ($($t:ty => $v:ident),*) => {$(
        impl ToWire for $t {
            fn to_wire(&self) -> Value {
                Value::$v((*self).into())
            }
        }
    )*};
}
to_wire_int!(i32 => Int, i64 => Int, u32 => UInt, u64 => UInt);

impl<T: ToWire> ToWire for Option<T> {
    fn to_wire(&self) -> Value {
        self.as_ref().map_or(Value::Null, ToWire::to_wire)
    }
}
impl<T: ToWire> ToWire for Vec<T> {
    fn to_wire(&self) -> Value {
        Value::List(self.iter().map(ToWire::to_wire).collect())
    }
}
impl<T: ToWire> ToWire for std::collections::BTreeMap<String, T> {
    fn to_wire(&self) -> Value {
        Value::Map(self.iter().map(|(k, v)| (k.clone(), v.to_wire())).collect())
    }
}

/// A JSON value (a spec field of type `json`: any JSON the vendor accepts) is sent as it
/// is; its objects' keys are data.
impl ToWire for serde_json::Value {
    fn to_wire(&self) -> Value {
        use serde_json::Value as Json;
        match self {
            Json::Null => Value::Null,
            Json::Bool(b) => Value::Bool(*b),
            Json::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
                (Some(i), _, _) => Value::Int(i),
                (None, Some(u), _) => Value::UInt(u),
                (_, _, f) => Value::Float(f.unwrap_or(f64::NAN)),
            },
            Json::String(s) => Value::Str(s.clone()),
            Json::Array(items) => Value::List(items.iter().map(ToWire::to_wire).collect()),
            Json::Object(members) => Value::Map(
                members
                    .iter()
                    .map(|(k, v)| (k.clone(), v.to_wire()))
                    .collect(),
            ),
        }
    }
}

impl<T: ToWire> ToWire for Box<T> {
    fn to_wire(&self) -> Value {
        (**self).to_wire()
    }
}

/// HTTP method.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Method {
    /// GET
    Get,
    /// POST
    Post,
    /// PUT
    Put,
    /// DELETE
    Delete,
    /// PATCH
    Patch,
    /// HEAD: the answer is its status and headers.
    Head,
}

impl Method {
    /// The method's name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
            Method::Patch => "PATCH",
            Method::Head => "HEAD",
        }
    }
}

/// A request body.
#[derive(Clone, PartialEq, Eq)]
pub enum Body {
    /// No body.
    Empty,
    /// `application/x-www-form-urlencoded` pairs (encoded when sent).
    Form(Vec<(String, String)>),
    /// A JSON document.
    Json(String),
    /// Text sent as it is, under the request's own `Content-Type`.
    Raw(String),
    /// Bytes sent as they are (a file, an encoded multipart form), under the request's
    /// own `Content-Type`.
    Bytes(Vec<u8>),
}

impl fmt::Debug for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Body::Empty => f.write_str("Empty"),
            Body::Form(pairs) => f.debug_tuple("Form").field(&Pairs(pairs)).finish(),
            Body::Json(text) => f.debug_tuple("Json").field(text).finish(),
            Body::Raw(text) => f.debug_tuple("Raw").field(text).finish(),
            Body::Bytes(bytes) => write!(f, "Bytes(<{} bytes>)", bytes.len()),
        }
    }
}

struct Pairs<'a>(&'a [(String, String)]);

impl fmt::Debug for Pairs<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.0.iter().map(|(k, v)| format!("{k}={v}")))
            .finish()
    }
}

/// A fully determined, unsigned request: everything a signer and a transport need.
#[derive(Clone, PartialEq, Eq)]
pub struct WireRequest {
    /// The operation's wire name, e.g. `DescribeBackupUrl`.
    pub operation: &'static str,
    /// HTTP method.
    pub method: Method,
    /// Host (and port, when not the scheme's default).
    pub host: String,
    /// Percent-encoded path, starting with `/`.
    pub path: String,
    /// Query parameters, unencoded, in the order they are sent.
    pub query: Vec<(String, String)>,
    /// Headers, in the order they are sent.
    pub headers: Vec<(String, String)>,
    /// Body.
    pub body: Body,
}

impl fmt::Debug for WireRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WireRequest")
            .field("operation", &self.operation)
            .field("method", &self.method.as_str())
            .field("host", &self.host)
            .field("path", &self.path)
            .field("query", &Pairs(&self.query))
            .field("headers", &Pairs(&self.headers))
            .field("body", &self.body)
            .finish()
    }
}

/// A signed request, byte for byte as the transport sends it: the encoded query and body
/// are exactly the strings the signature covers.
///
/// `Debug` hides the signature (`Signature` parameter, `Authorization` signature) and
/// session tokens, so a signed request can be logged or snapshotted.
#[derive(Clone, PartialEq, Eq)]
pub struct SignedRequest {
    /// The operation's wire name.
    pub operation: &'static str,
    /// HTTP method.
    pub method: Method,
    /// Host (and port), as signed.
    pub host: String,
    /// Percent-encoded path.
    pub path: String,
    /// Encoded query string without `?` (empty: none).
    pub query: String,
    /// Headers to send (`Host` is implied by `host`).
    pub headers: Vec<(String, String)>,
    /// Body bytes.
    pub body: Vec<u8>,
}

/// When and with which nonce a request is signed; a fixed context gives a reproducible signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SignContext {
    /// UNIX seconds (UTC).
    pub timestamp: i64,
    /// A random positive integer for protocols that send a `Nonce`.
    pub nonce: u32,
}

/// Query and form keys whose values are secret.
const SECRET_PARAMS: &[&str] = &["Signature", "Token"];
/// Headers whose values are secret in full.
const SECRET_HEADERS: &[&str] = &["x-tc-token", "x-security-token"];

/// Redacts secret values of an `application/x-www-form-urlencoded` string.
pub(crate) fn redact_form(encoded: &str) -> String {
    encoded
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((k, _)) if SECRET_PARAMS.contains(&k) => format!("{k}={}", crate::REDACTED),
            _ => pair.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// Redacts a header value if it is, or carries, a secret.
pub(crate) fn redact_header(name: &str, value: &str) -> String {
    if SECRET_HEADERS.iter().any(|h| name.eq_ignore_ascii_case(h)) {
        return crate::REDACTED.to_owned();
    }
    if name.eq_ignore_ascii_case("authorization") {
        if let Some(i) = value.find("Signature=") {
            return format!("{}Signature={}", &value[..i], crate::REDACTED);
        }
        return crate::REDACTED.to_owned();
    }
    value.to_owned()
}

impl fmt::Debug for SignedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<(String, String)> = self
            .headers
            .iter()
            .map(|(k, v)| (k.clone(), redact_header(k, v)))
            .collect();
        let shown_whole = self.headers.iter().any(|(k, v)| {
            k.eq_ignore_ascii_case("content-type")
                && (v.starts_with("multipart/") || v.starts_with("application/octet-stream"))
        });
        if shown_whole || std::str::from_utf8(&self.body).is_err() {
            // A file's bytes (or a form carrying one) are not shown: they can hold anything.
            return self.debug_with_body(f, &format!("<{} bytes>", self.body.len()), &headers);
        }
        let body = String::from_utf8_lossy(&self.body);
        let is_form = self.headers.iter().any(|(k, v)| {
            k.eq_ignore_ascii_case("content-type")
                && v.starts_with("application/x-www-form-urlencoded")
        });
        let body = if is_form {
            redact_form(&body)
        } else {
            body.into_owned()
        };
        self.debug_with_body(f, &body, &headers)
    }
}

impl SignedRequest {
    fn debug_with_body(
        &self,
        f: &mut fmt::Formatter<'_>,
        body: &str,
        headers: &[(String, String)],
    ) -> fmt::Result {
        f.debug_struct("SignedRequest")
            .field("operation", &self.operation)
            .field("method", &self.method.as_str())
            .field("host", &self.host)
            .field("path", &self.path)
            .field("query", &redact_form(&self.query))
            .field("headers", &Pairs(headers))
            .field("body", &body)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_keeps_order_and_escapes() {
        let v = Value::List(vec![Value::Object(vec![
            ("dbname", Value::Str("te\"st".into())),
            ("tableList", Value::List(vec![])),
            ("skip", Value::Null),
        ])]);
        assert_eq!(v.to_json(), r#"[{"dbname":"te\"st","tableList":[]}]"#);
        let mut out = vec![];
        Value::List(vec![
            Value::Int(1),
            Value::Object(vec![("A", Value::Bool(true))]),
        ])
        .flatten_into("K", &mut out);
        assert_eq!(
            out,
            [("K.0".into(), "1".into()), ("K.1.A".into(), "true".into())]
        );
    }
}
