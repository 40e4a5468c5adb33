//! What each protocol answers when the emulator refuses a request, and how it renders an
//! error: the protocol's own codes and its envelope ([`runtime::EnvelopeSpec`]).

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use runtime::catalog::{ErrorInfo, OperationCatalog, Role};
use runtime::{EnvelopeSpec, Protocol};
use serde_json::{Map, Value};

/// One protocol's refusal codes and envelope, read from its catalog (the roles of its
/// error rows in `specs/protocols/*.yaml`): nothing here names a vendor's code.
#[derive(Clone, Copy, Debug)]
pub struct Dialect {
    /// The protocol.
    pub protocol: Protocol,
    /// Its response envelope (from the generated protocol module).
    pub envelope: &'static EnvelopeSpec,
    /// Wrong signature.
    pub bad_signature: &'static str,
    /// Unknown key id (SecretId, PublicKey, AK); the bad-signature code where no row says.
    pub unknown_key: &'static str,
    /// Timestamp too far from the emulator's clock; the bad-signature code where no row says.
    pub expired: &'static str,
    /// How far, in seconds (`i64::MAX` when the protocol signs no time).
    pub max_skew: i64,
    /// A required parameter is missing; `None` when the protocol's spec documents no such
    /// answer (the emulator then does not check required parameters).
    pub missing_param: Option<&'static str>,
    /// No such action or path; the bad-request code where no row says.
    pub unknown_operation: &'static str,
    /// HTTP status of an error the specs give none for, when the protocol signals errors by status.
    pub refusal_status: u16,
    /// The protocol's common error rows, for the HTTP status of a refusal that no particular
    /// operation is known for.
    pub errors: &'static [ErrorInfo],
}

impl Dialect {
    /// The dialect of `any`'s protocol, from its catalog. `None` when the protocol's spec
    /// gives no code for a bad signature (nothing could be refused).
    pub fn of(any: &'static OperationCatalog) -> Option<Self> {
        let p = any.protocol;
        let bad_signature = p.code_for(Role::BadSignature)?;
        Some(Self {
            protocol: p.protocol,
            envelope: p.envelope,
            bad_signature,
            unknown_key: p.code_for(Role::UnknownKey).unwrap_or(bad_signature),
            expired: p.code_for(Role::ExpiredTimestamp).unwrap_or(bad_signature),
            max_skew: p.max_skew_seconds.unwrap_or(i64::MAX),
            missing_param: p.code_for(Role::MissingParameter),
            unknown_operation: p
                .code_for(Role::UnknownOperation)
                .or(p.code_for(Role::MissingParameter))
                .unwrap_or(bad_signature),
            refusal_status: p.refusal_status,
            errors: p.errors,
        })
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
