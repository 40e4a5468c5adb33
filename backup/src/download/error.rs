//! Why a download failed: `FetchError`, each variant naming the file (and never more of a URL
//! than its host).

use super::*;

/// Why a file could not be downloaded. None of these prints more of a URL than its host.
#[derive(Debug)]
pub enum FetchError {
    /// Reading or writing the destination failed.
    Io {
        /// The path.
        path: PathBuf,
        /// The error.
        error: std::io::Error,
    },
    /// The server answered a status that retrying cannot fix.
    Status {
        /// The file.
        file: String,
        /// The status.
        status: u16,
        /// The first bytes of the body (storage error code and message).
        detail: String,
    },
    /// Retries ran out without progress.
    GaveUp {
        /// The file.
        file: String,
        /// Attempts made in a row.
        attempts: u32,
        /// The last failure.
        last: String,
    },
    /// The link kept being refused after renewals.
    LinkRefused {
        /// The file.
        file: String,
        /// Renewals made.
        relinks: u32,
        /// The storage's answer.
        detail: String,
    },
    /// Renewing the link failed.
    Relink(LinkError),
    /// The renewed links no longer include the file.
    LinkGone {
        /// The file.
        file: String,
    },
    /// The object changed too often to finish.
    Unstable {
        /// The file.
        file: String,
        /// Restarts made.
        restarts: u32,
    },
    /// The downloaded bytes do not match what the API or the storage said.
    Mismatch {
        /// The file.
        file: String,
        /// Which check (`size`, `md5`, `crc64`).
        check: &'static str,
        /// What was expected.
        expected: String,
        /// What arrived.
        actual: String,
    },
    /// The server broke HTTP (a range it did not ask for, a length it did not keep).
    Protocol {
        /// The file.
        file: String,
        /// What was wrong.
        detail: String,
    },
    /// Cancelled; the `.part` is kept for a later resume.
    Cancelled {
        /// The file.
        file: String,
    },
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FetchError::Io { path, error } => write!(f, "{}: {error}", path.display()),
            FetchError::Status {
                file,
                status,
                detail,
            } => write!(f, "{file}: HTTP {status}: {detail}"),
            FetchError::GaveUp {
                file,
                attempts,
                last,
            } => write!(
                f,
                "{file}: gave up after {attempts} attempts without progress: {last}"
            ),
            FetchError::LinkRefused {
                file,
                relinks,
                detail,
            } => write!(f, "{file}: link refused after {relinks} renewals: {detail}"),
            FetchError::Relink(e) => write!(f, "renewing the link: {e}"),
            FetchError::LinkGone { file } => {
                write!(f, "{file}: the renewed links no longer include this file")
            }
            FetchError::Unstable { file, restarts } => {
                write!(
                    f,
                    "{file}: the object changed {restarts} times during the download"
                )
            }
            FetchError::Mismatch {
                file,
                check,
                expected,
                actual,
            } => write!(
                f,
                "{file}: {check} mismatch: expected {expected}, got {actual} (the bad data was deleted)"
            ),
            FetchError::Protocol { file, detail } => write!(f, "{file}: {detail}"),
            FetchError::Cancelled { file } => {
                write!(
                    f,
                    "{file}: cancelled (the .part is kept; run again to resume)"
                )
            }
        }
    }
}

impl std::error::Error for FetchError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            FetchError::Io { error, .. } => Some(error),
            FetchError::Relink(e) => Some(e),
            _ => None,
        }
    }
}

pub(super) fn io_err(path: &Path) -> impl Fn(std::io::Error) -> FetchError + '_ {
    move |error| FetchError::Io {
        path: path.to_owned(),
        error,
    }
}
