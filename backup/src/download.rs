//! The downloader: a backup file from its signed link to a verified file on disk.
//!
//! - Bytes stream into `<dest>.part`; a sidecar `<dest>.part.meta` records the object's
//!   validator (ETag or Last-Modified) and how much of each part is on disk. Only after the
//!   whole file is flushed, fsynced and verified is it renamed to `<dest>`: nothing ever appears
//!   at the final path unverified. A failed verification deletes the `.part`.
//! - A transfer resumes from the `.part` (in this run after a dropped connection, or in the
//!   next run after Ctrl-C) with `Range` + `If-Range`: a 206 continues, a 200 means the object
//!   changed or the server ignored the range (restart from zero, never splice two versions),
//!   416 at the end means done.
//! - Connection drops, timeouts, stalls (no byte for `stall_timeout`), 408, 429 and 5xx are
//!   retried with exponential backoff; the count resets whenever bytes arrive.
//! - A 403 (expired or refused signed URL) asks the link API again, once per expiry however
//!   many parts noticed, and continues from the same offset with the fresh link.
//! - A large file whose server supports ranges is fetched in parallel ranged parts.

use std::fmt;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::Duration;

use generated::runtime::checksum::{self, Crc64};
use md5::Digest;
use reqwest::StatusCode;
use reqwest::header::{CONTENT_RANGE, ETAG, HeaderMap, IF_RANGE, LAST_MODIFIED, RANGE};
use tokio::sync::{Mutex, watch};

use crate::link::{BackupLink, Network, Size};
use crate::progress::Progress;
use crate::source::LinkError;

/// COS's checksum header: CRC-64/ECMA-182 of the whole object, in decimal.
pub const COS_CRC64_HEADER: &str = "x-cos-hash-crc64ecma";

/// Bytes a part writes between two saves of the sidecar.
const SAVE_EVERY: u64 = 128 << 20;

/// Bytes a part writes between two background write-backs (`sync_data` off the receive path).
const FLUSH_EVERY: u64 = 16 << 20;

/// How the downloader behaves.
#[derive(Clone, Debug)]
pub struct Options {
    /// Which network's links to use; `None`: public when the file has one, else private.
    pub network: Option<Network>,
    /// Attempts in a row without a byte of progress before a file fails.
    pub max_attempts: u32,
    /// First backoff; doubles per failed attempt up to `max_backoff`.
    pub backoff: Duration,
    /// Longest backoff.
    pub max_backoff: Duration,
    /// A stream that delivers no byte for this long is dropped and resumed.
    pub stall_timeout: Duration,
    /// TCP connect timeout.
    pub connect_timeout: Duration,
    /// Ranged parts fetched at once for one large file (1: never split).
    pub parallel_parts: usize,
    /// Files at least this large are split into parts when the server supports ranges.
    pub part_threshold: u64,
    /// Files downloaded at once.
    pub concurrent_files: usize,
    /// Link renewals in a row without progress before a file fails.
    pub max_relinks: u32,
    /// Restarts from zero (the object changed) before a file fails.
    pub max_restarts: u32,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            network: None,
            max_attempts: 6,
            backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(10),
            stall_timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            parallel_parts: 4,
            part_threshold: 64 << 20,
            concurrent_files: 2,
            max_relinks: 3,
            max_restarts: 3,
        }
    }
}

/// Asks the link API again for fresh links (a new signed call).
pub trait Relink: Send + Sync {
    /// Fresh links of the same backup.
    fn relink(
        &self,
    ) -> Pin<Box<dyn Future<Output = Result<Vec<BackupLink>, LinkError>> + Send + '_>>;
}

/// What a downloaded file went through.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fetched {
    /// The verified file.
    pub path: PathBuf,
    /// Its length.
    pub bytes: u64,
    /// Body bytes received over the network for it in this run (resumed bytes are not
    /// received again).
    pub transferred: u64,
    /// Bytes that were already in the `.part` when this run started.
    pub resumed_from: u64,
    /// Times the transfer started over from zero (object changed, range ignored).
    pub restarts: u32,
    /// Times the link was renewed.
    pub relinks: u32,
    /// Ranged parts it was fetched in.
    pub parts: usize,
    /// The checks it passed: `size`, `size≈` (KiB rounding), `md5`, `crc64`.
    pub verified: Vec<&'static str>,
    /// Whether it was already at the final path (nothing downloaded).
    pub already_present: bool,
}

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

fn io_err(path: &Path) -> impl Fn(std::io::Error) -> FetchError + '_ {
    move |error| FetchError::Io {
        path: path.to_owned(),
        error,
    }
}

/// Chooses one link per file: `network` if set (files without such a link are left out),
/// else public when the file has one, else private. Order of first appearance.
pub fn choose(links: &[BackupLink], network: Option<Network>) -> Vec<BackupLink> {
    let mut names: Vec<&str> = Vec::new();
    for l in links {
        if !names.contains(&l.file_name.as_str()) {
            names.push(&l.file_name);
        }
    }
    names
        .into_iter()
        .filter_map(|name| {
            let of = |n: Network| {
                links
                    .iter()
                    .find(|l| l.file_name == name && l.network == n)
                    .cloned()
            };
            match network {
                Some(n) => of(n),
                None => of(Network::Public).or_else(|| of(Network::Private)),
            }
        })
        .collect()
}

