//! The harness behind `cargo bench -p bench` (`benches/ratios/`): every comparison runs
//! its two sides interleaved in one process, so drift of the machine (another build, CPU
//! frequency, a noisy neighbour) hits both sides alike.
//!
//! A comparison is `rounds` rounds; each round times one batch of `batch` iterations of each
//! side, A then B in even rounds and B then A in odd ones. A side's figure is the median over
//! rounds of its per-iteration time; the ratio is a quotient of the two medians. The spread
//! printed beside it is the interquartile range of the per-round ratios.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

use std::time::{Duration, Instant};

/// Per-iteration times of the two sides of a comparison, one entry per round.
#[derive(Clone, Debug, Default)]
pub struct Samples {
    /// Side A (seconds per iteration).
    pub a: Vec<f64>,
    /// Side B (seconds per iteration).
    pub b: Vec<f64>,
}

impl Samples {
    /// Median per-iteration time of side A.
    pub fn median_a(&self) -> Duration {
        Duration::from_secs_f64(median(&self.a))
    }

    /// Median per-iteration time of side B.
    pub fn median_b(&self) -> Duration {
        Duration::from_secs_f64(median(&self.b))
    }

    /// `median(A) / median(B)`.
    pub fn ratio_a_over_b(&self) -> f64 {
        median(&self.a) / median(&self.b)
    }

    /// First and third quartile of the per-round ratios `A / B`.
    pub fn round_ratio_iqr(&self) -> (f64, f64) {
        let mut r: Vec<f64> = self.a.iter().zip(&self.b).map(|(a, b)| a / b).collect();
        r.sort_by(f64::total_cmp);
        (quantile(&r, 0.25), quantile(&r, 0.75))
    }

    /// First and third quartile of the per-round ratios `B / A` (for a throughput of A
    /// against B when the samples are times).
    pub fn round_ratio_iqr_b_over_a(&self) -> (f64, f64) {
        let mut r: Vec<f64> = self.a.iter().zip(&self.b).map(|(a, b)| b / a).collect();
        r.sort_by(f64::total_cmp);
        (quantile(&r, 0.25), quantile(&r, 0.75))
    }

    /// Number of rounds.
    pub fn rounds(&self) -> usize {
        self.a.len().min(self.b.len())
    }
}

/// Times `a` and `b` interleaved: `rounds` rounds of one `batch` of each, the order
/// alternating every round. `warmup` iterations of each side run first, untimed.
pub fn interleave(
    warmup: usize,
    rounds: usize,
    batch: usize,
    mut a: impl FnMut(),
    mut b: impl FnMut(),
) -> Samples {
    for _ in 0..warmup {
        a();
        b();
    }
    let mut out = Samples::default();
    let time = |f: &mut dyn FnMut()| {
        let start = Instant::now();
        for _ in 0..batch {
            f();
        }
        start.elapsed().as_secs_f64() / batch as f64
    };
    for round in 0..rounds {
        if round % 2 == 0 {
            out.a.push(time(&mut a));
            out.b.push(time(&mut b));
        } else {
            out.b.push(time(&mut b));
            out.a.push(time(&mut a));
        }
    }
    out
}

/// [`interleave`] for sides that time themselves (batch of one): each call returns the time
/// of its measured part only, so per-round setup and cleanup (deleting a downloaded file)
/// stay out of the figure. Same order as [`interleave`]: A then B in even rounds, B then A in
/// odd ones, after `warmup` untimed calls of each.
pub fn interleave_timed(
    warmup: usize,
    rounds: usize,
    mut a: impl FnMut() -> Duration,
    mut b: impl FnMut() -> Duration,
) -> Samples {
    for _ in 0..warmup {
        a();
        b();
    }
    let mut out = Samples::default();
    for round in 0..rounds {
        if round % 2 == 0 {
            out.a.push(a().as_secs_f64());
            out.b.push(b().as_secs_f64());
        } else {
            out.b.push(b().as_secs_f64());
            out.a.push(a().as_secs_f64());
        }
    }
    out
}

/// A throughput comparison of samples whose sides each moved `bytes` per iteration; prints
/// `<label>: <ratio>×  (<A> <MB/s>, <B> <MB/s>, N rounds, per-round ratio IQR …)` where the
/// ratio is throughput A / throughput B (= median time B / median time A, higher is better),
/// then the verdict against `target`, or `note` instead when given. Returns whether the
/// target is met.
pub fn print_throughput(
    label: &str,
    (a_name, b_name): (&str, &str),
    bytes: u64,
    s: &Samples,
    target: Target,
    note: Option<&str>,
) -> bool {
    let mbps = |secs: f64| bytes as f64 / secs / 1e6;
    let (ta, tb) = (median(&s.a), median(&s.b));
    let ratio = tb / ta;
    let (lo, hi) = s.round_ratio_iqr_b_over_a();
    println!(
        "{label}: {ratio:.2}×  ({a_name} {:.0} MB/s, {b_name} {:.0} MB/s, medians of {} rounds; \
         {a_name} {}, {b_name} {}; per-round ratio IQR {lo:.2}–{hi:.2}×)",
        mbps(ta),
        mbps(tb),
        s.rounds(),
        fmt_duration(Duration::from_secs_f64(ta)),
        fmt_duration(Duration::from_secs_f64(tb)),
    );
    let met = target.met(ratio);
    match note {
        Some(note) => println!("   {note}"),
        None => {
            let verdict = if met { "met" } else { "NOT met" };
            println!("   verdict: target {target} {verdict}");
        }
    }
    met
}

