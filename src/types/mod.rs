//! The API's data types.
//!
//! Everything the spec defines is generated from `openapi/maiagent.yaml` and re-exported here
//! ([`Message`], [`Conversation`], [`Completion`], …). The few types below are hand-written
//! because the vendor documents one field with several JSON types; they decode every documented
//! form, keep the value exactly as sent, and offer typed accessors.

mod feedback;
mod flag;
mod id;
mod open_enum;
mod scalar;
mod score;
mod timestamp;

pub use crate::generated::types::*;
pub use feedback::Feedback;
pub use flag::Flag;
pub use id::Id;
pub use open_enum::{AttachmentType, CanvasType, ChannelType, FeedbackType, MessageType};
pub use score::Score;
pub use timestamp::Timestamp;
