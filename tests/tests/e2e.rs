//! End to end: generated client → runtime (sign, send, decode) → emulator on 127.0.0.1.
//!
//! Cases are driven by the specs through `generated::catalog`: a new operation, sample or
//! error row adds its cases here without a code change.

use demo::{Clients, Outcome};
use emulator::{Emulator, Keys, Malformed, Reply, Verdict};
use generated::runtime::catalog::{Entry, OperationCatalog, Role};
use generated::runtime::{ClientConfig, Protocol, TransportErrorKind};

fn catalog() -> Vec<&'static OperationCatalog> {
    generated::catalog::hand_written()
        .into_iter()
        .map(|e| e.spec)
        .collect()
}

fn entry(name: &str) -> &'static Entry {
    generated::catalog::operation(name).expect("operation in the catalog")
}

fn op(name: &str) -> &'static OperationCatalog {
    catalog()
        .into_iter()
        .find(|o| o.info.name == name)
        .expect("operation in the catalog")
}

async fn start() -> Emulator {
    tests::seed_emulator().await
}

fn clients_with(
    emu: &Emulator,
    keys: Keys,
    tweak: impl Fn(ClientConfig) -> ClientConfig,
) -> Clients {
    Clients::for_endpoint(
        &emu.endpoint(),
        (keys.tencent, keys.ucloud, keys.huawei),
        tweak,
    )
    .expect("clients")
}

/// Clients that never retry, so each case is exactly one request (retries: `resilience.rs`).
fn clients(emu: &Emulator) -> Clients {
    clients_with(emu, emu.keys().clone(), |c| c.max_attempts(1))
}

async fn call(clients: &Clients, name: &str) -> Outcome {
    clients
        .call(name)
        .await
        .expect("demo knows every seed operation")
}

/// The catalog and the demo's example calls cover the same five operations.
#[test]
fn e2e_catalog_covers_every_seed_operation() {
    let mut names: Vec<&str> = catalog().iter().map(|o| o.info.name).collect();
    let mut known = Clients::operations().to_vec();
    names.sort_unstable();
    known.sort_unstable();
    assert_eq!(names, known);
}

#[tokio::test]
async fn e2e_all_five_operations_succeed_and_match_their_sample() {
    let emu = start().await;
    let clients = clients(&emu);
    for op in catalog() {
        let outcome = call(&clients, op.info.name).await;
        let Outcome::Ok(debug) = outcome else {
            panic!("{}: {outcome:?}", op.info.name)
        };
        // The same sample decoded without the network gives the same typed value.
        let sample = &op.samples[0];
        let Outcome::Ok(direct) =
            (entry(op.info.name).decode)(sample.status, None, sample.body.as_bytes())
        else {
            panic!("{}: sample does not decode", op.info.name)
        };
        assert_eq!(debug, direct, "{}", op.info.name);
        assert!(!debug.contains("sign="), "signed URL leaked: {debug}");
    }
    let log = emu.requests();
    assert_eq!(log.len(), catalog().len());
    assert!(
        log.iter().all(|r| r.verdict == Verdict::Accepted),
        "{log:#?}"
    );
    // Huawei: the project id came from the credentials into the path and X-Project-Id.
    let dds = log
        .iter()
        .find(|r| r.protocol == Some(Protocol::Huawei))
        .expect("huawei call");
    let project = emu.keys().huawei.project_id.clone().expect("project id");
    assert_eq!(dds.path, format!("/v3/{project}/backups/download-file"));
    assert!(dds.headers.contains(&("x-project-id".into(), project)));
    // Every request names the SDK in its User-Agent.
    assert!(log.iter().all(|r| {
        r.headers
            .iter()
            .any(|(k, v)| k == "user-agent" && v.starts_with("generated/0.1.0 runtime/"))
    }));
}

