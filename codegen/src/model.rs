//! The resolved model: every name decided, every type resolved, every spec rule checked.
//! Nothing downstream of this module can fail.

use std::collections::{BTreeMap, BTreeSet};

use crate::diag::{Diag, Diagnostics, Pos};
use crate::naming::{did_you_mean, is_keyword, is_pascal_ident, is_snake_ident, pascal, snake};
use crate::spec::{ErrorRow, FieldSpec, Num, OpSpec, ProtocolSpec, Str, TypeBody};

/// Units a numeric field may declare, and the factor to bytes where it is a size.
pub const UNITS: &[(&str, Option<u64>)] = &[
    ("B", Some(1)),
    ("KiB", Some(1024)),
    ("MiB", Some(1024 * 1024)),
    ("s", None),
    ("ms", None),
];

/// Timestamp formats: spec name → runtime marker type.
pub const TIME_FORMATS: &[(&str, &str)] = &[
    ("iso8601", "Iso8601"),
    ("datetime-cst", "DateTimeCst"),
    ("datetime-utc", "DateTimeUtc"),
];

/// Names the generated code uses unqualified (std prelude): a spec type may not shadow them.
pub const PRELUDE: &[&str] = &[
    "Option",
    "Some",
    "None",
    "Result",
    "Ok",
    "Err",
    "String",
    "Vec",
    "Box",
    "From",
    "Into",
    "Default",
    "Clone",
    "Debug",
    "PartialEq",
    "Eq",
    "Hash",
    "Send",
    "Sync",
    "Sized",
    "Drop",
    "Fn",
    "FnMut",
    "FnOnce",
    "Iterator",
    "IntoIterator",
    "ToString",
    "ToOwned",
    "AsRef",
    "AsMut",
    "Copy",
    "Ord",
    "PartialOrd",
    "Extend",
];

