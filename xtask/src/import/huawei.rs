//! Reads Huawei Cloud's catalogue: the unpacked `huaweicloudsdk<service>` wheels (Python
//! source, never run). Per API version (`<pkg>/v<N>/`): the client module
//! (`<svc>_client.py`: each operation's `_<op>_http_info` gives its method, path template,
//! parameter locations, array formats, content type and response headers), the models
//! (`model/*.py`: `openapi_types`, `attribute_map` — the wire names, never derived from
//! case rules —, `sensitive_list`, the `:param` doc lines) and the region file (the
//! endpoint host). Every problem names its file and line.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A Python type of `openapi_types`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PyTy {
    Str,
    Int,
    Bool,
    Float,
    /// `decimal.Decimal` (amounts of money): carried as `f64`, which round-trips the
    /// vendor's decimal text up to 15 significant digits.
    Decimal,
    DateTime,
    /// `object` or `dict`: any JSON.
    Object,
    /// `file` (a stream: multipart parts) or `bytes`.
    File,
    List(Box<PyTy>),
    /// `dict(str, T)`.
    Dict(Box<PyTy>),
    Model(String),
}

impl PyTy {
    pub fn parse(text: &str) -> Option<PyTy> {
        let t = text.trim();
        Some(match t {
            "str" => PyTy::Str,
            "int" => PyTy::Int,
            "bool" => PyTy::Bool,
            "float" => PyTy::Float,
            "decimal.Decimal" => PyTy::Decimal,
            "datetime" | "date" => PyTy::DateTime,
            "object" | "dict" => PyTy::Object,
            "file" | "bytes" => PyTy::File,
            _ => {
                if let Some(inner) = t.strip_prefix("list[").and_then(|r| r.strip_suffix(']')) {
                    PyTy::List(Box::new(PyTy::parse(inner)?))
                } else if let Some(inner) = t
                    .strip_prefix("dict(str,")
                    .and_then(|r| r.strip_suffix(')'))
                {
                    PyTy::Dict(Box::new(PyTy::parse(inner)?))
                } else if t.starts_with(|c: char| c.is_ascii_uppercase())
                    && t.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                {
                    PyTy::Model(t.to_owned())
                } else {
                    return None;
                }
            }
        })
    }

    /// The scalar it is or holds (a list's or map's element), if any.
    pub fn scalar(&self) -> Option<&PyTy> {
        match self {
            PyTy::List(t) | PyTy::Dict(t) => t.scalar(),
            PyTy::Model(_) => None,
            other => Some(other),
        }
    }

    /// The models it names.
    pub fn models(&self) -> Vec<&str> {
        match self {
            PyTy::Model(m) => vec![m.as_str()],
            PyTy::List(t) | PyTy::Dict(t) => t.models(),
            _ => vec![],
        }
    }

    /// Whether it is an untyped value (`object`), or a list or map of them.
    pub fn is_object(&self) -> bool {
        match self {
            PyTy::Object => true,
            PyTy::List(t) | PyTy::Dict(t) => t.is_object(),
            _ => false,
        }
    }

    /// Whether any part of it is a `file` (bytes travel alone: a multipart file part or a
    /// whole body, never inside a document).
    pub fn has_file(&self) -> bool {
        match self {
            PyTy::File => true,
            PyTy::List(t) | PyTy::Dict(t) => t.has_file(),
            _ => false,
        }
    }
}

/// One attribute of a model.
#[derive(Clone, Debug)]
pub struct Attr {
    /// Python attribute name (snake_case, unique in the model).
    pub attr: String,
    /// Wire name, from `attribute_map`.
    pub wire: String,
    pub ty: PyTy,
    pub doc: String,
    pub sensitive: bool,
    /// Required, by the Go SDK (a member neither a pointer nor `omitempty`).
    pub required: bool,
    /// A 32-bit integer (or a list of them), by the Go SDK.
    pub int32: bool,
}

/// A model class.
#[derive(Clone, Debug)]
pub struct Model {
    pub name: String,
    pub attrs: Vec<Attr>,
    /// An enum class of the SDK (`allowed enum values`): its constants.
    pub values: Option<EnumValues>,
    /// A flaw of the vendor's declaration (`file:line: what`): the operations that reach
    /// this model are refused with it rather than the whole import.
    pub flaw: Option<String>,
    /// A response class of `SdkStreamResponse`: its body is a file (the SDK hands it over
    /// as a stream), its members are headers.
    pub stream: bool,
}

