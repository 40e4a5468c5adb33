//! The four wire protocols. Each file turns an operation's fields into a [`WireRequest`]
//! for its protocol (and, in later work, signs it); this module holds what they share.

mod huawei;
mod tencent_v2;
mod tencent_v3;
mod ucloud;

use crate::build::{BuildError, Problem};
use crate::envelope::EnvelopeSpec;
use crate::wire::{Method, ToWire, Value, WireRequest};

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

/// Per-client settings: region and endpoint override.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClientConfig {
    region: Option<String>,
    endpoint: Option<String>,
}

impl ClientConfig {
    /// A configuration with no region and the specs' default endpoints.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the region (`ap-guangzhou`, `cn-bj2`, `cn-north-4`).
    #[must_use]
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// Overrides the host of every operation of the client (`host` or `host:port`).
    #[must_use]
    pub fn endpoint(mut self, host: impl Into<String>) -> Self {
        self.endpoint = Some(host.into());
        self
    }

    /// The configured region.
    pub fn region_name(&self) -> Option<&str> {
        self.region.as_deref()
    }

    /// The endpoint override.
    pub fn endpoint_override(&self) -> Option<&str> {
        self.endpoint.as_deref()
    }
}

/// Builds the unsigned wire request of `op` from its fields.
#[doc(hidden)]
pub fn build(
    op: &OperationInfo,
    cfg: &ClientConfig,
    fields: Vec<Field>,
) -> Result<WireRequest, BuildError> {
    let template = match (op.protocol, cfg.region.as_deref()) {
        (Protocol::TencentV3, Some(region)) => tencent_v3::endpoint_for_region(op, region),
        _ => op.endpoint,
    };
    let host = match &cfg.endpoint {
        Some(host) => host.clone(),
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
    match &cfg.region {
        Some(region) => Ok(host.replace("{region}", region)),
        None => Err(BuildError::new(
            op.name,
            Problem::Config {
                what: format!("endpoint `{template}` needs a region; set ClientConfig::region"),
            },
        )),
    }
}

/// Flattens `Param`-located fields into `(key, text)` pairs, after the given leading pairs.
fn flatten_params(lead: Vec<(String, String)>, fields: &[Field]) -> Vec<(String, String)> {
    let mut out = lead;
    for f in fields {
        f.value.flatten_into(f.name, &mut out);
    }
    out
}
