//! Response envelopes, described by data.
//!
//! Each protocol wraps payloads and errors differently; `specs/protocols/*.yaml` describe
//! the shape and the generator emits it as an [`EnvelopeSpec`] constant. [`decode`] is the
//! one place a response body becomes either a typed payload or an [`ErrorMeta`].

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::value::{
    BoolDeserializer, BorrowedStrDeserializer, F64Deserializer, I64Deserializer,
    MapAccessDeserializer, StrDeserializer, U64Deserializer, UnitDeserializer,
};
use serde::de::{
    self, Deserialize as _, DeserializeOwned, DeserializeSeed, Deserializer, IgnoredAny,
    IntoDeserializer, MapAccess, Visitor,
};
use serde_json::Value as Json;

use crate::error::{DecodeError, ErrorMeta};

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

/// [`decode`] with a seed: the payload streams into `seed` in the same pass that notes the
/// envelope's code, message and request id (no intermediate tree).
///
/// The generator validates documented samples through this function with a seed built from
/// the spec (`crate::shape`), so a sample it accepts is one the SDK decodes.
///
/// A success status is decoded in one pass. When that pass fails (or the status is not a
/// success), the body is read a second time for the envelope alone, so a service error is
/// reported as such and a malformed body gets a precise reason.
#[inline]
pub fn decode_with<'de, S: DeserializeSeed<'de>>(
    spec: &EnvelopeSpec,
    status: u16,
    header_request_id: Option<&str>,
    body: &'de [u8],
    seed: S,
) -> Result<S::Value, Failure> {
    let mut payload_error = None;
    if (200..300).contains(&status) {
        let mut notes = Notes::default();
        match single_pass(spec, body, seed, &mut notes) {
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
    let is_error = seen.error_object
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
    let seen = Seen {
        error_object: nested.is_some(),
        code: fields.get(spec.code_field).and_then(text),
        message: fields.get(spec.message_field).and_then(text),
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

// ---------------------------------------------------------------------------------------
// The single pass.

#[inline]
fn single_pass<'de, S: DeserializeSeed<'de>>(
    spec: &EnvelopeSpec,
    body: &'de [u8],
    seed: S,
    notes: &mut Notes<'de>,
) -> Result<S::Value, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_slice(body);
    let value = match spec.wrapper {
        None => (&mut de).deserialize_map(PayloadVisitor { spec, notes, seed })?,
        Some(wrapper) => (&mut de).deserialize_map(WrapperVisitor {
            spec,
            wrapper,
            notes,
            seed,
        })?,
    };
    de.end()?;
    Ok(value)
}

/// A scalar (or, rarely, a structure) noted from the envelope on its way to the payload.
#[derive(Clone)]
enum Note<'de> {
    Str(Cow<'de, str>),
    I(i64),
    U(u64),
    F(f64),
    B(bool),
    Null,
    Other(Json),
}

impl Note<'_> {
    #[inline]
    fn text(&self) -> Option<String> {
        Some(match self {
            Note::Str(s) => s.to_string(),
            Note::I(v) => v.to_string(),
            Note::U(v) => v.to_string(),
            Note::F(v) => Json::from(*v).to_string(),
            Note::B(v) => v.to_string(),
            Note::Null | Note::Other(_) => return None,
        })
    }
}

impl Note<'_> {
    /// Whether [`Note::text`] would be `Some(expected)`, without building the text for a
    /// string.
    #[inline]
    fn text_is(&self, expected: &str) -> bool {
        match self {
            Note::Str(s) => s == expected,
            other => other.text().is_some_and(|t| t == expected),
        }
    }
}

impl<'de> Note<'de> {
    /// Hands the noted value on to the payload's own field.
    #[inline]
    fn feed<V: DeserializeSeed<'de>, E: de::Error>(&self, seed: V) -> Result<V::Value, E> {
        match self {
            Note::Str(Cow::Borrowed(s)) => seed.deserialize(BorrowedStrDeserializer::new(s)),
            Note::Str(Cow::Owned(s)) => seed.deserialize(StrDeserializer::new(s)),
            Note::I(v) => seed.deserialize(I64Deserializer::new(*v)),
            Note::U(v) => seed.deserialize(U64Deserializer::new(*v)),
            Note::F(v) => seed.deserialize(F64Deserializer::new(*v)),
            Note::B(v) => seed.deserialize(BoolDeserializer::new(*v)),
            Note::Null => seed.deserialize(UnitDeserializer::new()),
            Note::Other(v) => seed.deserialize(v.clone()).map_err(E::custom),
        }
    }
}

impl<'de> de::Deserialize<'de> for Note<'de> {
    #[inline]
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NoteVisitor)
    }
}

struct NoteVisitor;

