//! Helpers of the property tests of the completion stream decoder and the response decoders
//! (`tests/proptest_*.rs`): the decoder's output as comparable items, chunkings, case counts
//! and text with every kind of character.

use bytes::Bytes;
use futures::executor::block_on;
use futures::{stream, StreamExt};
use maiagent::chatbot::completions::decode_events;
use maiagent::types::Completion;
use maiagent::Error;
use proptest::prelude::*;
use proptest::sample::Index;

pub const MIB: usize = 1 << 20;

/// The decoder's output, comparable: each event, or the error's kind.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    Event(Completion),
    TooLarge(usize),
    Truncated(usize),
    Invalid,
    Other(String),
}

pub fn item(r: Result<Completion, Error>) -> Item {
    match r {
        Ok(c) => Item::Event(c),
        Err(Error::EventTooLarge { limit }) => Item::TooLarge(limit),
        Err(Error::StreamTruncated { received }) => Item::Truncated(received),
        Err(Error::InvalidEvent { .. }) => Item::Invalid,
        Err(other) => Item::Other(other.to_string()),
    }
}

pub fn decode(chunks: Vec<Bytes>, limit: usize) -> Vec<Item> {
    let input = stream::iter(chunks.into_iter().map(Ok::<_, Error>));
    block_on(decode_events(input, limit).map(item).collect())
}

/// `cases` cases, or `PROPTEST_CASES` when it is set (for a longer run); failures are not
/// persisted to files (a failure worth keeping becomes a named test).
pub fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(cases),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// `body` cut at the given offsets (any order, duplicates and ends allowed).
pub fn cut_at(body: &[u8], cuts: &[Index]) -> Vec<Bytes> {
    let mut at: Vec<usize> = cuts.iter().map(|i| i.index(body.len() + 1)).collect();
    at.push(0);
    at.push(body.len());
    at.sort_unstable();
    at.dedup();
    at.windows(2)
        .map(|w| Bytes::copy_from_slice(&body[w[0]..w[1]]))
        .collect()
}

pub fn one_byte_chunks(body: &[u8]) -> Vec<Bytes> {
    body.iter()
        .map(|b| Bytes::copy_from_slice(std::slice::from_ref(b)))
        .collect()
}

/// Strategy: how to cut a body into chunks; `None` means one byte per chunk.
pub fn chunking() -> impl Strategy<Value = Option<Vec<Index>>> {
    prop_oneof![
        3 => prop::collection::vec(any::<Index>(), 0..24).prop_map(Some),
        1 => Just(None),
    ]
}

pub fn chunks(body: &[u8], how: &Option<Vec<Index>>) -> Vec<Bytes> {
    match how {
        Some(cuts) => cut_at(body, cuts),
        None => one_byte_chunks(body),
    }
}

/// Text with multi-byte UTF-8, control characters and line breaks (which JSON escapes).
pub fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            4 => prop::char::range('a', 'z'),
            2 => prop::sample::select(vec!['中', '文', 'é', '😀', '\u{2028}', '\u{FEFF}', 'ß', '𝄞']),
            1 => prop::sample::select(vec!['\n', '\r', '"', '\\', '\t', '\0', ' ']),
            1 => any::<char>(),
        ],
        0..24,
    )
    .prop_map(String::from_iter)
}
