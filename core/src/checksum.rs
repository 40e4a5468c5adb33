//! CRC-64 as Tencent COS computes it for its `x-cos-hash-crc64ecma` header.
//!
//! CRC-64 with the ECMA-182 polynomial (`0x42F0E1EBA9EA3693`), reflected, initial value and
//! final XOR all ones: the catalogue name is CRC-64/XZ (check value `0x995DC9BBDF1939FA` for
//! `b"123456789"`). COS sends it as a decimal `u64`. The hasher is table driven
//! (slicing-by-16, tables built at compile time) so that it keeps up with a download.

/// The ECMA-182 polynomial, bit-reversed (the reflected form the tables use).
const POLY_REFLECTED: u64 = 0xC96C_5795_D787_0F42;

/// `TABLES[k][b]`: the CRC contribution of byte `b` followed by `k` zero bytes.
static TABLES: [[u64; 256]; 16] = tables();

const fn tables() -> [[u64; 256]; 16] {
    let mut t = [[0u64; 256]; 16];
    let mut b = 0;
    while b < 256 {
        let mut crc = b as u64;
        let mut bit = 0;
        while bit < 8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ POLY_REFLECTED
            } else {
                crc >> 1
            };
            bit += 1;
        }
        t[0][b] = crc;
        b += 1;
    }
    let mut k = 1;
    while k < 16 {
        let mut b = 0;
        while b < 256 {
            let prev = t[k - 1][b];
            t[k][b] = (prev >> 8) ^ t[0][(prev & 0xFF) as usize];
            b += 1;
        }
        k += 1;
    }
    t
}

/// A streaming CRC-64/XZ (COS `x-cos-hash-crc64ecma`) hasher.
///
/// ```
/// use sdk_core::checksum::{Crc64, crc64};
/// let mut h = Crc64::new();
/// h.update(b"12345");
/// h.update(b"6789");
/// assert_eq!(h.finish(), 0x995D_C9BB_DF19_39FA);
/// assert_eq!(h.finish(), crc64(b"123456789"));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Crc64 {
    /// The shift register (before the final XOR).
    state: u64,
}

impl Default for Crc64 {
    fn default() -> Self {
        Self::new()
    }
}

impl Crc64 {
    /// A hasher that has seen no bytes.
    pub const fn new() -> Self {
        Self { state: !0 }
    }

    /// Feeds `data`.
    pub fn update(&mut self, data: &[u8]) {
        let t = &TABLES;
        let mut crc = self.state;
        let mut blocks = data.chunks_exact(16);
        for block in &mut blocks {
            let mut lo = [0u8; 8];
            lo.copy_from_slice(&block[..8]);
            let x = u64::from_le_bytes(lo) ^ crc;
            let b = &block[8..];
            crc = t[15][(x & 0xFF) as usize]
                ^ t[14][((x >> 8) & 0xFF) as usize]
                ^ t[13][((x >> 16) & 0xFF) as usize]
                ^ t[12][((x >> 24) & 0xFF) as usize]
                ^ t[11][((x >> 32) & 0xFF) as usize]
                ^ t[10][((x >> 40) & 0xFF) as usize]
                ^ t[9][((x >> 48) & 0xFF) as usize]
                ^ t[8][(x >> 56) as usize]
                ^ t[7][b[0] as usize]
                ^ t[6][b[1] as usize]
                ^ t[5][b[2] as usize]
                ^ t[4][b[3] as usize]
                ^ t[3][b[4] as usize]
                ^ t[2][b[5] as usize]
                ^ t[1][b[6] as usize]
                ^ t[0][b[7] as usize];
        }
        for &byte in blocks.remainder() {
            crc = (crc >> 8) ^ t[0][((crc ^ u64::from(byte)) & 0xFF) as usize];
        }
        self.state = crc;
    }

    /// The CRC of every byte fed so far (the hasher can keep going).
    pub const fn finish(&self) -> u64 {
        !self.state
    }
}

/// The CRC-64/XZ of `data`, as COS's `x-cos-hash-crc64ecma` (in decimal) carries it.
pub fn crc64(data: &[u8]) -> u64 {
    let mut h = Crc64::new();
    h.update(data);
    h.finish()
}

