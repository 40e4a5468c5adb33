//! Rendering one catalogue version as spec YAML: `service.yaml`, one file per operation,
//! and the examples' bodies. Every string scalar is written as a JSON string; the output
//! depends only on the input (sorted actions and types, catalogue member order).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use codegen::naming::{is_keyword, pascal, snake};

use super::overlay::{FieldSet, Overlay, json_str, key};
use super::secrets::secret_name;
use super::tencent::{Api, Member, Ty};

/// Names a generated type can never take beyond the generator's own list
/// (`codegen::model::PRELUDE`): traits and names the importer keeps clear of as well.
const RESERVED: &[&str] = &[
    "TryFrom", "TryInto", "Display", "Error", "Self", "Client", "Unknown",
];

/// The request parameter Tencent names its idempotency key.
const IDEMPOTENCY_TOKEN: &str = "ClientToken";

/// Field keys in the order they are written.
const FIELD_ORDER: &[&str] = &[
    "type",
    "format",
    "required",
    "deprecated",
    "idempotency_token",
    "rust_name",
    "location",
    "sensitive",
    "valid_for",
    "unit",
    "min",
    "max",
    "doc",
    "example",
];

#[derive(Default, Debug, Clone, Copy)]
pub struct Stats {
    pub operations: usize,
    pub skipped: usize,
    pub types: usize,
    pub error_codes: usize,
    pub ex_ok: usize,
    pub ex_error: usize,
    pub ex_invalid: usize,
    /// Examples mended into JSON (lost or trailing commas; see `repair`), also counted as ok or error.
    pub ex_repaired: usize,
    /// Examples whose payload was shown without its envelope, or inside another one.
    pub ex_enveloped: usize,
    /// Examples not JSON in this edition, taken from the fallback edition (see
    /// `fallback_example`), also counted as ok or error.
    pub ex_fallback: usize,
    pub ex_empty: usize,
    /// Operations marked `idempotent: true` by the read-verb rule.
    pub idempotent: usize,
    /// Operations given a `pagination:` by the paging rule.
    pub paginated: usize,
}

/// What to render for one version.
pub struct Render<'a> {
    pub api: &'a Api,
    /// `tccli-intl-en 3.1.193.1`.
    pub tool: &'a str,
    /// Actions left out (a hand-written spec has them).
    pub skip: &'a BTreeSet<String>,
    pub overlay: Option<&'a Overlay>,
    /// The overlay's [`super::overlay::digest`], recorded in `service.yaml`.
    pub overlay_digest: Option<&'a str>,
}

/// The catalogue objects reachable from the members of `roots`, sorted.
fn reachable(api: &Api, roots: &[&str]) -> BTreeSet<String> {
    fn refs(ty: &Ty, out: &mut Vec<String>) {
        match ty {
            Ty::Obj(o) => out.push(o.clone()),
            Ty::List(e) => refs(e, out),
            _ => {}
        }
    }
    let mut seen = BTreeSet::new();
    let mut stack: Vec<String> = Vec::new();
    for r in roots {
        if let Some(o) = api.objects.get(*r) {
            for m in &o.members {
                refs(&m.ty, &mut stack);
            }
        }
    }
    while let Some(n) = stack.pop() {
        if seen.insert(n.clone())
            && let Some(o) = api.objects.get(&n)
        {
            for m in &o.members {
                refs(&m.ty, &mut stack);
            }
        }
    }
    seen
}

/// Rust names of the types: `pascal(name)`, with `Type`, `Type2`, … appended on a clash with
/// a reserved or generated name or an earlier type.
pub fn type_names(api: &Api, types: &BTreeSet<String>) -> BTreeMap<String, String> {
    type_names_for(&api.service, api.actions.keys().map(String::as_str), types)
}

