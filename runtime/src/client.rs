//! What a generated client holds: configuration, credentials, the transport, the rate
//! limiters and the clock offset, behind one `Arc` so clones share them.
//!
//! [`Runtime::invoke`] is the single path of every call. Per attempt: wait for the
//! operation's rate limit, sign with a fresh timestamp and nonce, send, decode. Then:
//!
//! - success, or an error the specs do not allow retrying: return it;
//! - a retryable failure (see [`retry_class`]): back off (full jitter, or the server's
//!   `Retry-After` when longer) and try again, within `max_attempts` and the total timeout;
//! - a clock-skew code (`EnvelopeSpec::clock_skew_codes`): take the offset from the
//!   response's `Date` header and re-sign once, whatever the attempt count.
//!
//! Each call runs in a `tracing` span `sdk.call` (operation, service, attempt, status,
//! request id, latency); nothing secret is ever recorded.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::de::DeserializeOwned;
use tracing::Instrument;

use crate::build::BuildError;
use crate::config::{ClientConfig, Clock};
use crate::credentials::{CachingProvider, Credentials, ProviderError};
use crate::envelope::{self, Failure};
use crate::error::{DecodeError, ErrorMeta, Retry, SdkError, ServiceError};
use crate::protocols::{self, OperationInfo};
use crate::transport::{RawResponse, Transport, TransportError, TransportErrorKind};
use crate::wire::{SignContext, SignedRequest, WireRequest};

/// What a generated client method returns: the call, to `.await`, giving the operation's
/// output or an [`SdkError`] with the operation's error type. It is `Send` when the
/// request type is `Sync` (always so for generated requests).
pub trait CallFuture<T, E>: std::future::Future<Output = Result<T, SdkError<E>>> {}

impl<F, T, E> CallFuture<T, E> for F where F: std::future::Future<Output = Result<T, SdkError<E>>> {}

/// A boxed, sendable future: what a catalog hook's `call_example` and a credentials
/// provider's fetch return.
pub type BoxFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;

/// One generated operation as the runtime calls it: its wire facts and how its input
/// becomes a wire request.
#[doc(hidden)]
pub struct Op<I> {
    /// Wire facts.
    pub info: &'static OperationInfo,
    /// The input as an unsigned wire request.
    pub to_wire: fn(&I, &ClientConfig) -> Result<WireRequest, BuildError>,
}

/// The request type of a generated operation: which operation it is the input of. A
/// client's `unsigned_request` takes any of them (one generic method rather than a preview
/// method per operation).
pub trait Request: Sized + 'static {
    /// The operation this is the input of.
    #[doc(hidden)]
    const OP: &'static Op<Self>;
}

/// What one attempt hands the decoder: the response's status, request id (from the
/// protocol's header), the response fields read from headers, and the body.
struct Parts<'r> {
    status: u16,
    request_id: Option<&'r str>,
    headers: &'r [(&'static str, &'r str)],
    body: &'r [u8],
}

