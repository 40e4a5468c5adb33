//! Reading the Tencent Cloud catalogue (`tccli` `api.json` / `examples.json`, the Python
//! SDK's `errorcodes.py`) into a checked model. Every problem is collected with its file
//! and JSON path; nothing here panics on catalogue data.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::Value;

/// A member's type, resolved.
#[derive(Clone, Debug, PartialEq)]
pub enum Ty {
    Str,
    I64,
    U64,
    F64,
    Bool,
    /// A timestamp with its wire format (`datetime-cst`, `iso8601`).
    Timestamp(&'static str),
    /// A catalogue object, by catalogue name.
    Obj(String),
    List(Box<Ty>),
    /// `binary`: a file, sent as a multipart file part (the SDK's `IsMultipart` actions).
    Bytes,
}

#[derive(Clone, Debug)]
pub struct Member {
    pub name: String,
    pub ty: Ty,
    pub required: bool,
    pub disabled: bool,
    pub doc: String,
    pub example: Option<String>,
}

#[derive(Clone, Debug)]
pub struct Object {
    pub doc: String,
    pub members: Vec<Member>,
}

#[derive(Clone, Debug)]
pub struct Action {
    pub doc: String,
    pub input: String,
    pub output: String,
    pub status: Option<String>,
}

#[derive(Clone, Debug)]
pub struct Example {
    pub title: String,
    pub output: String,
}

#[derive(Clone, Debug)]
pub struct ErrorCode {
    pub code: String,
    pub doc: String,
}

/// One `<service>/v<date>/` of the catalogue.
#[derive(Clone, Debug)]
pub struct Api {
    pub service: String,
    /// `v20170320`.
    pub version_dir: String,
    /// `2017-03-20`.
    pub api_version: String,
    pub short_name: String,
    /// The catalogue's name of the service (`metadata.serviceNameCN`: 云数据库 MySQL), if any.
    pub title: Option<String>,
    pub actions: BTreeMap<String, Action>,
    pub objects: BTreeMap<String, Object>,
    pub examples: BTreeMap<String, Vec<Example>>,
    /// The same version's examples in the fallback edition (empty without one).
    pub fallback_examples: BTreeMap<String, Vec<Example>>,
    pub errors: Option<Vec<ErrorCode>>,
}

impl Api {
    /// `cdb/v20170320`.
    pub fn rel(&self) -> String {
        format!("{}/{}", self.service, self.version_dir)
    }
}

/// The catalogue's package version, from `tccli/__init__.py` next to `services/`.
pub fn tool_version(catalog: &Path) -> Result<String, String> {
    let init = catalog.join("../__init__.py");
    let text = std::fs::read_to_string(&init)
        .map_err(|e| format!("{}: cannot read the tccli version: {e}", init.display()))?;
    text.lines()
        .find_map(|l| {
            let rest = l.trim().strip_prefix("__version__")?.trim_start();
            let v = rest.strip_prefix('=')?.trim();
            Some(v.trim_matches(|c| c == '\'' || c == '"').to_owned())
        })
        .filter(|v| !v.is_empty())
        .ok_or_else(|| format!("{}: no `__version__ = '...'` line", init.display()))
}

/// The services of the catalogue (directories holding `v<date>/api.json`), sorted, each with
/// its version directories sorted ascending.
pub fn list(catalog: &Path) -> Result<BTreeMap<String, Vec<String>>, String> {
    let mut out = BTreeMap::new();
    let rd = std::fs::read_dir(catalog).map_err(|e| format!("{}: {e}", catalog.display()))?;
    for e in rd.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let Ok(vs) = std::fs::read_dir(e.path()) else {
            continue;
        };
        let mut versions: Vec<String> = vs
            .flatten()
            .map(|v| v.file_name().to_string_lossy().into_owned())
            .filter(|v| is_version_dir(v) && e.path().join(v).join("api.json").is_file())
            .collect();
        versions.sort();
        if !versions.is_empty() {
            out.insert(name, versions);
        }
    }
    Ok(out)
}

pub fn is_version_dir(v: &str) -> bool {
    v.len() == 9 && v.starts_with('v') && v[1..].bytes().all(|b| b.is_ascii_digit())
}

