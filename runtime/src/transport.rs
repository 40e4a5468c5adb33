//! The one HTTP transport: a pooled `reqwest` client over rustls (ring), connect and
//! per-attempt timeouts, a `User-Agent`, and a capped body read.
//!
//! The attempt timeout is a tokio timer around the whole exchange (request, headers and
//! body), merged with the call's total deadline when the runtime passes one, so an attempt
//! arms one timer, not one per limit.
//!
//! Errors never carry the request URL: a signed query string is a credential.

use std::fmt;
use std::time::{Duration, Instant};

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use bytes::Bytes;
pub use reqwest::header::HeaderMap;
use reqwest::header::HeaderName;

use crate::config::ClientConfig;
use crate::wire::{Method, SignedRequest};

/// What kind of transport failure happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// The HTTP client could not be built (TLS set-up).
    Setup,
    /// No connection could be made (refused, DNS, TLS handshake, connect timeout).
    Connect,
    /// The attempt or the whole call ran past its timeout.
    Timeout,
    /// The connection failed while sending or receiving.
    Io,
    /// The response body was larger than the configured cap.
    BodyTooLarge,
}

/// The request did not produce a complete HTTP response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TransportError {
    /// The operation's wire name.
    pub operation: &'static str,
    /// What happened.
    pub kind: TransportErrorKind,
    /// HTTP status, when the failure came after the status line.
    pub status: Option<u16>,
    /// Description (never contains the URL).
    pub message: String,
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {:?} error: {}",
            self.operation, self.kind, self.message
        )?;
        if let Some(status) = self.status {
            write!(f, " (HTTP {status})")?;
        }
        Ok(())
    }
}

impl std::error::Error for TransportError {}

/// A complete HTTP response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawResponse {
    /// HTTP status.
    pub status: u16,
    /// Response headers, as received (names are case-insensitive).
    pub headers: HeaderMap,
    /// Body bytes (the connection's own buffer when the body arrived in one piece).
    pub body: Bytes,
}

impl RawResponse {
    /// The first header named `name` (case-insensitive), when its value is UTF-8.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(name)
            .and_then(|v| std::str::from_utf8(v.as_bytes()).ok())
    }
}

/// The seam for another HTTP stack (a corporate egress, a custom connector) or a test
/// double ([`crate::mock::MockHttp`]): sends one signed request and reads its whole response.
/// Plug one into a client with [`ClientConfig::http_client`]; [`Transport`] (reqwest over
/// rustls) is what a client uses otherwise.
///
/// The runtime still signs, retries, enforces the timeouts (`timeout` is what is left of
/// this attempt; the future is dropped when it runs out) and decodes.
pub trait HttpSend: Send + Sync + fmt::Debug {
    /// Sends `request` to `scheme://request.host` + its path and query.
    fn send(
        &self,
        request: SignedRequest,
        scheme: &'static str,
        timeout: Duration,
    ) -> Pin<Box<dyn Future<Output = Result<RawResponse, TransportError>> + Send + '_>>;
}

/// A client's [`HttpSend`], in its configuration: compared by identity, `Debug` by its own.
#[derive(Clone)]
pub struct HttpClient(pub(crate) Arc<dyn HttpSend>);

impl HttpClient {
    /// Wraps an implementation.
    pub fn new(send: impl HttpSend + 'static) -> Self {
        HttpClient(Arc::new(send))
    }
}

impl<T: HttpSend + 'static> From<T> for HttpClient {
    fn from(send: T) -> Self {
        HttpClient(Arc::new(send))
    }
}

/// Sends `req` through a custom [`HttpSend`] under the attempt timeout and the call's
/// deadline, as the built-in transport does.
pub(crate) async fn send_via(
    http: &HttpClient,
    req: SignedRequest,
    scheme: &'static str,
    attempt_timeout: Duration,
    deadline: Instant,
) -> Result<RawResponse, TransportError> {
    let now = Instant::now();
    let attempt_end = far(now, attempt_timeout);
    let (until, whole_call) = if deadline < attempt_end {
        (deadline, true)
    } else {
        (attempt_end, false)
    };
    let operation = req.operation;
    let left = until.saturating_duration_since(now);
    match tokio::time::timeout_at(until.into(), http.0.send(req, scheme, left)).await {
        Ok(result) => result,
        Err(_) => Err(TransportError {
            operation,
            kind: TransportErrorKind::Timeout,
            status: None,
            message: if whole_call {
                "the call's total timeout ran out during the attempt".to_owned()
            } else {
                format!("attempt did not finish within {attempt_timeout:?}")
            },
        }),
    }
}

