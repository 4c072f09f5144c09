use super::{Feedback, FeedbackType};

impl Feedback {
    /// The rating, from either form: a bare rating string (`"like"`, as seed 001 shows) or a
    /// feedback object's `type`.
    ///
    /// ```
    /// use maiagent::types::{Feedback, FeedbackType};
    ///
    /// let f: Feedback = serde_json::from_str(r#""like""#).unwrap();
    /// assert_eq!(f.rating(), Some(&FeedbackType::Like));
    /// let f: Feedback = serde_json::from_str(r#"{"type": "dislike", "suggestion": "shorter"}"#).unwrap();
    /// assert_eq!(f.rating(), Some(&FeedbackType::Dislike));
    /// ```
    pub fn rating(&self) -> Option<&FeedbackType> {
        match self {
            Feedback::Rating(t) => Some(t),
            Feedback::Detail(d) => d.type_.as_ref(),
        }
    }
}
