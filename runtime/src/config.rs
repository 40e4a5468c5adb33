//! Per-client settings: region, endpoint override, timeouts, body cap, clock.

use std::time::Duration;

/// How a client reads the time it signs with.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Clock {
    /// The system clock, and a fresh random nonce per request.
    #[default]
    System,
    /// A fixed UNIX time and nonce: reproducible signatures for tests and snapshots.
    Fixed {
        /// UNIX seconds.
        timestamp: i64,
        /// Nonce sent by protocols that carry one.
        nonce: u32,
    },
}

/// Per-client settings. Every operation of a client shares them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientConfig {
    region: Option<String>,
    zone: Option<String>,
    project: Option<String>,
    endpoint: Option<Endpoint>,
    pub(crate) connect_timeout: Duration,
    pub(crate) attempt_timeout: Duration,
    pub(crate) total_timeout: Duration,
    pub(crate) max_body_bytes: usize,
    pub(crate) clock: Clock,
    pub(crate) max_attempts: u32,
    pub(crate) backoff_base: Duration,
    pub(crate) backoff_max: Duration,
    /// The response language, sent in the protocol's language header where it has one.
    language: Option<String>,
    /// Headers added to every request of the client (after signing).
    pub(crate) headers: ExtraHeaders,
    /// The HTTP stack, when not the built-in reqwest one.
    pub(crate) http: Option<crate::transport::HttpClient>,
    /// The built-in client's proxy and trusted roots.
    pub(crate) network: Network,
}

/// How the built-in reqwest client reaches the services: its proxy and the certificate
/// roots it trusts.
#[derive(Clone, Default, PartialEq, Eq)]
pub(crate) struct Network {
    /// `None`: the environment's `HTTPS_PROXY`/`HTTP_PROXY`/`ALL_PROXY` (and `NO_PROXY`), as
    /// reqwest reads them; `Some(None)`: no proxy at all; `Some(Some(url))`: this one.
    pub(crate) proxy: Option<Option<String>>,
    /// PEM bundles of roots trusted besides (or, with `roots_only`, instead of) the
    /// platform's.
    pub(crate) roots_pem: Vec<Vec<u8>>,
    pub(crate) roots_only: bool,
}

/// A proxy URL may carry a user and password: `Debug` shows neither, nor the bundles.
impl std::fmt::Debug for Network {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let proxy = match &self.proxy {
            None => "from the environment".to_owned(),
            Some(None) => "none".to_owned(),
            Some(Some(url)) => proxy_shown(url),
        };
        f.debug_struct("Network")
            .field("proxy", &proxy)
            .field("root_bundles", &self.roots_pem.len())
            .field("roots_only", &self.roots_only)
            .finish()
    }
}

/// A proxy URL without its user information (`http://user:pw@host:3128` → `http://…@host:3128`).
pub(crate) fn proxy_shown(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => format!("{}…{}", &url[..s + 3], &url[at..]),
        (None, Some(at)) => format!("…{}", &url[at..]),
        _ => url.to_owned(),
    }
}

/// Headers a caller adds to requests: `Debug` shows their names only (a value may be a
/// token).
#[derive(Clone, Default, PartialEq, Eq)]
pub(crate) struct ExtraHeaders(pub(crate) Vec<(String, String)>);

impl std::fmt::Debug for ExtraHeaders {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.0.iter().map(|(name, _)| name))
            .finish()
    }
}

/// An endpoint override: scheme and `host[:port]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Endpoint {
    pub(crate) scheme: &'static str,
    pub(crate) host: String,
}

impl Default for ClientConfig {
    fn default() -> Self {
        Self {
            region: None,
            zone: None,
            project: None,
            endpoint: None,
            connect_timeout: Duration::from_secs(10),
            attempt_timeout: Duration::from_secs(30),
            total_timeout: Duration::from_secs(60),
            max_body_bytes: 8 << 20,
            clock: Clock::System,
            max_attempts: 3,
            backoff_base: Duration::from_millis(200),
            backoff_max: Duration::from_secs(5),
            language: None,
            headers: ExtraHeaders::default(),
            http: None,
            network: Network::default(),
        }
    }
}

