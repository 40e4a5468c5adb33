//! Spec facts for emulators and spec-driven tests (the core crate's catalog types), plus the
//! per-operation hooks generated code provides under its `catalog` feature: decode a body,
//! build the spec's example request, call the operation with it. Tests, demos and benchmarks
//! that touch "every operation" iterate these entries instead of naming operations.

use std::fmt::Debug;

pub use sdk_core::catalog::*;

use crate::build::BuildError;
use crate::client::Runtime;
use crate::config::ClientConfig;
use crate::credentials::ProviderError;
use crate::error::{DecodeError, ErrorMeta, SdkError, ServiceError};
use crate::transport::TransportError;
use crate::wire::WireRequest;

use crate::client::BoxFuture;

/// One operation of the generated catalog: its spec facts and its typed hooks.
#[derive(Clone, Copy)]
pub struct Entry {
    /// Parameters, samples, error codes, protocol facts.
    pub spec: &'static OperationCatalog,
    /// Decodes a response (status, request-id header, body) through the operation's typed
    /// response and error enum.
    pub decode: fn(u16, Option<&str>, &[u8]) -> Outcome,
    /// The unsigned wire request of the spec's example input (`example:` values; parameters
    /// the credentials fill are left to them).
    pub example_request: fn(&ClientConfig) -> Result<WireRequest, BuildError>,
    /// Calls the operation with the spec's example input through `runtime`.
    pub call_example: for<'a> fn(&'a Runtime) -> BoxFuture<'a, Outcome>,
}

impl Debug for Entry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Entry")
            .field("operation", &self.spec.info.name)
            .finish_non_exhaustive()
    }
}

/// The flattened result of one typed call or decode, for code that treats every operation alike.
#[derive(Debug)]
pub enum Outcome {
    /// Success: the typed response's pretty `Debug` (secrets redacted).
    Ok(String),
    /// The service's error.
    Service {
        /// `Debug` of the operation's error enum value, e.g. `Common(AuthFailure(ErrorMeta {..}))`.
        debug: String,
        /// `Display` of the error.
        display: String,
        /// Code, message, request id, status.
        meta: ErrorMeta,
    },
    /// Refused before sending.
    Build(BuildError),
    /// The response could not be decoded.
    Decode(DecodeError),
    /// No complete response.
    Transport(TransportError),
    /// No credentials to sign with.
    Credentials(ProviderError),
    /// A paginator stopped on a repeated cursor.
    Pagination(crate::paginate::PaginationError),
    /// A waiter stopped without success.
    Wait(crate::wait::WaitError),
}

/// Calls `op` with the example input `example` builds (a catalog entry's `call_example`).
pub fn call_example<'a, I, T, E>(
    runtime: &'a Runtime,
    op: &'static crate::client::Op<I>,
    example: fn() -> Result<I, BuildError>,
) -> BoxFuture<'a, Outcome>
where
    T: serde::de::DeserializeOwned + Debug + Send + 'a,
    E: ServiceError + Send + 'a,
    I: Send + Sync + 'a,
{
    Box::pin(async move {
        let wire = match example().and_then(|input| (op.to_wire)(&input, runtime.config())) {
            Ok(wire) => wire,
            Err(e) => return Outcome::Build(e),
        };
        outcome(runtime.invoke::<T, E>(op.info, wire).await)
    })
}

/// Flattens a typed result into an [`Outcome`].
pub fn outcome<T: Debug, E: ServiceError>(result: Result<T, SdkError<E>>) -> Outcome {
    match result {
        Ok(resp) => Outcome::Ok(format!("{resp:#?}")),
        Err(SdkError::Service(e)) => Outcome::Service {
            debug: format!("{e:?}"),
            display: e.to_string(),
            meta: e.meta().clone(),
        },
        Err(SdkError::Build(e)) => Outcome::Build(e),
        Err(SdkError::Decode(e)) => Outcome::Decode(e),
        Err(SdkError::Transport(e)) => Outcome::Transport(e),
        Err(SdkError::Credentials(e)) => Outcome::Credentials(e),
        Err(SdkError::Pagination(e)) => Outcome::Pagination(e),
        Err(SdkError::Wait(e)) => Outcome::Wait(e),
    }
}
