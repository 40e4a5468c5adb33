//! Credential chains end to end: each step of each vendor's default chain wins when it
//! should, temporary keys from the emulator's metadata services are used, cached, refreshed
//! ahead of expiry and rotated, and every bad input is a clear error that never shows a
//! secret.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use emulator::{Emulator, Verdict};
use generated::runtime::credentials::{Lookup, ProviderError};
use generated::runtime::{ClientConfig, HuaweiCredentials, TencentCredentials, UCloudCredentials};
use generated::tencent::redis;

async fn start() -> Emulator {
    tests::seed_emulator().await
}

fn vars(pairs: &[(&'static str, String)]) -> Lookup {
    let pairs = pairs.to_vec();
    Lookup::from_fn(move |name| {
        pairs
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.into())
    })
}

fn none() -> Lookup {
    Lookup::from_fn(|_| None)
}

/// A scratch directory removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("sdkgen-creds-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("scratch dir");
        Self(dir)
    }

    fn write(&self, rel: &str, text: &str) -> PathBuf {
        let path = self.0.join(rel);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, text).expect("write");
        path
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn config(emu: &Emulator) -> ClientConfig {
    ClientConfig::new()
        .region("ap-guangzhou")
        .endpoint(emu.endpoint())
        .max_attempts(1)
}

fn request() -> redis::DescribeBackupUrlRequest {
    redis::catalog::describe_backup_url::example().expect("example")
}

/// An unreachable metadata service (a closed port on loopback).
fn closed_port() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = l.local_addr().expect("addr");
    drop(l);
    format!("http://{addr}")
}

fn id_of(c: &generated::runtime::Credentials) -> String {
    if let Some(t) = c.tencent() {
        t.secret_id.clone()
    } else if let Some(h) = c.huawei() {
        h.ak.clone()
    } else if let Some(u) = c.ucloud() {
        u.public_key.clone()
    } else {
        String::new()
    }
}

#[tokio::test]
async fn tencent_environment_wins_over_file_and_metadata() {
    let emu = start().await;
    let keys = emu.keys().tencent.clone();
    let dir = Scratch::new("t-env");
    dir.write(
        ".tencentcloud/credentials",
        "[default]\nsecret_id = AKIDFILE\nsecret_key = file-secret\n",
    );
    let provider = TencentCredentials::default_chain()
        .lookup(vars(&[
            ("TENCENTCLOUD_SECRET_ID", keys.secret_id.clone()),
            ("TENCENTCLOUD_SECRET_KEY", keys.secret_key.expose().clone()),
        ]))
        .home(Some(dir.0.clone()))
        .metadata_endpoint(emu.metadata_endpoint())
        .build();
    let client = redis::Client::with_provider(config(&emu), provider).expect("client");
    client
        .describe_backup_url(&request())
        .await
        .expect("signed with the env keys");
    assert_eq!(
        emu.metadata_requests(),
        0,
        "the environment won: no metadata asked"
    );
}

#[tokio::test]
async fn tencent_profile_file_wins_when_the_environment_is_empty() {
    let emu = start().await;
    let keys = emu.keys().tencent.clone();
    let dir = Scratch::new("t-file");
    let file = dir.write(
        "elsewhere/creds.ini",
        &format!(
            "# written by hand\n[other]\nsecret_id = AKIDNOPE\n[default]\nsecret_id = {}\nsecret_key = {}\n",
            keys.secret_id,
            keys.secret_key.expose()
        ),
    );
    // `$TENCENTCLOUD_CREDENTIALS_FILE` names it.
    let provider = TencentCredentials::default_chain()
        .lookup(vars(&[(
            "TENCENTCLOUD_CREDENTIALS_FILE",
            file.display().to_string(),
        )]))
        .home(None)
        .metadata_endpoint(closed_port())
        .build();
    let client = redis::Client::with_provider(config(&emu), provider).expect("client");
    client
        .describe_backup_url(&request())
        .await
        .expect("signed with the file's keys");
    // `~/.tencentcloud/credentials` when no variable names a file.
    dir.write(
        ".tencentcloud/credentials",
        &format!(
            "[default]\nsecret_id={}\nsecret_key={}\n",
            keys.secret_id,
            keys.secret_key.expose()
        ),
    );
    let provider = TencentCredentials::default_chain()
        .lookup(none())
        .home(Some(dir.0.clone()))
        .metadata_endpoint(closed_port())
        .build();
    let client = redis::Client::with_provider(config(&emu), provider).expect("client");
    client
        .describe_backup_url(&request())
        .await
        .expect("signed with the home file's keys");
}

