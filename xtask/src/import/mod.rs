//! `cargo xtask import tencent <CATALOG_DIR> [--errors <SDK_DIR>] [--examples-fallback <DIR>] [--service NAME]... [--out DIR]`
//!
//! Writes `specs/tencent/<service>/` (oldest version) and `.../<service>/v<date>/` (newer
//! ones) from the vendor catalogue. Files starting with `# @imported by` are the importer's;
//! any other `.yaml` is hand-written and never touched (an action it defines is skipped).
//! Everything is rendered in memory and checked first: on any problem nothing is written.
//! Only files whose bytes change are written (temp file + rename); stale importer-owned
//! files are deleted last.

pub mod huawei;
pub mod huawei_go;
pub mod huawei_out;
pub mod overlay;
pub mod paging;
pub mod repair;
mod report;
mod secrets;
mod spec_line;
pub mod tencent;
pub mod ucloud;
pub mod ucloud_out;
pub mod yaml_out;

#[cfg(test)]
mod huawei_tests;
#[cfg(test)]
mod prop_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod ucloud_tests;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Instant;

use yaml_out::Stats;

/// Verbs of operations that only read. The one idempotency rule of every importer (stated
/// in `specs/README.md`): an operation whose name starts with one of them, as a whole word,
/// is `idempotent: true` (its failures may be retried), unless its overlay says otherwise or
/// the vendor's SDK turns retries off for it (UCloud's `max_retries = 0`). Huawei's `GET` and
/// `HEAD` operations are idempotent whatever their name.
pub const READ_VERBS: &[&str] = &[
    "Describe", "Get", "List", "Query", "Check", "Show", "Inquire", "Inquiry", "Search", "Fetch",
    "Lookup", "Count", "Preview", "Verify", "Validate",
];

/// Whether `operation` starts with a read verb (a whole word: `Get`, not `Getaway`).
pub fn reads(operation: &str) -> bool {
    READ_VERBS.iter().any(|v| {
        operation.strip_prefix(v).is_some_and(|rest| {
            rest.is_empty() || rest.starts_with(|c: char| !c.is_ascii_lowercase())
        })
    })
}

pub const USAGE: &str = "cargo xtask import tencent <CATALOG_DIR> [--errors <SDK_DIR>] [--examples-fallback <DIR>] [--service NAME]... [--out DIR] [--report FILE]\n       cargo xtask import huawei <SITE_DIR> [--go <GO_SDK_DIR>] [--service NAME]... [--out DIR] [--report FILE]\n       cargo xtask import ucloud <SDK_DIR> [--service NAME]... [--out DIR] [--report FILE]";

pub(crate) const MARK: &str = "# @imported by";

#[derive(Debug, Clone)]
pub struct Opts {
    pub catalog: PathBuf,
    pub errors: Option<PathBuf>,
    /// Another edition's `tccli/services/` (the Chinese `tccli`), whose example stands in for
    /// one of this edition's that is not JSON (see `yaml_out::fallback_example`).
    pub examples_fallback: Option<PathBuf>,
    pub services: Vec<String>,
    pub out: PathBuf,
}

#[derive(Debug, Default, Clone)]
pub struct Summary {
    pub services: usize,
    pub versions: usize,
    pub stats: Stats,
    pub written: usize,
    pub unchanged: usize,
    pub deleted: usize,
    /// What the import changed for each crate's users (`report`).
    pub reports: Vec<report::CrateReport>,
}

