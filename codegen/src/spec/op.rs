//! Reading an operation spec: its fields, named types, errors and samples.

use super::protocol::{read_errors, read_http};
use super::{
    EnumValueSpec, FieldSpec, OpSpec, PaginationSpec, Reader, SampleSpec, ServiceSpec, Str,
    TypeBody, TypeSpec, WaiterSpec,
};
use crate::diag::Diagnostics;
use crate::yaml::{Kind, Node};

const FIELD_KEYS: &[&str] = &[
    "type",
    "required",
    "doc",
    "example",
    "min",
    "max",
    "unit",
    "encoding",
    "location",
    "rust_name",
    "sensitive",
    "valid_for",
    "aliases",
    "format",
    "deprecated",
    "idempotency_token",
];

fn read_fields(r: &mut Reader<'_>, node: Option<&Node>, key: &str) -> Vec<FieldSpec> {
    let Some(node) = node else { return Vec::new() };
    if matches!(node.kind, Kind::Null) {
        return Vec::new();
    }
    let Some(mut o) = r.obj(node, key) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (name, v) in o.take_all() {
        let what = format!("field `{}`", name.value);
        // Short form: `Name: string`.
        if let Kind::Str(t) = &v.kind {
            out.push(FieldSpec::short(
                name,
                Str {
                    value: t.clone(),
                    pos: v.pos,
                },
            ));
            continue;
        }
        let Some(mut f) = r.obj(v, &name.value) else {
            continue;
        };
        let ty = r.req_str(&mut f, "type", &what);
        let required = r.bool(&mut f, "required");
        let doc = r.opt_text(&mut f, "doc");
        let example = r.opt_text(&mut f, "example");
        let min = r.opt_num(&mut f, "min");
        let max = r.opt_num(&mut f, "max");
        let unit = r.opt_str(&mut f, "unit");
        let encoding = r.opt_str(&mut f, "encoding");
        let location = r.opt_str(&mut f, "location");
        let rust_name = r.opt_str(&mut f, "rust_name");
        let sensitive = match f.take("sensitive") {
            Some(Node {
                kind: Kind::Bool(true),
                pos,
            }) => Some(Str {
                value: "true".into(),
                pos: *pos,
            }),
            Some(Node {
                kind: Kind::Bool(false),
                ..
            })
            | None => None,
            Some(n) => r.str_node(n, "sensitive"),
        };
        let valid_for = r.opt_str(&mut f, "valid_for");
        let aliases = match f.take("aliases") {
            Some(n) => r
                .seq(n, "aliases")
                .iter()
                .filter_map(|a| r.str_node(a, "aliases"))
                .collect(),
            None => Vec::new(),
        };
        let format = r.opt_str(&mut f, "format");
        let deprecated = r.bool(&mut f, "deprecated");
        let idempotency_token = r.bool(&mut f, "idempotency_token");
        r.finish(f, FIELD_KEYS, &what);
        let Some(ty) = ty else { continue };
        out.push(FieldSpec {
            name,
            ty,
            required,
            doc,
            example,
            min,
            max,
            unit,
            encoding,
            location,
            rust_name,
            sensitive,
            valid_for,
            aliases,
            format,
            deprecated,
            idempotency_token,
        });
    }
    out
}

impl FieldSpec {
    fn short(name: Str, ty: Str) -> Self {
        FieldSpec {
            name,
            ty,
            required: false,
            doc: None,
            example: None,
            min: None,
            max: None,
            unit: None,
            encoding: None,
            location: None,
            rust_name: None,
            sensitive: None,
            valid_for: None,
            aliases: Vec::new(),
            format: None,
            deprecated: false,
            idempotency_token: false,
        }
    }
}

pub(super) fn read_types(r: &mut Reader<'_>, node: Option<&Node>) -> Vec<TypeSpec> {
    let Some(node) = node else { return Vec::new() };
    let Some(mut o) = r.obj(node, "types") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (name, v) in o.take_all() {
        let what = format!("type `{}`", name.value);
        let Some(mut t) = r.obj(v, &name.value) else {
            continue;
        };
        let doc = r.opt_text(&mut t, "doc");
        let fields = t.take("fields");
        let values = t.take("enum");
        let body = match (fields, values) {
            (Some(f), None) => TypeBody::Object(read_fields(r, Some(f), "fields")),
            (None, Some(e)) => TypeBody::Enum(read_enum(r, e)),
            (Some(_), Some(_)) => {
                r.err(t.pos, format!("{what} has both `fields` and `enum`"))
                    .hint =
                    Some("a type is either an object (`fields`) or an enum (`enum`)".into());
                TypeBody::Object(Vec::new())
            }
            (None, None) => {
                r.err(t.pos, format!("{what} has neither `fields` nor `enum`"));
                TypeBody::Object(Vec::new())
            }
        };
        r.finish(t, &["doc", "fields", "enum"], &what);
        out.push(TypeSpec { name, doc, body });
    }
    out
}

