use super::scalar::{self, FromScalar};
use super::text::ScalarText;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::{convert::Infallible, fmt, str::FromStr};

/// An identifier, exactly as the server sent it.
///
/// MaiAgent documents ids as UUID strings on most pages, as free text on some (`"對話ID"`), and as
/// integers on others, including 128-bit ones (`324816370485542537671391323877394598747`) and
/// ones rendered in exponent form (`2.992461161002561e+38`). An `Id` decodes all of them and keeps
/// the exact text or digits; re-encoding writes the same JSON back.
///
/// An id of up to 39 bytes (a UUID in any spelling, any integer of up to 128 bits) is held inline,
/// without an allocation; an `Id` is 40 bytes, and so is an `Option<Id>`.
///
/// ```
/// use maiagent::types::Id;
///
/// let id: Id = serde_json::from_str("324816370485542537671391323877394598747").unwrap();
/// assert_eq!(id.as_str(), "324816370485542537671391323877394598747");
/// assert_eq!(id.as_u128(), Some(324816370485542537671391323877394598747));
/// assert_eq!(serde_json::to_string(&id).unwrap(), "324816370485542537671391323877394598747");
///
/// let id = Id::from("8e44604a-8278-4c96-96b5-3e5a0548d738");
/// assert!(!id.is_number());
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Id(ScalarText);

impl Id {
    /// The id's text: the string, or the number's digits as sent.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// Whether the server sent the id as a JSON number.
    pub fn is_number(&self) -> bool {
        self.0.is_number()
    }

    /// The id as an unsigned integer, when it is one (sent as a number or as a string of digits).
    pub fn as_u128(&self) -> Option<u128> {
        self.as_str().parse().ok()
    }

    /// An id that is sent as a JSON number. Returns `None` if `digits` is not a JSON number.
    pub fn number(digits: impl Into<String>) -> Option<Self> {
        let text = digits.into();
        scalar::is_json_number(&text).then(|| Self(ScalarText::from_string(text, true)))
    }
}

impl fmt::Debug for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_number() {
            write!(f, "Id({})", self.as_str())
        } else {
            write!(f, "Id({:?})", self.as_str())
        }
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl AsRef<str> for Id {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl From<&str> for Id {
    fn from(text: &str) -> Self {
        Self(ScalarText::new(text, false))
    }
}

impl From<String> for Id {
    fn from(text: String) -> Self {
        Self(ScalarText::from_string(text, false))
    }
}

impl From<&Id> for Id {
    fn from(id: &Id) -> Self {
        id.clone()
    }
}

impl From<u128> for Id {
    fn from(n: u128) -> Self {
        Self(ScalarText::integer(false, n))
    }
}

impl From<u64> for Id {
    fn from(n: u64) -> Self {
        Self::from(u128::from(n))
    }
}

impl FromStr for Id {
    type Err = Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self::from(s))
    }
}

impl PartialEq<str> for Id {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Id {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl Serialize for Id {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.is_number() {
            scalar::serialize_number(self.as_str(), s)
        } else {
            s.serialize_str(self.as_str())
        }
    }
}

impl FromScalar for Id {
    const EXPECTED: &'static str = "an id (a string or a number)";

    fn from_text<E: serde::de::Error>(
        text: std::borrow::Cow<'_, str>,
        number: bool,
    ) -> Result<Self, E> {
        Ok(Self(ScalarText::from_cow(text, number)))
    }
}

impl<'de> Deserialize<'de> for Id {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        scalar::deserialize(d)
    }
}

#[cfg(feature = "schemars")]
impl schemars::JsonSchema for Id {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Id".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "An id: a string (usually a UUID) or an integer of any size.",
            "anyOf": [{"type": "string"}, {"type": "number"}]
        })
    }
}
