//! The importers' one paging rule: which operations page, and how, from the names and types
//! of their top-level request and response members (every vendor spells the same few
//! shapes). The result is the spec's `pagination:` line; an overlay's `pagination:` wins
//! (`false` turns detection off for an operation). The rule, stated once in
//! `specs/README.md`:
//!
//! - **offset**: `Offset` and `Limit` in the request, integers or strings holding one (an
//!   `Offset` whose doc calls it a page number, as Huawei ECS's, is a page-number walk);
//! - **page number**: an integer `PageNumber`, `PageNo`, `PageNum`, `PageIndex` or `Page`,
//!   with an integer `PageSize`, `Rp` or `Limit` (the first page is 1 unless the member's
//!   doc says it counts from 0);
//! - **cursor**: a string `Cursor` or `NextToken` in the request answered by a string
//!   `NextCursor` or `NextToken`, or a `marker` answered by a `next_marker`, with a boolean
//!   `HasMore` or `IsTruncated` where the response has one;
//! - the items: the response's only list member (an operation with two lists is not
//!   guessed at);
//! - the total: an integer `TotalCount`, `Total`, `TotalNum`, `TotalCnt` or `TotalNumber`;
//!   a bare `Count` only where its doc says it counts all items (a `Count` may be the
//!   page's own length, which would end the walk after one page);
//! - the page-size maximum: the first number the page-size member's doc gives as a maximum ("Maximum value: 100", "最大值为100", "取值范围：1-100").
//!
//! Names compare without case and underscores, so `page_size` is `PageSize`.

/// What the rule needs of a member.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Integer,
    Str,
    Bool,
    List,
    Other,
}

/// A top-level member of a request or response, as the rule sees it.
#[derive(Clone, Debug)]
pub struct Member<'a> {
    /// Wire name.
    pub wire: &'a str,
    pub kind: Kind,
    pub doc: &'a str,
}

fn key(name: &str) -> String {
    name.chars()
        .filter(|c| *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

fn find<'m, 'a>(members: &'m [Member<'a>], kind: Kind, names: &[&str]) -> Option<&'m Member<'a>> {
    names.iter().find_map(|n| {
        members
            .iter()
            .find(|m| m.kind == kind && key(m.wire) == key(n))
    })
}

/// The first maximum a page-size doc states.
fn doc_max(doc: &str) -> Option<u64> {
    let lower = doc.to_lowercase();
    let after = |pat: &str| {
        let i = lower.find(pat)? + pat.len();
        let rest = lower[i..].trim_start_matches([' ', ':', '：', '为', 'i', 's', '=']);
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        digits.parse::<u64>().ok().filter(|&n| n > 0)
    };
    for pat in [
        "maximum value",
        "max value",
        "maximum",
        "最大值",
        "最大为",
        "不超过",
        "up to",
    ] {
        if let Some(n) = after(pat) {
            return Some(n);
        }
    }
    // A range: "取值范围：1-100", "value range: 1-100", "[1, 100]".
    for pat in ["取值范围", "range", "["] {
        if let Some(i) = lower.find(pat) {
            let rest = &lower[i + pat.len()..];
            let nums: Vec<u64> = rest
                .split(|c: char| !c.is_ascii_digit())
                .filter(|s| !s.is_empty())
                .take(2)
                .filter_map(|s| s.parse().ok())
                .collect();
            if let [lo, hi] = nums[..]
                && lo <= 1
                && hi > lo
            {
                return Some(hi);
            }
        }
    }
    None
}

/// An `Offset` its doc calls a page number (Huawei ECS's `offset`: "页码。当前页面数，默认为1"),
/// which an item offset would walk wrongly.
fn page_number(doc: &str) -> bool {
    let lower = doc.to_lowercase();
    ["页码", "页数", "当前页", "page number", "page index"]
        .iter()
        .any(|w| lower.contains(w))
}

/// A page number its doc counts from 0.
fn from_zero(doc: &str) -> bool {
    let lower = doc.to_lowercase();
    [
        "from 0",
        "starts from 0",
        "starting from 0",
        "从0开始",
        "从 0 开始",
        "0 indicates the first",
    ]
    .iter()
    .any(|w| lower.contains(w))
}

/// A `Count` that counts every item, by its doc.
fn counts_all(doc: &str) -> bool {
    let lower = doc.to_lowercase();
    [
        "total",
        "总数",
        "总记录",
        "总条数",
        "总个数",
        "总量",
        "all ",
    ]
    .iter()
    .any(|w| lower.contains(w))
}

/// An integer member, or a string one holding a number (Tencent VPC's `Offset`/`Limit`).
fn find_count<'m, 'a>(members: &'m [Member<'a>], names: &[&str]) -> Option<&'m Member<'a>> {
    find(members, Kind::Integer, names).or_else(|| find(members, Kind::Str, names))
}

