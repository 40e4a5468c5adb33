//! Response envelopes, described by data.
//!
//! Each protocol wraps payloads and errors differently; `specs/protocols/*.yaml` describe
//! the shape and the generator emits it as an [`EnvelopeSpec`] constant. [`decode`] is the
//! one place a response body becomes either a typed payload or an [`ErrorMeta`].

use std::marker::PhantomData;

use serde::de::{DeserializeOwned, DeserializeSeed};
use serde_json::Value as Json;

use crate::error::{DecodeError, ErrorMeta};

mod pass;
use pass::{Notes, single_pass};

/// Where a protocol puts the payload, the error code, the message and the request id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EnvelopeSpec {
    /// Protocol name, for messages.
    pub protocol: &'static str,
    /// Key holding the payload object (`Response` for Tencent API 3.0); `None`: the body itself.
    pub wrapper: Option<&'static str>,
    /// Key (inside the payload) of a nested error object (`Error`); when present, it is an error.
    pub error_object: Option<&'static str>,
    /// Field holding the error code.
    pub code_field: &'static str,
    /// Field holding the error message.
    pub message_field: &'static str,
    /// Other `(code, message)` field pairs an error may use, tried in order after
    /// `code_field`/`message_field`; when there are any, an error is also looked for inside
    /// any object member of the payload (Huawei's SDK reads `error_code`/`error_msg`, then
    /// `errorCode`/`errorMsg`, then `code`/`message`, at the top or nested: DCS answers
    /// `{"error": {"code", "message"}}`).
    pub alt_error_fields: &'static [(&'static str, &'static str)],
    /// Value of `code_field` that means success (`0`); `None` when the field appears only on errors.
    pub success_code: Option<&'static str>,
    /// Payload field holding the request id.
    pub request_id_field: Option<&'static str>,
    /// Response header holding the request id.
    pub request_id_header: Option<&'static str>,
    /// Whether a non-2xx HTTP status itself signals an error (Huawei).
    pub status_errors: bool,
    /// Codes meaning the signed timestamp is too far from the server's clock: the runtime
    /// re-signs once with the offset taken from the response's `Date` header.
    pub clock_skew_codes: &'static [&'static str],
}

impl EnvelopeSpec {
    /// Whether the body is the payload alone: no wrapper, no success code, errors signalled
    /// by the HTTP status (Huawei). Then a success status with no body is the payload with
    /// every field absent (204 No Content, or a 200, 201 or 202 with nothing in it).
    pub fn body_is_payload(&self) -> bool {
        self.status_errors && self.wrapper.is_none() && self.success_code.is_none()
    }
}

/// Where an operation's response fields come from besides the body's members: response
/// headers, and a body that is one field's value (`location:` of response fields).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ResponseLayout {
    /// `(header, key)`: the field whose key is `key` is read from the response header
    /// `header` (any case).
    pub headers: &'static [(&'static str, &'static str)],
    /// The field that is the whole body (`location: payload`), and how the body is read.
    pub payload: Option<(&'static str, PayloadKind)>,
}

impl ResponseLayout {
    /// Every field is a member of the body object: the usual layout.
    pub const MEMBERS: ResponseLayout = ResponseLayout {
        headers: &[],
        payload: None,
    };
}

/// How a body that is one field's value is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PayloadKind {
    /// JSON of the field's type (an array, an object, a number).
    Json,
    /// A string: a JSON string's value when the body is one, else the body's text as it
    /// came (plain text, XML, a JSON document kept whole), never a decode error.
    Text,
    /// Bytes: the body as it came, byte for byte (a file, a document of any type), never a
    /// decode error.
    Bytes,
}

/// Why [`decode`] did not produce a payload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Failure {
    /// The service reported an error.
    Service(ErrorMeta),
    /// The body was not a valid envelope or payload.
    Decode(DecodeError),
}

const EXCERPT_CHARS: usize = 120;

/// The start of a body for an error message, with every URL cut to its origin: a body that
/// fails to decode may still carry signed download URLs, which are bearer credentials.
fn excerpt(body: &[u8]) -> String {
    let head = String::from_utf8_lossy(&body[..body.len().min(EXCERPT_CHARS * 4)]);
    redact_urls(&head).chars().take(EXCERPT_CHARS).collect()
}

