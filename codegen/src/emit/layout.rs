//! How the modules become crates. The SDK is a crate per service (`tencent-cdb`, with each
//! further API version a module of it), the protocols crate they share
//! (`generated-protocols`: envelopes, common errors), and the `generated` facade that
//! re-exports the services behind features. The fixture corpus is one inline module tree.

use proc_macro2::TokenStream;
use quote::quote;

use super::{Emitter, Module, ident};

/// The package that gathers every service's catalog (`generated/crates/catalog`).
pub const CATALOG_CRATE: &str = "generated-catalog";

/// The private module of a service crate that holds the service (re-exported at the root).
pub const SDK_MODULE: &str = "sdk";

/// Which crate of the layout to emit.
#[derive(Clone, Copy, Debug)]
pub enum CrateJob {
    Protocols,
    /// The service (index in `Model::services`) and its further API versions.
    Service(usize),
    Facade,
    /// `generated-catalog`: every service's catalog, unconditionally.
    Catalog,
}

/// One crate of the SDK: its package name, its directory (relative to `generated/`), its
/// root module, and the crates it depends on.
pub struct CrateTree {
    pub package: String,
    pub dir: String,
    pub root: Module,
}

fn runtime_reexports() -> TokenStream {
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
    quote! {
        pub use ::runtime;
        #(pub use ::runtime::#reexports;)*
    }
}

/// `protocols`: the protocol modules themselves (inline), or the protocols crate re-exported.
fn protocols_module(items: TokenStream, children: Vec<Module>) -> Module {
    Module {
        name: "protocols".into(),
        doc: "Wire protocols: response envelopes and each protocol's common errors.".into(),
        attrs: quote!(),
        items,
        children,
        source: None,
        crate_only: false,
    }
}

impl Emitter<'_> {
    /// The inline layout: one module tree (protocols, providers, services, catalog).
    pub fn crate_tree(&self) -> Module {
        let mut children = vec![protocols_module(quote!(), self.protocol_modules())];
        for provider in self.model.providers() {
            let services = self
                .model
                .crates()
                .filter(|(_, s)| s.provider == provider)
                .map(|(i, _)| self.service_module(i))
                .collect();
            children.push(Module {
                name: provider.into(),
                doc: self.docs.provider_doc(provider, self.model),
                attrs: Self::feature(provider),
                items: quote!(),
                children: services,
                source: None,
                crate_only: false,
            });
        }
        children.push(self.root_catalog());
        Module {
            name: String::new(),
            doc: self.docs.crate_doc(self.model),
            attrs: quote!(),
            items: runtime_reexports(),
            children,
            source: None,
            crate_only: false,
        }
    }

    /// The crates of the layout, in order: the protocols crate, a crate per service, the facade.
    pub fn crate_jobs(&self) -> Vec<CrateJob> {
        let mut jobs = vec![CrateJob::Protocols];
        jobs.extend(self.model.crates().map(|(i, _)| CrateJob::Service(i)));
        jobs.push(CrateJob::Facade);
        jobs.push(CrateJob::Catalog);
        jobs
    }

    /// One crate of the layout (emitted on its own, so crates can be emitted and rendered in
    /// parallel and dropped once written).
    pub fn crate_of(&self, job: CrateJob) -> CrateTree {
        match job {
            CrateJob::Protocols => CrateTree {
                package: "generated-protocols".into(),
                dir: "crates/protocols".into(),
                root: Module {
                    name: String::new(),
                    doc: "Wire protocols of the generated SDK: response envelopes and each protocol's common errors, shared by the service crates.".into(),
                    attrs: quote!(),
                    items: quote!(),
                    children: self.protocol_modules(),
                    source: None,
                    crate_only: false,
                },
            },
            CrateJob::Service(i) => {
                let s = &self.model.services[i];
                // The service lives in a private module the crate root re-exports: rustfmt (run
                // over the workspace) skips it, so only the few root lines must agree with it.
                let mut inner = self.service_module(i);
                inner.name = SDK_MODULE.into();
                let doc = std::mem::take(&mut inner.doc);
                inner.doc = "The service; everything is re-exported at the crate root.".into();
                CrateTree {
                    package: s.crate_name(),
                    dir: format!("crates/{}", s.crate_name()),
                    root: Module {
                        name: String::new(),
                        doc,
                        attrs: quote!(),
                        items: quote!(pub use sdk::*;),
                        children: vec![inner],
                        source: None,
                        crate_only: false,
                    },
                }
            }
            CrateJob::Facade => CrateTree {
                package: "generated".into(),
                dir: String::new(),
                root: self.facade(),
            },
            CrateJob::Catalog => CrateTree {
                package: CATALOG_CRATE.into(),
                dir: "crates/catalog".into(),
                root: Module {
                    name: String::new(),
                    doc: "The catalog of every generated operation, whatever features are enabled elsewhere: each service crate with its `catalog` feature, for emulating the whole SDK and for the test that calls every operation. It depends on every service crate; downstream code that needs a few wants `generated` with their features instead.".into(),
                    attrs: quote!(),
                    // In a private module, as a service crate's, so rustfmt leaves it alone.
                    items: quote!(pub use sdk::*;),
                    children: vec![Module {
                        name: SDK_MODULE.into(),
                        doc: "Every service's catalog entries; re-exported at the crate root.".into(),
                        attrs: quote!(),
                        items: self.catalog_items(false),
                        children: vec![],
                        source: None,
                        crate_only: false,
                    }],
                    source: None,
                    crate_only: false,
                },
            },
        }
    }

    /// `generated`: every service crate re-exported as `<provider>::<service>` behind its
    /// feature (`tencent-cdb`; `tencent` enables all of a provider's).
    fn facade(&self) -> Module {
        let mut children = vec![protocols_module(
            quote!(
                pub use ::generated_protocols::*;
            ),
            vec![],
        )];
        for provider in self.model.providers() {
            let uses = self
                .model
                .crates()
                .filter(|(_, s)| s.provider == provider)
                .map(|(_, s)| {
                    let feature = s.crate_name();
                    let krate = ident(&feature.replace('-', "_"));
                    let name = ident(&s.name);
                    quote!(#[cfg(feature = #feature)] pub use ::#krate as #name;)
                });
            children.push(Module {
                name: provider.into(),
                doc: self.docs.provider_doc(provider, self.model),
                attrs: quote!(),
                items: quote!(#(#uses)*),
                children: vec![],
                source: None,
                crate_only: false,
            });
        }
        children.push(self.root_catalog());
        Module {
            name: String::new(),
            doc: self.docs.crate_doc(self.model),
            attrs: quote!(),
            items: runtime_reexports(),
            children,
            source: None,
            crate_only: false,
        }
    }
}
