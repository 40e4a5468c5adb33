//! The spec format as read from YAML: every value keeps its position. This layer checks
//! shapes (mapping vs string, known keys, required keys, duplicate keys); meaning is
//! checked in [`crate::model`]. Every problem is collected, none stops the reading.

use crate::diag::{Diag, Diagnostics, Pos};
use crate::naming::did_you_mean;
use crate::yaml::{Kind, Node};

/// A located string.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Str {
    pub value: String,
    pub pos: Pos,
}

/// A located number.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Num {
    pub value: f64,
    pub is_int: bool,
    pub pos: Pos,
}

/// One field of a request, response or object type.
#[derive(Clone, Debug)]
pub struct FieldSpec {
    pub name: Str,
    pub ty: Str,
    pub required: bool,
    pub doc: Option<String>,
    pub example: Option<String>,
    pub min: Option<Num>,
    pub max: Option<Num>,
    pub unit: Option<Str>,
    pub encoding: Option<Str>,
    pub location: Option<Str>,
    pub rust_name: Option<Str>,
    pub sensitive: Option<Str>,
    pub valid_for: Option<String>,
    pub aliases: Vec<Str>,
    pub format: Option<Str>,
}

/// One value of an enum type.
#[derive(Clone, Debug)]
pub struct EnumValueSpec {
    pub value: Str,
    pub doc: Option<String>,
    pub rust_name: Option<Str>,
}

/// A named type.
#[derive(Clone, Debug)]
pub struct TypeSpec {
    pub name: Str,
    pub doc: Option<String>,
    pub body: TypeBody,
}

#[derive(Clone, Debug)]
pub enum TypeBody {
    Object(Vec<FieldSpec>),
    Enum(Vec<EnumValueSpec>),
}

/// One row of an error table.
#[derive(Clone, Debug)]
pub struct ErrorRow {
    pub code: Str,
    pub message: Option<String>,
    pub doc: Option<String>,
    pub variant: Option<Str>,
    pub retryable: Retry,
    pub status: Option<u16>,
    /// What the protocol means by this code when refusing a request (protocol rows only).
    pub roles: Vec<Str>,
    pub pos: Pos,
}

/// A documented sample response.
#[derive(Clone, Debug)]
pub struct SampleSpec {
    pub name: Str,
    pub file: Str,
    pub status: u16,
    pub doc: Option<String>,
}

#[derive(Clone, Debug)]
pub struct HttpSpec {
    pub method: Str,
    pub path: Str,
}

/// One operation spec file.
#[derive(Clone, Debug)]
pub struct OpSpec {
    pub file: String,
    pub operation: Str,
    pub protocol: Str,
    pub service: Str,
    pub version: Option<Str>,
    pub endpoint: Str,
    pub http: Option<HttpSpec>,
    pub idempotent: bool,
    pub rate_limit: Option<Num>,
    pub doc: String,
    pub request: Vec<FieldSpec>,
    pub response: Vec<FieldSpec>,
    pub types: Vec<TypeSpec>,
    pub errors: Vec<ErrorRow>,
    pub samples: Vec<SampleSpec>,
}

/// The envelope description of a protocol file.
#[derive(Clone, Debug, Default)]
pub struct EnvelopeSpec {
    pub wrapper: Option<Str>,
    pub error_object: Option<Str>,
    pub code_field: Option<Str>,
    pub message_field: Option<Str>,
    pub success_code: Option<Str>,
    pub request_id_field: Option<Str>,
    pub request_id_header: Option<Str>,
    pub status_errors: bool,
    /// Codes meaning "the signature's timestamp is too far from the server's clock".
    pub clock_skew_codes: Vec<Str>,
}

/// One protocol file.
#[derive(Clone, Debug)]
pub struct ProtocolSpec {
    pub file: String,
    pub protocol: Str,
    pub provider: Str,
    pub title: String,
    pub doc: String,
    pub signing: Option<String>,
    pub http: Option<HttpSpec>,
    pub envelope: EnvelopeSpec,
    pub common_params: Vec<(Str, String)>,
    pub errors: Vec<ErrorRow>,
    /// The runtime `Protocol` variant that implements it.
    pub runtime: Option<Str>,
    /// Locations a request field may name, and where a field without one goes.
    pub locations: Vec<Str>,
    pub default_location: Option<Str>,
    /// Path parameters the signer fills from the credentials when the request leaves them unset.
    pub credential_params: Vec<Str>,
    /// Timestamp window in seconds (none: the protocol signs no time).
    pub max_skew_seconds: Option<Num>,
    /// HTTP status of a refusal whose error row gives none.
    pub refusal_status: Option<Num>,
}