impl fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl PartialEq for HttpClient {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for HttpClient {}

/// A pooled HTTP client; cheap to clone.
#[derive(Clone, Debug)]
pub struct Transport {
    http: reqwest::Client,
    attempt_timeout: Duration,
    max_body_bytes: usize,
    scheme: &'static str,
}

/// Makes *ring* the process's rustls crypto provider, unless one is installed already (which
/// is as good): reqwest is built without a default one, and building a client without any
/// panics. Every client of the runtime calls it, and so should other reqwest or rustls
/// clients of the same process (`cloud-backup`'s downloader does).
///
/// rustls 0.23.48 deprecates *ring*'s provider because it has no post-quantum key exchange
/// (X25519MLKEM768 is aws-lc-rs's); the runtime keeps *ring* on purpose (it builds with a C
/// compiler alone, where aws-lc-rs needs cmake; see ARCHITECTURE.md), so the deprecation is
/// acknowledged here, once.
pub fn install_crypto_provider() {
    #[allow(deprecated)]
    let provider = rustls::crypto::ring::default_provider();
    let _ = provider.install_default();
}

impl Transport {
    /// Builds the client: rustls with the ring provider, the config's timeouts, and
    /// `User-Agent: <sdk> runtime/<version>`.
    pub fn new(config: &ClientConfig, sdk: &str) -> Result<Self, TransportError> {
        install_crypto_provider();
        let user_agent = format!("{sdk} runtime/{}", env!("CARGO_PKG_VERSION"));
        let setup = |message: String| TransportError {
            operation: "",
            kind: TransportErrorKind::Setup,
            status: None,
            message,
        };
        let mut builder = reqwest::Client::builder()
            .user_agent(user_agent)
            .connect_timeout(config.connect_timeout)
            .pool_idle_timeout(Duration::from_secs(60));
        let net = &config.network;
        match &net.proxy {
            None => {}
            Some(None) => builder = builder.no_proxy(),
            Some(Some(url)) => {
                let shown = crate::config::proxy_shown(url);
                // Parse first: the URL parser's errors never repeat the input (a password).
                let parsed = reqwest::Url::parse(url).map_err(|e| {
                    setup(format!("ClientConfig::proxy `{shown}` is not a URL: {e}"))
                })?;
                if !matches!(parsed.scheme(), "http" | "https") {
                    return Err(setup(format!(
                        "ClientConfig::proxy `{shown}`: the scheme must be http or https"
                    )));
                }
                let proxy = reqwest::Proxy::all(parsed)
                    .map_err(|_| setup(format!("ClientConfig::proxy `{shown}` is not usable")))?;
                builder = builder.proxy(proxy);
            }
        }
        let mut roots = Vec::new();
        for (i, pem) in net.roots_pem.iter().enumerate() {
            let certs = reqwest::Certificate::from_pem_bundle(pem)
                .ok()
                .filter(|c| !c.is_empty())
                .ok_or_else(|| {
                    setup(format!(
                        "ClientConfig::root_certificates_pem #{}: no PEM certificate in it",
                        i + 1
                    ))
                })?;
            roots.extend(certs);
        }
        if net.roots_only {
            if roots.is_empty() {
                return Err(setup(
                    "ClientConfig::only_given_roots: no roots given with root_certificates_pem"
                        .into(),
                ));
            }
            builder = builder.tls_certs_only(roots);
        } else if !roots.is_empty() {
            builder = builder.tls_certs_merge(roots);
        }
        let http = builder.build().map_err(|e| setup(describe(&e)))?;
        Ok(Self {
            http,
            attempt_timeout: config.attempt_timeout,
            max_body_bytes: config.max_body_bytes,
            scheme: config.scheme(),
        })
    }

    /// Sends one attempt and reads the whole body (up to the cap), within the attempt
    /// timeout.
    pub async fn send(&self, req: &SignedRequest) -> Result<RawResponse, TransportError> {
        let mut builder = self.request(req);
        for (k, v) in &req.headers {
            builder = match known_name(k) {
                Some(name) => builder.header(name, v.as_str()),
                None => builder.header(k.as_str(), v.as_str()),
            };
        }
        if !req.body.is_empty() {
            builder = builder.body(req.body.clone());
        }
        self.timed(req.operation, builder, self.attempt_timeout, None)
            .await
    }

