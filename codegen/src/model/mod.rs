//! The resolved model: every name decided, every type resolved, every spec rule checked.
//! Nothing downstream of this module can fail.

mod fields;
mod paging;
mod passes;
mod protocol;
mod resolve;
mod service;
mod waiters;

pub use resolve::{Specs, resolve};
pub use service::ServiceInput;

use std::collections::BTreeMap;

use crate::diag::{Diag, Diagnostics, Pos};

/// Variant names an operation's or a service's error enum keeps for itself: the nested
/// protocol enum (`Common`), the nested service enum (`Service`) and a code nobody documented
/// (`Unhandled`). A table's row may not take them; the importer numbers around them.
pub const RESERVED_ERROR_VARIANTS: [&str; 3] = ["Common", "Service", "Unhandled"];

/// Units a numeric field may declare, and the factor to bytes where it is a size.
pub const UNITS: &[(&str, Option<u64>)] = &[
    ("B", Some(1)),
    ("KiB", Some(1024)),
    ("MiB", Some(1024 * 1024)),
    ("s", None),
    ("ms", None),
];

/// Timestamp formats: spec name → runtime marker type.
pub const TIME_FORMATS: &[(&str, &str)] = &[
    ("iso8601", "Iso8601"),
    ("datetime-cst", "DateTimeCst"),
    ("datetime-utc", "DateTimeUtc"),
    ("unix-seconds", "UnixSeconds"),
];

/// Names the generated code uses unqualified (std prelude): a spec type may not shadow them.
pub const PRELUDE: &[&str] = &[
    "Option",
    "Some",
    "None",
    "Result",
    "Ok",
    "Err",
    "String",
    "Vec",
    "Box",
    "From",
    "Into",
    "Default",
    "Clone",
    "Debug",
    "PartialEq",
    "Eq",
    "Hash",
    "Send",
    "Sync",
    "Sized",
    "Drop",
    "Fn",
    "FnMut",
    "FnOnce",
    "Iterator",
    "IntoIterator",
    "ToString",
    "ToOwned",
    "AsRef",
    "AsMut",
    "Copy",
    "Ord",
    "PartialOrd",
    "Extend",
    "BuildError",
    "SdkError",
    "WireRequest",
];

