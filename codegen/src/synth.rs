//! Values made up from a type, where the spec gives none: the success body the emulator
//! answers an operation with when none of its documented samples decodes
//! ([`response`]), and the values of required request fields without a usable example
//! (`emit::glue`'s example requests use [`scalar`]).
//!
//! Everything here is deterministic and protocol-neutral: the envelope comes from the
//! protocol's spec, the values from the field's type, range and declared example.

use serde_json::{Map, Value};

use crate::model::{
    Envelope, Field, Location, Model, NamedType, Operation, Sensitivity, Ty, TypeKind,
};

/// How deep nested named types are filled: below it, only required fields are (a required
/// field cannot recurse without end: the type would have no finite value).
pub const MAX_DEPTH: usize = 4;

/// Hard stop for a malformed model (a required field recursing through itself).
const LIMIT: usize = 32;

/// A fixed instant in each timestamp format the runtime knows (`Ty::Timestamp`'s marker).
pub fn timestamp_text(format: &str) -> &'static str {
    match format {
        "DateTimeCst" | "DateTimeUtc" => "2026-01-02 03:04:05",
        "UnixSeconds" => "1767323045",
        _ => "2026-01-02T03:04:05Z",
    }
}

/// A made-up scalar of type `ty` for `field` (its type, or its elements') as JSON (`None`
/// for lists, maps and named types): the field's example where it is a value of `ty`
/// within the field's range, else the range's lower bound (or 1) for numbers, `true`, a
/// fixed instant for timestamps, and a text naming the field for strings
/// (`"example-InstanceId"`; a secret's is never its example).
pub fn scalar(field: &Field, ty: &Ty) -> Option<Value> {
    let example = field
        .example
        .as_deref()
        .filter(|_| field.sensitive == Sensitivity::None && *ty == field.ty);
    let in_range = |n: f64| field.min.is_none_or(|m| n >= m) && field.max.is_none_or(|m| n <= m);
    let number = |lo: f64, hi: f64| -> f64 {
        let lo = field.min.unwrap_or(lo).max(lo);
        let hi = field.max.unwrap_or(hi).min(hi);
        if (lo..=hi).contains(&1.0) { 1.0 } else { lo }
    };
    let from_example = |integer: bool| -> Option<f64> {
        let n: f64 = example?.trim().parse().ok()?;
        (n.is_finite() && in_range(n) && (!integer || n.fract() == 0.0)).then_some(n)
    };
    let int = |lo: f64, hi: f64| -> Value {
        let n = from_example(true)
            .filter(|n| (lo..=hi).contains(n))
            .unwrap_or_else(|| number(lo, hi).ceil());
        // Integers within the type's bounds: the casts are exact.
        if n < 0.0 {
            Value::from(n as i64)
        } else {
            Value::from(n as u64)
        }
    };
    Some(match ty {
        Ty::Str => Value::from(match example {
            Some(text) if !text.is_empty() => text.to_owned(),
            _ => format!("example-{}", field.wire),
        }),
        Ty::Bool => Value::Bool(example.is_none_or(|e| e.trim() != "false")),
        Ty::I32 => int(i32::MIN.into(), i32::MAX.into()),
        Ty::I64 => int(-9.0e15, 9.0e15),
        Ty::U32 => int(0.0, u32::MAX.into()),
        Ty::U64 => int(0.0, 9.0e15),
        Ty::F64 => Value::from(from_example(false).unwrap_or_else(|| number(f64::MIN, f64::MAX))),
        // Unix seconds are a JSON number, as the vendor sends them.
        Ty::Timestamp(f) if *f == "UnixSeconds" => Value::from(1_767_323_045_i64),
        Ty::Timestamp(format) => Value::from(timestamp_text(format)),
        Ty::Bytes => Value::from(format!("example-{}", field.wire)),
        Ty::Json => Value::Object(serde_json::Map::new()),
        Ty::List(_) | Ty::Map(_) | Ty::Named(_) => return None,
    })
}

