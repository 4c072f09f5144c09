//! Helpers shared by the integration tests (`mod common;`).
#![allow(dead_code)]

pub mod allocations;
#[cfg(feature = "cli")]
pub mod cli;
pub mod decoders;
pub mod dir;
#[cfg(any(feature = "mock", feature = "webhook-receiver"))]
pub mod hook_sink;
pub mod http_server;
pub mod logs;
#[cfg(feature = "mock")]
pub mod mock;
pub mod openapi_schema;
#[cfg(all(feature = "cli", unix))]
pub mod pty;
#[cfg(feature = "redis")]
pub mod redis;
pub mod spec_walk;
#[cfg(feature = "webhook-receiver")]
pub mod webhook;
