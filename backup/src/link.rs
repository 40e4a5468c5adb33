//! One link type for the five link APIs, with each document's facts applied: which network an
//! address serves, how long it lives, the unit of its size, the checksum it comes with.
//!
//! Validity windows and units are read from the generated SDK (`*_VALID_FOR`,
//! `*_UNIT_BYTES`, `*_bytes()`), which takes them from the specs: nothing here restates them.

use std::fmt;
use std::time::Duration;

use generated::huawei::dds::{BackupFile as DdsFile, DownloadFileResponse};
use generated::runtime::SignedUrl;
use generated::tencent::cdb::{BackupFile as CdbFile, GetExportBackupUrlResponse};
use generated::tencent::redis::{
    BackupDownloadInfo, BackupUrls, DescribeBackupUrlResponse, GetBackupDownloadUrlResponse,
};
use generated::ucloud::udb::DescribeUdbInstanceBackupUrlResponse;
use time::OffsetDateTime;

/// Which network an address is reachable from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Network {
    /// The internet.
    Public,
    /// Only the vendor's private network (a VPC of the same region).
    Private,
}

impl Network {
    /// `public` or `private`.
    pub fn as_str(self) -> &'static str {
        match self {
            Network::Public => "public",
            Network::Private => "private",
        }
    }
}

impl fmt::Display for Network {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A file size as the API reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Size {
    /// In bytes: the file must have exactly this length.
    Exact(u64),
    /// In a coarser unit (Huawei DDS reports KiB): the file has `bytes` rounded to within
    /// `within` bytes, in either direction.
    Approx {
        /// The reported size converted to bytes.
        bytes: u64,
        /// The unit's size in bytes (1024 for KiB).
        within: u64,
    },
}

impl Size {
    /// Whether a file of `len` bytes agrees with the reported size.
    pub fn admits(self, len: u64) -> bool {
        match self {
            Size::Exact(n) => n == len,
            Size::Approx { bytes, within } => bytes.abs_diff(len) < within,
        }
    }

    /// The reported size in bytes (approximate for [`Size::Approx`]).
    pub fn bytes(self) -> u64 {
        match self {
            Size::Exact(n) | Size::Approx { bytes: n, .. } => n,
        }
    }

    /// A size in `unit_bytes`-byte units: exact when the unit is a byte.
    fn from_units(bytes: Option<u64>, unit_bytes: u64) -> Option<Size> {
        let bytes = bytes?;
        Some(if unit_bytes <= 1 {
            Size::Exact(bytes)
        } else {
            Size::Approx {
                bytes,
                within: unit_bytes,
            }
        })
    }
}

impl fmt::Display for Size {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Size::Exact(n) => write!(f, "{n} bytes"),
            Size::Approx { bytes, within } => write!(f, "about {bytes} bytes (±{within})"),
        }
    }
}

/// When a link stops working.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expiry {
    /// At this instant (from the API's own field, or issue time plus the documented window).
    At(OffsetDateTime),
    /// The API does not say, or says something unparsable.
    Unknown,
}

impl Expiry {
    fn after(issued: OffsetDateTime, valid_for: Duration) -> Expiry {
        Expiry::At(issued + valid_for)
    }
}

/// One signed download address of one backup file, normalised across the five APIs.
/// `Debug` and `Display` never show more of the URL than its host.
#[derive(Clone, Debug, PartialEq)]
pub struct BackupLink {
    /// The link API it came from (wire name, e.g. `DescribeBackupUrl`).
    pub operation: &'static str,
    /// The file's name as the API gives it (or as the URL's last path segment has it).
    pub file_name: String,
    /// The signed URL: a bearer credential, printed redacted.
    pub url: SignedUrl,
    /// Which network the address serves.
    pub network: Network,
    /// When the address stops working.
    pub expires_at: Expiry,
    /// The size the API reports, if any.
    pub size: Option<Size>,
    /// The MD5 the API reports (lower-case hex), if any.
    pub md5: Option<String>,
    /// The backup's kind where the API says it (CDB: `mysql`, `xtrabackup`, `binlog`, …).
    pub kind: Option<String>,
}

/// A usable address: `None` for an absent or empty one.
fn usable(url: Option<&SignedUrl>) -> Option<SignedUrl> {
    url.filter(|u| !u.expose().is_empty()).cloned()
}

