use super::scalar::{self, FromScalar};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::{convert::Infallible, fmt, str::FromStr};

/// A number that some pages document as a string. Kept exactly as sent.
///
/// ```
/// use maiagent::types::Score;
///
/// let n: Score = serde_json::from_str("0.87").unwrap();
/// let s: Score = serde_json::from_str(r#""87%""#).unwrap();
/// assert_eq!(n.as_f64(), Some(0.87));
/// assert_eq!(s.as_str(), "87%");
/// assert_eq!(serde_json::to_string(&n).unwrap(), "0.87");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Score {
    /// Sent as a JSON number: its exact text.
    Number(String),
    /// Sent as a string.
    Text(String),
}

impl Score {
    /// The score's text as sent.
    pub fn as_str(&self) -> &str {
        match self {
            Score::Number(t) | Score::Text(t) => t,
        }
    }

    /// The value as a float: a number, or a string that parses as one (a trailing `%` is
    /// allowed and kept as is: `"87%"` is `87.0`).
    pub fn as_f64(&self) -> Option<f64> {
        let t = self.as_str().trim();
        t.trim_end_matches('%').trim().parse().ok()
    }
}

impl From<f64> for Score {
    fn from(v: f64) -> Self {
        match serde_json::Number::from_f64(v) {
            Some(n) => Score::Number(n.to_string()),
            None => Score::Text(v.to_string()),
        }
    }
}

impl From<i64> for Score {
    fn from(v: i64) -> Self {
        Score::Number(v.to_string())
    }
}

impl fmt::Display for Score {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Score {
    type Err = Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Score::Text(s.to_string()))
    }
}

impl Serialize for Score {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Score::Number(t) => scalar::serialize_number(t, s),
            Score::Text(t) => s.serialize_str(t),
        }
    }
}

impl FromScalar for Score {
    const EXPECTED: &'static str = "a score (a number or a string)";

    fn from_text<E: serde::de::Error>(
        text: std::borrow::Cow<'_, str>,
        number: bool,
    ) -> Result<Self, E> {
        let text = text.into_owned();
        Ok(if number {
            Score::Number(text)
        } else {
            Score::Text(text)
        })
    }
}

impl<'de> Deserialize<'de> for Score {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        scalar::deserialize(d)
    }
}

#[cfg(feature = "schemars")]
impl schemars::JsonSchema for Score {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Score".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "A number, or a string holding one.",
            "anyOf": [{"type": "number"}, {"type": "string"}]
        })
    }
}
