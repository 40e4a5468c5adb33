//! Resolution of services: a `service.yaml` (types and error codes its operations share) or
//! the implicit service of operation specs that have none; what an operation inherits from
//! it; and the passes over a service's shared types once all its operations are resolved.

use std::collections::{BTreeMap, BTreeSet};

use super::passes::{box_recursion, mark_usage};
use super::protocol::resolve_errors;
use super::resolve::{check_type_names, resolve_types};
use super::{Cx, Model, NamedType, PRELUDE, RESERVED_ERROR_VARIANTS, Service, TypeKind};
use crate::diag::{Diag, Diagnostics, Pos};
use crate::naming::{is_keyword, is_snake_ident, pascal, snake};
use crate::spec::{OpSpec, ServiceSpec, Str, TypeBody};

/// A `service.yaml` and, for a further API version, the module it becomes (its directory).
pub struct ServiceInput {
    pub spec: ServiceSpec,
    pub sub: Option<String>,
}

/// Resolves every `service.yaml`; returns, per input, the index in `model.services`.
pub(super) fn resolve_services(
    model: &mut Model,
    inputs: Vec<ServiceInput>,
    diags: &mut Diagnostics,
) -> Vec<Option<usize>> {
    let mut out = Vec::new();
    let mut positions: Vec<(String, Pos)> = Vec::new();
    for input in inputs {
        let spec = input.spec;
        let file = spec.file.clone();
        let cx = &mut Cx { file: &file, diags };
        check_service_name(cx, &spec.service);
        if let Some(sub) = &input.sub
            && (!is_snake_ident(sub) || is_keyword(sub))
        {
            cx.err(
                Pos { line: 1, col: 1 },
                format!(
                    "directory `{sub}` of a further API version must be a lowercase identifier"
                ),
            );
        }
        let Some(protocol) = model
            .protocols
            .iter()
            .position(|p| p.name == spec.protocol.value)
        else {
            cx.err(
                spec.protocol.pos,
                format!("unknown protocol `{}`", spec.protocol.value),
            );
            out.push(None);
            continue;
        };
        let provider = model.protocols[protocol].provider.clone();
        let key = (
            provider.clone(),
            spec.service.value.clone(),
            input.sub.clone(),
        );
        if let Some(i) = model
            .services
            .iter()
            .position(|s| (&s.provider, &s.name, &s.sub) == (&key.0, &key.1, &key.2))
        {
            let (first, pos) = &positions[i];
            cx.err(
                spec.service.pos,
                format!(
                    "service `{provider}::{}` is defined twice",
                    spec.service.value
                ),
            )
            .hint = Some(format!("first defined at {first}:{}:{}", pos.line, pos.col));
            out.push(None);
            continue;
        }
        let error_enum = format!("{}Error", pascal(&spec.service.value));
        let reserved: BTreeSet<String> = ["Client", error_enum.as_str()]
            .into_iter()
            .chain(PRELUDE.iter().copied())
            .map(str::to_owned)
            .collect();
        let names = check_type_names(cx, &spec.types, &reserved);
        let enums: BTreeSet<String> = spec
            .types
            .iter()
            .filter(|t| matches!(t.body, TypeBody::Enum(_)))
            .map(|t| t.name.value.clone())
            .collect();
        let types = resolve_types(cx, &spec.types, &names, &enums);
        let common = &model.protocols[protocol].errors;
        let errors = resolve_errors(
            cx,
            spec.errors,
            true,
            &RESERVED_ERROR_VARIANTS,
            Some(&error_enum),
        )
        .into_iter()
        .filter(|e| common.iter().all(|c| c.code != e.code))
        .collect();
        positions.push((file.clone(), spec.service.pos));
        out.push(Some(model.services.len()));
        model.services.push(Service {
            file: Some(file),
            provider,
            name: spec.service.value,
            sub: input.sub,
            protocol: Some(protocol),
            title: spec.title,
            doc: Some(spec.doc),
            types,
            errors,
            error_enum,
            release: None,
        });
    }
    out
}

fn check_service_name(cx: &mut Cx<'_>, service: &Str) {
    if !is_snake_ident(&service.value) || is_keyword(&service.value) {
        let d = cx.err(
            service.pos,
            format!("service `{}` must be a lowercase identifier", service.value),
        );
        d.hint = Some(format!("try `{}`", snake(&service.value)));
    }
}