/// The CRC-64 of `a` followed by `b`, from `crc64(a)`, `crc64(b)` and `b`'s length (zlib's
/// `crc32_combine` method: appending `len_b` zero bits is a linear map, applied by repeated
/// squaring). Lets parts of a file be checksummed in parallel, in any order.
pub fn crc64_combine(crc_a: u64, crc_b: u64, len_b: u64) -> u64 {
    fn times(mat: &[u64; 64], mut vec: u64) -> u64 {
        let (mut sum, mut i) = (0, 0);
        while vec != 0 {
            if vec & 1 == 1 {
                sum ^= mat[i];
            }
            vec >>= 1;
            i += 1;
        }
        sum
    }
    fn square(mat: &[u64; 64]) -> [u64; 64] {
        let mut out = [0; 64];
        for (n, o) in out.iter_mut().enumerate() {
            *o = times(mat, mat[n]);
        }
        out
    }
    if len_b == 0 {
        return crc_a;
    }
    // The operator for one zero bit, then two, then four.
    let mut odd = [0u64; 64];
    odd[0] = POLY_REFLECTED;
    for (n, o) in odd.iter_mut().enumerate().skip(1) {
        *o = 1 << (n - 1);
    }
    let mut even = square(&odd);
    odd = square(&even);
    let (mut crc, mut len) = (crc_a, len_b);
    loop {
        // Each step applies one bit of `len` (in bytes: the first squaring is 8 bits).
        even = square(&odd);
        if len & 1 == 1 {
            crc = times(&even, crc);
        }
        len >>= 1;
        if len == 0 {
            break;
        }
        odd = square(&even);
        if len & 1 == 1 {
            crc = times(&odd, crc);
        }
        len >>= 1;
        if len == 0 {
            break;
        }
    }
    crc ^ crc_b
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Bit-at-a-time reference.
    fn slow(data: &[u8]) -> u64 {
        let mut crc = !0u64;
        for &b in data {
            crc ^= u64::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ POLY_REFLECTED
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    /// The emulator's object content (`emulator::objects`): word `i` (little-endian) is the
    /// `i+1`-th output of splitmix64 seeded with `seed`.
    fn content(seed: u64, len: usize) -> Vec<u8> {
        (0..len as u64 / 8)
            .flat_map(|i| {
                let mut z = seed.wrapping_add((i + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
                z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
                z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
                (z ^ (z >> 31)).to_le_bytes()
            })
            .collect()
    }

    // The expected values below were computed with the vendor's own parameters: PyPI
    // `cos-python-sdk-v5` 1.9.44, `qcloud_cos/resumable_downloader.py`,
    // `ResumableDownLoader.__check_crc`:
    // `crcmod.mkCrcFun(0x142F0E1EBA9EA3693, initCrc=0, xorOut=0xffffffffffffffff, rev=True)`
    // (crcmod 1.7), over the same bytes.

    #[test]
    fn vendor_vectors() {
        assert_eq!(crc64(b""), 0);
        assert_eq!(crc64(b"123456789"), 0x995D_C9BB_DF19_39FA);
        let mib = content(0, 1 << 20);
        assert_eq!(&mib[..8], &0xE220_A839_7B1D_CDAFu64.to_le_bytes());
        assert_eq!(crc64(&mib), 0x3113_8A70_A226_B5E8);
        assert_eq!(crc64(&mib), 3_536_322_348_777_387_496);
        // 13 bytes from offset 3 of seed 7: an unaligned piece, shorter than a block.
        assert_eq!(crc64(&content(7, 32)[3..16]), 0x838D_A12E_028E_F006);
    }

    #[test]
    fn combining_equals_checksumming_the_concatenation() {
        let data = content(3, 70_000);
        for split in [0, 1, 7, 8, 1000, 65_536, 69_999, 70_000] {
            let (a, b) = data.split_at(split);
            assert_eq!(
                crc64_combine(crc64(a), crc64(b), b.len() as u64),
                crc64(&data),
                "split at {split}"
            );
        }
    }

    #[test]
    fn streaming_matches_reference_at_every_split() {
        let data = content(42, 4096);
        for len in [0, 1, 7, 15, 16, 17, 31, 33, 100, 4096] {
            let whole = slow(&data[..len]);
            assert_eq!(crc64(&data[..len]), whole, "len {len}");
            for split in 0..=len.min(40) {
                let mut h = Crc64::new();
                h.update(&data[..split]);
                h.update(&data[split..len]);
                assert_eq!(h.finish(), whole, "len {len} split {split}");
            }
        }
    }
}
