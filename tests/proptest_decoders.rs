//! Property tests of every decoder of untrusted input: the completion stream decoder
//! (`maiagent::chatbot::completions::decode_events`), the response types (`serde_json::from_slice` into
//! `Message`, `MessagePage`, `Conversation`, `ConversationPage`, `ChatbotRecordPage`,
//! `Completion`) and the webhook decoder (`maiagent::webhook::decode`).
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
//! * Each event's data, plain or not (escapes, whitespace, other keys and value types, keys
//!   seen twice, ids as numbers and strings), decodes to what `serde_json` makes of it.
//! * Arbitrary JSON (numbers beyond 64 bits, deep nesting, the fields the types know with
//!   values of every type) and arbitrary bytes never make a response decoder panic.
//!
//! Case counts are kept modest so that the file runs in seconds in a debug build; set
//! `PROPTEST_CASES` for a longer run.

use bytes::Bytes;
use futures::executor::block_on;
use futures::{stream, StreamExt};
use maiagent::chatbot::completions::decode_events;
use maiagent::types::{
    ChatbotRecord, ChatbotRecordPage, Completion, Conversation, ConversationPage, Message,
    MessagePage,
};
use maiagent::Error;
use proptest::prelude::*;
use proptest::sample::Index;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

const MIB: usize = 1 << 20;

// ------------------------------------------------------------------------------------------
// Helpers
// ------------------------------------------------------------------------------------------

/// The decoder's output, comparable: each event, or the error's kind.
#[derive(Debug, Clone, PartialEq)]
enum Item {
    Event(Completion),
    TooLarge(usize),
    Truncated(usize),
    Invalid,
    Other(String),
}

fn item(r: Result<Completion, Error>) -> Item {
    match r {
        Ok(c) => Item::Event(c),
        Err(Error::EventTooLarge { limit }) => Item::TooLarge(limit),
        Err(Error::StreamTruncated { received }) => Item::Truncated(received),
        Err(Error::InvalidEvent { .. }) => Item::Invalid,
        Err(other) => Item::Other(other.to_string()),
    }
}

fn decode(chunks: Vec<Bytes>, limit: usize) -> Vec<Item> {
    let input = stream::iter(chunks.into_iter().map(Ok::<_, Error>));
    block_on(decode_events(input, limit).map(item).collect())
}

/// `cases` cases, or `PROPTEST_CASES` when it is set (for a longer run); failures are not
/// persisted to files (a failure worth keeping becomes a named test).
fn config(cases: u32) -> ProptestConfig {
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
fn cut_at(body: &[u8], cuts: &[Index]) -> Vec<Bytes> {
    let mut at: Vec<usize> = cuts.iter().map(|i| i.index(body.len() + 1)).collect();
    at.push(0);
    at.push(body.len());
    at.sort_unstable();
    at.dedup();
    at.windows(2)
        .map(|w| Bytes::copy_from_slice(&body[w[0]..w[1]]))
        .collect()
}

fn one_byte_chunks(body: &[u8]) -> Vec<Bytes> {
    body.iter()
        .map(|b| Bytes::copy_from_slice(std::slice::from_ref(b)))
        .collect()
}

/// Strategy: how to cut a body into chunks; `None` means one byte per chunk.
fn chunking() -> impl Strategy<Value = Option<Vec<Index>>> {
    prop_oneof![
        3 => prop::collection::vec(any::<Index>(), 0..24).prop_map(Some),
        1 => Just(None),
    ]
}

fn chunks(body: &[u8], how: &Option<Vec<Index>>) -> Vec<Bytes> {
    match how {
        Some(cuts) => cut_at(body, cuts),
        None => one_byte_chunks(body),
    }
}

// ------------------------------------------------------------------------------------------
// Valid streams
// ------------------------------------------------------------------------------------------

/// Text with multi-byte UTF-8, control characters and line breaks (which JSON escapes).
fn text() -> impl Strategy<Value = String> {
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

// ------------------------------------------------------------------------------------------
// Each event's data decodes as `serde_json` decodes it
// ------------------------------------------------------------------------------------------

/// A JSON value's text for one of the keys an event may have: strings plain or escaped (and
/// some with raw control characters, which JSON forbids), ids as strings and numbers, booleans,
/// and values of other types.
fn event_value() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => text().prop_map(|t| serde_json::to_string(&t).unwrap()),
        2 => prop::sample::select(vec![
            r#""c1""#, r#""c\u0031""#, r#""42""#, "42", "-7", "1e3", "null",
            r#""8e44604a-8278-4c96-96b5-3e5a0548d738""#, r#""對話ID""#,
            r#""a-conversation-id-longer-than-the-thirty-nine-inline-bytes""#,
            "true", "false", "tru", "falsey", "[]", "{}", r#"[{"id":"c1","url":"https://x"}]"#,
        ]).prop_map(str::to_string),
        1 => prop::collection::vec(
            prop_oneof![
                4 => prop::char::range('a', 'z'),
                1 => prop::sample::select(vec!['\t', '\0', '\u{1}', '\u{1f}', '\u{7f}', '中', '"', '\\']),
            ],
            0..8,
        ).prop_map(|cs| format!("\"{}\"", String::from_iter(cs))),
    ]
}

