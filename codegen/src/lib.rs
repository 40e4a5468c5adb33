//! The SDK generator as a library: YAML specs in, generated files out.
//!
//! Pipeline, one direction only: [`yaml`] (parse, keep positions) → [`spec`] (shape,
//! known keys) → [`model`] (names, types, rules, samples) → [`emit`] (`quote!`) →
//! `syn` + `prettyplease` → text. Prose goes through [`docs`] (minijinja).
//!
//! **Invariant:** the only I/O is reading spec and sample files; writing is `xtask`'s job.
//! **Invariant:** every problem is reported at once, each as `file:line:col: error: …`.

pub mod changelog;
pub mod diag;
pub mod docs;
pub mod emit;
pub mod model;
pub mod naming;
mod pool;
pub mod sample;
pub mod spec;
pub mod synth;
pub mod yaml;

use std::path::{Path, PathBuf};

use proc_macro2::TokenStream;
use quote::quote;

pub use diag::{Diag, Diagnostics};
pub use pool::par_map;
use pool::{par_map_with, workers};

/// Where the specs are.
#[derive(Clone, Debug)]
pub struct Input {
    /// Directory that file names in messages are relative to (the workspace root).
    pub base: PathBuf,
    /// Directory of protocol files (`specs/protocols`).
    pub protocols: PathBuf,
    /// Directory searched recursively for operation specs (the protocols directory is skipped).
    pub specs: PathBuf,
}

impl Input {
    /// The workspace layout: `<root>/specs` and `<root>/specs/protocols`.
    pub fn workspace(root: &Path) -> Self {
        Self {
            base: root.to_owned(),
            protocols: root.join("specs/protocols"),
            specs: root.join("specs"),
        }
    }
}

/// Counts for the one-line summary.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Stats {
    pub specs: usize,
    pub operations: usize,
    pub types: usize,
    pub error_variants: usize,
    pub lines: usize,
    /// Lines of `src/catalog.rs` (test data behind feature `catalog`, not part of the SDK).
    pub catalog_lines: usize,
    /// Lines of the per-operation modules alone (the part that grows with the catalogue).
    pub op_module_lines: usize,
    /// How the documented samples fared.
    pub samples: sample::SampleStats,
    /// Seconds spent reading and resolving specs, emitting and rendering (in parallel), and
    /// counting.
    pub phases: [f64; 3],
    /// Worker threads that emitted and rendered crates.
    pub threads: usize,
}

/// The generated crate: `(path relative to generated/, contents)`, sorted by path.
#[derive(Clone, Debug)]
pub struct Output {
    pub files: Vec<(String, String)>,
    pub stats: Stats,
}

