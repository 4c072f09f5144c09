//! The stream decoder on in-memory input: any chunking gives the same events, and its limits.

use bytes::Bytes;
use futures::executor::block_on;
use futures::{stream, Stream, StreamExt};
use maiagent::chatbot::completions::decode_events;
use maiagent::types::Completion;
use maiagent::Error;
use proptest::prelude::*;
use std::time::Duration;

const MIB: usize = 1 << 20;

fn decode(chunks: Vec<Bytes>, limit: usize) -> Vec<Result<Completion, Error>> {
    let input = stream::iter(chunks.into_iter().map(Ok));
    block_on(decode_events(input, limit).collect())
}

fn decode_stream<S>(input: S, limit: usize) -> Vec<Result<Completion, Error>>
where
    S: Stream<Item = Result<Bytes, Error>> + Send + 'static,
{
    block_on(decode_events(input, limit).collect())
}

/// An event as (content, done, conversation id), or the error's text.
type Summary = Result<(String, bool, Option<String>), String>;

/// Events as comparable tuples.
fn summary(items: &[Result<Completion, Error>]) -> Vec<Summary> {
    items
        .iter()
        .map(|item| match item {
            Ok(c) => Ok((
                c.content.clone(),
                c.done,
                c.conversation_id.as_ref().map(|id| id.to_string()),
            )),
            Err(e) => Err(e.to_string()),
        })
        .collect()
}

/// One SSE body: `events` contents (the last one final), with the given line ending, optional
/// comments and fields, and each JSON spread over several `data:` lines when `multiline`.
fn body(
    events: &[String],
    ending: &str,
    extras: bool,
    multiline: bool,
    done_marker: bool,
) -> String {
    let mut out = String::new();
    for (i, content) in events.iter().enumerate() {
        let done = i + 1 == events.len();
        let json = serde_json::json!({"conversationId": "c1", "content": content, "done": done});
        if extras {
            out.push_str(&format!(
                ": keep-alive {i}{ending}{ending}event: delta{ending}id: {i}{ending}"
            ));
        }
        let text = if multiline {
            serde_json::to_string_pretty(&json).unwrap()
        } else {
            json.to_string()
        };
        for line in text.lines() {
            out.push_str(&format!("data: {line}{ending}"));
        }
        out.push_str(ending);
    }
    if done_marker {
        out.push_str(&format!("data: [DONE]{ending}{ending}"));
    }
    out
}

fn cut(body: &[u8], sizes: &[usize]) -> Vec<Bytes> {
    let mut chunks = Vec::new();
    let (mut at, mut i) = (0, 0);
    while at < body.len() {
        let size = if sizes.is_empty() {
            body.len()
        } else {
            sizes[i % sizes.len()]
        };
        let end = (at + size).min(body.len());
        chunks.push(Bytes::copy_from_slice(&body[at..end]));
        (at, i) = (end, i + 1);
    }
    chunks
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_chunking_yields_the_same_events(
        events in prop::collection::vec("[a-z 你好🙂é\\n\"\\\\]{0,12}", 1..8),
        ending in prop::sample::select(vec!["\n", "\r\n", "\r"]),
        extras in any::<bool>(),
        multiline in any::<bool>(),
        done_marker in any::<bool>(),
        sizes in prop::collection::vec(1usize..48, 0..12),
    ) {
        let body = body(&events, ending, extras, multiline, done_marker);
        let whole = decode(vec![Bytes::from(body.clone())], MIB);
        let chunked = decode(cut(body.as_bytes(), &sizes), MIB);
        let one_byte = decode(cut(body.as_bytes(), &[1]), MIB);
        let expected: Vec<_> = events
            .iter()
            .enumerate()
            .map(|(i, c)| Ok((c.clone(), i + 1 == events.len(), Some("c1".to_string()))))
            .collect();
        prop_assert_eq!(summary(&whole), expected);
        prop_assert_eq!(summary(&chunked), summary(&whole));
        prop_assert_eq!(summary(&one_byte), summary(&whole));
    }
}

