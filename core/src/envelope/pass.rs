//! The single pass: the payload streams into the caller's seed while the envelope fields
//! that decide success are noted on the way.

use std::borrow::Cow;
use std::fmt;

use serde::de::value::{
    BoolDeserializer, BorrowedStrDeserializer, F64Deserializer, I64Deserializer,
    MapAccessDeserializer, StrDeserializer, U64Deserializer, UnitDeserializer,
};
use serde::de::{
    self, Deserialize as _, DeserializeSeed, Deserializer, IgnoredAny, IntoDeserializer, MapAccess,
    Visitor,
};
use serde_json::Value as Json;

use super::EnvelopeSpec;
use crate::de::Key;

#[inline]
pub(super) fn single_pass<'de, S: DeserializeSeed<'de>>(
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
}

impl<'de, S: DeserializeSeed<'de>> Visitor<'de> for WrapperVisitor<'_, 'de, S> {
    type Value = S::Value;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a {} envelope", self.spec.protocol)
    }
    #[inline]
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
    #[inline]
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
