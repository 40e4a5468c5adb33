//! Untrusted input: every generated response decoder (every operation of the generated
//! catalog and of the fixture corpus's, reached through the catalogs' hooks) and every envelope, fed arbitrary JSON, mutated copies of the documented
//! samples and arbitrary bytes, under arbitrary HTTP statuses (100..600).
//!
//! The properties are deliberately weak and universal: decoding never panics; an `Ok` only
//! comes with a 2xx status and its `Debug` renders; an `Err` has a non-empty `Display`.
//! One more property checks that the generator's sample check (`codegen::sample::check`,
//! the core decoder over a shape built from the spec) accepts exactly what the typed SDK
//! decodes, in both directions.
//!
//! Case counts are fixed (not read from `PROPTEST_CASES`) and sum to at least 100,000; no
//! failure-persistence files are written. A failure prints the minimal input; pin it in a
//! deterministic test next to the fix.

use std::fmt::Debug;

use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config as ProptestConfig, RngAlgorithm};
use runtime::envelope::Failure;
use serde_json::{Map, Number, Value};

/// Cases per property; [`proptest_case_budget_is_at_least_100k`] checks the sum.
const CASES_ARBITRARY_JSON: u32 = 32_000;
const CASES_SHAPED_JSON: u32 = 22_000;
const CASES_MUTATED_SAMPLES: u32 = 26_000;
const CASES_ARBITRARY_BYTES: u32 = 10_000;
const CASES_SAMPLE_CHECK_AGREES: u32 = 14_000;
const CASES_TOLERANT_CHECK_AGREES: u32 = 4_000;
const TOTAL_CASES: u32 = CASES_ARBITRARY_JSON
    + CASES_SHAPED_JSON
    + CASES_MUTATED_SAMPLES
    + CASES_ARBITRARY_BYTES
    + CASES_SAMPLE_CHECK_AGREES
    + CASES_TOLERANT_CHECK_AGREES;

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: None,
        // ChaCha, the default, dominates the run time in a debug build (unoptimised SIMD).
        rng_algorithm: RngAlgorithm::XorShift,
        ..ProptestConfig::default()
    }
}

#[test]
fn proptest_case_budget_is_at_least_100k() {
    const { assert!(TOTAL_CASES >= 100_000) };
    assert!(decoders().len() >= 8, "seed and fixture decoders");
    assert_eq!(ENVELOPES.len(), 4);
}

// ---------------------------------------------------------------------------------------
// The decoders under test.

/// Every operation of the generated catalog and of the fixture corpus's.
fn entries() -> Vec<&'static runtime::catalog::Entry> {
    let mut all = generated::catalog::hand_written();
    all.extend(tests::fixture_sdk::catalog::operations());
    all
}

/// The documented samples, verbatim, of every operation.
fn samples() -> &'static [&'static str] {
    static SAMPLES: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();
    SAMPLES.get_or_init(|| {
        entries()
            .iter()
            .flat_map(|e| e.spec.samples.iter().map(|s| s.body))
            .collect()
    })
}

/// `Ok(())` when the operation decoded a payload; otherwise the reason of a decode error, or
/// the `Display` of any other error.
type Outcome = Result<(), String>;

/// Checks the universal properties of one decode result and flattens it.
fn judge(status: u16, outcome: runtime::catalog::Outcome) -> Outcome {
    use runtime::catalog::Outcome as O;
    match outcome {
        O::Ok(debug) => {
            assert!(
                (200..300).contains(&status),
                "decoded a payload under HTTP {status}"
            );
            assert!(!debug.is_empty());
            Ok(())
        }
        O::Service { display, debug, .. } => {
            assert!(!display.is_empty(), "empty Display for an error: {debug}");
            Err(display)
        }
        O::Decode(d) => {
            assert!(!d.to_string().is_empty(), "empty Display for {d:?}");
            Err(d.reason)
        }
        O::Build(e) => Err(e.to_string()),
        O::Transport(e) => Err(e.to_string()),
        O::Credentials(e) => Err(e.to_string()),
        O::Pagination(e) => panic!("decoding one response cannot stop a walk: {e}"),
        O::Wait(e) => panic!("decoding one response cannot end a wait: {e}"),
    }
}