fn read_enum(r: &mut Reader<'_>, node: &Node) -> Vec<EnumValueSpec> {
    let mut out = Vec::new();
    for item in r.seq(node, "enum") {
        if let Kind::Map(_) = item.kind {
            let Some(mut o) = r.obj(item, "enum") else {
                continue;
            };
            let value = r.req_str(&mut o, "value", "enum value");
            let doc = r.opt_text(&mut o, "doc");
            let rust_name = r.opt_str(&mut o, "rust_name");
            r.finish(o, &["value", "doc", "rust_name"], "enum value");
            out.extend(value.map(|value| EnumValueSpec {
                value,
                doc,
                rust_name,
            }));
        } else if let Some(value) = r.str_node(item, "enum") {
            out.push(EnumValueSpec {
                value,
                doc: None,
                rust_name: None,
            });
        }
    }
    out
}

const OP_KEYS: &[&str] = &[
    "operation",
    "protocol",
    "service",
    "version",
    "endpoint",
    "http",
    "idempotent",
    "rate_limit",
    "doc",
    "request",
    "response",
    "types",
    "errors",
    "samples",
    "scope",
    "pagination",
    "waiters",
    "origin",
    "deprecated",
];

/// Reads an operation spec.
pub fn read_op(file: &str, root: &Node, diags: &mut Diagnostics) -> Option<OpSpec> {
    let r = &mut Reader { file, diags };
    let mut o = r.obj(root, "the spec")?;
    let what = "the operation spec";
    let operation = r.req_str(&mut o, "operation", what);
    let protocol = r.opt_str(&mut o, "protocol");
    let service = r.opt_str(&mut o, "service");
    let version = r.opt_str(&mut o, "version");
    let endpoint = r.opt_str(&mut o, "endpoint");
    let origin = r.opt_text(&mut o, "origin");
    let deprecated = r.bool(&mut o, "deprecated");
    let http = read_http(r, &mut o);
    let idempotent = r.bool(&mut o, "idempotent");
    let scope = r.opt_str(&mut o, "scope");
    let rate_limit = o.take("rate_limit").and_then(|n| {
        let mut rl = r.obj(n, "rate_limit")?;
        let v = r.opt_num(&mut rl, "per_second");
        if v.is_none() {
            r.err(rl.pos, "missing required key `per_second` in `rate_limit`");
        }
        r.finish(rl, &["per_second"], "`rate_limit`");
        v
    });
    let doc = r
        .req_str(&mut o, "doc", what)
        .map(|s| s.value)
        .unwrap_or_default();
    let pagination = o.take("pagination").and_then(|n| read_pagination(r, n));
    let waiters = o
        .take("waiters")
        .map(|n| read_waiters(r, n))
        .unwrap_or_default();
    let request = read_fields(r, o.take("request"), "request");
    let response = read_fields(r, o.take("response"), "response");
    let types = read_types(r, o.take("types"));
    let errors = read_errors(r, o.take("errors"));
    let mut samples = Vec::new();
    if let Some(n) = o.take("samples") {
        for item in r.seq(n, "samples") {
            let Some(mut s) = r.obj(item, "samples") else {
                continue;
            };
            let name = r.req_str(&mut s, "name", "sample");
            let file = r.req_str(&mut s, "file", "sample");
            let status = r.opt_num(&mut s, "status").map_or(200, |n| n.value as u16);
            let doc = r.opt_text(&mut s, "doc");
            let error = r.opt_str(&mut s, "error");
            let invalid = r.opt_text(&mut s, "invalid");
            let repaired = r.opt_text(&mut s, "repaired");
            r.finish(
                s,
                &[
                    "name", "file", "status", "doc", "error", "invalid", "repaired",
                ],
                "sample",
            );
            if let (Some(name), Some(file)) = (name, file) {
                samples.push(SampleSpec {
                    name,
                    file,
                    status,
                    doc,
                    error,
                    invalid,
                    repaired,
                });
            }
        }
    }
    r.finish(o, OP_KEYS, what);
    Some(OpSpec {
        file: file.to_owned(),
        operation: operation?,
        protocol,
        service,
        version,
        endpoint,
        regions: Vec::new(),
        origin,
        deprecated,
        http,
        idempotent,
        rate_limit,
        doc,
        request,
        response,
        types,
        errors,
        samples,
        scope,
        pagination,
        waiters,
    })
}

