//! `pagination:` of an operation: which fields a paginator moves and reads, each checked
//! for its side and type, so that an accepted spec's paginator compiles.

use sdk_core::paging::Walk;

use super::{Cx, Field, Location, Pagination, Ty};
use crate::naming::did_you_mean;
use crate::spec::{Num, PaginationSpec, Str};

/// What a named field must be.
#[derive(Clone, Copy)]
enum Want {
    /// An integer, or a string holding one (Tencent VPC's `Offset` and `Limit`).
    Count,
    Integer,
    Str,
    Bool,
    List,
}

impl Want {
    fn fits(self, ty: &Ty) -> bool {
        match self {
            Want::Count => ty.is_integer() || *ty == Ty::Str,
            Want::Integer => ty.is_integer(),
            Want::Str => *ty == Ty::Str,
            Want::Bool => *ty == Ty::Bool,
            Want::List => matches!(ty, Ty::List(_)),
        }
    }
    fn name(self) -> &'static str {
        match self {
            Want::Count => "an integer (or a string holding one)",
            Want::Integer => "an integer",
            Want::Str => "a string",
            Want::Bool => "a bool",
            Want::List => "a list",
        }
    }
}

/// The index of the field `name` names on `side`, if it exists and is what `want` says.
fn field(
    cx: &mut Cx<'_>,
    key: &str,
    name: &Str,
    fields: &[Field],
    side: &str,
    want: Want,
) -> Option<usize> {
    let Some(i) = fields.iter().position(|f| f.wire == name.value) else {
        let hint = did_you_mean(&name.value, fields.iter().map(|f| f.wire.as_str()))
            .map(|m| format!("did you mean `{m}`?"));
        let d = cx.err(
            name.pos,
            format!(
                "`pagination.{key}` names `{}`, which is not a field of {side}",
                name.value
            ),
        );
        d.hint = hint;
        return None;
    };
    let f = &fields[i];
    if !want.fits(&f.ty) {
        cx.err(
            name.pos,
            format!(
                "`pagination.{key}` names `{}` (`{}`): it must be {}",
                name.value,
                f.ty.spec_name(),
                want.name()
            ),
        );
        return None;
    }
    if matches!(f.location, Location::Header | Location::Payload) && side == "the response" {
        cx.err(
            name.pos,
            format!(
                "`pagination.{key}` names `{}`, which is not read from the response body's fields",
                name.value
            ),
        );
        return None;
    }
    Some(i)
}

fn count(cx: &mut Cx<'_>, key: &str, n: Option<Num>, min: f64) -> Option<u64> {
    let n = n?;
    if !n.is_int || n.value < min || n.value > u32::MAX as f64 {
        cx.err(
            n.pos,
            format!(
                "`pagination.{key}` must be a whole number of at least {min}, found {}",
                n.value
            ),
        );
        return None;
    }
    Some(n.value as u64)
}

/// Resolves `pagination:` against the resolved request and response fields.
pub(super) fn resolve(
    cx: &mut Cx<'_>,
    spec: &PaginationSpec,
    request: &[Field],
    response: &[Field],
) -> Option<Pagination> {
    let (req, resp) = ("the request", "the response");
    let movers = [
        ("offset", &spec.offset),
        ("page", &spec.page),
        ("cursor", &spec.cursor),
    ];
    let given: Vec<&str> = movers
        .iter()
        .filter(|(_, s)| s.is_some())
        .map(|(k, _)| *k)
        .collect();
    if given.len() != 1 {
        cx.err(
            spec.pos,
            format!(
                "`pagination` needs exactly one of `offset`, `page` and `cursor` (the request field that moves), found {}",
                if given.is_empty() { "none".to_owned() } else { given.join(", ") }
            ),
        );
        return None;
    }
    let first_page = count(cx, "first_page", spec.first_page, 0.0);
    let max_page_size = count(cx, "max_page_size", spec.max_page_size, 1.0);
    let walk = match (&spec.offset, &spec.page) {
        (Some(_), _) => Walk::Offset,
        (_, Some(_)) => Walk::Page {
            first: first_page.unwrap_or(1),
        },
        _ => Walk::Cursor,
    };
    if let Some(n) = spec.first_page
        && !matches!(walk, Walk::Page { .. })
    {
        cx.err(n.pos, "`pagination.first_page` is for a `page` walk only");
    }
    let position = match walk {
        Walk::Offset => spec
            .offset
            .as_ref()
            .and_then(|s| field(cx, "offset", s, request, req, Want::Count)),
        Walk::Page { .. } => spec
            .page
            .as_ref()
            .and_then(|s| field(cx, "page", s, request, req, Want::Count)),
        Walk::Cursor => spec
            .cursor
            .as_ref()
            .and_then(|s| field(cx, "cursor", s, request, req, Want::Str)),
    };
    let page_size = spec
        .page_size
        .as_ref()
        .map(|s| field(cx, "page_size", s, request, req, Want::Count));
    let items = match &spec.items {
        Some(s)
            if response
                .iter()
                .any(|f| f.wire == s.value && f.sensitive == super::Sensitivity::Secret) =>
        {
            cx.err(s.pos, format!("`pagination.items` names `{}`, a sensitive list: a paginator hands out its items one by one, so it cannot be a secret as a whole", s.value));
            None
        }
        Some(s) => field(cx, "items", s, response, resp, Want::List),
        None => {
            cx.err(
                spec.pos,
                "`pagination` needs `items`: the response list a page holds",
            );
            None
        }
    };
    let total = spec
        .total
        .as_ref()
        .map(|s| field(cx, "total", s, response, resp, Want::Integer));
    let has_more = spec
        .has_more
        .as_ref()
        .map(|s| field(cx, "has_more", s, response, resp, Want::Bool));
    let next_cursor = match (&spec.next_cursor, walk) {
        (Some(s), Walk::Cursor) => Some(field(cx, "next_cursor", s, response, resp, Want::Str)),
        (None, Walk::Cursor) => {
            cx.err(
                spec.pos,
                "a `cursor` walk needs `next_cursor`: the response field holding the next page's cursor",
            );
            Some(None)
        }
        (Some(s), _) => {
            cx.err(
                s.pos,
                "`pagination.next_cursor` is for a `cursor` walk only",
            );
            Some(None)
        }
        (None, _) => None,
    };
    if let Some(m) = max_page_size
        && let Some(Some(i)) = page_size
        && let Some(limit) = request[i].max
        && (m as f64) > limit
    {
        cx.err(
            spec.max_page_size.map_or(spec.pos, |n| n.pos),
            format!(
                "`pagination.max_page_size` {m} is over the `max: {limit}` of `{}`",
                request[i].wire
            ),
        );
    }
    // A field named but refused (already reported) leaves no paginator.
    let named = |f: Option<Option<usize>>| match f {
        Some(None) => Err(()),
        Some(Some(i)) => Ok(Some(i)),
        None => Ok(None),
    };
    Some(Pagination {
        walk,
        position: position?,
        page_size: named(page_size).ok()?,
        max_page_size,
        items: items?,
        total: named(total).ok()?,
        next_cursor: named(next_cursor).ok()?,
        has_more: named(has_more).ok()?,
    })
}
