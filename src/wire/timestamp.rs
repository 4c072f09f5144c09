use super::scalar::{self, FromScalar};
use super::text::ScalarText;
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
pub struct Timestamp(ScalarText);

impl Timestamp {
    /// The timestamp as sent: a string's text, or a number's digits.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// A timestamp in the 13-digit millisecond string form the API uses.
    pub fn from_millis(millis: i64) -> Self {
        Self(ScalarText::new(&millis.to_string(), false))
    }

    /// A timestamp in ISO-8601 (RFC 3339) form.
    pub fn from_datetime(at: DateTime<Utc>) -> Self {
        Self(ScalarText::from_string(
            at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            false,
        ))
    }

    /// The instant, if the text is a Unix time (seconds, or milliseconds when it has 12 digits or
    /// more) or an ISO-8601 date-time. `None` for anything else (some pages show placeholder text).
    pub fn to_datetime(&self) -> Option<DateTime<Utc>> {
        let text = self.as_str().trim();
        if let Ok(n) = text.parse::<i64>() {
            return if n.unsigned_abs() >= 100_000_000_000 {
                Utc.timestamp_millis_opt(n).single()
            } else {
                Utc.timestamp_opt(n, 0).single()
            };
        }
        if let Ok(secs) = text.parse::<f64>() {
            if secs.is_finite() {
                // A float-to-integer `as` saturates (never wraps or panics); chrono then
                // refuses the out-of-range extremes.
                #[allow(clippy::cast_possible_truncation)]
                let millis = (secs * 1000.0).round() as i64;
                return Utc.timestamp_millis_opt(millis).single();
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
        write!(f, "Timestamp({:?})", self.as_str())
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Timestamp {
    type Err = Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self(ScalarText::new(s, false)))
    }
}

impl From<DateTime<Utc>> for Timestamp {
    fn from(at: DateTime<Utc>) -> Self {
        Self::from_datetime(at)
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.0.is_number() {
            scalar::serialize_number(self.as_str(), s)
        } else {
            s.serialize_str(self.as_str())
        }
    }
}

impl FromScalar for Timestamp {
    const EXPECTED: &'static str = "a timestamp (a string or a number)";

    fn from_text<E: serde::de::Error>(
        text: std::borrow::Cow<'_, str>,
        number: bool,
    ) -> Result<Self, E> {
        Ok(Self(ScalarText::from_cow(text, number)))
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        scalar::deserialize(d)
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
