//! The importer on a small synthetic catalogue written to a temporary directory.

use std::path::{Path, PathBuf};

use serde_json::json;

use super::{Opts, Summary, import};

/// A temporary directory removed even when the test panics.
pub(super) struct Tmp(pub(super) PathBuf);

impl Drop for Tmp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub(super) fn tmp(tag: &str) -> Tmp {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let p = std::env::temp_dir().join(format!("xtask-import-{tag}-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&p).unwrap();
    Tmp(p)
}

pub(super) fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn m(name: &str, ty: &str, member: &str) -> serde_json::Value {
    json!({"name": name, "type": ty, "member": member, "document": format!("The {name}."), "required": false, "disabled": false})
}

fn io(members: Vec<serde_json::Value>) -> serde_json::Value {
    json!({"document": "io", "members": members, "type": "object"})
}

pub(super) fn catalogue() -> serde_json::Value {
    let mut instance = m("InstanceId", "string", "string");
    instance["required"] = json!(true);
    instance["example"] = json!("ins-1");
    let mut limit = m("Limit", "int", "int64");
    limit["example"] = json!("10");
    let mut total = m("Total", "int", "uint64");
    total["example"] = json!("many");
    total["required"] = json!(true);
    let mut ratio = m("Ratio", "float", "float");
    ratio["example"] = json!("1.5");
    let mut old = m("Old", "string", "string");
    old["disabled"] = json!(true);
    json!({
        "actions": {
            "DescribeThings": {"document": "Lists things.", "input": "DescribeThingsRequest", "output": "DescribeThingsResponse", "name": "x", "status": "online"},
            "OldThing": {"document": "Old.", "input": "OldThingRequest", "output": "OldThingResponse", "name": "x", "status": "deprecated"},
            "BetaThing": {"document": "Beta.", "input": "OldThingRequest", "output": "OldThingResponse", "name": "x", "status": "beta"},
            "HandThing": {"document": "Hand.", "input": "OldThingRequest", "output": "HandThingResponse", "name": "x", "status": "online"}
        },
        "metadata": {"apiVersion": "2020-01-01", "serviceShortName": "demo"},
        "objects": {
            "DescribeThingsRequest": io(vec![instance, limit, m("type", "string", "string"), m("Type", "string", "string"),
                m("RegionId", "string", "string"), m("RegionID", "string", "string"), m("Since", "string", "datetime"),
                m("When", "string", "datetime_iso"), m("Day", "string", "date"), old, m("Times", "list", "datetime")]),
            "DescribeThingsResponse": io(vec![m("Items", "list", "Thing"), m("Opt", "object", "Option"), total, ratio,
                m("Err", "object", "DescribeThingsError"), m("RequestId", "string", "string")]),
            "OldThingRequest": io(vec![]),
            "OldThingResponse": io(vec![m("RequestId", "string", "string")]),
            "HandThingResponse": io(vec![m("Only", "object", "HandOnly")]),
            "Thing": {"document": "A thing.", "members": [m("Name", "string", "string"), m("Children", "list", "Thing"), m("Nothing", "object", "Empty")], "usage": "out"},
            "Empty": {"document": "", "members": [], "usage": "out"},
            "Option": {"document": "Named like the prelude.", "members": [m("V", "string", "string")], "usage": "out"},
            "DescribeThingsError": {"document": "Named like a generated type.", "members": [m("Code", "string", "string")], "usage": "out"},
            "HandOnly": {"document": "Only the hand-written op uses it.", "members": [m("X", "string", "string")], "usage": "out"},
            "Unused": {"document": "Nobody uses it.", "members": [], "usage": "out"}
        },
        "version": "1.0"
    })
}

const OK_BODY: &str = "{\n  \"Response\": {\"Total\": 1, \"RequestId\": \"r\"}\n}";
const ERR_BODY: &str = "{\"Response\": {\"Error\": {\"Code\": \"ResourceNotFound.Thing\", \"Message\": \"no\"}, \"RequestId\": \"r\"}}";

/// Writes the catalogue, the SDK error codes and a hand-written spec; returns the options.
pub(super) fn setup(t: &Tmp) -> Opts {
    let services = t.0.join("tccli/services");
    write(&t.0.join("tccli/__init__.py"), "__version__ = '9.9.9'\n");
    write(
        &services.join("demo/v20200101/api.json"),
        &catalogue().to_string(),
    );
    let examples = json!({"actions": {"DescribeThings": [
        {"title": "Listing", "document": "", "input": "GET", "output": OK_BODY},
        {"title": "Not found", "document": "", "input": "GET", "output": ERR_BODY},
        {"title": "Broken", "document": "", "input": "GET", "output": "{\"Response\": "},
        {"title": "Nothing", "document": "", "input": "GET", "output": "  \n"}
    ]}});
    write(
        &services.join("demo/v20200101/examples.json"),
        &examples.to_string(),
    );
    let newer = json!({"actions": {"Ping": {"document": "Ping.", "input": "PingRequest", "output": "PingResponse", "name": "p", "status": "online"}},
        "metadata": {"apiVersion": "2021-01-01", "serviceShortName": "demo"},
        "objects": {"PingRequest": io(vec![]), "PingResponse": io(vec![m("RequestId", "string", "string")])}});
    write(
        &services.join("demo/v20210101/api.json"),
        &newer.to_string(),
    );
    let codes = "# Copyright\n\n# Zed failed.\nZ = 'Zed.Failed'\n\n# Auth\n# failed.\nA = 'AuthFailure'\n\n# Again.\nA2 = 'AuthFailure'\n";
    write(&t.0.join("sdk/demo/v20200101/errorcodes.py"), codes);
    write(&t.0.join("sdk/demo/v20210101/errorcodes.py"), "");
    let out = t.0.join("specs");
    write(
        &out.join("demo/hand_thing.yaml"),
        "# Hand-written.\noperation: HandThing\n",
    );
    Opts {
        catalog: services,
        errors: Some(t.0.join("sdk")),
        examples_fallback: None,
        services: Vec::new(),
        out,
    }
}

fn read(o: &Opts, rel: &str) -> String {
    std::fs::read_to_string(o.out.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

pub(super) fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
        for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(base, &p, out);
            } else {
                let rel = p.strip_prefix(base).unwrap().to_string_lossy().into_owned();
                out.push((rel, std::fs::read(&p).unwrap()));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

#[test]
fn imports_names_types_samples_and_errors() {
    let t = tmp("full");
    let o = setup(&t);
    let s: Summary = import(&o).unwrap();
    assert_eq!((s.services, s.versions), (1, 2));
    assert_eq!((s.stats.operations, s.stats.skipped), (4, 1));
    assert_eq!(
        (
            s.stats.ex_ok,
            s.stats.ex_error,
            s.stats.ex_invalid,
            s.stats.ex_empty
        ),
        (1, 1, 1, 1)
    );
    assert_eq!(s.stats.error_codes, 2);

    let op = read(&o, "demo/describe_things.yaml");
    assert!(op.starts_with("# @imported by `cargo xtask import tencent` from tccli-intl-en 9.9.9 `demo/v20200101/api.json`"));
    for line in [
        "operation: DescribeThings\n",
        "origin: \"tccli-intl-en 9.9.9 demo/v20200101\"\n",
        "  InstanceId: { type: string, required: true, doc: \"The InstanceId.\", example: \"ins-1\" }\n",
        "  Limit: { type: i64, doc: \"The Limit.\", example: 10 }\n",
        "  type: { type: string, rust_name: type_field, doc: \"The type.\" }\n",
        "  Type: { type: string, rust_name: type_field_2, doc: \"The Type.\" }\n",
        "  RegionId: { type: string, doc: \"The RegionId.\" }\n",
        "  RegionID: { type: string, rust_name: region_id_2, doc: \"The RegionID.\" }\n",
        "  Since: { type: timestamp, format: datetime-cst, doc: \"The Since.\" }\n",
        "  When: { type: timestamp, format: iso8601, doc: \"The When.\" }\n",
        "  Day: { type: string, doc: \"The Day.\" }\n",
        "  Old: { type: string, deprecated: true, doc: \"The Old.\" }\n",
        "  Times: { type: list<timestamp>, format: datetime-cst, doc: \"The Times.\" }\n",
        // Response members are never required; an example that does not parse is left out.
        "  Total: { type: u64, doc: \"The Total.\" }\n",
        "  Ratio: { type: f64, doc: \"The Ratio.\", example: 1.5 }\n",
        "  Opt: { type: OptionType, doc: \"The Opt.\" }\n",
        "  Err: { type: DescribeThingsErrorType, doc: \"The Err.\" }\n",
        "  Items: { type: list<Thing>, doc: \"The Items.\" }\n",
        "  - { name: example_1, file: \"examples/describe_things_1.json\", doc: \"Listing\" }\n",
        "  - { name: example_2, file: \"examples/describe_things_2.json\", error: \"ResourceNotFound.Thing\", doc: \"Not found\" }\n",
    ] {
        assert!(op.contains(line), "missing {line:?} in:\n{op}");
    }
    assert!(
        op.contains(
            "name: example_3, file: \"examples/describe_things_3.json\", invalid: \"not JSON: EOF"
        ),
        "{op}"
    );
    assert!(!op.contains("example_4") && !op.contains("service:"));
    assert_eq!(read(&o, "demo/examples/describe_things_1.json"), OK_BODY);
    assert_eq!(read(&o, "demo/examples/describe_things_2.json"), ERR_BODY);
    assert!(read(&o, "demo/old_thing.yaml").contains("deprecated: true\nrequest: {}\n"));
    let beta = read(&o, "demo/beta_thing.yaml");
    assert!(
        beta.contains("the status `beta`.\"\ndeprecated: true\n"),
        "{beta}"
    );

    let svc = read(&o, "demo/service.yaml");
    for line in [
        "service: demo\nprotocol: tencent-v3\nversion: \"2020-01-01\"\nendpoint: demo.tencentcloudapi.com\nsigning_name: demo\n",
        "  Empty:\n    fields: {}\n",
        "  OptionType:\n    doc: \"Named like the prelude.\"\n",
        "  DescribeThingsErrorType:\n",
        "      Children: { type: list<Thing>, doc: \"The Children.\" }\n",
        "errors:\n  - { code: \"AuthFailure\", doc: \"Auth failed.\" }\n  - { code: \"Zed.Failed\", doc: \"Zed failed.\" }\n",
    ] {
        assert!(svc.contains(line), "missing {line:?} in:\n{svc}");
    }
    assert!(!svc.contains("HandOnly") && !svc.contains("Unused") && !svc.contains("  Option:"));
    // The hand-written spec is untouched and its action not written.
    assert_eq!(
        read(&o, "demo/hand_thing.yaml"),
        "# Hand-written.\noperation: HandThing\n"
    );
    // The newer version is a subdirectory, with no errors key (the file lists none).
    let newer = read(&o, "demo/v20210101/service.yaml");
    assert!(
        newer.contains("version: \"2021-01-01\"\n")
            && newer.contains("types: {}\n")
            && !newer.contains("errors")
    );
    assert!(read(&o, "demo/v20210101/ping.yaml").contains("operation: Ping\n"));
    // Every file written is YAML the generator's parser reads.
    for (rel, bytes) in snapshot(&o.out) {
        if rel.ends_with(".yaml") {
            let text = String::from_utf8(bytes).unwrap();
            codegen::yaml::parse(&rel, &text).unwrap_or_else(|d| panic!("{d}"));
        }
    }
    // And the generator accepts what was imported: every key, name and type.
    if let Err(d) = gen_loads(&o) {
        panic!("gen rejects the imported specs:\n{d}");
    }
}

/// Whether gen's loader takes the imported tree (the hand-written stub, which is not a
/// whole spec, removed first).
pub(super) fn gen_loads(o: &Opts) -> Result<(), String> {
    std::fs::remove_file(o.out.join("demo/hand_thing.yaml")).map_err(|e| e.to_string())?;
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let input = codegen::Input {
        base: o.out.clone(),
        protocols: root.join("specs/protocols"),
        specs: o.out.clone(),
    };
    codegen::load(&input).map(drop).map_err(|d| d.to_string())
}

#[test]
fn a_second_import_writes_nothing_and_stale_files_go() {
    let t = tmp("again");
    let o = setup(&t);
    let first = import(&o).unwrap();
    assert!(first.written > 0);
    let before = snapshot(&o.out);
    let second = import(&o).unwrap();
    assert_eq!((second.written, second.deleted), (0, 0));
    assert_eq!(second.unchanged, first.written, "{first:?}\n{second:?}");
    assert_eq!(snapshot(&o.out), before, "same input, same bytes");

    // Stale importer-owned files go; hand-written ones and samples/ stay.
    write(
        &o.out.join("demo/gone.yaml"),
        "# @imported by an older run\noperation: Gone\n",
    );
    write(&o.out.join("demo/examples/gone_1.json"), "{}");
    write(&o.out.join("demo/notes.yaml"), "operation: Other\n");
    write(&o.out.join("demo/samples/mine.json"), "{}");
    let third = import(&o).unwrap();
    assert_eq!((third.written, third.deleted), (0, 2));
    assert!(
        !o.out.join("demo/gone.yaml").exists() && !o.out.join("demo/examples/gone_1.json").exists()
    );
    assert!(
        o.out.join("demo/notes.yaml").exists() && o.out.join("demo/samples/mine.json").exists()
    );
}

#[test]
fn the_overlay_is_applied() {
    let t = tmp("overlay");
    let o = setup(&t);
    let overlay = "operations:\n  DescribeThings:\n    idempotent: true\n    rate_limit: { per_second: 20 }\n    response:\n      Total: { required: true }\n      Items: { sensitive: signed-url, valid_for: 6h }\n    errors: [ { code: X.Y, doc: Why., retryable: true } ]\ntypes:\n  Thing:\n    Name: { required: true, unit: KiB, doc: Overridden., rust_name: thing_name }\n";
    write(&o.out.join("demo/overlay.yaml"), overlay);
    import(&o).unwrap();
    let op = read(&o, "demo/describe_things.yaml");
    for line in [
        "idempotent: true\nrate_limit: { per_second: 20 }\nrequest:\n",
        "  Total: { type: u64, required: true, doc: \"The Total.\" }\n",
        "  Items: { type: list<Thing>, sensitive: \"signed-url\", valid_for: \"6h\", doc: \"The Items.\" }\n",
        "errors:\n  - { code: \"X.Y\", doc: \"Why.\", retryable: true }\n",
    ] {
        assert!(op.contains(line), "missing {line:?} in:\n{op}");
    }
    let svc = read(&o, "demo/service.yaml");
    let want = "      Name: { type: string, required: true, rust_name: \"thing_name\", unit: \"KiB\", doc: \"Overridden.\" }\n";
    assert!(svc.contains(want), "{svc}");
    assert_eq!(
        read(&o, "demo/overlay.yaml"),
        overlay,
        "the overlay is never written"
    );

    // service.yaml records the overlay it holds; gen refuses an overlay changed since.
    use super::overlay::{DIGEST_LINE, digest, stale};
    assert!(
        svc.contains(&format!("{DIGEST_LINE}{}\n", digest(overlay))),
        "{svc}"
    );
    assert_eq!(stale(&o.out, &o.out), Vec::<String>::new());
    write(
        &o.out.join("demo/overlay.yaml"),
        &format!("{overlay}# more\n"),
    );
    assert_eq!(
        stale(&o.out, &o.out),
        [
            "demo/overlay.yaml: was edited after the import, so the specs beside it do not hold it: re-run `cargo xtask import tencent` for this service (README: \"Importing\")"
        ]
    );
    std::fs::remove_file(o.out.join("demo/overlay.yaml")).unwrap();
    assert!(stale(&o.out, &o.out)[0].contains("was removed after the import"));
    import(&o).unwrap();
    assert_eq!(stale(&o.out, &o.out), Vec::<String>::new());
    write(&o.out.join("demo/overlay.yaml"), overlay);
    assert!(stale(&o.out, &o.out)[0].contains("was added after the import"));
}

#[test]
fn overlay_mistakes_are_errors_and_nothing_is_written() {
    let t = tmp("overlay-bad");
    let o = setup(&t);
    write(
        &o.out.join("demo/overlay.yaml"),
        "operations:\n  DescribeThings:\n    response:\n      Total: { requird: true }\n      Nope: { doc: x }\n  NoSuchOp: {}\n  HandThing: { idempotent: true }\ntypes:\n  Ghost: {}\nerrors:\n  - { code: X.Y }\n",
    );
    let before = snapshot(&o.out);
    let err = import(&o).unwrap_err();
    for want in [
        "overlay.yaml:4:16: operations.DescribeThings.response.Total.requird: unknown key",
        "operations.DescribeThings.response.Nope: unknown member \"Nope\" of DescribeThingsResponse",
        "operations.NoSuchOp: unknown operation \"NoSuchOp\"",
        "types.Ghost: unknown type \"Ghost\"",
        "operations.HandThing: \"HandThing\" is hand-written, so the import leaves it alone",
        "overlay.yaml:11:5: $.errors[0]: a Tencent service's error codes come from its SDK's `errorcodes.py`",
        "nothing written",
    ] {
        assert!(err.contains(want), "missing {want:?} in:\n{err}");
    }
    assert_eq!(snapshot(&o.out), before);
}

#[test]
fn catalogue_problems_are_located_and_nothing_is_written() {
    let t = tmp("bad");
    let o = setup(&t);
    let mut cat = catalogue();
    cat["objects"]["Thing"]["members"][1]["type"] = json!("int32");
    cat["objects"]["Empty"]
        .as_object_mut()
        .unwrap()
        .remove("members");
    cat["objects"]["Option"]["members"][0] = json!({"name": "V", "type": "list", "document": ""});
    cat["actions"]["OldThing"]["input"] = json!("Missing");
    cat["actions"]["DescribeTHINGS"] = cat["actions"]["DescribeThings"].clone();
    write(&o.catalog.join("demo/v20200101/api.json"), &cat.to_string());
    let before = snapshot(&o.out);
    let err = import(&o).unwrap_err();
    for want in [
        "demo/v20200101/api.json: $.objects.Thing.members[1].type: unknown type \"int32\"",
        "demo/v20200101/api.json: $.objects.Empty.members: missing or not a list",
        "demo/v20200101/api.json: $.objects.Option.members[0].member: missing for a list",
        "demo/v20200101/api.json: $.actions.OldThing.input: object \"Missing\" not found",
        "demo/v20200101/api.json: $.actions.DescribeThings: its file describe_things.yaml is also DescribeTHINGS's",
    ] {
        assert!(err.contains(want), "missing {want:?} in:\n{err}");
    }
    assert_eq!(snapshot(&o.out), before, "nothing written");
    write(&o.catalog.join("demo/v20200101/api.json"), "{ not json");
    assert!(
        import(&o)
            .unwrap_err()
            .contains("demo/v20200101/api.json: $: invalid JSON")
    );
}

#[test]
fn only_the_named_services_and_unknown_ones_fail() {
    let t = tmp("select");
    let mut o = setup(&t);
    o.services = vec!["nosuch".into()];
    assert!(import(&o).unwrap_err().contains("no service \"nosuch\""));
    o.services = vec!["demo".into()];
    assert_eq!(import(&o).unwrap().services, 1);
}

/// Another edition's examples of `DescribeThings`: as many as this edition's, the third one
/// (this edition's broken "{\"Response\": ") given as `third`.
fn fallback_edition(t: &Tmp, third: &str) -> PathBuf {
    let dir = t.0.join("zh/tccli/services");
    let examples = json!({"actions": {"DescribeThings": [
        {"title": "列表", "document": "", "input": "GET", "output": OK_BODY},
        {"title": "不存在", "document": "", "input": "GET", "output": ERR_BODY},
        {"title": "第三", "document": "", "input": "GET", "output": third},
        {"title": "空", "document": "", "input": "GET", "output": ""}
    ]}});
    write(
        &dir.join("demo/v20200101/examples.json"),
        &examples.to_string(),
    );
    dir
}

#[test]
fn an_example_not_json_here_is_taken_from_the_fallback_edition_when_its_keys_match() {
    let t = tmp("fallback");
    let mut o = setup(&t);
    // Two missing commas: the fallback's own text is mended as this edition's would be.
    let third = "{\"Response\": {\"Total\": 3\n\"Items\": []\n\"RequestId\": \"zh\"}}";
    o.examples_fallback = Some(fallback_edition(&t, third));
    let s = import(&o).unwrap();
    assert_eq!(
        (s.stats.ex_ok, s.stats.ex_invalid, s.stats.ex_fallback),
        (2, 0, 1)
    );
    let op = read(&o, "demo/describe_things.yaml");
    assert!(
        op.contains("name: example_3, file: \"examples/describe_things_3.json\", repaired: \"not JSON in this edition (EOF"),
        "{op}"
    );
    assert!(op.contains("the fallback edition's example 3, which has every key this one shows\", doc: \"Broken\""), "{op}");
    let body = read(&o, "demo/examples/describe_things_3.json");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&body).unwrap(),
        json!({"Response": {"Total": 3, "Items": [], "RequestId": "zh"}})
    );
    // The examples that were JSON here stay this edition's.
    assert_eq!(read(&o, "demo/examples/describe_things_1.json"), OK_BODY);

    // A fallback without a key the broken text shows is another example: not taken.
    let t = tmp("fallback-mismatch");
    let mut o = setup(&t);
    o.examples_fallback = Some(fallback_edition(&t, "{\"Other\": 1}"));
    let s = import(&o).unwrap();
    assert_eq!((s.stats.ex_invalid, s.stats.ex_fallback), (1, 0));
    assert!(read(&o, "demo/describe_things.yaml").contains("invalid: \"not JSON: EOF"));
}

#[test]
fn shown_keys_are_the_quoted_words_before_a_colon() {
    let keys = super::yaml_out::fallback_example(
        "{\"A\": \"x\", \"B\": [\"C\", Translated text\n\"D_1\" : 2",
        "{\"A\": \"y\", \"B\": [], \"D_1\": 1}",
    );
    assert!(keys.is_some(), "A, B and D_1 are shown; C is a value");
    assert!(
        super::yaml_out::fallback_example("{\"A\": 1, \"Z\": ", "{\"A\": 1}").is_none(),
        "Z is shown but missing"
    );
    assert!(
        super::yaml_out::fallback_example("not JSON at all", "{\"A\": 1}").is_none(),
        "no key shown: nothing to match on"
    );
}

#[test]
fn a_payload_shown_out_of_its_envelope_is_put_back() {
    let t = tmp("envelope");
    let o = setup(&t);
    let examples = json!({"actions": {"DescribeThings": [
        // The payload itself, with a mended comma: wrapped, both repairs said.
        {"title": "Bare", "document": "", "input": "GET", "output": "{\"Total\": 2\n\"RequestId\": \"r\"}"},
        // Inside a console's envelope: taken out.
        {"title": "Nested", "document": "", "input": "GET", "output": "{\"data\": {\"Response\": {\"Total\": 3, \"RequestId\": \"r\"}}, \"code\": 0}"},
        // A key the output does not have: another document, left alone.
        {"title": "Other", "document": "", "input": "GET", "output": "{\"result\": true}"}
    ]}});
    write(
        &o.catalog.join("demo/v20200101/examples.json"),
        &examples.to_string(),
    );
    let s = import(&o).unwrap();
    assert_eq!((s.stats.ex_enveloped, s.stats.ex_repaired), (2, 1));
    let op = read(&o, "demo/describe_things.yaml");
    assert!(
        op.contains("repaired: \"1 missing comma (line 1); the payload shown without its `Response` envelope: wrapped in one\""),
        "{op}"
    );
    assert!(
        op.contains(
            "repaired: \"the response shown inside another envelope (under `data`): taken out, its text as the vendor's\""
        ),
        "{op}"
    );
    let doc = |n: usize| {
        serde_json::from_str::<serde_json::Value>(&read(
            &o,
            &format!("demo/examples/describe_things_{n}.json"),
        ))
        .unwrap()
    };
    assert_eq!(doc(1), json!({"Response": {"Total": 2, "RequestId": "r"}}));
    assert_eq!(doc(2), json!({"Response": {"Total": 3, "RequestId": "r"}}));
    assert_eq!(doc(3), json!({"result": true}));
    assert!(
        !op.contains("name: example_3, file: \"examples/describe_things_3.json\", repaired"),
        "{op}"
    );
}

/// Secrets of the English catalogue's string fields are kept out of `Debug` by name; cursors,
/// idempotency tokens and the ids and names of secrets are not secrets.
#[test]
fn secret_names() {
    use super::secrets::secret_name;
    let secret = [
        "Password",
        "AdminPassword",
        "Passwd",
        "SecretKey",
        "TmpSecretKey",
        "SecretAccessKey",
        "AccessKeySecret",
        "ClientSecret",
        "SecretString",
        "PrivateKey",
        "CertKey",
        "DecryptionKey",
        "SignatureKey",
        "VodSessionKey",
        "APIKey",
        "ApiKey",
        "APIKeys",
        "AuthKey",
        "BackupAuthKey",
        "Token",
        "TmpToken",
        "SessionToken",
        "AuthToken",
        "WebIdentityToken",
        "XCosSecurityToken",
        "CosSecurityToken",
        "ApiTokens",
        "MFAToken",
        "DorisUserPwd",
        "OldPwd",
        "Passphrase",
        "KeyPassword",
    ];
    let not_secret = [
        "SecretId",
        "TmpSecretId",
        "SecretName",
        "SecretNames",
        "ApiKeyId",
        "ApiKeyName",
        "ClientToken",
        "NextToken",
        "NextPageToken",
        "PageToken",
        "PaginationToken",
        "ScrollToken",
        "ContinueToken",
        "CreationToken",
        "IdempotencyToken",
        "TokenId",
        "TokenName",
        "TokenType",
        "TokenURL",
        "Tokenizer",
        "TotalToken",
        "CachedTokens",
        "AccessKeyId",
        "DownloadUrl",
        "InstanceName",
        "ValidatePasswordDictionary",
        "SecretKeyId",
        "SecretKeyName",
        "SecretVersionId",
        "SecretType",
        "SecretRegion",
        "SecretValueMd5",
        "CredentialAuthKeyId",
        "SecretIdList",
        "InputTokens",
        "OutputTokens",
        "ReasoningTokens",
        "MaxInputToken",
        "FirstTokenCost",
        "TokenEndpoint",
        "TokenHeader",
        "PasswordUpdateTime",
        "PasswordStatus",
        "IsOpenPasswordComplexity",
        "SecretDataName",
    ];
    for name in secret {
        assert!(
            secret_name(&name.to_ascii_lowercase()),
            "{name} should be secret"
        );
    }
    for name in not_secret {
        assert!(
            !secret_name(&name.to_ascii_lowercase()),
            "{name} should not be secret"
        );
    }
}

/// A file that cannot be written leaves the specs as they were: nothing is renamed into
/// place until every changed file is staged, and the staged files go.
#[test]
fn a_failed_write_writes_nothing() {
    let t = tmp("failed-write");
    let o = setup(&t);
    // A file where the examples directory belongs: staging the examples fails.
    write(&o.out.join("demo/examples"), "in the way");
    let before = snapshot(&o.out);
    let err = import(&o).unwrap_err();
    assert!(err.contains("cannot write"), "{err}");
    assert_eq!(
        snapshot(&o.out),
        before,
        "nothing written, nothing left behind"
    );
}

#[test]
fn a_binary_member_makes_its_action_a_multipart_form_and_elsewhere_is_a_problem() {
    let t = tmp("binary");
    let o = setup(&t);
    let mut cat = catalogue();
    cat["actions"]["UploadThing"] = json!({"document": "Upload.", "input": "UploadThingRequest", "output": "OldThingResponse", "name": "u", "status": "online"});
    let mut id = m("ThingId", "int", "int64");
    id["required"] = json!(true);
    cat["objects"]["UploadThingRequest"] = io(vec![id, m("File", "binary", "binary")]);
    write(&o.catalog.join("demo/v20200101/api.json"), &cat.to_string());
    import(&o).expect("imports");
    let spec = read(&o, "demo/upload_thing.yaml");
    for line in [
        "  ThingId: { type: i64, required: true, location: part,",
        "  File: { type: bytes, location: part,",
    ] {
        assert!(spec.contains(line), "{line:?} in:\n{spec}");
    }
    // A file anywhere but an action's input: located, nothing written.
    cat["objects"]["Thing"]["members"][0] = m("Blob", "binary", "binary");
    write(&o.catalog.join("demo/v20200101/api.json"), &cat.to_string());
    let err = import(&o).expect_err("refused");
    assert!(
        err.contains("demo/v20200101/api.json: $.objects.Thing.members[\"Blob\"]: a `binary` member outside an action's input"),
        "{err}"
    );
}

/// Two real catalogue editions, cut small (`tests/fixtures/catalogues`): the older imported
/// first, then the pinned one over it; the report and the changelogs say what changed.
#[test]
fn reimporting_the_next_catalogue_edition_reports_its_api_changes() {
    use super::report::Change;
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/catalogues");
    let out = tmp("report");
    let opts = |edition: &str| Opts {
        catalog: fixtures.join(format!("tencent-{edition}/services")),
        errors: None,
        examples_fallback: None,
        services: Vec::new(),
        out: out.0.clone(),
    };
    let first = import(&opts("3.1.189.1")).unwrap();
    assert!(
        first.reports.iter().all(|r| r.changes.is_empty()),
        "{:?}",
        first.reports
    );
    assert!(
        !out.0.join("faceid/CHANGELOG.md").exists(),
        "a first import is no release"
    );

    let second = import(&opts("3.1.193.1")).unwrap();
    let of = |name: &str| second.reports.iter().find(|r| r.name == name).unwrap();
    let faceid = of("tencent-faceid");
    // The reworded document of `PhoneVerification` is no API change.
    assert_eq!(
        faceid.changes,
        [Change {
            breaking: false,
            text: "`GetFaceIdTokenIntl` request: field `MetaData` added (optional, `string`)"
                .into()
        }]
    );
    assert_eq!(
        (faceid.from.to_string(), faceid.to.to_string()),
        ("0.1.0".into(), "0.1.1".into())
    );
    let mps = of("tencent-mps");
    let texts: Vec<(bool, &str)> = mps
        .changes
        .iter()
        .map(|c| (c.breaking, c.text.as_str()))
        .collect();
    assert!(
        texts.contains(&(true, "type `AigcAudioExtraParam`: field `OutputAudioFormat` added (optional, `string`; code that spells out this request structure must name it)")),
        "{texts:#?}"
    );
    assert!(
        texts.contains(&(
            false,
            "`DescribeVoices` request: field `PageNum` added (optional, `i64`)"
        )),
        "{texts:#?}"
    );
    assert_eq!(
        mps.to.to_string(),
        "0.2.0",
        "a breaking change bumps 0.x's minor"
    );

    let log = std::fs::read_to_string(out.0.join("faceid/CHANGELOG.md")).unwrap();
    assert!(log.contains("## 0.1.1 (imported from tccli-intl-en 3.1.193.1)\n\n### Added\n\n- `GetFaceIdTokenIntl` request: field `MetaData` added"), "{log}");
    let newest = codegen::changelog::newest("CHANGELOG.md", &log).unwrap();
    assert_eq!(
        newest.map(|v| v.to_string()).as_deref(),
        Some("0.1.1"),
        "gen's version of the crate"
    );
    let report = super::report::markdown(&second.reports);
    assert!(report.contains("2 of 2 crates change"), "{report}");
    assert!(report.contains("| `tencent-mps` | 1 |"), "{report}");

    // The same edition again: nothing changes, no release is added.
    let third = import(&opts("3.1.193.1")).unwrap();
    assert!(third.reports.iter().all(|r| r.changes.is_empty()));
    assert_eq!(
        std::fs::read_to_string(out.0.join("faceid/CHANGELOG.md")).unwrap(),
        log
    );
}
