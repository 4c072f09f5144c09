use super::scalar::{self, FromScalar};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::{convert::Infallible, fmt, str::FromStr};

/// A boolean that some pages document as a string. Kept as sent.
///
/// ```
/// use maiagent::types::Flag;
///
/// let yes: Flag = serde_json::from_str("true").unwrap();
/// let text: Flag = serde_json::from_str(r#""false""#).unwrap();
/// assert_eq!(yes.as_bool(), Some(true));
/// assert_eq!(text.as_bool(), Some(false));
/// assert_eq!(serde_json::to_string(&text).unwrap(), r#""false""#);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Flag {
    /// Sent as a JSON boolean.
    Bool(bool),
    /// Sent as a string.
    Text(String),
    /// Sent as a number (`0`, `1`): its exact text.
    Number(String),
}

impl Flag {
    /// The boolean: a JSON boolean, or a string such as `"true"`, `"False"`, `"1"`, `"no"`.
    /// `None` for a string that is no boolean (placeholder text on some pages).
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Flag::Bool(b) => Some(*b),
            Flag::Text(t) | Flag::Number(t) => match t.trim().to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" | "y" | "on" => Some(true),
                "false" | "0" | "no" | "n" | "off" | "" => Some(false),
                _ => None,
            },
        }
    }

    /// Whether the flag is set: [`as_bool`](Self::as_bool), with anything unreadable as `false`.
    pub fn is_true(&self) -> bool {
        self.as_bool().unwrap_or(false)
    }
}

impl From<bool> for Flag {
    fn from(b: bool) -> Self {
        Flag::Bool(b)
    }
}

impl fmt::Display for Flag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Flag::Bool(b) => write!(f, "{b}"),
            Flag::Text(t) | Flag::Number(t) => f.write_str(t),
        }
    }
}

impl FromStr for Flag {
    type Err = Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Flag::Text(s.to_string()))
    }
}

impl Serialize for Flag {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Flag::Bool(b) => s.serialize_bool(*b),
            Flag::Text(t) => s.serialize_str(t),
            Flag::Number(t) => scalar::serialize_number(t, s),
        }
    }
}

impl FromScalar for Flag {
    const EXPECTED: &'static str = "a flag (a boolean or a string)";

    fn from_text<E: serde::de::Error>(
        text: std::borrow::Cow<'_, str>,
        number: bool,
    ) -> Result<Self, E> {
        let text = text.into_owned();
        Ok(if number {
            Flag::Number(text)
        } else {
            Flag::Text(text)
        })
    }

    fn from_bool<E: serde::de::Error>(b: bool) -> Result<Self, E> {
        Ok(Flag::Bool(b))
    }
}

impl<'de> Deserialize<'de> for Flag {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        scalar::deserialize(d)
    }
}

#[cfg(feature = "schemars")]
impl schemars::JsonSchema for Flag {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Flag".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "A boolean, or a string spelling one.",
            "anyOf": [{"type": "boolean"}, {"type": "string"}]
        })
    }
}
