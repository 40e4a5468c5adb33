//! What an import changes for the users of each generated crate: the specs it is about to
//! write compared with the committed ones, as a list of changes each marked breaking or
//! additive (the rules are in `specs/README.md`), a release added to the service's
//! `CHANGELOG.md` (whose newest heading `gen` takes as the crate's version), and, with
//! `--report FILE`, a Markdown report.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use codegen::changelog::{self, Version};
use codegen::spec::{FieldSpec, TypeBody, TypeSpec};

/// A field as users see it: its type and whether it is required.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Field {
    ty: String,
    required: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Type {
    Object(BTreeMap<String, Field>),
    Enum(BTreeSet<String>),
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Op {
    request: BTreeMap<String, Field>,
    response: BTreeMap<String, Field>,
}

/// The API of one crate's specs: operations, named types and error codes, by wire name.
#[derive(Debug, Default)]
struct Api {
    ops: BTreeMap<String, Op>,
    types: BTreeMap<String, Type>,
    errors: BTreeSet<String>,
}

fn fields(list: &[FieldSpec]) -> BTreeMap<String, Field> {
    list.iter()
        .map(|f| {
            let field = Field {
                ty: f.ty.value.clone(),
                required: f.required,
            };
            (f.name.value.clone(), field)
        })
        .collect()
}

impl Api {
    fn add_types(&mut self, types: &[TypeSpec]) {
        for t in types {
            let ty = match &t.body {
                TypeBody::Object(f) => Type::Object(fields(f)),
                TypeBody::Enum(values) => {
                    Type::Enum(values.iter().map(|v| v.value.value.clone()).collect())
                }
            };
            self.types.insert(t.name.value.clone(), ty);
        }
    }

    /// Reads spec files (path, text); one that does not parse is left out (gen refuses it).
    fn read<'a>(files: impl Iterator<Item = (&'a Path, &'a [u8])>) -> Self {
        let mut api = Api::default();
        for (path, bytes) in files {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy())
                .unwrap_or_default();
            if !name.ends_with(".yaml") || name == "overlay.yaml" {
                continue;
            }
            let shown = path.to_string_lossy();
            let Ok(text) = std::str::from_utf8(bytes) else {
                continue;
            };
            let Ok(node) = codegen::yaml::parse(&shown, text) else {
                continue;
            };
            // A file the spec reader finds fault with is left out as well.
            let mut diags = codegen::Diagnostics::default();
            if name == "service.yaml" {
                if let Some(s) = codegen::spec::read_service(&shown, &node, &mut diags)
                    && diags.is_empty()
                {
                    api.add_types(&s.types);
                    api.errors
                        .extend(s.errors.iter().map(|e| e.code.value.clone()));
                }
            } else if let Some(op) = codegen::spec::read_op(&shown, &node, &mut diags)
                && diags.is_empty()
            {
                api.add_types(&op.types);
                api.errors
                    .extend(op.errors.iter().map(|e| e.code.value.clone()));
                let shape = Op {
                    request: fields(&op.request),
                    response: fields(&op.response),
                };
                api.ops.insert(op.operation.value, shape);
            }
        }
        api
    }

    /// Named types a request reaches (their struct literals break when a field is added).
    fn in_requests(&self) -> BTreeSet<&str> {
        let mut seen = BTreeSet::new();
        let mut todo: Vec<&str> = self
            .ops
            .values()
            .flat_map(|o| o.request.values())
            .flat_map(|f| type_names(&f.ty))
            .collect();
        while let Some(name) = todo.pop() {
            let Some((name, ty)) = self.types.get_key_value(name) else {
                continue;
            };
            if seen.insert(name.as_str())
                && let Type::Object(fields) = ty
            {
                todo.extend(fields.values().flat_map(|f| type_names(&f.ty)));
            }
        }
        seen
    }
}

/// The words of a spec type (`list<BackupInfo>` → `list`, `BackupInfo`).
fn type_names(ty: &str) -> impl Iterator<Item = &str> {
    ty.split(|c: char| !c.is_alphanumeric() && c != '_')
        .filter(|w| !w.is_empty())
}

/// One change, as a user of the crate meets it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Change {
    pub breaking: bool,
    pub text: String,
}

/// The changes of one crate and the release they make.
#[derive(Clone, Debug)]
pub struct CrateReport {
    /// Its package (`tencent-cdb`).
    pub name: String,
    pub changes: Vec<Change>,
    /// Its version before and after (the same when nothing changed).
    pub from: Version,
    pub to: Version,
}

