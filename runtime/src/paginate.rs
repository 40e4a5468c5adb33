//! Paginators: every page (or every item) of a paged operation as a [`Stream`].
//!
//! A generated `<operation>_paginator` hands [`Paginator::new`] its operation, its
//! [`Pages`] (a few accessors between the typed request/response and the walk) and the
//! caller's request. The walk itself is [`Walker`], one non-generic state machine for every
//! operation; each page is one ordinary call, so it is signed, retried and decoded by the
//! runtime's rules like any other.
//!
//! The walk stops on the first of:
//! - an empty page;
//! - the total the response states (offset and page-number walks), once that many items
//!   were walked through;
//! - a short page, where the request sets a page size the vendor documents it honours (at
//!   most the documented maximum): a shorter page is then the last;
//! - a response saying no more follow (`has_more` false) or giving no next cursor;
//! - a next cursor already sent in this walk: the stream ends with
//!   [`SdkError::Pagination`] instead of looping;
//! - an error that survives the retries, which is the stream's last item.

use std::collections::HashSet;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};

pub use futures_core::Stream;
pub use sdk_core::paging::{Paging, Walk};

use crate::client::{Op, Runtime};
use crate::error::{SdkError, ServiceError};
use crate::redact::Sensitive;

/// Where the next page starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Seek {
    /// An offset or a page number.
    At(u64),
    /// A cursor.
    Cursor(String),
}

/// What the walk needs from a page.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Facts {
    /// How many items the page holds.
    pub len: usize,
    /// The total the response states, if any.
    pub total: Option<u64>,
    /// The cursor of the next page, if any.
    pub next_cursor: Option<String>,
    /// Whether another page follows, if the response says.
    pub has_more: Option<bool>,
}

/// One paged operation's accessors, emitted beside its glue.
#[doc(hidden)]
pub struct Pages<I, T, Item> {
    /// The spec's paging facts.
    pub paging: &'static Paging,
    /// The request's own position (offset or page number) and page size.
    pub position: fn(&I) -> (Option<u64>, Option<u64>),
    /// Moves the request to `Seek`.
    pub seek: fn(&mut I, Seek),
    /// Sets the page size (a no-op where the operation has none).
    pub set_page_size: fn(&mut I, u64),
    /// The page's facts.
    pub facts: fn(&T) -> Facts,
    /// The page's items, by value.
    pub items: fn(T) -> Vec<Item>,
}

/// Why a walk stopped with an error of its own.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct PaginationError {
    /// Operation wire name.
    pub operation: &'static str,
    /// The page (counting from 1) whose response repeated a cursor.
    pub page: u64,
}

impl fmt::Display for PaginationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: page {} handed back a cursor this walk had already followed; stopped instead of looping",
            self.operation, self.page
        )
    }
}

impl std::error::Error for PaginationError {}

/// The next step of a walk.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// Ask for this page next.
    Next(Seek),
    /// The list is exhausted.
    Done,
    /// The service repeated a cursor.
    Loop,
}

/// The walk of one paginator: where it is and what it has seen. Not generic: every
/// operation's paginator steps through this one.
#[derive(Clone, Debug)]
pub struct Walker {
    paging: &'static Paging,
    /// Offset or page number of the page last asked for.
    at: u64,
    /// Items walked through (including those skipped by a starting offset or page).
    through: u64,
    /// The page size asked for, if it is one the vendor honours.
    honoured: Option<u64>,
    cursors: HashSet<String>,
    pages: u64,
}

impl Walker {
    /// A walk starting where the request does: `position` (offset or page number, else the
    /// first) with page size `size`.
    pub fn new(paging: &'static Paging, position: Option<u64>, size: Option<u64>) -> Self {
        let honoured = size.filter(|&s| s > 0 && paging.max_page_size.is_some_and(|m| s <= m));
        let (at, through) = match paging.walk {
            Walk::Offset => {
                let at = position.unwrap_or(0);
                (at, at)
            }
            Walk::Page { first } => {
                let at = position.unwrap_or(first);
                // Items before the starting page, where the page size says how many; else
                // none (the total then ends the walk later, never earlier).
                (
                    at,
                    at.saturating_sub(first).saturating_mul(size.unwrap_or(0)),
                )
            }
            Walk::Cursor => (0, 0),
        };
        Walker {
            paging,
            at,
            through,
            honoured,
            cursors: HashSet::new(),
            pages: 0,
        }
    }

