//! `waiters:` of an operation: the response (or listed item) field a waiter reads and the
//! values that end it, each checked so that an accepted spec's waiter compiles and can end.

use std::collections::BTreeSet;

use super::{Cx, Field, Listed, Location, NamedType, Sensitivity, Ty, TypeKind, Waiter};
use crate::naming::{did_you_mean, is_snake_ident};
use crate::spec::{Str, WaiterSpec};

/// The field `name` names among `fields` (of `whose`), reported if missing.
fn find<'f>(
    cx: &mut Cx<'_>,
    w: &str,
    key: &str,
    name: &Str,
    fields: &'f [Field],
    whose: &str,
) -> Option<(usize, &'f Field)> {
    let found = fields.iter().position(|f| f.wire == name.value);
    if found.is_none() {
        let hint = did_you_mean(&name.value, fields.iter().map(|f| f.wire.as_str()))
            .map(|m| format!("did you mean `{m}`?"));
        cx.err(
            name.pos,
            format!(
                "waiter `{w}`: `{key}` names `{}`, which is not a field of {whose}",
                name.value
            ),
        )
        .hint = hint;
    }
    let i = found?;
    let f = &fields[i];
    if f.sensitive != Sensitivity::None {
        cx.err(
            name.pos,
            format!(
                "waiter `{w}`: `{key}` names `{}`, a sensitive field: a waiter compares it and prints it in its errors",
                name.value
            ),
        );
        return None;
    }
    if matches!(f.location, Location::Header | Location::Payload) {
        cx.err(
            name.pos,
            format!(
                "waiter `{w}`: `{key}` names `{}`, which is not read from the response body's fields",
                name.value
            ),
        );
        return None;
    }
    Some((i, f))
}

fn scalar(ty: &Ty, bools: bool) -> bool {
    ty.is_integer() || *ty == Ty::Str || (bools && *ty == Ty::Bool)
}

/// Resolves `waiters:` against the response fields and the named types the operation sees.
pub(super) fn resolve(
    cx: &mut Cx<'_>,
    specs: &[WaiterSpec],
    response: &[Field],
    types: &[&NamedType],
) -> Vec<Waiter> {
    let mut out = Vec::new();
    for spec in specs {
        let w = spec.name.value.as_str();
        if !is_snake_ident(w) {
            cx.err(
                spec.name.pos,
                format!("waiter name `{w}` is not a snake_case identifier"),
            )
            .hint = Some("it becomes `wait_until_<name>`: like `backup_done`".into());
            continue;
        }
        let Some(state_name) = &spec.state else {
            cx.err(
                spec.name.pos,
                format!("waiter `{w}` needs `state`: the field whose value ends the wait"),
            );
            continue;
        };
        // Where the state is read: the response, or the item a key picks from a list.
        let mut listed = None;
        let mut fields = response;
        let mut whose = "the response".to_owned();
        match (&spec.items, &spec.key) {
            (Some(items), Some(key)) => {
                let Some((i, f)) = find(cx, w, "items", items, response, "the response") else {
                    continue;
                };
                let item = match &f.ty {
                    Ty::List(inner) => match inner.as_ref() {
                        Ty::Named(n) => types.iter().find(|t| &t.name == n),
                        _ => None,
                    },
                    _ => None,
                };
                let Some(NamedType {
                    name: item_name,
                    kind: TypeKind::Object(item_fields),
                    ..
                }) = item
                else {
                    cx.err(
                        items.pos,
                        format!(
                            "waiter `{w}`: `items` names `{}` (`{}`): it must be a list of objects",
                            items.value,
                            f.ty.spec_name()
                        ),
                    );
                    continue;
                };
                whose = format!("`{item_name}`");
                let Some((_, k)) = find(cx, w, "key", key, item_fields, &whose) else {
                    continue;
                };
                if !scalar(&k.ty, false) {
                    cx.err(
                        key.pos,
                        format!(
                            "waiter `{w}`: `key` names `{}` (`{}`): it must be a string or an integer",
                            key.value,
                            k.ty.spec_name()
                        ),
                    );
                    continue;
                }
                listed = Some(Listed {
                    items: i,
                    item: item_name.clone(),
                    key_ident: k.ident.clone(),
                    key_wire: k.wire.clone(),
                    key_ty: k.ty.clone(),
                });
                fields = item_fields;
            }
            (Some(s), None) | (None, Some(s)) => {
                cx.err(
                    s.pos,
                    format!("waiter `{w}`: `items` and `key` go together (the list, and the item field the caller's value picks)"),
                );
                continue;
            }
            (None, None) => {}
        }
        let Some((_, state)) = find(cx, w, "state", state_name, fields, &whose) else {
            continue;
        };
        if !scalar(&state.ty, true) {
            cx.err(
                state_name.pos,
                format!(
                    "waiter `{w}`: `state` names `{}` (`{}`): it must be a string, an integer or a bool",
                    state_name.value,
                    state.ty.spec_name()
                ),
            );
            continue;
        }
        if spec.success.is_empty() {
            cx.err(
                spec.name.pos,
                format!("waiter `{w}` needs `success`: the state values that end the wait"),
            );
            continue;
        }
        let success: BTreeSet<&str> = spec.success.iter().map(|s| s.value.as_str()).collect();
        if let Some(both) = spec
            .failure
            .iter()
            .find(|s| success.contains(s.value.as_str()))
        {
            cx.err(
                both.pos,
                format!(
                    "waiter `{w}`: `{}` is both a success and a failure state",
                    both.value
                ),
            );
            continue;
        }
        out.push(Waiter {
            name: w.to_owned(),
            doc: spec.doc.clone(),
            listed,
            state_ident: state.ident.clone(),
            state_wire: state.wire.clone(),
            success: spec.success.iter().map(|s| s.value.clone()).collect(),
            failure: spec.failure.iter().map(|s| s.value.clone()).collect(),
        });
    }
    out
}
