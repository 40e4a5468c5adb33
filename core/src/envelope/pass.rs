//! The single pass: the payload streams into the caller's seed while the envelope fields
//! that decide success are noted on the way.

use std::borrow::Cow;
use std::fmt;

use serde::de::value::{
    BoolDeserializer, BorrowedBytesDeserializer, BorrowedStrDeserializer, F64Deserializer,
    I64Deserializer, MapAccessDeserializer, StrDeserializer, U64Deserializer, UnitDeserializer,
};
use serde::de::{
    self, Deserialize as _, DeserializeSeed, Deserializer, IgnoredAny, IntoDeserializer, MapAccess,
    Visitor,
};
use serde_json::Value as Json;

use super::{EnvelopeSpec, PayloadKind};
use crate::de::Key;

#[inline]
pub(super) fn single_pass<'de, S: DeserializeSeed<'de>>(
    spec: &EnvelopeSpec,
    body: &'de [u8],
    seed: S,
    headers: &[(&'static str, &str)],
    notes: &mut Notes<'de>,
) -> Result<S::Value, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_slice(body);
    let value = match spec.wrapper {
        None => (&mut de).deserialize_map(PayloadVisitor {
            spec,
            notes,
            seed,
            headers,
        })?,
        Some(wrapper) => (&mut de).deserialize_map(WrapperVisitor {
            spec,
            wrapper,
            notes,
            seed,
            headers,
        })?,
    };
    de.end()?;
    Ok(value)
}

/// A success whose body is one field's value: the header fields, then `key` with the body
/// (JSON of the field's type, or for [`PayloadKind::Text`] a JSON string's value or the
/// text as it came, or for [`PayloadKind::Bytes`] the bytes as they came). An empty body
/// leaves the field absent, except as bytes (an empty file).
pub(super) fn whole_body<'de, S: DeserializeSeed<'de>>(
    headers: &[(&'static str, &str)],
    key: &str,
    kind: PayloadKind,
    body: &'de [u8],
    seed: S,
) -> Result<S::Value, serde_json::Error> {
    let trimmed = body.trim_ascii();
    let text = kind == PayloadKind::Text && !trimmed.starts_with(b"\"");
    let bytes = kind == PayloadKind::Bytes;
    let json = !trimmed.is_empty() && !text && !bytes;
    let mut de = serde_json::Deserializer::from_slice(body);
    let last = if bytes {
        // Bytes are the body as it came, an empty one included (an empty file).
        Some((key, Last::Bytes(body)))
    } else if trimmed.is_empty() {
        None
    } else if text {
        Some((key, Last::Text(String::from_utf8_lossy(body))))
    } else {
        Some((key, Last::Json(&mut de)))
    };
    let value = seed.deserialize(MapAccessDeserializer::new(Parts {
        headers: headers.iter(),
        pending: None,
        last,
        last_value: None,
    }))?;
    if json {
        de.end()?;
    }
    Ok(value)
}

/// Where the last entry of [`Parts`] comes from.
enum Last<'a, 'de> {
    Json(&'a mut serde_json::Deserializer<serde_json::de::SliceRead<'de>>),
    Text(Cow<'de, str>),
    Bytes(&'de [u8]),
}

/// Header fields, then the one field the body is, as one object.
struct Parts<'a, 'h, 'de> {
    headers: std::slice::Iter<'h, (&'static str, &'h str)>,
    pending: Option<&'h str>,
    last: Option<(&'h str, Last<'a, 'de>)>,
    last_value: Option<Last<'a, 'de>>,
}

impl<'de> MapAccess<'de> for Parts<'_, '_, 'de> {
    type Error = serde_json::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Self::Error> {
        if let Some((key, value)) = self.headers.next() {
            self.pending = Some(value);
            return seed
                .deserialize(BorrowedStrDeserializer::new(key))
                .map(Some);
        }
        match self.last.take() {
            Some((key, value)) => {
                self.last_value = Some(value);
                seed.deserialize(StrDeserializer::new(key)).map(Some)
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, Self::Error> {
        if let Some(value) = self.pending.take() {
            return seed.deserialize(StrDeserializer::new(value));
        }
        match self.last_value.take() {
            Some(Last::Json(de)) => seed.deserialize(de),
            Some(Last::Text(Cow::Borrowed(text))) => {
                seed.deserialize(BorrowedStrDeserializer::new(text))
            }
            Some(Last::Text(Cow::Owned(text))) => seed.deserialize(StrDeserializer::new(&text)),
            Some(Last::Bytes(bytes)) => seed.deserialize(BorrowedBytesDeserializer::new(bytes)),
            None => Err(de::Error::custom("a value without its key")),
        }
    }
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
pub(super) struct Notes<'de> {
    /// The success-code field, for protocols that have one (`code: 0`, `RetCode: 0`).
    code: Option<Note<'de>>,
    /// Whether the nested error object was present as an object.
    error_object: bool,
}

impl Notes<'_> {
    /// Whether the envelope these notes describe is a success (status 2xx). `false` sends
    /// the caller to the second reading, which says what the error is.
    #[inline]
    pub(super) fn is_success(&self, spec: &EnvelopeSpec) -> bool {
        !self.error_object
            && match (spec.success_code, &self.code) {
                (None, _) => true,
                (Some(success), Some(code)) => code.text_is(success),
                (Some(_), None) => false,
            }
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
    headers: &'n [(&'static str, &'n str)],
}

impl<'de, S: DeserializeSeed<'de>> Visitor<'de> for WrapperVisitor<'_, 'de, S> {
    type Value = S::Value;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a {} envelope", self.spec.protocol)
    }
    #[inline]
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<S::Value, A::Error> {
        let (spec, notes, headers) = (self.spec, self.notes, self.headers);
        let mut seed = Some(self.seed);
        let mut out = None;
        while let Some(Key(key)) = map.next_key::<Key<'de>>()? {
            match seed.take() {
                Some(s) if key == self.wrapper => {
                    out = Some(map.next_value_seed(PayloadSeed {
                        spec,
                        notes: &mut *notes,
                        seed: s,
                        headers,
                    })?);
                }
                // A second wrapper: which one counts is not the sender's to decide.
                None if key == self.wrapper => {
                    return Err(de::Error::custom(format_args!(
                        "`{}` appears twice",
                        self.wrapper
                    )));
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
    headers: &'n [(&'static str, &'n str)],
}

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for PayloadSeed<'_, 'de, S> {
    type Value = S::Value;
    #[inline]
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<S::Value, D::Error> {
        d.deserialize_map(PayloadVisitor {
            spec: self.spec,
            notes: self.notes,
            seed: self.seed,
            headers: self.headers,
        })
    }
}

struct PayloadVisitor<'n, 'de, S> {
    spec: &'n EnvelopeSpec,
    notes: &'n mut Notes<'de>,
    seed: S,
    headers: &'n [(&'static str, &'n str)],
}

impl<'de, S: DeserializeSeed<'de>> Visitor<'de> for PayloadVisitor<'_, 'de, S> {
    type Value = S::Value;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a {} payload object", self.spec.protocol)
    }
    #[inline]
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<S::Value, A::Error> {
        self.seed.deserialize(MapAccessDeserializer::new(Payload {
            inner: map,
            spec: self.spec,
            notes: self.notes,
            pending: false,
            headers: self.headers.iter(),
            header_value: None,
        }))
    }
}

/// The payload's entries as the payload type sees them, with the success code noted on the
/// way (and the error object kept out of the payload), after the header fields.
struct Payload<'n, 'de, A> {
    inner: A,
    spec: &'n EnvelopeSpec,
    notes: &'n mut Notes<'de>,
    /// The payload's next value is the noted code.
    pending: bool,
    /// Header fields not yet handed over.
    headers: std::slice::Iter<'n, (&'static str, &'n str)>,
    /// The next value is this header's.
    header_value: Option<&'n str>,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Payload<'_, 'de, A> {
    type Error = A::Error;

    #[inline]
    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        if let Some((key, value)) = self.headers.next() {
            self.header_value = Some(value);
            return seed
                .deserialize(BorrowedStrDeserializer::new(key))
                .map(Some);
        }
        loop {
            let Some(Key(key)) = self.inner.next_key::<Key<'de>>()? else {
                return Ok(None);
            };
            let spec = self.spec;
            // Where the status signals errors (Huawei), a success's `error` member is
            // the payload's own (a task's last error), as the vendor's SDK reads it.
            if !spec.status_errors && spec.error_object == Some(&*key) {
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
        if let Some(value) = self.header_value.take() {
            return seed.deserialize(StrDeserializer::new(value));
        }
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