/// Every generated response decoder, by the operation's wire name, from the catalogs.
type DecodeHook = fn(u16, Option<&str>, &[u8]) -> runtime::catalog::Outcome;

fn decoders() -> Vec<(&'static str, DecodeHook)> {
    entries()
        .iter()
        .map(|e| (e.spec.info.name, e.decode))
        .collect()
}

fn decode_with(decode: DecodeHook, status: u16, id: Option<&str>, body: &[u8]) -> Outcome {
    judge(status, decode(status, id, body))
}

const ENVELOPES: [&runtime::EnvelopeSpec; 4] = [
    &generated::protocols::tencent_v2::ENVELOPE,
    &generated::protocols::tencent_v3::ENVELOPE,
    &generated::protocols::ucloud::ENVELOPE,
    &generated::protocols::huawei::ENVELOPE,
];

/// Runs one response through every decoder and every envelope.
fn decode_everywhere(status: u16, header_id: Option<&str>, body: &[u8]) {
    for (_, decode) in decoders() {
        let _ = decode_with(decode, status, header_id, body);
    }
    for env in ENVELOPES {
        match runtime::envelope::decode::<Value>(env, status, header_id, body) {
            Ok(v) => {
                assert!(
                    (200..300).contains(&status),
                    "{}: HTTP {status}",
                    env.protocol
                );
                assert!(!format!("{v:?}").is_empty());
            }
            Err(Failure::Service(meta)) => assert!(!meta.to_string().is_empty(), "{meta:?}"),
            Err(Failure::Decode(e)) => assert!(!e.to_string().is_empty(), "{e:?}"),
        }
    }
}

// ---------------------------------------------------------------------------------------
// Strategies.

/// Object keys: mostly the real field names of the envelopes, samples and fixture types.
const KEYS: &[&str] = &[
    // Envelopes.
    "Response",
    "Error",
    "Code",
    "Message",
    "RequestId",
    "RetCode",
    "code",
    "message",
    "codeDesc",
    "error",
    "error_code",
    "error_msg",
    "request_id",
    // Tencent cdb / redis.
    "data",
    "file_name",
    "size",
    "date",
    "in_url",
    "type",
    "intranet",
    "extranet",
    "DownloadUrl",
    "InnerDownloadUrl",
    // UCloud udb.
    "Action",
    "BackupPath",
    "InnerBackupPath",
    "MD5",
    "Md5",
    // Huawei dds.
    "files",
    "bucket",
    "name",
    "download_link",
    "link_expired_time",
    "group_id",
    "group_name",
    // Fixture corpus.
    "Root",
    "Name",
    "Children",
    "Parent",
    "Tags",
    "Value",
    "Weight",
    "Kind",
    "Size",
    "CreatedAt",
    "Id",
];

/// Scalars that sit on the edges of the lenient rules.
fn tricky_scalars() -> Vec<Value> {
    let mut v: Vec<Value> = [
        "",
        "0",
        "1",
        "-0",
        "+5",
        " 7 ",
        "-1",
        "true",
        "false",
        "null",
        "1e3",
        "1.5",
        "NaN",
        "inf",
        "-inf",
        "1e400",
        "0x10",
        "٣",
        "18446744073709551615",
        "18446744073709551616",
        "-9223372036854775809",
        "4294967296",
        "2147483648",
        "gizmo",
        "self",
        "Self",
        "https://h.example/p?sig=x",
        "http://",
        "://",
        "https://ü.example",
        "2018-08-16T10:15:14Z",
        "2018-08-016T10:15:14+0000",
        "2016-07-06 01:04:54",
        "9999-99-99 99:99:99",
        "{}",
        "[]",
        "{\"a\":1}",
    ]
    .iter()
    .map(|s| Value::String((*s).to_owned()))
    .collect();
    v.extend([
        Value::Null,
        Value::Bool(true),
        Value::Bool(false),
        Value::from(0),
        Value::from(1),
        Value::from(2),
        Value::from(-1),
        Value::from(i64::MIN),
        Value::from(i64::MAX),
        Value::from(u64::MAX),
        Value::from(u64::from(u32::MAX) + 1),
        Value::from(i64::from(i32::MIN) - 1),
        Value::from(0.0),
        Value::from(-0.0),
        Value::from(5.0),
        Value::from(0.5),
        Value::from(1e300),
        Value::from(-1e300),
        Value::from(18_446_744_073_709_551_616.0),
        Value::from(9_223_372_036_854_775_808.0),
        Value::Array(vec![]),
        Value::Object(Map::new()),
    ]);
    v
}