/// The constants of an enum class: `NAME = "value"` (strings) or `_1 = 1` (integers).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EnumValues {
    /// `(Python constant, wire value)`.
    Str(Vec<(String, String)>),
    /// Integer constants: the wire value is a number.
    Int,
}

/// Where an operation's parameter travels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Loc {
    Path,
    Query,
    Header,
    Form,
    Body,
}

/// One parameter of an operation, from its `_http_info`.
#[derive(Clone, Debug)]
pub struct Param {
    /// The request model's attribute.
    pub attr: String,
    pub loc: Loc,
    /// Wire name (the path template's, the query key, the header name).
    pub wire: String,
    /// `csv` or `multi` for query arrays.
    pub collection: Option<String>,
}

/// One operation.
#[derive(Clone, Debug)]
pub struct Op {
    /// `ShowBackupDownloadLink` (the response type without `Response`).
    pub name: String,
    pub method: String,
    pub path: String,
    pub params: Vec<Param>,
    pub content_type: Option<String>,
    pub response_headers: Vec<String>,
    /// Title line of the method's docstring.
    pub doc: String,
    /// `<pkg>/v3/x_client.py:LINE` of its `_http_info`.
    pub at: String,
}

/// One API version of a service.
#[derive(Clone, Debug)]
pub struct Version {
    /// `dds`.
    pub service: String,
    /// `v3`.
    pub version: String,
    /// `huaweicloudsdkdds`.
    pub package: String,
    pub ops: Vec<Op>,
    pub models: BTreeMap<String, Model>,
    /// `dds.{region}.myhuaweicloud.com`, or a global service's host.
    pub endpoint: String,
    /// `(region, host)` for each region whose host `endpoint` does not give.
    pub regions: Vec<(String, String)>,
    /// Signed with `X-Domain-Id` (the client accepts only global credentials).
    pub global: bool,
}

/// Takes what the Go SDK says of the version's models (required members, 32-bit integers)
/// for each model whose Go struct's wire names are all the Python model's (the Python
/// release may have added members, which stay optional); returns how many models took it
/// and how many Go structs have a member the Python model lacks (not used).
pub fn apply_go(v: &mut Version, go: &super::huawei_go::GoModels) -> (usize, usize) {
    let (mut applied, mut differ) = (0, 0);
    for model in v.models.values_mut() {
        let Some(members) = go.get(&model.name) else {
            continue;
        };
        let py: std::collections::BTreeSet<&str> =
            model.attrs.iter().map(|a| a.wire.as_str()).collect();
        let go_wires: std::collections::BTreeSet<&str> =
            members.iter().map(|m| m.wire.as_str()).collect();
        if !go_wires.is_subset(&py) || model.flaw.is_some() {
            differ += 1;
            continue;
        }
        applied += 1;
        for a in &mut model.attrs {
            if let Some(m) = members.iter().find(|m| m.wire == a.wire) {
                a.required = m.required;
                a.int32 = m.int32 && matches!(a.ty.scalar(), Some(PyTy::Int));
            }
        }
    }
    (applied, differ)
}

/// The spec name (directory, `service:`, crate) of the SDK's service: its own name, or
/// `<name>_service` where that is a Rust keyword (`as`, Auto Scaling: `as_service`, crate
/// `huawei-as-service`).
pub fn spec_service(service: &str) -> String {
    if codegen::naming::is_keyword(service) {
        format!("{service}_service")
    } else {
        service.to_owned()
    }
}

/// The package's version, from its `*.dist-info/METADATA`.
pub fn package_version(site: &Path, package: &str) -> Result<String, String> {
    let prefix = format!("{package}-");
    for e in std::fs::read_dir(site).map_err(|e| format!("{}: {e}", site.display()))? {
        let name = e
            .map_err(|e| format!("{}: {e}", site.display()))?
            .file_name()
            .to_string_lossy()
            .into_owned();
        if let Some(v) = name
            .strip_prefix(&prefix)
            .and_then(|r| r.strip_suffix(".dist-info"))
        {
            return Ok(v.to_owned());
        }
    }
    Err(format!(
        "{}: no {package}-<version>.dist-info (unpack the wheel here)",
        site.display()
    ))
}

