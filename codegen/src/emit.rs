//! Model → Rust token streams (`quote!`), one module tree for the whole SDK.
//! Emitted code names `::serde::` and `::runtime::` by absolute path and uses the std
//! prelude (`Option`, `String`, `Vec`, `Result`…) by name: the model rejects spec type names
//! that would shadow a prelude name, so the short spelling is safe and keeps files small.

use proc_macro2::{Ident, Literal, Span, TokenStream};
use quote::{format_ident, quote};

use crate::docs::Docs;
use crate::model::{
    ErrorVariant, Field, Model, NamedType, Operation, Protocol, Sensitivity, Ty, TypeKind,
};

/// A module of the generated crate.
pub struct Module {
    pub name: String,
    pub doc: String,
    /// Attributes on the `mod` item (feature gates).
    pub attrs: TokenStream,
    pub items: TokenStream,
    pub children: Vec<Module>,
    /// The spec file this module comes from, for the file header.
    pub source: Option<String>,
}

fn ident(s: &str) -> Ident {
    Ident::new(s, Span::call_site())
}

fn lit(s: &str) -> Literal {
    Literal::string(s)
}

fn opt_lit(s: Option<&str>) -> TokenStream {
    match s {
        Some(s) => quote!(Some(#s)),
        None => quote!(None),
    }
}

fn doc(text: &str) -> TokenStream {
    let text = text.trim_end();
    let lines = text.lines().map(|l| {
        if l.is_empty() {
            String::new()
        } else {
            format!(" {l}")
        }
    });
    quote!(#(#[doc = #lines])*)
}

/// The Rust type of a field's value, without the `Option` of an optional field.
fn base_ty(ty: &Ty, sensitive: Sensitivity, boxed: bool) -> TokenStream {
    let t = match ty {
        Ty::Str => match sensitive {
            Sensitivity::SignedUrl => quote!(::runtime::SignedUrl),
            Sensitivity::Secret => quote!(::runtime::Sensitive<String>),
            Sensitivity::None => quote!(String),
        },
        Ty::Bool => quote!(bool),
        Ty::I32 => quote!(i32),
        Ty::I64 => quote!(i64),
        Ty::U32 => quote!(u32),
        Ty::U64 => quote!(u64),
        Ty::F64 => quote!(f64),
        Ty::Timestamp(marker) => {
            let m = ident(marker);
            quote!(::runtime::Timestamp<::runtime::time_fmt::#m>)
        }
        Ty::List(inner) => {
            let inner = base_ty(inner, sensitive, false);
            quote!(Vec<#inner>)
        }
        Ty::Map(inner) => {
            let inner = base_ty(inner, sensitive, false);
            quote!(::std::collections::BTreeMap<String, #inner>)
        }
        Ty::Named(n) => {
            let n = ident(n);
            quote!(#n)
        }
    };
    match (sensitive, ty) {
        (Sensitivity::Secret, Ty::Str)
        | (_, Ty::Named(_))
        | (Sensitivity::None | Sensitivity::SignedUrl, _) => {
            if boxed {
                quote!(Box<#t>)
            } else {
                t
            }
        }
        (Sensitivity::Secret, _) => quote!(::runtime::Sensitive<#t>),
    }
}

fn is_collection(ty: &Ty) -> bool {
    matches!(ty, Ty::List(_) | Ty::Map(_))
}

/// Field type as stored in a struct: responses keep lists/maps plain (absent = empty).
fn field_ty(f: &Field, response: bool) -> TokenStream {
    let t = base_ty(&f.ty, f.sensitive, f.boxed);
    if f.required || (response && is_collection(&f.ty)) {
        t
    } else {
        quote!(Option<#t>)
    }
}

fn num_lit(ty: &Ty, n: Option<crate::spec::Num>) -> TokenStream {
    match n {
        None => quote!(None),
        Some(n) => {
            let l = if ty.is_integer() {
                Literal::i128_unsuffixed(n.value as i128)
            } else {
                Literal::f64_unsuffixed(n.value)
            };
            quote!(Some(#l))
        }
    }
}

pub struct Emitter<'a> {
    pub model: &'a Model,
    pub docs: Docs,
    /// Path of the generated crate's root from inside it (`crate`, or `crate::x` when inlined).
    pub root: TokenStream,
}

impl Emitter<'_> {
    pub fn crate_tree(&self) -> Module {
        let providers = self.model.providers();
        let mut children = vec![self.protocols_module()];
        for provider in &providers {
            children.push(self.provider_module(provider));
        }
        children.push(self.catalog_module());
        // One `use` per item: lib.rs is also read by rustfmt, which must agree with prettyplease.
        let reexports = [
            "BuildError",
            "ClientConfig",
            "DecodeError",
            "ErrorMeta",
            "SdkError",
            "Sensitive",
            "ServiceError",
            "SignedUrl",
            "Timestamp",
            "WireRequest",
        ]
        .map(ident);
        let items = quote! {
            pub use ::runtime;
            #(pub use ::runtime::#reexports;)*
        };
        Module {
            name: String::new(),
            doc: self.docs.crate_doc(self.model),
            attrs: quote!(),
            items,
            children,
            source: None,
        }
    }

    /// `catalog` (feature `catalog`): every operation's spec facts and typed hooks, for the
    /// emulator, spec-driven tests, the demo and benchmarks.
    fn catalog_module(&self) -> Module {
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

    fn feature(provider: &str) -> TokenStream {
        quote!(#[cfg(feature = #provider)])
    }

    fn protocols_module(&self) -> Module {
        let children = self
            .model
            .protocols
            .iter()
            .map(|p| Module {
                name: p.module.clone(),
                doc: self.docs.protocol_doc(p),
                attrs: Self::feature(&p.provider),
                items: self.protocol_items(p),
                children: vec![],
                source: Some(p.file.clone()),
            })
            .collect();
        Module {
            name: "protocols".into(),
            doc: "Wire protocols: response envelopes and each protocol's common errors.".into(),
            attrs: quote!(),
            items: quote!(),
            children,
            source: None,
        }
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
        let enum_name = ident(&p.error_enum);
        let enum_doc = doc(&format!(
            "Common errors of the {} protocol: codes any operation may return.",
            p.title
        ));
        let errors = self.error_enum_body(&enum_name, &p.errors, None);
        quote! {
            /// Where this protocol puts payload, error code, message and request id.
            pub const ENVELOPE: ::runtime::EnvelopeSpec = ::runtime::EnvelopeSpec {
                protocol: #name,
                wrapper: #wrapper,
                error_object: #error_object,
                code_field: #code_field,
                message_field: #message_field,
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

    /// An error enum: one variant per row, optionally `Common(..)`, and `Unhandled`.
    fn error_enum_body(
        &self,
        name: &Ident,
        rows: &[ErrorVariant],
        common: Option<(&Protocol, &str)>,
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
        let root = &self.root;
        let (common_variant, common_meta, common_from, common_retry) = match common {
            Some((p, title)) => {
                let (module, en) = (ident(&p.module), ident(&p.error_enum));
                let d = doc(&format!("A common error of the {title} protocol."));
                (
                    quote!(#d Common(#root::protocols::#module::#en),),
                    quote!(Self::Common(e) => ::runtime::ServiceError::meta(e),),
                    quote!(match #root::protocols::#module::#en::from_meta(meta) {
                        Ok(e) => Self::Common(e),
                        Err(meta) => Self::Unhandled(meta),
                    }),
                    quote!(Self::Common(e) => ::runtime::ServiceError::retry(e),),
                )
            }
            None => (quote!(), quote!(), quote!(Self::Unhandled(meta)), quote!()),
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
        let retry_body = if always.is_empty() && if_idempotent.is_empty() && common.is_none() {
            quote!(::runtime::Retry::Never)
        } else {
            quote!(match self { #(#retry_arms)* _ => ::runtime::Retry::Never })
        };
        let from_body = if rows.is_empty() {
            common_from
        } else {
            quote!(match meta.code.as_str() { #(#codes => Self::#variants(meta),)* _ => #common_from })
        };
        quote! {
            #[derive(Clone, Debug, PartialEq, Eq)]
            #[non_exhaustive]
            pub enum #name {
                #(#docs #variants(::runtime::ErrorMeta),)*
                #common_variant
                /// A code this SDK does not know; code, message, request id and status are kept.
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

    fn provider_module(&self, provider: &str) -> Module {
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
        let items = [
            crate::glue::module(op, p, self.operation_const(op, p)),
            self.request(op),
            self.response(op),
            self.types(op),
            self.op_error(op, p),
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
            }
        }
    }

    fn request(&self, op: &Operation) -> TokenStream {
        let req = format_ident!("{}Request", op.pascal);
        let builder = format_ident!("{}RequestBuilder", op.pascal);
        let fields: Vec<Ident> = op.request.iter().map(|f| ident(&f.ident)).collect();
        let docs: Vec<TokenStream> = op
            .request
            .iter()
            .map(|f| doc(&self.docs.field_doc(f)))
            .collect();
        let tys = op.request.iter().map(|f| field_ty(f, false));
        let opt_tys = op.request.iter().map(|f| {
            let t = base_ty(&f.ty, f.sensitive, f.boxed);
            quote!(Option<#t>)
        });
        let setters = op.request.iter().map(|f| {
            let name = ident(&f.ident);
            let t = base_ty(&f.ty, f.sensitive, f.boxed);
            let d = doc(&format!(
                "Sets [`{}`]({req}::{}) (`{}`).",
                f.ident, f.ident, f.wire
            ));
            quote! {
                #d
                pub fn #name(mut self, value: impl Into<#t>) -> Self {
                    self.#name = Some(value.into());
                    self
                }
            }
        });
        let mut checks = Vec::new();
        for f in op.request.iter().filter(|f| f.required) {
            let (name, wire, field) = (ident(&f.ident), &f.wire, &f.ident);
            checks.push(quote!(let #name = check.required(#field, #wire, self.#name);));
        }
        for f in op
            .request
            .iter()
            .filter(|f| f.min.is_some() || f.max.is_some())
        {
            let (name, wire, field) = (ident(&f.ident), &f.wire, &f.ident);
            let (lo, hi) = (num_lit(&f.ty, f.min), num_lit(&f.ty, f.max));
            let value = if f.required {
                quote!(#name.as_ref())
            } else {
                quote!(self.#name.as_ref())
            };
            checks.push(quote!(check.range(#field, #wire, #value, #lo, #hi);));
        }
        let mutable = if checks.is_empty() {
            quote!()
        } else {
            quote!(mut)
        };
        let assemble = op.request.iter().map(|f| {
            let name = ident(&f.ident);
            if f.required {
                quote!(#name: #name?)
            } else {
                quote!(#name: self.#name)
            }
        });
        let req_doc = doc(&format!(
            "Input of `{}`. Build one with [`{req}::builder`].",
            op.wire_name
        ));
        let builder_doc = doc(&format!(
            "Builder of [`{req}`]: [`build`]({builder}::build) checks required fields and ranges before any I/O."
        ));
        let fields_ref = &fields;
        quote! {
            #req_doc
            #[derive(Clone, Debug, PartialEq)]
            #[non_exhaustive]
            pub struct #req {
                #(#docs pub #fields_ref: #tys,)*
            }

            impl #req {
                /// A builder with every field unset.
                pub fn builder() -> #builder {
                    #builder::default()
                }


            }

            #builder_doc
            #[derive(Clone, Debug, Default)]
            #[must_use]
            pub struct #builder {
                #(#fields_ref: #opt_tys,)*
            }

            impl #builder {
                #(#setters)*

                /// Checks the fields and builds the request; every problem is reported at once.
                pub fn build(self) -> Result<#req, ::runtime::BuildError> {
                    let #mutable check = ::runtime::build::Check::new(glue::OPERATION.name);
                    #(#checks)*
                    check.finish(|| Some(#req { #(#assemble),* }))
                }
            }
        }
    }

    fn struct_fields(&self, fields: &[Field]) -> TokenStream {
        let out = fields.iter().map(|f| {
            let name = ident(&f.ident);
            let d = doc(&self.docs.field_doc(f));
            let t = field_ty(f, true);
            let wire = &f.wire;
            let rename = if f.ident != f.wire {
                quote!(rename = #wire,)
            } else {
                quote!()
            };
            let aliases = f.aliases.iter().map(|a| quote!(alias = #a,));
            let default = if f.required && !is_collection(&f.ty) {
                quote!()
            } else {
                quote!(default,)
            };
            quote! {
                #d
                #[serde(#rename #(#aliases)* #default deserialize_with = "::runtime::de::lenient")]
                pub #name: #t,
            }
        });
        quote!(#(#out)*)
    }

    fn accessors(&self, owner: &Ident, fields: &[Field]) -> TokenStream {
        let acc: Vec<TokenStream> = fields
            .iter()
            .filter_map(|f| {
                let factor = f.bytes_factor?;
                let (name, unit) = (ident(&f.ident), f.unit.as_deref().unwrap_or_default());
                let getter = format_ident!("{}_bytes", f.ident);
                let d = doc(&format!(
                    "`{}` in bytes (the wire value is in {unit}); `None` when absent, negative or too large.",
                    f.ident
                ));
                let body = if f.required {
                    quote!(::runtime::de::scaled_bytes(self.#name, #factor))
                } else {
                    quote!(self.#name.and_then(|v| ::runtime::de::scaled_bytes(v, #factor)))
                };
                Some(quote! {
                    #d
                    pub fn #getter(&self) -> Option<u64> {
                        #body
                    }
                })
            })
            .collect();
        if acc.is_empty() {
            return quote!();
        }
        quote!(impl #owner { #(#acc)* })
    }

    fn response(&self, op: &Operation) -> TokenStream {
        let resp = format_ident!("{}Response", op.pascal);
        let fields = self.struct_fields(&op.response);
        let accessors = self.accessors(&resp, &op.response);
        let d = doc(&format!("Output of `{}`.", op.wire_name));
        quote! {
                    #d
                    #[derive(Clone, Debug, PartialEq, ::serde::Deserialize)]
                    #[non_exhaustive]
                    pub struct #resp {
                        #fields
                    }

        #accessors
                }
    }

    fn types(&self, op: &Operation) -> TokenStream {
        let out = op.types.iter().map(|t| match &t.kind {
            TypeKind::Object(fields) => self.object_type(t, fields),
            TypeKind::Enum(values) => self.enum_type(t, values),
        });
        quote!(#(#out)*)
    }

    fn object_type(&self, t: &NamedType, fields: &[Field]) -> TokenStream {
        let name = ident(&t.name);
        let d = doc(&self.docs.type_doc(t));
        let mut derives = vec![quote!(Clone), quote!(Debug), quote!(PartialEq)];
        let mut impls = Vec::new();
        let body = if t.in_response {
            derives.push(quote!(::serde::Deserialize));
            impls.push(quote!(impl ::runtime::de::Lenient for #name {}));
            self.struct_fields(fields)
        } else {
            let fs = fields.iter().map(|f| {
                let (n, d, ty) = (
                    ident(&f.ident),
                    doc(&self.docs.field_doc(f)),
                    field_ty(f, false),
                );
                quote!(#d pub #n: #ty,)
            });
            quote!(#(#fs)*)
        };
        if t.in_request {
            let pairs = fields.iter().map(|f| {
                let (n, wire) = (ident(&f.ident), &f.wire);
                quote!((#wire, ::runtime::wire::ToWire::to_wire(&self.#n)))
            });
            impls.push(quote! {
                impl ::runtime::wire::ToWire for #name {
                    fn to_wire(&self) -> ::runtime::wire::Value {
                        ::runtime::wire::Value::Object(Vec::from([#(#pairs),*]))
                    }
                }
            });
        }
        let non_exhaustive = if t.in_request {
            quote!()
        } else {
            quote!(#[non_exhaustive])
        };
        let accessors = self.accessors(&name, fields);
        quote! {
            #d
            #[derive(#(#derives),*)]
            #non_exhaustive
            pub struct #name {
                #body
            }
            #(#impls)*
            #accessors
        }
    }

    fn enum_type(&self, t: &NamedType, values: &[crate::model::EnumValue]) -> TokenStream {
        let name = ident(&t.name);
        let d = doc(&self.docs.type_doc(t));
        let variants: Vec<Ident> = values.iter().map(|v| ident(&v.ident)).collect();
        let wires: Vec<&str> = values.iter().map(|v| v.wire.as_str()).collect();
        let docs = values.iter().map(|v| {
            doc(&format!(
                "`{}`{}",
                v.wire,
                v.doc.as_ref().map(|d| format!(": {d}")).unwrap_or_default()
            ))
        });
        quote! {
            #d
            #[derive(Clone, Debug, PartialEq, Eq, Hash)]
            #[non_exhaustive]
            pub enum #name {
                #(#docs #variants,)*
                /// A value this SDK version does not know, kept verbatim.
                Unknown(String),
            }

            impl #name {
                /// The value as sent on the wire.
                pub fn as_str(&self) -> &str {
                    match self {
                        #(Self::#variants => #wires,)*
                        Self::Unknown(value) => value,
                    }
                }
            }

            impl From<&str> for #name {
                fn from(value: &str) -> Self {
                    match value {
                        #(#wires => Self::#variants,)*
                        other => Self::Unknown(other.to_owned()),
                    }
                }
            }

            impl<'de> ::serde::Deserialize<'de> for #name {
                fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                    ::runtime::de::open_enum(d)
                }
            }

            impl ::runtime::de::Lenient for #name {}

            impl ::runtime::wire::ToWire for #name {
                fn to_wire(&self) -> ::runtime::wire::Value {
                    ::runtime::wire::Value::Str(self.as_str().to_owned())
                }
            }
        }
    }

    fn op_error(&self, op: &Operation, p: &Protocol) -> TokenStream {
        let name = format_ident!("{}Error", op.pascal);
        let d = doc(&format!(
            "Errors of `{}`: its documented codes, the {} common errors, and `Unhandled` for any other code.",
            op.wire_name, p.title
        ));
        let body = self.error_enum_body(&name, &op.errors, Some((p, &p.title)));
        quote!(#d #body)
    }
}
