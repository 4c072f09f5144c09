//! An axum router that receives MaiAgent webhooks: mount it in your app at a path of your choice.
//!
//! ```no_run
//! # async fn run() -> std::io::Result<()> {
//! use maiagent::webhook::receiver::WebhookReceiver;
//!
//! let (receiver, mut messages) = WebhookReceiver::channel(64);
//! let app = axum::Router::new().nest("/hooks/maiagent", receiver.require_header("x-hook-secret", "s3cret").into_router());
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! tokio::spawn(async move { axum::serve(listener, app).await });
//! while let Some(message) = messages.recv().await {
//!     println!("{:?}: {:?}", message.conversation, message.content);
//! }
//! # Ok(()) }
//! ```
//!
//! It answers 200 only once the message is handed over: the channel accepted it, the hub
//! delivered it, or the callback returned. MaiAgent retries a delivery that was not answered
//! 200, and that retry is how a message whose hand-over failed still arrives: 503 when the
//! hand-over cannot happen now (the channel is closed, the hub's Redis cannot be reached, or
//! another request is handing the same message over right now), 500 when the callback
//! panicked; a request that is cancelled (the sender gave up while the channel was full) hands
//! nothing over and remembers nothing.
//! It answers 400 with a short reason for a body that is not a message, 413 for a body over
//! the limit (default 1 MiB), 405 for methods other than POST, and 401 when a configured check
//! fails. The vendor documents no signature, so none is invented:
//! [`WebhookReceiver::require_header`] and a secret path are the checks. A message id handed
//! over before (MaiAgent retries unanswered deliveries) is answered 200 and not handed over
//! again.

use super::recent::{RecentIds, Reserved};
use super::{decode, Delivery, ReplyHub};
use crate::types::Message;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use std::sync::Arc;
use tokio::sync::mpsc;

type Callback = Arc<dyn Fn(Message) + Send + Sync>;

/// Where received messages go.
#[derive(Clone)]
enum Sink {
    /// A hub, which recognises duplicates itself once it has delivered a message.
    Hub(ReplyHub),
    /// The application, with the ids of the messages handed over to it.
    Application(Handover, Arc<RecentIds>),
}

/// How messages are handed to the application.
#[derive(Clone)]
enum Handover {
    Channel(mpsc::Sender<Message>),
    Callback(Callback),
}

/// Builds the webhook router; see the [module documentation](self).
#[derive(Clone)]
#[must_use = "a receiver does nothing until mounted with into_router"]
pub struct WebhookReceiver {
    sink: Sink,
    body_limit: usize,
    header: Option<(String, String)>,
}

impl std::fmt::Debug for WebhookReceiver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookReceiver")
            .field("body_limit", &self.body_limit)
            .field("header_check", &self.header.as_ref().map(|(name, _)| name))
            .finish_non_exhaustive()
    }
}

impl WebhookReceiver {
    fn with_sink(sink: Sink) -> Self {
        Self {
            sink,
            body_limit: 1024 * 1024,
            header: None,
        }
    }

    fn application(handover: Handover) -> Self {
        let seen = Arc::new(RecentIds::new(super::SEEN_CAPACITY));
        Self::with_sink(Sink::Application(handover, seen))
    }

    /// Hands each message to a bounded channel (the receiver waits while it is full).
    pub fn channel(capacity: usize) -> (Self, mpsc::Receiver<Message>) {
        let (tx, rx) = mpsc::channel(capacity.max(1));
        (Self::application(Handover::Channel(tx)), rx)
    }

    /// Hands each message to a [`ReplyHub`], for
    /// [`SendMessage::await_reply`](crate::resources::messages::SendMessage::await_reply).
    pub fn hub(hub: ReplyHub) -> Self {
        Self::with_sink(Sink::Hub(hub))
    }

    /// Calls `f` with each message (keep it short: the webhook is answered after it returns).
    /// A panic in `f` is caught and answered 500, so that MaiAgent retries the message.
    pub fn callback(f: impl Fn(Message) + Send + Sync + 'static) -> Self {
        Self::application(Handover::Callback(Arc::new(f)))
    }

    /// The largest body accepted, in bytes (default 1 MiB); larger bodies are answered 413.
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = bytes;
        self
    }

    /// Accept only requests carrying this header with this value (configure the same header on
    /// the webhook URL's side, or use a secret path instead); others are answered 401.
    pub fn require_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.header = Some((name.into().to_ascii_lowercase(), value.into()));
        self
    }

    /// The router: `POST /` receives. Mount it with `Router::nest` at a path of your choice.
    pub fn into_router(self) -> Router {
        let limit = self.body_limit;
        Router::new()
            .route("/", post(receive))
            .layer(DefaultBodyLimit::max(limit))
            .with_state(Arc::new(self))
    }
}

async fn receive(
    State(receiver): State<Arc<WebhookReceiver>>,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, String) {
    if let Some((name, expected)) = &receiver.header {
        let given = headers.get(name.as_str()).and_then(|v| v.to_str().ok());
        if !given.is_some_and(|g| constant_time_eq(g.as_bytes(), expected.as_bytes())) {
            return (
                StatusCode::UNAUTHORIZED,
                "missing or wrong webhook secret".into(),
            );
        }
    }
    let message = match decode(&body) {
        Ok(message) => message,
        Err(crate::Error::Decode { what, source, .. }) => {
            return (
                StatusCode::BAD_REQUEST,
                format!("cannot decode {what}: {source}"),
            );
        }
        Err(e) => return (StatusCode::BAD_REQUEST, e.to_string()),
    };
    let (handover, seen) = match &receiver.sink {
        Sink::Hub(hub) => {
            return match hub.deliver(message).await {
                Ok(Delivery::Duplicate) => (StatusCode::OK, DUPLICATE.into()),
                Ok(_) => (StatusCode::OK, "ok".into()),
                Err(e) => {
                    tracing::warn!(error = %e, "a webhook could not be handed to the hub; answered 503");
                    (
                        StatusCode::SERVICE_UNAVAILABLE,
                        format!("cannot hand the message over now: {e}"),
                    )
                }
            };
        }
        Sink::Application(handover, seen) => (handover, seen),
    };
    // The id is reserved while the message is handed over. An unconfirmed reservation is
    // released when dropped, also when this request future is dropped mid-way (the sender gave
    // up), so that MaiAgent's retry hands the message over.
    let reservation = match message.id.as_ref().map(|id| seen.reserve(id.as_str())) {
        Some(Reserved::Delivered) => return (StatusCode::OK, DUPLICATE.into()),
        Some(Reserved::InFlight) => {
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                "this message is being handed over by another request; retry later".into(),
            )
        }
        Some(Reserved::Fresh(reservation)) => Some(reservation),
        None => None,
    };
    match handover {
        Handover::Channel(tx) => {
            if tx.send(message).await.is_err() {
                return (StatusCode::SERVICE_UNAVAILABLE, "receiver closed".into());
            }
        }
        Handover::Callback(f) => {
            let call = std::panic::AssertUnwindSafe(|| f(message));
            if std::panic::catch_unwind(call).is_err() {
                tracing::error!(
                    "the webhook callback panicked; answered 500 so that it is retried"
                );
                return (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "the application failed to take the message".into(),
                );
            }
        }
    }
    if let Some(reservation) = reservation {
        reservation.confirm();
    }
    (StatusCode::OK, "ok".into())
}

/// The answer to a message handed over before.
const DUPLICATE: &str = "duplicate delivery ignored";

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
