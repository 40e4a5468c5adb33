//! What a generated client holds: configuration, credentials and the transport, behind
//! one `Arc` so clones share the connection pool.
//!
//! [`Runtime::invoke`] is the single path of every call: sign with a fresh timestamp,
//! send, decode the protocol's envelope into the operation's response or error enum.
//! Each call runs in a `tracing` span `sdk.call` with the operation, attempt, HTTP status,
//! request id and latency; nothing secret is ever recorded.

use std::hash::{BuildHasher, Hasher};
use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use serde::de::DeserializeOwned;
use tracing::Instrument;

use crate::build::BuildError;
use crate::config::{ClientConfig, Clock};
use crate::credentials::Credentials;
use crate::envelope::{self, Failure};
use crate::error::{ErrorMeta, SdkError};
use crate::protocols::{self, OperationInfo};
use crate::transport::{RawResponse, Transport, TransportError};
use crate::wire::{SignContext, SignedRequest, WireRequest};

/// Shared state of a client; cheap to clone.
#[derive(Clone, Debug)]
pub struct Runtime {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    config: ClientConfig,
    credentials: Credentials,
    transport: Transport,
}

impl Runtime {
    /// A runtime for `sdk` (`name/version`, sent in the `User-Agent`).
    pub fn new(
        config: ClientConfig,
        credentials: Credentials,
        sdk: &str,
    ) -> Result<Self, TransportError> {
        let transport = Transport::new(&config, sdk)?;
        Ok(Self {
            inner: Arc::new(Inner {
                config,
                credentials,
                transport,
            }),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &ClientConfig {
        &self.inner.config
    }

    /// The credentials (secret halves redacted in `Debug`).
    pub fn credentials(&self) -> &Credentials {
        &self.inner.credentials
    }

    /// The time and nonce the next signature uses.
    pub fn sign_context(&self) -> SignContext {
        match self.inner.config.clock() {
            Clock::Fixed { timestamp, nonce } => SignContext { timestamp, nonce },
            Clock::System => SignContext {
                timestamp: SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs() as i64),
                nonce: random_nonce(),
            },
        }
    }

    /// Signs `wire` for `op` with this client's credentials and clock.
    pub fn sign(&self, op: &OperationInfo, wire: WireRequest) -> Result<SignedRequest, BuildError> {
        protocols::sign(op, wire, &self.inner.credentials, &self.sign_context())
    }

    /// Sends a signed request once and returns the raw response.
    pub async fn send(&self, req: &SignedRequest) -> Result<RawResponse, TransportError> {
        self.inner.transport.send(req).await
    }

    /// Signs, sends and decodes one call of `op`.
    #[doc(hidden)]
    pub async fn invoke<T: DeserializeOwned, E: From<ErrorMeta>>(
        &self,
        op: &OperationInfo,
        wire: WireRequest,
    ) -> Result<T, SdkError<E>> {
        let span = tracing::info_span!(
            "sdk.call",
            operation = op.name,
            service = op.service,
            attempt = 1u32,
            status = tracing::field::Empty,
            request_id = tracing::field::Empty,
            latency_ms = tracing::field::Empty,
        );
        let total = self.inner.config.total_timeout;
        let call = async {
            let signed = self.sign(op, wire).map_err(SdkError::Build)?;
            let started = Instant::now();
            let result = self.send(&signed).await;
            let span = tracing::Span::current();
            span.record("latency_ms", started.elapsed().as_millis() as u64);
            let raw = match result {
                Ok(raw) => raw,
                Err(e) => {
                    tracing::debug!(kind = ?e.kind, "transport error");
                    return Err(SdkError::Transport(e));
                }
            };
            let header_id = request_id_header(op, &raw);
            span.record("status", raw.status);
            let decoded = envelope::decode::<T>(op.envelope, raw.status, header_id, &raw.body);
            let request_id = match &decoded {
                Ok(_) => header_id,
                Err(Failure::Service(meta)) => meta.request_id.as_deref(),
                Err(Failure::Decode(e)) => e.request_id.as_deref(),
            };
            if let Some(id) = request_id {
                span.record("request_id", id);
            }
            tracing::debug!(ok = decoded.is_ok(), "call finished");
            decoded.map_err(|f| match f {
                Failure::Service(meta) => SdkError::Service(E::from(meta)),
                Failure::Decode(e) => SdkError::Decode(e),
            })
        };
        match tokio::time::timeout(total, call.instrument(span)).await {
            Ok(result) => result,
            Err(_) => Err(SdkError::Transport(TransportError {
                operation: op.name,
                kind: crate::transport::TransportErrorKind::Timeout,
                status: None,
                message: format!("call did not finish within {total:?}"),
            })),
        }
    }
}

/// The request id the response headers carry, under the envelope's header or the usual names.
fn request_id_header<'a>(op: &OperationInfo, raw: &'a RawResponse) -> Option<&'a str> {
    op.envelope
        .request_id_header
        .and_then(|h| raw.header(h))
        .or_else(|| raw.header("x-request-id"))
}

/// A random nonce from the standard library's randomly keyed hasher (not a secret; it only
/// makes replayed requests detectable).
fn random_nonce() -> u32 {
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    (h.finish() as u32 % 0x7fff_fffe) + 1
}
