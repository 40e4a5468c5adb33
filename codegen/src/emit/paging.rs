//! A paged operation's paginator: its `<op>_paginator` client method, and in its glue the
//! spec's paging facts (`PAGING`) and the accessors the runtime's walk uses (`PAGES`).

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use sdk_core::paging::Walk;

use super::{base_ty, ident};
use crate::model::{Operation, Pagination, Ty};

/// `glue::PAGING` and `glue::PAGES`, if `op` pages.
pub(super) fn glue_items(op: &Operation) -> TokenStream {
    let Some(pg) = &op.pagination else {
        return quote!();
    };
    let [req, resp] = ["Request", "Response"].map(|s| format_ident!("{}{}", op.pascal, s));
    let item = item_ty(op, pg);
    let walk = match pg.walk {
        Walk::Offset => quote!(::runtime::paginate::Walk::Offset),
        Walk::Page { first } => quote!(::runtime::paginate::Walk::Page { first: #first }),
        Walk::Cursor => quote!(::runtime::paginate::Walk::Cursor),
    };
    let wire = |i: Option<usize>, response: bool| match i {
        Some(i) => {
            let w = if response {
                &op.response[i].wire
            } else {
                &op.request[i].wire
            };
            quote!(Some(#w))
        }
        None => quote!(None),
    };
    let position_wire = &op.request[pg.position].wire;
    let page_size_wire = wire(pg.page_size, false);
    let items_wire = &op.response[pg.items].wire;
    let [total_wire, next_wire, more_wire] =
        [pg.total, pg.next_cursor, pg.has_more].map(|i| wire(i, true));
    let max = match pg.max_page_size {
        Some(m) => quote!(Some(#m)),
        None => quote!(None),
    };
    let req_field = |i: usize| ident(&op.request[i].ident);
    let resp_read = |i: Option<usize>, f: TokenStream| match i {
        Some(i) => {
            let name = ident(&op.response[i].ident);
            quote!(::runtime::paginate::#f(&r.#name))
        }
        None => quote!(None),
    };
    let position = {
        let at = match pg.walk {
            Walk::Cursor => quote!(None),
            _ => {
                let f = req_field(pg.position);
                quote!(::runtime::paginate::count(&r.#f))
            }
        };
        let size = match pg.page_size {
            Some(i) => {
                let f = req_field(i);
                quote!(::runtime::paginate::count(&r.#f))
            }
            None => quote!(None),
        };
        if pg.page_size.is_none() && pg.walk == Walk::Cursor {
            quote!(|_| (None, None))
        } else {
            quote!(|r| (#at, #size))
        }
    };
    let seek = req_field(pg.position);
    let set_page_size = match pg.page_size {
        Some(i) => {
            let f = req_field(i);
            quote!(|r, n| ::runtime::paginate::seek(&mut r.#f, ::runtime::paginate::Seek::At(n)))
        }
        None => quote!(|_, _| {}),
    };
    let items = ident(&op.response[pg.items].ident);
    let total = resp_read(pg.total, quote!(count));
    let next_cursor = resp_read(pg.next_cursor, quote!(text));
    let has_more = resp_read(pg.has_more, quote!(flag));
    quote! {
        pub const PAGING: ::runtime::paginate::Paging = ::runtime::paginate::Paging {
            walk: #walk,
            position: #position_wire,
            page_size: #page_size_wire,
            max_page_size: #max,
            items: #items_wire,
            total: #total_wire,
            next_cursor: #next_wire,
            has_more: #more_wire,
        };

        pub const PAGES: ::runtime::paginate::Pages<#req, #resp, #item> = ::runtime::paginate::Pages {
            paging: &PAGING,
            position: #position,
            seek: |r, to| ::runtime::paginate::seek(&mut r.#seek, to),
            set_page_size: #set_page_size,
            facts: |r| ::runtime::paginate::Facts {
                len: r.#items.len(),
                total: #total,
                next_cursor: #next_cursor,
                has_more: #has_more,
            },
            items: |r| r.#items,
        };
    }
}

/// The element type of the page's list of items.
fn item_ty(op: &Operation, pg: &Pagination) -> TokenStream {
    let f = &op.response[pg.items];
    match &f.ty {
        Ty::List(inner) => base_ty(inner, f.sensitive, false),
        // The model accepts only a list.
        other => base_ty(other, f.sensitive, false),
    }
}

/// `<op>_paginator`, if `op` pages.
pub(super) fn method(op: &Operation, doc: &str) -> TokenStream {
    let Some(pg) = &op.pagination else {
        return quote!();
    };
    let name = format_ident!("{}_paginator", op.snake);
    let [req, resp, err] =
        ["Request", "Response", "Error"].map(|s| format_ident!("{}{}", op.pascal, s));
    let item = item_ty(op, pg);
    let doc = super::doc(doc);
    quote! {
        #doc
        pub fn #name(&self, input: #req) -> ::runtime::Paginator<#req, #resp, #item, #err> {
            ::runtime::Paginator::new(self.runtime.clone(), &glue::OP, &glue::PAGES, input)
        }
    }
}
