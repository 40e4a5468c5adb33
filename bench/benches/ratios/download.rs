//! e. Download of one 256 MiB file from the loopback emulator: the backup crate's Downloader
//! against `curl -o` of the same URL; and the Downloader's peak memory against file size.

use super::*;

pub(crate) const BIG_KEY: &str = "bench-256.bin";
pub(crate) const BIG_SIZE: u64 = 256 << 20;
pub(crate) const SMALL_KEY: &str = "bench-64.bin";
pub(crate) const SMALL_SIZE: u64 = 64 << 20;
pub(crate) const MIB: f64 = (1u64 << 20) as f64;
/// Set by line e on the copy of this binary it runs to measure one download's peak RSS:
/// `download:<parallel_parts>:<size>:<dir>:<url>`.
pub(crate) const CHILD_ENV: &str = "SDKGEN_BENCH_CHILD";

/// A `Relink` that hands back the same link (the emulator's URLs stay valid 12 h).
pub(crate) struct SameLink(backup::BackupLink);

impl backup::Relink for SameLink {
    fn relink(
        &self,
    ) -> Pin<Box<dyn Future<Output = Result<Vec<backup::BackupLink>, backup::LinkError>> + Send + '_>>
    {
        Box::pin(async move { Ok(vec![self.0.clone()]) })
    }
}

pub(crate) fn backup_link(file_name: &str, url: &str, size: u64) -> backup::BackupLink {
    backup::BackupLink {
        operation: "bench",
        file_name: file_name.to_owned(),
        url: generated::runtime::SignedUrl::new(url),
        network: backup::Network::Public,
        expires_at: backup::Expiry::Unknown,
        size: Some(backup::Size::Exact(size)),
        md5: None,
        kind: None,
    }
}

pub(crate) fn downloader(parallel_parts: usize) -> backup::Downloader {
    backup::Downloader::new(backup::Options {
        parallel_parts,
        ..backup::Options::default()
    })
    .expect("downloader")
}

/// One `Downloader::fetch` of `link` into `dir` on `rt`, timed from the call to the verified
/// file in place; the file is deleted afterwards, untimed.
pub(crate) fn try_fetch_once(
    rt: &tokio::runtime::Runtime,
    d: &backup::Downloader,
    link: &backup::BackupLink,
    dir: &Path,
) -> Result<(Duration, backup::Fetched), backup::FetchError> {
    let dest = dir.join(&link.file_name);
    for stale in ["", ".part", ".part.meta", ".part.meta.tmp"] {
        let _ = std::fs::remove_file(dir.join(format!("{}{stale}", link.file_name)));
    }
    // The sender must live: a dropped sender reads as a cancellation.
    let (_cancel_tx, cancel) = tokio::sync::watch::channel(false);
    let relink = Arc::new(SameLink(link.clone()));
    let start = Instant::now();
    let fetched = rt.block_on(d.fetch(
        link.clone(),
        dir,
        relink,
        Arc::new(backup::progress::Quiet),
        cancel,
    ))?;
    let took = start.elapsed();
    std::fs::remove_file(&dest).expect("downloaded file");
    Ok((took, fetched))
}

/// [`try_fetch_once`] that must succeed.
pub(crate) fn fetch_once(
    rt: &tokio::runtime::Runtime,
    d: &backup::Downloader,
    link: &backup::BackupLink,
    dir: &Path,
) -> (Duration, backup::Fetched) {
    try_fetch_once(rt, d, link, dir).expect("the download succeeds")
}

/// One `curl -s -S -f -o <dir>/<name> <url>`, timed from spawn to exit; the file is checked
/// for its length and deleted afterwards, untimed.
pub(crate) fn curl_once(url: &str, dest: &Path, size: u64) -> Duration {
    let _ = std::fs::remove_file(dest);
    let start = Instant::now();
    let status = Command::new("curl")
        .args(["-s", "-S", "-f", "-o"])
        .arg(dest)
        .arg(url)
        .status()
        .expect("curl runs");
    let took = start.elapsed();
    assert!(status.success(), "curl failed: {status}");
    let len = std::fs::metadata(dest).expect("curl's file").len();
    assert_eq!(len, size, "curl's file length");
    std::fs::remove_file(dest).expect("curl's file");
    took
}

/// `VmHWM` (peak resident set) or `VmRSS` of this process, in bytes, from /proc/self/status.
pub(crate) fn proc_status_bytes(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kib: u64 = line[field.len()..]
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kib * 1024)
}

