//! Prose: rustdoc text and the generated crate's README, rendered with minijinja so the
//! wording lives in templates, not in `format!` calls scattered through the emitter.

use minijinja::Environment;

/// `context!` that serializes borrowed values (minijinja's own macro takes them by value).
macro_rules! ctx {
    ($($key:ident $(=> $value:expr)?),* $(,)?) => {
        minijinja::context! { $($key => minijinja::value::Serde(&ctx!(@v $key $(, $value)?))),* }
    };
    (@v $key:ident) => { $key };
    (@v $key:ident, $value:expr) => { $value };
}

mod prose;

pub use prose::{code_span, prose};

use crate::model::{
    Encoding, ErrorVariant, Field, Location, Model, NamedType, Operation, Protocol, Sensitivity,
    Service,
};

/// The lines of a rustdoc text as emitted: every line break a spec may hold (`\n`, `\r\n`,
/// a bare `\r`, which rustc refuses in a doc comment) ends a line, trailing space goes,
/// and each non-empty line gets the leading space of `/// `. Every `#[doc]` and `#![doc]`
/// attribute's text passes through here, so no spec text reaches rustc unsanitised
/// ([`prose`] also splits lines this way, for its own line-by-line reading).
pub fn doc_lines(text: &str) -> Vec<String> {
    text.trim_end()
        .replace("\r\n", "\n")
        .split(['\n', '\r'])
        .map(|l| {
            let l = l.trim_end();
            if l.is_empty() {
                String::new()
            } else {
                format!(" {l}")
            }
        })
        .collect()
}

