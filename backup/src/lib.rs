//! From link to verified file: a downstream crate of the generated SDK that turns the five
//! "get a backup download link" APIs into backup files on your disk, verified.
//!
//! - [`link`]: one [`BackupLink`] type across Tencent CDB `GetExportBackupUrl`, Redis
//!   `GetBackupDownloadUrl` and `DescribeBackupUrl`, UCloud `DescribeUDBInstanceBackupURL`
//!   and Huawei DDS `download-file`, with each document's facts (network, validity, size
//!   unit, MD5) applied.
//! - [`Source`]: which backup, asked through the generated clients ([`Clients`]).
//! - [`Downloader`]: streams to `<file>.part`, resumes with `Range` + `If-Range`, retries,
//!   renews expired links through the link API, fetches large files in parallel ranged
//!   parts, and verifies size, MD5 and COS's CRC-64 before renaming into place.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! use backup::{Clients, Downloader, Options, Source, progress::Quiet};
//! use generated::runtime::{ClientConfig, TencentCredentials};
//!
//! let keys = TencentCredentials::from_env()?;
//! let clients = Clients::new(Some((ClientConfig::new().region("ap-guangzhou"), keys)), None, None)?;
//! let source = Source::RedisV3 { instance_id: "crs-4y9t57vt".into(), backup_id: "678362566696298532848117".into() };
//! let downloader = Downloader::new(Options::default())?;
//! let (_cancel_tx, cancel) = tokio::sync::watch::channel(false);
//! for file in backup::fetch(&source, &clients, &downloader, "backups".as_ref(), Arc::new(Quiet), cancel).await? {
//!     let file = file?;
//!     println!("{} ({} bytes, checked: {:?})", file.path.display(), file.bytes, file.verified);
//! }
//! # Ok(()) }
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod download;
#[cfg(feature = "emulator")]
pub mod emulated;
pub mod fresh;
pub mod link;
pub mod progress;
pub mod source;

use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;

pub use download::{Downloader, FetchError, Fetched, Options, Relink};
pub use fresh::Fresh;
pub use link::{BackupLink, Expiry, Network, Size};
pub use source::{Clients, LinkError, Source};

/// Renews links by calling the source's link API again.
#[derive(Clone, Debug)]
pub struct SourceRelink {
    /// The backup.
    pub source: Source,
    /// The clients to ask with.
    pub clients: Clients,
}

impl Relink for SourceRelink {
    fn relink(
        &self,
    ) -> Pin<Box<dyn Future<Output = Result<Vec<BackupLink>, LinkError>> + Send + '_>> {
        Box::pin(self.source.links(&self.clients))
    }
}

/// Asks `source` for its links, chooses one per file (the downloader's network preference)
/// and downloads them into `dir`; one result per file. Fails only when the link API does.
pub async fn fetch(
    source: &Source,
    clients: &Clients,
    downloader: &Downloader,
    dir: &Path,
    progress: Arc<dyn progress::Progress>,
    cancel: tokio::sync::watch::Receiver<bool>,
) -> Result<Vec<Result<Fetched, FetchError>>, LinkError> {
    let links = source.links(clients).await?;
    let chosen = download::choose(&links, downloader.options().network);
    let relink = Arc::new(SourceRelink {
        source: source.clone(),
        clients: clients.clone(),
    });
    Ok(downloader
        .fetch_all(chosen, dir, relink, progress, cancel)
        .await)
}
