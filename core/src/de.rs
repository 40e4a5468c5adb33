//! Lenient-but-safe decoding of vendor responses.
//!
//! Vendors document `Int` and send `"671224"`, send `null` for an empty list, and add
//! fields without notice. Generated response fields decode through [`lenient`], which
//! accepts:
//!
//! * numbers given as JSON numbers or as decimal strings (`0` and `"0"`), checked for range;
//! * strings given as strings, numbers or booleans (kept as their JSON text);
//! * booleans as `true`/`false`, `0`/`1` or `"true"`/`"false"` in any case (`"True"`);
//! * `null` as "absent": `None` for optional fields, empty for lists and maps.
//!
//! Anything else (an object where a number belongs, `-1` in an unsigned field, `1e400`)
//! is a decode error naming the expected type, never a panic. Unknown fields are ignored
//! because generated structs do not deny them.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

use serde::de::value::{
    BoolDeserializer, BorrowedBytesDeserializer, BorrowedStrDeserializer, BytesDeserializer,
    EnumAccessDeserializer, F64Deserializer, I64Deserializer, I128Deserializer,
    MapAccessDeserializer, SeqAccessDeserializer, StrDeserializer, StringDeserializer,
    U64Deserializer, U128Deserializer,
};
use serde::de::{
    self, DeserializeOwned, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor,
};

pub mod tolerant;
use tolerant::{TolerantSeed, Tolerated};

/// A type that decodes leniently: scalars by the rules above, containers through [`option`],
/// [`seq`] and [`map`], generated objects through [`Object`] and open enums through
/// [`open_enum`]. (No `DeserializeOwned` bound anywhere: checking that higher-ranked bound
/// once per generated field was a measurable part of a service crate's compile time.)
pub trait Lenient: Sized {
    /// Decodes `Self` from any serde deserializer, leniently.
    fn de_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error>;

    /// Decodes `Self` tolerantly ([`tolerant`]): a value that contradicts its declared type
    /// is set aside instead of failing the decode. The default is a scalar's
    /// ([`tolerant::scalar`]); containers and generated structs override it.
    #[inline]
    fn de_tolerant<'de, D: Deserializer<'de>>(d: D) -> Result<Tolerated<Self>, D::Error> {
        tolerant::scalar(d)
    }
}

/// `deserialize_with` target for a field of a hand-written serde struct that should decode
/// by these rules (generated structs go through [`Object`] instead).
#[inline]
pub fn lenient<'de, D: Deserializer<'de>, T: Lenient>(d: D) -> Result<T, D::Error> {
    T::de_lenient(d)
}

fn invalid<E: de::Error>(found: &str, expecting: &'static str) -> E {
    E::custom(format_args!(
        "invalid value {found:?}, expected {expecting}"
    ))
}

/// The JSON text of a float, as it appears in error messages and as text.
fn float_text(v: f64) -> String {
    v.to_string()
}

/// Implements the visitor methods every lenient scalar rejects the same way: null, and
/// (through the default methods) objects and lists.
macro_rules! reject_null {
    () => {
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Err(invalid("null", self.expecting_str()))
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Err(invalid("null", self.expecting_str()))
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(self)
        }
    };
}

/// A lenient integer of type `T`: straight from the deserializer's callbacks, without an
/// intermediate value (a string is parsed where it lies, never copied).
struct IntVisitor<T>(PhantomData<T>, &'static str);

impl<T> IntVisitor<T> {
    fn expecting_str(&self) -> &'static str {
        self.1
    }
}

