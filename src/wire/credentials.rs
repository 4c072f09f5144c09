//! API-key authentication: the secret type and the header every request carries.

use reqwest::header::HeaderValue;
use std::fmt;

/// A MaiAgent API key. Its `Debug` and `Display` print a redaction, never the key.
///
/// ```
/// use maiagent::ApiKey;
///
/// let key = ApiKey::new("sk-secret");
/// assert_eq!(format!("{key:?}"), "ApiKey(<redacted>)");
/// assert_eq!(key.to_string(), "<redacted>");
/// assert_eq!(key.expose(), "sk-secret");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    /// Wraps a key.
    pub fn new(key: impl Into<String>) -> Self {
        Self(key.into())
    }

    /// The key itself. Call this only to hand it to something that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The `Authorization` header value for this key, marked sensitive so that HTTP
    /// libraries leave it out of their logs.
    pub(crate) fn header_value(&self) -> Result<HeaderValue, InvalidApiKey> {
        let mut value =
            HeaderValue::from_str(&format!("Api-Key {}", self.0)).map_err(|_| InvalidApiKey)?;
        value.set_sensitive(true);
        Ok(value)
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(<redacted>)")
    }
}

impl fmt::Display for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// What the generated client carries to authenticate its requests.
#[derive(Clone)]
pub struct Credentials {
    authorization: HeaderValue,
}

impl Credentials {
    pub(crate) fn new(key: &ApiKey) -> Result<Self, InvalidApiKey> {
        Ok(Self {
            authorization: key.header_value()?,
        })
    }

    /// The sensitive `Authorization` header value.
    pub(crate) fn authorization(&self) -> &HeaderValue {
        &self.authorization
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Credentials(<redacted>)")
    }
}

/// An API key that cannot be sent in an HTTP header (it contains a control character or a
/// character outside visible ASCII).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvalidApiKey;

impl fmt::Display for InvalidApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the API key contains characters that cannot be sent in a header")
    }
}

impl std::error::Error for InvalidApiKey {}
