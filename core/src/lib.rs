//! The wire vocabulary both sides of the project need, with no I/O.
//!
//! The runtime (which sends requests) re-exports it; the generator (which validates specs
//! and their documented samples at generation time) decodes through it. A rule written here
//! is the rule everywhere: a sample the generator accepts is a response the SDK decodes,
//! because both run the same functions ([`envelope::decode_with`] over [`de::Lenient`]).
//!
//! **Invariant:** no network, no files, no async runtime: `serde`, `serde_json` and `time`
//! only.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod blob;
pub mod build;
pub mod catalog;
pub mod checksum;
pub mod de;
pub mod envelope;
pub mod error;
pub mod paging;
pub mod protocol;
pub mod redact;
pub mod shape;
pub mod time_fmt;
pub mod wire;

pub use blob::Blob;
pub use build::{BuildError, Problem};
pub use envelope::EnvelopeSpec;
pub use error::{DecodeError, ErrorMeta, Retry, ServiceError};
pub use protocol::{Location, OperationInfo, Protocol, Scope};
pub use redact::{REDACTED, Sensitive, SignedUrl};
pub use time_fmt::Timestamp;
pub use wire::{Body, Method, SignContext, SignedRequest, WireRequest};
