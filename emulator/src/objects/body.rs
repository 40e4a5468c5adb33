//! The bytes of an object: the `Range` a request asks for, and the body that generates that
//! range as it streams (the content is a pure function of the seed and the offset), with the
//! request's one-shot fault applied.

use std::convert::Infallible;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use hyper::body::{Body, Frame, SizeHint};

/// Bytes generated per body frame.
pub(super) const CHUNK: u64 = 512 << 10;
/// The pause before a cut connection is closed, for the bytes before the cut to leave.
const CUT_FLUSH: Duration = Duration::from_millis(100);

/// What a `Range` header asks of an object of a given size.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Range {
    /// Absent, malformed or several ranges: the whole object.
    Whole,
    /// First and last byte, inclusive, within the object.
    Part(u64, u64),
    /// A valid range that selects nothing.
    Unsatisfiable,
}

pub(super) fn parse_range(header: &str, size: u64) -> Range {
    let Some(spec) = header.trim().strip_prefix("bytes=") else {
        return Range::Whole;
    };
    if spec.contains(',') {
        return Range::Whole;
    }
    let Some((a, b)) = spec.trim().split_once('-') else {
        return Range::Whole;
    };
    let num = |s: &str| s.trim().parse::<u64>().ok();
    match (a.trim().is_empty(), b.trim().is_empty()) {
        (true, true) => Range::Whole,
        (true, false) => match num(b) {
            Some(0) => Range::Unsatisfiable,
            Some(_) if size == 0 => Range::Unsatisfiable,
            Some(n) => Range::Part(size.saturating_sub(n), size - 1),
            None => Range::Whole,
        },
        (false, open) => {
            let Some(first) = num(a) else {
                return Range::Whole;
            };
            let last = if open {
                u64::MAX
            } else {
                match num(b) {
                    Some(last) if last >= first => last,
                    _ => return Range::Whole,
                }
            };
            if first >= size {
                Range::Unsatisfiable
            } else {
                Range::Part(first, last.min(size - 1))
            }
        }
    }
}

/// A range of an object, generated as it streams, with the request's fault applied.
pub(super) struct ObjectBody {
    pub(super) seed: u64,
    /// Next absolute offset to send.
    pub(super) pos: u64,
    /// Absolute offset where the body ends (early, for a cut).
    pub(super) stop: u64,
    /// The `Content-Length` promised.
    pub(super) promised: u64,
    /// Whether `stop` cuts the body short.
    pub(super) cut: bool,
    /// Whether the pause before a cut is over.
    pub(super) flushed: bool,
    /// Absolute offset to stall at, and for how long.
    pub(super) stall: Option<(u64, Duration)>,
    pub(super) sleep: Option<Pin<Box<tokio::time::Sleep>>>,
    pub(super) corrupt: Option<u64>,
    pub(super) sent: Arc<AtomicU64>,
}

impl Body for ObjectBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let this = &mut *self;
        if this.pos >= this.stop {
            if this.cut && !this.flushed {
                // hyper drops what it has not written when a body ends short of its
                // `Content-Length`: give it time to flush the bytes before the cut.
                if crate::fault::paused(&mut this.sleep, CUT_FLUSH, cx) {
                    return Poll::Pending;
                }
                this.flushed = true;
            }
            // Ending short of `Content-Length` makes hyper close the connection.
            return Poll::Ready(None);
        }
        if let Some((at, delay)) = this.stall
            && this.pos >= at
        {
            if crate::fault::paused(&mut this.sleep, delay, cx) {
                return Poll::Pending;
            }
            this.stall = None;
        }
        let mut end = this.stop.min(this.pos + CHUNK);
        if let Some((at, _)) = this.stall {
            end = end.min(at);
        }
        let mut buf = vec![0u8; (end - this.pos) as usize];
        fill(this.seed, this.pos, &mut buf);
        if let Some(at) = this.corrupt
            && (this.pos..end).contains(&at)
        {
            let i = (at - this.pos) as usize;
            buf[i] = !buf[i];
        }
        this.sent.fetch_add(buf.len() as u64, Ordering::Relaxed);
        this.pos = end;
        Poll::Ready(Some(Ok(Frame::data(Bytes::from(buf)))))
    }

    fn size_hint(&self) -> SizeHint {
        // The promise, not what a cut will send: hyper checks the header against it.
        SizeHint::with_exact(self.promised)
    }
}

/// The content seed of an object's generation.
pub(super) fn content_seed(seed: u64, generation: u64) -> u64 {
    seed.wrapping_add(generation.wrapping_mul(0xD1B5_4A32_D192_ED03))
}

/// Word `index` of the content with `seed`: the `index+1`-th output of splitmix64.
pub(super) fn word(seed: u64, index: u64) -> u64 {
    let mut z = seed.wrapping_add(index.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Fills `out` with the content of `seed` from absolute offset `start`.
pub(super) fn fill(seed: u64, start: u64, out: &mut [u8]) {
    let head = ((8 - start % 8) % 8).min(out.len() as u64) as usize;
    if head > 0 {
        let skip = (start % 8) as usize;
        out[..head].copy_from_slice(&word(seed, start / 8).to_le_bytes()[skip..skip + head]);
    }
    let mut index = (start + head as u64) / 8;
    let mut words = out[head..].chunks_exact_mut(8);
    for w in &mut words {
        w.copy_from_slice(&word(seed, index).to_le_bytes());
        index += 1;
    }
    let tail = words.into_remainder();
    if !tail.is_empty() {
        let n = tail.len();
        tail.copy_from_slice(&word(seed, index).to_le_bytes()[..n]);
    }
}
