//! `cargo xtask gen [--check]`: the only writer of `generated/`.
//!
//! `gen` renders every file in memory first, then replaces `generated/` in one directory swap:
//! either all new files are in place (stale ones gone) or, on any error, nothing changed.
//! `gen --check` writes nothing and exits 1 with a unified diff when `generated/` is stale.

mod import;

/// gen and import allocate and free millions of small token and tree nodes on every core.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = workspace_root();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["gen"] => run(gen_cmd(&root, false)),
        ["gen", "--check"] => run(gen_cmd(&root, true)),
        ["import", ..] => run(import::run(&root, &args[1..])),
        _ => {
            eprintln!("usage: cargo xtask gen [--check]\n       {}", import::USAGE);
            ExitCode::from(2)
        }
    }
}

fn run(r: Result<(), String>) -> ExitCode {
    match r {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace of the checkout `cargo xtask` runs in: `cargo run` sets
/// `CARGO_MANIFEST_DIR` for the process, so a binary left in a shared target directory by
/// another checkout still works on this one; the compile-time value is the fallback.
fn workspace_root() -> PathBuf {
    let manifest = std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from);
    manifest.parent().map(Path::to_path_buf).unwrap_or(manifest)
}

fn gen_cmd(root: &Path, check: bool) -> Result<(), String> {
    let started = Instant::now();
    let stale = import::overlay::stale(&root.join("specs"), root);
    if !stale.is_empty() {
        return Err(stale.join("\n"));
    }
    let out = codegen::generate(&codegen::Input::workspace(root)).map_err(|d| d.to_string())?;
    let dir = root.join("generated");
    if check {
        let drift =
            codegen::drift(&dir, &out.files).map_err(|e| format!("cannot read generated/: {e}"))?;
        if !drift.is_empty() {
            return Err(format!(
                "{drift}\ngenerated/ is stale: run `cargo xtask gen` and commit the result"
            ));
        }
    } else {
        write_atomically(&dir, &out.files).map_err(|e| format!("cannot write generated/: {e}"))?;
    }
    let s = out.stats;
    // Per operation: the SDK itself, without the feature-gated catalog (test data).
    let per_op = (s.lines - s.catalog_lines)
        .checked_div(s.operations)
        .unwrap_or(0);
    let op_module = s.op_module_lines.checked_div(s.operations).unwrap_or(0);
    let sm = s.samples;
    println!(
        "gen{}: {} specs ({} operations), {} types, {} error variants, {} generated lines ({} per operation without the {}-line catalog; {} in each operation's own module); samples: {} decode, {} error samples decode as their code, {} invalid, {} do not decode ({} of the decoded repaired by the importer: mended into JSON or taken from another edition; {} decode with values set aside, read tolerantly); {} operations answered by the emulator with a synthesized response (no success sample decodes); {:.2} s (load {:.2}, emit and render {:.2} on {} threads, count {:.2})",
        if check { " --check: up to date" } else { "" },
        s.specs,
        s.operations,
        s.types,
        s.error_variants,
        s.lines,
        per_op,
        s.catalog_lines,
        op_module,
        sm.decoded,
        sm.errors,
        sm.invalid,
        sm.undecodable,
        sm.repaired,
        sm.set_aside,
        sm.synthesized,
        started.elapsed().as_secs_f64(),
        s.phases[0],
        s.phases[1],
        s.threads,
        s.phases[2]
    );
    Ok(())
}

/// Writes `files` into a sibling temporary directory, then swaps it in for `dir`.
///
/// A file whose bytes are already those of its copy in `dir` is hard-linked from it rather
/// than written: a regeneration mostly rewrites what it had, and a link neither writes the
/// data nor, when the old tree is removed, frees (and discards) its blocks. The files are
/// staged on every core.
fn write_atomically(dir: &Path, files: &[(String, String)]) -> std::io::Result<()> {
    let parent = dir.parent().unwrap_or(Path::new("."));
    let tmp = parent.join(".generated.new");
    let old = parent.join(".generated.old");
    for stale in [&tmp, &old] {
        if stale.exists() {
            std::fs::remove_dir_all(stale)?;
        }
    }
    let staged = (|| {
        let dirs: std::collections::BTreeSet<&Path> = files
            .iter()
            .filter_map(|(path, _)| Path::new(path).parent())
            .collect();
        std::fs::create_dir_all(&tmp)?;
        for d in dirs {
            std::fs::create_dir_all(tmp.join(d))?;
        }
        codegen::par_map(files, |(path, text)| stage(dir, &tmp, path, text))
            .into_iter()
            .collect::<std::io::Result<()>>()
    })();
    if let Err(e) = staged {
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(e);
    }
    if dir.exists() {
        std::fs::rename(dir, &old)?;
    }
    if let Err(e) = std::fs::rename(&tmp, dir) {
        // Put the previous tree back: all or nothing.
        let _ = std::fs::rename(&old, dir);
        return Err(e);
    }
    if old.exists() {
        std::fs::remove_dir_all(&old)?;
    }
    Ok(())
}

/// Puts `text` at `tmp/path`: a hard link to `dir/path` when that file already holds exactly
/// `text`, else a new file. A new file is created, never opened: writing through an existing
/// name (a path given twice, or two names one case-insensitive file system folds together)
/// could write through a link into the current tree, so it is an error instead. (A hand edit
/// to `generated/` made while gen runs, between the comparison and the link, is carried over;
/// nothing should edit `generated/` by hand.)
fn stage(dir: &Path, tmp: &Path, path: &str, text: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    let (current, target) = (dir.join(path), tmp.join(path));
    let unchanged = std::fs::symlink_metadata(&current)
        .is_ok_and(|m| m.is_file() && m.len() == text.len() as u64)
        && std::fs::read(&current).is_ok_and(|bytes| bytes == text.as_bytes());
    // A file system without hard links gets a copy written.
    if unchanged && std::fs::hard_link(&current, &target).is_ok() {
        return Ok(());
    }
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&target)?
        .write_all(text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn swap_replaces_the_whole_tree() {
        let base = std::env::temp_dir().join(format!("xtask-swap-{}", std::process::id()));
        let dir = base.join("generated");
        std::fs::create_dir_all(dir.join("src/old")).unwrap();
        std::fs::write(dir.join("src/old/stale.rs"), "stale").unwrap();
        std::fs::write(dir.join("Cargo.toml"), "old").unwrap();
        // Same length as the new text, other bytes: must be rewritten, not linked.
        std::fs::write(dir.join("src/same_len.rs"), "abc").unwrap();
        std::fs::write(dir.join("src/kept.rs"), "kept").unwrap();
        #[cfg(unix)]
        let kept_inode = {
            use std::os::unix::fs::MetadataExt;
            std::fs::metadata(dir.join("src/kept.rs")).unwrap().ino()
        };
        let files = vec![
            ("Cargo.toml".to_owned(), "new".to_owned()),
            ("src/kept.rs".to_owned(), "kept".to_owned()),
            ("src/lib.rs".to_owned(), "lib".to_owned()),
            ("src/same_len.rs".to_owned(), "xyz".to_owned()),
        ];
        write_atomically(&dir, &files).unwrap();
        let mut on_disk = Vec::new();
        codegen_list(&dir, &mut on_disk);
        assert_eq!(
            on_disk,
            ["Cargo.toml", "src/kept.rs", "src/lib.rs", "src/same_len.rs"],
            "stale files are gone, new ones in place"
        );
        assert_eq!(
            std::fs::read_to_string(dir.join("Cargo.toml")).unwrap(),
            "new"
        );
        assert_eq!(
            std::fs::read_to_string(dir.join("src/same_len.rs")).unwrap(),
            "xyz"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            let kept = std::fs::metadata(dir.join("src/kept.rs")).unwrap();
            assert_eq!(
                kept.ino(),
                kept_inode,
                "an unchanged file is linked, not rewritten"
            );
            assert_eq!(kept.nlink(), 1, "the old tree's name for it is gone");
        }
        assert!(!base.join(".generated.new").exists() && !base.join(".generated.old").exists());
        assert!(codegen::drift(&dir, &files).unwrap().is_empty());

        // A path given twice (the second with other bytes) is an error, not a write through
        // the first one's link into the current tree: the tree is left as it was.
        let before = std::fs::read_to_string(dir.join("src/kept.rs")).unwrap();
        let twice = vec![
            ("src/kept.rs".to_owned(), "kept".to_owned()),
            ("src/kept.rs".to_owned(), "overwritten".to_owned()),
        ];
        assert!(write_atomically(&dir, &twice).is_err());
        assert_eq!(
            std::fs::read_to_string(dir.join("src/kept.rs")).unwrap(),
            before
        );
        assert!(!base.join(".generated.new").exists());
        std::fs::remove_dir_all(&base).unwrap();
    }

    /// Removes a temporary directory even when the test panics.
    struct TempDir(PathBuf);

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn copy_tree(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).unwrap();
        for e in std::fs::read_dir(from).unwrap() {
            let p = e.unwrap().path();
            let target = to.join(p.file_name().unwrap());
            if p.is_dir() {
                copy_tree(&p, &target);
            } else {
                std::fs::copy(&p, &target).unwrap();
            }
        }
    }

    /// Every file under `dir` with its bytes, sorted by path.
    fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
        let mut paths = Vec::new();
        codegen_list(dir, &mut paths);
        paths
            .into_iter()
            .map(|p| {
                let bytes = std::fs::read(dir.join(&p)).unwrap();
                (p, bytes)
            })
            .collect()
    }

    #[test]
    fn gen_with_a_bad_spec_leaves_generated_untouched() {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let tmp = TempDir(
            std::env::temp_dir().join(format!("xtask-bad-spec-{}-{nanos}", std::process::id())),
        );
        let root = &tmp.0;
        copy_tree(&workspace_root().join("specs"), &root.join("specs"));
        // A sentinel generated/ tree, nothing like what gen would write.
        let generated = root.join("generated");
        std::fs::create_dir_all(generated.join("src/deep")).unwrap();
        std::fs::write(generated.join("Cargo.toml"), "sentinel\n").unwrap();
        std::fs::write(generated.join("src/lib.rs"), "// sentinel\n").unwrap();
        std::fs::write(generated.join("src/deep/stale.rs"), [0u8, 159, 146, 150]).unwrap();
        let before = snapshot(&generated);
        // Corrupt one spec: an unknown top-level key on a new last line.
        let spec = root.join("specs/tencent/redis/describe_backup_url.yaml");
        let original = std::fs::read_to_string(&spec).unwrap();
        let bad_line = original.lines().count() + 1;
        let corrupt = format!("{}\nbogus_key: true\n", original.trim_end_matches('\n'));
        std::fs::write(&spec, &corrupt).unwrap();

        let err = gen_cmd(root, false).expect_err("a bad spec must fail gen");
        let located = format!("specs/tencent/redis/describe_backup_url.yaml:{bad_line}:1: error:");
        assert!(err.contains(&located), "expected `{located}` in:\n{err}");
        assert_eq!(
            snapshot(&generated),
            before,
            "generated/ is byte-for-byte unchanged"
        );
        let mut entries: Vec<String> = std::fs::read_dir(root)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        entries.sort();
        assert_eq!(
            entries,
            ["generated", "specs"],
            "no temporary directory left behind"
        );

        // Control: the same call with the spec restored does replace the sentinel tree.
        std::fs::write(&spec, &original).unwrap();
        gen_cmd(root, false).unwrap();
        let after = snapshot(&generated);
        assert!(after.iter().all(|(p, _)| p != "src/deep/stale.rs"));
        assert!(
            after
                .iter()
                .any(|(p, _)| p == "crates/tencent-redis/src/sdk/describe_backup_url.rs")
        );
    }

    fn codegen_list(dir: &Path, out: &mut Vec<String>) {
        fn walk(base: &Path, dir: &Path, out: &mut Vec<String>) {
            for e in std::fs::read_dir(dir).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    walk(base, &p, out);
                } else {
                    out.push(
                        p.strip_prefix(base)
                            .unwrap()
                            .to_string_lossy()
                            .replace('\\', "/"),
                    );
                }
            }
        }
        walk(dir, dir, out);
        out.sort();
    }
}

