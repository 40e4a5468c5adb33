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
use crate::wire::{SignContext, SignedRequest, WireRequest};
pub use sdk_core::protocol::{ConfigParam, Field, Location, OperationInfo, Protocol, Scope};

/// Builds the unsigned wire request of `op` from its fields.
#[doc(hidden)]
pub fn build(
    op: &OperationInfo,
    cfg: &ClientConfig,
    fields: Vec<Field>,
) -> Result<WireRequest, BuildError> {
    let listed = cfg
        .region_name()
        .and_then(|region| op.regions.iter().find(|(r, _)| *r == region))
        .map(|(_, host)| *host);
    let template = match (op.protocol, cfg.region_name(), listed) {
        (_, _, Some(host)) => host,
        (Protocol::TencentV3, Some(region), None) => tencent_v3::endpoint_for_region(op, region),
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
        other => Err(BuildError::new(
            op.name,
            Problem::Config {
                what: format!("this runtime does not implement protocol {other:?}"),
            },
        )),
    }
}

/// `field` as given, or, when the request leaves it unset, a fresh idempotency token (the
/// operation's `ClientToken`). The wire request is built once per call and re-signed for
/// each attempt, so every retry carries the same token: the vendor sees one request.
#[doc(hidden)]
pub fn idempotency_token(mut field: Field) -> Field {
    if field.value == sdk_core::wire::Value::Null {
        field.value = sdk_core::wire::Value::Str(crate::client::fresh_token());
    }
    field
}

/// `field` as given, or, when the request leaves it unset, with the client's `param` setting
/// (UCloud's `Region`, `Zone`, `ProjectId`). A `required` one set on neither is refused
/// before any I/O, naming the request field and the setting.
#[doc(hidden)]
pub fn from_config(
    op: &OperationInfo,
    mut field: Field,
    cfg: &ClientConfig,
    param: ConfigParam,
    required: bool,
) -> Result<Field, BuildError> {
    if field.value == sdk_core::wire::Value::Null {
        match cfg.setting(param) {
            Some(value) => field.value = sdk_core::wire::Value::Str(value.to_owned()),
            None if required => {
                return Err(BuildError::new(
                    op.name,
                    Problem::Config {
                        what: format!(
                            "`{}` is required: set it on the request, or the client's {} (`ClientConfig::{}`)",
                            field.name,
                            param.spec_name(),
                            param.spec_name()
                        ),
                    },
                ));
            }
            None => {}
        }
    }
    Ok(field)
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
        (Protocol::Huawei, Credentials::Huawei(c)) => huawei::sign(op, wire, c, ctx)?,
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

/// The header a protocol carries the response language in (the specs' protocol files
/// document it), if it has one.
pub fn language_header(protocol: Protocol) -> Option<&'static str> {
    match protocol {
        Protocol::TencentV3 => Some("X-TC-Language"),
        Protocol::Huawei => Some("X-Language"),
        _ => None,
    }
}

/// Adds the configuration's headers to a signed request of `op`: the response language in
/// the protocol's header, then the caller's own. Neither replaces a header the request
/// already carries (its signature, a protocol header, an operation's own `X-Language`),
/// and neither is signed: the protocols sign named headers only.
pub(crate) fn add_headers(op: &OperationInfo, signed: &mut SignedRequest, config: &ClientConfig) {
    let language = config
        .language_name()
        .and_then(|l| Some((language_header(op.protocol)?, l)));
    let extra = config
        .headers
        .0
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()));
    for (name, value) in language.into_iter().chain(extra) {
        if !signed
            .headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case(name))
        {
            signed.headers.push((name.to_owned(), value.to_owned()));
        }
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
