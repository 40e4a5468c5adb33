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

/// The public paths of every item of one generated crate (its files: path relative to the
/// crate's `src/` → text), by item: `module file#name`. A module is public where it is `pub`
/// inside a public module; a `pub use m::*` of a child module makes the child's public items
/// (and public modules) items of the module too. Re-exports of other crates (`pub use
/// ::runtime`) are not this crate's items.
fn public_paths(files: &std::collections::BTreeMap<String, String>) -> Vec<(String, Vec<String>)> {
    use std::collections::BTreeMap;
    use syn::{Item, UseTree, Visibility};

    // A module's file from its parent's file and its name (`a.rs` → `a/b.rs`, `a/mod.rs`).
    fn child_file(files: &BTreeMap<String, String>, parent: &str, name: &str) -> String {
        let dir = match parent
            .strip_suffix("mod.rs")
            .or(parent.strip_suffix("lib.rs"))
        {
            Some(dir) => dir.to_owned(),
            None => format!("{}/", parent.trim_end_matches(".rs")),
        };
        let flat = format!("{dir}{name}.rs");
        if files.contains_key(&flat) {
            flat
        } else {
            format!("{dir}{name}/mod.rs")
        }
    }

    /// What a module exports: (name, item id, the item's file if it is a module).
    fn exports(
        files: &BTreeMap<String, String>,
        file: &str,
    ) -> Vec<(String, String, Option<String>)> {
        let text = files.get(file).unwrap_or_else(|| panic!("{file} missing"));
        let parsed = syn::parse_file(text).unwrap_or_else(|e| panic!("{file}: {e}"));
        let mut out = Vec::new();
        let mut children = BTreeMap::new();
        for item in &parsed.items {
            if let Item::Mod(m) = item {
                let name = m.ident.to_string();
                // Inline modules (`glue`) are never `pub`; their files are their parent's.
                let child = if m.content.is_some() {
                    None
                } else {
                    Some(child_file(files, file, &name))
                };
                children.insert(name.clone(), child.clone());
                if matches!(m.vis, Visibility::Public(_)) {
                    out.push((name.clone(), format!("{file}#mod {name}"), child));
                }
            }
        }
        for item in &parsed.items {
            let (vis, name) = match item {
                Item::Struct(i) => (&i.vis, i.ident.to_string()),
                Item::Enum(i) => (&i.vis, i.ident.to_string()),
                Item::Type(i) => (&i.vis, i.ident.to_string()),
                Item::Trait(i) => (&i.vis, i.ident.to_string()),
                Item::Fn(i) => (&i.vis, i.sig.ident.to_string()),
                Item::Const(i) => (&i.vis, i.ident.to_string()),
                Item::Static(i) => (&i.vis, i.ident.to_string()),
                // `pub use ::runtime;`, `pub use ::generated_protocols::*;` and the like:
                // another crate's items.
                Item::Use(u) if u.leading_colon.is_some() => continue,
                Item::Use(u) if matches!(u.vis, Visibility::Public(_)) => {
                    let UseTree::Path(p) = &u.tree else {
                        panic!("{file}: unexpected re-export `{}`", quote::quote!(#u))
                    };
                    let name = p.ident.to_string();
                    if name == "crate" {
                        // `pub use crate::op::glue::{OP, …}` (the catalog's test hooks): items
                        // of a crate-private module, public only here.
                        let path = quote::quote!(#p).to_string().replace(' ', "");
                        let (from, leaves) = path.rsplit_once("::").unwrap_or((&path, ""));
                        for leaf in leaves.trim_matches(|c| c == '{' || c == '}').split(',') {
                            out.push((leaf.to_owned(), format!("{from}#{leaf}"), None));
                        }
                        continue;
                    }
                    let Some(Some(child)) = children.get(&name) else {
                        panic!("{file}: `pub use {name}::…` of no child module file")
                    };
                    let theirs = exports(files, child);
                    // `pub use child::*`, `child::Name`, `child::Name as Other`, `child::{…}`.
                    let mut picks: Vec<(String, String)> = Vec::new();
                    let mut glob = false;
                    let mut trees = vec![&*p.tree];
                    while let Some(tree) = trees.pop() {
                        match tree {
                            UseTree::Glob(_) => glob = true,
                            UseTree::Name(n) => {
                                picks.push((n.ident.to_string(), n.ident.to_string()))
                            }
                            UseTree::Rename(r) => {
                                picks.push((r.ident.to_string(), r.rename.to_string()))
                            }
                            UseTree::Group(g) => trees.extend(g.items.iter()),
                            other => {
                                panic!("{file}: unexpected re-export `{}`", quote::quote!(#other))
                            }
                        }
                    }
                    for (name, id, module) in theirs {
                        if glob {
                            out.push((name.clone(), id.clone(), module.clone()));
                        }
                        for (from, to) in &picks {
                            if *from == name {
                                out.push((to.clone(), id.clone(), module.clone()));
                            }
                        }
                    }
                    continue;
                }
                _ => continue,
            };
            if matches!(vis, Visibility::Public(_)) {
                out.push((name.clone(), format!("{file}#{name}"), None));
            }
        }
        out
    }

    let mut paths: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut queue = vec![(String::new(), "lib.rs".to_owned())];
    while let Some((prefix, file)) = queue.pop() {
        for (name, id, module) in exports(files, &file) {
            let path = format!("{prefix}{name}");
            if let Some(module) = module {
                queue.push((format!("{path}::"), module));
            }
            paths.entry(id).or_default().push(path);
        }
    }
    paths.into_iter().collect()
}

#[test]
fn every_public_item_of_a_generated_crate_has_one_path() {
    use std::collections::BTreeMap;
    let mut crates: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for (path, text) in generated() {
        let (krate, file) = match path.strip_prefix("crates/") {
            Some(rest) => match rest.split_once("/src/") {
                Some((krate, file)) => (krate.to_owned(), file.to_owned()),
                None => continue,
            },
            None => match path.strip_prefix("src/") {
                Some(file) => ("generated".to_owned(), file.to_owned()),
                None => continue,
            },
        };
        crates.entry(krate).or_default().insert(file, text.clone());
    }
    assert!(crates.len() > 90, "{} crates", crates.len());
    let mut twice = Vec::new();
    let mut items = 0;
    for (krate, files) in &crates {
        for (id, paths) in public_paths(files) {
            items += 1;
            if paths.len() > 1 {
                twice.push(format!("{krate}: {id} at {}", paths.join(", ")));
            }
        }
    }
    assert!(items > 20_000, "only {items} public items found");
    assert!(
        twice.is_empty(),
        "{} items at two paths or more:\n{}",
        twice.len(),
        twice[..twice.len().min(20)].join("\n")
    );
    // The test can fail: an operation module made `pub` puts its items at a second path.
    let mut cdb = crates["tencent-cdb"].clone();
    let sdk = cdb.get_mut("sdk/mod.rs").expect("tencent-cdb's sdk module");
    *sdk = sdk.replace(
        "pub(crate) mod describe_backups;",
        "pub mod describe_backups;",
    );
    let doubled = public_paths(&cdb)
        .into_iter()
        .filter(|(_, p)| p.len() > 1)
        .count();
    assert!(
        doubled >= 3,
        "making a module public doubled only {doubled} paths"
    );
}