/// The child side of the peak-RSS measurement: one fetch (as the CLI does it: a multi-thread
/// runtime, one Downloader), then `rss_before=<bytes> hwm=<bytes>` on stdout.
pub(crate) fn download_child(spec: &str) {
    let mut it = spec.splitn(5, ':');
    let (Some("download"), Some(parts), Some(size), Some(dir), Some(url)) =
        (it.next(), it.next(), it.next(), it.next(), it.next())
    else {
        panic!("{CHILD_ENV}: expected download:<parts>:<size>:<dir>:<url>");
    };
    let parts: usize = parts.parse().expect("parts");
    let size: u64 = size.parse().expect("size");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let d = downloader(parts);
    let name = format!("child-{}-{size}.bin", std::process::id());
    let link = backup_link(&name, url, size);
    let before = proc_status_bytes("VmRSS:").expect("VmRSS");
    match try_fetch_once(&rt, &d, &link, Path::new(dir)) {
        Ok((_, fetched)) => assert_eq!(fetched.bytes, size),
        Err(e) => {
            println!("error={e}");
            std::process::exit(1);
        }
    }
    let hwm = proc_status_bytes("VmHWM:").expect("VmHWM");
    println!("rss_before={before} hwm={hwm}");
}

/// Runs this binary again as a child that downloads `url` once; its (RSS before the fetch,
/// peak RSS), or the child's error.
pub(crate) fn download_peak_rss(
    parts: usize,
    url: &str,
    size: u64,
    dir: &Path,
) -> Result<(u64, u64), String> {
    let exe = std::env::current_exe().expect("this binary");
    let out = Command::new(exe)
        .env(
            CHILD_ENV,
            format!("download:{parts}:{size}:{}:{url}", dir.display()),
        )
        .output()
        .expect("child runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        return Err(format!(
            "{} {}",
            stdout.trim(),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    let field = |name: &str| -> u64 {
        stdout
            .split_whitespace()
            .find_map(|w| w.strip_prefix(name))
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("child printed no {name}: {stdout}"))
    };
    Ok((field("rss_before="), field("hwm=")))
}

