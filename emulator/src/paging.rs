//! Paged replies ([`crate::Reply::Pages`]): each request of a paged operation is answered
//! with its page of a list the test chose, by the operation's `pagination:` facts — the
//! position and page size read from the request, the items, total, next cursor and
//! has-more flag written into the operation's default success body.

use runtime::catalog::OperationCatalog;
use runtime::paginate::{Paging, Walk};
use runtime::protocols::encoding::form_urldecode;
use serde_json::Value;

use crate::Seen;

/// A list served a page at a time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Paged {
    /// Every item of the list, in order, as JSON of the item type.
    pub items: Vec<Value>,
    /// The page size when the request sets none (the vendor's default).
    pub default_page_size: usize,
    /// A defective server: every page of a cursor walk hands back the first page's cursor.
    pub repeat_cursor: bool,
}

impl Paged {
    /// `items` served in pages of `default_page_size` unless a request asks otherwise.
    pub fn new(items: Vec<Value>, default_page_size: usize) -> Self {
        Paged {
            items,
            default_page_size,
            repeat_cursor: false,
        }
    }
}

/// A request parameter by wire name, as text: from the query, a form body or a JSON body's
/// top level.
fn param(req: &Seen, wire: &str) -> Option<String> {
    let find =
        |pairs: Vec<(String, String)>| pairs.into_iter().find(|(k, _)| k == wire).map(|(_, v)| v);
    if let Some(v) = find(form_urldecode(&req.query)) {
        return Some(v);
    }
    match serde_json::from_slice::<Value>(&req.body) {
        Ok(Value::Object(body)) => match body.get(wire)? {
            Value::String(s) => Some(s.clone()),
            other => Some(other.to_string()),
        },
        _ => find(form_urldecode(&String::from_utf8_lossy(&req.body))),
    }
}

fn number(req: &Seen, wire: &str) -> Result<Option<usize>, String> {
    match param(req, wire) {
        None => Ok(None),
        Some(v) => v
            .parse()
            .map(Some)
            .map_err(|_| format!("emulator: `{wire}` is `{v}`, not a count")),
    }
}

/// The body answering `req` with its page of `paged`, or why it cannot be answered.
pub(crate) fn page(op: &OperationCatalog, paged: &Paged, req: &Seen) -> Result<String, String> {
    let Some(paging) = op.paging else {
        return Err(format!("emulator: `{}` does not page", op.info.name));
    };
    let Paging {
        walk,
        position,
        page_size,
        max_page_size,
        items,
        total,
        next_cursor,
        has_more,
    } = *paging;
    let mut size = match page_size {
        Some(w) => number(req, w)?.unwrap_or(paged.default_page_size),
        None => paged.default_page_size,
    };
    if let Some(max) = max_page_size {
        size = size.min(max as usize);
    }
    let size = size.max(1);
    let start = match walk {
        Walk::Offset => number(req, position)?.unwrap_or(0),
        Walk::Page { first } => {
            let page = number(req, position)?.unwrap_or(first as usize);
            page.checked_sub(first as usize)
                .ok_or_else(|| format!("emulator: page {page} is before the first, {first}"))?
                .saturating_mul(size)
        }
        Walk::Cursor => match param(req, position).filter(|c| !c.is_empty()) {
            None => 0,
            Some(c) => c
                .strip_prefix("cursor-")
                .and_then(|n| n.parse().ok())
                .ok_or_else(|| {
                    format!("emulator: `{position}` is `{c}`, not a cursor it issued")
                })?,
        },
    };
    let len = paged.items.len();
    let end = start.saturating_add(size).min(len);
    let slice: Vec<Value> = paged.items.get(start..end).unwrap_or_default().to_vec();
    let more = end < len;
    let (_, base) = op
        .default_body()
        .ok_or_else(|| format!("emulator: `{}` has no success body to page", op.info.name))?;
    let mut body: Value = serde_json::from_str(base).map_err(|e| {
        format!(
            "emulator: the success body of `{}` is not JSON: {e}",
            op.info.name
        )
    })?;
    let holder = holder(&mut body, items).ok_or_else(|| {
        format!(
            "emulator: no object of the success body of `{}` holds `{items}`",
            op.info.name
        )
    })?;
    holder.insert(items.to_owned(), Value::Array(slice));
    if let Some(total) = total {
        holder.insert(total.to_owned(), Value::from(len));
    }
    if let Some(next) = next_cursor {
        let cursor = match (paged.repeat_cursor, more) {
            (true, _) => format!("cursor-{}", size.min(len)),
            (false, true) => format!("cursor-{end}"),
            (false, false) => String::new(),
        };
        holder.insert(next.to_owned(), Value::from(cursor));
    }
    if let Some(flag) = has_more {
        holder.insert(flag.to_owned(), Value::from(more || paged.repeat_cursor));
    }
    Ok(body.to_string())
}

/// The object holding the response fields: the body itself, or the envelope's payload
/// object one level down (Tencent's `Response`).
fn holder<'v>(body: &'v mut Value, items: &str) -> Option<&'v mut serde_json::Map<String, Value>> {
    let top = body.as_object_mut()?;
    if top.contains_key(items) {
        return Some(top);
    }
    let key = top
        .iter()
        .find(|(_, v)| v.as_object().is_some_and(|o| o.contains_key(items)))
        .map(|(k, _)| k.clone())?;
    top.get_mut(&key)?.as_object_mut()
}
