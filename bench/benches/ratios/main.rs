//! `cargo bench -p bench`: each comparison prints one ratio against a baseline measured in
//! the same process, interleaved (see the `bench` library), and a verdict against its target.
//! BENCHMARKS.md records a run.

mod call;
mod decoding;
mod download;
mod pagination;
mod signing;

use call::*;
use decoding::*;
use download::*;
use pagination::*;
use signing::*;

use std::hint::black_box;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use bench::{
    Target, interleave, interleave_async, interleave_timed, median, print_throughput, report,
};
use emulator::Emulator;
use generated::runtime::{ClientConfig, TencentCredentials};
use generated::tencent::redis::{
    self, DescribeBackupUrlError, DescribeBackupUrlRequest, DescribeBackupUrlResponse, catalog,
};
use runtime::OperationInfo;
use runtime::protocols::encoding::form_urlencode;
use runtime::protocols::{huawei, tencent_v3};
use serde::{Deserialize, Serialize};

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

fn main() {
    // A child of line e (`download_peak_rss`): one download, then its peak RSS, and exit.
    if let Ok(spec) = std::env::var(CHILD_ENV) {
        download_child(&spec);
        return;
    }
    println!(
        "sdkgen ratios ({} {}, {} logical CPUs)",
        std::env::consts::OS,
        std::env::consts::ARCH,
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    let mut met = 0;
    let mut total = 0;
    let mut count = |ok: bool| {
        total += 1;
        met += usize::from(ok);
    };
    // `SDKGEN_BENCH_ONLY=a,c` runs only those sections (for profiling); unset: all.
    let only = std::env::var("SDKGEN_BENCH_ONLY").ok();
    let run = |section: &str| {
        only.as_deref()
            .is_none_or(|o| o.split(',').any(|s| s.trim() == section))
    };
    if run("a") || only.as_deref().is_some_and(|o| o.starts_with("a-")) {
        count(full_call());
    }
    if only.as_deref().is_some_and(|o| o.contains("sign-only")) {
        sign_only();
    }
    if run("b") {
        let (tc3, hw) = signing();
        count(tc3);
        count(hw);
    }
    if run("c")
        || only
            .as_deref()
            .is_some_and(|o| o.starts_with("c1-") || o.starts_with("c2-"))
    {
        let (tencent, huawei) = decoding();
        count(tencent);
        count(huawei);
    }
    if run("p") {
        count(pagination());
    }
    if run("e")
        || only
            .as_deref()
            .is_some_and(|o| o.split(',').any(|s| s.trim() == "e-diag"))
    {
        for ok in download() {
            count(ok);
        }
    }
    println!("{met}/{total} targets met");
}
