//! Hand-written support for the generated SDK.
//!
//! Nothing in this crate names an operation: every per-operation fact arrives from
//! `generated/` as an [`OperationInfo`] constant or as wire [`wire::Value`]s. Each wire
//! protocol lives in one file under [`protocols`]; the envelope of every protocol is
//! described by data ([`envelope::EnvelopeSpec`]) emitted from `specs/protocols/*.yaml`.
//!
//! Items marked `#[doc(hidden)]` are the contract with generated code, not user API.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub use sdk_core::{build, checksum, de, redact, shape, time_fmt, wire};

pub mod catalog;
pub mod client;
pub mod config;
pub mod credentials;
pub mod envelope;
pub mod error;
pub mod mock;
pub mod paginate;
pub mod protocols;
pub mod transport;
pub mod wait;

pub use build::{BuildError, Problem};
pub use client::{BoxFuture, CallFuture, Op, Request, Runtime};
pub use config::{CallOptions, ClientConfig, Clock};
pub use credentials::{
    Credentials, CredentialsError, HuaweiCredentials, TencentCredentials, UCloudCredentials,
};
pub use envelope::EnvelopeSpec;
pub use error::{DecodeError, ErrorMeta, Retry, SdkError, ServiceError};
pub use paginate::{ItemStream, PageStream, PaginationError, Paginator};
pub use protocols::{OperationInfo, Protocol, Scope};
pub use redact::{REDACTED, Sensitive, SignedUrl};
pub use sdk_core::Blob;
/// Any JSON value: a field the vendor leaves untyped (spec type `json`).
pub use serde_json::Value as JsonValue;
pub use time_fmt::Timestamp;
pub use transport::{
    HttpClient, HttpSend, RawResponse, Transport, TransportError, TransportErrorKind,
};
pub use wait::{WaitError, WaitErrorKind, WaitOptions};
pub use wire::{Body, Method, SignContext, SignedRequest, WireRequest};

/// What generated code's macros name; not user API.
#[doc(hidden)]
pub mod __private {
    pub use serde;

    /// A JSON value from the text of a spec's example (valid JSON: gen wrote it from a
    /// parsed value); `Null` if it were not.
    pub fn json(text: &str) -> crate::JsonValue {
        serde_json::from_str(text).unwrap_or_default()
    }
}