/// [`type_names`] for the service `service` with these actions (any vendor's).
pub fn type_names_for<'a>(
    service: &str,
    actions: impl IntoIterator<Item = &'a str>,
    types: &BTreeSet<String>,
) -> BTreeMap<String, String> {
    let mut taken: BTreeSet<String> = codegen::model::PRELUDE
        .iter()
        .chain(RESERVED)
        .map(|s| (*s).to_owned())
        .collect();
    taken.insert(format!("{}Error", pascal(service)));
    for a in actions {
        let p = pascal(a);
        for suffix in ["Request", "RequestBuilder", "Response", "Error"] {
            taken.insert(format!("{p}{suffix}"));
        }
    }
    let mut out = BTreeMap::new();
    for t in types {
        let base = pascal(t);
        let mut name = base.clone();
        let mut n = 1;
        while taken.contains(&name) {
            name = if n == 1 {
                format!("{base}Type")
            } else {
                format!("{base}Type{n}")
            };
            n += 1;
        }
        taken.insert(name.clone());
        out.insert(t.clone(), name);
    }
    out
}

/// Rust field names where `snake(wire)` will not do (keyword, clash, odd start), for
/// fields of these wire names in order.
pub fn rust_names<'a>(wires: impl IntoIterator<Item = &'a str>) -> Vec<Option<String>> {
    let mut taken = BTreeSet::new();
    wires
        .into_iter()
        .map(|wire| {
            let s = snake(wire);
            let (mut base, mut renamed) = if s.is_empty() {
                ("field".to_owned(), true)
            } else if s.starts_with('_') || s.starts_with(|c: char| c.is_ascii_digit()) {
                (format!("field_{}", s.trim_start_matches('_')), true)
            } else if is_keyword(&s) || s == "build" {
                // `build` would be a request builder's setter beside its `build()`.
                (format!("{s}_field"), true)
            } else {
                (s, false)
            };
            if taken.contains(&base) {
                let mut n = 2;
                while taken.contains(&format!("{base}_{n}")) {
                    n += 1;
                }
                base = format!("{base}_{n}");
                renamed = true;
            }
            taken.insert(base.clone());
            renamed.then_some(base)
        })
        .collect()
}

fn ty_text(ty: &Ty, names: &BTreeMap<String, String>) -> (String, Option<&'static str>) {
    match ty {
        Ty::Str => ("string".into(), None),
        Ty::I64 => ("i64".into(), None),
        Ty::U64 => ("u64".into(), None),
        Ty::F64 => ("f64".into(), None),
        Ty::Bool => ("bool".into(), None),
        Ty::Timestamp(f) => ("timestamp".into(), Some(f)),
        Ty::Obj(o) => (names.get(o).cloned().unwrap_or_else(|| pascal(o)), None),
        Ty::List(e) => {
            let (t, f) = ty_text(e, names);
            (format!("list<{t}>"), f)
        }
        Ty::Bytes => ("bytes".into(), None),
    }
}

fn example(ty: &Ty, ex: &str) -> Option<String> {
    match ty {
        Ty::Str if !ex.is_empty() => Some(json_str(ex)),
        Ty::I64 => ex.trim().parse::<i64>().ok().map(|v| v.to_string()),
        Ty::U64 => ex.trim().parse::<u64>().ok().map(|v| v.to_string()),
        Ty::F64 => ex
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|f| f.is_finite())
            .map(super::overlay::float),
        Ty::Bool => match ex.trim() {
            "true" => Some("true".into()),
            "false" => Some("false".into()),
            _ => None,
        },
        _ => None,
    }
}

/// The catalogue marks no field secret; these defaults keep the obvious ones out of `Debug`
/// output and logs (an overlay may say otherwise). A string, or a list of strings, is
/// `sensitive: true` when [`secret_name`] says its name is a secret's, and
/// `sensitive: signed-url` when it is named like a download URL.
fn sensitivity(m: &Member) -> Option<&'static str> {
    let strings = match &m.ty {
        Ty::Str => true,
        Ty::List(inner) => matches!(**inner, Ty::Str),
        _ => false,
    };
    let name = m.name.to_ascii_lowercase();
    if !strings {
        None
    } else if secret_name(&name) {
        Some("true")
    } else if name.contains("downloadurl") {
        Some("signed-url")
    } else {
        None
    }
}