/// Removes the scratch directory however the section ends.
pub(crate) struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub(crate) fn download() -> Vec<bool> {
    const WARMUP: usize = 1;
    const ROUNDS: usize = 7;
    const MEM_REPEATS: usize = 3;
    let curl_ok = Command::new("curl")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !curl_ok {
        println!("e. download vs curl -o: SKIPPED (no `curl` on PATH)");
        return Vec::new();
    }
    // The emulator runs on its own runtime, as a separate server would: it serves curl while
    // this thread waits for the child process, and the Downloader's runtime is its own.
    let server = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    let emu = server
        .block_on(Emulator::start(generated::catalog::hand_written()))
        .expect("emulator starts");
    emu.put_object(BIG_KEY, BIG_SIZE);
    emu.put_object(SMALL_KEY, SMALL_SIZE);
    let big_url = emu.object_url(BIG_KEY);
    let small_url = emu.object_url(SMALL_KEY);
    let scratch =
        Scratch(std::env::temp_dir().join(format!("sdkgen-bench-download-{}", std::process::id())));
    let dir = scratch.0.as_path();
    std::fs::create_dir_all(dir).expect("scratch directory");
    let client = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let default_parts = backup::Options::default().parallel_parts;
    let parallel = downloader(default_parts);
    let single = downloader(1);
    let link = backup_link("ours-256.bin", &big_url, BIG_SIZE);
    let curl_dest = dir.join("curl-256.bin");

    // Sanity: both sides fetch the whole object; ours verified its size and CRC-64, in one
    // stream with `parallel_parts: 1` and in ranged parts by default.
    let (_, f) = fetch_once(&client, &single, &link, dir);
    assert_eq!((f.bytes, f.parts), (BIG_SIZE, 1), "{f:?}");
    assert!(
        f.verified.contains(&"crc64") && f.verified.contains(&"size"),
        "{f:?}"
    );
    // The default Options can fail (see BENCHMARKS.md, line e): failures are counted, never
    // hidden; a round's figure is its successful attempt.
    let failures = std::cell::RefCell::new((0usize, 0usize, String::new()));
    let fetch_counting = |d: &backup::Downloader| loop {
        let mut f = failures.borrow_mut();
        f.0 += 1;
        match try_fetch_once(&client, d, &link, dir) {
            Ok((took, fetched)) => {
                assert_eq!(
                    (fetched.bytes, fetched.parts),
                    (BIG_SIZE, d.options().parallel_parts)
                );
                assert!(fetched.verified.contains(&"crc64"), "{fetched:?}");
                break took;
            }
            Err(e) => {
                f.1 += 1;
                f.2 = e.to_string();
                assert!(f.1 <= 50, "the default Options keep failing: {e}");
            }
        }
    };
    fetch_counting(&parallel);
    let status = Command::new("curl")
        .args(["-s", "-S", "-f", "-o"])
        .arg(&curl_dest)
        .arg(&big_url)
        .status()
        .expect("curl runs");
    assert!(status.success());
    let mut crc = runtime::checksum::Crc64::new();
    let mut file = std::fs::File::open(&curl_dest).expect("curl's file");
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buf).expect("read");
        if n == 0 {
            break;
        }
        crc.update(&buf[..n]);
    }
    assert_eq!(
        crc.finish(),
        emu.object_info(BIG_KEY).expect("object").crc64
    );
    std::fs::remove_file(&curl_dest).expect("curl's file");

    if std::env::var("SDKGEN_BENCH_ONLY").is_ok_and(|o| o.split(',').any(|s| s.trim() == "e-diag"))
    {
        download_diag(&client, &big_url, dir);
        return Vec::new();
    }

    let mut results = Vec::new();
    let s = interleave_timed(
        WARMUP,
        ROUNDS,
        || fetch_counting(&parallel),
        || curl_once(&big_url, &curl_dest, BIG_SIZE),
    );
    let (attempts, failed, last_error) = failures.borrow().clone();
    let label = format!(
        "e1. download 256 MiB, default Options: {default_parts} parallel parts (ours / curl -o, throughput)"
    );
    let note = (failed > 0).then(|| {
        format!(
            "verdict: target {} NOT met: {failed} of {attempts} downloads with the default Options \
             FAILED (figures of the successful ones); last error: {last_error}",
            Target::AtLeast(0.95)
        )
    });
    let met = print_throughput(
        &label,
        ("ours", "curl"),
        BIG_SIZE,
        &s,
        Target::AtLeast(0.95),
        note.as_deref(),
    );
    results.push(met && failed == 0);
    let s = interleave_timed(
        WARMUP,
        ROUNDS,
        || fetch_once(&client, &single, &link, dir).0,
        || curl_once(&big_url, &curl_dest, BIG_SIZE),
    );
    let met = print_throughput(
        "e1*. download 256 MiB, one stream, parallel_parts: 1 (ours / curl -o, throughput)",
        ("ours", "curl"),
        BIG_SIZE,
        &s,
        Target::AtLeast(0.95),
        None,
    );
    println!(
        "   informational (not counted): the same target {} by a single stream",
        if met { "met" } else { "NOT met" }
    );

    // Peak memory: one child process per download, default Options, interleaved sizes; a
    // failed child is run again and counted.
    let mut peaks: [Vec<(u64, u64)>; 2] = [Vec::new(), Vec::new()];
    let mut child_failures = 0;
    for _ in 0..MEM_REPEATS {
        for (i, (url, size)) in [(&small_url, SMALL_SIZE), (&big_url, BIG_SIZE)]
            .into_iter()
            .enumerate()
        {
            let p = loop {
                match download_peak_rss(default_parts, url, size, dir) {
                    Ok(p) => break p,
                    Err(e) => {
                        child_failures += 1;
                        assert!(child_failures <= 50, "peak RSS child ({size} bytes): {e}");
                    }
                }
            };
            peaks[i].push(p);
        }
    }
    let med = |v: &[(u64, u64)], f: fn(&(u64, u64)) -> u64| {
        median(&v.iter().map(|p| f(p) as f64).collect::<Vec<_>>())
    };
    let (hwm_small, hwm_big) = (med(&peaks[0], |p| p.1), med(&peaks[1], |p| p.1));
    let (base_small, base_big) = (med(&peaks[0], |p| p.0), med(&peaks[1], |p| p.0));
    let max_hwm = |v: &[(u64, u64)]| v.iter().map(|p| p.1).max().unwrap_or(0) as f64 / MIB;
    let options = format!("default Options, {default_parts} parts for both sizes");
    println!(
        "e2. Downloader peak RSS, 256 MiB file / 64 MiB file ({options}; one child process \
         per download): {:.2}×  (64 MiB: peak {:.1} MiB, +{:.1} MiB over the {:.1} MiB before the \
         fetch; 256 MiB: peak {:.1} MiB, +{:.1} MiB over {:.1} MiB; medians of {MEM_REPEATS}, \
         largest peaks {:.1} / {:.1} MiB)",
        hwm_big / hwm_small,
        hwm_small / MIB,
        (hwm_small - base_small) / MIB,
        base_small / MIB,
        hwm_big / MIB,
        (hwm_big - base_big) / MIB,
        base_big / MIB,
        max_hwm(&peaks[0]),
        max_hwm(&peaks[1]),
    );
    let independent = hwm_big <= hwm_small + 16.0 * MIB;
    println!(
        "   verdict: target \"independent of size\" (the 256 MiB peak within +16 MiB of the \
         64 MiB one; a buffered file would add 192 MiB) {}",
        if independent { "met" } else { "NOT met" }
    );
    if child_failures > 0 {
        println!("   ({child_failures} child downloads failed and were run again)");
    }
    results.push(independent);
    drop(emu);
    results
}