/// Every `huaweicloudsdk<service>` package under `site` with its version directories
/// (`v2`, `v3`, … in numeric order).
pub fn list(site: &Path) -> Result<BTreeMap<String, Vec<String>>, String> {
    let mut out = BTreeMap::new();
    let entries = std::fs::read_dir(site).map_err(|e| format!("{}: {e}", site.display()))?;
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let Some(service) = name.strip_prefix("huaweicloudsdk") else {
            continue;
        };
        if service == "core" || service == "all" || !e.path().is_dir() {
            continue;
        }
        let mut versions: Vec<(u32, String)> = std::fs::read_dir(e.path())
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|v| {
                let n = v.file_name().to_string_lossy().into_owned();
                let number = n.strip_prefix('v')?.parse().ok()?;
                v.path()
                    .join(format!("{service}_client.py"))
                    .is_file()
                    .then_some((number, n))
            })
            .collect();
        versions.sort();
        if !versions.is_empty() {
            out.insert(
                service.to_owned(),
                versions.into_iter().map(|(_, v)| v).collect(),
            );
        }
    }
    Ok(out)
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("{}: cannot read: {e}", path.display()))
}

/// The quoted strings of a line, in order (`'a'`, `"b"`).
fn quoted(line: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = line;
    while let Some(start) = rest.find(['\'', '"']) {
        let q = rest.as_bytes()[start] as char;
        let tail = &rest[start + 1..];
        let Some(end) = tail.find(q) else { break };
        out.push(&tail[..end]);
        rest = &tail[end + 1..];
    }
    out
}

/// Loads one version of a service.
pub fn load(site: &Path, service: &str, version: &str) -> Result<Version, Vec<String>> {
    let package = format!("huaweicloudsdk{service}");
    let dir: PathBuf = site.join(&package).join(version);
    let rel = |p: &Path| {
        p.strip_prefix(site)
            .unwrap_or(p)
            .to_string_lossy()
            .into_owned()
    };
    let mut problems = Vec::new();
    let client = dir.join(format!("{service}_client.py"));
    let text = read(&client).map_err(|e| vec![e])?;
    let (ops, global) = client_ops(&text, &rel(&client), &mut problems);
    let mut models = BTreeMap::new();
    let model_dir = dir.join("model");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&model_dir)
        .map_err(|e| vec![format!("{}: {e}", model_dir.display())])?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "py"))
        .collect();
    files.sort();
    for f in files {
        let text = match read(&f) {
            Ok(t) => t,
            Err(e) => {
                problems.push(e);
                continue;
            }
        };
        if let Some(m) = model(&text, &rel(&f), &mut problems) {
            models.insert(m.name.clone(), m);
        }
    }
    let region = dir.join("region").join(format!("{service}_region.py"));
    let (endpoint, regions) = match read(&region) {
        Ok(text) => endpoint(&text).unwrap_or_else(|| {
            problems.push(format!(
                "{}: no `Region(\"…\", \"https://…\")` to take the endpoint from",
                rel(&region)
            ));
            Default::default()
        }),
        Err(e) => {
            problems.push(e);
            Default::default()
        }
    };
    if problems.is_empty() {
        Ok(Version {
            service: service.to_owned(),
            version: version.to_owned(),
            package,
            ops,
            models,
            endpoint,
            regions,
            global,
        })
    } else {
        Err(problems)
    }
}

/// The endpoint template from the region file: the host of the first region whose host
/// names that region (`dds.cn-north-4.myhuaweicloud.com` → `dds.{region}.myhuaweicloud.com`),
/// else the first host (a global service: `iam.myhuaweicloud.com`); and each region whose
/// host the template does not give, with its host (`eu-west-101` on `myhuaweicloud.eu`).
fn endpoint(text: &str) -> Option<(String, Vec<(String, String)>)> {
    let mut regions: Vec<(String, String)> = Vec::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        if !line.contains("Region(") {
            continue;
        }
        let mut q = quoted(line);
        if q.len() < 2
            && let Some(next) = lines.peek()
        {
            q.extend(quoted(next));
        }
        let (Some(region), Some(url)) = (q.first(), q.get(1)) else {
            continue;
        };
        let host = url
            .trim_start_matches("https://")
            .trim_start_matches("http://")
            .trim_end_matches('/');
        if !regions.iter().any(|(r, _)| r == region) {
            regions.push(((*region).to_owned(), host.to_owned()));
        }
    }
    let template = regions
        .iter()
        .find(|(r, h)| h.contains(&format!(".{r}.myhuaweicloud.com")))
        .map(|(r, h)| h.replace(&format!(".{r}."), ".{region}."))
        .or_else(|| regions.first().map(|(_, h)| h.clone()))?;
    let exceptions = regions
        .into_iter()
        .filter(|(r, h)| template.replace("{region}", r) != *h)
        .collect();
    Some((template, exceptions))
}

