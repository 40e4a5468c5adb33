//! Tencent Cloud API 3.0 (`https://<service>[.<region>].tencentcloudapi.com`).
//!
//! POST with a JSON body of the action's parameters; the common parameters travel as
//! `X-TC-Action`, `X-TC-Version` and `X-TC-Region` headers (`X-TC-Timestamp`, `X-TC-Token`
//! and `Authorization` are added by the signer). Financial-zone regions (`*-fsi`) are isolated
//! and must be called on `<service>.<region>.tencentcloudapi.com`.

use super::{ClientConfig, Field, OperationInfo};
use crate::wire::{Body, Value, WireRequest};

/// The endpoint template to use for `region`: the regional host for financial zones.
pub(super) fn endpoint_for_region(op: &OperationInfo, region: &str) -> &'static str {
    if region.ends_with("-fsi") {
        "{service}.{region}.tencentcloudapi.com"
    } else {
        op.endpoint
    }
}

pub(super) fn build(
    op: &OperationInfo,
    cfg: &ClientConfig,
    host: String,
    fields: Vec<Field>,
) -> WireRequest {
    let mut headers = vec![
        ("Content-Type".to_owned(), "application/json".to_owned()),
        ("X-TC-Action".to_owned(), op.name.to_owned()),
    ];
    if let Some(version) = op.version {
        headers.push(("X-TC-Version".to_owned(), version.to_owned()));
    }
    if let Some(region) = cfg.region_name() {
        headers.push(("X-TC-Region".to_owned(), region.to_owned()));
    }
    let body = Value::Object(fields.into_iter().map(|f| (f.name, f.value)).collect()).to_json();
    WireRequest {
        operation: op.name,
        method: op.method,
        host,
        path: op.path.to_owned(),
        query: vec![],
        headers,
        body: Body::Json(body),
    }
}