/// Every documented code of every seed (its own rows and its protocol's common rows)
/// arrives as its own variant, with code, status and request id preserved.
#[tokio::test]
async fn e2e_every_documented_error_code_arrives_as_its_own_variant() {
    let emu = start().await;
    let clients = clients(&emu);
    let mut cases = 0;
    for op in catalog() {
        for row in op.errors {
            emu.set_reply(op.info.name, Reply::Error(row.code.to_owned()));
            let outcome = call(&clients, op.info.name).await;
            let Outcome::Service { debug, meta, .. } = outcome else {
                panic!("{} {}: {outcome:?}", op.info.name, row.code)
            };
            // `Variant(meta)`, or `Common(Variant(meta))` for a protocol-wide code.
            let prefix = match row.variant.strip_suffix(')') {
                Some(inner) => format!("{inner}("),
                None => format!("{}(", row.variant),
            };
            assert!(
                debug.starts_with(&prefix),
                "{} {}: expected variant {}, got {debug}",
                op.info.name,
                row.code,
                row.variant
            );
            assert_eq!(meta.code, row.code);
            assert_eq!(meta.message, format!("emulated error {}", row.code));
            let expected_status = row.status.unwrap_or(if op.info.envelope.status_errors {
                400
            } else {
                200
            });
            assert_eq!(
                meta.status, expected_status,
                "{} {}",
                op.info.name, row.code
            );
            let has_id = op.info.envelope.request_id_field.is_some()
                || op.info.envelope.request_id_header.is_some();
            assert_eq!(
                meta.request_id.is_some(),
                has_id,
                "{} {}: {meta:?}",
                op.info.name,
                row.code
            );
            cases += 1;
        }
    }
    let expected: usize = catalog().iter().map(|o| o.errors.len()).sum();
    assert_eq!(cases, expected);
    assert!(cases >= 100, "only {cases} error cases");
    eprintln!("e2e: {cases} documented error codes checked");
}

/// The code a protocol answers in `role` (from its error rows' roles), the variant it
/// becomes, and the HTTP status it comes with.
fn refusal(op: &OperationCatalog, role: Role) -> Option<(&'static str, String, u16)> {
    let p = op.protocol;
    let code = p.code_for(role)?;
    let row = op.errors.iter().find(|e| e.code == code)?;
    let status = row.status.unwrap_or(if p.envelope.status_errors {
        p.refusal_status
    } else {
        200
    });
    // A common row's variant reads `Common(X)`; its `Debug` starts `Common(X(`.
    let prefix = match row.variant.strip_suffix(')') {
        Some(v) => format!("{v}("),
        None => format!("{}(", row.variant),
    };
    Some((code, prefix, status))
}

#[tokio::test]
async fn e2e_wrong_secret_arrives_as_the_protocols_auth_error() {
    let emu = start().await;
    let mut keys = emu.keys().clone();
    keys.tencent =
        generated::runtime::TencentCredentials::new(keys.tencent.secret_id, "wrong-secret");
    keys.ucloud =
        generated::runtime::UCloudCredentials::new(keys.ucloud.public_key, "wrong-secret");
    keys.huawei = generated::runtime::HuaweiCredentials::new(keys.huawei.ak, "wrong-secret")
        .with_project_id(keys.huawei.project_id.unwrap_or_default());
    let clients = clients_with(&emu, keys, |c| c);
    for op in catalog() {
        let (code, variant, status) =
            refusal(op, Role::BadSignature).expect("every protocol has a bad-signature code");
        let outcome = call(&clients, op.info.name).await;
        let Outcome::Service { debug, meta, .. } = outcome else {
            panic!("{}: {outcome:?}", op.info.name)
        };
        assert!(debug.starts_with(&variant), "{}: {debug}", op.info.name);
        assert_eq!((meta.code.as_str(), meta.status), (code, status));
    }
    assert!(emu.requests().iter().all(|r| matches!(&r.verdict,
        Verdict::Rejected { reason, .. } if reason == "signature mismatch")));
}

