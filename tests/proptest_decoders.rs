//! Property tests of the completion stream decoder
//! (`maiagent::chatbot::completions::decode_events`), which reads untrusted input:
//!
//! * A valid event stream, written with any mix of LF / CRLF / CR line endings, comments,
//!   `event:` / `id:` / `retry:` fields, multi-line data, multi-byte UTF-8 and blocks without
//!   data, decodes to the events it was written from, however it is cut into chunks (down to
//!   one byte per chunk); with the size limit at its largest block it passes whole, and one byte
//!   below it stops with `EventTooLarge` right after the events before that block.
//! * Arbitrary bytes, arbitrarily cut, never make the decoder panic; its output is always a
//!   well-formed stream (at most one error, last; at most one final event, last; one or the
//!   other ends it) and does not depend on the chunking; a long run of bytes without an event
//!   boundary ends in `EventTooLarge` after reading a bounded amount of input.
//!
//! `tests/proptest_events.rs` checks each event against `serde_json`, and
//! `tests/proptest_responses.rs` the response decoders. Case counts are kept modest so that the
//! file runs in seconds in a debug build; set `PROPTEST_CASES` for a longer run.

mod common;

use bytes::Bytes;
use common::decoders::{chunking, chunks, config, decode, item, text, Item, MIB};
use futures::executor::block_on;
use futures::{stream, StreamExt};
use maiagent::chatbot::completions::decode_events;
use maiagent::types::Completion;
use maiagent::Error;
use proptest::prelude::*;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

// ------------------------------------------------------------------------------------------
// Valid streams
// ------------------------------------------------------------------------------------------

/// Comment text and field values: no line breaks.
fn line_text() -> impl Strategy<Value = String> {
    text().prop_map(|t| t.replace(['\r', '\n'], " "))
}

fn conversation_id() -> impl Strategy<Value = Option<serde_json::Value>> {
    prop_oneof![
        Just(None),
        Just(Some(serde_json::json!(
            "8e44604a-8278-4c96-96b5-3e5a0548d738"
        ))),
        Just(Some(serde_json::json!(42))),
        Just(Some(serde_json::json!("對話ID"))),
    ]
}

/// One block of a stream: its lines (without endings), whether it carries an event, and the
/// event's JSON.
#[derive(Debug, Clone)]
enum Block {
    /// An event: a completion as JSON, written on one or several `data:` lines.
    Event {
        json: serde_json::Value,
        multiline: bool,
        space: bool,
        comment: Option<String>,
        fields: bool,
    },
    /// `data: [DONE]`.
    DoneMarker,
    /// A comment only.
    Comment(String),
    /// Fields but no data, or blank data: not an event.
    NoData { blank_data: bool },
}

impl Block {
    fn lines(&self) -> Vec<String> {
        match self {
            Block::Event {
                json,
                multiline,
                space,
                comment,
                fields,
            } => {
                let mut lines = Vec::new();
                if let Some(c) = comment {
                    lines.push(format!(":{c}"));
                }
                if *fields {
                    lines.push("event: delta".to_string());
                    lines.push("id: 7".to_string());
                }
                let text = if *multiline {
                    serde_json::to_string_pretty(json).unwrap()
                } else {
                    json.to_string()
                };
                let sep = if *space { "data: " } else { "data:" };
                lines.extend(text.split('\n').map(|l| format!("{sep}{l}")));
                if *fields {
                    lines.push("retry: 1000".to_string());
                }
                lines
            }
            Block::DoneMarker => vec!["data: [DONE]".to_string()],
            Block::Comment(c) => vec![format!(": {c}")],
            Block::NoData { blank_data } => {
                let mut lines = vec!["event: ping".to_string()];
                if *blank_data {
                    lines.push("data:   ".to_string());
                }
                lines
            }
        }
    }
}