    /// Pages answered so far.
    pub fn pages(&self) -> u64 {
        self.pages
    }

    /// Takes in one page's facts and says what comes next.
    pub fn advance(&mut self, facts: &Facts) -> Step {
        self.pages += 1;
        let len = facts.len as u64;
        match self.paging.walk {
            Walk::Offset | Walk::Page { .. } => {
                self.through = self.through.saturating_add(len);
                let exhausted = len == 0
                    || facts.total.is_some_and(|t| self.through >= t)
                    || (facts.total.is_none() && self.honoured.is_some_and(|s| len < s))
                    || facts.has_more == Some(false);
                if exhausted {
                    return Step::Done;
                }
                self.at = match self.paging.walk {
                    Walk::Offset => self.at.saturating_add(len),
                    _ => self.at.saturating_add(1),
                };
                Step::Next(Seek::At(self.at))
            }
            Walk::Cursor => {
                if facts.has_more == Some(false) || (len == 0 && facts.has_more.is_none()) {
                    return Step::Done;
                }
                match facts.next_cursor.as_deref() {
                    None | Some("") => Step::Done,
                    Some(c) if !self.cursors.insert(c.to_owned()) => Step::Loop,
                    Some(c) => Step::Next(Seek::Cursor(c.to_owned())),
                }
            }
        }
    }
}

/// The pages of one paged operation, from the request the caller built. Obtained from a
/// generated client's `<operation>_paginator`; [`pages`](Self::pages) and
/// [`items`](Self::items) are the streams.
pub struct Paginator<I: 'static, T: 'static, Item: 'static, E> {
    runtime: Runtime,
    op: &'static Op<I>,
    pages: &'static Pages<I, T, Item>,
    input: I,
    page_size: Option<u64>,
    _error: PhantomData<fn() -> E>,
}

impl<I: fmt::Debug + 'static, T: 'static, Item: 'static, E> fmt::Debug
    for Paginator<I, T, Item, E>
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Paginator")
            .field("operation", &self.op.info.name)
            .field("input", &self.input)
            .field("page_size", &self.page_size)
            .finish()
    }
}

impl<I: 'static, T: 'static, Item: 'static, E> Paginator<I, T, Item, E>
where
    T: serde::de::DeserializeOwned + Send + 'static,
    E: ServiceError + Send + 'static,
{
    #[doc(hidden)]
    pub fn new(
        runtime: Runtime,
        op: &'static Op<I>,
        pages: &'static Pages<I, T, Item>,
        input: I,
    ) -> Self {
        Paginator {
            runtime,
            op,
            pages,
            input,
            page_size: None,
            _error: PhantomData,
        }
    }

    /// Asks for pages of `size` items (over the request's own page size), at most the
    /// largest the vendor documents. Where the operation sets no page size, nothing changes.
    pub fn page_size(mut self, size: u64) -> Self {
        let max = self.pages.paging.max_page_size.unwrap_or(u64::MAX);
        self.page_size = Some(size.clamp(1, max));
        self
    }

    /// Every page, each a whole response, in order.
    pub fn pages(mut self) -> PageStream<I, T, Item, E> {
        if let (Some(size), Some(_)) = (self.page_size, self.pages.paging.page_size) {
            (self.pages.set_page_size)(&mut self.input, size);
        }
        let (position, size) = (self.pages.position)(&self.input);
        PageStream {
            walker: Walker::new(self.pages.paging, position, size),
            runtime: self.runtime,
            op: self.op,
            pages: self.pages,
            next: Some(self.input),
            in_flight: None,
            pending: None,
        }
    }

    /// Every item of every page, in order.
    pub fn items(self) -> ItemStream<I, T, Item, E> {
        ItemStream {
            pages: self.pages(),
            current: Vec::new().into_iter(),
        }
    }
}

type PageFuture<T, E> = Pin<Box<dyn Future<Output = Result<T, SdkError<E>>> + Send>>;

/// The pages of a walk ([`Paginator::pages`]): a [`Stream`] of responses, or
/// [`next`](Self::next) without a stream library.
pub struct PageStream<I: 'static, T: 'static, Item: 'static, E> {
    walker: Walker,
    runtime: Runtime,
    op: &'static Op<I>,
    pages: &'static Pages<I, T, Item>,
    /// The request of the page to ask for next (`None`: the walk is over).
    next: Option<I>,
    in_flight: Option<(I, PageFuture<T, E>)>,
    /// An error to end the stream with after the page just given.
    pending: Option<SdkError<E>>,
}

