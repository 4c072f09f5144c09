//! Query strings, opaque cursors, and the two pagination styles of the API.

use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// The largest `pageSize` honoured, as DRF's `max_page_size`.
pub(crate) const MAX_PAGE_SIZE: usize = 100;

/// Characters left as they are in a query value.
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// A decoded query string, in order.
#[derive(Debug, Clone, Default)]
pub(crate) struct Query(pub(crate) Vec<(String, String)>);

impl Query {
    /// Parses `a=1&b=two+words`; never fails (bad escapes are kept as they are).
    pub(crate) fn parse(raw: Option<&str>) -> Self {
        let decode = |s: &str| {
            let s = s.replace('+', " ");
            percent_decode_str(&s).decode_utf8_lossy().into_owned()
        };
        let pairs = raw
            .unwrap_or_default()
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| match p.split_once('=') {
                Some((k, v)) => (decode(k), decode(v)),
                None => (decode(p), String::new()),
            })
            .collect();
        Query(pairs)
    }

    /// The first value of `key`, also accepting its snake_case spelling.
    pub(crate) fn get(&self, key: &str) -> Option<&str> {
        let snake = to_snake(key);
        self.0
            .iter()
            .find(|(k, _)| k == key || *k == snake)
            .map(|(_, v)| v.as_str())
    }

    /// The page size: `pageSize` when it is a positive integer (capped), else `default`.
    pub(crate) fn page_size(&self, default: usize) -> usize {
        self.size("pageSize", default)
    }

    /// A number of items: `key` when it is a positive integer (capped), else `default`.
    pub(crate) fn size(&self, key: &str, default: usize) -> usize {
        self.get(key)
            .and_then(|v| v.trim().parse::<usize>().ok())
            .filter(|n| *n > 0)
            .map_or(default, |n| n.min(MAX_PAGE_SIZE))
            .max(1)
    }

    /// This query with `key` set to `value` (in place of any value it had).
    pub(crate) fn with(&self, key: &str, value: String) -> Query {
        let mut pairs: Vec<(String, String)> =
            self.0.iter().filter(|(k, _)| k != key).cloned().collect();
        pairs.push((key.to_string(), value));
        Query(pairs)
    }

    /// An absolute URL for `path` with this query, where `key` is set to `value` (or removed).
    pub(crate) fn link(&self, origin: &str, path: &str, key: &str, value: Option<&str>) -> String {
        let mut pairs: Vec<(&str, &str)> = Vec::new();
        if let Some(v) = value {
            pairs.push((key, v));
        }
        pairs.extend(
            self.0
                .iter()
                .filter(|(k, _)| k != key)
                .map(|(k, v)| (k.as_str(), v.as_str())),
        );
        let query: Vec<String> = pairs
            .iter()
            .map(|(k, v)| {
                format!(
                    "{}={}",
                    utf8_percent_encode(k, QUERY_VALUE),
                    utf8_percent_encode(v, QUERY_VALUE)
                )
            })
            .collect();
        if query.is_empty() {
            format!("{origin}{path}")
        } else {
            format!("{origin}{path}?{}", query.join("&"))
        }
    }
}

fn to_snake(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for c in name.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// A position in a list ordered newest first, by sequence number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cursor {
    /// The items after (older than) this sequence number.
    After(u64),
    /// The page of items just before (newer than) this sequence number.
    Before(u64),
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

impl Cursor {
    /// The opaque text: URL-safe base64 of `o=<seq>&r=<0|1>`, like DRF's cursors.
    pub(crate) fn encode(self) -> String {
        let plain = match self {
            Cursor::After(seq) => format!("o={seq}&r=0"),
            Cursor::Before(seq) => format!("o={seq}&r=1"),
        };
        let mut out = String::new();
        for chunk in plain.as_bytes().chunks(3) {
            let b = [
                chunk[0],
                *chunk.get(1).unwrap_or(&0),
                *chunk.get(2).unwrap_or(&0),
            ];
            let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
            for i in 0..=chunk.len() {
                out.push(char::from(B64[((n >> (18 - 6 * i)) & 63) as usize]));
            }
        }
        out
    }

    /// Decodes [`encode`](Self::encode)'s text; `None` for anything else.
    pub(crate) fn decode(text: &str) -> Option<Self> {
        let mut bytes = Vec::new();
        let (mut acc, mut bits) = (0u32, 0u32);
        for c in text.trim_end_matches('=').bytes() {
            let v = u32::try_from(B64.iter().position(|&b| b == c)?).ok()?;
            acc = (acc << 6) | v;
            bits += 6;
            if bits >= 8 {
                bits -= 8;
                bytes.push(((acc >> bits) & 0xff) as u8);
            }
        }
        let plain = String::from_utf8(bytes).ok()?;
        let rest = plain.strip_prefix("o=")?;
        let (seq, reverse) = rest.split_once("&r=")?;
        let seq = seq.parse().ok()?;
        match reverse {
            "0" => Some(Cursor::After(seq)),
            "1" => Some(Cursor::Before(seq)),
            _ => None,
        }
    }
}

/// One cursor page: the range of items, and the cursors of its neighbours.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CursorPage {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) next: Option<Cursor>,
    pub(crate) previous: Option<Cursor>,
}

