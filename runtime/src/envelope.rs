//! Response envelopes: the decoder lives in the core crate; this adds the step generated
//! code takes, turning a service error into the operation's error enum.

use serde::de::DeserializeOwned;

pub use sdk_core::envelope::*;

use crate::error::{ErrorMeta, SdkError};
use crate::protocols::OperationInfo;

/// [`decode_parts`] for generated code, by the operation's envelope and layout (no
/// response headers: a catalog hook decodes a body): the service error becomes the
/// operation's error enum.
#[doc(hidden)]
#[inline]
pub fn decode_into<T: DeserializeOwned, E: From<ErrorMeta>>(
    op: &OperationInfo,
    status: u16,
    header_request_id: Option<&str>,
    body: &[u8],
) -> Result<T, SdkError<E>> {
    decode_parts(
        op.envelope,
        &op.response,
        status,
        header_request_id,
        &[],
        body,
    )
    .map_err(|f| match f {
        Failure::Service(meta) => SdkError::Service(E::from(meta)),
        Failure::Decode(e) => SdkError::Decode(e),
    })
}
