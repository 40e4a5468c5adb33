//! The hand-written `overlay.yaml` of a service directory: additions the catalogue lacks,
//! applied at import time. Every key is checked; problems name the file, the position and
//! the key path.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use codegen::yaml::{Kind, Node};

use super::tencent::Api;

/// Field keys an overlay may set, in the order they are written.
pub const FIELD_KEYS: &[&str] = &[
    "required",
    "sensitive",
    "valid_for",
    "unit",
    "min",
    "max",
    "format",
    "rust_name",
    "doc",
    "example",
    "idempotency_token",
];

/// A member's additions: key → value rendered as a YAML flow scalar/collection.
pub type FieldSet = BTreeMap<String, String>;

#[derive(Default, Debug)]
pub struct OpOverlay {
    /// Top-level keys of the operation file (`idempotent`, `rate_limit`, `pagination`,
    /// `waiters`; `pagination: false` keeps the paging rule off), rendered.
    pub top: Vec<(String, String)>,
    pub request: BTreeMap<String, (FieldSet, String)>,
    pub response: BTreeMap<String, (FieldSet, String)>,
    /// Rendered flow mappings.
    pub errors: Vec<String>,
    pub path: String,
}

#[derive(Default, Debug)]
pub struct Overlay {
    pub ops: BTreeMap<String, OpOverlay>,
    /// Catalogue object name → member → (keys, located path for errors).
    pub types: BTreeMap<String, BTreeMap<String, (FieldSet, String)>>,
    pub type_paths: BTreeMap<String, String>,
    /// The service's documented error codes (Huawei: from its error-code page), each with
    /// its located path.
    pub errors: Vec<(ServiceError, String)>,
}

/// One row of an overlay's service-level `errors:`.
#[derive(Default, Debug, Clone)]
pub struct ServiceError {
    pub code: String,
    pub message: Option<String>,
    pub status: Option<i128>,
    pub doc: Option<String>,
    pub variant: Option<String>,
    pub retryable: Option<String>,
}

/// Keys of a service-level error row.
const SERVICE_ERROR_KEYS: &str = "code, message, status, doc, variant, retryable";

fn service_errors(file: &str, n: &Node, errs: &mut Vec<String>) -> Vec<(ServiceError, String)> {
    let Kind::Seq(items) = &n.kind else {
        errs.push(at(file, n, "$.errors", "expected a list"));
        return Vec::new();
    };
    let mut out = Vec::new();
    for (i, e) in items.iter().enumerate() {
        let p = format!("$.errors[{i}]");
        let mut row = ServiceError::default();
        for (k, kn, v) in map(file, e, &p, errs) {
            match (k.as_str(), &v.kind) {
                ("code", Kind::Str(_) | Kind::Int(_)) => {
                    row.code = v.scalar_text().unwrap_or_default()
                }
                ("message", Kind::Str(s)) => row.message = Some(s.clone()),
                ("doc", Kind::Str(s)) => row.doc = Some(s.clone()),
                ("variant", Kind::Str(s)) if codegen::naming::is_pascal_ident(s) => {
                    row.variant = Some(s.clone())
                }
                ("status", Kind::Int(s)) if (100..600).contains(s) => row.status = Some(*s),
                ("retryable", Kind::Bool(_)) => row.retryable = Some(flow(v)),
                ("retryable", Kind::Str(s)) if s == "always" => row.retryable = Some(flow(v)),
                ("code" | "message" | "doc" | "variant" | "status" | "retryable", _) => {
                    errs.push(at(file, v, &format!("{p}.{k}"), "value of the wrong kind"))
                }
                _ => errs.push(at(
                    file,
                    kn,
                    &format!("{p}.{k}"),
                    format!("unknown key (allowed: {SERVICE_ERROR_KEYS})"),
                )),
            }
        }
        if row.code.is_empty() {
            errs.push(at(file, e, &p, "an error needs `code`"));
            continue;
        }
        out.push((row, at(file, e, &p, "")));
    }
    out
}

fn at(file: &str, n: &Node, path: &str, msg: impl std::fmt::Display) -> String {
    format!("{file}:{}:{}: {path}: {msg}", n.pos.line, n.pos.col)
}