impl ClientConfig {
    /// No region, the specs' default endpoints, 10 s connect / 30 s attempt / 60 s total
    /// timeouts, an 8 MiB response cap, the system clock, and at most 3 attempts with
    /// full-jitter exponential backoff from 200 ms up to 5 s.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the region (`ap-guangzhou`, `cn-bj2`, `cn-north-4`); also sent as the `Region` of
    /// a UCloud action whose request leaves it unset.
    #[must_use]
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// Overrides the endpoint of every operation of the client: `host`, `host:port`
    /// (HTTPS), or a URL `http://127.0.0.1:8080` / `https://host` (scheme and authority only).
    #[must_use]
    pub fn endpoint(mut self, endpoint: impl AsRef<str>) -> Self {
        let s = endpoint.as_ref().trim_end_matches('/');
        let (scheme, host) = match s.split_once("://") {
            Some(("http", host)) => ("http", host),
            Some((_, host)) => ("https", host),
            None => ("https", s),
        };
        self.endpoint = Some(Endpoint {
            scheme,
            host: host.to_owned(),
        });
        self
    }

    /// Time allowed to open a connection.
    #[must_use]
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Time allowed for one attempt: sending the request and reading the whole response.
    #[must_use]
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.attempt_timeout = timeout;
        self
    }

    /// Time allowed for a whole call, all attempts included.
    #[must_use]
    pub fn total_timeout(mut self, timeout: Duration) -> Self {
        self.total_timeout = timeout;
        self
    }

    /// Largest response body read; a larger one fails without being buffered further.
    #[must_use]
    pub fn max_body_bytes(mut self, bytes: usize) -> Self {
        self.max_body_bytes = bytes;
        self
    }

    /// Attempts per call, the first included (1: never retry).
    #[must_use]
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// Backoff before retry `n` (from 1) is uniformly random in `0..=min(max, base * 2^(n-1))`
    /// ("full jitter"), or the server's `Retry-After` when that is longer.
    #[must_use]
    pub fn backoff(mut self, base: Duration, max: Duration) -> Self {
        self.backoff_base = base;
        self.backoff_max = max;
        self
    }

    /// Signs with a fixed time and nonce instead of the system clock (tests, snapshots).
    #[must_use]
    pub fn fixed_clock(mut self, timestamp: i64, nonce: u32) -> Self {
        self.clock = Clock::Fixed { timestamp, nonce };
        self
    }

    /// Sets the availability zone (`cn-bj2-05`): sent as the `Zone` of a UCloud action that
    /// requires one and whose request leaves it unset (an optional `Zone` is a filter: never
    /// filled in).
    #[must_use]
    pub fn zone(mut self, zone: impl Into<String>) -> Self {
        self.zone = Some(zone.into());
        self
    }

    /// Sets the project (`org-xxxx`): sent as the `ProjectId` of a UCloud action that takes
    /// one and whose request leaves it unset (sub-accounts must send one).
    #[must_use]
    pub fn project(mut self, project: impl Into<String>) -> Self {
        self.project = Some(project.into());
        self
    }

    /// The language of the service's messages (`en-US`, `zh-CN`; Huawei: `en-us`, `zh-cn`),
    /// sent as given in the protocol's language header: `X-TC-Language` (Tencent API 3.0),
    /// `X-Language` (Huawei, unless the operation's request sets its own). Protocols without
    /// one send nothing.
    #[must_use]
    pub fn language(mut self, language: impl Into<String>) -> Self {
        self.language = Some(language.into());
        self
    }

    /// Adds a header to every request (after signing; a header the request already carries,
    /// such as its signature, is never replaced). `Debug` shows its name only.
    #[must_use]
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.0.push((name.into(), value.into()));
        self
    }

    /// Sends the built-in client's requests through this HTTP(S) proxy (`http://host:3128`,
    /// with `user:password@` if it asks for them; `Debug` and errors never show those).
    /// Without it the environment's `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY` and `NO_PROXY`
    /// apply.
    #[must_use]
    pub fn proxy(mut self, url: impl Into<String>) -> Self {
        self.network.proxy = Some(Some(url.into()));
        self
    }

    /// The built-in client uses no proxy, whatever the environment says.
    #[must_use]
    pub fn no_proxy(mut self) -> Self {
        self.network.proxy = Some(None);
        self
    }

    /// Trusts the certificate roots of this PEM bundle besides the platform's (a corporate
    /// TLS-inspecting proxy's CA, a private endpoint's); may be given several times.
    #[must_use]
    pub fn root_certificates_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.network.roots_pem.push(pem.into());
        self
    }

    /// Trusts only the roots given with [`root_certificates_pem`](Self::root_certificates_pem),
    /// not the platform's.
    #[must_use]
    pub fn only_given_roots(mut self) -> Self {
        self.network.roots_only = true;
        self
    }

    /// Sends every request through `http` instead of the built-in reqwest client: another
    /// HTTP stack, or a test double such as [`MockHttp`](crate::mock::MockHttp). The
    /// connect timeout and body cap are then `http`'s to honour; the attempt and total
    /// timeouts are still the runtime's.
    #[must_use]
    pub fn http_client(mut self, http: impl Into<crate::transport::HttpClient>) -> Self {
        self.http = Some(http.into());
        self
    }

    /// The response language, if set.
    pub fn language_name(&self) -> Option<&str> {
        self.language.as_deref()
    }

    /// This configuration with `options` over it (see [`CallOptions`]).
    #[must_use]
    pub fn with_options(&self, options: &CallOptions) -> Self {
        let mut c = self.clone();
        if let Some(t) = options.attempt_timeout {
            c.attempt_timeout = t;
        }
        if let Some(t) = options.total_timeout {
            c.total_timeout = t;
        }
        if let Some(n) = options.max_attempts {
            c = c.max_attempts(n);
        }
        if let Some(r) = &options.region {
            c.region = Some(r.clone());
        }
        if let Some(e) = &options.endpoint {
            c = c.endpoint(e);
        }
        if let Some(l) = &options.language {
            c.language = Some(l.clone());
        }
        for (name, value) in &options.headers.0 {
            c.headers.0.push((name.clone(), value.clone()));
        }
        c
    }

    /// The value of a setting a request parameter may take (`config_params` of a protocol).
    pub fn setting(&self, param: crate::protocols::ConfigParam) -> Option<&str> {
        use crate::protocols::ConfigParam;
        match param {
            ConfigParam::Region => self.region.as_deref(),
            ConfigParam::Zone => self.zone.as_deref(),
            ConfigParam::Project => self.project.as_deref(),
        }
    }

    /// The configured region.
    pub fn region_name(&self) -> Option<&str> {
        self.region.as_deref()
    }

    /// The endpoint override's `host[:port]`.
    pub fn endpoint_override(&self) -> Option<&str> {
        self.endpoint.as_ref().map(|e| e.host.as_str())
    }

    /// The scheme requests are sent with (`https` unless the override says `http`).
    pub fn scheme(&self) -> &'static str {
        self.endpoint.as_ref().map_or("https", |e| e.scheme)
    }

    /// The clock used to sign.
    pub fn clock(&self) -> Clock {
        self.clock
    }
}

