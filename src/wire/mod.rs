//! The wire layer: what the generated client is built on.
//!
//! The credentials the generated client carries, and the tolerant scalars and open enums that the
//! spec maps its fields to (`x-maiagent-rust` and `x-maiagent-open-enum` in
//! `openapi/maiagent.yaml`). This module imports nothing from the rest of the crate: the
//! generated client ([`crate::generated`]) sits on it, and the facade sits on both. Users reach
//! these types through [`crate::types`] and [`crate::ApiKey`].

mod credentials;
mod flag;
mod id;
mod items;
pub(crate) mod open_enum;
mod presigned;
mod scalar;
mod score;
mod text;
mod timestamp;

pub use credentials::{ApiKey, Credentials};
pub use flag::Flag;
pub use id::Id;
pub(crate) use items::{expecting_page_len, page_items};
pub use open_enum::*;
pub use presigned::PresignedFields;
pub use score::Score;
pub use timestamp::Timestamp;
