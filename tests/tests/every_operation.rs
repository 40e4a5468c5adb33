//! Every committed operation, end to end: each one's example request (the spec's example
//! values, required fields made up from their types where the spec gives none) built by
//! the generated client, signed, sent to the emulator on the port of its service
//! (`Emulator::endpoint_for`), verified there, answered with its first sample that decodes
//! or a response synthesized from its type, and decoded into the typed response.
//!
//! It iterates `generated_catalog::operations()`: the whole SDK, imported operations
//! included, not only the hand-written seeds the other end-to-end tests curate.

use std::collections::BTreeMap;

use demo::{Clients, Outcome};
use emulator::{Emulator, Verdict};

#[tokio::test]
async fn every_committed_operation_is_called_end_to_end() {
    let entries = generated_catalog::operations();
    let emu = Emulator::start(entries.iter().copied())
        .await
        .expect("emulator starts");
    let keys = emu.keys().clone();
    // One set of clients per service, each pointed at that service's port.
    let mut clients: BTreeMap<&str, Clients> = BTreeMap::new();
    let mut failures = Vec::new();
    for entry in &entries {
        let info = entry.spec.info;
        let service = clients.entry(info.service).or_insert_with(|| {
            Clients::for_endpoint(
                &emu.endpoint_for(info.service),
                (
                    keys.tencent.clone(),
                    keys.ucloud.clone(),
                    keys.huawei.clone(),
                ),
                |c| c.max_attempts(1),
            )
            .expect("clients")
        });
        let runtime = service
            .runtime_for(info.protocol)
            .expect("every protocol has a runtime");
        match (entry.call_example)(runtime).await {
            Outcome::Ok(_) => {}
            other => failures.push(format!("{}/{}: {other:?}", info.service, info.name)),
        }
    }
    let total = entries.len();
    // Past the harness's capture (it takes `print!` alone), so the summary is in every log.
    let summary = format!(
        "end to end: {} of {total} operations\n",
        total - failures.len()
    );
    std::io::Write::write_all(&mut std::io::stdout(), summary.as_bytes()).expect("stdout");
    let requests = emu.requests();
    let refused: Vec<_> = requests
        .iter()
        .filter(|r| r.verdict != Verdict::Accepted)
        .collect();
    assert!(
        failures.is_empty() && refused.is_empty(),
        "{} of {total} operations failed, the first: {:#?}\nrefused by the emulator: {:#?}",
        failures.len(),
        &failures[..failures.len().min(20)],
        &refused[..refused.len().min(5)]
    );
    assert_eq!(requests.len(), total, "one request per operation");
}
