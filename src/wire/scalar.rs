//! Decoding of a JSON scalar with its exact text: the building block of [`Id`](super::Id),
//! [`Timestamp`](super::Timestamp), [`Flag`](super::Flag) and [`Score`](super::Score).
//!
//! `serde_json` parses a number wider than 64 bits into an `f64`, losing digits. A scalar asks
//! `serde_json` for the raw text of the value instead (its `raw_value` mechanism), so
//! `324816370485542537671391323877394598747` stays those digits. The raw text is borrowed from
//! the input and handed to the type ([`FromScalar`]) as it is: no allocation for a string without
//! escapes or for a number, and one parse. Deserializers other than `serde_json`'s (buffered
//! content, `serde_json::Value`) are served through the ordinary visitor methods.

use super::text::ScalarText;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, Visitor};
use serde::ser::{Error as _, SerializeStruct, Serializer};
use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

/// `serde_json`'s private token for raw values (stable since serde_json 1.0.29).
const RAW_TOKEN: &str = "$serde_json::private::RawValue";

/// `serde_json`'s private token for numbers under its `arbitrary_precision` feature, should
/// another crate of the build turn it on.
const NUMBER_TOKEN: &str = "$serde_json::private::Number";

/// A type decoded from a JSON scalar: it gets the scalar's text while that is still borrowed,
/// so that it can keep the text without an allocation.
pub(crate) trait FromScalar: Sized {
    /// What the type is, for error messages ("an id (a string or a number)").
    const EXPECTED: &'static str;

    /// A JSON string (unescaped), or a JSON number's exact text when `number` is true.
    fn from_text<E: de::Error>(text: Cow<'_, str>, number: bool) -> Result<Self, E>;

    /// A JSON boolean: an error unless the type accepts one.
    fn from_bool<E: de::Error>(b: bool) -> Result<Self, E> {
        Err(E::invalid_type(de::Unexpected::Bool(b), &Self::EXPECTED))
    }
}

/// Decodes any deserializer's next value as a scalar `T`.
///
/// From `serde_json`, the value's raw text is borrowed from the input: a string without escapes
/// and a number reach [`FromScalar::from_text`] without an allocation or a second parse.
pub(crate) fn deserialize<'de, T: FromScalar, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<T, D::Error> {
    deserializer.deserialize_newtype_struct(RAW_TOKEN, ScalarVisitor::<T>::new(false))
}

/// Serializes a number's exact text as a JSON number (`serde_json` writes it as it is; other
/// serializers get what they get for a `serde_json::value::RawValue`).
pub(crate) fn serialize_number<S: Serializer>(raw: &str, s: S) -> Result<S::Ok, S::Error> {
    if !is_json_number(raw) {
        return Err(S::Error::custom(format!("invalid number text {raw:?}")));
    }
    let mut raw_value = s.serialize_struct(RAW_TOKEN, 1)?;
    raw_value.serialize_field(RAW_TOKEN, raw)?;
    raw_value.end()
}

/// A scalar from the raw text `serde_json` hands over: valid JSON without surrounding whitespace,
/// so a string without a backslash is the text between its quotes, and a number is its text.
fn from_json_raw_value<T: FromScalar, E: de::Error>(raw: &str) -> Result<T, E> {
    let bytes = raw.as_bytes();
    match bytes.first() {
        Some(b'"') if bytes.len() >= 2 && bytes[bytes.len() - 1] == b'"' => {
            let inner = &raw[1..raw.len() - 1];
            if !has_backslash(inner.as_bytes()) {
                return T::from_text(Cow::Borrowed(inner), false);
            }
            let text: String = serde_json::from_str(raw).map_err(E::custom)?;
            T::from_text(Cow::Owned(text), false)
        }
        Some(b'-' | b'0'..=b'9') => T::from_text(Cow::Borrowed(raw), true),
        // Flags: `serde_json` hands the literal over without whitespace.
        Some(b't') if raw == "true" => T::from_bool(true),
        Some(b'f') if raw == "false" => T::from_bool(false),
        _ => from_raw_json(raw),
    }
}

/// Whether `bytes` holds a backslash (an escape, in a JSON string's text). Ids and timestamps are
/// short: up to 64 bytes are scanned in one branch-free loop, which costs fewer instructions
/// than setting up `memchr` (callgrind); longer text goes to `memchr`.
fn has_backslash(bytes: &[u8]) -> bool {
    if bytes.len() <= 64 {
        bytes.iter().fold(false, |seen, &b| seen | (b == b'\\'))
    } else {
        memchr::memchr(b'\\', bytes).is_some()
    }
}

/// A scalar from raw JSON text of any origin (`"…"`, a number, `true` or `false`), checked.
fn from_raw_json<T: FromScalar, E: de::Error>(raw: &str) -> Result<T, E> {
    let raw = raw.trim();
    let bytes = raw.as_bytes();
    match bytes.first() {
        Some(b'"') => {
            if let Some(inner) = bytes.get(1..bytes.len().saturating_sub(1)) {
                let plain = bytes.len() >= 2
                    && bytes[bytes.len() - 1] == b'"'
                    && !inner.iter().any(|&b| b == b'\\' || b == b'"' || b < 0x20);
                if plain {
                    // ASCII delimiters around UTF-8: `inner` is the string, as it is.
                    return T::from_text(Cow::Borrowed(&raw[1..raw.len() - 1]), false);
                }
            }
            let text: String = serde_json::from_str(raw).map_err(E::custom)?;
            T::from_text(Cow::Owned(text), false)
        }
        Some(b't') if raw == "true" => T::from_bool(true),
        Some(b'f') if raw == "false" => T::from_bool(false),
        Some(b'-' | b'0'..=b'9') if is_json_number(raw) => T::from_text(Cow::Borrowed(raw), true),
        Some(b'{') => Err(E::invalid_type(de::Unexpected::Map, &T::EXPECTED)),
        Some(b'[') => Err(E::invalid_type(de::Unexpected::Seq, &T::EXPECTED)),
        Some(b'n') => Err(E::invalid_type(de::Unexpected::Unit, &T::EXPECTED)),
        _ => Err(E::invalid_value(de::Unexpected::Other(raw), &T::EXPECTED)),
    }
}

