//! Which imported fields are secrets: the name policy every importer applies (a string field
//! named like a password, key or token is `sensitive: true`, so `Debug`, errors and logs never
//! show its value). Kept apart from the YAML rendering it serves, since it is a policy of its
//! own with its own evidence (the names of the whole catalogue's string fields).

/// Whether a lower-case field name is a secret's: a password, a secret, a private,
/// certificate, decryption, signature, session, API or auth key, or a token; but not a
/// secret's or token's id, name, type, status, time, region, checksum, endpoint or header, a
/// paging cursor, an idempotency token, a count of tokens, or a password policy's setting.
/// Drawn from the names of the whole catalogue's string fields (English and Chinese editions).
pub(crate) fn secret_name(name: &str) -> bool {
    const SECRETS: [&str; 13] = [
        "password",
        "passwd",
        "pwd",
        "passphrase",
        "secret",
        "privatekey",
        "certkey",
        "decryptionkey",
        "signaturekey",
        "sessionkey",
        "apikey",
        "authkey",
        "token",
    ];
    const ABOUT: [&str; 14] = [
        "id",
        "ids",
        "name",
        "names",
        "type",
        "status",
        "time",
        "region",
        "md5",
        "endpoint",
        "header",
        "cost",
        "count",
        "complexity",
    ];
    const NOT: [&str; 20] = [
        "idlist",
        "validatepassword",
        "nexttoken",
        "nextpagetoken",
        "pagetoken",
        "paginationtoken",
        "scrolltoken",
        "continuetoken",
        "clienttoken",
        "creationtoken",
        "idempotencytoken",
        "tokenlocation",
        "tokenurl",
        "tokenizer",
        "totaltoken",
        "cachedtokens",
        "inputtoken",
        "outputtoken",
        "reasoningtoken",
        "firsttoken",
    ];
    SECRETS.iter().any(|w| name.contains(w))
        && !ABOUT.iter().any(|w| name.ends_with(w))
        && !NOT.iter().any(|w| name.contains(w))
}