/// `text` with each `scheme://…` run (up to a quote, space or bracket) printed as a
/// [`SignedUrl`](crate::SignedUrl) prints: `scheme://host/<redacted>`.
fn redact_urls(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("://") {
        let scheme_start = rest[..at]
            .char_indices()
            .rev()
            .find(|&(_, c)| !c.is_ascii_alphanumeric() && c != '+' && c != '-' && c != '.')
            .map_or(0, |(i, c)| i + c.len_utf8());
        let end = rest[at..]
            .find(|c: char| c.is_whitespace() || "\"'<>,}]".contains(c))
            .map_or(rest.len(), |i| at + i);
        out.push_str(&rest[..scheme_start]);
        out.push_str(&crate::SignedUrl::new(&rest[scheme_start..end]).to_string());
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

#[inline]
fn text(v: &Json) -> Option<String> {
    match v {
        Json::String(s) => Some(s.clone()),
        Json::Number(n) => Some(n.to_string()),
        Json::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Decodes a response body into `T`, or into the service's error.
///
/// `header_request_id` is the value of the spec's request-id header, when the transport saw one.
#[inline]
pub fn decode<T: DeserializeOwned>(
    spec: &EnvelopeSpec,
    status: u16,
    header_request_id: Option<&str>,
    body: &[u8],
) -> Result<T, Failure> {
    decode_with(spec, status, header_request_id, body, PhantomData::<T>)
}

/// [`decode`] for an operation whose response has header fields or a body that is one
/// field's value: `headers` holds `(key, value)` of each `layout.headers` entry the
/// response carried.
#[inline]
pub fn decode_parts<T: DeserializeOwned>(
    spec: &EnvelopeSpec,
    layout: &ResponseLayout,
    status: u16,
    header_request_id: Option<&str>,
    headers: &[(&'static str, &str)],
    body: &[u8],
) -> Result<T, Failure> {
    decode_parts_with(
        spec,
        layout.payload,
        status,
        header_request_id,
        headers,
        body,
        PhantomData::<T>,
    )
}

/// [`decode`] with a seed: the payload streams into `seed` in the same pass that notes the
/// envelope's code, message and request id (no intermediate tree).
///
/// The generator validates documented samples through this function with a seed built from
/// the spec (`crate::shape`), so a sample it accepts is one the SDK decodes.
///
/// A success status is decoded in one pass. When that pass fails (or the status is not a
/// success), the body is read a second time for the envelope alone, so a service error is
/// reported as such and a malformed body gets a precise reason.
///
/// Where [`EnvelopeSpec::body_is_payload`], a success status with no body is the payload
/// with every field absent.
#[inline]
pub fn decode_with<'de, S: DeserializeSeed<'de>>(
    spec: &EnvelopeSpec,
    status: u16,
    header_request_id: Option<&str>,
    body: &'de [u8],
    seed: S,
) -> Result<S::Value, Failure> {
    decode_parts_with(spec, None, status, header_request_id, &[], body, seed)
}

/// [`decode_parts`] with a seed (what [`decode_with`] is for [`decode`]); `payload` is
/// [`ResponseLayout::payload`].
///
/// A success's header fields come first, then the body's members, or the one field the
/// body is. An error status reads the error envelope from the body as [`decode_with`] does.
#[inline]
pub fn decode_parts_with<'de, S: DeserializeSeed<'de>>(
    spec: &EnvelopeSpec,
    payload: Option<(&str, PayloadKind)>,
    status: u16,
    header_request_id: Option<&str>,
    headers: &[(&'static str, &str)],
    body: &'de [u8],
    seed: S,
) -> Result<S::Value, Failure> {
    if let Some((key, kind)) = payload
        && (200..300).contains(&status)
    {
        return match pass::whole_body(headers, key, kind, body, seed) {
            Ok(value) => Ok(value),
            Err(e) => Err(slow_path(
                spec,
                status,
                header_request_id,
                body,
                Some(e.to_string()),
            )),
        };
    }
    let mut payload_error = None;
    let empty_success = (200..300).contains(&status) && body.trim_ascii().is_empty();
    let body: &'de [u8] = if empty_success && spec.body_is_payload() {
        b"{}"
    } else {
        body
    };
    if (200..300).contains(&status) {
        let mut notes = Notes::default();
        match single_pass(spec, body, seed, headers, &mut notes) {
            // The common case decides without copying any text.
            Ok(value) if notes.is_success(spec) => return Ok(value),
            // A service error (or a missing success code): the second reading says which.
            Ok(_) => {}
            Err(e) => payload_error = Some(e.to_string()),
        }
    }
    Err(slow_path(
        spec,
        status,
        header_request_id,
        body,
        payload_error,
    ))
}

/// What the envelope said, in either pass.
struct Seen {
    error_object: bool,
    code: Option<String>,
    message: Option<String>,
    request_id: Option<String>,
}

enum Reason {
    Service {
        code: Option<String>,
        message: String,
    },
    Decode(String),
}

impl Reason {
    #[cold]
    fn into_failure(self, status: u16, request_id: Option<String>, body: &[u8]) -> Failure {
        match self {
            Reason::Service { code, message } => Failure::Service(ErrorMeta {
                code: code.unwrap_or_else(|| status.to_string()),
                message,
                request_id,
                status,
            }),
            Reason::Decode(reason) => Failure::Decode(DecodeError {
                status,
                request_id,
                reason,
                excerpt: excerpt(body),
            }),
        }
    }
}

/// `Ok` when the envelope says success; otherwise the request id and why not.
fn verdict(spec: &EnvelopeSpec, status: u16, seen: Seen) -> Result<(), (Option<String>, Reason)> {
    let ok_status = (200..300).contains(&status);
    // Where the status signals errors, a 2xx is a success whatever its members say.
    let is_error = (seen.error_object && !spec.status_errors)
        || (spec.status_errors && !ok_status)
        || match (spec.success_code, &seen.code) {
            (Some(success), Some(code)) => code != success,
            (Some(_), None) => {
                return Err((
                    seen.request_id,
                    Reason::Decode(format!(
                        "no `{}` in the {} envelope",
                        spec.code_field, spec.protocol
                    )),
                ));
            }
            (None, _) => false,
        };
    if is_error {
        return Err((
            seen.request_id,
            Reason::Service {
                code: seen.code,
                message: seen.message.unwrap_or_default(),
            },
        ));
    }
    if !ok_status {
        return Err((
            seen.request_id,
            Reason::Decode(format!("HTTP {status} without a {} error", spec.protocol)),
        ));
    }
    Ok(())
}

/// The second reading: the envelope alone, through a JSON tree (error paths only).
#[cold]
#[inline(never)]
fn slow_path(
    spec: &EnvelopeSpec,
    status: u16,
    header_request_id: Option<&str>,
    body: &[u8],
    payload_error: Option<String>,
) -> Failure {
    let header_id = header_request_id.map(str::to_owned);
    let fail = |request_id, reason| Reason::Decode(reason).into_failure(status, request_id, body);
    let root: Json = match serde_json::from_slice(body) {
        Ok(root) => root,
        Err(e) => {
            return fail(
                header_id,
                format!("not a {} JSON envelope: {e}", spec.protocol),
            );
        }
    };
    let payload = match spec.wrapper {
        Some(key) => match root.get(key).filter(|v| v.is_object()) {
            Some(p) => p,
            None => {
                return fail(
                    header_id,
                    format!("no `{key}` object in the {} envelope", spec.protocol),
                );
            }
        },
        None => &root,
    };
    if !payload.is_object() {
        return fail(
            header_id,
            format!("{} envelope is not a JSON object", spec.protocol),
        );
    }
    let request_id = spec
        .request_id_field
        .and_then(|f| payload.get(f))
        .and_then(text)
        .or(header_id);
    let nested = spec
        .error_object
        .and_then(|k| payload.get(k))
        .filter(|v| v.is_object());
    let fields = nested.unwrap_or(payload);
    let (code, message) = match error_fields(spec, payload, nested) {
        Some((code, message)) => (Some(code), message),
        None => (
            fields.get(spec.code_field).and_then(text),
            fields.get(spec.message_field).and_then(text),
        ),
    };
    let seen = Seen {
        error_object: nested.is_some(),
        code,
        message,
        request_id,
    };
    match verdict(spec, status, seen) {
        Err((request_id, reason)) => reason.into_failure(status, request_id, body),
        Ok(()) => {
            let reason = payload_error.unwrap_or_else(|| "the payload does not decode".into());
            let request_id = spec
                .request_id_field
                .and_then(|f| payload.get(f))
                .and_then(text)
                .or_else(|| header_request_id.map(str::to_owned));
            fail(request_id, reason)
        }
    }
}

/// Where the envelope lists alternative error fields: the first `(code, message)` pair whose
/// code is present, at the top of the payload, then in its error object, then in any other
/// object member. `None` without alternatives (the usual one pair, read by the caller) or
/// when no pair is found.
fn error_fields(
    spec: &EnvelopeSpec,
    payload: &Json,
    nested: Option<&Json>,
) -> Option<(String, Option<String>)> {
    if spec.alt_error_fields.is_empty() {
        return None;
    }
    let payload = payload.as_object()?;
    let pairs = || {
        std::iter::once((spec.code_field, spec.message_field))
            .chain(spec.alt_error_fields.iter().copied())
    };
    let in_object = |o: &serde_json::Map<String, Json>| {
        pairs().find_map(|(c, m)| {
            let code = o.get(c).and_then(text)?;
            Some((code, o.get(m).and_then(text)))
        })
    };
    in_object(payload)
        .or_else(|| nested.and_then(Json::as_object).and_then(in_object))
        .or_else(|| {
            payload
                .values()
                .filter_map(Json::as_object)
                .find_map(in_object)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_never_carry_a_signed_url() {
        let body = br#"{"BackupPath":"https://udb.example.com/b?UCloudPublicKey=k&Signature=SECRET","x":1}"#;
        let e = excerpt(body);
        assert!(!e.contains("SECRET"), "{e}");
        assert!(e.contains("\"https://udb.example.com/<redacted>\""), "{e}");
        assert_eq!(excerpt(b"plain <html> body"), "plain <html> body");
        // Multi-byte text around a scheme separator stays whole.
        assert_eq!(excerpt("é://".as_bytes()), "é:///<redacted>");
    }

    const V3: EnvelopeSpec = EnvelopeSpec {
        protocol: "tencent-v3",
        wrapper: Some("Response"),
        error_object: Some("Error"),
        code_field: "Code",
        message_field: "Message",
        alt_error_fields: &[],
        success_code: None,
        request_id_field: Some("RequestId"),
        request_id_header: None,
        status_errors: false,
        clock_skew_codes: &[],
    };

    #[test]
    fn a_second_wrapper_is_not_chosen_between() {
        for body in [
            &br#"{"Response":{"RequestId":"a"},"Response":{"Error":{"Code":"X","Message":"m"}}}"#[..],
            &br#"{"Response":{"Error":{"Code":"X","Message":"m"}},"Response":{"RequestId":"a"}}"#[..],
        ] {
            assert!(decode::<Json>(&V3, 200, None, body).is_err(), "{body:?}");
        }
    }

    #[test]
    fn v3_error_and_garbage() {
        let body =
            br#"{"Response":{"Error":{"Code":"InternalError","Message":"m"},"RequestId":"r-1"}}"#;
        let Err(Failure::Service(meta)) = decode::<Json>(&V3, 200, None, body) else {
            panic!()
        };
        assert_eq!(
            (meta.code.as_str(), meta.request_id.as_deref()),
            ("InternalError", Some("r-1"))
        );
        let Err(Failure::Decode(e)) = decode::<Json>(&V3, 502, None, b"<html>Bad Gateway</html>")
        else {
            panic!()
        };
        assert_eq!(
            (e.status, e.excerpt.as_str()),
            (502, "<html>Bad Gateway</html>")
        );
        let Err(Failure::Decode(e)) = decode::<Json>(&V3, 200, None, br#"{"Response":{"Req"#)
        else {
            panic!()
        };
        assert!(e.reason.contains("EOF"), "{}", e.reason);
    }

    #[test]
    fn an_empty_success_body_is_every_field_absent_where_the_status_alone_says_success() {
        let rest = REST;
        for status in [200, 201, 202, 204] {
            let v = decode::<Json>(&rest, status, Some("r-1"), b"").expect("empty is absent");
            assert_eq!(v, serde_json::json!({}), "{status}");
        }
        // An error status with no body is still an error, and a body-signalled envelope
        // still needs its body.
        assert!(matches!(
            decode::<Json>(&rest, 404, None, b""),
            Err(Failure::Service(_) | Failure::Decode(_))
        ));
        assert!(decode::<Json>(&V3, 200, None, b"").is_err());
    }

    const REST: EnvelopeSpec = EnvelopeSpec {
        protocol: "huawei",
        wrapper: None,
        error_object: Some("error"),
        code_field: "error_code",
        message_field: "error_msg",
        alt_error_fields: &[("errorCode", "errorMsg"), ("code", "message")],
        success_code: None,
        request_id_field: Some("request_id"),
        request_id_header: Some("X-Request-Id"),
        status_errors: true,
        clock_skew_codes: &[],
    };

    #[test]
    fn every_error_shape_the_vendor_uses_gives_its_code_and_message() {
        let meta = |status: u16, body: &[u8]| match decode::<Json>(&REST, status, None, body) {
            Err(Failure::Service(m)) => (m.code, m.message),
            other => panic!("{other:?}"),
        };
        let want = |code: &str, message: &str| (code.to_owned(), message.to_owned());
        for (body, expected) in [
            (
                &br#"{"error_code":"DBS.1","error_msg":"one"}"#[..],
                want("DBS.1", "one"),
            ),
            (
                br#"{"errorCode":"CBR.2","errorMsg":"two"}"#,
                want("CBR.2", "two"),
            ),
            (
                br#"{"code":"VPC.3","message":"three"}"#,
                want("VPC.3", "three"),
            ),
            (
                br#"{"error":{"code":"111404022","message":"no such instance"}}"#,
                want("111404022", "no such instance"),
            ),
            (
                br#"{"error":{"error_code":"DCS.4","error_msg":"four"}}"#,
                want("DCS.4", "four"),
            ),
            (
                br#"{"badRequest":{"code":"Ecs.5","message":"five"}}"#,
                want("Ecs.5", "five"),
            ),
            // The first pair wins, as in the SDK.
            (
                br#"{"error_code":"A.1","error_msg":"a","code":"B.2","message":"b"}"#,
                want("A.1", "a"),
            ),
            // No code anywhere: the status is the code.
            (br#"{"detail":"nothing"}"#, want("409", "")),
        ] {
            assert_eq!(
                meta(409, body),
                expected,
                "{}",
                String::from_utf8_lossy(body)
            );
        }
    }

    #[test]
    fn header_fields_come_before_the_body_members() {
        let layout = ResponseLayout {
            headers: &[("X-Subject-Token", "X-Subject-Token")],
            payload: None,
        };
        let headers = [("X-Subject-Token", "tok-1")];
        let v: Json =
            decode_parts(&REST, &layout, 201, None, &headers, br#"{"token":{"a":1}}"#).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"X-Subject-Token": "tok-1", "token": {"a": 1}})
        );
        // A HEAD answer: headers and no body.
        let v: Json = decode_parts(&REST, &layout, 200, None, &headers, b"").unwrap();
        assert_eq!(v, serde_json::json!({"X-Subject-Token": "tok-1"}));
    }

    #[test]
    fn a_body_that_is_one_field_is_read_as_that_field() {
        let list = ResponseLayout {
            headers: &[("X-Request-Id", "X-Request-Id")],
            payload: Some(("body", PayloadKind::Json)),
        };
        let v: Json = decode_parts(
            &REST,
            &list,
            200,
            None,
            &[("X-Request-Id", "r-1")],
            br#" [{"id":"a"},{"id":"b"}] "#,
        )
        .unwrap();
        assert_eq!(
            v,
            serde_json::json!({"X-Request-Id": "r-1", "body": [{"id": "a"}, {"id": "b"}]})
        );
        // An empty body leaves the field absent; trailing garbage is refused.
        let v: Json = decode_parts(&REST, &list, 204, None, &[], b"").unwrap();
        assert_eq!(v, serde_json::json!({}));
        assert!(matches!(
            decode_parts::<Json>(&REST, &list, 200, None, &[], b"[1] x"),
            Err(Failure::Decode(_))
        ));
        let text = ResponseLayout {
            headers: &[],
            payload: Some(("body", PayloadKind::Text)),
        };
        for (body, want) in [
            (&b"<a>xml</a>"[..], "<a>xml</a>"),
            (br#""quoted""#, "quoted"),
            (br#"{"kept":"whole"}"#, r#"{"kept":"whole"}"#),
        ] {
            let v: Json = decode_parts(&REST, &text, 200, None, &[], body).unwrap();
            assert_eq!(v, serde_json::json!({ "body": want }));
        }
        // An error status is the error envelope, whatever the layout.
        let Err(Failure::Service(meta)) = decode_parts::<Json>(
            &REST,
            &list,
            404,
            None,
            &[],
            br#"{"error_code":"X.404","error_msg":"gone","request_id":"r-2"}"#,
        ) else {
            panic!()
        };
        assert_eq!(
            (meta.code.as_str(), meta.request_id.as_deref()),
            ("X.404", Some("r-2"))
        );
    }

    #[test]
    fn where_the_status_signals_errors_a_success_may_have_an_error_member() {
        // vas `ShowTask`: a task's last error is a member of a 200 answer.
        let body = br#"{"id":"t-1","error":{"error_code":"VAS.1","error_msg":"last run failed"}}"#;
        let v: Json = decode(&REST, 200, None, body).expect("a success");
        assert_eq!(v["error"]["error_code"], "VAS.1");
        let Err(Failure::Service(meta)) = decode::<Json>(&REST, 400, None, body) else {
            panic!()
        };
        assert_eq!(meta.code, "VAS.1");
        // Where the body signals errors (Tencent 3.0), the nested error object is the error.
        let v3 = br#"{"Response":{"Error":{"Code":"X","Message":"m"},"RequestId":"r"}}"#;
        assert!(matches!(
            decode::<Json>(&V3, 200, None, v3),
            Err(Failure::Service(_))
        ));
    }
}
