//! Credentials: from code, or from each vendor's usual environment variables.
//!
//! Secret halves are held in [`Sensitive`], so `Debug` prints `<redacted>`; the public
//! halves (SecretId, PublicKey, AK) identify the key and are shown.

use std::fmt;
use std::path::PathBuf;

use crate::redact::Sensitive;

/// The builder methods every vendor chain has: where variables and the home directory come
/// from, and (`metadata`) the instance metadata service's base URL.
macro_rules! chain_builder {
    ($chain:ty) => {
        impl $chain {
            /// Reads variables through `lookup` instead of the process environment.
            pub fn lookup(mut self, lookup: Lookup) -> Self {
                self.lookup = lookup;
                self
            }

            /// The home directory the profile files are under (`None`: none).
            pub fn home(mut self, home: Option<PathBuf>) -> Self {
                self.home = home;
                self
            }
        }
    };
    ($chain:ty, metadata $default:ident) => {
        chain_builder!($chain);

        impl $chain {
            #[doc = concat!("The metadata service's base URL (default [`", stringify!($default), "`]).")]
            pub fn metadata_endpoint(mut self, base: impl Into<String>) -> Self {
                self.metadata = base.into();
                self
            }
        }
    };
}

mod huawei;
mod ini;
mod metadata;
mod provider;
mod tencent;
mod ucloud;

pub use huawei::{HUAWEI_METADATA, HuaweiChain};
pub use provider::{
    CachingProvider, Chain, Expiring, Lookup, ProvideCredentials, ProviderError, REFRESH_AHEAD,
    Step,
};
pub use tencent::{TENCENT_METADATA, TencentChain};
pub use ucloud::UCloudChain;

/// A vendor's profile file, found and parsed: the file `variable` names (which must exist),
/// else the first of `rel` under the home directory and `system` that exists.
pub(crate) struct ProfileFile {
    path: PathBuf,
    ini: ini::Ini,
}

impl ProfileFile {
    pub(crate) fn find(
        lookup: &Lookup,
        variable: &str,
        home: Option<&std::path::Path>,
        rel: &str,
        system: Option<&str>,
    ) -> Result<Self, ProviderError> {
        let named = lookup.get(variable).map(PathBuf::from);
        let candidates: Vec<PathBuf> = match &named {
            Some(path) => vec![path.clone()],
            None => home
                .map(|h| h.join(rel))
                .into_iter()
                .chain(system.map(PathBuf::from))
                .collect(),
        };
        for path in &candidates {
            match std::fs::read_to_string(path) {
                Ok(text) => {
                    let ini = ini::Ini::parse(&text, path)?;
                    return Ok(Self {
                        path: path.clone(),
                        ini,
                    });
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound && named.is_none() => {}
                Err(e) => {
                    return Err(ProviderError::File {
                        path: path.clone(),
                        line: None,
                        reason: format!("cannot be read: {e}"),
                    });
                }
            }
        }
        let list: Vec<String> = candidates.iter().map(|p| p.display().to_string()).collect();
        Err(ProviderError::absent(format!(
            "no profile file ({})",
            list.join(", ")
        )))
    }

    fn problem(&self, reason: String) -> ProviderError {
        ProviderError::File {
            path: self.path.clone(),
            line: None,
            reason,
        }
    }

    /// The section `name`, which must exist.
    pub(crate) fn section(&self, name: &str) -> Result<ini::Section<'_>, ProviderError> {
        self.ini
            .section(name)
            .ok_or_else(|| self.problem(format!("no `[{name}]` profile")))
    }

    /// The section `name`, if the file has it.
    pub(crate) fn optional_section(&self, name: &str) -> Option<ini::Section<'_>> {
        self.ini.section(name)
    }

    /// `key` of `section` (named `name` in messages), which must be set.
    pub(crate) fn require<'a>(
        &self,
        section: &ini::Section<'a>,
        name: &str,
        key: &str,
    ) -> Result<&'a str, ProviderError> {
        section
            .get(key)
            .ok_or_else(|| self.problem(format!("`[{name}]` has no `{key}`")))
    }
}

/// Tencent Cloud API key (API 2.0 and 3.0): `TENCENTCLOUD_SECRET_ID`, `TENCENTCLOUD_SECRET_KEY`,
/// optional `TENCENTCLOUD_SESSION_TOKEN` for temporary credentials.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TencentCredentials {
    /// SecretId (`AKID…`), sent with every request.
    pub secret_id: String,
    /// SecretKey, used only to sign.
    pub secret_key: Sensitive<String>,
    /// Session token of temporary credentials (`X-TC-Token` / `Token`).
    pub token: Option<Sensitive<String>>,
}

