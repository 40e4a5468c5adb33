//! A response type described by data, decoded by the SDK's own rules.
//!
//! The generator cannot run the generated types it is about to write, so it checks each
//! documented sample by decoding it through a [`ShapeSeed`] built from the spec: the same
//! envelope pass ([`crate::envelope::decode_with`]), the same scalar rules
//! ([`crate::de::Lenient`]), the same container functions ([`crate::de::seq`],
//! [`crate::de::map`], [`crate::de::option`]). Objects follow [`crate::de::Object`], which
//! decodes the generated structs: only a JSON object is one, unknown keys ignored, a key and
//! its alias (or a key twice) refused, a required field missing refused, an optional field,
//! list or map missing read as empty (the messages are serde's own).

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};

use crate::de::Lenient;
use crate::de::tolerant::{Fill, Tolerated};

/// A value's shape, as the generated type of a response field decodes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Shape {
    /// Text: `String`, `SignedUrl`, `Sensitive<String>`, a timestamp, an open enum.
    Str,
    /// `bool`.
    Bool,
    /// `i32`.
    I32,
    /// `i64`.
    I64,
    /// `u32`.
    U32,
    /// `u64`.
    U64,
    /// `f64`.
    F64,
    /// [`Blob`](crate::Blob): a body taken as bytes.
    Bytes,
    /// `serde_json::Value`: any JSON.
    Any,
    /// `Vec<T>`.
    List(Box<Shape>),
    /// `BTreeMap<String, T>`.
    Map(Box<Shape>),
    /// A generated struct: the index of its [`ObjectShape`] in [`Shapes::objects`].
    Object(usize),
}

/// One field of a generated struct.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldShape {
    /// Wire name.
    pub wire: String,
    /// Other accepted wire names.
    pub aliases: Vec<String>,
    /// The value's shape.
    pub shape: Shape,
    /// Whether the field is required (lists and maps never are: absent means empty).
    pub required: bool,
}

/// A generated struct's fields.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ObjectShape {
    /// Type name, for messages.
    pub name: String,
    /// Fields in declaration order.
    pub fields: Vec<FieldShape>,
}

/// Every object shape of one response, so recursive types refer to each other by index.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Shapes {
    /// Object shapes; [`Shape::Object`] indexes here.
    pub objects: Vec<ObjectShape>,
}

/// Decodes (and discards) a value of `shape`.
#[derive(Clone, Copy)]
pub struct ShapeSeed<'s> {
    /// All object shapes.
    pub shapes: &'s Shapes,
    /// The value's shape.
    pub shape: &'s Shape,
}

impl<'de> DeserializeSeed<'de> for ShapeSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        let seed = |shape| ShapeSeed {
            shapes: self.shapes,
            shape,
        };
        match self.shape {
            Shape::Str => String::de_lenient(d).map(drop),
            Shape::Bool => bool::de_lenient(d).map(drop),
            Shape::I32 => i32::de_lenient(d).map(drop),
            Shape::I64 => i64::de_lenient(d).map(drop),
            Shape::U32 => u32::de_lenient(d).map(drop),
            Shape::U64 => u64::de_lenient(d).map(drop),
            Shape::F64 => f64::de_lenient(d).map(drop),
            Shape::Bytes => crate::Blob::de_lenient(d).map(drop),
            Shape::Any => serde_json::Value::de_lenient(d).map(drop),
            Shape::List(inner) => {
                let next = std::cell::Cell::new(0);
                crate::de::seq(
                    d,
                    Indexed {
                        seed: seed(inner),
                        next: &next,
                    },
                )
                .map(drop)
            }
            Shape::Map(inner) => crate::de::map(d, seed(inner)).map(drop),
            Shape::Object(i) => ObjectSeed {
                shapes: self.shapes,
                object: &self.shapes.objects[*i],
                tolerant: false,
            }
            .deserialize(d),
        }
    }
}

/// [`ShapeSeed`] read tolerantly ([`crate::de::tolerant`]), as `Lenient::de_tolerant` reads
/// the generated type: the same functions, with the shape's scalar type.
#[derive(Clone, Copy)]
struct TolerantShapeSeed<'s> {
    shapes: &'s Shapes,
    shape: &'s Shape,
}

impl<'de> DeserializeSeed<'de> for TolerantShapeSeed<'_> {
    type Value = Tolerated<()>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Tolerated<()>, D::Error> {
        use crate::de::tolerant::{map, object, scalar, seq};
        fn done<T, E>(r: Result<Tolerated<T>, E>) -> Result<Tolerated<()>, E> {
            r.map(|t| t.map(drop))
        }
        let seed = |shape| TolerantShapeSeed {
            shapes: self.shapes,
            shape,
        };
        match self.shape {
            Shape::Str => done(scalar::<D, String>(d)),
            Shape::Bool => done(scalar::<D, bool>(d)),
            Shape::I32 => done(scalar::<D, i32>(d)),
            Shape::I64 => done(scalar::<D, i64>(d)),
            Shape::U32 => done(scalar::<D, u32>(d)),
            Shape::U64 => done(scalar::<D, u64>(d)),
            Shape::F64 => done(scalar::<D, f64>(d)),
            Shape::Bytes => done(crate::Blob::de_tolerant(d)),
            Shape::Any => done(serde_json::Value::de_tolerant(d)),
            Shape::List(inner) => done(seq(d, seed(inner))),
            Shape::Map(inner) => done(map(d, seed(inner))),
            Shape::Object(i) => object(
                d,
                ObjectSeed {
                    shapes: self.shapes,
                    object: &self.shapes.objects[*i],
                    tolerant: true,
                },
            ),
        }
    }
}

