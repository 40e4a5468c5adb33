//! Arbitrary UTF-8 as an operation spec, through the generator's in-memory pipeline:
//! `yaml::parse` → `spec::read_op` → `model::resolve` (with the real protocol files and the
//! documented samples), then, when the spec is valid, `emit` and `syn` over every module.
//!
//! Properties: no panic; every diagnostic is located (line and column ≥ 1); a spec that
//! resolves without diagnostics emits tokens that parse as Rust (the generator's invariant
//! "after `model::resolve` succeeds nothing can fail").

#![no_main]

use std::sync::OnceLock;

use codegen::{Diagnostics, emit, model, spec, yaml};
use libfuzzer_sys::fuzz_target;

const PROTOCOLS: [(&str, &str); 4] = [
    (
        "specs/protocols/huawei.yaml",
        include_str!("../../../specs/protocols/huawei.yaml"),
    ),
    (
        "specs/protocols/tencent-v2.yaml",
        include_str!("../../../specs/protocols/tencent-v2.yaml"),
    ),
    (
        "specs/protocols/tencent-v3.yaml",
        include_str!("../../../specs/protocols/tencent-v3.yaml"),
    ),
    (
        "specs/protocols/ucloud.yaml",
        include_str!("../../../specs/protocols/ucloud.yaml"),
    ),
];

/// Sample files a fuzzed spec may name (`samples/<name>.json`, as the real specs do).
const SAMPLES: [(&str, &str); 5] = [
    (
        "samples/get_export_backup_url.json",
        include_str!("../../../specs/tencent/cdb/samples/get_export_backup_url.json"),
    ),
    (
        "samples/get_backup_download_url.json",
        include_str!("../../../specs/tencent/redis/samples/get_backup_download_url.json"),
    ),
    (
        "samples/describe_backup_url.json",
        include_str!("../../../specs/tencent/redis/samples/describe_backup_url.json"),
    ),
    (
        "samples/describe_udb_instance_backup_url.json",
        include_str!("../../../specs/ucloud/udb/samples/describe_udb_instance_backup_url.json"),
    ),
    (
        "samples/download_file.json",
        include_str!("../../../specs/huawei/dds/samples/download_file.json"),
    ),
];

fn parses(m: &emit::Module) {
    if let Err(e) = syn::parse2::<syn::File>(m.items.clone()) {
        panic!("module `{}` emitted invalid Rust: {e}", m.name);
    }
    m.children.iter().for_each(parses);
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // The real protocol files, read once; every input gets a fresh copy.
    static PROTOCOLS_READ: OnceLock<Vec<spec::ProtocolSpec>> = OnceLock::new();
    let protocols = PROTOCOLS_READ
        .get_or_init(|| {
            let mut diags = Diagnostics::default();
            let read = PROTOCOLS
                .iter()
                .filter_map(|(file, src)| {
                    let node = yaml::parse(file, src).expect("protocol files parse");
                    spec::read_protocol(file, &node, &mut diags)
                })
                .collect();
            assert!(diags.is_empty(), "protocol files are valid: {diags}");
            read
        })
        .clone();
    let mut diags = Diagnostics::default();
    let file = "specs/fuzz/svc/op.yaml";
    let ops = match yaml::parse(file, text) {
        Ok(node) => spec::read_op(file, &node, &mut diags).into_iter().collect(),
        Err(d) => {
            diags.push(d);
            Vec::new()
        }
    };
    let read_sample = |_spec: &str, rel: &str| -> Result<String, String> {
        SAMPLES
            .iter()
            .find(|(name, _)| *name == rel)
            .map(|(_, text)| (*text).to_owned())
            .ok_or_else(|| "No such file or directory (os error 2)".to_owned())
    };
    let (model, sources) = model::resolve(protocols, ops, &read_sample, &mut diags);
    codegen::sample::check_all(&model, &sources, &mut diags);
    for d in &diags.0 {
        assert!(
            d.pos.line >= 1 && d.pos.col >= 1 && !d.message.is_empty(),
            "unlocated or empty diagnostic: {d:?}"
        );
    }
    assert!(diags.is_empty() || !diags.to_string().is_empty());
    if diags.is_empty() {
        let emitter = emit::Emitter {
            model: &model,
            docs: codegen::docs::Docs::new(),
            root: "crate".parse().expect("a path"),
        };
        parses(&emitter.crate_tree());
    }
});