/// `  Wire: { type: ..., ... }` lines of one struct, with `indent` spaces.
fn fields(
    out: &mut String,
    indent: usize,
    members: &[Member],
    names: &BTreeMap<String, String>,
    request: bool,
    extra: Option<&BTreeMap<String, (FieldSet, String)>>,
) {
    let renames = rust_names(members.iter().map(|m| m.name.as_str()));
    // An input with a file (`binary`) is sent as a multipart form: every field a part.
    let multipart = request && members.iter().any(|m| m.ty == Ty::Bytes);
    for (m, rn) in members.iter().zip(renames) {
        let mut kv: BTreeMap<&str, String> = BTreeMap::new();
        let (t, f) = ty_text(&m.ty, names);
        kv.insert("type", t);
        if multipart {
            kv.insert("location", "part".into());
        }
        if let Some(f) = f {
            kv.insert("format", f.into());
        }
        if request && m.required {
            kv.insert("required", "true".into());
        }
        if m.disabled {
            kv.insert("deprecated", "true".into());
        }
        // The vendor's idempotency key (its doc: "used to ensure request idempotency"): the
        // runtime fills an unset one, so the call can be retried.
        if request && m.name == IDEMPOTENCY_TOKEN && m.ty == Ty::Str && !m.required {
            kv.insert("idempotency_token", "true".into());
        }
        if let Some(rn) = rn {
            kv.insert("rust_name", rn);
        }
        if !m.doc.is_empty() {
            kv.insert("doc", json_str(&m.doc));
        }
        if let Some(e) = m.example.as_deref().and_then(|e| example(&m.ty, e)) {
            kv.insert("example", e);
        }
        if let Some(s) = sensitivity(m).filter(|s| !(request && *s == "signed-url")) {
            kv.insert("sensitive", s.into());
            // A secret's example would print it in the docs.
            if s == "true" {
                kv.remove("example");
            }
        }
        if let Some((set, _)) = extra.and_then(|x| x.get(&m.name)) {
            for (k, v) in set {
                if let Some(k) = FIELD_ORDER.iter().find(|o| **o == k.as_str()) {
                    kv.insert(k, v.clone());
                }
            }
        }
        let body: Vec<String> = FIELD_ORDER
            .iter()
            .filter_map(|k| kv.get(k).map(|v| format!("{k}: {v}")))
            .collect();
        let _ = writeln!(
            out,
            "{:indent$}{}: {{ {} }}",
            "",
            key(&m.name),
            body.join(", ")
        );
    }
}

