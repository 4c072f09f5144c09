//! Decoding of a JSON scalar with its exact text: the building block of [`Id`](super::Id),
//! [`Timestamp`](super::Timestamp), [`Flag`](super::Flag) and [`Score`](super::Score).
//!
//! `serde_json` parses a number wider than 64 bits into an `f64`, losing digits. A scalar asks
//! `serde_json` for the raw text of the value instead (its `raw_value` mechanism), so
//! `324816370485542537671391323877394598747` stays those digits. Deserializers other than
//! `serde_json`'s (buffered content, `serde_json::Value`) are served through the ordinary
//! visitor methods.

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::ser::{Error as _, Serialize, Serializer};
use std::fmt;

/// `serde_json`'s private token for raw values (stable since serde_json 1.0.29).
const RAW_TOKEN: &str = "$serde_json::private::RawValue";

/// A decoded JSON scalar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Scalar {
    /// A JSON string, unescaped.
    Str(String),
    /// A JSON number, as its exact text.
    Num(String),
    /// A JSON boolean.
    Bool(bool),
}

impl Scalar {
    /// Decodes any deserializer's next value as a scalar. `expected` names the type in errors.
    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
        expected: &'static str,
    ) -> Result<Self, D::Error> {
        deserializer.deserialize_newtype_struct(RAW_TOKEN, ScalarVisitor { expected })
    }

    fn from_raw_json<E: de::Error>(raw: &str, expected: &'static str) -> Result<Self, E> {
        let raw = raw.trim();
        match raw.as_bytes().first() {
            Some(b'"') => serde_json::from_str::<String>(raw)
                .map(Scalar::Str)
                .map_err(E::custom),
            Some(b't') if raw == "true" => Ok(Scalar::Bool(true)),
            Some(b'f') if raw == "false" => Ok(Scalar::Bool(false)),
            Some(b'-' | b'0'..=b'9') if is_json_number(raw) => Ok(Scalar::Num(raw.to_string())),
            Some(b'{') => Err(E::invalid_type(de::Unexpected::Map, &expected)),
            Some(b'[') => Err(E::invalid_type(de::Unexpected::Seq, &expected)),
            Some(b'n') => Err(E::invalid_type(de::Unexpected::Unit, &expected)),
            _ => Err(E::invalid_value(de::Unexpected::Other(raw), &expected)),
        }
    }

    /// Serializes a number's exact text as a JSON number.
    pub(crate) fn serialize_number<S: Serializer>(raw: &str, s: S) -> Result<S::Ok, S::Error> {
        let value = serde_json::value::RawValue::from_string(raw.to_string())
            .map_err(|e| S::Error::custom(format!("invalid number text {raw:?}: {e}")))?;
        value.serialize(s)
    }
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

struct ScalarVisitor {
    expected: &'static str,
}

impl<'de> Visitor<'de> for ScalarVisitor {
    type Value = Scalar;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(self.expected)
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Scalar, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Scalar, A::Error> {
        match map.next_key::<String>()? {
            Some(key) if key == RAW_TOKEN => {
                let raw: String = map.next_value()?;
                Scalar::from_raw_json(&raw, self.expected)
            }
            _ => Err(de::Error::invalid_type(de::Unexpected::Map, &self)),
        }
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Scalar, E> {
        Ok(Scalar::Str(v.to_string()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Scalar, E> {
        Ok(Scalar::Str(v))
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Scalar, E> {
        Ok(Scalar::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Scalar, E> {
        Ok(Scalar::Num(v.to_string()))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Scalar, E> {
        Ok(Scalar::Num(v.to_string()))
    }

    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Scalar, E> {
        Ok(Scalar::Num(v.to_string()))
    }

    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Scalar, E> {
        Ok(Scalar::Num(v.to_string()))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Scalar, E> {
        match serde_json::Number::from_f64(v) {
            Some(n) => Ok(Scalar::Num(n.to_string())),
            None => Err(E::invalid_value(de::Unexpected::Float(v), &self)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::is_json_number;

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
