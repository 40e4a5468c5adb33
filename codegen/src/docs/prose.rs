//! Spec prose as rustdoc markdown. Vendor documents are written for HTML pages: they hold
//! HTML tags (`<li>`, `<br>`), brackets that rustdoc would take for intra-doc links
//! (`[0,100]`), bare URLs, tabs, and lists followed by unindented text. Every doc text that
//! comes from a spec passes through [`prose`] once, so the generated crates document
//! without a rustdoc or clippy warning and read as the vendor meant.

/// Spec text made safe for rustdoc: outside code spans and fences, list-like HTML becomes
/// markdown, other tags and brackets are escaped, bare URLs become autolinks; tabs become
/// spaces; a line that would lazily continue a list item starts a paragraph.
pub fn prose(text: &str) -> String {
    let text = destutter(text);
    let text = text
        .replace("\r\n", "\n")
        .replace(['\r'], "\n")
        .replace('\t', "    ");
    let mut out = String::with_capacity(text.len() + 16);
    let mut fence = false;
    for line in text.split('\n') {
        if line.trim_start().starts_with("```") {
            fence = !fence;
            out.push_str(line);
        } else if fence {
            out.push_str(line);
        } else {
            out.push_str(&inline(line));
        }
        out.push('\n');
    }
    paragraphs_after_lists(out.trim_end())
}

/// The vendor's opening formula, said once: "This API (DescribeBackups) is used to query the
/// backups…" (and "This API is used to…", "This interface…") becomes "Queries the backups…";
/// any other text is returned as it is.
fn destutter(text: &str) -> std::borrow::Cow<'_, str> {
    let rest = [
        "This API ",
        "This api ",
        "This interface ",
        "This Interface ",
    ]
    .iter()
    .find_map(|p| text.strip_prefix(p));
    let Some(mut rest) = rest else {
        return text.into();
    };
    // The operation's name in parentheses, if given.
    if let Some((name, after)) = rest.strip_prefix('(').and_then(|r| r.split_once(") "))
        && name.chars().all(|c| c.is_ascii_alphanumeric())
    {
        rest = after;
    }
    let Some(rest) = ["is used to ", "was used to "]
        .iter()
        .find_map(|p| rest.strip_prefix(p))
    else {
        return text.into();
    };
    let end = rest
        .find(|c: char| !(c.is_ascii_alphabetic() || c == '-'))
        .unwrap_or(rest.len());
    let (verb, tail) = rest.split_at(end);
    if verb.is_empty() || !verb.starts_with(|c: char| c.is_ascii_lowercase()) {
        return text.into();
    }
    // The third person of the verb: query → queries, match → matches, get → gets.
    let third = if let Some(stem) = verb
        .strip_suffix('y')
        .filter(|s| s.ends_with(|c: char| !"aeiou".contains(c)))
    {
        format!("{stem}ies")
    } else if ["s", "sh", "ch", "x", "z", "o"]
        .iter()
        .any(|e| verb.ends_with(e))
    {
        format!("{verb}es")
    } else {
        format!("{verb}s")
    };
    let mut out = String::with_capacity(text.len());
    let mut chars = third.chars();
    out.extend(chars.next().map(|c| c.to_ascii_uppercase()));
    out.push_str(chars.as_str());
    out.push_str(tail);
    out.into()
}

/// One line outside a fence: code spans kept verbatim, the rest escaped.
fn inline(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + 8);
    let mut rest = line;
    while let Some(start) = rest.find('`') {
        let ticks = rest[start..].chars().take_while(|&c| c == '`').count();
        let after = &rest[start + ticks..];
        let close = "`".repeat(ticks);
        match after.find(&close) {
            Some(end) => {
                out.push_str(&text(&rest[..start]));
                out.push_str(&rest[start..start + ticks + end + ticks]);
                rest = &after[end + ticks..];
            }
            None => {
                // An unmatched backtick is literal text.
                out.push_str(&text(&rest[..start]));
                out.push_str(&"\\`".repeat(ticks));
                rest = after;
            }
        }
    }
    out.push_str(&text(rest));
    out
}

