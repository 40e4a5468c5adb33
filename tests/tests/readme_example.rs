//! The README's downstream example, compiled and run against the documented sample.

use generated::tencent::redis::{
    Client, DescribeBackupUrlError, DescribeBackupUrlRequest, DescribeBackupUrlResponse,
};
use generated::{ClientConfig, SdkError};

fn example(status: u16, body: &[u8]) -> Result<(), Box<dyn std::error::Error>> {
    let request = DescribeBackupUrlRequest::builder()
        .instance_id("crs-4y9t57vt")
        .backup_id("678362566696298532848117") // 24 digits: a string, never a float
        .build()?; // missing fields / out-of-range values fail here, before any I/O
    let client = Client::new(ClientConfig::new().region("ap-guangzhou"));
    let wire = client.describe_backup_url_request(&request)?; // method, host, headers, JSON body
    println!("{wire:#?}");
    match DescribeBackupUrlResponse::decode(status, None, body) {
        Ok(out) => println!(
            "{} URLs (Debug shows only their hosts)",
            out.download_url.len()
        ),
        Err(SdkError::Service(DescribeBackupUrlError::ResourceNotFoundInstanceNotExists(meta))) => {
            eprintln!("no such instance (request id {:?})", meta.request_id)
        }
        Err(SdkError::Service(e)) if e.is_retryable() => eprintln!("retry later: {e}"),
        Err(e) => return Err(e.into()),
    }
    Ok(())
}

#[test]
fn readme_example_runs() {
    let body = tests::read("specs/tencent/redis/samples/describe_backup_url.json");
    example(200, &body).expect("sample decodes");
    let not_found = br#"{"Response":{"Error":{"Code":"ResourceNotFound.InstanceNotExists","Message":"x"},"RequestId":"r"}}"#;
    example(200, not_found).expect("handled by the match");
    let err = example(200, b"<html>").unwrap_err();
    assert!(err.to_string().contains("cannot decode response"), "{err}");
}