/// Downloads and verifies backup files.
#[derive(Clone, Debug)]
pub struct Downloader {
    http: reqwest::Client,
    options: Options,
}

/// The object's identity as the server states it, for `If-Range`.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Validator {
    ETag(String),
    Date(String),
}

impl Validator {
    fn from_headers(h: &HeaderMap) -> Option<Validator> {
        let text = |name| h.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
        // A weak ETag cannot be used with If-Range.
        match text(ETAG) {
            Some(e) if !e.starts_with("W/") => Some(Validator::ETag(e)),
            _ => text(LAST_MODIFIED).map(Validator::Date),
        }
    }

    fn header(&self) -> &str {
        match self {
            Validator::ETag(s) | Validator::Date(s) => s,
        }
    }
}

/// The sidecar of a `.part`: the validator, the total length and each part's progress.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Meta {
    validator: Option<Validator>,
    total: Option<u64>,
    crc64: Option<u64>,
    /// (start, end exclusive; `u64::MAX` when the length is unknown, bytes done).
    parts: Vec<(u64, u64, u64)>,
}

impl Meta {
    fn render(&self) -> String {
        let mut s = String::from("cloud-backup part v1\n");
        match &self.validator {
            Some(Validator::ETag(e)) => s += &format!("etag {e}\n"),
            Some(Validator::Date(d)) => s += &format!("last-modified {d}\n"),
            None => {}
        }
        if let Some(t) = self.total {
            s += &format!("total {t}\n");
        }
        if let Some(c) = self.crc64 {
            s += &format!("crc64 {c}\n");
        }
        for (a, b, d) in &self.parts {
            s += &format!("part {a} {b} {d}\n");
        }
        s
    }

    fn parse(text: &str) -> Option<Meta> {
        let mut lines = text.lines();
        if lines.next()? != "cloud-backup part v1" {
            return None;
        }
        let mut m = Meta::default();
        for line in lines {
            let (key, rest) = line.split_once(' ')?;
            match key {
                "etag" => m.validator = Some(Validator::ETag(rest.to_owned())),
                "last-modified" => m.validator = Some(Validator::Date(rest.to_owned())),
                "total" => m.total = Some(rest.parse().ok()?),
                "crc64" => m.crc64 = Some(rest.parse().ok()?),
                "part" => {
                    let n: Vec<u64> = rest
                        .split(' ')
                        .map(str::parse)
                        .collect::<Result<_, _>>()
                        .ok()?;
                    let [a, b, d] = n[..] else { return None };
                    if a > b || d > b - a {
                        return None;
                    }
                    m.parts.push((a, b, d));
                }
                _ => return None,
            }
        }
        (m.validator.is_some() && !m.parts.is_empty()).then_some(m)
    }
}

/// Everything the parts of one file share.
struct Job {
    file: String,
    part_path: PathBuf,
    meta_path: PathBuf,
    link: Mutex<(u64, BackupLink)>,
    relink: Arc<dyn Relink>,
    relinks: AtomicU32,
    transferred: AtomicU64,
    meta: std::sync::Mutex<Meta>,
    /// Held across a sidecar's write and rename, so parallel parts never race on it.
    save: std::sync::Mutex<()>,
    /// CRC-64 of each finished part, computed as its bytes arrived (`None`: not known).
    crcs: std::sync::Mutex<Vec<Option<u64>>>,
    progress: Arc<dyn Progress>,
}

/// Why a part stopped.
enum PartEnd {
    Done,
    /// The object is not the one the `.part` holds (or the range was ignored): start over.
    Restart(String),
}

