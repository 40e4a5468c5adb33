//! The UCloud importer on a fixture cut from the real `ucloud-sdk-python3` 0.11.150 wheel
//! (`xtask/fixtures/ucloud`, see its README).

use std::path::PathBuf;

use super::huawei_tests::{load, root, signature};
use super::import_ucloud;
use super::reads;
use super::tests::{tmp, write};
use super::ucloud_out::rst_links;

fn fixture() -> PathBuf {
    root().join("xtask/fixtures/ucloud")
}

fn all() -> Vec<String> {
    Vec::new()
}

#[test]
fn imports_the_fixture_deterministically_with_structures_and_sdk_facts() {
    let out = tmp("ucloud");
    let (summary, stats) = import_ucloud(&fixture(), &all(), &out.0).expect("the fixture imports");
    assert_eq!(summary.services, 3);
    assert_eq!(stats.operations, 7, "{stats:?}");
    // Reads the SDK retries are idempotent; `CreateUDBInstance` (retries off) is not.
    assert_eq!(stats.idempotent, 2, "{stats:?}");
    let udb = out.0.join("udb");
    let create = std::fs::read_to_string(udb.join("create_udb_instance.yaml")).expect("written");
    for line in [
        "operation: CreateUDBInstance",
        "  Labels: { type: list<CreateUdbInstanceParamLabels>",
        "  AdminPassword: { type: string, required: true,",
    ] {
        assert!(create.contains(line), "{line:?} in:\n{create}");
    }
    assert!(!create.contains("idempotent"), "{create}");
    assert!(
        create.contains("sensitive: true")
            && create
                .lines()
                .any(|l| l.starts_with("  AdminPassword:") && l.contains("sensitive: true")),
        "{create}"
    );
    let backups = std::fs::read_to_string(udb.join("describe_udb_backup.yaml")).expect("written");
    assert!(backups.contains("idempotent: true\n"), "{backups}");
    assert!(
        backups.contains("  DataSet: { type: list<UdbBackupSet>"),
        "{backups}"
    );
    // The SDK's reStructuredText links are plain prose.
    let url = std::fs::read_to_string(udb.join("describe_udb_instance_backup_url.yaml"))
        .expect("written");
    assert!(
        url.contains("GetProjectList接口 (https://docs.ucloud.cn/api/summary/get_project_list)"),
        "{url}"
    );
    let vpc = std::fs::read_to_string(out.0.join("vpc/create_vpc.yaml")).expect("written");
    assert!(
        vpc.lines()
            .any(|l| l.starts_with("  Type: ") && l.contains("deprecated: true")),
        "{vpc}"
    );
    let uhost =
        std::fs::read_to_string(out.0.join("uhost/create_u_host_instance.yaml")).expect("written");
    assert!(
        uhost
            .lines()
            .any(|l| l.starts_with("  Password:") && l.contains("Sent base64-encoded")),
        "{uhost}"
    );
    // gen takes what was written: a structure inside a list of structures.
    let model = load(&out.0);
    assert_eq!(model.ops.len(), 7);
    let (method, path, request, _) = signature(&model, "CreateUHostInstance");
    assert_eq!((method.as_str(), path.as_str()), ("POST", "/"));
    let nic = request
        .iter()
        .find(|f| f.starts_with("NetworkInterface "))
        .expect("NetworkInterface");
    assert!(
        nic.contains("\"EIP\": \"{") && nic.contains("Bandwidth"),
        "{nic}"
    );
    // A second run changes nothing.
    let (again, _) = import_ucloud(&fixture(), &all(), &out.0).expect("imports again");
    assert_eq!((again.written, again.deleted, again.unchanged), (0, 0, 10));
}

#[test]
fn the_imported_backup_link_agrees_with_the_hand_written_seed_on_the_wire() {
    let out = tmp("ucloud-seed");
    import_ucloud(&fixture(), &["udb".to_owned()], &out.0).expect("the fixture imports");
    let imported = signature(&load(&out.0), "DescribeUDBInstanceBackupURL");
    let seed_dir = tmp("ucloud-seed-hand");
    let hand = root().join("specs/ucloud/udb");
    for f in [
        "describe_udb_instance_backup_url.yaml",
        "samples/describe_udb_instance_backup_url.json",
    ] {
        write(
            &seed_dir.0.join("udb").join(f),
            &std::fs::read_to_string(hand.join(f)).expect("the seed spec"),
        );
    }
    write(
        &seed_dir.0.join("udb/service.yaml"),
        "service: udb\nprotocol: ucloud\nendpoint: api.ucloud.cn\ndoc: UDB.\n",
    );
    let mut seed = signature(&load(&seed_dir.0), "DescribeUDBInstanceBackupURL");
    // The seed also documents the envelope's `Action`, which the SDK's schema leaves out.
    seed.3.retain(|f| !f.starts_with("Action "));
    // Method, path, wire names and kinds agree (the seed's `MD5` also reads `Md5`).
    assert_eq!(imported, seed);
}