fn display(base: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(base).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

fn yaml_files(dir: &Path, skip: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    entries.sort();
    for p in entries {
        if p.is_dir() {
            if p != skip {
                yaml_files(&p, skip, out)?;
            }
        } else if p.extension().is_some_and(|e| e == "yaml" || e == "yml")
            // An overlay is the importer's input, applied to the specs it writes.
            && p.file_name().is_none_or(|n| n != "overlay.yaml")
        {
            out.push(p);
        }
    }
    Ok(())
}

fn io_diag(base: &Path, path: &Path, e: &std::io::Error) -> Diagnostics {
    Diagnostics(vec![Diag::new(
        &display(base, path),
        diag::Pos { line: 1, col: 1 },
        format!("cannot read: {e}"),
    )])
}

/// Reads and validates every spec into the resolved model.
pub fn load(input: &Input) -> Result<model::Model, Diagnostics> {
    load_counting(input).map(|(model, _)| model)
}

/// [`load`], with how the documented samples fared (the sample pass's count, kept out of the
/// IR: the model does not depend on its passes).
fn load_counting(input: &Input) -> Result<(model::Model, sample::SampleStats), Diagnostics> {
    let mut diags = Diagnostics::default();
    let mut protocol_files = Vec::new();
    yaml_files(&input.protocols, Path::new(""), &mut protocol_files)
        .map_err(|e| io_diag(&input.base, &input.protocols, &e))?;
    let mut op_files = Vec::new();
    yaml_files(&input.specs, &input.protocols, &mut op_files)
        .map_err(|e| io_diag(&input.base, &input.specs, &e))?;
    // Reading and parsing is most of loading and each file is independent: done on every
    // core, the results kept in file order so diagnostics come out the same every time.
    let parse_one = |path: &PathBuf| -> Result<(String, Result<yaml::Node, Diag>), Diagnostics> {
        let file = display(&input.base, path);
        let text = std::fs::read_to_string(path).map_err(|e| io_diag(&input.base, path, &e))?;
        let node = yaml::parse(&file, &text);
        Ok((file, node))
    };
    let mut parsed_protocols = par_map(&protocol_files, parse_one).into_iter();
    let parsed_ops = par_map(&op_files, parse_one);
    let mut protocols = Vec::new();
    for _ in &protocol_files {
        let Some(parsed) = parsed_protocols.next() else {
            break;
        };
        let (file, node) = parsed?;
        match node {
            Ok(node) => protocols.extend(spec::read_protocol(&file, &node, &mut diags)),
            Err(d) => diags.push(d),
        }
    }
    // `service.yaml` files first: each operation spec inherits from the one in its directory.
    let is_service = |p: &PathBuf| p.file_name().is_some_and(|n| n == "service.yaml");
    let service_dirs: Vec<PathBuf> = op_files
        .iter()
        .filter(|p| is_service(p))
        .filter_map(|p| p.parent().map(Path::to_path_buf))
        .collect();
    let mut services = Vec::new();
    let mut service_of_dir = Vec::new();
    let mut op_nodes = Vec::new();
    for (path, parsed) in op_files.iter().zip(parsed_ops) {
        let (file, node) = parsed?;
        if !is_service(path) {
            op_nodes.push((path, file, node));
            continue;
        }
        let dir = path.parent().unwrap_or(Path::new("."));
        // A service.yaml below another one is a further API version: a module of that crate.
        let sub = dir
            .ancestors()
            .skip(1)
            .any(|a| service_dirs.iter().any(|d| d == a))
            .then(|| dir.file_name().map(|n| n.to_string_lossy().into_owned()))
            .flatten();
        match node {
            Ok(node) => {
                if let Some(spec) = spec::read_service(&file, &node, &mut diags) {
                    service_of_dir.push(dir.to_path_buf());
                    services.push(model::ServiceInput { spec, sub });
                }
            }
            Err(d) => diags.push(d),
        }
    }
    let mut ops = Vec::new();
    for (path, file, node) in op_nodes {
        let dir = path.parent().unwrap_or(Path::new("."));
        let service = service_of_dir.iter().position(|d| d == dir);
        match node {
            Ok(node) => ops.extend(spec::read_op(&file, &node, &mut diags).map(|o| (o, service))),
            Err(d) => diags.push(d),
        }
    }
    let read_sample = |spec_file: &str, rel: &str| -> Result<String, String> {
        let dir = input.base.join(spec_file);
        let path = dir.parent().unwrap_or(Path::new(".")).join(rel);
        std::fs::read_to_string(&path).map_err(|e| e.to_string())
    };
    let specs = model::Specs {
        protocols,
        services,
        ops,
    };
    let (mut model, sources) = model::resolve(specs, &read_sample, &mut diags);
    let samples = sample::check_all(&mut model, &sources, &mut diags);
    read_changelogs(input, &mut model, &mut diags);
    if diags.is_empty() {
        Ok((model, samples))
    } else {
        Err(diags)
    }
}

/// Each crate-level service's `CHANGELOG.md` (beside its `service.yaml`), if it has one: the
/// crate's version is its newest release.
fn read_changelogs(input: &Input, model: &mut model::Model, diags: &mut Diagnostics) {
    for service in &mut model.services {
        let Some(file) = service.file.as_deref().filter(|_| service.sub.is_none()) else {
            continue;
        };
        let rel = Path::new(file).with_file_name("CHANGELOG.md");
        let Ok(text) = std::fs::read_to_string(input.base.join(&rel)) else {
            continue;
        };
        let shown = rel.to_string_lossy().replace('\\', "/");
        match changelog::newest(&shown, &text) {
            Ok(version) => service.release = Some((version, text)),
            Err(d) => diags.push(d),
        }
    }
}

fn render(tokens: TokenStream) -> String {
    // Emitted tokens always form a valid file; a failure here is a generator bug.
    let file: syn::File =
        syn::parse2(tokens).unwrap_or_else(|e| panic!("generator emitted invalid Rust: {e}"));
    expand_macro_bodies(&space_out(&prettyplease::unparse(&file)))
}

/// Puts the bodies of the runtime's item macros in place: emission writes each invocation
/// with its body pre-formatted in one string literal (`::runtime::request_builder!("…");`,
/// likewise `lenient_object!`), which prettyplease prints on one line; here it becomes
/// `::runtime::request_builder! { … }`.
fn expand_macro_bodies(text: &str) -> String {
    const MACROS: [&str; 2] = ["::runtime::request_builder!", "::runtime::lenient_object!"];
    if !MACROS.iter().any(|m| text.contains(&format!("{m}("))) {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len() * 2);
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let trimmed = line.trim_start();
        let Some((mac, first)) = MACROS.iter().find_map(|m| {
            trimmed
                .strip_prefix(m)
                .and_then(|rest| rest.strip_prefix('('))
                .map(|rest| (m, rest))
        }) else {
            out.push_str(line);
            out.push('\n');
            continue;
        };
        // The literal, possibly on the following lines, up to the closing `);`.
        let mut call = first.to_owned();
        while !call.trim_end().ends_with(");") {
            match lines.next() {
                Some(more) => call.push_str(more.trim()),
                None => break,
            }
        }
        let literal = call.trim_end().strip_suffix(");").unwrap_or(&call).trim();
        // The literal was made from a Rust string by `Literal::string`: it always parses.
        let body = syn::parse_str::<syn::LitStr>(literal)
            .map(|l| l.value())
            .unwrap_or_else(|e| panic!("generator emitted an invalid macro body: {e}"));
        let indent = &line[..line.len() - trimmed.len()];
        out.push_str(&format!("{indent}{mac} {{\n"));
        for l in body.lines() {
            if !l.is_empty() {
                out.push_str(indent);
            }
            out.push_str(l);
            out.push('\n');
        }
        out.push_str(&format!("{indent}}}\n"));
    }
    out
}