pub fn parse_args(root: &Path, args: &[String]) -> Result<Opts, String> {
    let usage = || format!("usage: {USAGE}");
    let mut it = args.iter();
    if it.next().map(String::as_str) != Some("tencent") {
        return Err(usage());
    }
    let mut catalog = None;
    let mut opts = Opts {
        catalog: PathBuf::new(),
        errors: None,
        examples_fallback: None,
        services: Vec::new(),
        out: root.join("specs/tencent"),
    };
    while let Some(a) = it.next() {
        match a.as_str() {
            "--errors" => opts.errors = Some(it.next().ok_or_else(usage)?.into()),
            "--examples-fallback" => {
                opts.examples_fallback = Some(it.next().ok_or_else(usage)?.into());
            }
            "--service" => opts.services.push(it.next().ok_or_else(usage)?.clone()),
            "--out" => opts.out = it.next().ok_or_else(usage)?.into(),
            s if !s.starts_with("--") && catalog.is_none() => catalog = Some(PathBuf::from(s)),
            _ => return Err(usage()),
        }
    }
    opts.catalog = catalog.ok_or_else(usage)?;
    Ok(opts)
}

pub fn run(root: &Path, args: &[String]) -> Result<(), String> {
    // `--report FILE`, for every importer: the API change report as Markdown.
    let mut args = args.to_vec();
    let report = match args.iter().position(|a| a == "--report") {
        Some(i) if i + 1 < args.len() => {
            let file = PathBuf::from(args.remove(i + 1));
            args.remove(i);
            Some(file)
        }
        Some(_) => return Err(format!("usage: {USAGE}")),
        None => None,
    };
    let reports = match args.first().map(String::as_str) {
        Some("huawei") => run_huawei(root, &args[1..])?,
        Some("ucloud") => run_ucloud(root, &args[1..])?,
        _ => run_tencent(root, &args)?,
    };
    for line in report::summary_lines(&reports) {
        println!("{line}");
    }
    if let Some(file) = report {
        std::fs::write(&file, report::markdown(&reports))
            .map_err(|e| format!("{}: cannot write the report: {e}", file.display()))?;
        println!("api change report: {}", file.display());
    }
    Ok(())
}

fn run_tencent(root: &Path, args: &[String]) -> Result<Vec<report::CrateReport>, String> {
    let started = Instant::now();
    let opts = parse_args(root, args)?;
    let s = import(&opts)?;
    let t = s.stats;
    println!(
        "import tencent: {} services, {} versions, {} operations ({} skipped: hand-written; {} idempotent: read verbs; {} paginated), {} types, {} error codes, examples {} ok / {} error samples / {} invalid / {} empty ({} mended into JSON, {} from the fallback edition, {} put back in their envelope), files {} written / {} unchanged / {} deleted, {:.2} s",
        s.services,
        s.versions,
        t.operations,
        t.skipped,
        t.idempotent,
        t.paginated,
        t.types,
        t.error_codes,
        t.ex_ok,
        t.ex_error,
        t.ex_invalid,
        t.ex_empty,
        t.ex_repaired,
        t.ex_fallback,
        t.ex_enveloped,
        s.written,
        s.unchanged,
        s.deleted,
        started.elapsed().as_secs_f64()
    );
    Ok(s.reports)
}

/// What a spec directory holds now.
#[derive(Default)]
struct Existing {
    /// Importer-owned `.yaml` files and everything under `examples/`.
    owned: Vec<PathBuf>,
    /// Hand-written `.yaml` file names (not the overlay) with their `operation:`.
    hand: BTreeMap<String, Option<String>>,
}

fn is_owned(path: &Path) -> bool {
    use std::io::Read;
    let mut buf = [0u8; MARK.len()];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut buf))
        .is_ok_and(|()| buf == MARK.as_bytes())
}

fn operation_of(path: &Path) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    text.lines().find_map(|l| {
        let v = l.strip_prefix("operation:")?.trim();
        let v = v.split(" #").next().unwrap_or(v).trim();
        Some(v.trim_matches(|c| c == '"' || c == '\'').to_owned())
    })
}

/// The `http: { method: M, path: "P" }` of a spec file, if it has one on a line.
fn http_of(path: &Path) -> Option<(String, String)> {
    let text = std::fs::read_to_string(path).ok()?;
    let line = text.lines().find(|l| l.starts_with("http:"))?;
    let method = line.split("method:").nth(1)?.split(',').next()?.trim();
    let path = line
        .split("path:")
        .nth(1)?
        .trim()
        .trim_end_matches('}')
        .trim();
    Some((
        method.to_owned(),
        path.trim_matches(|c| c == '"' || c == '\'').to_owned(),
    ))
}