const TEMPLATES: &[(&str, &str)] = &[
    (
        "crate",
        r#"Typed SDK for {{ ops }} cloud API operations, generated from `specs/` by `cargo xtask gen`.

Do not edit: change the specs and run `cargo xtask gen`. Each service is a crate of its own,
re-exported here as `<provider>::<service>` behind a cargo feature of the same name as the
crate (`tencent-cdb`); a provider's feature (`{{ providers|join("`, `") }}`) enables all its
services. Each operation has a request builder, a response struct and an error type, and its
service has a `Client`. A crate that needs one service can depend on that crate alone.

| provider | service | crate / feature | operations |
|---|---|---|---|
{% for s in services %}| `{{ s.provider }}` | `{{ s.name }}` | `{{ s.krate }}` | {{ s.ops }} |
{% endfor %}"#,
    ),
    (
        "front",
        r###"{% macro link(text, path) %}{% if readme %}`{{ text }}`{% elif text == path %}[`{{ text }}`]{% else %}[`{{ text }}`]({{ path }}){% endif %}{% endmacro %}{% set h = "##" if readme else "#" %}{% if readme %}# {{ package }}

{% endif %}{{ vendor }} `{{ service }}` API{% if title %} ({{ title }}){% endif %}{% if version %}, version `{{ version }}`,{% endif %} for Rust: a typed async client.{% if doc %}

{{ doc }}{% endif %}

Generated{% if spec %} from `{{ spec }}`{% endif %} by `cargo xtask gen`{% if origin %}; the specs were imported from {{ origin }}{% endif %}. Change the specs, never the code.

The crate has {{ operations }} operation{{ "" if operations == 1 else "s" }}: for each, a request struct whose builder checks required fields and ranges before any I/O, a response struct read leniently, an error type and a method of {{ link("Client", "Client") }}{% if subs %}. Further API versions are modules: {% for s in subs %}`{{ s }}`{% if not loop.last %}, {% endif %}{% endfor %}{% endif %}. Every item has one path, at the crate root (or its API version's module); `{{ krate }}::runtime` is the runtime the crate calls.

{{ h }} A client

{{ link("Client", "Client") }} takes a {{ link("ClientConfig", "runtime::ClientConfig") }} (region, endpoint, timeouts, attempts, language, proxy) and credentials. `Client::from_default_chain` finds keys in the environment, then the profile file, then the instance's metadata service, and refreshes temporary keys ahead of expiry{% if credentials %} ({{ link(credentials ~ "::default_chain", "runtime::" ~ credentials ~ "::default_chain") }}){% endif %}; `Client::new` takes them from code. Clones of a client share its connections, credentials and rate limits.{% if example %}

{{ h }} Example

Calls `{{ example[0] }}` with the required fields set from the spec's examples:

```{{ "rust" if readme else "rust,no_run" }}
{{ code }}```{% endif %}

{{ h }} Errors, pagination and retries

- A call returns `Result<_, SdkError<_>>` ({{ link("SdkError", "runtime::SdkError") }}): `Build` when the request was refused before sending, `Service` with the operation's error enum (the service's documented codes, `{{ errors }}`, are its variants; another code is `Unhandled`, so match on `code()` for those), or `Decode`, `Transport`, `Credentials`. Each error gives the service's code, message and request id, never a secret.{% if paginators %}
- {{ paginators }} paged operation{{ " has" if paginators == 1 else "s have" }} a `<operation>_paginator` method as well: its pages or items as a stream ({{ link("Paginator", "runtime::Paginator") }}), ending where the service says the list ends, never looping.{% endif %}{% if waiters %}
- {{ waiters }} waiter{{ " polls" if waiters == 1 else "s poll" }} (`wait_until_<name>`) an operation until a state is reached, with backoff and a deadline ({{ link("WaitOptions", "runtime::WaitOptions") }}).{% endif %}
- Throttled requests and transport failures are retried with jittered backoff, and so are the codes the vendor says to retry on idempotent operations, up to `ClientConfig::max_attempts`; `Client::with_options` changes timeouts, attempts, region or endpoint for a few calls."###,
    ),
    (
        "op",
        r#"Calls `{{ wire }}`: {{ doc }}

{% if deprecated %}**Deprecated** by the vendor.

{% endif %}- Protocol: {{ protocol }}; `{{ method }} {{ path }}` on `{{ endpoint }}`{% if version %}, version `{{ version }}`{% endif %}; idempotent: {{ "yes" if idempotent else "no" }}{% if rate_limit %}; rate limit: {{ rate_limit }} requests per second{% endif %}.{% if errors %}
- Documented errors: {{ errors }}.{% endif %}{% for s in samples %}
- Sample `{{ s[0] }}` (`{{ s[1] }}`){% if s[3] %}, an error response (`{{ s[3] }}`){% endif %}{% if s[2] %}: {{ s[2] }}{% endif %}{% if s[4] %} (not decoded: {{ s[4] }}){% endif %}{% if s[5] %} (repaired by the importer: {{ s[5] }}){% endif %}{% if s[6] %} (decodes with {{ s[6] }}){% endif %}{% endfor %}
- Spec: `{{ spec }}`{% if origin %}, imported from {{ origin }}{% endif %}."#,
    ),
    (
        "paginator",
        r#"Every page of `{{ wire }}` from `input` on, as a stream: [`pages`](runtime::Paginator::pages) gives each response, [`items`](runtime::Paginator::items) each element of `{{ items }}`{% if page_size %}, and [`page_size`](runtime::Paginator::page_size) sets `{{ page_size }}`{% if max %} (at most {{ max }}){% endif %}{% endif %}.

Each page is one call of [`{{ call }}`](Self::{{ call }}), retried by its rules; an error that survives them is the stream's last item. {% if walk == "offset" %}`{{ position }}` moves by the items each page holds{% elif walk == "page" %}`{{ position }}` counts pages from {{ first }}{% else %}`{{ position }}` takes each response's `{{ next_cursor }}`{% endif %}. The walk stops at the first of: {% if walk == "cursor" %}{% if has_more %}`{{ has_more }}` false{% else %}an empty page{% endif %}; no next cursor; a cursor already followed, as [`SdkError::Pagination`](runtime::SdkError::Pagination) (never a loop){% else %}an empty page{% if total %}; `{{ total }}` items walked through{% endif %}{% if has_more %}; `{{ has_more }}` false{% endif %}{% if max and not total %}; a page shorter than a page size of at most {{ max }}{% endif %}{% endif %}."#,
    ),
    (
        "waiter",
        r#"Polls `{{ wire }}` with `input` until {% if items %}the element of `{{ items }}` whose `{{ key }}` is `key`{% else %}the response{% endif %} has `{{ state }}` {{ success }}, and returns {% if items %}that element{% else %}it{% endif %}.{% if doc %}

{{ doc }}{% endif %}

Each poll is one call of [`{{ call }}`](Self::{{ call }}), retried by its rules{% if paged %}, walking the pages until the element turns up{% endif %}{% if items %}; an element not listed yet is polled for again{% endif %}. Polls back off as `options` says ([`WaitOptions`](runtime::WaitOptions)). {% if failure %}A failure state ({{ failure }}) or the{% else %}The{% endif %} deadline ends the wait with [`SdkError::Wait`](runtime::SdkError::Wait); an error that survives a poll's retries ends it as that error."#,
    ),
    (
        "field",
        r#"{% if doc %}{{ doc }}

{% endif %}{% if deprecated %}**Deprecated** by the vendor (still sent and decoded). {% endif %}Wire name: `{{ wire }}`{% if aliases %} (also accepted: {% for a in aliases %}`{{ a }}`{% if not loop.last %}, {% endif %}{% endfor %}){% endif %}{% if location %}, {{ location }}{% endif %}{% if example %}; example: {{ example }}{% endif %}.{% if json %}
Sent as a JSON document inside a string.{% endif %}{% if csv %}
Sent as one comma-separated value.{% endif %}{% if config %}
When unset, the client's {{ config }} is sent (`ClientConfig::{{ config }}`){% if config_required %}; the vendor requires one of the two, so a request with neither is refused before sending{% endif %}.{% endif %}{% if token %}
The operation's idempotency token: when unset, a fresh one is sent, the same on every retry of the call, so the call is retried like a read.{% endif %}{% if unit %}
Unit: {{ unit }}.{% endif %}{% if range %}
Allowed range: `{{ range }}`; checked before sending.{% endif %}{% if valid_for %}
Valid for {{ valid_for }} after it is issued.{% endif %}{% if signed_url %}
A signed URL is a bearer credential: `Debug` shows only its host; `expose()` returns it.{% endif %}{% if secret %}
Sensitive: `Debug` shows `<redacted>`.{% endif %}"#,
    ),
    (
        "error",
        r#"`{{ code }}`{% if message %} {{ message }}{% endif %}{% if doc %}: {{ doc }}{% endif %}{% if status %} (HTTP {{ status }}){% endif %}{% if retryable == "always" %}. Retried (throttling: refused before processing).{% elif retryable == "idempotent" %}. Retried on idempotent calls.{% else %}.{% endif %}"#,
    ),
    (
        "service",
        r#"{% if doc %}{{ doc }}

{% endif %}The `{{ service }}` service of {{ provider }}{% if sub %}, API version module `{{ sub }}`{% endif %}: {{ ops|length }} operation{{ "" if ops|length == 1 else "s" }}{% if ops %} ({% for op in ops %}`{{ op }}`{% if not loop.last %}, {% endif %}{% endfor %}){% endif %}.{% if file %}

Spec: `{{ file }}`.{% endif %}"#,
    ),
    (
        "protocol",
        r#"{{ title }} (`{{ name }}`, spec `{{ file }}`).

{{ doc }}{% if signing %}

Signing: {{ signing }}.{% endif %}{% if params %}

Common request parameters (set by the runtime):
{% for p in params %}
- `{{ p[0] }}`: {{ p[1] }}{% endfor %}{% endif %}"#,
    ),
];

