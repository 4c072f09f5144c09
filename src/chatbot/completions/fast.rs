//! The shape nearly every stream event has, read in one pass without `serde_json`:
//! `{"conversationId":"…","content":"…","done":false}`. Anything else goes to `serde_json`.

/// The fields of a plain event, borrowed from its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct PlainEvent<'a> {
    /// `conversationId` (or `conversation_id`), a string.
    pub(super) conversation_id: Option<&'a str>,
    pub(super) content: Option<&'a str>,
    pub(super) done: bool,
}

/// `bytes`' fields, when it is a JSON object of `conversationId` (or `conversation_id`) and
/// `content` as strings and `done` as a boolean, each at most once and in any order, with no
/// whitespace between tokens and no escape in any string; `None` for any other text, which
/// `serde_json` decodes (or refuses) instead. The completion made of them is the one
/// `serde_json` gives for the same text (`tests/proptest_events.rs` checks it).
///
pub(super) fn plain_event(text: &str) -> Option<PlainEvent<'_>> {
    let bytes = text.as_bytes();
    if bytes.first() != Some(&b'{') {
        return None;
    }
    let (mut id, mut content, mut done) = (None, None, None);
    let mut at = 1;
    loop {
        let ((start, end), after) = plain_string(bytes, at)?;
        let key = bytes.get(start..end)?;
        if bytes.get(after) != Some(&b':') {
            return None;
        }
        at = after + 1;
        match key {
            b"content" if content.is_none() => {
                let (value, after) = plain_string(bytes, at)?;
                content = Some(value);
                at = after;
            }
            b"conversationId" | b"conversation_id" if id.is_none() => {
                let (value, after) = plain_string(bytes, at)?;
                id = Some(value);
                at = after;
            }
            b"done" if done.is_none() => {
                let rest = bytes.get(at..)?;
                let value = if rest.starts_with(b"false") {
                    false
                } else if rest.starts_with(b"true") {
                    true
                } else {
                    return None;
                };
                done = Some(value);
                at += if value { 4 } else { 5 };
            }
            // Another key, or a key seen twice (`serde_json` refuses that).
            _ => return None,
        }
        match bytes.get(at) {
            Some(b',') => at += 1,
            Some(b'}') if at + 1 == bytes.len() => break,
            _ => return None,
        }
    }
    // Quotes are ASCII: a string's contents start and end on character boundaries.
    let conversation_id = match id {
        Some((start, end)) => Some(text.get(start..end)?),
        None => None,
    };
    let content = match content {
        Some((start, end)) => Some(text.get(start..end)?),
        None => None,
    };
    Some(PlainEvent {
        conversation_id,
        content,
        done: done.unwrap_or_default(),
    })
}

/// The JSON string that starts at `at` (its opening quote), when it has no escape and no
/// control character (which JSON forbids): the range of its contents, and the position after its
/// closing quote.
fn plain_string(bytes: &[u8], at: usize) -> Option<((usize, usize), usize)> {
    if bytes.get(at) != Some(&b'"') {
        return None;
    }
    let start = at + 1;
    let end = start + special(bytes.get(start..)?)?;
    if bytes.get(end) != Some(&b'"') {
        return None;
    }
    Some(((start, end), end + 1))
}

const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);

/// The high bit of each byte of `word` that is below `n` (at least of the lowest such byte:
/// borrows may mark higher bytes too, which only the lowest match makes irrelevant).
fn below(word: u64, n: u8) -> u64 {
    word.wrapping_sub(ONES * u64::from(n)) & !word & HIGHS
}

/// The position of the first quote, backslash or control character of `bytes`, eight bytes at
/// a time.
fn special(bytes: &[u8]) -> Option<usize> {
    let mut words = bytes.chunks_exact(8);
    for (i, chunk) in words.by_ref().enumerate() {
        let mut le = [0u8; 8];
        le.copy_from_slice(chunk);
        let word = u64::from_le_bytes(le);
        let found = below(word ^ (ONES * u64::from(b'"')), 1)
            | below(word ^ (ONES * u64::from(b'\\')), 1)
            | below(word, 0x20);
        if found != 0 {
            return Some(i * 8 + found.trailing_zeros() as usize / 8);
        }
    }
    let rest = words.remainder();
    let tail = bytes.len() - rest.len();
    rest.iter()
        .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
        .map(|i| tail + i)
}
