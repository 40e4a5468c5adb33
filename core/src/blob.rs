//! [`Blob`]: bytes that travel as they are, never as JSON.

use std::fmt;

use serde::de::{self, Deserializer, Visitor};

use crate::de::Lenient;
use crate::wire::{ToWire, Value};

/// Bytes that travel as they are: a file part of a multipart request (with the file name
/// and content type the part declares), a request body sent as
/// `application/octet-stream`, or a response body that is not JSON (a downloaded file, an
/// XML document), kept byte for byte.
///
/// `Debug` shows the length, file name and content type, never the bytes: a file can hold
/// anything, secrets included.
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct Blob {
    bytes: Vec<u8>,
    file_name: Option<String>,
    content_type: Option<String>,
}

impl Blob {
    /// A blob of `bytes`, with no file name and no content type.
    pub fn new(bytes: impl Into<Vec<u8>>) -> Self {
        Blob {
            bytes: bytes.into(),
            file_name: None,
            content_type: None,
        }
    }

    /// The file name a multipart part declares (`filename="…"`); the default is the
    /// part's name.
    #[must_use]
    pub fn with_file_name(mut self, name: impl Into<String>) -> Self {
        self.file_name = Some(name.into());
        self
    }

    /// The content type a multipart part declares; the default is
    /// `application/octet-stream`.
    #[must_use]
    pub fn with_content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = Some(content_type.into());
        self
    }

    /// The bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The bytes, owned.
    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }

    /// The declared file name, if any.
    pub fn file_name(&self) -> Option<&str> {
        self.file_name.as_deref()
    }

    /// The declared content type, if any.
    pub fn content_type(&self) -> Option<&str> {
        self.content_type.as_deref()
    }

    /// Number of bytes.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Whether there are no bytes.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }
}

impl fmt::Debug for Blob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("Blob");
        s.field("len", &self.bytes.len());
        if let Some(name) = &self.file_name {
            s.field("file_name", name);
        }
        if let Some(ct) = &self.content_type {
            s.field("content_type", ct);
        }
        s.finish()
    }
}

impl From<Vec<u8>> for Blob {
    fn from(bytes: Vec<u8>) -> Self {
        Blob::new(bytes)
    }
}

impl From<&[u8]> for Blob {
    fn from(bytes: &[u8]) -> Self {
        Blob::new(bytes)
    }
}

impl<const N: usize> From<&[u8; N]> for Blob {
    fn from(bytes: &[u8; N]) -> Self {
        Blob::new(&bytes[..])
    }
}

impl From<String> for Blob {
    fn from(text: String) -> Self {
        Blob::new(text.into_bytes())
    }
}

impl From<&str> for Blob {
    fn from(text: &str) -> Self {
        Blob::new(text.as_bytes())
    }
}

impl ToWire for Blob {
    fn to_wire(&self) -> Value {
        Value::Blob(self.clone())
    }
}

struct BlobVisitor;

impl<'de> Visitor<'de> for BlobVisitor {
    type Value = Blob;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("bytes")
    }
    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Blob, E> {
        Ok(Blob::new(v))
    }
    fn visit_byte_buf<E: de::Error>(self, v: Vec<u8>) -> Result<Blob, E> {
        Ok(Blob::new(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Blob, E> {
        Ok(Blob::new(v.as_bytes()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Blob, E> {
        Ok(Blob::new(v.into_bytes()))
    }
}

/// A blob decodes from the bytes of a body that is the response's whole payload (or from
/// a JSON string's text, for a body that is one).
impl Lenient for Blob {
    fn de_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_bytes(BlobVisitor)
    }

    /// Bytes contradict no type: nothing is set aside.
    fn de_tolerant<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<crate::de::tolerant::Tolerated<Self>, D::Error> {
        Self::de_lenient(d).map(Ok)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_shows_the_length_never_the_bytes() {
        let blob = Blob::new(b"secret-key=abc".to_vec())
            .with_file_name("keys.txt")
            .with_content_type("text/plain");
        let shown = format!("{blob:?}");
        assert_eq!(
            shown,
            r#"Blob { len: 14, file_name: "keys.txt", content_type: "text/plain" }"#
        );
        assert!(!shown.contains("abc"));
    }
}
