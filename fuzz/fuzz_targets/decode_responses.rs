//! Every generated response decoder on arbitrary bytes. The first byte picks the HTTP status
//! (2xx most often, every class from 1xx to 5xx); the rest is the body. All five decoders run
//! on every input.
//!
//! Properties: no panic; `Ok` only under a 2xx status, with a `Debug` that renders; an error's
//! `Display` is never empty.

#![no_main]

use std::fmt::{Debug, Display};

use generated::runtime::SdkError;
use libfuzzer_sys::fuzz_target;

fn status(b: u8) -> u16 {
    const CLASSES: [u16; 8] = [100, 200, 200, 200, 300, 400, 500, 500];
    CLASSES[usize::from(b & 7)] + u16::from(b >> 3)
}

fn judge<T: Debug, E: Debug + Display>(status: u16, r: Result<T, SdkError<E>>) {
    match r {
        Ok(v) => {
            assert!((200..300).contains(&status), "payload under HTTP {status}");
            assert!(!format!("{v:?}").is_empty());
        }
        Err(e) => assert!(!e.to_string().is_empty(), "empty Display: {e:?}"),
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&first, body)) = data.split_first() else {
        return;
    };
    let s = status(first);
    let id = (first & 0x80 != 0).then_some("fuzz-request-id");
    judge(
        s,
        generated::tencent::cdb::get_export_backup_url::glue::decode(s, id, body),
    );
    judge(
        s,
        generated::tencent::redis::get_backup_download_url::glue::decode(s, id, body),
    );
    judge(
        s,
        generated::tencent::redis::describe_backup_url::glue::decode(s, id, body),
    );
    judge(
        s,
        generated::ucloud::udb::describe_udb_instance_backup_url::glue::decode(s, id, body),
    );
    judge(
        s,
        generated::huawei::dds::download_file::glue::decode(s, id, body),
    );
});
