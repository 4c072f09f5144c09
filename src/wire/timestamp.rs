use super::scalar::Scalar;
use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::{convert::Infallible, fmt, str::FromStr};

/// A point in time, kept exactly as the server sent it.
///
/// MaiAgent documents timestamps as 13-digit millisecond strings (`"1732495353000"`), as ISO-8601
/// strings (`"2024-02-18T13:45:30.000Z"`), and sometimes as numbers. A `Timestamp` decodes every
/// form, re-encodes the same JSON, and converts to a date-time on request.
///
/// ```
/// use maiagent::types::Timestamp;
///
/// let ms: Timestamp = serde_json::from_str(r#""1732495353000""#).unwrap();
/// let iso: Timestamp = serde_json::from_str(r#""2024-11-25T00:42:33Z""#).unwrap();
/// assert_eq!(ms.as_str(), "1732495353000");
/// assert_eq!(ms.unix_millis(), Some(1_732_495_353_000));
/// assert_eq!(ms.to_datetime(), iso.to_datetime());
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Timestamp {
    text: String,
    number: bool,
}

impl Timestamp {
    /// The timestamp as sent: a string's text, or a number's digits.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// A timestamp in the 13-digit millisecond string form the API uses.
    pub fn from_millis(millis: i64) -> Self {
        Self {
            text: millis.to_string(),
            number: false,
        }
    }

    /// A timestamp in ISO-8601 (RFC 3339) form.
    pub fn from_datetime(at: DateTime<Utc>) -> Self {
        Self {
            text: at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            number: false,
        }
    }

    /// The instant, if the text is a Unix time (seconds, or milliseconds when it has 12 digits or
    /// more) or an ISO-8601 date-time. `None` for anything else (some pages show placeholder text).
    pub fn to_datetime(&self) -> Option<DateTime<Utc>> {
        let text = self.text.trim();
        if let Ok(n) = text.parse::<i64>() {
            return if n.unsigned_abs() >= 100_000_000_000 {
                Utc.timestamp_millis_opt(n).single()
            } else {
                Utc.timestamp_opt(n, 0).single()
            };
        }
        if let Ok(secs) = text.parse::<f64>() {
            if secs.is_finite() {
                return Utc
                    .timestamp_millis_opt((secs * 1000.0).round() as i64)
                    .single();
            }
        }
        if let Ok(at) = DateTime::parse_from_rfc3339(text) {
            return Some(at.with_timezone(&Utc));
        }
        ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"]
            .iter()
            .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
            .map(|naive| naive.and_utc())
    }

    /// Milliseconds since the Unix epoch, when [`to_datetime`](Self::to_datetime) succeeds.
    pub fn unix_millis(&self) -> Option<i64> {
        self.to_datetime().map(|at| at.timestamp_millis())
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Timestamp({:?})", self.text)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl FromStr for Timestamp {
    type Err = Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self {
            text: s.to_string(),
            number: false,
        })
    }
}

impl From<DateTime<Utc>> for Timestamp {
    fn from(at: DateTime<Utc>) -> Self {
        Self::from_datetime(at)
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.number {
            Scalar::serialize_number(&self.text, s)
        } else {
            s.serialize_str(&self.text)
        }
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        const EXPECTED: &str = "a timestamp (a string or a number)";
        match Scalar::deserialize(d, EXPECTED)? {
            Scalar::Str(text) => Ok(Self {
                text,
                number: false,
            }),
            Scalar::Num(text) => Ok(Self { text, number: true }),
            Scalar::Bool(b) => Err(serde::de::Error::invalid_type(
                serde::de::Unexpected::Bool(b),
                &EXPECTED,
            )),
        }
    }
}

#[cfg(feature = "schemars")]
impl schemars::JsonSchema for Timestamp {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Timestamp".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "A 13-digit millisecond string, an ISO-8601 string, or a number.",
            "anyOf": [{"type": "string"}, {"type": "number"}]
        })
    }
}
