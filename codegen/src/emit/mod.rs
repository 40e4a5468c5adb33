//! Model → Rust token streams (`quote!`), one module tree for the whole SDK.
//! Emitted code names `::serde::` and `::runtime::` by absolute path and uses the std
//! prelude (`Option`, `String`, `Vec`, `Result`…) by name: the model rejects spec type names
//! that would shadow a prelude name, so the short spelling is safe and keeps files small.

mod catalog;
mod client;
mod errors;
mod front;
mod glue;
mod layout;
mod paging;

pub use layout::{CATALOG_CRATE, CrateJob, CrateTree, Published, SDK_MODULE};
mod types;
mod waiters;

use proc_macro2::{Ident, Literal, Span, TokenStream};
use quote::quote;

use crate::docs::Docs;
use crate::model::{Field, Model, Sensitivity, Ty};

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
    /// `pub(crate)`: its public items are reached through the crate root's re-exports only
    /// (an operation's module, the shared types), so each item has one public path.
    pub crate_only: bool,
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
    let lines = crate::docs::doc_lines(text)
        .into_iter()
        .map(|l| str_lit(&l));
    quote!(#(#[doc = #lines])*)
}

/// A string literal of `text`, raw (`r"…"`, `r#"…"#`, with as few `#` as `text` allows)
/// whenever it can be: a raw literal is neither escaped here nor unescaped by `syn` and
/// `prettyplease` (half the cost of rendering doc and sample text), and a JSON sample reads
/// as itself in the generated source. Text with a character an escaped literal would escape,
/// other than a line break, tab, quote or backslash (a carriage return, which a raw literal
/// cannot hold; another control character; an invisible or bidirectional-override code point,
/// which rustc refuses unescaped in a literal), gets an escaped literal.
pub(crate) fn str_lit(text: &str) -> Literal {
    if text
        .chars()
        .any(|c| !matches!(c, '\n' | '\t' | '"' | '\\' | '\'') && c.escape_debug().nth(1).is_some())
    {
        return Literal::string(text);
    }
    // The fewest `#` such that no `"` in the text is followed by that many.
    let mut hashes = 0;
    for (i, _) in text.match_indices('"') {
        let run = text[i + 1..].bytes().take_while(|&b| b == b'#').count();
        hashes = hashes.max(run + 1);
    }
    let h = "#".repeat(hashes);
    format!("r{h}\"{text}\"{h}")
        .parse()
        .unwrap_or_else(|_| Literal::string(text))
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
        Ty::Bytes => quote!(::runtime::Blob),
        Ty::Json => quote!(::runtime::JsonValue),
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

/// [`base_ty`] as source text (for the request builder's macro body, formatted by hand:
/// prettyplease prints a macro body as one run of tokens). A type is paths, `<`, `>` and
/// `,`: its tokens joined without spaces, but after a comma.
pub(crate) fn base_ty_text(ty: &Ty, sensitive: Sensitivity, boxed: bool) -> String {
    tidy_type(&base_ty(ty, sensitive, boxed).to_string())
}

/// A type's tokens as a person writes them (`Option<Vec<String>>`, `BTreeMap<String, u64>`).
pub(crate) fn tidy_type(tokens: &str) -> String {
    let mut out = String::with_capacity(tokens.len());
    for c in tokens.chars() {
        if c != ' ' || out.ends_with(',') {
            out.push(c);
        }
    }
    out
}

pub(super) fn is_collection(ty: &Ty) -> bool {
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

fn num_lit(ty: &Ty, n: Option<f64>) -> TokenStream {
    match n {
        None => quote!(None),
        Some(n) => {
            let l = if ty.is_integer() {
                Literal::i128_unsuffixed(n as i128)
            } else {
                Literal::f64_unsuffixed(n)
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
    /// A crate per service (plus the protocols crate and the facade), or one module tree.
    pub crates: bool,
}

/// Names of the service's shared types an operation refers to (its fields and its own
/// types' fields), sorted.
pub(crate) fn shared_types_used(model: &Model, op: &crate::model::Operation) -> Vec<String> {
    let service = &model.services[op.svc];
    let mut out = std::collections::BTreeSet::new();
    let mut visit = |fields: &[Field]| {
        for f in fields {
            let mut ty = &f.ty;
            while let Ty::List(t) | Ty::Map(t) = ty {
                ty = t;
            }
            if let Ty::Named(n) = ty
                && op.types.iter().all(|t| &t.name != n)
                && service.types.iter().any(|t| &t.name == n)
            {
                out.insert(n.clone());
            }
        }
    };
    visit(&op.request);
    visit(&op.response);
    for t in &op.types {
        if let crate::model::TypeKind::Object(fields) = &t.kind {
            visit(fields);
        }
    }
    out.into_iter().collect()
}

impl Emitter<'_> {
    /// Where the protocol modules are: the protocols crate, or `protocols` of the tree.
    fn protocols_path(&self) -> TokenStream {
        if self.crates {
            quote!(::generated_protocols)
        } else {
            let root = &self.root;
            quote!(#root::protocols)
        }
    }

    /// Path of service `svc`'s module from inside its crate (or the tree).
    fn service_path(&self, svc: usize) -> TokenStream {
        let s = &self.model.services[svc];
        let sub = s.sub.as_deref().map(ident);
        let sub = sub.map(|m| quote!(::#m));
        if self.crates {
            quote!(crate #sub)
        } else {
            let (root, provider, name) = (&self.root, ident(&s.provider), ident(&s.name));
            quote!(#root::#provider::#name #sub)
        }
    }

    fn feature(provider: &str) -> TokenStream {
        quote!(#[cfg(feature = #provider)])
    }
}

#[cfg(test)]
mod tests {
    use super::str_lit;

    /// The literal's source form and the text `syn` reads back from it.
    fn lit(text: &str) -> (String, String) {
        let l = str_lit(text);
        let parsed: syn::LitStr = syn::parse2(quote::quote!(#l)).expect("a string literal");
        (l.to_string(), parsed.value())
    }

    #[test]
    fn raw_when_it_can_be_with_the_fewest_hashes() {
        for (text, form) in [
            ("plain", "r\"plain\""),
            ("{\n  \"A\": 1\n}", "r#\"{\n  \"A\": 1\n}\"#"),
            ("a \"# b \"## c", "r###\"a \"# b \"## c\"###"),
            ("ends with a quote\"", "r#\"ends with a quote\"\"#"),
            (
                "tab\tand \\ and ' and 中文",
                "r\"tab\tand \\ and ' and 中文\"",
            ),
        ] {
            assert_eq!(lit(text), (form.to_owned(), text.to_owned()), "{text:?}");
        }
    }

    #[test]
    fn escaped_when_raw_would_not_do() {
        // A carriage return cannot be in a raw literal; rustc refuses a bidirectional
        // override unescaped; a zero-width space would be invisible.
        for text in ["a\r\nb", "x\u{202e}y", "x\u{200b}y", "nul\0"] {
            let (form, value) = lit(text);
            assert!(form.starts_with('"'), "{text:?} as {form}");
            assert_eq!(value, text);
        }
    }
}