#[tokio::test]
async fn e2e_unknown_key_id_and_stale_timestamp() {
    let emu = start().await;
    let mut keys = emu.keys().clone();
    keys.tencent.secret_id = "AKIDunknown".into();
    keys.ucloud.public_key = "unknown".into();
    keys.huawei.ak = "UNKNOWNAK".into();
    let unknown = clients_with(&emu, keys, |c| c.max_attempts(1));
    for op in catalog() {
        let (expected, _, _) = refusal(op, Role::UnknownKey)
            .or(refusal(op, Role::BadSignature))
            .expect("a refusal code");
        let Outcome::Service { meta, .. } = call(&unknown, op.info.name).await else {
            panic!("{}", op.info.name)
        };
        assert_eq!(meta.code, expected, "{}", op.info.name);
    }
    // Signed two hours ago: Tencent answers with its clock-skew code, the client takes the
    // offset from the `Date` header and re-signs once; Huawei's 0301 says nothing about the
    // clock, so it stays an error; UCloud signs no time at all.
    emu.clear_requests();
    let stale = clients_with(&emu, emu.keys().clone(), |c| {
        c.fixed_clock(now() - 7200, 7).max_attempts(1)
    });
    let mut skew_codes = Vec::new();
    for op in catalog() {
        let outcome = call(&stale, op.info.name).await;
        let expired = refusal(op, Role::ExpiredTimestamp);
        match expired {
            // A code the runtime knows as clock skew: re-signed with the server's offset.
            Some((code, _, _)) if op.protocol.envelope.clock_skew_codes.contains(&code) => {
                skew_codes.push(code);
                assert!(
                    matches!(outcome, Outcome::Ok(_)),
                    "{}: {outcome:?}",
                    op.info.name
                );
            }
            // A code that says nothing of the clock (Huawei's 0301): stays an error.
            Some((code, _, status)) => {
                let Outcome::Service { meta, .. } = outcome else {
                    panic!("{outcome:?}")
                };
                assert_eq!((meta.code.as_str(), meta.status), (code, status));
            }
            // The protocol signs no time.
            None => assert!(
                matches!(outcome, Outcome::Ok(_)),
                "{}: {outcome:?}",
                op.info.name
            ),
        }
    }
    // Each refusal for a stale timestamp used the protocol's expired-timestamp code; a
    // runtime re-signed at most once (it keeps the offset for its later calls).
    let log = emu.requests();
    let expired_codes: Vec<&str> = catalog()
        .iter()
        .filter_map(|op| op.protocol.code_for(Role::ExpiredTimestamp))
        .collect();
    let resigned = log
        .iter()
        .filter(|r| match &r.verdict {
            Verdict::Rejected { code, reason } if reason.contains("from") => {
                assert!(expired_codes.contains(&code.as_str()), "{code}");
                skew_codes.contains(&code.as_str())
            }
            _ => false,
        })
        .count();
    assert!((1..=3).contains(&resigned), "{log:#?}");
    if let Some(runtime) = stale.runtime_for(Protocol::TencentV3) {
        let offset = runtime.clock_offset();
        assert!((7190..=7210).contains(&offset), "offset {offset}");
    }
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs() as i64
}

#[tokio::test]
async fn e2e_unknown_code_arrives_as_unhandled_with_everything_preserved() {
    let emu = start().await;
    let clients = clients(&emu);
    for op in catalog() {
        let status = if op.info.envelope.status_errors {
            409
        } else {
            200
        };
        // No spec documents this code.
        let code = "98765";
        emu.set_reply(
            op.info.name,
            Reply::Custom {
                code: code.into(),
                message: "a brand-new failure".into(),
                status,
            },
        );
        let Outcome::Service {
            debug,
            meta,
            display,
        } = call(&clients, op.info.name).await
        else {
            panic!("{}", op.info.name)
        };
        assert!(debug.starts_with("Unhandled("), "{debug}");
        assert_eq!(
            (meta.code.as_str(), meta.message.as_str(), meta.status),
            (code, "a brand-new failure", status)
        );
        let has_id = op.info.envelope.request_id_field.is_some()
            || op.info.envelope.request_id_header.is_some();
        if has_id {
            let id = meta.request_id.clone().expect("request id kept");
            assert!(id.starts_with("emu-") && display.contains(&id), "{display}");
        }
        assert!(
            display.contains(code) && display.contains("a brand-new failure"),
            "{display}"
        );
    }
}