fn scan(dir: &Path) -> Existing {
    let mut ex = Existing::default();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        let name = e.file_name().to_string_lossy().into_owned();
        if p.is_file() && name.ends_with(".yaml") && name != "overlay.yaml" {
            if is_owned(&p) {
                ex.owned.push(p);
            } else {
                ex.hand.insert(name, operation_of(&p));
            }
        }
    }
    for e in std::fs::read_dir(dir.join("examples"))
        .into_iter()
        .flatten()
        .flatten()
    {
        if e.path().is_file() {
            ex.owned.push(e.path());
        }
    }
    ex
}

/// Version directories under a service directory (`v<date>/`), besides the directory itself.
fn version_dirs(service_dir: &Path) -> Vec<PathBuf> {
    let mut out = vec![service_dir.to_path_buf()];
    for e in std::fs::read_dir(service_dir)
        .into_iter()
        .flatten()
        .flatten()
    {
        let name = e.file_name().to_string_lossy().into_owned();
        if e.path().is_dir() && tencent::is_version_dir(&name) {
            out.push(e.path());
        }
    }
    out
}

pub fn import(opts: &Opts) -> Result<Summary, String> {
    let tool = format!("tccli-intl-en {}", tencent::tool_version(&opts.catalog)?);
    let all = tencent::list(&opts.catalog)?;
    let mut problems = Vec::new();
    let mut wanted: BTreeMap<&String, &Vec<String>> = BTreeMap::new();
    if opts.services.is_empty() {
        wanted.extend(all.iter());
    } else {
        for s in &opts.services {
            match all.get_key_value(s) {
                Some((k, v)) => {
                    wanted.insert(k, v);
                }
                None => problems.push(format!(
                    "{}: no service {s:?} (no {s}/v<date>/api.json)",
                    opts.catalog.display()
                )),
            }
        }
    }
    // Directories whose stale importer-owned files may be deleted.
    let mut scan_dirs: BTreeSet<PathBuf> = BTreeSet::new();
    if opts.services.is_empty() {
        for e in std::fs::read_dir(&opts.out).into_iter().flatten().flatten() {
            if e.path().is_dir() {
                scan_dirs.extend(version_dirs(&e.path()));
            }
        }
    }
    let mut plans = Vec::new();
    let mut summary = Summary::default();
    for (service, versions) in &wanted {
        summary.services += 1;
        scan_dirs.extend(version_dirs(&opts.out.join(service)));
        for (i, v) in versions.iter().enumerate() {
            summary.versions += 1;
            let dir = if i == 0 {
                opts.out.join(service)
            } else {
                opts.out.join(service).join(v)
            };
            let Some(api) = tencent::load(
                &opts.catalog,
                opts.errors.as_deref(),
                opts.examples_fallback.as_deref(),
                service,
                v,
                &mut problems,
            ) else {
                continue;
            };
            let existing = scan(&dir);
            let mut skip = BTreeSet::new();
            if existing.hand.contains_key("service.yaml") {
                problems.push(format!(
                    "{}: hand-written; the importer will not replace it (rename it, or start it with `{MARK}`)",
                    dir.join("service.yaml").display()
                ));
            }
            let hand_ops: BTreeSet<&str> = existing
                .hand
                .values()
                .flatten()
                .map(String::as_str)
                .collect();
            for a in api.actions.keys() {
                let sn = codegen::naming::snake(a);
                if sn == "service" || sn == "overlay" {
                    problems.push(format!(
                        "{}/api.json: $.actions.{a}: its file would be {sn}.yaml",
                        api.rel()
                    ));
                }
                if hand_ops.contains(a.as_str())
                    || existing.hand.contains_key(&format!("{sn}.yaml"))
                {
                    skip.insert(a.clone());
                }
            }
            let ov = read_overlay(&dir, &mut problems, |ov| overlay::check(ov, &api, &skip));
            plans.push((dir, api, skip, ov));
        }
    }
    if !problems.is_empty() {
        let n = problems.len();
        problems.push(format!("{n} problem(s); nothing written"));
        return Err(problems.join("\n"));
    }
    let mut files: Vec<(PathBuf, Vec<u8>)> = Vec::new();
    for (dir, api, skip, ov) in &plans {
        let r = yaml_out::Render {
            api,
            tool: &tool,
            skip,
            overlay: ov.as_ref().map(|(ov, _)| ov),
            overlay_digest: ov.as_ref().map(|(_, d)| d.as_str()),
        };
        for (rel, bytes) in yaml_out::render(&r, &mut summary.stats) {
            files.push((dir.join(rel), bytes));
        }
    }
    write_all(files, &scan_dirs, &mut summary)?;
    Ok(summary)
}

