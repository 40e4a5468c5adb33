//! Types that keep secrets out of `Debug` output, logs and snapshots.
//!
//! A signed download URL is a bearer credential: whoever holds it can download the
//! backup until it expires. [`SignedUrl`] therefore prints only its scheme and host;
//! [`Sensitive`] prints nothing of its value. Both hand out the real value only through
//! an explicit accessor named `expose`.

use std::fmt;

/// The text printed in place of a secret.
pub const REDACTED: &str = "<redacted>";

/// A signed (pre-authorised) download URL. `Debug` and `Display` show `scheme://host/<redacted>`.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct SignedUrl(String);

impl SignedUrl {
    /// Wraps a URL.
    pub fn new(url: impl Into<String>) -> Self {
        Self(url.into())
    }

    /// The full URL, signature included. Treat it like a password.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// `scheme://host[:port]` of the URL (no path, no query), safe to log; empty when
    /// the text has no `scheme://` (then nothing of it is safe to show).
    pub fn origin(&self) -> &str {
        let s = self.0.as_str();
        let Some(after_scheme) = s.find("://").map(|i| i + 3) else {
            return "";
        };
        let end = s[after_scheme..]
            .find(['/', '?', '#'])
            .map_or(s.len(), |i| after_scheme + i);
        &s[..end]
    }
}

impl fmt::Debug for SignedUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SignedUrl(\"{self}\")")
    }
}

impl fmt::Display for SignedUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.origin() {
            "" => f.write_str(REDACTED),
            origin => write!(f, "{origin}/{REDACTED}"),
        }
    }
}

/// Any value that must never be printed. `Debug` shows `<redacted>`.
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct Sensitive<T>(T);

impl<T> Sensitive<T> {
    /// Wraps a value.
    pub fn new(value: T) -> Self {
        Self(value)
    }

    /// The real value.
    pub fn expose(&self) -> &T {
        &self.0
    }

    /// Unwraps the real value.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> From<T> for Sensitive<T> {
    fn from(value: T) -> Self {
        Self(value)
    }
}

impl From<&str> for Sensitive<String> {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

impl<T> fmt::Debug for Sensitive<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl<'de> serde::Deserialize<'de> for SignedUrl {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        crate::de::text(d).map(Self)
    }
}

impl crate::de::Lenient for SignedUrl {
    #[inline]
    fn de_lenient<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        crate::de::text(d).map(Self)
    }
}

impl<'de, T: crate::de::Lenient> serde::Deserialize<'de> for Sensitive<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        T::de_lenient(d).map(Self)
    }
}

impl<T: crate::de::Lenient> crate::de::Lenient for Sensitive<T> {
    #[inline]
    fn de_lenient<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        T::de_lenient(d).map(Self)
    }
    #[inline]
    fn de_tolerant<'de, D: serde::Deserializer<'de>>(
        d: D,
    ) -> Result<crate::de::tolerant::Tolerated<Self>, D::Error> {
        T::de_tolerant(d).map(|t| t.map(Self))
    }
}

/// A signed URL sent back (a request type shared with responses may hold one): the URL.
impl crate::wire::ToWire for SignedUrl {
    fn to_wire(&self) -> crate::wire::Value {
        self.0.to_wire()
    }
}

impl<T: crate::wire::ToWire> crate::wire::ToWire for Sensitive<T> {
    fn to_wire(&self) -> crate::wire::Value {
        self.0.to_wire()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_url_debug_keeps_only_origin() {
        let u = SignedUrl::new("https://host.example:9097/download/dump.rdb?sign=SECRET");
        assert_eq!(
            format!("{u:?}"),
            "SignedUrl(\"https://host.example:9097/<redacted>\")"
        );
        assert_eq!(u.to_string(), "https://host.example:9097/<redacted>");
        assert!(!format!("{u:?}").contains("SECRET"));
        assert_eq!(
            format!("{:?}", SignedUrl::new("ZDblezgJ")),
            "SignedUrl(\"<redacted>\")"
        );
        assert_eq!(format!("{:?}", Sensitive::new("pw")), "<redacted>");
    }
}
