//! Reading a protocol file, and the parts an operation spec shares with it (error tables,
//! `http`).

use super::{EnvelopeSpec, ErrorRow, HttpSpec, Obj, ProtocolSpec, Reader, Retry};
use crate::diag::Diagnostics;
use crate::yaml::{Kind, Node};

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

pub(super) fn read_errors(r: &mut Reader<'_>, node: Option<&Node>) -> Vec<ErrorRow> {
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

pub(super) fn read_http(r: &mut Reader<'_>, o: &mut Obj<'_>) -> Option<HttpSpec> {
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
    "alt_error_fields",
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
    let vendor = r.opt_text(&mut o, "vendor");
    let example_region = r.opt_text(&mut o, "example_region");
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
                if let Some(n) = e.take("alt_error_fields") {
                    for item in r.seq(n, "alt_error_fields") {
                        envelope
                            .alt_error_fields
                            .extend(r.str_node(item, "alt_error_fields"));
                    }
                }
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
    let mut config_params = Vec::new();
    if let Some(n) = o.take("config_params")
        && let Some(mut p) = r.obj(n, "config_params")
    {
        for (name, v) in p.take_all() {
            // `Region: region`, or `Zone: { setting: zone, required_only: true }`.
            if matches!(v.kind, Kind::Map(_)) {
                if let Some(mut m) = r.obj(v, &name.value) {
                    let setting = r.req_str(&mut m, "setting", "a config parameter");
                    let required_only = r.bool(&mut m, "required_only");
                    r.finish(m, &["setting", "required_only"], "a config parameter");
                    if let Some(setting) = setting {
                        config_params.push((name, setting, required_only));
                    }
                }
            } else if let Some(setting) = r.str_node(v, &name.value) {
                config_params.push((name, setting, false));
            }
        }
    }
    let mut scopes = Vec::new();
    if let Some(n) = o.take("scopes") {
        for item in r.seq(n, "scopes") {
            scopes.extend(r.str_node(item, "scopes"));
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
            "config_params",
            "scopes",
            "max_skew_seconds",
            "refusal_status",
            "protocol",
            "provider",
            "title",
            "vendor",
            "example_region",
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
        vendor,
        example_region,
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
        config_params,
        max_skew_seconds,
        refusal_status,
        scopes,
    })
}
