//! Renders one UCloud service ([`super::ucloud::Service`]) as spec files: `service.yaml`
//! (the nested schemas as types, the overlay's error codes) and one file per action.
//!
//! Rules (also in `specs/README.md`):
//! - Every field is a form parameter of the POST (`specs/protocols/ucloud.yaml`); nested
//!   schemas are types, flattened on the wire as `Key.N.Field` by the runtime.
//! - `Str`/`Base64` → `string`, `Int` → `i64`, `Bool` → `bool`, `Float` → `f64`; an `Int`
//!   documented as a timestamp in seconds → `timestamp` with `format: unix-seconds`.
//! - A request field is `required` as its schema says; responses are read leniently, so no
//!   response field or response type member is required.
//! - An action is `idempotent` when its name starts with a verb that only reads and the SDK
//!   does not turn retries off for it (`max_retries = 0`).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use super::overlay::{FieldSet, OpOverlay, Overlay, json_str};
use super::secrets::secret_name;
use super::spec_line::Line;
use super::ucloud::{Action, Schema, Service, UTy};
use super::yaml_out::{rust_names, type_names_for};
use super::{MARK, reads};

/// Host of every service (UCloud has one API gateway; the region is a parameter).
pub const ENDPOINT: &str = "api.ucloud.cn";

#[derive(Debug, Default, Clone)]
pub struct UStats {
    pub operations: usize,
    pub skipped: usize,
    pub types: usize,
    pub error_codes: usize,
    /// Integers documented as Unix seconds, imported as timestamps.
    pub unix_seconds: usize,
    pub idempotent: usize,
    /// Actions given a `pagination:` by the paging rule.
    pub paginated: usize,
    pub no_retry: usize,
    pub base64: usize,
}

/// The spec name of a service: its package name (`uai_modelverse`).
pub fn spec_service(service: &str) -> String {
    super::huawei::spec_service(service)
}

fn ty_text(ty: &UTy, names: &BTreeMap<String, String>) -> String {
    match ty {
        UTy::Str | UTy::Base64 => "string".into(),
        UTy::Int => "i64".into(),
        UTy::Bool => "bool".into(),
        UTy::Float => "f64".into(),
        UTy::List(t) => format!("list<{}>", ty_text(t, names)),
        UTy::Schema(s) => names.get(s).cloned().unwrap_or_else(|| s.clone()),
    }
}

/// An integer whose doc says it is a timestamp in seconds ("Unix时间戳", "10位数时间戳",
/// "创建时间戳", "Unix timestamp"), not milliseconds: `timestamp` with `format: unix-seconds`
/// (the wire value stays the integer).
fn unix_seconds(ty: &UTy, doc: &str) -> bool {
    let lower = doc.to_lowercase();
    *ty == UTy::Int
        && (lower.contains("时间戳") || lower.contains("timestamp"))
        && ![
            "毫秒",
            "13位",
            "millisecond",
            "ms级",
            "纳秒",
            "微秒",
            "(ms)",
            "（ms）",
            "单位ms",
            "单位：ms",
        ]
        .iter()
        .any(|m| lower.contains(m))
}

/// The spec type and timestamp format of a field.
fn field_ty(
    ty: &UTy,
    doc: &str,
    names: &BTreeMap<String, String>,
) -> (String, Option<&'static str>) {
    if unix_seconds(ty, doc) {
        ("timestamp".into(), Some("unix-seconds"))
    } else {
        (ty_text(ty, names), None)
    }
}

/// A string (or list of strings) named like a secret.
fn sensitive(ty: &UTy, wire: &str) -> bool {
    let strings = match ty {
        UTy::Str | UTy::Base64 => true,
        UTy::List(t) => matches!(**t, UTy::Str | UTy::Base64),
        _ => false,
    };
    let flat: String = wire
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase();
    strings && secret_name(&flat)
}

