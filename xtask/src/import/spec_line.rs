//! One field of an imported spec, as the importers write it: the importer's keys, then the
//! overlay's (each replaces the importer's of the same key, or is added).

use std::fmt::Write as _;

use super::overlay::{FieldSet, json_str, key};

#[derive(Default)]
pub(super) struct Line<'a> {
    pub wire: &'a str,
    pub ty: String,
    /// `format:` of a timestamp (`unix-seconds`).
    pub format: Option<&'static str>,
    pub rust_name: Option<String>,
    pub location: Option<&'static str>,
    pub required: bool,
    /// `encoding: csv` (a query array the SDK sends comma-separated).
    pub csv: bool,
    pub doc: &'a str,
    pub sensitive: bool,
    pub deprecated: bool,
    /// The overlay's keys for this field: each replaces the importer's, or is added.
    pub extra: Option<&'a FieldSet>,
}

impl Line<'_> {
    /// `wire: { type, rust_name, location, required, encoding, doc, sensitive }`.
    pub fn write(self, out: &mut String, indent: usize) {
        let ty = if self.ty.contains(',') {
            json_str(&self.ty)
        } else {
            self.ty
        };
        let mut kv = vec![format!("type: {ty}")];
        if let Some(f) = self.format {
            kv.push(format!("format: {f}"));
        }
        if let Some(rn) = self.rust_name {
            kv.push(format!("rust_name: {rn}"));
        }
        if let Some(l) = self.location {
            kv.push(format!("location: {l}"));
        }
        if self.required {
            kv.push("required: true".into());
        }
        if self.csv {
            kv.push("encoding: csv".into());
        }
        if !self.doc.is_empty() {
            kv.push(format!("doc: {}", json_str(self.doc)));
        }
        if self.sensitive {
            kv.push("sensitive: true".into());
        }
        if self.deprecated {
            kv.push("deprecated: true".into());
        }
        for (k, v) in self.extra.into_iter().flatten() {
            kv.retain(|item| !item.starts_with(&format!("{k}: ")));
            kv.push(format!("{k}: {v}"));
        }
        let _ = writeln!(
            out,
            "{:indent$}{}: {{ {} }}",
            "",
            key(self.wire),
            kv.join(", ")
        );
    }
}
