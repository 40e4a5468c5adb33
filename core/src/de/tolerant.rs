//! Tolerant decoding: how the response of an imported operation is read.
//!
//! A vendor catalogue is not always what the vendor's servers send: its own documented
//! examples put `"xx"` in an integer, a date string in a Unix time, one object where a list is
//! declared. A strict reader fails the whole response for one such field, and the user can
//! do nothing until the SDK is regenerated. So an imported operation's response (the
//! generator marks its struct `tolerant`) is read by these rules, on top of [`super`]'s:
//!
//! * a value that contradicts its declared type is **set aside**: its field reads as absent,
//!   the rest of the response decodes, and the decode notes a [`SetAside`] (where, what was
//!   found, what was declared; never the value, which may be a secret). The runtime logs
//!   each note as a `tracing` warning; the generator counts them for the documented samples;
//! * three other shapes of the same data are read as what they mean, without a note: a lone
//!   object or value where a list is declared is a one-element list, a one-element list
//!   where an object is declared is its element, and an object or list where a scalar is
//!   declared is handed to it as its JSON text (kept by text, timestamps and open enums; set
//!   aside by numbers and booleans).
//!
//! What is not a contradiction of one value still fails the decode: a syntax error, a key
//! given twice, and a required field (an overlay's `required:`) that is missing or set
//! aside. A set-aside value is consumed whole before anything else is read, so decoding
//! goes on from a consistent position with any deserializer.
//!
//! Every function here returns `Result<Tolerated<T>, D::Error>`: the outer error is a
//! failure of the decode, the inner one a value set aside.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

use serde::de::value::{
    BoolDeserializer, BorrowedStrDeserializer, Error as ValueError, F64Deserializer,
    I64Deserializer, I128Deserializer, MapAccessDeserializer, StrDeserializer, StringDeserializer,
    U64Deserializer, U128Deserializer, UnitDeserializer,
};
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::{Fields, Lenient, Object};

/// A value read tolerantly, or why it was set aside.
pub type Tolerated<T> = Result<T, SetAside>;

/// A value set aside because it contradicts its declared type.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SetAside {
    /// Where: `Type.Field`, then list indexes and map entries inside the field (`[2]`, `.*`:
    /// a map's keys come from the body, so they are not repeated).
    pub path: String,
    /// What the body held: `a string`, `an integer`, `an object`, …
    pub found: &'static str,
    /// What the spec declares, as the strict reader says it (`an integer (u64) or a string
    /// holding one`, `struct Tag`).
    pub expected: String,
}

impl SetAside {
    fn new(found: &'static str, expected: impl Into<String>) -> Self {
        Self {
            path: String::new(),
            found,
            expected: expected.into(),
        }
    }

    /// Puts `segment` in front of the path.
    #[cold]
    fn at(mut self, segment: &str) -> Self {
        self.path.insert_str(0, segment);
        self
    }
}