/// Short strings of characters that matter to parsers: digits, signs, whitespace, separators,
/// multi-byte and control characters, and any `char` at all.
fn text() -> impl Strategy<Value = String> {
    const CHARS: &[char] = &[
        '0', '1', '9', '-', '+', '.', 'e', 'E', ' ', '\t', '\n', ':', '/', '?', '#', '%', '"',
        '\\', 'T', 'Z', 'a', 'x', 'ü', '٣', '中', '\u{0}', '\u{7f}', '\u{200b}', '\u{feff}', '😀',
    ];
    prop::collection::vec(
        prop_oneof![3 => prop::sample::select(CHARS), 1 => any::<char>()],
        0..10,
    )
    .prop_map(String::from_iter)
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        4 => prop::sample::select(tricky_scalars()),
        1 => any::<bool>().prop_map(Value::Bool),
        1 => (0u64..4).prop_map(Value::from),
        1 => any::<i64>().prop_map(Value::from),
        1 => any::<u64>().prop_map(Value::from),
        1 => any::<f64>().prop_map(|f| Number::from_f64(f).map_or(Value::Null, Value::Number)),
        2 => text().prop_map(Value::String),
        1 => (any::<i64>(), prop::option::of(0u16..1000))
            .prop_map(|(n, frac)| Value::String(match frac {
                Some(f) => format!("{n}.{f}"),
                None => n.to_string(),
            })),
        1 => prop::sample::select(KEYS).prop_map(|k| Value::String(k.to_owned())),
    ]
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => prop::sample::select(KEYS).prop_map(str::to_owned),
        1 => text(),
    ]
}

fn object(
    key: BoxedStrategy<String>,
    inner: impl Strategy<Value = Value>,
    max: usize,
) -> impl Strategy<Value = Value> {
    prop::collection::vec((key, inner), 0..max)
        .prop_map(|kv| Value::Object(kv.into_iter().collect()))
}

/// Any JSON value: nested arrays and objects whose keys are mostly real field names.
///
/// Strategies are built once and shared (`BoxedStrategy` clones are cheap): the recursion
/// closure runs for every generated value, and a debug build pays for every allocation.
fn json() -> BoxedStrategy<Value> {
    let key = key().boxed();
    leaf()
        .boxed()
        .prop_recursive(4, 24, 5, move |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
                object(key.clone(), inner, 6),
            ]
        })
        .boxed()
}

/// An envelope-shaped body: an object (often under `Response`) with a success or error code,
/// so decoding reaches the payload's fields.
fn shaped_json() -> impl Strategy<Value = Value> {
    let code = prop_oneof![
        3 => Just(Value::from(0)),
        2 => Just(Value::from("0")),
        1 => leaf(),
    ];
    let payload = (
        object(key().boxed(), json(), 8),
        prop::sample::select(&["code", "RetCode", "none"][..]),
        code,
        prop::option::of(leaf()),
    )
        .prop_map(|(mut obj, code_key, code, request_id)| {
            if let (Value::Object(m), false) = (&mut obj, code_key == "none") {
                m.insert(code_key.to_owned(), code);
                if let Some(id) = request_id {
                    m.insert("RequestId".to_owned(), id);
                }
            }
            obj
        });
    (payload, any::<bool>()).prop_map(|(p, wrap)| {
        if wrap {
            Value::Object(Map::from_iter([("Response".to_owned(), p)]))
        } else {
            p
        }
    })
}

