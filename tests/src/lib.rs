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

/// An emulator serving the generated SDK's hand-written (seed) operations, with the
/// default keys.
pub async fn seed_emulator() -> emulator::Emulator {
    emulator::Emulator::start(generated::catalog::hand_written())
        .await
        .expect("emulator starts")
}

/// The string member `key` of a JSON test vector, or a panic naming it.
pub fn json_text<'a>(v: &'a serde_json::Value, key: &str) -> &'a str {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("`{key}` is not a string: {:?}", v[key]))
}

/// The emulator serving the fixture SDK, and a client of its Tencent `widgets` service: what
/// the paginator and waiter tests share.
#[cfg(all(feature = "tencent", feature = "catalog"))]
pub mod fixture_emulator {
    use emulator::{Emulator, Keys, Verdict};

    use crate::fixture_sdk::tencent::widgets;

    /// An emulator serving every fixture operation, with the default keys.
    pub async fn start() -> Emulator {
        Emulator::start_with(crate::fixture_sdk::catalog::operations(), Keys::default())
            .await
            .expect("emulator")
    }

    /// A client of the fixture `widgets` service on `emu`.
    pub fn widgets(emu: &Emulator) -> widgets::Client {
        widgets::Client::new(
            runtime::ClientConfig::new()
                .region("ap-guangzhou")
                .endpoint(emu.endpoint()),
            Keys::default().tencent,
        )
        .expect("client")
    }

    /// How many requests of `op` the emulator accepted; every request must have been
    /// accepted (signature and parameters verified).
    pub fn accepted_calls(emu: &Emulator, op: &str) -> usize {
        let log = emu.requests();
        for r in &log {
            assert_eq!(r.verdict, Verdict::Accepted, "{r:#?}");
        }
        log.iter().filter(|r| r.operation == Some(op)).count()
    }
}