const PRIMITIVES: &[&str] = &[
    "string",
    "bool",
    "i32",
    "i64",
    "u32",
    "u64",
    "f64",
    "timestamp",
];

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ty {
    Str,
    Bool,
    I32,
    I64,
    U32,
    U64,
    F64,
    /// Runtime marker type name of the format.
    Timestamp(&'static str),
    List(Box<Ty>),
    Map(Box<Ty>),
    /// A named type of the same spec, by its Rust name.
    Named(String),
}

impl Ty {
    pub fn is_number(&self) -> bool {
        matches!(self, Ty::I32 | Ty::I64 | Ty::U32 | Ty::U64 | Ty::F64)
    }
    pub fn is_integer(&self) -> bool {
        matches!(self, Ty::I32 | Ty::I64 | Ty::U32 | Ty::U64)
    }
    fn int_bounds(&self) -> Option<(f64, f64)> {
        Some(match self {
            Ty::I32 => (i32::MIN as f64, i32::MAX as f64),
            Ty::I64 => (i64::MIN as f64, i64::MAX as f64),
            Ty::U32 => (0.0, u32::MAX as f64),
            Ty::U64 => (0.0, u64::MAX as f64),
            _ => return None,
        })
    }
    /// Spec spelling, for messages.
    pub fn spec_name(&self) -> String {
        match self {
            Ty::Str => "string".into(),
            Ty::Bool => "bool".into(),
            Ty::I32 => "i32".into(),
            Ty::I64 => "i64".into(),
            Ty::U32 => "u32".into(),
            Ty::U64 => "u64".into(),
            Ty::F64 => "f64".into(),
            Ty::Timestamp(_) => "timestamp".into(),
            Ty::List(t) => format!("list<{}>", t.spec_name()),
            Ty::Map(t) => format!("map<string, {}>", t.spec_name()),
            Ty::Named(n) => n.clone(),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sensitivity {
    None,
    Secret,
    SignedUrl,
}

pub use sdk_core::{Location, Retry, catalog::Role};

#[derive(Clone, Debug)]
pub struct Field {
    pub wire: String,
    pub ident: String,
    pub ty: Ty,
    pub required: bool,
    pub doc: Option<String>,
    pub example: Option<String>,
    pub min: Option<Num>,
    pub max: Option<Num>,
    pub unit: Option<String>,
    /// Factor to bytes when the unit is a size other than bytes.
    pub bytes_factor: Option<u64>,
    pub json_string: bool,
    pub location: Location,
    pub sensitive: Sensitivity,
    pub valid_for: Option<String>,
    pub aliases: Vec<String>,
    pub boxed: bool,
}

#[derive(Clone, Debug)]
pub struct EnumValue {
    pub wire: String,
    pub ident: String,
    pub doc: Option<String>,
}

#[derive(Clone, Debug)]
pub enum TypeKind {
    Object(Vec<Field>),
    Enum(Vec<EnumValue>),
}

#[derive(Clone, Debug)]
pub struct NamedType {
    pub name: String,
    pub doc: Option<String>,
    pub kind: TypeKind,
    pub in_request: bool,
    pub in_response: bool,
}

#[derive(Clone, Debug)]
pub struct ErrorVariant {
    pub code: String,
    pub variant: String,
    pub message: Option<String>,
    pub doc: Option<String>,
    pub retryable: Retry,
    pub status: Option<u16>,
    /// What the protocol means by the code when refusing a request (protocol rows only).
    pub roles: Vec<Role>,
}

#[derive(Clone, Debug, Default)]
pub struct Envelope {
    pub wrapper: Option<String>,
    pub error_object: Option<String>,
    pub code_field: String,
    pub message_field: String,
    pub success_code: Option<String>,
    pub request_id_field: Option<String>,
    pub request_id_header: Option<String>,
    pub status_errors: bool,
    pub clock_skew_codes: Vec<String>,
}

#[derive(Clone, Debug)]
pub struct Protocol {
    pub name: String,
    pub file: String,
    pub provider: String,
    pub title: String,
    pub doc: String,
    pub signing: Option<String>,
    /// The runtime protocol implementing it (variant, credentials type).
    pub runtime: sdk_core::Protocol,
    /// Locations a request field may name (empty: `location:` is not used).
    pub locations: Vec<Location>,
    /// Where a request field without `location:` goes.
    pub default_location: Location,
    /// Path parameters the signer fills from the credentials when unset.
    pub credential_params: Vec<String>,
    pub max_skew_seconds: Option<i64>,
    pub refusal_status: u16,
    /// Module and constant stem, e.g. `tencent_v2`.
    pub module: String,
    /// Common error enum, e.g. `TencentV2Error`.
    pub error_enum: String,
    pub method: String,
    pub path: String,
    pub envelope: Envelope,
    pub common_params: Vec<(String, String)>,
    pub errors: Vec<ErrorVariant>,
}

#[derive(Clone, Debug)]
pub struct Sample {
    pub name: String,
    /// Path relative to the spec root, for messages and test names.
    pub file: String,
    pub text: String,
    pub status: u16,
    pub doc: Option<String>,
    /// Where the sample's `name` is in the spec, for messages.
    pub pos: Pos,
}

#[derive(Clone, Debug)]
pub struct Operation {
    pub spec_file: String,
    pub wire_name: String,
    pub snake: String,
    pub pascal: String,
    pub protocol: usize,
    pub provider: String,
    pub service: String,
    pub version: Option<String>,
    pub endpoint: String,
    pub method: String,
    pub path: String,
    pub idempotent: bool,
    pub rate_limit: Option<f64>,
    pub doc: String,
    pub request: Vec<Field>,
    pub response: Vec<Field>,
    pub types: Vec<NamedType>,
    pub errors: Vec<ErrorVariant>,
    pub samples: Vec<Sample>,
}

#[derive(Clone, Debug, Default)]
pub struct Model {
    pub protocols: Vec<Protocol>,
    pub ops: Vec<Operation>,
}

impl Model {
    /// Provider names (modules and cargo features), sorted, each once.
    pub fn providers(&self) -> Vec<&str> {
        let mut providers: Vec<&str> = self.protocols.iter().map(|p| p.provider.as_str()).collect();
        providers.sort();
        providers.dedup();
        providers
    }
}

/// Reads a sample file relative to a spec file; `Err` carries the I/O error text.
pub type ReadSample<'a> = &'a dyn Fn(&str, &str) -> Result<String, String>;

struct Cx<'a> {
    file: &'a str,
    diags: &'a mut Diagnostics,
}

impl Cx<'_> {
    fn err(&mut self, pos: Pos, msg: impl Into<String>) -> &mut Diag {
        self.diags.push(Diag::new(self.file, pos, msg));
        self.diags.0.last_mut().expect("just pushed")
    }
}

/// Resolves protocols and operations, reporting every problem.
pub fn resolve(
    protocols: Vec<ProtocolSpec>,
    ops: Vec<OpSpec>,
    read: ReadSample<'_>,
    diags: &mut Diagnostics,
) -> Model {
    let mut model = Model::default();
    for p in protocols {
        if let Some(p) = resolve_protocol(p, diags) {
            if let Some(prev) = model.protocols.iter().find(|q| q.name == p.name) {
                let file = prev.file.clone();
                diags.push(
                    Diag::new(
                        &p.file,
                        Pos { line: 1, col: 1 },
                        format!("duplicate protocol `{}`", p.name),
                    )
                    .hint(format!("also defined in {file}")),
                );
                continue;
            }
            model.protocols.push(p);
        }
    }
    model.protocols.sort_by(|a, b| a.name.cmp(&b.name));
    let mut seen: BTreeMap<(String, String, String), (String, Pos)> = BTreeMap::new();
    for spec in ops {
        let key_pos = spec.operation.pos;
        let Some(op) = resolve_op(&model, spec, read, diags) else {
            continue;
        };
        let key = (op.provider.clone(), op.service.clone(), op.snake.clone());
        if let Some((file, pos)) = seen.get(&key) {
            diags.push(
                Diag::new(
                    &op.spec_file,
                    key_pos,
                    format!(
                        "duplicate operation `{}` in {}::{}",
                        op.wire_name, op.provider, op.service
                    ),
                )
                .hint(format!("first defined at {file}:{}:{}", pos.line, pos.col)),
            );
            continue;
        }
        seen.insert(key, (op.spec_file.clone(), key_pos));
        model.ops.push(op);
    }
    check_service_type_clashes(&model, diags);
    model.ops.sort_by(|a, b| {
        (&a.provider, &a.service, &a.snake).cmp(&(&b.provider, &b.service, &b.snake))
    });
    model
}

fn check_service_type_clashes(model: &Model, diags: &mut Diagnostics) {
    // Types are re-exported at service level, so two operations of a service cannot share a type name.
    let mut seen: BTreeMap<(String, String, String), String> = BTreeMap::new();
    for op in &model.ops {
        for t in &op.types {
            let key = (op.provider.clone(), op.service.clone(), t.name.clone());
            if let Some(other) = seen.insert(key, op.spec_file.clone()) {
                diags.push(
                    Diag::new(
                        &op.spec_file,
                        Pos { line: 1, col: 1 },
                        format!(
                            "type `{}` is also defined by {other} in the same service",
                            t.name
                        ),
                    )
                    .hint("rename one of them: service modules re-export every type"),
                );
            }
        }
    }
}

fn resolve_errors(
    cx: &mut Cx<'_>,
    rows: Vec<ErrorRow>,
    allow_message_names: bool,
    reserved: &[&str],
) -> Vec<ErrorVariant> {
    let mut out: Vec<ErrorVariant> = Vec::new();
    let mut by_variant: BTreeMap<String, (String, Pos)> = BTreeMap::new();
    let mut by_code: BTreeMap<String, Pos> = BTreeMap::new();
    for row in rows {
        let code = row.code.value.clone();
        if let Some(first) = by_code.get(&code) {
            cx.err(row.code.pos, format!("duplicate error code `{code}`"))
                .hint = Some(format!("first listed at line {}:{}", first.line, first.col));
            continue;
        }
        by_code.insert(code.clone(), row.code.pos);
        let (variant, pos) = match &row.variant {
            Some(v) => {
                if !is_pascal_ident(&v.value) {
                    cx.err(
                        v.pos,
                        format!("error variant `{}` is not a PascalCase identifier", v.value),
                    )
                    .hint = Some(format!("try `{}`", pascal(&v.value)));
                    continue;
                }
                (v.value.clone(), v.pos)
            }
            None => {
                let alpha = code.starts_with(|c: char| c.is_ascii_alphabetic());
                match (&row.message, alpha) {
                    (_, true) => (pascal(&code), row.code.pos),
                    (Some(m), false) if allow_message_names && !m.trim().is_empty() => {
                        (pascal(m), row.pos)
                    }
                    _ => {
                        cx.err(
                            row.code.pos,
                            format!("error code `{code}` needs an explicit `variant:` name"),
                        )
                        .hint = Some(
                            "numeric codes get their variant from `message`, or from `variant:`"
                                .into(),
                        );
                        continue;
                    }
                }
            }
        };
        if reserved.contains(&variant.as_str()) {
            cx.err(pos, format!("error variant name `{variant}` is reserved"))
                .hint = Some("choose another `variant:` name".into());
            continue;
        }
        if let Some((other, first)) = by_variant.get(&variant) {
            cx.err(
                pos,
                format!("duplicate error variant `{variant}` (codes `{other}` and `{code}`)"),
            )
            .hint = Some(format!(
                "codes that share a message need distinct names: add `variant:` to this row (first use at line {}:{})",
                first.line, first.col
            ));
            continue;
        }
        by_variant.insert(variant.clone(), (code.clone(), pos));
        let mut roles = Vec::new();
        for r in &row.roles {
            match Role::from_spec_name(&r.value) {
                Some(role) if allow_message_names => {
                    let _ = role;
                    cx.err(r.pos, "`roles` apply to a protocol's error rows only");
                }
                Some(role) => roles.push(role),
                None => {
                    let names: Vec<&str> = Role::ALL.iter().map(|r| r.spec_name()).collect();
                    cx.err(r.pos, format!("unknown role `{}`", r.value)).hint =
                        Some(format!("one of {}", names.join(", ")));
                }
            }
        }
        out.push(ErrorVariant {
            code,
            variant,
            message: row.message,
            doc: row.doc,
            retryable: match row.retryable {
                crate::spec::Retry::Never => Retry::Never,
                crate::spec::Retry::IfIdempotent => Retry::IfIdempotent,
                crate::spec::Retry::Always => Retry::Always,
            },
            status: row.status,
            roles,
        });
    }
    out
}

fn resolve_protocol(p: ProtocolSpec, diags: &mut Diagnostics) -> Option<Protocol> {
    let file = p.file.clone();
    let cx = &mut Cx { file: &file, diags };
    let runtime = p.runtime.as_ref().and_then(|r| {
        let found = sdk_core::Protocol::from_variant_name(&r.value);
        if found.is_none() {
            let names: Vec<&str> = sdk_core::Protocol::ALL
                .iter()
                .map(|p| p.variant_name())
                .collect();
            cx.err(
                r.pos,
                format!("unknown runtime protocol `{}`: the runtime implements none such", r.value),
            )
            .hint = Some(format!("known runtime protocols: {}", names.join(", ")));
        }
        found
    });
    let mut locations = Vec::new();
    for l in &p.locations {
        match Location::from_spec_name(&l.value) {
            Some(loc) if loc != Location::Param => locations.push(loc),
            _ => {
                cx.err(l.pos, format!("unknown location `{}`", l.value)).hint =
                    Some("one of path, query, header, body".into());
            }
        }
    }
    let default_location = match &p.default_location {
        None => Location::Param,
        Some(l) => match Location::from_spec_name(&l.value) {
            Some(loc) if loc == Location::Param || locations.contains(&loc) => loc,
            _ => {
                cx.err(l.pos, format!("default location `{}` is not `param` or one of `allowed`", l.value));
                Location::Param
            }
        },
    };
    let int = |cx: &mut Cx<'_>, n: Option<crate::spec::Num>, what: &str| -> Option<i64> {
        let n = n?;
        if n.is_int && n.value >= 0.0 && n.value < 1e9 {
            Some(n.value as i64)
        } else {
            cx.err(n.pos, format!("`{what}` must be a whole non-negative number, found {}", n.value));
            None
        }
    };
    let max_skew_seconds = int(cx, p.max_skew_seconds, "max_skew_seconds");
    let refusal_status = match int(cx, p.refusal_status, "refusal_status") {
        Some(s @ 100..=599) => s as u16,
        Some(s) => {
            cx.err(p.refusal_status.map_or(Pos::default(), |n| n.pos), format!("`refusal_status` must be an HTTP status, found {s}"));
            400
        }
        None => 400,
    };
    let credential_params: Vec<String> = p.credential_params.iter().map(|c| c.value.clone()).collect();
    if !is_snake_ident(&p.provider.value) {
        cx.err(
            p.provider.pos,
            format!(
                "provider `{}` must be a lowercase identifier",
                p.provider.value
            ),
        );
    }
    let errors = resolve_errors(cx, p.errors, false, &["Unhandled"]);
    let (method, path) = match &p.http {
        Some(h) => (check_method(cx, &h.method), h.path.value.clone()),
        None => ("POST".to_owned(), "/".to_owned()),
    };
    let e = p.envelope;
    for c in &e.clock_skew_codes {
        if !errors.iter().any(|r| r.code == c.value) {
            cx.err(
                c.pos,
                format!(
                    "clock-skew code `{}` is not one of this protocol's `errors`",
                    c.value
                ),
            );
        }
    }
    let s = |v: Option<Str>| v.map(|s| s.value);
    let module = snake(&p.protocol.value);
    Some(Protocol {
        error_enum: format!("{}Error", pascal(&p.protocol.value)),
        name: p.protocol.value,
        file: p.file,
        provider: p.provider.value,
        title: p.title,
        doc: p.doc,
        signing: p.signing,
        runtime: runtime?,
        locations,
        default_location,
        credential_params,
        max_skew_seconds,
        refusal_status,
        module,
        method,
        path,
        envelope: Envelope {
            wrapper: s(e.wrapper),
            error_object: s(e.error_object),
            code_field: s(e.code_field).unwrap_or_default(),
            message_field: s(e.message_field).unwrap_or_default(),
            success_code: s(e.success_code),
            request_id_field: s(e.request_id_field),
            request_id_header: s(e.request_id_header),
            status_errors: e.status_errors,
            clock_skew_codes: e.clock_skew_codes.into_iter().map(|c| c.value).collect(),
        },
        common_params: p
            .common_params
            .into_iter()
            .map(|(n, d)| (n.value, d))
            .collect(),
        errors,
    })
}

fn check_method(cx: &mut Cx<'_>, m: &Str) -> String {
    const METHODS: &[&str] = &["GET", "POST", "PUT", "DELETE"];
    if !METHODS.contains(&m.value.as_str()) {
        let d = cx.err(m.pos, format!("unsupported HTTP method `{}`", m.value));
        d.hint = Some(format!("one of {}", METHODS.join(", ")));
    }
    m.value.clone()
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

#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Request,
    Response,
}

fn resolve_fields(
    cx: &mut Cx<'_>,
    specs: &[FieldSpec],
    side: Side,
    protocol: Option<&Protocol>,
    names: &BTreeSet<String>,
    owner: &str,
) -> Vec<Field> {
    let mut out = Vec::new();
    let mut idents: BTreeMap<String, (String, Pos)> = BTreeMap::new();
    let mut wires: BTreeMap<String, Pos> = BTreeMap::new();
    for f in specs {
        let wire = f.name.value.clone();
        let ident = match &f.rust_name {
            Some(r) => {
                if !is_snake_ident(&r.value) || is_keyword(&r.value) {
                    cx.err(
                        r.pos,
                        format!(
                            "`rust_name: {}` is not a usable snake_case identifier",
                            r.value
                        ),
                    );
                    continue;
                }
                r.value.clone()
            }
            None => {
                let s = snake(&wire);
                if is_keyword(&s) {
                    let d = cx.err(
                        f.name.pos,
                        format!("field `{wire}` of {owner} is the Rust keyword `{s}`"),
                    );
                    d.hint = Some(format!(
                        "add `rust_name: {s}_` (or a better name); the wire name stays `{wire}`"
                    ));
                    continue;
                }
                if s.is_empty() {
                    cx.err(
                        f.name.pos,
                        format!("field name `{wire}` has no letters or digits"),
                    );
                    continue;
                }
                s
            }
        };
        if let Some((other, pos)) = idents.get(&ident) {
            let d = cx.err(
                f.name.pos,
                format!("fields `{other}` and `{wire}` of {owner} both become `{ident}` in Rust"),
            );
            d.hint = Some(format!(
                "give one of them a `rust_name:` (`{other}` is at line {}:{})",
                pos.line, pos.col
            ));
            continue;
        }
        idents.insert(ident.clone(), (wire.clone(), f.name.pos));
        wires.insert(wire.clone(), f.name.pos);
        let Some(ty) = parse_ty(cx, &f.ty, f.format.as_ref(), names) else {
            continue;
        };
        if let Some(fmt) = &f.format
            && !matches!(ty, Ty::Timestamp(_))
        {
            cx.err(fmt.pos, "`format` applies only to `timestamp` fields");
        }
        // Ranges.
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
        let mut bytes_factor = None;
        if let Some(u) = &f.unit {
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
                    if factor.is_some_and(|f| f > 1) && ty.is_integer() {
                        bytes_factor = *factor;
                    }
                }
            }
        }
        let mut json_string = false;
        if let Some(e) = &f.encoding {
            if e.value != "json" {
                cx.err(e.pos, format!("unknown encoding `{}`", e.value))
                    .hint = Some(
                    "the only encoding is `json` (a value sent as a JSON document in a string)"
                        .into(),
                );
            } else if side == Side::Response {
                cx.err(e.pos, "`encoding: json` applies to request fields only");
            } else {
                json_string = true;
            }
        }
        let location = resolve_location(cx, f, side, protocol);
        let sensitive = match f.sensitive.as_ref().map(|s| (s.value.as_str(), s.pos)) {
            None => Sensitivity::None,
            Some(("true", _)) => Sensitivity::Secret,
            Some(("signed-url", pos)) => {
                let ok = match &ty {
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
        };
        let mut aliases = Vec::new();
        for a in &f.aliases {
            if side == Side::Request {
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
        out.push(Field {
            wire,
            ident,
            ty,
            required: f.required,
            doc: f.doc.clone(),
            example: f.example.clone(),
            min: f.min,
            max: f.max,
            unit: f.unit.as_ref().map(|u| u.value.clone()),
            bytes_factor,
            json_string,
            location,
            sensitive,
            valid_for: f.valid_for.clone(),
            aliases,
            boxed: false,
        });
    }
    // Aliases must not collide with other wire names.
    for f in &out {
        for a in &f.aliases {
            if let Some(pos) = wires.get(a) {
                cx.err(
                    *pos,
                    format!("alias `{a}` of `{}` is also a field of {owner}", f.wire),
                );
            }
        }
    }
    out
}

/// Where a field travels: its `location:` if the protocol allows it, else the protocol's default.
fn resolve_location(
    cx: &mut Cx<'_>,
    f: &FieldSpec,
    side: Side,
    protocol: Option<&Protocol>,
) -> Location {
    let default = match (protocol, side) {
        (Some(p), Side::Request) => p.default_location,
        _ => Location::Param,
    };
    let Some(l) = &f.location else {
        return default;
    };
    let Some(p) = protocol.filter(|_| side == Side::Request) else {
        cx.err(l.pos, "`location` applies to request fields only");
        return default;
    };
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
    match Location::from_spec_name(&l.value) {
        Some(loc) if p.locations.contains(&loc) => loc,
        _ => {
            let names: Vec<&str> = p.locations.iter().map(|l| l.spec_name()).collect();
            cx.err(l.pos, format!("unknown location `{}`", l.value)).hint =
                Some(format!("one of {}", names.join(", ")));
            default
        }
    }
}

fn resolve_op(
    model: &Model,
    spec: OpSpec,
    read: ReadSample<'_>,
    diags: &mut Diagnostics,
) -> Option<Operation> {
    let file = spec.file.clone();
    let cx = &mut Cx { file: &file, diags };
    let protocol_idx = model
        .protocols
        .iter()
        .position(|p| p.name == spec.protocol.value);
    if protocol_idx.is_none() {
        let names: Vec<&str> = model.protocols.iter().map(|p| p.name.as_str()).collect();
        let d = cx.err(
            spec.protocol.pos,
            format!("unknown protocol `{}`", spec.protocol.value),
        );
        d.hint = Some(
            match did_you_mean(&spec.protocol.value, names.iter().copied()) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!("protocols in specs/protocols: {}", names.join(", ")),
            },
        );
    }
    let protocol = protocol_idx.map(|i| &model.protocols[i]);
    let wire_name = spec.operation.value.clone();
    let (op_snake, op_pascal) = (snake(&wire_name), pascal(&wire_name));
    if op_snake.trim_matches('_').is_empty() {
        cx.err(
            spec.operation.pos,
            format!("operation name `{wire_name}` has no letters"),
        );
    }
    if !is_snake_ident(&spec.service.value) || is_keyword(&spec.service.value) {
        let d = cx.err(
            spec.service.pos,
            format!(
                "service `{}` must be a lowercase identifier",
                spec.service.value
            ),
        );
        d.hint = Some(format!("try `{}`", snake(&spec.service.value)));
    }
    // Named types.
    let reserved: BTreeSet<String> = ["Request", "RequestBuilder", "Response", "Error"]
        .iter()
        .map(|s| format!("{op_pascal}{s}"))
        .chain(["Client", "OPERATION"].map(str::to_owned))
        .chain(PRELUDE.iter().map(|s| (*s).to_owned()))
        .collect();
    let mut names = BTreeSet::new();
    for t in &spec.types {
        if !is_pascal_ident(&t.name.value) {
            let d = cx.err(
                t.name.pos,
                format!("type name `{}` is not PascalCase", t.name.value),
            );
            d.hint = Some(format!("try `{}`", pascal(&t.name.value)));
        } else if reserved.contains(&t.name.value) {
            cx.err(
                t.name.pos,
                format!(
                    "type name `{}` collides with a generated or prelude name",
                    t.name.value
                ),
            )
            .hint = Some(format!("rename it, e.g. `{}Info`", t.name.value));
        } else {
            names.insert(t.name.value.clone());
        }
    }
    let mut types = Vec::new();
    for t in &spec.types {
        if !names.contains(&t.name.value) {
            continue;
        }
        let kind = match &t.body {
            TypeBody::Object(fields) => TypeKind::Object(resolve_fields(
                cx,
                fields,
                Side::Response,
                None,
                &names,
                &format!("type `{}`", t.name.value),
            )),
            TypeBody::Enum(values) => TypeKind::Enum(resolve_enum(cx, values, &t.name.value)),
        };
        types.push(NamedType {
            name: t.name.value.clone(),
            doc: t.doc.clone(),
            kind,
            in_request: false,
            in_response: false,
        });
    }
    let request = resolve_fields(
        cx,
        &spec.request,
        Side::Request,
        protocol,
        &names,
        "the request",
    );
    let response = resolve_fields(
        cx,
        &spec.response,
        Side::Response,
        protocol,
        &names,
        "the response",
    );
    for f in &request {
        if f.sensitive == Sensitivity::SignedUrl {
            cx.err(
                spec.operation.pos,
                format!(
                    "request field `{}` cannot be `sensitive: signed-url`",
                    f.wire
                ),
            );
        }
    }
    mark_usage(&mut types, &request, &response);
    for t in &types {
        if !t.in_request && !t.in_response {
            let pos = spec
                .types
                .iter()
                .find(|s| s.name.value == t.name)
                .map_or(Pos::default(), |s| s.name.pos);
            cx.err(pos, format!("type `{}` is never used", t.name)).hint =
                Some("remove it, or refer to it from a field".into());
        }
    }
    box_recursion(&mut types);
    let (method, path) = match (&spec.http, protocol) {
        (Some(h), _) => (check_method(cx, &h.method), h.path.value.clone()),
        (None, Some(p)) => (p.method.clone(), p.path.clone()),
        (None, None) => ("POST".into(), "/".into()),
    };
    check_path_params(cx, &spec, protocol, &path, &request);
    if let Some(rl) = spec.rate_limit
        && rl.value <= 0.0
    {
        cx.err(
            rl.pos,
            format!(
                "`rate_limit.per_second` must be positive, found {}",
                rl.value
            ),
        );
    }
    let errors = resolve_errors(cx, spec.errors.clone(), true, &["Common", "Unhandled"]);
    let mut samples = Vec::new();
    for s in &spec.samples {
        match read(&file, &s.file.value) {
            Err(e) => {
                cx.err(
                    s.file.pos,
                    format!("sample file `{}` cannot be read: {e}", s.file.value),
                )
                .hint = Some("sample paths are relative to the spec file".into());
            }
            Ok(text) => samples.push(Sample {
                name: s.name.value.clone(),
                file: s.file.value.clone(),
                text,
                status: s.status,
                doc: s.doc.clone(),
                pos: s.name.pos,
            }),
        }
    }
    let op = Operation {
        spec_file: file.clone(),
        wire_name,
        snake: op_snake,
        pascal: op_pascal,
        protocol: protocol_idx?,
        provider: protocol?.provider.clone(),
        service: spec.service.value.clone(),
        version: spec.version.map(|v| v.value),
        endpoint: spec.endpoint.value.clone(),
        method,
        path,
        idempotent: spec.idempotent,
        rate_limit: spec.rate_limit.map(|r| r.value),
        doc: spec.doc.clone(),
        request,
        response,
        types,
        errors,
        samples,
    };
    for (i, sample) in op.samples.iter().enumerate() {
        if op.samples[..i]
            .iter()
            .any(|other| other.name == sample.name)
        {
            cx.err(
                sample.pos,
                format!("duplicate sample name `{}`", sample.name),
            );
        } else if let Err(e) = crate::sample::check(&op, &model.protocols[op.protocol], sample) {
            cx.err(
                sample.pos,
                format!(
                    "sample `{}` ({}) does not decode: {e}",
                    sample.name, sample.file
                ),
            );
        }
    }
    Some(op)
}

fn resolve_enum(
    cx: &mut Cx<'_>,
    values: &[crate::spec::EnumValueSpec],
    owner: &str,
) -> Vec<EnumValue> {
    let mut out: Vec<EnumValue> = Vec::new();
    for v in values {
        let ident = match &v.rust_name {
            Some(r) if is_pascal_ident(&r.value) => r.value.clone(),
            Some(r) => {
                cx.err(
                    r.pos,
                    format!("`rust_name: {}` is not a PascalCase identifier", r.value),
                );
                continue;
            }
            None => pascal(&v.value.value),
        };
        if ident == "Unknown" {
            cx.err(
                v.value.pos,
                format!(
                    "enum `{owner}` value `{}` takes the name of the fallback `Unknown`",
                    v.value.value
                ),
            )
            .hint = Some("give it a `rust_name:`".into());
            continue;
        }
        if let Some(prev) = out
            .iter()
            .find(|e| e.ident == ident || e.wire == v.value.value)
        {
            cx.err(
                v.value.pos,
                format!(
                    "enum `{owner}` values `{}` and `{}` both become `{ident}`",
                    prev.wire, v.value.value
                ),
            )
            .hint = Some("give one a `rust_name:`".into());
            continue;
        }
        out.push(EnumValue {
            wire: v.value.value.clone(),
            ident,
            doc: v.doc.clone(),
        });
    }
    out
}

fn named_in(ty: &Ty, out: &mut Vec<String>) {
    match ty {
        Ty::List(t) | Ty::Map(t) => named_in(t, out),
        Ty::Named(n) => out.push(n.clone()),
        _ => {}
    }
}

fn mark_usage(types: &mut [NamedType], request: &[Field], response: &[Field]) {
    for (side, fields) in [(Side::Request, request), (Side::Response, response)] {
        let mut stack: Vec<String> = Vec::new();
        fields.iter().for_each(|f| named_in(&f.ty, &mut stack));
        let mut seen = BTreeSet::new();
        while let Some(n) = stack.pop() {
            if !seen.insert(n.clone()) {
                continue;
            }
            if let Some(t) = types.iter_mut().find(|t| t.name == n) {
                match side {
                    Side::Request => t.in_request = true,
                    Side::Response => t.in_response = true,
                }
                if let TypeKind::Object(fs) = &t.kind {
                    fs.iter().for_each(|f| named_in(&f.ty, &mut stack));
                }
            }
        }
    }
}

/// Boxes a direct (not list/map) reference to a type that leads back to its owner.
fn box_recursion(types: &mut [NamedType]) {
    let direct: BTreeMap<String, Vec<String>> = types
        .iter()
        .map(|t| {
            let refs = match &t.kind {
                TypeKind::Object(fs) => fs
                    .iter()
                    .filter_map(|f| {
                        if let Ty::Named(n) = &f.ty {
                            Some(n.clone())
                        } else {
                            None
                        }
                    })
                    .collect(),
                TypeKind::Enum(_) => Vec::new(),
            };
            (t.name.clone(), refs)
        })
        .collect();
    let reaches = |from: &str, to: &str| {
        let mut stack = vec![from.to_owned()];
        let mut seen = BTreeSet::new();
        while let Some(n) = stack.pop() {
            if n == to {
                return true;
            }
            if seen.insert(n.clone()) {
                stack.extend(direct.get(&n).into_iter().flatten().cloned());
            }
        }
        false
    };
    for t in types.iter_mut() {
        let owner = t.name.clone();
        if let TypeKind::Object(fs) = &mut t.kind {
            for f in fs {
                if let Ty::Named(n) = &f.ty {
                    f.boxed = reaches(n, &owner);
                }
            }
        }
    }
}

fn check_path_params(
    cx: &mut Cx<'_>,
    spec: &OpSpec,
    protocol: Option<&Protocol>,
    path: &str,
    request: &[Field],
) {
    let pos = spec
        .http
        .as_ref()
        .map_or(spec.operation.pos, |h| h.path.pos);
    let mut in_path = BTreeSet::new();
    let mut rest = path;
    while let Some(start) = rest.find('{') {
        let Some(end) = rest[start..].find('}') else {
            cx.err(pos, format!("unclosed `{{` in path `{path}`"));
            return;
        };
        in_path.insert(rest[start + 1..start + end].to_owned());
        rest = &rest[start + end + 1..];
    }
    for name in &in_path {
        match request.iter().find(|f| &f.wire == name) {
            Some(f) if f.location == Location::Path => {
                // The protocol's signer fills its credential parameters when left unset.
                let from_credentials = protocol.is_some_and(|p| p.credential_params.contains(name));
                if !f.required && !from_credentials {
                    let filled = protocol.map_or(String::new(), |p| p.credential_params.join(", "));
                    cx.err(
                        pos,
                        format!("path parameter `{name}` must be `required: true` (only the protocol's credential parameters may be left unset: {})", if filled.is_empty() { "none" } else { &filled }),
                    );
                }
            }
            _ => {
                cx.err(pos, format!("path `{path}` has `{{{name}}}` but no request field `{name}` with `location: path`"));
            }
        }
    }
    for f in request.iter().filter(|f| f.location == Location::Path) {
        if !in_path.contains(&f.wire) {
            cx.err(
                pos,
                format!(
                    "request field `{}` has `location: path` but path `{path}` has no `{{{}}}`",
                    f.wire, f.wire
                ),
            );
        }
    }
}