impl Downloader {
    /// A downloader with these options.
    pub fn new(options: Options) -> Result<Self, reqwest::Error> {
        // Building a reqwest client without a crypto provider panics.
        generated::runtime::transport::install_crypto_provider();
        let http = reqwest::Client::builder()
            .connect_timeout(options.connect_timeout)
            .user_agent(concat!("cloud-backup/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(reqwest::Error::without_url)?;
        Ok(Self { http, options })
    }

    /// The options.
    pub fn options(&self) -> &Options {
        &self.options
    }

    /// Downloads `links` (already chosen, one per file) into `dir`, `concurrent_files` at a
    /// time; one result per link, in order. `cancel` turning `true` stops every transfer,
    /// keeping the `.part` files.
    pub async fn fetch_all(
        &self,
        links: Vec<BackupLink>,
        dir: &Path,
        relink: Arc<dyn Relink>,
        progress: Arc<dyn Progress>,
        cancel: watch::Receiver<bool>,
    ) -> Vec<Result<Fetched, FetchError>> {
        let permits = Arc::new(tokio::sync::Semaphore::new(
            self.options.concurrent_files.max(1),
        ));
        let mut set = tokio::task::JoinSet::new();
        let n = links.len();
        for (i, link) in links.into_iter().enumerate() {
            let (me, dir, relink, progress, cancel, permits) = (
                self.clone(),
                dir.to_owned(),
                Arc::clone(&relink),
                Arc::clone(&progress),
                cancel.clone(),
                Arc::clone(&permits),
            );
            set.spawn(async move {
                let _permit = permits.acquire_owned().await;
                (i, me.fetch(link, &dir, relink, progress, cancel).await)
            });
        }
        let mut out: Vec<Option<Result<Fetched, FetchError>>> = (0..n).map(|_| None).collect();
        while let Some(joined) = set.join_next().await {
            if let Ok((i, r)) = joined {
                out[i] = Some(r);
            }
        }
        out.into_iter()
            .map(|r| {
                r.unwrap_or_else(|| {
                    Err(FetchError::Protocol {
                        file: String::new(),
                        detail: "download task panicked".into(),
                    })
                })
            })
            .collect()
    }

    /// Downloads one file into `dir` (named by the link) and verifies it.
    pub async fn fetch(
        &self,
        link: BackupLink,
        dir: &Path,
        relink: Arc<dyn Relink>,
        progress: Arc<dyn Progress>,
        cancel: watch::Receiver<bool>,
    ) -> Result<Fetched, FetchError> {
        let file = link.file_name.clone();
        let final_path = dir.join(&file);
        let part_path = dir.join(format!("{file}.part"));
        let meta_path = dir.join(format!("{file}.part.meta"));
        if let Ok(m) = std::fs::metadata(&final_path) {
            let bytes = m.len();
            progress.done(&file, bytes, true);
            return Ok(Fetched {
                path: final_path,
                bytes,
                transferred: 0,
                resumed_from: 0,
                restarts: 0,
                relinks: 0,
                parts: 0,
                verified: Vec::new(),
                already_present: true,
            });
        }
        std::fs::create_dir_all(dir).map_err(io_err(dir))?;
        let resumed = std::fs::read_to_string(&meta_path)
            .ok()
            .and_then(|t| Meta::parse(&t))
            .filter(|m| {
                std::fs::metadata(&part_path)
                    .is_ok_and(|p| m.parts.iter().all(|(a, _, d)| a + d <= p.len()))
            });
        let resumed_from = resumed
            .as_ref()
            .map_or(0, |m| m.parts.iter().map(|p| p.2).sum());
        let job = Arc::new(Job {
            file: file.clone(),
            part_path,
            meta_path,
            link: Mutex::new((0, link.clone())),
            relink,
            relinks: AtomicU32::new(0),
            transferred: AtomicU64::new(0),
            meta: std::sync::Mutex::new(resumed.clone().unwrap_or_default()),
            save: std::sync::Mutex::new(()),
            crcs: std::sync::Mutex::new(Vec::new()),
            progress: Arc::clone(&progress),
        });
        if let crate::link::Expiry::At(t) = link.expires_at
            && t <= time::OffsetDateTime::now_utc()
        {
            // Known to be dead (a resumed run, a slow queue): renew before the first request.
            self.renew(&job, 0, "its expiry has passed").await?;
        }
        let mut restarts = 0;
        let mut fresh = resumed.is_none();
        let parts = loop {
            if fresh {
                // The first answer tells the length; `plan` reports the start then.
                self.start_fresh(&job)?;
            } else {
                let m = job.meta();
                progress.start(&file, m.total, m.parts.iter().map(|p| p.2).sum());
            }
            match self.run_parts(&job, &cancel).await? {
                PartEnd::Done => break job.meta().parts.len(),
                PartEnd::Restart(why) => {
                    restarts += 1;
                    if restarts > self.options.max_restarts {
                        return Err(FetchError::Unstable {
                            file,
                            restarts: restarts - 1,
                        });
                    }
                    progress.note(&file, &format!("restarting from zero: {why}"));
                    fresh = true;
                }
            }
        };
        let fetched = self.finish(&job, &link, &final_path).await;
        match fetched {
            Ok((bytes, verified)) => {
                progress.done(&file, bytes, false);
                Ok(Fetched {
                    path: final_path,
                    bytes,
                    transferred: job.transferred.load(Ordering::Relaxed),
                    resumed_from,
                    restarts,
                    relinks: job.relinks.load(Ordering::Relaxed),
                    parts,
                    verified,
                    already_present: false,
                })
            }
            Err(e) => {
                if matches!(e, FetchError::Mismatch { .. }) {
                    let _ = std::fs::remove_file(&job.part_path);
                    let _ = std::fs::remove_file(&job.meta_path);
                }
                Err(e)
            }
        }
    }

    /// Truncates the `.part` and plans the parts from a first ranged request: its answer
    /// tells the length, the validator and whether ranges work; then the first part goes on
    /// reading that same answer.
    fn start_fresh(&self, job: &Job) -> Result<(), FetchError> {
        job.crcs.lock().unwrap_or_else(|e| e.into_inner()).clear();
        let file = std::fs::File::create(&job.part_path).map_err(io_err(&job.part_path))?;
        drop(file);
        *job.meta_lock() = Meta {
            parts: vec![(0, u64::MAX, 0)],
            ..Meta::default()
        };
        Ok(())
    }

    /// Runs every unfinished part, in parallel; the first restart or error stops the rest.
    async fn run_parts(
        &self,
        job: &Arc<Job>,
        cancel: &watch::Receiver<bool>,
    ) -> Result<PartEnd, FetchError> {
        // An unplanned file (fresh start): part 0 is `0..` until the first answer tells more.
        let needs_plan = job.meta().validator.is_none();
        if needs_plan {
            match self.part(job, 0, cancel, true).await? {
                PartEnd::Restart(why) => return Ok(PartEnd::Restart(why)),
                PartEnd::Done => {}
            }
        }
        let pending: Vec<usize> = job
            .meta()
            .parts
            .iter()
            .enumerate()
            .filter(|(_, (a, b, d))| *b == u64::MAX || a + d < *b)
            .map(|(i, _)| i)
            .collect();
        if pending.is_empty() {
            return Ok(PartEnd::Done);
        }
        // Every part stops when the user cancels or when another part fails or restarts.
        let (stop_tx, stop_rx) = watch::channel(*cancel.borrow());
        let stop_tx = Arc::new(stop_tx);
        let forward = {
            let (mut cancel, stop_tx) = (cancel.clone(), Arc::clone(&stop_tx));
            tokio::spawn(async move {
                if cancel.wait_for(|c| *c).await.is_ok() {
                    let _ = stop_tx.send(true);
                }
            })
        };
        let mut set = tokio::task::JoinSet::new();
        for i in pending {
            let (me, job, stop) = (self.clone(), Arc::clone(job), stop_rx.clone());
            set.spawn(async move { me.part(&job, i, &stop, false).await });
        }
        let mut result = Ok(PartEnd::Done);
        while let Some(joined) = set.join_next().await {
            let r = joined.unwrap_or_else(|_| {
                Err(FetchError::Protocol {
                    file: job.file.clone(),
                    detail: "part task panicked".into(),
                })
            });
            match r {
                Ok(PartEnd::Done) => {}
                other => {
                    if matches!(result, Ok(PartEnd::Done)) {
                        let _ = stop_tx.send(true);
                        // A cancellation caused by the stop is not the story; the first cause is.
                        result = other;
                    }
                }
            }
        }
        forward.abort();
        self.save_meta(job)?;
        result
    }

    /// Fetches part `i` to its end, resuming, retrying and renewing the link as needed.
    /// With `planning`, the part is the whole object and its first answer plans the others.
    async fn part(
        &self,
        job: &Arc<Job>,
        i: usize,
        cancel: &watch::Receiver<bool>,
        planning: bool,
    ) -> Result<PartEnd, FetchError> {
        let o = &self.options;
        let mut planning = planning;
        // The CRC of the part's bytes from its start up to `crc_upto`.
        let mut crc = Crc64::new();
        let mut crc_upto: Option<u64> = None;
        let mut failures = 0u32;
        let mut refused = 0u32;
        let mut last = String::new();
        let mut out = std::fs::OpenOptions::new()
            .write(true)
            .open(&job.part_path)
            .map_err(io_err(&job.part_path))?;
        loop {
            if *cancel.borrow() {
                return Err(FetchError::Cancelled {
                    file: job.file.clone(),
                });
            }
            if failures >= o.max_attempts {
                return Err(FetchError::GaveUp {
                    file: job.file.clone(),
                    attempts: failures,
                    last,
                });
            }
            if failures > 0 {
                let backoff = o
                    .backoff
                    .saturating_mul(1 << (failures - 1).min(16))
                    .min(o.max_backoff);
                job.progress
                    .note(&job.file, &format!("retrying in {backoff:?}: {last}"));
                tokio::time::sleep(backoff).await;
            }
            let (start, end, mut done) = job.meta().parts[i];
            let validator = job
                .meta()
                .validator
                .clone()
                .filter(|v| !v.header().is_empty());
            if done > 0 && validator.is_none() {
                // Nothing identifies the object: resuming could splice two versions.
                job.progress.note(
                    &job.file,
                    "no ETag or Last-Modified: starting the file over",
                );
                job.meta_lock().parts[i].2 = 0;
                done = 0;
            }
            let (generation, url) = {
                let l = job.link.lock().await;
                (l.0, l.1.url.clone())
            };
            let mut req = self.http.get(url.expose());
            let from = start + done;
            let ranged = from > 0 || end != u64::MAX;
            if ranged {
                let range = if end == u64::MAX {
                    format!("bytes={from}-")
                } else {
                    format!("bytes={from}-{}", end - 1)
                };
                req = req.header(RANGE, range);
                if let Some(v) = &validator {
                    req = req.header(IF_RANGE, v.header());
                }
            } else {
                // Ask for a range anyway: a 206 proves the server supports them.
                req = req.header(RANGE, "bytes=0-");
            }
            let resp = match tokio::time::timeout(o.stall_timeout, req.send()).await {
                Ok(Ok(r)) => r,
                Ok(Err(e)) => {
                    failures += 1;
                    last = e.without_url().to_string();
                    continue;
                }
                Err(_) => {
                    failures += 1;
                    last = format!("no response headers within {:?}", o.stall_timeout);
                    continue;
                }
            };
            let status = resp.status();
            let headers = resp.headers().clone();
            let answered = Validator::from_headers(&headers);
            match status {
                StatusCode::PARTIAL_CONTENT => {
                    let Some((first, _, total)) = content_range(&headers) else {
                        return Err(FetchError::Protocol {
                            file: job.file.clone(),
                            detail: "206 without a usable Content-Range".into(),
                        });
                    };
                    if first != from {
                        return Err(FetchError::Protocol {
                            file: job.file.clone(),
                            detail: format!("asked for bytes from {from}, got from {first}"),
                        });
                    }
                    if validator.is_some() && answered.is_some() && answered != validator {
                        return Ok(PartEnd::Restart("the object's validator changed".into()));
                    }
                    if planning {
                        planning = false;
                        self.plan(job, answered, total, crc_header(&headers))?;
                        if job.meta().parts.len() > 1 {
                            // Split: every part, the first included, gets its own request.
                            return Ok(PartEnd::Done);
                        }
                    }
                }
                StatusCode::OK if !planning => {
                    let single = job.meta().parts.len() == 1;
                    if !(single && answered.is_some() && answered == validator) {
                        return Ok(PartEnd::Restart(
                            "the server sent the whole object (it changed, or ignored the range)"
                                .into(),
                        ));
                    }
                    // The same object, range ignored: start this single part over in place.
                    job.progress.note(
                        &job.file,
                        "the server ignored the range: starting the file over",
                    );
                    job.meta_lock().parts[i].2 = 0;
                }
                StatusCode::OK => {
                    planning = false;
                    // A server without ranges: one part, the whole object.
                    let total = resp.content_length();
                    let mut m = job.meta_lock();
                    m.validator = answered.or(Some(Validator::Date(String::new())));
                    m.total = total;
                    m.crc64 = crc_header(&headers);
                    m.parts = vec![(0, total.unwrap_or(u64::MAX), 0)];
                    drop(m);
                    job.progress.start(&job.file, total, 0);
                }
                StatusCode::RANGE_NOT_SATISFIABLE => {
                    let total = headers
                        .get(CONTENT_RANGE)
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.strip_prefix("bytes */"))
                        .and_then(|v| v.parse::<u64>().ok());
                    if total == Some(from) && end == u64::MAX {
                        let mut m = job.meta_lock();
                        m.parts[i].1 = from;
                        m.total = Some(from);
                        return Ok(PartEnd::Done);
                    }
                    return Ok(PartEnd::Restart(
                        "the range is no longer satisfiable".into(),
                    ));
                }
                StatusCode::FORBIDDEN => {
                    let detail = body_detail(resp).await;
                    refused += 1;
                    if refused > o.max_relinks {
                        return Err(FetchError::LinkRefused {
                            file: job.file.clone(),
                            relinks: job.relinks.load(Ordering::Relaxed),
                            detail,
                        });
                    }
                    self.renew(job, generation, &detail).await?;
                    continue;
                }
                s if s == StatusCode::REQUEST_TIMEOUT
                    || s == StatusCode::TOO_MANY_REQUESTS
                    || s.is_server_error() =>
                {
                    failures += 1;
                    last = format!("HTTP {}: {}", s.as_u16(), body_detail(resp).await);
                    continue;
                }
                s => {
                    return Err(FetchError::Status {
                        file: job.file.clone(),
                        status: s.as_u16(),
                        detail: body_detail(resp).await,
                    });
                }
            }
            // Stream the body into the part's range, checksumming as the bytes arrive.
            let (start, end, done) = job.meta().parts[i];
            let mut pos = start + done;
            if crc_upto != Some(pos) {
                crc = prefix_crc(&job.part_path, start, pos)?;
                crc_upto = Some(pos);
            }
            out.seek(SeekFrom::Start(pos))
                .map_err(io_err(&job.part_path))?;
            let mut resp = resp;
            let mut cancel_rx = cancel.clone();
            let mut unsaved = 0u64;
            let mut unflushed = 0u64;
            let mut flushing: Option<tokio::task::JoinHandle<()>> = None;
            let outcome = loop {
                let chunk = tokio::select! {
                    c = tokio::time::timeout(o.stall_timeout, resp.chunk()) => c,
                    _ = cancel_rx.wait_for(|c| *c) => break Err(None),
                };
                match chunk {
                    Ok(Ok(Some(bytes))) => {
                        let room = end.saturating_sub(pos);
                        let take = (bytes.len() as u64).min(room) as usize;
                        out.write_all(&bytes[..take])
                            .map_err(io_err(&job.part_path))?;
                        crc.update(&bytes[..take]);
                        pos += take as u64;
                        crc_upto = Some(pos);
                        job.transferred.fetch_add(take as u64, Ordering::Relaxed);
                        job.progress.advance(&job.file, take as u64);
                        job.meta_lock().parts[i].2 = pos - start;
                        unsaved += take as u64;
                        unflushed += take as u64;
                        if unflushed >= FLUSH_EVERY
                            && flushing.as_ref().is_none_or(|t| t.is_finished())
                            && let Ok(handle) = out.try_clone()
                        {
                            // Start writing back in the background while bytes keep
                            // arriving, so the fsync before verification finds little to do.
                            flushing = Some(tokio::task::spawn_blocking(move || {
                                let _ = handle.sync_data();
                            }));
                            unflushed = 0;
                        }
                        if unsaved >= SAVE_EVERY {
                            // A crash loses at most this much: the sidecar never claims
                            // bytes that are not on disk.
                            out.sync_data().map_err(io_err(&job.part_path))?;
                            self.save_meta(job)?;
                            unsaved = 0;
                        }
                        failures = 0;
                        refused = 0;
                        if pos >= end {
                            break Ok(());
                        }
                    }
                    Ok(Ok(None)) => break Ok(()),
                    Ok(Err(e)) => break Err(Some(e.without_url().to_string())),
                    Err(_) => break Err(Some(format!("no data for {:?}", o.stall_timeout))),
                }
            };
            match outcome {
                Err(None) => {
                    out.sync_data().map_err(io_err(&job.part_path))?;
                    self.save_meta(job)?;
                    return Err(FetchError::Cancelled {
                        file: job.file.clone(),
                    });
                }
                Err(Some(why)) => {
                    failures += 1;
                    last = why;
                    out.sync_data().map_err(io_err(&job.part_path))?;
                    self.save_meta(job)?;
                }
                Ok(()) => {
                    if end == u64::MAX {
                        // Length unknown: the end of the body is the end of the object.
                        let mut m = job.meta_lock();
                        m.parts[i].1 = pos;
                        m.total = Some(pos);
                        drop(m);
                        job.part_done(i, crc.finish());
                        return Ok(PartEnd::Done);
                    }
                    if pos >= end {
                        job.part_done(i, crc.finish());
                        return Ok(PartEnd::Done);
                    }
                    failures += 1;
                    last = format!("the body ended at byte {pos} of {end}");
                    out.sync_data().map_err(io_err(&job.part_path))?;
                    self.save_meta(job)?;
                }
            }
        }
    }

    /// Records what the first answer said and splits the rest into parts.
    fn plan(
        &self,
        job: &Job,
        validator: Option<Validator>,
        total: Option<u64>,
        crc64: Option<u64>,
    ) -> Result<(), FetchError> {
        let mut m = job.meta_lock();
        m.validator = validator.or(Some(Validator::Date(String::new())));
        m.total = total;
        m.crc64 = crc64;
        let n = self.options.parallel_parts.max(1) as u64;
        m.parts = match total {
            Some(t) if n > 1 && t >= self.options.part_threshold && t > 0 => {
                let size = t.div_ceil(n);
                (0..n)
                    .map(|k| (k * size, ((k + 1) * size).min(t), 0))
                    .filter(|(a, b, _)| a < b)
                    .collect()
            }
            Some(t) => vec![(0, t, 0)],
            None => vec![(0, u64::MAX, 0)],
        };
        let m_parts = m.parts.len();
        drop(m);
        job.crcs.lock().unwrap_or_else(|e| e.into_inner()).clear();
        job.progress.start(&job.file, total, 0);
        if let Some(t) = total.filter(|_| m_parts > 1) {
            let f = std::fs::OpenOptions::new()
                .write(true)
                .open(&job.part_path)
                .map_err(io_err(&job.part_path))?;
            f.set_len(t).map_err(io_err(&job.part_path))?;
        }
        self.save_meta(job)
    }

    /// Renews the link unless another part already did since `generation`.
    async fn renew(&self, job: &Job, generation: u64, why: &str) -> Result<(), FetchError> {
        let mut l = job.link.lock().await;
        if l.0 != generation {
            return Ok(());
        }
        job.progress.note(
            &job.file,
            &format!("link refused ({why}); asking for a new one"),
        );
        let fresh = job.relink.relink().await.map_err(FetchError::Relink)?;
        let network = l.1.network;
        let found = fresh
            .iter()
            .find(|n| n.file_name == job.file && n.network == network)
            .or_else(|| fresh.iter().find(|n| n.file_name == job.file))
            .cloned()
            .ok_or_else(|| FetchError::LinkGone {
                file: job.file.clone(),
            })?;
        *l = (generation + 1, found);
        job.relinks.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    fn save_meta(&self, job: &Job) -> Result<(), FetchError> {
        let _one_at_a_time = job.save.lock().unwrap_or_else(|e| e.into_inner());
        let text = job.meta().render();
        let tmp = job.meta_path.with_extension("meta.tmp");
        std::fs::write(&tmp, text).map_err(io_err(&tmp))?;
        std::fs::rename(&tmp, &job.meta_path).map_err(io_err(&job.meta_path))
    }

    /// Flushes, verifies and renames; returns the length and the checks passed.
    async fn finish(
        &self,
        job: &Job,
        link: &BackupLink,
        final_path: &Path,
    ) -> Result<(u64, Vec<&'static str>), FetchError> {
        let meta = job.meta();
        let path = job.part_path.clone();
        let want_md5 = link.md5.clone();
        let size = link.size;
        let file = job.file.clone();
        let total = meta.total;
        let crc = meta.crc64;
        let computed = job.combined_crc();
        let verified = tokio::task::spawn_blocking(move || {
            verify(
                &path,
                &file,
                total,
                size,
                want_md5.as_deref(),
                crc,
                computed,
            )
        })
        .await
        .map_err(|_| FetchError::Protocol {
            file: job.file.clone(),
            detail: "verification task panicked".into(),
        })??;
        std::fs::rename(&job.part_path, final_path).map_err(io_err(final_path))?;
        if let Some(dir) = final_path.parent()
            && let Ok(d) = std::fs::File::open(dir)
        {
            let _ = d.sync_all();
        }
        let _ = std::fs::remove_file(&job.meta_path);
        Ok(verified)
    }
}

/// Checks the finished `.part` against every known fact; fsyncs it first.
fn verify(
    path: &Path,
    file: &str,
    total: Option<u64>,
    size: Option<Size>,
    md5: Option<&str>,
    crc64: Option<u64>,
    computed_crc64: Option<u64>,
) -> Result<(u64, Vec<&'static str>), FetchError> {
    let mut f = std::fs::File::open(path).map_err(io_err(path))?;
    f.sync_all().map_err(io_err(path))?;
    let len = f.metadata().map_err(io_err(path))?.len();
    let mismatch = |check, expected: String, actual: String| FetchError::Mismatch {
        file: file.to_owned(),
        check,
        expected,
        actual,
    };
    let mut passed = Vec::new();
    if let Some(t) = total
        && t != len
    {
        return Err(mismatch(
            "size",
            format!("{t} bytes (Content-Range)"),
            format!("{len} bytes"),
        ));
    }
    if let Some(s) = size {
        if !s.admits(len) {
            return Err(mismatch("size", s.to_string(), format!("{len} bytes")));
        }
        passed.push(match s {
            Size::Exact(_) => "size",
            Size::Approx { .. } => "size≈",
        });
    }
    // The parts' CRCs were computed as the bytes arrived: read the file back only for what
    // is still unknown.
    let read_crc = crc64.is_some() && computed_crc64.is_none();
    if md5.is_none() && !read_crc {
        if let Some(want) = crc64 {
            let got = computed_crc64.unwrap_or_default();
            if want != got {
                return Err(mismatch("crc64", want.to_string(), got.to_string()));
            }
            passed.push("crc64");
        }
        return Ok((len, passed));
    }
    let mut m = md5::Md5::new();
    let mut c = Crc64::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf).map_err(io_err(path))?;
        if n == 0 {
            break;
        }
        if md5.is_some() {
            m.update(&buf[..n]);
        }
        if read_crc {
            c.update(&buf[..n]);
        }
    }
    if let Some(want) = md5 {
        let got: String = m.finalize().iter().map(|b| format!("{b:02x}")).collect();
        if !want.eq_ignore_ascii_case(&got) {
            return Err(mismatch("md5", want.to_owned(), got));
        }
        passed.push("md5");
    }
    if let Some(want) = crc64 {
        let got = computed_crc64.unwrap_or_else(|| c.finish());
        if want != got {
            return Err(mismatch("crc64", want.to_string(), got.to_string()));
        }
        passed.push("crc64");
    }
    Ok((len, passed))
}