    /// [`Transport::send`] of a request the caller no longer needs: its headers and body
    /// move into the HTTP request uncopied. Bounded by the attempt timeout and, when
    /// given, the call's `deadline`, with one timer for both.
    pub(crate) async fn send_owned(
        &self,
        req: SignedRequest,
        scheme: &'static str,
        attempt_timeout: Duration,
        deadline: Option<Instant>,
    ) -> Result<RawResponse, TransportError> {
        let mut builder = self.request_with(scheme, &req);
        for (k, v) in req.headers {
            builder = match known_name(&k) {
                Some(name) => builder.header(name, v),
                None => builder.header(k, v),
            };
        }
        if !req.body.is_empty() {
            builder = builder.body(req.body);
        }
        self.timed(req.operation, builder, attempt_timeout, deadline)
            .await
    }

    /// The method and URL of `req`.
    fn request(&self, req: &SignedRequest) -> reqwest::RequestBuilder {
        self.request_with(self.scheme, req)
    }

    /// The method and URL of `req`, sent with `scheme`.
    fn request_with(&self, scheme: &str, req: &SignedRequest) -> reqwest::RequestBuilder {
        let mut url = String::with_capacity(
            scheme.len() + 3 + req.host.len() + req.path.len() + 1 + req.query.len(),
        );
        url.push_str(scheme);
        url.push_str("://");
        url.push_str(&req.host);
        url.push_str(&req.path);
        if !req.query.is_empty() {
            url.push('?');
            url.push_str(&req.query);
        }
        let method = match req.method {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
            Method::Put => reqwest::Method::PUT,
            Method::Delete => reqwest::Method::DELETE,
            Method::Patch => reqwest::Method::PATCH,
            Method::Head => reqwest::Method::HEAD,
        };
        self.http.request(method, url)
    }

    /// Runs [`Transport::exchange`] under one timer: the attempt timeout or the deadline,
    /// whichever comes first.
    async fn timed(
        &self,
        operation: &'static str,
        builder: reqwest::RequestBuilder,
        attempt_timeout: Duration,
        deadline: Option<Instant>,
    ) -> Result<RawResponse, TransportError> {
        // A timeout too large to represent is no timeout (a year stands in for it).
        let attempt_end = far(Instant::now(), attempt_timeout);
        let (until, whole_call) = match deadline {
            Some(d) if d < attempt_end => (d, true),
            _ => (attempt_end, false),
        };
        // The status, once known, so a timeout while reading the body still reports it.
        let mut status = None;
        let exchange = self.exchange(operation, builder, &mut status);
        match tokio::time::timeout_at(until.into(), exchange).await {
            Ok(result) => result,
            Err(_) => Err(TransportError {
                operation,
                kind: TransportErrorKind::Timeout,
                status,
                message: if whole_call {
                    "the call's total timeout ran out during the attempt".to_owned()
                } else {
                    format!("attempt did not finish within {attempt_timeout:?}")
                },
            }),
        }
    }