/// What a service crate's front page says (`Docs::front_page`).
pub struct FrontPage {
    /// The `README.md` (plain Markdown), not the crate doc (intra-doc links).
    pub readme: bool,
    pub package: String,
    /// The crate's name in Rust paths (`tencent_cdb`).
    pub krate: String,
    pub vendor: String,
    pub service: String,
    /// The service's name in the vendor's catalogue.
    pub title: Option<String>,
    pub doc: Option<String>,
    pub version: Option<String>,
    pub spec: Option<String>,
    /// Where the imported specs came from (the first imported operation's `origin:`).
    pub origin: Option<String>,
    pub operations: usize,
    /// Modules of further API versions.
    pub subs: Vec<String>,
    /// The runtime's credentials type of the service's protocol.
    pub credentials: Option<String>,
    /// The operation the example calls: wire name and method.
    pub example: Option<(String, String)>,
    /// The example's code, formatted.
    pub code: Option<String>,
    pub paginators: usize,
    pub waiters: usize,
    /// The service's error enum.
    pub errors: String,
}

/// The template environment.
pub struct Docs {
    env: Environment<'static>,
}

impl Docs {
    pub fn new() -> Self {
        let mut env = Environment::new();
        for (name, source) in TEMPLATES {
            env.add_template(name, source)
                .expect("built-in templates parse");
        }
        Self { env }
    }

