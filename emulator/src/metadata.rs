//! The instance metadata services of Tencent CVM and Huawei ECS, on the emulator's own
//! port: each request for keys issues a new temporary key pair (rotation) that expires
//! after a configurable time; the verifier accepts an issued key, with its token, until it
//! expires.
//!
//! - Tencent: `GET /latest/meta-data/cam/security-credentials/` → the role name;
//!   `GET …/<role>` → `{"TmpSecretId", "TmpSecretKey", "Token", "ExpiredTime", "Code": "Success"}`.
//! - Huawei: `GET /openstack/latest/securitykey` →
//!   `{"credential": {"access", "secret", "securitytoken", "expires_at"}}` (RFC 3339).

use std::borrow::Cow;

use runtime::{HuaweiCredentials, TencentCredentials};
use serde_json::json;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::{Keys, Seen};

/// The role name the emulated CVM instance has.
pub const ROLE: &str = "emulator-role";
const TENCENT_ROLES: &str = "/latest/meta-data/cam/security-credentials/";
const HUAWEI_KEY: &str = "/openstack/latest/securitykey";

/// Which vendor a temporary key is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Vendor {
    /// Tencent Cloud (CVM role).
    Tencent,
    /// Huawei Cloud (ECS agency).
    Huawei,
}

/// A temporary key the emulator issued (`Debug` shows the id and expiry only).
#[derive(Clone)]
pub struct Issued {
    /// For which vendor.
    pub vendor: Vendor,
    /// Key id (`TmpSecretId`, `access`).
    pub id: String,
    secret: String,
    token: String,
    /// Expiry, UNIX seconds.
    pub expires_at: i64,
}

impl std::fmt::Debug for Issued {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Issued")
            .field("vendor", &self.vendor)
            .field("id", &self.id)
            .field("secret", &runtime::REDACTED)
            .field("token", &runtime::REDACTED)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// Issued keys and how long new ones live.
#[derive(Debug)]
pub(crate) struct Issuer {
    pub(crate) issued: Vec<Issued>,
    pub(crate) ttl_seconds: i64,
}

impl Default for Issuer {
    fn default() -> Self {
        Self {
            issued: Vec::new(),
            ttl_seconds: 3600,
        }
    }
}

impl Issuer {
    fn issue(&mut self, vendor: Vendor, now: i64) -> Issued {
        let n = self.issued.len() + 1;
        let key = Issued {
            vendor,
            id: match vendor {
                Vendor::Tencent => format!("AKIDTMPEMULATOR{n:06}"),
                Vendor::Huawei => format!("TMPEMULATORAK{n:06}"),
            },
            secret: format!("emulator-temporary-secret-{n:06}"),
            token: format!("emulator-temporary-token-{n:06}"),
            expires_at: now + self.ttl_seconds,
        };
        self.issued.push(key.clone());
        key
    }

    /// The answer to a metadata request, if `path` is one (`None`: not a metadata path).
    pub(crate) fn answer(&mut self, method: &str, path: &str, now: i64) -> Option<(u16, String)> {
        if method != "GET" {
            return (path.starts_with(TENCENT_ROLES) || path == HUAWEI_KEY)
                .then(|| (405, "method not allowed".to_owned()));
        }
        if path == TENCENT_ROLES {
            return Some((200, ROLE.to_owned()));
        }
        if let Some(role) = path.strip_prefix(TENCENT_ROLES) {
            if role != ROLE {
                return Some((404, "no such role".to_owned()));
            }
            let k = self.issue(Vendor::Tencent, now);
            let body = json!({
                "TmpSecretId": k.id,
                "TmpSecretKey": k.secret,
                "ExpiredTime": k.expires_at,
                "Expiration": rfc3339(k.expires_at),
                "Token": k.token,
                "Code": "Success",
            });
            return Some((200, body.to_string()));
        }
        if path == HUAWEI_KEY {
            let k = self.issue(Vendor::Huawei, now);
            let body = json!({
                "credential": {
                    "access": k.id,
                    "secret": k.secret,
                    "securitytoken": k.token,
                    "expires_at": rfc3339(k.expires_at),
                }
            });
            return Some((200, body.to_string()));
        }
        None
    }

    /// The keys to verify `req` with: the configured ones, or an issued temporary key when
    /// the request names one, carries its token and the key has not expired.
    pub(crate) fn keys_for<'k>(&self, keys: &'k Keys, req: &Seen, now: i64) -> Cow<'k, Keys> {
        let valid = |vendor: Vendor, id: &str, token: Option<&str>| {
            self.issued.iter().find(|k| {
                k.vendor == vendor
                    && k.id == id
                    && k.expires_at > now
                    && token == Some(k.token.as_str())
            })
        };
        let auth = req.header("authorization").unwrap_or_default();
        if let Some(id) =
            field(auth, "Credential=").map(|c| c.split('/').next().unwrap_or_default())
            && let Some(k) = valid(Vendor::Tencent, id, req.header("x-tc-token"))
        {
            let mut keys = keys.clone();
            keys.tencent = TencentCredentials::new(&k.id, &k.secret).with_token(&k.token);
            return Cow::Owned(keys);
        }
        if let Some(id) = field(auth, "Access=")
            && let Some(k) = valid(Vendor::Huawei, id, req.header("x-security-token"))
        {
            let mut keys = keys.clone();
            let mut h = HuaweiCredentials::new(&k.id, &k.secret).with_security_token(&k.token);
            h.project_id = keys.huawei.project_id.clone();
            keys.huawei = h;
            return Cow::Owned(keys);
        }
        Cow::Borrowed(keys)
    }
}

/// The value after `name` in an `Authorization` header, up to `,` or a space.
fn field<'a>(auth: &'a str, name: &str) -> Option<&'a str> {
    let start = auth.find(name)? + name.len();
    let rest = &auth[start..];
    Some(rest.split([',', ' ']).next().unwrap_or_default())
}

fn rfc3339(unix: i64) -> String {
    OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_default()
}
