//! File names from `Content-Disposition` (plain `filename=` and RFC 5987 `filename*=`), made
//! safe to use as a bare file name.

use percent_encoding::percent_decode;

/// The longest file name [`Export::file_name`](super::Export::file_name) returns, in bytes.
const MAX_FILE_NAME: usize = 255;

/// The file name of a `Content-Disposition` value: `filename*` (RFC 5987/6266) wins over
/// `filename`; the result is sanitized with [`sanitize_file_name`].
pub(crate) fn content_disposition_file_name(value: &[u8]) -> Option<String> {
    // Header values are bytes; some servers send raw UTF-8 in `filename`.
    let text = String::from_utf8_lossy(value);
    let mut plain = None;
    let mut extended = None;
    for (name, value) in disposition_params(&text) {
        if name.eq_ignore_ascii_case("filename*") {
            if extended.is_none() {
                extended = decode_ext_value(&value);
            }
        } else if name.eq_ignore_ascii_case("filename") && plain.is_none() {
            plain = Some(value);
        }
    }
    extended
        .and_then(|n| sanitize_file_name(&n))
        .or_else(|| plain.and_then(|n| sanitize_file_name(&n)))
}

/// The `name=value` parameters after the disposition type, with quoted values unquoted.
fn disposition_params(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    // The disposition type (`attachment`, `inline`).
    for c in chars.by_ref() {
        if c == ';' {
            break;
        }
    }
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace() || *c == ';') {
            chars.next();
        }
        if chars.peek().is_none() {
            break;
        }
        let mut name = String::new();
        while let Some(&c) = chars.peek() {
            if c == '=' || c == ';' {
                break;
            }
            name.push(c);
            chars.next();
        }
        if chars.next() != Some('=') {
            continue;
        }
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let mut value = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            while let Some(c) = chars.next() {
                match c {
                    '"' => break,
                    '\\' => {
                        if let Some(escaped) = chars.next() {
                            value.push(escaped);
                        }
                    }
                    c => value.push(c),
                }
            }
            // Skip anything between the closing quote and the next `;`.
            while chars.peek().is_some_and(|c| *c != ';') {
                chars.next();
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c == ';' {
                    break;
                }
                value.push(c);
                chars.next();
            }
            value = value.trim().to_string();
        }
        out.push((name.trim().to_string(), value));
    }
    out
}

/// Decodes an RFC 5987 value, `charset'language'percent-encoded`.
fn decode_ext_value(value: &str) -> Option<String> {
    let mut parts = value.splitn(3, '\'');
    let (charset, encoded) = match (parts.next(), parts.next(), parts.next()) {
        (Some(charset), Some(_language), Some(encoded)) => (charset, encoded),
        // Not the RFC's form: take it as percent-encoded UTF-8.
        _ => ("utf-8", value),
    };
    let bytes: Vec<u8> = percent_decode(encoded.trim().as_bytes()).collect();
    let name = if charset.trim().eq_ignore_ascii_case("iso-8859-1") {
        bytes.iter().map(|&b| char::from(b)).collect()
    } else {
        String::from_utf8_lossy(&bytes).into_owned()
    };
    (!name.is_empty()).then_some(name)
}

/// A bare, harmless file name: the last path component, without control characters, leading
/// dots or trailing dots and spaces, with `<>:"|?*` replaced by `_`, at most 255 bytes (the
/// extension is kept when the name is cut). `None` when nothing is left.
pub(crate) fn sanitize_file_name(name: &str) -> Option<String> {
    let last = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control())
        .map(|c| match c {
            '<' | '>' | ':' | '"' | '|' | '?' | '*' => '_',
            c => c,
        })
        .collect();
    let cleaned = cleaned
        .trim_start_matches(dot_or_space)
        .trim_end_matches(dot_or_space);
    if cleaned.is_empty() {
        return None;
    }
    if cleaned.len() <= MAX_FILE_NAME {
        return Some(cleaned.to_string());
    }
    let (stem, ext) = match cleaned.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() && ext.len() <= 16 => (stem, format!(".{ext}")),
        _ => (cleaned, String::new()),
    };
    let mut cut = MAX_FILE_NAME - ext.len();
    while !stem.is_char_boundary(cut.min(stem.len())) {
        cut -= 1;
    }
    // Cutting may leave a dot or a space at the end; the name must not end with one.
    let stem = stem.get(..cut.min(stem.len())).unwrap_or_default();
    Some(format!("{}{ext}", stem.trim_end_matches(dot_or_space)))
}