/// The `overlay.yaml` of `dir`, parsed and checked by `check`, with its digest; its
/// problems (located) go to `problems`. `None` when there is none.
fn read_overlay(
    dir: &Path,
    problems: &mut Vec<String>,
    check: impl FnOnce(&overlay::Overlay) -> Vec<String>,
) -> Option<(overlay::Overlay, String)> {
    let path = dir.join("overlay.yaml");
    match std::fs::read_to_string(&path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => {
            problems.push(format!("{}: cannot read: {e}", path.display()));
            None
        }
        Ok(text) => {
            let (ov, errs) = overlay::parse(&path.display().to_string(), &text);
            problems.extend(errs);
            problems.extend(check(&ov));
            Some((ov, overlay::digest(&text)))
        }
    }
}

/// Writes the rendered `files` and deletes the importer-owned files of `scan_dirs` that
/// are no longer produced: every changed file is staged first, then renamed into place.
pub(crate) fn write_all(
    mut files: Vec<(PathBuf, Vec<u8>)>,
    scan_dirs: &BTreeSet<PathBuf>,
    summary: &mut Summary,
) -> Result<(), String> {
    // What changes for the crates' users, and a release in each changed crate's CHANGELOG.md,
    // written with the specs.
    summary.reports = report::releases(&mut files, scan_dirs)?;
    let files = &files;
    let produced: BTreeSet<&Path> = files.iter().map(|(p, _)| p.as_path()).collect();
    let mut stale = Vec::new();
    for d in scan_dirs {
        stale.extend(
            scan(d)
                .owned
                .into_iter()
                .filter(|p| !produced.contains(p.as_path())),
        );
    }
    // Every changed file is staged beside its final path first; only when all are staged
    // do they move into place (a rename each), so a full disk or a read-only directory
    // leaves the specs as they were.
    let mut staged: Vec<(PathBuf, &Path)> = Vec::new();
    for (path, bytes) in files {
        if std::fs::read(path).is_ok_and(|old| old == *bytes) {
            summary.unchanged += 1;
            continue;
        }
        match stage(path, bytes) {
            Ok(tmp) => staged.push((tmp, path)),
            Err(e) => {
                for (tmp, _) in &staged {
                    let _ = std::fs::remove_file(tmp);
                }
                return Err(format!("{}: cannot write: {e}", path.display()));
            }
        }
    }
    for (i, (tmp, path)) in staged.iter().enumerate() {
        if let Err(e) = std::fs::rename(tmp, path) {
            for (tmp, _) in &staged[i..] {
                let _ = std::fs::remove_file(tmp);
            }
            return Err(format!(
                "{}: cannot write: {e} ({i} of {} changed files were written)",
                path.display(),
                staged.len()
            ));
        }
        summary.written += 1;
    }
    for p in stale {
        std::fs::remove_file(&p).map_err(|e| format!("{}: cannot delete: {e}", p.display()))?;
        summary.deleted += 1;
        if let Some(parent) = p.parent().filter(|d| d.ends_with("examples")) {
            // Only succeeds when empty.
            let _ = std::fs::remove_dir(parent);
        }
    }
    Ok(())
}

