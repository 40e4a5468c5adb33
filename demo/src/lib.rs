//! Every operation of the generated catalog called with its spec's example input, shared by
//! the demo binary and the end-to-end tests. Nothing here names an operation: adding a spec
//! adds a call. One runtime per vendor holds that vendor's configuration and credentials.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

use generated::runtime::catalog::Entry;
use generated::runtime::{
    BuildError, ClientConfig, Credentials, HuaweiCredentials, Protocol, Runtime,
    TencentCredentials, TransportError, UCloudCredentials, WireRequest,
};

pub use generated::runtime::catalog::Outcome;

/// One runtime per vendor, each with its configuration and credentials.
#[derive(Clone, Debug)]
pub struct Clients {
    tencent: Runtime,
    ucloud: Runtime,
    huawei: Runtime,
}

use generated::catalog::SDK;

impl Clients {
    /// Runtimes for the three vendors with their settings and keys.
    pub fn new(
        tencent: ClientConfig,
        ucloud: ClientConfig,
        huawei: ClientConfig,
        keys: (TencentCredentials, UCloudCredentials, HuaweiCredentials),
    ) -> Result<Self, TransportError> {
        Ok(Self {
            tencent: Runtime::new(tencent, Credentials::Tencent(keys.0), SDK)?,
            ucloud: Runtime::new(ucloud, Credentials::UCloud(keys.1), SDK)?,
            huawei: Runtime::new(huawei, Credentials::Huawei(keys.2), SDK)?,
        })
    }

    /// Runtimes that all talk to one endpoint (an emulator) with `keys`.
    pub fn for_endpoint(
        endpoint: &str,
        keys: (TencentCredentials, UCloudCredentials, HuaweiCredentials),
        tweak: impl Fn(ClientConfig) -> ClientConfig,
    ) -> Result<Self, TransportError> {
        let config = |region: &str| tweak(ClientConfig::new().region(region).endpoint(endpoint));
        Self::new(
            config("ap-guangzhou"),
            config("cn-bj2"),
            config("cn-north-4"),
            keys,
        )
    }

    /// Wire names of every operation in the generated catalog, in spec order.
    pub fn operations() -> Vec<&'static str> {
        generated::catalog::hand_written()
            .into_iter()
            .map(|e| e.spec.info.name)
            .collect()
    }

    /// The runtime whose credentials sign `protocol`'s requests.
    pub fn runtime_for(&self, protocol: Protocol) -> Option<&Runtime> {
        match protocol.credentials_type() {
            "TencentCredentials" => Some(&self.tencent),
            "UCloudCredentials" => Some(&self.ucloud),
            "HuaweiCredentials" => Some(&self.huawei),
            _ => None,
        }
    }

    /// Calls `operation` (wire name) with its spec's example input; `None` for an operation
    /// the catalog does not have (or whose vendor this demo has no credentials for).
    pub async fn call(&self, operation: &str) -> Option<Outcome> {
        let entry = generated::catalog::operation(operation)?;
        let runtime = self.runtime_for(entry.spec.info.protocol)?;
        Some((entry.call_example)(runtime).await)
    }

    /// The unsigned wire request `call` would send for `operation`.
    pub fn example_request(&self, operation: &str) -> Option<Result<WireRequest, BuildError>> {
        let entry: &Entry = generated::catalog::operation(operation)?;
        let runtime = self.runtime_for(entry.spec.info.protocol)?;
        Some((entry.example_request)(runtime.config()))
    }
}
