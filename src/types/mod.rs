//! The API's data types.
//!
//! Everything the spec defines is generated from `openapi/maiagent.yaml` and re-exported here
//! ([`Message`], [`Conversation`], [`Completion`], …). The tolerant scalars ([`Id`], [`Timestamp`], [`Flag`], [`Score`]) are hand-written
//! because the vendor documents one field with several JSON types; they decode every documented
//! form, keep the value exactly as sent, and offer typed accessors.

mod feedback;
mod refs;

pub use crate::generated::types::*;
pub use crate::wire::open_enum::*;
pub use crate::wire::{Flag, Id, PresignedFields, Score, Timestamp};