/// Mostly 2xx (where payloads decode), but every status from 100 to 599 occurs.
fn status() -> impl Strategy<Value = u16> {
    prop_oneof![
        4 => Just(200u16),
        1 => 200u16..300,
        3 => 100u16..600,
    ]
}

fn header_id() -> impl Strategy<Value = Option<String>> {
    prop::option::of(text())
}

/// One edit of a sample: bytes, or (on the parsed JSON) a value replaced by one of another type,
/// or a key inserted into an object.
#[derive(Clone, Debug)]
enum Mutation {
    Truncate(Index),
    Flip(Index, u8),
    Insert(Index, u8),
    Delete(Index),
    Retype(Index, Value),
    InsertKey(Index, String, Value),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        1 => any::<Index>().prop_map(Mutation::Truncate),
        1 => (any::<Index>(), 1u8..=255).prop_map(|(i, m)| Mutation::Flip(i, m)),
        1 => (any::<Index>(), any::<u8>()).prop_map(|(i, b)| Mutation::Insert(i, b)),
        1 => any::<Index>().prop_map(Mutation::Delete),
        3 => structural_mutation(),
    ]
}

fn structural_mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        3 => (any::<Index>(), json()).prop_map(|(i, v)| Mutation::Retype(i, v)),
        1 => (any::<Index>(), key(), json()).prop_map(|(i, k, v)| Mutation::InsertKey(i, k, v)),
    ]
}

fn kind(v: &Value) -> usize {
    match v {
        Value::Null => 0,
        Value::Bool(_) => 1,
        Value::Number(_) => 2,
        Value::String(_) => 3,
        Value::Array(_) => 4,
        Value::Object(_) => 5,
    }
}

/// A value of a different type than `old`, preferring `candidate`.
fn other_type(old: &Value, candidate: Value) -> Value {
    if kind(&candidate) != kind(old) {
        return candidate;
    }
    match kind(old) {
        0 => Value::from("null"),
        1..=3 => Value::Object(Map::new()),
        4 => Value::from(0),
        _ => Value::Null,
    }
}

fn count_values(v: &Value) -> usize {
    1 + match v {
        Value::Array(a) => a.iter().map(count_values).sum(),
        Value::Object(m) => m.values().map(count_values).sum(),
        _ => 0,
    }
}

/// The `n`-th value in pre-order.
fn nth_value<'v>(v: &'v mut Value, n: &mut usize) -> Option<&'v mut Value> {
    if *n == 0 {
        return Some(v);
    }
    *n -= 1;
    match v {
        Value::Array(a) => a.iter_mut().find_map(|x| nth_value(x, n)),
        Value::Object(m) => m.values_mut().find_map(|x| nth_value(x, n)),
        _ => None,
    }
}

fn mutate_value(v: &mut Value, m: &Mutation) {
    let mut n = match m {
        Mutation::Retype(i, _) | Mutation::InsertKey(i, ..) => i.index(count_values(v)),
        _ => return,
    };
    let Some(target) = nth_value(v, &mut n) else {
        return;
    };
    match m {
        Mutation::Retype(_, new) => *target = other_type(target, new.clone()),
        Mutation::InsertKey(_, k, new) => {
            if let Value::Object(obj) = target {
                obj.insert(k.clone(), new.clone());
            } else {
                *target = Value::Object(Map::from_iter([(k.clone(), new.clone())]));
            }
        }
        _ => {}
    }
}

fn mutate(sample: &str, mutations: &[Mutation]) -> Vec<u8> {
    let mut bytes = sample.as_bytes().to_vec();
    for m in mutations {
        let len = bytes.len();
        match m {
            Mutation::Truncate(i) => bytes.truncate(i.index(len + 1)),
            Mutation::Flip(i, mask) if len > 0 => bytes[i.index(len)] ^= mask,
            Mutation::Insert(i, b) => bytes.insert(i.index(len + 1), *b),
            Mutation::Delete(i) if len > 0 => {
                bytes.remove(i.index(len));
            }
            Mutation::Retype(..) | Mutation::InsertKey(..) => {
                if let Ok(mut v) = serde_json::from_slice::<Value>(&bytes) {
                    mutate_value(&mut v, m);
                    bytes = serde_json::to_vec(&v).expect("a Value serializes");
                }
            }
            _ => {}
        }
    }
    bytes
}

