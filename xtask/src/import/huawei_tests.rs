//! The Huawei importer on a fixture cut from the real `huaweicloudsdkdds` 3.1.219 wheel
//! (`xtask/fixtures/huawei`, see its README).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use codegen::model::{Model, Operation, Ty, TypeKind};

use super::import_huawei;
use super::tests::{tmp, write};

pub(super) fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask is in the workspace")
        .to_owned()
}

fn fixture() -> PathBuf {
    root().join("xtask/fixtures/huawei")
}

/// `gen`'s model of the specs under `specs` (with the repository's protocols).
pub(super) fn load(specs: &Path) -> Model {
    let root = root();
    codegen::load(&codegen::Input {
        base: specs.to_owned(),
        protocols: root.join("specs/protocols"),
        specs: specs.to_owned(),
    })
    .unwrap_or_else(|d| panic!("the specs load: {d}"))
}

/// The JSON kind a value of `ty` travels as, with named objects opened up to their fields.
fn wire_shape(model: &Model, op: &Operation, ty: &Ty) -> String {
    match ty {
        Ty::Str | Ty::Timestamp(_) => "string".into(),
        Ty::Bool => "bool".into(),
        Ty::I32 | Ty::I64 | Ty::U32 | Ty::U64 => "integer".into(),
        Ty::F64 => "number".into(),
        Ty::Bytes => "bytes".into(),
        Ty::Json => "any".into(),
        Ty::List(t) => format!("[{}]", wire_shape(model, op, t)),
        Ty::Map(t) => format!("{{*: {}}}", wire_shape(model, op, t)),
        Ty::Named(name) => match model
            .types_of(op)
            .find(|t| &t.name == name)
            .map(|t| &t.kind)
        {
            Some(TypeKind::Object(fields)) => {
                let inner: BTreeMap<&str, String> = fields
                    .iter()
                    .map(|f| (f.wire.as_str(), wire_shape(model, op, &f.ty)))
                    .collect();
                format!("{inner:?}")
            }
            _ => "string".into(),
        },
    }
}

/// Method, path, and each request and response field's wire name, location and shape.
pub(super) fn signature(model: &Model, name: &str) -> (String, String, Vec<String>, Vec<String>) {
    let op = model
        .ops
        .iter()
        .find(|o| o.wire_name == name)
        .unwrap_or_else(|| panic!("{name} is loaded"));
    let fields = |fs: &[codegen::model::Field]| {
        let mut v: Vec<String> = fs
            .iter()
            .map(|f| {
                format!(
                    "{} {:?} {}",
                    f.wire,
                    f.location,
                    wire_shape(model, op, &f.ty)
                )
            })
            .collect();
        v.sort();
        v
    };
    (
        op.method.clone(),
        op.path.clone(),
        fields(&op.request),
        fields(&op.response),
    )
}

#[test]
fn imports_the_fixture_deterministically_and_refuses_what_specs_cannot_say() {
    let out = tmp("huawei");
    let (summary, stats) =
        import_huawei(&fixture(), None, &["dds".to_owned()], &out.0).expect("the fixture imports");
    assert_eq!((summary.services, summary.versions), (1, 1));
    assert_eq!(stats.operations, 3, "{stats:?}");
    assert_eq!(stats.refused, BTreeMap::new());
    let dds = out.0.join("dds");
    let spec = std::fs::read_to_string(dds.join("add_readonly_node.yaml")).expect("written");
    for line in [
        "operation: AddReadonlyNode",
        "http: {method: POST, path: \"/v3/{project_id}/instances/{instance_id}/readonly-node\"}",
        "  project_id: { type: string, location: path }",
        "  body: { type: AddReadonlyNodeRequestBody, location: payload",
    ] {
        assert!(spec.contains(line), "{line:?} in:\n{spec}");
    }
    assert!(
        spec.contains("  instance_id: { type: string, location: path, required: true"),
        "{spec}"
    );
    let service = std::fs::read_to_string(dds.join("service.yaml")).expect("written");
    assert!(
        service.contains("endpoint: \"dds.{region}.myhuaweicloud.com\""),
        "{service}"
    );
    // The SDK's `body: str` response is the whole body, read as text.
    let reset = std::fs::read_to_string(dds.join("reset_configuration.yaml")).expect("written");
    assert!(
        reset.contains("  body: { type: string, location: payload"),
        "{reset}"
    );
    // gen takes what was written, and a second run changes nothing.
    let model = load(&out.0);
    assert_eq!(model.ops.len(), 3);
    let (again, _) =
        import_huawei(&fixture(), None, &["dds".to_owned()], &out.0).expect("imports again");
    assert_eq!((again.written, again.deleted), (0, 0));
}