/// Pages `seqs` (strictly decreasing: newest first) from `cursor`.
pub(crate) fn cursor_page(seqs: &[u64], cursor: Option<Cursor>, size: usize) -> CursorPage {
    let size = size.max(1);
    let (start, end) = match cursor {
        None => (0, size.min(seqs.len())),
        Some(Cursor::After(seq)) => {
            let start = seqs.iter().position(|s| *s < seq).unwrap_or(seqs.len());
            (start, start.saturating_add(size).min(seqs.len()))
        }
        Some(Cursor::Before(seq)) => {
            let end = seqs.iter().position(|s| *s <= seq).unwrap_or(seqs.len());
            (end.saturating_sub(size), end)
        }
    };
    let next = (end < seqs.len()).then(|| {
        let last = if end > start {
            seqs[end - 1]
        } else {
            seqs[end] + 1
        };
        Cursor::After(last)
    });
    let previous = (start > 0).then(|| {
        let first = if end > start {
            seqs[start]
        } else {
            seqs[start - 1].saturating_sub(1)
        };
        Cursor::Before(first)
    });
    CursorPage {
        start,
        end,
        next,
        previous,
    }
}

/// One numbered page: the range of items, and the numbers of its neighbours.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NumberedPage {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) next: Option<usize>,
    pub(crate) previous: Option<usize>,
}

/// The `limit` items of `len` from `offset` (past the end: none), as DRF's
/// `LimitOffsetPagination`: `next` and `previous` are offsets.
pub(crate) fn offset_page(len: usize, offset: usize, limit: usize) -> NumberedPage {
    let limit = limit.max(1);
    let start = offset.min(len);
    let end = start.saturating_add(limit).min(len);
    NumberedPage {
        start,
        end,
        next: (end < len).then_some(end),
        previous: (start > 0).then(|| start.saturating_sub(limit)),
    }
}

/// Page `page` (from 1) of `len` items; `None` for a page that does not exist ("Invalid page.").
/// Page 1 of an empty list exists.
pub(crate) fn numbered_page(len: usize, page: Option<&str>, size: usize) -> Option<NumberedPage> {
    let size = size.max(1);
    let page: usize = match page.map(str::trim) {
        None | Some("") => 1,
        Some("last") => len.div_ceil(size).max(1),
        Some(text) => text.parse().ok()?,
    };
    let pages = len.div_ceil(size).max(1);
    if page == 0 || page > pages {
        return None;
    }
    let start = (page - 1) * size;
    Some(NumberedPage {
        start,
        end: start.saturating_add(size).min(len),
        next: (page < pages).then_some(page + 1),
        previous: (page > 1).then(|| page - 1),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_junk() {
        for c in [Cursor::After(0), Cursor::After(1234567), Cursor::Before(42)] {
            assert_eq!(Cursor::decode(&c.encode()), Some(c));
        }
        for junk in ["", "!!", "abc", "bz0xMiZyPTI", "\u{1F600}"] {
            assert_eq!(Cursor::decode(junk), None, "{junk}");
        }
    }

    #[test]
    fn cursor_pages_walk_both_ways() {
        let seqs: Vec<u64> = (1..=7).rev().collect();
        let mut seen = Vec::new();
        let mut cursor = None;
        loop {
            let page = cursor_page(&seqs, cursor, 3);
            seen.extend_from_slice(&seqs[page.start..page.end]);
            match page.next {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        assert_eq!(seen, seqs);
        let back = cursor_page(&seqs, Some(Cursor::Before(4)), 3);
        assert_eq!(&seqs[back.start..back.end], &[7, 6, 5]);
        assert_eq!(back.previous, None);
    }

    #[test]
    fn offset_pages() {
        let p = offset_page(7, 3, 3);
        assert_eq!(
            (p.start, p.end, p.next, p.previous),
            (3, 6, Some(6), Some(0))
        );
        let p = offset_page(7, 6, 3);
        assert_eq!((p.start, p.end, p.next, p.previous), (6, 7, None, Some(3)));
        let p = offset_page(7, 99, 3);
        assert_eq!((p.start, p.end, p.next), (7, 7, None));
        assert_eq!(offset_page(0, 0, 0).end, 0);
    }

    #[test]
    fn numbered_pages() {
        assert_eq!(numbered_page(0, None, 10).map(|p| p.end), Some(0));
        assert!(numbered_page(25, Some("4"), 10).is_none());
        assert!(numbered_page(25, Some("x"), 10).is_none());
        let p = numbered_page(25, Some("3"), 10).expect("page 3");
        assert_eq!(
            (p.start, p.end, p.next, p.previous),
            (20, 25, None, Some(2))
        );
    }

    #[test]
    fn query_links_keep_filters() {
        let q = Query::parse(Some("keyword=a+b&cursor=x&pageSize=2"));
        assert_eq!(q.get("keyword"), Some("a b"));
        let link = q.link("http://h", "/p/", "cursor", Some("y"));
        assert_eq!(link, "http://h/p/?cursor=y&keyword=a%20b&pageSize=2");
        assert_eq!(q.page_size(10), 2);
    }
}