/// Settings for some calls of a client without building another: a generated client's
/// `with_options(&options)` is a view of it (same connections, credentials, rate limits and
/// clock correction) whose calls use these over its configuration. Unset: the client's.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CallOptions {
    attempt_timeout: Option<Duration>,
    total_timeout: Option<Duration>,
    max_attempts: Option<u32>,
    region: Option<String>,
    endpoint: Option<String>,
    language: Option<String>,
    headers: ExtraHeaders,
}

impl CallOptions {
    /// Nothing overridden.
    pub fn new() -> Self {
        Self::default()
    }

    /// Time allowed for one attempt.
    #[must_use]
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.attempt_timeout = Some(timeout);
        self
    }

    /// Time allowed for the whole call, all attempts included.
    #[must_use]
    pub fn total_timeout(mut self, timeout: Duration) -> Self {
        self.total_timeout = Some(timeout);
        self
    }

    /// Attempts per call, the first included (1: never retry).
    #[must_use]
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = Some(attempts);
        self
    }

    /// The region (its endpoint, and a UCloud action's `Region` left unset).
    #[must_use]
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// The endpoint, in the forms [`ClientConfig::endpoint`] takes.
    #[must_use]
    pub fn endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.endpoint = Some(endpoint.into());
        self
    }

    /// The response language ([`ClientConfig::language`]).
    #[must_use]
    pub fn language(mut self, language: impl Into<String>) -> Self {
        self.language = Some(language.into());
        self
    }

    /// A header added to the calls, after the client's own ([`ClientConfig::header`]).
    #[must_use]
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.0.push((name.into(), value.into()));
        self
    }
}

#[cfg(test)]
mod tests {
    use super::ClientConfig;

    #[test]
    fn endpoint_forms() {
        let c = ClientConfig::new().endpoint("http://127.0.0.1:8080/");
        assert_eq!(
            (c.scheme(), c.endpoint_override()),
            ("http", Some("127.0.0.1:8080"))
        );
        let c = ClientConfig::new().endpoint("cdb.tencentcloudapi.com");
        assert_eq!(c.scheme(), "https");
    }
}