/// The file's name: the API's `given` one when it is safe, else the URL's last path segment
/// (percent-decoded) when that is, else `fallback`.
fn file_name(given: Option<&String>, url: &SignedUrl, fallback: &str) -> String {
    if let Some(name) = given.filter(|n| safe_file_name(n)) {
        return name.clone();
    }
    let s = url.expose();
    // Past `scheme://host` (empty origin: no scheme, nothing to take a name from).
    let path = match url.origin() {
        "" => "",
        origin => s[origin.len()..]
            .split(['?', '#'])
            .next()
            .unwrap_or_default(),
    };
    let last = path.rsplit('/').next().unwrap_or_default();
    let decoded = percent_encoding::percent_decode_str(last)
        .decode_utf8_lossy()
        .into_owned();
    if safe_file_name(&decoded) {
        decoded
    } else {
        fallback.to_owned()
    }
}

/// Whether `name` can be used as a file name inside the destination directory: not empty,
/// not `.`/`..`, no path separator, no control character, at most 255 bytes.
pub fn safe_file_name(name: &str) -> bool {
    !name.is_empty()
        && name != "."
        && name != ".."
        && name.len() <= 255
        && !name.contains(['/', '\\', '\0'])
        && !name.chars().any(char::is_control)
}

/// Links of seed 000, CDB `GetExportBackupUrl`: `data[]`, `in_url` serves the private network
/// only, `size` in bytes, `type` kept.
pub fn from_cdb_export(
    out: &GetExportBackupUrlResponse,
    issued: OffsetDateTime,
) -> Vec<BackupLink> {
    out.data
        .iter()
        .enumerate()
        .filter_map(|(i, f)| {
            let url = usable(f.in_url.as_ref())?;
            let fallback = format!("backup-{i}");
            Some(BackupLink {
                operation: "GetExportBackupUrl",
                file_name: file_name(f.file_name.as_ref(), &url, &fallback),
                network: Network::Private,
                expires_at: Expiry::after(issued, CdbFile::IN_URL_VALID_FOR),
                size: Size::from_units(f.size, CdbFile::SIZE_UNIT_BYTES),
                md5: None,
                kind: f.backup_type.as_ref().map(|t| t.as_str().to_owned()),
                url,
            })
        })
        .collect()
}

/// Links of seed 001, Redis `GetBackupDownloadUrl` (API 2.0): `data.intranet` (private) and
/// `data.extranet` (public); no size.
pub fn from_redis_v2(
    out: &GetBackupDownloadUrlResponse,
    backup_id: &str,
    issued: OffsetDateTime,
) -> Vec<BackupLink> {
    let Some(data) = &out.data else {
        return Vec::new();
    };
    let pairs = [
        (
            data.extranet.as_ref(),
            Network::Public,
            BackupUrls::EXTRANET_VALID_FOR,
        ),
        (
            data.intranet.as_ref(),
            Network::Private,
            BackupUrls::INTRANET_VALID_FOR,
        ),
    ];
    pairs
        .into_iter()
        .filter_map(|(url, network, valid_for)| {
            let url = usable(url)?;
            Some(BackupLink {
                operation: "GetBackupDownloadUrl",
                file_name: file_name(None, &url, &format!("{backup_id}.rdb")),
                network,
                expires_at: Expiry::after(issued, valid_for),
                size: None,
                md5: None,
                kind: None,
                url,
            })
        })
        .collect()
}

/// Links of seed 002, Redis `DescribeBackupUrl` (API 3.0): `BackupInfos[]` when present (name,
/// size in bytes, `0` meaning unknown, both addresses per file), else the deprecated flat lists.
pub fn from_redis_v3(
    out: &DescribeBackupUrlResponse,
    backup_id: &str,
    issued: OffsetDateTime,
) -> Vec<BackupLink> {
    let op = "DescribeBackupUrl";
    let mut links = Vec::new();
    if !out.backup_infos.is_empty() {
        for (i, info) in out.backup_infos.iter().enumerate() {
            let fallback = format!("{backup_id}-{i}");
            let size = Size::from_units(
                info.file_size.filter(|n| *n > 0),
                BackupDownloadInfo::FILE_SIZE_UNIT_BYTES,
            );
            let pairs = [
                (
                    info.download_url.as_ref(),
                    Network::Public,
                    BackupDownloadInfo::DOWNLOAD_URL_VALID_FOR,
                ),
                (
                    info.inner_download_url.as_ref(),
                    Network::Private,
                    BackupDownloadInfo::INNER_DOWNLOAD_URL_VALID_FOR,
                ),
            ];
            for (url, network, valid_for) in pairs {
                let Some(url) = usable(url) else {
                    continue;
                };
                links.push(BackupLink {
                    operation: op,
                    file_name: file_name(info.file_name.as_ref(), &url, &fallback),
                    url: url.clone(),
                    network,
                    expires_at: Expiry::after(issued, valid_for),
                    size,
                    md5: None,
                    kind: None,
                });
            }
        }
        return links;
    }
    let lists = [
        (
            &out.download_url,
            Network::Public,
            DescribeBackupUrlResponse::DOWNLOAD_URL_VALID_FOR,
        ),
        (
            &out.inner_download_url,
            Network::Private,
            DescribeBackupUrlResponse::INNER_DOWNLOAD_URL_VALID_FOR,
        ),
    ];
    for (urls, network, valid_for) in lists {
        for (i, url) in urls.iter().enumerate() {
            let fallback = format!("{backup_id}-{i}");

            links.push(BackupLink {
                operation: op,
                file_name: file_name(out.filenames.get(i), url, &fallback),
                url: url.clone(),
                network,
                expires_at: Expiry::after(issued, valid_for),
                size: None,
                md5: None,
                kind: None,
            });
        }
    }
    links
}

