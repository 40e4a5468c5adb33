//! A downstream function tested against the runtime's in-process [`MockHttp`], as the README
//! shows: canned replies per operation, a record of the requests, no socket. Also the
//! transport seam itself: a custom `HttpSend` that is not the mock.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use generated::runtime::mock::{MockHttp, MockReply};
use generated::runtime::{
    ClientConfig, HttpSend, RawResponse, SdkError, ServiceError, SignedRequest, TencentCredentials,
    TransportError,
};
use generated::tencent::cdb::{self, CdbError, DescribeBackupsRequest};

/// The code under test: the names of an instance's backups, largest first.
async fn backup_names(
    client: &cdb::Client,
    instance: &str,
) -> Result<Vec<String>, SdkError<CdbError>> {
    let request = DescribeBackupsRequest::builder()
        .instance_id(instance)
        .build()?;
    let mut items = client.describe_backups(&request).await?.items;
    items.sort_by_key(|b| std::cmp::Reverse(b.size));
    Ok(items.into_iter().filter_map(|b| b.name).collect())
}

fn client(http: impl Into<generated::runtime::HttpClient>) -> cdb::Client {
    cdb::Client::new(
        ClientConfig::new()
            .region("ap-guangzhou")
            .http_client(http)
            .backoff(Duration::from_millis(1), Duration::from_millis(2)),
        TencentCredentials::new("AKIDEXAMPLE", "example-secret"),
    )
    .expect("client")
}

#[tokio::test]
async fn a_downstream_function_is_tested_against_the_mock() {
    let mock = MockHttp::new();
    mock.reply(
        "DescribeBackups",
        MockReply::json(
            r#"{"Response": {"TotalCount": 2, "Items": [
                {"Name": "small", "Size": 10}, {"Name": "large", "Size": 99}
            ], "RequestId": "req-1"}}"#,
        ),
    );
    let client = client(mock.clone());
    assert_eq!(
        backup_names(&client, "cdb-1").await.expect("ok"),
        ["large", "small"]
    );
    let sent = mock.requests();
    assert_eq!(sent.len(), 1);
    let header = |name: &str| {
        sent[0]
            .headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(header("X-TC-Action"), Some("DescribeBackups"));
    assert!(header("Authorization").is_some_and(|a| a.starts_with("TC3-HMAC-SHA256")));
    let body: serde_json::Value = serde_json::from_slice(&sent[0].body).expect("JSON");
    assert_eq!(body["InstanceId"], "cdb-1");
    // The record's `Debug` never shows the signature.
    let debug = format!("{:?}", sent[0]);
    assert!(
        !debug.contains(header("Authorization").expect("signed")),
        "{debug}"
    );
}

#[tokio::test]
async fn a_mocked_error_is_the_operations_typed_error_and_a_503_is_retried() {
    let mock = MockHttp::new();
    mock.queue(
        "DescribeBackups",
        MockReply::bytes("text/html", "<html>503</html>").status(503),
    )
    .reply(
        "DescribeBackups",
        MockReply::json(
            r#"{"Response": {"Error": {"Code": "ResourceNotFound.CdbInstanceNotFoundError", "Message": "no such instance"}, "RequestId": "req-2"}}"#,
        ),
    );
    let client = client(mock.clone());
    let err = backup_names(&client, "cdb-missing").await.unwrap_err();
    let SdkError::Service(e) = &err else {
        panic!("expected the service's error, got {err:?}");
    };
    assert!(
        matches!(e, CdbError::ResourceNotFoundCdbInstanceNotFoundError(_)),
        "{e:?}"
    );
    assert_eq!(e.meta().request_id.as_deref(), Some("req-2"));
    // The 503 page was retried (a read), then the error answered.
    assert_eq!(mock.calls("DescribeBackups"), 2);
    // An operation the mock has no reply for fails at once, naming it.
    let err = client
        .describe_db_instances(
            &cdb::DescribeDbInstancesRequest::builder()
                .build()
                .expect("valid"),
        )
        .await
        .unwrap_err();
    assert!(
        format!("{err:?}").contains("no reply for `DescribeDBInstances`"),
        "{err:?}"
    );
}

/// Any HTTP stack plugs in: this one counts requests and answers every call the same.
#[derive(Debug, Default)]
struct Counting(Arc<Mutex<Vec<String>>>);

impl HttpSend for Counting {
    fn send(
        &self,
        request: SignedRequest,
        scheme: &'static str,
        _timeout: Duration,
    ) -> Pin<Box<dyn Future<Output = Result<RawResponse, TransportError>> + Send + '_>> {
        self.0
            .lock()
            .expect("not poisoned")
            .push(format!("{scheme}://{}{}", request.host, request.path));
        Box::pin(async {
            Ok(RawResponse {
                status: 200,
                headers: Default::default(),
                body: br#"{"Response": {"TotalCount": 0, "Items": [], "RequestId": "r"}}"#
                    .to_vec()
                    .into(),
            })
        })
    }
}

#[tokio::test]
async fn a_custom_transport_plugs_into_any_client() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let client = client(Counting(seen.clone()));
    assert!(backup_names(&client, "cdb-1").await.expect("ok").is_empty());
    assert_eq!(
        *seen.lock().expect("not poisoned"),
        ["https://cdb.tencentcloudapi.com/"]
    );
}