impl<'de, T> Visitor<'de> for IntVisitor<T>
where
    T: TryFrom<i64> + TryFrom<u64> + TryFrom<i128>,
{
    type Value = T;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.1)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<T, E> {
        T::try_from(v).map_err(|_| invalid(&v.to_string(), self.1))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<T, E> {
        T::try_from(v).map_err(|_| invalid(&v.to_string(), self.1))
    }
    // Through i128, so `"-0"` is 0 for unsigned types too (as the generator's sample check
    // reads it).
    fn visit_str<E: de::Error>(self, s: &str) -> Result<T, E> {
        s.trim()
            .parse::<i128>()
            .ok()
            .and_then(|v| T::try_from(v).ok())
            .ok_or_else(|| invalid(s, self.1))
    }
    // Whole floats convert exactly below 2^127; `MAX as f64` would round up.
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<T, E> {
        if v.fract() == 0.0 && v.abs() < 1.7e38 {
            T::try_from(v as i128).map_err(|_| invalid(&float_text(v), self.1))
        } else {
            Err(invalid(&float_text(v), self.1))
        }
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<T, E> {
        Err(invalid(&v.to_string(), self.1))
    }
    reject_null!();
}

macro_rules! lenient_int {
    ($($t:ty),*) => {$(
        impl Lenient for $t {
            #[inline]
            fn de_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                const EXPECTING: &str = concat!("an integer (", stringify!($t), ") or a string holding one");
                d.deserialize_any(IntVisitor::<$t>(PhantomData, EXPECTING))
            }
        }
    )*};
}
lenient_int!(i32, i64, u32, u64);

struct F64Visitor;

impl F64Visitor {
    const EXPECTING: &'static str = "a number or a string holding one";
    fn expecting_str(&self) -> &'static str {
        Self::EXPECTING
    }
}

impl<'de> Visitor<'de> for F64Visitor {
    type Value = f64;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(Self::EXPECTING)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<f64, E> {
        Ok(v as f64)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<f64, E> {
        Ok(v as f64)
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<f64, E> {
        Ok(v)
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<f64, E> {
        match s.trim().parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(v),
            _ => Err(invalid(s, Self::EXPECTING)),
        }
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<f64, E> {
        Err(invalid(&v.to_string(), Self::EXPECTING))
    }
    reject_null!();
}

impl Lenient for f64 {
    #[inline]
    fn de_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(F64Visitor)
    }
}

struct BoolVisitor;

impl BoolVisitor {
    const EXPECTING: &'static str = "a boolean, 0/1 or \"true\"/\"false\"";
    fn expecting_str(&self) -> &'static str {
        Self::EXPECTING
    }
}

impl<'de> Visitor<'de> for BoolVisitor {
    type Value = bool;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(Self::EXPECTING)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<bool, E> {
        Ok(v)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<bool, E> {
        match v {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(invalid(&v.to_string(), Self::EXPECTING)),
        }
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<bool, E> {
        match v {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(invalid(&v.to_string(), Self::EXPECTING)),
        }
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<bool, E> {
        Err(invalid(&float_text(v), Self::EXPECTING))
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<bool, E> {
        // Any case: `"True"` is how a Python backend prints a boolean.
        if s.eq_ignore_ascii_case("true") || s == "1" {
            Ok(true)
        } else if s.eq_ignore_ascii_case("false") || s == "0" {
            Ok(false)
        } else {
            Err(invalid(s, Self::EXPECTING))
        }
    }
    reject_null!();
}

impl Lenient for bool {
    #[inline]
    fn de_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(BoolVisitor)
    }
}

/// Text: a string as is (moved when the deserializer hands over an owned one), a number or
/// boolean as its JSON text.
struct TextVisitor;

impl TextVisitor {
    const EXPECTING: &'static str = "a string (or a number or boolean, kept as text)";
    fn expecting_str(&self) -> &'static str {
        Self::EXPECTING
    }
}

impl<'de> Visitor<'de> for TextVisitor {
    type Value = String;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(Self::EXPECTING)
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<String, E> {
        Ok(s.to_owned())
    }
    fn visit_string<E: de::Error>(self, s: String) -> Result<String, E> {
        Ok(s)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<String, E> {
        Ok(float_text(v))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<String, E> {
        Ok(v.to_string())
    }
    reject_null!();
}

impl Lenient for String {
    #[inline]
    fn de_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(TextVisitor)
    }
}

/// A JSON value (a spec field of type `json`) takes whatever the vendor sends.
impl Lenient for serde_json::Value {
    #[inline]
    fn de_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        serde::Deserialize::deserialize(d)
    }

    /// Any value is a JSON value: nothing is set aside.
    #[inline]
    fn de_tolerant<'de, D: Deserializer<'de>>(d: D) -> Result<Tolerated<Self>, D::Error> {
        Self::de_lenient(d).map(Ok)
    }
}

/// Decodes a string-like scalar as text (numbers and booleans as their JSON text).
#[inline]
pub fn text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    String::de_lenient(d)
}

/// Declares a seed type: a unit struct over `T` whose `new`, `Default` and `Clone` hold for
/// every `T` (derives would require `T: Default` and `T: Clone`). Its `DeserializeSeed` impl
/// is written next to it.
macro_rules! seed_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        pub struct $name<T>(::core::marker::PhantomData<T>);