impl CrateReport {
    pub fn breaking(&self) -> usize {
        self.changes.iter().filter(|c| c.breaking).count()
    }
}

/// `old` → `new` of one field list (`what`: "`Op` request"); `literal`: adding a field
/// breaks code that spells the struct out (requests' named types).
fn diff_fields(
    what: &str,
    old: &BTreeMap<String, Field>,
    new: &BTreeMap<String, Field>,
    request: bool,
    literal: bool,
    out: &mut Vec<Change>,
) {
    let mut removed: Vec<(&String, &Field)> =
        old.iter().filter(|(k, _)| !new.contains_key(*k)).collect();
    let mut added: Vec<(&String, &Field)> =
        new.iter().filter(|(k, _)| !old.contains_key(*k)).collect();
    // One removed and one added field of the same type and requirement: a rename.
    if let ([(from, a)], [(to, b)]) = (removed.as_slice(), added.as_slice())
        && a == b
    {
        out.push(Change {
            breaking: true,
            text: format!("{what}: field `{from}` renamed to `{to}`"),
        });
        removed.clear();
        added.clear();
    }
    for (name, _) in removed {
        out.push(Change {
            breaking: true,
            text: format!("{what}: field `{name}` removed"),
        });
    }
    for (name, f) in added {
        let required = request && f.required;
        let why = if literal && !required {
            "; code that spells out this request structure must name it"
        } else {
            ""
        };
        out.push(Change {
            breaking: required || literal,
            text: format!(
                "{what}: field `{name}` added ({}, `{}`{why})",
                if f.required { "required" } else { "optional" },
                f.ty
            ),
        });
    }
    for (name, a) in old {
        let Some(b) = new.get(name) else { continue };
        if a.ty != b.ty {
            out.push(Change {
                breaking: true,
                text: format!(
                    "{what}: field `{name}` changed type `{}` → `{}`",
                    a.ty, b.ty
                ),
            });
        }
        if a.required != b.required {
            out.push(Change {
                breaking: true,
                text: format!(
                    "{what}: field `{name}` {}",
                    if b.required {
                        "now required"
                    } else {
                        "no longer required"
                    }
                ),
            });
        }
    }
}

fn diff(old: &Api, new: &Api) -> Vec<Change> {
    let mut out = Vec::new();
    let mut removed: Vec<&String> = old
        .ops
        .keys()
        .filter(|k| !new.ops.contains_key(*k))
        .collect();
    let mut added: Vec<&String> = new
        .ops
        .keys()
        .filter(|k| !old.ops.contains_key(*k))
        .collect();
    // An operation gone and one new with the same request and response: a rename.
    for from in removed.clone() {
        let shape = &old.ops[from];
        if shape == &Op::default() {
            continue;
        }
        let same: Vec<&String> = added
            .iter()
            .copied()
            .filter(|a| &new.ops[*a] == shape)
            .collect();
        if let [to] = same.as_slice() {
            out.push(Change {
                breaking: true,
                text: format!("operation `{from}` renamed to `{to}`"),
            });
            removed.retain(|r| *r != from);
            added.retain(|a| a != to);
        }
    }
    for op in removed {
        out.push(Change {
            breaking: true,
            text: format!("operation `{op}` removed"),
        });
    }
    for op in added {
        out.push(Change {
            breaking: false,
            text: format!("operation `{op}` added"),
        });
    }
    for (name, a) in &old.ops {
        let Some(b) = new.ops.get(name) else { continue };
        diff_fields(
            &format!("`{name}` request"),
            &a.request,
            &b.request,
            true,
            false,
            &mut out,
        );
        diff_fields(
            &format!("`{name}` response"),
            &a.response,
            &b.response,
            false,
            false,
            &mut out,
        );
    }
    let literal = new.in_requests();
    for (name, a) in &old.types {
        let Some(b) = new.types.get(name) else {
            out.push(Change {
                breaking: true,
                text: format!("type `{name}` removed"),
            });
            continue;
        };
        match (a, b) {
            (Type::Object(a), Type::Object(b)) => {
                let lit = literal.contains(name.as_str());
                diff_fields(&format!("type `{name}`"), a, b, lit, lit, &mut out);
            }
            (Type::Enum(a), Type::Enum(b)) => {
                for v in a.difference(b) {
                    out.push(Change {
                        breaking: true,
                        text: format!("enum `{name}`: value `{v}` removed"),
                    });
                }
                for v in b.difference(a) {
                    out.push(Change {
                        breaking: false,
                        text: format!("enum `{name}`: value `{v}` added"),
                    });
                }
            }
            _ => out.push(Change {
                breaking: true,
                text: format!("type `{name}` changed between a structure and an enum"),
            }),
        }
    }
    for name in new.types.keys().filter(|k| !old.types.contains_key(*k)) {
        out.push(Change {
            breaking: false,
            text: format!("type `{name}` added"),
        });
    }
    for code in old.errors.difference(&new.errors) {
        out.push(Change {
            breaking: true,
            text: format!("error code `{code}` removed"),
        });
    }
    for code in new.errors.difference(&old.errors) {
        out.push(Change {
            breaking: false,
            text: format!("error code `{code}` added"),
        });
    }
    // Breaking first, each group in a stable order.
    out.sort_by(|a, b| {
        b.breaking
            .cmp(&a.breaking)
            .then_with(|| a.text.cmp(&b.text))
    });
    out
}