fn map<'a>(
    file: &str,
    n: &'a Node,
    path: &str,
    errs: &mut Vec<String>,
) -> Vec<(String, &'a Node, &'a Node)> {
    match &n.kind {
        Kind::Map(kv) => kv
            .iter()
            .filter_map(|(k, v)| match k.scalar_text() {
                Some(t) => Some((t, k, v)),
                None => {
                    errs.push(at(file, k, path, "a key must be a scalar"));
                    None
                }
            })
            .collect(),
        Kind::Null => Vec::new(),
        other => {
            errs.push(at(
                file,
                n,
                path,
                format!("expected a mapping, found {}", other.describe()),
            ));
            Vec::new()
        }
    }
}

/// A YAML flow rendering of a node: strings as JSON strings.
pub fn flow(n: &Node) -> String {
    match &n.kind {
        Kind::Null => "null".into(),
        Kind::Bool(b) => b.to_string(),
        Kind::Int(i) => i.to_string(),
        Kind::Float(f) => float(*f),
        Kind::Str(s) => json_str(s),
        Kind::Seq(items) => format!(
            "[{}]",
            items.iter().map(flow).collect::<Vec<_>>().join(", ")
        ),
        Kind::Map(kv) => {
            let items: Vec<String> = kv
                .iter()
                .map(|(k, v)| format!("{}: {}", key(&k.scalar_text().unwrap_or_default()), flow(v)))
                .collect();
            format!("{{ {} }}", items.join(", "))
        }
    }
}

/// A float that reads back as a float.
pub fn float(f: f64) -> String {
    let s = f.to_string();
    if s.contains(['.', 'e', 'E', 'i', 'N']) {
        s
    } else {
        format!("{s}.0")
    }
}