fn event_block(done: bool) -> impl Strategy<Value = Block> {
    (
        text(),
        conversation_id(),
        any::<bool>(),
        any::<bool>(),
        prop::option::of(line_text()),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(
            move |(content, id, multiline, space, comment, fields, citations)| {
                let mut json = serde_json::json!({"content": content, "done": done});
                if let Some(id) = id {
                    json["conversationId"] = id;
                }
                if citations && done {
                    json["citations"] = serde_json::json!([{"id": "c1", "url": "https://x"}]);
                }
                if !done && fields {
                    // Unknown keys are ignored.
                    json["extra"] = serde_json::json!({"nested": [1, 2.5, null]});
                }
                Block::Event {
                    json,
                    multiline,
                    space,
                    comment,
                    fields,
                }
            },
        )
}

fn filler_block() -> impl Strategy<Value = Block> {
    prop_oneof![
        line_text().prop_map(Block::Comment),
        any::<bool>().prop_map(|blank_data| Block::NoData { blank_data }),
    ]
}

/// A whole valid stream: events and fillers, a final event (or the `[DONE]` marker), and
/// whatever may follow it.
fn stream_blocks() -> impl Strategy<Value = Vec<Block>> {
    (
        prop::collection::vec(
            prop_oneof![3 => event_block(false), 1 => filler_block()],
            0..8,
        ),
        prop_oneof![
            3 => event_block(true).prop_map(|b| vec![b]),
            1 => event_block(true).prop_map(|b| vec![b, Block::DoneMarker]),
            1 => Just(vec![Block::DoneMarker]),
        ],
        prop::collection::vec(prop_oneof![event_block(false), filler_block()], 0..3),
    )
        .prop_map(|(mut before, end, after)| {
            before.extend(end);
            before.extend(after);
            before
        })
}

#[derive(Debug, Clone, Copy)]
enum Ending {
    Lf,
    CrLf,
    Cr,
}

impl Ending {
    fn text(self) -> &'static str {
        match self {
            Ending::Lf => "\n",
            Ending::CrLf => "\r\n",
            Ending::Cr => "\r",
        }
    }
}

fn ending() -> impl Strategy<Value = Ending> {
    prop_oneof![Just(Ending::Lf), Just(Ending::CrLf), Just(Ending::Cr)]
}

/// A rendered stream: its bytes, the events expected from it, and the size of each block on
/// the wire (the decoder's measure: its lines, each line ending as one byte) with the number of
/// events before it.
struct Rendered {
    bytes: Vec<u8>,
    expected: Vec<Completion>,
    /// (wire size, events expected before the block, whether the block is at or before the
    /// final event).
    blocks: Vec<(usize, usize, bool)>,
}

fn render(blocks: &[Block], endings: &[Ending]) -> Rendered {
    let mut bytes = Vec::new();
    let mut expected = Vec::new();
    let mut sizes = Vec::new();
    let mut endings = endings.iter().copied().cycle();
    let mut last_id = None;
    let mut finished = false;
    for block in blocks {
        let lines = block.lines();
        let size: usize = lines.iter().map(|l| l.len() + 1).sum();
        sizes.push((size, expected.len(), !finished));
        let mut previous = Ending::Lf;
        for line in &lines {
            previous = endings.next().unwrap_or(Ending::Lf);
            bytes.extend_from_slice(line.as_bytes());
            bytes.extend_from_slice(previous.text().as_bytes());
        }
        // The blank line: after a bare CR, an LF would only complete a CRLF.
        let blank = match (previous, endings.next().unwrap_or(Ending::Lf)) {
            (Ending::Cr, Ending::Lf) => Ending::CrLf,
            (_, e) => e,
        };
        bytes.extend_from_slice(blank.text().as_bytes());
        if finished {
            continue;
        }
        match block {
            Block::Event { json, .. } => {
                let c: Completion = serde_json::from_value(json.clone()).expect("a completion");
                if c.conversation_id.is_some() {
                    last_id = c.conversation_id.clone();
                }
                finished = c.done;
                expected.push(c);
            }
            Block::DoneMarker => {
                expected.push(Completion {
                    conversation_id: last_id.clone(),
                    done: true,
                    ..Completion::default()
                });
                finished = true;
            }
            Block::Comment(_) | Block::NoData { .. } => {}
        }
    }
    Rendered {
        bytes,
        expected,
        blocks: sizes,
    }
}