/// Writes `bytes` to a temporary file beside `path` (created with its directory) and
/// returns the temporary file's path, for a rename into place.
fn stage(path: &Path, bytes: &[u8]) -> std::io::Result<PathBuf> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.import-tmp"));
    std::fs::write(&tmp, bytes).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })?;
    Ok(tmp)
}

/// `cargo xtask import huawei <SITE_DIR> [--service NAME]... [--out DIR]`: `SITE_DIR` holds
/// the unpacked `huaweicloudsdk<service>` wheels.
fn run_huawei(root: &Path, args: &[String]) -> Result<Vec<report::CrateReport>, String> {
    let started = Instant::now();
    let usage = || format!("usage: {USAGE}");
    let (mut site, mut services, mut out) = (None, Vec::new(), root.join("specs/huawei"));
    let mut go: Option<PathBuf> = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--service" => services.push(it.next().ok_or_else(usage)?.clone()),
            "--go" => go = Some(it.next().ok_or_else(usage)?.into()),
            "--out" => out = it.next().ok_or_else(usage)?.into(),
            s if !s.starts_with("--") && site.is_none() => site = Some(PathBuf::from(s)),
            _ => return Err(usage()),
        }
    }
    let site = site.ok_or_else(usage)?;
    let (summary, stats) = import_huawei(&site, go.as_deref(), &services, &out)?;
    for r in &stats.refusals {
        println!("refused: {r}");
    }
    let refused: usize = stats.refused.values().sum();
    let causes: Vec<String> = stats
        .refused
        .iter()
        .map(|(why, n)| format!("{n} {why}"))
        .collect();
    println!(
        "import huawei: {} services, {} versions ({} with every operation refused: not written), {} operations ({} skipped: hand-written; {refused} refused: {}; {} paginated), {} types, {} error codes from overlays, {} response fields read from headers, Go SDK facts for {} models ({} differ from the Python SDK's: not used), files {} written / {} unchanged / {} deleted, {:.2} s",
        summary.services,
        summary.versions,
        stats.empty_versions,
        stats.operations,
        stats.skipped,
        if causes.is_empty() {
            "none".into()
        } else {
            causes.join(", ")
        },
        stats.paginated,
        stats.types,
        stats.error_codes,
        stats.response_headers,
        stats.go_applied,
        stats.go_differ,
        summary.written,
        summary.unchanged,
        summary.deleted,
        started.elapsed().as_secs_f64()
    );
    Ok(summary.reports)
}

