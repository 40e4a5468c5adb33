//! Provider and service modules with their `Client`, and the per-operation modules.

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

use super::{Emitter, Module, doc, ident, opt_lit};
use crate::model::{Location, Operation, Protocol};

impl Emitter<'_> {
    /// The module of service `svc`: its shared types and error enum, the re-exports of its
    /// operations' types, its `Client`, and a module per operation (and, at a crate's root,
    /// per further API version, plus the `catalog`).
    pub(super) fn service_module(&self, svc: usize) -> Module {
        let service = &self.model.services[svc];
        let ops: Vec<&Operation> = self.model.ops.iter().filter(|o| o.svc == svc).collect();
        let mut uses = Vec::new();
        for op in &ops {
            let m = ident(&op.snake);
            uses.push(quote!(pub use #m::*;));
        }
        let mut children: Vec<Module> = ops.iter().map(|op| self.op_module(op)).collect();
        if service.sub.is_none() {
            for (i, sub) in self.model.services.iter().enumerate() {
                if sub.sub.is_some() && sub.provider == service.provider && sub.name == service.name
                {
                    children.push(self.service_module(i));
                }
            }
        }
        let types_module = self.shared_types_module(svc);
        let type_uses = if types_module.is_some() {
            quote!(
                pub use types::*;
            )
        } else {
            quote!()
        };
        children.extend(types_module);
        let error = self.service_error(svc);
        let defaults = self.operation_defaults(svc).map(|(items, _)| items);
        let client = if ops.is_empty() {
            quote!()
        } else {
            self.client(service, &ops)
        };
        if service.sub.is_none() {
            children.push(self.service_catalog(svc));
        }
        Module {
            name: service.sub.clone().unwrap_or_else(|| service.name.clone()),
            doc: self.docs.service_doc(service, &ops),
            attrs: quote!(),
            items: quote! {
                #(#uses)*
                #type_uses
                #error
                #defaults
                #client
            },
            children,
            source: service.file.clone(),
            crate_only: false,
        }
    }

    fn client(&self, service: &crate::model::Service, ops: &[&Operation]) -> TokenStream {
        // The model rejects a service whose operations need different credentials.
        let creds = ident(
            self.model.protocols[ops[0].protocol]
                .runtime
                .credentials_type(),
        );
        let new_doc = doc(&format!(
            "A client with the given configuration and credentials (from code, or [`{creds}::from_env`](::runtime::{creds}::from_env)).\n\nFails only if the HTTP client cannot be set up."
        ));
        let chain_doc = doc(&format!(
            "A client whose keys come from [`{creds}::default_chain`](::runtime::{creds}::default_chain): the environment, then the profile file, then the instance's metadata service; temporary keys are refreshed ahead of expiry.\n\nA chain that finds nothing fails the call with `SdkError::Credentials`, naming each step and why."
        ));
        let client_doc = doc(&format!(
            "Client for the `{}` operations of {}: configuration, credentials and a pooled connection, shared by clones.",
            service.name, service.provider
        ));
        quote! {
            #client_doc
            #[derive(Clone, Debug)]
            pub struct Client {
                runtime: ::runtime::Runtime,
            }

            impl Client {
                #new_doc
                pub fn new(config: ::runtime::ClientConfig, credentials: ::runtime::#creds) -> Result<Self, ::runtime::TransportError> {
                    let sdk = concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"));
                    let runtime = ::runtime::Runtime::new(config, credentials.into(), sdk)?;
                    Ok(Self { runtime })
                }

                #chain_doc
                pub fn from_default_chain(config: ::runtime::ClientConfig) -> Result<Self, ::runtime::TransportError> {
                    Self::with_provider(config, ::runtime::#creds::default_chain().build())
                }

                /// A client whose keys come from `provider`: asked before each signature and refreshed ahead of expiry.
                pub fn with_provider(config: ::runtime::ClientConfig, provider: ::runtime::credentials::CachingProvider) -> Result<Self, ::runtime::TransportError> {
                    let sdk = concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"));
                    let runtime = ::runtime::Runtime::with_provider(config, provider, sdk)?;
                    Ok(Self { runtime })
                }

                /// The request a call of `input` would send, unsigned: method, URL, headers and body as built from `input` and this client's configuration (`client.unsigned_request(&request)?`), for logs and tests. Nothing is signed or sent.
                pub fn unsigned_request<R: ::runtime::Request>(&self, input: &R) -> Result<::runtime::WireRequest, ::runtime::BuildError> {
                    self.runtime.wire(R::OP, input)
                }

                /// The client's configuration.
                pub fn config(&self) -> &::runtime::ClientConfig {
                    self.runtime.config()
                }

                /// The shared runtime: signing and sending, for tests and advanced use.
                pub fn runtime(&self) -> &::runtime::Runtime {
                    &self.runtime
                }

                /// This client with `options` over its configuration, for a call or a few without building another: timeouts, attempts, region, endpoint, language, extra headers ([`CallOptions`](runtime::CallOptions)). The copy shares the connections, credentials and rate limits: `client.with_options(&CallOptions::new().attempt_timeout(d)).call(&input)`.
                pub fn with_options(&self, options: &::runtime::CallOptions) -> Self {
                    Self { runtime: self.runtime.with_options(options) }
                }
            }
        }
    }

    /// `types`: the service's shared types, one module (file) each, re-exported.
    fn shared_types_module(&self, svc: usize) -> Option<Module> {
        let service = &self.model.services[svc];
        if service.types.is_empty() {
            return None;
        }
        let mut children = Vec::new();
        let mut uses = Vec::new();
        for t in &service.types {
            let m = ident(&format!("{}_type", crate::naming::snake(&t.name)));
            let n = ident(&t.name);
            uses.push(quote!(pub use #m::#n;));
            // Each type sees the siblings it refers to through the parent's re-exports.
            let items = self.named_type(t);
            let mut refs = std::collections::BTreeSet::new();
            if let crate::model::TypeKind::Object(fields) = &t.kind {
                for f in fields {
                    let mut ty = &f.ty;
                    while let crate::model::Ty::List(inner) | crate::model::Ty::Map(inner) = ty {
                        ty = inner;
                    }
                    if let crate::model::Ty::Named(n) = ty
                        && n != &t.name
                    {
                        refs.insert(ident(n));
                    }
                }
            }
            let siblings = if refs.is_empty() {
                quote!()
            } else {
                quote!(use super::{#(#refs),*};)
            };
            children.push(Module {
                name: m.to_string(),
                doc: format!("`{}`.", t.name),
                attrs: quote!(),
                items: quote!(#siblings #items),
                children: vec![],
                source: service.file.clone(),
                crate_only: true,
            });
        }
        Some(Module {
            name: "types".into(),
            doc: "Types the service's operations share.".into(),
            attrs: quote!(),
            items: quote!(#(#uses)*),
            children,
            source: service.file.clone(),
            crate_only: true,
        })
    }

    fn op_module(&self, op: &Operation) -> Module {
        let p = &self.model.protocols[op.protocol];
        // The service's types this operation uses, by name.
        let shared = super::shared_types_used(self.model, op);
        let shared_use = if shared.is_empty() {
            quote!()
        } else {
            let names = shared.iter().map(|n| ident(n));
            quote!(use super::{#(#names),*};)
        };
        // The client's methods for this operation live with it (an inherent impl may sit in
        // any module of the crate), so the service module stays small at any size.
        let call = ident(&op.snake);
        let [req, resp, err] =
            ["Request", "Response", "Error"].map(|s| format_ident!("{}{}", op.pascal, s));
        let call_doc = doc(&self.docs.op_doc(op, p));
        let paginator = match &op.pagination {
            Some(pg) => super::paging::method(op, &self.docs.paginator_doc(op, pg)),
            None => quote!(),
        };
        let waiters = op
            .waiters
            .iter()
            .map(|w| super::waiters::method(op, w, &self.docs.waiter_doc(op, w)));
        let methods = quote! {
            impl super::Client {
                #call_doc
                pub fn #call(&self, input: &#req) -> impl ::runtime::CallFuture<#resp, #err> {
                    self.runtime.call(&glue::OP, input)
                }
                #paginator
                #(#waiters)*
            }

            impl ::runtime::Request for #req {
                const OP: &'static ::runtime::Op<Self> = &glue::OP;
            }
        };
        // The user's types first; the runtime's glue last.
        let items = [
            shared_use,
            self.request(op),
            self.response(op),
            self.types(op),
            self.op_error(op, p),
            methods,
            super::glue::module(op, self.operation_const(op, p)),
        ];
        Module {
            name: op.snake.clone(),
            doc: format!(
                "`{}`: its request, response and error types and its client method, all \
                 re-exported at the crate root.",
                op.wire_name
            ),
            attrs: quote!(),
            items: quote!(#(#items)*),
            children: vec![],
            source: Some(op.spec_file.clone()),
            crate_only: true,
        }
    }

    /// The `OperationInfo` fields of `op` as `(name, value)` pairs, in declaration order.
    fn operation_fields(&self, op: &Operation) -> Vec<(&'static str, String, TokenStream)> {
        let p = &self.model.protocols[op.protocol];
        let (name, service, endpoint, path) =
            (&op.wire_name, &op.signing_name, &op.endpoint, &op.path);
        let protocol = ident(p.runtime.variant_name());
        let version = opt_lit(op.version.as_deref());
        let method = ident(&crate::naming::pascal(&op.method.to_lowercase()));
        let idempotent = op.idempotent;
        let rate = match op.rate_limit {
            Some(r) => {
                let r = Literal::f64_unsuffixed(r);
                quote!(Some(#r))
            }
            None => quote!(None),
        };
        let module = ident(&p.module);
        let protocols = self.protocols_path();
        let scope = ident(op.scope.variant_name());
        let response = response_layout(op);
        let regions = op.regions.iter().map(|(r, h)| quote!((#r, #h)));
        let fields = [
            ("name", quote!(#name)),
            ("protocol", quote!(::runtime::Protocol::#protocol)),
            ("service", quote!(#service)),
            ("version", version),
            ("endpoint", quote!(#endpoint)),
            ("method", quote!(::runtime::Method::#method)),
            ("path", quote!(#path)),
            ("idempotent", quote!(#idempotent)),
            ("rate_limit", rate),
            ("envelope", quote!(&#protocols::#module::ENVELOPE)),
            ("scope", quote!(::runtime::Scope::#scope)),
            ("response", response),
            ("regions", quote!(&[#(#regions),*])),
        ];
        fields
            .into_iter()
            .map(|(k, v)| (k, v.to_string(), v))
            .collect()
    }

    /// The operation every `OPERATION` of the service starts from (its first operation of the
    /// service's protocol, unnamed): each operation states only what differs from it.
    pub(super) fn operation_defaults(
        &self,
        svc: usize,
    ) -> Option<(TokenStream, Vec<(&'static str, String)>)> {
        let protocol = self.service_protocol(svc)?;
        let first = self
            .model
            .ops
            .iter()
            .find(|o| o.svc == svc && o.protocol == protocol)?;
        let mut fields = self.operation_fields(first);
        for (k, text, v) in fields.iter_mut() {
            match *k {
                "name" => *v = quote!(""),
                "idempotent" => *v = quote!(false),
                "rate_limit" => *v = quote!(None),
                _ => continue,
            }
            *text = v.to_string();
        }
        let inits = fields.iter().map(|(k, _, v)| {
            let k = ident(k);
            quote!(#k: #v)
        });
        let items = quote! {
            /// What the service's operations share on the wire; each one's `glue::OPERATION`
            /// starts from it.
            pub(crate) const OPERATION_DEFAULTS: ::runtime::OperationInfo = ::runtime::OperationInfo { #(#inits),* };
        };
        Some((items, fields.into_iter().map(|(k, t, _)| (k, t)).collect()))
    }

    fn operation_const(&self, op: &Operation, _p: &Protocol) -> TokenStream {
        let fields = self.operation_fields(op);
        match self.operation_defaults(op.svc) {
            Some((_, defaults)) if self.service_protocol(op.svc) == Some(op.protocol) => {
                let differ = fields
                    .iter()
                    .zip(&defaults)
                    .filter(|((_, a, _), (_, b))| a != b)
                    .map(|((k, _, v), _)| {
                        let k = ident(k);
                        quote!(#k: #v)
                    });
                quote!(::runtime::OperationInfo { #(#differ,)* ..super::super::OPERATION_DEFAULTS })
            }
            _ => {
                let inits = fields.iter().map(|(k, _, v)| {
                    let k = ident(k);
                    quote!(#k: #v)
                });
                quote!(::runtime::OperationInfo { #(#inits),* })
            }
        }
    }
}

/// The operation's `ResponseLayout`: response fields read from headers, and the field that
/// is the whole body.
fn response_layout(op: &Operation) -> TokenStream {
    let headers: Vec<TokenStream> = op
        .response
        .iter()
        .filter(|f| f.location == Location::Header)
        .map(|f| {
            let wire = &f.wire;
            quote!((#wire, #wire))
        })
        .collect();
    let payload = op.response_payload();
    if headers.is_empty() && payload.is_none() {
        return quote!(::runtime::envelope::ResponseLayout::MEMBERS);
    }
    let payload = match payload {
        Some((f, kind)) => {
            let wire = &f.wire;
            let kind = ident(&format!("{kind:?}"));
            quote!(Some((#wire, ::runtime::envelope::PayloadKind::#kind)))
        }
        None => quote!(None),
    };
    quote!(::runtime::envelope::ResponseLayout { headers: &[#(#headers),*], payload: #payload })
}
