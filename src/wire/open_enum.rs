//! Open enums: the values MaiAgent documents, plus anything else the server sends.
//!
//! Seed pages render several enums as `{}` or `null`, and servers add values over time. An open
//! enum decodes a documented value into its variant and keeps any other JSON value in `Unknown`,
//! so decoding a whole object never fails on an enum, and re-encoding writes back what was sent.

use serde::de::value::{MapAccessDeserializer, SeqAccessDeserializer};
use serde::de::{self, Deserialize, Deserializer, IntoDeserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use std::fmt;

macro_rules! open_enum {
    (
        $(#[$doc:meta])*
        $name:ident { $( $(#[$vdoc:meta])* $variant:ident = $wire:literal ),+ $(,)? }
    ) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq)]
        pub enum $name {
            $( $(#[$vdoc])* $variant, )+
            /// A value this SDK does not know (another string, `{}` or `null`), kept as sent.
            Unknown(serde_json::Value),
        }

        impl $name {
            /// The value's wire name, when it is a string.
            pub fn as_str(&self) -> Option<&str> {
                match self {
                    $( Self::$variant => Some($wire), )+
                    Self::Unknown(v) => v.as_str(),
                }
            }

            /// Whether the value is one this SDK does not know.
            pub fn is_unknown(&self) -> bool {
                matches!(self, Self::Unknown(_))
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                match s {
                    $( $wire => Self::$variant, )+
                    other => Self::Unknown(serde_json::Value::String(other.to_string())),
                }
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::convert::Infallible;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Ok(Self::from(s))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                match self {
                    Self::Unknown(serde_json::Value::String(s)) => f.write_str(s),
                    Self::Unknown(v) => write!(f, "{v}"),
                    known => f.write_str(known.as_str().unwrap_or_default()),
                }
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                match self {
                    Self::Unknown(v) => v.serialize(s),
                    known => s.serialize_str(known.as_str().unwrap_or_default()),
                }
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                d.deserialize_any(OpenVisitor {
                    known: |s| match s {
                        $( $wire => Some(Self::$variant), )+
                        _ => None,
                    },
                    unknown: Self::Unknown,
                })
            }
        }

        #[cfg(feature = "schemars")]
        impl schemars::JsonSchema for $name {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }

            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                schemars::json_schema!({
                    "description": concat!("One of: ", $( "`", $wire, "` ", )+ "or any other value (kept as sent)."),
                    "anyOf": [{"type": "string"}, {"type": "object"}, {"type": "null"}]
                })
            }
        }
    };
}

/// Decodes an open enum in one pass: a documented string becomes its variant without an
/// allocation; any other value becomes the `serde_json::Value` that `Value::deserialize` would
/// have produced (so `Unknown` keeps what was sent).
struct OpenVisitor<T> {
    known: fn(&str) -> Option<T>,
    unknown: fn(Value) -> T,
}

impl<T> OpenVisitor<T> {
    /// `value`, decoded as `serde_json::Value` decodes it, kept in `Unknown`.
    fn other<'de, D: Deserializer<'de>>(self, value: D) -> Result<T, D::Error> {
        Value::deserialize(value).map(self.unknown)
    }
}

impl<'de, T> Visitor<'de> for OpenVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        Ok((self.known)(v).unwrap_or_else(|| (self.unknown)(Value::String(v.to_owned()))))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<T, E> {
        Ok(match (self.known)(&v) {
            Some(known) => known,
            None => (self.unknown)(Value::String(v)),
        })
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<T, E> {
        self.other(v.into_deserializer())
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<T, E> {
        self.other(v.into_deserializer())
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<T, E> {
        self.other(v.into_deserializer())
    }

    fn visit_i128<E: de::Error>(self, v: i128) -> Result<T, E> {
        self.other(v.into_deserializer())
    }

    fn visit_u128<E: de::Error>(self, v: u128) -> Result<T, E> {
        self.other(v.into_deserializer())
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<T, E> {
        self.other(v.into_deserializer())
    }

    fn visit_unit<E: de::Error>(self) -> Result<T, E> {
        Ok((self.unknown)(Value::Null))
    }

    fn visit_none<E: de::Error>(self) -> Result<T, E> {
        Ok((self.unknown)(Value::Null))
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<T, D::Error> {
        self.other(d)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<T, A::Error> {
        self.other(SeqAccessDeserializer::new(seq))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
        self.other(MapAccessDeserializer::new(map))
    }
}

// The open enums themselves, one per schema with `x-maiagent-open-enum` in the spec, written by
// `build/open_enums.rs`.
include!(concat!(env!("OUT_DIR"), "/maiagent_open_enums.rs"));

#[cfg(test)]
mod tests {
    use super::MessageType;
    use serde_json::{json, Value};

    #[test]
    fn documented_strings_become_variants_and_anything_else_is_kept() {
        let known: MessageType = serde_json::from_str(r#""outgoing""#).unwrap();
        assert_eq!(known, MessageType::Outgoing);
        // An escaped spelling of a documented value is that value.
        let escaped: MessageType = serde_json::from_str(r#""in\u0063oming""#).unwrap();
        assert_eq!(escaped, MessageType::Incoming);
        for text in [
            r#""broadcast""#,
            r#""Outgoing""#,
            r#""a\"quote""#,
            "{}",
            r#"{"a": [1, 2.5, null]}"#,
            "[true, \"x\"]",
            "null",
            "true",
            "-7",
            "18446744073709551615",
            "1.5e300",
        ] {
            let value: MessageType = serde_json::from_str(text).unwrap();
            let expected: Value = serde_json::from_str(text).unwrap();
            assert_eq!(value, MessageType::Unknown(expected.clone()), "{text}");
            assert_eq!(serde_json::to_value(&value).unwrap(), expected, "{text}");
            // From an already decoded value (other deserializers) too.
            assert_eq!(MessageType::deserialize_from(&expected), value, "{text}");
        }
        assert_eq!(
            MessageType::deserialize_from(&json!("incoming")),
            MessageType::Incoming
        );
    }

    impl MessageType {
        fn deserialize_from(value: &Value) -> Self {
            serde::Deserialize::deserialize(value).unwrap()
        }
    }
}