impl fmt::Display for SetAside {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}`: {} where {} is declared",
            self.path, self.found, self.expected
        )
    }
}

/// At most this many notes are kept per decode (a hostile body could set aside a value in
/// every element of a long list); [`collecting`] counts the rest.
pub const MAX_NOTES: usize = 256;

thread_local! {
    /// The notes of the decode being collected; `None` when nothing collects (a user's own
    /// `serde_json::from_str` of a generated type), so nothing accumulates.
    static NOTES: RefCell<Option<Notes>> = const { RefCell::new(None) };
}

/// What one [`collecting`] call gathered.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Notes {
    /// The values set aside, in body order, up to [`MAX_NOTES`].
    pub kept: Vec<SetAside>,
    /// How many more were set aside beyond [`MAX_NOTES`].
    pub dropped: usize,
}

/// Notes a field set aside (decoding is synchronous, so a thread's notes are its decode's).
#[cold]
pub(crate) fn note(owner: &str, wire: &str, aside: SetAside) {
    NOTES.with(|n| {
        if let Some(notes) = n.borrow_mut().as_mut() {
            if notes.kept.len() < MAX_NOTES {
                notes.kept.push(aside.at(&format!("{owner}.{wire}")));
            } else {
                notes.dropped += 1;
            }
        }
    });
}

/// Runs `decode` and returns, with its result, every value it set aside (in body order).
/// Nested calls each get their own notes; a panic in `decode` restores the outer ones.
pub fn collecting<R>(decode: impl FnOnce() -> R) -> (R, Notes) {
    /// Puts the outer collection back when dropped, after `decode` returns or panics.
    struct Restore(Option<Notes>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let outer = self.0.take();
            NOTES.with(|n| *n.borrow_mut() = outer);
        }
    }
    let _restore = Restore(NOTES.with(|n| n.borrow_mut().replace(Notes::default())));
    let result = decode();
    let notes = NOTES.with(|n| n.borrow_mut().take()).unwrap_or_default();
    (result, notes)
}

/// The distinct notes of one decode, each with how often it was noted, in first-seen order
/// (a list of a thousand elements may set the same field aside a thousand times).
pub fn distinct(notes: &[SetAside]) -> Vec<(&SetAside, usize)> {
    let mut index: std::collections::HashMap<&SetAside, usize> = std::collections::HashMap::new();
    let mut out: Vec<(&SetAside, usize)> = Vec::new();
    for n in notes {
        match index.get(n) {
            Some(&i) => out[i].1 += 1,
            None => {
                index.insert(n, out.len());
                out.push((n, 1));
            }
        }
    }
    out
}

super::seed_type! {
    /// The [`DeserializeSeed`] of `T` read tolerantly.
    TolerantSeed
}

impl<'de, T: Lenient> DeserializeSeed<'de> for TolerantSeed<T> {
    type Value = Tolerated<T>;
    #[inline]
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Tolerated<T>, D::Error> {
        T::de_tolerant(d)
    }
}

/// What a strict reader's message says was expected: the text after its last `, expected `.
fn expected_of(message: &str) -> String {
    let text = message
        .rsplit_once(", expected ")
        .map_or("its declared type", |(_, e)| e);
    let text = match text.rfind(" at line ") {
        Some(i) => &text[..i],
        None => text,
    };
    text.to_owned()
}

fn drain_seq<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<(), A::Error> {
    while seq.next_element::<IgnoredAny>()?.is_some() {}
    Ok(())
}

fn drain_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<(), A::Error> {
    while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
    Ok(())
}

/// A scalar (number, boolean, text, timestamp, open enum) read tolerantly: the value goes
/// to the strict reader, an object or a list as its JSON text; a value it refuses is set
/// aside.
pub fn scalar<'de, D: Deserializer<'de>, T: Lenient>(d: D) -> Result<Tolerated<T>, D::Error> {
    d.deserialize_any(ScalarVisitor::<T>(PhantomData))
}

struct ScalarVisitor<T>(PhantomData<T>);

impl<T: Lenient> ScalarVisitor<T> {
    fn try_with<'de, D>(d: D, found: &'static str) -> Tolerated<T>
    where
        D: Deserializer<'de, Error = ValueError>,
    {
        T::de_lenient(d).map_err(|e| SetAside::new(found, expected_of(&e.to_string())))
    }
}

impl<'de, T: Lenient> Visitor<'de> for ScalarVisitor<T> {
    type Value = Tolerated<T>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Self::try_with(BoolDeserializer::new(v), "a boolean"))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Self::try_with(I64Deserializer::new(v), "an integer"))
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Self::Value, E> {
        Ok(Self::try_with(I128Deserializer::new(v), "an integer"))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Self::try_with(U64Deserializer::new(v), "an integer"))
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Self::Value, E> {
        Ok(Self::try_with(U128Deserializer::new(v), "an integer"))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Self::try_with(F64Deserializer::new(v), "a number"))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Self::try_with(StrDeserializer::new(v), "a string"))
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Self::try_with(BorrowedStrDeserializer::new(v), "a string"))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Self::try_with(StringDeserializer::new(v), "a string"))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Self::try_with(UnitDeserializer::new(), "null"))
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        self.visit_unit()
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        json_text::<T, _>(serde::de::value::SeqAccessDeserializer::new(seq), "a list")
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        json_text::<T, _>(MapAccessDeserializer::new(map), "an object")
    }
}

/// An object or list read into a JSON tree and handed to `T` as its text.
fn json_text<'de, T: Lenient, D: Deserializer<'de>>(
    d: D,
    found: &'static str,
) -> Result<Tolerated<T>, D::Error> {
    let tree = <serde_json::Value as serde::Deserialize>::deserialize(d)?;
    Ok(ScalarVisitor::<T>::try_with(
        StringDeserializer::new(tree.to_string()),
        found,
    ))
}

/// A list read tolerantly through `seed` (the element's tolerant seed). `null` is empty; a
/// lone object or value is a one-element list; an element set aside sets the list aside.
pub fn seq<'de, D, S, V>(d: D, seed: S) -> Result<Tolerated<Vec<V>>, D::Error>
where
    D: Deserializer<'de>,
    S: DeserializeSeed<'de, Value = Tolerated<V>> + Clone,
{
    d.deserialize_any(SeqVisitor(seed))
}

struct SeqVisitor<S>(S);

impl<S> SeqVisitor<S> {
    fn one<V, E>(r: Result<Tolerated<V>, E>) -> Result<Tolerated<Vec<V>>, E> {
        r.map(|t| t.map(|v| vec![v]))
    }
}

impl<'de, V, S: DeserializeSeed<'de, Value = Tolerated<V>> + Clone> Visitor<'de> for SeqVisitor<S> {
    type Value = Tolerated<Vec<V>>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Ok(Vec::new()))
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Ok(Vec::new()))
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(4).min(64));
        while let Some(v) = seq.next_element_seed(self.0.clone())? {
            match v {
                Ok(v) => out.push(v),
                Err(aside) => {
                    let at = out.len();
                    drain_seq(seq)?;
                    return Ok(Err(aside.at(&format!("[{at}]"))));
                }
            }
        }
        Ok(Ok(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        Self::one(self.0.deserialize(MapAccessDeserializer::new(map)))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Self::one(self.0.deserialize(BoolDeserializer::new(v)))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Self::one(self.0.deserialize(I64Deserializer::new(v)))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Self::one(self.0.deserialize(U64Deserializer::new(v)))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Self::one(self.0.deserialize(F64Deserializer::new(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Self::one(self.0.deserialize(StrDeserializer::new(v)))
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Self::one(self.0.deserialize(BorrowedStrDeserializer::new(v)))
    }
}

/// A map with string keys read tolerantly through `seed` (the value's tolerant seed).
/// `null` is empty; a value set aside sets the map aside; anything but an object is set aside.
pub fn map<'de, D, S, V>(d: D, seed: S) -> Result<Tolerated<BTreeMap<String, V>>, D::Error>
where
    D: Deserializer<'de>,
    S: DeserializeSeed<'de, Value = Tolerated<V>> + Clone,
{
    d.deserialize_any(MapVisitor(seed))
}

struct MapVisitor<S>(S);

macro_rules! set_aside_scalars {
    ($expected:expr) => {
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok(Err(SetAside::new("a boolean", $expected(&self))))
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Ok(Err(SetAside::new("an integer", $expected(&self))))
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Ok(Err(SetAside::new("an integer", $expected(&self))))
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok(Err(SetAside::new("a number", $expected(&self))))
        }
        fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
            Ok(Err(SetAside::new("a string", $expected(&self))))
        }
    };
}

impl<'de, V, S: DeserializeSeed<'de, Value = Tolerated<V>> + Clone> Visitor<'de> for MapVisitor<S> {
    type Value = Tolerated<BTreeMap<String, V>>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Ok(BTreeMap::new()))
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Ok(BTreeMap::new()))
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = BTreeMap::new();
        while let Some(k) = map.next_key::<String>()? {
            match map.next_value_seed(self.0.clone())? {
                Ok(v) => {
                    out.insert(k, v);
                }
                Err(aside) => {
                    drain_map(map)?;
                    return Ok(Err(aside.at(".*")));
                }
            }
        }
        Ok(Ok(out))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        drain_seq(seq)?;
        Ok(Err(SetAside::new("a list", "a map")))
    }
    set_aside_scalars!(|_: &Self| "a map");
}

/// How an object is filled from its entries: a generated struct (through [`Object`]) or the
/// generator's shape of one.
pub trait Fill<'de>: Clone {
    /// The decoded object.
    type Value;
    /// The type's name, for notes.
    fn name(&self) -> String;
    /// Reads the object's entries, its own fields tolerantly.
    fn fill<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error>;
}

/// An object read tolerantly: a JSON object is filled by `fill`; a one-element list is its
/// element; anything else (an empty or longer list, a scalar) is set aside.
pub fn object<'de, D: Deserializer<'de>, F: Fill<'de>>(
    d: D,
    fill: F,
) -> Result<Tolerated<F::Value>, D::Error> {
    d.deserialize_any(ObjectVisitor(fill))
}

struct ObjectVisitor<F>(F);

impl<F> ObjectVisitor<F> {
    fn expected<'de>(&self) -> String
    where
        F: Fill<'de>,
    {
        format!("struct {}", self.0.name())
    }
}

impl<'de, F: Fill<'de>> DeserializeSeed<'de> for ObjectVisitor<F> {
    type Value = Tolerated<F::Value>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, F: Fill<'de>> Visitor<'de> for ObjectVisitor<F> {
    type Value = Tolerated<F::Value>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "struct {}", self.0.name())
    }
    #[inline]
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        self.0.fill(map).map(Ok)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let expected = self.expected();
        let first = seq.next_element_seed(ObjectVisitor(self.0))?;
        let more = first.is_some() && seq.next_element::<IgnoredAny>()?.is_some();
        if more {
            drain_seq(seq)?;
        }
        Ok(match first {
            None => Err(SetAside::new("an empty list", expected)),
            Some(_) if more => Err(SetAside::new("a list of several", expected)),
            Some(Err(aside)) => Err(aside.at("[0]")),
            Some(Ok(v)) => Ok(v),
        })
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Err(SetAside::new("null", self.expected())))
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        self.visit_unit()
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
    set_aside_scalars!(Self::expected);
}

/// [`Fill`] for a generated struct.
pub struct Typed<T>(PhantomData<T>);

impl<T> Clone for Typed<T> {
    fn clone(&self) -> Self {
        Self(PhantomData)
    }
}

impl<'de, T: Object> Fill<'de> for Typed<T> {
    type Value = T;
    fn name(&self) -> String {
        T::NAME.to_owned()
    }
    #[inline]
    fn fill<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
        super::read(Fields::new(map, T::NAME, true))
    }
}

/// `de_tolerant` of a generated struct.
#[inline]
pub fn typed_object<'de, D: Deserializer<'de>, T: Object>(d: D) -> Result<Tolerated<T>, D::Error> {
    object(d, Typed::<T>(PhantomData))
}

#[cfg(test)]
mod tests;
