//! Open enums: the values MaiAgent documents, plus anything else the server sends.
//!
//! Seed pages render several enums as `{}` or `null`, and servers add values over time. An open
//! enum decodes a documented value into its variant and keeps any other JSON value in `Unknown`,
//! so decoding a whole object never fails on an enum, and re-encoding writes back what was sent.

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
                let value = serde_json::Value::deserialize(d)?;
                Ok(match value.as_str() {
                    Some(s) => Self::from(s),
                    None => Self::Unknown(value),
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

// The open enums themselves, one per schema with `x-maiagent-open-enum` in the spec, written by
// `build/open_enums.rs`.
include!(concat!(env!("OUT_DIR"), "/maiagent_open_enums.rs"));
