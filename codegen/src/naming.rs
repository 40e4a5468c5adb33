//! All naming rules in one place: snake_case and PascalCase from wire names, Rust
//! keywords, and "did you mean" suggestions.

/// Splits a wire name into words: `DescribeUDBInstanceBackupURL` → describe, udb, instance,
/// backup, url; `download-file` → download, file; `tableList` → table, list.
pub fn words(raw: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let chars: Vec<char> = raw.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_ascii_alphanumeric() {
            if !cur.is_empty() {
                words.push(std::mem::take(&mut cur));
            }
            continue;
        }
        let prev = i.checked_sub(1).map(|p| chars[p]);
        let next = chars.get(i + 1).copied();
        let boundary = match prev {
            Some(p) if c.is_ascii_uppercase() => {
                p.is_ascii_lowercase()
                    || p.is_ascii_digit()
                    || (p.is_ascii_uppercase() && next.is_some_and(|n| n.is_ascii_lowercase()))
            }
            _ => false,
        };
        if boundary && !cur.is_empty() {
            words.push(std::mem::take(&mut cur));
        }
        cur.push(c.to_ascii_lowercase());
    }
    if !cur.is_empty() {
        words.push(cur);
    }
    words
}

/// The package of a service's crate: `tencent-cdb` (an `_` of the service is a `-`). The
/// generator names crates by it, and the importer's change report names them the same way.
pub fn crate_name(provider: &str, service: &str) -> String {
    format!("{provider}-{}", service.replace('_', "-"))
}

/// `snake_case` of a wire name.
pub fn snake(raw: &str) -> String {
    let s = words(raw).join("_");
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        format!("_{s}")
    } else {
        s
    }
}

/// `PascalCase` of a wire name.
pub fn pascal(raw: &str) -> String {
    let s: String = words(raw)
        .iter()
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect();
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        format!("V{s}")
    } else {
        s
    }
}

/// Rust keywords (strict and reserved, 2024 edition) that cannot be plain identifiers.
pub fn is_keyword(s: &str) -> bool {
    const KW: &[&str] = &[
        "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum",
        "extern", "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod",
        "move", "mut", "pub", "ref", "return", "self", "Self", "static", "struct", "super",
        "trait", "true", "type", "unsafe", "use", "where", "while", "abstract", "become", "box",
        "do", "final", "macro", "override", "priv", "try", "typeof", "unsized", "virtual", "yield",
    ];
    KW.contains(&s)
}

/// Whether `s` is a plain Rust identifier of the given case.
pub fn is_snake_ident(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !s.starts_with(|c: char| c.is_ascii_digit())
}

/// Whether `s` is a PascalCase identifier.
pub fn is_pascal_ident(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_uppercase()) && s.chars().all(|c| c.is_ascii_alphanumeric())
}

/// Edit distance, for suggestions.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// The closest candidate, if it is close enough to be a likely typo.
pub fn did_you_mean<'a>(
    got: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (distance(&got.to_lowercase(), &c.to_lowercase()), c))
        .filter(|(d, c)| *d <= (c.len().max(got.len()) / 3).max(1))
        .min()
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table() {
        for (raw, s, p) in [
            (
                "DescribeUDBInstanceBackupURL",
                "describe_udb_instance_backup_url",
                "DescribeUdbInstanceBackupUrl",
            ),
            (
                "GetExportBackupUrl",
                "get_export_backup_url",
                "GetExportBackupUrl",
            ),
            ("download-file", "download_file", "DownloadFile"),
            ("dbTableList", "db_table_list", "DbTableList"),
            ("DBId", "db_id", "DbId"),
            ("AppId", "app_id", "AppId"),
            ("AppID", "app_id", "AppId"),
            ("MD5", "md5", "Md5"),
            ("link_expired_time", "link_expired_time", "LinkExpiredTime"),
            (
                "FailedOperation.SystemError",
                "failed_operation_system_error",
                "FailedOperationSystemError",
            ),
            ("APIG.0301", "apig_0301", "Apig0301"),
            ("9000", "_9000", "V9000"),
        ] {
            assert_eq!((snake(raw).as_str(), pascal(raw).as_str()), (s, p), "{raw}");
        }
        assert_eq!(
            did_you_mean("requried", ["required", "doc", "type"]),
            Some("required")
        );
        assert_eq!(did_you_mean("strng", ["string", "bool"]), Some("string"));
        assert_eq!(did_you_mean("zzz", ["string", "bool"]), None);
    }
}
