//! Resolution of field lists, one function per field attribute: name, type, range, unit,
//! encoding, location, sensitivity, aliases. A new attribute is one more function here and
//! one more line in [`resolve_fields`].

use std::collections::{BTreeMap, BTreeSet};

use super::{
    Cx, Encoding, Field, Location, PRIMITIVES, Protocol, Sensitivity, Side, TIME_FORMATS, Ty, UNITS,
};
use crate::diag::Pos;
use crate::naming::{did_you_mean, is_keyword, is_snake_ident, snake};
use crate::spec::{FieldSpec, Str};

/// A field whose name and type are resolved, as the checks of its other attributes see it.
struct At<'s> {
    f: &'s FieldSpec,
    wire: &'s str,
    ty: &'s Ty,
    side: Side,
    protocol: Option<&'s Protocol>,
    /// Type names that are enums (a list of them is a list of scalars).
    enums: &'s BTreeSet<String>,
}

pub(super) fn resolve_fields(
    cx: &mut Cx<'_>,
    specs: &[FieldSpec],
    side: Side,
    protocol: Option<&Protocol>,
    names: &BTreeSet<String>,
    enums: &BTreeSet<String>,
    owner: &str,
) -> Vec<Field> {
    let mut out = Vec::new();
    let mut idents: BTreeMap<String, (String, Pos)> = BTreeMap::new();
    let mut wires: BTreeMap<String, Pos> = BTreeMap::new();
    for f in specs {
        let wire = f.name.value.clone();
        let Some(ident) = ident_of(cx, f, owner) else {
            continue;
        };
        if side == Side::Request && ident == "build" {
            let d = cx.err(
                f.name.pos,
                format!(
                    "field `{wire}` of {owner} would be named `build`, the builder's own method"
                ),
            );
            d.hint = Some(format!(
                "add `rust_name: build_value` (or a better name); the wire name stays `{wire}`"
            ));
            continue;
        }
        if !claim_ident(cx, f, &ident, &mut idents, owner) {
            continue;
        }
        wires.insert(wire.clone(), f.name.pos);
        let Some(ty) = type_of(cx, f, names) else {
            continue;
        };
        let at = At {
            f,
            wire: &wire,
            ty: &ty,
            side,
            protocol,
            enums,
        };
        check_range(cx, &at);
        let bytes_factor = unit_bytes_factor(cx, &at);
        let encoding = encoding_of(cx, &at);
        let location = location_of(cx, &at);
        check_untyped_places(cx, &at, location);
        let sensitive = sensitivity_of(cx, &at);
        let valid_for = validity_of(cx, &at, sensitive);
        let aliases = aliases_of(cx, &at);
        let idempotency_token = f.idempotency_token && idempotency_token_ok(cx, &at);
        out.push(Field {
            wire,
            ident,
            ty,
            required: f.required,
            doc: f.doc.clone(),
            example: f.example.clone(),
            min: f.min.map(|n| n.value),
            max: f.max.map(|n| n.value),
            unit: f.unit.as_ref().map(|u| u.value.clone()),
            bytes_factor,
            encoding,
            location,
            sensitive,
            valid_for,
            aliases,
            boxed: false,
            deprecated: f.deprecated,
            config: None,
            idempotency_token,
        });
    }
    check_alias_clashes(cx, &out, &wires, owner);
    out
}

/// `idempotency_token: true` is for an optional `string` parameter of an operation's request
/// (the runtime fills it when unset); anywhere else it is an error.
fn idempotency_token_ok(cx: &mut Cx<'_>, at: &At<'_>) -> bool {
    let f = at.f;
    let problem = if at.side != Side::Request || at.protocol.is_none() {
        Some("only a field of an operation's request can be its idempotency token")
    } else if *at.ty != Ty::Str {
        Some("an idempotency token is a `string`")
    } else if f.required {
        Some("an idempotency token is optional: the runtime fills it when the caller does not")
    } else {
        None
    };
    match problem {
        Some(why) => {
            cx.err(
                f.name.pos,
                format!("field `{}`: `idempotency_token: true`: {why}", at.wire),
            );
            false
        }
        None => true,
    }
}