/// An event's data: a JSON object of known keys (in both spellings, some escaped) and unknown
/// ones, with or without whitespace, sometimes not an object at all.
fn event_data() -> impl Strategy<Value = String> {
    let key = prop::sample::select(vec![
        "conversationId",
        "conversation_id",
        "content",
        "done",
        "citations",
        "extra",
        "conversation\\u0049d",
        "cont\\u0065nt",
    ]);
    (
        prop::collection::vec((key, event_value()), 0..5),
        prop::sample::select(vec![("", ":", ","), (" ", ": ", ", "), ("", ":", " ,")]),
        prop::sample::select(vec!["", " ", "\t"]),
    )
        .prop_map(|(entries, (pad, colon, comma), end)| {
            let body: Vec<String> = entries
                .iter()
                .map(|(k, v)| format!("\"{k}\"{colon}{v}"))
                .collect();
            format!("{{{pad}{}{pad}}}{end}", body.join(comma))
        })
}

/// Data of the shape most events have (the known keys, each string, boolean or other value,
/// mostly without whitespace), with strings that hold raw control characters, quotes and
/// backslashes as often as not.
fn plain_data() -> impl Strategy<Value = String> {
    let key = prop::sample::select(vec!["conversationId", "conversation_id", "content", "done"]);
    let raw = prop::collection::vec(
        prop_oneof![
            6 => prop::char::range('a', 'z'),
            1 => prop::sample::select(vec!['\t', '\0', '\u{1}', '\u{1f}', '\u{7f}', '中', '"', '\\', ' ']),
        ],
        0..20,
    )
    .prop_map(|cs| format!("\"{}\"", String::from_iter(cs)));
    let value = prop_oneof![4 => raw, 2 => event_value()];
    (
        prop::collection::vec((key, value), 1..4),
        prop::sample::select(vec![",", ",", ",", " ,"]),
    )
        .prop_map(|(entries, comma)| {
            let body: Vec<String> = entries
                .iter()
                .map(|(k, v)| format!("\"{k}\":{v}"))
                .collect();
            format!("{{{}}}", body.join(comma))
        })
}

