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

/// One mend at a byte offset. Declared in the order the description lists them; at one
/// offset they apply in the order of [`Edit::rank`].
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Edit {
    /// Insert a comma the translation lost.
    AddComma,
    /// Drop a comma before a closing bracket.
    DropComma,
    /// Escape a raw control character inside a string.
    Escape,
    /// Insert a key's lost opening quote.
    OpenQuote,
    /// Insert a string's lost closing quote.
    CloseQuote,
    /// Drop the backslash of `` \` `` or `\'`.
    Unescape,
}

impl Edit {
    /// What is inserted at an offset comes before the byte there: a closing quote, then a
    /// comma, then an opening quote; the byte's own edit last.
    fn rank(self) -> u8 {
        match self {
            Edit::CloseQuote => 0,
            Edit::AddComma => 1,
            Edit::OpenQuote => 2,
            Edit::DropComma | Edit::Escape | Edit::Unescape => 3,
        }
    }

    /// How the spec's `repaired:` names one and several.
    fn names(self) -> (&'static str, &'static str) {
        match self {
            Edit::AddComma => ("missing comma", "missing commas"),
            Edit::DropComma => ("trailing comma", "trailing commas"),
            Edit::Escape => ("raw control character", "raw control characters"),
            Edit::OpenQuote => ("key's lost opening quote", "keys' lost opening quotes"),
            Edit::CloseQuote => (
                "string's lost closing quote",
                "strings' lost closing quotes",
            ),
            Edit::Unescape => ("escape JSON does not have", "escapes JSON does not have"),
        }
    }
}

/// The mended text, what was mended, and the document it parses to (`None`: not mendable,
/// or already JSON).
pub fn repair(text: &str) -> Option<(String, String, serde_json::Value)> {
    let b = text.as_bytes();
    // The mends, each at a byte offset of `text`.
    let mut edits: Vec<(usize, Edit)> = Vec::new();
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
                            edits.push((i, Edit::Unescape));
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
                            edits.retain(|&(e, k)| k != Edit::Escape || e < at);
                            edits.push((at, Edit::CloseQuote));
                            end = Some(at);
                            break;
                        }
                        c if *c < 0x20 => {
                            edits.push((i, Edit::Escape));
                            i += 1;
                        }
                        _ => i += 1,
                    }
                }
                if let Some(end) = end {
                    // The string token ends where its quote goes; a comma the line kept
                    // after it is the next token.
                    record(&mut prev, &mut edits, Tok::Value, start, end);
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
                edits.push((i, Edit::OpenQuote));
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
        record(&mut prev, &mut edits, tok, start, i);
    }
    if edits.is_empty() {
        return None;
    }
    edits.sort_by_key(|&(at, k)| (at, k.rank()));
    let mut out = String::with_capacity(text.len() + edits.len());
    let mut pending = edits.iter().peekable();
    for (at, ch) in text.char_indices() {
        let mut keep = true;
        while let Some(&(_, edit)) = pending.next_if(|&&(e, _)| e == at) {
            match edit {
                Edit::CloseQuote | Edit::OpenQuote => out.push('"'),
                Edit::AddComma => out.push(','),
                Edit::DropComma | Edit::Unescape => keep = false,
                Edit::Escape => {
                    keep = false;
                    match ch {
                        '\n' => out.push_str("\\n"),
                        '\r' => out.push_str("\\r"),
                        '\t' => out.push_str("\\t"),
                        other => out.push_str(&format!("\\u{:04x}", u32::from(other))),
                    }
                }
            }
        }
        if keep {
            out.push(ch);
        }
    }
    // A comma missing after the text's last token.
    if pending
        .next_if(|&&(e, k)| e == text.len() && k == Edit::AddComma)
        .is_some()
    {
        out.push(',');
    }
    let doc = serde_json::from_str::<serde_json::Value>(&out).ok()?;
    let line = |at: usize| text[..at].matches('\n').count() + 1;
    let mut what = Vec::new();
    let mut kinds: Vec<Edit> = edits.iter().map(|&(_, k)| k).collect();
    kinds.sort();
    kinds.dedup();
    for kind in kinds {
        let at: Vec<String> = edits
            .iter()
            .filter(|&&(_, k)| k == kind)
            .map(|&(e, _)| line(e).to_string())
            .collect();
        let (one, many) = kind.names();
        match at.len() {
            1 => what.push(format!("1 {one} (line {})", at[0])),
            n => what.push(format!("{n} {many} (lines {})", at.join(", "))),
        }
    }
    Some((out, what.join(", "), doc))
}

/// Takes token `tok` (`start..end`) after `prev`: a missing comma between two values, or a
/// trailing one before a closing bracket, is noted.
fn record(
    prev: &mut Option<(Tok, usize, usize)>,
    edits: &mut Vec<(usize, Edit)>,
    tok: Tok,
    start: usize,
    end: usize,
) {
    match (*prev, tok) {
        // A value (or a closed object or list) followed by the start of another: the
        // comma between them is missing.
        (Some((Tok::Value | Tok::Close, _, at)), Tok::Value | Tok::Open) => {
            edits.push((at, Edit::AddComma));
        }
        // A comma right before a closing bracket.
        (Some((Tok::Comma, at, _)), Tok::Close) => edits.push((at, Edit::DropComma)),
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
