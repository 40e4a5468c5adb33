//! Checks a documented sample response against the declared output, with the same
//! lenient rules the runtime decodes by (`runtime::de`), so a sample that passes here
//! decodes in the generated SDK (the sample-decoding snapshots prove it).

use serde_json::Value;

use crate::model::{Field, NamedType, Operation, Protocol, Ty, TypeKind};

/// `Ok` when the sample decodes; `Err` says where and why it does not.
pub fn check(
    op: &Operation,
    protocol: &Protocol,
    sample: &crate::model::Sample,
) -> Result<(), String> {
    let root: Value =
        serde_json::from_str(&sample.text).map_err(|e| format!("not valid JSON: {e}"))?;
    let env = &protocol.envelope;
    let (payload, at) = match &env.wrapper {
        Some(w) => (
            root.get(w)
                .ok_or_else(|| format!("no `{w}` object at `$`"))?,
            format!("$.{w}"),
        ),
        None => (&root, "$".to_owned()),
    };
    if !payload.is_object() {
        return Err(format!("`{at}` is not an object"));
    }
    if let Some(eo) = &env.error_object
        && payload.get(eo).is_some_and(Value::is_object)
    {
        return Err(format!("`{at}.{eo}` is present: this is an error response"));
    }
    if let Some(success) = &env.success_code {
        let code = payload.get(&env.code_field).and_then(scalar_text);
        if code.as_deref() != Some(success.as_str()) {
            return Err(format!(
                "`{at}.{}` is {} where success is `{success}`",
                env.code_field,
                code.map_or("missing".to_owned(), |c| format!("`{c}`"))
            ));
        }
    }
    if !(200..300).contains(&sample.status) {
        return Err(format!("status {} is not a success", sample.status));
    }
    check_fields(&op.response, payload, &at, &op.types)
}

fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// The field's value under its wire name or an alias. Both at once is an error, as it is
/// for the SDK's decoder (serde reports a duplicate field).
fn lookup<'v>(f: &Field, obj: &'v Value, at: &str) -> Result<Option<&'v Value>, String> {
    let mut found = std::iter::once(&f.wire)
        .chain(&f.aliases)
        .filter_map(|k| obj.get(k).map(|v| (k, v)));
    let first = found.next();
    if let (Some((a, _)), Some((b, _))) = (first, found.next()) {
        return Err(format!("`{at}` has both `{a}` and its alias `{b}`"));
    }
    Ok(first.map(|(_, v)| v))
}

fn check_fields(
    fields: &[Field],
    obj: &Value,
    at: &str,
    types: &[NamedType],
) -> Result<(), String> {
    for f in fields {
        let path = format!("{at}.{}", f.wire);
        match lookup(f, obj, at)? {
            None | Some(Value::Null) if f.required && !matches!(f.ty, Ty::List(_) | Ty::Map(_)) => {
                return Err(format!("required field `{path}` is missing"));
            }
            None | Some(Value::Null) => {}
            Some(v) => check_value(&f.ty, v, &path, types)?,
        }
    }
    Ok(())
}

fn check_value(ty: &Ty, v: &Value, at: &str, types: &[NamedType]) -> Result<(), String> {
    let bad = |what: &str| Err(format!("`{at}` should be {what}, found {}", short(v)));
    match ty {
        Ty::Str | Ty::Timestamp(_) => match v {
            Value::String(_) | Value::Number(_) | Value::Bool(_) => Ok(()),
            _ => bad("a string"),
        },
        Ty::Bool => match v {
            Value::Bool(_) => Ok(()),
            Value::Number(n) if n.as_u64().is_some_and(|n| n <= 1) => Ok(()),
            Value::String(s) if ["true", "false", "0", "1"].contains(&s.as_str()) => Ok(()),
            _ => bad("a boolean"),
        },
        Ty::F64 => match v {
            Value::Number(_) => Ok(()),
            Value::String(s) if s.trim().parse::<f64>().is_ok_and(f64::is_finite) => Ok(()),
            _ => bad("a number"),
        },
        Ty::I32 | Ty::I64 | Ty::U32 | Ty::U64 => {
            let n: Option<i128> = match v {
                Value::Number(n) => n
                    .as_i64()
                    .map(i128::from)
                    .or_else(|| n.as_u64().map(i128::from)),
                Value::String(s) => s.trim().parse().ok(),
                _ => None,
            };
            let (lo, hi): (i128, i128) = match ty {
                Ty::I32 => (i32::MIN.into(), i32::MAX.into()),
                Ty::I64 => (i64::MIN.into(), i64::MAX.into()),
                Ty::U32 => (0, u32::MAX.into()),
                _ => (0, u64::MAX.into()),
            };
            match n {
                Some(n) if (lo..=hi).contains(&n) => Ok(()),
                _ => bad(&format!("an integer of type {}", ty.spec_name())),
            }
        }
        Ty::List(inner) => match v {
            Value::Array(items) => items
                .iter()
                .enumerate()
                .try_for_each(|(i, item)| check_value(inner, item, &format!("{at}[{i}]"), types)),
            _ => bad("a list"),
        },
        Ty::Map(inner) => match v {
            Value::Object(m) => m
                .iter()
                .try_for_each(|(k, item)| check_value(inner, item, &format!("{at}.{k}"), types)),
            _ => bad("an object"),
        },
        Ty::Named(name) => match types.iter().find(|t| &t.name == name).map(|t| &t.kind) {
            Some(TypeKind::Object(fields)) if v.is_object() => check_fields(fields, v, at, types),
            Some(TypeKind::Object(_)) => bad(&format!("an object ({name})")),
            Some(TypeKind::Enum(_)) => match v {
                Value::String(_) | Value::Number(_) | Value::Bool(_) => Ok(()),
                _ => bad(&format!("a string ({name})")),
            },
            None => Ok(()),
        },
    }
}

fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 40 {
        format!("{}…", s.chars().take(40).collect::<String>())
    } else {
        s
    }
}
