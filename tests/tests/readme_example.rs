//! The README's downstream example, compiled and run against the emulator.

use emulator::{Emulator, Reply};
use generated::runtime::{ClientConfig, SdkError, ServiceError};
use generated::tencent::redis::{Client, DescribeBackupUrlError, DescribeBackupUrlRequest};

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

/// The README's waiter example.
async fn fresh_backup(
    client: &cdb::Client,
    instance: &str,
) -> Result<cdb::BackupInfo, SdkError<cdb::CdbError>> {
    let create = cdb::CreateBackupRequest::builder()
        .instance_id(instance)
        .backup_method("logical")
        .build()?;
    let id = client
        .create_backup(&create)
        .await?
        .backup_id
        .unwrap_or_default();
    let list = cdb::DescribeBackupsRequest::builder()
        .instance_id(instance)
        .build()?;
    let options = generated::runtime::WaitOptions::new()
        .max_wait(std::time::Duration::from_secs(3600))
        // Not in the README: the emulator needs no patience.
        .delay(
            std::time::Duration::from_millis(1),
            std::time::Duration::from_millis(5),
        );
    client
        .wait_until_backup_done(list, id as i64, &options)
        .await
}

#[tokio::test]
async fn readme_waiter_example_waits_for_the_new_backup() {
    let emu = Emulator::start(generated::catalog::operations())
        .await
        .expect("emulator");
    emu.set_reply(
        "CreateBackup",
        Reply::Template(r#"{"Response":{"BackupId":7,"RequestId":"r"}}"#.into()),
    );
    let listed = |status: &str| {
        Reply::Pages(emulator::Paged::new(
            (0..30)
                .map(|i| serde_json::json!({ "BackupId": i, "Status": if i == 7 { status } else { "SUCCESS" } }))
                .collect(),
            20,
        ))
    };
    // A poll walks only as far as the backup: page one.
    emu.queue_replies("DescribeBackups", [listed("RUNNING")]);
    emu.set_reply("DescribeBackups", listed("SUCCESS"));
    let client = cdb::Client::new(
        ClientConfig::new()
            .region("ap-guangzhou")
            .endpoint(emu.endpoint()),
        emu.keys().tencent.clone(),
    )
    .expect("client");
    let done = fresh_backup(&client, "cdb-c1nl9rpv")
        .await
        .expect("complete on the second poll");
    assert_eq!(
        (done.backup_id, done.status.as_deref()),
        (Some(7), Some("SUCCESS"))
    );
    let polls = emu
        .requests()
        .iter()
        .filter(|r| r.operation == Some("DescribeBackups"))
        .count();
    assert_eq!(polls, 2);
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