        impl<T> $name<T> {
            /// The seed for `T`.
            pub fn new() -> Self {
                Self(::core::marker::PhantomData)
            }
        }

        impl<T> Default for $name<T> {
            fn default() -> Self {
                Self::new()
            }
        }

        impl<T> Clone for $name<T> {
            fn clone(&self) -> Self {
                Self::new()
            }
        }
    };
}
pub(crate) use seed_type;

seed_type! {
    /// A [`DeserializeSeed`] that decodes `T` through [`Lenient`]: the typed SDK's element seed.
    /// The generator's sample check uses the same container functions ([`option`], [`seq`],
    /// [`map`]) with seeds built from the spec, so containers follow one set of rules.
    LenientSeed
}

impl<'de, T: Lenient> DeserializeSeed<'de> for LenientSeed<T> {
    type Value = T;
    #[inline]
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<T, D::Error> {
        T::de_lenient(d)
    }
}

/// An optional value: `null` (or absent, by the caller's `default`) is `None`.
///
/// One `deserialize_any` reads the value: `null` is `None`, anything else is handed to
/// `seed` as the value it is (a string, a number, a boolean, or the object or list still
/// streaming), so the value is not peeked at twice.
#[inline]
pub fn option<'de, D: Deserializer<'de>, S: DeserializeSeed<'de>>(
    d: D,
    seed: S,
) -> Result<Option<S::Value>, D::Error> {
    d.deserialize_any(OptVisitor(seed))
}
/// A list: `null` is empty; each element through a clone of `seed`.
#[inline]
pub fn seq<'de, D: Deserializer<'de>, S: DeserializeSeed<'de> + Clone>(
    d: D,
    seed: S,
) -> Result<Vec<S::Value>, D::Error> {
    d.deserialize_any(SeqVisitor(seed))
}

/// A map with string keys: `null` is empty; each value through a clone of `seed`.
#[inline]
pub fn map<'de, D: Deserializer<'de>, S: DeserializeSeed<'de> + Clone>(
    d: D,
    seed: S,
) -> Result<BTreeMap<String, S::Value>, D::Error> {
    d.deserialize_any(MapVisitor(seed))
}

impl<T: Lenient> Lenient for Option<T> {
    #[inline]
    fn de_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        option(d, LenientSeed::new())
    }
    #[inline]
    fn de_tolerant<'de, D: Deserializer<'de>>(d: D) -> Result<Tolerated<Self>, D::Error> {
        option(d, TolerantSeed::<T>::new()).map(Option::transpose)
    }
}

struct OptVisitor<S>(S);

