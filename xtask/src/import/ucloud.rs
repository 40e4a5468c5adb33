//! Reads UCloud's catalogue: the unpacked `ucloud-sdk-python3` wheel (Python source, never
//! run). Per service (`ucloud/services/<svc>/`): `schemas/apis.py` (each action's request
//! schema — `fields.Str`/`Int`/`Bool`/`Float`/`Base64`/`List`, nested `…Param…Schema`s,
//! `required=`, the wire name in `dump_to=` — and response schema, `load_from=`),
//! `schemas/models.py` (the nested response models) and `client.py` (per action: the Chinese
//! doc text of the action and of each field, which fields are `(Config)` — filled from the
//! client's configuration —, and whether the SDK turns retries off for it). Every problem
//! names its file and line.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// A field type of the SDK's schemas.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UTy {
    Str,
    Int,
    Bool,
    Float,
    /// `fields.Base64`: a string the SDK base64-encodes before sending.
    Base64,
    List(Box<UTy>),
    /// A nested schema: `apis.<Class>` or `models.<Class>`.
    Schema(String),
}

impl UTy {
    /// The schemas it names.
    pub fn schemas(&self) -> Vec<&str> {
        match self {
            UTy::Schema(s) => vec![s.as_str()],
            UTy::List(t) => t.schemas(),
            _ => vec![],
        }
    }
}

/// One field of a schema.
#[derive(Clone, Debug)]
pub struct UField {
    /// The key of the schema's `fields` (what the SDK's caller passes).
    pub key: String,
    /// Wire name (`dump_to=` of a request, `load_from=` of a response; else the key).
    pub wire: String,
    pub ty: UTy,
    pub required: bool,
    /// A `# Deprecated, will be removed at 1.0` comment follows it.
    pub deprecated: bool,
    /// `file:line` of its declaration.
    pub at: String,
}

/// A schema class.
#[derive(Clone, Debug)]
pub struct Schema {
    /// The class name (`DescribeUDBInstanceRequestSchema`).
    pub class: String,
    pub fields: Vec<UField>,
}

impl Schema {
    /// Its name in the client's doc text (`KeyPair` for `KeyPairSchema`).
    pub fn doc_name(&self) -> &str {
        self.class.strip_suffix("Schema").unwrap_or(&self.class)
    }
}

/// One action of a service, as its client method calls it.
#[derive(Clone, Debug)]
pub struct Action {
    pub name: String,
    /// `apis.<Class>` of the request and response schemas.
    pub request: String,
    pub response: String,
    /// The action's doc line (`BackupUDBInstance - 发起实例备份。` without the name).
    pub doc: String,
    /// Request fields the client fills from its configuration (`(Config)`).
    pub config: BTreeSet<String>,
    /// The client method sets `max_retries = 0` ("not idempotent").
    pub no_retry: bool,
    /// Doc text of its request and response fields, by key.
    pub request_docs: BTreeMap<String, String>,
    pub response_docs: BTreeMap<String, String>,
    pub at: String,
}

/// One service of the package.
#[derive(Clone, Debug)]
pub struct Service {
    pub name: String,
    pub actions: Vec<Action>,
    /// Every schema of `apis.py` and `models.py`, by `apis.<Class>` / `models.<Class>`.
    pub schemas: BTreeMap<String, Schema>,
    /// Doc text of nested schemas' fields from the client (`**Name**` sections), by the
    /// schema's doc name, then key.
    pub model_docs: BTreeMap<String, BTreeMap<String, String>>,
}

impl Service {
    /// The schemas a type reaches (not the action's own request and response).
    pub fn reach(&self, ty: &UTy, out: &mut BTreeSet<String>) {
        for s in ty.schemas() {
            if out.insert(s.to_owned())
                && let Some(schema) = self.schemas.get(s)
            {
                for f in &schema.fields {
                    self.reach(&f.ty, out);
                }
            }
        }
    }

    /// Doc of a nested schema's field, from the client's doc text.
    pub fn model_doc(&self, schema: &Schema, key: &str) -> Option<&str> {
        self.model_docs
            .get(schema.doc_name())
            .and_then(|d| d.get(key))
            .map(String::as_str)
    }
}

/// The package's version, from its `*.dist-info/METADATA`.
pub fn package_version(site: &Path) -> Result<String, String> {
    super::huawei::package_version(site, "ucloud_sdk_python3")
}

