//! The 22 official signing vectors (Tencent API 2.0 signature v1, TC3-HMAC-SHA256, UCloud,
//! Huawei SDK-HMAC-SHA256), checked byte for byte against the runtime's signing functions:
//! every intermediate string a vector carries, the HTTP body or query where the runtime's
//! encoder produces it, and the final signature.
//!
//! The fixture is a byte copy of the protocol research's `vectors.json` (sources, SDK versions
//! and rules are in its `VECTORS.md`). It is parsed straight into [`runtime::wire::Value`]
//! so that objects keep their order: parameters are sent in insertion order.

use std::collections::BTreeSet;
use std::fmt;

use runtime::protocols::encoding::{form_urldecode, form_urlencode};
use runtime::protocols::tencent_v2::{self, HmacAlgo};
use runtime::protocols::{huawei, tencent_v3, ucloud};
use runtime::wire::Value;
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

const FIXTURE: &str = include_str!("../fixtures/vectors.json");

/// A JSON document as a wire [`Value`], objects in document order (keys borrow the fixture).
struct Json(Value);

impl Deserialize<'static> for Json {
    fn deserialize<D: Deserializer<'static>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(JsonVisitor).map(Json)
    }
}

struct JsonVisitor;

impl Visitor<'static> for JsonVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("JSON")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Int(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        Ok(Value::UInt(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Float(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::Str(v.to_owned()))
    }
    fn visit_seq<A: SeqAccess<'static>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(Json(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::List(items))
    }
    fn visit_map<A: MapAccess<'static>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut fields = Vec::new();
        while let Some((key, Json(value))) = map.next_entry::<&'static str, Json>()? {
            fields.push((key, value));
        }
        Ok(Value::Object(fields))
    }
}

fn vectors() -> Vec<Value> {
    let Json(Value::List(all)) = serde_json::from_str(FIXTURE).expect("fixture parses") else {
        panic!("the fixture is a JSON array");
    };
    all
}

fn get<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    let Value::Object(fields) = v else {
        panic!("not an object: {v:?}")
    };
    fields.iter().find(|(k, _)| *k == key).map(|(_, v)| v)
}

fn field<'a>(v: &'a Value, key: &str) -> &'a Value {
    get(v, key).unwrap_or_else(|| panic!("missing `{key}`"))
}

fn text<'a>(v: &'a Value, key: &str) -> &'a str {
    match field(v, key) {
        Value::Str(s) => s,
        other => panic!("`{key}` is not a string: {other:?}"),
    }
}

fn int(v: &Value, key: &str) -> i64 {
    match field(v, key) {
        Value::Int(n) => *n,
        Value::UInt(n) => i64::try_from(*n).expect("fits"),
        other => panic!("`{key}` is not an integer: {other:?}"),
    }
}

fn scalar(v: &Value) -> String {
    v.scalar_text()
        .unwrap_or_else(|| panic!("not a scalar: {v:?}"))
}

/// `{"k": "v", ...}` (params, headers) or `[["k", v], ...]` (queries; a list `v` repeats `k`).
fn pairs(v: &Value) -> Vec<(String, String)> {
    match v {
        Value::Object(fields) => fields
            .iter()
            .map(|(k, v)| ((*k).to_owned(), scalar(v)))
            .collect(),
        Value::List(items) => items
            .iter()
            .flat_map(|item| {
                let Value::List(kv) = item else {
                    panic!("not a pair: {item:?}")
                };
                let [key, value] = kv.as_slice() else {
                    panic!("not a pair: {item:?}")
                };
                let values = match value {
                    Value::List(values) => values.iter().map(scalar).collect(),
                    value => vec![scalar(value)],
                };
                let key = scalar(key);
                values.into_iter().map(move |v| (key.clone(), v))
            })
            .collect(),
        other => panic!("not pairs: {other:?}"),
    }
}

fn with(mut params: Vec<(String, String)>, key: &str, value: &str) -> Vec<(String, String)> {
    params.push((key.to_owned(), value.to_owned()));
    params
}