/// The Rust name: `rust_name:`, else the wire name in snake_case; `None` when unusable.
fn ident_of(cx: &mut Cx<'_>, f: &FieldSpec, owner: &str) -> Option<String> {
    let wire = &f.name.value;
    match &f.rust_name {
        Some(r) => {
            if !is_snake_ident(&r.value) || is_keyword(&r.value) {
                cx.err(
                    r.pos,
                    format!(
                        "`rust_name: {}` is not a usable snake_case identifier",
                        r.value
                    ),
                );
                return None;
            }
            Some(r.value.clone())
        }
        None => {
            let s = snake(wire);
            if is_keyword(&s) {
                let d = cx.err(
                    f.name.pos,
                    format!("field `{wire}` of {owner} is the Rust keyword `{s}`"),
                );
                d.hint = Some(format!(
                    "add `rust_name: {s}_` (or a better name); the wire name stays `{wire}`"
                ));
                return None;
            }
            if s.is_empty() {
                cx.err(
                    f.name.pos,
                    format!("field name `{wire}` has no letters or digits"),
                );
                return None;
            }
            Some(s)
        }
    }
}

/// Records `ident` as taken; `false` (reported) when another field of `owner` has it.
fn claim_ident(
    cx: &mut Cx<'_>,
    f: &FieldSpec,
    ident: &str,
    idents: &mut BTreeMap<String, (String, Pos)>,
    owner: &str,
) -> bool {
    let wire = &f.name.value;
    if let Some((other, pos)) = idents.get(ident) {
        let d = cx.err(
            f.name.pos,
            format!("fields `{other}` and `{wire}` of {owner} both become `{ident}` in Rust"),
        );
        d.hint = Some(format!(
            "give one of them a `rust_name:` (`{other}` is at line {}:{})",
            pos.line, pos.col
        ));
        return false;
    }
    idents.insert(ident.to_owned(), (wire.clone(), f.name.pos));
    true
}

/// The type (`type:` with its `format:`, which applies to a timestamp or to the timestamps
/// a list or map holds).
fn type_of(cx: &mut Cx<'_>, f: &FieldSpec, names: &BTreeSet<String>) -> Option<Ty> {
    let ty = parse_ty(cx, &f.ty, f.format.as_ref(), names)?;
    let mut element = &ty;
    while let Ty::List(t) | Ty::Map(t) = element {
        element = t;
    }
    if let Some(fmt) = &f.format
        && !matches!(element, Ty::Timestamp(_))
    {
        cx.err(
            fmt.pos,
            "`format` applies only to `timestamp` fields (and lists and maps of timestamps)",
        );
    }
    Some(ty)
}

/// `min:` and `max:`: numeric types only, within the type's bounds, in order.
fn check_range(cx: &mut Cx<'_>, at: &At<'_>) {
    let (f, wire, ty) = (at.f, at.wire, at.ty);
    for b in [f.min, f.max].into_iter().flatten() {
        if !ty.is_number() {
            cx.err(
                b.pos,
                format!(
                    "`min`/`max` need a numeric type, `{wire}` is `{}`",
                    ty.spec_name()
                ),
            );
        } else if ty.is_integer() {
            let (lo, hi) = ty.int_bounds().expect("integer");
            if !b.is_int || b.value < lo || b.value > hi {
                cx.err(
                    b.pos,
                    format!("bound {} does not fit `{}`", b.value, ty.spec_name()),
                );
            }
        }
    }
    if let (Some(lo), Some(hi)) = (f.min, f.max)
        && lo.value > hi.value
    {
        let d = cx.err(
            lo.pos,
            format!(
                "bad range for `{wire}`: min {} is greater than max {}",
                lo.value, hi.value
            ),
        );
        d.hint = Some("swap `min` and `max`".into());
    }
}

