//! Tencent signature v1 (HmacSHA1 / HmacSHA256) vectors derived by running the official SDKs'
//! signing code: `qcloudapi-sdk-python==2.0.15` (API 2.0, ids `Q-…`) and
//! `tencentcloud-sdk-python-common==3.1.195` (the API 3.0 common client's v1 path, ids `C-…`).
//! How they were made is in `tests/fixtures/derive_tencent_v1_vectors.py` (not run here).
//!
//! Every vector is checked byte for byte against the runtime's public functions: the string to
//! sign (API 2.0's rule for `Q-…`, the common rule for `C-…`), the signature, and the query
//! (GET) or form body (POST) the SDK would send.

use std::collections::BTreeSet;

use runtime::protocols::encoding::form_urlencode;
use runtime::protocols::tencent_v2::{self, HmacAlgo};
use serde_json::Value;

const FIXTURE: &str = include_str!("../fixtures/tencent_v1_vectors.json");
const QCLOUDAPI: &str = "qcloudapi-sdk-python==2.0.15";
const COMMON: &str = "tencentcloud-sdk-python-common==3.1.195";

fn fixture() -> Value {
    serde_json::from_str(FIXTURE).expect("fixture parses")
}

fn vectors() -> Vec<Value> {
    let Value::Array(all) = fixture()["vectors"].take() else {
        panic!("`vectors` is an array");
    };
    all
}

use tests::json_text as text;

/// `[["k", "v"], …]` in the order the SDK held them when it signed.
fn params(v: &Value) -> Vec<(String, String)> {
    let Value::Array(items) = &v["params"] else {
        panic!("`params` is an array");
    };
    items
        .iter()
        .map(|kv| match kv.as_array().map(Vec::as_slice) {
            Some([Value::String(k), Value::String(v)]) => (k.clone(), v.clone()),
            _ => panic!("not a pair of strings: {kv:?}"),
        })
        .collect()
}

fn param<'a>(params: &'a [(String, String)], key: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// Checks one vector; returns its id.
fn check(v: &Value) -> String {
    let id = text(v, "id");
    let (method, host, path) = (text(v, "method"), text(v, "host"), text(v, "path"));
    let params = params(v);
    let algo = HmacAlgo::from_name(text(v, "algo"));
    assert_eq!(algo.name(), text(v, "algo"), "{id}: algorithm name");
    // The recorded inputs are the ones the SDK signed.
    for (key, field) in [
        ("Timestamp", "timestamp"),
        ("Nonce", "nonce"),
        ("SecretId", "secret_id"),
        ("SignatureMethod", "algo"),
    ] {
        let recorded = match &v[field] {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        assert_eq!(param(&params, key), Some(recorded.as_str()), "{id}: {key}");
    }
    let sts = match text(v, "sdk") {
        QCLOUDAPI => tencent_v2::api2_string_to_sign(method, host, path, &params),
        COMMON => tencent_v2::string_to_sign(method, host, path, &params),
        other => panic!("{id}: unknown SDK `{other}`"),
    };
    assert_eq!(sts, text(v, "string_to_sign"), "{id}: string to sign");
    let sig = tencent_v2::signature(algo, text(v, "secret_key"), &sts);
    assert_eq!(sig, text(v, "signature"), "{id}: signature");
    let mut sent = params;
    sent.push(("Signature".to_owned(), sig));
    let (field, other) = if method == "GET" {
        ("query", "body")
    } else {
        ("body", "query")
    };
    assert_eq!(form_urlencode(&sent), text(v, field), "{id}: {field} sent");
    assert!(v.get(other).is_none(), "{id}: no {other}");
    id.to_owned()
}

fn ids(prefix: &str) -> Vec<String> {
    let mut ids = Vec::new();
    for set in ["underscore", "text", "at", "collision", "collision_rev"] {
        for method in ["get", "post"] {
            for algo in ["sha1", "sha256"] {
                ids.push(format!("{prefix}-{set}-{method}-{algo}"));
            }
        }
    }
    ids.push(format!("{prefix}-token-post-sha256"));
    ids
}

#[test]
fn qcloudapi_vectors() {
    let checked: Vec<String> = vectors()
        .iter()
        .filter(|v| text(v, "sdk") == QCLOUDAPI)
        .map(check)
        .collect();
    assert_eq!(checked, ids("Q"));
}

#[test]
fn common_client_vectors() {
    let checked: Vec<String> = vectors()
        .iter()
        .filter(|v| text(v, "sdk") == COMMON)
        .map(check)
        .collect();
    assert_eq!(checked, ids("C"));
}

#[test]
fn every_vector_checked() {
    let all = vectors();
    assert_eq!(all.len(), 42, "the fixture holds exactly 42 vectors");
    let checked: Vec<String> = all.iter().map(check).collect();
    let unique: BTreeSet<&String> = checked.iter().collect();
    assert_eq!(
        unique.len(),
        all.len(),
        "every id is distinct and was checked"
    );
    let mut expected = ids("Q");
    expected.extend(ids("C"));
    assert_eq!(checked, expected);
    let fixture = fixture();
    assert_eq!(fixture["sdks"], serde_json::json!([QCLOUDAPI, COMMON]));
}

/// The SDKs' rules differ only for a POST carrying a value that starts with `@`.
#[test]
fn the_two_rules_differ_only_on_at_values_in_a_post() {
    for v in vectors() {
        let (id, method) = (text(&v, "id"), text(&v, "method"));
        let params = params(&v);
        let (host, path) = (text(&v, "host"), text(&v, "path"));
        let api2 = tencent_v2::api2_string_to_sign(method, host, path, &params);
        let common = tencent_v2::string_to_sign(method, host, path, &params);
        let at_post = method == "POST" && params.iter().any(|(_, v)| v.starts_with('@'));
        assert_eq!(api2 != common, at_post, "{id}");
    }
}