/// UCloud API key pair: `UCLOUD_PUBLIC_KEY`, `UCLOUD_PRIVATE_KEY`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UCloudCredentials {
    /// PublicKey, sent with every request.
    pub public_key: String,
    /// PrivateKey, used only to sign.
    pub private_key: Sensitive<String>,
}

/// Huawei Cloud AK/SK: `HUAWEICLOUD_SDK_AK`, `HUAWEICLOUD_SDK_SK`, `HUAWEICLOUD_SDK_PROJECT_ID`,
/// `HUAWEICLOUD_SDK_DOMAIN_ID`, and `HUAWEICLOUD_SDK_SECURITY_TOKEN` for temporary AK/SK.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HuaweiCredentials {
    /// Access key id, sent in `Authorization`.
    pub ak: String,
    /// Secret access key, used only to sign.
    pub sk: Sensitive<String>,
    /// Project id of the region: fills `{project_id}` paths and, for project-scoped
    /// operations, `X-Project-Id`.
    pub project_id: Option<String>,
    /// Account (domain) id: fills `{domain_id}` paths and, for domain-scoped (global)
    /// operations, `X-Domain-Id`, which those operations require.
    pub domain_id: Option<String>,
    /// Security token of temporary AK/SK: sent, and signed, as `X-Security-Token`.
    pub security_token: Option<Sensitive<String>>,
}

/// Any vendor's credentials; a client holds the kind its protocol needs.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Credentials {
    /// Tencent Cloud (API 2.0 and 3.0).
    Tencent(TencentCredentials),
    /// UCloud.
    UCloud(UCloudCredentials),
    /// Huawei Cloud.
    Huawei(HuaweiCredentials),
}

/// A credential could not be read from the environment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CredentialsError {
    /// The environment variable.
    pub variable: &'static str,
    /// Whether it was unset (`false`: set but empty or not UTF-8).
    pub missing: bool,
}

impl fmt::Display for CredentialsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = if self.missing {
            "is not set"
        } else {
            "is empty or not UTF-8"
        };
        write!(f, "environment variable `{}` {state}", self.variable)
    }
}

impl std::error::Error for CredentialsError {}

/// Reads variables through `get` (the process environment in `from_env`, a map in tests).
fn required(
    get: &impl Fn(&str) -> Option<std::ffi::OsString>,
    variable: &'static str,
) -> Result<String, CredentialsError> {
    let value = get(variable).ok_or(CredentialsError {
        variable,
        missing: true,
    })?;
    match value.into_string() {
        Ok(s) if !s.trim().is_empty() => Ok(s.trim().to_owned()),
        _ => Err(CredentialsError {
            variable,
            missing: false,
        }),
    }
}

fn optional(
    get: &impl Fn(&str) -> Option<std::ffi::OsString>,
    variable: &'static str,
) -> Result<Option<String>, CredentialsError> {
    match get(variable) {
        None => Ok(None),
        Some(_) => required(get, variable).map(Some),
    }
}

pub(crate) fn env(name: &str) -> Option<std::ffi::OsString> {
    std::env::var_os(name)
}

impl TencentCredentials {
    /// Credentials from code.
    pub fn new(secret_id: impl Into<String>, secret_key: impl Into<String>) -> Self {
        Self {
            secret_id: secret_id.into(),
            secret_key: Sensitive::new(secret_key.into()),
            token: None,
        }
    }

    /// Adds a session token (temporary credentials).
    #[must_use]
    pub fn with_token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(Sensitive::new(token.into()));
        self
    }

    /// From `TENCENTCLOUD_SECRET_ID`, `TENCENTCLOUD_SECRET_KEY` and, when set,
    /// `TENCENTCLOUD_SESSION_TOKEN`.
    pub fn from_env() -> Result<Self, CredentialsError> {
        Self::from_lookup(env)
    }

    /// As [`from_env`](Self::from_env), reading variables through `get`.
    pub fn from_lookup(
        get: impl Fn(&str) -> Option<std::ffi::OsString>,
    ) -> Result<Self, CredentialsError> {
        let mut c = Self::new(
            required(&get, "TENCENTCLOUD_SECRET_ID")?,
            required(&get, "TENCENTCLOUD_SECRET_KEY")?,
        );
        c.token = optional(&get, "TENCENTCLOUD_SESSION_TOKEN")?.map(Sensitive::new);
        Ok(c)
    }
}

