//! Resolution of protocol files and of error tables (a protocol's and an operation's).

use std::collections::BTreeMap;

use super::{Cx, Envelope, ErrorVariant, Location, Protocol, Retry, Role, Scope};
use crate::diag::{Diagnostics, Pos};
use crate::naming::{is_pascal_ident, is_snake_ident, pascal, snake};
use crate::spec::{ErrorRow, ProtocolSpec, Str};
use sdk_core::protocol::ConfigParam;

/// An error table's rows as variants. `service_enum` (`CdbError`): a variant named from a code
/// that repeats it (`CdbError.BackupError`) drops it (`CdbError::BackupError`), unless another
/// row's name is what remains.
pub(super) fn resolve_errors(
    cx: &mut Cx<'_>,
    rows: Vec<ErrorRow>,
    allow_message_names: bool,
    reserved: &[&str],
    service_enum: Option<&str>,
) -> Vec<ErrorVariant> {
    // The names rows take without the rule, so that dropping a prefix never makes a clash.
    let plain: std::collections::BTreeSet<String> = rows
        .iter()
        .filter_map(|r| match &r.variant {
            Some(v) => Some(v.value.clone()),
            None => r
                .code
                .value
                .starts_with(|c: char| c.is_ascii_alphabetic())
                .then(|| pascal(&r.code.value)),
        })
        .collect();
    let unprefixed = |name: String| -> String {
        let rest = service_enum.and_then(|e| name.strip_prefix(e));
        match rest {
            Some(rest)
                if is_pascal_ident(rest) && !plain.contains(rest) && !reserved.contains(&rest) =>
            {
                rest.to_owned()
            }
            _ => name,
        }
    };
    let mut out: Vec<ErrorVariant> = Vec::new();
    let mut by_variant: BTreeMap<String, (String, Pos)> = BTreeMap::new();
    let mut by_code: BTreeMap<String, Pos> = BTreeMap::new();
    for row in rows {
        let code = row.code.value.clone();
        if let Some(first) = by_code.get(&code) {
            cx.err(row.code.pos, format!("duplicate error code `{code}`"))
                .hint = Some(format!("first listed at line {}:{}", first.line, first.col));
            continue;
        }
        by_code.insert(code.clone(), row.code.pos);
        let (variant, pos) = match &row.variant {
            Some(v) => {
                if !is_pascal_ident(&v.value) {
                    cx.err(
                        v.pos,
                        format!("error variant `{}` is not a PascalCase identifier", v.value),
                    )
                    .hint = Some(format!("try `{}`", pascal(&v.value)));
                    continue;
                }
                (v.value.clone(), v.pos)
            }
            None => {
                let alpha = code.starts_with(|c: char| c.is_ascii_alphabetic());
                match (&row.message, alpha) {
                    (_, true) => (unprefixed(pascal(&code)), row.code.pos),
                    (Some(m), false) if allow_message_names && !m.trim().is_empty() => {
                        (pascal(m), row.pos)
                    }
                    _ => {
                        cx.err(
                            row.code.pos,
                            format!("error code `{code}` needs an explicit `variant:` name"),
                        )
                        .hint = Some(
                            "numeric codes get their variant from `message`, or from `variant:`"
                                .into(),
                        );
                        continue;
                    }
                }
            }
        };
        if reserved.contains(&variant.as_str()) {
            cx.err(pos, format!("error variant name `{variant}` is reserved"))
                .hint = Some("choose another `variant:` name".into());
            continue;
        }
        if let Some((other, first)) = by_variant.get(&variant) {
            cx.err(
                pos,
                format!("duplicate error variant `{variant}` (codes `{other}` and `{code}`)"),
            )
            .hint = Some(format!(
                "codes that share a message need distinct names: add `variant:` to this row (first use at line {}:{})",
                first.line, first.col
            ));
            continue;
        }
        by_variant.insert(variant.clone(), (code.clone(), pos));
        let mut roles = Vec::new();
        for r in &row.roles {
            match Role::from_spec_name(&r.value) {
                Some(role) if allow_message_names => {
                    let _ = role;
                    cx.err(r.pos, "`roles` apply to a protocol's error rows only");
                }
                Some(role) => roles.push(role),
                None => {
                    let names: Vec<&str> = Role::ALL.iter().map(|r| r.spec_name()).collect();
                    cx.err(r.pos, format!("unknown role `{}`", r.value)).hint =
                        Some(format!("one of {}", names.join(", ")));
                }
            }
        }
        out.push(ErrorVariant {
            code,
            variant,
            message: row.message,
            doc: row.doc,
            retryable: match row.retryable {
                crate::spec::Retry::Never => Retry::Never,
                crate::spec::Retry::IfIdempotent => Retry::IfIdempotent,
                crate::spec::Retry::Always => Retry::Always,
            },
            status: row.status,
            roles,
        });
    }
    out
}