/// Reads nodes of one file, collecting diagnostics.
pub struct Reader<'a> {
    pub file: &'a str,
    pub diags: &'a mut Diagnostics,
}

/// A mapping being read: tracks which keys were consumed.
pub struct Obj<'n> {
    pub pos: Pos,
    entries: Vec<(String, &'n Node, &'n Node)>,
    used: Vec<bool>,
}

impl<'a> Reader<'a> {
    pub fn err(&mut self, pos: Pos, msg: impl Into<String>) -> &mut Diag {
        self.diags.push(Diag::new(self.file, pos, msg));
        self.diags.0.last_mut().expect("just pushed")
    }

    fn expected(&mut self, node: &Node, what: &str, key: &str) {
        self.err(
            node.pos,
            format!("`{key}` must be {what}, found {}", node.kind.describe()),
        );
    }

    /// Opens a mapping; reports duplicate keys.
    pub fn obj<'n>(&mut self, node: &'n Node, key: &str) -> Option<Obj<'n>> {
        let Kind::Map(entries) = &node.kind else {
            self.expected(node, "a mapping", key);
            return None;
        };
        let mut out: Vec<(String, &'n Node, &'n Node)> = Vec::new();
        for (k, v) in entries {
            let Some(name) = k.scalar_text() else {
                self.err(k.pos, format!("keys of `{key}` must be plain scalars"));
                continue;
            };
            if let Some((_, first, _)) = out.iter().find(|(n, _, _)| *n == name) {
                let first = first.pos;
                self.err(k.pos, format!("duplicate key `{name}` in `{key}`"))
                    .hint = Some(format!(
                    "first defined at line {}:{}",
                    first.line, first.col
                ));
                continue;
            }
            out.push((name, k, v));
        }
        let used = vec![false; out.len()];
        Some(Obj {
            pos: node.pos,
            entries: out,
            used,
        })
    }

    /// Reports keys not consumed, suggesting the closest known one.
    pub fn finish(&mut self, obj: Obj<'_>, known: &[&str], what: &str) {
        for (i, (name, k, _)) in obj.entries.iter().enumerate() {
            if obj.used[i] {
                continue;
            }
            let d = self.err(k.pos, format!("unknown key `{name}` in {what}"));
            d.hint = Some(match did_you_mean(name, known.iter().copied()) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!("known keys: {}", known.join(", ")),
            });
        }
    }

    pub fn str_node(&mut self, node: &Node, key: &str) -> Option<Str> {
        match &node.kind {
            Kind::Str(s) => Some(Str {
                value: s.clone(),
                pos: node.pos,
            }),
            Kind::Int(_) | Kind::Float(_) | Kind::Bool(_) => Some(Str {
                value: node.scalar_text().unwrap_or_default(),
                pos: node.pos,
            }),
            _ => {
                self.expected(node, "a string", key);
                None
            }
        }
    }

    pub fn req_str(&mut self, o: &mut Obj<'_>, key: &str, what: &str) -> Option<Str> {
        match o.take(key) {
            Some(n) => self.str_node(n, key),
            None => {
                self.err(o.pos, format!("missing required key `{key}` in {what}"));
                None
            }
        }
    }

    pub fn opt_str(&mut self, o: &mut Obj<'_>, key: &str) -> Option<Str> {
        o.take(key).and_then(|n| {
            if matches!(n.kind, Kind::Null) {
                None
            } else {
                self.str_node(n, key)
            }
        })
    }

    pub fn opt_text(&mut self, o: &mut Obj<'_>, key: &str) -> Option<String> {
        self.opt_str(o, key).map(|s| s.value)
    }

    pub fn bool(&mut self, o: &mut Obj<'_>, key: &str) -> bool {
        match o.take(key) {
            None => false,
            Some(Node {
                kind: Kind::Bool(b),
                ..
            }) => *b,
            Some(n) => {
                self.expected(n, "`true` or `false`", key);
                false
            }
        }
    }

    pub fn num(&mut self, node: &Node, key: &str) -> Option<Num> {
        match &node.kind {
            Kind::Int(i) => Some(Num {
                value: *i as f64,
                is_int: true,
                pos: node.pos,
            }),
            Kind::Float(f) => Some(Num {
                value: *f,
                is_int: false,
                pos: node.pos,
            }),
            _ => {
                self.expected(node, "a number", key);
                None
            }
        }
    }

    pub fn opt_num(&mut self, o: &mut Obj<'_>, key: &str) -> Option<Num> {
        o.take(key).and_then(|n| self.num(n, key))
    }

    pub fn seq<'n>(&mut self, node: &'n Node, key: &str) -> &'n [Node] {
        match &node.kind {
            Kind::Seq(items) => items,
            Kind::Null => &[],
            _ => {
                self.expected(node, "a list", key);
                &[]
            }
        }
    }
}