const PAGINATION_KEYS: &[&str] = &[
    "offset",
    "page",
    "cursor",
    "page_size",
    "first_page",
    "max_page_size",
    "items",
    "total",
    "next_cursor",
    "has_more",
];

fn read_pagination(r: &mut Reader<'_>, node: &Node) -> Option<PaginationSpec> {
    let mut p = r.obj(node, "pagination")?;
    let spec = PaginationSpec {
        pos: node.pos,
        offset: r.opt_str(&mut p, "offset"),
        page: r.opt_str(&mut p, "page"),
        cursor: r.opt_str(&mut p, "cursor"),
        page_size: r.opt_str(&mut p, "page_size"),
        first_page: r.opt_num(&mut p, "first_page"),
        max_page_size: r.opt_num(&mut p, "max_page_size"),
        items: r.opt_str(&mut p, "items"),
        total: r.opt_str(&mut p, "total"),
        next_cursor: r.opt_str(&mut p, "next_cursor"),
        has_more: r.opt_str(&mut p, "has_more"),
    };
    r.finish(p, PAGINATION_KEYS, "`pagination`");
    Some(spec)
}

const WAITER_KEYS: &[&str] = &["doc", "items", "key", "state", "success", "failure"];

/// `waiters:`: name → what to poll for.
fn read_waiters(r: &mut Reader<'_>, node: &Node) -> Vec<WaiterSpec> {
    let Some(mut o) = r.obj(node, "waiters") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (name, body) in o.take_all() {
        let Some(mut w) = r.obj(body, &name.value) else {
            continue;
        };
        let values = |r: &mut Reader<'_>, w: &mut super::Obj<'_>, key: &str| {
            w.take(key)
                .map(|n| {
                    r.seq(n, key)
                        .iter()
                        .filter_map(|v| r.str_node(v, key))
                        .collect()
                })
                .unwrap_or_default()
        };
        let spec = WaiterSpec {
            doc: r.opt_text(&mut w, "doc"),
            items: r.opt_str(&mut w, "items"),
            key: r.opt_str(&mut w, "key"),
            state: r.opt_str(&mut w, "state"),
            success: values(r, &mut w, "success"),
            failure: values(r, &mut w, "failure"),
            name,
        };
        r.finish(w, WAITER_KEYS, "a waiter");
        out.push(spec);
    }
    out
}

const SERVICE_KEYS: &[&str] = &[
    "service",
    "protocol",
    "version",
    "endpoint",
    "regions",
    "signing_name",
    "title",
    "doc",
    "types",
    "errors",
];

/// `regions:`: region name → host (a name, no scheme, path or `{…}`).
fn read_regions(r: &mut Reader<'_>, node: Option<&Node>) -> Vec<(Str, Str)> {
    let Some(mut o) = node.and_then(|n| r.obj(n, "regions")) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (region, value) in o.take_all() {
        let Some(host) = r.str_node(value, &region.value) else {
            continue;
        };
        if region.value.is_empty()
            || !region
                .value
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            r.err(
                region.pos,
                format!("region `{}` is not a region name", region.value),
            )
            .hint = Some("lowercase letters, digits and `-`, like `eu-west-101`".into());
            continue;
        }
        if host.value.is_empty() || host.value.contains(['/', '{', '}', ' ']) {
            r.err(host.pos, format!("`{}` is not a host name", host.value))
                .hint = Some("a host alone, like `cce.eu-west-101.myhuaweicloud.eu`".into());
            continue;
        }
        out.push((region, host));
    }
    out
}

/// Reads a `service.yaml`: what the operation specs of its directory share.
pub fn read_service(file: &str, root: &Node, diags: &mut Diagnostics) -> Option<ServiceSpec> {
    let r = &mut Reader { file, diags };
    let mut o = r.obj(root, "the service spec")?;
    let what = "the service spec";
    let service = r.req_str(&mut o, "service", what);
    let protocol = r.req_str(&mut o, "protocol", what);
    let version = r.opt_str(&mut o, "version");
    let endpoint = r.req_str(&mut o, "endpoint", what);
    let regions = read_regions(r, o.take("regions"));
    let signing_name = r.opt_str(&mut o, "signing_name");
    let title = r.opt_text(&mut o, "title");
    let doc = r
        .req_str(&mut o, "doc", what)
        .map(|s| s.value)
        .unwrap_or_default();
    let types = read_types(r, o.take("types"));
    let errors = read_errors(r, o.take("errors"));
    r.finish(o, SERVICE_KEYS, what);
    Some(ServiceSpec {
        file: file.to_owned(),
        service: service?,
        protocol: protocol?,
        version,
        endpoint: endpoint?,
        regions,
        signing_name,
        title,
        doc,
        types,
        errors,
    })
}