    fn render(&self, name: &str, ctx: minijinja::Value) -> String {
        // Templates are fixed and contexts are plain data: rendering cannot fail.
        let out = self
            .env
            .get_template(name)
            .and_then(|t| t.render(ctx))
            .expect("built-in templates render");
        out.trim().to_owned()
    }

    pub fn crate_doc(&self, model: &Model) -> String {
        let services: Vec<_> = model
            .crates()
            .map(|(i, s)| {
                let ops = model.crate_ops(i).count();
                ctx! { provider => s.provider, name => s.name, krate => s.crate_name(), ops }
            })
            .collect();
        let ops = model.ops.len();
        let providers = model.providers();
        self.render("crate", ctx! { ops, providers, services })
    }

    /// A service crate's front page: its crate doc, or (`page.readme`) its `README.md`.
    pub fn front_page(&self, page: &FrontPage) -> String {
        let doc = page.doc.as_deref().map(|d| prose(d.trim()));
        let code = page.code.as_deref();
        self.render(
            "front",
            ctx! {
                readme => page.readme, package => page.package, krate => page.krate,
                vendor => page.vendor, service => page.service, doc, version => page.version,
                spec => page.spec, operations => page.operations, subs => page.subs,
                credentials => page.credentials, example => page.example, code,
                paginators => page.paginators, waiters => page.waiters, errors => page.errors,
                origin => page.origin, title => page.title.as_deref().map(prose),
            },
        )
    }

    pub fn op_doc(&self, op: &Operation, p: &Protocol) -> String {
        self.render(
            "op",
            ctx! {
                wire => op.wire_name, doc => prose(op.doc.trim()), protocol => p.title, method => op.method, path => op.path,
                endpoint => op.endpoint, version => op.version, idempotent => op.idempotent,
                rate_limit => op.rate_limit, errors => op.errors.len(), spec => op.spec_file,
                samples => op.samples.iter().map(|s| (&s.name, &s.file, s.doc.as_deref().map(prose), &s.error, s.unusable.as_deref().map(prose), s.repaired.as_deref().map(prose), s.set_aside.as_deref().map(prose))).collect::<Vec<_>>(),
                deprecated => op.deprecated, origin => op.origin,
            },
        )
    }

    /// An operation's `<op>_paginator` method: what it streams and when it stops.
    pub fn paginator_doc(&self, op: &Operation, pg: &crate::model::Pagination) -> String {
        use sdk_core::paging::Walk;
        let (walk, first) = match pg.walk {
            Walk::Offset => ("offset", 0),
            Walk::Page { first } => ("page", first),
            Walk::Cursor => ("cursor", 0),
        };
        let wire = |i: Option<usize>, fields: &[Field]| i.map(|i| fields[i].wire.clone());
        self.render(
            "paginator",
            ctx! {
                wire => op.wire_name, call => op.snake, walk => walk, first => first,
                position => op.request[pg.position].wire, page_size => wire(pg.page_size, &op.request),
                max => pg.max_page_size, items => op.response[pg.items].wire,
                total => wire(pg.total, &op.response), next_cursor => wire(pg.next_cursor, &op.response),
                has_more => wire(pg.has_more, &op.response),
            },
        )
    }

    /// An operation's `wait_until_<name>` method: what it polls for and what ends it.
    pub fn waiter_doc(&self, op: &Operation, w: &crate::model::Waiter) -> String {
        let values = |v: &[String]| {
            v.iter()
                .map(|s| format!("`{s}`"))
                .collect::<Vec<_>>()
                .join(" or ")
        };
        self.render(
            "waiter",
            ctx! {
                wire => op.wire_name, call => op.snake, doc => w.doc.as_deref().map(prose),
                items => w.listed.as_ref().map(|l| &op.response[l.items].wire),
                key => w.listed.as_ref().map(|l| &l.key_wire), state => w.state_wire,
                paged => crate::model::walks_pages(op, w), success => values(&w.success),
                failure => values(&w.failure),
            },
        )
    }

