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

/// `ErrorMeta` of a call's service error, or what the call returned instead.
fn service_meta<T: std::fmt::Debug, E: ServiceError>(
    r: Result<T, SdkError<E>>,
) -> generated::runtime::ErrorMeta {
    match r {
        Err(SdkError::Service(e)) => e.meta().clone(),
        other => panic!("expected a service error, got {other:?}"),
    }
}

#[tokio::test]
async fn error_replies_take_each_protocols_envelope() {
    use generated::protocols::{huawei, tencent_v2, tencent_v3, ucloud};
    let keys = emulator::Keys::default();
    let config = |mock: &MockHttp, region: &str| {
        ClientConfig::new()
            .region(region)
            .zone("cn-bj2-02")
            .max_attempts(1)
            .http_client(mock.clone())
    };
    // Tencent API 2.0 carries no request id; every other protocol's reaches the error.
    let check = |meta: generated::runtime::ErrorMeta, code: &str, status: u16| {
        assert_eq!(meta.code, code);
        assert_eq!(meta.message, "mocked");
        let id = (code != "4000").then_some("mock-request-id");
        assert_eq!(meta.request_id.as_deref(), id, "{code}");
        assert_eq!(meta.status, status);
    };

    let mock = MockHttp::new();
    let redis =
        generated::tencent::redis::Client::new(config(&mock, "ap-guangzhou"), keys.tencent.clone())
            .expect("client");
    let code = "ResourceNotFound.InstanceNotExists";
    mock.reply(
        "DescribeBackupUrl",
        MockReply::error(&tencent_v3::ENVELOPE, code, "mocked"),
    );
    let input =
        generated::tencent::redis::catalog::describe_backup_url::example().expect("example");
    let r = redis.describe_backup_url(&input).await;
    assert!(
        matches!(
            &r,
            Err(SdkError::Service(
                generated::tencent::redis::DescribeBackupUrlError::ResourceNotFoundInstanceNotExists(_)
            ))
        ),
        "the documented code is its variant: {r:?}"
    );
    check(service_meta(r), code, 200);

    mock.reply(
        "GetBackupDownloadUrl",
        MockReply::error(&tencent_v2::ENVELOPE, "4000", "mocked"),
    );
    let input =
        generated::tencent::redis::catalog::get_backup_download_url::example().expect("example");
    check(
        service_meta(redis.get_backup_download_url(&input).await),
        "4000",
        200,
    );

    let udb = generated::ucloud::udb::Client::new(config(&mock, "cn-bj2"), keys.ucloud.clone())
        .expect("client");
    mock.reply(
        "DescribeUDBInstanceBackupURL",
        MockReply::error(&ucloud::ENVELOPE, "230", "mocked"),
    );
    let input = generated::ucloud::udb::catalog::describe_udb_instance_backup_url::example()
        .expect("example");
    check(
        service_meta(udb.describe_udb_instance_backup_url(&input).await),
        "230",
        200,
    );

    let dds = generated::huawei::dds::Client::new(config(&mock, "cn-north-4"), keys.huawei.clone())
        .expect("client");
    mock.reply(
        "download-file",
        MockReply::error(&huawei::ENVELOPE, "DBS.200001", "mocked"),
    );
    let input = generated::huawei::dds::catalog::download_file::example().expect("example");
    check(
        service_meta(dds.download_file(&input).await),
        "DBS.200001",
        400,
    );
}
