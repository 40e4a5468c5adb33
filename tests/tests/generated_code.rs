//! The golden is `generated/` itself: the drift check says it is exactly what the specs
//! produce (same code as `cargo xtask gen --check`), so a codegen change is reviewed as the
//! diff of `generated/` in the commit. The fixture corpus's golden sits next to its fixtures
//! (`tests/fixtures/snapshots/`).

use std::sync::OnceLock;

use tests::workspace_root;

fn generate() -> codegen::Output {
    codegen::generate(&codegen::Input::workspace(&workspace_root()))
        .unwrap_or_else(|d| panic!("{d}"))
}

/// One generation of the whole tree, shared by the tests that read it (a generation of
/// 4,000 operations is half a minute in a debug build).
fn generated() -> &'static [(String, String)] {
    static OUT: OnceLock<codegen::Output> = OnceLock::new();
    &OUT.get_or_init(generate).files
}

#[test]
fn generated_dir_is_in_step_with_specs() {
    let drift = codegen::drift(&workspace_root().join("generated"), generated())
        .expect("generated/ readable");
    assert!(
        drift.is_empty(),
        "generated/ is stale; run `cargo xtask gen`:\n{drift}"
    );
}

#[test]
fn generation_is_deterministic() {
    assert_eq!(generated(), generate().files);
}

#[test]
fn fixture_corpus_snapshot() {
    let root = workspace_root();
    let input = codegen::Input {
        base: root.clone(),
        protocols: root.join("specs/protocols"),
        specs: root.join("tests/fixtures/specs"),
    };
    let code =
        codegen::generate_inline(&input, "crate::fixture_sdk").unwrap_or_else(|d| panic!("{d}"));
    insta::with_settings!({
        snapshot_path => "../fixtures/snapshots",
        prepend_module_to_snapshot => false,
    }, {
        insta::assert_snapshot!("fixture_sdk", code);
    });
}

#[test]
fn changing_a_spec_field_is_drift() {
    // Copy the specs, change one field's doc, regenerate: the drift check must see it.
    let root = workspace_root();
    let tmp = std::env::temp_dir().join(format!("sdkgen-drift-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    copy_dir(&root.join("specs"), &tmp.join("specs"));
    let spec = tmp.join("specs/tencent/redis/describe_backup_url.yaml");
    let text = std::fs::read_to_string(&spec).expect("spec");
    std::fs::write(
        &spec,
        text.replace("doc: Instance ID.", "doc: The instance ID."),
    )
    .expect("write");
    let changed =
        codegen::generate(&codegen::Input::workspace(&tmp)).unwrap_or_else(|d| panic!("{d}"));
    let drift =
        codegen::drift(&root.join("generated"), &changed.files).expect("generated/ readable");
    let _ = std::fs::remove_dir_all(&tmp);
    assert!(
        drift.contains("-    /// Instance ID.") && drift.contains("+    /// The instance ID."),
        "{drift}"
    );
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read_dir") {
        let path = entry.expect("entry").path();
        let target = to.join(path.file_name().expect("name"));
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).expect("copy");
        }
    }
}