/// The crate directory of a spec directory: the service's, not a further API version's
/// (`specs/tencent/clb/v20230417` → `specs/tencent/clb`).
fn crate_dir(dir: &Path, new_files: &BTreeMap<&Path, &[u8]>) -> PathBuf {
    match dir.parent() {
        Some(parent)
            if parent.join("service.yaml").is_file()
                || new_files.contains_key(parent.join("service.yaml").as_path()) =>
        {
            parent.to_path_buf()
        }
        _ => dir.to_path_buf(),
    }
}

/// Where the new specs came from: the `from …` of the service.yaml's `@imported` header.
fn source_of(service_yaml: &[u8]) -> Option<String> {
    let first = std::str::from_utf8(service_yaml).ok()?.lines().next()?;
    let rest = first.split_once(" from ")?.1;
    Some(
        rest.split(" `")
            .next()?
            .trim_end_matches(';')
            .trim()
            .to_owned(),
    )
}

/// The changes `files` (what the import is about to write) make to the crates of
/// `scan_dirs`, compared with the files there now; a release is added to the
/// `CHANGELOG.md` of each crate that changes (pushed onto `files`).
pub fn releases(
    files: &mut Vec<(PathBuf, Vec<u8>)>,
    scan_dirs: &BTreeSet<PathBuf>,
) -> Result<Vec<CrateReport>, String> {
    let new_files: BTreeMap<&Path, &[u8]> = files
        .iter()
        .map(|(p, b)| (p.as_path(), b.as_slice()))
        .collect();
    let mut crates: BTreeMap<PathBuf, Vec<&PathBuf>> = BTreeMap::new();
    for dir in scan_dirs {
        crates
            .entry(crate_dir(dir, &new_files))
            .or_default()
            .push(dir);
    }
    let mut reports = Vec::new();
    let mut notes = Vec::new();
    for (krate, dirs) in crates {
        let in_dirs = |p: &Path| dirs.iter().any(|d| p.parent() == Some(d.as_path()));
        let mut old_files = Vec::new();
        for d in &dirs {
            for e in std::fs::read_dir(d).into_iter().flatten().flatten() {
                if e.path().is_file() {
                    let bytes = std::fs::read(e.path())
                        .map_err(|err| format!("{}: cannot read: {err}", e.path().display()))?;
                    old_files.push((e.path(), bytes));
                }
            }
        }
        // A hand-written spec stays as it is, in both.
        let hand: Vec<(&Path, &[u8])> = old_files
            .iter()
            .filter(|(p, _)| !new_files.contains_key(p.as_path()) && !super::is_owned(p))
            .map(|(p, b)| (p.as_path(), b.as_slice()))
            .collect();
        // The usual re-import writes the same bytes: nothing to parse or compare then.
        let old_bytes: BTreeMap<&Path, &[u8]> = old_files
            .iter()
            .map(|(p, b)| (p.as_path(), b.as_slice()))
            .collect();
        let same_bytes = new_files
            .iter()
            .filter(|(p, _)| in_dirs(p))
            .all(|(p, b)| old_bytes.get(p) == Some(b))
            && old_files
                .iter()
                .all(|(p, _)| !super::is_owned(p) || new_files.contains_key(p.as_path()));
        let (old, new) = if same_bytes {
            (Api::default(), Api::default())
        } else {
            let old = Api::read(old_bytes.iter().map(|(p, b)| (*p, *b)));
            let new = Api::read(
                new_files
                    .iter()
                    .filter(|(p, _)| in_dirs(p))
                    .map(|(p, b)| (*p, *b))
                    .chain(hand.iter().copied()),
            );
            (old, new)
        };
        let changelog_path = krate.join("CHANGELOG.md");
        let text = std::fs::read_to_string(&changelog_path).ok();
        let shown = changelog_path.display().to_string();
        let from = match &text {
            Some(t) => changelog::newest(&shown, t).map_err(|d| d.to_string())?,
            None => None,
        }
        .unwrap_or(changelog::FIRST);
        // A service imported for the first time (no file of a former import; hand-written
        // specs may be there) has no API to change yet.
        let first_import = !old_files.iter().any(|(p, _)| super::is_owned(p));
        let changes = if first_import {
            Vec::new()
        } else {
            diff(&old, &new)
        };
        let to = if changes.is_empty() {
            from
        } else {
            from.bump(changes.iter().any(|c| c.breaking))
        };
        let service_yaml = new_files.get(krate.join("service.yaml").as_path()).copied();
        let name = crate_name(&krate, service_yaml);
        if !changes.is_empty() {
            let source = service_yaml
                .and_then(source_of)
                .unwrap_or_else(|| "the vendor's catalogue".to_owned());
            let mut release = format!("## {to} (imported from {source})\n\n");
            section(
                &mut release,
                "Breaking",
                changes.iter().filter(|c| c.breaking),
            );
            section(
                &mut release,
                "Added",
                changes.iter().filter(|c| !c.breaking),
            );
            let body = match &text {
                // The new release goes above the newest one, under the title.
                Some(t) => match t.find("\n## ") {
                    Some(at) => format!("{}\n{release}{}", &t[..=at], &t[at + 1..]),
                    None => format!("{}\n\n{release}", t.trim_end()),
                },
                None => format!(
                    "# Changelog of `{name}`\n\nNewest first; `cargo xtask import` adds a release whenever an import changes the API (the version rule: `specs/README.md`).\n\n{release}## {} (first release)\n\nThe API as first imported.\n",
                    changelog::FIRST
                ),
            };
            notes.push((changelog_path, body.into_bytes()));
        }
        reports.push(CrateReport {
            name,
            changes,
            from,
            to,
        });
    }
    files.extend(notes);
    Ok(reports)
}

