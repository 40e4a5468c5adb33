//! A service crate's releases: `CHANGELOG.md` beside its `service.yaml`
//! (`specs/<provider>/<service>/CHANGELOG.md`), newest first, one `## <version>` heading each.
//! `cargo xtask import` adds a release there whenever an import changes the service's API
//! (see `specs/README.md` for the version rule); `gen` takes the crate's version from the
//! newest heading and copies the file into the crate. A service without one is at
//! [`FIRST`], its first release.

use crate::diag::{Diag, Pos};

/// The version of a crate whose service has no release notes yet.
pub const FIRST: Version = Version(0, 1, 0);

/// A `major.minor.patch` version.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version(pub u64, pub u64, pub u64);

impl Version {
    /// `1.2.3` (nothing else: no pre-release or build suffix).
    pub fn parse(text: &str) -> Option<Self> {
        let mut parts = text.split('.').map(|p| {
            (!p.is_empty() && p.len() < 20 && p.bytes().all(|b| b.is_ascii_digit()))
                .then(|| p.parse().ok())
                .flatten()
        });
        let v = Version(parts.next()??, parts.next()??, parts.next()??);
        parts.next().is_none().then_some(v)
    }

    /// The next release: a breaking change bumps the first non-zero place of `0.x` (the
    /// minor) or the major, an additive one the next place after it (Cargo's reading of
    /// semver: `0.1.0` → `0.2.0` breaking, `0.1.1` additive; `1.2.0` → `2.0.0`, `1.3.0`).
    pub fn bump(self, breaking: bool) -> Self {
        let Version(major, minor, patch) = self;
        match (major, breaking) {
            (0, true) => Version(0, minor + 1, 0),
            (0, false) => Version(0, minor, patch + 1),
            (_, true) => Version(major + 1, 0, 0),
            (_, false) => Version(major, minor + 1, 0),
        }
    }
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.0, self.1, self.2)
    }
}

/// The newest release of a changelog: its first `## ` heading, whose first word must be a
/// version. `file` names the file in a located error.
pub fn newest(file: &str, text: &str) -> Result<Option<Version>, Diag> {
    for (i, line) in text.lines().enumerate() {
        let Some(rest) = line.strip_prefix("## ") else {
            continue;
        };
        let word = rest.split_whitespace().next().unwrap_or("");
        return match Version::parse(word) {
            Some(v) => Ok(Some(v)),
            None => Err(Diag::new(
                file,
                Pos {
                    line: u32::try_from(i + 1).unwrap_or(u32::MAX),
                    col: 4,
                },
                format!("a release heading starts with its version (`## 0.2.0 …`), not `{word}`"),
            )),
        };
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_parse_and_bump_by_cargos_rule() {
        let v = |s| Version::parse(s).unwrap();
        assert_eq!(v("0.1.0").bump(true), v("0.2.0"));
        assert_eq!(v("0.1.0").bump(false), v("0.1.1"));
        assert_eq!(v("1.2.3").bump(true), v("2.0.0"));
        assert_eq!(v("1.2.3").bump(false), v("1.3.0"));
        for bad in [
            "",
            "1",
            "1.2",
            "1.2.3.4",
            "1.2.x",
            "1.2.3-rc1",
            "a.b.c",
            "1..2",
        ] {
            assert_eq!(Version::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_newest_release_is_the_first_heading() {
        let text = "# Changes\n\n## 0.2.0 (catalogue 2)\n- x\n\n## 0.1.0\n";
        assert_eq!(newest("c.md", text).unwrap(), Some(Version(0, 2, 0)));
        assert_eq!(newest("c.md", "# Changes\n").unwrap(), None);
        let err = newest("c.md", "# Changes\n## next\n").unwrap_err();
        assert!(err.to_string().starts_with("c.md:2:4: error:"), "{err}");
    }
}
