//! UCloud API (`https://api.ucloud.cn`; white-labelled as `api.dezai.com` in seed 003).
//!
//! POST, form-encoded: `Action` plus the parameters, lists flattened as `Key.N` and objects
//! as `Key.N.Sub`. `PublicKey` and the SHA1 `Signature` are added by the signer.

use sha1::{Digest, Sha1};

use super::encoding::form_urlencode;
use super::{Field, OperationInfo, flatten_params};
use crate::credentials::UCloudCredentials;
use crate::wire::{Body, SignedRequest, WireRequest};

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

/// Raw `key` + `value` of each parameter but `Signature`, sorted by key bytes, then the PrivateKey.
pub fn string_to_sign(params: &[(String, String)], private_key: &str) -> String {
    let mut sorted: Vec<_> = params.iter().filter(|(k, _)| k != "Signature").collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    let mut out: String = sorted
        .iter()
        .flat_map(|(k, v)| [k.as_str(), v.as_str()])
        .collect();
    out.push_str(private_key);
    out
}

/// Lower-case hex SHA1 of the string to sign.
pub fn signature(string_to_sign: &str) -> String {
    hex::encode(Sha1::digest(string_to_sign.as_bytes()))
}

/// Adds `PublicKey` and `Signature` to the form parameters and encodes the body.
pub(crate) fn sign(req: WireRequest, creds: &UCloudCredentials) -> SignedRequest {
    let mut params = req.query;
    if let Body::Form(form) = req.body {
        params.extend(form);
    }
    params.push(("PublicKey".to_owned(), creds.public_key.clone()));
    let sig = signature(&string_to_sign(&params, creds.private_key.expose()));
    params.push(("Signature".to_owned(), sig));
    SignedRequest {
        operation: req.operation,
        method: req.method,
        host: req.host,
        path: req.path,
        query: String::new(),
        headers: req.headers,
        body: form_urlencode(&params).into_bytes(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocols::encoding::form_urldecode;

    #[test]
    fn sign_sends_exactly_what_it_signs() {
        let req = WireRequest {
            operation: "DescribeUHostInstance",
            method: crate::wire::Method::Post,
            host: "api.ucloud.cn".to_owned(),
            path: "/".to_owned(),
            query: vec![],
            headers: vec![(
                "Content-Type".to_owned(),
                "application/x-www-form-urlencoded".to_owned(),
            )],
            body: Body::Form(vec![
                ("Action".to_owned(), "DescribeUHostInstance".to_owned()),
                ("Name".to_owned(), "测试 host&1".to_owned()),
            ]),
        };
        let signed = sign(req.clone(), &UCloudCredentials::new("pub@x", "private"));
        assert_eq!((signed.query.as_str(), &signed.headers), ("", &req.headers));
        let body = String::from_utf8(signed.body).expect("utf-8");
        let sent =
            "Action=DescribeUHostInstance&Name=%E6%B5%8B%E8%AF%95+host%261&PublicKey=pub%40x";
        assert!(body.starts_with(&format!("{sent}&Signature=")), "{body}");
        let mut pairs = form_urldecode(&body);
        let (key, sig) = pairs.pop().expect("Signature");
        assert_eq!(key, "Signature");
        let sts = string_to_sign(&pairs, "private");
        assert_eq!(
            sts,
            "ActionDescribeUHostInstanceName测试 host&1PublicKeypub@xprivate"
        );
        assert_eq!(sig, signature(&sts));
    }

    #[test]
    fn string_to_sign_sorts_bytes_and_skips_signature() {
        let p = |k: &str, v: &str| (k.to_owned(), v.to_owned());
        let params = [
            p("ChargeType", "a"),
            p("Signature", "x"),
            p("CPU", "2"),
            p("Action", ""),
        ];
        assert_eq!(string_to_sign(&params, "k"), "ActionCPU2ChargeTypeak");
        assert_eq!(signature(""), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
    }
}