/// The crate of a service's specs: `<provider>-<service>`, the provider read from the
/// service.yaml's header (`# @imported by \`cargo xtask import tencent\``), the service
/// from the directory.
fn crate_name(dir: &Path, service_yaml: Option<&[u8]>) -> String {
    let provider = service_yaml
        .and_then(|b| std::str::from_utf8(b).ok())
        .and_then(|t| t.lines().next())
        .and_then(|l| l.split("cargo xtask import ").nth(1))
        .and_then(|rest| rest.split('`').next())
        .unwrap_or("specs");
    let service = dir.file_name().map(|n| n.to_string_lossy());
    codegen::naming::crate_name(provider, &service.unwrap_or_default())
}

fn section<'a>(out: &mut String, title: &str, changes: impl Iterator<Item = &'a Change>) {
    let lines: Vec<String> = changes.map(|c| format!("- {}\n", c.text)).collect();
    if !lines.is_empty() {
        let _ = write!(out, "### {title}\n\n{}\n", lines.concat());
    }
}

/// One line per crate that changes, for the import's output.
pub fn summary_lines(reports: &[CrateReport]) -> Vec<String> {
    reports
        .iter()
        .filter(|r| !r.changes.is_empty())
        .map(|r| {
            format!(
                "api change: {}: {} breaking, {} additive; {} → {}",
                r.name,
                r.breaking(),
                r.changes.len() - r.breaking(),
                r.from,
                r.to
            )
        })
        .collect()
}