/// Text outside code: HTML lists and breaks as markdown, emphasis tags as `**`, any other
/// `<` escaped, brackets escaped, URLs as autolinks.
fn text(s: &str) -> String {
    const TAGS: &[(&str, &str)] = &[
        ("<br/>", "\n"),
        ("<br />", "\n"),
        ("<br>", "\n"),
        ("<li>", "\n- "),
        ("</li>", ""),
        ("<ul>", "\n"),
        ("</ul>", "\n"),
        ("<ol>", "\n"),
        ("</ol>", "\n"),
        ("<p>", "\n\n"),
        ("</p>", "\n\n"),
        ("<strong>", "**"),
        ("</strong>", "**"),
        ("<b>", "**"),
        ("</b>", "**"),
    ];
    let mut out = String::with_capacity(s.len() + 8);
    let mut i = 0;
    let bytes = s.as_bytes();
    while i < s.len() {
        let rest = &s[i..];
        // Tags start with `<` and URLs with `h`: only there is a lookup worth its cost.
        if rest.starts_with('<')
            && let Some((tag, md)) = TAGS.iter().find(|(tag, _)| {
                rest.get(..tag.len())
                    .is_some_and(|h| h.eq_ignore_ascii_case(tag))
            })
        {
            out.push_str(md);
            i += tag.len();
            continue;
        }
        if rest.starts_with('h') && (rest.starts_with("http://") || rest.starts_with("https://")) {
            let end = rest
                .find(|c: char| c.is_whitespace() || "<>\"'`()[]{},;".contains(c))
                .unwrap_or(rest.len());
            let url = rest[..end].trim_end_matches(['.', ':', '!', '?']);
            out.push('<');
            out.push_str(url);
            out.push('>');
            i += url.len();
            continue;
        }
        let c = rest.chars().next().unwrap_or(' ');
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '[' | ']' | '\\' | '|' => {
                out.push('\\');
                out.push(c);
            }
            '&' if !bytes.get(i + 1).is_some_and(u8::is_ascii_alphabetic) => out.push('&'),
            _ => out.push(c),
        }
        i += c.len_utf8();
    }
    out
}

/// `text` as one inline code span: control characters shown escaped (`\t`, `\n`), and
/// enough backticks around it that a backtick inside cannot close it.
pub fn code_span(text: &str) -> String {
    let mut shown = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\t' => shown.push_str("\\t"),
            '\n' => shown.push_str("\\n"),
            '\r' => shown.push_str("\\r"),
            c if c.is_control() => shown.push_str(&c.escape_unicode().to_string()),
            c => shown.push(c),
        }
    }
    let longest = shown.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let ticks = "`".repeat(longest + 1);
    let pad = if shown.starts_with('`') || shown.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{ticks}{pad}{shown}{pad}{ticks}")
}

fn is_list_item(line: &str) -> bool {
    let t = line.trim_start();
    let bullet = ["- ", "* ", "+ "].iter().any(|b| t.starts_with(b));
    let digits = t.chars().take_while(char::is_ascii_digit).count();
    let numbered = digits > 0 && (t[digits..].starts_with(". ") || t[digits..].starts_with(") "));
    bullet || numbered
}

/// A non-blank line right after a list item (or its continuation) that is neither a list
/// item nor indented would continue the item lazily: a blank line makes it a paragraph.
fn paragraphs_after_lists(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut in_item = false;
    for line in text.split('\n') {
        let blank = line.trim().is_empty();
        if blank {
            in_item = false;
        } else if is_list_item(line) {
            in_item = true;
        } else if in_item && !line.starts_with("  ") {
            out.push('\n');
            in_item = false;
        }
        out.push_str(line);
        out.push('\n');
    }
    out.trim_end().to_owned()
}

#[cfg(test)]
mod tests {
    use super::prose;

    #[test]
    fn vendor_html_brackets_urls_and_lists_become_clean_markdown() {
        assert_eq!(prose("Range [0,100]."), "Range \\[0,100\\].");
        assert_eq!(prose("Use `[a]` here"), "Use `[a]` here");
        assert_eq!(
            prose("See https://cloud.tencent.com/document/1. Done"),
            "See <https://cloud.tencent.com/document/1>. Done"
        );
        assert_eq!(prose("a<li>one</li><li>two</li>"), "a\n- one\n- two");
        assert_eq!(prose("x < y and <tag>"), "x &lt; y and &lt;tag&gt;");
        assert_eq!(prose("- item\nmore text"), "- item\n\nmore text");
        assert_eq!(prose("- item\n  indented"), "- item\n  indented");
        assert_eq!(prose("a\tb"), "a    b");
        assert_eq!(prose("odd ` tick [x]"), "odd \\` tick \\[x\\]");
        assert_eq!(prose("a\r\nb\rc"), "a\nb\nc");
        assert_eq!(prose("account’s <b>x</b>"), "account’s **x**");
        assert_eq!(super::code_span("a\tb"), "`a\\tb`");
        // The vendor's opening formula, once.
        assert_eq!(
            prose("This API (DescribeBackups) is used to query the backups."),
            "Queries the backups."
        );
        assert_eq!(
            prose("This API is used to modify a name."),
            "Modifies a name."
        );
        assert_eq!(
            prose("This interface is used to detach a disk."),
            "Detaches a disk."
        );
        assert_eq!(prose("This API is used to re-create it."), "Re-creates it.");
        assert_eq!(prose("This API is used to get it."), "Gets it.");
        assert_eq!(prose("This API is used to obtain X."), "Obtains X.");
        assert_eq!(prose("This API is used for X."), "This API is used for X.");
        assert_eq!(
            prose("This API (not a name) is used to get."),
            "This API (not a name) is used to get."
        );
        assert_eq!(super::code_span("a`b"), "``a`b``");
        assert_eq!(super::code_span("`x"), "`` `x ``");
    }
}