proptest! {
    #![proptest_config(config(160))]

    /// Any chunking of a valid stream gives the events it was written from, exactly as one
    /// chunk does.
    #[test]
    fn any_chunking_of_a_valid_stream_gives_the_same_events(
        blocks in stream_blocks(),
        endings in prop::collection::vec(ending(), 1..8),
        how in chunking(),
    ) {
        let r = render(&blocks, &endings);
        let expected: Vec<Item> = r.expected.iter().cloned().map(Item::Event).collect();
        let whole = decode(vec![Bytes::from(r.bytes.clone())], MIB);
        prop_assert_eq!(&whole, &expected);
        let cut = decode(chunks(&r.bytes, &how), MIB);
        prop_assert_eq!(&cut, &expected);
    }

    /// The size limit is exact, and its failure comes right after the events before the block
    /// that exceeds it, whatever the chunking.
    #[test]
    fn the_size_limit_is_exact_under_any_chunking(
        blocks in stream_blocks(),
        endings in prop::collection::vec(ending(), 1..8),
        how in chunking(),
    ) {
        let r = render(&blocks, &endings);
        let counted: Vec<&(usize, usize, bool)> = r.blocks.iter().filter(|b| b.2).collect();
        let largest = counted.iter().map(|b| b.0).max().unwrap_or(0);
        let all: Vec<Item> = r.expected.iter().cloned().map(Item::Event).collect();
        prop_assert_eq!(decode(chunks(&r.bytes, &how), largest), all);

        let limit = largest - 1;
        let (_, before, _) = counted.iter().find(|b| b.0 > limit).expect("the largest block");
        let mut expected: Vec<Item> = r.expected[..*before].iter().cloned().map(Item::Event).collect();
        expected.push(Item::TooLarge(limit));
        prop_assert_eq!(decode(chunks(&r.bytes, &how), limit), expected);
    }
}

// ------------------------------------------------------------------------------------------
// Arbitrary input to the stream decoder
// ------------------------------------------------------------------------------------------