/// Collects problems as `file: $.path: message`.
pub struct Problems<'a> {
    pub file: String,
    pub out: &'a mut Vec<String>,
}

impl Problems<'_> {
    fn add(&mut self, path: &str, msg: impl std::fmt::Display) {
        self.out.push(format!("{}: {path}: {msg}", self.file));
    }
}

fn read_json(path: &Path, file: &str, problems: &mut Vec<String>) -> Option<Value> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            problems.push(format!("{file}: cannot read: {e}"));
            return None;
        }
    };
    match serde_json::from_str(&text) {
        Ok(v) => Some(v),
        Err(e) => {
            problems.push(format!("{file}: $: invalid JSON: {e}"));
            None
        }
    }
}

fn str_at<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// Loads one version of one service; problems go to `problems`.
pub fn load(
    catalog: &Path,
    sdk: Option<&Path>,
    fallback: Option<&Path>,
    service: &str,
    version_dir: &str,
    problems: &mut Vec<String>,
) -> Option<Api> {
    let rel = format!("{service}/{version_dir}");
    let file = format!("{rel}/api.json");
    let doc = read_json(&catalog.join(&file), &file, problems)?;
    let before = problems.len();
    let mut p = Problems {
        file: file.clone(),
        out: problems,
    };
    let meta = doc.get("metadata");
    let api_version = meta
        .and_then(|m| str_at(m, "apiVersion"))
        .unwrap_or_default();
    let short_name = meta
        .and_then(|m| str_at(m, "serviceShortName"))
        .unwrap_or_default();
    let title = meta
        .and_then(|m| str_at(m, "serviceNameCN"))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned);
    if api_version.is_empty() {
        p.add("$.metadata.apiVersion", "missing");
    } else if format!("v{}", api_version.replace('-', "")) != version_dir {
        p.add(
            "$.metadata.apiVersion",
            format!("{api_version:?} does not match the directory {version_dir}"),
        );
    }
    if short_name.is_empty() {
        p.add("$.metadata.serviceShortName", "missing");
    } else if !short_name.starts_with(|c: char| c.is_ascii_lowercase())
        || !short_name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
    {
        // It is the host's first label and the signature's scope.
        p.add(
            "$.metadata.serviceShortName",
            format!("{short_name:?} is not a service name (lower-case letters and digits)"),
        );
    }
    let empty = serde_json::Map::new();
    let objs = match doc.get("objects").and_then(Value::as_object) {
        Some(o) => o,
        None => {
            p.add("$.objects", "missing or not an object");
            &empty
        }
    };
    let mut objects = BTreeMap::new();
    for (name, o) in objs {
        if let Some(obj) = object(name, o, objs, &mut p) {
            objects.insert(name.clone(), obj);
        }
    }
    let acts = match doc.get("actions").and_then(Value::as_object) {
        Some(a) => a,
        None => {
            p.add("$.actions", "missing or not an object");
            &empty
        }
    };
    let mut actions = BTreeMap::new();
    for (name, a) in acts {
        let path = format!("$.actions.{name}");
        // An action is named like `DescribeDBInstances`: its name is the wire's `Action` and
        // becomes a file, a module and types.
        let mut chars = name.chars();
        if !chars.next().is_some_and(|c| c.is_ascii_alphabetic())
            || !chars.all(|c| c.is_ascii_alphanumeric())
        {
            p.add(
                &format!("$.actions[{name:?}]"),
                "not an action name (ASCII letters and digits, starting with a letter)",
            );
            continue;
        }
        let mut io = |key: &str| -> Option<String> {
            match str_at(a, key) {
                None => p.add(&format!("{path}.{key}"), "missing or not a string"),
                Some(n) if !objs.contains_key(n) => {
                    p.add(&format!("{path}.{key}"), format!("object {n:?} not found"))
                }
                Some(n) => return Some(n.to_owned()),
            }
            None
        };
        let (input, output) = (io("input"), io("output"));
        if let (Some(input), Some(output)) = (input, output) {
            // The catalogue's description, else its short title for the action, else a note.
            let doc = [str_at(a, "document"), str_at(a, "name")]
                .into_iter()
                .flatten()
                .map(str::trim)
                .find(|d| !d.is_empty())
                .map_or_else(
                    || format!("`{name}` (the catalogue has no description)."),
                    str::to_owned,
                );
            let status = str_at(a, "status").map(str::to_owned);
            actions.insert(
                name.clone(),
                Action {
                    doc,
                    input,
                    output,
                    status,
                },
            );
        }
    }
    // A `binary` member is a file: the SDK sends its action's input as a multipart form, the
    // file as a part. Only there can it travel: not in a list, an output or a nested object.
    let inputs: BTreeSet<&str> = actions.values().map(|a| a.input.as_str()).collect();
    for (name, o) in &objects {
        for m in &o.members {
            let direct_input = inputs.contains(name.as_str()) && m.ty == Ty::Bytes;
            if contains_bytes(&m.ty) && !direct_input {
                p.add(
                    &format!("$.objects.{name}.members[{:?}]", m.name),
                    "a `binary` member outside an action's input (a file travels as a multipart part of the request)",
                );
            }
        }
    }
    let mut files: BTreeMap<String, &String> = BTreeMap::new();
    for a in actions.keys() {
        let sn = codegen::naming::snake(a);
        if let Some(first) = files.insert(sn.clone(), a) {
            p.add(
                &format!("$.actions.{a}"),
                format!("its file {sn}.yaml is also {first}'s"),
            );
        }
    }
    let examples = load_examples(catalog, &rel, problems);
    let fallback_examples = fallback
        .map(|f| load_examples(f, &rel, problems))
        .unwrap_or_default();
    let errors = sdk.map(|sdk| load_errors(sdk, &rel, problems));
    if problems.len() > before {
        return None;
    }
    Some(Api {
        service: service.to_owned(),
        version_dir: version_dir.to_owned(),
        api_version: api_version.to_owned(),
        short_name: short_name.to_owned(),
        title,
        actions,
        objects,
        examples,
        fallback_examples,
        errors,
    })
}

