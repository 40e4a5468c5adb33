//! A loopback fake of the four clouds, for tests and demos that must not touch the internet.
//!
//! [`Emulator::start`] binds `127.0.0.1` on an ephemeral port and serves the operations of a
//! catalog (the generated crate's `catalog::operations()`, feature `catalog`). For every
//! request it:
//!
//! 1. tells the protocol from the request's shape (TC3 or SDK-HMAC `Authorization`,
//!    `SecretId` or `PublicKey` parameters) and finds the operation (action or path);
//! 2. verifies the signature against the credentials it was started with, and answers a wrong
//!    key with that protocol's real auth error (Tencent API 2.0 `4100`, API 3.0
//!    `AuthFailure.SignatureFailure`, UCloud `171`, Huawei HTTP 401 `APIG.0301`), an unknown
//!    key id with the "not found" code, and a stale timestamp with the expiry code;
//! 3. checks the spec's required parameters;
//! 4. answers with the operation's [`Reply`]: by default [`Reply::Default`], the spec's
//!    first sample that decodes, verbatim, or where none does a response synthesized from
//!    the response type (`OperationCatalog::synthesized`).
//!
//! Every request is recorded ([`Emulator::requests`]) with its verdict.
//!
//! On the same port, `/objects/<key>` is an object store serving deterministic files through
//! signed URLs ([`Emulator::put_object`], [`Emulator::object_url`]), with byte ranges,
//! `If-Range`, COS's CRC-64 header and one-shot [`ObjectFault`]s, for downloader tests.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod dialect;
mod fault;
pub mod metadata;
mod objects;
mod paging;
mod verify;

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use runtime::catalog::{Entry, OperationCatalog};
use runtime::{HuaweiCredentials, Protocol, TencentCredentials, UCloudCredentials};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

pub use paging::Paged;

pub use dialect::Dialect;
pub use fault::Fault;
pub use objects::{ObjectFault, ObjectInfo, ObjectRequest};

/// A response as the emulator builds it.
pub(crate) type Resp = hyper::Response<BoxBody<Bytes, std::convert::Infallible>>;

/// The credentials the emulator accepts.
#[derive(Clone, Debug)]
pub struct Keys {
    /// Tencent Cloud (API 2.0 and 3.0).
    pub tencent: TencentCredentials,
    /// UCloud.
    pub ucloud: UCloudCredentials,
    /// Huawei Cloud (the project id is the one its paths expect).
    pub huawei: HuaweiCredentials,
}

impl Default for Keys {
    /// Fixed, obviously fake test keys.
    fn default() -> Self {
        Self {
            tencent: TencentCredentials::new(
                "AKIDEMULATOR0000000000000000000000",
                "emulator-tencent-secret-key-000000",
            ),
            ucloud: UCloudCredentials::new(
                "emulator-ucloud-public-key",
                "emulator-ucloud-private-key-00000",
            ),
            huawei: HuaweiCredentials::new("EMULATORAK0000000000", "emulator-huawei-sk-0000000000")
                .with_project_id("0123456789abcdef0123456789abcdef")
                .with_domain_id("fedcba9876543210fedcba9876543210"),
        }
    }
}

/// A malformed answer, to prove the SDK never panics on one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Malformed {
    /// HTTP 502 with an HTML page, as a proxy sends.
    Html502,
    /// HTTP 200 with the sample cut in half.
    Truncated,
    /// HTTP 200 with a JSON value that is not the protocol's envelope (`[]`).
    WrongShape,
    /// HTTP 200 with an empty body.
    Empty,
}