/// Renders the files of one version: (path relative to its directory, bytes).
pub fn render(r: &Render<'_>, stats: &mut Stats) -> Vec<(String, Vec<u8>)> {
    let api = r.api;
    let header = format!(
        "# @imported by `cargo xtask import tencent` from {} `{}/api.json`; do not edit: re-run the import, and put additions in overlay.yaml.\n",
        r.tool,
        api.rel()
    );
    let actions: Vec<(&String, &super::tencent::Action)> = api
        .actions
        .iter()
        .filter(|(n, _)| !r.skip.contains(*n))
        .collect();
    stats.skipped += api.actions.len() - actions.len();
    let roots: Vec<&str> = actions
        .iter()
        .flat_map(|(_, a)| [a.input.as_str(), a.output.as_str()])
        .collect();
    let types = reachable(api, &roots);
    let names = type_names(api, &types);
    let mut files = Vec::new();
    let empty = super::tencent::Object {
        doc: String::new(),
        members: Vec::new(),
    };
    for (name, a) in &actions {
        let sn = snake(name);
        let ov = r.overlay.and_then(|o| o.ops.get(*name));
        let mut s = header.clone();
        let _ = writeln!(s, "operation: {name}");
        let _ = writeln!(
            s,
            "origin: {}",
            json_str(&format!("{} {}", r.tool, api.rel()))
        );
        // A status other than `online` and `deprecated` (none in the pinned catalogue) marks
        // the operation deprecated, and its doc says which status the catalogue gave.
        let mut doc = a.doc.trim().to_owned();
        if let Some(other) = a
            .status
            .as_deref()
            .filter(|s| !["online", "deprecated"].contains(s))
        {
            let sep = if doc.is_empty() { "" } else { "\n\n" };
            doc = format!("{doc}{sep}The catalogue gives this action the status `{other}`.");
        }
        if !doc.is_empty() {
            let _ = writeln!(s, "doc: {}", json_str(&doc));
        }
        if a.status.as_deref().is_some_and(|s| s != "online") {
            s.push_str("deprecated: true\n");
        }
        let top = ov.map(|o| o.top.as_slice()).unwrap_or_default();
        // The importers' one idempotency rule (`super::reads`); an overlay's word wins.
        if super::reads(name) && !top.iter().any(|(k, _)| k == "idempotent") {
            stats.idempotent += 1;
            s.push_str("idempotent: true\n");
        }
        // The importers' one paging rule (`super::paging`); an overlay's word wins, and its
        // `pagination: false` keeps the operation unpaged.
        if !top.iter().any(|(k, _)| k == "pagination") {
            let members = |obj: &str| -> Vec<super::paging::Member<'_>> {
                api.objects
                    .get(obj)
                    .map(|o| o.members.as_slice())
                    .unwrap_or_default()
                    .iter()
                    .map(|m| super::paging::Member {
                        wire: &m.name,
                        kind: match m.ty {
                            Ty::I64 | Ty::U64 => super::paging::Kind::Integer,
                            Ty::Str => super::paging::Kind::Str,
                            Ty::Bool => super::paging::Kind::Bool,
                            Ty::List(_) => super::paging::Kind::List,
                            _ => super::paging::Kind::Other,
                        },
                        doc: &m.doc,
                    })
                    .collect()
            };
            if let Some(p) = super::paging::detect(&members(&a.input), &members(&a.output)) {
                stats.paginated += 1;
                let _ = writeln!(s, "pagination: {p}");
            }
        }
        for (k, v) in top
            .iter()
            .filter(|(k, v)| !(k == "pagination" && v == "false"))
        {
            let _ = writeln!(s, "{k}: {v}");
        }
        for (label, obj) in [("request", &a.input), ("response", &a.output)] {
            let o = api.objects.get(obj.as_str()).unwrap_or(&empty);
            if o.members.is_empty() {
                let _ = writeln!(s, "{label}: {{}}");
                continue;
            }
            let _ = writeln!(s, "{label}:");
            let extra = ov.map(|o| {
                if label == "request" {
                    &o.request
                } else {
                    &o.response
                }
            });
            fields(&mut s, 2, &o.members, &names, label == "request", extra);
        }
        if let Some(o) = ov.filter(|o| !o.errors.is_empty()) {
            s.push_str("errors:\n");
            for e in &o.errors {
                let _ = writeln!(s, "  - {e}");
            }
        }
        let mut samples = String::new();
        for (i, ex) in api.examples.get(*name).into_iter().flatten().enumerate() {
            if ex.output.trim().is_empty() {
                stats.ex_empty += 1;
                continue;
            }
            let file = format!("examples/{sn}_{}.json", i + 1);
            let mut item = format!("name: example_{}, file: {}", i + 1, json_str(&file));
            let mut output = ex.output.clone();
            let mut repairs = Vec::new();
            // The other edition's example at the same place, when it lists as many.
            let fallback = || {
                api.fallback_examples
                    .get(*name)
                    .filter(|list| list.len() == api.examples.get(*name).map_or(0, Vec::len))
                    .and_then(|list| list.get(i))
            };
            let parsed = match parse_or_mend(&output) {
                Ok((mended, doc)) => {
                    if let Some((text, what)) = mended {
                        stats.ex_repaired += 1;
                        repairs.push(what);
                        output = text;
                    }
                    Ok(doc)
                }
                Err(e) => match fallback().and_then(|f| fallback_example(&output, &f.output)) {
                    Some((text, doc)) => {
                        stats.ex_fallback += 1;
                        let what = format!(
                            "not JSON in this edition ({e}); the fallback edition's example {}, which has every key this one shows",
                            i + 1
                        );
                        repairs.push(what);
                        output = text;
                        Ok(doc)
                    }
                    None => Err(e),
                },
            };
            // A payload shown without its envelope, or inside another one.
            let output_members = api.objects.get(a.output.as_str()).unwrap_or(&empty);
            let parsed = parsed.map(|doc| match envelope_repair(&doc, &output, output_members) {
                Some((text, what, doc)) => {
                    stats.ex_enveloped += 1;
                    repairs.push(what);
                    output = text;
                    doc
                }
                None => doc,
            });
            if !repairs.is_empty() {
                let _ = write!(item, ", repaired: {}", json_str(&repairs.join("; ")));
            }
            match parsed {
                Err(e) => {
                    stats.ex_invalid += 1;
                    let _ = write!(item, ", invalid: {}", json_str(&format!("not JSON: {e}")));
                }
                Ok(v) => match v.pointer("/Response/Error/Code").and_then(|c| c.as_str()) {
                    Some(code) => {
                        stats.ex_error += 1;
                        let _ = write!(item, ", error: {}", json_str(code));
                    }
                    None => stats.ex_ok += 1,
                },
            }
            if !ex.title.is_empty() {
                let _ = write!(item, ", doc: {}", json_str(&ex.title));
            }
            let _ = writeln!(samples, "  - {{ {item} }}");
            files.push((file, output.into_bytes()));
        }
        if !samples.is_empty() {
            s.push_str("samples:\n");
            s.push_str(&samples);
        }
        stats.operations += 1;
        files.push((format!("{sn}.yaml"), s.into_bytes()));
    }
    // service.yaml
    let mut s = header;
    if let Some(d) = r.overlay_digest {
        let _ = writeln!(s, "{}{d}", super::overlay::DIGEST_LINE);
    }
    let _ = writeln!(s, "service: {}", key(&api.service));
    s.push_str("protocol: tencent-v3\n");
    let _ = writeln!(s, "version: {}", json_str(&api.api_version));
    let _ = writeln!(s, "endpoint: {}.tencentcloudapi.com", api.short_name);
    let _ = writeln!(s, "signing_name: {}", key(&api.short_name));
    if let Some(title) = &api.title {
        let _ = writeln!(s, "title: {}", json_str(title));
    }
    let _ = writeln!(
        s,
        "doc: {}",
        json_str(&format!(
            "Tencent Cloud {} API, version {} (imported from the vendor catalogue).",
            api.service, api.api_version
        ))
    );
    if types.is_empty() {
        s.push_str("types: {}\n");
    } else {
        s.push_str("types:\n");
    }
    // Sorted by Rust name, so the file reads like the generated module.
    let mut by_name: Vec<(&String, &String)> = names.iter().map(|(c, r)| (r, c)).collect();
    by_name.sort();
    for (rust, cat) in by_name {
        let Some(o) = api.objects.get(cat) else {
            continue;
        };
        let _ = writeln!(s, "  {}:", key(rust));
        if !o.doc.is_empty() {
            let _ = writeln!(s, "    doc: {}", json_str(&o.doc));
        }
        if o.members.is_empty() {
            s.push_str("    fields: {}\n");
        } else {
            s.push_str("    fields:\n");
            let extra = r.overlay.and_then(|ov| ov.types.get(cat));
            fields(&mut s, 6, &o.members, &names, false, extra);
        }
    }
    stats.types += types.len();
    if let Some(errors) = api.errors.as_ref().filter(|e| !e.is_empty()) {
        s.push_str("errors:\n");
        // The generator names a variant after the PascalCase of its code; codes that differ
        // only in punctuation (`InvalidParameter.ValueTooLarge`, `InvalidParameterValue.TooLarge`)
        // would share one, so later ones get a numbered `variant:`.
        let mut taken: std::collections::BTreeSet<String> = codegen::model::RESERVED_ERROR_VARIANTS
            .map(str::to_owned)
            .into();
        for e in errors {
            let _ = write!(s, "  - {{ code: {}", json_str(&e.code));
            let base = codegen::naming::pascal(&e.code);
            if !taken.insert(base.clone()) {
                let variant = (2..)
                    .map(|n| format!("{base}{n}"))
                    .find(|v| !taken.contains(v))
                    .unwrap_or_default();
                taken.insert(variant.clone());
                let _ = write!(s, ", variant: {variant}");
            }
            if !e.doc.is_empty() {
                let _ = write!(s, ", doc: {}", json_str(&e.doc));
            }
            s.push_str(" }\n");
        }
        stats.error_codes += errors.len();
    }
    files.push(("service.yaml".into(), s.into_bytes()));
    files
}

