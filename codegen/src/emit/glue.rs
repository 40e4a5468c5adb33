//! Emission of each operation's `glue` module: what the runtime, the client and the catalog
//! call (wire facts, request to wire, response decoding, the spec's example input), kept out
//! of the user's namespace (`#[doc(hidden)]`).

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};
use serde_json::Value;

use crate::model::{
    Encoding, Field, Model, NamedType, Operation, Protocol, Sensitivity, Ty, TypeKind,
};

fn ident(s: &str) -> proc_macro2::Ident {
    format_ident!("{}", s)
}

/// `glue::to_wire`'s field list: each request field with its location constructor.
fn wire_fields(op: &Operation) -> Vec<TokenStream> {
    op.request
        .iter()
        .map(|f| {
            let (name, wire) = (ident(&f.ident), &f.wire);
            let ctor = ident(f.location.spec_name());
            let json = match f.encoding {
                Encoding::Plain => quote!(),
                Encoding::Json => quote!(.json()),
                Encoding::Csv => quote!(.csv()),
            };
            let mut field = quote!(Field::#ctor(#wire, &input.#name)#json);
            if f.idempotency_token {
                field = quote!(::runtime::protocols::idempotency_token(#field));
            }
            match f.config {
                Some((param, required)) => {
                    let param = ident(param.variant_name());
                    quote!(::runtime::protocols::from_config(
                        &OPERATION,
                        #field,
                        config,
                        ::runtime::protocols::ConfigParam::#param,
                        #required,
                    )?)
                }
                None => field,
            }
        })
        .collect()
}

/// The `glue` module of one operation: its wire facts and its input as a wire request, for
/// the client (the catalog's test hooks live in the crate's `catalog`). `operation` is the
/// `OperationInfo` constant's body.
pub fn module(op: &Operation, operation: TokenStream) -> TokenStream {
    let req = format_ident!("{}Request", op.pascal);
    let fields = wire_fields(op);
    // An operation without parameters does not read its input.
    let (input, field_use) = if fields.is_empty() {
        (format_ident!("_input"), quote!())
    } else {
        (
            format_ident!("input"),
            quote!(
                use ::runtime::protocols::Field;
            ),
        )
    };
    let paging = super::paging::glue_items(op);
    let waiters = super::waiters::glue_items(op);
    quote! {
        /// Glue between this operation's types and the runtime; not part of the API.
        #[doc(hidden)]
        pub(crate) mod glue {
            use super::*;
            use ::runtime::{BuildError, ClientConfig, Op, OperationInfo, WireRequest};
            #field_use

            pub const OPERATION: OperationInfo = #operation;

            pub const OP: Op<#req> = Op { info: &OPERATION, to_wire };

            pub fn to_wire(#input: &#req, config: &ClientConfig) -> Result<WireRequest, BuildError> {
                let fields = Vec::from([#(#fields),*]);
                ::runtime::protocols::build(&OPERATION, config, fields)
            }

            #paging
            #waiters
        }
    }
}

/// `Request::builder()` with every field whose example converts, then `build()`.
/// Parameters the protocol's credentials fill are left to them, and an idempotency token to
/// the runtime (the vendor's example token, sent on every call, would make them one request).
pub(super) fn example_builder(
    model: &Model,
    op: &Operation,
    p: &Protocol,
    required_only: bool,
) -> TokenStream {
    let types: Vec<&NamedType> = model.types_of(op).collect();
    let req = format_ident!("{}Request", op.pascal);
    let setters = op.request.iter().filter_map(|f| {
        if p.credential_params.contains(&f.wire)
            || f.idempotency_token
            || (required_only && !f.required)
        {
            return None;
        }
        // A required field whose example is missing, unusable or out of range gets a value
        // made up from its type, so that the example request builds.
        let value = example_value(f, &types).or_else(|| {
            let made_up = crate::synth::request_value(f, &types).filter(|_| f.required)?;
            value(&f.ty, &made_up, &types, 0, Secrets::Allowed)
        })?;
        let setter = ident(&f.ident);
        Some(quote!(.#setter(#value)))
    });
    quote!(#req::builder() #(#setters)* .build())
}

/// A Rust expression of the field's type built from its `example:` text, when it converts.
fn example_value(f: &Field, types: &[&NamedType]) -> Option<TokenStream> {
    if f.sensitive != Sensitivity::None {
        return None;
    }
    let text = f.example.as_deref()?;
    if f.ty.is_number() {
        let n: f64 = text.trim().parse().ok()?;
        if f.min.is_some_and(|m| n < m) || f.max.is_some_and(|m| n > m) {
            return None;
        }
    }
    let json = match &f.ty {
        Ty::Str => Value::String(text.to_owned()),
        Ty::List(_) | Ty::Map(_) | Ty::Named(_) => serde_json::from_str(text).ok()?,
        _ => serde_json::from_str(text)
            .ok()
            .filter(|v: &Value| !v.is_string())
            .or_else(|| Some(Value::String(text.to_owned())))?,
    };
    value(&f.ty, &json, types, 0, Secrets::Refused)
}

/// Whether a value may set a secret field: a made-up one may, a vendor's example may not
/// (secrets' examples are never written out).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Secrets {
    Allowed,
    Refused,
}

/// `json` as a value of `ty`; `None` when it does not fit.
fn value(
    ty: &Ty,
    json: &Value,
    types: &[&NamedType],
    depth: usize,
    secrets: Secrets,
) -> Option<TokenStream> {
    if depth > 16 {
        return None;
    }
    let int = |lo: i128, hi: i128| -> Option<i128> {
        let n = match json {
            Value::Number(n) => n.as_i64().map(i128::from).or(n.as_u64().map(i128::from))?,
            Value::String(s) => s.trim().parse().ok()?,
            _ => return None,
        };
        (lo..=hi).contains(&n).then_some(n)
    };
    Some(match ty {
        Ty::Str => {
            let s = match json {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => b.to_string(),
                _ => return None,
            };
            quote!(String::from(#s))
        }
        Ty::Bool => match json {
            Value::Bool(b) => quote!(#b),
            Value::String(s) if s == "true" || s == "false" => {
                let b = s == "true";
                quote!(#b)
            }
            _ => return None,
        },
        Ty::I32 => {
            let n = int(i32::MIN.into(), i32::MAX.into())? as i32;
            let l = Literal::i32_suffixed(n);
            quote!(#l)
        }
        Ty::I64 => {
            let n = int(i64::MIN.into(), i64::MAX.into())? as i64;
            let l = Literal::i64_suffixed(n);
            quote!(#l)
        }
        Ty::U32 => {
            let n = int(0, u32::MAX.into())? as u32;
            let l = Literal::u32_suffixed(n);
            quote!(#l)
        }
        Ty::U64 => {
            let n = int(0, u64::MAX.into())? as u64;
            let l = Literal::u64_suffixed(n);
            quote!(#l)
        }
        Ty::F64 => {
            let n = match json {
                Value::Number(n) => n.as_f64()?,
                Value::String(s) => s.trim().parse().ok()?,
                _ => return None,
            };
            if !n.is_finite() {
                return None;
            }
            let l = Literal::f64_suffixed(n);
            quote!(#l)
        }
        Ty::Timestamp(_) => {
            // An integer example is a Unix-seconds one's text.
            let s = match json {
                Value::Number(n) if n.is_i64() => n.to_string(),
                _ => json.as_str()?.to_owned(),
            };
            quote!(::runtime::Timestamp::from(#s))
        }
        Ty::Bytes => {
            let s = json.as_str()?;
            quote!(::runtime::Blob::from(#s))
        }
        Ty::Json => {
            let text = json.to_string();
            quote!(::runtime::__private::json(#text))
        }
        Ty::List(inner) => {
            let items = json
                .as_array()?
                .iter()
                .map(|v| value(inner, v, types, depth + 1, secrets))
                .collect::<Option<Vec<_>>>()?;
            quote!(Vec::from([#(#items),*]))
        }
        Ty::Map(inner) => {
            let entries = json
                .as_object()?
                .iter()
                .map(|(k, v)| {
                    value(inner, v, types, depth + 1, secrets)
                        .map(|v| quote!((String::from(#k), #v)))
                })
                .collect::<Option<Vec<_>>>()?;
            quote!(::std::collections::BTreeMap::from([#(#entries),*]))
        }
        Ty::Named(name) => {
            let t = types.iter().find(|t| &t.name == name)?;
            let n = ident(name);
            match &t.kind {
                TypeKind::Enum(_) => {
                    let s = json.as_str()?;
                    quote!(#n::from(#s))
                }
                TypeKind::Object(fields) => {
                    let obj = json.as_object()?;
                    let mut inits = Vec::new();
                    for f in fields {
                        // Responses keep lists and maps plain (absent = empty).
                        let collection = matches!(f.ty, Ty::List(_) | Ty::Map(_));
                        let plain = f.required || (t.in_response && collection);
                        let secret = f.sensitive != Sensitivity::None;
                        if secret && secrets == Secrets::Refused {
                            return None;
                        }
                        let name = ident(&f.ident);
                        let found = std::iter::once(&f.wire)
                            .chain(&f.aliases)
                            .find_map(|k| obj.get(k))
                            .filter(|v| !v.is_null());
                        let v = match found {
                            Some(v) => {
                                let v = value(&f.ty, v, types, depth + 1, secrets)?;
                                let v = if secret { quote!(#v.into()) } else { v };
                                if f.boxed { quote!(Box::new(#v)) } else { v }
                            }
                            None if f.required => return None,
                            None if plain => {
                                inits.push(quote!(#name: Default::default()));
                                continue;
                            }
                            None => {
                                inits.push(quote!(#name: None));
                                continue;
                            }
                        };
                        inits.push(if plain {
                            quote!(#name: #v)
                        } else {
                            quote!(#name: Some(#v))
                        });
                    }
                    quote!(#n { #(#inits),* })
                }
            }
        }
    })
}