impl<'de> Visitor<'de> for NoteVisitor {
    type Value = Note<'de>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Note<'de>, E> {
        Ok(Note::Str(Cow::Borrowed(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Note<'de>, E> {
        Ok(Note::Str(Cow::Owned(v.to_owned())))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Note<'de>, E> {
        Ok(Note::Str(Cow::Owned(v)))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Note<'de>, E> {
        Ok(Note::I(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Note<'de>, E> {
        Ok(Note::U(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Note<'de>, E> {
        Ok(Note::F(v))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Note<'de>, E> {
        Ok(Note::B(v))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Note<'de>, E> {
        Ok(Note::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Note<'de>, E> {
        Ok(Note::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Note<'de>, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Note<'de>, A::Error> {
        de::Deserialize::deserialize(MapAccessDeserializer::new(map)).map(Note::Other)
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<Note<'de>, A::Error> {
        de::Deserialize::deserialize(de::value::SeqAccessDeserializer::new(seq)).map(Note::Other)
    }
}

/// What the single pass watches: only what decides success. The code, message and request
/// id of an error are read by the second, envelope-only reading, which errors take anyway.
#[derive(Default)]
struct Notes<'de> {
    /// The success-code field, for protocols that have one (`code: 0`, `RetCode: 0`).
    code: Option<Note<'de>>,
    /// Whether the nested error object was present as an object.
    error_object: bool,
}

impl Notes<'_> {
    /// Whether the envelope these notes describe is a success (status 2xx). `false` sends
    /// the caller to the second reading, which says what the error is.
    #[inline]
    fn is_success(&self, spec: &EnvelopeSpec) -> bool {
        !self.error_object
            && match (spec.success_code, &self.code) {
                (None, _) => true,
                (Some(success), Some(code)) => code.text_is(success),
                (Some(_), None) => false,
            }
    }
}

/// An object key, borrowed from the body when it has no escapes.
struct Key<'de>(Cow<'de, str>);

impl<'de> de::Deserialize<'de> for Key<'de> {
    #[inline]
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object key")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V)
    }
}

#[inline]
fn feed_key<'de, K: DeserializeSeed<'de>, E: de::Error>(
    seed: K,
    key: Cow<'de, str>,
) -> Result<K::Value, E> {
    match key {
        Cow::Borrowed(k) => seed.deserialize(BorrowedStrDeserializer::new(k)),
        Cow::Owned(k) => seed.deserialize(k.into_deserializer()),
    }
}

struct WrapperVisitor<'n, 'de, S> {
    spec: &'n EnvelopeSpec,
    wrapper: &'static str,
    notes: &'n mut Notes<'de>,
    seed: S,
}

impl<'de, S: DeserializeSeed<'de>> Visitor<'de> for WrapperVisitor<'_, 'de, S> {
    type Value = S::Value;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a {} envelope", self.spec.protocol)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<S::Value, A::Error> {
        let (spec, notes) = (self.spec, self.notes);
        let mut seed = Some(self.seed);
        let mut out = None;
        while let Some(Key(key)) = map.next_key::<Key<'de>>()? {
            match seed.take() {
                Some(s) if key == self.wrapper => {
                    out = Some(map.next_value_seed(PayloadSeed {
                        spec,
                        notes: &mut *notes,
                        seed: s,
                    })?);
                }
                other => {
                    seed = other;
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        out.ok_or_else(|| de::Error::custom(format_args!("no `{}` object", self.wrapper)))
    }
}

struct PayloadSeed<'n, 'de, S> {
    spec: &'n EnvelopeSpec,
    notes: &'n mut Notes<'de>,
    seed: S,
}

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for PayloadSeed<'_, 'de, S> {
    type Value = S::Value;
    #[inline]
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<S::Value, D::Error> {
        d.deserialize_map(PayloadVisitor {
            spec: self.spec,
            notes: self.notes,
            seed: self.seed,
        })
    }
}

struct PayloadVisitor<'n, 'de, S> {
    spec: &'n EnvelopeSpec,
    notes: &'n mut Notes<'de>,
    seed: S,
}

impl<'de, S: DeserializeSeed<'de>> Visitor<'de> for PayloadVisitor<'_, 'de, S> {
    type Value = S::Value;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a {} payload object", self.spec.protocol)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<S::Value, A::Error> {
        self.seed.deserialize(MapAccessDeserializer::new(Payload {
            inner: map,
            spec: self.spec,
            notes: self.notes,
            pending: false,
        }))
    }
}

/// The payload's entries as the payload type sees them, with the success code noted on the
/// way (and the error object kept out of the payload).
struct Payload<'n, 'de, A> {
    inner: A,
    spec: &'n EnvelopeSpec,
    notes: &'n mut Notes<'de>,
    /// The payload's next value is the noted code.
    pending: bool,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Payload<'_, 'de, A> {
    type Error = A::Error;

    #[inline]
    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        loop {
            let Some(Key(key)) = self.inner.next_key::<Key<'de>>()? else {
                return Ok(None);
            };
            let spec = self.spec;
            if spec.error_object == Some(&*key) {
                self.notes.error_object |= self.inner.next_value_seed(IsObject)?;
                continue;
            }
            if spec.success_code.is_some() && spec.code_field == key {
                self.notes.code = Some(self.inner.next_value()?);
                self.pending = true;
            }
            return feed_key(seed, key).map(Some);
        }
    }

    #[inline]
    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        if std::mem::take(&mut self.pending) {
            match &self.notes.code {
                Some(note) => note.feed(seed),
                // Stored by `next_key_seed` just before; never empty.
                None => Err(de::Error::custom("envelope note lost")),
            }
        } else {
            self.inner.next_value_seed(seed)
        }
    }

    #[inline]
    fn size_hint(&self) -> Option<usize> {
        self.inner.size_hint()
    }
}

/// Skips a value, saying whether it was an object (a nested error object is one only then).
struct IsObject;

impl<'de> DeserializeSeed<'de> for IsObject {
    type Value = bool;
    #[inline]
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        Ok(matches!(
            Note::deserialize(d)?,
            Note::Other(Json::Object(_))
        ))
    }
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
