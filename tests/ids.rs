//! The compact [`Id`] (and [`Timestamp`], built the same way): every spelling the server sends
//! decodes to its exact text and JSON type and re-encodes as sent, through every path a value
//! takes (`from_str`, `from_slice`, `from_reader`, `serde_json::Value`), in property tests; and a
//! UUID, a 128-bit integer or a millisecond timestamp decodes without a heap allocation (counted
//! by this binary's allocator, on this thread only).

use maiagent::types::{Completion, Id, Timestamp};
use proptest::prelude::*;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

mod common;

use common::allocations::allocations;

#[global_allocator]
static ALLOCATOR: common::allocations::Counting = common::allocations::Counting;

// ------------------------------------------------------------------------------------------
// Helpers
// ------------------------------------------------------------------------------------------

/// `json` decoded as an `Id` through every path, which must agree.
fn decode(json: &str) -> Id {
    let from_str: Id = serde_json::from_str(json).expect("from_str");
    let from_slice: Id = serde_json::from_slice(json.as_bytes()).expect("from_slice");
    let from_reader: Id = serde_json::from_reader(json.as_bytes()).expect("from_reader");
    assert_eq!(from_slice, from_str);
    assert_eq!(from_reader, from_str);
    from_str
}

fn hash(id: &Id) -> u64 {
    let mut h = DefaultHasher::new();
    id.hash(&mut h);
    h.finish()
}

/// A UUID in any of the spellings servers use: lower or upper case (or mixed), with or without
/// hyphens, sometimes in braces.
fn uuid_text() -> impl Strategy<Value = String> {
    (any::<u128>(), any::<u64>(), 0..4u8).prop_map(|(n, case, form)| {
        let hex = format!("{n:032x}");
        let mut out = String::new();
        for (i, c) in hex.chars().enumerate() {
            if form != 1 && matches!(i, 8 | 12 | 16 | 20) {
                out.push('-');
            }
            out.push(if case >> (i % 64) & 1 == 1 {
                c.to_ascii_uppercase()
            } else {
                c
            });
        }
        if form == 3 {
            out = format!("{{{out}}}");
        }
        out
    })
}

/// A JSON number's text: integers of any width and sign, fractions, exponents in every spelling.
fn number_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<u128>().prop_map(|n| n.to_string()),
        any::<i64>().prop_map(|n| n.to_string()),
        "-?(0|[1-9][0-9]{0,60})(\\.[0-9]{1,8})?([eE][+-]?[0-9]{1,3})?",
        Just("2.992461161002561e+38".to_string()),
        Just("-0".to_string()),
    ]
}

// ------------------------------------------------------------------------------------------
// Properties
// ------------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn a_uuid_in_any_spelling_reencodes_as_sent(text in uuid_text()) {
        let json = serde_json::to_string(&text).unwrap();
        let id = decode(&json);
        prop_assert_eq!(id.as_str(), text.as_str());
        prop_assert!(!id.is_number());
        prop_assert_eq!(serde_json::to_string(&id).unwrap(), json.clone());
        prop_assert_eq!(&id, &Id::from(text.as_str()));
        let through_value: Id = serde_json::from_value(serde_json::from_str(&json).unwrap()).unwrap();
        prop_assert_eq!(through_value, id);
    }

    #[test]
    fn an_integer_of_up_to_128_bits_keeps_its_digits_and_type(n in any::<u128>()) {
        let digits = n.to_string();
        let number = decode(&digits);
        prop_assert!(number.is_number());
        prop_assert_eq!(number.as_str(), digits.as_str());
        prop_assert_eq!(number.as_u128(), Some(n));
        prop_assert_eq!(serde_json::to_string(&number).unwrap(), digits.clone());
        prop_assert_eq!(&number, &Id::from(n));
        prop_assert_eq!(Id::number(digits.clone()), Some(number.clone()));

        // The same digits as a string stay a string.
        let quoted = format!("\"{digits}\"");
        let string = decode(&quoted);
        prop_assert!(!string.is_number());
        prop_assert_eq!(string.as_u128(), Some(n));
        prop_assert_eq!(serde_json::to_string(&string).unwrap(), quoted);
        prop_assert_ne!(&string, &number);
    }

    #[test]
    fn any_number_spelling_reencodes_as_sent(text in number_text()) {
        let id = decode(&text);
        prop_assert!(id.is_number());
        prop_assert_eq!(id.as_str(), text.as_str());
        prop_assert_eq!(serde_json::to_string(&id).unwrap(), text.clone());
        // Inside an object too (the generated types hold ids in fields).
        let in_object: std::collections::BTreeMap<&str, Id> = [("id", id)].into();
        prop_assert_eq!(serde_json::to_string(&in_object).unwrap(), format!("{{\"id\":{text}}}"));
    }

    #[test]
    fn any_string_reencodes_as_sent(text in any::<String>()) {
        // `to_string` escapes quotes, backslashes and control characters: the slow path.
        let json = serde_json::to_string(&text).unwrap();
        let id = decode(&json);
        prop_assert!(!id.is_number());
        prop_assert_eq!(id.as_str(), text.as_str());
        prop_assert_eq!(serde_json::to_string(&id).unwrap(), json);
        prop_assert_eq!(id.to_string(), text.clone());
        // Timestamps keep any text the same way.
        let at: Timestamp = serde_json::from_str(&serde_json::to_string(&text).unwrap()).unwrap();
        prop_assert_eq!(at.as_str(), text.as_str());
    }

    #[test]
    fn equality_order_and_hash_follow_the_text_and_type(
        a in prop_oneof![uuid_text(), number_text(), "[0-9a-f]{0,3}"],
        b in prop_oneof![uuid_text(), number_text(), "[0-9a-f]{0,3}"],
        a_number in any::<bool>(),
        b_number in any::<bool>(),
    ) {
        let make = |text: &str, number: bool| {
            match number.then(|| Id::number(text)).flatten() {
                Some(id) => id,
                None => Id::from(text),
            }
        };
        let (x, y) = (make(&a, a_number), make(&b, b_number));
        let key = |id: &Id| (id.as_str().to_string(), id.is_number());
        prop_assert_eq!(x.cmp(&y), key(&x).cmp(&key(&y)));
        prop_assert_eq!(x == y, key(&x) == key(&y));
        if x == y {
            prop_assert_eq!(hash(&x), hash(&y));
        }
    }
}