// Nothing of a walk is pinned structurally (the call in flight is boxed), so the streams
// move freely whatever the request, item and error types.
impl<I: 'static, T: 'static, Item: 'static, E> Unpin for PageStream<I, T, Item, E> {}
impl<I: 'static, T: 'static, Item: 'static, E> Unpin for ItemStream<I, T, Item, E> {}

impl<I: 'static, T: 'static, Item: 'static, E> fmt::Debug for PageStream<I, T, Item, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PageStream")
            .field("operation", &self.op.info.name)
            .field("pages", &self.walker.pages())
            .finish_non_exhaustive()
    }
}

impl<I: 'static, T: 'static, Item: 'static, E> PageStream<I, T, Item, E>
where
    T: serde::de::DeserializeOwned + Send + 'static,
    E: ServiceError + Send + 'static,
{
    /// The next page, or `None` once the walk is over.
    pub async fn next(&mut self) -> Option<Result<T, SdkError<E>>> {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }
}

impl<I: 'static, T: 'static, Item: 'static, E> Stream for PageStream<I, T, Item, E>
where
    T: serde::de::DeserializeOwned + Send + 'static,
    E: ServiceError + Send + 'static,
{
    type Item = Result<T, SdkError<E>>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if let Some(e) = this.pending.take() {
            return Poll::Ready(Some(Err(e)));
        }
        if this.in_flight.is_none() {
            let Some(input) = this.next.take() else {
                return Poll::Ready(None);
            };
            let wire = match (this.op.to_wire)(&input, this.runtime.config()) {
                Ok(wire) => wire,
                Err(e) => return Poll::Ready(Some(Err(SdkError::Build(e)))),
            };
            let runtime = this.runtime.clone();
            let info = this.op.info;
            let call: PageFuture<T, E> =
                Box::pin(async move { runtime.invoke::<T, E>(info, wire).await });
            this.in_flight = Some((input, call));
        }
        let Some((_, call)) = this.in_flight.as_mut() else {
            return Poll::Ready(None);
        };
        let result = match call.as_mut().poll(cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(result) => result,
        };
        let Some((mut input, _)) = this.in_flight.take() else {
            return Poll::Ready(None);
        };
        let page = match result {
            Ok(page) => page,
            // An error that survived the retries ends the walk.
            Err(e) => return Poll::Ready(Some(Err(e))),
        };
        match this.walker.advance(&(this.pages.facts)(&page)) {
            Step::Next(seek) => {
                (this.pages.seek)(&mut input, seek);
                this.next = Some(input);
            }
            Step::Done => {}
            Step::Loop => {
                this.pending = Some(SdkError::Pagination(PaginationError {
                    operation: this.op.info.name,
                    page: this.walker.pages(),
                }));
            }
        }
        Poll::Ready(Some(Ok(page)))
    }
}

/// The items of a walk ([`Paginator::items`]): a [`Stream`] of items, or
/// [`next`](Self::next) and [`collect`](Self::collect) without a stream library.
pub struct ItemStream<I: 'static, T: 'static, Item: 'static, E> {
    pages: PageStream<I, T, Item, E>,
    current: std::vec::IntoIter<Item>,
}

impl<I: 'static, T: 'static, Item: 'static, E> fmt::Debug for ItemStream<I, T, Item, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ItemStream")
            .field("pages", &self.pages)
            .field("left_in_page", &self.current.len())
            .finish()
    }
}

impl<I: 'static, T: 'static, Item: 'static, E> ItemStream<I, T, Item, E>
where
    T: serde::de::DeserializeOwned + Send + 'static,
    E: ServiceError + Send + 'static,
{
    /// The next item, or `None` once the walk is over.
    pub async fn next(&mut self) -> Option<Result<Item, SdkError<E>>> {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }

    /// Every item, or the first error.
    pub async fn collect(mut self) -> Result<Vec<Item>, SdkError<E>> {
        let mut all = Vec::new();
        while let Some(item) = self.next().await {
            all.push(item?);
        }
        Ok(all)
    }
}

