//! One part of a file: its request (range, validator, the answer's status) and the streaming
//! of its body into the `.part`, checksummed as it arrives.

use super::*;

impl Downloader {
    /// Fetches part `i` to its end, resuming, retrying and renewing the link as needed.
    /// With `planning`, the part is the whole object and its first answer plans the others.
    pub(super) async fn part(
        &self,
        job: &Arc<Job>,
        i: usize,
        cancel: &watch::Receiver<bool>,
        planning: bool,
    ) -> Result<PartEnd, FetchError> {
        let o = &self.options;
        let mut planning = planning;
        let mut crc = PartCrc::default();
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
            let resp = match self.send(job, i, &mut planning).await? {
                Answer::Body(resp) => resp,
                Answer::End(end) => return Ok(end),
                Answer::Retry(why) => {
                    failures += 1;
                    last = why;
                    continue;
                }
                Answer::Refused { generation, detail } => {
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
            };
            match self
                .stream(job, i, resp, &mut out, &mut crc, cancel)
                .await?
            {
                Streamed::Done => return Ok(PartEnd::Done),
                Streamed::Cancelled => {
                    return Err(FetchError::Cancelled {
                        file: job.file.clone(),
                    });
                }
                Streamed::Stopped { why, progressed } => {
                    if progressed {
                        // Bytes arrived: the counts start over.
                        failures = 0;
                        refused = 0;
                    }
                    failures += 1;
                    last = why;
                }
            }
        }
    }

    /// Sends part `i`'s request (its remaining range, `If-Range` with the validator) and
    /// reads the answer's status: a body to stream, or what the part does instead. The first
    /// answer of a fresh file (`planning`) plans the parts.
    async fn send(&self, job: &Job, i: usize, planning: &mut bool) -> Result<Answer, FetchError> {
        let o = &self.options;
        let Part {
            start,
            end,
            mut done,
        } = job.meta().parts[i];
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
            job.meta_lock().parts[i].done = 0;
            done = 0;
        }
        let (generation, url) = {
            let l = job.link.lock().await;
            (l.generation, l.link.url.clone())
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
            Ok(Err(e)) => return Ok(Answer::Retry(e.without_url().to_string())),
            Err(_) => {
                return Ok(Answer::Retry(format!(
                    "no response headers within {:?}",
                    o.stall_timeout
                )));
            }
        };
        let status = resp.status();
        let headers = resp.headers().clone();
        let answered = Validator::from_headers(&headers);
        match status {
            StatusCode::PARTIAL_CONTENT => {
                let Some(ContentRange { first, total, .. }) = content_range(&headers) else {
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
                    return Ok(Answer::End(PartEnd::Restart(
                        "the object's validator changed".into(),
                    )));
                }
                if *planning {
                    *planning = false;
                    self.plan(job, answered, total, crc_header(&headers))?;
                    if job.meta().parts.len() > 1 {
                        // Split: every part, the first included, gets its own request.
                        return Ok(Answer::End(PartEnd::Done));
                    }
                }
            }
            StatusCode::OK if !*planning => {
                let single = job.meta().parts.len() == 1;
                if !(single && answered.is_some() && answered == validator) {
                    return Ok(Answer::End(PartEnd::Restart(
                        "the server sent the whole object (it changed, or ignored the range)"
                            .into(),
                    )));
                }
                // The same object, range ignored: start this single part over in place.
                job.progress.note(
                    &job.file,
                    "the server ignored the range: starting the file over",
                );
                job.meta_lock().parts[i].done = 0;
            }
            StatusCode::OK => {
                *planning = false;
                // A server without ranges: one part, the whole object.
                let total = resp.content_length();
                let mut m = job.meta_lock();
                m.validator = answered.or(Some(Validator::Date(String::new())));
                m.total = total;
                m.crc64 = crc_header(&headers);
                m.parts = vec![Part::new(0, total.unwrap_or(u64::MAX))];
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
                    m.parts[i].end = from;
                    m.total = Some(from);
                    return Ok(Answer::End(PartEnd::Done));
                }
                return Ok(Answer::End(PartEnd::Restart(
                    "the range is no longer satisfiable".into(),
                )));
            }
            StatusCode::FORBIDDEN => {
                return Ok(Answer::Refused {
                    generation,
                    detail: body_detail(resp).await,
                });
            }
            s if s == StatusCode::REQUEST_TIMEOUT
                || s == StatusCode::TOO_MANY_REQUESTS
                || s.is_server_error() =>
            {
                return Ok(Answer::Retry(format!(
                    "HTTP {}: {}",
                    s.as_u16(),
                    body_detail(resp).await
                )));
            }
            s => {
                return Err(FetchError::Status {
                    file: job.file.clone(),
                    status: s.as_u16(),
                    detail: body_detail(resp).await,
                });
            }
        }
        Ok(Answer::Body(resp))
    }

    /// Streams `resp`'s body into part `i`'s range of the `.part`, checksumming as the bytes
    /// arrive, writing back in the background and saving the sidecar every `SAVE_EVERY`
    /// bytes; on any stop the bytes so far are fsynced and the sidecar saved.
    async fn stream(
        &self,
        job: &Job,
        i: usize,
        mut resp: reqwest::Response,
        out: &mut std::fs::File,
        crc: &mut PartCrc,
        cancel: &watch::Receiver<bool>,
    ) -> Result<Streamed, FetchError> {
        let o = &self.options;
        let Part { start, end, done } = job.meta().parts[i];
        let mut pos = start + done;
        if crc.upto != Some(pos) {
            crc.crc = prefix_crc(&job.part_path, start, pos)?;
            crc.upto = Some(pos);
        }
        out.seek(SeekFrom::Start(pos))
            .map_err(io_err(&job.part_path))?;
        let mut cancel_rx = cancel.clone();
        let mut unsaved = 0u64;
        let mut unflushed = 0u64;
        let mut progressed = false;
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
                    crc.crc.update(&bytes[..take]);
                    pos += take as u64;
                    crc.upto = Some(pos);
                    job.transferred.fetch_add(take as u64, Ordering::Relaxed);
                    job.progress.advance(&job.file, take as u64);
                    job.meta_lock().parts[i].done = pos - start;
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
                    progressed = true;
                    if pos >= end {
                        break Ok(());
                    }
                }
                Ok(Ok(None)) => break Ok(()),
                Ok(Err(e)) => break Err(Some(e.without_url().to_string())),
                Err(_) => break Err(Some(format!("no data for {:?}", o.stall_timeout))),
            }
        };
        let why = match outcome {
            Err(None) => None,
            Err(Some(why)) => Some(why),
            Ok(()) if end == u64::MAX => {
                // Length unknown: the end of the body is the end of the object.
                let mut m = job.meta_lock();
                m.parts[i].end = pos;
                m.total = Some(pos);
                drop(m);
                job.part_done(i, crc.crc.finish());
                return Ok(Streamed::Done);
            }
            Ok(()) if pos >= end => {
                job.part_done(i, crc.crc.finish());
                return Ok(Streamed::Done);
            }
            Ok(()) => Some(format!("the body ended at byte {pos} of {end}")),
        };
        out.sync_data().map_err(io_err(&job.part_path))?;
        self.save_meta(job)?;
        Ok(match why {
            None => Streamed::Cancelled,
            Some(why) => Streamed::Stopped { why, progressed },
        })
    }
}

