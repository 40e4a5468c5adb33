//! Spec facts for emulators and spec-driven tests: each operation's parameters, documented
//! sample responses and error codes. The generated crate emits them (feature `catalog`);
//! the SDK's own calls never read them.

use crate::envelope::EnvelopeSpec;
use crate::protocol::{Location, OperationInfo, Protocol};

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
    /// The operation's protocol.
    pub protocol: &'static ProtocolCatalog,
    /// Example values of request parameters (`example:` in the spec), as wire text.
    pub examples: &'static [(&'static str, &'static str)],
    /// Imported from a vendor catalogue (`origin:`), not written by a maintainer: its
    /// examples are the vendor's, so an example request may not build.
    pub imported: bool,
    /// A success response made up from the response type (every field present and of its
    /// type, in the protocol's envelope; an empty type where the status alone signals
    /// success is a 204 with no body) when no documented sample decodes: what an emulator
    /// answers such an operation with. `None` when `samples` has one.
    pub synthesized: Option<SampleInfo>,
    /// `(header, value)`: a value of its type for each response field read from a header,
    /// which an emulator sends with a success of this operation.
    pub reply_headers: &'static [(&'static str, &'static str)],
    /// How the operation pages its results (`pagination:`), if it does.
    pub paging: Option<&'static crate::paging::Paging>,
}

impl OperationCatalog {
    /// The success body an emulator answers with by default: the first documented sample
    /// that decodes, else the synthesized one (status and body).
    pub fn default_body(&self) -> Option<(u16, &'static str)> {
        self.samples
            .first()
            .map(|s| (s.status, s.body))
            .or(self.synthesized.map(|s| (s.status, s.body)))
    }
}

/// What a protocol's spec says beyond its envelope: the roles of its error rows, the
/// timestamp window, the status of a refusal. Emulators read refusals from here.
#[derive(Clone, Copy, Debug)]
pub struct ProtocolCatalog {
    /// Spec name (`tencent-v3`).
    pub name: &'static str,
    /// The runtime protocol.
    pub protocol: Protocol,
    /// Its envelope.
    pub envelope: &'static EnvelopeSpec,
    /// How far a signed timestamp may be from the server's clock, in seconds; `None` when the
    /// protocol signs no time.
    pub max_skew_seconds: Option<i64>,
    /// HTTP status of a refusal whose row gives none, where the protocol signals errors by status.
    pub refusal_status: u16,
    /// The protocol's common error rows.
    pub errors: &'static [ErrorInfo],
}

impl ProtocolCatalog {
    /// The code the protocol answers with in `role`, if a row has that role.
    pub fn code_for(&self, role: Role) -> Option<&'static str> {
        self.errors
            .iter()
            .find(|e| e.roles.contains(&role))
            .map(|e| e.code)
    }
}

/// Why a gateway refuses a request before the operation runs: a protocol's error rows say
/// which of their codes means what (`roles:` in `specs/protocols/*.yaml`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Role {
    /// The signature does not match.
    BadSignature,
    /// The key id (SecretId, PublicKey, AK) is unknown.
    UnknownKey,
    /// The signed timestamp is too far from the server's clock.
    ExpiredTimestamp,
    /// A required parameter is missing.
    MissingParameter,
    /// No such action or path.
    UnknownOperation,
}

impl Role {
    /// Every role.
    pub const ALL: &'static [Role] = &[
        Role::BadSignature,
        Role::UnknownKey,
        Role::ExpiredTimestamp,
        Role::MissingParameter,
        Role::UnknownOperation,
    ];

    /// The spec's spelling (`bad_signature`).
    pub fn spec_name(self) -> &'static str {
        match self {
            Role::BadSignature => "bad_signature",
            Role::UnknownKey => "unknown_key",
            Role::ExpiredTimestamp => "expired_timestamp",
            Role::MissingParameter => "missing_parameter",
            Role::UnknownOperation => "unknown_operation",
        }
    }

    /// The variant's name, for emitted code.
    pub fn variant_name(self) -> &'static str {
        match self {
            Role::BadSignature => "BadSignature",
            Role::UnknownKey => "UnknownKey",
            Role::ExpiredTimestamp => "ExpiredTimestamp",
            Role::MissingParameter => "MissingParameter",
            Role::UnknownOperation => "UnknownOperation",
        }
    }

    /// The role a spec names.
    pub fn from_spec_name(name: &str) -> Option<Role> {
        Self::ALL.iter().copied().find(|r| r.spec_name() == name)
    }
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
    /// What the protocol means by it when it refuses a request (protocol rows only).
    pub roles: &'static [Role],
}
