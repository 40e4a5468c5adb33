//! Resolution of whole operations and the model: names, named types, samples, and the
//! duplicate checks across protocols, operations and services.

use std::collections::{BTreeMap, BTreeSet};

use super::fields::resolve_fields;
use super::passes::{box_recursion, check_path_params, mark_usage};
use super::protocol::{check_method, resolve_errors, resolve_protocol};
use super::service::{
    ServiceInput, finish_services, inherit, resolve_services, service_index, visible_names,
};
use super::{
    Cx, EnumValue, Field, Location, Model, NamedType, Operation, PRELUDE, Protocol,
    RESERVED_ERROR_VARIANTS, ReadSample, Sample, Scope, Sensitivity, Side, Sources, Ty, TypeKind,
};
use crate::diag::{Diag, Diagnostics, Pos};
use crate::naming::{did_you_mean, is_pascal_ident, pascal, snake};
use crate::spec::{OpSpec, ProtocolSpec, ServiceSpec, TypeBody, TypeSpec};

/// The specs to resolve: protocol files, `service.yaml`s, and operation specs each with the
/// index (in `services`) of the `service.yaml` of its directory, if any.
pub struct Specs {
    pub protocols: Vec<ProtocolSpec>,
    pub services: Vec<ServiceInput>,
    pub ops: Vec<(OpSpec, Option<usize>)>,
}

/// Resolves protocols, services and operations, reporting every problem. The [`Sources`]
/// beside the model say where its samples are, for the sample pass after resolution.
pub fn resolve(specs: Specs, read: ReadSample<'_>, diags: &mut Diagnostics) -> (Model, Sources) {
    let Specs {
        protocols,
        mut services,
        ops,
    } = specs;
    let mut model = Model::default();
    let mut sources = Sources::default();
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
    // Services in crate order, so operation indices into them stay valid.
    let mut order: Vec<usize> = (0..services.len()).collect();
    order.sort_by(|&a, &b| {
        let key = |i: usize| (&services[i].spec.service.value, &services[i].sub);
        key(a).cmp(&key(b))
    });
    let mut position = vec![0; services.len()];
    for (new, &old) in order.iter().enumerate() {
        position[old] = new;
    }
    let mut sorted: Vec<Option<ServiceInput>> = services.drain(..).map(Some).collect();
    let services: Vec<ServiceInput> = order.iter().filter_map(|&i| sorted[i].take()).collect();
    let service_specs: Vec<ServiceSpec> = services.iter().map(|s| s.spec.clone()).collect();
    let subs: Vec<Option<String>> = services.iter().map(|s| s.sub.clone()).collect();
    let indices = resolve_services(&mut model, services, diags);
    let mut seen: BTreeMap<(String, String, String), (String, Pos)> = BTreeMap::new();
    for (mut spec, dir_service) in ops {
        let dir_service = dir_service.map(|i| position[i]);
        let key_pos = spec.operation.pos;
        inherit(&mut spec, dir_service.map(|i| &service_specs[i]), diags);
        let (Some(protocol), Some(service)) = (&spec.protocol, &spec.service) else {
            continue;
        };
        let Some(provider) = model
            .protocols
            .iter()
            .find(|p| p.name == protocol.value)
            .map(|p| p.provider.clone())
        else {
            report_unknown_protocol(&model, &spec.file, protocol, diags);
            continue;
        };
        let svc = match dir_service {
            Some(i) => match indices[i] {
                Some(svc) => svc,
                None => continue,
            },
            None => service_index(&mut model, &provider, &service.value.clone(), None),
        };
        let sub = dir_service.and_then(|i| subs[i].clone());
        let Some(op) = resolve_op(&model, spec, svc, read, &mut sources, diags) else {
            continue;
        };
        let key = (
            op.provider.clone(),
            format!("{}{:?}", op.service, sub),
            op.snake.clone(),
        );
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
    let specs_by_service: Vec<Option<ServiceSpec>> = (0..model.services.len())
        .map(|i| {
            indices
                .iter()
                .position(|&x| x == Some(i))
                .map(|j| service_specs[j].clone())
        })
        .collect();
    finish_services(&mut model, &specs_by_service, diags);
    check_service_type_clashes(&model, diags);
    check_waiter_clashes(&model, diags);
    check_service_credentials(&model, diags);
    let services = &model.services;
    fn order_key<'a>(
        services: &'a [super::Service],
        o: &'a Operation,
    ) -> (&'a str, &'a str, Option<&'a str>, &'a str) {
        let s = &services[o.svc];
        (&s.provider, &s.name, s.sub.as_deref(), &o.snake)
    }
    model
        .ops
        .sort_by(|a, b| order_key(services, a).cmp(&order_key(services, b)));
    (model, sources)
}

