//! Huawei Cloud's default chain, as `huaweicloudsdkcore` resolves it (basic credentials):
//! environment, profile file, ECS instance metadata.
//!
//! - Environment: `HUAWEICLOUD_SDK_AK`, `HUAWEICLOUD_SDK_SK` (both, or neither), with
//!   `HUAWEICLOUD_SDK_PROJECT_ID`, `HUAWEICLOUD_SDK_DOMAIN_ID`,
//!   `HUAWEICLOUD_SDK_SECURITY_TOKEN` when set.
//! - Profile: `$HUAWEICLOUD_SDK_CREDENTIALS_FILE`, else `~/.huaweicloud/credentials`; INI
//!   section `[basic]` (`ak`, `sk`, `project_id`, `security_token`), `[global]` for
//!   `domain_id`.
//! - ECS metadata: `GET /openstack/latest/securitykey` gives
//!   `{"credential": {"access", "secret", "securitytoken", "expires_at"}}` (temporary keys
//!   of the instance's agency; `expires_at` in RFC 3339). The project id comes from the
//!   environment. (The SDK first asks `PUT /meta-data/latest/api/token` for a session
//!   token and falls back without one; this chain asks without.)

use std::path::PathBuf;

use serde::Deserialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::metadata::Metadata;
use super::provider::{
    CachingProvider, Chain, Expiring, Lookup, ProvideCredentials, ProviderError,
};
use super::{CredentialsError, HuaweiCredentials, ProfileFile};
use crate::client::BoxFuture;

/// Where the ECS metadata service is.
pub const HUAWEI_METADATA: &str = "http://169.254.169.254";
const SECURITY_KEY_PATH: &str = "/openstack/latest/securitykey";
/// `huaweicloudsdkcore` refreshes temporary keys 40 minutes before they expire.
const HUAWEI_REFRESH_AHEAD: std::time::Duration = std::time::Duration::from_secs(40 * 60);

/// Builder of Huawei Cloud's default credential chain.
#[derive(Clone, Debug)]
pub struct HuaweiChain {
    lookup: Lookup,
    home: Option<PathBuf>,
    metadata: String,
}

impl HuaweiCredentials {
    /// The default chain: environment, profile file, ECS metadata.
    pub fn default_chain() -> HuaweiChain {
        HuaweiChain {
            lookup: Lookup::env(),
            home: std::env::home_dir(),
            metadata: HUAWEI_METADATA.to_owned(),
        }
    }
}

chain_builder!(HuaweiChain, metadata HUAWEI_METADATA);

impl HuaweiChain {
    /// The chain, cached: temporary keys are refreshed 40 minutes ahead of expiry, as
    /// `huaweicloudsdkcore` does.
    pub fn build(self) -> CachingProvider {
        CachingProvider::with_ahead(
            Chain::new(vec![
                (
                    "environment",
                    Box::new(EnvStep {
                        lookup: self.lookup.clone(),
                    }),
                ),
                (
                    "profile file",
                    Box::new(ProfileStep {
                        lookup: self.lookup.clone(),
                        home: self.home,
                    }),
                ),
                (
                    "ECS metadata",
                    Box::new(MetadataStep {
                        lookup: self.lookup.clone(),
                        metadata: Metadata::new(&self.metadata),
                    }),
                ),
            ]),
            HUAWEI_REFRESH_AHEAD,
        )
    }
}

/// A variable's trimmed value: `None` unset, an error when set but empty or not UTF-8.
fn var(get: &Lookup, variable: &'static str) -> Result<Option<String>, CredentialsError> {
    match get.get(variable) {
        None => Ok(None),
        Some(v) => match v.into_string() {
            Ok(s) if !s.trim().is_empty() => Ok(Some(s.trim().to_owned())),
            _ => Err(CredentialsError {
                variable,
                missing: false,
            }),
        },
    }
}

/// Project and domain ids from the environment, onto `c`.
fn ids_from_env(
    get: &Lookup,
    mut c: HuaweiCredentials,
) -> Result<HuaweiCredentials, CredentialsError> {
    if let Some(p) = var(get, "HUAWEICLOUD_SDK_PROJECT_ID")? {
        c = c.with_project_id(p);
    }
    if let Some(d) = var(get, "HUAWEICLOUD_SDK_DOMAIN_ID")? {
        c = c.with_domain_id(d);
    }
    Ok(c)
}