fn object(
    name: &str,
    o: &Value,
    objs: &serde_json::Map<String, Value>,
    p: &mut Problems<'_>,
) -> Option<Object> {
    let path = format!("$.objects.{name}");
    let Some(members) = o.get("members").and_then(Value::as_array) else {
        p.add(&format!("{path}.members"), "missing or not a list");
        return None;
    };
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    let mut ok = true;
    for (i, m) in members.iter().enumerate() {
        let mp = format!("{path}.members[{i}]");
        let Some(mname) = str_at(m, "name").filter(|n| !n.is_empty()) else {
            p.add(&format!("{mp}.name"), "missing or not a string");
            ok = false;
            continue;
        };
        if !seen.insert(mname) {
            p.add(&format!("{mp}.name"), format!("duplicate member {mname:?}"));
            ok = false;
        }
        match member_ty(m, objs, &mp, p) {
            Some(ty) => out.push(Member {
                name: mname.to_owned(),
                ty,
                required: m.get("required").and_then(Value::as_bool) == Some(true),
                disabled: m.get("disabled").and_then(Value::as_bool) == Some(true),
                doc: str_at(m, "document").unwrap_or_default().trim().to_owned(),
                example: str_at(m, "example").map(str::to_owned),
            }),
            None => ok = false,
        }
    }
    ok.then(|| Object {
        doc: str_at(o, "document").unwrap_or_default().trim().to_owned(),
        members: out,
    })
}

fn contains_bytes(ty: &Ty) -> bool {
    match ty {
        Ty::Bytes => true,
        Ty::List(t) => contains_bytes(t),
        _ => false,
    }
}

/// An element type name: a scalar name or an object's name.
fn elem(name: &str, objs: &serde_json::Map<String, Value>) -> Option<Ty> {
    Some(match name {
        "string" | "date" => Ty::Str,
        "int" | "int64" => Ty::I64,
        "uint64" => Ty::U64,
        "float" | "double" => Ty::F64,
        "bool" => Ty::Bool,
        "datetime" => Ty::Timestamp("datetime-cst"),
        "datetime_iso" => Ty::Timestamp("iso8601"),
        "binary" => Ty::Bytes,
        o if objs.contains_key(o) => Ty::Obj(o.to_owned()),
        _ => return None,
    })
}