impl UCloudCredentials {
    /// Credentials from code.
    pub fn new(public_key: impl Into<String>, private_key: impl Into<String>) -> Self {
        Self {
            public_key: public_key.into(),
            private_key: Sensitive::new(private_key.into()),
        }
    }

    /// From `UCLOUD_PUBLIC_KEY` and `UCLOUD_PRIVATE_KEY`.
    pub fn from_env() -> Result<Self, CredentialsError> {
        Self::from_lookup(env)
    }

    /// As [`from_env`](Self::from_env), reading variables through `get`.
    pub fn from_lookup(
        get: impl Fn(&str) -> Option<std::ffi::OsString>,
    ) -> Result<Self, CredentialsError> {
        Ok(Self::new(
            required(&get, "UCLOUD_PUBLIC_KEY")?,
            required(&get, "UCLOUD_PRIVATE_KEY")?,
        ))
    }
}

impl HuaweiCredentials {
    /// Credentials from code.
    pub fn new(ak: impl Into<String>, sk: impl Into<String>) -> Self {
        Self {
            ak: ak.into(),
            sk: Sensitive::new(sk.into()),
            project_id: None,
            domain_id: None,
            security_token: None,
        }
    }

    /// Sets the project id.
    #[must_use]
    pub fn with_project_id(mut self, project_id: impl Into<String>) -> Self {
        self.project_id = Some(project_id.into());
        self
    }

    /// Sets the account (domain) id, which domain-scoped (global) operations sign with.
    #[must_use]
    pub fn with_domain_id(mut self, domain_id: impl Into<String>) -> Self {
        self.domain_id = Some(domain_id.into());
        self
    }

    /// Sets the security token of temporary AK/SK.
    #[must_use]
    pub fn with_security_token(mut self, token: impl Into<String>) -> Self {
        self.security_token = Some(Sensitive::new(token.into()));
        self
    }

    /// From `HUAWEICLOUD_SDK_AK`, `HUAWEICLOUD_SDK_SK`, `HUAWEICLOUD_SDK_PROJECT_ID` and,
    /// when set, `HUAWEICLOUD_SDK_DOMAIN_ID` and `HUAWEICLOUD_SDK_SECURITY_TOKEN`. The
    /// project id is required unless a domain id is set (global services need only that).
    pub fn from_env() -> Result<Self, CredentialsError> {
        Self::from_lookup(env)
    }

    /// As [`from_env`](Self::from_env), reading variables through `get`.
    pub fn from_lookup(
        get: impl Fn(&str) -> Option<std::ffi::OsString>,
    ) -> Result<Self, CredentialsError> {
        let mut c = Self::new(
            required(&get, "HUAWEICLOUD_SDK_AK")?,
            required(&get, "HUAWEICLOUD_SDK_SK")?,
        );
        c.domain_id = optional(&get, "HUAWEICLOUD_SDK_DOMAIN_ID")?;
        c.project_id = match c.domain_id {
            Some(_) => optional(&get, "HUAWEICLOUD_SDK_PROJECT_ID")?,
            None => Some(required(&get, "HUAWEICLOUD_SDK_PROJECT_ID")?),
        };
        c.security_token = optional(&get, "HUAWEICLOUD_SDK_SECURITY_TOKEN")?.map(Sensitive::new);
        Ok(c)
    }
}

impl Credentials {
    /// The Tencent Cloud credentials, if these are.
    pub fn tencent(&self) -> Option<&TencentCredentials> {
        match self {
            Credentials::Tencent(c) => Some(c),
            _ => None,
        }
    }

    /// The UCloud credentials, if these are.
    pub fn ucloud(&self) -> Option<&UCloudCredentials> {
        match self {
            Credentials::UCloud(c) => Some(c),
            _ => None,
        }
    }

    /// The Huawei Cloud credentials, if these are.
    pub fn huawei(&self) -> Option<&HuaweiCredentials> {
        match self {
            Credentials::Huawei(c) => Some(c),
            _ => None,
        }
    }
}