fn report_unknown_protocol(
    model: &Model,
    file: &str,
    protocol: &crate::spec::Str,
    diags: &mut Diagnostics,
) {
    let names: Vec<&str> = model.protocols.iter().map(|p| p.name.as_str()).collect();
    diags.push(
        Diag::new(
            file,
            protocol.pos,
            format!("unknown protocol `{}`", protocol.value),
        )
        .hint(match did_you_mean(&protocol.value, names.iter().copied()) {
            Some(s) => format!("did you mean `{s}`?"),
            None => format!("protocols in specs/protocols: {}", names.join(", ")),
        }),
    );
}

/// `wait_until_<name>` is a method of the service's `Client`: one per name.
fn check_waiter_clashes(model: &Model, diags: &mut Diagnostics) {
    let mut seen: BTreeMap<(usize, &str), &str> = BTreeMap::new();
    for op in &model.ops {
        for w in &op.waiters {
            if let Some(other) = seen.insert((op.svc, &w.name), &op.spec_file) {
                diags.push(
                    Diag::new(
                        &op.spec_file,
                        Pos { line: 1, col: 1 },
                        format!(
                            "waiter `{}` is also declared by {other} in the same service",
                            w.name
                        ),
                    )
                    .hint("rename one of them: each becomes the client method `wait_until_<name>`"),
                );
            }
        }
    }
}