#[tokio::test]
async fn tencent_cvm_role_keys_are_used_refreshed_and_rotated() {
    let emu = start().await;
    // Keys live 303 s; the cache refreshes 300 s ahead: each is fresh for 2–3 s (clocks
    // tick in whole seconds on both sides).
    emu.set_metadata_key_ttl(303);
    let provider = TencentCredentials::default_chain()
        .lookup(none())
        .home(None)
        .metadata_endpoint(emu.metadata_endpoint())
        .build();
    let client = redis::Client::with_provider(config(&emu), provider).expect("client");
    client
        .describe_backup_url(&request())
        .await
        .expect("first key");
    client
        .describe_backup_url(&request())
        .await
        .expect("same key, cached");
    assert_eq!(emu.issued_keys().len(), 1, "cached while fresh");
    tokio::time::sleep(std::time::Duration::from_millis(3_200)).await;
    client
        .describe_backup_url(&request())
        .await
        .expect("rotated key");
    let issued = emu.issued_keys();
    assert_eq!(issued.len(), 2, "refreshed once ahead of expiry");
    let log = emu.requests();
    assert!(
        log.iter().all(|r| r.verdict == Verdict::Accepted),
        "{log:#?}"
    );
    // Each request was signed with the key current at the time, with its token.
    let used: Vec<&str> = log
        .iter()
        .filter_map(|r| r.headers.iter().find(|(k, _)| k == "authorization"))
        .map(|(_, v)| {
            if v.contains(&issued[0].id) {
                "first"
            } else if v.contains(&issued[1].id) {
                "second"
            } else {
                "other"
            }
        })
        .collect();
    assert_eq!(used, ["first", "first", "second"]);
    assert!(
        log.iter()
            .all(|r| r.headers.iter().any(|(k, _)| k == "x-tc-token"))
    );
    // The emulator's record of issued keys and the cached temporary keys print redacted.
    let record = format!("{issued:?}");
    assert!(
        !record.contains("emulator-temporary-secret")
            && !record.contains("emulator-temporary-token"),
        "{record}"
    );
    let shown = format!("{:?}", client.runtime());
    assert!(shown.contains(&issued[1].id), "{shown}");
    assert!(
        !shown.contains("emulator-temporary-secret") && !shown.contains("emulator-temporary-token"),
        "{shown}"
    );
}

#[tokio::test]
async fn one_refresh_for_a_hundred_concurrent_calls() {
    let emu = start().await;
    let provider = TencentCredentials::default_chain()
        .lookup(none())
        .home(None)
        .metadata_endpoint(emu.metadata_endpoint())
        .build();
    // The spec's rate limit (20/s) would space 100 calls over 5 s: lift it for this test.
    let client = Arc::new(redis::Client::with_provider(config(&emu), provider).expect("client"));
    let runtime = client.runtime().clone();
    let info = generated::runtime::OperationInfo {
        rate_limit: None,
        ..redis::catalog::describe_backup_url::OPERATION
    };
    let calls: Vec<_> = (0..100)
        .map(|_| {
            let runtime = runtime.clone();
            let client = client.clone();
            tokio::spawn(async move {
                let wire = client.unsigned_request(&request()).expect("wire");
                runtime
                    .invoke::<redis::DescribeBackupUrlResponse, redis::DescribeBackupUrlError>(
                        &info, wire,
                    )
                    .await
            })
        })
        .collect();
    for c in calls {
        c.await.expect("task").expect("call succeeds");
    }
    assert_eq!(emu.issued_keys().len(), 1, "one key fetched for 100 calls");
    assert_eq!(emu.metadata_requests(), 2, "role name + key, once");
}

#[tokio::test]
async fn huawei_ecs_metadata_keys_sign_with_their_security_token() {
    let emu = start().await;
    let project = emu.keys().huawei.project_id.clone().expect("project id");
    let provider = HuaweiCredentials::default_chain()
        .lookup(vars(&[("HUAWEICLOUD_SDK_PROJECT_ID", project)]))
        .home(None)
        .metadata_endpoint(emu.metadata_endpoint())
        .build();
    let config = ClientConfig::new()
        .region("cn-north-4")
        .endpoint(emu.endpoint())
        .max_attempts(1);
    let client = generated::huawei::dds::Client::with_provider(config, provider).expect("client");
    let input = generated::huawei::dds::catalog::download_file::example().expect("example");
    client
        .download_file(&input)
        .await
        .expect("signed with the ECS key and its token");
    let log = emu.requests();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].verdict, Verdict::Accepted, "{log:#?}");
    let issued = emu.issued_keys();
    assert!(
        log[0]
            .headers
            .iter()
            .any(|(k, v)| k == "authorization" && v.contains(&issued[0].id))
    );
    assert!(log[0].headers.iter().any(|(k, _)| k == "x-security-token"));
}