/// A Tencent API 3.0 example whose document has no `Response` object but is the payload
/// itself (every top-level key a member of the action's output, `RequestId` among them:
/// wrapped in one), or holds it one level down, inside another envelope (a console's
/// `{"data": {"Response": …}, "code": 0}`: taken out). The new text, what was done, and its
/// document; `None` for anything else.
fn envelope_repair(
    doc: &serde_json::Value,
    text: &str,
    output: &super::tencent::Object,
) -> Option<(String, String, serde_json::Value)> {
    let top = doc.as_object()?;
    if top.contains_key("Response") {
        return None;
    }
    let is_member = |k: &String| output.members.iter().any(|m| &m.name == k);
    if top.contains_key("RequestId") && top.keys().all(is_member) {
        // On the text's first line, so the line numbers of an earlier mend stay true.
        let text = format!("{{\"Response\": {}\n}}\n", text.trim_end());
        let doc = serde_json::json!({ "Response": doc });
        let what = "the payload shown without its `Response` envelope: wrapped in one";
        return Some((text, what.to_owned(), doc));
    }
    let mut inner = top
        .iter()
        .filter(|(_, v)| v.get("Response").is_some_and(serde_json::Value::is_object));
    let (key, v) = inner.next()?;
    if inner.next().is_some() {
        return None;
    }
    // The vendor's own text of that member, as it is (its key order, its numbers).
    let members: BTreeMap<String, &serde_json::value::RawValue> =
        serde_json::from_str(text).ok()?;
    let raw = members.get(key)?.get();
    let what = format!(
        "the response shown inside another envelope (under `{key}`): taken out, its text as the vendor's"
    );
    Some((format!("{raw}\n"), what, v.clone()))
}