fn check_service_type_clashes(model: &Model, diags: &mut Diagnostics) {
    // Types are re-exported at service level, so two operations of a service cannot share a type name.
    let mut seen: BTreeMap<(usize, String), String> = BTreeMap::new();
    for op in &model.ops {
        for t in &op.types {
            let key = (op.svc, t.name.clone());
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

/// A service has one `Client`, built with one credentials type: its operations' protocols
/// must agree on it.
fn check_service_credentials(model: &Model, diags: &mut Diagnostics) {
    let mut seen: BTreeMap<(String, String), (&'static str, String)> = BTreeMap::new();
    for op in &model.ops {
        let creds = model.protocols[op.protocol].runtime.credentials_type();
        let key = (op.provider.clone(), op.service.clone());
        match seen.get(&key) {
            Some((other, file)) if *other != creds => diags.push(
                Diag::new(
                    &op.spec_file,
                    Pos { line: 1, col: 1 },
                    format!(
                        "service `{}::{}` mixes credentials: this operation needs {creds}, {file} needs {other}",
                        op.provider, op.service
                    ),
                )
                .hint("a service's Client signs with one credentials type: move one operation to another service"),
            ),
            Some(_) => {}
            None => {
                seen.insert(key, (creds, op.spec_file.clone()));
            }
        }
    }
}

fn resolve_op(
    model: &Model,
    spec: OpSpec,
    svc: usize,
    read: ReadSample<'_>,
    sources: &mut Sources,
    diags: &mut Diagnostics,
) -> Option<Operation> {
    let file = spec.file.clone();
    let cx = &mut Cx { file: &file, diags };
    let protocol_name = spec.protocol.as_ref()?.value.clone();
    let protocol_idx = model.protocols.iter().position(|p| p.name == protocol_name);
    let protocol = protocol_idx.map(|i| &model.protocols[i]);
    let service_name = spec.service.as_ref()?.value.clone();
    let wire_name = spec.operation.value.clone();
    let (op_snake, op_pascal) = (snake(&wire_name), pascal(&wire_name));
    if op_snake.trim_matches('_').is_empty() {
        cx.err(
            spec.operation.pos,
            format!("operation name `{wire_name}` has no letters"),
        );
    }
    // Named types: the operation's own, then its service's.
    let reserved: BTreeSet<String> = ["Request", "RequestBuilder", "Response", "Error"]
        .iter()
        .map(|s| format!("{op_pascal}{s}"))
        .chain(["Client", "OPERATION"].map(str::to_owned))
        .chain([model.services[svc].error_enum.clone()])
        .chain(PRELUDE.iter().map(|s| (*s).to_owned()))
        .collect();
    let own = check_type_names(cx, &spec.types, &reserved);
    let own_pos = spec
        .types
        .iter()
        .map(|t| (t.name.value.clone(), t.name.pos))
        .collect();
    let names = visible_names(cx, &own, &model.services[svc].types, &own_pos);
    let enums: BTreeSet<String> = spec
        .types
        .iter()
        .filter(|t| matches!(t.body, TypeBody::Enum(_)))
        .map(|t| t.name.value.clone())
        .chain(
            model.services[svc]
                .types
                .iter()
                .filter(|t| matches!(t.kind, TypeKind::Enum(_)))
                .map(|t| t.name.clone()),
        )
        .collect();
    let mut types = resolve_types(cx, &spec.types, &names, &enums);
    types.retain(|t| own.contains(&t.name));
    let request = resolve_fields(
        cx,
        &spec.request,
        Side::Request,
        protocol,
        &names,
        &enums,
        "the request",
    );
    let response = resolve_fields(
        cx,
        &spec.response,
        Side::Response,
        protocol,
        &names,
        &enums,
        "the response",
    );
    let mut request = request;
    if let Some(p) = protocol {
        for f in &mut request {
            let Some(&(_, param, required_only)) =
                p.config_params.iter().find(|(w, _, _)| *w == f.wire)
            else {
                continue;
            };
            if required_only && !f.required {
                continue;
            }
            if f.ty == Ty::Str && f.location == p.default_location {
                f.config = Some((param, f.required));
                f.required = false;
            } else {
                cx.err(
                    spec.operation.pos,
                    format!(
                        "request field `{}` is the client's {} (`config_params` of protocol `{}`): it must be a `string` in the protocol's usual place",
                        f.wire,
                        param.spec_name(),
                        p.name
                    ),
                );
            }
        }
    }
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
    check_payload(cx, &spec, &request);
    check_body_kinds(cx, &spec, &request);
    check_response_layout(cx, &spec, &response);
    let scope = resolve_scope(cx, &spec, protocol);
    let pagination = spec
        .pagination
        .as_ref()
        .and_then(|p| super::paging::resolve(cx, p, &request, &response));
    let visible: Vec<&NamedType> = types
        .iter()
        .chain(model.services[svc].types.iter())
        .collect();
    let waiters = super::waiters::resolve(cx, &spec.waiters, &response, &visible);
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
    let service_enum = format!("{}Error", crate::naming::pascal(&service_name));
    let errors = resolve_errors(
        cx,
        spec.errors.clone(),
        true,
        &RESERVED_ERROR_VARIANTS,
        Some(&service_enum),
    );
    let mut samples = Vec::new();
    let mut sample_pos = Vec::new();
    for s in &spec.samples {
        match read(&file, &s.file.value) {
            Err(e) => {
                cx.err(
                    s.file.pos,
                    format!("sample file `{}` cannot be read: {e}", s.file.value),
                )
                .hint = Some("sample paths are relative to the spec file".into());
            }
            Ok(text) => {
                sample_pos.push(s.name.pos);
                samples.push(Sample {
                    name: s.name.value.clone(),
                    file: s.file.value.clone(),
                    text,
                    status: s.status,
                    doc: s.doc.clone(),
                    error: s.error.as_ref().map(|e| e.value.clone()),
                    unusable: s.invalid.clone(),
                    repaired: s.repaired.clone(),
                    set_aside: None,
                });
            }
        }
    }
    let op = Operation {
        spec_file: file.clone(),
        svc,
        origin: spec.origin.clone(),
        deprecated: spec.deprecated,
        wire_name,
        snake: op_snake,
        pascal: op_pascal,
        protocol: protocol_idx?,
        provider: protocol?.provider.clone(),
        signing_name: service_name.clone(),
        service: service_name,
        version: spec.version.map(|v| v.value),
        endpoint: spec.endpoint.map(|e| e.value).unwrap_or_default(),
        regions: spec
            .regions
            .iter()
            .map(|(r, h)| (r.value.clone(), h.value.clone()))
            .collect(),
        method,
        path,
        // An idempotency token makes any call safe to send twice.
        idempotent: spec.idempotent || request.iter().any(|f| f.idempotency_token),
        rate_limit: spec.rate_limit.map(|r| r.value),
        scope,
        doc: spec.doc.clone(),
        request,
        response,
        types,
        errors,
        samples,
        pagination,
        waiters,
    };
    for (i, sample) in op.samples.iter().enumerate() {
        if op.samples[..i]
            .iter()
            .any(|other| other.name == sample.name)
        {
            cx.err(
                sample_pos[i],
                format!("duplicate sample name `{}`", sample.name),
            );
        } else {
            sources
                .samples
                .insert((file.clone(), sample.name.clone()), sample_pos[i]);
        }
    }
    Some(op)
}

/// The PascalCase, unreserved names among `types`; each problem is reported.
pub(super) fn check_type_names(
    cx: &mut Cx<'_>,
    types: &[TypeSpec],
    reserved: &BTreeSet<String>,
) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for t in types {
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
    names
}

/// Resolves the named types whose names passed [`check_type_names`]; fields may refer to
/// any of `names`.
pub(super) fn resolve_types(
    cx: &mut Cx<'_>,
    types: &[TypeSpec],
    names: &BTreeSet<String>,
    enums: &BTreeSet<String>,
) -> Vec<NamedType> {
    let mut out = Vec::new();
    for t in types {
        if !names.contains(&t.name.value) {
            continue;
        }
        let kind = match &t.body {
            TypeBody::Object(fields) => TypeKind::Object(resolve_fields(
                cx,
                fields,
                Side::Response,
                None,
                names,
                enums,
                &format!("type `{}`", t.name.value),
            )),
            TypeBody::Enum(values) => TypeKind::Enum(resolve_enum(cx, values, &t.name.value)),
        };
        out.push(NamedType {
            name: t.name.value.clone(),
            doc: t.doc.clone(),
            kind,
            in_request: false,
            in_response: false,
        });
    }
    out
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

/// A request has one kind of body: JSON members (`body`), the whole body (`payload`), form
/// fields (`form`) or multipart parts (`part`).
fn check_body_kinds(cx: &mut Cx<'_>, spec: &OpSpec, request: &[Field]) {
    // `param` is a kind where the protocol's parameters make the body (Tencent API 3.0's
    // JSON); elsewhere (a query, a form) it is alone anyway.
    const KINDS: [Location; 5] = [
        Location::Param,
        Location::Body,
        Location::Payload,
        Location::Form,
        Location::Part,
    ];
    let Some(first) = request.iter().find(|f| KINDS.contains(&f.location)) else {
        return;
    };
    for other in request
        .iter()
        .filter(|f| KINDS.contains(&f.location) && f.location != first.location)
    {
        let pos = spec
            .request
            .iter()
            .find(|f| f.name.value == other.wire)
            .map_or(spec.operation.pos, |f| f.name.pos);
        // `payload` beside `body` has its own message (check_payload).
        if matches!(
            (first.location, other.location),
            (Location::Body, Location::Payload) | (Location::Payload, Location::Body)
        ) {
            continue;
        }
        cx.err(
            pos,
            format!(
                "request field `{}` has `location: {}` but `{}` has `location: {}`: a body is of one kind",
                other.wire,
                other.location.spec_name(),
                first.wire,
                first.location.spec_name()
            ),
        )
        .hint = Some(
            "a request sends its protocol's parameters (`param`), JSON members (`body`), a \
             whole body (`payload`), form fields (`form`) or multipart parts (`part`), not two \
             of them"
                .into(),
        );
    }
}

/// A `payload` field is the whole body: at most one, and no `body` members beside it.
fn check_payload(cx: &mut Cx<'_>, spec: &OpSpec, request: &[Field]) {
    let payloads: Vec<&Field> = request
        .iter()
        .filter(|f| f.location == Location::Payload)
        .collect();
    let Some(first) = payloads.first() else {
        return;
    };
    let pos = |wire: &str| {
        spec.request
            .iter()
            .find(|f| f.name.value == wire)
            .map_or(spec.operation.pos, |f| f.name.pos)
    };
    for extra in &payloads[1..] {
        cx.err(
            pos(&extra.wire),
            format!(
                "request field `{}` has `location: payload` but `{}` already is the whole body",
                extra.wire, first.wire
            ),
        );
    }
    for member in request.iter().filter(|f| f.location == Location::Body) {
        cx.err(
            pos(&member.wire),
            format!(
                "request field `{}` has `location: body` but `{}` is the whole body (`location: payload`)",
                member.wire, first.wire
            ),
        )
        .hint = Some("move it into the payload's type, or to another location".into());
    }
}

/// Response fields read from headers are scalars; at most one response field is the whole
/// body (`location: payload`), and then no other is a member of it.
fn check_response_layout(cx: &mut Cx<'_>, spec: &OpSpec, response: &[Field]) {
    let pos = |wire: &str| {
        spec.response
            .iter()
            .find(|f| f.name.value == wire)
            .map_or(spec.operation.pos, |f| f.name.pos)
    };
    for f in response.iter().filter(|f| f.location == Location::Header) {
        if matches!(
            f.ty,
            super::Ty::List(_) | super::Ty::Map(_) | super::Ty::Named(_)
        ) {
            cx.err(
                pos(&f.wire),
                format!(
                    "response field `{}` is read from a header, which holds one value, not a `{}`",
                    f.wire,
                    f.ty.spec_name()
                ),
            )
            .hint = Some("give it a scalar type (string, a number, bool, timestamp)".into());
        }
    }
    let payloads: Vec<&Field> = response
        .iter()
        .filter(|f| f.location == Location::Payload)
        .collect();
    let Some(first) = payloads.first() else {
        return;
    };
    for extra in &payloads[1..] {
        cx.err(
            pos(&extra.wire),
            format!(
                "response field `{}` has `location: payload` but `{}` already is the whole body",
                extra.wire, first.wire
            ),
        );
    }
    for member in response
        .iter()
        .filter(|f| !matches!(f.location, Location::Header | Location::Payload))
    {
        cx.err(
            pos(&member.wire),
            format!(
                "response field `{}` is a member of the body but `{}` is the whole body (`location: payload`)",
                member.wire, first.wire
            ),
        )
        .hint = Some("move it into the payload's type, or read it from a header".into());
    }
}

/// The operation's `scope:`, which its protocol must list under `scopes:`.
fn resolve_scope(cx: &mut Cx<'_>, spec: &OpSpec, protocol: Option<&Protocol>) -> Scope {
    let Some(s) = &spec.scope else {
        return Scope::Project;
    };
    let allowed = protocol.map_or(&[][..], |p| p.scopes.as_slice());
    match Scope::from_spec_name(&s.value) {
        Some(scope) if allowed.contains(&scope) => scope,
        _ => {
            let names: Vec<&str> = allowed.iter().map(|s| s.spec_name()).collect();
            cx.err(
                s.pos,
                format!("scope `{}` is not one of the protocol's `scopes`", s.value),
            )
            .hint = Some(if names.is_empty() {
                "this protocol's operations have no scope: remove `scope:`".into()
            } else {
                format!("one of {}", names.join(", "))
            });
            Scope::Project
        }
    }
}
