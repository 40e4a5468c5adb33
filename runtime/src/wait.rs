//! Waiters: polling a read until what it reports reaches a final state (a backup that is
//! complete, a task that succeeded), declared per operation by a spec's `waiters:` and
//! generated as `Client::wait_until_<name>`.
//!
//! One poll is an ordinary call (signed, retried by the runtime's rules, decoded); between
//! polls the waiter backs off from [`WaitOptions::delay`]'s minimum to its maximum, doubling
//! with jitter, and gives up at [`WaitOptions::max_wait`]. A state the spec lists under
//! `failure` ends the wait at once. Every outcome other than success is an
//! [`SdkError`]: the poll's own error, or [`SdkError::Wait`] with a [`WaitError`].

use std::fmt;
use std::future::Future;
use std::time::{Duration, Instant};

use serde::de::DeserializeOwned;

use crate::client::{Op, Runtime};
use crate::error::{SdkError, ServiceError};
use crate::paginate::{Pages, Paginator};

/// How long and how often a waiter polls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WaitOptions {
    max_wait: Duration,
    min_delay: Duration,
    max_delay: Duration,
}

impl Default for WaitOptions {
    /// At most 30 minutes (a backup of a large database takes that long), polling after
    /// 5 s at first and at most every 60 s.
    fn default() -> Self {
        WaitOptions {
            max_wait: Duration::from_secs(30 * 60),
            min_delay: Duration::from_secs(5),
            max_delay: Duration::from_secs(60),
        }
    }
}

impl WaitOptions {
    /// The defaults (see [`Default`]).
    pub fn new() -> Self {
        Self::default()
    }

    /// Gives up once this long has passed since the first poll.
    #[must_use]
    pub fn max_wait(mut self, max_wait: Duration) -> Self {
        self.max_wait = max_wait;
        self
    }

    /// Waits between `min` (after the first poll) and `max` (once the doubling reaches it)
    /// between polls; each delay is jittered down by up to a half.
    #[must_use]
    pub fn delay(mut self, min: Duration, max: Duration) -> Self {
        self.min_delay = min;
        self.max_delay = max.max(min);
        self
    }
}

/// A spec's waiter, as the glue of its operation holds it: what to read from `S` (the
/// response, or the listed item the caller's key names) and which values end the wait.
#[derive(Debug)]
pub struct Waiter<S> {
    /// Operation wire name.
    pub operation: &'static str,
    /// The waiter's name in the spec (`backup_done`).
    pub name: &'static str,
    /// The state values that end the wait with success.
    pub success: &'static [&'static str],
    /// The state values that end it with [`WaitErrorKind::Failed`].
    pub failure: &'static [&'static str],
    /// The state of one poll's `S`, as text (an integer state as its digits).
    pub state: fn(&S) -> Option<String>,
}

/// Why a waiter stopped without success.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct WaitError {
    /// Operation wire name.
    pub operation: &'static str,
    /// The waiter's name in the spec.
    pub waiter: &'static str,
    /// What happened.
    pub kind: WaitErrorKind,
}

/// What ended a wait without success.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum WaitErrorKind {
    /// The service reported a state the spec lists as a failure.
    Failed {
        /// That state.
        state: String,
    },
    /// [`WaitOptions::max_wait`] passed first.
    TimedOut {
        /// How long the wait lasted.
        waited: Duration,
        /// How many polls it made.
        polls: u32,
        /// The last state seen; `None` if the polls never found the item (or a state).
        last_state: Option<String>,
    },
}

impl fmt::Display for WaitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (op, w) = (self.operation, self.waiter);
        match &self.kind {
            WaitErrorKind::Failed { state } => {
                write!(f, "{op}: waiter `{w}` saw the failure state `{state}`")
            }
            WaitErrorKind::TimedOut {
                waited,
                polls,
                last_state,
            } => {
                write!(
                    f,
                    "{op}: waiter `{w}` gave up after {:.1} s and {polls} polls; ",
                    waited.as_secs_f64()
                )?;
                match last_state {
                    Some(s) => write!(f, "the last state was `{s}`"),
                    None => f.write_str("no poll found what it waits for"),
                }
            }
        }
    }
}

impl std::error::Error for WaitError {}

