//! Mends the vendor's sample responses that are almost JSON.
//!
//! The English catalogue's examples were machine-translated line by line, and a translated
//! line often lost its trailing comma (`"Name": "Managed cluster"` followed by the next
//! member), kept one before a closing bracket, lost a key's opening quote (`Reason": "…"`
//! first on its line) or a value's closing quote at the end of its line. Those slips, a raw
//! control character inside a string, and a backtick or quote escaped for JavaScript
//! (`` \` ``, `\'`, which it reads as the character itself) have one reading only, so they
//! are mended; anything else (a line whose key was translated away, `...`, comments, an
//! escape such as `\d` that may mean a backslash) is left as the vendor wrote it and the
//! sample stays `invalid:`. A mended sample must then parse as JSON, and the spec says
//! what was mended (`repaired:`), line by line.

/// One token of the lenient scan.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Tok {
    /// A string, number, `true`, `false` or `null`.
    Value,
    Open,
    Close,
    Colon,
    Comma,
}

/// The mended text, what was mended, and the document it parses to (`None`: not mendable,
/// or already JSON).
pub fn repair(text: &str) -> Option<(String, String, serde_json::Value)> {
    let b = text.as_bytes();
    // Edits as (byte offset, action): insert a comma at, drop the byte at, escape the byte at.
    let mut commas_added: Vec<usize> = Vec::new();
    let mut commas_dropped: Vec<usize> = Vec::new();
    let mut escaped: Vec<usize> = Vec::new();
    let mut quotes_added: Vec<usize> = Vec::new();
    let mut quotes_closed: Vec<usize> = Vec::new();
    let mut unescaped: Vec<usize> = Vec::new();
    // The previous token, where it starts and where it ends.
    let mut prev: Option<(Tok, usize, usize)> = None;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        let tok = match c {
            b'{' | b'[' => {
                i += 1;
                Tok::Open
            }
            b'}' | b']' => {
                i += 1;
                Tok::Close
            }
            b':' => {
                i += 1;
                Tok::Colon
            }
            b',' => {
                i += 1;
                Tok::Comma
            }
            b'"' => {
                i += 1;
                let (mut end, mut comma_follows) = (None, false);
                loop {
                    match b.get(i)? {
                        b'\\' if b.get(i + 1).is_some_and(|c| b"\"\\/bfnrtu".contains(c)) => i += 2,
                        // `\``, `\'`: escaped for JavaScript, which reads the character.
                        b'\\' if matches!(b.get(i + 1), Some(b'`' | b'\'')) => {
                            unescaped.push(i);
                            i += 1;
                        }
                        // Any other escape JSON lacks has two readings (`\d`: a regex's
                        // backslash, or JavaScript's `d`): not mended.
                        b'\\' => return None,
                        b'"' => {
                            i += 1;
                            break;
                        }
                        // The line ends and the next one starts with a quoted key: this
                        // string lost its closing quote, before what ends the line outside
                        // the value (blanks, a `\r`, one comma).
                        b'\n' if quoted_key_follows(&b[i + 1..]) => {
                            let mut at = i;
                            while at > start + 1 && matches!(b[at - 1], b' ' | b'\t' | b'\r') {
                                at -= 1;
                            }
                            if at > start + 1 && b[at - 1] == b',' {
                                at -= 1;
                                comma_follows = true;
                            }
                            escaped.retain(|&e| e < at);
                            quotes_closed.push(at);
                            end = Some(at);
                            break;
                        }
                        c if *c < 0x20 => {
                            escaped.push(i);
                            i += 1;
                        }
                        _ => i += 1,
                    }
                }
                if let Some(end) = end {
                    // The string token ends where its quote goes; a comma the line kept
                    // after it is the next token.
                    record(
                        &mut prev,
                        &mut commas_added,
                        &mut commas_dropped,
                        Tok::Value,
                        start,
                        end,
                    );
                    if comma_follows {
                        prev = Some((Tok::Comma, end, end + 1));
                    }
                    continue;
                }
                Tok::Value
            }
            b'-' | b'0'..=b'9' => {
                i += 1;
                while b
                    .get(i)
                    .is_some_and(|c| c.is_ascii_digit() || b".eE+-".contains(c))
                {
                    i += 1;
                }
                Tok::Value
            }
            // A key that lost its opening quote: first on its line, a name, its closing
            // quote, then a colon.
            c if (c.is_ascii_alphabetic() || c == b'_')
                && matches!(
                    prev,
                    Some((Tok::Comma | Tok::Open | Tok::Value | Tok::Close, _, _))
                )
                && first_on_line(b, i)
                && lost_quote_key(&b[i..]).is_some() =>
            {
                quotes_added.push(i);
                i += lost_quote_key(&b[i..])?;
                Tok::Value
            }
            _ => {
                let word = ["true", "false", "null"]
                    .into_iter()
                    .find(|w| b[i..].starts_with(w.as_bytes()))?;
                i += word.len();
                if b.get(i).is_some_and(|c| c.is_ascii_alphanumeric()) {
                    return None;
                }
                Tok::Value
            }
        };
        record(
            &mut prev,
            &mut commas_added,
            &mut commas_dropped,
            tok,
            start,
            i,
        );
    }
    if [
        &commas_added,
        &commas_dropped,
        &escaped,
        &quotes_added,
        &quotes_closed,
        &unescaped,
    ]
    .iter()
    .all(|v| v.is_empty())
    {
        return None;
    }
    let mut out = String::with_capacity(text.len() + commas_added.len());
    let (mut added, mut dropped, mut esc) = (
        commas_added.iter().peekable(),
        commas_dropped.iter().peekable(),
        escaped.iter().peekable(),
    );
    let (mut quoted, mut unesc) = (quotes_added.iter().peekable(), unescaped.iter().peekable());
    let mut closed = quotes_closed.iter().peekable();
    for (at, ch) in text.char_indices() {
        if closed.next_if(|&&c| c == at).is_some() {
            out.push('"');
        }
        if added.next_if(|&&a| a == at).is_some() {
            out.push(',');
        }
        if quoted.next_if(|&&q| q == at).is_some() {
            out.push('"');
        }
        if dropped.next_if(|&&d| d == at).is_some() || unesc.next_if(|&&u| u == at).is_some() {
            continue;
        }
        if esc.next_if(|&&e| e == at).is_some() {
            match ch {
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                other => out.push_str(&format!("\\u{:04x}", u32::from(other))),
            }
            continue;
        }
        out.push(ch);
    }
    if added.next_if(|&&a| a == text.len()).is_some() {
        out.push(',');
    }
    let doc = serde_json::from_str::<serde_json::Value>(&out).ok()?;
    let line = |at: usize| text[..at].matches('\n').count() + 1;
    let lines = |v: &[usize]| {
        v.iter()
            .map(|&a| line(a).to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut what = Vec::new();
    for (v, one, many) in [
        (&commas_added, "missing comma", "missing commas"),
        (&commas_dropped, "trailing comma", "trailing commas"),
        (&escaped, "raw control character", "raw control characters"),
        (
            &quotes_added,
            "key's lost opening quote",
            "keys' lost opening quotes",
        ),
        (
            &quotes_closed,
            "string's lost closing quote",
            "strings' lost closing quotes",
        ),
        (
            &unescaped,
            "escape JSON does not have",
            "escapes JSON does not have",
        ),
    ] {
        match v.len() {
            0 => {}
            1 => what.push(format!("1 {one} (line {})", lines(v))),
            n => what.push(format!("{n} {many} (lines {})", lines(v))),
        }
    }
    Some((out, what.join(", "), doc))
}

/// Takes token `tok` (`start..end`) after `prev`: a missing comma between two values, or a
/// trailing one before a closing bracket, is noted.
fn record(
    prev: &mut Option<(Tok, usize, usize)>,
    commas_added: &mut Vec<usize>,
    commas_dropped: &mut Vec<usize>,
    tok: Tok,
    start: usize,
    end: usize,
) {
    match (*prev, tok) {
        // A value (or a closed object or list) followed by the start of another: the
        // comma between them is missing.
        (Some((Tok::Value | Tok::Close, _, at)), Tok::Value | Tok::Open) => commas_added.push(at),
        // A comma right before a closing bracket.
        (Some((Tok::Comma, at, _)), Tok::Close) => commas_dropped.push(at),
        _ => {}
    }
    *prev = Some((tok, start, end));
}

/// Whether only blanks come before byte `i` on its line.
fn first_on_line(b: &[u8], i: usize) -> bool {
    let line = b[..i]
        .iter()
        .rposition(|&c| c == b'\n')
        .map_or(0, |p| p + 1);
    b[line..i].iter().all(|c| c.is_ascii_whitespace())
}

/// Whether `b` starts with blanks, then a quoted key and its colon (`  "Name":`).
fn quoted_key_follows(b: &[u8]) -> bool {
    let blanks = b.iter().take_while(|c| **c == b' ' || **c == b'\t').count();
    b.get(blanks) == Some(&b'"') && lost_quote_key(&b[blanks + 1..]).is_some()
}

/// The length of `Name"` followed by optional blanks and `:` at the start of `b`, up to and
/// including the quote: a key whose opening quote was lost.
fn lost_quote_key(b: &[u8]) -> Option<usize> {
    let name = b
        .iter()
        .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_')
        .count();
    if name == 0 || b.get(name) != Some(&b'"') {
        return None;
    }
    let rest = &b[name + 1..];
    let blanks = rest
        .iter()
        .take_while(|c| **c == b' ' || **c == b'\t')
        .count();
    (rest.get(blanks) == Some(&b':')).then_some(name + 1)
}

#[cfg(test)]
mod tests {
    use super::repair;

    #[test]
    fn mends_lost_and_trailing_commas_only() {
        let text = "{\n  \"A\": [\n    {\n\"Text\": \"Managed\"\n      \"Value\": 1,\n    },\n  ]\n  \"B\": null\n}";
        let (out, what, v) = repair(text).expect("mendable");
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&out).ok(),
            Some(v.clone())
        );
        assert_eq!(v["A"][0]["Value"], 1);
        assert_eq!(v["B"], serde_json::Value::Null);
        assert_eq!(
            what,
            "2 missing commas (lines 4, 7), 2 trailing commas (lines 5, 6)"
        );
        // The layout is the vendor's: only the commas changed.
        assert_eq!(out.lines().count(), text.lines().count());
        let (out, what, _) = repair("{\"A\": \"x\ty\"}").expect("mendable");
        assert_eq!(out, "{\"A\": \"x\\ty\"}");
        assert_eq!(what, "1 raw control character (line 1)");
    }

    #[test]
    fn mends_lost_key_quotes_and_javascript_escapes() {
        let text = "{\n  \"A\": 1,\n  Reason\": \"x\",\n  \"C\": \"\\`sql\\` \\\\d \\\"q\\\"\"\n}";
        let (out, what, v) = repair(text).expect("mendable");
        assert_eq!(v["Reason"], "x");
        assert_eq!(v["C"], "`sql` \\d \"q\"");
        assert_eq!(
            what,
            "1 key's lost opening quote (line 3), 2 escapes JSON does not have (lines 4, 4)"
        );
        assert_eq!(out.lines().count(), text.lines().count());
        // A value that lost its closing quote at the end of its line, before a quoted key.
        let (out, what, v) = repair("{\"A\": \"text\n  \"B\": 1}").expect("mendable");
        assert_eq!(out, "{\"A\": \"text\",\n  \"B\": 1}");
        assert_eq!((v["A"].as_str(), v["B"].as_i64()), (Some("text"), Some(1)));
        assert_eq!(
            what,
            "1 missing comma (line 1), 1 string's lost closing quote (line 1)"
        );
        // Blanks, a `\r` and a comma left at the line's end stay outside the value.
        let (out, what, v) = repair("{\"A\": \"text, \r\n  \"B\": 1}").expect("mendable");
        assert_eq!(out, "{\"A\": \"text\", \r\n  \"B\": 1}");
        assert_eq!(v["A"].as_str(), Some("text"));
        assert_eq!(what, "1 string's lost closing quote (line 1)");
        // A lost closing quote mid-line is not a key's lost opening quote.
        assert_eq!(repair("{\"A\": \"text, \"B\": 1}"), None);
        // An escape with two readings is not mended.
        assert_eq!(repair("{\"A\": \"\\d+\"\n\"B\": 1}"), None);
        // A bare word that is not followed by `":` is not a key.
        assert_eq!(repair("{\"A\": [\nReason for it\n]}"), None);
    }

    #[test]
    fn leaves_what_has_another_reading() {
        // Valid JSON needs no mending.
        assert_eq!(repair("{\"A\": [1, 2]}"), None);
        // A line whose key was translated away, an ellipsis, a comment, a truncation.
        assert_eq!(repair("{\"A\": [\nElastic cluster\n]}"), None);
        assert_eq!(repair("{\"A\": [1, ...]}"), None);
        assert_eq!(repair("{\"A\": 1 // one\n}"), None);
        assert_eq!(repair("{\"A\": [1,"), None);
        assert_eq!(repair("{\"A\": \"open"), None);
        // Mended, but still not JSON (a missing colon): left alone.
        assert_eq!(repair("{\"A\" 1,}"), None);
    }
}