fn member_ty(
    m: &Value,
    objs: &serde_json::Map<String, Value>,
    mp: &str,
    p: &mut Problems<'_>,
) -> Option<Ty> {
    let Some(ty) = str_at(m, "type") else {
        p.add(&format!("{mp}.type"), "missing or not a string");
        return None;
    };
    let member = str_at(m, "member");
    let resolved = match ty {
        "string" => match member {
            Some("datetime") => Some(Ty::Timestamp("datetime-cst")),
            Some("datetime_iso") => Some(Ty::Timestamp("iso8601")),
            _ => Some(Ty::Str),
        },
        "int" => Some(if member == Some("uint64") {
            Ty::U64
        } else {
            Ty::I64
        }),
        "float" => Some(Ty::F64),
        "bool" => Some(Ty::Bool),
        "list" | "object" => {
            let Some(member) = member else {
                p.add(&format!("{mp}.member"), format!("missing for a {ty}"));
                return None;
            };
            let Some(e) = elem(member, objs) else {
                p.add(
                    &format!("{mp}.member"),
                    format!("unknown type or object {member:?}"),
                );
                return None;
            };
            if ty == "list" {
                Some(Ty::List(Box::new(e)))
            } else if matches!(e, Ty::Obj(_)) {
                Some(e)
            } else {
                p.add(
                    &format!("{mp}.member"),
                    format!("{member:?} is not an object"),
                );
                return None;
            }
        }
        other => elem(other, objs),
    };
    if resolved.is_none() {
        p.add(&format!("{mp}.type"), format!("unknown type {ty:?}"));
    }
    resolved
}

fn load_examples(
    catalog: &Path,
    rel: &str,
    problems: &mut Vec<String>,
) -> BTreeMap<String, Vec<Example>> {
    let file = format!("{rel}/examples.json");
    let mut out = BTreeMap::new();
    if !catalog.join(&file).is_file() {
        return out;
    }
    let Some(doc) = read_json(&catalog.join(&file), &file, problems) else {
        return out;
    };
    let Some(actions) = doc.get("actions").and_then(Value::as_object) else {
        problems.push(format!("{file}: $.actions: missing or not an object"));
        return out;
    };
    for (name, list) in actions {
        let Some(list) = list.as_array() else {
            problems.push(format!("{file}: $.actions.{name}: not a list"));
            continue;
        };
        let mut v = Vec::new();
        for (i, x) in list.iter().enumerate() {
            let title = str_at(x, "title").unwrap_or_default().trim().to_owned();
            match x.get("output") {
                Some(Value::String(s)) => v.push(Example {
                    title,
                    output: s.clone(),
                }),
                None | Some(Value::Null) => v.push(Example {
                    title,
                    output: String::new(),
                }),
                Some(_) => problems.push(format!(
                    "{file}: $.actions.{name}[{i}].output: not a string"
                )),
            }
        }
        out.insert(name.clone(), v);
    }
    out
}

/// `errorcodes.py`: `# comment` lines, then `NAME = 'Code.Sub'`. Sorted by code, first
/// doc wins for a repeated code.
fn load_errors(sdk: &Path, rel: &str, problems: &mut Vec<String>) -> Vec<ErrorCode> {
    let path = sdk.join(rel).join("errorcodes.py");
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => {
            problems.push(format!("{}: cannot read: {e}", path.display()));
            return Vec::new();
        }
    };
    let mut codes: BTreeMap<String, String> = BTreeMap::new();
    let mut comment: Vec<&str> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if let Some(c) = line.strip_prefix('#') {
            comment.push(c.trim());
            continue;
        }
        if line.is_empty() {
            comment.clear();
            continue;
        }
        let code = line.split_once('=').and_then(|(_, v)| {
            let v = v.trim();
            let q = v.chars().next().filter(|c| *c == '\'' || *c == '"')?;
            v.strip_prefix(q)?.strip_suffix(q).map(str::to_owned)
        });
        match code {
            Some(code) if !code.is_empty() => {
                let doc = comment.join(" ").trim().to_owned();
                codes.entry(code).or_insert(doc);
            }
            _ => problems.push(format!(
                "{}:{}: expected `NAME = 'Code'`",
                path.display(),
                n + 1
            )),
        }
        comment.clear();
    }
    codes
        .into_iter()
        .map(|(code, doc)| ErrorCode { code, doc })
        .collect()
}
