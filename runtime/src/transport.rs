//! The one HTTP transport: a pooled `reqwest` client over rustls (ring), connect and
//! per-attempt timeouts, a `User-Agent`, and a capped body read.
//!
//! Errors never carry the request URL: a signed query string is a credential.

use std::fmt;
use std::time::Duration;

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
    /// Response headers (names lower-case).
    pub headers: Vec<(String, String)>,
    /// Body bytes.
    pub body: Vec<u8>,
}

impl RawResponse {
    /// The first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A pooled HTTP client; cheap to clone.
#[derive(Clone, Debug)]
pub struct Transport {
    http: reqwest::Client,
    attempt_timeout: Duration,
    max_body_bytes: usize,
    scheme: &'static str,
}

impl Transport {
    /// Builds the client: rustls with the ring provider, the config's timeouts, and
    /// `User-Agent: <sdk> runtime/<version>`.
    pub fn new(config: &ClientConfig, sdk: &str) -> Result<Self, TransportError> {
        // reqwest is built without a default crypto provider; install ring once per process.
        // An error means some provider is already installed, which is as good.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let user_agent = format!("{sdk} runtime/{}", env!("CARGO_PKG_VERSION"));
        let http = reqwest::Client::builder()
            .user_agent(user_agent)
            .connect_timeout(config.connect_timeout)
            .pool_idle_timeout(Duration::from_secs(60))
            .build()
            .map_err(|e| TransportError {
                operation: "",
                kind: TransportErrorKind::Setup,
                status: None,
                message: describe(&e),
            })?;
        Ok(Self {
            http,
            attempt_timeout: config.attempt_timeout,
            max_body_bytes: config.max_body_bytes,
            scheme: config.scheme(),
        })
    }

    /// Sends one attempt and reads the whole body (up to the cap).
    pub async fn send(&self, req: &SignedRequest) -> Result<RawResponse, TransportError> {
        let fail = |kind, status, message| TransportError {
            operation: req.operation,
            kind,
            status,
            message,
        };
        let mut url = format!("{}://{}{}", self.scheme, req.host, req.path);
        if !req.query.is_empty() {
            url.push('?');
            url.push_str(&req.query);
        }
        let method = match req.method {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
            Method::Put => reqwest::Method::PUT,
            Method::Delete => reqwest::Method::DELETE,
        };
        let mut builder = self.http.request(method, url).timeout(self.attempt_timeout);
        for (k, v) in &req.headers {
            builder = builder.header(k.as_str(), v.as_str());
        }
        if !req.body.is_empty() {
            builder = builder.body(req.body.clone());
        }
        let mut resp = builder
            .send()
            .await
            .map_err(|e| fail(kind_of(&e), None, describe(&e)))?;
        let status = resp.status().as_u16();
        let headers = resp
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
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
        let mut body = Vec::new();
        loop {
            match resp.chunk().await {
                Ok(Some(chunk)) => {
                    if body.len() + chunk.len() > self.max_body_bytes {
                        return Err(fail(
                            TransportErrorKind::BodyTooLarge,
                            Some(status),
                            format!("body exceeds the {} byte cap", self.max_body_bytes),
                        ));
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(e) => return Err(fail(kind_of(&e), Some(status), describe(&e))),
            }
        }
        Ok(RawResponse {
            status,
            headers,
            body,
        })
    }
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
