//! What the runtime and the generator both know of an operation: its protocol, its wire
//! facts, where each field travels.

use crate::envelope::EnvelopeSpec;
use crate::wire::{Method, ToWire, Value};

/// A wire protocol the runtime speaks (one file each under `runtime/src/protocols/`).
///
/// A protocol spec (`specs/protocols/*.yaml`) names its variant with `runtime:`; the
/// generator checks the name against [`Protocol::ALL`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
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

impl Protocol {
    /// Every protocol the runtime implements.
    pub const ALL: &'static [Protocol] = &[
        Protocol::TencentV2,
        Protocol::TencentV3,
        Protocol::UCloud,
        Protocol::Huawei,
    ];

    /// The variant's name, as a protocol spec's `runtime:` writes it.
    pub fn variant_name(self) -> &'static str {
        match self {
            Protocol::TencentV2 => "TencentV2",
            Protocol::TencentV3 => "TencentV3",
            Protocol::UCloud => "UCloud",
            Protocol::Huawei => "Huawei",
        }
    }

    /// The protocol a spec's `runtime:` names.
    pub fn from_variant_name(name: &str) -> Option<Protocol> {
        Self::ALL.iter().copied().find(|p| p.variant_name() == name)
    }

    /// The runtime credentials type its requests are signed with.
    pub fn credentials_type(self) -> &'static str {
        match self {
            Protocol::TencentV2 | Protocol::TencentV3 => "TencentCredentials",
            Protocol::UCloud => "UCloudCredentials",
            Protocol::Huawei => "HuaweiCredentials",
        }
    }
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
    /// Which identity of the account the request is signed for (project or domain).
    pub scope: Scope,
    /// Response fields read from headers, and a body that is one field's value.
    pub response: crate::envelope::ResponseLayout,
    /// `(region, host)`: the regions whose host `endpoint` does not give (Huawei's
    /// `eu-west-101` is on `myhuaweicloud.eu`).
    pub regions: &'static [(&'static str, &'static str)],
}

/// Which identity of the account an operation is scoped to, for protocols that sign one
/// (Huawei: `X-Project-Id` for regional services, `X-Domain-Id` for global ones). A protocol
/// spec lists the scopes its operations may choose (`scopes:`); the default is `Project`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Scope {
    /// A project (region) of the account: the default.
    #[default]
    Project,
    /// The whole account (domain): global services.
    Domain,
}

impl Scope {
    /// Every scope.
    pub const ALL: &'static [Scope] = &[Scope::Project, Scope::Domain];

    /// The spec's spelling (`scope: domain`).
    pub fn spec_name(self) -> &'static str {
        match self {
            Scope::Project => "project",
            Scope::Domain => "domain",
        }
    }

    /// The variant's name (`Domain`), for emitted code.
    pub fn variant_name(self) -> &'static str {
        match self {
            Scope::Project => "Project",
            Scope::Domain => "Domain",
        }
    }

    /// The scope a spec names.
    pub fn from_spec_name(name: &str) -> Option<Scope> {
        Self::ALL.iter().copied().find(|s| s.spec_name() == name)
    }
}

/// A client setting a request parameter takes when the request leaves it unset (UCloud's
/// `Region`, `Zone` and `ProjectId`: a client is made for a region and a project). A
/// protocol spec maps its parameters to these (`config_params:`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ConfigParam {
    /// `ClientConfig::region`.
    Region,
    /// `ClientConfig::zone`.
    Zone,
    /// `ClientConfig::project`.
    Project,
}

impl ConfigParam {
    /// Every setting.
    pub const ALL: &'static [ConfigParam] =
        &[ConfigParam::Region, ConfigParam::Zone, ConfigParam::Project];

    /// The spec's spelling (`config_params: { Region: region }`), also the setter's name.
    pub fn spec_name(self) -> &'static str {
        match self {
            ConfigParam::Region => "region",
            ConfigParam::Zone => "zone",
            ConfigParam::Project => "project",
        }
    }

    /// The variant's name (`Region`), for emitted code.
    pub fn variant_name(self) -> &'static str {
        match self {
            ConfigParam::Region => "Region",
            ConfigParam::Zone => "Zone",
            ConfigParam::Project => "Project",
        }
    }

    /// The setting a spec names.
    pub fn from_spec_name(name: &str) -> Option<ConfigParam> {
        Self::ALL.iter().copied().find(|s| s.spec_name() == name)
    }
}

/// Where a field goes on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
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
    /// The whole body: JSON of a structured value (an array, an object), a string as it
    /// is, bytes ([`Blob`](crate::Blob)) as they are.
    Payload,
    /// A member of an `application/x-www-form-urlencoded` body.
    Form,
    /// A part of a `multipart/form-data` body: a file part for bytes, a text part otherwise.
    Part,
}

impl Location {
    /// Every location.
    pub const ALL: &'static [Location] = &[
        Location::Param,
        Location::Path,
        Location::Query,
        Location::Header,
        Location::Body,
        Location::Payload,
        Location::Form,
        Location::Part,
    ];

    /// The spec's spelling (`location: path`) and the variant's name in lower case.
    pub fn spec_name(self) -> &'static str {
        match self {
            Location::Param => "param",
            Location::Path => "path",
            Location::Query => "query",
            Location::Header => "header",
            Location::Body => "body",
            Location::Payload => "payload",
            Location::Form => "form",
            Location::Part => "part",
        }
    }

    /// The variant's name (`Path`), for emitted code.
    pub fn variant_name(self) -> &'static str {
        match self {
            Location::Param => "Param",
            Location::Path => "Path",
            Location::Query => "Query",
            Location::Header => "Header",
            Location::Body => "Body",
            Location::Payload => "Payload",
            Location::Form => "Form",
            Location::Part => "Part",
        }
    }

    /// The location a spec names.
    pub fn from_spec_name(name: &str) -> Option<Location> {
        Self::ALL.iter().copied().find(|l| l.spec_name() == name)
    }
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
        body => Body,
        /// The whole body.
        payload => Payload,
        /// A member of a form body.
        form => Form,
        /// A part of a multipart body.
        part => Part
    );

    /// This field's list sent as one comma-separated value (Huawei's `csv` query arrays:
    /// `zones=a,b` rather than `zones=a&zones=b`); any other value is left as it is.
    #[must_use]
    pub fn csv(self) -> Self {
        let value = match self.value {
            Value::List(items) => Value::Str(
                items
                    .iter()
                    .map(|v| v.scalar_text().unwrap_or_default())
                    .collect::<Vec<_>>()
                    .join(","),
            ),
            v => v,
        };
        Self { value, ..self }
    }

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