impl From<TencentCredentials> for Credentials {
    fn from(c: TencentCredentials) -> Self {
        Self::Tencent(c)
    }
}
impl From<UCloudCredentials> for Credentials {
    fn from(c: UCloudCredentials) -> Self {
        Self::UCloud(c)
    }
}
impl From<HuaweiCredentials> for Credentials {
    fn from(c: HuaweiCredentials) -> Self {
        Self::Huawei(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn lookup(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<std::ffi::OsString> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |k| map.get(k).map(Into::into)
    }

    #[test]
    fn missing_and_empty_variables_are_named() {
        let err = TencentCredentials::from_lookup(lookup(&[("TENCENTCLOUD_SECRET_ID", "AKID1")]))
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "environment variable `TENCENTCLOUD_SECRET_KEY` is not set"
        );
        let err = UCloudCredentials::from_lookup(lookup(&[
            ("UCLOUD_PUBLIC_KEY", " "),
            ("UCLOUD_PRIVATE_KEY", "k"),
        ]))
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "environment variable `UCLOUD_PUBLIC_KEY` is empty or not UTF-8"
        );
        let err = HuaweiCredentials::from_lookup(lookup(&[
            ("HUAWEICLOUD_SDK_AK", "ak"),
            ("HUAWEICLOUD_SDK_SK", "sk"),
        ]))
        .unwrap_err();
        assert_eq!(err.variable, "HUAWEICLOUD_SDK_PROJECT_ID");
        let err = HuaweiCredentials::from_lookup(lookup(&[
            ("HUAWEICLOUD_SDK_AK", "ak"),
            ("HUAWEICLOUD_SDK_SK", "sk"),
            ("HUAWEICLOUD_SDK_PROJECT_ID", "p1"),
            ("HUAWEICLOUD_SDK_SECURITY_TOKEN", ""),
        ]))
        .unwrap_err();
        assert_eq!(err.variable, "HUAWEICLOUD_SDK_SECURITY_TOKEN");
        let global = HuaweiCredentials::from_lookup(lookup(&[
            ("HUAWEICLOUD_SDK_AK", "ak"),
            ("HUAWEICLOUD_SDK_SK", "sk"),
            ("HUAWEICLOUD_SDK_DOMAIN_ID", "d1"),
            ("HUAWEICLOUD_SDK_SECURITY_TOKEN", "tok"),
        ]))
        .unwrap();
        assert_eq!(
            global,
            HuaweiCredentials::new("ak", "sk")
                .with_domain_id("d1")
                .with_security_token("tok")
        );
        let err = TencentCredentials::from_lookup(lookup(&[
            ("TENCENTCLOUD_SECRET_ID", "AKID1"),
            ("TENCENTCLOUD_SECRET_KEY", "sk"),
            ("TENCENTCLOUD_SESSION_TOKEN", ""),
        ]))
        .unwrap_err();
        assert_eq!(err.variable, "TENCENTCLOUD_SESSION_TOKEN");
    }

    #[test]
    fn debug_hides_secret_halves() {
        let c = TencentCredentials::from_lookup(lookup(&[
            ("TENCENTCLOUD_SECRET_ID", "AKID1"),
            ("TENCENTCLOUD_SECRET_KEY", "top-secret-key"),
            ("TENCENTCLOUD_SESSION_TOKEN", "top-secret-token"),
        ]))
        .unwrap();
        let h = HuaweiCredentials::from_lookup(lookup(&[
            ("HUAWEICLOUD_SDK_AK", "AK1"),
            ("HUAWEICLOUD_SDK_SK", "top-secret-sk"),
            ("HUAWEICLOUD_SDK_PROJECT_ID", "p1"),
            ("HUAWEICLOUD_SDK_DOMAIN_ID", "d1"),
            ("HUAWEICLOUD_SDK_SECURITY_TOKEN", "top-secret-huawei-token"),
        ]))
        .unwrap();
        assert!(h.security_token.is_some() && h.domain_id.as_deref() == Some("d1"));
        let u = UCloudCredentials::new("pub", "top-secret-private");
        let all = format!(
            "{:?} {:?} {:?}",
            Credentials::from(c),
            Credentials::from(h),
            Credentials::from(u)
        );
        assert!(!all.contains("top-secret"), "{all}");
        assert!(all.contains("AKID1") && all.contains("AK1") && all.contains("pub"));
        assert!(
            all.contains("d1") && all.contains("p1"),
            "ids are not secret: {all}"
        );
    }
}
