//! Helpers shared by the integration tests (`mod common;`).
#![allow(dead_code)]

pub mod http_server;
pub mod logs;
pub mod openapi_schema;
#[cfg(feature = "webhook-receiver")]
pub mod webhook;
