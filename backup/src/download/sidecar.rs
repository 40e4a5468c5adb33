//! The sidecar of a `.part` (`<file>.part.meta`): the object's validator, its length and
//! checksum, and how far each part got, saved on every stop so a later run resumes.

use super::*;

/// One part of a file: its byte range and how much of it is on disk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Part {
    pub(super) start: u64,
    /// Exclusive; `u64::MAX` while the length is unknown.
    pub(super) end: u64,
    /// Bytes of the range on disk, from its start.
    pub(super) done: u64,
}

impl Part {
    /// Bytes `start..end`, none on disk yet.
    pub(super) fn new(start: u64, end: u64) -> Self {
        Part {
            start,
            end,
            done: 0,
        }
    }

    /// Whether bytes remain (or the end is not known yet).
    pub(super) fn pending(&self) -> bool {
        self.end == u64::MAX || self.start + self.done < self.end
    }
}

/// The object's identity as the server states it, for `If-Range`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Validator {
    ETag(String),
    Date(String),
}

impl Validator {
    pub(super) fn from_headers(h: &HeaderMap) -> Option<Validator> {
        let text = |name| h.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
        // A weak ETag cannot be used with If-Range.
        match text(ETAG) {
            Some(e) if !e.starts_with("W/") => Some(Validator::ETag(e)),
            _ => text(LAST_MODIFIED).map(Validator::Date),
        }
    }

    pub(super) fn header(&self) -> &str {
        match self {
            Validator::ETag(s) | Validator::Date(s) => s,
        }
    }
}

/// The sidecar of a `.part`: the validator, the total length and each part's progress.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct Meta {
    pub(super) validator: Option<Validator>,
    pub(super) total: Option<u64>,
    pub(super) crc64: Option<u64>,
    /// Each part's range and progress.
    pub(super) parts: Vec<Part>,
}

impl Meta {
    pub(super) fn render(&self) -> String {
        let mut s = String::from("cloud-backup part v1\n");
        match &self.validator {
            Some(Validator::ETag(e)) => s += &format!("etag {e}\n"),
            Some(Validator::Date(d)) => s += &format!("last-modified {d}\n"),
            None => {}
        }
        if let Some(t) = self.total {
            s += &format!("total {t}\n");
        }
        if let Some(c) = self.crc64 {
            s += &format!("crc64 {c}\n");
        }
        for p in &self.parts {
            s += &format!("part {} {} {}\n", p.start, p.end, p.done);
        }
        s
    }

    pub(super) fn parse(text: &str) -> Option<Meta> {
        let mut lines = text.lines();
        if lines.next()? != "cloud-backup part v1" {
            return None;
        }
        let mut m = Meta::default();
        for line in lines {
            let (key, rest) = line.split_once(' ')?;
            match key {
                "etag" => m.validator = Some(Validator::ETag(rest.to_owned())),
                "last-modified" => m.validator = Some(Validator::Date(rest.to_owned())),
                "total" => m.total = Some(rest.parse().ok()?),
                "crc64" => m.crc64 = Some(rest.parse().ok()?),
                "part" => {
                    let n: Vec<u64> = rest
                        .split(' ')
                        .map(str::parse)
                        .collect::<Result<_, _>>()
                        .ok()?;
                    let [a, b, d] = n[..] else { return None };
                    if a > b || d > b - a {
                        return None;
                    }
                    m.parts.push(Part {
                        start: a,
                        end: b,
                        done: d,
                    });
                }
                _ => return None,
            }
        }
        (m.validator.is_some() && !m.parts.is_empty()).then_some(m)
    }
}