fn tc2(v: &Value, id: &str) {
    let params = pairs(field(v, "params"));
    let algo = HmacAlgo::from_name(text(v, "algo"));
    assert_eq!(algo.name(), text(v, "algo"), "{id}: algorithm name");
    let sts =
        tencent_v2::string_to_sign(text(v, "method"), text(v, "host"), text(v, "path"), &params);
    assert_eq!(sts, text(v, "string_to_sign"), "{id}: string to sign");
    let sig = tencent_v2::signature(algo, text(v, "secret_key"), &sts);
    assert_eq!(sig, text(v, "expected"), "{id}: signature");
    if get(v, "http_body").is_some() {
        let sent = with(params, "Signature", &sig);
        let body = form_urlencode(&sent);
        assert_eq!(body, text(v, "http_body"), "{id}: form body");
        assert_eq!(form_urldecode(&body), sent, "{id}: form body decodes");
    }
}

fn tc3(v: &Value, id: &str) {
    let (timestamp, service) = (int(v, "timestamp"), text(v, "service"));
    let payload = text(v, "payload").as_bytes();
    let (cr, names) = tencent_v3::canonical_request(
        text(v, "method"),
        text(v, "uri"),
        text(v, "query"),
        &pairs(field(v, "sign_headers")),
        payload,
    );
    assert_eq!(cr, text(v, "canonical_request"), "{id}: canonical request");
    assert_eq!(names, text(v, "signed_headers"), "{id}: signed headers");
    let sts = tencent_v3::string_to_sign(timestamp, service, &cr);
    assert_eq!(sts, text(v, "string_to_sign"), "{id}: string to sign");
    if let Some(Value::List(expected)) = get(v, "derived_keys") {
        let scope = sts.lines().nth(2).expect("credential scope");
        let date = scope.split('/').next().expect("date");
        let keys = tencent_v3::derived_keys(text(v, "secret_key"), date, service);
        let keys: Vec<Value> = keys
            .iter()
            .map(|k| Value::Str(k.iter().map(|b| format!("{b:02x}")).collect()))
            .collect();
        assert_eq!(&keys, expected, "{id}: derived keys");
    }
    let sig = tencent_v3::signature(text(v, "secret_key"), timestamp, service, &sts);
    assert_eq!(sig, text(v, "expected"), "{id}: signature");
    let auth = tencent_v3::authorization(text(v, "secret_id"), timestamp, service, &names, &sig);
    assert_eq!(auth, text(v, "authorization"), "{id}: authorization");
    if let Some(headers) = get(v, "all_headers") {
        assert_eq!(text(headers, "Authorization"), auth, "{id}: header sent");
        assert_eq!(text(headers, "X-TC-Timestamp"), timestamp.to_string());
    }
    if get(v, "http_body").is_some() {
        assert_eq!(
            text(v, "http_body").as_bytes(),
            payload,
            "{id}: body = payload"
        );
    }
    if text(v, "method") == "GET" {
        // The SDK's GET query: its input flattened (`Key.N`, `Key.Field`), form-encoded in order.
        let Value::Object(input) = field(v, "sdk_params") else {
            panic!("{id}: sdk_params")
        };
        let mut query = Vec::new();
        for (key, value) in input {
            value.flatten_into(key, &mut query);
        }
        assert_eq!(form_urlencode(&query), text(v, "query"), "{id}: query");
    }
}

fn ucloud(v: &Value, id: &str) {
    // The SDK's flattening (`Key.N` from 0, `Key.Field`, bools, 4096.0 -> 4096, nulls dropped),
    // done by the runtime's `Value::flatten_into`.
    let Value::Object(raw) = field(v, "raw_params") else {
        panic!("{id}: raw_params")
    };
    let mut params = Vec::new();
    for (key, value) in raw {
        value.flatten_into(key, &mut params);
    }
    assert_eq!(params, pairs(field(v, "params")), "{id}: flattened params");
    let sts = ucloud::string_to_sign(&params, text(v, "private_key"));
    assert_eq!(sts, text(v, "string_to_sign"), "{id}: string to sign");
    let sig = ucloud::signature(&sts);
    assert_eq!(sig, text(v, "expected"), "{id}: signature");
    if get(v, "http_body").is_some() {
        let sent = with(params, "Signature", &sig);
        let body = form_urlencode(&sent);
        assert_eq!(body, text(v, "http_body"), "{id}: form body");
        assert_eq!(form_urldecode(&body), sent, "{id}: form body decodes");
    }
}