    /// A field's doc: its description, then its facts. `response`: a field of an
    /// operation's response (read from a header or the whole body, not sent).
    pub fn field_doc(&self, f: &Field, response: bool) -> String {
        let range = match (f.min, f.max) {
            (None, None) => None,
            (lo, hi) => Some(format!(
                "{}..={}",
                lo.map(|n| n.to_string()).unwrap_or_default(),
                hi.map(|n| n.to_string()).unwrap_or_default()
            )),
        };
        let location = match (f.location, response) {
            (Location::Param, _) => None,
            (Location::Header, true) => Some("read from the response's headers"),
            (Location::Payload, true) => Some("the whole response body"),
            (Location::Path, _) => Some("sent in the path"),
            (Location::Query, _) => Some("sent in the query"),
            (Location::Header, _) => Some("sent in the headers"),
            (Location::Body, _) => Some("sent in the JSON body"),
            (Location::Payload, _) => Some("sent in the whole body"),
            (Location::Form, _) => Some("sent in the form body"),
            (Location::Part, _) => Some("sent as a part of the multipart body"),
        };
        // The description is a paragraph of its own; the facts follow it (they are the whole
        // doc of a field the spec does not describe).
        let doc = f
            .doc
            .as_deref()
            .map(|d| prose(d.trim()))
            .filter(|d| !d.is_empty());
        self.render(
            "field",
            ctx! {
                doc, wire => f.wire, aliases => f.aliases, location,
                json => f.encoding == Encoding::Json, csv => f.encoding == Encoding::Csv, unit => f.unit, range, valid_for => f.valid_for.as_ref().map(|v| &v.0),
                signed_url => f.sensitive == Sensitivity::SignedUrl, secret => f.sensitive == Sensitivity::Secret,
                // A secret's example (an overlay may make a field secret) is not printed.
                example => f.example.as_deref().filter(|_| f.sensitive != Sensitivity::Secret).map(code_span),
                deprecated => f.deprecated,
                config => f.config.map(|(p, _)| p.spec_name()), config_required => f.config.is_some_and(|(_, r)| r), token => f.idempotency_token,
            },
        )
    }

    pub fn error_doc(&self, e: &ErrorVariant) -> String {
        self.render(
            "error",
            ctx! { code => e.code, message => e.message.as_deref().map(|m| prose(m.trim_end_matches('.'))), doc => e.doc.as_deref().map(|d| prose(d.trim_end_matches('.'))), status => e.status, retryable => match e.retryable { crate::model::Retry::Always => "always", crate::model::Retry::IfIdempotent => "idempotent", crate::model::Retry::Never => "" } },
        )
    }

    pub fn service_doc(&self, s: &Service, ops: &[&Operation]) -> String {
        let ops: Vec<&str> = ops.iter().map(|o| o.wire_name.as_str()).collect();
        self.render(
            "service",
            ctx! { provider => s.provider, service => s.name, sub => s.sub, ops, file => s.file,
            doc => s.doc.as_deref().map(|d| prose(d.trim())) },
        )
    }

    pub fn provider_doc(&self, provider: &str, model: &Model) -> String {
        let titles: Vec<&str> = model
            .protocols
            .iter()
            .filter(|p| p.provider == provider)
            .map(|p| p.title.as_str())
            .collect();
        format!(
            "Services of provider `{provider}` ({}). The `{provider}` feature enables them all.",
            titles.join(", ")
        )
    }

    pub fn protocol_doc(&self, p: &Protocol) -> String {
        self.render(
            "protocol",
            ctx! { title => p.title, name => p.name, file => p.file, doc => p.doc.trim(), signing => p.signing,
                   params => p.common_params },
        )
    }

    pub fn type_doc(&self, t: &NamedType) -> String {
        t.doc
            .as_deref()
            .map(prose)
            .unwrap_or_else(|| format!("`{}` (no description in the spec).", t.name))
    }
}

impl Default for Docs {
    fn default() -> Self {
        Self::new()
    }
}