/// A success response of `op` (status and JSON text), in its protocol's envelope, with
/// every field of its response present and of its type: lists with one element, maps with
/// one entry, enums their first value, named types filled to [`MAX_DEPTH`]. An operation
/// with nothing in its response, where the status alone signals success and the body has
/// no envelope (Huawei), is answered `204 No Content`.
pub fn response(model: &Model, op: &Operation) -> (u16, String) {
    let filler = Filler {
        types: model.types_of(op).collect(),
        every_field: true,
    };
    let protocol = &model.protocols[op.protocol];
    if let Some((field, _)) = op.response_payload() {
        // The body is the field's value alone (no envelope: errors are the status's).
        return match filler.value(field, &field.ty, 0) {
            // Bytes (a file) are the text itself, not a JSON string of it.
            Some(Value::String(text)) if field.ty == Ty::Bytes => (200, text),
            Some(value) => (200, value.to_string()),
            None => (204, String::new()),
        };
    }
    let payload = filler.object(&op.response, 0);
    if payload.is_empty() && crate::sample::envelope(protocol).body_is_payload() {
        return (204, String::new());
    }
    (200, wrap(&protocol.envelope, payload).to_string())
}

/// A made-up value of each response field read from a header, as header text.
pub fn response_headers(op: &Operation) -> Vec<(String, String)> {
    op.response
        .iter()
        .filter(|f| f.location == Location::Header)
        .filter_map(|f| {
            let text = match scalar(f, &f.ty)? {
                Value::String(s) => s,
                other => other.to_string(),
            };
            Some((f.wire.clone(), text))
        })
        .collect()
}

/// A made-up value of a request field as JSON: [`scalar`]s, one-element lists and maps,
/// and named types with their required fields alone.
pub fn request_value(field: &Field, types: &[&NamedType]) -> Option<Value> {
    Filler {
        types: types.to_vec(),
        every_field: false,
    }
    .value(field, &field.ty, 0)
}

/// `payload` in `envelope`: inside its wrapper, with its success code and a request id
/// where the body carries them.
fn wrap(envelope: &Envelope, mut payload: Map<String, Value>) -> Value {
    if let Some(code) = &envelope.success_code {
        let code = code
            .parse::<i64>()
            .map_or_else(|_| Value::from(code.as_str()), Value::from);
        payload.insert(envelope.code_field.clone(), code);
    }
    if let Some(field) = &envelope.request_id_field
        && !envelope.status_errors
    {
        payload.insert(field.clone(), Value::from("synthesized-request-id"));
    }
    match &envelope.wrapper {
        Some(key) => Value::Object(Map::from_iter([(key.clone(), Value::Object(payload))])),
        None => Value::Object(payload),
    }
}

/// Fills values of types: every field of an object down to [`MAX_DEPTH`] (a response), or
/// required fields alone (a request).
struct Filler<'m> {
    types: Vec<&'m NamedType>,
    every_field: bool,
}

impl Filler<'_> {
    fn object(&self, fields: &[Field], depth: usize) -> Map<String, Value> {
        fields
            .iter()
            // A header field is not in a body.
            .filter(|f| f.location != Location::Header)
            .filter(|f| f.required || (self.every_field && depth < MAX_DEPTH))
            .filter_map(|f| Some((f.wire.clone(), self.value(f, &f.ty, depth)?)))
            .collect()
    }

    /// A value of `ty` (the type of `field`, or of an element of it); `None` past [`LIMIT`].
    fn value(&self, field: &Field, ty: &Ty, depth: usize) -> Option<Value> {
        if depth > LIMIT {
            return None;
        }
        let named = |name: &String| self.types.iter().find(|t| &t.name == name).map(|t| &t.kind);
        Some(match ty {
            Ty::List(inner) => Value::Array(Vec::from_iter(self.value(field, inner, depth))),
            Ty::Map(inner) => Value::Object(Map::from_iter(
                self.value(field, inner, depth)
                    .map(|v| ("key".to_owned(), v)),
            )),
            Ty::Named(name) => match named(name) {
                Some(TypeKind::Object(fields)) => Value::Object(self.object(fields, depth + 1)),
                Some(TypeKind::Enum(values)) if !values.is_empty() => {
                    Value::from(values[0].wire.as_str())
                }
                _ => Value::from(format!("example-{}", field.wire)),
            },
            scalar_ty => scalar(field, scalar_ty)?,
        })
    }
}