fn huawei(v: &Value, id: &str) {
    let (path, query, headers) = (
        text(v, "path"),
        pairs(field(v, "query")),
        pairs(field(v, "headers")),
    );
    let (cr, names) = huawei::canonical_request(
        text(v, "method"),
        text(v, "host"),
        path,
        &query,
        &headers,
        text(v, "body").as_bytes(),
    );
    assert_eq!(cr, text(v, "canonical_request"), "{id}: canonical request");
    let sts = huawei::string_to_sign(text(field(v, "headers"), "X-Sdk-Date"), &cr);
    assert_eq!(sts, text(v, "string_to_sign"), "{id}: string to sign");
    let sig = huawei::signature(text(v, "sk"), &sts);
    assert_eq!(sig, text(v, "expected"), "{id}: signature");
    let auth = huawei::authorization(text(v, "ak"), &names, &sig);
    assert_eq!(auth, text(v, "authorization"), "{id}: authorization");
    let final_headers = field(v, "final_headers");
    assert_eq!(
        text(final_headers, "Authorization"),
        auth,
        "{id}: header sent"
    );
    assert_eq!(
        get(final_headers, "X-Sdk-Content-Sha256").is_some(),
        names.contains("x-sdk-content-sha256"),
        "{id}: unsigned payload header"
    );
    let query = huawei::canonical_query(&query);
    let uri = if query.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{query}")
    };
    assert_eq!(uri, text(v, "final_uri"), "{id}: request URI sent");
}

fn huawei_query(v: &Value, id: &str) {
    let query = huawei::canonical_query(&pairs(field(v, "query")));
    assert_eq!(query, text(v, "expected"), "{id}: canonical query");
}

/// Checks one vector by its protocol; returns its id.
fn check(v: &Value) -> String {
    let id = text(v, "id");
    match text(v, "protocol") {
        "tc2" => tc2(v, id),
        "tc3" => tc3(v, id),
        "ucloud" => ucloud(v, id),
        "huawei" => huawei(v, id),
        "huawei-query" => huawei_query(v, id),
        other => panic!("{id}: unknown protocol `{other}`"),
    }
    id.to_owned()
}

/// Checks every vector of the given protocols; returns their ids in fixture order.
fn run(protocols: &[&str]) -> Vec<String> {
    vectors()
        .iter()
        .filter(|v| protocols.contains(&text(v, "protocol")))
        .map(check)
        .collect()
}

#[test]
fn tc2_vectors() {
    let ids = ["TC2-1", "TC2-2", "TC2-3", "TC2-4", "TC2-5", "TC2-6"];
    assert_eq!(run(&["tc2"]), ids);
}

#[test]
fn tc3_vectors() {
    let ids = ["TC3-1", "TC3-2", "TC3-2b", "TC3-2c", "TC3-3", "TC3-4"];
    assert_eq!(run(&["tc3"]), ids);
}

#[test]
fn ucloud_vectors() {
    assert_eq!(run(&["ucloud"]), ["UC-1", "UC-2", "UC-3"]);
}

#[test]
fn huawei_vectors() {
    let ids = ["HW-1", "HW-2", "HW-3", "HW-4", "HW-5", "HW-6", "HW-Q1"];
    assert_eq!(run(&["huawei", "huawei-query"]), ids);
}

#[test]
fn all_22_vectors_checked() {
    let all = vectors();
    assert_eq!(all.len(), 22, "the fixture holds exactly 22 vectors");
    let checked: Vec<String> = all.iter().map(check).collect();
    let unique: BTreeSet<&String> = checked.iter().collect();
    assert_eq!(unique.len(), 22, "every id is distinct and was checked");
}
