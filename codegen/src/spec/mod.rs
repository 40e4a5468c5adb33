//! The spec format as read from YAML: every value keeps its position. This layer checks
//! shapes (mapping vs string, known keys, required keys, duplicate keys); meaning is
//! checked in [`crate::model`]. Every problem is collected, none stops the reading.

mod op;
mod protocol;
mod reader;

pub use op::{read_op, read_service};
pub use protocol::read_protocol;
pub use reader::{Obj, Reader};

use crate::diag::Pos;

/// A located string.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Str {
    pub value: String,
    pub pos: Pos,
}

/// A located number.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Num {
    pub value: f64,
    pub is_int: bool,
    pub pos: Pos,
}

/// One field of a request, response or object type.
#[derive(Clone, Debug)]
pub struct FieldSpec {
    pub name: Str,
    pub ty: Str,
    pub required: bool,
    pub doc: Option<String>,
    pub example: Option<String>,
    pub min: Option<Num>,
    pub max: Option<Num>,
    pub unit: Option<Str>,
    pub encoding: Option<Str>,
    pub location: Option<Str>,
    pub rust_name: Option<Str>,
    pub sensitive: Option<Str>,
    pub valid_for: Option<Str>,
    pub aliases: Vec<Str>,
    pub format: Option<Str>,
    /// The vendor marks the field deprecated or disabled (still on the wire).
    pub deprecated: bool,
    /// The vendor's idempotency key (Tencent's `ClientToken`): filled with a fresh token
    /// when the caller leaves it unset, kept across retries.
    pub idempotency_token: bool,
}

/// One value of an enum type.
#[derive(Clone, Debug)]
pub struct EnumValueSpec {
    pub value: Str,
    pub doc: Option<String>,
    pub rust_name: Option<Str>,
}

/// A named type.
#[derive(Clone, Debug)]
pub struct TypeSpec {
    pub name: Str,
    pub doc: Option<String>,
    pub body: TypeBody,
}

#[derive(Clone, Debug)]
pub enum TypeBody {
    Object(Vec<FieldSpec>),
    Enum(Vec<EnumValueSpec>),
}

/// One row of an error table.
#[derive(Clone, Debug)]
pub struct ErrorRow {
    pub code: Str,
    pub message: Option<String>,
    pub doc: Option<String>,
    pub variant: Option<Str>,
    pub retryable: Retry,
    pub status: Option<u16>,
    /// What the protocol means by this code when refusing a request (protocol rows only).
    pub roles: Vec<Str>,
    pub pos: Pos,
}

/// A documented sample response.
#[derive(Clone, Debug)]
pub struct SampleSpec {
    pub name: Str,
    pub file: Str,
    pub status: u16,
    pub doc: Option<String>,
    /// `error: CODE`: the sample is an error response that must decode as that code.
    pub error: Option<Str>,
    /// `invalid: CAUSE`: the importer found the sample unusable (not JSON); kept, not decoded.
    pub invalid: Option<String>,
    /// `repaired: WHAT`: the importer mended the vendor's text into JSON (lost or trailing
    /// commas); informational, the sample decodes as any other.
    pub repaired: Option<String>,
}

#[derive(Clone, Debug)]
pub struct HttpSpec {
    pub method: Str,
    pub path: Str,
}

/// `pagination:` of an operation: request parameters by wire name (`offset`, `page` or
/// `cursor`, and `page_size`), response fields by wire name (`items`, `total`,
/// `next_cursor`, `has_more`), and numbers (`first_page`, `max_page_size`).
#[derive(Clone, Debug)]
pub struct PaginationSpec {
    pub pos: Pos,
    pub offset: Option<Str>,
    pub page: Option<Str>,
    pub cursor: Option<Str>,
    pub page_size: Option<Str>,
    pub first_page: Option<Num>,
    pub max_page_size: Option<Num>,
    pub items: Option<Str>,
    pub total: Option<Str>,
    pub next_cursor: Option<Str>,
    pub has_more: Option<Str>,
}

/// One entry of an operation's `waiters:` (the mapping key is its name).
#[derive(Clone, Debug)]
pub struct WaiterSpec {
    pub name: Str,
    pub doc: Option<String>,
    pub items: Option<Str>,
    pub key: Option<Str>,
    pub state: Option<Str>,
    pub success: Vec<Str>,
    pub failure: Vec<Str>,
}