/// Polls until `poll` yields an `S` whose state is a success (returned) or a failure; a
/// poll yielding `None` (the item is not listed yet) or another state polls again.
async fn poll_until<S, E, F, Fut>(
    w: &'static Waiter<S>,
    options: &WaitOptions,
    mut poll: F,
) -> Result<S, SdkError<E>>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Option<S>, SdkError<E>>>,
{
    let start = Instant::now();
    let mut delay = options.min_delay;
    let mut polls = 0u32;
    let mut last_state = None;
    loop {
        polls += 1;
        if let Some(s) = poll().await? {
            let state = (w.state)(&s);
            if let Some(st) = &state {
                if w.success.contains(&st.as_str()) {
                    return Ok(s);
                }
                if w.failure.contains(&st.as_str()) {
                    return Err(SdkError::Wait(WaitError {
                        operation: w.operation,
                        waiter: w.name,
                        kind: WaitErrorKind::Failed { state: st.clone() },
                    }));
                }
            }
            last_state = state;
        }
        let waited = start.elapsed();
        let Some(left) = options
            .max_wait
            .checked_sub(waited)
            .filter(|l| !l.is_zero())
        else {
            return Err(SdkError::Wait(WaitError {
                operation: w.operation,
                waiter: w.name,
                kind: WaitErrorKind::TimedOut {
                    waited,
                    polls,
                    last_state,
                },
            }));
        };
        let jittered = delay.mul_f64(0.5 + crate::client::random_unit() / 2.0);
        tokio::time::sleep(jittered.min(left)).await;
        delay = (delay * 2).min(options.max_delay);
    }
}

/// Polls `op` with `input` until the response's state ends the wait (a generated
/// `wait_until_<name>` without `items:`).
#[doc(hidden)]
pub async fn until<I: Clone, T, E>(
    runtime: &Runtime,
    op: &'static Op<I>,
    input: I,
    options: &WaitOptions,
    w: &'static Waiter<T>,
) -> Result<T, SdkError<E>>
where
    T: DeserializeOwned + Send + 'static,
    E: ServiceError + Send + 'static,
{
    poll_until(w, options, || async {
        runtime.call(op, &input).await.map(Some)
    })
    .await
}

/// Polls `op` until the listed item `is` picks has a state that ends the wait; the list is
/// one response's `items`.
#[doc(hidden)]
pub async fn until_item<I: Clone, T, Item, E>(
    runtime: &Runtime,
    op: &'static Op<I>,
    items: fn(T) -> Vec<Item>,
    input: I,
    options: &WaitOptions,
    w: &'static Waiter<Item>,
    is: impl Fn(&Item) -> bool,
) -> Result<Item, SdkError<E>>
where
    T: DeserializeOwned + Send + 'static,
    E: ServiceError + Send + 'static,
{
    poll_until(w, options, || async {
        let response: T = runtime.call(op, &input).await?;
        Ok(items(response).into_iter().find(|i| is(i)))
    })
    .await
}

/// As [`until_item`] for an operation that pages: each poll walks the pages (a fresh
/// paginator from `input`) until the item turns up or the list ends.
#[doc(hidden)]
pub async fn until_listed<I: Clone + 'static, T, Item: 'static, E>(
    runtime: &Runtime,
    op: &'static Op<I>,
    pages: &'static Pages<I, T, Item>,
    input: I,
    options: &WaitOptions,
    w: &'static Waiter<Item>,
    is: impl Fn(&Item) -> bool,
) -> Result<Item, SdkError<E>>
where
    T: DeserializeOwned + Send + 'static,
    E: ServiceError + Send + 'static,
{
    poll_until(w, options, || async {
        let mut items = Paginator::new(runtime.clone(), op, pages, input.clone()).items();
        while let Some(item) = items.next().await {
            let item = item?;
            if is(&item) {
                return Ok(Some(item));
            }
        }
        Ok(None)
    })
    .await
}

/// A waiter's state field as text, if set (for the generated accessors).
pub fn state(field: &impl State) -> Option<String> {
    field.state()
}

/// A field a waiter reads its state from: a string or an integer, optional or not.
pub trait State {
    /// Its value as text, if set.
    fn state(&self) -> Option<String>;
}

