//! # maiagent
//!
//! The typed, async Rust SDK for the [MaiAgent](https://maiagent.ai) platform.
#![warn(missing_docs)]

pub mod generated;
pub mod types;