#[test]
fn a_multipart_body_model_is_parts_and_a_stream_response_is_bytes() {
    let out = tmp("huawei-multipart");
    let (_, stats) = import_huawei(&fixture(), None, &["gaussdb".to_owned()], &out.0)
        .expect("the fixture imports");
    assert_eq!(stats.operations, 2, "{stats:?}");
    assert_eq!(stats.refused, BTreeMap::new());
    let dir = out.0.join("gaussdb");
    let upload =
        std::fs::read_to_string(dir.join("upload_import_excel_template.yaml")).expect("written");
    // Each member of the SDK's body model is a part; its `file` member a file part.
    for line in [
        "  template_type: { type: string, location: part",
        "  file: { type: bytes, location: part",
        "  is_support_regexp: { type: string, location: part",
        "  \"X-Language\": { type: string, location: header",
    ] {
        assert!(upload.contains(line), "{line:?} in:\n{upload}");
    }
    assert!(!upload.contains("location: payload"), "{upload}");
    let download =
        std::fs::read_to_string(dir.join("download_import_excel_template.yaml")).expect("written");
    assert!(
        download.contains("response:\n  body: { type: bytes, location: payload"),
        "{download}"
    );
    // gen takes them: the upload's parts, the download's whole body as bytes.
    let model = load(&out.0);
    let (_, _, request, _) = signature(&model, "UploadImportExcelTemplate");
    assert!(
        request.contains(&"file Part bytes".to_owned()),
        "{request:?}"
    );
    let (method, _, _, response) = signature(&model, "DownloadImportExcelTemplate");
    assert_eq!(
        (method.as_str(), response),
        ("GET", vec!["body Payload bytes".to_owned()])
    );
}

#[test]
fn the_imported_download_link_agrees_with_the_hand_written_seed_on_the_wire() {
    let out = tmp("huawei-seed");
    import_huawei(&fixture(), None, &["dds".to_owned()], &out.0).expect("the fixture imports");
    let imported = signature(&load(&out.0), "ShowBackupDownloadLink");
    let seed_dir = tmp("huawei-seed-hand");
    let hand = root().join("specs/huawei/dds");
    for f in ["download_file.yaml", "samples/download_file.json"] {
        write(
            &seed_dir.0.join("dds").join(f),
            &std::fs::read_to_string(hand.join(f)).expect("the seed spec"),
        );
    }
    write(
        &seed_dir.0.join("dds/service.yaml"),
        "service: dds\nprotocol: huawei\nendpoint: dds.{region}.myhuaweicloud.com\ndoc: DDS.\n",
    );
    let seed = signature(&load(&seed_dir.0), "download-file");
    // Method, path, wire names, locations and JSON kinds agree (the seed's `u64` size in
    // KiB and its timestamp are finer types of the same integer and string).
    assert_eq!(imported, seed);
}

/// A copy of the fixture with `edit` applied to every model file.
fn edited_site(name: &str, edit: impl Fn(&str) -> String) -> super::tests::Tmp {
    let site = tmp(name);
    let copy = |rel: &str, text: Option<String>| {
        let text = text.unwrap_or_else(|| std::fs::read_to_string(fixture().join(rel)).unwrap());
        write(&site.0.join(rel), &text);
    };
    for rel in [
        "huaweicloudsdkdds-3.1.219.dist-info/METADATA",
        "huaweicloudsdkdds/v3/dds_client.py",
        "huaweicloudsdkdds/v3/region/dds_region.py",
    ] {
        copy(rel, None);
    }
    for e in std::fs::read_dir(fixture().join("huaweicloudsdkdds/v3/model")).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().into_owned();
        let rel = format!("huaweicloudsdkdds/v3/model/{name}");
        let text = std::fs::read_to_string(fixture().join(&rel)).unwrap();
        copy(&rel, Some(edit(&text)));
    }
    site
}

#[test]
fn a_broken_model_is_located_and_nothing_is_written() {
    // One member with a type no Python SDK type is.
    let site = edited_site("huawei-broken", |text| {
        text.replace("'backup_id': 'str'", "'backup_id': 'strange[int'")
    });
    let out = tmp("huawei-broken-out");
    let err = import_huawei(&site.0, None, &[], &out.0).expect_err("refused");
    assert!(
        err.contains("huaweicloudsdkdds/v3/model/show_backup_download_link_request.py:")
            && err
                .contains("`ShowBackupDownloadLinkRequest.backup_id`: unknown type `strange[int`")
            && err.ends_with("nothing written"),
        "{err}"
    );
    assert_eq!(std::fs::read_dir(&out.0).unwrap().count(), 0);
}

