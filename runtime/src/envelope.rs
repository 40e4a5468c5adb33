//! Response envelopes, described by data.
//!
//! Each protocol wraps payloads and errors differently; `specs/protocols/*.yaml` describe
//! the shape and the generator emits it as an [`EnvelopeSpec`] constant. [`decode`] is the
//! one place a response body becomes either a typed payload or an [`ErrorMeta`].

use serde::de::DeserializeOwned;
use serde_json::Value as Json;

use crate::error::{DecodeError, ErrorMeta, SdkError};

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

/// Why [`decode`] did not produce a payload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Failure {
    /// The service reported an error.
    Service(ErrorMeta),
    /// The body was not a valid envelope or payload.
    Decode(DecodeError),
}

const EXCERPT_CHARS: usize = 120;

fn excerpt(body: &[u8]) -> String {
    String::from_utf8_lossy(&body[..body.len().min(EXCERPT_CHARS * 4)])
        .chars()
        .take(EXCERPT_CHARS)
        .collect()
}

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
pub fn decode<T: DeserializeOwned>(
    spec: &EnvelopeSpec,
    status: u16,
    header_request_id: Option<&str>,
    body: &[u8],
) -> Result<T, Failure> {
    let fail = |request_id: Option<String>, reason: String| {
        Failure::Decode(DecodeError {
            status,
            request_id,
            reason,
            excerpt: excerpt(body),
        })
    };
    let header_id = header_request_id.map(str::to_owned);
    let root: Json = serde_json::from_slice(body).map_err(|e| {
        fail(
            header_id.clone(),
            format!("not a {} JSON envelope: {e}", spec.protocol),
        )
    })?;
    let payload = match spec.wrapper {
        Some(key) => root.get(key).filter(|v| v.is_object()).ok_or_else(|| {
            fail(
                header_id.clone(),
                format!("no `{key}` object in the {} envelope", spec.protocol),
            )
        })?,
        None => &root,
    };
    if !payload.is_object() {
        return Err(fail(
            header_id,
            format!("{} envelope is not a JSON object", spec.protocol),
        ));
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
    let code = fields.get(spec.code_field).and_then(text);
    let ok_status = (200..300).contains(&status);
    let is_error = nested.is_some()
        || (spec.status_errors && !ok_status)
        || match (spec.success_code, &code) {
            (Some(success), Some(code)) => code != success,
            (Some(_), None) => {
                return Err(fail(
                    request_id,
                    format!("no `{}` in the {} envelope", spec.code_field, spec.protocol),
                ));
            }
            (None, _) => false,
        };
    if is_error {
        return Err(Failure::Service(ErrorMeta {
            code: code.unwrap_or_else(|| status.to_string()),
            message: fields
                .get(spec.message_field)
                .and_then(text)
                .unwrap_or_default(),
            request_id,
            status,
        }));
    }
    if !ok_status {
        return Err(fail(
            request_id,
            format!("HTTP {status} without a {} error", spec.protocol),
        ));
    }
    T::deserialize(payload).map_err(|e| fail(request_id, e.to_string()))
}

/// [`decode`] for generated code: the service error becomes the operation's error enum.
#[doc(hidden)]
pub fn decode_into<T: DeserializeOwned, E: From<ErrorMeta>>(
    spec: &EnvelopeSpec,
    status: u16,
    header_request_id: Option<&str>,
    body: &[u8],
) -> Result<T, SdkError<E>> {
    decode(spec, status, header_request_id, body).map_err(|f| match f {
        Failure::Service(meta) => SdkError::Service(E::from(meta)),
        Failure::Decode(e) => SdkError::Decode(e),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const V3: EnvelopeSpec = EnvelopeSpec {
        protocol: "tencent-v3",
        wrapper: Some("Response"),
        error_object: Some("Error"),
        code_field: "Code",
        message_field: "Message",
        success_code: None,
        request_id_field: Some("RequestId"),
        request_id_header: None,
        status_errors: false,
        clock_skew_codes: &[],
    };

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
}
