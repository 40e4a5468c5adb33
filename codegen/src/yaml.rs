//! A YAML document as a tree of located nodes.
//!
//! serde-saphyr parses (and reports syntax errors with their location); we deserialize
//! into this generic tree so that validation can walk it, report *every* problem with
//! `file:line:col`, and notice duplicate keys and unknown keys itself.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::diag::{Diag, Pos};

/// A node with the position where it starts.
#[derive(Clone, Debug)]
pub struct Node {
    pub pos: Pos,
    pub kind: Kind,
}

/// What a node holds.
#[derive(Clone, Debug)]
pub enum Kind {
    Null,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

impl Kind {
    /// A short description for "expected X, found Y" messages.
    pub fn describe(&self) -> &'static str {
        match self {
            Kind::Null => "null",
            Kind::Bool(_) => "a boolean",
            Kind::Int(_) => "an integer",
            Kind::Float(_) => "a number",
            Kind::Str(_) => "a string",
            Kind::Seq(_) => "a list",
            Kind::Map(_) => "a mapping",
        }
    }
}

impl Node {
    /// Scalar text of a key or value (`None` for collections and null).
    pub fn scalar_text(&self) -> Option<String> {
        match &self.kind {
            Kind::Str(s) => Some(s.clone()),
            Kind::Int(i) => Some(i.to_string()),
            Kind::Float(f) => Some(f.to_string()),
            Kind::Bool(b) => Some(b.to_string()),
            Kind::Null | Kind::Seq(_) | Kind::Map(_) => None,
        }
    }
}

struct KindVisitor;

impl<'de> Visitor<'de> for KindVisitor {
    type Value = Kind;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Kind, E> {
        Ok(Kind::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Kind, E> {
        Ok(Kind::Int(v.into()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Kind, E> {
        Ok(Kind::Int(v.into()))
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Kind, E> {
        Ok(Kind::Int(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Kind, E> {
        Ok(Kind::Float(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Kind, E> {
        Ok(Kind::Str(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Kind, E> {
        Ok(Kind::Str(v))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Kind, E> {
        Ok(Kind::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Kind, E> {
        Ok(Kind::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Kind, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Kind, A::Error> {
        let mut out = Vec::new();
        while let Some(n) = seq.next_element::<Node>()? {
            out.push(n);
        }
        Ok(Kind::Seq(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Kind, A::Error> {
        let mut out = Vec::new();
        while let Some(k) = map.next_key::<Node>()? {
            let v = map.next_value::<Node>()?;
            out.push((k, v));
        }
        Ok(Kind::Map(out))
    }
}

impl<'de> Deserialize<'de> for KindWrap {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(KindVisitor).map(KindWrap)
    }
}

struct KindWrap(Kind);

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = serde_saphyr::Spanned::<KindWrap>::deserialize(d)?;
        let pos = Pos {
            line: s.referenced.line() as u32,
            col: s.referenced.column() as u32,
        };
        Ok(Node {
            pos,
            kind: s.value.0,
        })
    }
}

/// Parses one YAML document; a syntax error is reported at its location.
pub fn parse(file: &str, text: &str) -> Result<Node, Diag> {
    let options = serde_saphyr::options! {
        duplicate_keys: serde_saphyr::DuplicateKeyPolicy::PassThrough,
    };
    serde_saphyr::from_str_with_options::<Node>(text, options).map_err(|e| {
        let pos = e
            .location()
            .map(|l| Pos {
                line: l.line() as u32,
                col: l.column() as u32,
            })
            .unwrap_or(Pos { line: 1, col: 1 });
        let msg = e.without_snippet().to_string();
        let mut msg = msg.lines().next().unwrap_or("invalid YAML").to_owned();
        // The location is already in front of the message; drop the parser's own copy.
        if let Some(i) = msg.rfind(" at line ") {
            msg.truncate(i);
        }
        Diag::new(file, pos, format!("invalid YAML: {msg}"))
    })
}