/// A blank line between items (prettyplease prints them back to back), so the source reads
/// well on docs.rs: before an item, its doc comment or its attributes, when the line above
/// ends the previous item. Runs of `use` lines (and of crate-private module declarations)
/// stay together.
fn space_out(text: &str) -> String {
    const STARTS: &[&str] = &[
        "///",
        "#[",
        "pub ",
        "pub(crate) ",
        "impl",
        "fn ",
        "const ",
        "static ",
        "mod ",
        "struct ",
        "enum ",
        "type ",
        "use ",
        "::runtime::request_builder!",
        "::runtime::lenient_object!",
        "::runtime::open_enum!",
    ];
    let mut out = String::with_capacity(text.len() + text.len() / 16);
    let mut prev = "";
    for line in text.lines() {
        let (a, b) = (prev.trim(), line.trim_start());
        // A doc line ending in `;` is prose, not the end of an item.
        let ends_item = a == "}"
            || (a.ends_with(';') && !a.starts_with("///"))
            || ((a.starts_with("//!") || a.starts_with("#![")) && !b.starts_with("//!"));
        let starts_item = STARTS.iter().any(|s| b.starts_with(s));
        let uses = |l: &str| {
            l.starts_with("use ")
                || l.starts_with("pub use ")
                || l.starts_with("type ")
                || l.starts_with("pub(crate) mod ")
        };
        if ends_item && starts_item && !(uses(a) && uses(b)) {
            out.push('\n');
        }
        out.push_str(line);
        out.push('\n');
        prev = line;
    }
    out
}

fn header(source: Option<&str>) -> String {
    format!(
        "// @generated by `cargo xtask gen` from {}; do not edit by hand.\n",
        source.map_or_else(|| "specs/".to_owned(), |s| format!("`{s}`"))
    )
}