/// `v3`, `v5`: a further API version's directory under a Huawei service's.
fn is_huawei_version(name: &str) -> bool {
    name.strip_prefix('v')
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// Imports the Huawei services `services` (every one when empty) of the unpacked wheels in
/// `site` into `out`, with the Go SDK at `go` as a second input when given.
pub fn import_huawei(
    site: &Path,
    go: Option<&Path>,
    services: &[String],
    out: &Path,
) -> Result<(Summary, huawei_out::HwStats), String> {
    let all = huawei::list(site)?;
    let mut problems = Vec::new();
    let wanted: Vec<(&String, &Vec<String>)> = if services.is_empty() {
        all.iter().collect()
    } else {
        services
            .iter()
            .filter_map(|s| {
                let found = all.get_key_value(s);
                if found.is_none() {
                    problems.push(format!(
                        "{}: no service {s:?} (no huaweicloudsdk{s}/v<N>/{s}_client.py)",
                        site.display()
                    ));
                }
                found
            })
            .collect()
    };
    let mut summary = Summary::default();
    let mut stats = huawei_out::HwStats::default();
    let mut scan_dirs = BTreeSet::new();
    let mut plans = Vec::new();
    let go_version = match go.map(huawei_go::version).transpose() {
        Ok(v) => v,
        Err(e) => {
            problems.push(e);
            None
        }
    };
    for (service, versions) in wanted {
        summary.services += 1;
        let base = out.join(huawei::spec_service(service));
        scan_dirs.insert(base.clone());
        for e in std::fs::read_dir(&base).into_iter().flatten().flatten() {
            if e.path().is_dir() && is_huawei_version(&e.file_name().to_string_lossy()) {
                scan_dirs.insert(e.path());
            }
        }
        let tool = match huawei::package_version(site, &format!("huaweicloudsdk{service}")) {
            Ok(v) => match &go_version {
                Some(g) => format!("huaweicloudsdk{service} {v} and huaweicloud-sdk-go-v3 {g}"),
                None => format!("huaweicloudsdk{service} {v}"),
            },
            Err(e) => {
                problems.push(e);
                continue;
            }
        };
        for (i, version) in versions.iter().enumerate() {
            summary.versions += 1;
            let dir = if i == 0 {
                base.clone()
            } else {
                base.join(version)
            };
            let mut v = match huawei::load(site, service, version) {
                Ok(v) => v,
                Err(errs) => {
                    problems.extend(errs);
                    continue;
                }
            };
            if let Some(go) = go {
                match huawei_go::load(go, service, version) {
                    Ok(models) => {
                        let (applied, differ) = huawei::apply_go(&mut v, &models);
                        stats.go_applied += applied;
                        stats.go_differ += differ;
                    }
                    Err(e) => problems.push(e),
                }
            }
            let existing = scan(&dir);
            if existing.hand.contains_key("service.yaml") {
                problems.push(format!(
                    "{}: hand-written; the importer will not replace it (rename it, or start it with `{MARK}`)",
                    dir.join("service.yaml").display()
                ));
            }
            // A hand-written spec wins over the operation of the same name, file or method
            // and path (DDS `download-file` is the SDK's `ShowBackupDownloadLink`).
            let hand_http: BTreeSet<(String, String)> = existing
                .hand
                .keys()
                .filter_map(|f| http_of(&dir.join(f)))
                .collect();
            let skip: BTreeSet<String> = v
                .ops
                .iter()
                .filter(|o| {
                    existing.hand.values().flatten().any(|h| *h == o.name)
                        || existing
                            .hand
                            .contains_key(&format!("{}.yaml", codegen::naming::snake(&o.name)))
                        || hand_http.contains(&(o.method.clone(), o.path.clone()))
                })
                .map(|o| o.name.clone())
                .collect();
            let ov = read_overlay(&dir, &mut problems, |ov| {
                huawei_out::check_overlay(ov, &v, &skip)
            });
            plans.push((dir, v, tool.clone(), skip, ov));
        }
    }
    if !problems.is_empty() {
        let n = problems.len();
        problems.push(format!("{n} problem(s); nothing written"));
        return Err(problems.join("\n"));
    }
    let mut files = Vec::new();
    for (dir, v, tool, skip, ov) in &plans {
        let ov = ov.as_ref().map(|(ov, digest)| (ov, digest.as_str()));
        for (rel, bytes) in huawei_out::render(v, tool, skip, ov, &mut stats) {
            files.push((dir.join(rel), bytes));
        }
    }
    write_all(files, &scan_dirs, &mut summary)?;
    Ok((summary, stats))
}

/// `cargo xtask import ucloud <SDK_DIR> [--service NAME]... [--out DIR]`: `SDK_DIR` holds
/// the unpacked `ucloud-sdk-python3` wheel (its `ucloud/` package).
fn run_ucloud(root: &Path, args: &[String]) -> Result<Vec<report::CrateReport>, String> {
    let started = Instant::now();
    let usage = || format!("usage: {USAGE}");
    let (mut site, mut services, mut out) = (None, Vec::new(), root.join("specs/ucloud"));
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--service" => services.push(it.next().ok_or_else(usage)?.clone()),
            "--out" => out = it.next().ok_or_else(usage)?.into(),
            s if !s.starts_with("--") && site.is_none() => site = Some(PathBuf::from(s)),
            _ => return Err(usage()),
        }
    }
    let site = site.ok_or_else(usage)?;
    let (summary, stats) = import_ucloud(&site, &services, &out)?;
    println!(
        "import ucloud: {} services, {} operations ({} skipped: hand-written; {} idempotent: read verbs the SDK retries; {} the SDK never retries; {} paginated), {} types, {} base64 fields, {} Unix-seconds timestamps, {} error codes from overlays, files {} written / {} unchanged / {} deleted, {:.2} s",
        summary.services,
        stats.operations,
        stats.skipped,
        stats.idempotent,
        stats.no_retry,
        stats.paginated,
        stats.types,
        stats.base64,
        stats.unix_seconds,
        stats.error_codes,
        summary.written,
        summary.unchanged,
        summary.deleted,
        started.elapsed().as_secs_f64()
    );
    Ok(summary.reports)
}