/// Experiments behind line e (`SDKGEN_BENCH_ONLY=e-diag`, not part of a run): where the
/// Downloader's time goes, each figure the median of 5 interleaved rounds.
pub(crate) fn download_diag(client: &tokio::runtime::Runtime, url: &str, dir: &Path) {
    const ROUNDS: usize = 5;
    let dest = dir.join("diag.bin");
    let fdatasync = |p: &Path| {
        std::fs::File::open(p)
            .and_then(|f| f.sync_data())
            .expect("fdatasync")
    };
    let http = reqwest::Client::new();
    let single = downloader(1);
    let nine = downloader(9);
    let link = backup_link("diag-ours.bin", url, BIG_SIZE);
    type Side<'a> = (&'a str, Box<dyn FnMut() -> Duration + 'a>);
    let mut sides: Vec<Side> = vec![
        ("curl -o", Box::new(|| curl_once(url, &dest, BIG_SIZE))),
        (
            "curl -o, then fdatasync",
            Box::new(|| {
                let _ = std::fs::remove_file(&dest);
                let start = Instant::now();
                let ok = Command::new("curl")
                    .args(["-s", "-S", "-f", "-o"])
                    .arg(&dest)
                    .arg(url)
                    .status()
                    .is_ok_and(|s| s.success());
                assert!(ok);
                fdatasync(&dest);
                let took = start.elapsed();
                std::fs::remove_file(&dest).expect("file");
                took
            }),
        ),
        (
            "plain reqwest, one stream, write_all per chunk, no fsync, no check",
            Box::new(|| {
                let _ = std::fs::remove_file(&dest);
                let start = Instant::now();
                client.block_on(async {
                    use std::io::Write;
                    let mut out = std::fs::File::create(&dest).expect("create");
                    let mut resp = http.get(url).send().await.expect("sent");
                    while let Some(chunk) = resp.chunk().await.expect("chunk") {
                        out.write_all(&chunk).expect("write");
                    }
                });
                let took = start.elapsed();
                assert_eq!(std::fs::metadata(&dest).expect("file").len(), BIG_SIZE);
                std::fs::remove_file(&dest).expect("file");
                took
            }),
        ),
        (
            "verification pass alone (fdatasync'd file in page cache: read + CRC-64)",
            Box::new(|| {
                let _ = std::fs::remove_file(&dest);
                let ok = Command::new("curl")
                    .args(["-s", "-S", "-f", "-o"])
                    .arg(&dest)
                    .arg(url)
                    .status()
                    .is_ok_and(|s| s.success());
                assert!(ok);
                fdatasync(&dest);
                let start = Instant::now();
                let mut f = std::fs::File::open(&dest).expect("file");
                let mut crc = runtime::checksum::Crc64::new();
                let mut buf = vec![0u8; 1 << 20];
                loop {
                    let n = f.read(&mut buf).expect("read");
                    if n == 0 {
                        break;
                    }
                    crc.update(&buf[..n]);
                }
                black_box(crc.finish());
                let took = start.elapsed();
                std::fs::remove_file(&dest).expect("file");
                took
            }),
        ),
        (
            "ours, parallel_parts: 1",
            Box::new(|| fetch_once(client, &single, &link, dir).0),
        ),
        (
            "ours, parallel_parts: 9 (parts under 32 MiB: no mid-transfer fsync + sidecar)",
            Box::new(|| fetch_once(client, &nine, &link, dir).0),
        ),
    ];
    let mut times: Vec<Vec<f64>> = vec![Vec::new(); sides.len()];
    for round in 0..ROUNDS {
        let n = sides.len();
        for k in 0..n {
            let i = if round % 2 == 0 { k } else { n - 1 - k };
            times[i].push(sides[i].1().as_secs_f64());
        }
    }
    for ((name, _), t) in sides.iter().zip(&times) {
        let m = median(t);
        println!(
            "e-diag. {name}: {:.2} ms, {:.0} MB/s (median of {ROUNDS})",
            m * 1e3,
            BIG_SIZE as f64 / m / 1e6
        );
    }
}