/// The report as Markdown (`--report FILE`): counts, then every change per crate.
pub fn markdown(reports: &[CrateReport]) -> String {
    let changed: Vec<&CrateReport> = reports.iter().filter(|r| !r.changes.is_empty()).collect();
    let breaking: usize = changed.iter().map(|r| r.breaking()).sum();
    let total: usize = changed.iter().map(|r| r.changes.len()).sum();
    let mut out = format!(
        "# API changes\n\n{} of {} crates change: {total} changes, {breaking} breaking, {} additive.\n\n| crate | breaking | additive | version |\n|---|---|---|---|\n",
        changed.len(),
        reports.len(),
        total - breaking
    );
    for r in &changed {
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} → {} |",
            r.name,
            r.breaking(),
            r.changes.len() - r.breaking(),
            r.from,
            r.to
        );
    }
    for r in &changed {
        let _ = write!(out, "\n## `{}` {} → {}\n\n", r.name, r.from, r.to);
        section(
            &mut out,
            "Breaking",
            r.changes.iter().filter(|c| c.breaking),
        );
        section(&mut out, "Added", r.changes.iter().filter(|c| !c.breaking));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(ty: &str, required: bool) -> Field {
        Field {
            ty: ty.into(),
            required,
        }
    }

    #[test]
    fn each_kind_of_change_is_marked_by_the_rules() {
        let mut old = Api::default();
        let mut op = Op::default();
        op.request.insert("InstanceId".into(), f("string", true));
        op.request.insert("Limit".into(), f("i64", false));
        op.response
            .insert("Items".into(), f("list<BackupInfo>", false));
        old.ops.insert("DescribeBackups".into(), op.clone());
        old.ops.insert("DeleteBackup".into(), Op::default());
        old.types.insert(
            "BackupInfo".into(),
            Type::Object(BTreeMap::from([("Name".into(), f("string", false))])),
        );
        old.types
            .insert("Filter".into(), Type::Object(BTreeMap::new()));
        old.errors.insert("FailedOperation.A".into());

        let mut new = Api::default();
        let mut op2 = op.clone();
        op2.request.insert("Offset".into(), f("i64", false));
        op2.request.insert("Zone".into(), f("string", true));
        op2.response
            .insert("Items".into(), f("list<string>", false));
        op2.request
            .insert("Filters".into(), f("list<Filter>", false));
        new.ops.insert("DescribeBackups".into(), op2);
        new.ops.insert("DescribeTasks".into(), Op::default());
        new.types.insert(
            "BackupInfo".into(),
            Type::Object(BTreeMap::from([
                ("Name".into(), f("string", false)),
                ("Size".into(), f("i64", false)),
            ])),
        );
        new.types.insert(
            "Filter".into(),
            Type::Object(BTreeMap::from([("Key".into(), f("string", false))])),
        );
        new.errors.insert("FailedOperation.B".into());

        let changes = diff(&old, &new);
        let text = |breaking: bool| -> Vec<&str> {
            changes
                .iter()
                .filter(|c| c.breaking == breaking)
                .map(|c| c.text.as_str())
                .collect()
        };
        assert_eq!(
            text(true),
            [
                "`DescribeBackups` request: field `Zone` added (required, `string`)",
                "`DescribeBackups` response: field `Items` changed type `list<BackupInfo>` → `list<string>`",
                "error code `FailedOperation.A` removed",
                "operation `DeleteBackup` removed",
                // A request's named type: adding a field breaks its struct literals.
                "type `Filter`: field `Key` added (optional, `string`; code that spells out this request structure must name it)",
            ]
        );
        assert_eq!(
            text(false),
            [
                "`DescribeBackups` request: field `Filters` added (optional, `list<Filter>`)",
                "`DescribeBackups` request: field `Offset` added (optional, `i64`)",
                "error code `FailedOperation.B` added",
                "operation `DescribeTasks` added",
                "type `BackupInfo`: field `Size` added (optional, `i64`)",
            ]
        );
    }

    #[test]
    fn a_same_shaped_operation_or_field_under_a_new_name_is_a_rename() {
        let mut op = Op::default();
        op.request.insert("Id".into(), f("string", true));
        let mut old = Api::default();
        old.ops.insert("DescribeBackupURL".into(), op.clone());
        let mut new = Api::default();
        let mut renamed = op.clone();
        renamed.request.remove("Id");
        renamed
            .request
            .insert("InstanceId".into(), f("string", true));
        new.ops.insert("DescribeBackupUrl".into(), op);
        let changes = diff(&old, &new);
        assert_eq!(
            changes[0].text,
            "operation `DescribeBackupURL` renamed to `DescribeBackupUrl`"
        );
        assert!(changes[0].breaking && changes.len() == 1, "{changes:?}");
        old.ops
            .insert("X".into(), new.ops["DescribeBackupUrl"].clone());
        let mut new2 = Api::default();
        new2.ops.insert("X".into(), renamed);
        let changes = diff(
            &Api {
                ops: BTreeMap::from([("X".into(), old.ops["X"].clone())]),
                ..Api::default()
            },
            &new2,
        );
        assert_eq!(changes.len(), 1);
        assert_eq!(
            changes[0].text,
            "`X` request: field `Id` renamed to `InstanceId`"
        );
    }
}
