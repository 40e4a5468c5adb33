//! The INI files the vendors' SDKs read (`~/.tencentcloud/credentials`,
//! `~/.huaweicloud/credentials`): `[section]` headers, `key = value` or `key: value` lines,
//! `#` and `;` comments. Values are kept as written (trimmed), as Python's `configparser`
//! keeps them; a line that is none of these is an error naming the file and line.

use std::path::Path;

use super::ProviderError;

/// One `key = value` line: key (lower-cased), value, line number.
type Entry = (String, String, usize);

/// A parsed file: sections in order, each with its entries.
#[derive(Debug, Default)]
pub(crate) struct Ini {
    sections: Vec<(String, Vec<Entry>)>,
}

impl Ini {
    pub(crate) fn parse(text: &str, path: &Path) -> Result<Self, ProviderError> {
        let mut ini = Ini::default();
        for (i, raw) in text.lines().enumerate() {
            let line = raw.trim();
            let number = i + 1;
            let bad = |reason: &str| ProviderError::File {
                path: path.to_owned(),
                line: Some(number),
                reason: reason.to_owned(),
            };
            if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
                continue;
            }
            if let Some(rest) = line.strip_prefix('[') {
                let name = rest
                    .strip_suffix(']')
                    .ok_or_else(|| bad("a section header must end with `]`"))?;
                ini.sections.push((name.trim().to_owned(), Vec::new()));
                continue;
            }
            let Some(at) = line.find(['=', ':']) else {
                return Err(bad("expected `key = value`, a `[section]` or a comment"));
            };
            let (key, value) = (line[..at].trim(), line[at + 1..].trim());
            if key.is_empty() {
                return Err(bad("a key is missing before `=`"));
            }
            let Some((_, entries)) = ini.sections.last_mut() else {
                return Err(bad("a key before any `[section]`"));
            };
            // configparser lower-cases keys.
            entries.push((key.to_ascii_lowercase(), value.to_owned(), number));
        }
        Ok(ini)
    }

    /// The entries of `section`, if the file has it.
    pub(crate) fn section(&self, name: &str) -> Option<Section<'_>> {
        self.sections
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, entries)| Section(entries))
    }
}

/// One section's entries.
pub(crate) struct Section<'a>(&'a [Entry]);

impl<'a> Section<'a> {
    /// The last value of `key` (later lines win, as in configparser), if non-empty.
    pub(crate) fn get(&self, key: &str) -> Option<&'a str> {
        self.0
            .iter()
            .rev()
            .find(|(k, _, _)| k == key)
            .map(|(_, v, _)| v.as_str())
            .filter(|v| !v.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_keys_comments_and_errors() {
        let p = Path::new("/tmp/credentials");
        let ini = Ini::parse(
            "# comment\n[default]\nsecret_id = AKID1\nSecret_Key: sk\n\n; other\n[other]\nsecret_id=\n",
            p,
        )
        .unwrap();
        let d = ini.section("default").unwrap();
        assert_eq!(
            (d.get("secret_id"), d.get("secret_key")),
            (Some("AKID1"), Some("sk"))
        );
        assert_eq!(ini.section("other").unwrap().get("secret_id"), None);
        assert!(ini.section("missing").is_none());
        let err = Ini::parse("[default]\nsecret_id AKID\n", p).unwrap_err();
        assert_eq!(
            err.to_string(),
            "credentials file /tmp/credentials:2: expected `key = value`, a `[section]` or a comment"
        );
        assert!(Ini::parse("secret_id = x\n", p).is_err());
        assert!(Ini::parse("[default\n", p).is_err());
    }
}
