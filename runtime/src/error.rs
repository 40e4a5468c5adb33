//! [`SdkError`], which wraps an operation's own error enum; the service error metadata and
//! decode failures come from the core crate.

use std::fmt;

pub use sdk_core::error::*;

use crate::build::BuildError;
use crate::transport::TransportError;

/// An operation's failure: `E` is the operation's generated error enum.
#[derive(Debug)]
#[non_exhaustive]
pub enum SdkError<E> {
    /// The request was invalid; nothing was sent.
    Build(BuildError),
    /// The service answered with an error.
    Service(E),
    /// The response could not be decoded.
    Decode(DecodeError),
    /// No complete response arrived (connect, timeout, I/O, body over the cap).
    Transport(TransportError),
    /// No credentials to sign with: the provider's chain found none, or temporary keys
    /// expired and could not be refreshed.
    Credentials(crate::credentials::ProviderError),
    /// A paginator stopped: the service handed back a cursor the walk had already
    /// followed (never returned by a single call).
    Pagination(crate::paginate::PaginationError),
    /// A waiter stopped without success: a failure state, or its deadline passed (never
    /// returned by a single call).
    Wait(crate::wait::WaitError),
}

/// A label only: the detail is the [`source`](std::error::Error::source), so an error
/// chain (`anyhow`, `eyre`, a loop over `source()`) prints each fact once.
impl<E> fmt::Display for SdkError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SdkError::Build(_) => "invalid request (nothing was sent)",
            SdkError::Service(_) => "service error",
            SdkError::Decode(_) => "undecodable response",
            SdkError::Transport(_) => "no complete response",
            SdkError::Credentials(_) => "no credentials to sign with",
            SdkError::Pagination(_) => "pagination stopped",
            SdkError::Wait(_) => "waiter stopped",
        })
    }
}

impl<E: std::error::Error + 'static> std::error::Error for SdkError<E> {
    // `E: Debug` comes with `Error`.
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SdkError::Build(e) => Some(e),
            SdkError::Service(e) => Some(e),
            SdkError::Decode(e) => Some(e),
            SdkError::Transport(e) => Some(e),
            SdkError::Credentials(e) => Some(e),
            SdkError::Pagination(e) => Some(e),
            SdkError::Wait(e) => Some(e),
        }
    }
}

/// A request that fails its builder's checks is the call's `Build` error, so `?` on
/// `build()` works in a function returning `SdkError`.
impl<E> From<BuildError> for SdkError<E> {
    fn from(e: BuildError) -> Self {
        SdkError::Build(e)
    }
}

impl<E> SdkError<E> {
    /// The same failure with the service error converted by `f`.
    pub(crate) fn map_service<F>(self, f: impl FnOnce(E) -> F) -> SdkError<F> {
        match self {
            SdkError::Build(e) => SdkError::Build(e),
            SdkError::Service(e) => SdkError::Service(f(e)),
            SdkError::Decode(e) => SdkError::Decode(e),
            SdkError::Transport(e) => SdkError::Transport(e),
            SdkError::Credentials(e) => SdkError::Credentials(e),
            SdkError::Pagination(e) => SdkError::Pagination(e),
            SdkError::Wait(e) => SdkError::Wait(e),
        }
    }

    /// The operation's error, when the service answered with one (by value).
    pub fn into_service(self) -> Option<E> {
        match self {
            SdkError::Service(e) => Some(e),
            _ => None,
        }
    }

    /// The operation's error, when the service answered with one.
    pub fn as_service(&self) -> Option<&E> {
        match self {
            SdkError::Service(e) => Some(e),
            _ => None,
        }
    }
}