impl<I: 'static, T: 'static, Item: 'static, E> Stream for ItemStream<I, T, Item, E>
where
    T: serde::de::DeserializeOwned + Send + 'static,
    E: ServiceError + Send + 'static,
{
    type Item = Result<Item, SdkError<E>>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            if let Some(item) = this.current.next() {
                return Poll::Ready(Some(Ok(item)));
            }
            match Pin::new(&mut this.pages).poll_next(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(None) => return Poll::Ready(None),
                Poll::Ready(Some(Err(e))) => return Poll::Ready(Some(Err(e))),
                Poll::Ready(Some(Ok(page))) => {
                    this.current = (this.pages.pages.items)(page).into_iter();
                }
            }
        }
    }
}

/// An integer request or response field as a count (absent or negative: none).
pub trait Count {
    /// The value, if it is one.
    fn count(&self) -> Option<u64>;
}

/// A request field a walk moves: an integer (offset, page number, page size) or a string
/// (cursor), optional or not.
pub trait Position: Sized {
    /// Sets it from `seek`; a seek of the other kind leaves it unchanged.
    fn seek(&mut self, seek: Seek);
    /// A value set from `seek`, if it is of this kind.
    fn from_seek(seek: Seek) -> Option<Self>;
}

macro_rules! integers {
    ($($t:ty),*) => {$(
        impl Count for $t {
            fn count(&self) -> Option<u64> {
                u64::try_from(*self).ok()
            }
        }
        impl Position for $t {
            fn seek(&mut self, seek: Seek) {
                if let Some(v) = Self::from_seek(seek) {
                    *self = v;
                }
            }
            fn from_seek(seek: Seek) -> Option<Self> {
                match seek {
                    Seek::At(at) => Some(<$t>::try_from(at).unwrap_or(<$t>::MAX)),
                    Seek::Cursor(_) => None,
                }
            }
        }
    )*};
}

integers!(i32, i64, u32, u64);

impl<C: Count> Count for Option<C> {
    fn count(&self) -> Option<u64> {
        self.as_ref().and_then(Count::count)
    }
}

/// A cursor, or an offset, page number or size the vendor types as a string (Tencent
/// VPC's `Offset` and `Limit`): the walk says which.
impl Position for String {
    fn seek(&mut self, seek: Seek) {
        *self = Self::from_seek(seek).unwrap_or_default();
    }
    fn from_seek(seek: Seek) -> Option<Self> {
        Some(match seek {
            Seek::Cursor(c) => c,
            Seek::At(at) => at.to_string(),
        })
    }
}

/// An offset, page number or size typed as a string: its number.
impl Count for String {
    fn count(&self) -> Option<u64> {
        self.trim().parse().ok()
    }
}

/// A cursor the specs mark sensitive (a `NextToken`).
impl Position for Sensitive<String> {
    fn seek(&mut self, seek: Seek) {
        if let Some(v) = Self::from_seek(seek) {
            *self = v;
        }
    }
    fn from_seek(seek: Seek) -> Option<Self> {
        String::from_seek(seek).map(Sensitive::new)
    }
}

impl<P: Position> Position for Option<P> {
    fn seek(&mut self, seek: Seek) {
        match self {
            Some(p) => p.seek(seek),
            None => *self = P::from_seek(seek),
        }
    }
    fn from_seek(seek: Seek) -> Option<Self> {
        Some(P::from_seek(seek))
    }
}

/// A count of `field` (for the generated accessors).
pub fn count(field: &impl Count) -> Option<u64> {
    field.count()
}

/// Moves `field` (for the generated accessors).
pub fn seek(field: &mut impl Position, to: Seek) {
    field.seek(to);
}

/// A string field's text, if set and not empty (a next cursor).
pub fn text(field: &impl AsText) -> Option<String> {
    field.as_text().filter(|s| !s.is_empty()).map(str::to_owned)
}

/// A string field, optional or not.
pub trait AsText {
    /// Its text, if set.
    fn as_text(&self) -> Option<&str>;
}

impl AsText for String {
    fn as_text(&self) -> Option<&str> {
        Some(self)
    }
}

impl AsText for Sensitive<String> {
    fn as_text(&self) -> Option<&str> {
        Some(self.expose())
    }
}

impl<S: AsText> AsText for Option<S> {
    fn as_text(&self) -> Option<&str> {
        self.as_ref().and_then(AsText::as_text)
    }
}

/// A boolean field, optional or not (a has-more flag).
pub fn flag(field: &impl AsFlag) -> Option<bool> {
    field.as_flag()
}