impl<'de, S: DeserializeSeed<'de>> Visitor<'de> for OptVisitor<S> {
    type Value = Option<S::Value>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an optional value")
    }
    #[inline]
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    #[inline]
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    #[inline]
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        self.0.deserialize(d).map(Some)
    }
    #[inline]
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        self.0.deserialize(BoolDeserializer::new(v)).map(Some)
    }
    #[inline]
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        self.0.deserialize(I64Deserializer::new(v)).map(Some)
    }
    #[inline]
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Self::Value, E> {
        self.0.deserialize(I128Deserializer::new(v)).map(Some)
    }
    #[inline]
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        self.0.deserialize(U64Deserializer::new(v)).map(Some)
    }
    #[inline]
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Self::Value, E> {
        self.0.deserialize(U128Deserializer::new(v)).map(Some)
    }
    #[inline]
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        self.0.deserialize(F64Deserializer::new(v)).map(Some)
    }
    #[inline]
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        self.0.deserialize(StrDeserializer::new(v)).map(Some)
    }
    #[inline]
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        self.0
            .deserialize(BorrowedStrDeserializer::new(v))
            .map(Some)
    }
    #[inline]
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        self.0.deserialize(StringDeserializer::new(v)).map(Some)
    }
    #[inline]
    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Self::Value, E> {
        self.0.deserialize(BytesDeserializer::new(v)).map(Some)
    }
    #[inline]
    fn visit_borrowed_bytes<E: de::Error>(self, v: &'de [u8]) -> Result<Self::Value, E> {
        self.0
            .deserialize(BorrowedBytesDeserializer::new(v))
            .map(Some)
    }
    #[inline]
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        self.0
            .deserialize(SeqAccessDeserializer::new(seq))
            .map(Some)
    }
    #[inline]
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        self.0
            .deserialize(MapAccessDeserializer::new(map))
            .map(Some)
    }
    #[inline]
    fn visit_enum<A: de::EnumAccess<'de>>(self, data: A) -> Result<Self::Value, A::Error> {
        self.0
            .deserialize(EnumAccessDeserializer::new(data))
            .map(Some)
    }
}

struct SeqVisitor<S>(S);

impl<'de, S: DeserializeSeed<'de> + Clone> Visitor<'de> for SeqVisitor<S> {
    type Value = Vec<S::Value>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list (or null)")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Vec::new())
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Vec::new())
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        // Cap the pre-allocation: the hint comes from untrusted input. Without a hint (JSON
        // gives none) start with room for up to 8 elements within 512 bytes: a typical
        // vendor list of strings without regrowing, and no oversized block for one large
        // struct (allocations that small stay on the allocator's fast path).
        let guess = (512 / std::mem::size_of::<S::Value>().max(1)).clamp(1, 8);
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(guess).min(64));
        while let Some(v) = seq.next_element_seed(self.0.clone())? {
            out.push(v);
        }
        Ok(out)
    }
}

impl<T: Lenient> Lenient for Vec<T> {
    #[inline]
    fn de_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        seq(d, LenientSeed::new())
    }
    #[inline]
    fn de_tolerant<'de, D: Deserializer<'de>>(d: D) -> Result<Tolerated<Self>, D::Error> {
        tolerant::seq(d, TolerantSeed::<T>::new())
    }
}

struct MapVisitor<S>(S);

impl<'de, S: DeserializeSeed<'de> + Clone> Visitor<'de> for MapVisitor<S> {
    type Value = BTreeMap<String, S::Value>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object (or null)")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(BTreeMap::new())
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(BTreeMap::new())
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = BTreeMap::new();
        while let Some(k) = map.next_key::<String>()? {
            let v = map.next_value_seed(self.0.clone())?;
            out.insert(k, v);
        }
        Ok(out)
    }
}

impl<T: Lenient> Lenient for BTreeMap<String, T> {
    #[inline]
    fn de_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        map(d, LenientSeed::new())
    }
    #[inline]
    fn de_tolerant<'de, D: Deserializer<'de>>(d: D) -> Result<Tolerated<Self>, D::Error> {
        tolerant::map(d, TolerantSeed::<T>::new())
    }
}

/// Every generated struct decodes through [`Object`]: one blanket impl instead of one per
/// generated type (fewer items for rustc to check in every service crate).
impl<T: Object> Lenient for T {
    #[inline]
    fn de_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        object(d)
    }
    #[inline]
    fn de_tolerant<'de, D: Deserializer<'de>>(d: D) -> Result<Tolerated<Self>, D::Error> {
        tolerant::typed_object(d)
    }
}