// ---------------------------------------------------------------------------------------
// Properties.

proptest! {
    #![proptest_config(config(CASES_ARBITRARY_JSON))]
    #[test]
    fn proptest_arbitrary_json_never_panics(
        status in status(),
        id in header_id(),
        body in json(),
    ) {
        let body = serde_json::to_vec(&body).expect("a Value serializes");
        decode_everywhere(status, id.as_deref(), &body);
    }
}

proptest! {
    #![proptest_config(config(CASES_SHAPED_JSON))]
    #[test]
    fn proptest_envelope_shaped_json_never_panics(
        status in status(),
        id in header_id(),
        body in shaped_json(),
    ) {
        let body = serde_json::to_vec(&body).expect("a Value serializes");
        decode_everywhere(status, id.as_deref(), &body);
    }
}

proptest! {
    #![proptest_config(config(CASES_MUTATED_SAMPLES))]
    #[test]
    fn proptest_mutated_samples_never_panic(
        status in status(),
        id in header_id(),
        sample in any::<Index>(),
        mutations in prop::collection::vec(mutation(), 1..5),
    ) {
        let body = mutate(sample.get::<&str>(samples()), &mutations);
        decode_everywhere(status, id.as_deref(), &body);
    }
}

proptest! {
    #![proptest_config(config(CASES_ARBITRARY_BYTES))]
    #[test]
    fn proptest_arbitrary_bytes_never_panic(
        status in 100u16..600,
        id in header_id(),
        body in prop_oneof![
            prop::collection::vec(any::<u8>(), 0..200),
            // Past the first byte, so the JSON parser gets further than `{`.
            prop::collection::vec(any::<u8>(), 0..200).prop_map(|b| [b"{\"Response\":".as_slice(), &b].concat()),
        ],
    ) {
        decode_everywhere(status, id.as_deref(), &body);
    }
}

// ---------------------------------------------------------------------------------------
// The generator's sample check and the typed SDK agree: both run the core decoder, the
// generator over a shape built from the spec, the SDK over its serde-derived types. What one
// accepts, the other accepts.

struct Checked {
    model: codegen::model::Model,
    ops: Vec<CheckedOp>,
}

struct CheckedOp {
    /// Index into `model.ops`.
    index: usize,
    /// The runtime decoder of the same operation.
    decode: DecodeHook,
    /// Every wire name and alias of its response fields and types: the keys to add.
    keys: Vec<String>,
}

/// Every wire name and alias of an operation's response fields and of its types' fields.
fn response_keys(op: &codegen::model::Operation) -> Vec<String> {
    let nested = op.types.iter().flat_map(|t| match &t.kind {
        codegen::model::TypeKind::Object(fields) => fields.as_slice(),
        _ => &[],
    });
    let mut keys: Vec<String> = op
        .response
        .iter()
        .chain(nested)
        .flat_map(|f| std::iter::once(&f.wire).chain(&f.aliases).cloned())
        .collect();
    keys.sort();
    keys.dedup();
    keys
}