/// A generated response struct's decoding: [`de::Object`] (one match on the key, each value
/// through [`de::Fields::value`]) and `Deserialize` through [`de::object`]; core's blanket impl
/// makes every `Object` [`de::Lenient`], and core's [`de::read`] holds the loop over the
/// entries, so what each struct adds is one `match` and no loop. Generated code lists each
/// field with its number, type, wire name and aliases (`0 => field: Type = "Wire" | "Alias",`)
/// instead of deriving `Deserialize`, whose expansion was most of a generated crate's compile
/// time. A struct whose fields all have an empty value (`Option`, list, map) is read into
/// itself, and gets `Default`; one with required fields names a slots struct for them
/// (`required SlotsName { … }`), which gets an `Option` per required field. `tolerant Name { … }`
/// marks the response struct of an imported operation, whose fields are read by
/// [`de::tolerant`]'s rules.
#[doc(hidden)]
#[macro_export]
macro_rules! lenient_object {
    (tolerant $($rest:tt)*) => {
        $crate::lenient_object!(@object true, $($rest)*);
    };
    ($name:ident $($rest:tt)*) => {
        $crate::lenient_object!(@object false, $name $($rest)*);
    };
    (
        @object $tolerant:literal,
        $name:ident {
            $($index:literal => $field:ident: $ty:ty = $wire:literal $(| $alias:literal)*,)*
        }
    ) => {
        impl ::core::default::Default for $name {
            fn default() -> Self {
                Self {
                    $($field: ::core::default::Default::default(),)*
                }
            }
        }

        $crate::lenient_object!(
            @impl $tolerant, $name, Self,
            { $($index => $field = $wire $(| $alias)*,)* }
            {}
            slots => slots
        );
    };
    (
        @object $tolerant:literal,
        $name:ident {
            $($index:literal => $field:ident: $ty:ty = $wire:literal $(| $alias:literal)*,)*
        }
        required $slots:ident {
            $($rindex:literal => $rfield:ident: $rty:ty = $rwire:literal $(| $ralias:literal)*,)*
        }
    ) => {
        #[doc(hidden)]
        #[derive(Default)]
        pub struct $slots {
            $($field: $ty,)*
            $($rfield: ::core::option::Option<$rty>,)*
        }

        $crate::lenient_object!(
            @impl $tolerant, $name, $slots,
            { $($index => $field = $wire $(| $alias)*,)* }
            { $($rindex => $rfield = $rwire $(| $ralias)*,)* }
            slots => Self {
                $($field: slots.$field,)*
                $($rfield: slots.$rfield.ok_or($rwire)?,)*
            }
        );
    };
    (
        @impl $tolerant:literal, $name:ident, $slots:ty,
        { $($index:literal => $field:ident = $wire:literal $(| $alias:literal)*,)* }
        { $($rindex:literal => $rfield:ident = $rwire:literal $(| $ralias:literal)*,)* }
        $var:ident => $finish:expr
    ) => {
        impl $crate::de::Object for $name {
            const NAME: &'static str = ::core::stringify!($name);
            const TOLERANT: bool = $tolerant;
            type Slots = $slots;
            #[inline]
            #[allow(unused_variables)] // `slots` of a struct without fields
            fn put<'de, A: $crate::__private::serde::de::MapAccess<'de>>(
                slots: &mut $slots,
                key: &str,
                fields: &mut $crate::de::Fields<A>,
            ) -> ::core::result::Result<(), A::Error> {
                match key {
                    $($wire $(| $alias)* => fields.value($index, $wire, &mut slots.$field),)*
                    $($rwire $(| $ralias)* => {
                        fields.required_value($rindex, $rwire, &mut slots.$rfield)
                    })*
                    _ => fields.skip(),
                }
            }
            #[inline]
            fn finish($var: $slots) -> ::core::result::Result<Self, &'static str> {
                ::core::result::Result::Ok($finish)
            }
        }

        impl<'de> $crate::__private::serde::Deserialize<'de> for $name {
            #[inline]
            fn deserialize<D: $crate::__private::serde::Deserializer<'de>>(
                d: D,
            ) -> ::core::result::Result<Self, D::Error> {
                $crate::de::object(d)
            }
        }
    };
}

/// A generated open enum's impls (its `as_str` and `From<&str>` are generated): `Deserialize`
/// and [`de::Lenient`] through [`de::open_enum`] (a value the spec does not know lands in
/// `Unknown`), and [`wire::ToWire`] as its wire text.
#[doc(hidden)]
#[macro_export]
macro_rules! open_enum {
    ($name:ident) => {
        impl<'de> $crate::__private::serde::Deserialize<'de> for $name {
            #[inline]
            fn deserialize<D: $crate::__private::serde::Deserializer<'de>>(
                d: D,
            ) -> ::core::result::Result<Self, D::Error> {
                $crate::de::open_enum(d)
            }
        }

        impl $crate::de::Lenient for $name {
            #[inline]
            fn de_lenient<'de, D: $crate::__private::serde::Deserializer<'de>>(
                d: D,
            ) -> ::core::result::Result<Self, D::Error> {
                $crate::de::open_enum(d)
            }
        }

        impl $crate::wire::ToWire for $name {
            fn to_wire(&self) -> $crate::wire::Value {
                $crate::wire::Value::Str(self.as_str().to_owned())
            }
        }
    };
}

