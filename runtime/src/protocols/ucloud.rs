//! UCloud API (`https://api.ucloud.cn`; white-labelled as `api.dezai.com` in seed 003).
//!
//! POST, form-encoded: `Action` plus the parameters, lists flattened as `Key.N` and objects
//! as `Key.N.Sub`. `PublicKey` and the SHA1 `Signature` are added by the signer.

use super::{Field, OperationInfo, flatten_params};
use crate::wire::{Body, WireRequest};

pub(super) fn build(op: &OperationInfo, host: String, fields: Vec<Field>) -> WireRequest {
    let params = flatten_params(vec![("Action".to_owned(), op.name.to_owned())], &fields);
    WireRequest {
        operation: op.name,
        method: op.method,
        host,
        path: op.path.to_owned(),
        query: vec![],
        headers: vec![(
            "Content-Type".to_owned(),
            "application/x-www-form-urlencoded".to_owned(),
        )],
        body: Body::Form(params),
    }
}