/// `unit:`: a known unit on a numeric type; the factor to bytes of an integer size field.
fn unit_bytes_factor(cx: &mut Cx<'_>, at: &At<'_>) -> Option<u64> {
    let (wire, ty) = (at.wire, at.ty);
    let mut bytes_factor = None;
    if let Some(u) = &at.f.unit {
        match UNITS.iter().find(|(n, _)| *n == u.value) {
            None => {
                let d = cx.err(u.pos, format!("unknown unit `{}`", u.value));
                d.hint = Some(
                    match did_you_mean(&u.value, UNITS.iter().map(|(n, _)| *n)) {
                        Some(s) => format!("did you mean `{s}`?"),
                        None => format!(
                            "units: {}",
                            UNITS.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
                        ),
                    },
                );
            }
            Some(_) if !ty.is_number() => {
                cx.err(
                    u.pos,
                    format!(
                        "`unit` needs a numeric type, `{wire}` is `{}`",
                        ty.spec_name()
                    ),
                );
            }
            Some((_, factor)) => {
                if ty.is_integer() {
                    bytes_factor = *factor;
                }
            }
        }
    }
    bytes_factor
}

/// `valid_for:`: how long a signed URL stays valid (`30s`, `15m`, `12h`, `7d`), in seconds.
fn validity_of(cx: &mut Cx<'_>, at: &At<'_>, sensitive: Sensitivity) -> Option<(String, u64)> {
    let v = at.f.valid_for.as_ref()?;
    if sensitive != Sensitivity::SignedUrl {
        cx.err(
            v.pos,
            format!("`valid_for` needs `sensitive: signed-url` on `{}`", at.wire),
        );
        return None;
    }
    match parse_duration(&v.value) {
        Some(secs) => Some((v.value.clone(), secs)),
        None => {
            cx.err(v.pos, format!("`valid_for: {}` is not a duration", v.value))
                .hint = Some("a whole number and a unit: `30s`, `15m`, `12h` or `7d`".into());
            None
        }
    }
}

/// `12h` as seconds; `None` unless a positive whole number and one of `s`, `m`, `h`, `d`.
fn parse_duration(text: &str) -> Option<u64> {
    let split = text.find(|c: char| !c.is_ascii_digit())?;
    let (n, unit) = text.split_at(split);
    let n: u64 = n.parse().ok().filter(|n| *n > 0)?;
    let factor = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3_600,
        "d" => 86_400,
        _ => return None,
    };
    n.checked_mul(factor)
}

/// `encoding: json` (a request value sent as a JSON document in a string) or `encoding: csv`
/// (a request list of scalars sent as one comma-separated value).
fn encoding_of(cx: &mut Cx<'_>, at: &At<'_>) -> Encoding {
    let Some(e) = &at.f.encoding else {
        return Encoding::Plain;
    };
    let encoding = match e.value.as_str() {
        "json" => Encoding::Json,
        "csv" => Encoding::Csv,
        other => {
            cx.err(e.pos, format!("unknown encoding `{other}`")).hint = Some(
                "encodings are `json` (a value sent as a JSON document in a string) and `csv` (a list sent as one comma-separated value)".into(),
            );
            return Encoding::Plain;
        }
    };
    let scalar_list = match at.ty {
        Ty::List(inner) => match &**inner {
            Ty::List(_) | Ty::Map(_) => false,
            Ty::Named(name) => at.enums.contains(name),
            _ => true,
        },
        _ => false,
    };
    if at.side == Side::Response {
        cx.err(
            e.pos,
            format!("`encoding: {}` applies to request fields only", e.value),
        );
        Encoding::Plain
    } else if encoding == Encoding::Csv && !scalar_list {
        cx.err(
            e.pos,
            "`encoding: csv` applies to a list of scalars or enum values only",
        );
        Encoding::Plain
    } else {
        encoding
    }
}

/// `sensitive:`: `true` (a secret) or `signed-url` (strings only).
fn sensitivity_of(cx: &mut Cx<'_>, at: &At<'_>) -> Sensitivity {
    let (wire, ty) = (at.wire, at.ty);
    match at.f.sensitive.as_ref().map(|s| (s.value.as_str(), s.pos)) {
        None => Sensitivity::None,
        Some(("true", _)) => Sensitivity::Secret,
        Some(("signed-url", pos)) => {
            let ok = match ty {
                Ty::Str => true,
                Ty::List(t) => **t == Ty::Str,
                _ => false,
            };
            if !ok {
                cx.err(pos, format!("`sensitive: signed-url` needs `string` or `list<string>`, `{wire}` is `{}`", ty.spec_name()));
            }
            Sensitivity::SignedUrl
        }
        Some((other, pos)) => {
            cx.err(pos, format!("unknown `sensitive` value `{other}`"))
                .hint =
                Some("`true` (a secret) or `signed-url` (a pre-signed download URL)".into());
            Sensitivity::None
        }
    }
}