#[tokio::test]
async fn e2e_malformed_bodies_are_decode_errors_never_panics() {
    let emu = start().await;
    let clients = clients(&emu);
    for op in catalog() {
        for kind in [
            Malformed::Html502,
            Malformed::Truncated,
            Malformed::WrongShape,
            Malformed::Empty,
        ] {
            emu.set_reply(op.info.name, Reply::Malformed(kind));
            let outcome = call(&clients, op.info.name).await;
            if kind == Malformed::Empty && op.info.envelope.body_is_payload() {
                // No body where the status alone says success is the payload with every
                // field absent: it decodes as `{}` does, a success unless a field is required.
                let expected = (entry(op.info.name).decode)(200, None, b"{}");
                assert!(
                    matches!(
                        (&outcome, &expected),
                        (Outcome::Ok(a), Outcome::Ok(b)) if a == b
                    ) || matches!(
                        (&outcome, &expected),
                        (Outcome::Decode(_), Outcome::Decode(_))
                    ),
                    "{} {kind:?}: {outcome:?}, but `{{}}` decodes as {expected:?}",
                    op.info.name
                );
                continue;
            }
            let Outcome::Decode(e) = outcome else {
                panic!("{} {kind:?}: {outcome:?}", op.info.name)
            };
            match kind {
                Malformed::Html502 => {
                    assert_eq!(e.status, 502);
                    assert!(e.excerpt.starts_with("<html>"), "{e}");
                }
                _ => assert_eq!(e.status, 200),
            }
            assert!(e.excerpt.chars().count() <= 120);
        }
    }
}

#[tokio::test]
async fn e2e_missing_required_parameter_is_refused_by_the_emulator() {
    // The builders refuse a missing field before any I/O, so go below them: a raw wire
    // request without `BackupId`, signed and sent by the runtime.
    use generated::tencent::redis::{self, DescribeBackupUrlError, DescribeBackupUrlResponse};
    let emu = start().await;
    let clients = clients(&emu);
    let runtime = clients.runtime_for(Protocol::TencentV3).expect("runtime");
    let info = &redis::catalog::describe_backup_url::OPERATION;
    let fields = vec![generated::runtime::protocols::Field::param(
        "InstanceId",
        &"crs-1".to_owned(),
    )];
    let wire = generated::runtime::protocols::build(info, runtime.config(), fields).expect("wire");
    let result = runtime
        .invoke::<DescribeBackupUrlResponse, DescribeBackupUrlError>(info, wire)
        .await;
    let Err(generated::runtime::SdkError::Service(DescribeBackupUrlError::Common(e))) = result
    else {
        panic!("{result:?}")
    };
    let meta = generated::runtime::ServiceError::meta(&e);
    assert_eq!(meta.code, "MissingParameter");
    assert!(meta.message.contains("BackupId"), "{meta:?}");
    // The emulator judged it from the spec's parameter table.
    assert!(
        op("DescribeBackupUrl")
            .params
            .iter()
            .any(|p| p.name == "BackupId" && p.required)
    );
}

#[tokio::test]
async fn e2e_connection_refused_is_a_transport_error() {
    let emu = start().await;
    let endpoint = emu.endpoint();
    let keys = emu.keys().clone();
    drop(emu);
    // Give the aborted accept loop a moment to release the port.
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    let clients = Clients::for_endpoint(&endpoint, (keys.tencent, keys.ucloud, keys.huawei), |c| c)
        .expect("clients");
    let Outcome::Transport(e) = call(&clients, "DescribeBackupUrl").await else {
        panic!("expected a transport error")
    };
    assert_eq!(e.kind, TransportErrorKind::Connect, "{e}");
    assert!(!e.message.contains("127.0.0.1"), "no URL in errors: {e}");
}

