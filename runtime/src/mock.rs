//! An in-process HTTP double for downstream unit tests: [`MockHttp`] plugs into any generated
//! client through [`ClientConfig::http_client`](crate::ClientConfig::http_client), answers
//! each operation with the replies a test gave it, and records every request as signed. No
//! socket, no emulator: the client still builds, signs, retries and decodes as it would
//! against the service, so a reply is the operation's wire body (its sample, say) and a
//! reply the operation's decoder refuses fails the call as it would in production.
//!
//! The emulator stays the end-to-end fake (it verifies signatures and serves every
//! operation); this is for testing code that *uses* a client.

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use bytes::Bytes;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

use crate::envelope::EnvelopeSpec;
use crate::transport::{HttpSend, RawResponse, TransportError, TransportErrorKind};
use crate::wire::SignedRequest;

/// One canned HTTP response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MockReply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl MockReply {
    /// HTTP 200 with this JSON body (`Content-Type: application/json`): the operation's
    /// wire response, envelope included (Tencent's `{"Response": {…}}`).
    pub fn json(body: impl Into<String>) -> Self {
        MockReply {
            status: 200,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.into().into_bytes(),
        }
    }

    /// HTTP 200 with these bytes and this `Content-Type` (a file, an XML document).
    pub fn bytes(content_type: impl Into<String>, body: impl Into<Vec<u8>>) -> Self {
        MockReply {
            status: 200,
            headers: vec![("content-type".into(), content_type.into())],
            body: body.into(),
        }
    }

    /// The service error `code` with `message`, in `envelope`'s shape, as the service sends
    /// it: a protocol's `ENVELOPE` (`generated::protocols::tencent_v3::ENVELOPE`, …). The
    /// call then fails with the operation's typed error for `code` (its variant, or
    /// `Unhandled` for a code the specs do not list), request id `mock-request-id`. HTTP 400
    /// where the protocol signals errors by status (Huawei), else 200; a numeric code (UCloud's
    /// `RetCode`) is sent as a number.
    pub fn error(envelope: &EnvelopeSpec, code: &str, message: &str) -> Self {
        use serde_json::{Map, Value};
        const REQUEST_ID: &str = "mock-request-id";
        let code_value = match code.parse::<i64>() {
            Ok(n) => Value::from(n),
            Err(_) => Value::from(code),
        };
        let mut error = Map::new();
        error.insert(envelope.code_field.to_owned(), code_value);
        error.insert(envelope.message_field.to_owned(), Value::from(message));
        let mut payload = match envelope.error_object {
            Some(key) => Map::from_iter([(key.to_owned(), Value::Object(error))]),
            None => error,
        };
        if let Some(field) = envelope.request_id_field {
            payload.insert(field.to_owned(), Value::from(REQUEST_ID));
        }
        let body = match envelope.wrapper {
            Some(key) => Value::Object(Map::from_iter([(key.to_owned(), Value::Object(payload))])),
            None => Value::Object(payload),
        };
        let mut reply = MockReply::json(body.to_string());
        if envelope.status_errors {
            reply.status = 400;
        }
        if let Some(header) = envelope.request_id_header {
            reply = reply.header(header, REQUEST_ID);
        }
        reply
    }

    /// The same reply with another HTTP status (an error envelope under 400, a 503 page).
    #[must_use]
    pub fn status(mut self, status: u16) -> Self {
        self.status = status;
        self
    }

    /// The same reply with one more header (`Retry-After`, a response header field).
    #[must_use]
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    fn response(&self, operation: &'static str) -> Result<RawResponse, TransportError> {
        let mut headers = HeaderMap::new();
        for (name, value) in &self.headers {
            let (Ok(name), Ok(value)) = (
                HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_str(value),
            ) else {
                return Err(TransportError {
                    operation,
                    kind: TransportErrorKind::Setup,
                    status: None,
                    message: format!("MockHttp: the reply's header `{name}` is not valid HTTP"),
                });
            };
            headers.append(name, value);
        }
        Ok(RawResponse {
            status: self.status,
            headers,
            body: Bytes::from(self.body.clone()),
        })
    }
}

#[derive(Debug, Default)]
struct State {
    /// Replies for the next calls of an operation, in order.
    queued: HashMap<String, VecDeque<MockReply>>,
    /// The reply of every further call of an operation.
    standing: HashMap<String, MockReply>,
    requests: Vec<SignedRequest>,
}

/// Canned replies per operation and a record of the requests; clones share both, so a test
/// keeps one clone and gives another to the client.
#[derive(Clone, Debug, Default)]
pub struct MockHttp {
    state: Arc<Mutex<State>>,
}

impl MockHttp {
    /// No replies yet: a call of an operation without one fails with a transport error
    /// that names it (never retried).
    pub fn new() -> Self {
        Self::default()
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Answers every call of `operation` (its wire name, `DescribeBackups`) with `reply`,
    /// once the queued replies are used up.
    pub fn reply(&self, operation: &str, reply: MockReply) -> &Self {
        self.state().standing.insert(operation.to_owned(), reply);
        self
    }

    /// Answers the next call of `operation` with `reply`, before any reply queued after it
    /// and before the standing one (a 503, then a success: a retry).
    pub fn queue(&self, operation: &str, reply: MockReply) -> &Self {
        self.state()
            .queued
            .entry(operation.to_owned())
            .or_default()
            .push_back(reply);
        self
    }

    /// Every request sent so far, in order, as signed (`Debug` redacts the signature).
    pub fn requests(&self) -> Vec<SignedRequest> {
        self.state().requests.clone()
    }

    /// How many requests of `operation` were sent.
    pub fn calls(&self, operation: &str) -> usize {
        self.state()
            .requests
            .iter()
            .filter(|r| r.operation == operation)
            .count()
    }
}

impl HttpSend for MockHttp {
    fn send(
        &self,
        request: SignedRequest,
        _scheme: &'static str,
        _timeout: Duration,
    ) -> Pin<Box<dyn Future<Output = Result<RawResponse, TransportError>> + Send + '_>> {
        let operation = request.operation;
        let reply = {
            let mut state = self.state();
            state.requests.push(request);
            state
                .queued
                .get_mut(operation)
                .and_then(VecDeque::pop_front)
                .or_else(|| state.standing.get(operation).cloned())
        };
        let result = match reply {
            Some(reply) => reply.response(operation),
            None => Err(TransportError {
                operation,
                kind: TransportErrorKind::Setup,
                status: None,
                message: format!("MockHttp has no reply for `{operation}`"),
            }),
        };
        Box::pin(std::future::ready(result))
    }
}