impl<'n> Obj<'n> {
    /// Takes the value of `key`, marking it used.
    pub fn take(&mut self, key: &str) -> Option<&'n Node> {
        let i = self.entries.iter().position(|(n, _, _)| n == key)?;
        self.used[i] = true;
        Some(self.entries[i].2)
    }

    /// All remaining entries (for maps whose keys are names), marking them used.
    pub fn take_all(&mut self) -> Vec<(Str, &'n Node)> {
        self.used.iter_mut().for_each(|u| *u = true);
        self.entries
            .iter()
            .map(|(n, k, v)| {
                (
                    Str {
                        value: n.clone(),
                        pos: k.pos,
                    },
                    *v,
                )
            })
            .collect()
    }
}

const FIELD_KEYS: &[&str] = &[
    "type",
    "required",
    "doc",
    "example",
    "min",
    "max",
    "unit",
    "encoding",
    "location",
    "rust_name",
    "sensitive",
    "valid_for",
    "aliases",
    "format",
];

fn read_fields(r: &mut Reader<'_>, node: Option<&Node>, key: &str) -> Vec<FieldSpec> {
    let Some(node) = node else { return Vec::new() };
    if matches!(node.kind, Kind::Null) {
        return Vec::new();
    }
    let Some(mut o) = r.obj(node, key) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (name, v) in o.take_all() {
        let what = format!("field `{}`", name.value);
        // Short form: `Name: string`.
        if let Kind::Str(t) = &v.kind {
            out.push(FieldSpec::short(
                name,
                Str {
                    value: t.clone(),
                    pos: v.pos,
                },
            ));
            continue;
        }
        let Some(mut f) = r.obj(v, &name.value) else {
            continue;
        };
        let ty = r.req_str(&mut f, "type", &what);
        let required = r.bool(&mut f, "required");
        let doc = r.opt_text(&mut f, "doc");
        let example = r.opt_text(&mut f, "example");
        let min = r.opt_num(&mut f, "min");
        let max = r.opt_num(&mut f, "max");
        let unit = r.opt_str(&mut f, "unit");
        let encoding = r.opt_str(&mut f, "encoding");
        let location = r.opt_str(&mut f, "location");
        let rust_name = r.opt_str(&mut f, "rust_name");
        let sensitive = match f.take("sensitive") {
            Some(Node {
                kind: Kind::Bool(true),
                pos,
            }) => Some(Str {
                value: "true".into(),
                pos: *pos,
            }),
            Some(Node {
                kind: Kind::Bool(false),
                ..
            })
            | None => None,
            Some(n) => r.str_node(n, "sensitive"),
        };
        let valid_for = r.opt_text(&mut f, "valid_for");
        let aliases = match f.take("aliases") {
            Some(n) => r
                .seq(n, "aliases")
                .iter()
                .filter_map(|a| r.str_node(a, "aliases"))
                .collect(),
            None => Vec::new(),
        };
        let format = r.opt_str(&mut f, "format");
        r.finish(f, FIELD_KEYS, &what);
        let Some(ty) = ty else { continue };
        out.push(FieldSpec {
            name,
            ty,
            required,
            doc,
            example,
            min,
            max,
            unit,
            encoding,
            location,
            rust_name,
            sensitive,
            valid_for,
            aliases,
            format,
        });
    }
    out
}