// ------------------------------------------------------------------------------------------
// Exact spellings and allocations
// ------------------------------------------------------------------------------------------

#[test]
fn documented_spellings_keep_their_text_and_type() {
    for (json, text, number) in [
        ("2.992461161002561e+38", "2.992461161002561e+38", true),
        ("-5", "-5", true),
        ("\"007\"", "007", false),
        ("\"123\"", "123", false),
        ("123", "123", true),
        (
            "\"8E44604A-8278-4C96-96B5-3E5A0548D738\"",
            "8E44604A-8278-4C96-96B5-3E5A0548D738",
            false,
        ),
        (
            "\"8e44604a82784c9696b53e5a0548d738\"",
            "8e44604a82784c9696b53e5a0548d738",
            false,
        ),
        ("\"對話ID\"", "對話ID", false),
        ("\"a\\\"b\\\\c\\u00e9\"", "a\"b\\cé", false),
    ] {
        let id = decode(json);
        assert_eq!((id.as_str(), id.is_number()), (text, number), "{json}");
        let back = serde_json::to_string(&id).unwrap();
        let same: serde_json::Value = serde_json::from_str(&back).unwrap();
        assert_eq!(
            same,
            serde_json::from_str::<serde_json::Value>(json).unwrap()
        );
        if !json.contains('\\') {
            assert_eq!(back, json);
        }
    }
    // What is not an id is an error, not an id.
    for bad in ["true", "null", "{}", "[]", "{\"a\":1}"] {
        assert!(serde_json::from_str::<Id>(bad).is_err(), "{bad}");
    }
    assert!(Id::number("007").is_none());
    assert!(Id::number("1e").is_none());
}

#[test]
fn ids_and_timestamps_up_to_39_bytes_decode_without_an_allocation() {
    for json in [
        "\"8e44604a-8278-4c96-96b5-3e5a0548d738\"",
        "\"8E44604A82784C9696B53E5A0548D738\"",
        "324816370485542537671391323877394598747",
        "340282366920938463463374607431768211455",
        "-5",
        "2.992461161002561e+38",
    ] {
        let (id, n) = allocations(|| serde_json::from_str::<Id>(json).unwrap());
        assert_eq!(n, 0, "{json}: {n} allocations");
        let (_, n) = allocations(|| serde_json::from_slice::<Id>(json.as_bytes()).unwrap());
        assert_eq!(n, 0, "{json} (from_slice): {n} allocations");
        let (back, n) = allocations(|| id.as_str().len());
        assert_eq!((back, n), (json.trim_matches('"').len(), 0));
    }
    for json in [
        "\"1732495353000\"",
        "\"2024-11-25T00:42:33.000Z\"",
        "1732495353000",
    ] {
        let (_, n) = allocations(|| serde_json::from_str::<Timestamp>(json).unwrap());
        assert_eq!(n, 0, "{json}: {n} allocations");
    }
    // Longer text is one allocation, of the text itself.
    let long = format!("\"{}\"", "x".repeat(100));
    let (_, n) = allocations(|| serde_json::from_str::<Id>(&long).unwrap());
    assert_eq!(n, 1);
}

#[test]
fn a_stream_event_allocates_only_its_content() {
    let event = r#"{"conversationId":"8e44604a-8278-4c96-96b5-3e5a0548d738","content":"這是一段串流回覆abc","done":false}"#;
    let (completion, n) = allocations(|| serde_json::from_str::<Completion>(event).unwrap());
    assert_eq!(completion.content, "這是一段串流回覆abc");
    assert_eq!(n, 1, "{n} allocations for one event");
}
