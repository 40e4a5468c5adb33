//! What the signers share: the two percent-encodings the vendors use, the hashes and MACs,
//! and UTC calendar fields of a UNIX timestamp.

use hmac::{EagerHash, Hmac, KeyInit, Mac};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, percent_encode};
use sha1::Sha1;
use sha2::{Digest, Sha256};
use time::{OffsetDateTime, PrimitiveDateTime};

use crate::wire::{Body, Value};

/// RFC 3986: everything but the unreserved `A-Z a-z 0-9 - _ . ~` is escaped.
pub(crate) const RFC3986: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Form encoding leaves the same characters alone; the space is turned into `+` afterwards.
const FORM: &AsciiSet = &RFC3986.remove(b' ');

/// Encodes pairs as `application/x-www-form-urlencoded` (Python `urlencode`), in the given order.
pub fn form_urlencode(pairs: &[(String, String)]) -> String {
    let enc = |s: &str| {
        percent_encode(s.as_bytes(), FORM)
            .to_string()
            .replace(' ', "+")
    };
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Encodes `(name, value)` parts as `multipart/form-data`, as the vendors' SDKs send a
/// form with files: text parts first (a scalar's text; a list or object as JSON), then the
/// file parts ([`Value::Blob`]: its file name, else the part's name, and its content type,
/// else `application/octet-stream`); `Null` parts are left out. A list or object part is
/// JSON under `Content-Type: application/json`. Returns the content type
/// with its boundary, and the body. The boundary is derived from the parts, so the same
/// request encodes to the same bytes, and is checked to occur in none of them.
pub fn multipart(parts: &[(&str, Value)]) -> (String, Vec<u8>) {
    let quoted = |s: &str| {
        s.replace('"', "%22")
            .replace('\r', "%0D")
            .replace('\n', "%0A")
    };
    let mut heads_and_bodies: Vec<(String, Vec<u8>)> = Vec::new();
    let (files, texts): (Vec<_>, Vec<_>) = parts
        .iter()
        .filter(|(_, v)| *v != Value::Null)
        .partition(|(_, v)| matches!(v, Value::Blob(_)));
    for (name, value) in texts {
        let mut head = format!("Content-Disposition: form-data; name=\"{}\"", quoted(name));
        let text = match value.scalar_text() {
            Some(text) => text,
            None => {
                // A structure travels as JSON, and says so (as Tencent's SDK does).
                head.push_str("\r\nContent-Type: application/json");
                value.to_json()
            }
        };
        heads_and_bodies.push((head, text.into_bytes()));
    }
    for (name, value) in files {
        let Value::Blob(blob) = value else { continue };
        let head = format!(
            "Content-Disposition: form-data; name=\"{}\"; filename=\"{}\"\r\nContent-Type: {}",
            quoted(name),
            quoted(blob.file_name().unwrap_or(name)),
            blob.content_type().unwrap_or("application/octet-stream"),
        );
        heads_and_bodies.push((head, blob.bytes().to_vec()));
    }
    let mut digest = Sha256::new();
    for (head, body) in &heads_and_bodies {
        digest.update(head.as_bytes());
        digest.update(body);
    }
    let seed = digest.finalize();
    let mut boundary = format!("sdk-boundary-{}", hex::encode(&seed[..16]));
    let mut salt = 0u32;
    while heads_and_bodies.iter().any(|(_, body)| {
        body.windows(boundary.len())
            .any(|w| w == boundary.as_bytes())
    }) {
        salt += 1;
        boundary = format!("sdk-boundary-{}-{salt}", hex::encode(&seed[..16]));
    }
    let mut out = Vec::new();
    for (head, body) in &heads_and_bodies {
        out.extend_from_slice(format!("--{boundary}\r\n{head}\r\n\r\n").as_bytes());
        out.extend_from_slice(body);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), out)
}

/// The bytes a [`Body`] is sent as.
pub fn body_bytes(body: Body) -> Vec<u8> {
    match body {
        Body::Empty => Vec::new(),
        Body::Json(text) | Body::Raw(text) => text.into_bytes(),
        Body::Form(pairs) => form_urlencode(&pairs).into_bytes(),
        Body::Bytes(bytes) => bytes,
    }
}