/// The payload of a response: its top-level fields.
#[derive(Clone, Copy)]
pub struct ObjectSeed<'s> {
    /// All object shapes.
    pub shapes: &'s Shapes,
    /// The object.
    pub object: &'s ObjectShape,
    /// Whether its optional fields are read tolerantly (an imported operation's response:
    /// `Object::TOLERANT`), and so everything inside them.
    pub tolerant: bool,
}

impl<'de> Fill<'de> for ObjectSeed<'_> {
    type Value = ();
    fn name(&self) -> String {
        self.object.name.clone()
    }
    fn fill<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        self.visit_map(map)
    }
}

impl ObjectSeed<'_> {
    /// Reads field `f`. Read tolerantly, as the generated struct reads what it does not
    /// require (optional fields, lists and maps: `Fields::value`).
    fn field<'de, D: Deserializer<'de>>(&self, f: &FieldShape, d: D) -> Result<(), D::Error> {
        if self.tolerant && Self::defaults(f) {
            let seed = TolerantShapeSeed {
                shapes: self.shapes,
                shape: &f.shape,
            };
            // `Option<T>`, `Vec<T>` and maps alike: `null` is absent or empty.
            let read = match f.shape {
                Shape::List(_) | Shape::Map(_) => seed.deserialize(d)?,
                _ => crate::de::option(d, seed)?.unwrap_or(Ok(())),
            };
            if let Err(aside) = read {
                crate::de::tolerant::note(&self.object.name, &f.wire, aside);
            }
            return Ok(());
        }
        let seed = ShapeSeed {
            shapes: self.shapes,
            shape: &f.shape,
        };
        match (&f.shape, f.required) {
            (Shape::List(_) | Shape::Map(_), _) | (_, true) => seed.deserialize(d),
            (_, false) => crate::de::option(d, seed).map(drop),
        }
    }

    fn defaults(f: &FieldShape) -> bool {
        !f.required || matches!(f.shape, Shape::List(_) | Shape::Map(_))
    }
}

impl<'de> DeserializeSeed<'de> for ObjectSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        // As `de::object` asks for the generated structs: only an object is one.
        d.deserialize_map(self)
    }
}

/// Adapts a field of an object for `next_value_seed`.
struct FieldSeed<'a, 's>(&'a ObjectSeed<'s>, &'a FieldShape);

impl<'de> DeserializeSeed<'de> for FieldSeed<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        self.0.field(self.1, d)
    }
}

impl<'de> Visitor<'de> for ObjectSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "struct {}", self.object.name)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let fields = &self.object.fields;
        let mut seen = vec![false; fields.len()];
        while let Some(crate::de::Key(key)) = map.next_key()? {
            let found = fields
                .iter()
                .position(|f| f.wire == key || f.aliases.iter().any(|a| *a == key));
            match found {
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
                Some(i) if seen[i] => {
                    return Err(de::Error::custom(format_args!(
                        "duplicate field `{}`",
                        fields[i].wire
                    )));
                }
                Some(i) => {
                    // A value set aside counts as given: a second one is a duplicate.
                    seen[i] = true;
                    map.next_value_seed(FieldSeed(&self, &fields[i]))
                        .map_err(|e| at(&format!(".{}", fields[i].wire), e))?;
                }
            }
        }
        match fields
            .iter()
            .zip(&seen)
            .find(|(f, seen)| !**seen && !Self::defaults(f))
        {
            Some((f, _)) => Err(de::Error::custom(format_args!(
                "missing field `{}`",
                f.wire
            ))),
            None => Ok(()),
        }
    }
}

/// A list element's seed that knows its index, for error paths.
#[derive(Clone)]
struct Indexed<'a, 's> {
    seed: ShapeSeed<'s>,
    next: &'a std::cell::Cell<usize>,
}

impl<'de> DeserializeSeed<'de> for Indexed<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        let i = self.next.get();
        self.next.set(i + 1);
        self.seed
            .deserialize(d)
            .map_err(|e| at(&format!("[{i}]"), e))
    }
}

/// Puts `segment` in front of the error's path: "at `.Files[0].size`: invalid value …".
/// A position suffix ("at line L column C") is dropped: the outermost error gets it again.
fn at<E: de::Error>(segment: &str, e: E) -> E {
    let text = e.to_string();
    let text = match text.rfind(" at line ") {
        Some(i) if text[i + 9..].split(" column ").count() == 2 => &text[..i],
        _ => &text,
    };
    match text.strip_prefix("at `") {
        Some(rest) => E::custom(format_args!("at `{segment}{rest}")),
        None => E::custom(format_args!("at `{segment}`: {text}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(shape: Shape, json: &str) -> Result<(), String> {
        let shapes = Shapes::default();
        let mut d = serde_json::Deserializer::from_str(json);
        ShapeSeed {
            shapes: &shapes,
            shape: &shape,
        }
        .deserialize(&mut d)
        .map_err(|e| e.to_string())
    }

    #[test]
    fn scalars_follow_the_runtime() {
        assert_eq!(check(Shape::U64, "5.0"), Ok(()));
        assert_eq!(check(Shape::U64, "\"-0\""), Ok(()));
        assert!(check(Shape::U64, "-1").is_err());
        assert_eq!(check(Shape::List(Box::new(Shape::I32)), "null"), Ok(()));
        assert_eq!(check(Shape::Str, "12"), Ok(()));
        assert!(check(Shape::Str, "null").is_err());
        let err = check(Shape::List(Box::new(Shape::U32)), "[1, \"x\"]").unwrap_err();
        assert!(err.starts_with("at `[1]`: invalid value"), "{err}");
    }
}