/// What the emulator answers a valid request of an operation with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reply {
    /// What an operation answers unless told otherwise: its first documented sample that
    /// decodes, else the body synthesized from its response type.
    Default,
    /// The spec sample at this index (0: the first), with its status.
    Sample(usize),
    /// The documented error `code`, rendered in the protocol's envelope with the spec's HTTP
    /// status (or the protocol's usual one).
    Error(String),
    /// Any code, message and status, documented or not.
    Custom {
        /// Error code.
        code: String,
        /// Message.
        message: String,
        /// HTTP status.
        status: u16,
    },
    /// A broken body.
    Malformed(Malformed),
    /// A network or gateway fault.
    Fault(Fault),
    /// This body with status 200 (in the protocol's dialect), after replacing, at answer
    /// time, `{{url:KEY}}` with a fresh [`Emulator::object_url`] of object `KEY` and
    /// `{{expires:KEY}}` with that URL's expiry as `YYYY-MM-DDTHH:MM:SS+0000` (UTC). An
    /// unknown placeholder or key is answered with a plain-text 500 saying which.
    Template(String),
    /// Each request's page of a list, by the operation's `pagination:` (the position and
    /// page size it asks for; the items, total, next cursor and has-more flag answered in
    /// its default success body). An operation that does not page is answered with a
    /// plain-text 500 saying so.
    Pages(Paged),
    /// These bytes with status 200 and this `Content-Type`: a file, an XML document, any
    /// body that is not JSON.
    Bytes {
        /// The `Content-Type` header sent.
        content_type: String,
        /// The body.
        body: Vec<u8>,
    },
}

/// How the emulator judged a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Signature and parameters valid; answered with the operation's reply.
    Accepted,
    /// Refused before the reply: the code sent and why.
    Rejected {
        /// The error code answered.
        code: String,
        /// Why.
        reason: String,
    },
}

/// One request as received.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Received {
    /// Protocol it was recognised as, if any.
    pub protocol: Option<Protocol>,
    /// Operation wire name, if found.
    pub operation: Option<&'static str>,
    /// The service of that operation (its signing name).
    pub service: Option<&'static str>,
    /// HTTP method.
    pub method: String,
    /// Path.
    pub path: String,
    /// Raw query string.
    pub query: String,
    /// Headers (lower-case names), as received.
    pub headers: Vec<(String, String)>,
    /// Body, byte for byte (`body_text` for text).
    pub body: Vec<u8>,
    /// The verdict.
    pub verdict: Verdict,
    /// When it arrived, relative to the emulator's start.
    pub at: std::time::Duration,
}

impl Received {
    /// The body as text (lossy UTF-8).
    pub fn body_text(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.body)
    }
}

struct State {
    ops: Vec<&'static OperationCatalog>,
    keys: Keys,
    replies: Mutex<HashMap<&'static str, Reply>>,
    queued: Mutex<HashMap<&'static str, VecDeque<Reply>>>,
    log: Mutex<Vec<Received>>,
    now: Mutex<Option<i64>>,
    started: Instant,
    counter: std::sync::atomic::AtomicU64,
    issuer: Mutex<metadata::Issuer>,
    metadata_requests: std::sync::atomic::AtomicU64,
    objects: objects::Store,
    /// The port of each service asked for with [`Emulator::endpoint_for`].
    service_ports: Mutex<HashMap<String, SocketAddr>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A running emulator; stops when dropped.
pub struct Emulator {
    addr: SocketAddr,
    state: Arc<State>,
    /// The shared port's accept loop, then each service port's.
    tasks: Mutex<Vec<JoinHandle<()>>>,
    runtime: tokio::runtime::Handle,
}

impl std::fmt::Debug for Emulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Emulator")
            .field("addr", &self.addr)
            .field("operations", &self.state.ops.len())
            .finish()
    }
}

/// Largest request body accepted.
const MAX_REQUEST_BYTES: usize = 1 << 20;

impl Emulator {
    /// Starts serving `ops` with the default [`Keys`] on `127.0.0.1:<ephemeral>`.
    /// Must be called inside a tokio runtime.
    pub async fn start(ops: impl IntoIterator<Item = &'static Entry>) -> std::io::Result<Self> {
        Self::start_with(ops, Keys::default()).await
    }

    /// Starts serving `ops`, accepting `keys`.
    pub async fn start_with(
        ops: impl IntoIterator<Item = &'static Entry>,
        keys: Keys,
    ) -> std::io::Result<Self> {
        let ops: Vec<&'static OperationCatalog> = ops.into_iter().map(|e| e.spec).collect();
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let state = Arc::new(State {
            ops,
            keys,
            replies: Mutex::new(HashMap::new()),
            queued: Mutex::new(HashMap::new()),
            log: Mutex::new(Vec::new()),
            now: Mutex::new(None),
            started: Instant::now(),
            counter: std::sync::atomic::AtomicU64::new(0),
            issuer: Mutex::new(metadata::Issuer::default()),
            metadata_requests: std::sync::atomic::AtomicU64::new(0),
            objects: objects::Store::new(addr),
            service_ports: Mutex::new(HashMap::new()),
        });
        let task = tokio::spawn(serve(listener, Arc::clone(&state), None));
        Ok(Self {
            addr,
            state,
            tasks: Mutex::new(vec![task]),
            runtime: tokio::runtime::Handle::current(),
        })
    }

