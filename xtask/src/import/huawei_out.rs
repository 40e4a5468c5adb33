//! Renders one API version of a Huawei service (`huawei::Version`) as specs: a
//! `service.yaml` with every model an operation reaches as a named type (an enum class as an
//! `enum:`), and one spec per operation (path, query, header and JSON-body parameters; the
//! body model as the `payload`; response headers as `location: header` fields and the SDK's
//! `body` member as the response `payload`; a form or multipart body model's members as
//! `form` fields or `part`s, a `file` member as a `bytes` file part; a stream response's
//! body as `bytes`; an `object` member as `json`). What the specs cannot say yet is refused
//! per operation with its cause, listed and counted, never half-rendered: BSON, XML and
//! octet-stream request bodies, a `file` inside a document, an object in a path, query,
//! header or form.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use super::MARK;
use super::huawei::{Attr, EnumValues, Loc, Model, Op, PyTy, Version};
use super::overlay::{FieldSet, Overlay, ServiceError, json_str, key};
use super::secrets::secret_name;
use super::spec_line::Line;
use super::yaml_out::rust_names;

/// What a render did, for the summary line.
#[derive(Debug, Default, Clone)]
pub struct HwStats {
    pub operations: usize,
    /// Operations given a `pagination:` by the paging rule.
    pub paginated: usize,
    pub types: usize,
    /// Operations skipped because a hand-written spec defines them.
    pub skipped: usize,
    /// Operations refused, by cause.
    pub refused: BTreeMap<String, usize>,
    /// Each refused operation: `service version Operation: cause (file:line)`.
    pub refusals: Vec<String>,
    /// Response fields read from headers.
    pub response_headers: usize,
    /// Models that took the Go SDK's facts, and Go structs that differ from their Python
    /// model (a release apart: not used).
    pub go_applied: usize,
    pub go_differ: usize,
    /// API versions all of whose operations were refused (nothing written for them).
    pub empty_versions: usize,
    /// Error codes the overlays gave the services.
    pub error_codes: usize,
}

/// Path parameters the signer fills from the credentials (`credential_params` of
/// `specs/protocols/huawei.yaml`): never required.
const CREDENTIAL_PARAMS: &[&str] = &["project_id", "domain_id"];

/// The spec name of a model: `<Name>Type` where the name is one a generated crate already
/// uses (`Client`, the service's error enum, an operation's `Request`/`Response`/`Error`/
/// `RequestBuilder`) or the prelude has (`codegen::model::PRELUDE`: `Option`, `Extend`…).
fn type_name(model: &str, ops: &BTreeSet<String>, error_enum: &str) -> String {
    let generated = ["Request", "Response", "Error", "RequestBuilder"]
        .iter()
        .any(|s| model.strip_suffix(s).is_some_and(|op| ops.contains(op)));
    if codegen::model::PRELUDE.contains(&model)
        || model == "Client"
        || model == error_enum
        || generated
    {
        format!("{model}Type")
    } else {
        model.to_owned()
    }
}

/// Each value of a string enum with a `rust_name` where codegen's PascalCase of the value
/// is not a usable, distinct variant name: the PascalCase of the SDK's constant, else
/// `Value<N>`.
fn enum_names(values: &[(String, String)]) -> Vec<(&str, Option<String>)> {
    use codegen::naming::{is_pascal_ident, pascal};
    let mut taken: BTreeSet<String> = BTreeSet::from(["Unknown".to_owned()]);
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for (i, (constant, value)) in values.iter().enumerate() {
        if !seen.insert(value.as_str()) {
            continue; // the same wire value under two constants: one variant
        }
        let usable =
            |n: &String, taken: &BTreeSet<String>| is_pascal_ident(n) && !taken.contains(n);
        let natural = pascal(value);
        let (name, rust_name) = if usable(&natural, &taken) {
            (natural, None)
        } else {
            let from_constant = pascal(constant);
            let name = if usable(&from_constant, &taken) {
                from_constant
            } else {
                (i..)
                    .map(|n| format!("Value{n}"))
                    .find(|n| !taken.contains(n))
                    .unwrap_or_default()
            };
            (name.clone(), Some(name))
        };
        taken.insert(name);
        out.push((value.as_str(), rust_name));
    }
    out
}