#[test]
fn a_member_without_a_wire_name_refuses_only_the_operations_that_reach_it() {
    // The vendor's typo (kvs `Credential.stsToken`): in `openapi_types`, not in
    // `attribute_map`. The model's operations are refused, located; the rest import.
    let site = edited_site("huawei-flaw", |text| {
        text.replace("        'backup_id': 'backup_id'\n", "")
            .replace(
                "'instance_id': 'instance_id',",
                "'instance_id': 'instance_id'",
            )
    });
    let out = tmp("huawei-flaw-out");
    let (_, stats) = import_huawei(&site.0, None, &[], &out.0).expect("the rest imports");
    assert_eq!(stats.operations, 2, "{stats:?}");
    let cause = "a model the SDK declares inconsistently";
    assert_eq!(stats.refused.get(cause), Some(&1), "{stats:?}");
    assert_eq!(stats.refusals.len(), 1, "{stats:?}");
    let listed = stats
        .refusals
        .iter()
        .find(|r| r.contains("ShowBackupDownloadLink"))
        .expect("listed");
    assert!(
        listed.starts_with("dds v3 ShowBackupDownloadLink: a model the SDK declares inconsistently (huaweicloudsdkdds/v3/model/show_backup_download_link_request.py:")
            && listed.contains("`ShowBackupDownloadLinkRequest.backup_id` is in `openapi_types` but not in `attribute_map`")
            && listed.contains("dds_client.py:"),
        "{listed}"
    );
}

#[test]
fn vendor_type_names_decimal_dict_and_bytes_are_read() {
    use super::huawei::PyTy;
    for (text, ty) in [
        ("decimal.Decimal", PyTy::Decimal),
        ("dict", PyTy::Object),
        ("list[dict]", PyTy::List(Box::new(PyTy::Object))),
        ("bytes", PyTy::File),
    ] {
        assert_eq!(PyTy::parse(text), Some(ty), "{text}");
    }
}

#[test]
fn enum_classes_are_read_with_their_constants() {
    use super::huawei::{EnumValues, test_enum_values};
    // `huaweicloudsdkdds/v3/model/lts_log_type.py` (3.1.219), from its class line.
    let lts = "class LtsLogType:\n    \"\"\"\n    allowed enum values\n    \"\"\"\n    AUDIT_LOG = \"audit_log\"\n    \"\"\"\n    Attributes:\n      openapi_types (dict): The key is attribute name\n    \"\"\"\n    sensitive_list = []\n";
    assert_eq!(
        test_enum_values(lts),
        Some(EnumValues::Str(vec![(
            "AUDIT_LOG".into(),
            "audit_log".into()
        )]))
    );
    // `huaweicloudsdkcc/v3/model/billing_mode_enum.py`: integer constants.
    let billing = "class BillingModeEnum:\n    \"\"\"\n    allowed enum values\n    \"\"\"\n    _1 = 1\n    _2 = 2\n    \"\"\"\n";
    assert_eq!(test_enum_values(billing), Some(EnumValues::Int));
    // A model class is no enum.
    let model =
        "class Version:\n\n    \"\"\"\n    Attributes:\n    \"\"\"\n    sensitive_list = []\n";
    assert_eq!(test_enum_values(model), None);
}

#[test]
fn enum_values_get_distinct_usable_variant_names() {
    let values: Vec<(String, String)> = [
        ("ON", "on"),
        ("ON_2", "On"),
        ("EMPTY", ""),
        ("UNKNOWN", "unknown"),
        ("_2022_08_30", "2022.08.30"),
        ("ON_AGAIN", "on"),
    ]
    .iter()
    .map(|(c, v)| ((*c).to_owned(), (*v).to_owned()))
    .collect();
    let names = super::huawei_out::test_enum_names(&values);
    assert_eq!(
        names,
        vec![
            ("on", None),
            ("On", Some("On2".to_owned())),
            ("", Some("Empty".to_owned())),
            ("unknown", Some("Value3".to_owned())),
            ("2022.08.30", None),
        ]
    );
}

