//! Webhooks: the bot's replies that MaiAgent POSTs to your URL after `POST messages/`.
//!
//! * [`decode`] turns a webhook body into the generated [`Message`] type, tolerating every
//!   documented variation (`createdAt` or `created_at`, a 128-bit integer or a UUID as
//!   `sender.id`, unknown fields and enum values).
//! * [`ReplyHub`] correlates incoming webhooks with the conversations waiting for them, so that
//!   [`SendMessage::await_reply`](crate::resources::messages::SendMessage::await_reply) can
//!   send a message and wait for the bot's answer.
//! * `receiver` (feature `webhook-receiver`) is an axum router to mount in your app.
//! * With the `redis` feature, `ReplyHub::redis(url)` shares one hub between the replicas of a
//!   service behind a load balancer.
//!
//! ```
//! let body = r#"{"id": "2491074a-6d23-4289-af45-caa12531420e",
//!                 "conversation": "8e44604a-8278-4c96-96b5-3e5a0548d738",
//!                 "sender": {"id": 324816370485542537671391323877394598747, "name": "AI"},
//!                 "type": "outgoing", "content": "你好", "created_at": "1732495353000"}"#;
//! let message = maiagent::webhook::decode(body.as_bytes())?;
//! assert_eq!(message.content.as_deref(), Some("你好"));
//! assert_eq!(message.sender.unwrap().id.unwrap().as_str(), "324816370485542537671391323877394598747");
//! # Ok::<(), maiagent::Error>(())
//! ```

mod hub;
#[cfg(feature = "webhook-receiver")]
pub mod receiver;
mod recent;
#[cfg(feature = "redis")]
mod redis;
mod waiters;

pub use hub::{Delivery, ReplyHub, ReplyWaiter};
#[cfg(feature = "redis")]
pub use redis::RedisHubBuilder;

use crate::types::Message;
use crate::Error;

/// How many recent message ids are remembered to drop duplicate deliveries.
const SEEN_CAPACITY: usize = 10_000;

/// Decodes a webhook body (the raw bytes MaiAgent POSTed) into a [`Message`].
///
/// A body that does not decode gives [`Error::Decode`], whose message names the field and why
/// (`sender.id: invalid type: boolean ...`).
pub fn decode(body: &[u8]) -> Result<Message, Error> {
    crate::json::decode(body, || "the webhook body".to_string())
}