#[cfg(test)]
pub fn test_enum_names(values: &[(String, String)]) -> Vec<(&str, Option<String>)> {
    enum_names(values)
}

#[cfg(test)]
pub fn test_path_vars(path: &str) -> Vec<&str> {
    path_vars(path)
}

/// Why an operation cannot be rendered yet, if it cannot.
fn refusal(op: &Op, v: &Version) -> Option<String> {
    if !matches!(
        op.method.as_str(),
        "GET" | "POST" | "PUT" | "DELETE" | "PATCH" | "HEAD"
    ) {
        return Some(format!("method {}", op.method));
    }
    if op
        .params
        .iter()
        .any(|p| p.loc == Loc::Header && p.wire.eq_ignore_ascii_case("authorization"))
    {
        // IAM's federated token calls: the caller's id token is the `Authorization` header,
        // where the AK/SK signature goes; the specs cannot say "not signed" yet.
        return Some("its own Authorization header (not signed with AK/SK)".into());
    }
    if let Err(why) = body_kind(op) {
        return Some(why);
    }
    let Some(request) = v.models.get(&format!("{}Request", op.name)) else {
        return Some("no request model".into());
    };
    let Some(response) = v.models.get(&format!("{}Response", op.name)) else {
        return Some("no response model".into());
    };
    let mut reached = BTreeSet::from([request.name.clone(), response.name.clone()]);
    for a in request.attrs.iter().chain(&response.attrs) {
        reach(&a.ty, v, &mut reached);
    }
    if let Some(flaw) = reached
        .iter()
        .find_map(|m| v.models.get(m).and_then(|m| m.flaw.as_deref()))
    {
        return Some(format!("a model the SDK declares inconsistently ({flaw})"));
    }
    if let Err(why) = request_fields(op, v, request) {
        return Some(why);
    }
    let headers = lower(&op.response_headers);
    if response.stream {
        // The body is the file; the members the SDK lists must be its headers.
        return response
            .attrs
            .iter()
            .any(|a| !headers.contains(&a.wire.to_ascii_lowercase()))
            .then(|| "a file response with members besides headers".into());
    }
    if response.attrs.iter().any(|a| a.wire == "body")
        && response
            .attrs
            .iter()
            .any(|a| a.wire != "body" && !headers.contains(&a.wire.to_ascii_lowercase()))
    {
        return Some("a whole-body response with other members".into());
    }
    if response.attrs.iter().any(|a| {
        headers.contains(&a.wire.to_ascii_lowercase())
            && !matches!(
                a.ty,
                PyTy::Str | PyTy::Int | PyTy::Bool | PyTy::Float | PyTy::DateTime
            )
    }) {
        return Some("a response header that is not a scalar".into());
    }
    if response
        .attrs
        .iter()
        .any(|a| file_in(&a.ty, v, &mut BTreeSet::new()))
    {
        return Some("a `file` member inside a response document".into());
    }
    None
}

/// The kind of request body an operation's content type makes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum BodyKind {
    Json,
    /// `application/x-www-form-urlencoded`.
    Form,
    /// `multipart/form-data`.
    Multipart,
}

fn body_kind(op: &Op) -> Result<BodyKind, String> {
    let kind = match op.content_type.as_deref() {
        None => BodyKind::Json,
        Some(ct) if ct.starts_with("application/json") => BodyKind::Json,
        Some(ct) if ct.starts_with("multipart/form-data") => BodyKind::Multipart,
        Some(ct) if ct.starts_with("application/x-www-form-urlencoded") => BodyKind::Form,
        // BSON and XML bodies, octet streams: no encoder in the runtime yet.
        Some(ct) => return Err(format!("content type {ct}")),
    };
    if kind == BodyKind::Json && op.params.iter().any(|p| p.loc == Loc::Form) {
        return Err("form parameters under a JSON content type".into());
    }
    Ok(kind)
}

