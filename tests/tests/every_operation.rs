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
                // UCloud actions take `Region`, `Zone` and `ProjectId` from the client when
                // the example leaves them unset (the emulator checks the required ones came).
                |c| {
                    c.max_attempts(1)
                        .region("cn-bj2")
                        .zone("cn-bj2-02")
                        .project("org-e2e")
                },
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
    huawei_wire_styles_were_all_exercised(&entries, &requests);
}

/// The Huawei traffic of the run held every REST style the specs can say: each method, a
/// 204, a multipart upload, a form, a csv and a repeated-key array, a header each way, a
/// domain-scoped (global) call and a non-JSON download. Printed as counts, asserted present.
fn huawei_wire_styles_were_all_exercised(
    entries: &[&'static runtime::catalog::Entry],
    requests: &[emulator::Received],
) {
    use runtime::Protocol;
    use runtime::envelope::PayloadKind;
    let huawei: Vec<&emulator::Received> = requests
        .iter()
        .filter(|r| r.protocol == Some(Protocol::Huawei))
        .collect();
    let ops: Vec<_> = entries
        .iter()
        .map(|e| e.spec)
        .filter(|s| s.info.protocol == Protocol::Huawei)
        .collect();
    let header = |r: &emulator::Received, name: &str| {
        r.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let content_type = |r: &emulator::Received, prefix: &str| {
        header(r, "content-type").is_some_and(|ct| ct.starts_with(prefix))
    };
    let repeated_key = |r: &emulator::Received| {
        let keys: Vec<&str> = r
            .query
            .split('&')
            .filter_map(|p| p.split_once('=').map(|(k, _)| k))
            .collect();
        (1..keys.len()).any(|i| keys[i] == keys[i - 1])
    };
    // A request carrying a header its operation's spec declares (besides Content-Type).
    let header_field_sent = |r: &emulator::Received| {
        ops.iter()
            .find(|o| Some(o.info.name) == r.operation && Some(o.info.service) == r.service)
            .is_some_and(|o| {
                o.params.iter().any(|p| {
                    p.location == runtime::protocols::Location::Header
                        && !p.name.eq_ignore_ascii_case("content-type")
                        && header(r, &p.name.to_ascii_lowercase()).is_some()
                })
            })
    };
    let count = |f: &dyn Fn(&emulator::Received) -> bool| huawei.iter().filter(|r| f(r)).count();
    let styles = [
        ("GET", count(&|r| r.method == "GET")),
        ("POST", count(&|r| r.method == "POST")),
        ("PUT", count(&|r| r.method == "PUT")),
        ("DELETE", count(&|r| r.method == "DELETE")),
        ("PATCH", count(&|r| r.method == "PATCH")),
        ("HEAD", count(&|r| r.method == "HEAD")),
        (
            "multipart upload",
            count(&|r| content_type(r, "multipart/form-data")),
        ),
        (
            "form body",
            count(&|r| content_type(r, "application/x-www-form-urlencoded")),
        ),
        ("csv query array", count(&|r| r.query.contains("%2C"))),
        ("repeated-key query array", count(&|r| repeated_key(r))),
        (
            "header in (a header field sent)",
            count(&|r| header_field_sent(r)),
        ),
        (
            "domain-scoped (X-Domain-Id)",
            count(&|r| header(r, "x-domain-id").is_some()),
        ),
        (
            "204 answer (no response body)",
            ops.iter()
                .filter(|o| o.default_body().is_some_and(|(status, _)| status == 204))
                .count(),
        ),
        (
            "header out (response field from a header)",
            ops.iter()
                .filter(|o| !o.info.response.headers.is_empty())
                .count(),
        ),
        (
            "non-JSON download (body as bytes)",
            ops.iter()
                .filter(|o| matches!(o.info.response.payload, Some((_, PayloadKind::Bytes))))
                .count(),
        ),
    ];
    let line: Vec<String> = styles
        .iter()
        .map(|(what, n)| format!("{what} {n}"))
        .collect();
    let summary = format!("huawei wire styles: {}\n", line.join(", "));
    std::io::Write::write_all(&mut std::io::stdout(), summary.as_bytes()).expect("stdout");
    // Example inputs set required fields (and fields with a vendor example, which the
    // Huawei SDK never gives): no committed operation's required fields are a form, a
    // query array or a csv, so those three are counted here and sent by the fixture
    // operations of `huawei_rest.rs` instead.
    let by_fixtures = ["form body", "csv query array", "repeated-key query array"];
    let missing: Vec<&str> = styles
        .iter()
        .filter(|(what, n)| *n == 0 && !by_fixtures.contains(what))
        .map(|(w, _)| *w)
        .collect();
    assert!(missing.is_empty(), "never exercised: {missing:?}");
}