/// `aliases:`: other wire names of a response field, each once.
fn aliases_of(cx: &mut Cx<'_>, at: &At<'_>) -> Vec<String> {
    let wire = at.wire;
    let mut aliases: Vec<String> = Vec::new();
    for a in &at.f.aliases {
        if at.side == Side::Request {
            cx.err(a.pos, "`aliases` apply to response fields only");
        } else if a.value == wire || aliases.contains(&a.value) {
            cx.err(
                a.pos,
                format!("alias `{}` repeats a name of `{wire}`", a.value),
            );
        } else {
            aliases.push(a.value.clone());
        }
    }
    aliases
}

/// Aliases must not collide with other wire names.
fn check_alias_clashes(
    cx: &mut Cx<'_>,
    fields: &[Field],
    wires: &BTreeMap<String, Pos>,
    owner: &str,
) {
    for f in fields {
        for a in &f.aliases {
            if let Some(pos) = wires.get(a) {
                cx.err(
                    *pos,
                    format!("alias `{a}` of `{}` is also a field of {owner}", f.wire),
                );
            }
        }
    }
}

/// `bytes` travel alone: a request's file part or whole body, a response's whole body.
/// `json` (any JSON value) travels inside a JSON document or as the whole body.
fn check_untyped_places(cx: &mut Cx<'_>, at: &At<'_>, location: Location) {
    fn contains(ty: &Ty, wanted: &Ty) -> bool {
        match ty {
            Ty::List(inner) | Ty::Map(inner) => contains(inner, wanted),
            other => other == wanted,
        }
    }
    let pos = at.f.ty.pos;
    let bytes_place = match (at.protocol, at.side) {
        (Some(_), Side::Request) => matches!(location, Location::Part | Location::Payload),
        (Some(_), Side::Response) => location == Location::Payload,
        (None, _) => false,
    };
    if contains(at.ty, &Ty::Bytes) && !(*at.ty == Ty::Bytes && bytes_place) {
        cx.err(
            pos,
            format!(
                "field `{}` is `{}`: bytes travel alone, not inside a document or a parameter",
                at.wire,
                at.ty.spec_name()
            ),
        )
        .hint = Some(
            "a request field of type `bytes` has `location: part` (a multipart file part) or \
             `location: payload` (the whole body); a response field, `location: payload`"
                .into(),
        );
    }
    let json_place = at.side == Side::Response
        || at.protocol.is_none()
        || matches!(
            location,
            Location::Body | Location::Payload | Location::Param | Location::Part
        );
    if contains(at.ty, &Ty::Json) && !json_place {
        cx.err(
            pos,
            format!(
                "field `{}` is `{}`, which has no text form for `location: {}`",
                at.wire,
                at.ty.spec_name(),
                location.spec_name()
            ),
        )
        .hint = Some("send any JSON value in the body (`location: body` or `payload`)".into());
    }
}