/// A boxed struct (generated code boxes the structs of a recursive type) is its struct.
impl<T: Object> Object for Box<T> {
    const NAME: &'static str = T::NAME;
    const TOLERANT: bool = T::TOLERANT;
    type Slots = T::Slots;
    #[inline]
    fn put<'de, A: MapAccess<'de>>(
        slots: &mut T::Slots,
        key: &str,
        fields: &mut Fields<A>,
    ) -> Result<(), A::Error> {
        T::put(slots, key, fields)
    }
    #[inline]
    fn finish(slots: T::Slots) -> Result<Self, &'static str> {
        T::finish(slots).map(Box::new)
    }
}

/// A generated response struct, decoded field by field by one generic visitor instead of a
/// `serde` derive per struct (which expands to ~440 lines each and dominated the generated
/// crates' compile time). Implemented by the runtime's `lenient_object!` macro, which
/// also implements `Deserialize` and [`Lenient`] through [`object`].
///
/// The rules are serde derive's for the generated structs: unknown keys ignored, a key and
/// its alias (or a key twice) refused, a required field missing refused, an optional one,
/// a list or a map missing read as empty; only a JSON object is a struct. [`crate::shape`] follows the same
/// rules for the generator's sample check.
pub trait Object: Sized {
    /// The type's name, for messages ("expected struct `NAME`").
    const NAME: &'static str;
    /// Whether the type's own fields are read tolerantly when it is decoded on its own
    /// ([`tolerant`]): the response struct of an imported operation. Its nested types follow
    /// it (through [`Lenient::de_tolerant`]) whatever their own flag.
    const TOLERANT: bool = false;
    /// What the entries are read into: the struct itself when every field has an empty
    /// value (`Option`, list, map), else a struct holding those fields as they are and an
    /// `Option` slot per required field.
    type Slots: Default;
    /// Reads the value of `key` into `slots` ([`Fields::value`]), or skips it. The loop over
    /// the entries is [`read`]'s, type-checked once in this crate rather than once per
    /// struct (a build still compiles a copy per struct, as for any generic function).
    fn put<'de, A: MapAccess<'de>>(
        slots: &mut Self::Slots,
        key: &str,
        fields: &mut Fields<A>,
    ) -> Result<(), A::Error>;
    /// The value read, or the wire name of a required field that was absent.
    fn finish(slots: Self::Slots) -> Result<Self, &'static str>;
}

/// Reads every entry of `fields` into a `T` ([`Object::put`]), then builds it.
#[inline]
pub fn read<'de, A: MapAccess<'de>, T: Object>(mut fields: Fields<A>) -> Result<T, A::Error> {
    let mut slots = T::Slots::default();
    while let Some(key) = fields.next_key()? {
        T::put(&mut slots, &key, &mut fields)?;
    }
    T::finish(slots).map_err(de::Error::missing_field)
}

/// Decodes an [`Object`]: the body of its `Deserialize` impl.
#[inline]
pub fn object<'de, D: Deserializer<'de>, T: Object>(d: D) -> Result<T, D::Error> {
    d.deserialize_map(ObjectVisitor::<T>(PhantomData))
}

struct ObjectVisitor<T>(PhantomData<T>);

impl<'de, T: Object> Visitor<'de> for ObjectVisitor<T> {
    type Value = T;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "struct {}", T::NAME)
    }
    #[inline]
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
        read(Fields::new(map, T::NAME, T::TOLERANT))
    }
}

/// The entries of an object being decoded into a generated struct (see [`Object`]).
pub struct Fields<A> {
    map: A,
    /// The struct's name, for notes of values set aside.
    owner: &'static str,
    /// Whether optional fields are read tolerantly.
    tolerant: bool,
    /// The fields given so far, by index (a value set aside counts: a second one is a
    /// duplicate).
    seen: Seen,
}

impl<'de, A: MapAccess<'de>> Fields<A> {
    #[inline]
    fn new(map: A, owner: &'static str, tolerant: bool) -> Self {
        Self {
            map,
            owner,
            tolerant,
            seen: Seen::default(),
        }
    }

    /// The next key, borrowed from the body when it has no escapes.
    #[inline]
    fn next_key(&mut self) -> Result<Option<Cow<'de, str>>, A::Error> {
        Ok(self.map.next_key::<Key<'de>>()?.map(|k| k.0))
    }