#[test]
fn path_variables_are_found_anywhere_in_a_segment() {
    assert_eq!(
        super::huawei_out::test_path_vars("/v2/reverse/floatingips/{region}:{floatingip_id}"),
        vec!["region", "floatingip_id"]
    );
    assert_eq!(
        super::huawei_out::test_path_vars("/v3/{project_id}/instances"),
        vec!["project_id"]
    );
}

#[test]
fn regions_the_endpoint_template_does_not_give_are_listed() {
    // `huaweicloudsdkcce/v3/region/cce_region.py` (3.1.219), three of its regions.
    let text = r#"
    CN_NORTH_4 = Region("cn-north-4",
                        "https://cce.cn-north-4.myhuaweicloud.com")
    EU_WEST_101 = Region("eu-west-101",
                        "https://cce.eu-west-101.myhuaweicloud.eu")
    AP_SOUTHEAST_1 = Region("ap-southeast-1", "https://cce.ap-southeast-1.myhuaweicloud.com")
"#;
    let (template, regions) = super::huawei::test_endpoint(text).expect("an endpoint");
    assert_eq!(template, "cce.{region}.myhuaweicloud.com");
    assert_eq!(
        regions,
        vec![(
            "eu-west-101".to_owned(),
            "cce.eu-west-101.myhuaweicloud.eu".to_owned()
        )]
    );
}

#[test]
fn the_go_sdk_gives_required_members_and_widths_where_its_models_agree() {
    let go = root().join("xtask/fixtures/huawei-go");
    let out = tmp("huawei-go");
    let (_, stats) =
        import_huawei(&fixture(), Some(&go), &[], &out.0).expect("the fixture imports");
    // Each Go struct's members are among its Python model's (3.1.219 added `group_id` and
    // `availability_zone` to the body: they stay optional).
    assert_eq!((stats.go_applied, stats.go_differ), (4, 0), "{stats:?}");
    let dds = out.0.join("dds");
    let link = std::fs::read_to_string(dds.join("show_backup_download_link.yaml")).unwrap();
    assert!(
        link.contains("  backup_id: { type: string, location: query, required: true"),
        "{link}"
    );
    assert!(link.contains("and huaweicloud-sdk-go-v3 0.1.188"), "{link}");
    let service = std::fs::read_to_string(dds.join("service.yaml")).unwrap();
    for line in [
        "      spec_code: { type: string, required: true",
        "      num: { type: i32, required: true",
        "      delay: { type: i32,",
        "      group_id: { type: string, doc:",
    ] {
        assert!(service.contains(line), "{line:?} in:\n{service}");
    }
    // gen takes it, and the builder now refuses a request without the required member.
    load(&out.0);
}

#[test]
fn a_go_struct_that_differs_from_the_python_model_is_not_used() {
    let go = tmp("huawei-go-skew");
    let src = root().join("xtask/fixtures/huawei-go");
    write(
        &go.0.join("VERSION"),
        &std::fs::read_to_string(src.join("VERSION")).unwrap(),
    );
    let rel = "services/dds/v3/model/model_add_readonly_node_request_body.go";
    let text = std::fs::read_to_string(src.join(rel)).unwrap().replace(
        "\tNum int32 `json:\"num\"`",
        "\tNum int32 `json:\"num\"`\n\n\tNewer string `json:\"newer\"`",
    );
    write(&go.0.join(rel), &text);
    let out = tmp("huawei-go-skew-out");
    let (_, stats) = import_huawei(&fixture(), Some(&go.0), &[], &out.0).expect("imports");
    assert_eq!((stats.go_applied, stats.go_differ), (0, 1), "{stats:?}");
    let service = std::fs::read_to_string(out.0.join("dds/service.yaml")).unwrap();
    assert!(service.contains("      num: { type: i64"), "{service}");
}

#[test]
fn a_version_whose_every_operation_is_refused_writes_nothing() {
    // As kvs: every operation's body is BSON. No service.yaml of no operation (a crate of
    // nothing would not even build warning-free).
    let site = edited_site("huawei-all-refused", |text| text.to_owned());
    let client = site.0.join("huaweicloudsdkdds/v3/dds_client.py");
    let text = std::fs::read_to_string(&client)
        .unwrap()
        .replace("['application/json']", "['application/bson']");
    write(&client, &text);
    let out = tmp("huawei-all-refused-out");
    let (summary, stats) = import_huawei(&site.0, None, &[], &out.0).expect("imports");
    assert_eq!(
        (stats.operations, stats.empty_versions),
        (0, 1),
        "{stats:?}"
    );
    assert_eq!(summary.written, 0);
    assert!(!out.0.join("dds/service.yaml").exists());
}