/// The builder of a generated request: a struct of `Option`s with `Default`, and one setter
/// per field (`value: impl Into<T>`). Generated code writes one line per field instead of a
/// field, a setter and its doc; its `build()` (required fields, ranges) stays generated.
#[doc(hidden)]
#[macro_export]
macro_rules! request_builder {
    (
        $(#[$meta:meta])*
        $builder:ident for $req:ident {
            $($field:ident: $ty:ty = $wire:literal,)*
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, Default)]
        #[must_use]
        pub struct $builder {
            $($field: Option<$ty>,)*
        }

        impl $builder {
            $(
                #[doc = concat!("Sets [`", stringify!($field), "`](", stringify!($req), "::", stringify!($field), ") (`", $wire, "`).")]
                pub fn $field(mut self, value: impl Into<$ty>) -> Self {
                    self.$field = Some(value.into());
                    self
                }
            )*
        }
    };
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    /// Field names that are the macro's own locals (`key`, `fields`) and a keyword.
    #[derive(Debug, PartialEq)]
    struct Probe {
        key: String,
        fields: Option<u64>,
        r#type: Option<String>,
        md5: Option<String>,
        list: Vec<u32>,
        map: BTreeMap<String, bool>,
    }

    crate::lenient_object! {
        Probe {
            0 => fields: Option<u64> = "Fields",
            1 => r#type: Option<String> = "Type",
            2 => md5: Option<String> = "MD5" | "Md5",
            3 => list: Vec<u32> = "List",
            4 => map: BTreeMap<String, bool> = "Map",
        }
        required ProbeSlots {
            5 => key: String = "Key",
        }
    }

    /// Every field has an empty value: read into itself, and `Default` is that empty value.
    #[derive(Debug, PartialEq)]
    struct Optional {
        n: Option<u64>,
        list: Vec<String>,
        map: BTreeMap<String, u64>,
    }

    crate::lenient_object! {
        tolerant Optional {
            0 => n: Option<u64> = "N",
            1 => list: Vec<String> = "List",
            2 => map: BTreeMap<String, u64> = "Map",
        }
    }

    #[derive(Debug, PartialEq)]
    struct Empty {}

    crate::lenient_object! {
        Empty {}
    }

    fn de<T: serde::de::DeserializeOwned>(json: &str) -> Result<T, String> {
        serde_json::from_str(json).map_err(|e| e.to_string())
    }

    #[test]
    fn lenient_object_decodes_as_serde_derive_did() {
        assert_eq!(
            de::<Probe>(
                r#"{"Key":7,"Fields":"8","Type":null,"Md5":"m","List":null,"Map":{"a":"true"},"x":[{}]}"#
            ),
            Ok(Probe {
                key: "7".into(),
                fields: Some(8),
                r#type: None,
                md5: Some("m".into()),
                list: vec![],
                map: BTreeMap::from([("a".into(), true)]),
            })
        );
        // Absent: `None` and empty, except the required field.
        assert_eq!(
            de::<Probe>(r#"{"Key":"k"}"#).map(|p| (p.fields, p.list.len(), p.map.len())),
            Ok((None, 0, 0))
        );
        let missing = de::<Probe>(r#"{"Fields":1}"#).unwrap_err();
        assert!(missing.contains("missing field `Key`"), "{missing}");
        // A key and its alias, or a key twice: refused, naming the field.
        let twice = de::<Probe>(r#"{"Key":"k","MD5":"a","Md5":"b"}"#).unwrap_err();
        assert!(twice.contains("duplicate field `MD5`"), "{twice}");
        let twice = de::<Probe>(r#"{"Key":"k","Key":"l"}"#).unwrap_err();
        assert!(twice.contains("duplicate field `Key`"), "{twice}");
        let twice = de::<Probe>(r#"{"Key":"k","Fields":null,"Fields":1}"#).unwrap_err();
        assert!(twice.contains("duplicate field `Fields`"), "{twice}");
        // An escaped key is the key it spells.
        assert_eq!(
            de::<Probe>(r#"{"\u004bey":"k"}"#).map(|p| p.key),
            Ok("k".into())
        );
        // Only an object is a struct; a wrong value names the expected type.
        let array = de::<Probe>(r#"["k"]"#).unwrap_err();
        assert!(array.contains("expected struct Probe"), "{array}");
        assert!(de::<Probe>("null").is_err());
        let bad = de::<Probe>(r#"{"Key":"k","Fields":-1}"#).unwrap_err();
        assert!(bad.contains("expected an integer (u64)"), "{bad}");
        assert_eq!(de::<Empty>(r#"{"a":1}"#), Ok(Empty {}));
        assert_eq!(de::<Optional>("{}"), Ok(Optional::default()));
        assert_eq!(
            Optional::default(),
            Optional {
                n: None,
                list: vec![],
                map: BTreeMap::new()
            }
        );
        let twice = de::<Optional>(r#"{"List":[],"List":["a"]}"#).unwrap_err();
        assert!(twice.contains("duplicate field `List`"), "{twice}");
        assert_eq!(de::<Option<Empty>>("null"), Ok(None));
    }
}
