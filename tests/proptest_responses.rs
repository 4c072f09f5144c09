//! Property tests of the decoders of untrusted JSON: the response types (`Message`,
//! `MessagePage`, `Conversation`, `ConversationPage`, `ChatbotRecord`, `ChatbotRecordPage`,
//! `Completion`, decoded as the client decodes a response and with `serde_json::from_slice`, to
//! the same result) and the webhook decoder (`maiagent::webhook::decode`).
//! Arbitrary JSON (numbers beyond 64 bits, deep nesting, the fields the types know with values
//! of every type) and arbitrary bytes never make a response decoder panic. Set
//! `PROPTEST_CASES` for a longer run.

mod common;

use common::decoders::{config, text};
use proptest::prelude::*;

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

/// Every response decoder on `bytes`: they may fail, never panic; each agrees with
/// `serde_json::from_slice` and re-encodes what it decodes
/// (`maiagent::__fuzz::check_response_decoders`). The webhook decoder too.
fn decode_all(bytes: &[u8]) {
    maiagent::__fuzz::check_response_decoders(bytes);
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
