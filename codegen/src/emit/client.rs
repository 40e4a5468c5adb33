//! Provider and service modules with their `Client`, and the per-operation modules.

use proc_macro2::{Ident, Literal, TokenStream};
use quote::{format_ident, quote};

use super::{Emitter, Module, doc, ident, opt_lit};
use crate::model::{Operation, Protocol};

impl Emitter<'_> {
    pub(super) fn provider_module(&self, provider: &str) -> Module {
        let mut services: Vec<&str> = self
            .model
            .ops
            .iter()
            .filter(|o| o.provider == provider)
            .map(|o| o.service.as_str())
            .collect();
        services.dedup();
        let children = services
            .iter()
            .map(|s| self.service_module(provider, s))
            .collect();
        Module {
            name: provider.into(),
            doc: self.docs.provider_doc(provider, self.model),
            attrs: Self::feature(provider),
            items: quote!(),
            children,
            source: None,
        }
    }

    fn service_module(&self, provider: &str, service: &str) -> Module {
        let ops: Vec<&Operation> = self
            .model
            .ops
            .iter()
            .filter(|o| o.provider == provider && o.service == service)
            .collect();
        let mut uses = Vec::new();
        let mut methods = Vec::new();
        for op in &ops {
            let m = ident(&op.snake);
            let mut names: Vec<Ident> = ["Request", "RequestBuilder", "Response", "Error"]
                .iter()
                .map(|s| format_ident!("{}{}", op.pascal, s))
                .collect();
            names.extend(op.types.iter().map(|t| ident(&t.name)));
            uses.push(quote!(pub use #m::{#(#names),*};));
            let (call, unsigned) = (ident(&op.snake), format_ident!("{}_request", op.snake));
            let [req, resp, err] =
                ["Request", "Response", "Error"].map(|s| format_ident!("{}{}", op.pascal, s));
            let d = doc(&self.docs.client_method_doc(op));
            let unsigned_doc = doc(&format!(
                "The unsigned wire request [`{call}`](Self::{call}) would send (method, host, path, query, headers, body)."
            ));
            methods.push(quote! {
                #d
                pub async fn #call(&self, input: &#req) -> Result<#resp, ::runtime::SdkError<#err>> {
                    let wire = #m::glue::to_wire(input, self.runtime.config()).map_err(::runtime::SdkError::Build)?;
                    self.runtime.invoke(&#m::glue::OPERATION, wire).await
                }
                #unsigned_doc
                pub fn #unsigned(&self, input: &#req) -> Result<::runtime::WireRequest, ::runtime::BuildError> {
                    #m::glue::to_wire(input, self.runtime.config())
                }
            });
        }
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
            "Client for the `{service}` operations of {provider}: configuration, credentials and a pooled connection, shared by clones."
        ));
        let items = quote! {
            #(#uses)*

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

                /// The client's configuration.
                pub fn config(&self) -> &::runtime::ClientConfig {
                    self.runtime.config()
                }

                /// The shared runtime: signing and sending, for tests and advanced use.
                pub fn runtime(&self) -> &::runtime::Runtime {
                    &self.runtime
                }

                #(#methods)*
            }
        };
        Module {
            name: service.into(),
            doc: self.docs.service_doc(provider, service, &ops),
            attrs: quote!(),
            items,
            children: ops.iter().map(|op| self.op_module(op)).collect(),
            source: None,
        }
    }

    fn op_module(&self, op: &Operation) -> Module {
        let p = &self.model.protocols[op.protocol];
        // The user's types first; the runtime's glue last.
        let items = [
            self.request(op),
            self.response(op),
            self.types(op),
            self.op_error(op, p),
            super::glue::module(op, p, self.operation_const(op, p)),
        ];
        Module {
            name: op.snake.clone(),
            doc: self.docs.op_doc(op, p),
            attrs: quote!(),
            items: quote!(#(#items)*),
            children: vec![],
            source: Some(op.spec_file.clone()),
        }
    }

    fn operation_const(&self, op: &Operation, p: &Protocol) -> TokenStream {
        let (name, service, endpoint, path) = (&op.wire_name, &op.service, &op.endpoint, &op.path);
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
        let root = &self.root;
        let scope = ident(op.scope.variant_name());
        quote! {
            ::runtime::OperationInfo {
                name: #name,
                protocol: ::runtime::Protocol::#protocol,
                service: #service,
                version: #version,
                endpoint: #endpoint,
                method: ::runtime::Method::#method,
                path: #path,
                idempotent: #idempotent,
                rate_limit: #rate,
                envelope: &#root::protocols::#module::ENVELOPE,
                scope: ::runtime::Scope::#scope,
            }
        }
    }
}
