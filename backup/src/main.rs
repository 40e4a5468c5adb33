//! `cloud-backup`: database backups from Tencent Cloud, UCloud and Huawei Cloud onto your
//! disk, verified. See `cloud-backup --help`.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use backup::progress::{Bars, JsonLines, Lines, Progress, Quiet};
use backup::{
    BackupLink, Clients, Downloader, Expiry, FetchError, Fresh, Network, Options, Source,
};
use clap::{Args, Parser, Subcommand, ValueEnum};
use generated::runtime::ClientConfig;
use generated::runtime::{HuaweiCredentials, TencentCredentials, UCloudCredentials};

/// Exit codes.
const OK: u8 = 0;
const FILE_FAILED: u8 = 1;
const USAGE: u8 = 2;
const LINK_FAILED: u8 = 3;
const NO_CREDENTIALS: u8 = 4;
const CANCELLED: u8 = 130;

#[derive(Parser, Debug)]
#[command(
    name = "cloud-backup",
    version,
    about = "Database backups from Tencent Cloud, UCloud and Huawei Cloud onto your disk, verified.",
    long_about = "Database backups from Tencent Cloud, UCloud and Huawei Cloud onto your disk, verified.\n\n\
Asks the vendor's backup-link API for signed download links (signed URLs are bearer \
credentials: they are printed redacted unless --show-urls), then downloads each file to \
<dest>/<file>.part, resuming interrupted transfers, retrying failures, renewing expired \
links, and renames it into place only after its size, MD5 and storage checksum agree.\n\n\
Credentials come from the environment: TENCENTCLOUD_SECRET_ID / TENCENTCLOUD_SECRET_KEY, \
UCLOUD_PUBLIC_KEY / UCLOUD_PRIVATE_KEY, HUAWEICLOUD_SDK_AK / HUAWEICLOUD_SDK_SK / \
HUAWEICLOUD_SDK_PROJECT_ID. With --endpoint emulator nothing leaves the machine: an \
embedded emulator serves every seed API and its files.\n\n\
Exit codes: 0 every file verified; 1 a file failed to download or verify; 2 usage; \
3 the link API failed; 4 credentials missing; 130 cancelled (Ctrl-C; run again to resume).",
    after_help = "Examples:\n  cloud-backup fetch --all --endpoint emulator --dest /tmp/backups\n  \
cloud-backup links --api redis --instance crs-4y9t57vt --backup-id 678362566696298532848117 --region ap-guangzhou\n  \
cloud-backup fetch --api dds --instance <id> --backup-id <id> --region cn-north-4 --dest ./backups"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Print the normalised download links of a backup (URLs redacted unless --show-urls).
    Links {
        #[command(flatten)]
        common: Common,
        /// Print the full signed URLs (they grant access to the backup until they expire).
        #[arg(long)]
        show_urls: bool,
    },
    /// Download a backup's files into --dest and verify them.
    Fetch {
        #[command(flatten)]
        common: Common,
        /// Directory to write the files into (created if missing).
        #[arg(long, value_name = "DIR")]
        dest: PathBuf,
        /// Which links to use; default: public when a file has one, else private.
        #[arg(long, value_enum)]
        network: Option<NetworkArg>,
        /// Ranged parts fetched at once for a large file.
        #[arg(long, default_value_t = 4, value_name = "N")]
        parts: usize,
        /// Files of at least this many MiB are split into parts.
        #[arg(long, default_value_t = 64, value_name = "MIB")]
        part_threshold_mib: u64,
        /// Files downloaded at once.
        #[arg(long, default_value_t = 2, value_name = "N")]
        concurrency: usize,
        /// Drop and resume a transfer that delivers nothing for this many seconds.
        #[arg(long, default_value_t = 30, value_name = "SECS")]
        stall_timeout: u64,
        /// Attempts in a row without progress before a file fails.
        #[arg(long, default_value_t = 6, value_name = "N")]
        attempts: u32,
    },
}

