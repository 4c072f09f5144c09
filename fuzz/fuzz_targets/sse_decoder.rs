//! The completion stream decoder on arbitrary bytes, cut into chunks as the first input byte
//! says. Besides not panicking, the output must be a well-formed stream (events, then exactly
//! one final event or one error) and must not depend on the chunking.
#![no_main]

use bytes::Bytes;
use futures::executor::block_on;
use futures::{stream, StreamExt};
use libfuzzer_sys::fuzz_target;
use maiagent::chatbot::completions::decode_events;
use maiagent::types::Completion;
use maiagent::Error;

/// The decoder's output, comparable.
#[derive(Debug, PartialEq)]
enum Item {
    Event(Completion),
    TooLarge(usize),
    Truncated(usize),
    Invalid,
    Other(String),
}

fn decode(chunks: Vec<Bytes>, limit: usize) -> Vec<Item> {
    let input = stream::iter(chunks.into_iter().map(Ok::<_, Error>));
    block_on(
        decode_events(input, limit)
            .map(|r| match r {
                Ok(c) => Item::Event(c),
                Err(Error::EventTooLarge { limit }) => Item::TooLarge(limit),
                Err(Error::StreamTruncated { received }) => Item::Truncated(received),
                Err(Error::InvalidEvent { .. }) => Item::Invalid,
                Err(other) => Item::Other(other.to_string()),
            })
            .collect(),
    )
}

/// `body` in chunks: all of `size` bytes, or of sizes from 1 to `size` varying by a small
/// generator seeded with `seed`.
fn chunks(body: &[u8], size: usize, varying: bool, seed: u8) -> Vec<Bytes> {
    let mut out = Vec::new();
    let mut state = u32::from(seed) | 1;
    let mut at = 0;
    while at < body.len() {
        let n = if varying {
            state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            (state >> 16) as usize % size + 1
        } else {
            size
        };
        let end = (at + n).min(body.len());
        out.push(Bytes::copy_from_slice(&body[at..end]));
        at = end;
    }
    out
}

fn check_well_formed(items: &[Item], limit: usize) {
    let (last, rest) = items
        .split_last()
        .expect("the stream ends with a final event or an error");
    for item in rest {
        match item {
            Item::Event(c) => assert!(!c.done, "a final event before the end: {items:?}"),
            other => panic!("an error before the end: {other:?}"),
        }
    }
    match last {
        Item::Event(c) => assert!(c.done, "the last event is not final: {items:?}"),
        Item::TooLarge(l) => assert_eq!(*l, limit),
        Item::Truncated(received) => assert!(*received <= rest.len()),
        Item::Invalid => {}
        Item::Other(e) => panic!("an unexpected error: {e}"),
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&control, body)) = data.split_first() else {
        return;
    };
    // The first byte: the chunk size (its low 6 bits, plus one), whether chunk sizes vary, and
    // the event size limit (64 bytes or 1 MiB).
    let size = usize::from(control & 0x3f) + 1;
    let varying = control & 0x40 != 0;
    let limit = if control & 0x80 != 0 { 64 } else { 1 << 20 };

    let cut = decode(chunks(body, size, varying, control), limit);
    check_well_formed(&cut, limit);
    let whole = decode(vec![Bytes::copy_from_slice(body)], limit);
    assert_eq!(cut, whole, "the chunking changed the output");
});