/// Fills what an operation spec leaves to its directory's `service.yaml`, and reports what
/// is missing from both. A `service:` that names another service is an error.
pub(super) fn inherit(spec: &mut OpSpec, service: Option<&ServiceSpec>, diags: &mut Diagnostics) {
    let file = spec.file.clone();
    let cx = &mut Cx { file: &file, diags };
    if let Some(s) = service {
        if let Some(own) = &spec.service
            && own.value != s.service.value
        {
            cx.err(
                own.pos,
                format!(
                    "operation names service `{}` but its directory's service.yaml is `{}`",
                    own.value, s.service.value
                ),
            )
            .hint = Some("remove `service:` (it is inherited), or move the spec".into());
        }
        spec.service.get_or_insert_with(|| s.service.clone());
        spec.protocol.get_or_insert_with(|| s.protocol.clone());
        if spec.endpoint.is_none() {
            spec.endpoint = Some(s.endpoint.clone());
            spec.regions = s.regions.clone();
        }
        // An operation of another protocol (a v2 operation in a v3 service) keeps its own
        // version, or none.
        if spec.version.is_none()
            && spec
                .protocol
                .as_ref()
                .is_some_and(|p| p.value == s.protocol.value)
        {
            spec.version = s.version.clone();
        }
    } else if let Some(s) = &spec.service {
        check_service_name(cx, s);
    }
    for (key, missing) in [
        ("protocol", spec.protocol.is_none()),
        ("service", spec.service.is_none()),
        ("endpoint", spec.endpoint.is_none()),
    ] {
        if missing {
            cx.err(
                spec.operation.pos,
                format!("missing required key `{key}` in the operation spec"),
            )
            .hint = Some("give it here, or in a service.yaml beside the spec".into());
        }
    }
}

/// The index of the service of `(provider, name, sub)`, creating an implicit one (no
/// shared types or errors) for operation specs without a `service.yaml`.
pub(super) fn service_index(
    model: &mut Model,
    provider: &str,
    name: &str,
    sub: Option<&str>,
) -> usize {
    if let Some(i) = model
        .services
        .iter()
        .position(|s| s.provider == provider && s.name == name && s.sub.as_deref() == sub)
    {
        return i;
    }
    model.services.push(Service {
        file: None,
        provider: provider.to_owned(),
        name: name.to_owned(),
        sub: sub.map(str::to_owned),
        protocol: None,
        title: None,
        doc: None,
        types: Vec::new(),
        errors: Vec::new(),
        error_enum: format!("{}Error", pascal(name)),
        release: None,
    });
    model.services.len() - 1
}

/// After every operation is resolved: which side uses each shared type, boxing of recursive
/// references, and an error for a shared type no operation uses.
pub(super) fn finish_services(
    model: &mut Model,
    specs: &[Option<ServiceSpec>],
    diags: &mut Diagnostics,
) {
    for (i, svc) in model.services.iter_mut().enumerate() {
        let mut request = Vec::new();
        let mut response = Vec::new();
        for op in model.ops.iter().filter(|o| o.svc == i) {
            request.extend(op.request.iter().cloned());
            response.extend(op.response.iter().cloned());
            for t in &op.types {
                if let TypeKind::Object(fields) = &t.kind {
                    if t.in_request {
                        request.extend(fields.iter().cloned());
                    }
                    if t.in_response {
                        response.extend(fields.iter().cloned());
                    }
                }
            }
        }
        mark_usage(&mut svc.types, &request, &response);
        box_recursion(&mut svc.types);
        let Some(Some(spec)) = specs.get(i) else {
            continue;
        };
        for t in svc.types.iter().filter(|t| !t.in_request && !t.in_response) {
            let pos = spec
                .types
                .iter()
                .find(|s| s.name.value == t.name)
                .map_or(Pos::default(), |s| s.name.pos);
            diags.push(
                Diag::new(&spec.file, pos, format!("type `{}` is never used", t.name))
                    .hint("remove it, or refer to it from an operation's field"),
            );
        }
    }
}

/// Type names an operation may refer to: its own, then its service's (own ones may not
/// reuse a service name: both are re-exported by the service module).
pub(super) fn visible_names(
    cx: &mut Cx<'_>,
    own: &BTreeSet<String>,
    service: &[NamedType],
    own_pos: &BTreeMap<String, Pos>,
) -> BTreeSet<String> {
    let mut names = own.clone();
    for t in service {
        if own.contains(&t.name) {
            let pos = own_pos.get(&t.name).copied().unwrap_or_default();
            cx.err(
                pos,
                format!(
                    "type `{}` is also a type of this operation's service",
                    t.name
                ),
            )
            .hint = Some("use the service's type, or rename this one".into());
        }
        names.insert(t.name.clone());
    }
    names
}