/// Where a field travels: its `location:` if the protocol allows it, else the protocol's default.
fn location_of(cx: &mut Cx<'_>, at: &At<'_>) -> Location {
    let (f, side, protocol) = (at.f, at.side, at.protocol);
    let default = match (protocol, side) {
        (Some(p), Side::Request) => p.default_location,
        _ => Location::Param,
    };
    let Some(l) = &f.location else {
        return default;
    };
    let Some(p) = protocol else {
        cx.err(
            l.pos,
            "`location` applies to an operation's request and response fields only",
        )
        .hint = Some("a named type's fields are where the type is".into());
        return default;
    };
    if side == Side::Response {
        // A response field is a member of the body unless it is read from a header or is
        // the whole body.
        return match Location::from_spec_name(&l.value) {
            Some(loc @ (Location::Header | Location::Payload)) if p.locations.contains(&loc) => loc,
            _ => {
                let names: Vec<&str> = [Location::Header, Location::Payload]
                    .into_iter()
                    .filter(|l| p.locations.contains(l))
                    .map(|l| l.spec_name())
                    .collect();
                let d = cx.err(
                    l.pos,
                    format!("`location: {}` does not apply to a response field", l.value),
                );
                d.hint = Some(if names.is_empty() {
                    format!(
                        "protocol `{}` reads every response field from the body; drop `location`",
                        p.name
                    )
                } else {
                    format!(
                        "one of {} (or none: a member of the body)",
                        names.join(", ")
                    )
                });
                default
            }
        };
    }
    if p.locations.is_empty() {
        cx.err(
            l.pos,
            format!("`location` is not used by protocol `{}`", p.name),
        )
        .hint = Some(format!(
            "protocol `{}` sends every parameter in one place; drop `location`",
            p.name
        ));
        return default;
    }
    let names: Vec<&str> = p.locations.iter().map(|l| l.spec_name()).collect();
    match Location::from_spec_name(&l.value) {
        Some(loc) if p.locations.contains(&loc) => loc,
        Some(_) => {
            cx.err(
                l.pos,
                format!("protocol `{}` sends no field in `{}`", p.name, l.value),
            )
            .hint = Some(format!(
                "one of {} (or none: `{}`, the protocol's usual place)",
                names.join(", "),
                default.spec_name()
            ));
            default
        }
        None => {
            cx.err(l.pos, format!("unknown location `{}`", l.value))
                .hint = Some(format!("one of {}", names.join(", ")));
            default
        }
    }
}

/// Parses a type expression: `string`, `list<T>`, `map<string, T>`, or a type name.
fn parse_ty(
    cx: &mut Cx<'_>,
    s: &Str,
    format: Option<&Str>,
    names: &BTreeSet<String>,
) -> Option<Ty> {
    let t = s.value.trim();
    if let Some(inner) = t.strip_prefix("list<").and_then(|r| r.strip_suffix('>')) {
        let inner = Str {
            value: inner.to_owned(),
            pos: s.pos,
        };
        return parse_ty(cx, &inner, format, names).map(|t| Ty::List(Box::new(t)));
    }
    if let Some(inner) = t.strip_prefix("map<").and_then(|r| r.strip_suffix('>')) {
        let Some((k, v)) = inner.split_once(',') else {
            cx.err(s.pos, format!("bad map type `{t}`")).hint =
                Some("write `map<string, T>`".into());
            return None;
        };
        if k.trim() != "string" {
            cx.err(
                s.pos,
                format!("map keys must be `string`, found `{}`", k.trim()),
            );
            return None;
        }
        let inner = Str {
            value: v.trim().to_owned(),
            pos: s.pos,
        };
        return parse_ty(cx, &inner, format, names).map(|t| Ty::Map(Box::new(t)));
    }
    Some(match t {
        "string" => Ty::Str,
        "bool" => Ty::Bool,
        "i32" => Ty::I32,
        "i64" => Ty::I64,
        "u32" => Ty::U32,
        "u64" => Ty::U64,
        "f64" => Ty::F64,
        "bytes" => Ty::Bytes,
        "json" => Ty::Json,
        "timestamp" => {
            let name = format.map_or("iso8601", |f| f.value.as_str());
            match TIME_FORMATS.iter().find(|(n, _)| *n == name) {
                Some((_, marker)) => Ty::Timestamp(marker),
                None => {
                    let f = format.expect("default format is known");
                    let d = cx.err(f.pos, format!("unknown timestamp format `{name}`"));
                    d.hint = Some(format!(
                        "one of {}",
                        TIME_FORMATS
                            .iter()
                            .map(|(n, _)| *n)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                    return None;
                }
            }
        }
        name if names.contains(name) => Ty::Named(name.to_owned()),
        other => {
            let candidates = PRIMITIVES
                .iter()
                .copied()
                .chain(names.iter().map(String::as_str));
            let d = cx.err(s.pos, format!("unknown type `{other}`"));
            d.hint = Some(match did_you_mean(other, candidates) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!(
                    "types are {}, list<T>, map<string, T>, or a name under `types:`",
                    PRIMITIVES.join(", ")
                ),
            });
            return None;
        }
    })
}
