//! Tencent Cloud's default chain, as `tencentcloud-sdk-python-common` resolves it:
//! environment, profile file, CVM role from the instance metadata service.
//!
//! - Environment: `TENCENTCLOUD_SECRET_ID`, `TENCENTCLOUD_SECRET_KEY` (both, or neither),
//!   `TENCENTCLOUD_SESSION_TOKEN` when set.
//! - Profile: `$TENCENTCLOUD_CREDENTIALS_FILE`, else `~/.tencentcloud/credentials`, else
//!   `/etc/tencentcloud/credentials`; INI section `[default]`, keys `secret_id`, `secret_key`.
//! - CVM role: `GET /latest/meta-data/cam/security-credentials/` gives the role name,
//!   `GET …/<role>` a JSON document with `TmpSecretId`, `TmpSecretKey`, `Token`,
//!   `ExpiredTime` (UNIX seconds) and `Code: "Success"`.

use std::path::PathBuf;

use serde::Deserialize;

use super::metadata::Metadata;
use super::provider::{
    CachingProvider, Chain, Expiring, Lookup, ProvideCredentials, ProviderError,
};
use super::{ProfileFile, TencentCredentials};
use crate::client::BoxFuture;

/// Where the CVM metadata service is.
pub const TENCENT_METADATA: &str = "http://metadata.tencentyun.com";
const ROLE_PATH: &str = "/latest/meta-data/cam/security-credentials/";

/// Builder of Tencent Cloud's default credential chain.
#[derive(Clone, Debug)]
pub struct TencentChain {
    lookup: Lookup,
    home: Option<PathBuf>,
    metadata: String,
}

impl TencentCredentials {
    /// The default chain: explicit keys go through [`Runtime::new`](crate::Runtime::new);
    /// this finds them in the environment, then the profile file, then the CVM role.
    pub fn default_chain() -> TencentChain {
        TencentChain {
            lookup: Lookup::env(),
            home: std::env::home_dir(),
            metadata: TENCENT_METADATA.to_owned(),
        }
    }
}

chain_builder!(TencentChain, metadata TENCENT_METADATA);

impl TencentChain {
    /// The chain, cached: temporary keys are refreshed ahead of expiry.
    pub fn build(self) -> CachingProvider {
        let env_step = EnvStep {
            lookup: self.lookup.clone(),
        };
        let file = ProfileStep {
            lookup: self.lookup.clone(),
            home: self.home,
        };
        let role = RoleStep {
            metadata: Metadata::new(&self.metadata),
        };
        CachingProvider::new(Chain::new(vec![
            ("environment", Box::new(env_step)),
            ("profile file", Box::new(file)),
            ("CVM role", Box::new(role)),
        ]))
    }
}

#[derive(Debug)]
struct EnvStep {
    lookup: Lookup,
}

impl ProvideCredentials for EnvStep {
    fn provide(&self) -> BoxFuture<'_, Result<Expiring, ProviderError>> {
        let get = self.lookup.clone();
        Box::pin(async move {
            if get.get("TENCENTCLOUD_SECRET_ID").is_none()
                && get.get("TENCENTCLOUD_SECRET_KEY").is_none()
            {
                return Err(ProviderError::absent(
                    "TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY are not set",
                ));
            }
            let c = TencentCredentials::from_lookup(|name| get.get(name))?;
            Ok(Expiring::long_term(c))
        })
    }
}

#[derive(Debug)]
struct ProfileStep {
    lookup: Lookup,
    home: Option<PathBuf>,
}

impl ProvideCredentials for ProfileStep {
    fn provide(&self) -> BoxFuture<'_, Result<Expiring, ProviderError>> {
        Box::pin(async move {
            let file = ProfileFile::find(
                &self.lookup,
                "TENCENTCLOUD_CREDENTIALS_FILE",
                self.home.as_deref(),
                ".tencentcloud/credentials",
                Some("/etc/tencentcloud/credentials"),
            )?;
            let section = file.section("default")?;
            let key = |name| file.require(&section, "default", name);
            let c = TencentCredentials::new(key("secret_id")?, key("secret_key")?);
            Ok(Expiring::long_term(c))
        })
    }
}

#[derive(Debug)]
struct RoleStep {
    metadata: Metadata,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RoleKeys {
    code: Option<String>,
    tmp_secret_id: Option<String>,
    tmp_secret_key: Option<String>,
    token: Option<String>,
    expired_time: Option<i64>,
}

impl ProvideCredentials for RoleStep {
    fn provide(&self) -> BoxFuture<'_, Result<Expiring, ProviderError>> {
        Box::pin(async move {
            let role = self.metadata.get(ROLE_PATH).await?;
            let role = role.lines().next().unwrap_or_default().trim();
            if role.is_empty() || role.contains(['/', '?', '#']) {
                return Err(ProviderError::metadata(ROLE_PATH, "no usable role name"));
            }
            let path = format!("{ROLE_PATH}{role}");
            let text = self.metadata.get(&path).await?;
            let keys: RoleKeys = serde_json::from_str(&text)
                .map_err(|e| ProviderError::metadata(&path, super::provider::json_problem(&e)))?;
            if keys.code.as_deref() != Some("Success") {
                return Err(ProviderError::metadata(&path, "`Code` is not `Success`"));
            }
            let missing = |name: &str| ProviderError::metadata(&path, format!("no `{name}`"));
            let c = TencentCredentials::new(
                keys.tmp_secret_id.ok_or_else(|| missing("TmpSecretId"))?,
                keys.tmp_secret_key.ok_or_else(|| missing("TmpSecretKey"))?,
            )
            .with_token(keys.token.ok_or_else(|| missing("Token"))?);
            Ok(Expiring {
                credentials: c.into(),
                expires_at: Some(keys.expired_time.ok_or_else(|| missing("ExpiredTime"))?),
            })
        })
    }
}