/// A boolean field, optional or not.
pub trait AsFlag {
    /// Its value, if set.
    fn as_flag(&self) -> Option<bool>;
}

impl AsFlag for bool {
    fn as_flag(&self) -> Option<bool> {
        Some(*self)
    }
}

impl AsFlag for Option<bool> {
    fn as_flag(&self) -> Option<bool> {
        *self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const fn paging(walk: Walk, total: bool, max: Option<u64>) -> Paging {
        Paging {
            walk,
            position: "Offset",
            page_size: Some("Limit"),
            max_page_size: max,
            items: "Items",
            total: if total { Some("TotalCount") } else { None },
            next_cursor: None,
            has_more: None,
        }
    }

    fn facts(len: usize, total: Option<u64>) -> Facts {
        Facts {
            len,
            total,
            ..Facts::default()
        }
    }

    #[test]
    fn an_offset_walk_stops_on_the_total() {
        static P: Paging = paging(Walk::Offset, true, None);
        let mut w = Walker::new(&P, None, Some(10));
        assert_eq!(w.advance(&facts(10, Some(25))), Step::Next(Seek::At(10)));
        assert_eq!(w.advance(&facts(10, Some(25))), Step::Next(Seek::At(20)));
        assert_eq!(w.advance(&facts(5, Some(25))), Step::Done);
    }

    #[test]
    fn a_short_page_ends_a_walk_only_at_an_honoured_size() {
        static HONOURED: Paging = paging(Walk::Offset, false, Some(100));
        let mut w = Walker::new(&HONOURED, Some(0), Some(10));
        assert_eq!(w.advance(&facts(10, None)), Step::Next(Seek::At(10)));
        assert_eq!(w.advance(&facts(3, None)), Step::Done);
        // No documented maximum: the server may cap a page below the size asked for, so
        // only an empty page ends the walk.
        static UNKNOWN: Paging = paging(Walk::Offset, false, None);
        let mut w = Walker::new(&UNKNOWN, Some(0), Some(10));
        assert_eq!(w.advance(&facts(3, None)), Step::Next(Seek::At(3)));
        assert_eq!(w.advance(&facts(0, None)), Step::Done);
    }

    #[test]
    fn a_page_walk_counts_skipped_pages_towards_the_total() {
        static P: Paging = paging(Walk::Page { first: 1 }, true, None);
        let mut w = Walker::new(&P, Some(3), Some(10));
        // Pages 1 and 2 hold items 1..=20; page 3 the last five of 25.
        assert_eq!(w.advance(&facts(5, Some(25))), Step::Done);
        let mut w = Walker::new(&P, None, None);
        assert_eq!(w.advance(&facts(10, Some(15))), Step::Next(Seek::At(2)));
        assert_eq!(w.advance(&facts(5, Some(15))), Step::Done);
    }

    #[test]
    fn a_cursor_walk_never_follows_a_cursor_twice() {
        static P: Paging = paging(Walk::Cursor, false, None);
        let mut w = Walker::new(&P, None, None);
        let page = |c: &str, more| Facts {
            len: 1,
            next_cursor: Some(c.into()),
            has_more: more,
            ..Facts::default()
        };
        assert_eq!(
            w.advance(&page("a", None)),
            Step::Next(Seek::Cursor("a".into()))
        );
        assert_eq!(
            w.advance(&page("b", Some(true))),
            Step::Next(Seek::Cursor("b".into()))
        );
        assert_eq!(w.advance(&page("a", Some(true))), Step::Loop);
        assert_eq!(w.advance(&page("c", Some(false))), Step::Done);
        assert_eq!(w.advance(&page("", Some(true))), Step::Done);
    }

    #[test]
    fn positions_saturate_and_counts_refuse_negatives() {
        let mut small: Option<i32> = None;
        seek(&mut small, Seek::At(u64::MAX));
        assert_eq!(small, Some(i32::MAX));
        assert_eq!(count(&Some(-1i64)), None);
        let mut cursor: Option<String> = None;
        seek(&mut cursor, Seek::Cursor("x".into()));
        assert_eq!(cursor.as_deref(), Some("x"));
        let mut text_offset: Option<String> = None;
        seek(&mut text_offset, Seek::At(40));
        assert_eq!(
            (text_offset.as_deref(), count(&text_offset)),
            (Some("40"), Some(40))
        );
    }
}
