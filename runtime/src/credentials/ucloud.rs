//! UCloud's default chain: environment, then the UCloud CLI's profiles.
//!
//! - Environment: `UCLOUD_PUBLIC_KEY`, `UCLOUD_PRIVATE_KEY` (both, or neither).
//! - CLI profiles (`ucloud-cli`): `~/.ucloud/config.json`, a list of profiles
//!   (`{"profile": "default", "active": true, "region": …, "project_id": …}`), and
//!   `~/.ucloud/credential.json`, a list of `{"profile", "public_key", "private_key"}`.
//!   The named profile, else the one marked `active`.
//!
//! UCloud's Python SDK reads neither; these are the CLI's files, which UCloud's tools share.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::UCloudCredentials;
use super::provider::{
    CachingProvider, Chain, Expiring, Lookup, ProvideCredentials, ProviderError,
};
use crate::client::BoxFuture;

/// Builder of UCloud's default credential chain.
#[derive(Clone, Debug)]
pub struct UCloudChain {
    lookup: Lookup,
    home: Option<PathBuf>,
    profile: Option<String>,
}

impl UCloudCredentials {
    /// The default chain: the environment, then the UCloud CLI's active profile.
    pub fn default_chain() -> UCloudChain {
        UCloudChain {
            lookup: Lookup::env(),
            home: std::env::home_dir(),
            profile: None,
        }
    }
}

chain_builder!(UCloudChain);

impl UCloudChain {
    /// Uses the CLI profile `name` instead of the active one.
    pub fn profile(mut self, name: impl Into<String>) -> Self {
        self.profile = Some(name.into());
        self
    }

    /// The chain, cached.
    pub fn build(self) -> CachingProvider {
        CachingProvider::new(Chain::new(vec![
            (
                "environment",
                Box::new(EnvStep {
                    lookup: self.lookup.clone(),
                }),
            ),
            (
                "UCloud CLI profile",
                Box::new(CliStep {
                    dir: self.home.map(|h| h.join(".ucloud")),
                    profile: self.profile,
                }),
            ),
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
            if get.get("UCLOUD_PUBLIC_KEY").is_none() && get.get("UCLOUD_PRIVATE_KEY").is_none() {
                return Err(ProviderError::absent(
                    "UCLOUD_PUBLIC_KEY and UCLOUD_PRIVATE_KEY are not set",
                ));
            }
            Ok(Expiring::long_term(UCloudCredentials::from_lookup(
                |name| get.get(name),
            )?))
        })
    }
}

#[derive(Debug)]
struct CliStep {
    dir: Option<PathBuf>,
    profile: Option<String>,
}

#[derive(Deserialize)]
struct CliConfig {
    profile: String,
    #[serde(default)]
    active: bool,
}

#[derive(Deserialize)]
struct CliCredential {
    profile: String,
    #[serde(default)]
    public_key: String,
    #[serde(default)]
    private_key: String,
}

fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<Option<T>, ProviderError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(ProviderError::File {
                path: path.to_owned(),
                line: None,
                reason: format!("cannot be read: {e}"),
            });
        }
    };
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|e| ProviderError::File {
            path: path.to_owned(),
            line: Some(e.line()),
            reason: super::provider::json_problem(&e),
        })
}

impl ProvideCredentials for CliStep {
    fn provide(&self) -> BoxFuture<'_, Result<Expiring, ProviderError>> {
        Box::pin(async move {
            let Some(dir) = &self.dir else {
                return Err(ProviderError::absent("no home directory"));
            };
            let (config_path, cred_path) = (dir.join("config.json"), dir.join("credential.json"));
            let Some(creds) = read_json::<Vec<CliCredential>>(&cred_path)? else {
                return Err(ProviderError::absent(format!(
                    "{} does not exist",
                    cred_path.display()
                )));
            };
            let name = match &self.profile {
                Some(p) => p.clone(),
                None => {
                    let configs = read_json::<Vec<CliConfig>>(&config_path)?.unwrap_or_default();
                    configs
                        .into_iter()
                        .find(|c| c.active)
                        .map(|c| c.profile)
                        .ok_or_else(|| ProviderError::File {
                            path: config_path.clone(),
                            line: None,
                            reason: "no profile is marked `active`".into(),
                        })?
                }
            };
            let c = creds
                .into_iter()
                .find(|c| c.profile == name)
                .ok_or_else(|| ProviderError::File {
                    path: cred_path.clone(),
                    line: None,
                    reason: format!("no profile `{name}`"),
                })?;
            if c.public_key.trim().is_empty() || c.private_key.trim().is_empty() {
                return Err(ProviderError::File {
                    path: cred_path,
                    line: None,
                    reason: format!("profile `{name}` has half a key pair or none"),
                });
            }
            Ok(Expiring::long_term(UCloudCredentials::new(
                c.public_key.trim(),
                c.private_key.trim(),
            )))
        })
    }
}