impl FieldSpec {
    fn short(name: Str, ty: Str) -> Self {
        FieldSpec {
            name,
            ty,
            required: false,
            doc: None,
            example: None,
            min: None,
            max: None,
            unit: None,
            encoding: None,
            location: None,
            rust_name: None,
            sensitive: None,
            valid_for: None,
            aliases: Vec::new(),
            format: None,
        }
    }
}

fn read_types(r: &mut Reader<'_>, node: Option<&Node>) -> Vec<TypeSpec> {
    let Some(node) = node else { return Vec::new() };
    let Some(mut o) = r.obj(node, "types") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (name, v) in o.take_all() {
        let what = format!("type `{}`", name.value);
        let Some(mut t) = r.obj(v, &name.value) else {
            continue;
        };
        let doc = r.opt_text(&mut t, "doc");
        let fields = t.take("fields");
        let values = t.take("enum");
        let body = match (fields, values) {
            (Some(f), None) => TypeBody::Object(read_fields(r, Some(f), "fields")),
            (None, Some(e)) => TypeBody::Enum(read_enum(r, e)),
            (Some(_), Some(_)) => {
                r.err(t.pos, format!("{what} has both `fields` and `enum`"))
                    .hint =
                    Some("a type is either an object (`fields`) or an enum (`enum`)".into());
                TypeBody::Object(Vec::new())
            }
            (None, None) => {
                r.err(t.pos, format!("{what} has neither `fields` nor `enum`"));
                TypeBody::Object(Vec::new())
            }
        };
        r.finish(t, &["doc", "fields", "enum"], &what);
        out.push(TypeSpec { name, doc, body });
    }
    out
}

fn read_enum(r: &mut Reader<'_>, node: &Node) -> Vec<EnumValueSpec> {
    let mut out = Vec::new();
    for item in r.seq(node, "enum") {
        if let Kind::Map(_) = item.kind {
            let Some(mut o) = r.obj(item, "enum") else {
                continue;
            };
            let value = r.req_str(&mut o, "value", "enum value");
            let doc = r.opt_text(&mut o, "doc");
            let rust_name = r.opt_str(&mut o, "rust_name");
            r.finish(o, &["value", "doc", "rust_name"], "enum value");
            out.extend(value.map(|value| EnumValueSpec {
                value,
                doc,
                rust_name,
            }));
        } else if let Some(value) = r.str_node(item, "enum") {
            out.push(EnumValueSpec {
                value,
                doc: None,
                rust_name: None,
            });
        }
    }
    out
}

/// When an error may be retried: `retryable: true` (only idempotent calls: the request may
/// have been processed), `always` (throttling: it was refused before processing), or never.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Retry {
    #[default]
    Never,
    IfIdempotent,
    Always,
}

fn read_retry(r: &mut Reader<'_>, o: &mut Obj<'_>) -> Retry {
    match o.take("retryable") {
        None => Retry::Never,
        Some(Node {
            kind: Kind::Bool(true),
            ..
        }) => Retry::IfIdempotent,
        Some(Node {
            kind: Kind::Bool(false),
            ..
        }) => Retry::Never,
        Some(Node {
            kind: Kind::Str(s), ..
        }) if s == "always" => Retry::Always,
        Some(n) => {
            r.expected(
                n,
                "`true` (idempotent calls only), `always` (throttling) or `false`",
                "retryable",
            );
            Retry::Never
        }
    }
}