const PRIMITIVES: &[&str] = &[
    "string",
    "bool",
    "i32",
    "i64",
    "u32",
    "u64",
    "f64",
    "timestamp",
    "bytes",
    "json",
];

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ty {
    Str,
    Bool,
    I32,
    I64,
    U32,
    U64,
    F64,
    /// Runtime marker type name of the format.
    Timestamp(&'static str),
    /// Bytes as they are (`runtime::Blob`): a multipart file part, an octet-stream body,
    /// a response body that is not JSON.
    Bytes,
    /// Any JSON value (`runtime::JsonValue`): a member the vendor leaves untyped.
    Json,
    List(Box<Ty>),
    Map(Box<Ty>),
    /// A named type of the same spec, by its Rust name.
    Named(String),
}

impl Ty {
    pub fn is_number(&self) -> bool {
        matches!(self, Ty::I32 | Ty::I64 | Ty::U32 | Ty::U64 | Ty::F64)
    }
    pub fn is_integer(&self) -> bool {
        matches!(self, Ty::I32 | Ty::I64 | Ty::U32 | Ty::U64)
    }
    fn int_bounds(&self) -> Option<(f64, f64)> {
        Some(match self {
            Ty::I32 => (i32::MIN as f64, i32::MAX as f64),
            Ty::I64 => (i64::MIN as f64, i64::MAX as f64),
            Ty::U32 => (0.0, u32::MAX as f64),
            Ty::U64 => (0.0, u64::MAX as f64),
            _ => return None,
        })
    }
    /// Spec spelling, for messages.
    pub fn spec_name(&self) -> String {
        match self {
            Ty::Str => "string".into(),
            Ty::Bool => "bool".into(),
            Ty::I32 => "i32".into(),
            Ty::I64 => "i64".into(),
            Ty::U32 => "u32".into(),
            Ty::U64 => "u64".into(),
            Ty::F64 => "f64".into(),
            Ty::Timestamp(_) => "timestamp".into(),
            Ty::Bytes => "bytes".into(),
            Ty::Json => "json".into(),
            Ty::List(t) => format!("list<{}>", t.spec_name()),
            Ty::Map(t) => format!("map<string, {}>", t.spec_name()),
            Ty::Named(n) => n.clone(),
        }
    }
}

/// `encoding:` of a request field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    /// The value as the protocol sends its type (a list in a query: one key per item).
    Plain,
    /// A JSON document inside a string (Tencent's `dbTableList`).
    Json,
    /// A list as one comma-separated value (Huawei's `collection_formats` `csv`).
    Csv,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sensitivity {
    None,
    Secret,
    SignedUrl,
}

pub use sdk_core::{Location, Retry, Scope, catalog::Role};

#[derive(Clone, Debug)]
pub struct Field {
    pub wire: String,
    pub ident: String,
    pub ty: Ty,
    pub required: bool,
    pub doc: Option<String>,
    pub example: Option<String>,
    /// Inclusive bounds, checked by the builder (integers are whole numbers here).
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub unit: Option<String>,
    /// Bytes per unit of an integer field whose unit is a size (`1` for `B`).
    pub bytes_factor: Option<u64>,
    /// How a request value is put in its one place on the wire.
    pub encoding: Encoding,
    pub location: Location,
    pub sensitive: Sensitivity,
    /// How long a signed URL stays valid after it is issued: the spec's text and seconds.
    pub valid_for: Option<(String, u64)>,
    pub aliases: Vec<String>,
    pub boxed: bool,
    /// The vendor marks it deprecated or disabled (still on the wire).
    pub deprecated: bool,
    /// A request parameter the client's setting fills when the request leaves it unset
    /// (the protocol's `config_params`), and whether the vendor requires it (then `required`
    /// is false: the builder does not ask for it, the runtime refuses a request with neither).
    pub config: Option<(sdk_core::protocol::ConfigParam, bool)>,
    /// The operation's idempotency key: a fresh token is sent when the request leaves it
    /// unset (the same on every attempt), and the operation is then safe to retry.
    pub idempotency_token: bool,
}

#[derive(Clone, Debug)]
pub struct EnumValue {
    pub wire: String,
    pub ident: String,
    pub doc: Option<String>,
}

#[derive(Clone, Debug)]
pub enum TypeKind {
    Object(Vec<Field>),
    Enum(Vec<EnumValue>),
}

#[derive(Clone, Debug)]
pub struct NamedType {
    pub name: String,
    pub doc: Option<String>,
    pub kind: TypeKind,
    pub in_request: bool,
    pub in_response: bool,
}

#[derive(Clone, Debug)]
pub struct ErrorVariant {
    pub code: String,
    pub variant: String,
    pub message: Option<String>,
    pub doc: Option<String>,
    pub retryable: Retry,
    pub status: Option<u16>,
    /// What the protocol means by the code when refusing a request (protocol rows only).
    pub roles: Vec<Role>,
}

#[derive(Clone, Debug, Default)]
pub struct Envelope {
    pub wrapper: Option<String>,
    pub error_object: Option<String>,
    pub code_field: String,
    pub message_field: String,
    pub success_code: Option<String>,
    pub request_id_field: Option<String>,
    pub request_id_header: Option<String>,
    pub status_errors: bool,
    pub clock_skew_codes: Vec<String>,
    /// Other `(code, message)` field pairs of an error.
    pub alt_error_fields: Vec<(String, String)>,
}

#[derive(Clone, Debug)]
pub struct Protocol {
    pub name: String,
    pub file: String,
    pub provider: String,
    pub title: String,
    /// The provider's name as its users know it (`Tencent Cloud`; the provider id by default).
    pub vendor: String,
    /// The region a front page's example configures, if the protocol file names one.
    pub example_region: Option<String>,
    pub doc: String,
    pub signing: Option<String>,
    /// The runtime protocol implementing it (variant, credentials type).
    pub runtime: sdk_core::Protocol,
    /// Locations a request field may name (empty: `location:` is not used).
    pub locations: Vec<Location>,
    /// Where a request field without `location:` goes.
    pub default_location: Location,
    /// Path parameters the signer fills from the credentials when unset.
    pub credential_params: Vec<String>,
    /// Request parameters a client setting fills when the request leaves them unset, and
    /// whether only where the operation requires the parameter (elsewhere it is a filter the
    /// caller chooses: UCloud's optional `Zone`).
    pub config_params: Vec<(String, sdk_core::protocol::ConfigParam, bool)>,
    /// Scopes an operation may choose with `scope:` (empty: the key is refused).
    pub scopes: Vec<Scope>,
    pub max_skew_seconds: Option<i64>,
    pub refusal_status: u16,
    /// Module and constant stem, e.g. `tencent_v2`.
    pub module: String,
    /// Common error enum, e.g. `TencentV2Error`.
    pub error_enum: String,
    pub method: String,
    pub path: String,
    pub envelope: Envelope,
    pub common_params: Vec<(String, String)>,
    pub errors: Vec<ErrorVariant>,
}

#[derive(Clone, Debug)]
pub struct Sample {
    pub name: String,
    /// Path relative to the spec root, for messages and test names.
    pub file: String,
    pub text: String,
    pub status: u16,
    pub doc: Option<String>,
    /// An error sample: it must decode as this code.
    pub error: Option<String>,
    /// Why the sample is not decoded: the importer's cause (`invalid:`), or, for an imported
    /// spec, the decoder's (set by the sample pass). Such samples are documented, not used.
    pub unusable: Option<String>,
    /// What the importer mended to make the vendor's text JSON (`repaired:`).
    pub repaired: Option<String>,
    /// The values an imported spec's sample holds that contradict their declared types, set
    /// aside when it decodes tolerantly (set by the sample pass; see `sdk_core::de::tolerant`).
    pub set_aside: Option<String>,
}

/// Where resolved items came from in the specs, for the passes that report problems after
/// resolution (the sample check). Kept beside the IR, not in it.
#[derive(Clone, Debug, Default)]
pub struct Sources {
    /// (spec file, sample name) → position of the sample's `name`.
    pub samples: BTreeMap<(String, String), Pos>,
}

#[derive(Clone, Debug)]
pub struct Operation {
    pub spec_file: String,
    /// Index of its service in [`Model::services`].
    pub svc: usize,
    /// Where an imported spec came from (`origin:`); `None` for a hand-written one.
    pub origin: Option<String>,
    pub deprecated: bool,
    /// The service name the signature's scope uses.
    pub signing_name: String,
    pub wire_name: String,
    pub snake: String,
    pub pascal: String,
    pub protocol: usize,
    pub provider: String,
    pub service: String,
    pub version: Option<String>,
    pub endpoint: String,
    /// `(region, host)` for the regions the endpoint template does not give.
    pub regions: Vec<(String, String)>,
    pub method: String,
    pub path: String,
    pub idempotent: bool,
    pub rate_limit: Option<f64>,
    /// The identity the request is signed for (`Project` unless the spec says `scope:`).
    pub scope: Scope,
    pub doc: String,
    pub request: Vec<Field>,
    pub response: Vec<Field>,
    pub types: Vec<NamedType>,
    pub errors: Vec<ErrorVariant>,
    pub samples: Vec<Sample>,
    pub pagination: Option<Pagination>,
    pub waiters: Vec<Waiter>,
}

/// One of an operation's `waiters:`: polls it until `state` (of the response, or of the
/// listed item a caller's key picks) is a success or a failure value.
#[derive(Clone, Debug)]
pub struct Waiter {
    /// Snake case: the method is `wait_until_<name>`.
    pub name: String,
    pub doc: Option<String>,
    pub listed: Option<Listed>,
    pub state_ident: String,
    pub state_wire: String,
    pub success: Vec<String>,
    pub failure: Vec<String>,
}

/// Whether waiter `w` of `op` walks the pages: its list is the one the operation pages.
pub fn walks_pages(op: &Operation, w: &Waiter) -> bool {
    matches!((&op.pagination, &w.listed), (Some(pg), Some(l)) if pg.items == l.items)
}

/// A waiter's list and key: the response list (an index into the response fields), its
/// item type, and the item field the caller's key is compared with.
#[derive(Clone, Debug)]
pub struct Listed {
    pub items: usize,
    pub item: String,
    pub key_ident: String,
    pub key_wire: String,
    pub key_ty: Ty,
}

/// How an operation pages (`pagination:`): indexes into its request and response fields.
#[derive(Clone, Debug)]
pub struct Pagination {
    pub walk: sdk_core::paging::Walk,
    /// The request field that moves (offset, page number or cursor).
    pub position: usize,
    pub page_size: Option<usize>,
    pub max_page_size: Option<u64>,
    /// The response list of items.
    pub items: usize,
    pub total: Option<usize>,
    pub next_cursor: Option<usize>,
    pub has_more: Option<usize>,
}

impl Operation {
    /// The response field that is the whole body (`location: payload`), with how the body
    /// is read: a string takes the text as it came, anything else is JSON.
    pub fn response_payload(&self) -> Option<(&Field, sdk_core::envelope::PayloadKind)> {
        let f = self
            .response
            .iter()
            .find(|f| f.location == Location::Payload)?;
        let kind = match f.ty {
            Ty::Str => sdk_core::envelope::PayloadKind::Text,
            Ty::Bytes => sdk_core::envelope::PayloadKind::Bytes,
            _ => sdk_core::envelope::PayloadKind::Json,
        };
        Some((f, kind))
    }
}

/// A service: a crate of the generated SDK (or, for a further API version, a module of
/// that crate), with the types and error codes its operations share.
#[derive(Clone, Debug)]
pub struct Service {
    /// Its `service.yaml`, if it has one (else the operations' specs alone define it).
    pub file: Option<String>,
    pub provider: String,
    /// The crate-level service name (`cdb`).
    pub name: String,
    /// The module of a further API version inside the crate (`v20230417`), if it is one.
    pub sub: Option<String>,
    /// Protocol of the `service.yaml` (its errors' `Common` variant).
    pub protocol: Option<usize>,
    /// The service's name in the vendor's catalogue (`title:`).
    pub title: Option<String>,
    pub doc: Option<String>,
    pub types: Vec<NamedType>,
    /// The service's error codes (without its protocol's common ones).
    pub errors: Vec<ErrorVariant>,
    /// `CdbError`: the enum of `errors` plus `Common` and `Unhandled`.
    pub error_enum: String,
    /// A crate-level service's `CHANGELOG.md`: its newest release (none: no heading yet)
    /// and its text.
    pub release: Option<(Option<crate::changelog::Version>, String)>,
}

impl Service {
    /// The crate's version: its changelog's newest release, else the first.
    pub fn crate_version(&self) -> String {
        match &self.release {
            Some((Some(v), _)) => v.to_string(),
            _ => crate::changelog::FIRST.to_string(),
        }
    }

    /// `tencent-cdb`: the crate's package name.
    pub fn crate_name(&self) -> String {
        crate::naming::crate_name(&self.provider, &self.name)
    }
}

#[derive(Clone, Debug, Default)]
pub struct Model {
    pub protocols: Vec<Protocol>,
    pub services: Vec<Service>,
    pub ops: Vec<Operation>,
}

impl Model {
    /// Provider names (modules and cargo features), sorted, each once.
    pub fn providers(&self) -> Vec<&str> {
        let mut providers: Vec<&str> = self.protocols.iter().map(|p| p.provider.as_str()).collect();
        providers.sort();
        providers.dedup();
        providers
    }

    /// The named types an operation's fields may refer to: its own, then its service's.
    pub fn types_of<'m>(&'m self, op: &'m Operation) -> impl Iterator<Item = &'m NamedType> {
        op.types.iter().chain(&self.services[op.svc].types)
    }

    /// The operations of the crate of service `svc`: its own and its further API versions'.
    pub fn crate_ops(&self, svc: usize) -> impl Iterator<Item = &Operation> {
        let s = &self.services[svc];
        self.ops.iter().filter(move |o| {
            let os = &self.services[o.svc];
            os.provider == s.provider && os.name == s.name
        })
    }

    /// The provider's name as users know it (`Tencent Cloud`), from the protocol of service
    /// `svc` (its `service.yaml`'s, else its first operation's); the provider id without one.
    pub fn vendor(&self, svc: usize) -> &str {
        let s = &self.services[svc];
        s.protocol
            .or_else(|| self.ops.iter().find(|o| o.svc == svc).map(|o| o.protocol))
            .map_or(s.provider.as_str(), |p| self.protocols[p].vendor.as_str())
    }

    /// Crate-level services (no version submodules), in order.
    pub fn crates(&self) -> impl Iterator<Item = (usize, &Service)> {
        self.services
            .iter()
            .enumerate()
            .filter(|(_, s)| s.sub.is_none())
    }
}

/// Reads a sample file relative to a spec file; `Err` carries the I/O error text.
pub type ReadSample<'a> = &'a dyn Fn(&str, &str) -> Result<String, String>;

struct Cx<'a> {
    file: &'a str,
    diags: &'a mut Diagnostics,
}

impl Cx<'_> {
    fn err(&mut self, pos: Pos, msg: impl Into<String>) -> &mut Diag {
        self.diags.push(Diag::new(self.file, pos, msg));
        self.diags.0.last_mut().expect("just pushed")
    }
}

/// Which side of the call a field list is on.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Request,
    Response,
}
