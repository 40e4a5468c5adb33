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
pub mod protocols;
pub mod transport;

pub use build::{BuildError, Problem};
pub use client::{Op, Runtime};
pub use config::{ClientConfig, Clock};
pub use credentials::{
    Credentials, CredentialsError, HuaweiCredentials, TencentCredentials, UCloudCredentials,
};
pub use envelope::EnvelopeSpec;
pub use error::{DecodeError, ErrorMeta, Retry, SdkError, ServiceError};
pub use protocols::{OperationInfo, Protocol, Scope};
pub use redact::{REDACTED, Sensitive, SignedUrl};
pub use time_fmt::Timestamp;
pub use transport::{RawResponse, Transport, TransportError, TransportErrorKind};
pub use wire::{Body, Method, SignContext, SignedRequest, WireRequest};

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
