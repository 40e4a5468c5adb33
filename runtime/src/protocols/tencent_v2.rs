//! Tencent Cloud API 2.0 (`https://<module>.api.qcloud.com/v2/index.php`).
//!
//! All parameters travel together: in the query for GET, in a form body for POST (never
//! mixed). `Action` and `Region` are common parameters; `Timestamp`, `Nonce`, `SecretId`,
//! `SignatureMethod` and `Signature` are added by the signer.

use super::{ClientConfig, Field, OperationInfo, flatten_params};
use crate::wire::{Body, Method, WireRequest};

pub(super) fn build(
    op: &OperationInfo,
    cfg: &ClientConfig,
    host: String,
    fields: Vec<Field>,
) -> WireRequest {
    let mut lead = vec![("Action".to_owned(), op.name.to_owned())];
    if let Some(region) = cfg.region_name() {
        lead.push(("Region".to_owned(), region.to_owned()));
    }
    if let Some(version) = op.version {
        lead.push(("Version".to_owned(), version.to_owned()));
    }
    let params = flatten_params(lead, &fields);
    let (query, body, headers) = match op.method {
        Method::Get => (params, Body::Empty, vec![]),
        _ => (
            vec![],
            Body::Form(params),
            vec![(
                "Content-Type".to_owned(),
                "application/x-www-form-urlencoded".to_owned(),
            )],
        ),
    };
    WireRequest {
        operation: op.name,
        method: op.method,
        host,
        path: op.path.to_owned(),
        query,
        headers,
        body,
    }
}
