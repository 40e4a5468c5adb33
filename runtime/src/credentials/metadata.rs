//! A small, bounded client for instance metadata services (Tencent CVM, Huawei ECS):
//! plain HTTP on a link-local or internal address, short timeouts, a capped body, and
//! errors that name the path but never the host's answer beyond a short excerpt.

use std::time::Duration;

use super::ProviderError;

/// Connect and whole-request timeouts: a metadata service answers in milliseconds, and a
/// machine that is not an instance should fail the chain fast.
const CONNECT_TIMEOUT: Duration = Duration::from_millis(500);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(2);
/// Largest answer read (role names and key documents are well under 4 KiB).
const MAX_BODY: usize = 64 * 1024;

/// One metadata service: its base URL (`http://metadata.tencentyun.com`, configurable).
#[derive(Clone, Debug)]
pub(crate) struct Metadata {
    base: String,
    http: Option<reqwest::Client>,
}

impl Metadata {
    pub(crate) fn new(base: &str) -> Self {
        // Building a reqwest client without a crypto provider panics.
        crate::transport::install_crypto_provider();
        // Never through a proxy (it would see temporary keys in plain HTTP) and never
        // redirected elsewhere.
        let http = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .ok();
        Self {
            base: base.trim_end_matches('/').to_owned(),
            http,
        }
    }

    /// `GET {base}{path}`: the body as text on 200, else an error naming `path`.
    pub(crate) async fn get(&self, path: &str) -> Result<String, ProviderError> {
        let http = self
            .http
            .as_ref()
            .ok_or_else(|| ProviderError::metadata(path, "HTTP client could not be set up"))?;
        let resp = http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .map_err(|e| {
                let what = if e.is_timeout() {
                    "timed out (not an instance, or the service is down)"
                } else if e.is_connect() {
                    "unreachable (not an instance?)"
                } else {
                    "request failed"
                };
                ProviderError::metadata(path, what)
            })?;
        let status = resp.status();
        let too_large = || ProviderError::metadata(path, "answer too large");
        if resp.content_length().is_some_and(|n| n > MAX_BODY as u64) {
            return Err(too_large());
        }
        let mut resp = resp;
        let mut body = Vec::new();
        while let Some(chunk) = resp
            .chunk()
            .await
            .map_err(|_| ProviderError::metadata(path, "answer cut off"))?
        {
            if body.len() + chunk.len() > MAX_BODY {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        if !status.is_success() {
            return Err(ProviderError::metadata(
                path,
                format!("HTTP {}", status.as_u16()),
            ));
        }
        String::from_utf8(body).map_err(|_| ProviderError::metadata(path, "answer is not UTF-8"))
    }
}
