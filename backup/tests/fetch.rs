//! End to end against the embedded emulator: link API → signed link → file on disk →
//! verified, for every seed operation; then resume, restart, link renewal, faults, integrity
//! and cancellation, each checked on what reached the disk and what crossed the wire.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use backup::emulated::{self, Setup};
use backup::progress::Quiet;
use backup::{Downloader, FetchError, Fetched, Options, Source};
use emulator::{ObjectFault, Reply};
use tokio::sync::watch;

const SIZE: u64 = 300_000 + 17;

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cloud-backup-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn options() -> Options {
    Options {
        backoff: Duration::from_millis(10),
        max_backoff: Duration::from_millis(50),
        stall_timeout: Duration::from_secs(5),
        part_threshold: u64::MAX,
        ..Options::default()
    }
}

fn backup_of<'a>(setup: &'a Setup, operation: &str) -> &'a emulated::Emulated {
    setup
        .backups
        .iter()
        .find(|b| b.source.operation() == operation)
        .expect("seed backup")
}

async fn fetch_with(
    setup: &Setup,
    source: &Source,
    dir: &Path,
    options: Options,
) -> Vec<Result<Fetched, FetchError>> {
    let (_tx, cancel) = watch::channel(false);
    let downloader = Downloader::new(options).expect("http client");
    backup::fetch(
        source,
        &setup.clients,
        &downloader,
        dir,
        Arc::new(Quiet),
        cancel,
    )
    .await
    .expect("link API")
}

/// Every file of `files` is at its final path with the emulator's exact bytes, and no
/// `.part` or sidecar is left.
fn assert_on_disk(setup: &Setup, dir: &Path, files: &[(String, u64)]) {
    for (key, size) in files {
        let got = std::fs::read(dir.join(key)).expect("final file");
        assert_eq!(got.len() as u64, *size, "{key}");
        assert!(
            got == setup.emulator.object_content(key, 0..*size),
            "{key}: content differs"
        );
    }
    let leftovers: Vec<_> = std::fs::read_dir(dir)
        .expect("dir")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".part"))
        .collect();
    assert!(leftovers.is_empty(), "left behind: {leftovers:?}");
}

