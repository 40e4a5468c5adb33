//! The four protocol envelopes (`runtime::envelope::decode` into `serde_json::Value`) on
//! arbitrary bytes. The first byte picks the HTTP status and whether a request-id header was
//! seen; the rest is the body.
//!
//! Properties: no panic; `Ok` only under a 2xx status; a failure's `Display` is never empty.

#![no_main]

use libfuzzer_sys::fuzz_target;
use runtime::envelope::{Failure, decode};

const ENVELOPES: [&runtime::EnvelopeSpec; 4] = [
    &generated::protocols::tencent_v2::ENVELOPE,
    &generated::protocols::tencent_v3::ENVELOPE,
    &generated::protocols::ucloud::ENVELOPE,
    &generated::protocols::huawei::ENVELOPE,
];

fn status(b: u8) -> u16 {
    const CLASSES: [u16; 8] = [100, 200, 200, 200, 300, 400, 500, 500];
    CLASSES[usize::from(b & 7)] + u16::from(b >> 3)
}

fuzz_target!(|data: &[u8]| {
    let Some((&first, body)) = data.split_first() else {
        return;
    };
    let s = status(first);
    let id = (first & 0x80 != 0).then_some("fuzz-request-id");
    for env in ENVELOPES {
        match decode::<serde_json::Value>(env, s, id, body) {
            Ok(v) => {
                assert!(
                    (200..300).contains(&s),
                    "{}: payload under HTTP {s}",
                    env.protocol
                );
                assert!(!format!("{v:?}").is_empty());
            }
            Err(Failure::Service(meta)) => assert!(!meta.to_string().is_empty(), "{meta:?}"),
            Err(Failure::Decode(e)) => assert!(!e.to_string().is_empty(), "{e:?}"),
        }
    }
});