/// One request field as the spec will say it.
struct ReqField<'a> {
    wire: &'a str,
    location: &'static str,
    required: bool,
    csv: bool,
    attr: &'a Attr,
}

/// The request's fields: each parameter where the SDK puts it; a form or multipart body
/// model's members each a `form` field or a `part` (a `file` member a file part). Refuses
/// what the specs cannot carry: a member the request model lacks, an object or untyped
/// value in the path, query or headers (the SDK would send its Python repr), a `file`
/// anywhere but a multipart part, two fields of one wire name.
fn request_fields<'a>(
    op: &'a Op,
    v: &'a Version,
    request: &'a super::huawei::Model,
) -> Result<Vec<ReqField<'a>>, String> {
    let kind = body_kind(op)?;
    let form_place = match kind {
        BodyKind::Multipart => "part",
        _ => "form",
    };
    let mut out: Vec<ReqField<'a>> = Vec::new();
    for p in &op.params {
        let Some(a) = request.attrs.iter().find(|a| a.attr == p.attr) else {
            if p.loc == Loc::Form {
                // The SDK's client lists its body model's members as form parameters too,
                // but sends only the request's own attributes: these never travel.
                continue;
            }
            return Err(format!(
                "parameter `{}` is not in the request model",
                p.attr
            ));
        };
        let credential = CREDENTIAL_PARAMS.contains(&p.wire.as_str());
        let (location, required) = match p.loc {
            // The credentials fill `{project_id}` and `{domain_id}` when the request does not.
            Loc::Path => ("path", !credential),
            // A `domain_id` or `project_id` elsewhere is the account's too: never required
            // of the caller, whatever the Go SDK says.
            Loc::Query => ("query", a.required && !credential),
            Loc::Header => ("header", a.required && !credential),
            Loc::Form => (form_place, a.required),
            Loc::Body if kind == BodyKind::Json => ("payload", a.required),
            Loc::Body => {
                // The body model's members are the form's fields.
                let model = match &a.ty {
                    PyTy::Model(m) => v.models.get(m).filter(|m| m.values.is_none()),
                    _ => None,
                };
                let Some(model) = model else {
                    return Err(format!("a {form_place} body that is not a model"));
                };
                for member in &model.attrs {
                    out.push(ReqField {
                        wire: &member.wire,
                        location: form_place,
                        required: member.required,
                        csv: false,
                        attr: member,
                    });
                }
                continue;
            }
        };
        out.push(ReqField {
            wire: &p.wire,
            location,
            required,
            // A `csv` array of the SDK is one comma-separated value; `multi` is a key per
            // item, what a list in a query is by default.
            csv: p.collection.as_deref() == Some("csv") && matches!(a.ty, PyTy::List(_)),
            attr: a,
        });
    }
    let mut wires = BTreeSet::new();
    for f in &out {
        if !wires.insert(f.wire) {
            return Err(format!("two request fields named `{}`", f.wire));
        }
        let ty = &f.attr.ty;
        let file_part = f.location == "part" && *ty == PyTy::File;
        if !file_part && file_in(ty, v, &mut BTreeSet::new()) {
            return Err("a `file` member outside a multipart part".into());
        }
        let object = ty.is_object()
            || ty
                .models()
                .iter()
                .any(|m| v.models.get(*m).is_some_and(|model| model.values.is_none()));
        if object && matches!(f.location, "path" | "query" | "header" | "form") {
            return Err(format!("an object in the {}", f.location));
        }
    }
    Ok(out)
}

