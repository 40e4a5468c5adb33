//! The bad-spec corpus: each `tests/bad_specs/<case>/` holds a broken spec (and any sample
//! files it names). Generation must fail, and every message must be located
//! (`file:line:col`); the full report of each case is a snapshot.

use tests::workspace_root;

#[test]
fn every_bad_spec_fails_with_located_errors() {
    let root = workspace_root();
    let dir = root.join("tests/bad_specs");
    let mut cases: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/bad_specs")
        .map(|e| e.expect("entry").path())
        .collect();
    cases.sort();
    assert!(cases.len() >= 15, "the corpus has {} cases", cases.len());
    for case in cases {
        let name = case
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        let input = codegen::Input {
            base: root.clone(),
            protocols: root.join("specs/protocols"),
            specs: case.clone(),
        };
        let report = match codegen::generate(&input) {
            Ok(_) => panic!("bad spec `{name}` generated without error"),
            Err(d) => d.to_string(),
        };
        for line in report.lines().filter(|l| l.contains(": error: ")) {
            let loc = line.split(": error: ").next().unwrap_or_default();
            let mut parts = loc.rsplitn(3, ':');
            let (col, row) = (
                parts.next().unwrap_or_default(),
                parts.next().unwrap_or_default(),
            );
            assert!(
                loc.starts_with("tests/bad_specs/")
                    && col.parse::<u32>().is_ok_and(|c| c > 0)
                    && row.parse::<u32>().is_ok_and(|r| r > 0),
                "`{name}`: message is not located: {line}"
            );
        }
        insta::assert_snapshot!(name, report);
    }
}

#[test]
fn a_bad_spec_writes_nothing() {
    // `generate` is pure: a failing spec yields only diagnostics, so `xtask gen` has nothing to write
    // and leaves generated/ untouched (it swaps directories only after every file is rendered).
    let root = workspace_root();
    let input = codegen::Input {
        base: root.clone(),
        protocols: root.join("specs/protocols"),
        specs: root.join("tests/bad_specs/unknown_type"),
    };
    assert!(codegen::generate(&input).is_err());
}
