//! What every operation's failure carries: the service error metadata, decode failures, the
//! retry classes, and the [`ServiceError`] trait generated error enums implement.

use std::fmt;

/// What the service said when it refused a request: code, message, request id, HTTP status.
///
/// Read it through the accessors; fields may be added, so it cannot be built outside this
/// project's crates except through [`ErrorMeta::new`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ErrorMeta {
    /// The vendor's error code as text (`9006`, `FailedOperation.SystemError`, `APIG.0301`).
    pub code: String,
    /// The vendor's message, verbatim.
    pub message: String,
    /// The request id, where the wire carries one.
    pub request_id: Option<String>,
    /// HTTP status of the response.
    pub status: u16,
}

impl ErrorMeta {
    /// Metadata of an error (for tests and hand-written transports).
    pub fn new(
        code: impl Into<String>,
        message: impl Into<String>,
        request_id: Option<String>,
        status: u16,
    ) -> Self {
        Self {
            code: code.into(),
            message: message.into(),
            request_id,
            status,
        }
    }

    /// The vendor's error code as text.
    pub fn code(&self) -> &str {
        &self.code
    }

    /// The vendor's message, verbatim.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The request id, where the wire carries one.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// HTTP status of the response.
    pub fn status(&self) -> u16 {
        self.status
    }
}

impl fmt::Display for ErrorMeta {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "code {}: {} (HTTP {}",
            self.code, self.message, self.status
        )?;
        if let Some(id) = &self.request_id {
            write!(f, ", request id {id}")?;
        }
        f.write_str(")")
    }
}

/// When an error may be retried, as the specs' `retryable` says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Retry {
    /// Never (auth errors, bad parameters, unknown codes).
    Never,
    /// Only when the operation is idempotent: the request may have been processed.
    IfIdempotent,
    /// Always: the request was refused before processing (throttling).
    Always,
}

impl Retry {
    /// The variant's name, for emitted code.
    pub fn variant_name(self) -> &'static str {
        match self {
            Retry::Never => "Never",
            Retry::IfIdempotent => "IfIdempotent",
            Retry::Always => "Always",
        }
    }

    /// Whether an error of this class may be retried for an operation.
    pub fn allows(self, idempotent: bool) -> bool {
        match self {
            Retry::Never => false,
            Retry::IfIdempotent => idempotent,
            Retry::Always => true,
        }
    }
}

/// What every generated error enum offers: the service's metadata and when the specs allow
/// retrying it. Bring it into scope to call `err.meta()`.
pub trait ServiceError: From<ErrorMeta> + std::error::Error + Send + Sync + 'static {
    /// Code, message, request id and HTTP status as the service sent them.
    fn meta(&self) -> &ErrorMeta;
    /// When the specs allow retrying this error.
    fn retry(&self) -> Retry;
    /// The vendor's error code (match on this rather than on `Unhandled`: a code this SDK
    /// does not know today may get its own variant in a later version).
    fn code(&self) -> &str {
        &self.meta().code
    }
    /// The vendor's message, verbatim.
    fn message(&self) -> &str {
        &self.meta().message
    }
    /// The request id, where the wire carries one.
    fn request_id(&self) -> Option<&str> {
        self.meta().request_id.as_deref()
    }
    /// Whether the specs allow retrying this error at all (on idempotent calls at least).
    fn is_retryable(&self) -> bool {
        self.retry() != Retry::Never
    }
}

/// A response that could not be decoded: not JSON, truncated, or not the declared shape.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodeError {
    /// HTTP status of the response.
    pub status: u16,
    /// The request id, when it could be read.
    pub request_id: Option<String>,
    /// What went wrong, with the JSON path where known.
    pub reason: String,
    /// The first bytes of the body (lossy UTF-8), to recognise an HTML error page.
    pub excerpt: String,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "cannot decode response (HTTP {}): {}; body starts {:?}",
            self.status, self.reason, self.excerpt
        )
    }
}

impl std::error::Error for DecodeError {}