/// The `{name}` variables of a path template, wherever they sit in a segment
/// (`/floatingips/{region}:{floatingip_id}`).
fn path_vars(path: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = path;
    while let Some(start) = rest.find('{') {
        let Some(len) = rest[start..].find('}') else {
            break;
        };
        out.push(&rest[start + 1..start + len]);
        rest = &rest[start + len + 1..];
    }
    out
}

/// Header names, lowercased (HTTP header names are case-insensitive).
/// `pagination:` of `op` by the importers' rule (`super::paging`): its path, query and
/// header parameters against its response body's members.
fn paging(op: &Op, request: &Model, response: &Model) -> Option<String> {
    use super::paging::{Kind, Member, detect};
    let kind = |t: &PyTy| match t {
        PyTy::Int => Kind::Integer,
        PyTy::Str => Kind::Str,
        PyTy::Bool => Kind::Bool,
        PyTy::List(_) => Kind::List,
        _ => Kind::Other,
    };
    let req: Vec<Member<'_>> = op
        .params
        .iter()
        .filter(|p| matches!(p.loc, Loc::Path | Loc::Query | Loc::Header))
        .filter_map(|p| {
            let a = request.attrs.iter().find(|a| a.attr == p.attr)?;
            Some(Member {
                wire: &p.wire,
                kind: kind(&a.ty),
                doc: &a.doc,
            })
        })
        .collect();
    let headers = lower(&op.response_headers);
    let resp: Vec<Member<'_>> = response
        .attrs
        .iter()
        .filter(|a| !response.stream && a.wire != "body")
        .filter(|a| !headers.contains(&a.wire.to_ascii_lowercase()))
        .map(|a| Member {
            wire: &a.wire,
            kind: kind(&a.ty),
            doc: &a.doc,
        })
        .collect();
    detect(&req, &resp)
}

fn lower(names: &[String]) -> Vec<String> {
    names.iter().map(|h| h.to_ascii_lowercase()).collect()
}

/// Whether a `file` is anywhere in `ty` or the models it reaches.
fn file_in(ty: &PyTy, v: &Version, seen: &mut BTreeSet<String>) -> bool {
    ty.has_file()
        || ty.models().into_iter().any(|m| {
            seen.insert(m.to_owned())
                && v.models
                    .get(m)
                    .is_some_and(|model| model.attrs.iter().any(|a| file_in(&a.ty, v, seen)))
        })
}

/// Every model `ty` reaches, into `out`.
fn reach(ty: &PyTy, v: &Version, out: &mut BTreeSet<String>) {
    for m in ty.models() {
        if out.insert(m.to_owned())
            && let Some(model) = v.models.get(m)
        {
            for a in &model.attrs {
                reach(&a.ty, v, out);
            }
        }
    }
}

fn ty_text(ty: &PyTy, names: &BTreeMap<String, String>) -> String {
    match ty {
        PyTy::Str => "string".into(),
        // Any JSON value: a member the vendor leaves untyped.
        PyTy::Object => "json".into(),
        // Bytes: a file part, or a file response's body (placed by `request_fields` and
        // `op_spec`).
        PyTy::File => "bytes".into(),
        PyTy::Int => "i64".into(),
        PyTy::Bool => "bool".into(),
        PyTy::Float | PyTy::Decimal => "f64".into(),
        PyTy::DateTime => "timestamp".into(),
        PyTy::List(t) => format!("list<{}>", ty_text(t, names)),
        PyTy::Dict(t) => format!("map<string, {}>", ty_text(t, names)),
        PyTy::Model(m) => names.get(m).cloned().unwrap_or_else(|| m.clone()),
    }
}

/// `true` for a string (or list of strings) the SDK lists as sensitive or named like a secret.
fn sensitive(a: &Attr) -> bool {
    let strings = match &a.ty {
        PyTy::Str => true,
        PyTy::List(t) => **t == PyTy::Str,
        _ => false,
    };
    let flat: String = a
        .wire
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase();
    strings && (a.sensitive || secret_name(&flat))
}

