//! What a download reports while it runs: a progress bar on a terminal, plain lines or JSON
//! lines otherwise. Nothing reported includes a URL.

use std::collections::HashMap;
use std::io::Write;
use std::sync::Mutex;

/// Receives a download's events; implementations must be cheap (called per chunk).
pub trait Progress: Send + Sync {
    /// A file (re)starts: its length if known and how much is already on disk.
    fn start(&self, file: &str, total: Option<u64>, already: u64);
    /// `n` more bytes of `file` arrived.
    fn advance(&self, file: &str, n: u64);
    /// Something worth telling: a retry, a renewed link, a restart.
    fn note(&self, file: &str, message: &str);
    /// `file` is verified and in place (`already_present`: nothing was downloaded).
    fn done(&self, file: &str, bytes: u64, already_present: bool);
}

/// Reports nothing.
#[derive(Clone, Copy, Debug, Default)]
pub struct Quiet;

impl Progress for Quiet {
    fn start(&self, _: &str, _: Option<u64>, _: u64) {}
    fn advance(&self, _: &str, _: u64) {}
    fn note(&self, _: &str, _: &str) {}
    fn done(&self, _: &str, _: u64, _: bool) {}
}

/// A progress bar per file (indicatif), on stderr.
#[derive(Debug, Default)]
pub struct Bars {
    multi: indicatif::MultiProgress,
    bars: Mutex<HashMap<String, indicatif::ProgressBar>>,
}

impl Bars {
    fn bar(&self, file: &str) -> indicatif::ProgressBar {
        let mut bars = self.bars.lock().unwrap_or_else(|e| e.into_inner());
        // Called per chunk: no allocation once the file has its bar.
        if let Some(b) = bars.get(file) {
            return b.clone();
        }
        bars.entry(file.to_owned())
            .or_insert_with(|| {
                let b = self.multi.add(indicatif::ProgressBar::new(0));
                if let Ok(style) = indicatif::ProgressStyle::with_template(
                    "{prefix:30!} {bar:30} {bytes:>10}/{total_bytes:10} {bytes_per_sec:>12} {msg}",
                ) {
                    b.set_style(style);
                }
                b.set_prefix(file.to_owned());
                b
            })
            .clone()
    }
}

impl Progress for Bars {
    fn start(&self, file: &str, total: Option<u64>, already: u64) {
        let b = self.bar(file);
        if let Some(t) = total {
            b.set_length(t);
        }
        b.set_position(already);
    }
    fn advance(&self, file: &str, n: u64) {
        self.bar(file).inc(n);
    }
    fn note(&self, file: &str, message: &str) {
        let b = self.bar(file);
        b.set_message(message.to_owned());
        let _ = self.multi.println(format!("{file}: {message}"));
    }
    fn done(&self, file: &str, bytes: u64, already_present: bool) {
        let b = self.bar(file);
        b.set_length(bytes);
        b.set_position(bytes);
        b.finish_with_message(if already_present {
            "already present"
        } else {
            "verified"
        });
    }
}

/// Per file: length if known, bytes so far, tenths already reported; says when a file
/// crosses the next 10 %. Shared by the line-based reporters.
#[derive(Debug, Default)]
struct Tenths(Mutex<HashMap<String, Tally>>);

/// Length if known, bytes so far, tenths already reported.
type Tally = (Option<u64>, u64, u64);

impl Tenths {
    fn start(&self, file: &str, total: Option<u64>, already: u64) {
        let mut m = self.0.lock().unwrap_or_else(|e| e.into_inner());
        m.insert(file.to_owned(), (total, already, 0));
    }

    /// `(bytes so far, total, tenth)` when `n` more bytes take `file` past a new tenth.
    fn advance(&self, file: &str, n: u64) -> Option<(u64, u64, u64)> {
        let mut m = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let (Some(total), pos, shown) = m.get_mut(file)? else {
            return None;
        };
        *pos += n;
        let tenth = (*pos).saturating_mul(10) / (*total).max(1);
        if tenth > *shown && tenth < 10 {
            *shown = tenth;
            return Some((*pos, *total, tenth));
        }
        None
    }
}

/// Plain lines on stderr: starts, every 10 %, notes, completion.
#[derive(Debug, Default)]
pub struct Lines {
    tenths: Tenths,
}

impl Progress for Lines {
    fn start(&self, file: &str, total: Option<u64>, already: u64) {
        self.tenths.start(file, total, already);
        let size = total.map_or("unknown size".to_owned(), |t| format!("{t} bytes"));
        eprintln!("{file}: starting ({size}, {already} bytes already on disk)");
    }
    fn advance(&self, file: &str, n: u64) {
        if let Some((_, _, tenth)) = self.tenths.advance(file, n) {
            eprintln!("{file}: {}%", tenth * 10);
        }
    }
    fn note(&self, file: &str, message: &str) {
        eprintln!("{file}: {message}");
    }
    fn done(&self, file: &str, bytes: u64, already_present: bool) {
        let what = if already_present {
            "already present"
        } else {
            "verified"
        };
        eprintln!("{file}: {what}, {bytes} bytes");
    }
}

/// JSON lines on stdout, one object per event (`{"event":"note","file":…,"message":…}`);
/// progress every 10 % of a file of known length.
#[derive(Debug, Default)]
pub struct JsonLines {
    tenths: Tenths,
}

fn emit(value: serde_json::Value) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{value}");
}

impl Progress for JsonLines {
    fn start(&self, file: &str, total: Option<u64>, already: u64) {
        self.tenths.start(file, total, already);
        emit(
            serde_json::json!({"event": "start", "file": file, "total": total, "already": already}),
        );
    }
    fn advance(&self, file: &str, n: u64) {
        if let Some((bytes, total, _)) = self.tenths.advance(file, n) {
            emit(
                serde_json::json!({"event": "progress", "file": file, "bytes": bytes, "total": total}),
            );
        }
    }
    fn note(&self, file: &str, message: &str) {
        emit(serde_json::json!({"event": "note", "file": file, "message": message}));
    }
    fn done(&self, file: &str, bytes: u64, already_present: bool) {
        emit(
            serde_json::json!({"event": "done", "file": file, "bytes": bytes, "already_present": already_present}),
        );
    }
}