async fn seed(operation: &str, checks: &[&str]) {
    let setup = emulated::start(SIZE).await.expect("emulator");
    let b = backup_of(&setup, operation).clone();
    let dir = scratch(operation);
    let results = fetch_with(&setup, &b.source, &dir, options()).await;
    assert_eq!(results.len(), b.files.len());
    for r in &results {
        let f = r.as_ref().expect("verified file");
        assert_eq!(f.verified, checks, "{}", f.path.display());
        assert!(!f.already_present);
    }
    assert_on_disk(&setup, &dir, &b.files);
    // A second run finds the files in place and downloads nothing.
    let again = fetch_with(&setup, &b.source, &dir, options()).await;
    assert!(
        again
            .iter()
            .all(|r| r.as_ref().is_ok_and(|f| f.already_present))
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seed_000_cdb_get_export_backup_url() {
    seed("GetExportBackupUrl", &["size", "crc64"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seed_001_redis_get_backup_download_url() {
    seed("GetBackupDownloadUrl", &["crc64"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seed_002_redis_describe_backup_url() {
    seed("DescribeBackupUrl", &["size", "crc64"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seed_003_udb_describe_udb_instance_backup_url() {
    seed("DescribeUDBInstanceBackupURL", &["md5", "crc64"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seed_004_dds_download_file() {
    seed("download-file", &["size≈", "crc64"]).await;
}

/// The Redis API 2.0 backup: one file, the simplest to fault.
async fn redis_v2(size: u64) -> (Setup, Source, (String, u64)) {
    let setup = emulated::start(size).await.expect("emulator");
    let b = backup_of(&setup, "GetBackupDownloadUrl").clone();
    (setup, b.source, b.files[0].clone())
}

fn link_calls(setup: &Setup, operation: &str) -> usize {
    setup
        .emulator
        .requests()
        .iter()
        .filter(|r| r.operation == Some(operation))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cut_at_40_percent_resumes_instead_of_restarting() {
    let size = 1 << 20;
    let (setup, source, (key, _)) = redis_v2(size).await;
    setup
        .emulator
        .queue_object_faults(&key, [ObjectFault::CutAfter(size * 4 / 10)]);
    let dir = scratch("resume");
    let f = fetch_with(&setup, &source, &dir, options())
        .await
        .remove(0)
        .expect("file");
    assert!(
        (f.transferred as f64) < 1.1 * size as f64,
        "transferred {} for {size}",
        f.transferred
    );
    assert_eq!((f.restarts, f.relinks), (0, 0));
    let gets: Vec<_> = setup.emulator.object_requests();
    assert_eq!(gets.len(), 2, "{gets:?}");
    let resumed_range = format!("bytes={}-{}", size * 4 / 10, size - 1);
    assert_eq!(gets[1].range.as_deref(), Some(&*resumed_range));
    assert!(gets[1].if_range.is_some(), "resumed without If-Range");
    assert_on_disk(&setup, &dir, &[(key, size)]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_changed_object_restarts_and_never_splices() {
    let size = 1 << 20;
    let (setup, source, (key, _)) = redis_v2(size).await;
    setup.emulator.queue_object_faults(
        &key,
        [ObjectFault::CutAfter(size / 2), ObjectFault::ChangeBefore],
    );
    let dir = scratch("changed");
    let f = fetch_with(&setup, &source, &dir, options())
        .await
        .remove(0)
        .expect("file");
    assert_eq!(f.restarts, 1);
    // The content on disk is wholly the new version (assert_on_disk reads the current one).
    assert_on_disk(&setup, &dir, &[(key, size)]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_link_is_renewed_once_per_expiry() {
    let size = 1 << 20;
    let (setup, source, (key, _)) = redis_v2(size).await;
    setup.emulator.queue_object_faults(
        &key,
        [
            ObjectFault::Expired,
            ObjectFault::CutAfter(size / 3),
            ObjectFault::Expired,
        ],
    );
    let dir = scratch("expired");
    let f = fetch_with(&setup, &source, &dir, options())
        .await
        .remove(0)
        .expect("file");
    assert_eq!(f.relinks, 2);
    assert_eq!(link_calls(&setup, "GetBackupDownloadUrl"), 3);
    assert!((f.transferred as f64) < 1.1 * size as f64);
    assert_on_disk(&setup, &dir, &[(key, size)]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_parts_renew_an_expired_link_once() {
    let size = 2 << 20;
    let (setup, source, (key, _)) = redis_v2(size).await;
    // The first request (which plans the parts) gets its headers; one part request after it
    // finds the link expired.
    setup
        .emulator
        .queue_object_faults(&key, [ObjectFault::CutAfter(0), ObjectFault::Expired]);
    let dir = scratch("parts");
    let opts = Options {
        part_threshold: 1 << 20,
        parallel_parts: 4,
        ..options()
    };
    let f = fetch_with(&setup, &source, &dir, opts)
        .await
        .remove(0)
        .expect("file");
    assert_eq!(f.relinks, 1);
    assert_eq!(link_calls(&setup, "GetBackupDownloadUrl"), 2);
    assert_on_disk(&setup, &dir, &[(key, size)]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_file_comes_in_parallel_ranged_parts() {
    let size = 4 << 20;
    let (setup, source, (key, _)) = redis_v2(size).await;
    let dir = scratch("ranged");
    let opts = Options {
        part_threshold: 1 << 20,
        parallel_parts: 4,
        ..options()
    };
    let f = fetch_with(&setup, &source, &dir, opts)
        .await
        .remove(0)
        .expect("file");
    assert_eq!(f.parts, 4);
    assert_eq!(f.verified, ["crc64"]);
    let ranges: Vec<_> = setup
        .emulator
        .object_requests()
        .into_iter()
        .filter_map(|r| r.range)
        .collect();
    assert!(
        ranges.contains(&"bytes=3145728-4194303".to_owned()),
        "{ranges:?}"
    );
    assert_on_disk(&setup, &dir, &[(key, size)]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_errors_and_stalls_are_retried() {
    let size = 1 << 20;
    let (setup, source, (key, _)) = redis_v2(size).await;
    setup.emulator.queue_object_faults(
        &key,
        [
            ObjectFault::Status(503),
            ObjectFault::StallAfter {
                bytes: 100_000,
                for_: Duration::from_secs(3),
            },
            ObjectFault::Status(500),
        ],
    );
    let dir = scratch("retries");
    let opts = Options {
        stall_timeout: Duration::from_millis(300),
        ..options()
    };
    let f = fetch_with(&setup, &source, &dir, opts)
        .await
        .remove(0)
        .expect("file");
    assert!((f.transferred as f64) < 1.1 * size as f64);
    assert_on_disk(&setup, &dir, &[(key, size)]);
}

fn assert_nothing_kept(dir: &Path, key: &str) {
    assert!(!dir.join(key).exists(), "unverified file at the final path");
    assert!(!dir.join(format!("{key}.part")).exists(), "bad data kept");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corrupted_byte_fails_the_crc_and_keeps_nothing() {
    let (setup, source, (key, _)) = redis_v2(SIZE).await;
    setup
        .emulator
        .queue_object_faults(&key, [ObjectFault::CorruptByte(1234)]);
    let dir = scratch("corrupt");
    let e = fetch_with(&setup, &source, &dir, options())
        .await
        .remove(0)
        .unwrap_err();
    let FetchError::Mismatch { check, .. } = &e else {
        panic!("{e}")
    };
    assert_eq!(*check, "crc64");
    assert!(e.to_string().contains("expected"), "{e}");
    assert_nothing_kept(&dir, &key);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_md5_fails_and_keeps_nothing() {
    let setup = emulated::start(SIZE).await.expect("emulator");
    let b = backup_of(&setup, "DescribeUDBInstanceBackupURL").clone();
    let key = b.files[0].0.clone();
    setup.emulator.set_reply(
        "DescribeUDBInstanceBackupURL",
        Reply::Template(format!(
            r#"{{"Action":"DescribeUDBInstanceBackupURLResponse","BackupPath":"{{{{url:{key}}}}}","MD5":"0123456789abcdef0123456789abcdef","RetCode":0}}"#
        )),
    );
    let dir = scratch("md5");
    let e = fetch_with(&setup, &b.source, &dir, options())
        .await
        .remove(0)
        .unwrap_err();
    assert!(
        matches!(&e, FetchError::Mismatch { check: "md5", expected, .. } if expected == "0123456789abcdef0123456789abcdef"),
        "{e}"
    );
    assert_nothing_kept(&dir, &key);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_shorter_than_the_api_says_fails_and_keeps_nothing() {
    let setup = emulated::start(SIZE).await.expect("emulator");
    let b = backup_of(&setup, "GetExportBackupUrl").clone();
    let key = b.files[0].0.clone();
    setup.emulator.set_reply(
        "GetExportBackupUrl",
        Reply::Template(format!(
            r#"{{"code":0,"message":"","data":[{{"file_name":"{key}","size":"{}","in_url":"{{{{url:{key}}}}}"}}]}}"#,
            SIZE + 10
        )),
    );
    let dir = scratch("short");
    let e = fetch_with(&setup, &b.source, &dir, options())
        .await
        .remove(0)
        .unwrap_err();
    assert!(
        matches!(&e, FetchError::Mismatch { check: "size", .. }),
        "{e}"
    );
    assert_nothing_kept(&dir, &key);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_link_that_stays_refused_ends_in_a_clear_error() {
    let (setup, source, (key, _)) = redis_v2(SIZE).await;
    setup
        .emulator
        .queue_object_faults(&key, std::iter::repeat_n(ObjectFault::Expired, 10));
    let dir = scratch("refused");
    let e = fetch_with(&setup, &source, &dir, options())
        .await
        .remove(0)
        .unwrap_err();
    assert!(matches!(e, FetchError::LinkRefused { .. }), "{e}");
    assert!(e.to_string().contains("Request has expired"), "{e}");
    assert!(!e.to_string().contains("sign="), "a signed URL leaked: {e}");
    assert!(!dir.join(&key).exists(), "a file at the final path");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelling_keeps_a_resumable_part() {
    let size = 1 << 20;
    let (setup, source, (key, _)) = redis_v2(size).await;
    setup.emulator.queue_object_faults(
        &key,
        [ObjectFault::StallAfter {
            bytes: size / 2,
            for_: Duration::from_secs(30),
        }],
    );
    let dir = scratch("cancel");
    let (tx, cancel) = watch::channel(false);
    // The stall outlasts the test; only the cancellation may end the first run.
    let downloader = Downloader::new(Options {
        stall_timeout: Duration::from_secs(60),
        ..options()
    })
    .expect("http client");
    let seen = Arc::new(Counter::default());
    let run = backup::fetch(
        &source,
        &setup.clients,
        &downloader,
        &dir,
        Arc::clone(&seen) as Arc<dyn backup::progress::Progress>,
        cancel,
    );
    let stop = async {
        // Wait until half the file has arrived, then cancel as Ctrl-C would.
        for _ in 0..400 {
            if seen.0.load(std::sync::atomic::Ordering::SeqCst) >= size / 2 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        let _ = tx.send(true);
    };
    let (results, ()) = tokio::join!(run, stop);
    let e = results.expect("links").remove(0).unwrap_err();
    assert!(matches!(e, FetchError::Cancelled { .. }), "{e}");
    assert!(dir.join(format!("{key}.part")).exists());
    assert!(!dir.join(&key).exists());
    // The next run resumes from the half on disk.
    let f = fetch_with(&setup, &source, &dir, options())
        .await
        .remove(0)
        .expect("file");
    assert!(
        f.resumed_from >= size / 2,
        "resumed from {}",
        f.resumed_from
    );
    assert_eq!(f.transferred, size - f.resumed_from);
    assert_on_disk(&setup, &dir, &[(key, size)]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_link_past_its_expiry_is_renewed_before_the_first_request() {
    let (setup, source, (key, size)) = redis_v2(SIZE).await;
    let mut links = source.links(&setup.clients).await.expect("links");
    let mut link = backup::download::choose(&links, None).remove(0);
    link.expires_at = backup::Expiry::At(time::OffsetDateTime::now_utc() - Duration::from_secs(1));
    links.clear();
    let relink = Arc::new(backup::SourceRelink {
        source: source.clone(),
        clients: setup.clients.clone(),
    });
    let dir = scratch("stale");
    let (_tx, cancel) = watch::channel(false);
    let f = Downloader::new(options())
        .expect("client")
        .fetch(link, &dir, relink, Arc::new(Quiet), cancel)
        .await
        .expect("file");
    assert_eq!(f.relinks, 1);
    assert_eq!(link_calls(&setup, "GetBackupDownloadUrl"), 2);
    assert_on_disk(&setup, &dir, &[(key, size)]);
}

/// Counts the bytes a download reports.
#[derive(Default)]
struct Counter(std::sync::atomic::AtomicU64);

impl backup::progress::Progress for Counter {
    fn start(&self, _: &str, _: Option<u64>, _: u64) {}
    fn advance(&self, _: &str, n: u64) {
        self.0.fetch_add(n, std::sync::atomic::Ordering::SeqCst);
    }
    fn note(&self, _: &str, _: &str) {}
    fn done(&self, _: &str, _: u64, _: bool) {}
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_ignores_the_range_gets_the_file_started_over() {
    let size = 1 << 20;
    let (setup, source, (key, _)) = redis_v2(size).await;
    setup.emulator.queue_object_faults(
        &key,
        [ObjectFault::CutAfter(size / 2), ObjectFault::IgnoreRange],
    );
    let dir = scratch("ignored-range");
    let f = fetch_with(&setup, &source, &dir, options())
        .await
        .remove(0)
        .expect("file");
    // The half on disk is thrown away and the whole object taken from the 200.
    assert_eq!(f.transferred, size / 2 + size);
    let statuses: Vec<u16> = setup
        .emulator
        .object_requests()
        .iter()
        .map(|r| r.status)
        .collect();
    assert_eq!(statuses, [206, 200]);
    assert_on_disk(&setup, &dir, &[(key, size)]);
}

fn quick_wait() -> generated::runtime::WaitOptions {
    generated::runtime::WaitOptions::new()
        .delay(Duration::from_millis(1), Duration::from_millis(10))
        .max_wait(Duration::from_secs(10))
}

/// Takes `fresh` on the emulator: the create call is made once, the waiter polls through
/// "in progress" to "complete", and the source it yields fetches verified files.
async fn fresh(fresh: backup::Fresh, create: &str, poll: &str, expect: Source) {
    let setup = emulated::start(SIZE).await.expect("emulator");
    setup.serve_fresh(&fresh);
    let started = std::sync::Mutex::new(Vec::new());
    let source = fresh
        .take(&setup.clients, &quick_wait(), |id| {
            started.lock().expect("lock").push(id.to_owned())
        })
        .await
        .expect("backup taken");
    assert_eq!(source, expect);
    assert_eq!(started.into_inner().expect("lock").len(), 1);
    let log = setup.emulator.requests();
    let calls = |op: &str| log.iter().filter(|r| r.operation == Some(op)).count();
    assert_eq!(calls(create), 1, "{create}");
    assert_eq!(calls(poll), 2, "{poll}: one poll in progress, one complete");
    let b = backup_of(&setup, source.operation()).clone();
    let dir = scratch(create);
    let results = fetch_with(&setup, &source, &dir, options()).await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    assert_on_disk(&setup, &dir, &b.files);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fresh_cdb_backup_is_waited_for_then_exported() {
    fresh(
        backup::Fresh::Cdb {
            instance_id: "cdb-c1nl9rpv".into(),
            databases: vec![],
        },
        "CreateBackup",
        "DescribeBackups",
        Source::CdbExport {
            instance_id: "cdb-c1nl9rpv".into(),
            date: "2016-07-06 01:04:54".into(),
            databases: vec![],
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fresh_redis_backup_is_found_by_its_remark_once_the_task_succeeds() {
    fresh(
        backup::Fresh::Redis {
            instance_id: "crs-4y9t57vt".into(),
            remark: "cloud-backup-test".into(),
        },
        "ManualBackupInstance",
        "DescribeTaskInfo",
        Source::RedisV3 {
            instance_id: "crs-4y9t57vt".into(),
            backup_id: "678362566696298532848117".into(),
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fresh_udb_backup_is_waited_for_by_its_state() {
    fresh(
        backup::Fresh::Udb {
            region: "cn-bj2".into(),
            db_id: "udb-xxx".into(),
            name: "cloud-backup-test".into(),
            valid_time: Duration::from_secs(4 * 3600),
        },
        "BackupUDBInstance",
        "DescribeUDBInstanceBackupState",
        Source::Udb {
            region: "cn-bj2".into(),
            db_id: "udb-xxx".into(),
            backup_id: 1234,
            valid_time: Duration::from_secs(4 * 3600),
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fresh_dds_backup_is_waited_for_in_the_backup_list() {
    fresh(
        backup::Fresh::Dds {
            instance_id: "befb1cfe1f96403780396b0c54f85d11in02".into(),
            name: "cloud-backup-test".into(),
        },
        "CreateManualBackup",
        "ListBackups",
        Source::Dds {
            instance_id: "befb1cfe1f96403780396b0c54f85d11in02".into(),
            backup_id: "bd062e1af2d248b3bb4cd3dbb4183888br02".into(),
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_fresh_backup_is_a_link_error_naming_the_state() {
    let setup = emulated::start(SIZE).await.expect("emulator");
    let f = backup::Fresh::Dds {
        instance_id: "befb1cfe1f96403780396b0c54f85d11in02".into(),
        name: "cloud-backup-test".into(),
    };
    setup.serve_fresh(&f);
    setup.emulator.set_reply(
        "ListBackups",
        Reply::Template(
            r#"{"backups":[{"id":"bd062e1af2d248b3bb4cd3dbb4183888br02","status":"FAILED"}],"total_count":1}"#.into(),
        ),
    );
    let err = f
        .take(&setup.clients, &quick_wait(), |_| {})
        .await
        .expect_err("the backup failed");
    let text = err.to_string();
    assert!(
        text.contains("ListBackups failed") && text.contains("failure state `FAILED`"),
        "{text}"
    );
}