#[test]
fn a_hand_written_action_wins_and_the_overlay_adds_error_codes() {
    let out = tmp("ucloud-hand");
    let udb = out.0.join("udb");
    write(
        &udb.join("my_backup_url.yaml"),
        "operation: DescribeUDBInstanceBackupURL\nprotocol: ucloud\nservice: udb\ndoc: Mine.\n",
    );
    write(
        &udb.join("overlay.yaml"),
        "errors:\n  - { code: \"8039\", message: DB not found }\noperations:\n  DescribeUDBBackup:\n    response:\n      DataSet: { doc: \"The backups.\" }\n",
    );
    let (_, stats) = import_ucloud(&fixture(), &["udb".to_owned()], &out.0).expect("imports");
    assert_eq!((stats.operations, stats.skipped), (3, 1), "{stats:?}");
    assert!(!udb.join("describe_udb_instance_backup_url.yaml").exists());
    let service = std::fs::read_to_string(udb.join("service.yaml")).expect("written");
    assert!(
        service.contains(
            "errors:\n  - { code: \"8039\", variant: DbNotFound, message: \"DB not found\" }"
        ),
        "{service}"
    );
    let backups = std::fs::read_to_string(udb.join("describe_udb_backup.yaml")).expect("written");
    assert!(backups.contains("doc: \"The backups.\""), "{backups}");
    // An overlay naming an unknown action is a located error, and nothing is written.
    write(
        &udb.join("overlay.yaml"),
        "operations:\n  DescribeNothing:\n    idempotent: true\n",
    );
    let before = std::fs::read_to_string(udb.join("service.yaml")).expect("written");
    let err = import_ucloud(&fixture(), &["udb".to_owned()], &out.0).expect_err("refused");
    assert!(
        err.contains("overlay.yaml:2:3: ") && err.contains("unknown action \"DescribeNothing\""),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(udb.join("service.yaml")).expect("kept"),
        before
    );
}

#[test]
fn a_schema_the_importer_cannot_read_is_located_and_nothing_is_written() {
    let site = tmp("ucloud-broken");
    for rel in [
        "ucloud_sdk_python3-0.11.150.dist-info/METADATA",
        "ucloud/services/udb/client.py",
        "ucloud/services/udb/schemas/models.py",
    ] {
        write(
            &site.0.join(rel),
            &std::fs::read_to_string(fixture().join(rel)).expect("fixture"),
        );
    }
    let apis = std::fs::read_to_string(fixture().join("ucloud/services/udb/schemas/apis.py"))
        .expect("fixture");
    let broken = apis.replacen(
        "\"DBId\": fields.Str(required=True, dump_to=\"DBId\")",
        "\"DBId\": fields.Decimal(required=True, dump_to=\"DBId\")",
        1,
    );
    assert_ne!(broken, apis);
    let line = broken[..broken.find("fields.Decimal").expect("edited")]
        .lines()
        .count();
    write(&site.0.join("ucloud/services/udb/schemas/apis.py"), &broken);
    let out = tmp("ucloud-broken-out");
    let err = import_ucloud(&site.0, &all(), &out.0).expect_err("refused");
    assert!(
        err.contains(&format!(
            "ucloud/services/udb/schemas/apis.py:{line}: unknown field type fields.Decimal"
        )),
        "{err}"
    );
    assert!(err.ends_with("nothing written"), "{err}");
    assert!(std::fs::read_dir(&out.0).expect("out").next().is_none());
}

#[test]
fn rst_links_become_markdown_and_read_verbs_are_whole_words() {
    assert_eq!(
        rst_links("见 `地域列表 <https://docs.ucloud.cn/api/summary/regionlist>`_ 。`code`"),
        "见 地域列表 (https://docs.ucloud.cn/api/summary/regionlist) 。`code`"
    );
    assert_eq!(
        rst_links("`<https://a.b/c>`__ and `x <not a url>`_"),
        "https://a.b/c and `x <not a url>`_"
    );
    assert!(reads("DescribeUDBBackup") && reads("GetUHostInstanceVncInfo") && reads("ListX"));
    assert!(!reads("Getaway") && !reads("CreateUDBBackup") && !reads("Describes"));
}