    /// `http://127.0.0.1:<port>`: pass it to `ClientConfig::endpoint`.
    ///
    /// This shared port places a request by what it carries: a Tencent API 3.0 request by
    /// the service its TC3 credential scope names and its action; an API 2.0, UCloud or
    /// v1-signed 3.0 request by its action; a Huawei request by its method and path (the
    /// most literal path template wins); any of them by the service its `Host` names
    /// (`mariadb.localhost:<port>`). A request that fits operations of several services
    /// and names none is refused with the protocol's unknown-operation code, never answered
    /// as one of them: send it to [`Emulator::endpoint_for`] that service instead.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `http://127.0.0.1:<port>` of `service` (an operation's `OperationInfo::service`, the
    /// name it signs with: `mariadb`, `dds`, `udb`): a port of its own, bound on the first
    /// call, where only that service's operations are served, so an unmodified client
    /// pointed at it reaches that service whatever other services share its action names
    /// or paths. A service the emulator does not serve gets a port too, refusing every
    /// request as an unknown operation. Objects and metadata are served on every port.
    ///
    /// # Panics
    /// If no loopback port can be bound.
    pub fn endpoint_for(&self, service: &str) -> String {
        let mut ports = lock(&self.state.service_ports);
        if let Some(addr) = ports.get(service) {
            return format!("http://{addr}");
        }
        let listener = std::net::TcpListener::bind(("127.0.0.1", 0))
            .and_then(|l| l.set_nonblocking(true).map(|()| l))
            .unwrap_or_else(|e| panic!("emulator: cannot bind a port for `{service}`: {e}"));
        let addr = listener
            .local_addr()
            .unwrap_or_else(|e| panic!("emulator: the port of `{service}`: {e}"));
        ports.insert(service.to_owned(), addr);
        let (state, scope) = (Arc::clone(&self.state), Arc::<str>::from(service));
        let task = self.runtime.spawn(async move {
            match TcpListener::from_std(listener) {
                Ok(listener) => serve(listener, state, Some(scope)).await,
                Err(e) => eprintln!("emulator: cannot serve the port of `{scope}`: {e}"),
            }
        });
        lock(&self.tasks).push(task);
        format!("http://{addr}")
    }

    /// The credentials the emulator accepts.
    pub fn keys(&self) -> &Keys {
        &self.state.keys
    }

    /// Sets what `operation` (wire name) answers from now on: every served operation of that
    /// name, whichever service it is placed in.
    pub fn set_reply(&self, operation: &'static str, reply: Reply) {
        lock(&self.state.replies).insert(operation, reply);
    }

    /// Queues one-shot replies for `operation`, used (in order) before the persistent one.
    pub fn queue_replies(&self, operation: &'static str, replies: impl IntoIterator<Item = Reply>) {
        lock(&self.state.queued)
            .entry(operation)
            .or_default()
            .extend(replies);
    }

    /// Forgets the recorded requests.
    pub fn clear_requests(&self) {
        lock(&self.state.log).clear();
    }

    /// Pins the emulator's clock (UNIX seconds) for timestamp checks; `None`: system time.
    pub fn set_now(&self, now: Option<i64>) {
        *lock(&self.state.now) = now;
    }

    /// Every request received so far (metadata requests are counted apart).
    pub fn requests(&self) -> Vec<Received> {
        lock(&self.state.log).clone()
    }

    /// The base URL of the emulated instance metadata services (Tencent CVM and Huawei
    /// ECS paths, on this emulator's port).
    pub fn metadata_endpoint(&self) -> String {
        self.endpoint()
    }

    /// How long temporary keys issued from now on live, in seconds (default 3600).
    pub fn set_metadata_key_ttl(&self, seconds: i64) {
        lock(&self.state.issuer).ttl_seconds = seconds;
    }

    /// Temporary keys issued so far (ids and expiries; secrets stay inside).
    pub fn issued_keys(&self) -> Vec<metadata::Issued> {
        lock(&self.state.issuer).issued.clone()
    }

