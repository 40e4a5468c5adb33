//! Property tests: whatever a catalogue holds, the importer reports problems and never
//! panics, and what it accepts the generator accepts; the example mender never panics and
//! what it mends parses to what it says.

use proptest::prelude::*;
use serde_json::Value;

use super::tests::{catalogue, gen_loads, setup, snapshot, tmp, write};
use super::{import, repair::repair};

/// Every node of `v` as a path of object keys and list indices, in document order.
fn paths(v: &Value, at: &mut Vec<Step>, out: &mut Vec<Vec<Step>>) {
    out.push(at.clone());
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                at.push(Step::Key(k.clone()));
                paths(child, at, out);
                at.pop();
            }
        }
        Value::Array(a) => {
            for (i, child) in a.iter().enumerate() {
                at.push(Step::Index(i));
                paths(child, at, out);
                at.pop();
            }
        }
        _ => {}
    }
}

#[derive(Clone, Debug)]
enum Step {
    Key(String),
    Index(usize),
}

fn node<'a>(v: &'a mut Value, path: &[Step]) -> &'a mut Value {
    path.iter().fold(v, |v, s| match s {
        Step::Key(k) => &mut v[k.as_str()],
        Step::Index(i) => &mut v[*i],
    })
}

/// One change to a catalogue: at the `at`-th node (modulo their number), `kind` says what.
#[derive(Clone, Debug)]
struct Mutation {
    at: usize,
    kind: u8,
    text: String,
}

fn apply(v: &mut Value, m: &Mutation) {
    let mut all = Vec::new();
    paths(v, &mut Vec::new(), &mut all);
    let path = &all[m.at % all.len()];
    let (parent, last) = match path.split_last() {
        Some((last, parent)) => (parent, Some(last)),
        None => (&path[..0], None),
    };
    match (m.kind % 8, last) {
        (0, _) => *node(v, path) = Value::Null,
        (1, _) => *node(v, path) = Value::String(m.text.clone()),
        (2, _) => *node(v, path) = serde_json::json!(-1.5),
        (3, _) => *node(v, path) = serde_json::json!({}),
        (4, _) => *node(v, path) = serde_json::json!([]),
        (5, _) => *node(v, path) = Value::Bool(true),
        (6, Some(Step::Key(k))) => {
            if let Value::Object(o) = node(v, parent) {
                o.remove(k);
            }
        }
        (7, Some(Step::Key(k))) => {
            if let Value::Object(o) = node(v, parent)
                && let Some(x) = o.remove(k)
            {
                o.insert(m.text.clone(), x);
            }
        }
        (_, Some(Step::Index(i))) => {
            if let Value::Array(a) = node(v, parent) {
                a.remove(*i);
            }
        }
        _ => {}
    }
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "",
            "Thing",
            "Empty",
            "Option",
            "Self",
            "self",
            "type",
            "r#type",
            "list",
            "object",
            "int",
            "uint64",
            "float",
            "bool",
            "string",
            "datetime",
            "datetime_iso",
            "date",
            "binary",
            "timestamp",
            "deprecated",
            "offline",
            "DescribeThings",
            "Describe Things",
            "9Lives",
            "_",
            "a.b",
            "Ünïcode",
            "line\rbreak",
            "2020-01-01",
            "v20200101",
        ])
        .prop_map(str::to_owned),
        "\\PC{0,12}",
    ]
}

fn mutation() -> impl Strategy<Value = Mutation> {
    (any::<usize>(), any::<u8>(), text()).prop_map(|(at, kind, text)| Mutation { at, kind, text })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// A changed catalogue is imported or refused with problems, never a panic; what is
    /// imported, the generator loads.
    #[test]
    fn any_catalogue_is_imported_or_refused_and_gen_takes_what_is_imported(
        mutations in prop::collection::vec(mutation(), 1..4)
    ) {
        let t = tmp("prop");
        let o = setup(&t);
        let mut cat = catalogue();
        for m in &mutations {
            apply(&mut cat, m);
        }
        write(&o.catalog.join("demo/v20200101/api.json"), &cat.to_string());
        let before = snapshot(&o.out);
        match import(&o) {
            Err(problems) => {
                // Each problem names the file and where in it; nothing is written.
                prop_assert!(problems.contains("api.json: $"), "{problems}");
                prop_assert!(snapshot(&o.out) == before, "written despite: {problems}");
            }
            Ok(_) => {
                if let Err(d) = gen_loads(&o) {
                    prop_assert!(false, "imported, then refused by gen:\n{d}\ncatalogue: {cat}");
                }
            }
        }
    }

    /// The mender never panics, and a mended text parses to the document it returns: on
    /// vendor-like JSON with characters deleted or inserted (the slips it mends among them).
    #[test]
    fn the_mender_never_panics(
        doc in json_doc(),
        edits in prop::collection::vec((any::<usize>(), any::<bool>(), prop::sample::select(vec![',', '"', '\'', '`', ':', '{', '}', '[', ']', '\\', '\n', ' '])), 1..4),
    ) {
        let mut text: Vec<char> = serde_json::to_string_pretty(&doc).unwrap().chars().collect();
        for (at, delete, c) in edits {
            let at = at % (text.len() + 1);
            if delete && at < text.len() {
                text.remove(at);
            } else {
                text.insert(at, c);
            }
        }
        let text: String = text.into_iter().collect();
        if let Some((fixed, what, doc)) = repair(&text) {
            prop_assert!(!what.is_empty());
            let parsed: Value = serde_json::from_str(&fixed).expect("mended text is JSON");
            prop_assert_eq!(parsed, doc);
        }
    }
}

/// A small JSON document shaped like a vendor's example: an object of scalars, lists and
/// objects.
fn json_doc() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i32>().prop_map(|n| serde_json::json!(n)),
        "[a-zA-Z0-9 ._-]{0,8}".prop_map(Value::String),
    ];
    let tree = leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[A-Z][a-zA-Z]{0,6}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    });
    prop::collection::btree_map("[A-Z][a-zA-Z]{0,6}", tree, 1..5)
        .prop_map(|m| serde_json::json!({ "Response": Value::Object(m.into_iter().collect()) }))
}