impl Job {
    fn part_done(&self, i: usize, crc: u64) {
        let mut crcs = self.crcs.lock().unwrap_or_else(|e| e.into_inner());
        let n = self.meta().parts.len();
        crcs.resize(n, None);
        crcs[i] = Some(crc);
    }

    /// The CRC-64 of the whole file from its parts' own, when every part has one.
    fn combined_crc(&self) -> Option<u64> {
        let crcs = self.crcs.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let parts = self.meta().parts;
        if crcs.len() != parts.len() {
            return None;
        }
        let mut order: Vec<usize> = (0..parts.len()).collect();
        order.sort_by_key(|&k| parts[k].0);
        let mut whole = Crc64::new().finish();
        for k in order {
            let (a, b, _) = parts[k];
            whole = checksum::crc64_combine(whole, crcs[k]?, b - a);
        }
        Some(whole)
    }

    fn meta_lock(&self) -> std::sync::MutexGuard<'_, Meta> {
        self.meta
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn meta(&self) -> Meta {
        self.meta_lock().clone()
    }
}

/// The CRC-64 of bytes `start..end` of the file at `path` (a part resumed from disk).
fn prefix_crc(path: &Path, start: u64, end: u64) -> Result<Crc64, FetchError> {
    let mut c = Crc64::new();
    if end <= start {
        return Ok(c);
    }
    let mut f = std::fs::File::open(path).map_err(io_err(path))?;
    f.seek(SeekFrom::Start(start)).map_err(io_err(path))?;
    let mut left = end - start;
    let mut buf = vec![0u8; 1 << 20];
    while left > 0 {
        let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        let n = f.read(&mut buf[..want]).map_err(io_err(path))?;
        if n == 0 {
            return Err(FetchError::Io {
                path: path.to_owned(),
                error: std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    "the .part is shorter than its sidecar says",
                ),
            });
        }
        c.update(&buf[..n]);
        left -= n as u64;
    }
    Ok(c)
}

