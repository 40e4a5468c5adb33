//! Graph passes over a resolved operation: which side uses each named type, boxing of
//! recursive references, and the path parameters against the request fields.

use std::collections::{BTreeMap, BTreeSet};

use super::{Cx, Field, Location, NamedType, Protocol, Side, Ty, TypeKind};
use crate::spec::OpSpec;

fn named_in(ty: &Ty, out: &mut Vec<String>) {
    match ty {
        Ty::List(t) | Ty::Map(t) => named_in(t, out),
        Ty::Named(n) => out.push(n.clone()),
        _ => {}
    }
}

pub(super) fn mark_usage(types: &mut [NamedType], request: &[Field], response: &[Field]) {
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
pub(super) fn box_recursion(types: &mut [NamedType]) {
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

pub(super) fn check_path_params(
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