    /// How many metadata requests arrived.
    pub fn metadata_requests(&self) -> u64 {
        self.state
            .metadata_requests
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Stores an object of `size` bytes under `key` (replacing any), and describes it. The
    /// content is deterministic (a function of `key`, its generation and the offset) and
    /// never held in memory; its CRC-64 is computed here, by streaming it once.
    pub fn put_object(&self, key: &str, size: u64) -> ObjectInfo {
        self.state.objects.put(key, size, clock(&self.state))
    }

    /// The object stored under `key`, if any.
    pub fn object_info(&self, key: &str) -> Option<ObjectInfo> {
        self.state.objects.info(key)
    }

    /// A freshly signed URL of `key`,
    /// `http://127.0.0.1:<port>/objects/<key>?sign-expires=<unix>&sign=<hex>`, valid for the
    /// URL lifetime ([`Emulator::set_object_url_ttl`]) from the emulator's clock
    /// ([`Emulator::set_now`]). A wrong signature is answered `403 SignatureDoesNotMatch`,
    /// an expired one `403 AccessDenied` "Request has expired", an unknown key `404 NoSuchKey`.
    pub fn object_url(&self, key: &str) -> String {
        self.state.objects.url(key, clock(&self.state)).0
    }

    /// How long URLs signed from now on stay valid (default 12 hours).
    pub fn set_object_url_ttl(&self, ttl: std::time::Duration) {
        self.state.objects.set_ttl(ttl);
    }

    /// The bytes of `key` in `range` (clamped to the object's size), as served.
    ///
    /// # Panics
    /// If no object is stored under `key`.
    pub fn object_content(&self, key: &str, range: std::ops::Range<u64>) -> Vec<u8> {
        self.state
            .objects
            .content(key, range)
            .unwrap_or_else(|| panic!("emulator: no object {key:?}"))
    }

    /// Changes `key`'s content (a new generation: same size, new content, `ETag`, CRC-64,
    /// and a later `Last-Modified`), and describes the new version.
    ///
    /// # Panics
    /// If no object is stored under `key`.
    pub fn change_object(&self, key: &str) -> ObjectInfo {
        self.state
            .objects
            .change(key, clock(&self.state))
            .unwrap_or_else(|| panic!("emulator: no object {key:?}"))
    }

    /// Queues one-shot faults for `key`: each `GET` of it that passes the signature, expiry
    /// and existence checks consumes the next one (`HEAD` consumes none).
    pub fn queue_object_faults(&self, key: &str, faults: impl IntoIterator<Item = ObjectFault>) {
        self.state.objects.queue_faults(key, faults);
    }

    /// Every object-store request so far (they are not in [`Emulator::requests`]).
    pub fn object_requests(&self) -> Vec<ObjectRequest> {
        self.state.objects.requests()
    }

    /// Forgets the recorded object-store requests.
    pub fn clear_object_requests(&self) {
        self.state.objects.clear_requests();
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        for task in lock(&self.tasks).iter() {
            task.abort();
        }
    }
}

/// Accepts connections on `listener` until aborted; `scope` is the service a port of
/// [`Emulator::endpoint_for`] serves (`None`: the shared port).
async fn serve(listener: TcpListener, state: Arc<State>, scope: Option<Arc<str>>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let (state, scope) = (Arc::clone(&state), scope.clone());
        tokio::spawn(async move {
            let service = service_fn(move |req| {
                let (state, scope) = (Arc::clone(&state), scope.clone());
                async move { handle(&state, scope.as_deref(), req).await }
            });
            // A client that hangs up mid-request is not the emulator's problem.
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

/// A request as the verifier sees it.
pub(crate) struct Seen {
    pub method: String,
    pub path: String,
    pub query: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Seen {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Handles one request; `Err` drops the connection without a response (`Fault::Reset`).
async fn handle(
    state: &State,
    scope: Option<&str>,
    req: hyper::Request<Incoming>,
) -> Result<Resp, std::io::Error> {
    let (parts, body) = req.into_parts();
    if parts.uri.path().starts_with(objects::PREFIX) {
        let now = clock(state);
        let mut response = state.objects.serve(&parts, now, &request_id(state));
        if let Ok(date) = http_date(now).parse() {
            response.headers_mut().insert(hyper::header::DATE, date);
        }
        return Ok(response);
    }
    let body = match Limited::new(body, MAX_REQUEST_BYTES).collect().await {
        Ok(b) => b.to_bytes().to_vec(),
        Err(_) => return Ok(plain(413, "request body too large or unreadable")),
    };
    let incoming = Seen {
        method: parts.method.as_str().to_owned(),
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().unwrap_or_default().to_owned(),
        headers: parts
            .headers
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body,
    };
    let now = clock(state);
    let request_id = request_id(state);
    let metadata = lock(&state.issuer).answer(&incoming.method, &incoming.path, now);
    if let Some((status, body)) = metadata {
        state
            .metadata_requests
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        return Ok(plain(status, &body));
    }
    let keys = lock(&state.issuer)
        .keys_for(&state.keys, &incoming, now)
        .into_owned();
    let scope = scope.map_or(verify::Scope::Shared, verify::Scope::Service);
    let outcome = verify::check(&state.ops, scope, &keys, &incoming, now);
    let (response, verdict) = match &outcome {
        verify::Outcome::Unrecognised(why) => (
            plain(400, why).into(),
            Verdict::Rejected {
                code: "400".into(),
                reason: why.clone(),
            },
        ),
        verify::Outcome::Rejected {
            dialect,
            op,
            code,
            reason,
        } => {
            let status = dialect.status_of(*op, code);
            (
                dialect.error(status, code, reason, &request_id).into(),
                Verdict::Rejected {
                    code: code.to_string(),
                    reason: reason.clone(),
                },
            )
        }
        verify::Outcome::Accepted { dialect, op } => {
            let queued = lock(&state.queued)
                .get_mut(op.info.name)
                .and_then(VecDeque::pop_front);
            let reply = queued
                .or_else(|| lock(&state.replies).get(op.info.name).cloned())
                .unwrap_or(Reply::Default);
            let answer = match &reply {
                Reply::Template(text) => match state.objects.render(text, now) {
                    Ok(body) => dialect.body(200, body.into_bytes(), &request_id).into(),
                    Err(why) => plain(500, &why).into(),
                },
                Reply::Pages(paged) => match paging::page(op, paged, &incoming) {
                    Ok(body) => with_headers(
                        dialect.body(200, body.into_bytes(), &request_id),
                        op.reply_headers,
                    )
                    .into(),
                    Err(why) => plain(500, &why).into(),
                },
                _ => answer(dialect, op, &reply, &request_id),
            };
            (answer, Verdict::Accepted)
        }
    };
    let (protocol, op) = match &outcome {
        verify::Outcome::Unrecognised(_) => (None, None),
        verify::Outcome::Rejected { dialect, op, .. } => (Some(dialect.protocol), *op),
        verify::Outcome::Accepted { dialect, op } => (Some(dialect.protocol), Some(*op)),
    };
    lock(&state.log).push(Received {
        protocol,
        operation: op.map(|o| o.info.name),
        service: op.map(|o| o.info.service),
        method: incoming.method,
        path: incoming.path,
        query: incoming.query,
        headers: incoming.headers,
        body: incoming.body.clone(),
        verdict,
        at: state.started.elapsed(),
    });
    let mut response = match response {
        Answer::Now(r) => r,
        Answer::Reset => return Err(std::io::Error::other("emulated connection reset")),
        Answer::After(delay, r) => {
            tokio::time::sleep(delay).await;
            r
        }
    };
    if let Ok(date) = http_date(now).parse() {
        response.headers_mut().insert(hyper::header::DATE, date);
    }
    Ok(response)
}

/// The emulator's clock: the pinned time, or the system's (UNIX seconds).
fn clock(state: &State) -> i64 {
    (*lock(&state.now)).unwrap_or_else(|| {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64)
    })
}

/// The next request id (`emu-00000001`, …).
fn request_id(state: &State) -> String {
    format!(
        "emu-{:08}",
        state
            .counter
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            + 1
    )
}

/// A response now, after a stall, or none at all.
enum Answer {
    Now(Resp),
    After(std::time::Duration, Resp),
    Reset,
}

impl From<Resp> for Answer {
    fn from(r: Resp) -> Self {
        Answer::Now(r)
    }
}

/// `resp` with the operation's response header fields, each unless the dialect set it
/// (the request id header carries the request's id).
fn with_headers(mut resp: Resp, headers: &[(&str, &str)]) -> Resp {
    for (name, value) in headers {
        if let (Ok(name), Ok(value)) = (
            hyper::header::HeaderName::try_from(*name),
            hyper::header::HeaderValue::try_from(*value),
        ) && !resp.headers().contains_key(&name)
        {
            resp.headers_mut().insert(name, value);
        }
    }
    resp
}

/// `now` as an IMF-fixdate, for the `Date` header (clients correct clock skew from it).
fn http_date(now: i64) -> String {
    let format = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    time::OffsetDateTime::from_unix_timestamp(now)
        .ok()
        .and_then(|t| t.format(format).ok())
        .unwrap_or_default()
}

fn answer(
    dialect: &Dialect,
    op: &'static OperationCatalog,
    reply: &Reply,
    request_id: &str,
) -> Answer {
    let default = op.default_body();
    let sample = default.map_or("{}", |(_, body)| body);
    match reply {
        Reply::Template(_) | Reply::Pages(_) => plain(
            500,
            "emulator: a template or a page is rendered by the caller",
        )
        .into(),
        Reply::Default => match default {
            Some((status, body)) => with_headers(
                dialect.body(status, body.as_bytes().to_vec(), request_id),
                op.reply_headers,
            )
            .into(),
            None => plain(
                500,
                "emulator: the operation has no sample and no synthesized body",
            )
            .into(),
        },
        Reply::Sample(i) => match op.samples.get(*i) {
            Some(s) => with_headers(
                dialect.body(s.status, s.body.as_bytes().to_vec(), request_id),
                op.reply_headers,
            )
            .into(),
            None => plain(500, "emulator: the operation has no such sample").into(),
        },
        Reply::Error(code) => {
            let message = format!("emulated error {code}");
            dialect
                .error(
                    dialect.status_of(Some(op), code),
                    code,
                    &message,
                    request_id,
                )
                .into()
        }
        Reply::Custom {
            code,
            message,
            status,
        } => dialect.error(*status, code, message, request_id).into(),
        Reply::Bytes { content_type, body } => {
            let mut response = dialect.body(200, body.clone(), request_id);
            if let Ok(value) = hyper::header::HeaderValue::from_str(content_type) {
                response
                    .headers_mut()
                    .insert(hyper::header::CONTENT_TYPE, value);
            }
            response.into()
        }
        Reply::Malformed(kind) => {
            let (status, body): (u16, Vec<u8>) = match kind {
                Malformed::Html502 => (502, HTML_502.to_vec()),
                Malformed::Truncated => (200, sample.as_bytes()[..sample.len() / 2].to_vec()),
                Malformed::WrongShape => (200, b"[]".to_vec()),
                Malformed::Empty => (200, Vec::new()),
            };
            dialect.body(status, body, request_id).into()
        }
        Reply::Fault(fault) => {
            let streamed = |body: fault::Drip| {
                let mut r = dialect.body(200, Vec::new(), request_id);
                *r.body_mut() = body.boxed();
                r
            };
            match fault {
                Fault::Html {
                    status,
                    retry_after,
                } => {
                    let mut r = plain(*status, std::str::from_utf8(HTML_502).unwrap_or_default());
                    r.headers_mut().insert(
                        hyper::header::CONTENT_TYPE,
                        hyper::header::HeaderValue::from_static("text/html"),
                    );
                    if let Some(secs) = retry_after {
                        r.headers_mut().insert(
                            hyper::header::RETRY_AFTER,
                            hyper::header::HeaderValue::from(*secs),
                        );
                    }
                    r.into()
                }
                Fault::Reset => Answer::Reset,
                Fault::Stall(delay) => Answer::After(
                    *delay,
                    dialect.body(200, sample.as_bytes().to_vec(), request_id),
                ),
                Fault::Oversize(len) => streamed(fault::Drip::oversize(*len)).into(),
                Fault::Drip { chunks, delay } => streamed(fault::Drip::new(
                    Bytes::from_static(sample.as_bytes()),
                    *chunks,
                    *delay,
                ))
                .into(),
            }
        }
    }
}

const HTML_502: &[u8] =
    b"<html><head><title>502 Bad Gateway</title></head><body>bad gateway</body></html>";

fn plain(status: u16, text: &str) -> Resp {
    let mut resp = hyper::Response::new(Full::new(Bytes::from(text.to_owned())).boxed());
    *resp.status_mut() =
        hyper::StatusCode::from_u16(status).unwrap_or(hyper::StatusCode::BAD_REQUEST);
    resp
}