proptest! {
    #![proptest_config(config(400))]

    /// Whatever the data, the decoder's event (or error) is `serde_json`'s, and the id carried
    /// from event to event is the one each event sent.
    #[test]
    fn each_event_decodes_as_serde_json_decodes_its_data(
        datas in prop::collection::vec(prop_oneof![event_data(), plain_data()], 1..5),
        how in chunking(),
    ) {
        let mut body = String::new();
        let mut expected = Vec::new();
        let mut received = 0;
        let mut ended = false;
        for data in &datas {
            body.push_str(&format!("data: {data}\n\n"));
            if ended {
                continue;
            }
            match serde_json::from_str::<Completion>(data) {
                Ok(c) => {
                    received += 1;
                    ended = c.done;
                    expected.push(Item::Event(c));
                }
                Err(_) => {
                    expected.push(Item::Invalid);
                    ended = true;
                }
            }
        }
        if !ended {
            expected.push(Item::Truncated(received));
        }
        prop_assert_eq!(decode(chunks(body.as_bytes(), &how), MIB), expected);
    }
}

// ------------------------------------------------------------------------------------------
// Arbitrary JSON into the response decoders
// ------------------------------------------------------------------------------------------

/// The field names the response types know (both spellings), so that generated objects reach
/// into every field's decoder.
const KEYS: &[&str] = &[
    "id",
    "conversation",
    "conversationId",
    "conversation_id",
    "sender",
    "type",
    "content",
    "createdAt",
    "created_at",
    "updatedAt",
    "feedback",
    "attachments",
    "citations",
    "canvas",
    "contentPayload",
    "queryMetadata",
    "done",
    "count",
    "next",
    "previous",
    "results",
    "name",
    "avatar",
    "filename",
    "file",
    "url",
    "title",
    "inbox",
    "contact",
    "channelType",
    "unreadConversationsCount",
    "signAuth",
    "lastMessage",
    "lastMessageCreatedAt",
    "isRead",
    "score",
    "displayScore",
    "chatbotTextNode",
    "question",
    "answer",
    "answerTime",
    "feedbackType",
    "canvasType",
    "labels",
    "pages",
    "parser",
    "sourceId",
    "chatbot",
    "text",
];

/// A number as JSON text: small, large, beyond 64 bits, fractional, with exponents, negative zero.
fn number_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        any::<u64>().prop_map(|n| n.to_string()),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| serde_json::Number::from_f64(f).unwrap().to_string()),
        "[1-9][0-9]{19,80}".prop_map(|s| s),
        "-[1-9][0-9]{19,80}".prop_map(|s| s),
        Just("324816370485542537671391323877394598747".to_string()),
        Just("2.992461161002561e+38".to_string()),
        Just("1e400".to_string()),
        Just("-1e-400".to_string()),
        Just("-0".to_string()),
        Just("0.0000000000000000000000000001".to_string()),
        Just("1732495353000".to_string()),
    ]
}

fn string_text() -> impl Strategy<Value = String> {
    prop_oneof![
        text(),
        Just("1732495353000".to_string()),
        Just("2024-02-18T13:45:30.000Z".to_string()),
        Just("8e44604a-8278-4c96-96b5-3e5a0548d738".to_string()),
        Just("like".to_string()),
        Just("incoming".to_string()),
        Just("true".to_string()),
        Just("".to_string()),
        Just("9999-99-99T99:99:99Z".to_string()),
        Just("-99999999999999999999".to_string()),
    ]
    .prop_map(|s| serde_json::Value::String(s).to_string())
}

/// Arbitrary JSON as text, with numbers serde_json's `Value` could not hold.
fn json_text() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("null".to_string()),
        Just("true".to_string()),
        Just("false".to_string()),
        number_text(),
        string_text(),
    ];
    leaf.prop_recursive(5, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(|v| format!("[{}]", v.join(","))),
            prop::collection::vec(
                (
                    prop_oneof![
                        4 => prop::sample::select(KEYS).prop_map(str::to_string),
                        1 => text(),
                    ],
                    inner
                ),
                0..8
            )
            .prop_map(|fields| {
                let fields: Vec<String> = fields
                    .into_iter()
                    .map(|(k, v)| format!("{}:{v}", serde_json::Value::String(k)))
                    .collect();
                format!("{{{}}}", fields.join(","))
            }),
        ]
    })
}