    /// Decodes the value of optional field `wire` (the struct's field number `index`; an
    /// alias shares it) into `slot`, refusing a second value (a key twice, or a key and its
    /// alias). Read tolerantly, a value that contradicts the field's type is noted and
    /// leaves the slot empty.
    #[inline]
    pub fn value<T: Lenient>(
        &mut self,
        index: u16,
        wire: &'static str,
        slot: &mut T,
    ) -> Result<(), A::Error> {
        if !self.seen.insert(index) {
            return Err(de::Error::duplicate_field(wire));
        }
        if !self.tolerant {
            *slot = self.map.next_value_seed(LenientSeed::<T>::new())?;
            return Ok(());
        }
        match self.map.next_value_seed(TolerantSeed::<T>::new())? {
            Ok(v) => *slot = v,
            Err(aside) => tolerant::note(self.owner, wire, aside),
        }
        Ok(())
    }

    /// [`Fields::value`] for a required field: always read strictly (a required value that
    /// contradicts its type fails the decode, tolerant or not).
    #[inline]
    pub fn required_value<T: Lenient>(
        &mut self,
        index: u16,
        wire: &'static str,
        slot: &mut Option<T>,
    ) -> Result<(), A::Error> {
        if !self.seen.insert(index) {
            return Err(de::Error::duplicate_field(wire));
        }
        *slot = Some(self.map.next_value_seed(LenientSeed::<T>::new())?);
        Ok(())
    }

    /// Skips the value of a key the struct does not have.
    #[inline]
    pub fn skip(&mut self) -> Result<(), A::Error> {
        self.map.next_value::<de::IgnoredAny>().map(drop)
    }
}

/// A set of field numbers: a bit each for the first 128, a list for the rest (a struct of
/// more fields is rare, and a decode of one rarer still).
#[derive(Default)]
struct Seen {
    bits: u128,
    more: Vec<u16>,
}

impl Seen {
    /// Adds `index`; false if it was there.
    #[inline]
    fn insert(&mut self, index: u16) -> bool {
        if let Some(bit) = 1u128.checked_shl(u32::from(index)) {
            let new = self.bits & bit == 0;
            self.bits |= bit;
            new
        } else if self.more.contains(&index) {
            false
        } else {
            self.more.push(index);
            true
        }
    }
}

/// An object key, borrowed from the body when it has no escapes.
pub(crate) struct Key<'de>(pub(crate) Cow<'de, str>);

impl<'de> serde::Deserialize<'de> for Key<'de> {
    #[inline]
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object key")
            }
            #[inline]
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

/// A size in `factor`-byte units converted to bytes; `None` on a negative value or overflow.
#[doc(hidden)]
pub fn scaled_bytes<T: TryInto<u64>>(value: T, factor: u64) -> Option<u64> {
    value.try_into().ok()?.checked_mul(factor)
}

/// Decodes an open enum: any string (or number, as text) converts through `From<&str>`,
/// so a value the spec does not know lands in the enum's `Unknown` variant.
#[doc(hidden)]
pub fn open_enum<'de, D: Deserializer<'de>, T: for<'a> From<&'a str>>(d: D) -> Result<T, D::Error> {
    text(d).map(|s| T::from(s.as_str()))
}