fn checked() -> &'static [Checked] {
    static MODELS: std::sync::OnceLock<Vec<Checked>> = std::sync::OnceLock::new();
    MODELS.get_or_init(|| {
        let root = tests::workspace_root();
        let inputs = [
            codegen::Input::workspace(&root),
            codegen::Input {
                base: root.clone(),
                protocols: root.join("specs/protocols"),
                specs: root.join("tests/fixtures/specs"),
            },
        ];
        inputs
            .iter()
            .map(|input| {
                let model = codegen::load(input).unwrap_or_else(|d| panic!("specs load: {d}"));
                let ops = model
                    .ops
                    .iter()
                    .enumerate()
                    // Hand-written specs: their samples are curated and decode as successes
                    // (imported samples are checked by `gen` and counted there).
                    .filter(|(_, op)| op.origin.is_none() && !op.samples.is_empty())
                    .map(|(index, op)| {
                        let decode = decoders()
                            .into_iter()
                            .find(|(name, _)| *name == op.wire_name)
                            .unwrap_or_else(|| {
                                panic!("no decoder in the catalogs for {}", op.wire_name)
                            })
                            .1;
                        CheckedOp {
                            index,
                            decode,
                            keys: response_keys(op),
                        }
                    })
                    .collect();
                Checked { model, ops }
            })
            .collect()
    })
}

#[test]
fn proptest_cross_check_covers_every_documented_sample() {
    let ops: usize = checked().iter().map(|c| c.ops.len()).sum();
    let with_samples = entries()
        .iter()
        .filter(|e| !e.spec.samples.is_empty())
        .count();
    assert_eq!(ops, with_samples, "every op with a sample is cross-checked");
}

/// Values on the edges of the lenient rules, for the cross-check.
fn edge_scalar() -> impl Strategy<Value = Value> {
    let edges: Vec<Value> = [
        "-0",
        "+0",
        "-00",
        " 7 ",
        "007",
        "1e3",
        "1.0",
        "true",
        "1",
        "0",
        "",
        "NaN",
        "-1",
        "4294967296",
    ]
    .iter()
    .map(|s| Value::from(*s))
    .chain([
        Value::Null,
        Value::Bool(true),
        Value::from(0),
        Value::from(1),
        Value::from(2),
        Value::from(-1),
        Value::from(5.0),
        Value::from(u64::from(u32::MAX) + 1),
        Value::Array(vec![]),
        Value::Object(Map::new()),
    ])
    .collect();
    prop::sample::select(edges)
}

/// An edit that keeps the sample JSON: a value replaced (by any value, same type or not), or
/// a key the operation knows (a wire name or an alias) added to an object.
#[derive(Clone, Debug)]
enum Edit {
    Replace(Index, Value),
    AddField(Index, Index, Value),
}

fn edit() -> impl Strategy<Value = Edit> {
    let value = || prop_oneof![3 => edge_scalar(), 1 => leaf(), 1 => json()];
    prop_oneof![
        3 => (any::<Index>(), value()).prop_map(|(at, v)| Edit::Replace(at, v)),
        2 => (any::<Index>(), any::<Index>(), value()).prop_map(|(at, k, v)| Edit::AddField(at, k, v)),
    ]
}

fn count_objects(v: &Value) -> usize {
    match v {
        Value::Array(a) => a.iter().map(count_objects).sum(),
        Value::Object(m) => 1 + m.values().map(count_objects).sum::<usize>(),
        _ => 0,
    }
}

/// The `n`-th object in pre-order.
fn nth_object<'v>(v: &'v mut Value, n: &mut usize) -> Option<&'v mut Map<String, Value>> {
    match v {
        Value::Array(a) => a.iter_mut().find_map(|x| nth_object(x, n)),
        Value::Object(m) => {
            if *n == 0 {
                return Some(m);
            }
            *n -= 1;
            m.values_mut().find_map(|x| nth_object(x, n))
        }
        _ => None,
    }
}

fn apply_edits(sample: &str, edits: &[Edit], keys: &[String]) -> String {
    let mut v: Value = serde_json::from_str(sample).expect("documented samples are JSON");
    for e in edits {
        match e {
            Edit::Replace(at, new) => {
                let mut n = at.index(count_values(&v));
                if let Some(target) = nth_value(&mut v, &mut n) {
                    *target = new.clone();
                }
            }
            Edit::AddField(at, key, new) => {
                let objects = count_objects(&v);
                if objects > 0 && !keys.is_empty() {
                    let mut n = at.index(objects);
                    if let Some(obj) = nth_object(&mut v, &mut n) {
                        obj.insert(key.get(keys).clone(), new.clone());
                    }
                }
            }
        }
    }
    v.to_string()
}