/// The SDK's reStructuredText links (`` `text <url>`_ ``, or `__`) as `text (url)`: plain
/// prose, which the generator's prose converter renders with the URL as a link.
pub fn rst_links(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('`') {
        let after = &rest[open + 1..];
        let link = after.find("`_").and_then(|close| {
            let inner = &after[..close];
            let (label, url) = inner.strip_suffix('>')?.rsplit_once('<')?;
            let url = url.trim();
            (url.starts_with("http") && !url.contains(char::is_whitespace))
                .then(|| (label.trim(), url, close))
        });
        out.push_str(&rest[..open]);
        match link {
            Some((label, url, close)) => {
                if label.is_empty() {
                    out.push_str(url);
                } else {
                    out.push_str(&format!("{label} ({url})"));
                }
                let tail = &after[close + 2..];
                rest = tail.strip_prefix('_').unwrap_or(tail);
            }
            None => {
                out.push('`');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The doc of a field: the SDK's text, and for a `Base64` field what the caller passes.
fn field_doc(ty: &UTy, doc: Option<&str>) -> String {
    let doc = rst_links(doc.unwrap_or_default().trim());
    if *ty == UTy::Base64 {
        let note = "Sent base64-encoded: pass the encoded text (the vendor's SDK encodes it).";
        if doc.is_empty() {
            note.to_owned()
        } else {
            format!("{doc} {note}")
        }
    } else {
        doc
    }
}

fn extra<'o>(
    given: Option<&'o BTreeMap<String, (FieldSet, String)>>,
    wire: &str,
) -> Option<&'o FieldSet> {
    given.and_then(|g| g.get(wire)).map(|(set, _)| set)
}

/// The files of one service, relative to its directory.
pub fn render(
    s: &Service,
    tool: &str,
    skip: &BTreeSet<String>,
    overlay: Option<(&Overlay, &str)>,
    stats: &mut UStats,
) -> Vec<(String, Vec<u8>)> {
    let (ov, digest) = (overlay.map(|(o, _)| o), overlay.map(|(_, d)| d));
    let spec_service = spec_service(&s.name);
    let header = format!(
        "{MARK} `cargo xtask import ucloud` from {tool} `{}`; do not edit: re-run the import.\n",
        s.name
    );
    let accepted: Vec<&Action> = s
        .actions
        .iter()
        .filter(|a| {
            let hand = skip.contains(&a.name);
            stats.skipped += usize::from(hand);
            !hand
        })
        .collect();
    // Nested schemas reached by the accepted actions (their own request and response are
    // not types). Every action reaches its own, so a skipped one's types stay out.
    let mut used = BTreeSet::new();
    for a in &accepted {
        for root in [&a.request, &a.response] {
            for f in &s.schemas[root.as_str()].fields {
                s.reach(&f.ty, &mut used);
            }
        }
    }
    let mut in_responses = BTreeSet::new();
    for a in &accepted {
        for f in &s.schemas[a.response.as_str()].fields {
            s.reach(&f.ty, &mut in_responses);
        }
    }
    // Type names from the schema's doc name (`KeyPair`), made unique; a name both modules
    // use is told apart by module (`FooModel` for the response model).
    let mut doc_count: BTreeMap<&str, usize> = BTreeMap::new();
    for q in &used {
        *doc_count.entry(s.schemas[q].doc_name()).or_default() += 1;
    }
    let doc_names: BTreeMap<String, String> = used
        .iter()
        .map(|q| {
            let doc = s.schemas[q].doc_name();
            let key = if doc_count[doc] > 1 && q.starts_with("models.") {
                format!("{doc}Model")
            } else {
                doc.to_owned()
            };
            (key, q.clone())
        })
        .collect();
    let by_doc = type_names_for(
        &spec_service,
        accepted.iter().map(|a| a.name.as_str()),
        &doc_names.keys().cloned().collect(),
    );
    let names: BTreeMap<String, String> = doc_names
        .iter()
        .map(|(doc, q)| (q.clone(), by_doc[doc].clone()))
        .collect();

    let mut svc = header.clone();
    if let Some(d) = digest {
        let _ = writeln!(svc, "{}{d}", super::overlay::DIGEST_LINE);
    }
    let _ = writeln!(svc, "service: {spec_service}");
    let _ = writeln!(svc, "protocol: ucloud");
    let _ = writeln!(svc, "endpoint: {ENDPOINT}");
    let _ = writeln!(
        svc,
        "doc: {}",
        json_str(&format!(
            "UCloud `{}` API (imported from the vendor's Python SDK, {tool}).",
            s.name
        ))
    );
    if !used.is_empty() {
        svc.push_str("types:\n");
    }
    // In the order of their Rust names, so the file reads like the crate's `types`.
    let mut ordered: Vec<(&String, &String)> = names.iter().map(|(q, n)| (n, q)).collect();
    ordered.sort();
    for (name, q) in ordered {
        let schema: &Schema = &s.schemas[q];
        stats.types += 1;
        let _ = writeln!(svc, "  {name}:");
        let _ = writeln!(
            svc,
            "    doc: {}",
            json_str(&format!("`{}` of the vendor's SDK.", schema.doc_name()))
        );
        if schema.fields.is_empty() {
            svc.push_str("    fields: {}\n");
            continue;
        }
        svc.push_str("    fields:\n");
        // Required members only in a type no response reaches (a response is read leniently).
        let request_only = !in_responses.contains(q);
        let type_extra = ov.and_then(|o| o.types.get(schema.doc_name()));
        let renames = rust_names(schema.fields.iter().map(|f| f.wire.as_str()));
        for (f, rn) in schema.fields.iter().zip(renames) {
            let doc = field_doc(&f.ty, s.model_doc(schema, &f.key));
            stats.base64 += usize::from(f.ty == UTy::Base64);
            let (ty, format) = field_ty(&f.ty, &doc, &names);
            stats.unix_seconds += usize::from(format.is_some());
            Line {
                wire: &f.wire,
                ty,
                format,
                rust_name: rn,
                required: request_only && f.required,
                doc: &doc,
                sensitive: sensitive(&f.ty, &f.wire),
                deprecated: f.deprecated,
                extra: type_extra.and_then(|x| x.get(&f.wire)).map(|(set, _)| set),
                ..Line::default()
            }
            .write(&mut svc, 6);
        }
    }
    if let Some(o) = ov.filter(|o| !o.errors.is_empty()) {
        svc.push_str("errors:\n");
        svc.push_str(&super::huawei_out::error_rows(&o.errors));
        stats.error_codes += o.errors.len();
    }
    let mut files = vec![("service.yaml".to_owned(), svc.into_bytes())];
    for a in accepted {
        stats.operations += 1;
        let op_ov = ov.and_then(|o| o.ops.get(&a.name));
        files.push((
            format!("{}.yaml", codegen::naming::snake(&a.name)),
            op_spec(s, a, &header, &names, tool, op_ov, stats).into_bytes(),
        ));
    }
    files
}

/// The top-level members of `schema` as the paging rule (`super::paging`) sees them.
fn paging_members<'s>(
    s: &'s Service,
    schema: &str,
    docs: &'s BTreeMap<String, String>,
) -> Vec<super::paging::Member<'s>> {
    use super::paging::{Kind, Member};
    s.schemas[schema]
        .fields
        .iter()
        .map(|f| Member {
            wire: &f.wire,
            kind: match f.ty {
                UTy::Int => Kind::Integer,
                UTy::Str => Kind::Str,
                UTy::Bool => Kind::Bool,
                UTy::List(_) => Kind::List,
                _ => Kind::Other,
            },
            doc: docs.get(&f.key).map_or("", String::as_str),
        })
        .collect()
}

