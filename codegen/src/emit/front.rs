//! A service crate's front page: the crate doc and the same text as its `README.md`, with a
//! `no_run` example of one real call of the service (which operation: [`example_operation`]).

use quote::{format_ident, quote};

use super::{Emitter, ident};
use crate::docs::FrontPage;
use crate::model::{Operation, Service};

/// Words that start the name of an operation that only reads.
const READ_VERBS: [&str; 6] = ["Describe", "List", "Show", "Get", "Query", "Check"];

/// The operation a crate's front page calls: a hand-written one if the crate has one (its
/// examples are curated), else a read — idempotent, named as one — with the fewest required
/// fields (the shortest, then the first by name, among equals); else any operation by the same
/// order.
pub(super) fn example_operation<'m>(ops: &[&'m Operation]) -> Option<&'m Operation> {
    let reads =
        |o: &&&Operation| o.idempotent && READ_VERBS.iter().any(|v| o.wire_name.starts_with(v));
    let order = |o: &&&Operation| {
        (
            o.origin.is_some(),
            !reads(o),
            o.request.iter().filter(|f| f.required).count(),
            o.wire_name.len(),
            o.wire_name.clone(),
        )
    };
    ops.iter().min_by_key(order).copied()
}

impl Emitter<'_> {
    /// The front page of the crate of service `svc` (a crate-level service), as rustdoc
    /// (`readme: false`, with intra-doc links) or as the crate's `README.md`.
    pub(super) fn front_page(&self, svc: usize, readme: bool) -> String {
        let service = &self.model.services[svc];
        let in_crate = |s: &Service| s.provider == service.provider && s.name == service.name;
        let ops: Vec<&Operation> = self.model.crate_ops(svc).collect();
        let top: Vec<&Operation> = ops.iter().copied().filter(|o| o.svc == svc).collect();
        let example = example_operation(if top.is_empty() { &ops } else { &top });
        let protocol = example.map(|o| &self.model.protocols[o.protocol]);
        let subs: Vec<&str> = self
            .model
            .services
            .iter()
            .filter(|s| in_crate(s))
            .filter_map(|s| s.sub.as_deref())
            .collect();
        let krate = service.crate_name().replace('-', "_");
        let code = example.zip(protocol).map(|(op, p)| {
            let krate = ident(&krate);
            let req = format_ident!("{}Request", op.pascal);
            let call = ident(&op.snake);
            let builder = super::glue::example_builder(self.model, op, p, true);
            // The named types the example's values spell out are imported with the request.
            let mut used = Vec::new();
            collect_idents(builder.clone(), &mut used);
            let mut types: Vec<proc_macro2::Ident> = self
                .model
                .types_of(op)
                .filter(|t| used.iter().any(|u| u == &t.name))
                .map(|t| ident(&t.name))
                .collect();
            types.push(req.clone());
            types.sort_by_key(|t| t.to_string());
            let region = p
                .example_region
                .as_deref()
                .map(|r| quote!(.region(#r)))
                .unwrap_or_default();
            let tokens = quote! {
                use #krate::runtime::ClientConfig;
                use #krate::{Client, #(#types),*};
                async fn example() -> Result<(), Box<dyn std::error::Error>> {
                    let config = ClientConfig::new() #region;
                    let client = Client::from_default_chain(config)?;
                    let request = #builder?;
                    let response = client.#call(&request).await?;
                    println!("{response:?}");
                    Ok(())
                }
            };
            let file: syn::File = syn::parse2(tokens)
                .unwrap_or_else(|e| panic!("generator emitted an invalid example: {e}"));
            prettyplease::unparse(&file).replacen("\nasync fn", "\n\nasync fn", 1)
        });
        let page = FrontPage {
            readme,
            package: service.crate_name(),
            krate,
            vendor: self.model.vendor(svc).to_owned(),
            service: service.name.clone(),
            title: service.title.clone(),
            // An imported service's doc only restates what the page says.
            doc: service
                .doc
                .clone()
                .filter(|_| ops.iter().all(|o| o.origin.is_none())),
            // Up to the operation's own location in the catalogue, if it names one.
            origin: ops.iter().find_map(|o| {
                let origin = o.origin.as_deref()?;
                Some(match origin.rfind(" (") {
                    Some(at) if origin.ends_with(')') => origin[..at].to_owned(),
                    _ => origin.to_owned(),
                })
            }),
            version: top.first().and_then(|o| o.version.clone()),
            spec: service.file.clone(),
            operations: ops.len(),
            subs: subs.into_iter().map(str::to_owned).collect(),
            credentials: protocol.map(|p| p.runtime.credentials_type().to_owned()),
            example: example.map(|o| (o.wire_name.clone(), o.snake.clone())),
            code,
            paginators: ops.iter().filter(|o| o.pagination.is_some()).count(),
            waiters: ops.iter().map(|o| o.waiters.len()).sum(),
            errors: service.error_enum.clone(),
        };
        self.docs.front_page(&page)
    }
}

/// Every identifier in `tokens`, however deep.
fn collect_idents(tokens: proc_macro2::TokenStream, out: &mut Vec<String>) {
    for tree in tokens {
        match tree {
            proc_macro2::TokenTree::Ident(i) => out.push(i.to_string()),
            proc_macro2::TokenTree::Group(g) => collect_idents(g.stream(), out),
            _ => {}
        }
    }
}
