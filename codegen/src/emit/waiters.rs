//! An operation's waiters: a `Waiter` in its glue per `waiters:` entry (what state to read
//! and which values end the wait) and the client's `wait_until_<name>` methods.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::{base_ty, ident};
use crate::model::{Operation, Sensitivity, Ty, Waiter, walks_pages};

fn const_name(w: &Waiter) -> proc_macro2::Ident {
    format_ident!("WAIT_{}", w.name.to_ascii_uppercase())
}

/// `glue::WAIT_<NAME>` for each waiter of `op`.
pub(super) fn glue_items(op: &Operation) -> TokenStream {
    let items = op.waiters.iter().map(|w| {
        let name = const_name(w);
        let subject = match &w.listed {
            Some(l) => {
                let item = ident(&l.item);
                quote!(#item)
            }
            None => {
                let resp = format_ident!("{}Response", op.pascal);
                quote!(#resp)
            }
        };
        let (wire, waiter) = (&op.wire_name, &w.name);
        let [success, failure] = [&w.success, &w.failure].map(|v| v.iter().map(String::as_str));
        let state = ident(&w.state_ident);
        quote! {
            pub const #name: ::runtime::wait::Waiter<#subject> = ::runtime::wait::Waiter {
                operation: #wire,
                name: #waiter,
                success: &[#(#success),*],
                failure: &[#(#failure),*],
                state: |s| ::runtime::wait::state(&s.#state),
            };
        }
    });
    quote!(#(#items)*)
}

/// The client's `wait_until_<name>` for `w`.
pub(super) fn method(op: &Operation, w: &Waiter, doc: &str) -> TokenStream {
    let name = format_ident!("wait_until_{}", w.name);
    let [req, resp, err] =
        ["Request", "Response", "Error"].map(|s| format_ident!("{}{}", op.pascal, s));
    let waiter = const_name(w);
    let doc = super::doc(doc);
    let Some(l) = &w.listed else {
        return quote! {
            #doc
            pub async fn #name(
                &self,
                input: #req,
                options: &::runtime::WaitOptions,
            ) -> Result<#resp, ::runtime::SdkError<#err>> {
                ::runtime::wait::until(&self.runtime, &glue::OP, input, options, &glue::#waiter).await
            }
        };
    };
    let item = ident(&l.item);
    let key_ty = base_ty(&l.key_ty, Sensitivity::None, false);
    let field = ident(&l.key_ident);
    let is = quote!(move |i: &#item| ::runtime::wait::is(&i.#field, &key));
    let key_param = match l.key_ty {
        Ty::Str => quote!(key: impl Into<String>),
        _ => quote!(key: #key_ty),
    };
    let key_let = match l.key_ty {
        Ty::Str => quote!(let key: String = key.into();),
        _ => quote!(),
    };
    let poll = if walks_pages(op, w) {
        quote!(::runtime::wait::until_listed(&self.runtime, &glue::OP, &glue::PAGES, input, options, &glue::#waiter, #is))
    } else {
        let items = ident(&op.response[l.items].ident);
        quote!(::runtime::wait::until_item(&self.runtime, &glue::OP, |r: #resp| r.#items, input, options, &glue::#waiter, #is))
    };
    quote! {
        #doc
        pub async fn #name(
            &self,
            input: #req,
            #key_param,
            options: &::runtime::WaitOptions,
        ) -> Result<#item, ::runtime::SdkError<#err>> {
            #key_let
            #poll.await
        }
    }
}