/// The `pagination:` flow mapping for an operation with these members, if it pages.
pub fn detect(request: &[Member<'_>], response: &[Member<'_>]) -> Option<String> {
    use Kind::{Bool, Integer, List, Str};
    let lists: Vec<&Member<'_>> = response.iter().filter(|m| m.kind == List).collect();
    let [items] = lists[..] else {
        return None;
    };
    let total = find(
        response,
        Integer,
        &["TotalCount", "Total", "TotalNum", "TotalCnt", "TotalNumber"],
    )
    .or_else(|| find(response, Integer, &["Count"]).filter(|m| counts_all(m.doc)));
    let mut parts: Vec<String> = Vec::new();
    let size = if let (Some(offset), Some(limit)) = (
        find_count(request, &["Offset"]),
        find_count(request, &["Limit"]),
    ) {
        if page_number(offset.doc) {
            parts.push(format!("page: {}", offset.wire));
            parts.push(format!("first_page: {}", u8::from(!from_zero(offset.doc))));
        } else {
            parts.push(format!("offset: {}", offset.wire));
        }
        Some(limit)
    } else if let (Some(page), Some(size)) = (
        find_count(
            request,
            &["PageNumber", "PageNo", "PageNum", "PageIndex", "Page"],
        ),
        find_count(request, &["PageSize", "Rp", "Limit"]),
    ) {
        parts.push(format!("page: {}", page.wire));
        parts.push(format!("first_page: {}", u8::from(!from_zero(page.doc))));
        Some(size)
    } else {
        let (cursor, next) = [
            ("Cursor", "NextCursor"),
            ("NextToken", "NextToken"),
            ("marker", "next_marker"),
        ]
        .iter()
        .find_map(|(c, n)| Some((find(request, Str, &[c])?, find(response, Str, &[n])?)))?;
        parts.push(format!("cursor: {}", cursor.wire));
        parts.push(format!("next_cursor: {}", next.wire));
        if let Some(more) = find(response, Bool, &["HasMore", "IsTruncated"]) {
            parts.push(format!("has_more: {}", more.wire));
        }
        find_count(request, &["Limit", "MaxResults", "PageSize"])
    };
    if let Some(size) = size {
        parts.push(format!("page_size: {}", size.wire));
        if let Some(max) = doc_max(size.doc) {
            parts.push(format!("max_page_size: {max}"));
        }
    }
    parts.push(format!("items: {}", items.wire));
    if let Some(total) = total.filter(|_| !parts[0].starts_with("cursor")) {
        parts.push(format!("total: {}", total.wire));
    }
    Some(format!("{{ {} }}", parts.join(", ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(wire: &str, kind: Kind, doc: &str) -> Member<'static> {
        Member {
            wire: Box::leak(wire.to_owned().into_boxed_str()),
            kind,
            doc: Box::leak(doc.to_owned().into_boxed_str()),
        }
    }

    #[test]
    fn the_shapes_of_the_issue_are_detected() {
        use Kind::*;
        // cdb DescribeBackups (tccli-intl-en 3.1.193.1).
        let req = [
            m("InstanceId", Str, ""),
            m("Offset", Integer, "Offset. Minimum value: 0."),
            m(
                "Limit",
                Integer,
                "Page size. Default value: 20. Minimum value: 1. Maximum value: 1000.",
            ),
        ];
        let resp = [
            m("TotalCount", Integer, ""),
            m("Items", List, ""),
            m("RequestId", Str, ""),
        ];
        assert_eq!(
            detect(&req, &resp).as_deref(),
            Some(
                "{ offset: Offset, page_size: Limit, max_page_size: 1000, items: Items, total: TotalCount }"
            )
        );
        // CAM's Page/Rp with TotalNum.
        let req = [
            m("Page", Integer, "Page number, starting from 1."),
            m("Rp", Integer, "Per page; max 200"),
        ];
        let resp = [m("TotalNum", Integer, ""), m("List", List, "")];
        assert_eq!(
            detect(&req, &resp).as_deref(),
            Some("{ page: Page, first_page: 1, page_size: Rp, items: List, total: TotalNum }")
        );
        // A cursor with a has-more flag.
        let req = [m("Cursor", Str, ""), m("Limit", Integer, "")];
        let resp = [
            m("NextCursor", Str, ""),
            m("HasMore", Bool, ""),
            m("Items", List, ""),
        ];
        assert_eq!(
            detect(&req, &resp).as_deref(),
            Some(
                "{ cursor: Cursor, next_cursor: NextCursor, has_more: HasMore, page_size: Limit, items: Items }"
            )
        );
        // Huawei ECS's `offset` is a page number, by its doc.
        let req = [
            m(
                "offset",
                Integer,
                "页码。 当前页面数，默认为1，取值范围大于等于0。",
            ),
            m(
                "limit",
                Integer,
                "查询返回云服务器当前页面的大小。每页默认值是25，最多返回1000台云服务器的信息。",
            ),
        ];
        let resp = [
            m("count", Integer, "弹性云服务器的列表总数。"),
            m("servers", List, ""),
        ];
        assert_eq!(
            detect(&req, &resp).as_deref(),
            Some("{ page: offset, first_page: 1, page_size: limit, items: servers, total: count }")
        );
        // Huawei's snake-case offset/limit with a Chinese maximum and a total `count`.
        let req = [
            m("offset", Integer, "偏移量"),
            m("limit", Integer, "每页条数，最大值为100"),
        ];
        let resp = [m("count", Integer, "总记录数"), m("servers", List, "")];
        assert_eq!(
            detect(&req, &resp).as_deref(),
            Some(
                "{ offset: offset, page_size: limit, max_page_size: 100, items: servers, total: count }"
            )
        );
    }

    #[test]
    fn what_could_truncate_is_not_guessed() {
        use Kind::*;
        let req = [m("Offset", Integer, ""), m("Limit", Integer, "")];
        // Two lists: which one pages is not guessed.
        let two = [m("A", List, ""), m("B", List, "")];
        assert_eq!(detect(&req, &two), None);
        // A `Count` that may be the page's own length is not a total.
        let resp = [
            m("Count", Integer, "Number of items returned"),
            m("Items", List, ""),
        ];
        assert_eq!(
            detect(&req, &resp).as_deref(),
            Some("{ offset: Offset, page_size: Limit, items: Items }")
        );
        // A bool `Offset` is nothing a walk can move.
        let req = [m("Offset", Bool, ""), m("Limit", Integer, "")];
        assert_eq!(detect(&req, &[m("Items", List, "")]), None);
    }
}