/// The services of the package (`ucloud/services/<svc>/client.py`), sorted.
pub fn list(site: &Path) -> Result<Vec<String>, String> {
    let dir = site.join("ucloud/services");
    let entries = std::fs::read_dir(&dir).map_err(|e| {
        format!(
            "{}: {e} (unpack ucloud-sdk-python3's wheel into {})",
            dir.display(),
            site.display()
        )
    })?;
    let mut out: Vec<String> = entries
        .flatten()
        .filter(|e| e.path().join("client.py").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    out.sort();
    Ok(out)
}

/// Loads one service.
pub fn load(site: &Path, service: &str) -> Result<Service, Vec<String>> {
    let dir = site.join("ucloud/services").join(service);
    let rel = |name: &str| format!("ucloud/services/{service}/{name}");
    let mut problems = Vec::new();
    let mut schemas = BTreeMap::new();
    for (module, file) in [("apis", "schemas/apis.py"), ("models", "schemas/models.py")] {
        let path = dir.join(file);
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                for s in parse_schemas(&text, &rel(file), module, &mut problems) {
                    schemas.insert(format!("{module}.{}", s.class), s);
                }
            }
            // A service whose responses have no nested models has no models.py.
            Err(e) if module == "models" && e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => problems.push(format!("{}: cannot read: {e}", path.display())),
        }
    }
    let client = rel("client.py");
    let (actions, model_docs) = match std::fs::read_to_string(dir.join("client.py")) {
        Ok(text) => parse_client(&text, &client, &mut problems),
        Err(e) => {
            problems.push(format!("{client}: cannot read: {e}"));
            (Vec::new(), BTreeMap::new())
        }
    };
    // Every schema named must exist.
    for a in &actions {
        for s in [&a.request, &a.response] {
            if !schemas.contains_key(s) {
                problems.push(format!("{}: {}: no schema {s}", a.at, a.name));
            }
        }
    }
    for s in schemas.values() {
        for f in &s.fields {
            for named in f.ty.schemas() {
                if !schemas.contains_key(named) {
                    problems.push(format!("{}: {}: no schema {named}", f.at, f.key));
                }
            }
        }
    }
    if problems.is_empty() {
        Ok(Service {
            name: service.to_owned(),
            actions,
            schemas,
            model_docs,
        })
    } else {
        Err(problems)
    }
}

/// 1-based line of byte offset `at` in `text`.
fn line_of(text: &str, at: usize) -> usize {
    text[..at.min(text.len())]
        .bytes()
        .filter(|b| *b == b'\n')
        .count()
        + 1
}

/// Every `class X(schema.RequestSchema|ResponseSchema)` with its `fields = {…}`.
fn parse_schemas(text: &str, file: &str, module: &str, problems: &mut Vec<String>) -> Vec<Schema> {
    let mut out = Vec::new();
    let mut pos = 0;
    while let Some(found) = text[pos..].find("\nclass ") {
        let start = pos + found + 1;
        let Some(paren) = text[start..].find('(').map(|p| start + p) else {
            break;
        };
        let class = text[start + "class ".len()..paren].trim().to_owned();
        let Some(close) = text[paren..].find("):").map(|p| paren + p) else {
            problems.push(format!(
                "{file}:{}: class {class}: no `):`",
                line_of(text, start)
            ));
            break;
        };
        let base = text[paren + 1..close].trim();
        pos = close;
        if !base.ends_with("Schema") {
            continue;
        }
        let at = format!("{file}:{}", line_of(text, start));
        // The class body: up to the next top-level statement.
        let end = text[close..]
            .find("\nclass ")
            .map_or(text.len(), |p| close + p);
        let body = &text[close..end];
        let Some(f) = body.find("fields = {") else {
            problems.push(format!("{at}: class {class}: no `fields = {{…}}`"));
            continue;
        };
        let open = close + f + "fields = ".len();
        let mut p = Parser {
            text,
            pos: open,
            file,
        };
        match p.dict(module) {
            Ok(fields) => out.push(Schema { class, fields }),
            Err(e) => problems.push(format!("{e} (in class {class})")),
        }
    }
    out
}

/// A small reader of the schema modules' Python expressions: a dict of
/// `"Key": fields.T(args)` / `fields.List(T, args)` / `[models.]XSchema()`.
struct Parser<'a> {
    text: &'a str,
    pos: usize,
    file: &'a str,
}

