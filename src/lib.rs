//! # maiagent
//!
//! The typed, async Rust SDK for the [MaiAgent](https://maiagent.ai) platform: chatbots
//! (AI assistants), conversations, messages and webhooks.
//!
//! ```no_run
//! # async fn run() -> Result<(), maiagent::Error> {
//! let client = maiagent::Client::from_env()?;
//! let page = client.conversations().list().first_page().await?;
//! for conversation in &page.results {
//!     println!("{} {:?}", conversation.id, conversation.title);
//! }
//! # Ok(()) }
//! ```
//!
//! * [`Client`]: configuration, API-key auth, retries and timeouts ([`ClientBuilder`],
//!   [`RetryPolicy`]); every call returns a typed [`Error`].
//! * [`types`]: the data types, generated from the OpenAPI spec in `openapi/`.
//! * [`generated`]: the generated client itself, for anything the facade does not wrap.
#![warn(missing_docs)]
// Lints that keep server input and caller durations from panicking (issue 12):
// - `panic`, `unwrap_used`: no panic on a library path (tests may; see clippy.toml).
// - `unchecked_time_subtraction`: `Instant - Duration` and `Instant - Instant` must be checked
//   or saturating; deadlines come from `deadline::deadline_after` (tokio's clock, for pauses)
//   and `deadline::timeout_after` (the real clock, for the watchdog's timeouts).
// - `cast_possible_truncation`: integer narrowing goes through `try_from`.
// Not enabled, with the reason:
// - `arithmetic_side_effects` (56 hits): almost all are counters and offsets bounded by a buffer
//   length or a small constant (SSE decoder, wire scalars, mock paging); it is denied instead in
//   the modules that do arithmetic on server-sent numbers and caller durations (`retry`,
//   `deadline`, `redirect`), where an overflow was a real defect.
// - `indexing_slicing` (25 hits): the SSE decoder and wire scalars index just after a bounds
//   check on their hot path (memchr positions); `get()` everywhere would hide that, and the
//   fuzz targets of `fuzz/` exercise those decoders on arbitrary input instead.
#![deny(
    clippy::panic,
    clippy::unwrap_used,
    clippy::unchecked_time_subtraction,
    clippy::cast_possible_truncation
)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod call;
pub mod chatbot;
mod client;
mod deadline;
mod error;
pub mod generated;
mod json;
#[cfg(feature = "mock")]
pub mod mock;
mod operation;
pub mod pagination;
mod redirect;
pub mod resources;
mod response;
mod retry;
mod tls;
mod transport;
pub mod types;
pub mod upload;
mod watchdog;
pub mod webhook;
mod wire;

pub use call::Call;
pub use chatbot::completions::{ChatSession, CompletionBuilder, ReplyStream};
pub use chatbot::export::{Export, ExportRecords};
pub use chatbot::Chatbot;
pub use client::{
    Client, ClientBuilder, API_KEY_ENV, BASE_URL_ENV, DEFAULT_BASE_URL, DEFAULT_MAX_RESPONSE_SIZE,
};
pub use error::{ApiError, Error};
pub use operation::{Operation, OperationSpec, Pagination};
pub use pagination::{Items, Listing, Pages};
pub use response::Response;
pub use retry::RetryPolicy;
pub use wire::ApiKey;

/// Internals that the fuzz targets of `fuzz/` call. Not part of the API: hidden, unstable.
#[doc(hidden)]
pub mod __fuzz {
    use std::time::Duration;

    /// The wait that a response with these headers asks for (`Retry-After`, `retry-after-ms`).
    pub fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
        crate::retry::retry_after(headers)
    }

    /// The wait `policy` chooses before retry number `retry` of a GET answered `status` with
    /// these headers, or `None` when it does not retry.
    pub fn retry_delay(
        policy: &crate::RetryPolicy,
        retry: u32,
        status: reqwest::StatusCode,
        headers: &reqwest::header::HeaderMap,
    ) -> Option<Duration> {
        let error = crate::Error::Api(Box::new(crate::ApiError {
            status,
            body: String::new(),
            json: None,
            request_id: None,
            retry_after: crate::retry::retry_after(headers),
        }));
        policy.delay(retry, true, &error)
    }

    /// A response body decoded as the SDK decodes every JSON response (one UTF-8 check, then
    /// `serde_json` from the text; an empty body reads as `null`): the fuzz target and property
    /// tests check it against `serde_json::from_slice`, the benchmark times it.
    pub fn decode_response<T: serde::de::DeserializeOwned>(
        bytes: &[u8],
    ) -> Result<T, crate::Error> {
        crate::transport::decode(bytes, "fuzz")
    }

    /// Decodes `bytes` as every response type the way the client decodes a response, and checks
    /// each result: it equals `serde_json::from_slice`'s (a whitespace-only body, which the
    /// client reads as `null`, aside), and a decoded value re-encodes to a body that decodes
    /// again. The fuzz target `response_decoders` and the property tests run it.
    ///
    /// # Panics
    ///
    /// When a check fails: that is the bug the callers look for.
    pub fn check_response_decoders(bytes: &[u8]) {
        use crate::types::{
            ChatbotRecord, ChatbotRecordPage, Completion, Conversation, ConversationPage, Message,
            MessagePage,
        };
        check::<Message>(bytes);
        check::<MessagePage>(bytes);
        check::<Conversation>(bytes);
        check::<ConversationPage>(bytes);
        check::<ChatbotRecord>(bytes);
        check::<ChatbotRecordPage>(bytes);
        check::<Completion>(bytes);
    }

    /// [`check_response_decoders`] for one type.
    fn check<T>(bytes: &[u8])
    where
        T: serde::de::DeserializeOwned + serde::Serialize + PartialEq + std::fmt::Debug,
    {
        let decoded = decode_response::<T>(bytes).ok();
        if !bytes.iter().all(u8::is_ascii_whitespace) {
            let raw = serde_json::from_slice::<T>(bytes).ok();
            assert_eq!(decoded, raw, "{}", String::from_utf8_lossy(bytes));
        }
        if let Some(value) = decoded {
            let again = serde_json::to_vec(&value).expect("a decoded value encodes");
            let back = decode_response::<T>(&again);
            assert!(back.is_ok(), "a re-encoded value does not decode: {back:?}");
        }
    }

    /// The file name of a `Content-Disposition` header value.
    pub fn content_disposition_file_name(value: &[u8]) -> Option<String> {
        crate::chatbot::export::disposition::content_disposition_file_name(value)
    }
}

/// The README's examples, compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
