//! Credentials that are found at run time and may change: the vendors' default chains
//! (environment → profile file → instance metadata, first hit wins) and the cache that
//! refreshes temporary keys ahead of their expiry.

use std::fmt;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::{Credentials, CredentialsError};
use crate::catalog::BoxFuture;

/// Where a chain reads environment variables: the process environment, or a function
/// (tests, or a configuration layer of the application's own).
#[derive(Clone)]
pub struct Lookup(std::sync::Arc<LookupFn>);

/// A variable lookup: name in, value if set.
type LookupFn = dyn Fn(&str) -> Option<std::ffi::OsString> + Send + Sync;

impl Lookup {
    /// The process environment.
    pub fn env() -> Self {
        Self::from_fn(|name| std::env::var_os(name))
    }

    /// Variables from `f`.
    pub fn from_fn(f: impl Fn(&str) -> Option<std::ffi::OsString> + Send + Sync + 'static) -> Self {
        Self(std::sync::Arc::new(f))
    }

    pub(crate) fn get(&self, name: &str) -> Option<std::ffi::OsString> {
        (self.0)(name)
    }
}

impl fmt::Debug for Lookup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Lookup")
    }
}

/// Credentials and, for temporary keys, when they expire (UNIX seconds).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expiring {
    /// The keys.
    pub credentials: Credentials,
    /// Expiry of temporary keys; `None` for long-term keys.
    pub expires_at: Option<i64>,
}