impl Parser<'_> {
    fn err(&self, what: impl std::fmt::Display) -> String {
        format!("{}:{}: {what}", self.file, line_of(self.text, self.pos))
    }

    /// Skips white space and `#` comments.
    fn skip_ws(&mut self) {
        loop {
            let rest = &self.text[self.pos..];
            self.pos += rest.len() - rest.trim_start().len();
            if !self.text[self.pos..].starts_with('#') {
                return;
            }
            let rest = &self.text[self.pos..];
            self.pos += rest.find('\n').unwrap_or(rest.len());
        }
    }

    /// Whether the rest of the current line is a comment saying "deprecated".
    fn deprecated_comment(&self) -> bool {
        let rest = &self.text[self.pos..];
        let line = &rest[..rest.find('\n').unwrap_or(rest.len())];
        line.split_once('#')
            .is_some_and(|(_, c)| c.to_ascii_lowercase().contains("deprecated"))
    }

    fn eat(&mut self, c: char) -> bool {
        self.skip_ws();
        if self.text[self.pos..].starts_with(c) {
            self.pos += c.len_utf8();
            true
        } else {
            false
        }
    }

    fn expect(&mut self, c: char) -> Result<(), String> {
        if self.eat(c) {
            Ok(())
        } else {
            let found: String = self.text[self.pos..].chars().take(20).collect();
            Err(self.err(format!("expected `{c}`, found {found:?}")))
        }
    }

    fn string(&mut self) -> Result<String, String> {
        self.skip_ws();
        let rest = &self.text[self.pos..];
        let q = rest.chars().next().filter(|c| *c == '"' || *c == '\'');
        let Some(q) = q else {
            return Err(self.err("expected a string"));
        };
        let Some(end) = rest[1..].find(q) else {
            return Err(self.err("unterminated string"));
        };
        let s = rest[1..1 + end].to_owned();
        if s.contains('\\') {
            return Err(self.err(format!("escape in string {s:?}")));
        }
        self.pos += end + 2;
        Ok(s)
    }

    /// A dotted name (`fields.Str`, `models.XSchema`, `True`).
    fn name(&mut self) -> Result<String, String> {
        self.skip_ws();
        let rest = &self.text[self.pos..];
        let n = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
            .unwrap_or(rest.len());
        if n == 0 {
            let found: String = rest.chars().take(20).collect();
            return Err(self.err(format!("expected a name, found {found:?}")));
        }
        self.pos += n;
        Ok(rest[..n].to_owned())
    }

    fn dict(&mut self, module: &str) -> Result<Vec<UField>, String> {
        self.expect('{')?;
        let mut out: Vec<UField> = Vec::new();
        loop {
            if self.eat('}') {
                return Ok(out);
            }
            let line = line_of(self.text, self.pos + 1);
            let key = self.string()?;
            self.expect(':')?;
            let (ty, args) = self.field(module)?;
            let at = format!("{}:{line}", self.file);
            let mut required = false;
            let mut wire = None;
            for (k, v) in args {
                match (k.as_str(), v.as_str()) {
                    ("required", "True") => required = true,
                    ("required", "False") => {}
                    ("dump_to" | "load_from", _) => wire = Some(v),
                    _ => return Err(format!("{at}: {key}: unknown argument {k}={v}")),
                }
            }
            if out.iter().any(|f| f.key == key) {
                return Err(format!("{at}: {key} twice"));
            }
            let more = self.eat(',');
            out.push(UField {
                wire: wire.unwrap_or_else(|| key.clone()),
                key,
                ty,
                required,
                deprecated: self.deprecated_comment(),
                at,
            });
            if !more {
                self.expect('}')?;
                return Ok(out);
            }
        }
    }

    /// A field expression: its type and its keyword arguments.
    fn field(&mut self, module: &str) -> Result<(UTy, Vec<(String, String)>), String> {
        let name = self.name()?;
        self.expect('(')?;
        let mut args = Vec::new();
        let ty = match name.as_str() {
            "fields.Str" => UTy::Str,
            "fields.Int" => UTy::Int,
            "fields.Bool" => UTy::Bool,
            "fields.Float" => UTy::Float,
            "fields.Base64" => UTy::Base64,
            "fields.List" => {
                let (inner, inner_args) = self.field(module)?;
                if !inner_args.is_empty() {
                    return Err(self.err("arguments on a list's item type"));
                }
                if !self.eat(',') {
                    self.expect(')')?;
                    return Ok((UTy::List(Box::new(inner)), args));
                }
                UTy::List(Box::new(inner))
            }
            n if n.ends_with("Schema") => {
                let qualified = match n.split_once('.') {
                    Some(("models", class)) => format!("models.{class}"),
                    None => format!("{module}.{n}"),
                    Some(_) => return Err(self.err(format!("unknown schema {n}"))),
                };
                UTy::Schema(qualified)
            }
            other => return Err(self.err(format!("unknown field type {other}"))),
        };
        loop {
            if self.eat(')') {
                return Ok((ty, args));
            }
            let k = self.name()?;
            self.expect('=')?;
            self.skip_ws();
            let v = if self.text[self.pos..].starts_with(['"', '\'']) {
                self.string()?
            } else {
                self.name()?
            };
            args.push((k, v));
            if !self.eat(',') {
                self.expect(')')?;
                return Ok((ty, args));
            }
        }
    }
}

