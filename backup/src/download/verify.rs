//! Verification of a finished `.part` against every known fact (length, MD5, CRC-64), and the
//! CRC of a resumed part's bytes already on disk.

use super::*;

/// Checks the finished `.part` against every known fact; fsyncs it first.
pub(super) fn verify(
    path: &Path,
    file: &str,
    total: Option<u64>,
    size: Option<Size>,
    md5: Option<&str>,
    crc64: Option<u64>,
    computed_crc64: Option<u64>,
) -> Result<(u64, Vec<&'static str>), FetchError> {
    let mut f = std::fs::File::open(path).map_err(io_err(path))?;
    f.sync_all().map_err(io_err(path))?;
    let len = f.metadata().map_err(io_err(path))?.len();
    let mismatch = |check, expected: String, actual: String| FetchError::Mismatch {
        file: file.to_owned(),
        check,
        expected,
        actual,
    };
    let mut passed = Vec::new();
    if let Some(t) = total
        && t != len
    {
        return Err(mismatch(
            "size",
            format!("{t} bytes (Content-Range)"),
            format!("{len} bytes"),
        ));
    }
    if let Some(s) = size {
        if !s.admits(len) {
            return Err(mismatch("size", s.to_string(), format!("{len} bytes")));
        }
        passed.push(match s {
            Size::Exact(_) => "size",
            Size::Approx { .. } => "size≈",
        });
    }
    // The parts' CRCs were computed as the bytes arrived: read the file back only for what
    // is still unknown.
    let read_crc = crc64.is_some() && computed_crc64.is_none();
    if md5.is_none() && !read_crc {
        if let Some(want) = crc64 {
            let got = computed_crc64.unwrap_or_default();
            if want != got {
                return Err(mismatch("crc64", want.to_string(), got.to_string()));
            }
            passed.push("crc64");
        }
        return Ok((len, passed));
    }
    let mut m = md5::Md5::new();
    let mut c = Crc64::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf).map_err(io_err(path))?;
        if n == 0 {
            break;
        }
        if md5.is_some() {
            m.update(&buf[..n]);
        }
        if read_crc {
            c.update(&buf[..n]);
        }
    }
    if let Some(want) = md5 {
        let got: String = m.finalize().iter().map(|b| format!("{b:02x}")).collect();
        if !want.eq_ignore_ascii_case(&got) {
            return Err(mismatch("md5", want.to_owned(), got));
        }
        passed.push("md5");
    }
    if let Some(want) = crc64 {
        let got = computed_crc64.unwrap_or_else(|| c.finish());
        if want != got {
            return Err(mismatch("crc64", want.to_string(), got.to_string()));
        }
        passed.push("crc64");
    }
    Ok((len, passed))
}

/// The CRC-64 of bytes `start..end` of the file at `path` (a part resumed from disk).
pub(super) fn prefix_crc(path: &Path, start: u64, end: u64) -> Result<Crc64, FetchError> {
    let mut c = Crc64::new();
    if end <= start {
        return Ok(c);
    }
    let mut f = std::fs::File::open(path).map_err(io_err(path))?;
    f.seek(SeekFrom::Start(start)).map_err(io_err(path))?;
    let mut left = end - start;
    let mut buf = vec![0u8; 1 << 20];
    while left > 0 {
        let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        let n = f.read(&mut buf[..want]).map_err(io_err(path))?;
        if n == 0 {
            return Err(FetchError::Io {
                path: path.to_owned(),
                error: std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    "the .part is shorter than its sidecar says",
                ),
            });
        }
        c.update(&buf[..n]);
        left -= n as u64;
    }
    Ok(c)
}

pub(super) fn crc_header(h: &HeaderMap) -> Option<u64> {
    h.get(COS_CRC64_HEADER)?.to_str().ok()?.trim().parse().ok()
}