fn op_spec(
    s: &Service,
    a: &Action,
    header: &str,
    names: &BTreeMap<String, String>,
    tool: &str,
    ov: Option<&OpOverlay>,
    stats: &mut UStats,
) -> String {
    let mut out = header.to_owned();
    let _ = writeln!(out, "operation: {}", a.name);
    let _ = writeln!(
        out,
        "origin: {}",
        json_str(&format!("{tool} {} ({})", s.name, a.at))
    );
    let top = ov.map(|o| o.top.as_slice()).unwrap_or_default();
    stats.no_retry += usize::from(a.no_retry);
    if reads(&a.name) && !a.no_retry && !top.iter().any(|(k, _)| k == "idempotent") {
        stats.idempotent += 1;
        out.push_str("idempotent: true\n");
    }
    let doc = if a.doc.is_empty() { &a.name } else { &a.doc };
    let _ = writeln!(out, "doc: {}", json_str(&rst_links(doc)));
    // The importers' one paging rule; an overlay's `pagination:` wins (`false`: none).
    if !top.iter().any(|(k, _)| k == "pagination")
        && let Some(p) = super::paging::detect(
            &paging_members(s, &a.request, &a.request_docs),
            &paging_members(s, &a.response, &a.response_docs),
        )
    {
        stats.paginated += 1;
        let _ = writeln!(out, "pagination: {p}");
    }
    for (k, v) in top
        .iter()
        .filter(|(k, v)| !(k == "pagination" && v == "false"))
    {
        let _ = writeln!(out, "{k}: {v}");
    }
    let (req_extra, resp_extra) = (ov.map(|o| &o.request), ov.map(|o| &o.response));
    for (section, schema, docs, given, is_request) in [
        ("request", &a.request, &a.request_docs, req_extra, true),
        ("response", &a.response, &a.response_docs, resp_extra, false),
    ] {
        let fields = &s.schemas[schema.as_str()].fields;
        if fields.is_empty() {
            continue;
        }
        let _ = writeln!(out, "{section}:");
        let renames = rust_names(fields.iter().map(|f| f.wire.as_str()));
        for (f, rn) in fields.iter().zip(renames) {
            let doc = field_doc(&f.ty, docs.get(&f.key).map(String::as_str));
            stats.base64 += usize::from(f.ty == UTy::Base64);
            let (ty, format) = field_ty(&f.ty, &doc, names);
            stats.unix_seconds += usize::from(format.is_some());
            Line {
                wire: &f.wire,
                ty,
                format,
                rust_name: rn,
                required: is_request && f.required,
                doc: &doc,
                sensitive: sensitive(&f.ty, &f.wire),
                deprecated: f.deprecated,
                extra: extra(given, &f.wire),
                ..Line::default()
            }
            .write(&mut out, 2);
        }
    }
    super::overlay::write_op_errors(&mut out, ov);
    out
}