fn read_errors(r: &mut Reader<'_>, node: Option<&Node>) -> Vec<ErrorRow> {
    let Some(node) = node else { return Vec::new() };
    let mut out = Vec::new();
    for item in r.seq(node, "errors") {
        let Some(mut o) = r.obj(item, "errors") else {
            continue;
        };
        let code = r.req_str(&mut o, "code", "error row");
        let message = r.opt_text(&mut o, "message");
        let doc = r.opt_text(&mut o, "doc");
        let variant = r.opt_str(&mut o, "variant");
        let retryable = read_retry(r, &mut o);
        let status = r.opt_num(&mut o, "status").and_then(|n| {
            if n.is_int && (100.0..=599.0).contains(&n.value) {
                Some(n.value as u16)
            } else {
                r.err(
                    n.pos,
                    format!(
                        "`status` must be an HTTP status 100..=599, found {}",
                        n.value
                    ),
                );
                None
            }
        });
        let mut roles = Vec::new();
        if let Some(n) = o.take("roles") {
            for item in r.seq(n, "roles") {
                roles.extend(r.str_node(item, "roles"));
            }
        }
        r.finish(
            o,
            &[
                "code",
                "message",
                "doc",
                "variant",
                "retryable",
                "status",
                "roles",
            ],
            "error row",
        );
        out.extend(code.map(|code| ErrorRow {
            code,
            message,
            doc,
            variant,
            retryable,
            status,
            roles: std::mem::take(&mut roles),
            pos: item.pos,
        }));
    }
    out
}

fn read_http(r: &mut Reader<'_>, o: &mut Obj<'_>) -> Option<HttpSpec> {
    let node = o.take("http")?;
    let mut h = r.obj(node, "http")?;
    let method = r.req_str(&mut h, "method", "`http`");
    let path = r.req_str(&mut h, "path", "`http`");
    r.finish(h, &["method", "path"], "`http`");
    Some(HttpSpec {
        method: method?,
        path: path?,
    })
}

const OP_KEYS: &[&str] = &[
    "operation",
    "protocol",
    "service",
    "version",
    "endpoint",
    "http",
    "idempotent",
    "rate_limit",
    "doc",
    "request",
    "response",
    "types",
    "errors",
    "samples",
];

/// Reads an operation spec.
pub fn read_op(file: &str, root: &Node, diags: &mut Diagnostics) -> Option<OpSpec> {
    let r = &mut Reader { file, diags };
    let mut o = r.obj(root, "the spec")?;
    let what = "the operation spec";
    let operation = r.req_str(&mut o, "operation", what);
    let protocol = r.req_str(&mut o, "protocol", what);
    let service = r.req_str(&mut o, "service", what);
    let version = r.opt_str(&mut o, "version");
    let endpoint = r.req_str(&mut o, "endpoint", what);
    let http = read_http(r, &mut o);
    let idempotent = r.bool(&mut o, "idempotent");
    let rate_limit = o.take("rate_limit").and_then(|n| {
        let mut rl = r.obj(n, "rate_limit")?;
        let v = r.opt_num(&mut rl, "per_second");
        if v.is_none() {
            r.err(rl.pos, "missing required key `per_second` in `rate_limit`");
        }
        r.finish(rl, &["per_second"], "`rate_limit`");
        v
    });
    let doc = r
        .req_str(&mut o, "doc", what)
        .map(|s| s.value)
        .unwrap_or_default();
    let request = read_fields(r, o.take("request"), "request");
    let response = read_fields(r, o.take("response"), "response");
    let types = read_types(r, o.take("types"));
    let errors = read_errors(r, o.take("errors"));
    let mut samples = Vec::new();
    if let Some(n) = o.take("samples") {
        for item in r.seq(n, "samples") {
            let Some(mut s) = r.obj(item, "samples") else {
                continue;
            };
            let name = r.req_str(&mut s, "name", "sample");
            let file = r.req_str(&mut s, "file", "sample");
            let status = r.opt_num(&mut s, "status").map_or(200, |n| n.value as u16);
            let doc = r.opt_text(&mut s, "doc");
            r.finish(s, &["name", "file", "status", "doc"], "sample");
            if let (Some(name), Some(file)) = (name, file) {
                samples.push(SampleSpec {
                    name,
                    file,
                    status,
                    doc,
                });
            }
        }
    }
    r.finish(o, OP_KEYS, what);
    Some(OpSpec {
        file: file.to_owned(),
        operation: operation?,
        protocol: protocol?,
        service: service?,
        version,
        endpoint: endpoint?,
        http,
        idempotent,
        rate_limit,
        doc,
        request,
        response,
        types,
        errors,
        samples,
    })
}