pub fn json_str(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

/// A mapping key: bare when a plain identifier, else a JSON string.
pub fn key(s: &str) -> String {
    let plain = s.starts_with(|c: char| c.is_ascii_alphabetic())
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !matches!(
            s.to_ascii_lowercase().as_str(),
            "true" | "false" | "null" | "yes" | "no" | "on" | "off" | "y" | "n"
        );
    if plain { s.to_owned() } else { json_str(s) }
}

fn fields(file: &str, n: &Node, path: &str, errs: &mut Vec<String>) -> FieldSet {
    let mut out = FieldSet::new();
    for (k, kn, v) in map(file, n, path, errs) {
        let p = format!("{path}.{k}");
        let ok = match k.as_str() {
            "required" | "idempotency_token" => matches!(v.kind, Kind::Bool(_)),
            "doc" | "valid_for" | "unit" | "format" => matches!(v.kind, Kind::Str(_)),
            "rust_name" => matches!(&v.kind, Kind::Str(s)
                if codegen::naming::is_snake_ident(s) && !codegen::naming::is_keyword(s)),
            "sensitive" => matches!(v.kind, Kind::Bool(_) | Kind::Str(_)),
            "example" | "min" | "max" => !matches!(v.kind, Kind::Seq(_) | Kind::Map(_)),
            _ => {
                errs.push(at(
                    file,
                    kn,
                    &p,
                    format!("unknown key (allowed: {})", FIELD_KEYS.join(", ")),
                ));
                continue;
            }
        };
        if !ok {
            errs.push(at(file, v, &p, "value of the wrong kind"));
            continue;
        }
        out.insert(k, flow(v));
    }
    out
}

fn members(
    file: &str,
    n: &Node,
    path: &str,
    errs: &mut Vec<String>,
) -> BTreeMap<String, (FieldSet, String)> {
    let mut out = BTreeMap::new();
    for (k, kn, v) in map(file, n, path, errs) {
        let p = format!("{path}.{k}");
        let located = at(file, kn, &p, "");
        out.insert(k, (fields(file, v, &p, errs), located));
    }
    out
}

/// Parses `text` (the overlay at `file`): what could be read, and every problem.
pub fn parse(file: &str, text: &str) -> (Overlay, Vec<String>) {
    let root = match codegen::yaml::parse(file, text) {
        Ok(r) => r,
        Err(d) => return (Overlay::default(), vec![d.to_string()]),
    };
    let mut errs = Vec::new();
    let mut ov = Overlay::default();
    for (k, kn, v) in map(file, &root, "$", &mut errs) {
        match k.as_str() {
            "operations" => {
                for (op, on, body) in map(file, v, "operations", &mut errs) {
                    let path = format!("operations.{op}");
                    let mut o = OpOverlay {
                        path: at(file, on, &path, ""),
                        ..OpOverlay::default()
                    };
                    for (k, kn, v) in map(file, body, &path, &mut errs) {
                        let p = format!("{path}.{k}");
                        match k.as_str() {
                            "idempotent" if matches!(v.kind, Kind::Bool(_)) => {
                                o.top.push((k, flow(v)))
                            }
                            "rate_limit" if matches!(v.kind, Kind::Map(_)) => {
                                o.top.push((k, flow(v)))
                            }
                            "pagination" if matches!(v.kind, Kind::Map(_) | Kind::Bool(false)) => {
                                o.top.push((k, flow(v)))
                            }
                            "waiters" if matches!(v.kind, Kind::Map(_)) => {
                                o.top.push((k, flow(v)))
                            }
                            "idempotent" | "rate_limit" | "pagination" | "waiters" => {
                                errs.push(at(file, v, &p, "value of the wrong kind"))
                            }
                            "request" => o.request = members(file, v, &p, &mut errs),
                            "response" => o.response = members(file, v, &p, &mut errs),
                            "errors" => match &v.kind {
                                Kind::Seq(items) => {
                                    for (i, e) in items.iter().enumerate() {
                                        let ep = format!("{p}[{i}]");
                                        let kv = map(file, e, &ep, &mut errs);
                                        if !kv.iter().any(|(k, _, _)| k == "code") {
                                            errs.push(at(file, e, &ep, "an error needs `code`"));
                                        }
                                        for (k, kn, _) in &kv {
                                            if !matches!(
                                                k.as_str(),
                                                "code" | "doc" | "retryable" | "variant"
                                            ) {
                                                errs.push(at(
                                                    file,
                                                    kn,
                                                    &format!("{ep}.{k}"),
                                                    "unknown key (allowed: code, doc, retryable, variant)",
                                                ));
                                            }
                                        }
                                        o.errors.push(flow(e));
                                    }
                                }
                                _ => errs.push(at(file, v, &p, "expected a list")),
                            },
                            _ => errs.push(at(
                                file,
                                kn,
                                &p,
                                "unknown key (allowed: idempotent, rate_limit, pagination, waiters, request, response, errors)",
                            )),
                        }
                    }
                    ov.ops.insert(op, o);
                }
            }
            "types" => {
                for (t, tn, body) in map(file, v, "types", &mut errs) {
                    let p = format!("types.{t}");
                    ov.type_paths.insert(t.clone(), at(file, tn, &p, ""));
                    ov.types.insert(t, members(file, body, &p, &mut errs));
                }
            }
            "errors" => ov.errors = service_errors(file, v, &mut errs),
            _ => errs.push(at(
                file,
                kn,
                &format!("$.{k}"),
                "unknown key (allowed: operations, types, errors)",
            )),
        }
    }
    (ov, errs)
}

/// Unknown operations, types and members of the overlay, against the catalogue.
pub fn check(ov: &Overlay, api: &Api, hand_written: &BTreeSet<String>) -> Vec<String> {
    let mut errs = Vec::new();
    if let Some((_, loc)) = ov.errors.first() {
        errs.push(format!(
            "{loc}a Tencent service's error codes come from its SDK's `errorcodes.py`: \
             give an operation's own under `operations.<Action>.errors`"
        ));
    }
    let members_of = |obj: &str| -> Vec<&str> {
        api.objects
            .get(obj)
            .map(|o| o.members.iter().map(|m| m.name.as_str()).collect())
            .unwrap_or_default()
    };
    let check_members =
        |errs: &mut Vec<String>, given: &BTreeMap<String, (FieldSet, String)>, obj: &str| {
            let known = members_of(obj);
            for (m, (_, loc)) in given {
                if !known.contains(&m.as_str()) {
                    errs.push(format!("{loc}unknown member {m:?} of {obj}"));
                }
            }
        };
    for (op, o) in &ov.ops {
        let Some(a) = api.actions.get(op) else {
            errs.push(format!(
                "{}unknown operation {op:?} in {}",
                o.path,
                api.rel()
            ));
            continue;
        };
        if hand_written.contains(op) {
            errs.push(format!(
                "{}{op:?} is hand-written, so the import leaves it alone: put these additions in its own spec",
                o.path
            ));
            continue;
        }
        check_members(&mut errs, &o.request, &a.input);
        check_members(&mut errs, &o.response, &a.output);
    }
    for (t, ms) in &ov.types {
        if api.objects.contains_key(t) {
            check_members(&mut errs, ms, t);
        } else {
            let loc = ov.type_paths.get(t).cloned().unwrap_or_default();
            errs.push(format!("{loc}unknown type {t:?} in {}", api.rel()));
        }
    }
    errs
}

/// How `service.yaml` records the overlay it was imported with (followed by the digest).
pub const DIGEST_LINE: &str = "# overlay.yaml at import, FNV-1a 64: ";

/// The overlay text's FNV-1a 64-bit hash, in hex: not a secret or a signature, only what
/// tells `gen` that an overlay changed after the import it was applied by.
pub fn digest(text: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    // Line ends as git may check them out (`\r\n` on Windows) do not change the overlay.
    for b in text.replace("\r\n", "\n").bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// Every overlay under `specs` that differs from what its `service.yaml` was imported with
/// (edited, added or removed since): one message each, naming the file and the fix. An
/// overlay only takes effect through the import, so an edit without one would pass unseen.
pub fn stale(specs: &Path, base: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut dirs = vec![specs.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        // Directories only, not links to them (a link loop would never end).
        let mut subdirs: Vec<PathBuf> = entries
            .flatten()
            .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
            .map(|e| e.path())
            .collect();
        subdirs.sort();
        dirs.extend(subdirs);
        let service = dir.join("service.yaml");
        let Ok(svc) = std::fs::read_to_string(&service) else {
            continue;
        };
        if !svc.starts_with(super::MARK) {
            continue; // hand-written: overlays apply to imported services only
        }
        let recorded = svc
            .lines()
            .take_while(|l| l.starts_with('#'))
            .find_map(|l| l.strip_prefix(DIGEST_LINE));
        let ov = dir.join("overlay.yaml");
        let actual = std::fs::read_to_string(&ov).ok().map(|t| digest(&t));
        let rel = |p: &Path| p.strip_prefix(base).unwrap_or(p).display().to_string();
        let what = match (recorded, actual.as_deref()) {
            (Some(r), Some(a)) if r == a => continue,
            (None, None) => continue,
            (Some(_), Some(_)) => "was edited after the import",
            (None, Some(_)) => "was added after the import",
            (Some(_), None) => "was removed after the import",
        };
        // The header names the importer that wrote the specs (`cargo xtask import huawei`).
        let importer = svc
            .split("`cargo xtask import ")
            .nth(1)
            .and_then(|r| r.split('`').next())
            .unwrap_or("tencent");
        out.push(format!(
            "{}: {what}, so the specs beside it do not hold it: re-run `cargo xtask import {importer}` for this service (README: \"Importing\")",
            rel(&ov)
        ));
    }
    out.sort();
    out
}

/// The `errors:` rows an overlay adds to one operation's spec, if any.
pub fn write_op_errors(out: &mut String, ov: Option<&OpOverlay>) {
    use std::fmt::Write as _;
    if let Some(o) = ov.filter(|o| !o.errors.is_empty()) {
        out.push_str("errors:\n");
        for e in &o.errors {
            let _ = writeln!(out, "  - {e}");
        }
    }
}

/// A service-level error code an overlay lists twice, located.
pub fn repeated_codes(ov: &Overlay) -> Vec<String> {
    let mut codes = BTreeSet::new();
    let mut errs = Vec::new();
    for (e, loc) in &ov.errors {
        if !codes.insert(e.code.as_str()) {
            errs.push(format!("{loc}error code {:?} is listed twice", e.code));
        }
    }
    errs
}
