//! Network and gateway faults the emulator can inject, and the streaming body they need.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use hyper::body::{Body, Frame};

/// A fault answered instead of a valid reply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    /// This HTTP status with an HTML page (a proxy's 429/500/502/503/504), optionally with a
    /// `Retry-After: <seconds>` header.
    Html {
        /// HTTP status.
        status: u16,
        /// `Retry-After` seconds.
        retry_after: Option<u64>,
    },
    /// The connection is closed without any response.
    Reset,
    /// Nothing is sent for this long, then the operation's sample.
    Stall(Duration),
    /// A `200` JSON body of this many bytes, streamed without `Content-Length`.
    Oversize(usize),
    /// The sample, sent in `chunks` pieces with `delay` before each.
    Drip {
        /// Number of pieces.
        chunks: usize,
        /// Delay before each piece.
        delay: Duration,
    },
}

/// A body sent piece by piece, each piece after a delay.
pub(crate) struct Drip {
    pieces: VecDeque<Bytes>,
    delay: Duration,
    sleep: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl Drip {
    pub(crate) fn new(body: Bytes, chunks: usize, delay: Duration) -> Self {
        let size = body.len().div_ceil(chunks.max(1)).max(1);
        let pieces = (0..body.len())
            .step_by(size)
            .map(|i| body.slice(i..(i + size).min(body.len())))
            .collect();
        Self {
            pieces,
            delay,
            sleep: None,
        }
    }

    /// `len` bytes of a JSON string document, in 64 KiB pieces without delay.
    pub(crate) fn oversize(len: usize) -> Self {
        let mut doc = vec![b'x'; len.max(2)];
        doc[0] = b'"';
        if let Some(last) = doc.last_mut() {
            *last = b'"';
        }
        Self::new(Bytes::from(doc), len.div_ceil(64 << 10), Duration::ZERO)
    }
}

impl Body for Drip {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        if self.pieces.is_empty() {
            return Poll::Ready(None);
        }
        if !self.delay.is_zero() {
            let delay = self.delay;
            if paused(&mut self.sleep, delay, cx) {
                return Poll::Pending;
            }
        }
        Poll::Ready(self.pieces.pop_front().map(|b| Ok(Frame::data(b))))
    }
}

/// Polls the pause in `slot` (started on first call, `delay` long): `true` while it runs;
/// once over, clears the slot for the next pause.
pub(crate) fn paused(
    slot: &mut Option<Pin<Box<tokio::time::Sleep>>>,
    delay: Duration,
    cx: &mut Context<'_>,
) -> bool {
    let sleep = slot.get_or_insert_with(|| Box::pin(tokio::time::sleep(delay)));
    if sleep.as_mut().poll(cx).is_pending() {
        return true;
    }
    *slot = None;
    false
}