/// `ARCHITECTURE.md` is the map a newcomer reads first: every file or directory it names in
/// backticks must exist.
#[cfg(test)]
mod architecture {
    use std::path::{Path, PathBuf};

    /// Where a path in the text may be relative to: the root, a crate, its sources, and the
    /// source directories the sections speak from.
    const BASES: &[&str] = &[
        "",
        "core/src",
        "codegen/src",
        "codegen/src/emit",
        "codegen/src/model",
        "codegen/src/spec",
        "codegen/src/docs",
        "runtime/src",
        "runtime/src/protocols",
        "runtime/src/credentials",
        "emulator/src",
        "emulator/src/objects",
        "xtask/src",
        "xtask/src/import",
        "backup/src",
        "tests",
        "tests/tests",
        "tests/src",
        "bench",
        "demo",
        "generated",
        "specs",
    ];

    /// Files the text names as the vendors' (inside their SDKs), not ours.
    const VENDOR_FILES: &[&str] = &[
        "client.py",
        "api.json",
        "errorcodes.py",
        "apis.py",
        "models.py",
    ];

    fn names_in(dir: &Path, out: &mut std::collections::BTreeSet<String>) {
        for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if name == "target" || name.starts_with('.') {
                continue;
            }
            if e.path().is_dir() {
                names_in(&e.path(), out);
            }
            out.insert(name);
        }
    }

    #[test]
    fn every_path_it_names_exists() {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
        let text = std::fs::read_to_string(root.join("ARCHITECTURE.md")).unwrap();
        let mut everywhere = std::collections::BTreeSet::new();
        names_in(&root, &mut everywhere);
        let exts = [
            ".rs", ".md", ".yaml", ".toml", ".sh", ".json", ".py", ".pem",
        ];
        let mut checked = 0;
        let mut missing = Vec::new();
        for (i, span) in text.split('`').enumerate() {
            let path_like = i % 2 == 1
                && !span.is_empty()
                && span
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_./-".contains(c))
                && !span.starts_with('/')
                && (span.contains('/') || exts.iter().any(|e| span.ends_with(e)));
            if !path_like || VENDOR_FILES.contains(&span) {
                continue;
            }
            checked += 1;
            let path = span.trim_end_matches('/');
            let found = if path.contains('/') {
                BASES.iter().any(|b| root.join(b).join(path).exists())
            } else {
                // A bare file name names a kind of file (`service.yaml`) or one file: it
                // exists somewhere in the tree.
                everywhere.contains(path)
            };
            if !found {
                missing.push(span.to_owned());
            }
        }
        assert!(
            checked > 50,
            "only {checked} paths found in ARCHITECTURE.md"
        );
        assert!(
            missing.is_empty(),
            "ARCHITECTURE.md names paths that do not exist: {missing:?}"
        );
    }
}
