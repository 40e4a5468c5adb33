//! `cargo xtask gen [--check]`: the only writer of `generated/`.
//!
//! `gen` renders every file in memory first, then replaces `generated/` in one directory swap:
//! either all new files are in place (stale ones gone) or, on any error, nothing changed.
//! `gen --check` writes nothing and exits 1 with a unified diff when `generated/` is stale.

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
        _ => {
            eprintln!("usage: cargo xtask gen [--check]");
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

fn workspace_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(Path::to_path_buf).unwrap_or(manifest)
}

fn gen_cmd(root: &Path, check: bool) -> Result<(), String> {
    let started = Instant::now();
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
    let per_op = s.lines.checked_div(s.operations).unwrap_or(0);
    let op_module = s.op_module_lines.checked_div(s.operations).unwrap_or(0);
    println!(
        "gen{}: {} specs ({} operations), {} types, {} error variants, {} generated lines ({} per operation; {} in each operation's own module), {:.2} s",
        if check { " --check: up to date" } else { "" },
        s.specs,
        s.operations,
        s.types,
        s.error_variants,
        s.lines,
        per_op,
        op_module,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Writes `files` into a sibling temporary directory, then swaps it in for `dir`.
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
        for (path, text) in files {
            let target = tmp.join(path);
            if let Some(p) = target.parent() {
                std::fs::create_dir_all(p)?;
            }
            std::fs::write(&target, text)?;
        }
        Ok(())
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
        let files = vec![
            ("Cargo.toml".to_owned(), "new".to_owned()),
            ("src/lib.rs".to_owned(), "lib".to_owned()),
        ];
        write_atomically(&dir, &files).unwrap();
        let mut on_disk = Vec::new();
        codegen_list(&dir, &mut on_disk);
        assert_eq!(
            on_disk,
            ["Cargo.toml", "src/lib.rs"],
            "stale files are gone, new ones in place"
        );
        assert_eq!(
            std::fs::read_to_string(dir.join("Cargo.toml")).unwrap(),
            "new"
        );
        assert!(!base.join(".generated.new").exists() && !base.join(".generated.old").exists());
        assert!(codegen::drift(&dir, &files).unwrap().is_empty());
        std::fs::remove_dir_all(&base).unwrap();
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
