//! Response envelopes: the decoder lives in the core crate; this adds the step generated
//! code takes, turning a service error into the operation's error enum.

use serde::de::DeserializeOwned;

pub use sdk_core::envelope::*;

use crate::error::{ErrorMeta, SdkError};

/// [`decode`] for generated code: the service error becomes the operation's error enum.
#[doc(hidden)]
#[inline]
pub fn decode_into<T: DeserializeOwned, E: From<ErrorMeta>>(
    spec: &EnvelopeSpec,
    status: u16,
    header_request_id: Option<&str>,
    body: &[u8],
) -> Result<T, SdkError<E>> {
    decode(spec, status, header_request_id, body).map_err(|f| match f {
        Failure::Service(meta) => SdkError::Service(E::from(meta)),
        Failure::Decode(e) => SdkError::Decode(e),
    })
}