/// Decodes `application/x-www-form-urlencoded` text into pairs (`+` is a space; blanks kept).
pub fn form_urldecode(s: &str) -> Vec<(String, String)> {
    let dec = |s: &str| {
        percent_decode_str(&s.replace('+', " "))
            .decode_utf8_lossy()
            .into_owned()
    };
    s.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (dec(k), dec(v))
        })
        .collect()
}

/// Percent-encodes per RFC 3986 (unescaped only `A-Z a-z 0-9 - _ . ~`; space is `%20`).
pub fn rfc3986(s: &str) -> String {
    percent_encode(s.as_bytes(), RFC3986).to_string()
}

fn hmac<D: EagerHash>(key: &[u8], msg: &[u8]) -> hmac::digest::Output<Hmac<D>> {
    let mut mac =
        <Hmac<D> as KeyInit>::new_from_slice(key).expect("HMAC accepts keys of any length");
    mac.update(msg);
    mac.finalize().into_bytes()
}

/// HMAC-SHA1 of `msg` under `key`.
pub(crate) fn hmac_sha1(key: &[u8], msg: &[u8]) -> [u8; 20] {
    hmac::<Sha1>(key, msg).into()
}

/// HMAC-SHA256 of `msg` under `key`.
pub(crate) fn hmac_sha256(key: &[u8], msg: &[u8]) -> [u8; 32] {
    hmac::<Sha256>(key, msg).into()
}

/// Lower-case hex SHA-256 of `data`.
pub(crate) fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// The UTC date and time of UNIX seconds, saturating outside the supported years.
pub(crate) fn utc(timestamp: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(timestamp).unwrap_or_else(|_| {
        let bound = if timestamp < 0 {
            PrimitiveDateTime::MIN
        } else {
            PrimitiveDateTime::MAX
        };
        bound.assume_utc()
    })
}

/// The value of the first header named `name` (ASCII case-insensitive).
pub(crate) fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn form_encoding_is_pythons_urlencode() {
        let p = pairs(&[
            ("instance Name", "测试 vm&1"),
            ("x", "a+b=c/~*_.-@"),
            ("e", ""),
        ]);
        let encoded = form_urlencode(&p);
        assert_eq!(
            encoded,
            "instance+Name=%E6%B5%8B%E8%AF%95+vm%261&x=a%2Bb%3Dc%2F~%2A_.-%40&e="
        );
        assert_eq!(form_urldecode(&encoded), p);
        assert_eq!(form_urlencode(&[]), "");
    }

    #[test]
    fn form_decoding_is_lenient() {
        assert_eq!(
            form_urldecode("a&&b=1=2&c=%ZZ&d=%FF+x"),
            pairs(&[("a", ""), ("b", "1=2"), ("c", "%ZZ"), ("d", "\u{fffd} x")])
        );
        assert!(form_urldecode("").is_empty());
    }

    #[test]
    fn rfc3986_escapes_all_but_unreserved() {
        assert_eq!(rfc3986("~*+/"), "~%2A%2B%2F");
        assert_eq!(rfc3986("a b/c~"), "a%20b%2Fc~");
        assert_eq!(rfc3986("Az09-_.!'()é"), "Az09-_.%21%27%28%29%C3%A9");
    }

    #[test]
    fn macs_and_time() {
        // RFC 4231 test case 2 and RFC 2202 test case 2.
        assert_eq!(
            hex::encode(hmac_sha256(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert_eq!(
            hex::encode(hmac_sha1(b"Jefe", b"what do ya want for nothing?")),
            "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"
        );
        assert_eq!(utc(0), OffsetDateTime::UNIX_EPOCH);
        assert!(utc(i64::MAX).year() >= 9999 && utc(i64::MIN).year() <= -9999);
        assert_eq!(
            header(&pairs(&[("content-TYPE", "x")]), "Content-Type"),
            Some("x")
        );
    }
}