fn inner_doc(doc: &str) -> TokenStream {
    let lines = docs::doc_lines(doc).into_iter().map(|l| emit::str_lit(&l));
    quote!(#(#![doc = #lines])*)
}

fn mod_decl(m: &emit::Module, skip_fmt: bool) -> TokenStream {
    let (attrs, name) = (
        &m.attrs,
        proc_macro2::Ident::new(&m.name, proc_macro2::Span::call_site()),
    );
    let skip = if skip_fmt {
        quote!(#[rustfmt::skip])
    } else {
        quote!()
    };
    if m.name == emit::SDK_MODULE {
        return quote!(#attrs #skip mod #name;);
    }
    if m.crate_only {
        return quote!(#attrs #skip pub(crate) mod #name;);
    }
    quote!(#attrs #skip pub mod #name;)
}

fn write_files(m: &emit::Module, dir: &str, root: bool, out: &mut Vec<(String, String)>) {
    let (path, child_dir) = if root {
        let base = if dir.is_empty() {
            String::new()
        } else {
            format!("{dir}/")
        };
        (format!("{base}src/lib.rs"), format!("{base}src"))
    } else if m.children.is_empty() {
        (format!("{dir}/{}.rs", m.name), String::new())
    } else {
        (
            format!("{dir}/{}/mod.rs", m.name),
            format!("{dir}/{}", m.name),
        )
    };
    let doc = inner_doc(&m.doc);
    let items = &m.items;
    let decls = m.children.iter().map(|c| mod_decl(c, root));
    let crate_attrs = if root {
        quote!(#![forbid(unsafe_code)] #![deny(missing_docs)])
    } else {
        quote!()
    };
    let text = render(quote!(#doc #crate_attrs #(#decls)* #items));
    out.push((path, header(m.source.as_deref()) + &text));
    for c in &m.children {
        write_files(c, &child_dir, false, out);
    }
}

fn inline(m: &emit::Module) -> TokenStream {
    let doc = inner_doc(&m.doc);
    let (attrs, items) = (&m.attrs, &m.items);
    let name = proc_macro2::Ident::new(&m.name, proc_macro2::Span::call_site());
    let children = m.children.iter().map(inline);
    let vis = if m.crate_only {
        quote!(pub(crate))
    } else {
        quote!(pub)
    };
    quote!(#attrs #vis mod #name { #doc #items #(#children)* })
}

/// The version of the generated crates that are not a service's (and of the runtime and
/// core): a service crate's is its changelog's (`changelog`).
const VERSION: &str = "0.1.0";

/// What a published crate's package says besides its name and description.
const PUBLISHED: &str = "edition.workspace = true\nrust-version.workspace = true\nlicense.workspace = true\nrepository.workspace = true\n";

/// Registry categories of the generated crates.
const CATEGORIES: &str = "categories = [\"api-bindings\", \"web-programming::http-client\"]\n";

/// `Cargo.toml` of one crate of the layout. Every crate but `generated-catalog` (test hooks
/// of them all) can be packaged: path dependencies carry their version.
fn cargo_toml(model: &model::Model, krate: &emit::CrateTree) -> String {
    let service = model
        .crates()
        .map(|(_, s)| s)
        .find(|s| s.crate_name() == krate.package);
    let version = service.map_or(VERSION.to_owned(), model::Service::crate_version);
    let head = |description: &str, publish: bool| {
        let publish = if publish { "" } else { "publish = false\n" };
        format!(
            "# @generated by `cargo xtask gen`; do not edit by hand.\n[package]\nname = \"{}\"\nversion = \"{version}\"\n{PUBLISHED}{publish}description = \"{description}\"\n",
            krate.package
        )
    };
    let protocols = |path: &str, features: &str| {
        format!(
            "generated-protocols = {{ path = \"{path}\", version = \"{VERSION}\"{features} }}\n"
        )
    };
    match krate.package.as_str() {
        "generated-protocols" => {
            head(
                "Wire protocols shared by the generated service crates: envelopes and common errors.",
                true,
            ) + "readme = \"README.md\"\n"
                + CATEGORIES
                + "\n[lib]\ndoctest = false\n\n[features]\n# Protocol facts for the emulator and spec-driven tests.\ncatalog = []\n\n[dependencies]\nruntime.workspace = true\n"
        }
        "generated" => {
            let crates: Vec<&model::Service> = model.crates().map(|(_, s)| s).collect();
            let mut features = String::from("default = []\n");
            for provider in model.providers() {
                let names: Vec<String> = crates
                    .iter()
                    .filter(|s| s.provider == provider)
                    .map(|s| format!("\"{}\"", s.crate_name()))
                    .collect();
                features.push_str(&format!("{provider} = [{}]\n", names.join(", ")));
            }
            let weak: Vec<String> = crates
                .iter()
                .map(|s| format!("\"{}?/catalog\"", s.crate_name()))
                .collect();
            features.push_str(&format!(
                "# Spec facts (parameters, samples, error codes) for the emulator and spec-driven tests.\ncatalog = [\"generated-protocols/catalog\", {}]\n",
                weak.join(", ")
            ));
            let deps: String = crates
                .iter()
                .map(|s| {
                    format!(
                        "{0} = {{ path = \"crates/{0}\", version = \"{1}\", optional = true }}\n",
                        s.crate_name(),
                        s.crate_version()
                    )
                })
                .collect();
            head(
                "Typed cloud SDK generated from specs/ by `cargo xtask gen`: every service crate behind a feature.",
                true,
            ) + "readme = \"README.md\"\n"
                + CATEGORIES
                + "\n[lib]\ndoctest = false\n\n[features]\n"
                + &features
                + "\n[dependencies]\nruntime.workspace = true\n"
                + &protocols("crates/protocols", "")
                + &deps
        }
        emit::CATALOG_CRATE => {
            let deps: String = model
                .crates()
                .map(|(_, s)| {
                    format!(
                        "{0} = {{ path = \"../{0}\", features = [\"catalog\"] }}\n",
                        s.crate_name()
                    )
                })
                .collect();
            head(
                "The catalog of every generated operation (each service crate's `catalog` feature), for emulators and the every-operation test.",
                false,
            ) + "\n[lib]\ntest = false\ndoctest = false\n\n[dependencies]\nruntime.workspace = true\n"
                + &protocols("../protocols", ", features = [\"catalog\"]")
                + &deps
        }
        _ => {
            let published = krate
                .published
                .as_ref()
                .expect("a service crate has its front page");
            let keywords: Vec<String> = published
                .keywords
                .iter()
                .map(|k| format!("\"{k}\""))
                .collect();
            // The front page's example is a doctest where the crate has a hand-written
            // operation (the curated services the tests compile); elsewhere the same template
            // and the catalog's example requests (the same builder code) are compiled instead.
            let curated = model
                .ops
                .iter()
                .any(|o| o.origin.is_none() && model.services[o.svc].crate_name() == krate.package);
            head(&published.description, true)
                + "readme = \"README.md\"\n"
                + &format!("keywords = [{}]\n", keywords.join(", "))
                + CATEGORIES
                + &format!("\n[lib]\ntest = false\ndoctest = {curated}\n")
                + "\n[features]\n# Spec facts (parameters, samples, error codes) for the emulator and spec-driven tests.\ncatalog = [\"generated-protocols/catalog\"]\n\n[dependencies]\nruntime.workspace = true\nserde.workspace = true\n"
                + &protocols("../protocols", "")
        }
    }
}

fn count_stats(model: &model::Model, spec_count: usize, files: &[(String, String)]) -> Stats {
    let lines = |keep: &dyn Fn(&str, &str) -> bool| -> usize {
        files
            .iter()
            .filter(|(p, t)| keep(p, t))
            .map(|(_, t)| t.lines().count())
            .sum()
    };
    Stats {
        specs: spec_count,
        operations: model.ops.len(),
        types: model.ops.iter().map(|o| o.types.len() + 3).sum::<usize>()
            + model.services.iter().map(|s| s.types.len()).sum::<usize>(),
        error_variants: model.ops.iter().map(|o| o.errors.len()).sum::<usize>()
            + model.services.iter().map(|s| s.errors.len()).sum::<usize>()
            + model
                .protocols
                .iter()
                .map(|p| p.errors.len())
                .sum::<usize>(),
        lines: lines(&|p, _| p.ends_with(".rs")),
        catalog_lines: lines(&|p, _| p.ends_with("/catalog.rs") || p.contains("/catalog/")),
        op_module_lines: {
            let headers: std::collections::HashSet<String> = model
                .ops
                .iter()
                .map(|o| header(Some(&o.spec_file)))
                .collect();
            lines(&|_, t| {
                t.split_inclusive('\n')
                    .next()
                    .is_some_and(|first| headers.contains(first))
            })
        },
        samples: sample::SampleStats::default(),
        phases: [0.0; 3],
        threads: 1,
    }
}

/// Generates the SDK crate from the specs of `input`.
pub fn generate(input: &Input) -> Result<Output, Diagnostics> {
    let started = std::time::Instant::now();
    let (model, samples) = load_counting(input)?;
    let loaded = started.elapsed();
    // Crates are independent: each worker emits and renders whole crates (token streams
    // never cross threads; only text does), so peak memory is one crate's tokens per worker.
    let jobs = emit::Emitter {
        model: &model,
        docs: docs::Docs::new(),
        root: quote!(crate),
        crates: true,
    }
    .crate_jobs();
    // Largest crates first, so that no worker is left with a big one at the end.
    let mut ops_per_crate = std::collections::HashMap::<String, usize>::new();
    for op in &model.ops {
        *ops_per_crate
            .entry(model.services[op.svc].crate_name())
            .or_default() += 1;
    }
    let weight = |job: &emit::CrateJob| match job {
        emit::CrateJob::Service(i) => ops_per_crate
            .get(&model.services[*i].crate_name())
            .copied()
            .unwrap_or(0),
        _ => 0,
    };
    let mut jobs = jobs;
    jobs.sort_by_key(|j| std::cmp::Reverse(weight(j)));
    let threads = workers(jobs.len());
    let model_ref = &model;
    let emitter = || emit::Emitter {
        model: model_ref,
        docs: docs::Docs::new(),
        root: quote!(crate),
        crates: true,
    };
    let mut files: Vec<(String, String)> = par_map_with(&jobs, emitter, |emitter, &job| {
        let mut out = Vec::new();
        crate_files(model_ref, &emitter.crate_of(job), &mut out);
        out
    })
    .into_iter()
    .flatten()
    .collect();
    files.sort();
    let rendered = started.elapsed();
    let specs = model.protocols.len()
        + model.ops.len()
        + model.services.iter().filter(|s| s.file.is_some()).count();
    let mut stats = count_stats(&model, specs, &files);
    stats.samples = samples;
    stats.threads = threads;
    stats.phases =
        [loaded, rendered - loaded, started.elapsed() - rendered].map(|d| d.as_secs_f64());
    Ok(Output { files, stats })
}

/// The files of one crate: its modules, `Cargo.toml`, its README (and a service crate's
/// changelog).
fn crate_files(model: &model::Model, krate: &emit::CrateTree, files: &mut Vec<(String, String)>) {
    write_files(&krate.root, &krate.dir, true, files);
    let base = if krate.dir.is_empty() {
        String::new()
    } else {
        format!("{}/", krate.dir)
    };
    files.push((format!("{base}Cargo.toml"), cargo_toml(model, krate)));
    if let Some(published) = &krate.published {
        files.push((
            format!("{base}README.md"),
            format!(
                "<!-- @generated by `cargo xtask gen`; do not edit by hand. -->\n{}\n",
                published.readme
            ),
        ));
        files.push((format!("{base}CHANGELOG.md"), published.changelog.clone()));
    }
    // The other crates' README is their crate doc under their name.
    if krate.published.is_none() {
        files.push((
            format!("{base}README.md"),
            format!(
                "<!-- @generated by `cargo xtask gen`; do not edit by hand. -->\n# {}\n\n{}\n",
                krate.package, krate.root.doc
            ),
        ));
    }
}

/// Generates the SDK as one file of nested modules, to `include!` inside module `root_path`
/// of another crate (the test build compiles the fixture corpus this way).
pub fn generate_inline(input: &Input, root_path: &str) -> Result<String, Diagnostics> {
    let model = load(input)?;
    let root: TokenStream = root_path.parse().unwrap_or_else(|_| quote!(crate));
    let emitter = emit::Emitter {
        model: &model,
        docs: docs::Docs::new(),
        root,
        crates: false,
    };
    let tree = emitter.crate_tree();
    let items = &tree.items;
    let children = tree.children.iter().map(inline);
    Ok(header(None) + &render(quote!(#items #(#children)*)))
}

/// Differences between the generated crate at `dir` and `files`, as unified diffs plus
/// stale-file lines; empty when in step. `cargo xtask gen --check` and the drift test both call it.
pub fn drift(dir: &Path, files: &[(String, String)]) -> std::io::Result<String> {
    let mut report = String::new();
    let mut on_disk = Vec::new();
    list_files(dir, dir, &mut on_disk)?;
    for (path, want) in files {
        let have = std::fs::read_to_string(dir.join(path))
            .unwrap_or_default()
            .replace("\r\n", "\n");
        if &have != want {
            let diff = similar::TextDiff::from_lines(&have, want);
            report.push_str(
                &diff
                    .unified_diff()
                    .context_radius(3)
                    .header(
                        &format!("a/generated/{path}"),
                        &format!("b/generated/{path}"),
                    )
                    .to_string(),
            );
        }
    }
    for path in on_disk {
        if !files.iter().any(|(p, _)| *p == path) {
            report.push_str(&format!(
                "stale file generated/{path} (no spec produces it)\n"
            ));
        }
    }
    Ok(report)
}

fn list_files(base: &Path, dir: &Path, out: &mut Vec<String>) -> std::io::Result<()> {
    if !dir.exists() {
        return Ok(());
    }
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            list_files(base, &path, out)?;
        } else if let Ok(rel) = path.strip_prefix(base) {
            out.push(
                rel.components()
                    .map(|c| c.as_os_str().to_string_lossy())
                    .collect::<Vec<_>>()
                    .join("/"),
            );
        }
    }
    Ok(())
}
