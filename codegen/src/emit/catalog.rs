//! The `catalog` modules (feature `catalog`): spec facts and typed hooks of every operation,
//! for the emulator, spec-driven tests, the demo and benchmarks. The protocols' facts sit
//! with the protocols; each service crate lists its own operations; the root (the facade,
//! or the inline tree) gathers the enabled services'.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::{Emitter, Module, doc, ident, str_lit};
use crate::model::{ErrorVariant, Operation};

fn error_info(e: &ErrorVariant, variant: String) -> TokenStream {
    let code = &e.code;
    let retry = ident(e.retryable.variant_name());
    let status = match e.status {
        Some(s) => quote!(Some(#s)),
        None => quote!(None),
    };
    let roles = e.roles.iter().map(|r| ident(r.variant_name()));
    quote!(::runtime::catalog::ErrorInfo { code: #code, variant: #variant, status: #status, retry: ::runtime::Retry::#retry, roles: &[#(::runtime::catalog::Role::#roles),*] })
}

fn catalog_module(doc: &str, items: TokenStream) -> Module {
    Module {
        name: "catalog".into(),
        doc: doc.into(),
        attrs: quote!(#[cfg(feature = "catalog")]),
        items,
        children: vec![],
        source: None,
        crate_only: false,
    }
}

fn catalog_module_with(doc: &str, items: TokenStream, children: Vec<Module>) -> Module {
    Module {
        children,
        ..catalog_module(doc, items)
    }
}

impl Emitter<'_> {
    /// `PROTOCOL_*` constants: each protocol's catalog facts.
    pub(super) fn protocols_catalog(&self) -> Module {
        let mut items = Vec::new();
        for p in &self.model.protocols {
            let gate = if self.crates {
                quote!()
            } else {
                Self::feature(&p.provider)
            };
            let name = format_ident!("PROTOCOL_{}", p.module.to_uppercase());
            let (spec_name, variant, module) =
                (&p.name, ident(p.runtime.variant_name()), ident(&p.module));
            let skew = match p.max_skew_seconds {
                Some(s) => quote!(Some(#s)),
                None => quote!(None),
            };
            let refusal = p.refusal_status;
            let errors = p.errors.iter().map(|e| error_info(e, e.variant.clone()));
            let d = doc(&format!("Catalog facts of protocol `{}`.", p.name));
            items.push(quote! {
                #gate
                #d
                pub const #name: ::runtime::catalog::ProtocolCatalog = ::runtime::catalog::ProtocolCatalog {
                    name: #spec_name,
                    protocol: ::runtime::Protocol::#variant,
                    envelope: &super::#module::ENVELOPE,
                    max_skew_seconds: #skew,
                    refusal_status: #refusal,
                    errors: &[#(#errors),*],
                };
            });
        }
        catalog_module(
            "Each protocol's facts for the emulator and spec-driven tests: envelope, clock skew, refusal status, common error codes with their roles.",
            quote!(#(#items)*),
        )
    }

    /// Error facts of an operation: its enum's rows, then the nested service enum's
    /// (`Service(X)`), then its protocol's common ones (`Common(X)`), each code once.
    fn op_errors(&self, op: &Operation) -> Vec<TokenStream> {
        let p = &self.model.protocols[op.protocol];
        // An operation without a table of its own has the service's enum: its codes are
        // direct variants.
        let (own, nested): (&[ErrorVariant], &[ErrorVariant]) = if self.uses_service_error(op) {
            (&self.model.services[op.svc].errors, &[])
        } else {
            (
                &op.errors,
                self.nested_service(op).map_or(&[], |s| &s.errors),
            )
        };
        let nested: Vec<&ErrorVariant> = nested
            .iter()
            .filter(|r| own.iter().all(|e| e.code != r.code))
            .collect();
        let common = p.errors.iter().filter(|c| {
            own.iter()
                .chain(nested.iter().copied())
                .all(|e| e.code != c.code)
        });
        own.iter()
            .map(|e| error_info(e, e.variant.clone()))
            .chain(
                nested
                    .iter()
                    .map(|e| error_info(e, format!("Service({})", e.variant))),
            )
            .chain(common.map(|e| error_info(e, format!("Common({})", e.variant))))
            .collect()
    }

    /// The `catalog` module of a service crate (its operations and its versions').
    pub(super) fn service_catalog(&self, svc: usize) -> Module {
        let crate_service = &self.model.services[svc];
        let protocols = self.protocols_path();
        let mut shared = Vec::new();
        let mut entries = Vec::new();
        let mut hook_modules = Vec::new();
        for (i, s) in self.model.services.iter().enumerate() {
            if s.provider != crate_service.provider || s.name != crate_service.name {
                continue;
            }
            let ops: Vec<&Operation> = self.model.ops.iter().filter(|o| o.svc == i).collect();
            // Operations that use the service's enum share one list of error facts.
            let errors_const = format_ident!(
                "ERRORS{}",
                s.sub
                    .as_deref()
                    .map(|v| format!("_{}", v.to_uppercase()))
                    .unwrap_or_default()
            );
            if let Some(op) = ops.iter().find(|o| self.uses_service_error(o)) {
                let errors = self.op_errors(op);
                let d = doc(&format!(
                    "Error facts of the `{}` service's enum (its codes, then the common ones).",
                    s.name
                ));
                shared.push(quote!(#d pub const #errors_const: &[::runtime::catalog::ErrorInfo] = &[#(#errors),*];));
            }
            let path = self.service_path(i);
            for op in ops {
                let p = &self.model.protocols[op.protocol];
                let m = ident(&op.snake);
                let glue = quote!(#path::#m::glue);
                // The operation's test hooks, in a module named after it (and its version).
                let hooks = format_ident!(
                    "{}{}",
                    s.sub
                        .as_deref()
                        .map(|v| format!("{v}_"))
                        .unwrap_or_default(),
                    op.snake
                );
                let [req, resp, err] =
                    ["Request", "Response", "Error"].map(|x| format_ident!("{}{}", op.pascal, x));
                let example = super::glue::example_builder(self.model, op, p, false);
                let hooks_items = quote! {
                        use #path::*;
                        use ::runtime::BoxFuture;
                        use ::runtime::catalog::Outcome;
                        pub use #glue::{OP, OPERATION, to_wire};

                        pub fn example() -> Result<#req, ::runtime::BuildError> {
                            #example
                        }

                        pub fn call(runtime: &::runtime::Runtime) -> BoxFuture<'_, Outcome> {
                            ::runtime::catalog::call_example::<_, #resp, #err>(runtime, &#glue::OP, example)
                        }

                        pub fn decode(status: u16, request_id: Option<&str>, body: &[u8]) -> Result<#resp, ::runtime::SdkError<#err>> {
                            ::runtime::envelope::decode_into(&OPERATION, status, request_id, body)
                        }
                };
                let params = op.request.iter().map(|f| {
                    let (name, loc, required) =
                        (&f.wire, ident(f.location.variant_name()), f.required || f.config.is_some_and(|(_, r)| r));
                    quote!(::runtime::catalog::ParamInfo { name: #name, location: ::runtime::protocols::Location::#loc, required: #required })
                });
                let examples = op.request.iter().filter_map(|f| {
                    let (name, text) = (&f.wire, f.example.as_ref()?);
                    Some(quote!((#name, #text)))
                });
                // Only samples that decode as a success: the ones tests replay.
                let samples = crate::sample::replayable(op).map(|s| {
                        let (name, status, body) = (&s.name, s.status, str_lit(&s.text));
                        quote!(::runtime::catalog::SampleInfo { name: #name, status: #status, body: #body })
                    });
                let errors = if self.uses_service_error(op) {
                    quote!(#errors_const)
                } else {
                    let rows = self.op_errors(op);
                    quote!(&[#(#rows),*])
                };
                let proto = format_ident!("PROTOCOL_{}", p.module.to_uppercase());
                let imported = op.origin.is_some();
                let synthesized = match crate::sample::replayable(op).next() {
                    Some(_) => quote!(None),
                    None => {
                        let (status, body) = crate::synth::response(self.model, op);
                        let body = str_lit(&body);
                        quote!(Some(::runtime::catalog::SampleInfo { name: "synthesized", status: #status, body: #body }))
                    }
                };
                let reply_headers = crate::synth::response_headers(op)
                    .into_iter()
                    .map(|(h, v)| quote!((#h, #v)));
                let paging = match op.pagination {
                    Some(_) => quote!(Some(&#glue::PAGING)),
                    None => quote!(None),
                };
                let entry = quote! {
                    ::runtime::catalog::Entry {
                        spec: &::runtime::catalog::OperationCatalog {
                            info: &#glue::OPERATION,
                            params: &[#(#params),*],
                            samples: &[#(#samples),*],
                            errors: #errors,
                            protocol: &#protocols::catalog::#proto,
                            examples: &[#(#examples),*],
                            imported: #imported,
                            synthesized: #synthesized,
                            reply_headers: &[#(#reply_headers),*],
                            paging: #paging,
                        },
                        decode: |status, request_id, body| ::runtime::catalog::outcome(decode(status, request_id, body)),
                        example_request: |config| example().and_then(|input| to_wire(&input, config)),
                        call_example: call,
                    }
                };
                let errors_use = if self.uses_service_error(op) {
                    quote!(use super::#errors_const;)
                } else {
                    quote!()
                };
                hook_modules.push(Module {
                    name: hooks.to_string(),
                    doc: format!("Catalog entry and typed test hooks of `{}`.", op.wire_name),
                    attrs: quote!(#[doc(hidden)]),
                    items: quote! {
                        #hooks_items
                        #errors_use

                        /// The operation's catalog entry.
                        pub const ENTRY: ::runtime::catalog::Entry = #entry;
                    },
                    children: vec![],
                    source: None,
                    crate_only: false,
                });
                entries.push(quote!(#hooks::ENTRY));
            }
        }
        catalog_module_with(
            "Spec facts and typed hooks of this service's operations, for emulators, spec-driven tests, demos and benchmarks.",
            quote! {
                #(#shared)*

                /// Every operation of the service, in spec order.
                pub const ENTRIES: &[::runtime::catalog::Entry] = &[#(#entries),*];
            },
            hook_modules,
        )
    }

    /// The root `catalog`: the enabled services' entries.
    pub(super) fn root_catalog(&self) -> Module {
        catalog_module(
            "Spec facts and typed hooks of every operation compiled in, for emulators, spec-driven tests, demos and benchmarks: parameters, documented samples, error codes with their roles, example requests.",
            self.catalog_items(true),
        )
    }

    /// What a root catalog holds: `operations()` over the services (each behind its
    /// feature when `gated`, as in the facade), and the lookups built on it.
    pub(super) fn catalog_items(&self, gated: bool) -> TokenStream {
        let mut groups = Vec::new();
        for (_, s) in self.model.crates() {
            let (gate, path) = if self.crates {
                let krate = ident(&s.crate_name().replace('-', "_"));
                let feature = s.crate_name();
                (
                    gated.then(|| quote!(#[cfg(feature = #feature)])),
                    quote!(::#krate::catalog::ENTRIES),
                )
            } else {
                let (root, provider, name) = (&self.root, ident(&s.provider), ident(&s.name));
                (
                    gated.then(|| Self::feature(&s.provider)),
                    quote!(#root::#provider::#name::catalog::ENTRIES),
                )
            };
            groups.push(quote!(#gate #path));
        }
        let protocols = self.protocols_path();
        let compiled = if gated {
            "compiled in (by feature)"
        } else {
            "of the SDK"
        };
        let operations_doc = doc(&format!("Every operation {compiled}, in spec order."));
        quote! {
            pub use #protocols::catalog::*;

            /// This crate's name and version.
            pub const SDK: &str = concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"));

            #operations_doc
            pub fn operations() -> Vec<&'static ::runtime::catalog::Entry> {
                let groups: &[&[::runtime::catalog::Entry]] = &[#(#groups),*];
                groups.iter().flat_map(|g| g.iter()).collect()
            }

            /// The operations whose specs a maintainer wrote (not imported from a vendor
            /// catalogue): the ones whose examples and samples are curated.
            pub fn hand_written() -> Vec<&'static ::runtime::catalog::Entry> {
                operations().into_iter().filter(|e| !e.spec.imported).collect()
            }

            /// The operation with wire name `name`, if compiled in: a hand-written one
            /// first, else the first in spec order (services may share an operation
            /// name: see [`find`]).
            pub fn operation(name: &str) -> Option<&'static ::runtime::catalog::Entry> {
                let all = operations();
                all.iter()
                    .find(|e| !e.spec.imported && e.spec.info.name == name)
                    .or_else(|| all.iter().find(|e| e.spec.info.name == name))
                    .copied()
            }

            /// The operation `name` of the service that signs as `service`, if compiled in.
            pub fn find(service: &str, name: &str) -> Option<&'static ::runtime::catalog::Entry> {
                operations()
                    .into_iter()
                    .find(|e| e.spec.info.service == service && e.spec.info.name == name)
            }
        }
    }
}