/// What a part's request got back, as the part's loop acts on it.
pub(super) enum Answer {
    /// A body to stream into the part.
    Body(reqwest::Response),
    /// The part (or the whole attempt) ends here.
    End(PartEnd),
    /// A failure worth retrying after a backoff.
    Retry(String),
    /// 403: the link was refused; renew it unless another part already did since
    /// `generation`.
    Refused { generation: u64, detail: String },
}

/// How streaming a body stopped.
pub(super) enum Streamed {
    /// The part is complete.
    Done,
    /// The user cancelled.
    Cancelled,
    /// The body stopped early (`why`); `progressed`: bytes arrived before it did.
    Stopped { why: String, progressed: bool },
}

/// The CRC-64 of a part's bytes from its start up to `upto` (kept across attempts, so a
/// resumed stream does not read back what it already checksummed).
#[derive(Default)]
pub(super) struct PartCrc {
    crc: Crc64,
    upto: Option<u64>,
}

/// `Content-Range: bytes first-last/total` (both ends inclusive).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct ContentRange {
    pub(super) first: u64,
    pub(super) last: u64,
    /// `None` for `*` (length unknown).
    pub(super) total: Option<u64>,
}

/// The response's `Content-Range`, if it has a usable one.
pub(super) fn content_range(h: &HeaderMap) -> Option<ContentRange> {
    let v = h.get(CONTENT_RANGE)?.to_str().ok()?;
    let (range, total) = v.strip_prefix("bytes ")?.split_once('/')?;
    let (a, b) = range.split_once('-')?;
    let total = if total == "*" {
        None
    } else {
        Some(total.parse().ok()?)
    };
    Some(ContentRange {
        first: a.parse().ok()?,
        last: b.parse().ok()?,
        total,
    })
}

/// The first 300 bytes of an error body, on one line (a storage error's code and message).
pub(super) async fn body_detail(resp: reqwest::Response) -> String {
    let text = resp.text().await.unwrap_or_default();
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    one_line.chars().take(300).collect()
}