#[test]
fn a_final_event_without_its_blank_line_is_truncated() {
    let body =
        "data: {\"content\":\"a\",\"done\":false}\n\ndata: {\"content\":\"b\",\"done\":true}\n";
    let items = decode(vec![Bytes::from(body)], MIB);
    assert_eq!(items[0].as_ref().unwrap().content, "a");
    assert!(
        matches!(items[1], Err(Error::StreamTruncated { received: 1 })),
        "{items:?}"
    );
    assert_eq!(items.len(), 2);
    let items = decode(Vec::new(), MIB);
    assert!(matches!(
        items[..],
        [Err(Error::StreamTruncated { received: 0 })]
    ));
}

#[test]
fn the_size_limit_counts_an_event_on_the_wire() {
    let line = "data: {\"content\":\"x\",\"done\":true}";
    let body = format!("{line}\n\n");
    // The line and its line ending: exactly at the limit passes, one byte over fails.
    let ok = decode(vec![Bytes::from(body.clone())], line.len() + 1);
    assert!(ok[0].as_ref().unwrap().done);
    let too_big = decode(cut(body.as_bytes(), &[3]), line.len());
    assert!(
        matches!(too_big[..], [Err(Error::EventTooLarge { .. })]),
        "{too_big:?}"
    );
}

#[test]
fn memory_stays_bounded_on_endless_input_without_an_event_boundary() {
    let no_newline = stream::repeat_with(|| Ok(Bytes::from_static(&[b'a'; 1024])));
    let items = decode_stream(no_newline, 64 * 1024);
    assert!(matches!(
        items[..],
        [Err(Error::EventTooLarge { limit: 65536 })]
    ));

    let endless_event =
        stream::repeat_with(|| Ok(Bytes::from_static(b"data: {\"content\":\"x\"}\n")));
    let items = decode_stream(endless_event, 64 * 1024);
    assert!(matches!(items[..], [Err(Error::EventTooLarge { .. })]));
}

#[test]
fn what_follows_the_final_event_is_read_only_up_to_a_bound() {
    let done = stream::once(async {
        Ok(Bytes::from_static(
            b"data: {\"content\":\"a\",\"done\":true}\n\n",
        ))
    });
    let endless_tail = stream::repeat_with(|| Ok(Bytes::from_static(b": tail\n\ndata: {}\n\n")));
    let items = decode_stream(done.chain(endless_tail), MIB);
    assert_eq!(items.len(), 1);
    assert!(items[0].as_ref().unwrap().done);
}

#[test]
fn an_input_error_is_passed_through_and_ends_the_stream() {
    let input = stream::iter(vec![
        Ok(Bytes::from_static(b"data: {\"content\":\"a\"}\n\n")),
        Err(Error::IdleTimeout {
            after: Duration::from_secs(1),
        }),
        Ok(Bytes::from_static(
            b"data: {\"content\":\"b\",\"done\":true}\n\n",
        )),
    ]);
    let items = decode_stream(input, MIB);
    assert_eq!(items.len(), 2);
    assert!(matches!(items[1], Err(Error::IdleTimeout { .. })));
}

#[test]
fn invalid_data_keeps_at_most_64_kib() {
    let data = "x".repeat(100_000);
    let items = decode(vec![Bytes::from(format!("data: {data}\n\n"))], MIB);
    match &items[..] {
        [Err(Error::InvalidEvent { data, .. })] => assert_eq!(data.len(), 64 * 1024),
        other => panic!("{other:?}"),
    }
    let items = decode(vec![Bytes::from_static(b"data: \xff\xfe\n\n")], MIB);
    assert!(
        matches!(items[..], [Err(Error::InvalidEvent { .. })]),
        "{items:?}"
    );
}

