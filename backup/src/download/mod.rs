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

mod error;
mod part;
mod sidecar;
mod verify;

pub use error::FetchError;
use error::io_err;
use sidecar::{Meta, Part, Validator};
use verify::{crc_header, prefix_crc, verify};

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

/// The file's current link and how many times it was renewed before (a part that saw a 403
/// renews only if nobody did since it read the link).
struct Link {
    generation: u64,
    link: BackupLink,
}

/// Everything the parts of one file share.
struct Job {
    file: String,
    part_path: PathBuf,
    meta_path: PathBuf,
    link: Mutex<Link>,
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
                    .is_ok_and(|p| m.parts.iter().all(|part| part.start + part.done <= p.len()))
            });
        let resumed_from = resumed
            .as_ref()
            .map_or(0, |m| m.parts.iter().map(|p| p.done).sum());
        let job = Arc::new(Job {
            file: file.clone(),
            part_path,
            meta_path,
            link: Mutex::new(Link {
                generation: 0,
                link: link.clone(),
            }),
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
                progress.start(&file, m.total, m.parts.iter().map(|p| p.done).sum());
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
            parts: vec![Part::new(0, u64::MAX)],
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
            .filter(|(_, p)| p.pending())
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
                    .map(|k| Part::new(k * size, ((k + 1) * size).min(t)))
                    .filter(|p| p.start < p.end)
                    .collect()
            }
            Some(t) => vec![Part::new(0, t)],
            None => vec![Part::new(0, u64::MAX)],
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
        if l.generation != generation {
            return Ok(());
        }
        job.progress.note(
            &job.file,
            &format!("link refused ({why}); asking for a new one"),
        );
        let fresh = job.relink.relink().await.map_err(FetchError::Relink)?;
        let network = l.link.network;
        let found = fresh
            .iter()
            .find(|n| n.file_name == job.file && n.network == network)
            .or_else(|| fresh.iter().find(|n| n.file_name == job.file))
            .cloned()
            .ok_or_else(|| FetchError::LinkGone {
                file: job.file.clone(),
            })?;
        *l = Link {
            generation: generation + 1,
            link: found,
        };
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
        order.sort_by_key(|&k| parts[k].start);
        let mut whole = Crc64::new().finish();
        for k in order {
            let p = parts[k];
            whole = checksum::crc64_combine(whole, crcs[k]?, p.end - p.start);
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

#[cfg(test)]
mod tests {
    use super::part::{ContentRange, content_range};
    use super::*;

    #[test]
    fn meta_round_trips_and_rejects_garbage() {
        let m = Meta {
            validator: Some(Validator::ETag("\"abc\"".into())),
            total: Some(100),
            crc64: Some(42),
            parts: vec![
                Part {
                    start: 0,
                    end: 50,
                    done: 10,
                },
                Part::new(50, 100),
            ],
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
            link: Mutex::new(Link {
                generation: 0,
                link,
            }),
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
        assert_eq!(job.link.lock().await.generation, 1);
        // A part refused again with the new link renews again: one renewal per expiry.
        d.renew(&job, 1, "expired").await.expect("renew");
        assert_eq!(relink.0.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn content_range_parses() {
        let mut h = HeaderMap::new();
        h.insert(CONTENT_RANGE, "bytes 5-9/10".parse().unwrap());
        assert_eq!(
            content_range(&h),
            Some(ContentRange {
                first: 5,
                last: 9,
                total: Some(10)
            })
        );
        h.insert(CONTENT_RANGE, "bytes 5-9/*".parse().unwrap());
        assert_eq!(
            content_range(&h),
            Some(ContentRange {
                first: 5,
                last: 9,
                total: None
            })
        );
    }
}