#[test]
fn an_overlay_adds_error_codes_and_field_facts_and_is_checked() {
    let out = tmp("huawei-overlay");
    write(
        &out.0.join("dds/overlay.yaml"),
        r#"# From the vendor's DDS error-code page.
errors:
  - { code: "DBS.200001", status: 400, message: "Parameter error.", doc: "Check the parameters." }
  - { code: "DBS.200002", status: 404, message: "The DB instance does not exist." }
  - { code: "DBS.200004", status: 400, message: "Parameter error." }
operations:
  AddReadonlyNode:
    idempotent: false
    request:
      instance_id: { doc: "The instance to grow." }
types:
  AddReadonlyNodeRequestBody:
    spec_code: { required: true }
"#,
    );
    let (_, stats) = import_huawei(&fixture(), None, &["dds".to_owned()], &out.0)
        .expect("the fixture imports with its overlay");
    assert_eq!(stats.error_codes, 3);
    let service = std::fs::read_to_string(out.0.join("dds/service.yaml")).unwrap();
    for line in [
        super::overlay::DIGEST_LINE,
        r#"  - { code: "DBS.200001", variant: ParameterError, status: 400, message: "Parameter error.", doc: "Check the parameters." }"#,
        r#"  - { code: "DBS.200002", variant: TheDbInstanceDoesNotExist, status: 404,"#,
        // The same message twice: the second variant is the code's.
        r#"  - { code: "DBS.200004", variant: Dbs200004, status: 400,"#,
    ] {
        assert!(service.contains(line), "{line:?} in:\n{service}");
    }
    let spec_code = service
        .lines()
        .find(|l| l.starts_with("      spec_code: "))
        .expect("the member");
    assert!(spec_code.ends_with(", required: true }"), "{spec_code}");
    let spec = std::fs::read_to_string(out.0.join("dds/add_readonly_node.yaml")).unwrap();
    assert!(spec.contains("idempotent: false\n"), "{spec}");
    assert!(
        spec.contains("  instance_id: { type: string, location: path, required: true, doc: \"The instance to grow.\" }"),
        "{spec}"
    );
    // gen takes it: each code is its own variant of the service's error enum.
    let model = load(&out.0);
    let dds = model
        .services
        .iter()
        .find(|s| s.name == "dds")
        .expect("dds");
    let variants: Vec<(&str, &str)> = dds
        .errors
        .iter()
        .map(|e| (e.code.as_str(), e.variant.as_str()))
        .collect();
    assert!(
        variants.contains(&("DBS.200004", "Dbs200004")),
        "{variants:?}"
    );
    // A second run changes nothing.
    let (again, _) = import_huawei(&fixture(), None, &["dds".to_owned()], &out.0).unwrap();
    assert_eq!((again.written, again.deleted), (0, 0));
}

#[test]
fn an_overlay_naming_what_the_version_lacks_is_located_and_nothing_is_written() {
    let out = tmp("huawei-overlay-bad");
    write(
        &out.0.join("dds/overlay.yaml"),
        r#"errors:
  - { code: "DBS.1", message: "One." }
  - { code: "DBS.1", message: "Again." }
  - { message: "No code." }
operations:
  NoSuchOperation: { idempotent: true }
  AddReadonlyNode:
    request:
      no_such_member: { doc: "x" }
types:
  NoSuchModel:
    x: { required: true }
"#,
    );
    let err = import_huawei(&fixture(), None, &["dds".to_owned()], &out.0).expect_err("refused");
    for want in [
        "dds/overlay.yaml:4:5: $.errors[2]: an error needs `code`",
        "dds/overlay.yaml:3:5: $.errors[1]: error code \"DBS.1\" is listed twice",
        "dds/overlay.yaml:6:3: operations.NoSuchOperation: unknown operation \"NoSuchOperation\" in huaweicloudsdkdds/v3",
        "dds/overlay.yaml:9:7: operations.AddReadonlyNode.request.no_such_member: unknown member \"no_such_member\" of AddReadonlyNode's request",
        "dds/overlay.yaml:11:3: types.NoSuchModel: unknown model \"NoSuchModel\" in huaweicloudsdkdds/v3",
        "nothing written",
    ] {
        assert!(err.contains(want), "{want:?} in:\n{err}");
    }
    let written: Vec<_> = std::fs::read_dir(out.0.join("dds"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(written, vec![std::ffi::OsString::from("overlay.yaml")]);
}