/// A stream with every kind of line: a byte order mark, CRLF and CR endings, a comment, fields,
/// multi-line data, a bare `data` field, a multi-byte character, `[DONE]` after the final event.
const EVERY_KIND: &str =
    "\u{FEFF}: hi\r\n\r\nevent: delta\rid: 1\rdata: {\"conversationId\":\"c1\",\r\
                          data: \"content\":\"你好\"}\r\r\
                          data\ndata: {\"content\":\"a\\nb\",\"done\":false}\n\n\
                          data: {\"content\":\"é\",\"done\":true}\r\n\r\ndata: [DONE]\n\n";

#[test]
fn a_stream_cut_at_every_offset_decodes_the_same() {
    let body = EVERY_KIND.as_bytes();
    let whole = summary(&decode(vec![Bytes::from_static(body)], MIB));
    assert_eq!(
        whole,
        [
            Ok(("你好".to_string(), false, Some("c1".to_string()))),
            Ok(("a\nb".to_string(), false, None)),
            Ok(("é".to_string(), true, None)),
        ]
    );
    for i in 0..=body.len() {
        let two = vec![
            Bytes::copy_from_slice(&body[..i]),
            Bytes::copy_from_slice(&body[i..]),
        ];
        assert_eq!(summary(&decode(two, MIB)), whole, "cut at {i}");
        for j in i..=body.len() {
            let three = vec![
                Bytes::copy_from_slice(&body[..i]),
                Bytes::copy_from_slice(&body[i..j]),
                Bytes::copy_from_slice(&body[j..]),
            ];
            assert_eq!(summary(&decode(three, MIB)), whole, "cut at {i} and {j}");
        }
    }
}

#[test]
fn one_event_cut_at_every_offset_is_one_event_at_the_exact_limit() {
    let line = "data: {\"conversationId\":\"8e44604a-8278-4c96-96b5-3e5a0548d738\",\"content\":\"這是abc\",\"done\":true}";
    let body = format!("{line}\r\n\r\n");
    let exact = line.len() + 1;
    for i in 0..=body.len() {
        let chunks = vec![
            Bytes::copy_from_slice(&body.as_bytes()[..i]),
            Bytes::copy_from_slice(&body.as_bytes()[i..]),
        ];
        let items = decode(chunks.clone(), exact);
        assert_eq!(items.len(), 1, "cut at {i}: {items:?}");
        assert_eq!(items[0].as_ref().unwrap().content, "這是abc", "cut at {i}");
        let items = decode(chunks, exact - 1);
        assert!(
            matches!(items[..], [Err(Error::EventTooLarge { .. })]),
            "cut at {i}: {items:?}"
        );
    }
}

#[test]
fn the_drain_after_the_final_event_reads_at_most_64_kib() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    for chunk in [1000, 64 * 1024, 100_000] {
        let pulled = Arc::new(AtomicUsize::new(0));
        let counter = pulled.clone();
        let done = stream::once(async {
            Ok(Bytes::from_static(
                b"data: {\"content\":\"a\",\"done\":true}\n\n",
            ))
        });
        let tail = stream::repeat_with(move || {
            counter.fetch_add(chunk, Ordering::Relaxed);
            Ok(Bytes::from(vec![b':'; chunk]))
        });
        let items = decode_stream(done.chain(tail), MIB);
        assert_eq!(items.len(), 1);
        let read = pulled.load(Ordering::Relaxed);
        // Whole chunks within the 64 KiB budget, and the one that exceeds it.
        assert_eq!(read, (64 * 1024 / chunk + 1) * chunk, "chunks of {chunk}");
    }
}

#[test]
fn a_plain_event_with_a_string_that_is_not_utf8_is_invalid() {
    for body in [
        &b"data: {\"content\":\"\xe4\xb8\",\"done\":true}\n\n"[..],
        b"data: {\"conversationId\":\"c\xff\",\"content\":\"a\",\"done\":true}\n\n",
    ] {
        let items = decode(vec![Bytes::from_static(body)], MIB);
        assert!(
            matches!(items[..], [Err(Error::InvalidEvent { .. })]),
            "{items:?}"
        );
    }
}