proptest! {
    #![proptest_config(config(CASES_SAMPLE_CHECK_AGREES))]
    #[test]
    fn proptest_sample_check_accepts_only_what_the_runtime_decodes(
        which in any::<Index>(),
        status in prop_oneof![6 => Just(200u16), 1 => 100u16..600],
        edits in prop::collection::vec(edit(), 0..3),
    ) {
        let all: Vec<(&Checked, &CheckedOp)> = checked()
            .iter()
            .flat_map(|c| c.ops.iter().map(move |op| (c, op)))
            .collect();
        let (c, checked_op) = *which.get(&all);
        let op = &c.model.ops[checked_op.index];
        let sample = &op.samples[0];
        let text = apply_edits(&sample.text, &edits, &checked_op.keys);
        let candidate = codegen::model::Sample {
            text: text.clone(),
            status,
            ..sample.clone()
        };
        let generator = codegen::sample::check(&c.model, op, &candidate);
        let runtime = decode_with(checked_op.decode, status, None, text.as_bytes());
        match (&generator, &runtime) {
            (Ok(()), Err(reason)) => prop_assert!(
                false,
                "{}: the generator accepts this sample but the SDK fails: {reason}\n{text}",
                op.wire_name,
            ),
            (Err(reason), Ok(())) => prop_assert!(
                false,
                "{}: the SDK decodes this sample but the generator refuses it: {reason}\n{text}",
                op.wire_name,
            ),
            _ => {}
        }
    }
}

/// The divergences this property found once, fixed since: each stays a regression test.
#[test]
fn proptest_found_divergences_stay_fixed() {
    // `"-0"` in an unsigned field is 0, as the generator reads it.
    let r = generated::huawei::dds::catalog::download_file::decode(
        200,
        None,
        br#"{"files":[{"size":"-0"}]}"#,
    )
    .expect("-0");
    assert_eq!(r.files[0].size, Some(0));
    // A whole float just past u64::MAX is out of range, not clamped.
    let e = generated::huawei::dds::catalog::download_file::decode(
        200,
        None,
        br#"{"files":[{"size":18446744073709551616.0}]}"#,
    );
    assert!(e.is_err(), "{e:?}");
    // A name and its alias both present: the SDK refuses, and so does the generator.
    let body = r#"{"RetCode":0,"MD5":"a","Md5":"b"}"#;
    assert!(
        generated::ucloud::udb::catalog::describe_udb_instance_backup_url::decode(
            200,
            None,
            body.as_bytes()
        )
        .is_err()
    );
}