/// Links of seed 003, UCloud `DescribeUDBInstanceBackupURL`: `BackupPath` (public) and
/// `InnerBackupPath` (private), the file's MD5, valid for the `ValidTime` the request sent.
pub fn from_udb(
    out: &DescribeUdbInstanceBackupUrlResponse,
    db_id: &str,
    backup_id: i64,
    issued: OffsetDateTime,
    valid_for: Duration,
) -> Vec<BackupLink> {
    let md5 = out
        .md5
        .as_deref()
        .map(str::trim)
        .filter(|m| !m.is_empty())
        .map(str::to_ascii_lowercase);
    let fallback = format!("{db_id}-{backup_id}");
    [
        (out.backup_path.as_ref(), Network::Public),
        (out.inner_backup_path.as_ref(), Network::Private),
    ]
    .into_iter()
    .filter_map(|(url, network)| {
        let url = usable(url)?;
        Some(BackupLink {
            operation: "DescribeUDBInstanceBackupURL",
            file_name: file_name(None, &url, &fallback),
            network,
            expires_at: Expiry::after(issued, valid_for),
            size: None,
            md5: md5.clone(),
            kind: None,
            url,
        })
    })
    .collect()
}

/// Links of seed 004, Huawei DDS `download-file`: `files[]`, sizes in KiB (approximate),
/// `link_expired_time` (unparsable: expiry unknown, never an error). The links are OBS
/// addresses on the internet.
pub fn from_dds(out: &DownloadFileResponse) -> Vec<BackupLink> {
    out.files
        .iter()
        .enumerate()
        .filter_map(|(i, f)| {
            let url = usable(f.download_link.as_ref())?;
            let fallback = format!("file-{i}");
            Some(BackupLink {
                operation: "download-file",
                file_name: file_name(f.name.as_ref(), &url, &fallback),
                network: Network::Public,
                expires_at: f
                    .link_expired_time
                    .as_ref()
                    .and_then(|t| t.parsed())
                    .map_or(Expiry::Unknown, Expiry::At),
                size: Size::from_units(f.size_bytes(), DdsFile::SIZE_UNIT_BYTES),
                md5: None,
                kind: None,
                url,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_admit_their_rounding() {
        assert!(Size::Exact(10).admits(10));
        assert!(!Size::Exact(10).admits(11));
        let kib = Size::Approx {
            bytes: 2048,
            within: 1024,
        };
        assert!(kib.admits(2048) && kib.admits(1025) && kib.admits(3071));
        assert!(!kib.admits(3072) && !kib.admits(1024));
    }

    #[test]
    fn names_from_urls_are_safe() {
        let u = |s: &str| SignedUrl::new(s);
        assert_eq!(
            file_name(None, &u("https://h/a/b/dump%20x.rdb?sign=1"), "f"),
            "dump x.rdb"
        );
        assert_eq!(file_name(None, &u("https://h/a/..?x"), "f"), "f");
        assert_eq!(file_name(None, &u("https://h/a/%2F..%2Fetc?x"), "f"), "f");
        assert_eq!(file_name(None, &u("https://h"), "f"), "f");
        assert_eq!(file_name(None, &u("garbage"), "f"), "f");
        assert!(!safe_file_name("a/b") && !safe_file_name("") && safe_file_name("a.tar"));
    }
}