/// Imports the UCloud services `services` (every one when empty) of the unpacked SDK in
/// `site` into `out`.
pub fn import_ucloud(
    site: &Path,
    services: &[String],
    out: &Path,
) -> Result<(Summary, ucloud_out::UStats), String> {
    let all = ucloud::list(site)?;
    let mut problems = Vec::new();
    let wanted: Vec<&String> = if services.is_empty() {
        all.iter().collect()
    } else {
        services
            .iter()
            .filter_map(|s| {
                let found = all.iter().find(|a| *a == s);
                if found.is_none() {
                    problems.push(format!(
                        "{}: no service {s:?} (no ucloud/services/{s}/client.py)",
                        site.display()
                    ));
                }
                found
            })
            .collect()
    };
    let tool = format!("ucloud-sdk-python3 {}", ucloud::package_version(site)?);
    let mut summary = Summary::default();
    let mut stats = ucloud_out::UStats::default();
    let mut scan_dirs = BTreeSet::new();
    if services.is_empty() {
        for e in std::fs::read_dir(out).into_iter().flatten().flatten() {
            if e.path().is_dir() {
                scan_dirs.insert(e.path());
            }
        }
    }
    let mut plans = Vec::new();
    for service in wanted {
        summary.services += 1;
        summary.versions += 1;
        let dir = out.join(ucloud_out::spec_service(service));
        scan_dirs.insert(dir.clone());
        let s = match ucloud::load(site, service) {
            Ok(s) => s,
            Err(errs) => {
                problems.extend(errs);
                continue;
            }
        };
        let existing = scan(&dir);
        if existing.hand.contains_key("service.yaml") {
            problems.push(format!(
                "{}: hand-written; the importer will not replace it (rename it, or start it with `{MARK}`)",
                dir.join("service.yaml").display()
            ));
        }
        // A hand-written spec wins over the action of the same name or file.
        let skip: BTreeSet<String> = s
            .actions
            .iter()
            .filter(|a| {
                existing.hand.values().flatten().any(|h| *h == a.name)
                    || existing
                        .hand
                        .contains_key(&format!("{}.yaml", codegen::naming::snake(&a.name)))
            })
            .map(|a| a.name.clone())
            .collect();
        for a in &s.actions {
            let sn = codegen::naming::snake(&a.name);
            if sn == "service" || sn == "overlay" {
                problems.push(format!("{}: {}: its file would be {sn}.yaml", a.at, a.name));
            }
        }
        let ov = read_overlay(&dir, &mut problems, |ov| {
            ucloud_out::check_overlay(ov, &s, &skip)
        });
        plans.push((dir, s, skip, ov));
    }
    if !problems.is_empty() {
        let n = problems.len();
        problems.push(format!("{n} problem(s); nothing written"));
        return Err(problems.join("\n"));
    }
    let mut files = Vec::new();
    for (dir, s, skip, ov) in &plans {
        let ov = ov.as_ref().map(|(ov, digest)| (ov, digest.as_str()));
        for (rel, bytes) in ucloud_out::render(s, &tool, skip, ov, &mut stats) {
            files.push((dir.join(rel), bytes));
        }
    }
    write_all(files, &scan_dirs, &mut summary)?;
    Ok((summary, stats))
}