/// A member of a model (a type's field or a response field) as a spec line.
fn member_line<'a>(
    a: &'a Attr,
    names: &BTreeMap<String, String>,
    rust_name: Option<String>,
) -> Line<'a> {
    let ty = ty_text(&a.ty, names);
    Line {
        wire: &a.wire,
        // The Go SDK's `int32` (a model name is never `i64`).
        ty: if a.int32 {
            ty.replace("i64", "i32")
        } else {
            ty
        },
        rust_name,
        doc: &a.doc,
        sensitive: sensitive(a),
        ..Line::default()
    }
}

/// The files of one version, relative to its directory, and what was refused.
pub fn render(
    v: &Version,
    tool: &str,
    skip: &BTreeSet<String>,
    overlay: Option<(&Overlay, &str)>,
    stats: &mut HwStats,
) -> Vec<(String, Vec<u8>)> {
    let (ov, digest) = (overlay.map(|(o, _)| o), overlay.map(|(_, d)| d));
    let header = format!(
        "{MARK} `cargo xtask import huawei` from {tool} `{}/{}`; do not edit: re-run the import.\n",
        v.package, v.version
    );
    let mut accepted: Vec<&Op> = Vec::new();
    let mut seen = BTreeSet::new();
    for op in &v.ops {
        if skip.contains(&op.name) {
            stats.skipped += 1;
        } else if let Some(why) = if seen.insert(op.name.clone()) {
            refusal(op, v)
        } else {
            Some("an operation name twice".into())
        } {
            // Counted by cause without the location; listed with it.
            let cause = why.split(" (").next().unwrap_or(&why).to_owned();
            stats.refusals.push(format!(
                "{} {} {}: {why} ({})",
                v.service, v.version, op.name, op.at
            ));
            *stats.refused.entry(cause).or_default() += 1;
        } else {
            accepted.push(op);
        }
    }
    if accepted.is_empty() {
        // Nothing to generate (kvs: every operation has a BSON body): no service.yaml, so
        // no crate of nothing; files of an earlier import are deleted.
        stats.empty_versions += 1;
        return Vec::new();
    }
    let op_names: BTreeSet<String> = accepted.iter().map(|o| o.name.clone()).collect();
    // Models the accepted operations reach (their own Request/Response are not types).
    // A form or multipart body model is not a type: its members are the fields.
    let mut used = BTreeSet::new();
    for op in &accepted {
        if let Some(m) = v.models.get(&format!("{}Request", op.name)) {
            for f in request_fields(op, v, m).unwrap_or_default() {
                reach(&f.attr.ty, v, &mut used);
            }
        }
        if let Some(m) = v.models.get(&format!("{}Response", op.name)) {
            for a in &m.attrs {
                reach(&a.ty, v, &mut used);
            }
        }
    }
    let spec_service = super::huawei::spec_service(&v.service);
    let error_enum = format!("{}Error", codegen::naming::pascal(&spec_service));
    // An integer enum of the SDK is its integer on the wire (spec enums are strings).
    let mut in_responses = BTreeSet::new();
    for op in &accepted {
        if let Some(m) = v.models.get(&format!("{}Response", op.name)) {
            for a in &m.attrs {
                reach(&a.ty, v, &mut in_responses);
            }
        }
    }
    let names: BTreeMap<String, String> = used
        .iter()
        .map(|m| {
            let name = match v.models.get(m).and_then(|m| m.values.as_ref()) {
                Some(EnumValues::Int) => "i64".to_owned(),
                _ => type_name(m, &op_names, &error_enum),
            };
            (m.clone(), name)
        })
        .collect();
    let mut files = Vec::new();
    let mut svc = header.clone();
    if let Some(d) = digest {
        let _ = writeln!(svc, "{}{d}", super::overlay::DIGEST_LINE);
    }
    let _ = writeln!(svc, "service: {spec_service}");
    let _ = writeln!(svc, "protocol: huawei");
    let _ = writeln!(svc, "endpoint: {}", json_str(&v.endpoint));
    if !v.regions.is_empty() {
        svc.push_str("regions:\n");
        for (region, host) in &v.regions {
            let _ = writeln!(svc, "  {}: {}", key(region), json_str(host));
        }
    }
    let _ = writeln!(
        svc,
        "doc: {}",
        json_str(&format!(
            "Huawei Cloud `{}` API {} (imported from the vendor's Python SDK, {tool}).",
            v.service, v.version
        ))
    );
    if !used.is_empty() {
        svc.push_str("types:\n");
    }
    for m in &used {
        let Some(model) = v.models.get(m) else {
            continue;
        };
        let values = match &model.values {
            Some(EnumValues::Int) => continue,
            Some(EnumValues::Str(values)) => Some(values),
            None => None,
        };
        stats.types += 1;
        let _ = writeln!(svc, "  {}:", names[m]);
        let _ = writeln!(
            svc,
            "    doc: {}",
            json_str(&format!("`{}` of the vendor's SDK.", model.name))
        );
        if let Some(values) = values {
            svc.push_str("    enum:\n");
            for (value, rust_name) in enum_names(values) {
                let _ = match rust_name {
                    Some(rn) => writeln!(
                        svc,
                        "      - {{ value: {}, rust_name: {rn} }}",
                        json_str(value)
                    ),
                    None => writeln!(svc, "      - {{ value: {} }}", json_str(value)),
                };
            }
            continue;
        }
        if model.attrs.is_empty() {
            svc.push_str("    fields: {}\n");
            continue;
        }
        svc.push_str("    fields:\n");
        let renames = rust_names(model.attrs.iter().map(|a| a.wire.as_str()));
        // Required members only in a type no response reaches: a response is read
        // leniently, and the vendor's "required" is about what a request must carry.
        let request_only = !in_responses.contains(m);
        let extra = ov.and_then(|o| o.types.get(&model.name));
        for (a, rn) in model.attrs.iter().zip(renames) {
            Line {
                required: request_only && a.required,
                extra: extra.and_then(|x| x.get(&a.wire)).map(|(set, _)| set),
                ..member_line(a, &names, rn)
            }
            .write(&mut svc, 6);
        }
    }
    if let Some(o) = ov.filter(|o| !o.errors.is_empty()) {
        svc.push_str("errors:\n");
        svc.push_str(&error_rows(&o.errors));
        stats.error_codes += o.errors.len();
    }
    files.push(("service.yaml".to_owned(), svc.into_bytes()));
    for op in accepted {
        stats.operations += 1;
        let op_ov = ov.and_then(|o| o.ops.get(&op.name));
        files.push((
            format!("{}.yaml", codegen::naming::snake(&op.name)),
            op_spec(v, op, &header, &names, tool, op_ov, stats).into_bytes(),
        ));
    }
    files
}