    /// The request and the capped body read, without a timeout.
    async fn exchange(
        &self,
        operation: &'static str,
        builder: reqwest::RequestBuilder,
        status_seen: &mut Option<u16>,
    ) -> Result<RawResponse, TransportError> {
        let fail = |kind, status, message| TransportError {
            operation,
            kind,
            status,
            message,
        };
        let mut resp = builder
            .send()
            .await
            .map_err(|e| fail(kind_of(&e), None, describe(&e)))?;
        let status = resp.status().as_u16();
        *status_seen = Some(status);
        if resp
            .content_length()
            .is_some_and(|n| n > self.max_body_bytes as u64)
        {
            return Err(fail(
                TransportErrorKind::BodyTooLarge,
                Some(status),
                format!(
                    "Content-Length exceeds the {} byte cap",
                    self.max_body_bytes
                ),
            ));
        }
        let headers = std::mem::take(resp.headers_mut());
        // A body that arrives in one chunk is kept as is; only a split one is joined.
        let (mut first, mut joined, mut len) = (None::<Bytes>, Vec::new(), 0usize);
        loop {
            match resp.chunk().await {
                Ok(Some(chunk)) => {
                    len += chunk.len();
                    if len > self.max_body_bytes {
                        return Err(fail(
                            TransportErrorKind::BodyTooLarge,
                            Some(status),
                            format!("body exceeds the {} byte cap", self.max_body_bytes),
                        ));
                    }
                    match first.take() {
                        None if joined.is_empty() => first = Some(chunk),
                        None => joined.extend_from_slice(&chunk),
                        Some(head) => {
                            joined.reserve(head.len() + chunk.len());
                            joined.extend_from_slice(&head);
                            joined.extend_from_slice(&chunk);
                        }
                    }
                }
                Ok(None) => break,
                Err(e) => return Err(fail(kind_of(&e), Some(status), describe(&e))),
            }
        }
        let body = first.unwrap_or_else(|| Bytes::from(joined));
        Ok(RawResponse {
            status,
            headers,
            body,
        })
    }
}

/// The header names the builders and signers write, spelled exactly as they write them,
/// as ready-made [`HeaderName`]s: no parsing, lower-casing or allocation per request. Any
/// other name (`None`) is parsed as usual; the bytes sent are the same either way.
fn known_name(name: &str) -> Option<HeaderName> {
    use reqwest::header::{AUTHORIZATION, CONTENT_TYPE};
    Some(match name {
        "Content-Type" => CONTENT_TYPE,
        "Authorization" => AUTHORIZATION,
        "X-TC-Action" => HeaderName::from_static("x-tc-action"),
        "X-TC-Version" => HeaderName::from_static("x-tc-version"),
        "X-TC-Region" => HeaderName::from_static("x-tc-region"),
        "X-TC-Timestamp" => HeaderName::from_static("x-tc-timestamp"),
        "X-TC-Token" => HeaderName::from_static("x-tc-token"),
        "X-Sdk-Date" => HeaderName::from_static("x-sdk-date"),
        "X-Project-Id" => HeaderName::from_static("x-project-id"),
        "X-Domain-Id" => HeaderName::from_static("x-domain-id"),
        "X-Security-Token" => HeaderName::from_static("x-security-token"),
        "X-Sdk-Content-Sha256" => HeaderName::from_static("x-sdk-content-sha256"),
        _ => return None,
    })
}

fn kind_of(e: &reqwest::Error) -> TransportErrorKind {
    if e.is_timeout() {
        TransportErrorKind::Timeout
    } else if e.is_connect() {
        TransportErrorKind::Connect
    } else {
        TransportErrorKind::Io
    }
}

/// The error and its causes, without the URL.
fn describe(e: &reqwest::Error) -> String {
    let mut out = e.to_string();
    if let Some(url) = e.url() {
        // Belt and braces: `without_url` is not available on a borrowed error.
        out = out.replace(url.as_str(), "<url>");
    }
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

/// `now + d`, capped at a year from now when `d` does not fit an `Instant`.
pub(crate) fn far(now: Instant, d: Duration) -> Instant {
    now.checked_add(d)
        .unwrap_or_else(|| now + Duration::from_secs(365 * 24 * 3600))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_names_are_the_parsed_names() {
        for name in [
            "Content-Type",
            "Authorization",
            "X-TC-Action",
            "X-TC-Version",
            "X-TC-Region",
            "X-TC-Timestamp",
            "X-TC-Token",
            "X-Sdk-Date",
            "X-Project-Id",
            "X-Domain-Id",
            "X-Security-Token",
            "X-Sdk-Content-Sha256",
        ] {
            let parsed = HeaderName::from_bytes(name.as_bytes()).expect("valid name");
            assert_eq!(known_name(name), Some(parsed), "{name}");
        }
        assert_eq!(known_name("X-Keep"), None);
        assert_eq!(known_name("content-type"), None);
    }

    #[test]
    fn header_lookup_ignores_case() {
        let mut headers = HeaderMap::new();
        headers.insert("x-request-id", "r-1".parse().expect("value"));
        headers.append(
            "date",
            "Sun, 06 Nov 1994 08:49:37 GMT".parse().expect("value"),
        );
        let raw = RawResponse {
            status: 200,
            headers,
            body: Bytes::from_static(b"{}"),
        };
        assert_eq!(raw.header("X-Request-Id"), Some("r-1"));
        assert_eq!(raw.header("DATE"), Some("Sun, 06 Nov 1994 08:49:37 GMT"));
        assert_eq!(raw.header("retry-after"), None);
        assert_eq!(raw.header("not a header name"), None);
    }
}
