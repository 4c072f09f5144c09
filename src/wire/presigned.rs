//! The form fields of a presigned storage upload, in the order the server sent them.

use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// The form fields of a presigned storage upload (the `fields` of
/// [`UploadPresignedUrl`](crate::types::UploadPresignedUrl)), in the order the server sent them.
///
/// Storage services check the signed policy against these fields, and S3-compatible stores
/// want the file as the last field of the form: the SDK posts these fields in this order, then
/// the file. A plain map would lose the order, so this type keeps the pairs as a list. A value
/// that is not a string (a number, a boolean) is kept as its JSON text.
///
/// ```
/// use maiagent::types::PresignedFields;
///
/// let fields: PresignedFields =
///     serde_json::from_str(r#"{"key": "media/a.png", "policy": "e30=", "x-amz-date": "20240101T000000Z"}"#)
///         .unwrap();
/// let names: Vec<&str> = fields.iter().map(|(name, _)| name).collect();
/// assert_eq!(names, ["key", "policy", "x-amz-date"]);
/// assert_eq!(fields.get("key"), Some("media/a.png"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PresignedFields(Vec<(String, String)>);

impl PresignedFields {
    /// The fields, from name and value pairs, in the order given.
    pub fn new(pairs: Vec<(String, String)>) -> Self {
        Self(pairs)
    }

    /// The fields in order, as (name, value).
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// The value of the first field with this name.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// How many fields there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are no fields.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Serialize for PresignedFields {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for PresignedFields {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Ordered;

        impl<'de> Visitor<'de> for Ordered {
            type Value = PresignedFields;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object of form fields")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut pairs = Vec::with_capacity(map.size_hint().unwrap_or(6).min(64));
                while let Some((name, value)) = map.next_entry::<String, serde_json::Value>()? {
                    let value = match value {
                        serde_json::Value::String(s) => s,
                        other => other.to_string(),
                    };
                    pairs.push((name, value));
                }
                Ok(PresignedFields(pairs))
            }
        }

        d.deserialize_map(Ordered)
    }
}

#[cfg(feature = "schemars")]
impl schemars::JsonSchema for PresignedFields {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "PresignedFields".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "Form fields of a presigned upload, in order.",
            "type": "object",
            "additionalProperties": {"type": "string"}
        })
    }
}
