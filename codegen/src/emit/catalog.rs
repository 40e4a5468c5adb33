//! The `catalog` module (feature `catalog`): spec facts and typed hooks of every operation.

use quote::{format_ident, quote};

use super::{Emitter, Module, doc, ident};
use crate::model::ErrorVariant;

impl Emitter<'_> {
    /// `catalog` (feature `catalog`): every operation's spec facts and typed hooks, for the
    /// emulator, spec-driven tests, the demo and benchmarks.
    pub(super) fn catalog_module(&self) -> Module {
        let root = &self.root;
        let error_info = |e: &ErrorVariant, variant: String| {
            let code = &e.code;
            let retry = ident(e.retryable.variant_name());
            let status = match e.status {
                Some(s) => quote!(Some(#s)),
                None => quote!(None),
            };
            let roles = e.roles.iter().map(|r| ident(r.variant_name()));
            quote!(::runtime::catalog::ErrorInfo { code: #code, variant: #variant, status: #status, retry: ::runtime::Retry::#retry, roles: &[#(::runtime::catalog::Role::#roles),*] })
        };
        let mut items = Vec::new();
        for p in &self.model.protocols {
            let gate = Self::feature(&p.provider);
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
                    envelope: &#root::protocols::#module::ENVELOPE,
                    max_skew_seconds: #skew,
                    refusal_status: #refusal,
                    errors: &[#(#errors),*],
                };
            });
        }
        let mut groups = Vec::new();
        for provider in self.model.providers() {
            let entries = self.model.ops.iter().filter(|o| o.provider == provider).map(|op| {
                let p = &self.model.protocols[op.protocol];
                let (prov, svc, m) = (ident(&op.provider), ident(&op.service), ident(&op.snake));
                let glue = quote!(#root::#prov::#svc::#m::glue);
                let params = op.request.iter().map(|f| {
                    let (name, loc, required) = (&f.wire, ident(f.location.variant_name()), f.required);
                    quote!(::runtime::catalog::ParamInfo { name: #name, location: ::runtime::protocols::Location::#loc, required: #required })
                });
                let examples = op.request.iter().filter_map(|f| {
                    let (name, text) = (&f.wire, f.example.as_ref()?);
                    Some(quote!((#name, #text)))
                });
                let samples = op.samples.iter().map(|s| {
                    let (name, status, body) = (&s.name, s.status, &s.text);
                    quote!(::runtime::catalog::SampleInfo { name: #name, status: #status, body: #body })
                });
                let own = op.errors.iter().map(|e| error_info(e, e.variant.clone()));
                let common = p
                    .errors
                    .iter()
                    .filter(|c| op.errors.iter().all(|e| e.code != c.code))
                    .map(|e| error_info(e, format!("Common({})", e.variant)));
                let errors = own.chain(common);
                let proto = format_ident!("PROTOCOL_{}", p.module.to_uppercase());
                quote! {
                    ::runtime::catalog::Entry {
                        spec: &::runtime::catalog::OperationCatalog {
                            info: &#glue::OPERATION,
                            params: &[#(#params),*],
                            samples: &[#(#samples),*],
                            errors: &[#(#errors),*],
                            protocol: &#proto,
                            examples: &[#(#examples),*],
                        },
                        decode: |status, request_id, body| ::runtime::catalog::outcome(#glue::decode(status, request_id, body)),
                        example_request: |config| #glue::example().and_then(|input| #glue::to_wire(&input, config)),
                        call_example: #glue::call_example,
                    }
                }
            });
            let name = format_ident!("{}", provider.to_uppercase());
            let gate = Self::feature(provider);
            let d = doc(&format!("Operations of the `{provider}` feature."));
            items.push(quote! {
                #gate
                #d
                pub const #name: &[::runtime::catalog::Entry] = &[#(#entries),*];
            });
            groups.push(quote!(#gate #name));
        }
        let items = quote! {
            /// The generated crate's name and version, as its clients send them in the `User-Agent`.
            pub const SDK: &str = concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"));

            #(#items)*

            /// Every operation compiled in (by provider feature), in spec order.
            pub fn operations() -> Vec<&'static ::runtime::catalog::Entry> {
                let groups: &[&[::runtime::catalog::Entry]] = &[#(#groups),*];
                groups.iter().flat_map(|g| g.iter()).collect()
            }

            /// The operation with wire name `name`, if compiled in.
            pub fn operation(name: &str) -> Option<&'static ::runtime::catalog::Entry> {
                operations().into_iter().find(|e| e.spec.info.name == name)
            }
        };
        Module {
            name: "catalog".into(),
            doc: "Spec facts and typed hooks of every operation, for emulators, spec-driven tests, demos and benchmarks: parameters, documented samples, error codes with their roles, example requests.".into(),
            attrs: quote!(#[cfg(feature = "catalog")]),
            items,
            children: vec![],
            source: None,
        }
    }
}