const ENVELOPE_KEYS: &[&str] = &[
    "wrapper",
    "error_object",
    "code_field",
    "message_field",
    "success_code",
    "request_id_field",
    "request_id_header",
    "status_errors",
    "clock_skew_codes",
];

/// Reads a protocol file.
pub fn read_protocol(file: &str, root: &Node, diags: &mut Diagnostics) -> Option<ProtocolSpec> {
    let r = &mut Reader { file, diags };
    let mut o = r.obj(root, "the protocol file")?;
    let what = "the protocol file";
    let protocol = r.req_str(&mut o, "protocol", what);
    let provider = r.req_str(&mut o, "provider", what);
    let title = r
        .req_str(&mut o, "title", what)
        .map(|s| s.value)
        .unwrap_or_default();
    let doc = r.opt_text(&mut o, "doc").unwrap_or_default();
    let signing = r.opt_text(&mut o, "signing");
    let http = read_http(r, &mut o);
    let mut envelope = EnvelopeSpec::default();
    match o.take("envelope") {
        Some(n) => {
            if let Some(mut e) = r.obj(n, "envelope") {
                envelope.wrapper = r.opt_str(&mut e, "wrapper");
                envelope.error_object = r.opt_str(&mut e, "error_object");
                envelope.code_field = r.req_str(&mut e, "code_field", "`envelope`");
                envelope.message_field = r.req_str(&mut e, "message_field", "`envelope`");
                envelope.success_code = r.opt_str(&mut e, "success_code");
                envelope.request_id_field = r.opt_str(&mut e, "request_id_field");
                envelope.request_id_header = r.opt_str(&mut e, "request_id_header");
                envelope.status_errors = r.bool(&mut e, "status_errors");
                if let Some(n) = e.take("clock_skew_codes") {
                    for item in r.seq(n, "clock_skew_codes") {
                        envelope
                            .clock_skew_codes
                            .extend(r.str_node(item, "clock_skew_codes"));
                    }
                }
                r.finish(e, ENVELOPE_KEYS, "`envelope`");
            }
        }
        None => {
            r.err(
                o.pos,
                "missing required key `envelope` in the protocol file",
            );
        }
    }
    let mut common_params = Vec::new();
    if let Some(n) = o.take("common_params")
        && let Some(mut p) = r.obj(n, "common_params")
    {
        for (name, v) in p.take_all() {
            let doc = r
                .str_node(v, &name.value)
                .map(|s| s.value)
                .unwrap_or_default();
            common_params.push((name, doc));
        }
    }
    let errors = read_errors(r, o.take("errors"));
    let runtime = r.req_str(&mut o, "runtime", what);
    let (mut locations, mut default_location) = (Vec::new(), None);
    if let Some(n) = o.take("locations")
        && let Some(mut l) = r.obj(n, "locations")
    {
        if let Some(n) = l.take("allowed") {
            for item in r.seq(n, "allowed") {
                locations.extend(r.str_node(item, "allowed"));
            }
        }
        default_location = r.opt_str(&mut l, "default");
        r.finish(l, &["allowed", "default"], "`locations`");
    }
    let mut credential_params = Vec::new();
    if let Some(n) = o.take("credential_params") {
        for item in r.seq(n, "credential_params") {
            credential_params.extend(r.str_node(item, "credential_params"));
        }
    }
    let max_skew_seconds = r.opt_num(&mut o, "max_skew_seconds");
    let refusal_status = r.opt_num(&mut o, "refusal_status");
    r.finish(
        o,
        &[
            "runtime",
            "locations",
            "credential_params",
            "max_skew_seconds",
            "refusal_status",
            "protocol",
            "provider",
            "title",
            "doc",
            "signing",
            "http",
            "envelope",
            "common_params",
            "errors",
        ],
        what,
    );
    Some(ProtocolSpec {
        file: file.to_owned(),
        protocol: protocol?,
        provider: provider?,
        title,
        doc,
        signing,
        http,
        envelope,
        common_params,
        errors,
        runtime,
        locations,
        default_location,
        credential_params,
        max_skew_seconds,
        refusal_status,
    })
}