/// The actions of `client.py` and the doc text of the nested schemas' fields.
#[allow(clippy::type_complexity)]
fn parse_client(
    text: &str,
    file: &str,
    problems: &mut Vec<String>,
) -> (Vec<Action>, BTreeMap<String, BTreeMap<String, String>>) {
    let mut actions: Vec<Action> = Vec::new();
    let mut model_docs: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let starts: Vec<usize> = text
        .match_indices("\n    def ")
        .map(|(i, _)| i + 1)
        .collect();
    for (i, &start) in starts.iter().enumerate() {
        let end = starts.get(i + 1).copied().unwrap_or(text.len());
        let block = &text[start..end];
        let at = format!("{file}:{}", line_of(text, start));
        let Some(name) = between(block, "self.invoke(\"", "\"") else {
            continue; // `__init__`
        };
        let request = schema_call(block, "().dumps");
        let response = schema_call(block, "().loads");
        let (Some(request), Some(response)) = (request, response) else {
            problems.push(format!("{at}: {name}: no request or response schema"));
            continue;
        };
        let doc_text = between(block, "\"\"\"", "\"\"\"").unwrap_or_default();
        let mut lines = doc_text.lines();
        let first = lines.next().unwrap_or_default().trim();
        let doc = first
            .strip_prefix(name)
            .map(|r| r.trim_start_matches([' ', '-']).trim())
            .unwrap_or(first)
            .to_owned();
        let mut action = Action {
            name: name.to_owned(),
            request: format!("apis.{request}"),
            response: format!("apis.{response}"),
            doc,
            config: BTreeSet::new(),
            no_retry: block.contains("kwargs[\"max_retries\"] = 0"),
            request_docs: BTreeMap::new(),
            response_docs: BTreeMap::new(),
            at: at.clone(),
        };
        #[derive(PartialEq)]
        enum Section {
            None,
            Request,
            Response,
            Model(String),
        }
        let mut section = Section::None;
        for line in lines {
            let t = line.trim();
            match t {
                "**Request**" => section = Section::Request,
                "**Response**" => section = Section::Response,
                "**Request Model**" | "**Response Model**" => section = Section::None,
                _ if t.starts_with("**") && t.ends_with("**") && t.len() > 4 => {
                    section = Section::Model(t[2..t.len() - 2].to_owned());
                }
                _ => {
                    let Some((key, doc)) = doc_item(t) else {
                        continue;
                    };
                    let doc = match doc.strip_prefix("(Config)") {
                        Some(rest) => {
                            if section == Section::Request {
                                action.config.insert(key.to_owned());
                            }
                            rest.trim()
                        }
                        None => doc.strip_prefix("(Required)").unwrap_or(doc).trim(),
                    };
                    let doc = doc.to_owned();
                    match &section {
                        Section::Request => {
                            action.request_docs.insert(key.to_owned(), doc);
                        }
                        Section::Response => {
                            action.response_docs.insert(key.to_owned(), doc);
                        }
                        Section::Model(m) => {
                            model_docs
                                .entry(m.clone())
                                .or_default()
                                .insert(key.to_owned(), doc);
                        }
                        Section::None => {}
                    }
                }
            }
        }
        if actions.iter().any(|a| a.name == action.name) {
            problems.push(format!("{at}: action {name} twice"));
            continue;
        }
        actions.push(action);
    }
    (actions, model_docs)
}

/// The text between the first `open` and the next `close` after it.
fn between<'a>(text: &'a str, open: &str, close: &str) -> Option<&'a str> {
    let start = text.find(open)? + open.len();
    let len = text[start..].find(close)?;
    Some(&text[start..start + len])
}

/// The class of `apis.<Class>` just before the first `call` (`().dumps`).
fn schema_call<'a>(text: &'a str, call: &str) -> Option<&'a str> {
    let end = text.find(call)?;
    let start = text[..end].rfind("apis.")? + "apis.".len();
    let class = &text[start..end];
    class
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_')
        .then_some(class)
}

/// `- **Key** (type) - doc` → `(Key, doc)`.
fn doc_item(line: &str) -> Option<(&str, &str)> {
    let rest = line.strip_prefix("- **")?;
    let (key, rest) = rest.split_once("**")?;
    let rest = rest.trim_start();
    let rest = match rest.strip_prefix('(') {
        Some(r) => r.split_once(')')?.1,
        None => rest,
    };
    let doc = rest.trim_start().strip_prefix('-').unwrap_or(rest).trim();
    Some((key, doc))
}
