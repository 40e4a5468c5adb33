//! Credentials that are found at run time and may change: the vendors' default chains
//! (environment → profile file → instance metadata, first hit wins) and the cache that
//! refreshes temporary keys ahead of their expiry.

use std::fmt;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::{Credentials, CredentialsError};
use crate::client::BoxFuture;

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

impl Expiring {
    /// Long-term keys (no expiry).
    pub fn long_term(credentials: impl Into<Credentials>) -> Self {
        Self {
            credentials: credentials.into(),
            expires_at: None,
        }
    }
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

/// What is wrong with a JSON document, without quoting it: serde_json's own message can
/// echo a value (a key stored as a number, say), so only its category and place are kept.
pub(crate) fn json_problem(e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    let what = match e.classify() {
        Category::Syntax => "malformed JSON",
        Category::Eof => "truncated JSON",
        Category::Data => "JSON of an unexpected shape",
        Category::Io => "unreadable JSON",
    };
    format!("{what} at line {} column {}", e.line(), e.column())
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
    state: Mutex<CacheState>,
    refresh: tokio::sync::Mutex<()>,
    ahead: Duration,
    clock: fn() -> i64,
}

/// How soon after a refresh (successful or not) the cache asks again at the earliest:
/// keys issued with less life than the refresh margin, or a failing source, are not asked
/// on every signature.
const MIN_REFRESH_INTERVAL: i64 = 10;

#[derive(Debug, Default)]
struct CacheState {
    current: Option<Expiring>,
    /// When the source was last asked (UNIX seconds), and its error if it failed.
    last_attempt: Option<(i64, Option<ProviderError>)>,
    /// Bumped by every refresh, so callers that waited on one use its outcome.
    generation: u64,
    /// The current keys came with less life than the refresh margin.
    short_lived: bool,
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
            state: Mutex::new(CacheState::default()),
            refresh: tokio::sync::Mutex::new(()),
            ahead,
            clock,
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, CacheState> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Whether the cache can answer without asking the source: keys outside the refresh
    /// margin, or (while unexpired) the source was asked moments ago.
    fn answer(&self, state: &CacheState, now: i64) -> Option<Result<Credentials, ProviderError>> {
        // Back off only from a source that failed or gives keys shorter-lived than the
        // margin; keys that merely aged into the margin are refreshed at once.
        let recent = state.last_attempt.as_ref().is_some_and(|(at, err)| {
            now.saturating_sub(*at) < MIN_REFRESH_INTERVAL && (err.is_some() || state.short_lived)
        });
        match &state.current {
            Some(e) => {
                let left = e.expires_at.map(|at| at.saturating_sub(now));
                let fresh = left.is_none_or(|l| l > self.ahead.as_secs() as i64);
                let valid = left.is_none_or(|l| l > 0);
                if fresh || (recent && valid) {
                    return Some(Ok(e.credentials.clone()));
                }
                // Expired, and the source failed moments ago: that, without asking again.
                match &state.last_attempt {
                    Some((_, Some(err))) if recent && !valid => Some(Err(ProviderError::Expired {
                        expired_at: e.expires_at.unwrap_or_default(),
                        refresh: Box::new(err.clone()),
                    })),
                    _ => None,
                }
            }
            // Nothing cached and the source just failed: its error, without asking again.
            None => match &state.last_attempt {
                Some((_, Some(err))) if recent => Some(Err(err.clone())),
                _ => None,
            },
        }
    }

    /// The keys held now, if any (no fetch, no refresh).
    pub fn cached_now(&self) -> Option<Credentials> {
        self.state().current.as_ref().map(|e| e.credentials.clone())
    }

    /// Credentials to sign with now.
    pub async fn credentials(&self) -> Result<Credentials, ProviderError> {
        let generation = {
            let state = self.state();
            if let Some(answer) = self.answer(&state, (self.clock)()) {
                return answer;
            }
            state.generation
        };
        // One refresh at a time: the others wait here, then use its outcome.
        let _guard = self.refresh.lock().await;
        {
            let state = self.state();
            let now = (self.clock)();
            if state.generation != generation
                && let Some(answer) = self.answer(&state, now)
            {
                return answer;
            }
        }
        let result = self.inner.provide().await;
        let now = (self.clock)();
        let mut state = self.state();
        state.generation += 1;
        match result {
            Ok(new) => {
                state.last_attempt = Some((now, None));
                state.short_lived = new
                    .expires_at
                    .is_some_and(|at| at.saturating_sub(now) <= self.ahead.as_secs() as i64);
                state.current = Some(new.clone());
                Ok(new.credentials)
            }
            Err(e) => {
                state.last_attempt = Some((now, Some(e.clone())));
                match &state.current {
                    // Refresh failed ahead of expiry: the old keys still sign.
                    Some(old) if old.expires_at.is_none_or(|at| at > now) => {
                        tracing::warn!(error = %e, "credentials refresh failed; keeping the current keys until they expire");
                        Ok(old.credentials.clone())
                    }
                    Some(old) => Err(ProviderError::Expired {
                        expired_at: old.expires_at.unwrap_or_default(),
                        refresh: Box::new(e),
                    }),
                    None => Err(e),
                }
            }
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
        // A failing source is not asked again for 10 s: the same error, no new call.
        let calls = source.calls.load(Ordering::SeqCst);
        assert!(matches!(
            cache.credentials().await,
            Err(ProviderError::Expired { .. })
        ));
        assert_eq!(source.calls.load(Ordering::SeqCst), calls);
        // It recovers when the source does, once the 10 s have passed.
        source.failing.store(false, Ordering::SeqCst);
        NOW.fetch_add(10, Ordering::SeqCst);
        assert!(id(&cache.credentials().await.unwrap()).starts_with("AKIDTMP"));
    }
}
