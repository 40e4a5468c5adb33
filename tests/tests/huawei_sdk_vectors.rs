//! Differential vectors from the official Huawei Cloud SDK (`huaweicloudsdkcore` 3.1.219):
//! temporary credentials (`X-Security-Token`), global services (`X-Domain-Id`), `PATCH`, a
//! JSON-array body, a raw string body under a caller's `Content-Type`, repeated query keys.
//!
//! `fixtures/huawei_sdk_vectors.json` was made by `fixtures/derive_huawei_vectors.py` (run
//! once against the SDK, not by these tests). Each vector's request goes through the
//! runtime's own signer (`runtime::protocols::sign`, which adds the id and token headers),
//! then the canonical request, string to sign, signed headers, `Authorization`, the headers
//! sent and the request URI are compared byte for byte.

use std::collections::BTreeSet;

use runtime::protocols::{self, huawei};
use runtime::wire::{Body, Method, SignContext, WireRequest};
use runtime::{Credentials, HuaweiCredentials, OperationInfo, Protocol, Scope};
use serde_json::Value;

const FIXTURE: &str = include_str!("../fixtures/huawei_sdk_vectors.json");
/// `X-Sdk-Date` of every vector (`20240102T030405Z`) as UNIX seconds.
const TIMESTAMP: i64 = 1_704_164_645;

fn vectors() -> Vec<Value> {
    let doc: Value = serde_json::from_str(FIXTURE).expect("fixture is JSON");
    doc["vectors"].as_array().expect("vectors").clone()
}

use tests::json_text as text;

fn pairs(v: &Value) -> Vec<(String, String)> {
    v.as_array()
        .expect("pairs")
        .iter()
        .map(|p| (text_at(p, 0), text_at(p, 1)))
        .collect()
}

fn text_at(p: &Value, i: usize) -> String {
    p[i].as_str().expect("pair of strings").to_owned()
}

fn leak(s: &str) -> &'static str {
    Box::leak(s.to_owned().into_boxed_str())
}

/// Checks one vector; returns its id.
fn check(v: &Value) -> String {
    let id = text(v, "id");
    assert_eq!(
        huawei::sdk_date(TIMESTAMP),
        text(v, "x_sdk_date"),
        "{id}: date"
    );
    let scope = match text(v, "scope") {
        "project" => Scope::Project,
        "domain" => Scope::Domain,
        other => panic!("{id}: scope `{other}`"),
    };
    let method = match text(v, "method") {
        "GET" => Method::Get,
        "POST" => Method::Post,
        "PUT" => Method::Put,
        "DELETE" => Method::Delete,
        "PATCH" => Method::Patch,
        other => panic!("{id}: method `{other}`"),
    };
    let mut creds = HuaweiCredentials::new(text(v, "ak"), text(v, "sk"));
    if let Some(p) = v["project_id"].as_str() {
        creds = creds.with_project_id(p);
    }
    if let Some(d) = v["domain_id"].as_str() {
        creds = creds.with_domain_id(d);
    }
    if let Some(t) = v["security_token"].as_str() {
        creds = creds.with_security_token(t);
    }
    let op = OperationInfo {
        name: leak(id),
        protocol: Protocol::Huawei,
        service: "vectors",
        version: None,
        endpoint: leak(text(v, "host")),
        method,
        path: leak(text(v, "path")),
        idempotent: false,
        rate_limit: None,
        envelope: &generated::protocols::huawei::ENVELOPE,
        scope,
        response: runtime::envelope::ResponseLayout::MEMBERS,
        regions: &[],
    };
    // The caller's headers, with the default Content-Type unless they chose one (as the
    // runtime's `build` does).
    let mut headers = pairs(&v["headers"]);
    if !headers
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("content-type"))
    {
        headers.insert(0, ("Content-Type".into(), "application/json".into()));
    }
    let body = text(v, "body");
    let wire = WireRequest {
        operation: op.name,
        method,
        host: text(v, "host").to_owned(),
        path: op.path.to_owned(),
        query: pairs(&v["query"]),
        headers,
        body: if body.is_empty() {
            Body::Empty
        } else {
            Body::Raw(body.to_owned())
        },
    };
    let ctx = SignContext {
        timestamp: TIMESTAMP,
        nonce: 1,
    };
    let signed = protocols::sign(&op, wire.clone(), &Credentials::from(creds), &ctx)
        .unwrap_or_else(|e| panic!("{id}: {e}"));

    // The signing steps, from the headers the signer added (all but `Authorization`).
    let before_auth: Vec<_> = signed
        .headers
        .iter()
        .filter(|(k, _)| k != "Authorization")
        .cloned()
        .collect();
    let (cr, names) = huawei::canonical_request(
        method.as_str(),
        &signed.host,
        &signed.path,
        &wire.query,
        &before_auth,
        &signed.body,
    );
    assert_eq!(cr, text(v, "canonical_request"), "{id}: canonical request");
    assert_eq!(names, text(v, "signed_headers"), "{id}: signed headers");
    let sts = huawei::string_to_sign(text(v, "x_sdk_date"), &cr);
    assert_eq!(sts, text(v, "string_to_sign"), "{id}: string to sign");
    let auth = signed
        .headers
        .iter()
        .find(|(k, _)| k == "Authorization")
        .map(|(_, v)| v.as_str());
    assert_eq!(auth, Some(text(v, "authorization")), "{id}: Authorization");

    // What goes on the wire: the same headers (Host is the request's host) and URI.
    let ours: BTreeSet<(String, String)> = signed
        .headers
        .iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), v.clone()))
        .chain([("host".to_owned(), signed.host.clone())])
        .collect();
    let theirs: BTreeSet<(String, String)> = pairs(&v["final_headers"])
        .into_iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), v))
        .collect();
    assert_eq!(ours, theirs, "{id}: headers sent");
    let uri = if signed.query.is_empty() {
        signed.path.clone()
    } else {
        format!("{}?{}", signed.path, signed.query)
    };
    assert_eq!(uri, text(v, "final_uri"), "{id}: request URI");
    assert_eq!(signed.body, body.as_bytes(), "{id}: body");
    id.to_owned()
}

#[test]
fn huawei_sdk_vectors_match_byte_for_byte() {
    let ids: Vec<String> = vectors().iter().map(check).collect();
    assert_eq!(
        ids,
        [
            "HWSDK-token",
            "HWSDK-domain",
            "HWSDK-patch-array",
            "HWSDK-raw-text",
            "HWSDK-repeated-query"
        ]
    );
}

#[test]
fn every_vector_id_is_distinct_and_checked() {
    let all = vectors();
    let checked: BTreeSet<String> = all.iter().map(check).collect();
    assert_eq!(checked.len(), all.len(), "ids are distinct and all checked");
    assert_eq!(all.len(), 5, "the fixture holds exactly 5 vectors");
}

#[test]
fn runtime_encodes_the_array_body_the_sdk_signs_as_json() {
    // The SDK serialises with `json.dumps` (`", "`, `": "`); the runtime sends compact JSON.
    // The gateway signs bytes, not JSON, so both are valid: check they are the same document.
    let v = vectors()
        .into_iter()
        .find(|v| v["id"] == "HWSDK-patch-array")
        .expect("vector");
    let sdk: Value = serde_json::from_str(text(&v, "body")).expect("SDK body is JSON");
    let ours = r#"[{"key":"env","value":"prod"},{"key":"team","value":"a b"}]"#;
    assert_eq!(sdk, serde_json::from_str::<Value>(ours).expect("JSON"));
}
