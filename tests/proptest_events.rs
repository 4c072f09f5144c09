//! Property test of the completion stream decoder's events: each event's data, plain or not
//! (escapes, whitespace, other keys and value types, keys seen twice, ids as numbers and
//! strings), decodes to what `serde_json` makes of it, and the id carried from event to event
//! is the one each event sent. Set `PROPTEST_CASES` for a longer run.

mod common;

use common::decoders::{chunking, chunks, config, decode, text, Item, MIB};
use maiagent::types::Completion;
use proptest::prelude::*;

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
