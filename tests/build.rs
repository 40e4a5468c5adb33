//! Generates the fixture corpus (`tests/fixtures/specs`) into one file of nested modules,
//! compiled into this crate as `tests::fixture_sdk`: the generator's output for shapes the
//! seeds lack must build (and pass clippy) here.

use std::path::PathBuf;

fn main() {
    let manifest =
        PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let root = manifest
        .parent()
        .expect("tests/ is inside the workspace")
        .to_owned();
    let input = codegen::Input {
        base: root.clone(),
        protocols: root.join("specs/protocols"),
        specs: manifest.join("fixtures/specs"),
    };
    println!("cargo:rerun-if-changed={}", input.protocols.display());
    println!("cargo:rerun-if-changed={}", input.specs.display());
    let code = match codegen::generate_inline(&input, "crate::fixture_sdk") {
        Ok(code) => code,
        Err(d) => panic!("fixture specs do not validate:\n{d}"),
    };
    let out =
        PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("fixture_sdk.rs");
    std::fs::write(&out, code).expect("OUT_DIR is writable");
}