impl State for String {
    fn state(&self) -> Option<String> {
        Some(self.clone())
    }
}

impl State for bool {
    fn state(&self) -> Option<String> {
        Some(self.to_string())
    }
}

macro_rules! integer_states {
    ($($t:ty),*) => {$(
        impl State for $t {
            fn state(&self) -> Option<String> {
                Some(self.to_string())
            }
        }
    )*};
}

integer_states!(i32, i64, u32, u64);

impl<S: State> State for Option<S> {
    fn state(&self) -> Option<String> {
        self.as_ref().and_then(State::state)
    }
}

/// Whether a listed item's key `field` is `key` (for the generated accessors).
pub fn is<K: PartialEq>(field: &impl Key<K>, key: &K) -> bool {
    field.is(key)
}

/// A listed item's key field, optional or not.
pub trait Key<K> {
    /// Whether it is set and equal to `key`.
    fn is(&self, key: &K) -> bool;
}

impl<K: PartialEq> Key<K> for K {
    fn is(&self, key: &K) -> bool {
        self == key
    }
}

impl<K: PartialEq> Key<K> for Option<K> {
    fn is(&self, key: &K) -> bool {
        self.as_ref() == Some(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq)]
    struct Status(Option<String>);

    static WAITER: Waiter<Status> = Waiter {
        operation: "DescribeTaskInfo",
        name: "task_done",
        success: &["succeed"],
        failure: &["failed", "error"],
        state: |s| state(&s.0),
    };

    fn quick() -> WaitOptions {
        WaitOptions::new()
            .delay(Duration::from_millis(1), Duration::from_millis(4))
            .max_wait(Duration::from_millis(200))
    }

    async fn run(states: &[Option<&str>]) -> (Result<Status, SdkError<()>>, usize) {
        let mut n = 0;
        let r = poll_until(&WAITER, &quick(), || {
            let s = states.get(n).copied().unwrap_or(Some("running"));
            n += 1;
            async move { Ok(Some(Status(s.map(str::to_owned)))) }
        })
        .await;
        (r, n)
    }

    #[tokio::test]
    async fn polls_until_success_and_stops_on_failure() {
        let (r, n) = run(&[Some("preparing"), None, Some("running"), Some("succeed")]).await;
        assert_eq!(r.ok(), Some(Status(Some("succeed".into()))));
        assert_eq!(n, 4);
        let (r, n) = run(&[Some("running"), Some("failed"), Some("succeed")]).await;
        let Err(SdkError::Wait(e)) = r else {
            panic!("a failure state ends the wait")
        };
        assert_eq!(n, 2);
        assert_eq!(
            e.kind,
            WaitErrorKind::Failed {
                state: "failed".into()
            }
        );
        assert_eq!(
            e.to_string(),
            "DescribeTaskInfo: waiter `task_done` saw the failure state `failed`"
        );
    }

    #[tokio::test]
    async fn gives_up_at_the_deadline_with_the_last_state() {
        let (r, n) = run(&[]).await;
        let Err(SdkError::Wait(WaitError {
            kind:
                WaitErrorKind::TimedOut {
                    waited,
                    polls,
                    last_state,
                },
            ..
        })) = r
        else {
            panic!("a state that never ends the wait times out")
        };
        assert!(waited >= Duration::from_millis(200), "{waited:?}");
        assert_eq!(polls as usize, n);
        assert!(n > 3, "polled {n} times in 200 ms at most 4 ms apart");
        assert_eq!(last_state.as_deref(), Some("running"));
    }

    #[tokio::test]
    async fn a_poll_error_ends_the_wait() {
        let r: Result<Status, SdkError<()>> =
            poll_until(&WAITER, &quick(), || async { Err(SdkError::Service(())) }).await;
        assert!(matches!(r, Err(SdkError::Service(()))));
    }

    #[test]
    fn keys_and_states_read_optional_fields() {
        assert!(is(&Some(7u64), &7));
        assert!(!is(&None::<u64>, &7));
        assert!(is(&"b".to_owned(), &"b".to_owned()));
        assert_eq!(state(&Some(2i64)), Some("2".into()));
        assert_eq!(state(&None::<String>), None);
    }
}