/// `Content-Range: bytes a-b/total` as (a, b, total); total `*` is `None`.
fn content_range(h: &HeaderMap) -> Option<(u64, u64, Option<u64>)> {
    let v = h.get(CONTENT_RANGE)?.to_str().ok()?;
    let (range, total) = v.strip_prefix("bytes ")?.split_once('/')?;
    let (a, b) = range.split_once('-')?;
    let total = if total == "*" {
        None
    } else {
        Some(total.parse().ok()?)
    };
    Some((a.parse().ok()?, b.parse().ok()?, total))
}

fn crc_header(h: &HeaderMap) -> Option<u64> {
    h.get(COS_CRC64_HEADER)?.to_str().ok()?.trim().parse().ok()
}

/// The first 300 bytes of an error body, on one line (a storage error's code and message).
async fn body_detail(resp: reqwest::Response) -> String {
    let text = resp.text().await.unwrap_or_default();
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    one_line.chars().take(300).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meta_round_trips_and_rejects_garbage() {
        let m = Meta {
            validator: Some(Validator::ETag("\"abc\"".into())),
            total: Some(100),
            crc64: Some(42),
            parts: vec![(0, 50, 10), (50, 100, 0)],
        };
        assert_eq!(Meta::parse(&m.render()), Some(m));
        assert_eq!(Meta::parse("cloud-backup part v1\npart 0 10 11\n"), None);
        assert_eq!(Meta::parse("something else"), None);
    }

    struct Counting(std::sync::atomic::AtomicU32, BackupLink);

    impl Relink for Counting {
        fn relink(
            &self,
        ) -> Pin<Box<dyn Future<Output = Result<Vec<BackupLink>, LinkError>> + Send + '_>> {
            Box::pin(async move {
                self.0.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(20)).await;
                Ok(vec![self.1.clone()])
            })
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn parts_that_see_one_expiry_renew_the_link_once() {
        let link = BackupLink {
            operation: "GetBackupDownloadUrl",
            file_name: "dump.rdb".into(),
            url: generated::runtime::SignedUrl::new("http://127.0.0.1:1/objects/dump.rdb?sign=x"),
            network: Network::Public,
            expires_at: crate::Expiry::Unknown,
            size: None,
            md5: None,
            kind: None,
        };
        let relink = Arc::new(Counting(Default::default(), link.clone()));
        let job = Arc::new(Job {
            file: "dump.rdb".into(),
            part_path: PathBuf::from("unused.part"),
            meta_path: PathBuf::from("unused.part.meta"),
            link: Mutex::new((0, link)),
            relink: relink.clone(),
            relinks: AtomicU32::new(0),
            transferred: AtomicU64::new(0),
            meta: std::sync::Mutex::new(Meta::default()),
            save: std::sync::Mutex::new(()),
            crcs: std::sync::Mutex::new(Vec::new()),
            progress: Arc::new(crate::progress::Quiet),
        });
        let d = Downloader::new(Options::default()).expect("client");
        // Four parts refused with the same (generation 0) link, all at once.
        let mut set = tokio::task::JoinSet::new();
        for _ in 0..4 {
            let (d, job) = (d.clone(), Arc::clone(&job));
            set.spawn(async move { d.renew(&job, 0, "expired").await.is_ok() });
        }
        while let Some(r) = set.join_next().await {
            assert!(r.expect("task"));
        }
        assert_eq!(relink.0.load(Ordering::SeqCst), 1);
        assert_eq!(job.relinks.load(Ordering::SeqCst), 1);
        assert_eq!(job.link.lock().await.0, 1);
        // A part refused again with the new link renews again: one renewal per expiry.
        d.renew(&job, 1, "expired").await.expect("renew");
        assert_eq!(relink.0.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn content_range_parses() {
        let mut h = HeaderMap::new();
        h.insert(CONTENT_RANGE, "bytes 5-9/10".parse().unwrap());
        assert_eq!(content_range(&h), Some((5, 9, Some(10))));
        h.insert(CONTENT_RANGE, "bytes 5-9/*".parse().unwrap());
        assert_eq!(content_range(&h), Some((5, 9, None)));
    }
}
