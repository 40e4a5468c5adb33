//! p. Listing 10,000 items through the generated paginator vs a hand-written offset loop
//! over the same client and emulator.

use super::*;

pub(crate) fn pagination() -> bool {
    use generated::tencent::cdb::{self, BackupInfo, DescribeBackupsRequest};
    const ITEMS: usize = 10_000;
    const PAGE: i64 = 100;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    rt.block_on(async {
        let emu = Emulator::start(generated::catalog::operations())
            .await
            .expect("emulator starts");
        let items = (0..ITEMS)
            .map(|i| serde_json::json!({ "BackupId": i, "Name": format!("b-{i}") }))
            .collect();
        emu.set_reply(
            "DescribeBackups",
            emulator::Reply::Pages(emulator::Paged::new(items, 20)),
        );
        let client = cdb::Client::new(
            ClientConfig::new()
                .region("ap-guangzhou")
                .endpoint(emu.endpoint()),
            emu.keys().tencent.clone(),
        )
        .expect("client");
        let request = || {
            DescribeBackupsRequest::builder()
                .instance_id("cdb-c1nl9rpv")
                .build()
                .expect("valid")
        };
        let paginator = async || -> Vec<BackupInfo> {
            client
                .describe_backups_paginator(request())
                .page_size(PAGE as u64)
                .items()
                .collect()
                .await
                .expect("every page")
        };
        // What a careful user writes without a paginator: offset += page, until the total.
        let hand_loop = async || -> Vec<BackupInfo> {
            let mut all = Vec::new();
            let mut input = request();
            input.limit = Some(PAGE);
            loop {
                input.offset = Some(all.len() as i64);
                let page = client.describe_backups(&input).await.expect("a page");
                let total = page.total_count.unwrap_or(0);
                let empty = page.items.is_empty();
                all.extend(page.items);
                if empty || all.len() as i64 >= total {
                    return all;
                }
            }
        };
        let (a, b) = (paginator().await, hand_loop().await);
        assert_eq!(a.len(), ITEMS);
        assert_eq!(a, b, "both sides list the same items");
        let samples = interleave_async(
            1,
            15,
            1,
            async || {
                black_box(paginator().await);
            },
            async || {
                black_box(hand_loop().await);
            },
        )
        .await;
        report(
            "p. list 10,000 items in pages of 100 (paginator / hand-written offset loop)",
            ("paginator", "hand loop"),
            &samples,
            1,
            Target::AtMost(1.02),
        )
        .print()
    })
}