pub(super) fn resolve_protocol(p: ProtocolSpec, diags: &mut Diagnostics) -> Option<Protocol> {
    let file = p.file.clone();
    let cx = &mut Cx { file: &file, diags };
    let runtime = p.runtime.as_ref().and_then(|r| {
        let found = sdk_core::Protocol::from_variant_name(&r.value);
        if found.is_none() {
            let names: Vec<&str> = sdk_core::Protocol::ALL
                .iter()
                .map(|p| p.variant_name())
                .collect();
            cx.err(
                r.pos,
                format!(
                    "unknown runtime protocol `{}`: the runtime implements none such",
                    r.value
                ),
            )
            .hint = Some(format!("known runtime protocols: {}", names.join(", ")));
        }
        found
    });
    let mut locations = Vec::new();
    for l in &p.locations {
        match Location::from_spec_name(&l.value) {
            Some(loc) if loc != Location::Param => locations.push(loc),
            _ => {
                cx.err(l.pos, format!("unknown location `{}`", l.value))
                    .hint = Some("one of path, query, header, body, payload, form, part".into());
            }
        }
    }
    let default_location = match &p.default_location {
        None => Location::Param,
        Some(l) => match Location::from_spec_name(&l.value) {
            Some(loc) if loc == Location::Param || locations.contains(&loc) => loc,
            _ => {
                cx.err(
                    l.pos,
                    format!(
                        "default location `{}` is not `param` or one of `allowed`",
                        l.value
                    ),
                );
                Location::Param
            }
        },
    };
    let int = |cx: &mut Cx<'_>, n: Option<crate::spec::Num>, what: &str| -> Option<i64> {
        let n = n?;
        if n.is_int && n.value >= 0.0 && n.value < 1e9 {
            Some(n.value as i64)
        } else {
            cx.err(
                n.pos,
                format!(
                    "`{what}` must be a whole non-negative number, found {}",
                    n.value
                ),
            );
            None
        }
    };
    let max_skew_seconds = int(cx, p.max_skew_seconds, "max_skew_seconds");
    let refusal_status = match int(cx, p.refusal_status, "refusal_status") {
        Some(s @ 100..=599) => s as u16,
        Some(s) => {
            cx.err(
                p.refusal_status.map_or(Pos::default(), |n| n.pos),
                format!("`refusal_status` must be an HTTP status, found {s}"),
            );
            400
        }
        None => 400,
    };
    let credential_params: Vec<String> = p
        .credential_params
        .iter()
        .map(|c| c.value.clone())
        .collect();
    let mut config_params = Vec::new();
    for (wire, setting, required_only) in &p.config_params {
        match ConfigParam::from_spec_name(&setting.value) {
            Some(param) => config_params.push((wire.value.clone(), param, *required_only)),
            None => {
                let names: Vec<&str> = ConfigParam::ALL.iter().map(|s| s.spec_name()).collect();
                cx.err(
                    setting.pos,
                    format!("unknown client setting `{}`", setting.value),
                )
                .hint = Some(format!("one of {}", names.join(", ")));
            }
        }
    }
    let mut scopes = Vec::new();
    for s in &p.scopes {
        match Scope::from_spec_name(&s.value) {
            Some(scope) => scopes.push(scope),
            None => {
                let names: Vec<&str> = Scope::ALL.iter().map(|s| s.spec_name()).collect();
                cx.err(s.pos, format!("unknown scope `{}`", s.value)).hint =
                    Some(format!("one of {}", names.join(", ")));
            }
        }
    }
    if !is_snake_ident(&p.provider.value) {
        cx.err(
            p.provider.pos,
            format!(
                "provider `{}` must be a lowercase identifier",
                p.provider.value
            ),
        );
    }
    let errors = resolve_errors(cx, p.errors, false, &["Unhandled"], None);
    let (method, path) = match &p.http {
        Some(h) => (check_method(cx, &h.method), h.path.value.clone()),
        None => ("POST".to_owned(), "/".to_owned()),
    };
    let e = p.envelope;
    for c in &e.clock_skew_codes {
        if !errors.iter().any(|r| r.code == c.value) {
            cx.err(
                c.pos,
                format!(
                    "clock-skew code `{}` is not one of this protocol's `errors`",
                    c.value
                ),
            );
        }
    }
    let s = |v: Option<Str>| v.map(|s| s.value);
    let module = snake(&p.protocol.value);
    // `errorCode/errorMsg`: a code field and its message field.
    let alt_error_fields = e
        .alt_error_fields
        .iter()
        .filter_map(|pair| match pair.value.split_once('/') {
            Some((c, m)) if !c.is_empty() && !m.is_empty() && !m.contains('/') => {
                Some((c.to_owned(), m.to_owned()))
            }
            _ => {
                cx.err(
                    pair.pos,
                    format!("`{}` is not `code_field/message_field`", pair.value),
                )
                .hint = Some("e.g. `errorCode/errorMsg`".into());
                None
            }
        })
        .collect();
    Some(Protocol {
        error_enum: format!("{}Error", pascal(&p.protocol.value)),
        name: p.protocol.value,
        file: p.file,
        vendor: p.vendor.unwrap_or_else(|| p.provider.value.clone()),
        example_region: p.example_region,
        provider: p.provider.value,
        title: p.title,
        doc: p.doc,
        signing: p.signing,
        runtime: runtime?,
        locations,
        default_location,
        credential_params,
        config_params,
        scopes,
        max_skew_seconds,
        refusal_status,
        module,
        method,
        path,
        envelope: Envelope {
            wrapper: s(e.wrapper),
            error_object: s(e.error_object),
            code_field: s(e.code_field).unwrap_or_default(),
            message_field: s(e.message_field).unwrap_or_default(),
            success_code: s(e.success_code),
            request_id_field: s(e.request_id_field),
            request_id_header: s(e.request_id_header),
            status_errors: e.status_errors,
            clock_skew_codes: e.clock_skew_codes.into_iter().map(|c| c.value).collect(),
            alt_error_fields,
        },
        common_params: p
            .common_params
            .into_iter()
            .map(|(n, d)| (n.value, d))
            .collect(),
        errors,
    })
}

pub(super) fn check_method(cx: &mut Cx<'_>, m: &Str) -> String {
    const METHODS: &[&str] = &["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD"];
    if !METHODS.contains(&m.value.as_str()) {
        let d = cx.err(m.pos, format!("unsupported HTTP method `{}`", m.value));
        d.hint = Some(format!("one of {}", METHODS.join(", ")));
    }
    m.value.clone()
}