/// One operation spec file.
#[derive(Clone, Debug)]
pub struct OpSpec {
    pub file: String,
    pub operation: Str,
    /// Protocol, service, version and endpoint may come from the directory's `service.yaml`.
    pub protocol: Option<Str>,
    pub service: Option<Str>,
    pub version: Option<Str>,
    pub endpoint: Option<Str>,
    /// Hosts of the regions the endpoint template does not give (from the service.yaml
    /// whose endpoint the operation takes).
    pub regions: Vec<(Str, Str)>,
    /// `origin:` where an imported spec came from; its samples may fail to decode (counted, not fatal).
    pub origin: Option<String>,
    pub deprecated: bool,
    pub http: Option<HttpSpec>,
    pub idempotent: bool,
    pub rate_limit: Option<Num>,
    pub doc: String,
    pub request: Vec<FieldSpec>,
    pub response: Vec<FieldSpec>,
    pub types: Vec<TypeSpec>,
    pub errors: Vec<ErrorRow>,
    pub samples: Vec<SampleSpec>,
    /// `scope:` (project or domain), for protocols that list `scopes`.
    pub scope: Option<Str>,
    pub pagination: Option<PaginationSpec>,
    pub waiters: Vec<WaiterSpec>,
}

/// A `service.yaml`: what the operations in its directory share.
#[derive(Clone, Debug)]
pub struct ServiceSpec {
    pub file: String,
    pub service: Str,
    pub protocol: Str,
    pub version: Option<Str>,
    pub endpoint: Str,
    /// `regions:`: region → host, for the regions whose host the endpoint template does not
    /// give (`eu-west-101: cce.eu-west-101.myhuaweicloud.eu`).
    pub regions: Vec<(Str, Str)>,
    /// The name the signature's scope uses (TC3 `service`), when it differs from `service`.
    pub signing_name: Option<Str>,
    /// `title:`, the service's name in the vendor's catalogue (`云数据库 MySQL`).
    pub title: Option<String>,
    pub doc: String,
    pub types: Vec<TypeSpec>,
    pub errors: Vec<ErrorRow>,
}

/// The envelope description of a protocol file.
#[derive(Clone, Debug, Default)]
pub struct EnvelopeSpec {
    pub wrapper: Option<Str>,
    pub error_object: Option<Str>,
    pub code_field: Option<Str>,
    pub message_field: Option<Str>,
    pub success_code: Option<Str>,
    pub request_id_field: Option<Str>,
    pub request_id_header: Option<Str>,
    pub status_errors: bool,
    /// Codes meaning "the signature's timestamp is too far from the server's clock".
    pub clock_skew_codes: Vec<Str>,
    /// `code_field/message_field` pairs, as written.
    pub alt_error_fields: Vec<Str>,
}

/// One protocol file.
#[derive(Clone, Debug)]
pub struct ProtocolSpec {
    pub file: String,
    pub protocol: Str,
    pub provider: Str,
    pub title: String,
    /// `vendor:`, the provider's name as its users know it (`Tencent Cloud`).
    pub vendor: Option<String>,
    /// `example_region:`, the region the generated front pages' examples use.
    pub example_region: Option<String>,
    pub doc: String,
    pub signing: Option<String>,
    pub http: Option<HttpSpec>,
    pub envelope: EnvelopeSpec,
    pub common_params: Vec<(Str, String)>,
    pub errors: Vec<ErrorRow>,
    /// The runtime `Protocol` variant that implements it.
    pub runtime: Option<Str>,
    /// Locations a request field may name, and where a field without one goes.
    pub locations: Vec<Str>,
    pub default_location: Option<Str>,
    /// Path parameters the signer fills from the credentials when the request leaves them unset.
    pub credential_params: Vec<Str>,
    /// Request parameters a client setting fills when the request leaves them unset:
    /// `(wire name, setting, only where the operation requires it)` (`Region: region`).
    pub config_params: Vec<(Str, Str, bool)>,
    /// Timestamp window in seconds (none: the protocol signs no time).
    pub max_skew_seconds: Option<Num>,
    /// HTTP status of a refusal whose error row gives none.
    pub refusal_status: Option<Num>,
    /// `scopes:`: the scopes an operation may choose with `scope:`.
    pub scopes: Vec<Str>,
}

/// When an error may be retried: `retryable: true` (only idempotent calls: the request may
/// have been processed), `always` (throttling: it was refused before processing), or never.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Retry {
    #[default]
    Never,
    IfIdempotent,
    Always,
}
