//! The README's downstream example, compiled and run against the emulator.

use emulator::{Emulator, Reply};
use generated::tencent::redis::{Client, DescribeBackupUrlError, DescribeBackupUrlRequest};
use generated::{ClientConfig, SdkError, ServiceError};

async fn example(client: &Client) -> Result<(), Box<dyn std::error::Error>> {
    let request = DescribeBackupUrlRequest::builder()
        .instance_id("crs-4y9t57vt")
        .backup_id("678362566696298532848117") // 24 digits: a string, never a float
        .build()?; // missing fields / out-of-range values fail here, before any I/O
    match client.describe_backup_url(&request).await {
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

use generated::tencent::cdb;

/// The README's paginator example.
async fn every_backup(
    client: &cdb::Client,
    instance: &str,
) -> Result<Vec<cdb::BackupInfo>, SdkError<cdb::CdbError>> {
    let request = cdb::DescribeBackupsRequest::builder()
        .instance_id(instance)
        .build()?;
    // `.pages()` gives each response instead; both are `futures::Stream`s and have `next()`.
    client
        .describe_backups_paginator(request)
        .page_size(100)
        .items()
        .collect()
        .await
}

#[tokio::test]
async fn readme_paginator_example_lists_every_backup() {
    let emu = Emulator::start(generated::catalog::operations())
        .await
        .expect("emulator");
    let backups: Vec<_> = (0..250)
        .map(|i| serde_json::json!({ "BackupId": i, "Name": format!("b-{i}") }))
        .collect();
    emu.set_reply(
        "DescribeBackups",
        Reply::Pages(emulator::Paged::new(backups, 20)),
    );
    let client = cdb::Client::new(
        ClientConfig::new()
            .region("ap-guangzhou")
            .endpoint(emu.endpoint()),
        emu.keys().tencent.clone(),
    )
    .expect("client");
    let all = every_backup(&client, "cdb-c1nl9rpv")
        .await
        .expect("every page");
    let ids: Vec<Option<i64>> = all.iter().map(|b| b.backup_id).collect();
    assert_eq!(ids, (0..250).map(Some).collect::<Vec<_>>());
    // Three pages of 100 (the last one short): the stated total ends the walk.
    assert_eq!(emu.requests().len(), 3);
}

#[tokio::test]
async fn readme_example_runs_against_the_emulator() {
    let emu = Emulator::start(generated::catalog::hand_written())
        .await
        .expect("emulator");
    let config = ClientConfig::new()
        .region("ap-guangzhou")
        .endpoint(emu.endpoint());
    let client = Client::new(config, emu.keys().tencent.clone()).expect("client");
    example(&client).await.expect("sample decodes");
    emu.set_reply(
        "DescribeBackupUrl",
        Reply::Error("ResourceNotFound.InstanceNotExists".into()),
    );
    example(&client).await.expect("handled by the match");
    emu.set_reply(
        "DescribeBackupUrl",
        Reply::Malformed(emulator::Malformed::Html502),
    );
    let err = example(&client).await.unwrap_err();
    // `Display` is a label; the detail is the source, printed once in an error chain.
    assert_eq!(err.to_string(), "undecodable response");
    let detail = err.source().expect("the decode error").to_string();
    assert!(detail.contains("cannot decode response"), "{detail}");
}
