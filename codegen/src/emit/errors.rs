//! Error enums (each operation's and each protocol's common errors) and the `protocols`
//! modules (response envelopes).

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use super::{Emitter, Module, doc, ident, lit, opt_lit};
use crate::model::{ErrorVariant, Operation, Protocol, Service};

impl Emitter<'_> {
    /// One module per protocol: its envelope constant and common error enum; then the
    /// protocols' catalog facts.
    pub(super) fn protocol_modules(&self) -> Vec<Module> {
        let mut out: Vec<Module> = self
            .model
            .protocols
            .iter()
            .map(|p| Module {
                name: p.module.clone(),
                doc: self.docs.protocol_doc(p),
                attrs: if self.crates {
                    quote!()
                } else {
                    Self::feature(&p.provider)
                },
                items: self.protocol_items(p),
                children: vec![],
                source: Some(p.file.clone()),
                crate_only: false,
            })
            .collect();
        out.push(self.protocols_catalog());
        out
    }

    fn protocol_items(&self, p: &Protocol) -> TokenStream {
        let e = &p.envelope;
        let (name, wrapper, error_object) = (
            &p.name,
            opt_lit(e.wrapper.as_deref()),
            opt_lit(e.error_object.as_deref()),
        );
        let (code_field, message_field) = (&e.code_field, &e.message_field);
        let success = opt_lit(e.success_code.as_deref());
        let rid_field = opt_lit(e.request_id_field.as_deref());
        let rid_header = opt_lit(e.request_id_header.as_deref());
        let status_errors = e.status_errors;
        let skew = &e.clock_skew_codes;
        let alt_codes = e.alt_error_fields.iter().map(|(c, _)| c);
        let alt_messages = e.alt_error_fields.iter().map(|(_, m)| m);
        let enum_name = ident(&p.error_enum);
        let enum_doc = doc(&format!(
            "Common errors of the {} protocol: codes any operation may return.",
            p.title
        ));
        let errors = self.error_enum_body(&enum_name, &p.errors, None, None);
        quote! {
            /// Where this protocol puts payload, error code, message and request id.
            pub const ENVELOPE: ::runtime::EnvelopeSpec = ::runtime::EnvelopeSpec {
                protocol: #name,
                wrapper: #wrapper,
                error_object: #error_object,
                code_field: #code_field,
                message_field: #message_field,
                alt_error_fields: &[#((#alt_codes, #alt_messages)),*],
                success_code: #success,
                request_id_field: #rid_field,
                request_id_header: #rid_header,
                status_errors: #status_errors,
                clock_skew_codes: &[#(#skew),*],
            };

            #enum_doc
            #errors

            impl #enum_name {
                /// The protocol error for `meta.code`, or `meta` back when the code is not a common one.
                pub fn from_meta(meta: ::runtime::ErrorMeta) -> Result<Self, ::runtime::ErrorMeta> {
                    Ok(match <Self as From<::runtime::ErrorMeta>>::from(meta) {
                        Self::Unhandled(meta) => return Err(meta),
                        known => known,
                    })
                }
            }
        }
    }

    /// An error enum: one variant per row, optionally `Service(..)` (the codes of the service's
    /// enum, named by `service`) and `Common(..)`, and `Unhandled`.
    fn error_enum_body(
        &self,
        name: &Ident,
        rows: &[ErrorVariant],
        common: Option<(&Protocol, &str)>,
        service: Option<&Ident>,
    ) -> TokenStream {
        let variants: Vec<Ident> = rows.iter().map(|r| ident(&r.variant)).collect();
        let docs = rows.iter().map(|r| doc(&self.docs.error_doc(r)));
        let codes = rows.iter().map(|r| lit(&r.code));
        let class = |want: crate::model::Retry| -> Vec<&Ident> {
            rows.iter()
                .zip(&variants)
                .filter(|(r, _)| r.retryable == want)
                .map(|(_, v)| v)
                .collect()
        };
        let (always, if_idempotent) = (
            class(crate::model::Retry::Always),
            class(crate::model::Retry::IfIdempotent),
        );
        let protocols = self.protocols_path();
        let (common_variant, common_meta, common_from, common_retry) = match common {
            Some((p, title)) => {
                let (module, en) = (ident(&p.module), ident(&p.error_enum));
                let root = quote!(#protocols::#module);
                let d = doc(&format!("A common error of the {title} protocol."));
                (
                    quote!(#d Common(#root::#en),),
                    quote!(Self::Common(e) => ::runtime::ServiceError::meta(e),),
                    quote!(match #root::#en::from_meta(meta) {
                        Ok(e) => Self::Common(e),
                        Err(meta) => Self::Unhandled(meta),
                    }),
                    quote!(Self::Common(e) => ::runtime::ServiceError::retry(e),),
                )
            }
            None => (quote!(), quote!(), quote!(Self::Unhandled(meta)), quote!()),
        };
        // A code of the service's enum is its variant there; that enum's `Common` and
        // `Unhandled` are this one's.
        let (service_variant, service_meta, service_retry, fallback) = match service {
            Some(en) => {
                let d = doc(&format!(
                    "A documented error of the service ([`{en}`](super::{en})); the service enum's `Common` and `Unhandled` are this enum's own."
                ));
                (
                    quote!(#d Service(super::#en),),
                    quote!(Self::Service(e) => ::runtime::ServiceError::meta(e),),
                    quote!(Self::Service(e) => ::runtime::ServiceError::retry(e),),
                    quote!(match super::#en::from(meta) {
                        super::#en::Common(e) => Self::Common(e),
                        super::#en::Unhandled(meta) => Self::Unhandled(meta),
                        e => Self::Service(e),
                    }),
                )
            }
            None => (quote!(), quote!(), quote!(), common_from),
        };
        let mut retry_arms = Vec::new();
        if !always.is_empty() {
            retry_arms.push(quote!(#(Self::#always(_))|* => ::runtime::Retry::Always,));
        }
        if !if_idempotent.is_empty() {
            retry_arms
                .push(quote!(#(Self::#if_idempotent(_))|* => ::runtime::Retry::IfIdempotent,));
        }
        retry_arms.push(common_retry);
        retry_arms.push(service_retry);
        let retry_body = if always.is_empty()
            && if_idempotent.is_empty()
            && common.is_none()
            && service.is_none()
        {
            quote!(::runtime::Retry::Never)
        } else {
            quote!(match self { #(#retry_arms)* _ => ::runtime::Retry::Never })
        };
        let from_body = if rows.is_empty() {
            fallback
        } else {
            quote!(match meta.code.as_str() { #(#codes => Self::#variants(meta),)* _ => #fallback })
        };
        quote! {
            #[derive(Clone, Debug, PartialEq, Eq)]
            #[non_exhaustive]
            pub enum #name {
                #(#docs #variants(::runtime::ErrorMeta),)*
                #service_variant
                #common_variant
                /// A code this SDK does not know; code, message, request id and status are kept.
                ///
                /// Do not match on this variant to detect a particular code: a later version
                /// of the specs may give that code its own variant. Match on
                /// [`ServiceError::code`](::runtime::ServiceError::code) instead.
                Unhandled(::runtime::ErrorMeta),
            }

            impl From<::runtime::ErrorMeta> for #name {
                fn from(meta: ::runtime::ErrorMeta) -> Self {
                    #from_body
                }
            }

            impl ::runtime::ServiceError for #name {
                fn meta(&self) -> &::runtime::ErrorMeta {
                    match self {
                        #(Self::#variants(meta))|* | Self::Unhandled(meta) => meta,
                        #service_meta
                        #common_meta
                    }
                }

                fn retry(&self) -> ::runtime::Retry {
                    #retry_body
                }
            }

            impl ::std::fmt::Display for #name {
                fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                    ::std::fmt::Display::fmt(::runtime::ServiceError::meta(self), f)
                }
            }

            impl ::std::error::Error for #name {}
        }
    }

    /// The protocol of a service's error enum: its `service.yaml`'s, else its first operation's.
    pub(super) fn service_protocol(&self, svc: usize) -> Option<usize> {
        let s = &self.model.services[svc];
        s.protocol.or_else(|| {
            self.model
                .ops
                .iter()
                .find(|o| o.svc == svc)
                .map(|o| o.protocol)
        })
    }

    /// Whether an operation's errors are its service's enum (no table of its own).
    pub(super) fn uses_service_error(&self, op: &Operation) -> bool {
        op.errors.is_empty() && self.service_protocol(op.svc) == Some(op.protocol)
    }

    /// The service whose enum an operation with a table of its own nests as `Service(..)`:
    /// its own service, when that has codes and the same protocol.
    pub(super) fn nested_service(&self, op: &Operation) -> Option<&Service> {
        let s = &self.model.services[op.svc];
        (!op.errors.is_empty()
            && !s.errors.is_empty()
            && self.service_protocol(op.svc) == Some(op.protocol))
        .then_some(s)
    }

    /// The service's error enum (`CdbError`): its codes, `Common` and `Unhandled`; emitted
    /// when it has codes or an operation without a table of its own uses it.
    pub(super) fn service_error(&self, svc: usize) -> TokenStream {
        let s = &self.model.services[svc];
        let used = self
            .model
            .ops
            .iter()
            .any(|o| o.svc == svc && self.uses_service_error(o));
        let Some(p) = self.service_protocol(svc).map(|i| &self.model.protocols[i]) else {
            return quote!();
        };
        if !used && s.errors.is_empty() {
            return quote!();
        }
        let name = ident(&s.error_enum);
        let d = doc(&format!(
            "Errors of the `{}` service: its documented codes, the {} common errors, and `Unhandled` for any other code.",
            s.name, p.title
        ));
        let body = self.error_enum_body(&name, &s.errors, Some((p, &p.title)), None);
        quote!(#d #body)
    }

    pub(super) fn op_error(&self, op: &Operation, p: &Protocol) -> TokenStream {
        let name = format_ident!("{}Error", op.pascal);
        if self.uses_service_error(op) {
            let service = ident(&self.model.services[op.svc].error_enum);
            let d = doc(&format!(
                "Errors of `{}`: those of its service ([`{service}`](super::{service})).",
                op.wire_name
            ));
            return quote!(#d pub type #name = super::#service;);
        }
        let service = self.nested_service(op).map(|s| ident(&s.error_enum));
        let d = doc(&match &service {
            Some(en) => format!(
                "Errors of `{}`: its documented codes, its service's ([`{en}`](super::{en}), as `Service`), the {} common errors, and `Unhandled` for any other code.",
                op.wire_name, p.title
            ),
            None => format!(
                "Errors of `{}`: its documented codes, the {} common errors, and `Unhandled` for any other code.",
                op.wire_name, p.title
            ),
        });
        let body = self.error_enum_body(&name, &op.errors, Some((p, &p.title)), service.as_ref());
        quote!(#d #body)
    }
}
