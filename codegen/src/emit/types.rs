//! The user's types of an operation: request and its builder, response, named types.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use super::{Emitter, doc, field_ty, ident, num_lit};
use crate::model::{Field, NamedType, Operation, TypeKind};

impl Emitter<'_> {
    pub(super) fn request(&self, op: &Operation) -> TokenStream {
        let req = format_ident!("{}Request", op.pascal);
        let builder = format_ident!("{}RequestBuilder", op.pascal);
        let fields: Vec<Ident> = op.request.iter().map(|f| ident(&f.ident)).collect();
        let docs: Vec<TokenStream> = op
            .request
            .iter()
            .map(|f| doc(&self.docs.field_doc(f, false)))
            .collect();
        let tys = op.request.iter().map(|f| field_ty(f, false));
        // The builder's macro body, formatted here: the renderer puts it in place of the
        // one-line invocation prettyplease prints (see `lib.rs`, `expand_macro_bodies`).
        let mut body = String::new();
        for line in crate::docs::doc_lines(&format!(
            "Builder of [`{req}`]: [`build`]({builder}::build) checks required fields and ranges before any I/O."
        )) {
            body.push_str(&format!("    ///{line}\n"));
        }
        body.push_str(&format!("    {builder} for {req} {{\n"));
        for f in &op.request {
            let t = super::base_ty_text(&f.ty, f.sensitive, f.boxed);
            let wire = proc_macro2::Literal::string(&f.wire);
            body.push_str(&format!("        {}: {t} = {wire},\n", f.ident));
        }
        body.push_str("    }\n");
        let body = proc_macro2::Literal::string(&body);
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
                    // Qualified: a field named `default` has a setter of that name.
                    <#builder as ::core::default::Default>::default()
                }


            }

            ::runtime::request_builder!(#body);

            impl #builder {
                /// Checks the fields and builds the request; every problem is reported at once.
                pub fn build(self) -> Result<#req, ::runtime::BuildError> {
                    let #mutable check = ::runtime::build::Check::new(glue::OPERATION.name);
                    #(#checks)*
                    check.finish(|| Some(#req { #(#assemble),* }))
                }
            }
        }
    }

    /// A response struct's fields: plain fields (their decoding is [`Self::decoder`]).
    fn struct_fields(&self, fields: &[Field]) -> TokenStream {
        let out = fields.iter().map(|f| {
            let name = ident(&f.ident);
            let d = doc(&self.docs.field_doc(f, true));
            let t = field_ty(f, true);
            quote! {
                #d
                pub #name: #t,
            }
        });
        quote!(#(#out)*)
    }

    /// The decoding of a response struct: `::runtime::lenient_object!` with one line per
    /// field (`0 => field: Type = "Wire" | "Alias",`: its number, for the decoder's record of
    /// the fields given), required ones in a `required __NameSlots { … }` group (the struct
    /// they are read into; no spec type name starts with `_`). The body is formatted here, as
    /// the request builder's is (see `lib.rs`, `expand_macro_bodies`). Whether an absent
    /// field is an error follows from its type (`Option`, `Vec` and `BTreeMap` have an empty
    /// value).
    fn decoder(&self, owner: &Ident, fields: &[Field], tolerant: bool) -> TokenStream {
        let line = |(index, f): (usize, &&Field)| {
            let mut names = vec![proc_macro2::Literal::string(&f.wire).to_string()];
            names.extend(
                f.aliases
                    .iter()
                    .map(|a| proc_macro2::Literal::string(a).to_string()),
            );
            let ty = super::tidy_type(&field_ty(f, true).to_string());
            format!(
                "        {index} => {}: {ty} = {},\n",
                f.ident,
                names.join(" | ")
            )
        };
        // Required: typed neither `Option` nor a list or map (see `field_ty`).
        let (required, optional): (Vec<&Field>, Vec<&Field>) = fields
            .iter()
            .partition(|f| f.required && !super::is_collection(&f.ty));
        // An imported operation's response is read tolerantly (`runtime::de::tolerant`).
        let head = if tolerant {
            format!("tolerant {owner}")
        } else {
            owner.to_string()
        };
        let mut body = if optional.is_empty() {
            format!("    {head} {{}}\n")
        } else {
            let mut b = format!("    {head} {{\n");
            optional
                .iter()
                .enumerate()
                .for_each(|l| b.push_str(&line(l)));
            b.push_str("    }\n");
            b
        };
        if !required.is_empty() {
            body.push_str(&format!("    required __{owner}Slots {{\n"));
            let first = optional.len();
            required
                .iter()
                .enumerate()
                .for_each(|(i, f)| body.push_str(&line((first + i, f))));
            body.push_str("    }\n");
        }
        let body = proc_macro2::Literal::string(&body);
        quote!(::runtime::lenient_object!(#body);)
    }

    /// Spec facts a caller may need at run time, as associated items of the struct holding
    /// the field: the validity window of a signed URL (`<FIELD>_VALID_FOR`), the bytes per
    /// unit of a size (`<FIELD>_UNIT_BYTES`) and, for a unit larger than a byte, the size in
    /// bytes (`<field>_bytes()`).
    fn accessors(&self, owner: &Ident, fields: &[Field]) -> TokenStream {
        let mut acc: Vec<TokenStream> = Vec::new();
        for f in fields {
            let upper = f.ident.to_ascii_uppercase();
            if let Some((text, secs)) = &f.valid_for {
                let name = format_ident!("{upper}_VALID_FOR");
                let d = doc(&format!(
                    "How long `{}` stays valid after it is issued (`valid_for: {text}` in the spec).",
                    f.ident
                ));
                acc.push(quote! {
                    #d
                    pub const #name: ::std::time::Duration = ::std::time::Duration::from_secs(#secs);
                });
            }
            let Some(factor) = f.bytes_factor else {
                continue;
            };
            let (name, unit) = (ident(&f.ident), f.unit.as_deref().unwrap_or_default());
            let per_unit = format_ident!("{upper}_UNIT_BYTES");
            let d = doc(&if factor == 1 {
                format!(
                    "Bytes per unit of `{}`: its unit is bytes, so the size is exact.",
                    f.ident
                )
            } else {
                format!(
                    "Bytes per unit of `{}` (its unit is {unit}): a size in {unit} is exact only to within this many bytes.",
                    f.ident
                )
            });
            acc.push(quote! {
                #d
                pub const #per_unit: u64 = #factor;
            });
            if factor == 1 {
                continue;
            }
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
            acc.push(quote! {
                #d
                pub fn #getter(&self) -> Option<u64> {
                    #body
                }
            });
        }
        if acc.is_empty() {
            return quote!();
        }
        quote!(impl #owner { #(#acc)* })
    }

    pub(super) fn response(&self, op: &Operation) -> TokenStream {
        let resp = format_ident!("{}Response", op.pascal);
        let fields = self.struct_fields(&op.response);
        let decoder = self.decoder(&resp, &op.response, op.origin.is_some());
        let accessors = self.accessors(&resp, &op.response);
        let d = doc(&format!("Output of `{}`.", op.wire_name));
        quote! {
            #d
            #[derive(Clone, Debug, PartialEq)]
            #[non_exhaustive]
            pub struct #resp {
                #fields
            }

            #decoder

            #accessors
        }
    }

    pub(super) fn types(&self, op: &Operation) -> TokenStream {
        let out = op.types.iter().map(|t| self.named_type(t));
        quote!(#(#out)*)
    }

    pub(super) fn named_type(&self, t: &NamedType) -> TokenStream {
        match &t.kind {
            TypeKind::Object(fields) => self.object_type(t, fields),
            TypeKind::Enum(values) => self.enum_type(t, values),
        }
    }

    fn object_type(&self, t: &NamedType, fields: &[Field]) -> TokenStream {
        let name = ident(&t.name);
        let d = doc(&self.docs.type_doc(t));
        let derives = [quote!(Clone), quote!(Debug), quote!(PartialEq)];
        let mut impls = Vec::new();
        let body = if t.in_response {
            impls.push(self.decoder(&name, fields, false));
            self.struct_fields(fields)
        } else {
            let fs = fields.iter().map(|f| {
                let (n, d, ty) = (
                    ident(&f.ident),
                    doc(&self.docs.field_doc(f, false)),
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
                v.doc
                    .as_deref()
                    .map(|d| format!(": {}", crate::docs::prose(d)))
                    .unwrap_or_default()
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

            ::runtime::open_enum!(#name);
        }
    }
}