/// A page (or object) whose known fields hold arbitrary JSON, so that decoding goes deep.
fn page_text() -> impl Strategy<Value = String> {
    (json_text(), json_text(), prop::collection::vec(json_text(), 0..4)).prop_map(
        |(count, next, results)| {
            format!(
                r#"{{"count":{count},"next":{next},"results":[{}],"id":{count},"sender":{next},"content":{next}}}"#,
                results.join(",")
            )
        },
    )
}

/// JSON equality, except that floating-point numbers may differ in their last bits: serde_json
/// (without its `float_roundtrip` feature) does not parse every decimal to the nearest `f64`, so
/// a float kept as a `Value` (in an open enum's `Unknown`) can drift by an ulp through a
/// re-encoding.
fn same(a: &serde_json::Value, b: &serde_json::Value) -> bool {
    use serde_json::Value;
    match (a, b) {
        (Value::Number(x), Value::Number(y)) if x.is_f64() || y.is_f64() => {
            let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
            x == y || (x - y).abs() <= 4.0 * f64::EPSILON * x.abs().max(y.abs())
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

/// Every response decoder on `bytes`: they may fail, never panic.
fn decode_all(bytes: &[u8]) {
    let _ = serde_json::from_slice::<Message>(bytes);
    let _ = serde_json::from_slice::<MessagePage>(bytes);
    let _ = serde_json::from_slice::<Conversation>(bytes);
    let _ = serde_json::from_slice::<ConversationPage>(bytes);
    let _ = serde_json::from_slice::<ChatbotRecord>(bytes);
    let _ = serde_json::from_slice::<ChatbotRecordPage>(bytes);
    let _ = serde_json::from_slice::<Completion>(bytes);
    if let Ok(message) = maiagent::webhook::decode(bytes) {
        // What decodes re-encodes, and decodes again to the same message.
        let again = serde_json::to_vec(&message).expect("a message encodes");
        let back = maiagent::webhook::decode(&again).expect("a re-encoded message decodes");
        let twice = serde_json::to_vec(&back).expect("a message encodes");
        if twice != again {
            // Only a float kept as a `Value` may differ (numbers kept as text, such as a
            // timestamp of `1e400`, come back verbatim).
            let a: serde_json::Value = serde_json::from_slice(&again).expect("JSON");
            let b: serde_json::Value = serde_json::from_slice(&twice).expect("JSON");
            assert!(same(&a, &b), "{a} != {b}");
        }
    }
}

proptest! {
    #![proptest_config(config(600))]

    #[test]
    fn arbitrary_json_never_panics_a_response_decoder(json in prop_oneof![json_text(), page_text()]) {
        decode_all(json.as_bytes());
        // A message inside a page, as `results` and as the webhook's `sender`.
        decode_all(format!(r#"{{"results":[{json}],"sender":{json},"id":{json}}}"#).as_bytes());
    }

    #[test]
    fn arbitrary_bytes_never_panic_a_response_decoder(
        bytes in prop_oneof![
            prop::collection::vec(any::<u8>(), 0..256),
            json_text().prop_flat_map(|t| {
                let len = t.len();
                (Just(t.into_bytes()), 0..=len, any::<u8>())
            })
            .prop_map(|(mut b, at, byte)| {
                // A valid document with one byte changed or the rest cut off.
                if at < b.len() && byte % 2 == 0 {
                    b[at] = byte;
                } else {
                    b.truncate(at);
                }
                b
            }),
        ]
    ) {
        decode_all(&bytes);
    }
}

/// Nesting far deeper than the recursion limit is an error, not a stack overflow.
#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    for open in ["[", "{\"results\":", "{\"sender\":", "{\"citations\":["] {
        let body = open.repeat(100_000);
        decode_all(body.as_bytes());
    }
    let mut body = String::new();
    for _ in 0..10_000 {
        body.push_str("{\"id\":");
    }
    body.push('1');
    for _ in 0..10_000 {
        body.push('}');
    }
    assert!(maiagent::webhook::decode(body.as_bytes()).is_err());
}
