//! The second input of the Huawei importer: the official Go SDK's models
//! (`huaweicloud-sdk-go-v3`, `services/<service>/<version>/model/model_*.go`), read for what the
//! Python packages lack. A Go member that is neither a pointer nor `omitempty` is required
//! (`InstanceId string \`json:"instance_id"\``); `int32` is a 32-bit integer. The Go SDK is
//! released apart from the Python packages, so a Go struct is used only where each of its
//! members is one of the Python model's (by wire name; members the Python release added stay
//! optional): a struct with a member the Python model lacks is skipped, counted.

use std::collections::BTreeMap;
use std::path::Path;

/// What the Go SDK says of one member.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GoMember {
    /// The `json:"…"` name: the wire name.
    pub wire: String,
    /// Neither a pointer nor `omitempty`.
    pub required: bool,
    /// `int32` (or a list of them).
    pub int32: bool,
}

/// The structs of one API version's model directory, by name.
pub type GoModels = BTreeMap<String, Vec<GoMember>>;

/// The Go SDK's version (`VERSION` at its root), for the specs' headers.
pub fn version(root: &Path) -> Result<String, String> {
    let path = root.join("VERSION");
    std::fs::read_to_string(&path)
        .map(|v| v.trim().to_owned())
        .map_err(|e| format!("{}: {e} (the Go SDK's root holds VERSION)", path.display()))
}

/// Every struct of `services/<service>/<version>/model/`; empty when the Go SDK has no such
/// directory (a service or version it lacks).
pub fn load(root: &Path, service: &str, version: &str) -> Result<GoModels, String> {
    let dir = root
        .join("services")
        .join(service)
        .join(version)
        .join("model");
    let mut out = GoModels::new();
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Ok(out);
    };
    let mut files: Vec<_> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "go"))
        .collect();
    files.sort();
    for f in files {
        let text = std::fs::read_to_string(&f)
            .map_err(|e| format!("{}: cannot read: {e}", f.display()))?;
        structs(&text, &mut out);
    }
    Ok(out)
}

/// The `type X struct { … }` blocks of a Go file, with their tagged members.
pub fn structs(text: &str, out: &mut GoModels) {
    let mut current: Option<(String, Vec<GoMember>)> = None;
    for line in text.lines() {
        if let Some(name) = line
            .strip_prefix("type ")
            .and_then(|r| r.strip_suffix(" struct {"))
        {
            current = Some((name.trim().to_owned(), Vec::new()));
            continue;
        }
        let Some((_, members)) = current.as_mut() else {
            continue;
        };
        if line.starts_with('}') {
            let (name, members) = current.take().expect("inside a struct");
            out.insert(name, members);
            continue;
        }
        if let Some(m) = member(line) {
            members.push(m);
        }
    }
}

/// `\tName Type \`json:"wire,omitempty"\``: the member, unless its tag is `json:"-"`.
fn member(line: &str) -> Option<GoMember> {
    let t = line.trim();
    if t.starts_with("//") {
        return None;
    }
    let (decl, tag) = t.split_once('`')?;
    let json = tag.split("json:\"").nth(1)?.split('"').next()?;
    let mut parts = json.split(',');
    let wire = parts.next()?.to_owned();
    if wire == "-" || wire.is_empty() {
        return None;
    }
    let omitempty = parts.any(|p| p == "omitempty");
    let ty = decl.split_whitespace().nth(1)?;
    let base = ty.trim_start_matches('*').trim_start_matches("[]");
    Some(GoMember {
        wire,
        required: !ty.starts_with('*') && !omitempty,
        int32: base == "int32",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_say_required_and_width() {
        // `services/dds/v3/model/model_add_readonly_node_request_body.go` (0.1.188), cut.
        let text = "type AddReadonlyNodeRequestBody struct {\n\n\t// 资源规格编码。\n\tSpecCode string `json:\"spec_code\"`\n\n\tNum int32 `json:\"num\"`\n\n\tDelay *int32 `json:\"delay,omitempty\"`\n\n\tIsAutoPay *bool `json:\"is_auto_pay,omitempty\"`\n}\n\nfunc (o AddReadonlyNodeRequestBody) String() string {\n}\n";
        let mut out = GoModels::new();
        structs(text, &mut out);
        let m = |wire: &str, required, int32| GoMember {
            wire: wire.into(),
            required,
            int32,
        };
        assert_eq!(
            out["AddReadonlyNodeRequestBody"],
            vec![
                m("spec_code", true, false),
                m("num", true, true),
                m("delay", false, true),
                m("is_auto_pay", false, false),
            ]
        );
        // `HttpStatusCode int \`json:"-"\`` of a response is not a member.
        let mut out = GoModels::new();
        structs(
            "type R struct {\n\tIds *[]int32 `json:\"ids,omitempty\"`\n\tHttpStatusCode int `json:\"-\"`\n}\n",
            &mut out,
        );
        assert_eq!(out["R"], vec![m("ids", false, true)]);
    }
}
