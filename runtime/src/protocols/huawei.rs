//! Huawei Cloud REST behind API Gateway (`https://{service}.{region}.myhuaweicloud.com`).
//!
//! Fields are placed by their spec location: `{name}` path segments (percent-encoded),
//! query parameters, headers, and members of a JSON body. `X-Sdk-Date`, `X-Project-Id`
//! and `Authorization` are added by the signer.

use super::{Field, Location, OperationInfo};
use crate::build::{BuildError, Problem};
use crate::wire::{Body, Value, WireRequest};

pub(super) fn build(
    op: &OperationInfo,
    host: String,
    fields: Vec<Field>,
) -> Result<WireRequest, BuildError> {
    let mut path = op.path.to_owned();
    let mut query = Vec::new();
    let mut headers = vec![("Content-Type".to_owned(), "application/json".to_owned())];
    let mut body = Vec::new();
    for f in fields {
        match f.location {
            Location::Path => {
                let text = f.value.scalar_text().unwrap_or_default();
                if text.is_empty() {
                    return Err(BuildError::new(
                        op.name,
                        Problem::Config {
                            what: format!("path parameter `{}` is empty", f.name),
                        },
                    ));
                }
                path = path.replace(&format!("{{{}}}", f.name), &encode_segment(&text));
            }
            Location::Query | Location::Param => f.value.flatten_into(f.name, &mut query),
            Location::Header => {
                headers.extend(f.value.scalar_text().map(|v| (f.name.to_owned(), v)))
            }
            Location::Body => body.push((f.name, f.value)),
        }
    }
    let body = if body.is_empty() {
        Body::Empty
    } else {
        Body::Json(Value::Object(body).to_json())
    };
    Ok(WireRequest {
        operation: op.name,
        method: op.method,
        host,
        path,
        query,
        headers,
        body,
    })
}

/// Percent-encodes a path segment (RFC 3986: everything but unreserved characters).
fn encode_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn segment_encoding() {
        assert_eq!(super::encode_segment("a b/c~"), "a%20b%2Fc~");
    }
}