#[tokio::test]
async fn huawei_and_ucloud_chains_find_their_keys() {
    let emu = start().await;
    let keys = emu.keys().clone();
    let dir = Scratch::new("hu");
    // Huawei: the profile file's `[basic]`, `[global]` for the domain id.
    dir.write(
        ".huaweicloud/credentials",
        &format!(
            "[basic]\nak = {}\nsk = {}\nproject_id = {}\n\n[global]\ndomain_id = d-1\n",
            keys.huawei.ak,
            keys.huawei.sk.expose(),
            keys.huawei.project_id.clone().unwrap_or_default()
        ),
    );
    let found = HuaweiCredentials::default_chain()
        .lookup(none())
        .home(Some(dir.0.clone()))
        .metadata_endpoint(closed_port())
        .build()
        .credentials()
        .await
        .expect("file");
    let h = found.huawei().expect("huawei");
    assert_eq!(
        (h.ak.as_str(), h.domain_id.as_deref()),
        (keys.huawei.ak.as_str(), Some("d-1"))
    );
    assert_eq!(h.project_id, keys.huawei.project_id);
    // Huawei: the environment wins over the file.
    let found = HuaweiCredentials::default_chain()
        .lookup(vars(&[
            ("HUAWEICLOUD_SDK_AK", "ENVAK".into()),
            ("HUAWEICLOUD_SDK_SK", "env-sk".into()),
            ("HUAWEICLOUD_SDK_SECURITY_TOKEN", "env-token".into()),
            ("HUAWEICLOUD_SDK_DOMAIN_ID", "d-env".into()),
        ]))
        .home(Some(dir.0.clone()))
        .metadata_endpoint(closed_port())
        .build()
        .credentials()
        .await
        .expect("env");
    let h = found.huawei().expect("huawei");
    assert_eq!(
        (h.ak.as_str(), h.domain_id.as_deref()),
        ("ENVAK", Some("d-env"))
    );
    assert_eq!(
        h.security_token.as_ref().map(|t| t.expose().as_str()),
        Some("env-token")
    );
    // Huawei: half a key pair in the environment stops the chain, naming the variable.
    let e = HuaweiCredentials::default_chain()
        .lookup(vars(&[("HUAWEICLOUD_SDK_AK", "ENVAK".into())]))
        .home(Some(dir.0.clone()))
        .metadata_endpoint(closed_port())
        .build()
        .credentials()
        .await
        .expect_err("half a pair");
    assert!(
        e.to_string().contains("HUAWEICLOUD_SDK_SK` is not set"),
        "{e}"
    );
    // Huawei: ECS metadata, temporary keys with a security token and an expiry.
    let found = HuaweiCredentials::default_chain()
        .lookup(vars(&[("HUAWEICLOUD_SDK_PROJECT_ID", "p-9".into())]))
        .home(None)
        .metadata_endpoint(emu.metadata_endpoint())
        .build()
        .credentials()
        .await
        .expect("metadata");
    let h = found.huawei().expect("huawei");
    assert!(h.ak.starts_with("TMPEMULATORAK") && h.security_token.is_some());
    assert_eq!(h.project_id.as_deref(), Some("p-9"));
    // UCloud: the CLI's active profile.
    dir.write(
        ".ucloud/config.json",
        r#"[{"profile":"default","active":false,"region":"cn-bj2"},{"profile":"work","active":true,"region":"cn-sh2"}]"#,
    );
    dir.write(
        ".ucloud/credential.json",
        &format!(
            r#"[{{"profile":"default","public_key":"nope","private_key":"nope"}},{{"profile":"work","public_key":"{}","private_key":"{}"}}]"#,
            keys.ucloud.public_key,
            keys.ucloud.private_key.expose()
        ),
    );
    let found = UCloudCredentials::default_chain()
        .lookup(none())
        .home(Some(dir.0.clone()))
        .build()
        .credentials()
        .await
        .expect("cli profile");
    assert_eq!(id_of(&found), keys.ucloud.public_key);
    // UCloud: the environment first.
    let found = UCloudCredentials::default_chain()
        .lookup(vars(&[
            ("UCLOUD_PUBLIC_KEY", "env-pub".into()),
            ("UCLOUD_PRIVATE_KEY", "env-private".into()),
        ]))
        .home(Some(dir.0.clone()))
        .build()
        .credentials()
        .await
        .expect("env");
    assert_eq!(id_of(&found), "env-pub");
}