#[derive(Args, Debug)]
struct Common {
    /// Where the link APIs are: the vendors, or an embedded loopback emulator.
    #[arg(long, value_enum, default_value_t = Endpoint::Real)]
    endpoint: Endpoint,
    /// Every seed backup of the emulator (with --endpoint emulator).
    #[arg(long, conflicts_with_all = ["api", "instance", "backup_id"])]
    all: bool,
    /// The link API: cdb (GetExportBackupUrl), redis-v2 (GetBackupDownloadUrl), redis
    /// (DescribeBackupUrl), udb (DescribeUDBInstanceBackupURL), dds (download-file).
    #[arg(long, value_enum, required_unless_present = "all")]
    api: Option<Api>,
    /// Instance id (cdb: cdbInstanceId; redis-v2: redisId; udb: DBId).
    #[arg(long, required_unless_present = "all")]
    instance: Option<String>,
    /// Backup id (not for cdb).
    #[arg(long)]
    backup_id: Option<String>,
    /// cdb: the backup's time, `YYYY-MM-DD hh:mm:ss`.
    #[arg(long)]
    date: Option<String>,
    /// cdb: a database to export (repeat for several; default: all).
    #[arg(long = "database", value_name = "NAME")]
    databases: Vec<String>,
    /// Take a new backup of --instance first, wait until the vendor reports it complete,
    /// then use it (cdb, redis, udb, dds; with --all, one per seed instance).
    #[arg(long, conflicts_with_all = ["backup_id", "date"])]
    fresh: bool,
    /// --fresh: give up waiting for the backup after this many minutes.
    #[arg(long, default_value_t = 60, value_name = "MIN")]
    wait_minutes: u64,
    /// Region (ap-guangzhou, cn-bj2, cn-north-4, …).
    #[arg(long)]
    region: Option<String>,
    /// udb --fresh: the availability zone the backup state is asked in (cn-bj2-02, …).
    #[arg(long)]
    zone: Option<String>,
    /// udb: how long the links stay valid, in seconds (4 h to 7 days).
    #[arg(long, default_value_t = 14_400, value_name = "SECS")]
    valid_time: u64,
    /// Emulator: size of each emulated backup file in bytes.
    #[arg(long, default_value_t = 3 * 1024 * 1024 + 123, value_name = "BYTES")]
    emulator_size: u64,
    /// Machine-readable output: JSON (links) or JSON lines (fetch) on stdout.
    #[arg(long)]
    json: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Endpoint {
    Real,
    Emulator,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Api {
    Cdb,
    RedisV2,
    Redis,
    Udb,
    Dds,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum NetworkArg {
    Public,
    Private,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cloud-backup: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    ExitCode::from(rt.block_on(run(cli)))
}

/// What to ask, with which clients; the emulator stays alive as long as this does.
struct Plan {
    sources: Vec<Source>,
    clients: Clients,
    #[cfg(feature = "emulator")]
    _emulator: Option<backup::emulated::Setup>,
}

async fn plan(c: &Common) -> Result<Plan, u8> {
    if c.endpoint == Endpoint::Emulator {
        #[cfg(feature = "emulator")]
        {
            let setup = backup::emulated::start(c.emulator_size)
                .await
                .map_err(|e| {
                    eprintln!("cloud-backup: cannot start the emulator: {e}");
                    LINK_FAILED
                })?;
            if !c.json {
                eprintln!(
                    "cloud-backup: embedded emulator on {}",
                    setup.emulator.endpoint()
                );
            }
            let sources = if c.fresh {
                let fresh = if c.all {
                    backup::emulated::fresh_backups(&backup::fresh::run_name())
                } else {
                    vec![fresh_of(c)?]
                };
                let mut sources = Vec::new();
                for f in &fresh {
                    setup.serve_fresh(f);
                    sources.push(take(f, &setup.clients, c).await?);
                }
                sources
            } else if c.all {
                setup.backups.iter().map(|b| b.source.clone()).collect()
            } else {
                vec![source_of(c)?]
            };
            return Ok(Plan {
                sources,
                clients: setup.clients.clone(),
                _emulator: Some(setup),
            });
        }
        #[cfg(not(feature = "emulator"))]
        {
            eprintln!("cloud-backup: built without the `emulator` feature");
            return Err(USAGE);
        }
    }
    if c.all {
        eprintln!(
            "cloud-backup: --all needs --endpoint emulator (a real account has no seed backups)"
        );
        return Err(USAGE);
    }
    let fresh = if c.fresh { Some(fresh_of(c)?) } else { None };
    // What the clients are for: the source, or (with --fresh) a stand-in of the same API.
    let source = match &fresh {
        Some(f) => stand_in(f),
        None => source_of(c)?,
    };
    let Some(region) = c.region.clone() else {
        eprintln!("cloud-backup: --region is required with --endpoint real");
        return Err(USAGE);
    };
    let mut config = ClientConfig::new().region(region);
    if let Some(zone) = &c.zone {
        config = config.zone(zone.as_str());
    }
    let missing = |e: &dyn std::fmt::Display| {
        eprintln!("cloud-backup: {e}");
        NO_CREDENTIALS
    };
    let built = match &source {
        Source::CdbExport { .. } | Source::RedisV2 { .. } | Source::RedisV3 { .. } => {
            let keys = TencentCredentials::from_env().map_err(|e| missing(&e))?;
            Clients::new(Some((config, keys)), None, None)
        }
        Source::Udb { .. } => {
            let keys = UCloudCredentials::from_env().map_err(|e| missing(&e))?;
            Clients::new(None, Some((config, keys)), None)
        }
        Source::Dds { .. } => {
            let keys = HuaweiCredentials::from_env().map_err(|e| missing(&e))?;
            Clients::new(None, None, Some((config, keys)))
        }
    };
    let clients = built.map_err(|e| {
        eprintln!("cloud-backup: {e}");
        LINK_FAILED
    })?;
    let source = match &fresh {
        Some(f) => take(f, &clients, c).await?,
        None => source,
    };
    Ok(Plan {
        sources: vec![source],
        clients,
        #[cfg(feature = "emulator")]
        _emulator: None,
    })
}

/// The backup `--fresh` takes, from the flags.
fn fresh_of(c: &Common) -> Result<Fresh, u8> {
    let Some(instance) = c.instance.clone() else {
        eprintln!("cloud-backup: --fresh needs --instance (or --all with --endpoint emulator)");
        return Err(USAGE);
    };
    let name = backup::fresh::run_name();
    Ok(match c.api {
        Some(Api::Cdb) => Fresh::Cdb {
            instance_id: instance,
            databases: c.databases.clone(),
        },
        Some(Api::Redis) => Fresh::Redis {
            instance_id: instance,
            remark: name,
        },
        Some(Api::Udb) => Fresh::Udb {
            region: c.region.clone().ok_or_else(|| {
                eprintln!("cloud-backup: udb needs --region");
                USAGE
            })?,
            db_id: instance,
            name,
            valid_time: Duration::from_secs(c.valid_time),
        },
        Some(Api::Dds) => Fresh::Dds {
            instance_id: instance,
            name,
        },
        Some(Api::RedisV2) => {
            eprintln!(
                "cloud-backup: --fresh works with --api cdb, redis, udb or dds (redis-v2 has no create call)"
            );
            return Err(USAGE);
        }
        None => {
            eprintln!("cloud-backup: --api is required");
            return Err(USAGE);
        }
    })
}

/// A source of the same link API as `f` (which credentials its clients need).
fn stand_in(f: &Fresh) -> Source {
    match f {
        Fresh::Cdb { instance_id, .. } => Source::CdbExport {
            instance_id: instance_id.clone(),
            date: String::new(),
            databases: Vec::new(),
        },
        Fresh::Redis { instance_id, .. } => Source::RedisV3 {
            instance_id: instance_id.clone(),
            backup_id: String::new(),
        },
        Fresh::Udb {
            region,
            db_id,
            valid_time,
            ..
        } => Source::Udb {
            region: region.clone(),
            db_id: db_id.clone(),
            backup_id: 0,
            valid_time: *valid_time,
        },
        Fresh::Dds { instance_id, .. } => Source::Dds {
            instance_id: instance_id.clone(),
            backup_id: String::new(),
        },
    }
}

/// Takes `f` and waits for it (progress on stderr unless --json).
async fn take(f: &Fresh, clients: &Clients, c: &Common) -> Result<Source, u8> {
    let mut wait = generated::runtime::WaitOptions::new()
        .max_wait(Duration::from_secs(c.wait_minutes.saturating_mul(60)));
    if c.endpoint == Endpoint::Emulator {
        // The emulator's backups complete on the second poll: no need to wait seconds.
        wait = wait.delay(Duration::from_millis(20), Duration::from_millis(200));
    }
    let quiet = c.json;
    let op = f.operation();
    let source = f
        .take(clients, &wait, |id| {
            if !quiet {
                eprintln!("cloud-backup: {op} started backup {id}; waiting for it to complete");
            }
        })
        .await
        .map_err(|e| {
            eprintln!("cloud-backup: {e}");
            LINK_FAILED
        })?;
    if !quiet {
        eprintln!("cloud-backup: backup complete: {}", source.label());
    }
    Ok(source)
}

fn source_of(c: &Common) -> Result<Source, u8> {
    let need = |v: &Option<String>, flag: &str| {
        v.clone().ok_or_else(|| {
            eprintln!("cloud-backup: this --api needs --{flag}");
            USAGE
        })
    };
    let instance = need(&c.instance, "instance")?;
    Ok(match c.api {
        Some(Api::Cdb) => Source::CdbExport {
            instance_id: instance,
            date: need(&c.date, "date")?,
            databases: c.databases.clone(),
        },
        Some(Api::RedisV2) => Source::RedisV2 {
            redis_id: instance,
            backup_id: need(&c.backup_id, "backup-id")?,
        },
        Some(Api::Redis) => Source::RedisV3 {
            instance_id: instance,
            backup_id: need(&c.backup_id, "backup-id")?,
        },
        Some(Api::Udb) => Source::Udb {
            region: need(&c.region, "region")?,
            db_id: instance,
            backup_id: need(&c.backup_id, "backup-id")?.parse().map_err(|_| {
                eprintln!("cloud-backup: udb --backup-id must be a whole number");
                USAGE
            })?,
            valid_time: Duration::from_secs(c.valid_time),
        },
        Some(Api::Dds) => Source::Dds {
            instance_id: instance,
            backup_id: need(&c.backup_id, "backup-id")?,
        },
        None => {
            eprintln!("cloud-backup: --api is required");
            return Err(USAGE);
        }
    })
}

async fn run(cli: Cli) -> u8 {
    match cli.command {
        Command::Links { common, show_urls } => links(&common, show_urls).await,
        Command::Fetch {
            common,
            dest,
            network,
            parts,
            part_threshold_mib,
            concurrency,
            stall_timeout,
            attempts,
        } => {
            let options = Options {
                network: network.map(|n| match n {
                    NetworkArg::Public => Network::Public,
                    NetworkArg::Private => Network::Private,
                }),
                parallel_parts: parts.max(1),
                part_threshold: part_threshold_mib.saturating_mul(1 << 20),
                concurrent_files: concurrency.max(1),
                stall_timeout: Duration::from_secs(stall_timeout.max(1)),
                max_attempts: attempts.max(1),
                ..Options::default()
            };
            fetch(&common, &dest, options).await
        }
    }
}

fn expiry_text(e: Expiry) -> String {
    match e {
        Expiry::At(t) => t
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_else(|_| "unknown".into()),
        Expiry::Unknown => "unknown".into(),
    }
}

fn link_json(l: &BackupLink, show_urls: bool) -> serde_json::Value {
    serde_json::json!({
        "operation": l.operation,
        "file_name": l.file_name,
        "network": l.network.as_str(),
        "expires_at": match l.expires_at { Expiry::At(_) => serde_json::Value::from(expiry_text(l.expires_at)), Expiry::Unknown => serde_json::Value::Null },
        "size_bytes": l.size.map(|s| s.bytes()),
        "size_exact": l.size.map(|s| matches!(s, backup::Size::Exact(_))),
        "md5": l.md5,
        "kind": l.kind,
        "url": if show_urls { l.url.expose().to_owned() } else { l.url.to_string() },
    })
}

async fn links(c: &Common, show_urls: bool) -> u8 {
    let plan = match plan(c).await {
        Ok(p) => p,
        Err(code) => return code,
    };
    let mut all = Vec::new();
    let mut status = OK;
    for source in &plan.sources {
        match source.links(&plan.clients).await {
            Ok(links) => {
                if !c.json {
                    println!(
                        "{} ({}): {} links",
                        source.label(),
                        source.operation(),
                        links.len()
                    );
                    for l in &links {
                        let url = if show_urls {
                            l.url.expose().to_owned()
                        } else {
                            l.url.to_string()
                        };
                        let size = l.size.map_or("size unknown".to_owned(), |s| s.to_string());
                        let md5 = l
                            .md5
                            .as_deref()
                            .map(|m| format!(", md5 {m}"))
                            .unwrap_or_default();
                        println!(
                            "  {} [{}] {size}{md5}, expires {}\n    {url}",
                            l.file_name,
                            l.network,
                            expiry_text(l.expires_at)
                        );
                    }
                }
                all.extend(links.iter().map(|l| link_json(l, show_urls)));
            }
            Err(e) => {
                eprintln!("cloud-backup: {}: {e}", source.label());
                status = LINK_FAILED;
            }
        }
    }
    if c.json {
        println!("{}", serde_json::Value::Array(all));
    }
    status
}

async fn fetch(c: &Common, dest: &std::path::Path, options: Options) -> u8 {
    let plan = match plan(c).await {
        Ok(p) => p,
        Err(code) => return code,
    };
    let downloader = match Downloader::new(options) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("cloud-backup: cannot set up HTTP: {e}");
            return FILE_FAILED;
        }
    };
    let progress: Arc<dyn Progress> = if c.json {
        Arc::new(JsonLines::default())
    } else if std::io::stderr().is_terminal() {
        Arc::new(Bars::default())
    } else if std::env::var_os("CLOUD_BACKUP_QUIET").is_some() {
        Arc::new(Quiet)
    } else {
        Arc::new(Lines::default())
    };
    let (cancel_tx, cancel) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            let _ = cancel_tx.send(true);
        }
    });
    let mut status = OK;
    let (mut ok, mut failed) = (0, 0);
    for source in &plan.sources {
        let dir = if plan.sources.len() > 1 {
            dest.join(source.label().replace([' ', ':'], "_"))
        } else {
            dest.to_owned()
        };
        let results = match backup::fetch(
            source,
            &plan.clients,
            &downloader,
            &dir,
            Arc::clone(&progress),
            cancel.clone(),
        )
        .await
        {
            Ok(r) => r,
            Err(e) => {
                eprintln!("cloud-backup: {}: {e}", source.label());
                status = status.max(LINK_FAILED);
                continue;
            }
        };
        if results.is_empty() {
            eprintln!(
                "cloud-backup: {}: the API returned no usable link",
                source.label()
            );
            status = status.max(FILE_FAILED);
        }
        for r in results {
            match r {
                Ok(f) => {
                    ok += 1;
                    if c.json {
                        println!(
                            "{}",
                            serde_json::json!({
                                "event": "file", "source": source.label(), "path": f.path.display().to_string(),
                                "bytes": f.bytes, "transferred": f.transferred, "resumed_from": f.resumed_from,
                                "restarts": f.restarts, "relinks": f.relinks, "parts": f.parts,
                                "verified": f.verified, "already_present": f.already_present,
                            })
                        );
                    } else {
                        println!(
                            "{}: {} bytes, verified [{}]{}",
                            f.path.display(),
                            f.bytes,
                            f.verified.join(", "),
                            if f.already_present {
                                " (already present)"
                            } else {
                                ""
                            }
                        );
                    }
                }
                Err(e) => {
                    failed += 1;
                    if matches!(e, FetchError::Cancelled { .. }) {
                        status = CANCELLED;
                    } else if status != CANCELLED {
                        status = status.max(FILE_FAILED);
                    }
                    if c.json {
                        println!(
                            "{}",
                            serde_json::json!({"event": "error", "source": source.label(), "error": e.to_string()})
                        );
                    } else {
                        eprintln!("cloud-backup: {e}");
                    }
                }
            }
        }
    }
    if c.json {
        println!(
            "{}",
            serde_json::json!({"event": "summary", "verified": ok, "failed": failed})
        );
    } else {
        println!("cloud-backup: {ok} files verified, {failed} failed");
    }
    status
}