fn dot_or_space(c: char) -> bool {
    c == '.' || c.is_whitespace()
}

#[cfg(test)]
mod tests {
    use super::{content_disposition_file_name as name, sanitize_file_name};

    #[test]
    fn no_name_ends_with_a_dot_or_a_space_even_when_cut() {
        // Found by the `header_parsers` fuzz target: a long name cut just after a space.
        let long = format!("{} Fri, 31 Dec", "r".repeat(249));
        let cut = sanitize_file_name(&long).unwrap();
        assert_eq!(cut, format!("{} Fri,", "r".repeat(249)));
        assert_eq!(sanitize_file_name("a.\u{3000}").as_deref(), Some("a"));
        assert_eq!(sanitize_file_name(". .a").as_deref(), Some("a"));
    }

    #[test]
    fn content_disposition_names() {
        let n = |v: &str| name(v.as_bytes());
        assert_eq!(
            n(r#"attachment; filename="records.xlsx""#).as_deref(),
            Some("records.xlsx")
        );
        assert_eq!(
            n("attachment; filename=records.xlsx").as_deref(),
            Some("records.xlsx")
        );
        assert_eq!(
            n("attachment;filename=records.xlsx ; size=3").as_deref(),
            Some("records.xlsx")
        );
        assert_eq!(
            n(r#"attachment; FILENAME="a \"b\".xlsx""#).as_deref(),
            Some("a _b_.xlsx")
        );
        assert_eq!(
            n(r#"attachment; filename="a;b.xlsx"; creation-date="x""#).as_deref(),
            Some("a;b.xlsx")
        );
        // filename* wins, before or after filename.
        let chinese = "attachment; filename=\"fallback.xlsx\"; \
                       filename*=UTF-8''%E5%B0%8D%E8%A9%B1%E7%B4%80%E9%8C%84.xlsx";
        assert_eq!(n(chinese).as_deref(), Some("對話紀錄.xlsx"));
        assert_eq!(
            n("attachment; filename*=utf-8'zh-TW'%E7%B4%80.xlsx; filename=x.xlsx").as_deref(),
            Some("紀.xlsx")
        );
        assert_eq!(
            n("attachment; filename*=iso-8859-1'en'%E9t%E9.xlsx").as_deref(),
            Some("été.xlsx")
        );
        assert_eq!(
            n("attachment; filename*=\"UTF-8''quoted.xlsx\"").as_deref(),
            Some("quoted.xlsx")
        );
        // Raw UTF-8 bytes in a plain filename.
        assert_eq!(
            n("attachment; filename=\"紀錄.xlsx\"").as_deref(),
            Some("紀錄.xlsx")
        );
        // Path components are removed.
        assert_eq!(
            n("attachment; filename=\"../../etc/passwd\"").as_deref(),
            Some("passwd")
        );
        assert_eq!(
            n(r#"attachment; filename="..\..\win.ini""#).as_deref(),
            Some("win.ini")
        );
        assert_eq!(
            n("attachment; filename*=UTF-8''..%2F..%2F.bashrc").as_deref(),
            Some("bashrc")
        );
        // Nothing usable.
        assert_eq!(n("attachment"), None);
        assert_eq!(n("inline; filename=\"\""), None);
        assert_eq!(n("attachment; filename=\"..\""), None);
        assert_eq!(n("attachment; filename=\"dir/\""), None);
    }

    #[test]
    fn long_names_are_cut_keeping_the_extension() {
        let long = format!("{}.xlsx", "紀".repeat(200));
        let cut = sanitize_file_name(&long).unwrap();
        assert!(cut.len() <= 255, "{}", cut.len());
        assert!(cut.ends_with("紀.xlsx"));
        assert_eq!(
            sanitize_file_name("a\u{0}b\nc.xlsx").as_deref(),
            Some("abc.xlsx")
        );
        assert_eq!(sanitize_file_name("  x.xlsx. ").as_deref(), Some("x.xlsx"));
        assert_eq!(
            sanitize_file_name("C:report?.xlsx").as_deref(),
            Some("C_report_.xlsx")
        );
    }
}
