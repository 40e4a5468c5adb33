//! How an operation pages its results, as its spec's `pagination:` says: which request
//! parameter moves through the list, which sets the page size, and which response fields
//! hold the page's items, the total, the next cursor and whether more follow. The runtime's
//! paginators walk by it; an emulator answers pages by it.

/// What moves from one page to the next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Walk {
    /// An item offset (`Offset`/`Limit`): the next page starts after the items seen.
    Offset,
    /// A page number (`PageNumber`/`PageSize`), counting from `first`.
    Page {
        /// The number of the first page (usually 1).
        first: u64,
    },
    /// An opaque cursor (or marker) the response hands back for the next page.
    Cursor,
}

/// An operation's paging facts, by wire name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Paging {
    /// What moves.
    pub walk: Walk,
    /// The request parameter that moves (offset, page number or cursor).
    pub position: &'static str,
    /// The request parameter that sets the page size, if there is one.
    pub page_size: Option<&'static str>,
    /// The largest page size the vendor documents, if it does.
    pub max_page_size: Option<u64>,
    /// The response field holding the page's items (a list).
    pub items: &'static str,
    /// The response field giving how many items the whole list has, if there is one.
    pub total: Option<&'static str>,
    /// The response field holding the next page's cursor (cursor walks).
    pub next_cursor: Option<&'static str>,
    /// The response field saying whether another page follows, if there is one.
    pub has_more: Option<&'static str>,
}