/// The typed half of a call, erased: decodes a success into the caller's value, or says why
/// not (a service error in the envelope, or an undecodable body).
type Decode<'d> = dyn for<'r> FnMut(Parts<'r>) -> Result<(), Failure> + Send + 'd;

/// What the specs allow when the service answered `meta`: the rule of the operation's error
/// enum `E`, by code.
fn retry_of<E: ServiceError>(meta: &ErrorMeta) -> Retry {
    E::from(meta.clone()).retry()
}

/// Shared state of a client; cheap to clone.
#[derive(Clone, Debug)]
pub struct Runtime {
    inner: Arc<Inner>,
    /// The configuration its calls use: the client's, or a view's
    /// ([`with_options`](Self::with_options)).
    config: Arc<ClientConfig>,
}

#[derive(Debug)]
struct Inner {
    credentials: CredentialSource,
    transport: Transport,
    /// Seconds to add to the local clock, learned from a clock-skew error.
    clock_offset: AtomicI64,
    /// Next free send slot per rate-limited operation.
    limiters: Mutex<HashMap<&'static str, Instant>>,
}

/// Where a runtime's keys come from: given once, or asked of a (cached) provider before each
/// signature, so temporary keys are refreshed as they near expiry.
#[derive(Debug)]
enum CredentialSource {
    Static(Credentials),
    Provider(CachingProvider),
}

/// The call's total timeout ran out while waiting for `what` (nothing was sent).
fn out_of_time<E>(op: &OperationInfo, what: &str) -> SdkError<E> {
    SdkError::Transport(TransportError {
        operation: op.name,
        kind: TransportErrorKind::Timeout,
        status: None,
        message: format!("the call's total timeout ran out waiting for {what}"),
    })
}

/// Headroom under a spec's rate limit, so network jitter never pushes the server's own
/// one-second count over it.
const RATE_HEADROOM: f64 = 1.05;

impl Runtime {
    /// A runtime for `sdk` (`name/version`, sent in the `User-Agent`).
    pub fn new(
        config: ClientConfig,
        credentials: Credentials,
        sdk: &str,
    ) -> Result<Self, TransportError> {
        Self::with_source(config, CredentialSource::Static(credentials), sdk)
    }

    /// A runtime whose keys come from `provider` (a vendor's `default_chain().build()`, or
    /// any [`ProvideCredentials`](crate::credentials::ProvideCredentials) in a
    /// [`CachingProvider`]): asked before each signature, refreshed ahead of expiry.
    pub fn with_provider(
        config: ClientConfig,
        provider: CachingProvider,
        sdk: &str,
    ) -> Result<Self, TransportError> {
        Self::with_source(config, CredentialSource::Provider(provider), sdk)
    }

    fn with_source(
        config: ClientConfig,
        credentials: CredentialSource,
        sdk: &str,
    ) -> Result<Self, TransportError> {
        let transport = Transport::new(&config, sdk)?;
        Ok(Self {
            config: Arc::new(config),
            inner: Arc::new(Inner {
                credentials,
                transport,
                clock_offset: AtomicI64::new(0),
                limiters: Mutex::new(HashMap::new()),
            }),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// A view of this runtime whose calls use `options` over its configuration, sharing
    /// its connections, credentials, rate limits and clock correction: a per-call setting
    /// without a new client. (The connect timeout and body cap are the client's.)
    #[must_use]
    pub fn with_options(&self, options: &crate::config::CallOptions) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
            config: Arc::new(self.config.with_options(options)),
        }
    }

    /// The credentials given at construction (secret halves redacted in `Debug`); `None`
    /// when they come from a provider (see [`current_credentials`](Self::current_credentials)).
    pub fn credentials(&self) -> Option<&Credentials> {
        match &self.inner.credentials {
            CredentialSource::Static(c) => Some(c),
            CredentialSource::Provider(_) => None,
        }
    }

    /// The credentials the next signature uses: the given ones, or the provider's (fetched
    /// or refreshed now if needed).
    pub async fn current_credentials(&self) -> Result<Credentials, ProviderError> {
        match &self.inner.credentials {
            CredentialSource::Static(c) => Ok(c.clone()),
            CredentialSource::Provider(p) => p.credentials().await,
        }
    }

    /// Seconds added to the local clock when signing (learned from a clock-skew error).
    pub fn clock_offset(&self) -> i64 {
        self.inner.clock_offset.load(Ordering::Relaxed)
    }

    fn local_time(&self) -> i64 {
        match self.config.clock() {
            Clock::Fixed { timestamp, .. } => timestamp,
            Clock::System => SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64),
        }
    }

    /// The time and nonce the next signature uses (clock offset applied).
    pub fn sign_context(&self) -> SignContext {
        let timestamp = self.local_time() + self.clock_offset();
        match self.config.clock() {
            Clock::Fixed { nonce, .. } => SignContext { timestamp, nonce },
            Clock::System => SignContext {
                timestamp,
                nonce: (random_u64() % 0x7fff_fffe) as u32 + 1,
            },
        }
    }

    /// Signs `wire` for `op` with this client's credentials and clock. A runtime with a
    /// provider signs with the keys it holds now; before the first call (or
    /// [`current_credentials`](Self::current_credentials)) it holds none, which is an error.
    pub fn sign(&self, op: &OperationInfo, wire: WireRequest) -> Result<SignedRequest, BuildError> {
        match &self.inner.credentials {
            CredentialSource::Static(c) => protocols::sign(op, wire, c, &self.sign_context()),
            CredentialSource::Provider(p) => match p.cached_now() {
                Some(c) => protocols::sign(op, wire, &c, &self.sign_context()),
                None => Err(BuildError::new(
                    op.name,
                    crate::build::Problem::Config {
                        what: "the credentials provider has not been asked yet".into(),
                    },
                )),
            },
        }
    }

    /// Sends a signed request once and returns the raw response.
    pub async fn send(&self, req: &SignedRequest) -> Result<RawResponse, TransportError> {
        self.inner.transport.send(req).await
    }

    /// Waits for `op`'s next send slot under its spec rate limit. Slots are spaced evenly
    /// (no bursts), shared by every clone of this client.
    async fn throttle(&self, op: &OperationInfo) {
        let Some(rate) = op.rate_limit.filter(|r| *r > 0.0) else {
            return;
        };
        let interval = Duration::from_secs_f64(RATE_HEADROOM / rate);
        let slot = {
            let mut limiters = self
                .inner
                .limiters
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let now = Instant::now();
            let next = limiters.entry(op.name).or_insert(now);
            let slot = (*next).max(now);
            *next = slot + interval;
            slot
        };
        tokio::time::sleep_until(slot.into()).await;
    }

    /// Builds the wire request of `input`, then [`invoke`](Self::invoke)s it: the body of
    /// every generated client method.
    #[doc(hidden)]
    pub async fn call<I, T: DeserializeOwned + Send, E: ServiceError>(
        &self,
        op: &Op<I>,
        input: &I,
    ) -> Result<T, SdkError<E>> {
        let wire = (op.to_wire)(input, self.config()).map_err(SdkError::Build)?;
        self.invoke(op.info, wire).await
    }

    /// The unsigned wire request of `input` (a generated client's `<operation>_request`).
    #[doc(hidden)]
    pub fn wire<I>(&self, op: &Op<I>, input: &I) -> Result<WireRequest, BuildError> {
        (op.to_wire)(input, self.config())
    }

    /// Signs, sends and decodes one call of `op`, retrying what the specs allow.
    ///
    /// Only the decoding of `T` and the conversion into `E` are generic: the attempts,
    /// signing, sending and logging are one function for every operation, so a crate that
    /// instantiates thousands of operations (a catalog, a test of every operation) compiles
    /// the call pipeline once rather than once per operation.
    #[doc(hidden)]
    pub async fn invoke<T: DeserializeOwned + Send, E: ServiceError>(
        &self,
        op: &OperationInfo,
        wire: WireRequest,
    ) -> Result<T, SdkError<E>> {
        let mut value = None;
        let mut decode = |parts: Parts<'_>| {
            value = Some(envelope::decode_parts::<T>(
                op.envelope,
                &op.response,
                parts.status,
                parts.request_id,
                parts.headers,
                parts.body,
            )?);
            Ok(())
        };
        let result = self
            .invoke_erased(op, wire, &mut decode, retry_of::<E>)
            .await;
        match (result, value) {
            (Ok(()), Some(value)) => Ok(value),
            (Ok(()), None) => Err(SdkError::Decode(DecodeError {
                status: 0,
                request_id: None,
                reason: "the response was accepted but never decoded (an SDK defect)".into(),
                excerpt: String::new(),
            })),
            (Err(e), _) => Err(e.map_service(E::from)),
        }
    }

    /// [`invoke`](Self::invoke) without the types: `decode` reads a success into the
    /// caller's value, `retry_of` says what the operation's error table allows for a code.
    async fn invoke_erased(
        &self,
        op: &OperationInfo,
        wire: WireRequest,
        decode: &mut Decode<'_>,
        retry_of: fn(&ErrorMeta) -> Retry,
    ) -> Result<(), SdkError<ErrorMeta>> {
        let span = tracing::info_span!(
            "sdk.call",
            operation = op.name,
            service = op.service,
            attempt = tracing::field::Empty,
            status = tracing::field::Empty,
            request_id = tracing::field::Empty,
            latency_ms = tracing::field::Empty,
        );
        if span.is_disabled() {
            // No subscriber wants the span: skip entering it on every poll.
            return self.attempts(op, wire, decode, retry_of, &span).await;
        }
        self.attempts(op, wire, decode, retry_of, &span)
            .instrument(span.clone())
            .await
    }

    async fn attempts(
        &self,
        op: &OperationInfo,
        wire: WireRequest,
        decode: &mut Decode<'_>,
        retry_of: fn(&ErrorMeta) -> Retry,
        span: &tracing::Span,
    ) -> Result<(), SdkError<ErrorMeta>> {
        let cfg = &*self.config;
        let deadline = crate::transport::far(Instant::now(), cfg.total_timeout);
        let (mut attempt, mut skew_fixed) = (0u32, false);
        loop {
            attempt += 1;
            span.record("attempt", attempt);
            // The request is signed afresh for every attempt (new timestamp and nonce), so
            // the unsigned one is kept for the next.
            let (result, raw) = self.once(op, wire.clone(), decode, span, deadline).await;
            let err = match result {
                Ok(()) => return Ok(()),
                Err(err) => err,
            };
            if Instant::now() >= deadline {
                // The total timeout ran out (waiting for the rate limit or during the
                // exchange): no retry, whatever the error.
                return Err(match err {
                    SdkError::Transport(e) if e.kind == TransportErrorKind::Timeout => {
                        SdkError::Transport(TransportError {
                            message: format!("call did not finish within {:?}", cfg.total_timeout),
                            ..e
                        })
                    }
                    other => other,
                });
            }
            if let (SdkError::Service(e), Some(raw)) = (&err, &raw)
                && !skew_fixed
                && op.envelope.clock_skew_codes.contains(&e.code.as_str())
                && let Some(server) = raw.header("date").and_then(parse_http_date)
            {
                let offset = server - self.local_time();
                self.inner.clock_offset.store(offset, Ordering::Relaxed);
                tracing::debug!(offset, "clock skew: re-signing with the server's time");
                skew_fixed = true;
                attempt -= 1;
                continue;
            }
            let class = classify(&err, retry_of);
            if !class.allows(op.idempotent) || attempt >= cfg.max_attempts {
                tracing::debug!(attempt, retry = ?class, "giving up");
                return Err(err);
            }
            let exp = cfg.backoff_base.saturating_mul(1 << (attempt - 1).min(20));
            let jitter = exp.min(cfg.backoff_max).mul_f64(random_unit());
            let retry_after = raw
                .as_ref()
                .and_then(|r| r.header("retry-after"))
                .and_then(parse_retry_after);
            let delay = retry_after.map_or(jitter, |ra| ra.max(jitter));
            if crate::transport::far(Instant::now(), delay) >= deadline {
                tracing::debug!(attempt, ?delay, "no time left to retry");
                return Err(err);
            }
            tracing::debug!(attempt, ?delay, retry = ?class, "retrying");
            tokio::time::sleep(delay).await;
        }
    }

    /// One attempt: rate limit, sign, send, decode, all before `deadline` (the waits, that
    /// is: signing and decoding do not block). Also hands back the raw response (when one
    /// arrived) for `Date` and `Retry-After`.
    async fn once(
        &self,
        op: &OperationInfo,
        wire: WireRequest,
        decode: &mut Decode<'_>,
        span: &tracing::Span,
        deadline: Instant,
    ) -> (Result<(), SdkError<ErrorMeta>>, Option<RawResponse>) {
        if op.rate_limit.is_some_and(|r| r > 0.0)
            && tokio::time::timeout_at(deadline.into(), self.throttle(op))
                .await
                .is_err()
        {
            return (Err(out_of_time(op, "the rate limit")), None);
        }
        let signed = match &self.inner.credentials {
            CredentialSource::Static(c) => protocols::sign(op, wire, c, &self.sign_context()),
            CredentialSource::Provider(p) => {
                match tokio::time::timeout_at(deadline.into(), p.credentials()).await {
                    Ok(Ok(c)) => protocols::sign(op, wire, &c, &self.sign_context()),
                    Ok(Err(e)) => return (Err(SdkError::Credentials(e)), None),
                    Err(_) => return (Err(out_of_time(op, "credentials")), None),
                }
            }
        };
        let mut signed = match signed {
            Ok(s) => s,
            Err(e) => return (Err(SdkError::Build(e)), None),
        };
        protocols::add_headers(op, &mut signed, &self.config);
        // Latency is measured only for a span that records it.
        let started = (!span.is_disabled()).then(Instant::now);
        let (scheme, attempt_timeout) = (self.config.scheme(), self.config.attempt_timeout);
        let result = match &self.config.http {
            Some(http) => {
                crate::transport::send_via(http, signed, scheme, attempt_timeout, deadline).await
            }
            None => {
                self.inner
                    .transport
                    .send_owned(signed, scheme, attempt_timeout, Some(deadline))
                    .await
            }
        };
        if let Some(started) = started {
            span.record("latency_ms", started.elapsed().as_millis() as u64);
        }
        let raw = match result {
            Ok(raw) => raw,
            Err(e) => {
                tracing::debug!(kind = ?e.kind, "transport error");
                return (Err(SdkError::Transport(e)), None);
            }
        };
        span.record("status", raw.status);
        let header_id = op
            .envelope
            .request_id_header
            .and_then(|h| raw.header(h))
            .or_else(|| raw.header("x-request-id"));
        // An imported operation's response is read tolerantly: each value set aside (its
        // field reads as absent) is logged, once per distinct note.
        // Response fields read from headers (none for most operations: no allocation).
        let headers: Vec<(&'static str, &str)> = op
            .response
            .headers
            .iter()
            .filter_map(|&(name, key)| raw.header(name).map(|v| (key, v)))
            .collect();
        let (decoded, set_aside) = sdk_core::de::tolerant::collecting(|| {
            decode(Parts {
                status: raw.status,
                request_id: header_id,
                headers: &headers,
                body: &raw.body,
            })
        });
        for (note, times) in sdk_core::de::tolerant::distinct(&set_aside.kept) {
            tracing::warn!(
                parent: span,
                operation = op.name,
                value = %note,
                times,
                "response value contradicts the spec's type; set aside"
            );
        }
        if set_aside.dropped > 0 {
            tracing::warn!(
                parent: span,
                operation = op.name,
                more = set_aside.dropped,
                "more response values set aside than are noted"
            );
        }
        if !span.is_disabled() {
            let request_id = match &decoded {
                Ok(_) => header_id,
                Err(Failure::Service(meta)) => meta.request_id.as_deref(),
                Err(Failure::Decode(e)) => e.request_id.as_deref(),
            };
            if let Some(id) = request_id {
                span.record("request_id", id);
            }
        }
        let result = decoded.map_err(|f| match f {
            Failure::Service(meta) => SdkError::Service(meta),
            Failure::Decode(e) => SdkError::Decode(e),
        });
        (result, Some(raw))
    }
}

/// When a failed attempt may be retried.
///
/// - a service error: what the specs say of its code (`retryable: true` → idempotent calls,
///   `always` → any call: the vendor refused it before processing);
/// - an undecodable HTTP 429/5xx page (a proxy's): idempotent calls only, since nothing says
///   the request was not processed;
/// - no connection: any call (nothing was sent); a timeout or broken connection: idempotent
///   calls only; an oversized body or an invalid request: never.
pub fn retry_class<E: ServiceError>(err: &SdkError<E>) -> Retry {
    classify(err, E::retry)
}

/// [`retry_class`] with the service error's rule given: `service` says what the operation's
/// error table allows for it.
fn classify<E>(err: &SdkError<E>, service: impl FnOnce(&E) -> Retry) -> Retry {
    match err {
        SdkError::Service(e) => service(e),
        SdkError::Decode(e) if e.status == 429 || e.status >= 500 => Retry::IfIdempotent,
        SdkError::Transport(e) => match e.kind {
            TransportErrorKind::Connect => Retry::Always,
            TransportErrorKind::Timeout | TransportErrorKind::Io => Retry::IfIdempotent,
            _ => Retry::Never,
        },
        _ => Retry::Never,
    }
}

/// `Retry-After`: delay-seconds (HTTP-date forms are rare from these vendors and ignored).
fn parse_retry_after(v: &str) -> Option<Duration> {
    v.trim().parse::<u64>().ok().map(Duration::from_secs)
}

/// An IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`) as UNIX seconds.
pub fn parse_http_date(v: &str) -> Option<i64> {
    let format = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    time::PrimitiveDateTime::parse(v.trim(), format)
        .ok()
        .map(|t| t.assume_utc().unix_timestamp())
}

/// Random bits, not secret (only to spread nonces and backoff delays): a per-thread
/// xorshift64* generator, seeded once from the standard library's randomly keyed hasher and
/// the clock.
fn random_u64() -> u64 {
    use std::cell::Cell;
    thread_local! {
        static STATE: Cell<u64> = const { Cell::new(0) };
    }
    STATE.with(|state| {
        let mut x = state.get();
        if x == 0 {
            let mut h = std::collections::hash_map::RandomState::new().build_hasher();
            h.write_u128(
                SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map_or(0, |d| d.as_nanos()),
            );
            x = h.finish() | 1;
        }
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        state.set(x);
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    })
}

/// A fresh idempotency token: 122 random bits in the form of a version-4 UUID
/// (`8c1d…-…-4…-[89ab]…-…`, 36 characters: within every vendor's limit of 64, and the
/// format Huawei's `X-Client-Token` asks for). Unique, not secret.
pub(crate) fn fresh_token() -> String {
    let (hi, lo) = (random_u64(), random_u64());
    let hi = (hi & !0xf000) | 0x4000;
    let lo = (lo & !(0b11 << 62)) | (0b10 << 62);
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        hi >> 32,
        (hi >> 16) & 0xffff,
        hi & 0xffff,
        lo >> 48,
        lo & 0xffff_ffff_ffff
    )
}

/// Uniform in `[0, 1)`.
pub(crate) fn random_unit() -> f64 {
    (random_u64() >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_dates_and_retry_after() {
        assert_eq!(
            parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(784111777)
        );
        assert_eq!(parse_http_date("yesterday"), None);
        assert_eq!(parse_retry_after(" 3 "), Some(Duration::from_secs(3)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
        let r = random_unit();
        assert!((0.0..1.0).contains(&r));
        // Successive draws differ (xorshift never repeats within its period).
        let draws: std::collections::HashSet<u64> = (0..1000).map(|_| random_u64()).collect();
        assert_eq!(draws.len(), 1000);
        let tokens: std::collections::HashSet<String> = (0..1000).map(|_| fresh_token()).collect();
        assert_eq!(tokens.len(), 1000);
        for t in tokens.iter().take(50) {
            let groups: Vec<usize> = t.split('-').map(str::len).collect();
            assert_eq!(groups, [8, 4, 4, 4, 12], "{t}");
            assert!(t.chars().all(|c| c == '-' || c.is_ascii_hexdigit()), "{t}");
            assert_eq!(&t[14..15], "4", "version 4: {t}");
            assert!("89ab".contains(&t[19..20]), "RFC 4122 variant: {t}");
        }
    }
}
