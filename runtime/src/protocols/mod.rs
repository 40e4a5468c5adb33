//! The four wire protocols. Each file turns an operation's fields into a [`WireRequest`]
//! for its protocol (and, in later work, signs it); this module holds what they share.

pub mod encoding;
pub mod huawei;
pub mod tencent_v2;
pub mod tencent_v3;
pub mod ucloud;

use crate::build::{BuildError, Problem};
pub use crate::config::ClientConfig;
use crate::credentials::Credentials;
use crate::envelope::EnvelopeSpec;
use crate::wire::{Method, SignContext, SignedRequest, ToWire, Value, WireRequest};

/// A wire protocol the runtime speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Protocol {
    /// Tencent Cloud API 2.0: `Action` + common parameters in the query, HmacSHA1/256 signature.
    TencentV2,
    /// Tencent Cloud API 3.0: JSON body, `X-TC-*` headers, TC3-HMAC-SHA256.
    TencentV3,
    /// UCloud: form parameters, `PublicKey` + SHA1 `Signature`.
    UCloud,
    /// Huawei Cloud REST behind API Gateway: path/query/body, SDK-HMAC-SHA256.
    Huawei,
}

/// Everything the runtime needs to know about one operation, emitted by the generator.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct OperationInfo {
    /// Wire name of the operation (`Action`), e.g. `DescribeBackupUrl`.
    pub name: &'static str,
    /// Protocol.
    pub protocol: Protocol,
    /// Service short name, e.g. `redis`.
    pub service: &'static str,
    /// API version, where the protocol sends one.
    pub version: Option<&'static str>,
    /// Default host; may contain `{region}` and `{service}`.
    pub endpoint: &'static str,
    /// HTTP method.
    pub method: Method,
    /// Path template; may contain `{wire_name}` of path parameters.
    pub path: &'static str,
    /// Whether sending the request twice is harmless.
    pub idempotent: bool,
    /// Client-side rate limit from the spec, in requests per second.
    pub rate_limit: Option<f64>,
    /// The protocol's response envelope.
    pub envelope: &'static EnvelopeSpec,
}

/// Where a field goes on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Location {
    /// The protocol's usual parameter place (query for Tencent 2.0, JSON body for 3.0, form for UCloud).
    Param,
    /// A `{name}` segment of the path.
    Path,
    /// The query string.
    Query,
    /// An HTTP header.
    Header,
    /// A member of the JSON body.
    Body,
}

/// One request field on its way to the wire.
#[doc(hidden)]
#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    /// Where it goes.
    pub location: Location,
    /// Wire name.
    pub name: &'static str,
    /// Value (`Null` for an unset optional field).
    pub value: Value,
}

macro_rules! field_ctors {
    ($($(#[$doc:meta])* $fn:ident => $loc:ident),*) => {$(
        $(#[$doc])*
        pub fn $fn<T: ToWire + ?Sized>(name: &'static str, value: &T) -> Self {
            Self { location: Location::$loc, name, value: value.to_wire() }
        }
    )*};
}

impl Field {
    field_ctors!(
        /// A field in the protocol's usual parameter place.
        param => Param,
        /// A `{name}` path segment.
        path => Path,
        /// A query parameter.
        query => Query,
        /// A header.
        header => Header,
        /// A member of the JSON body.
        body => Body
    );

    /// This field's value sent as a JSON document inside a string (Tencent's `dbTableList`).
    #[must_use]
    pub fn json(self) -> Self {
        let value = match self.value {
            Value::Null => Value::Null,
            v => Value::Str(v.to_json()),
        };
        Self { value, ..self }
    }
}

/// Builds the unsigned wire request of `op` from its fields.
#[doc(hidden)]
pub fn build(
    op: &OperationInfo,
    cfg: &ClientConfig,
    fields: Vec<Field>,
) -> Result<WireRequest, BuildError> {
    let template = match (op.protocol, cfg.region_name()) {
        (Protocol::TencentV3, Some(region)) => tencent_v3::endpoint_for_region(op, region),
        _ => op.endpoint,
    };
    let host = match cfg.endpoint_override() {
        Some(host) => host.to_owned(),
        None => expand(op, template, cfg)?,
    };
    match op.protocol {
        Protocol::TencentV2 => Ok(tencent_v2::build(op, cfg, host, fields)),
        Protocol::TencentV3 => Ok(tencent_v3::build(op, cfg, host, fields)),
        Protocol::UCloud => Ok(ucloud::build(op, host, fields)),
        Protocol::Huawei => huawei::build(op, host, fields),
    }
}

/// Expands `{service}` and `{region}` in an endpoint template.
fn expand(op: &OperationInfo, template: &str, cfg: &ClientConfig) -> Result<String, BuildError> {
    let host = template.replace("{service}", op.service);
    if !host.contains("{region}") {
        return Ok(host);
    }
    match cfg.region_name() {
        Some(region) => Ok(host.replace("{region}", region)),
        None => Err(BuildError::new(
            op.name,
            Problem::Config {
                what: format!("endpoint `{template}` needs a region; set ClientConfig::region"),
            },
        )),
    }
}

/// Signs an unsigned request of `op` with `credentials` at `ctx`.
///
/// Fails only when the credentials are for another vendor than the operation's protocol, or
/// the request still has an unfilled `{name}` path segment.
pub fn sign(
    op: &OperationInfo,
    wire: WireRequest,
    credentials: &Credentials,
    ctx: &SignContext,
) -> Result<SignedRequest, BuildError> {
    let signed = match (op.protocol, credentials) {
        (Protocol::TencentV2, Credentials::Tencent(c)) => tencent_v2::sign(wire, c, ctx),
        (Protocol::TencentV3, Credentials::Tencent(c)) => {
            tencent_v3::sign(wire, c, op.service, ctx)
        }
        (Protocol::UCloud, Credentials::UCloud(c)) => ucloud::sign(wire, c),
        (Protocol::Huawei, Credentials::Huawei(c)) => huawei::sign(wire, c, ctx),
        (protocol, _) => {
            return Err(BuildError::new(
                op.name,
                Problem::Config {
                    what: format!("{protocol:?} operations need that vendor's credentials"),
                },
            ));
        }
    };
    if let Some(start) = signed.path.find('{') {
        let name: String = signed.path[start..]
            .chars()
            .take_while(|c| *c != '}')
            .skip(1)
            .collect();
        return Err(BuildError::new(
            op.name,
            Problem::Config {
                what: format!(
                    "path parameter `{name}` is not set and the credentials do not supply it"
                ),
            },
        ));
    }
    Ok(signed)
}

/// Flattens `Param`-located fields into `(key, text)` pairs, after the given leading pairs.
fn flatten_params(lead: Vec<(String, String)>, fields: &[Field]) -> Vec<(String, String)> {
    let mut out = lead;
    for f in fields {
        f.value.flatten_into(f.name, &mut out);
    }
    out
}