/// The operations of a client module, and whether the client is global-only.
fn client_ops(text: &str, file: &str, problems: &mut Vec<String>) -> (Vec<Op>, bool) {
    let lines: Vec<&str> = text.lines().collect();
    // `ClientBuilder(clazz, "GlobalCredentials,…")`: global credentials come first (IAM).
    let global = lines
        .iter()
        .any(|l| l.contains("ClientBuilder(") && l.contains("\"GlobalCredentials"));
    // Docstring titles of the public methods: `def show_x(self, request):` then `r"""Title`.
    let mut titles: BTreeMap<&str, &str> = BTreeMap::new();
    for (i, l) in lines.iter().enumerate() {
        let t = l.trim();
        if let Some(name) = t
            .strip_prefix("def ")
            .and_then(|r| r.strip_suffix("(self, request):"))
            && let Some(next) = lines.get(i + 1)
        {
            let title = next.trim().trim_start_matches("r\"\"\"").trim();
            titles.insert(name, title);
        }
    }
    let mut ops = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let t = lines[i].trim();
        let Some(snake) = t
            .strip_prefix("def _")
            .and_then(|r| r.strip_suffix("_http_info(cls, request):"))
        else {
            i += 1;
            continue;
        };
        let at = format!("{file}:{}", i + 1);
        let mut op = Op {
            name: String::new(),
            method: String::new(),
            path: String::new(),
            params: Vec::new(),
            content_type: None,
            response_headers: Vec::new(),
            doc: titles.get(snake).copied().unwrap_or_default().to_owned(),
            at: at.clone(),
        };
        let mut formats: BTreeMap<String, String> = BTreeMap::new();
        i += 1;
        while i < lines.len() && !lines[i].trim().starts_with("return http_info") {
            let l = lines[i].trim();
            let q = quoted(l);
            if l.starts_with("\"method\":") {
                op.method = q.get(1).copied().unwrap_or_default().to_owned();
            } else if l.starts_with("\"resource_path\":") {
                op.path = q.get(1).copied().unwrap_or_default().to_owned();
            } else if l.starts_with("\"response_type\":") {
                let ty = q.get(1).copied().unwrap_or_default();
                op.name = ty.strip_suffix("Response").unwrap_or(ty).to_owned();
            } else if l.starts_with("collection_formats[") && q.len() == 2 {
                formats.insert(q[0].to_owned(), q[1].to_owned());
            } else if l.starts_with("path_params[") && q.len() == 2 {
                op.params.push(param(q[1], Loc::Path, q[0]));
            } else if l.starts_with("query_params.append(") && q.len() == 2 {
                op.params.push(param(q[1], Loc::Query, q[0]));
            } else if l.starts_with("header_params[") && q.len() == 2 && q[0] != "Content-Type" {
                op.params.push(param(q[1], Loc::Header, q[0]));
            } else if l.starts_with("form_params[") && q.len() == 2 {
                op.params.push(param(q[1], Loc::Form, q[0]));
            } else if l.starts_with("body = local_var_params[") && q.len() == 1 {
                op.params.push(param(q[0], Loc::Body, "body"));
            } else if l.starts_with("response_headers = [") {
                op.response_headers = q.iter().map(|s| (*s).to_owned()).collect();
            } else if l.starts_with("header_params['Content-Type'] = http_utils.select_header") {
                let next = lines.get(i + 1).copied().unwrap_or_default();
                op.content_type = quoted(next).first().map(|s| (*s).to_owned());
            }
            i += 1;
        }
        for p in &mut op.params {
            p.collection = formats.get(&p.wire).cloned();
        }
        if op.name.is_empty() || op.method.is_empty() || op.path.is_empty() {
            problems.push(format!(
                "{at}: `_{snake}_http_info` lacks a method, resource_path or response_type"
            ));
        } else {
            ops.push(op);
        }
    }
    (ops, global)
}

fn param(attr: &str, loc: Loc, wire: &str) -> Param {
    Param {
        attr: attr.to_owned(),
        loc,
        wire: wire.to_owned(),
        collection: None,
    }
}

/// A `{ 'key': 'value', … }` literal starting at `lines[start]` (`name = {`): its pairs.
fn dict(lines: &[&str], start: usize) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if lines[start].trim_end().ends_with("{}") {
        return out;
    }
    for l in &lines[start + 1..] {
        if l.trim() == "}" {
            break;
        }
        let q = quoted(l);
        if q.len() == 2 {
            out.push((q[0].to_owned(), q[1].to_owned()));
        }
    }
    out
}

