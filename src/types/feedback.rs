use super::FeedbackType;
use crate::generated::types::FeedbackDetail;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::borrow::Cow;

/// Feedback on a message: a bare rating (`"like"`, as seed 001 shows) or a feedback object.
/// A `null` feedback is `None` where the field is used.
///
/// ```
/// use maiagent::types::{Feedback, FeedbackType};
///
/// let f: Feedback = serde_json::from_str(r#""like""#).unwrap();
/// assert_eq!(f.rating(), Some(&FeedbackType::Like));
/// let f: Feedback = serde_json::from_str(r#"{"type": "dislike", "suggestion": "shorter"}"#).unwrap();
/// assert_eq!(f.rating(), Some(&FeedbackType::Dislike));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum Feedback {
    /// A bare rating string.
    Rating(FeedbackType),
    /// A feedback object.
    Detail(Box<FeedbackDetail>),
}

impl Feedback {
    /// The rating, from either form.
    pub fn rating(&self) -> Option<&FeedbackType> {
        match self {
            Feedback::Rating(t) => Some(t),
            Feedback::Detail(d) => d.type_.as_ref(),
        }
    }
}

impl Serialize for Feedback {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Feedback::Rating(t) => t.serialize(s),
            Feedback::Detail(d) => d.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for Feedback {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = serde_json::Value::deserialize(d)?;
        if value.is_object() {
            serde_json::from_value(value)
                .map(|detail| Feedback::Detail(Box::new(detail)))
                .map_err(serde::de::Error::custom)
        } else {
            serde_json::from_value(value)
                .map(Feedback::Rating)
                .map_err(serde::de::Error::custom)
        }
    }
}

impl schemars::JsonSchema for Feedback {
    fn schema_name() -> Cow<'static, str> {
        "Feedback".into()
    }

    fn json_schema(g: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let detail = g.subschema_for::<FeedbackDetail>();
        schemars::json_schema!({
            "anyOf": [{"type": "string"}, detail]
        })
    }
}