/// A service's error rows, each with a variant name: its `variant:`, else the PascalCase of
/// its message when short and free, else of its code (`DBS.200001` → `Dbs200001`), else
/// numbered.
pub(super) fn error_rows(rows: &[(ServiceError, String)]) -> String {
    use codegen::naming::{is_pascal_ident, pascal};
    let mut taken: BTreeSet<String> = codegen::model::RESERVED_ERROR_VARIANTS
        .map(str::to_owned)
        .into();
    let mut out = String::new();
    for (e, _) in rows {
        let free = |v: &String, taken: &BTreeSet<String>| is_pascal_ident(v) && !taken.contains(v);
        let from_message = e
            .message
            .as_deref()
            .map(pascal)
            .filter(|v| v.len() <= 40 && free(v, &taken));
        let from_code = Some(pascal(&e.code))
            .map(|v| {
                if is_pascal_ident(&v) {
                    v
                } else {
                    format!("Code{v}")
                }
            })
            .filter(|v| free(v, &taken));
        let variant = e
            .variant
            .clone()
            .or(from_message)
            .or(from_code)
            .unwrap_or_else(|| {
                (2..)
                    .map(|n| format!("{}{n}", pascal(&e.code)))
                    .find(|v| free(v, &taken))
                    .unwrap_or_default()
            });
        taken.insert(variant.clone());
        let mut kv = vec![
            format!("code: {}", json_str(&e.code)),
            format!("variant: {variant}"),
        ];
        if let Some(s) = e.status {
            kv.push(format!("status: {s}"));
        }
        if let Some(m) = &e.message {
            kv.push(format!("message: {}", json_str(m)));
        }
        if let Some(d) = &e.doc {
            kv.push(format!("doc: {}", json_str(d)));
        }
        if let Some(r) = &e.retryable {
            kv.push(format!("retryable: {r}"));
        }
        let _ = writeln!(out, "  - {{ {} }}", kv.join(", "));
    }
    out
}