/// The signed wire request of each seed's example, with a fixed clock and the emulator's
/// keys (signatures redacted in `Debug`), and proof the emulator accepts exactly those bytes.
#[tokio::test]
async fn e2e_signed_wire_requests_with_a_fixed_clock() {
    const T: i64 = 1_700_000_000;
    let emu = start().await;
    emu.set_now(Some(T + 30));
    let clients = clients_with(&emu, emu.keys().clone(), |c| c.fixed_clock(T, 11886));
    let signed: Vec<_> = catalog()
        .iter()
        .map(|op| {
            let runtime = clients.runtime_for(op.info.protocol).expect("vendor");
            let wire = clients
                .example_request(op.info.name)
                .expect("in the catalog")
                .expect("the spec's example builds");
            runtime.sign(op.info, wire)
        })
        .collect();
    let host = emu.endpoint().trim_start_matches("http://").to_owned();
    for (req, name) in signed.iter().zip(Clients::operations()) {
        let req = req.as_ref().expect("signed");
        let text = format!("{req:#?}").replace(&host, "127.0.0.1:<port>");
        assert!(!text.contains(emu.keys().tencent.secret_key.expose()));
        insta::assert_snapshot!(format!("signed_{name}"), text);
        // Sent as is, the emulator accepts it.
        let raw = clients
            .runtime_for(Protocol::TencentV3)
            .expect("runtime")
            .send(req)
            .await
            .expect("sent");
        assert_eq!(raw.status, 200, "{name}");
    }
    let log = emu.requests();
    assert_eq!(log.len(), catalog().len());
    assert!(
        log.iter().all(|r| r.verdict == Verdict::Accepted),
        "{log:#?}"
    );
}

/// An imported UCloud action with a list of structures holding a structure
/// (`NetworkInterface.0.EIP.Bandwidth`), a list of structures (`Disks.N.*`) and booleans,
/// through its generated client: flattened as the vendor's SDK sends it, signed, and
/// accepted by the emulator; `Region`, `Zone` and `ProjectId` from the client.
#[tokio::test]
async fn ucloud_nested_structures_and_booleans_are_signed_and_accepted() {
    use generated::ucloud::uhost;
    let emu = Emulator::start([entry("CreateUHostInstance")])
        .await
        .expect("emulator starts");
    let client = uhost::Client::new(
        ClientConfig::new()
            .region("cn-bj2")
            .zone("cn-bj2-05")
            .project("org-1")
            .endpoint(emu.endpoint_for("uhost"))
            .max_attempts(1),
        emu.keys().ucloud.clone(),
    )
    .expect("client");
    let disk = |boot: &str, size: i64, ty: &str| uhost::CreateUHostInstanceParamDisks {
        backup_mode: None,
        backup_type: None,
        coupon_id: None,
        custom_backup: None,
        encrypted: None,
        is_boot: boot.to_owned(),
        kms_key_id: None,
        size,
        snapshot_id: None,
        type_field: ty.to_owned(),
    };
    let request = uhost::CreateUHostInstanceRequest::builder()
        .image_id("uimage-1")
        .login_mode("Password")
        .deletion_protection(true)
        .disks(vec![
            disk("True", 40, "CLOUD_RSSD"),
            disk("False", 100, "CLOUD_SSD"),
        ])
        .network_interface(vec![uhost::CreateUHostInstanceParamNetworkInterface {
            eip: Some(uhost::CreateUHostInstanceParamNetworkInterfaceEip {
                bandwidth: Some(5),
                coupon_id: None,
                exist_eip_id: None,
                global_ssh: None,
                operator_name: None,
                pay_mode: Some("Bandwidth".to_owned()),
                share_bandwidth_id: None,
            }),
            create_cernet_ip: Some(false),
            i_pv6: None,
        }])
        .build()
        .expect("valid");
    client
        .create_u_host_instance(&request)
        .await
        .expect("answered");
    let r = emu.requests().pop().expect("received");
    assert_eq!(r.verdict, Verdict::Accepted, "{r:?}");
    let body = r.body_text();
    for pair in [
        "Disks.0.IsBoot=True",
        "Disks.0.Size=40",
        "Disks.1.Type=CLOUD_SSD",
        "NetworkInterface.0.EIP.Bandwidth=5",
        "NetworkInterface.0.EIP.PayMode=Bandwidth",
        "NetworkInterface.0.CreateCernetIp=false",
        "DeletionProtection=true",
        "Region=cn-bj2",
        "Zone=cn-bj2-05",
        "ProjectId=org-1",
    ] {
        assert!(body.split('&').any(|p| p == pair), "{pair} in {body}");
    }
}