/// Decodes a JSON document given as a string (vendors that nest JSON inside JSON).
#[doc(hidden)]
pub fn json_string<'de, D: Deserializer<'de>, T: DeserializeOwned>(d: D) -> Result<T, D::Error> {
    let raw = text(d)?;
    serde_json::from_str(&raw).map_err(de::Error::custom)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seen_holds_field_numbers_past_the_bits() {
        let mut seen = Seen::default();
        for i in [0, 1, 127, 128, 300, u16::MAX] {
            assert!(seen.insert(i), "{i} first");
            assert!(!seen.insert(i), "{i} again");
        }
        assert!(seen.insert(2) && seen.insert(129));
    }

    fn de<T: Lenient>(json: &str) -> Result<T, String> {
        let mut d = serde_json::Deserializer::from_str(json);
        T::de_lenient(&mut d).map_err(|e| e.to_string())
    }

    #[test]
    fn numbers_as_strings_and_numbers() {
        assert_eq!(de::<u64>("\"671224\""), Ok(671224));
        assert_eq!(de::<u64>("671224"), Ok(671224));
        assert_eq!(de::<i32>("\" 7 \""), Ok(7));
        assert!(
            de::<u64>("-1")
                .unwrap_err()
                .contains("expected an integer (u64)")
        );
        assert!(de::<u32>("\"abc\"").unwrap_err().contains("\"abc\""));
        assert!(de::<u64>("{}").is_err());
        assert_eq!(de::<f64>("\"1.5\""), Ok(1.5));
        assert!(de::<f64>("\"NaN\"").is_err());
    }

    #[test]
    fn strings_bools_options_lists() {
        assert_eq!(de::<String>("12"), Ok("12".into()));
        assert_eq!(de::<bool>("\"true\""), Ok(true));
        assert_eq!(de::<bool>("0"), Ok(false));
        assert_eq!(de::<bool>("\"True\""), Ok(true));
        assert_eq!(de::<bool>("\"FALSE\""), Ok(false));
        assert!(de::<bool>("\"yes\"").is_err());
        assert_eq!(de::<Option<u64>>("null"), Ok(None));
        assert_eq!(de::<Option<u64>>("\"3\""), Ok(Some(3)));
        assert_eq!(de::<Vec<u64>>("null"), Ok(vec![]));
        assert_eq!(de::<Vec<u64>>("[1,\"2\"]"), Ok(vec![1, 2]));
        assert_eq!(
            de::<BTreeMap<String, u32>>("{\"a\":\"1\"}").map(|m| m["a"]),
            Ok(1)
        );
        assert!(de::<String>("null").is_err());
    }

    #[test]
    fn options_hand_every_kind_of_value_on() {
        assert_eq!(de::<Option<String>>("\"a\\u00e9\""), Ok(Some("aé".into())));
        assert_eq!(de::<Option<String>>("true"), Ok(Some("true".into())));
        assert_eq!(de::<Option<String>>("-1.5"), Ok(Some("-1.5".into())));
        assert_eq!(de::<Option<i32>>("\"-0\""), Ok(Some(0)));
        assert_eq!(de::<Option<u32>>("5.0"), Ok(Some(5)));
        assert_eq!(de::<Option<bool>>("1"), Ok(Some(true)));
        assert_eq!(de::<Option<f64>>("\"2.5\""), Ok(Some(2.5)));
        assert!(de::<Option<Vec<u64>>>("[1,\"2\",null]").is_err());
        assert_eq!(de::<Option<Vec<u64>>>("[1,\"2\"]"), Ok(Some(vec![1, 2])));
        assert_eq!(de::<Option<Vec<u64>>>("null"), Ok(None));
        assert_eq!(
            de::<Option<BTreeMap<String, Option<u32>>>>("{\"a\":null,\"b\":\"7\"}"),
            Ok(Some(BTreeMap::from([
                ("a".into(), None),
                ("b".into(), Some(7))
            ])))
        );
        assert_eq!(de::<Option<Option<u32>>>("null"), Ok(None));
        assert!(
            de::<Option<u32>>("-1")
                .unwrap_err()
                .contains("expected an integer (u32)")
        );
        assert!(de::<Option<u32>>("{}").is_err());
        assert!(de::<Option<String>>("[1]").is_err());
        // An object streams into a derived struct through the option.
        #[derive(Debug, PartialEq, serde::Deserialize)]
        struct S {
            #[serde(default, deserialize_with = "lenient")]
            n: Option<u64>,
        }
        impl Lenient for S {
            fn de_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                serde::Deserialize::deserialize(d)
            }
        }
        assert_eq!(
            de::<Option<S>>("{\"n\":\"3\",\"x\":[{}]}"),
            Ok(Some(S { n: Some(3) }))
        );
        assert_eq!(de::<Option<S>>("{}"), Ok(Some(S { n: None })));
    }
}