/// An integer's decimal digits, written on the stack.
fn from_integer<T: FromScalar, E: de::Error>(negative: bool, magnitude: u128) -> Result<T, E> {
    T::from_text(
        Cow::Borrowed(ScalarText::integer(negative, magnitude).as_str()),
        true,
    )
}

/// Whether `text` is a JSON number (RFC 8259 grammar), of any size.
pub(crate) fn is_json_number(text: &str) -> bool {
    let b = text.as_bytes();
    let mut i = 0;
    if b.get(i) == Some(&b'-') {
        i += 1;
    }
    match b.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => {
            while matches!(b.get(i), Some(b'0'..=b'9')) {
                i += 1;
            }
        }
        _ => return false,
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while matches!(b.get(i), Some(b'0'..=b'9')) {
            i += 1;
        }
        if i == start {
            return false;
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let start = i;
        while matches!(b.get(i), Some(b'0'..=b'9')) {
            i += 1;
        }
        if i == start {
            return false;
        }
    }
    i == b.len()
}

/// `nested` once `serde_json`'s raw-value request has been answered with an ordinary value
/// (buffered content, another format): a map there is not `serde_json`'s, and its text is checked.
struct ScalarVisitor<T> {
    nested: bool,
    ty: PhantomData<T>,
}

impl<T> ScalarVisitor<T> {
    fn new(nested: bool) -> Self {
        Self {
            nested,
            ty: PhantomData,
        }
    }
}

impl<'de, T: FromScalar> Visitor<'de> for ScalarVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(T::EXPECTED)
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<T, D::Error> {
        d.deserialize_any(Self::new(true))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
        match map.next_key_seed(Key)? {
            Some(Token::Raw | Token::Number) => map.next_value_seed(Raw {
                checked: self.nested,
                ty: PhantomData,
            }),
            _ => Err(de::Error::invalid_type(de::Unexpected::Map, &self)),
        }
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        T::from_text(Cow::Borrowed(v), false)
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<T, E> {
        T::from_text(Cow::Owned(v), false)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<T, E> {
        T::from_bool(v)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<T, E> {
        from_integer(v < 0, u128::from(v.unsigned_abs()))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<T, E> {
        from_integer(false, u128::from(v))
    }

    fn visit_i128<E: de::Error>(self, v: i128) -> Result<T, E> {
        from_integer(v < 0, v.unsigned_abs())
    }

    fn visit_u128<E: de::Error>(self, v: u128) -> Result<T, E> {
        from_integer(false, v)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<T, E> {
        match serde_json::Number::from_f64(v) {
            Some(n) => T::from_text(Cow::Owned(n.to_string()), true),
            None => Err(E::invalid_value(de::Unexpected::Float(v), &self)),
        }
    }
}

/// The key of `serde_json`'s raw-value (or number) map.
enum Token {
    Raw,
    Number,
    Other,
}

/// Reads a map key as a [`Token`], without an allocation.
struct Key;

impl<'de> DeserializeSeed<'de> for Key {
    type Value = Token;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Token, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Key {
    type Value = Token;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a key")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Token, E> {
        Ok(match v {
            RAW_TOKEN => Token::Raw,
            NUMBER_TOKEN => Token::Number,
            _ => Token::Other,
        })
    }
}

/// The raw JSON text of the value (a borrowed string from `serde_json::from_str`/`from_slice`),
/// `checked` when it may not come from `serde_json`.
struct Raw<T> {
    checked: bool,
    ty: PhantomData<T>,
}

impl<'de, T: FromScalar> DeserializeSeed<'de> for Raw<T> {
    type Value = T;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<T, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de, T: FromScalar> Visitor<'de> for Raw<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(T::EXPECTED)
    }

    fn visit_str<E: de::Error>(self, raw: &str) -> Result<T, E> {
        if self.checked {
            from_raw_json(raw)
        } else {
            from_json_raw_value(raw)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{has_backslash, is_json_number};

    #[test]
    fn backslashes_are_found_at_any_length_and_place() {
        for len in [0usize, 1, 36, 63, 64, 65, 200] {
            let plain = "a".repeat(len);
            assert!(!has_backslash(plain.as_bytes()), "{len}");
            for at in [0, len / 2, len.saturating_sub(1)] {
                if len > 0 {
                    let mut text = plain.clone().into_bytes();
                    text[at] = b'\\';
                    assert!(has_backslash(&text), "{len} {at}");
                }
            }
        }
    }

    #[test]
    fn json_number_grammar() {
        for ok in [
            "0",
            "-1",
            "324816370485542537671391323877394598747",
            "2.992461161002561e+38",
            "1.5E-3",
        ] {
            assert!(is_json_number(ok), "{ok}");
        }
        for bad in ["", "-", "01", "1.", ".5", "1e", "1e+", "0x10", "1 ", "NaN"] {
            assert!(!is_json_number(bad), "{bad}");
        }
    }
}