/// What in an overlay names nothing of this API version: unknown operations (or ones a
/// hand-written spec or a refusal leaves out), members, types; repeated error codes.
pub fn check_overlay(ov: &Overlay, v: &Version, skip: &BTreeSet<String>) -> Vec<String> {
    let mut errs = Vec::new();
    let where_ = format!("{}/{}", v.package, v.version);
    let check_members = |errs: &mut Vec<String>,
                         given: &BTreeMap<String, (FieldSet, String)>,
                         known: &BTreeSet<&str>,
                         what: &str| {
        for (m, (_, loc)) in given {
            if !known.contains(m.as_str()) {
                errs.push(format!("{loc}unknown member {m:?} of {what}"));
            }
        }
    };
    for (name, o) in &ov.ops {
        let Some(op) = v.ops.iter().find(|op| &op.name == name) else {
            errs.push(format!("{}unknown operation {name:?} in {where_}", o.path));
            continue;
        };
        if skip.contains(name) {
            errs.push(format!(
                "{}{name:?} is hand-written, so the import leaves it alone: put these additions in its own spec",
                o.path
            ));
            continue;
        }
        if let Some(why) = refusal(op, v) {
            errs.push(format!(
                "{}{name:?} is refused by the import: {why}",
                o.path
            ));
            continue;
        }
        let request = &v.models[&format!("{name}Request")];
        let response = &v.models[&format!("{name}Response")];
        let fields = request_fields(op, v, request).unwrap_or_default();
        let mut known: BTreeSet<&str> = fields.iter().map(|f| f.wire).collect();
        known.extend(path_vars(&op.path));
        check_members(&mut errs, &o.request, &known, &format!("{name}'s request"));
        let mut known: BTreeSet<&str> = response.attrs.iter().map(|a| a.wire.as_str()).collect();
        if response.stream {
            known.insert("body");
        }
        check_members(
            &mut errs,
            &o.response,
            &known,
            &format!("{name}'s response"),
        );
    }
    for (t, members) in &ov.types {
        match v.models.get(t).filter(|m| m.values.is_none()) {
            Some(model) => {
                let known: BTreeSet<&str> = model.attrs.iter().map(|a| a.wire.as_str()).collect();
                check_members(&mut errs, members, &known, t);
            }
            None => {
                let loc = ov.type_paths.get(t).cloned().unwrap_or_default();
                errs.push(format!("{loc}unknown model {t:?} in {where_}"));
            }
        }
    }
    errs.extend(super::overlay::repeated_codes(ov));
    errs
}

