//! The `cloud-backup` binary as a user runs it: exit codes, redaction, JSON output.

use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cloud-backup"))
        .args(args)
        // No vendor keys from the machine running the tests.
        .env_remove("TENCENTCLOUD_SECRET_ID")
        .env_remove("TENCENTCLOUD_SECRET_KEY")
        .env_remove("UCLOUD_PUBLIC_KEY")
        .env_remove("UCLOUD_PRIVATE_KEY")
        .env_remove("HUAWEICLOUD_SDK_AK")
        .env_remove("HUAWEICLOUD_SDK_SK")
        .output()
        .expect("runs")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn links_are_redacted_unless_asked() {
    let o = run(&["links", "--all", "--endpoint", "emulator"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let out = text(&o);
    assert!(out.contains("<redacted>"), "{out}");
    assert!(!out.contains("sign="), "a signed URL leaked:\n{out}");
    for op in [
        "GetExportBackupUrl",
        "GetBackupDownloadUrl",
        "DescribeBackupUrl",
        "DescribeUDBInstanceBackupURL",
        "download-file",
    ] {
        assert!(out.contains(op), "{op} missing:\n{out}");
    }
    let shown = text(&run(&[
        "links",
        "--all",
        "--endpoint",
        "emulator",
        "--show-urls",
    ]));
    assert!(shown.contains("sign="), "{shown}");
}

#[test]
fn links_as_json() {
    let o = run(&["links", "--all", "--endpoint", "emulator", "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("one JSON document");
    let links = v.as_array().expect("array");
    // 000: 1 private; 001: 2; 002: 2 files × 2; 003: 2; 004: 1.
    assert_eq!(links.len(), 10, "{v}");
    let dds = links
        .iter()
        .find(|l| l["operation"] == "download-file")
        .expect("dds link");
    assert_eq!(dds["size_exact"], false);
    assert!(dds["expires_at"].is_string());
}

/// The JSON-lines summary of a `fetch --json` run.
fn summary(o: &Output) -> serde_json::Value {
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|v| v["event"] == "summary")
        .expect("summary line")
}

#[test]
fn fetch_all_against_the_emulator_verifies_every_file() {
    let dir = std::env::temp_dir().join(format!("cloud-backup-cli-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let o = run(&[
        "fetch",
        "--all",
        "--endpoint",
        "emulator",
        "--emulator-size",
        "200000",
        "--dest",
        dir.to_str().expect("utf-8 path"),
        "--json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let summary = summary(&o);
    assert_eq!(summary["verified"], 6);
    assert_eq!(summary["failed"], 0);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn fetch_all_fresh_takes_a_backup_per_api_waits_and_verifies_it() {
    let dir = std::env::temp_dir().join(format!("cloud-backup-cli-fresh-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let o = run(&[
        "fetch",
        "--all",
        "--fresh",
        "--endpoint",
        "emulator",
        "--emulator-size",
        "100000",
        "--dest",
        dir.to_str().expect("utf-8 path"),
        "--json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let summary = summary(&o);
    // cdb, Redis (two files), UDB and DDS: the Redis API 2.0 link API has no create call.
    assert_eq!(summary["verified"], 5);
    assert_eq!(summary["failed"], 0);
    let o = run(&[
        "links",
        "--api",
        "redis-v2",
        "--instance",
        "x",
        "--fresh",
        "--endpoint",
        "emulator",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("redis-v2 has no create call"),
        "{}",
        text(&o)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn usage_and_credential_errors_have_their_exit_codes() {
    assert_eq!(
        run(&["fetch", "--all", "--endpoint", "emulator"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(run(&["links", "--api", "redis"]).status.code(), Some(2));
    let o = run(&[
        "links",
        "--api",
        "redis",
        "--instance",
        "crs-1",
        "--backup-id",
        "1",
        "--region",
        "ap-guangzhou",
    ]);
    assert_eq!(o.status.code(), Some(4), "{}", text(&o));
    assert!(text(&o).contains("TENCENTCLOUD_SECRET_ID"), "{}", text(&o));
}

#[test]
fn help_explains_itself() {
    let o = run(&["--help"]);
    assert_eq!(o.status.code(), Some(0));
    let out = text(&o);
    for needle in ["Exit codes", "--endpoint emulator", "fetch", "links"] {
        assert!(out.contains(needle), "{needle}:\n{out}");
    }
}