/// What in an overlay names nothing of this service: unknown actions (or hand-written
/// ones), members, types (by the SDK's model name); repeated error codes.
pub fn check_overlay(ov: &Overlay, s: &Service, skip: &BTreeSet<String>) -> Vec<String> {
    let mut errs = Vec::new();
    let unknown_members = |errs: &mut Vec<String>,
                           given: &BTreeMap<String, (FieldSet, String)>,
                           schema: &Schema,
                           what: &str| {
        for (m, (_, loc)) in given {
            if !schema.fields.iter().any(|f| &f.wire == m) {
                errs.push(format!("{loc}unknown member {m:?} of {what}"));
            }
        }
    };
    for (name, o) in &ov.ops {
        let Some(a) = s.actions.iter().find(|a| &a.name == name) else {
            errs.push(format!("{}unknown action {name:?} in {}", o.path, s.name));
            continue;
        };
        if skip.contains(name) {
            errs.push(format!(
                "{}{name:?} is hand-written, so the import leaves it alone: put these additions in its own spec",
                o.path
            ));
            continue;
        }
        let (req, resp) = (
            &s.schemas[a.request.as_str()],
            &s.schemas[a.response.as_str()],
        );
        unknown_members(&mut errs, &o.request, req, &format!("{name}'s request"));
        unknown_members(&mut errs, &o.response, resp, &format!("{name}'s response"));
    }
    for (t, members) in &ov.types {
        match s.schemas.values().find(|sc| sc.doc_name() == t) {
            Some(schema) => unknown_members(&mut errs, members, schema, t),
            None => {
                let loc = ov.type_paths.get(t).cloned().unwrap_or_default();
                errs.push(format!("{loc}unknown model {t:?} in {}", s.name));
            }
        }
    }
    errs.extend(super::overlay::repeated_codes(ov));
    errs
}