/// The generator accepts exactly what the SDK decodes on the lenient rules' edges, `5.0` for
/// an integer among them (the generator once refused it while the SDK accepted it).
#[test]
fn generator_accepts_exactly_what_the_sdk_decodes() {
    let c = &checked()[0];
    let case = |name: &str, body: &str| {
        let op = c
            .model
            .ops
            .iter()
            .find(|o| o.wire_name == name)
            .expect("seed operation");
        let sample = codegen::model::Sample {
            text: body.to_owned(),
            status: 200,
            ..op.samples[0].clone()
        };
        let generator = codegen::sample::check(&c.model, op, &sample);
        let decode = generated::catalog::operation(name)
            .expect("in the catalog")
            .decode;
        let sdk = decode_with(decode, 200, None, body.as_bytes());
        assert_eq!(
            generator.is_ok(),
            sdk.is_ok(),
            "{name} {body}: {generator:?} vs {sdk:?}"
        );
        generator.is_ok()
    };
    assert!(case("download-file", r#"{"files":[{"size":5.0}]}"#));
    assert!(case("download-file", r#"{"files":[{"size":"-0"}]}"#));
    assert!(case("download-file", r#"{"files":[{"size":" 7 "}]}"#));
    assert!(case("download-file", r#"{"files":null}"#));
    assert!(!case("download-file", r#"{"files":[{"size":5.5}]}"#));
    assert!(!case("download-file", r#"{"files":[{"size":-1}]}"#));
    assert!(!case(
        "download-file",
        r#"{"files":[{"size":18446744073709551616.0}]}"#
    ));
    assert!(!case("download-file", r#"{"files":{"size":1}}"#));
    assert!(case(
        "DescribeUDBInstanceBackupURL",
        r#"{"RetCode":0,"Md5":"b"}"#
    ));
    assert!(!case(
        "DescribeUDBInstanceBackupURL",
        r#"{"RetCode":0,"MD5":"a","Md5":"b"}"#
    ));
    assert!(!case(
        "DescribeUDBInstanceBackupURL",
        r#"{"RetCode":171,"Message":"no"}"#
    ));
    // Objects: only a JSON object is one (serde derive also took an array, positionally);
    // a key twice is refused; an escaped key is the key; a required field must be there.
    assert!(!case("download-file", r#"{"files":[["a",1]]}"#));
    assert!(!case("download-file", r#"{"files":[{"size":1,"size":2}]}"#));
    assert!(case("download-file", r#"{"files":[{"\u0073ize":"3"}]}"#));
    assert!(case(
        "DescribeBackupUrl",
        r#"{"Response":{"RequestId":"r","DownloadUrl":null}}"#
    ));
    assert!(!case(
        "DescribeBackupUrl",
        r#"{"Response":{"DownloadUrl":[]}}"#
    ));
}

/// Imported operations of `tencent-cdb` with documented samples: their responses are read
/// tolerantly ([`runtime::de::tolerant`]), by the generated struct and by the generator's
/// sample check alike.
fn tolerant_checked() -> &'static [CheckedOp] {
    static OPS: std::sync::OnceLock<Vec<CheckedOp>> = std::sync::OnceLock::new();
    OPS.get_or_init(|| {
        let c = &checked()[0];
        let mut out: Vec<CheckedOp> = c
            .model
            .ops
            .iter()
            .enumerate()
            .filter(|(_, op)| {
                op.origin.is_some()
                    && op.spec_file.starts_with("specs/tencent/cdb/")
                    && op
                        .samples
                        .first()
                        .is_some_and(|s| s.unusable.is_none() && s.error.is_none())
            })
            .filter_map(|(index, op)| {
                let entry = generated::catalog::find("cdb", &op.wire_name)?;
                Some(CheckedOp {
                    index,
                    decode: entry.decode,
                    keys: response_keys(op),
                })
            })
            .collect();
        out.truncate(60);
        out
    })
}

proptest! {
    #![proptest_config(config(CASES_TOLERANT_CHECK_AGREES))]
    /// On imported operations, the generator and the SDK agree on what decodes and on every
    /// value set aside, whatever a sample's values are replaced with.
    #[test]
    fn proptest_tolerant_check_agrees_with_the_runtime_on_what_is_set_aside(
        which in any::<Index>(),
        edits in prop::collection::vec(edit(), 1..4),
    ) {
        use runtime::de::tolerant::collecting;
        let c = &checked()[0];
        let ops = tolerant_checked();
        prop_assert!(ops.len() >= 20, "{} imported cdb operations", ops.len());
        let checked_op = which.get(ops);
        let op = &c.model.ops[checked_op.index];
        let sample = &op.samples[0];
        let text = apply_edits(&sample.text, &edits, &checked_op.keys);
        let candidate = codegen::model::Sample {
            text: text.clone(),
            status: 200,
            ..sample.clone()
        };
        let (generator, gen_notes) = collecting(|| codegen::sample::check(&c.model, op, &candidate));
        let (runtime, sdk_notes) = collecting(|| decode_with(checked_op.decode, 200, None, text.as_bytes()));
        prop_assert_eq!(
            generator.is_ok(),
            runtime.is_ok(),
            "{}: generator {:?}, SDK {:?}\n{}",
            op.wire_name,
            generator,
            runtime,
            text
        );
        prop_assert_eq!(gen_notes, sdk_notes, "{}\n{}", op.wire_name, text);
    }
}