fn op_spec(
    v: &Version,
    op: &Op,
    header: &str,
    names: &BTreeMap<String, String>,
    tool: &str,
    ov: Option<&super::overlay::OpOverlay>,
    stats: &mut HwStats,
) -> String {
    let request = &v.models[&format!("{}Request", op.name)];
    let response = &v.models[&format!("{}Response", op.name)];
    let mut out = header.to_owned();
    let _ = writeln!(out, "operation: {}", op.name);
    let _ = writeln!(
        out,
        "origin: {}",
        json_str(&format!("{tool} {} ({})", v.version, op.at))
    );
    let _ = writeln!(
        out,
        "http: {{method: {}, path: {}}}",
        op.method,
        json_str(&op.path)
    );
    if v.global {
        out.push_str("scope: domain\n");
    }
    let top = ov.map(|o| o.top.as_slice()).unwrap_or_default();
    // A read is safe to send twice (HTTP semantics, or a read verb: `ListInstancesByTags` is
    // a POST), unless the overlay says otherwise.
    if (matches!(op.method.as_str(), "GET" | "HEAD") || super::reads(&op.name))
        && !top.iter().any(|(k, _)| k == "idempotent")
    {
        out.push_str("idempotent: true\n");
    }
    let doc = if op.doc.is_empty() { &op.name } else { &op.doc };
    let _ = writeln!(out, "doc: {}", json_str(doc));
    // The importers' one paging rule, over the parameters outside the body and the body's
    // members; an overlay's `pagination:` wins (`false`: none).
    if !top.iter().any(|(k, _)| k == "pagination")
        && let Some(p) = paging(op, request, response)
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
    fn extra<'o>(
        given: Option<&'o BTreeMap<String, (FieldSet, String)>>,
        wire: &str,
    ) -> Option<&'o FieldSet> {
        given.and_then(|g| g.get(wire)).map(|(set, _)| set)
    }
    let (req_extra, resp_extra) = (ov.map(|o| &o.request), ov.map(|o| &o.response));
    // Path variables the request model lacks are the credentials' (`{project_id}`).
    let mut fields: Vec<Line> = Vec::new();
    let vars = path_vars(&op.path);
    for var in vars {
        if !op
            .params
            .iter()
            .any(|p| p.loc == Loc::Path && p.wire == var)
        {
            fields.push(Line {
                wire: var,
                ty: "string".into(),
                location: Some("path"),
                extra: extra(req_extra, var),
                ..Line::default()
            });
        }
    }
    // `refusal` accepted the operation, so its fields are sayable.
    for f in request_fields(op, v, request).unwrap_or_default() {
        fields.push(Line {
            wire: f.wire,
            location: Some(f.location),
            required: f.required,
            csv: f.csv,
            extra: extra(req_extra, f.wire),
            ..member_line(f.attr, names, None)
        });
    }
    if !fields.is_empty() {
        out.push_str("request:\n");
        let renames = rust_names(fields.iter().map(|f| f.wire));
        for (mut line, rn) in fields.into_iter().zip(renames) {
            line.rust_name = rn;
            line.write(&mut out, 2);
        }
    }
    // Members of the body; a response header the SDK lists is a field read from it, and
    // the SDK's `body` member is the whole body.
    let headers = lower(&op.response_headers);
    if response.stream || !response.attrs.is_empty() {
        out.push_str("response:\n");
        if response.stream {
            // The SDK's stream response: the body is the file; its members are headers.
            out.push_str(
                "  body: { type: bytes, location: payload, doc: \"The file, byte for byte.\" }\n",
            );
        }
        let renames = rust_names(response.attrs.iter().map(|a| a.wire.as_str()));
        for (a, rn) in response.attrs.iter().zip(renames) {
            let location = if headers.contains(&a.wire.to_ascii_lowercase()) {
                stats.response_headers += 1;
                Some("header")
            } else if a.wire == "body" {
                Some("payload")
            } else {
                None
            };
            Line {
                location,
                extra: extra(resp_extra, &a.wire),
                ..member_line(a, names, rn)
            }
            .write(&mut out, 2);
        }
    }
    super::overlay::write_op_errors(&mut out, ov);
    out
}