/// [`interleave`] for async sides, awaited one after the other on the caller's runtime.
pub async fn interleave_async(
    warmup: usize,
    rounds: usize,
    batch: usize,
    mut a: impl AsyncFnMut(),
    mut b: impl AsyncFnMut(),
) -> Samples {
    for _ in 0..warmup {
        a().await;
        b().await;
    }
    let mut out = Samples::default();
    for round in 0..rounds {
        for side in [round % 2, 1 - round % 2] {
            let start = Instant::now();
            for _ in 0..batch {
                if side == 0 {
                    a().await;
                } else {
                    b().await;
                }
            }
            let per_iter = start.elapsed().as_secs_f64() / batch as f64;
            if side == 0 {
                out.a.push(per_iter);
            } else {
                out.b.push(per_iter);
            }
        }
    }
    out
}

/// Median of unsorted values (0 for none).
pub fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    quantile(&v, 0.5)
}

/// Linear-interpolated quantile `q` of sorted values (0 for none).
fn quantile(sorted: &[f64], q: f64) -> f64 {
    match sorted.len() {
        0 => 0.0,
        n => {
            let pos = q * (n - 1) as f64;
            let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
            sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
        }
    }
}

/// A duration with a unit that keeps three or four significant digits: `412.1 µs`.
pub fn fmt_duration(d: Duration) -> String {
    let ns = d.as_secs_f64() * 1e9;
    if ns < 1e3 {
        format!("{ns:.1} ns")
    } else if ns < 1e6 {
        format!("{:.2} µs", ns / 1e3)
    } else if ns < 1e9 {
        format!("{:.2} ms", ns / 1e6)
    } else {
        format!("{:.2} s", ns / 1e9)
    }
}

/// Whether a ratio meets its target, and how the target reads.
#[derive(Clone, Copy, Debug)]
pub enum Target {
    /// The ratio must be at most this.
    AtMost(f64),
    /// The ratio must be at least this.
    AtLeast(f64),
}

impl Target {
    /// Whether `ratio` meets the target (compared at the two decimals printed).
    pub fn met(self, ratio: f64) -> bool {
        let printed = (ratio * 100.0).round() / 100.0;
        match self {
            Target::AtMost(t) => printed <= t,
            Target::AtLeast(t) => printed >= t,
        }
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Target::AtMost(t) => write!(f, "≤ {t:.2}×"),
            Target::AtLeast(t) => write!(f, "≥ {t:.2}×"),
        }
    }
}

/// One printed comparison: `<label>: <ratio>×  (<num name> <t>, <den name> <t>, N rounds …)`.
///
/// `ratio` is `numerator / denominator` of the medians, as the label states.
pub struct Report<'a> {
    /// E.g. `a. full call (ours / hand-written reqwest)`.
    pub label: &'a str,
    /// Name and median of the numerator side.
    pub numerator: (&'a str, Duration),
    /// Name and median of the denominator side.
    pub denominator: (&'a str, Duration),
    /// Per-round ratio quartiles, in the same orientation as the ratio.
    pub iqr: (f64, f64),
    /// Rounds and batch size.
    pub rounds: usize,
    /// Iterations per batch.
    pub batch: usize,
    /// What the ratio must meet.
    pub target: Target,
}

impl Report<'_> {
    /// The ratio of the medians.
    pub fn ratio(&self) -> f64 {
        self.numerator.1.as_secs_f64() / self.denominator.1.as_secs_f64()
    }

    /// The ratio line.
    pub fn line(&self) -> String {
        format!(
            "{}: {:.2}×  ({} {}, {} {}, {} rounds of {}, per-round ratio IQR {:.2}–{:.2}×)",
            self.label,
            self.ratio(),
            self.numerator.0,
            fmt_duration(self.numerator.1),
            self.denominator.0,
            fmt_duration(self.denominator.1),
            self.rounds,
            self.batch,
            self.iqr.0,
            self.iqr.1,
        )
    }

    /// Prints the ratio line and the verdict line; returns whether the target is met.
    pub fn print(&self) -> bool {
        println!("{}", self.line());
        let met = self.target.met(self.ratio());
        let verdict = if met { "met" } else { "NOT met" };
        println!("   verdict: target {} {verdict}", self.target);
        met
    }

    /// Prints the ratio line and a note instead of a verdict (a figure with no target).
    pub fn print_info(&self, note: &str) {
        println!("{}", self.line());
        println!("   {note}");
    }
}

/// Builds the report of samples whose side A is the ratio's numerator.
pub fn report<'a>(
    label: &'a str,
    (a_name, b_name): (&'a str, &'a str),
    s: &Samples,
    batch: usize,
    target: Target,
) -> Report<'a> {
    Report {
        label,
        numerator: (a_name, s.median_a()),
        denominator: (b_name, s.median_b()),
        iqr: s.round_ratio_iqr(),
        rounds: s.rounds(),
        batch,
        target,
    }
}