/// An example's document: parsed as it is, or mended into JSON (then with the mended text and
/// what was mended, see `repair`); the parse error when neither works.
fn parse_or_mend(
    text: &str,
) -> Result<(Option<(String, String)>, serde_json::Value), serde_json::Error> {
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(doc) => Ok((None, doc)),
        Err(e) => match super::repair::repair(text) {
            Some((mended, what, doc)) => Ok((Some((mended, what)), doc)),
            None => Err(e),
        },
    }
}

/// The other edition's text of an example whose text here is not JSON: used when it is JSON
/// (or mends into JSON) and holds every object key the broken text still shows, so it is the
/// same example in other words. The examples are matched by position (the caller checks that
/// both editions list as many for the action).
pub fn fallback_example(broken: &str, other: &str) -> Option<(String, serde_json::Value)> {
    let (mended, doc) = parse_or_mend(other).ok()?;
    let text = mended.map_or_else(|| other.to_owned(), |(text, _)| text);
    let mut keys = BTreeSet::new();
    fn collect<'a>(v: &'a serde_json::Value, out: &mut BTreeSet<&'a str>) {
        match v {
            serde_json::Value::Object(m) => {
                for (k, v) in m {
                    out.insert(k.as_str());
                    collect(v, out);
                }
            }
            serde_json::Value::Array(a) => a.iter().for_each(|v| collect(v, out)),
            _ => {}
        }
    }
    collect(&doc, &mut keys);
    let shown = shown_keys(broken);
    (!shown.is_empty() && shown.iter().all(|k| keys.contains(k))).then_some((text, doc))
}

/// The object keys a text that is not JSON still shows: `"Name"` followed by `:`.
fn shown_keys(text: &str) -> BTreeSet<&str> {
    let mut out = BTreeSet::new();
    let mut rest = text;
    while let Some(open) = rest.find('"') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('"') else { break };
        let word = &after[..close];
        let tail = &after[close + 1..];
        if !word.is_empty()
            && word.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && tail.trim_start().starts_with(':')
        {
            out.insert(word);
            rest = tail;
        } else {
            // The closing quote may open the next string: go on from it.
            rest = &after[close..];
        }
    }
    out
}