async fn tencent_error(lookup: Lookup, home: Option<&Path>, metadata: String) -> ProviderError {
    TencentCredentials::default_chain()
        .lookup(lookup)
        .home(home.map(Path::to_owned))
        .metadata_endpoint(metadata)
        .build()
        .credentials()
        .await
        .expect_err("no credentials")
}

#[tokio::test]
async fn bad_input_is_a_clear_error_without_secrets() {
    let dir = Scratch::new("bad");
    const SECRET: &str = "very-secret-value-123";
    // Half a key pair in the environment stops the chain.
    let e = tencent_error(
        vars(&[("TENCENTCLOUD_SECRET_ID", "AKID1".into())]),
        None,
        closed_port(),
    )
    .await;
    assert!(
        e.to_string()
            .contains("TENCENTCLOUD_SECRET_KEY` is not set"),
        "{e}"
    );
    // A malformed file: path and line.
    let file = dir.write(
        "bad.ini",
        &format!("[default]\nsecret_id = AKID1\nsecret_key {SECRET}\n"),
    );
    let e = tencent_error(
        vars(&[("TENCENTCLOUD_CREDENTIALS_FILE", file.display().to_string())]),
        None,
        closed_port(),
    )
    .await;
    let shown = format!("{e} {e:?}");
    assert!(shown.contains(&format!("{}:3:", file.display())), "{shown}");
    assert!(!shown.contains(SECRET), "{shown}");
    // A named file that does not exist.
    let e = tencent_error(
        vars(&[("TENCENTCLOUD_CREDENTIALS_FILE", "/nonexistent/creds".into())]),
        None,
        closed_port(),
    )
    .await;
    assert!(
        e.to_string().contains("/nonexistent/creds: cannot be read"),
        "{e}"
    );
    // No `[default]` profile.
    let file = dir.write(
        "other.ini",
        &format!("[work]\nsecret_id = AKID1\nsecret_key = {SECRET}\n"),
    );
    let e = tencent_error(
        vars(&[("TENCENTCLOUD_CREDENTIALS_FILE", file.display().to_string())]),
        None,
        closed_port(),
    )
    .await;
    assert!(e.to_string().contains("no `[default]` profile"), "{e}");
    assert!(!format!("{e:?}").contains(SECRET));
    // Nothing anywhere, metadata unreachable: every step's failure, quickly.
    let started = std::time::Instant::now();
    let e = tencent_error(none(), None, closed_port()).await;
    let shown = e.to_string();
    assert!(shown.starts_with("no credentials found:"), "{shown}");
    for step in ["environment:", "profile file:", "CVM role:"] {
        assert!(shown.contains(step), "{shown}");
    }
    assert!(started.elapsed() < std::time::Duration::from_secs(3));
    // A metadata service that accepts and never answers: bounded by the short timeout.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = silent.local_addr().expect("addr");
    let hold = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = silent.accept().await {
            held.push(s);
        }
    });
    let started = std::time::Instant::now();
    let e = tencent_error(none(), None, format!("http://{addr}")).await;
    assert!(e.to_string().contains("timed out"), "{e}");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
    hold.abort();
    // UCloud: an unknown profile, and half a key pair in the CLI's file.
    dir.write(
        ".ucloud/credential.json",
        r#"[{"profile":"work","public_key":"p","private_key":""}]"#,
    );
    let e = UCloudCredentials::default_chain()
        .lookup(none())
        .home(Some(dir.0.clone()))
        .profile("missing")
        .build()
        .credentials()
        .await
        .expect_err("unknown profile");
    assert!(e.to_string().contains("no profile `missing`"), "{e}");
    let e = UCloudCredentials::default_chain()
        .lookup(none())
        .home(Some(dir.0.clone()))
        .profile("work")
        .build()
        .credentials()
        .await
        .expect_err("half a pair");
    assert!(e.to_string().contains("half a key pair"), "{e}");
}

#[tokio::test]
async fn a_call_without_credentials_fails_with_the_chains_report() {
    let emu = start().await;
    let provider = TencentCredentials::default_chain()
        .lookup(none())
        .home(None)
        .metadata_endpoint(closed_port())
        .build();
    let client = redis::Client::with_provider(config(&emu), provider).expect("client");
    let err = client
        .describe_backup_url(&request())
        .await
        .expect_err("no keys");
    assert!(
        matches!(err, generated::runtime::SdkError::Credentials(_)),
        "{err:?}"
    );
    assert_eq!(err.to_string(), "no credentials to sign with");
    let detail = std::error::Error::source(&err).expect("detail").to_string();
    assert!(detail.contains("CVM role"), "{detail}");
    assert!(emu.requests().is_empty(), "nothing was sent");
}
