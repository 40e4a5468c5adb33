//! What each protocol answers when the emulator refuses a request, and how it renders an
//! error: the protocol's own codes and its envelope ([`runtime::EnvelopeSpec`]).

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use runtime::catalog::{ErrorInfo, OperationCatalog};
use runtime::{EnvelopeSpec, Protocol};
use serde_json::{Map, Value};

/// One protocol's refusal codes and envelope.
#[derive(Clone, Copy, Debug)]
pub struct Dialect {
    /// The protocol.
    pub protocol: Protocol,
    /// Its response envelope (from the generated protocol module).
    pub envelope: &'static EnvelopeSpec,
    /// Wrong signature.
    pub bad_signature: &'static str,
    /// Unknown key id (SecretId, PublicKey, AK).
    pub unknown_key: &'static str,
    /// Timestamp too far from the emulator's clock.
    pub expired: &'static str,
    /// How far, in seconds.
    pub max_skew: i64,
    /// A required parameter is missing.
    pub missing_param: &'static str,
    /// No such action or path.
    pub unknown_operation: &'static str,
    /// HTTP status of an error the specs give none for, when the protocol signals errors by status.
    pub refusal_status: u16,
    /// Error rows of an operation of this protocol (its common rows among them), for the
    /// HTTP status of a refusal that no particular operation is known for.
    pub errors: &'static [ErrorInfo],
}

impl Dialect {
    /// The dialect of `any`'s protocol (envelope and error rows taken from it).
    pub fn of(any: &'static OperationCatalog) -> Self {
        let (protocol, envelope, errors) = (any.info.protocol, any.info.envelope, any.errors);
        match protocol {
            // API 2.0 error page: 4100 auth failed, 4104 SecretId not found, 4500 replay
            // (Timestamp skewed), 4000 bad or missing parameter. Current page: 5 minutes.
            Protocol::TencentV2 => Self {
                protocol,
                envelope,
                bad_signature: "4100",
                unknown_key: "4104",
                expired: "4500",
                max_skew: 300,
                missing_param: "4000",
                unknown_operation: "4000",
                refusal_status: 200,
                errors,
            },
            Protocol::TencentV3 => Self {
                protocol,
                envelope,
                bad_signature: "AuthFailure.SignatureFailure",
                unknown_key: "AuthFailure.SecretIdNotFound",
                expired: "AuthFailure.SignatureExpire",
                max_skew: 300,
                missing_param: "MissingParameter",
                unknown_operation: "InvalidAction",
                refusal_status: 200,
                errors,
            },
            // UCloud signs no timestamp, so nothing can be stale; 230 is the gateway's
            // "Params [X] not available" (not in the protocol spec: it arrives as Unhandled).
            Protocol::UCloud => Self {
                protocol,
                envelope,
                bad_signature: "171",
                unknown_key: "172",
                expired: "171",
                max_skew: i64::MAX,
                missing_param: "230",
                unknown_operation: "161",
                refusal_status: 200,
                errors,
            },
            // APIG: 0301 for any bad AK/SK authentication (signature, unknown AK, X-Sdk-Date
            // more than 15 minutes off), 0201 bad request, 0101 no such API.
            Protocol::Huawei => Self {
                protocol,
                envelope,
                bad_signature: "APIG.0301",
                unknown_key: "APIG.0301",
                expired: "APIG.0301",
                max_skew: 900,
                missing_param: "APIG.0201",
                unknown_operation: "APIG.0101",
                refusal_status: 400,
                errors,
            },
        }
    }

    /// The HTTP status `code` is sent with: the spec's (the operation's rows, else the
    /// protocol's), else 200 where the body alone signals errors, else `refusal_status`.
    pub fn status_of(&self, op: Option<&OperationCatalog>, code: &str) -> u16 {
        let rows = op.map_or(&[][..], |o| o.errors).iter().chain(self.errors);
        match rows.filter(|e| e.code == code).find_map(|e| e.status) {
            Some(status) => status,
            None if !self.envelope.status_errors => 200,
            None => self.refusal_status,
        }
    }

    /// An error response in the protocol's envelope.
    pub fn error(&self, status: u16, code: &str, message: &str, request_id: &str) -> crate::Resp {
        let e = self.envelope;
        let code_value = match code.parse::<i64>() {
            Ok(n) => Value::from(n),
            Err(_) => Value::from(code),
        };
        let mut fields = Map::new();
        fields.insert(e.code_field.into(), code_value);
        fields.insert(e.message_field.into(), Value::from(message));
        // Nest the error object only where it is the sole error signal (API 3.0); where the
        // code or the HTTP status says "error", vendors send the fields flat.
        let mut payload = match e.error_object {
            Some(key) if e.success_code.is_none() && !e.status_errors => {
                let mut m = Map::new();
                m.insert(key.into(), Value::Object(fields));
                m
            }
            _ => fields,
        };
        if let Some(field) = e.request_id_field {
            payload.insert(field.into(), Value::from(request_id));
        }
        let root = match e.wrapper {
            Some(key) => {
                let mut m = Map::new();
                m.insert(key.into(), Value::Object(payload));
                Value::Object(m)
            }
            None => Value::Object(payload),
        };
        self.body(status, root.to_string().into_bytes(), request_id)
    }

    /// A response with the protocol's headers (`Content-Type`, request-id header).
    pub fn body(&self, status: u16, body: Vec<u8>, request_id: &str) -> crate::Resp {
        let mut builder = hyper::Response::builder()
            .status(status)
            .header("content-type", "application/json");
        if let Some(h) = self.envelope.request_id_header {
            builder = builder.header(h, request_id);
        }
        builder
            .body(Full::new(Bytes::from(body)).boxed())
            .unwrap_or_else(|_| hyper::Response::new(Full::new(Bytes::new()).boxed()))
    }
}