/// The constants of an enum class: the `NAME = value` lines of its body after the
/// `allowed enum values` docstring, up to the next docstring.
fn enum_values(class: &[&str]) -> Option<EnumValues> {
    let start = class
        .iter()
        .take(4)
        .position(|l| l.trim() == "allowed enum values")?;
    let mut strings = Vec::new();
    let mut ints = false;
    for l in class[start + 2..].iter().map(|l| l.trim()) {
        if l.starts_with("\"\"\"") {
            break;
        }
        let Some((name, value)) = l.split_once(" = ") else {
            continue;
        };
        if let Some(text) = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .or_else(|| value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
        {
            strings.push((name.to_owned(), text.to_owned()));
        } else if value.parse::<i64>().is_ok() {
            ints = true;
        }
    }
    match (ints, strings.is_empty()) {
        (true, _) => Some(EnumValues::Int),
        (false, false) => Some(EnumValues::Str(strings)),
        (false, true) => None,
    }
}

#[cfg(test)]
pub fn test_enum_values(class: &str) -> Option<EnumValues> {
    enum_values(&class.lines().collect::<Vec<_>>())
}

#[cfg(test)]
pub fn test_endpoint(text: &str) -> Option<(String, Vec<(String, String)>)> {
    endpoint(text)
}

/// One model file: its class, `openapi_types`, `attribute_map`, `sensitive_list` and the
/// `:param` docs of its `__init__`.
fn model(text: &str, file: &str, problems: &mut Vec<String>) -> Option<Model> {
    let lines: Vec<&str> = text.lines().collect();
    let (class_line, name, stream) = lines.iter().enumerate().find_map(|(i, l)| {
        let rest = l.strip_prefix("class ")?;
        let name = rest.split(['(', ':']).next()?.trim();
        let stream = rest.contains("(SdkStreamResponse)");
        Some((i, name.to_owned(), stream))
    })?;
    let at = format!("{file}:{}", class_line + 1);
    let find = |prefix: &str| lines.iter().position(|l| l.trim().starts_with(prefix));
    let values = enum_values(&lines[class_line..]);
    let (Some(types_at), Some(map_at)) = (find("openapi_types = {"), find("attribute_map = {"))
    else {
        problems.push(format!(
            "{at}: class `{name}` has no `openapi_types` or `attribute_map`"
        ));
        return None;
    };
    let wires: BTreeMap<String, String> = dict(&lines, map_at).into_iter().collect();
    let sensitive: Vec<&str> = lines
        .iter()
        .filter(|l| l.trim().starts_with("sensitive_list.append("))
        .filter_map(|l| quoted(l).first().copied())
        .collect();
    let mut docs: BTreeMap<String, String> = BTreeMap::new();
    let mut current: Option<String> = None;
    for l in &lines {
        let t = l.trim();
        if let Some(rest) = t.strip_prefix(":param ") {
            if let Some((attr, doc)) = rest.split_once(':') {
                docs.insert(attr.trim().to_owned(), doc.trim().to_owned());
                current = Some(attr.trim().to_owned());
            }
        } else if t.starts_with(":type ") || t.starts_with("\"\"\"") || t.is_empty() {
            current = None;
        } else if let Some(attr) = &current
            && let Some(doc) = docs.get_mut(attr)
        {
            doc.push('\n');
            doc.push_str(t);
        }
        if t.starts_with("self._") {
            break;
        }
    }
    let mut attrs = Vec::new();
    let mut flaw = None;
    for (n, (attr, ty)) in dict(&lines, types_at).into_iter().enumerate() {
        let Some(parsed) = PyTy::parse(&ty) else {
            problems.push(format!(
                "{file}:{}: `{name}.{attr}`: unknown type `{ty}`",
                types_at + 2 + n
            ));
            continue;
        };
        let Some(wire) = wires.get(&attr) else {
            // A vendor typo (kvs `Credential.stsToken`): no wire name to send it under.
            flaw.get_or_insert_with(|| {
                format!(
                    "{file}:{}: `{name}.{attr}` is in `openapi_types` but not in `attribute_map`",
                    types_at + 2 + n
                )
            });
            continue;
        };
        attrs.push(Attr {
            doc: docs.get(&attr).cloned().unwrap_or_default(),
            sensitive: sensitive.contains(&attr.as_str()),
            required: false,
            int32: false,
            wire: wire.clone(),
            attr,
            ty: parsed,
        });
    }
    Some(Model {
        name,
        attrs,
        values,
        flaw,
        stream,
    })
}
