//! Test support: the fixture SDK generated at build time from `tests/fixtures/specs`,
//! and small helpers shared by the integration tests.

/// SDK generated from the fixture corpus (see `build.rs`).
#[allow(missing_docs)]
pub mod fixture_sdk {
    include!(concat!(env!("OUT_DIR"), "/fixture_sdk.rs"));
}

use std::path::PathBuf;

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(PathBuf::from).unwrap_or(manifest)
}

/// Reads a file relative to the workspace root.
pub fn read(rel: &str) -> Vec<u8> {
    let path = workspace_root().join(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}