/// Why credentials could not be found. Never holds a secret: paths, line numbers, variable
/// names, key names and the metadata path, not values.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProviderError {
    /// Nothing configured at this step (no variable, no file, no metadata service): the
    /// chain goes on to the next step.
    Absent {
        /// What was looked for.
        what: String,
    },
    /// An environment variable is set wrong (empty, not UTF-8, half a key pair).
    Env(CredentialsError),
    /// A profile file that exists cannot be read or is malformed.
    File {
        /// The file.
        path: PathBuf,
        /// The line, where the problem is on one.
        line: Option<usize>,
        /// What is wrong.
        reason: String,
    },
    /// The instance metadata service answered wrong, not at all, or too late.
    Metadata {
        /// The path asked for (no host, no secret).
        path: String,
        /// What happened.
        reason: String,
    },
    /// The temporary key expired and could not be refreshed.
    Expired {
        /// When it expired (UNIX seconds).
        expired_at: i64,
        /// Why the refresh failed.
        refresh: Box<ProviderError>,
    },
    /// Every step of a chain failed: each step's name and why.
    Chain(Vec<(&'static str, ProviderError)>),
}

impl ProviderError {
    pub(crate) fn absent(what: impl Into<String>) -> Self {
        ProviderError::Absent { what: what.into() }
    }

    pub(crate) fn metadata(path: &str, reason: impl Into<String>) -> Self {
        ProviderError::Metadata {
            path: path.to_owned(),
            reason: reason.into(),
        }
    }
}

impl fmt::Display for ProviderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProviderError::Absent { what } => write!(f, "{what}"),
            ProviderError::Env(e) => e.fmt(f),
            ProviderError::File { path, line, reason } => match line {
                Some(l) => write!(f, "credentials file {}:{l}: {reason}", path.display()),
                None => write!(f, "credentials file {}: {reason}", path.display()),
            },
            ProviderError::Metadata { path, reason } => {
                write!(f, "instance metadata `{path}`: {reason}")
            }
            ProviderError::Expired {
                expired_at,
                refresh,
            } => write!(
                f,
                "temporary credentials expired at {expired_at} (UNIX time) and could not be refreshed: {refresh}"
            ),
            ProviderError::Chain(steps) => {
                f.write_str("no credentials found:")?;
                for (name, e) in steps {
                    write!(f, "\n  - {name}: {e}")?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for ProviderError {}

impl From<CredentialsError> for ProviderError {
    fn from(e: CredentialsError) -> Self {
        ProviderError::Env(e)
    }
}

/// A source of credentials asked before each signature (through [`CachingProvider`]).
pub trait ProvideCredentials: fmt::Debug + Send + Sync {
    /// Fetches credentials now (the cache decides when to ask).
    fn provide(&self) -> BoxFuture<'_, Result<Expiring, ProviderError>>;
}

/// One step of a chain: a name for messages and a provider.
pub type Step = (&'static str, Box<dyn ProvideCredentials>);

/// Steps tried in order; the first that finds credentials wins. A step that finds a
/// misconfiguration (half a key pair, a malformed file) stops the chain with that error: a
/// chain that skipped it would sign with keys the user did not mean.
#[derive(Debug)]
pub struct Chain {
    steps: Vec<Step>,
}

impl Chain {
    /// A chain of `steps`.
    pub fn new(steps: Vec<Step>) -> Self {
        Self { steps }
    }
}

impl ProvideCredentials for Chain {
    fn provide(&self) -> BoxFuture<'_, Result<Expiring, ProviderError>> {
        Box::pin(async move {
            let mut failures = Vec::new();
            for (name, step) in &self.steps {
                match step.provide().await {
                    Ok(found) => return Ok(found),
                    Err(e @ ProviderError::Absent { .. })
                    | Err(e @ ProviderError::Metadata { .. }) => failures.push((*name, e)),
                    Err(e) => {
                        failures.push((*name, e));
                        return Err(ProviderError::Chain(failures));
                    }
                }
            }
            Err(ProviderError::Chain(failures))
        })
    }
}

/// How long before expiry temporary keys are refreshed: Tencent refuses a signature more
/// than 5 minutes from its clock, and its SDK refreshes CVM role keys 300 s ahead.
pub const REFRESH_AHEAD: Duration = Duration::from_secs(300);

/// Caches what a provider returned and asks again only when temporary keys come within
/// [`REFRESH_AHEAD`] of expiry: one refresh at a time however many calls wait, and a failed
/// refresh keeps the old keys while they are still valid.
#[derive(Debug)]
pub struct CachingProvider {
    inner: Box<dyn ProvideCredentials>,
    current: Mutex<Option<Expiring>>,
    refresh: tokio::sync::Mutex<()>,
    ahead: Duration,
    clock: fn() -> i64,
}

fn system_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

impl CachingProvider {
    /// A cache over `inner`, refreshing [`REFRESH_AHEAD`] before expiry.
    pub fn new(inner: impl ProvideCredentials + 'static) -> Self {
        Self::with_clock(Box::new(inner), REFRESH_AHEAD, system_now)
    }

    /// A cache over `inner` refreshing `ahead` of expiry.
    pub fn with_ahead(inner: impl ProvideCredentials + 'static, ahead: Duration) -> Self {
        Self::with_clock(Box::new(inner), ahead, system_now)
    }

    /// A cache with its own refresh margin and clock (tests).
    pub fn with_clock(
        inner: Box<dyn ProvideCredentials>,
        ahead: Duration,
        clock: fn() -> i64,
    ) -> Self {
        Self {
            inner,
            current: Mutex::new(None),
            refresh: tokio::sync::Mutex::new(()),
            ahead,
            clock,
        }
    }

    fn cached(&self) -> Option<Expiring> {
        self.current
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    fn fresh(&self, e: &Expiring, now: i64) -> bool {
        e.expires_at
            .is_none_or(|at| at - now > self.ahead.as_secs() as i64)
    }

    /// The keys held now, if any (no fetch, no refresh).
    pub fn cached_now(&self) -> Option<Credentials> {
        self.cached().map(|e| e.credentials)
    }

    /// Credentials to sign with now.
    pub async fn credentials(&self) -> Result<Credentials, ProviderError> {
        let now = (self.clock)();
        if let Some(e) = self.cached().filter(|e| self.fresh(e, now)) {
            return Ok(e.credentials);
        }
        // One refresh at a time: the others wait here, then find the new keys cached.
        let _guard = self.refresh.lock().await;
        let now = (self.clock)();
        let old = self.cached();
        if let Some(e) = old.as_ref().filter(|e| self.fresh(e, now)) {
            return Ok(e.credentials.clone());
        }
        match self.inner.provide().await {
            Ok(new) => {
                *self
                    .current
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(new.clone());
                Ok(new.credentials)
            }
            Err(e) => match old {
                // Refresh failed ahead of expiry: the old keys still sign.
                Some(old) if old.expires_at.is_none_or(|at| at > now) => {
                    tracing::warn!(error = %e, "credentials refresh failed; keeping the current keys until they expire");
                    Ok(old.credentials)
                }
                Some(old) => Err(ProviderError::Expired {
                    expired_at: old.expires_at.unwrap_or_default(),
                    refresh: Box::new(e),
                }),
                None => Err(e),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};

    use super::*;
    use crate::TencentCredentials;

    static NOW: AtomicI64 = AtomicI64::new(1_000);

    fn now() -> i64 {
        NOW.load(Ordering::SeqCst)
    }

    /// Issues key `n` valid 600 s on each call; fails while `failing` is set.
    #[derive(Debug, Default)]
    struct Rotating {
        calls: AtomicUsize,
        failing: std::sync::atomic::AtomicBool,
    }

    impl ProvideCredentials for std::sync::Arc<Rotating> {
        fn provide(&self) -> BoxFuture<'_, Result<Expiring, ProviderError>> {
            Box::pin(async move {
                // Slow enough that concurrent callers overlap.
                tokio::time::sleep(Duration::from_millis(20)).await;
                let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
                if self.failing.load(Ordering::SeqCst) {
                    return Err(ProviderError::metadata("/key", "HTTP 500"));
                }
                Ok(Expiring {
                    credentials: TencentCredentials::new(format!("AKIDTMP{n}"), "s").into(),
                    expires_at: Some(now() + 600),
                })
            })
        }
    }

    fn id(c: &Credentials) -> String {
        c.tencent().map(|t| t.secret_id.clone()).unwrap_or_default()
    }

    #[tokio::test(flavor = "current_thread")]
    async fn refreshes_ahead_once_and_keeps_valid_keys_when_refresh_fails() {
        let source = std::sync::Arc::new(Rotating::default());
        let cache = std::sync::Arc::new(CachingProvider::with_clock(
            Box::new(source.clone()),
            Duration::from_secs(300),
            now,
        ));
        // 100 concurrent first calls: one fetch.
        let calls: Vec<_> = (0..100)
            .map(|_| {
                let cache = cache.clone();
                tokio::spawn(async move { cache.credentials().await })
            })
            .collect();
        for c in calls {
            assert_eq!(id(&c.await.unwrap().unwrap()), "AKIDTMP1");
        }
        assert_eq!(source.calls.load(Ordering::SeqCst), 1);
        // Still more than 300 s left: no refresh.
        NOW.fetch_add(200, Ordering::SeqCst);
        assert_eq!(id(&cache.credentials().await.unwrap()), "AKIDTMP1");
        assert_eq!(source.calls.load(Ordering::SeqCst), 1);
        // Within 300 s of expiry: refreshed ahead.
        NOW.fetch_add(150, Ordering::SeqCst);
        assert_eq!(id(&cache.credentials().await.unwrap()), "AKIDTMP2");
        // The refresh fails while the key is still valid: the old key signs on.
        NOW.fetch_add(400, Ordering::SeqCst);
        source.failing.store(true, Ordering::SeqCst);
        assert_eq!(id(&cache.credentials().await.unwrap()), "AKIDTMP2");
        // Past expiry with the refresh still failing: a clear error.
        NOW.fetch_add(300, Ordering::SeqCst);
        let err = cache.credentials().await.unwrap_err();
        assert!(matches!(err, ProviderError::Expired { .. }), "{err}");
        assert!(
            err.to_string()
                .contains("could not be refreshed: instance metadata `/key`: HTTP 500"),
            "{err}"
        );
        // It recovers when the source does.
        source.failing.store(false, Ordering::SeqCst);
        assert!(id(&cache.credentials().await.unwrap()).starts_with("AKIDTMP"));
    }
}