#[derive(Debug)]
struct EnvStep {
    lookup: Lookup,
}

impl ProvideCredentials for EnvStep {
    fn provide(&self) -> BoxFuture<'_, Result<Expiring, ProviderError>> {
        let get = self.lookup.clone();
        Box::pin(async move {
            let (ak, sk) = (
                var(&get, "HUAWEICLOUD_SDK_AK")?,
                var(&get, "HUAWEICLOUD_SDK_SK")?,
            );
            let (ak, sk) = match (ak, sk) {
                (None, None) => {
                    return Err(ProviderError::absent(
                        "HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK are not set",
                    ));
                }
                (Some(ak), Some(sk)) => (ak, sk),
                (Some(_), None) => {
                    return Err(CredentialsError {
                        variable: "HUAWEICLOUD_SDK_SK",
                        missing: true,
                    }
                    .into());
                }
                (None, Some(_)) => {
                    return Err(CredentialsError {
                        variable: "HUAWEICLOUD_SDK_AK",
                        missing: true,
                    }
                    .into());
                }
            };
            let mut c = ids_from_env(&get, HuaweiCredentials::new(ak, sk))?;
            if let Some(t) = var(&get, "HUAWEICLOUD_SDK_SECURITY_TOKEN")? {
                c = c.with_security_token(t);
            }
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
                "HUAWEICLOUD_SDK_CREDENTIALS_FILE",
                self.home.as_deref(),
                ".huaweicloud/credentials",
                None,
            )?;
            let basic = file.section("basic")?;
            let key = |name| file.require(&basic, "basic", name);
            let mut c = HuaweiCredentials::new(key("ak")?, key("sk")?);
            if let Some(p) = basic.get("project_id") {
                c = c.with_project_id(p);
            }
            if let Some(t) = basic.get("security_token") {
                c = c.with_security_token(t);
            }
            let domain = file
                .optional_section("global")
                .and_then(|g| g.get("domain_id").map(str::to_owned))
                .or_else(|| basic.get("domain_id").map(str::to_owned));
            if let Some(d) = domain {
                c = c.with_domain_id(d);
            }
            Ok(Expiring::long_term(c))
        })
    }
}

#[derive(Debug)]
struct MetadataStep {
    lookup: Lookup,
    metadata: Metadata,
}

#[derive(Deserialize)]
struct SecurityKey {
    credential: Option<TempKey>,
}

#[derive(Deserialize)]
struct TempKey {
    access: Option<String>,
    secret: Option<String>,
    securitytoken: Option<String>,
    expires_at: Option<String>,
}

impl ProvideCredentials for MetadataStep {
    fn provide(&self) -> BoxFuture<'_, Result<Expiring, ProviderError>> {
        Box::pin(async move {
            let path = SECURITY_KEY_PATH;
            let text = self.metadata.get(path).await?;
            let doc: SecurityKey = serde_json::from_str(&text)
                .map_err(|e| ProviderError::metadata(path, super::provider::json_problem(&e)))?;
            let missing = |name: &str| ProviderError::metadata(path, format!("no `{name}`"));
            let key = doc.credential.ok_or_else(|| missing("credential"))?;
            let expires = key
                .expires_at
                .ok_or_else(|| missing("credential.expires_at"))?;
            let expires_at = OffsetDateTime::parse(&expires, &Rfc3339)
                .map_err(|_| ProviderError::metadata(path, "`expires_at` is not an RFC 3339 time"))?
                .unix_timestamp();
            let c = HuaweiCredentials::new(
                key.access.ok_or_else(|| missing("credential.access"))?,
                key.secret.ok_or_else(|| missing("credential.secret"))?,
            )
            .with_security_token(
                key.securitytoken
                    .ok_or_else(|| missing("credential.securitytoken"))?,
            );
            let c = ids_from_env(&self.lookup, c)?;
            Ok(Expiring {
                credentials: c.into(),
                expires_at: Some(expires_at),
            })
        })
    }
}
