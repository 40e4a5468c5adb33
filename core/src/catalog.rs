//! Spec facts for emulators and spec-driven tests: each operation's parameters, documented
//! sample responses and error codes. The generated crate emits them (feature `catalog`);
//! the SDK's own calls never read them.

use crate::protocol::{Location, OperationInfo};

/// One operation as its spec describes it.
#[derive(Clone, Copy, Debug)]
pub struct OperationCatalog {
    /// Wire facts (name, protocol, method, path, envelope).
    pub info: &'static OperationInfo,
    /// Request parameters.
    pub params: &'static [ParamInfo],
    /// Documented sample responses, verbatim.
    pub samples: &'static [SampleInfo],
    /// Error codes the operation's error enum knows: its own rows, then the protocol's.
    pub errors: &'static [ErrorInfo],
}

/// One request parameter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParamInfo {
    /// Wire name (`InstanceId`, `project_id`).
    pub name: &'static str,
    /// Where it travels.
    pub location: Location,
    /// Whether a request without it is invalid.
    pub required: bool,
}

/// One documented sample response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SampleInfo {
    /// Name in the spec.
    pub name: &'static str,
    /// HTTP status it comes with.
    pub status: u16,
    /// Body, byte for byte as documented.
    pub body: &'static str,
}

/// One error code an operation's error enum maps to its own variant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ErrorInfo {
    /// The code on the wire (`9006`, `AuthFailure.SignatureFailure`, `APIG.0301`).
    pub code: &'static str,
    /// The variant's name; `Common(<variant>)` for a protocol-wide code.
    pub variant: &'static str,
    /// HTTP status the vendor sends it with, when the spec gives one.
    pub status: Option<u16>,
    /// When the specs allow retrying it.
    pub retry: crate::error::Retry,
}