/// Bytes that look like an event stream often enough to reach every state of the decoder.
fn sse_soup() -> impl Strategy<Value = Vec<u8>> {
    let token = prop_oneof![
        Just(b"data:".to_vec()),
        Just(b"data: ".to_vec()),
        Just(b"\n".to_vec()),
        Just(b"\r".to_vec()),
        Just(b"\r\n".to_vec()),
        Just(b"\n\n".to_vec()),
        Just(b":".to_vec()),
        Just(b"event: x".to_vec()),
        Just(b"id: 1".to_vec()),
        Just(b"retry: 5".to_vec()),
        Just(b"[DONE]".to_vec()),
        Just(br#"{"content":"a","done":false}"#.to_vec()),
        Just(br#"{"content":"b","done":true,"conversationId":7}"#.to_vec()),
        Just(br#"{"content":1}"#.to_vec()),
        Just(b"{".to_vec()),
        Just("中".as_bytes().to_vec()),
        Just(vec![0xE4, 0xB8]),
        Just(vec![0xFF]),
        Just(vec![0]),
        prop::collection::vec(any::<u8>(), 0..16),
    ];
    prop::collection::vec(token, 0..48).prop_map(|t| t.concat())
}

/// The output is a well-formed stream: items, then one final event or one error, and nothing
/// after it.
fn check_well_formed(items: &[Item], limit: usize) -> Result<(), TestCaseError> {
    let Some((last, rest)) = items.split_last() else {
        return Err(TestCaseError::fail(
            "the stream ended without a final event or an error",
        ));
    };
    for i in rest {
        match i {
            Item::Event(c) => prop_assert!(!c.done, "a final event before the end: {:?}", items),
            other => prop_assert!(false, "an error before the end: {:?}", other),
        }
    }
    match last {
        Item::Event(c) => prop_assert!(c.done, "the last event is not final: {:?}", items),
        Item::TooLarge(l) => prop_assert_eq!(*l, limit),
        Item::Truncated(received) => {
            // Only the events decoded from data count; a final one never came.
            prop_assert!(*received <= rest.len());
        }
        Item::Invalid => {}
        Item::Other(e) => prop_assert!(false, "an unexpected error: {}", e),
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(400))]

    /// Arbitrary bytes, arbitrarily cut: no panic, a well-formed output, bounded by the input,
    /// the same for every chunking.
    #[test]
    fn arbitrary_bytes_never_panic_and_end_well(
        bytes in prop_oneof![sse_soup(), prop::collection::vec(any::<u8>(), 0..512)],
        how in chunking(),
        limit in prop_oneof![Just(16usize), Just(64), Just(4096), Just(MIB)],
    ) {
        let whole = decode(vec![Bytes::from(bytes.clone())], limit);
        check_well_formed(&whole, limit)?;
        let breaks = bytes.iter().filter(|b| matches!(b, b'\n' | b'\r')).count();
        prop_assert!(whole.len() <= breaks + 1, "more events than line breaks");
        let cut = decode(chunks(&bytes, &how), limit);
        check_well_formed(&cut, limit)?;
        prop_assert_eq!(cut, whole);
    }

    /// More bytes without an event boundary than the limit allows: `EventTooLarge`, after the
    /// events before them, under any chunking.
    #[test]
    fn a_long_run_without_a_boundary_is_too_large(
        prefix_events in 0usize..4,
        run in prop::collection::vec(
            prop_oneof![
                8 => any::<char>().prop_filter("no line break", |c| !matches!(c, '\n' | '\r')),
                1 => prop::sample::select(vec!['\n', '\r']),
            ],
            120..400,
        ),
        how in chunking(),
    ) {
        let limit = 64;
        let mut bytes = Vec::new();
        for _ in 0..prefix_events {
            bytes.extend_from_slice(b"data: {\"content\":\"x\"}\n\n");
        }
        // Single line breaks keep the run one block: no blank line anywhere in it (at worst
        // `\r\n` and one other character, 3 bytes counted as 2: over the limit all the same).
        let mut previous = '\n';
        let mut text = String::new();
        for c in run {
            let blank = matches!(c, '\n' | '\r') && matches!(previous, '\n' | '\r');
            let c = if blank { 'y' } else { c };
            text.push(c);
            previous = c;
        }
        bytes.extend_from_slice(text.as_bytes());
        let items = decode(chunks(&bytes, &how), limit);
        prop_assert_eq!(items.len(), prefix_events + 1, "{:?}", items);
        prop_assert_eq!(items.last(), Some(&Item::TooLarge(limit)));
    }
}

/// An input stream of `chunk`-byte pieces with no line break at all, counting what was pulled.
fn endless(
    chunk: usize,
    pulled: Arc<AtomicUsize>,
) -> impl futures::Stream<Item = Result<Bytes, Error>> {
    let piece = Bytes::from(vec![b'a'; chunk]);
    stream::repeat(piece).map(move |b| {
        pulled.fetch_add(b.len(), Ordering::Relaxed);
        Ok(b)
    })
}

#[test]
fn one_mib_without_a_line_break_is_too_large_at_4_kib() {
    let limit = 4096;
    let mut body = b"data: ".to_vec();
    body.resize(MIB, b'x');
    for how in [
        vec![Bytes::from(body.clone())],
        cut_every(&body, 1000),
        cut_every(&body, 1),
    ] {
        assert_eq!(decode(how, limit), vec![Item::TooLarge(limit)]);
    }
    // Lines without a blank line between them count as one event, too.
    let lines = b"data: 0123456789abcdef\n".repeat(MIB / 23);
    assert_eq!(
        decode(cut_every(&lines, 4096), limit),
        vec![Item::TooLarge(limit)]
    );
    // After valid events, those come first.
    let mut mixed = b"data: {\"content\":\"a\"}\r\n\r\n".to_vec();
    mixed.extend_from_slice(&body);
    let items = decode(cut_every(&mixed, 777), limit);
    assert!(matches!(&items[..], [Item::Event(c), Item::TooLarge(4096)] if c.content == "a"));
}

#[test]
fn endless_input_without_a_boundary_stops_after_a_bounded_read() {
    for (limit, chunk) in [(4096, 1024), (4096, 1), (MIB, 64 * 1024), (16, 7)] {
        let pulled = Arc::new(AtomicUsize::new(0));
        let items: Vec<Item> = block_on(
            decode_events(endless(chunk, pulled.clone()), limit)
                .map(item)
                .collect(),
        );
        assert_eq!(items, vec![Item::TooLarge(limit)]);
        // The decoder stops within one chunk of the limit: it never buffers more.
        let read = pulled.load(Ordering::Relaxed);
        assert!(
            read <= limit + 2 * chunk,
            "read {read} bytes for a limit of {limit} in chunks of {chunk}"
        );
    }
}

fn cut_every(body: &[u8], n: usize) -> Vec<Bytes> {
    body.chunks(n).map(Bytes::copy_from_slice).collect()
}
