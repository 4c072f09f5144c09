use super::recent::{RecentIds, Reserved};
use super::waiters::Waiters;
use crate::types::Message;
use crate::Error;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::Instant;

/// Routes webhook messages to whoever waits for a reply in their conversation.
///
/// Each message goes to the oldest armed waiter of its conversation; a waiter is armed until it
/// receives one message. MaiAgent retries a delivery that was not answered 200, so the same
/// message may arrive twice: [`ReplyHub::deliver`] drops a message whose id it has delivered
/// recently.
///
/// Two backends, chosen at construction, behind this one API:
/// * in-process ([`ReplyHub::new`]): the webhook must reach the process that waits. A message
///   nobody waits for is not kept.
/// * Redis ([`ReplyHub::redis`], feature `redis`): several replicas of a service share one
///   Redis; a webhook received by any replica reaches the waiter on any replica (see the
///   README's "Running several replicas").
///
/// ```
/// # async fn run() -> Result<(), maiagent::Error> {
/// use maiagent::webhook::ReplyHub;
/// use std::time::Duration;
///
/// let hub = ReplyHub::new();
/// let waiter = hub.waiter("8e44604a-8278-4c96-96b5-3e5a0548d738");
/// // ... a webhook arrives and the receiver calls hub.deliver(message) ...
/// # hub.deliver(maiagent::webhook::decode(br#"{"id": "m1", "conversation": "8e44604a-8278-4c96-96b5-3e5a0548d738"}"#)?).await?;
/// let reply = waiter.wait(Duration::from_secs(30)).await?;
/// # let _ = reply;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct ReplyHub {
    waiters: Arc<Waiters>,
    backend: Arc<Backend>,
}

enum Backend {
    InProcess(Arc<RecentIds>),
    #[cfg(feature = "redis")]
    Redis(super::redis::Shared),
}

impl Default for ReplyHub {
    fn default() -> Self {
        let seen = Arc::new(RecentIds::new(super::SEEN_CAPACITY));
        Self {
            waiters: Arc::default(),
            backend: Arc::new(Backend::InProcess(seen)),
        }
    }
}

impl std::fmt::Debug for ReplyHub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut out = f.debug_struct("ReplyHub");
        out.field("waiting_conversations", &self.waiters.conversations());
        match &*self.backend {
            Backend::InProcess(seen) => out.field("seen_messages", &seen.len()),
            #[cfg(feature = "redis")]
            Backend::Redis(redis) => out.field("redis", redis),
        };
        out.finish()
    }
}

/// What [`ReplyHub::deliver`] did with a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Delivery {
    /// A waiter of the message's conversation received it.
    Delivered,
    /// (Redis backend) The message is on the shared stream, from which each replica hands it
    /// to its oldest armed waiter of the conversation, if it has one.
    Published,
    /// Nobody waits for that conversation; the message is not kept.
    Unclaimed,
    /// The message id was delivered before (a retry by MaiAgent): dropped.
    Duplicate,
}

impl ReplyHub {
    /// An empty in-process hub.
    pub fn new() -> Self {
        Self::default()
    }

    #[cfg(feature = "redis")]
    pub(crate) fn with_redis(waiters: Arc<Waiters>, redis: super::redis::Shared) -> Self {
        Self {
            waiters,
            backend: Arc::new(Backend::Redis(redis)),
        }
    }

    /// Waits for the next message of `conversation`. Register the waiter *before* sending the
    /// message whose reply you want, so that a fast reply is not missed: from then on, every
    /// message of the conversation that reaches the hub (on any replica, with Redis) is kept
    /// for the waiter until it waits.
    pub fn waiter(&self, conversation: impl AsRef<str>) -> ReplyWaiter {
        let conversation = conversation.as_ref().to_string();
        let (id, rx) = self.waiters.register(&conversation);
        ReplyWaiter {
            hub: self.clone(),
            conversation,
            id,
            rx,
        }
    }

    /// Hands a webhook message to the oldest armed waiter of its conversation (with Redis:
    /// publishes it to every replica).
    ///
    /// The message id is remembered as delivered only once the message was handed over, and a
    /// message that arrives several times at once (on several replicas, with Redis) is handed
    /// over once. An error (Redis cannot be reached) means nothing was handed over and nothing
    /// remembered: answer the webhook with an error so that MaiAgent retries it.
    pub async fn deliver(&self, message: Message) -> Result<Delivery, Error> {
        match &*self.backend {
            Backend::InProcess(seen) => Ok(self.deliver_in_process(seen, message)),
            #[cfg(feature = "redis")]
            Backend::Redis(redis) => redis.publish(&message).await,
        }
    }

    fn deliver_in_process(&self, seen: &Arc<RecentIds>, message: Message) -> Delivery {
        let reservation = match message.id.as_ref().map(|id| seen.reserve(id.as_str())) {
            Some(Reserved::Delivered | Reserved::InFlight) => return Delivery::Duplicate,
            Some(Reserved::Fresh(reservation)) => Some(reservation),
            None => None,
        };
        let delivery = if self.waiters.dispatch(message) {
            Delivery::Delivered
        } else {
            Delivery::Unclaimed
        };
        if let Some(reservation) = reservation {
            reservation.confirm();
        }
        delivery
    }

    /// Whether a message id was delivered recently.
    pub async fn has_seen(&self, message_id: &str) -> Result<bool, Error> {
        match &*self.backend {
            Backend::InProcess(seen) => Ok(seen.contains(message_id)),
            #[cfg(feature = "redis")]
            Backend::Redis(redis) => redis.has_seen(message_id).await,
        }
    }
}

/// One wait for the next message of a conversation; see [`ReplyHub::waiter`].
#[derive(Debug)]
#[must_use = "a waiter does nothing until waited on"]
pub struct ReplyWaiter {
    hub: ReplyHub,
    conversation: String,
    id: u64,
    rx: mpsc::UnboundedReceiver<Message>,
}

impl ReplyWaiter {
    /// The conversation waited on.
    pub fn conversation(&self) -> &str {
        &self.conversation
    }

    /// Waits up to `timeout` for the message ([`Duration::MAX`]: no deadline);
    /// [`crate::Error::Timeout`] when none arrives.
    pub async fn wait(mut self, timeout: Duration) -> Result<Message, Error> {
        let deadline = Instant::now().checked_add(timeout);
        self.next(deadline)
            .await
            .ok_or(Error::Timeout { after: timeout })
    }

    /// Waits up to `timeout` ([`Duration::MAX`]: no deadline) for the reply to the message
    /// `sent_id`: the first message of the conversation that is not that message itself.
    pub(crate) async fn reply_to(
        mut self,
        sent_id: Option<&str>,
        timeout: Duration,
    ) -> Result<Message, Error> {
        if let Some(sent_id) = sent_id {
            let waiters = &self.hub.waiters;
            waiters.exclude(&self.conversation, self.id, sent_id.to_string());
        }
        let deadline = Instant::now().checked_add(timeout);
        loop {
            let message = self
                .next(deadline)
                .await
                .ok_or(Error::Timeout { after: timeout })?;
            if sent_id.is_none() || message.id.as_ref().map(|i| i.as_str()) != sent_id {
                return Ok(message);
            }
        }
    }

    /// The next message for this waiter until `deadline` (`None`: no deadline), arming it
    /// again if it already received one.
    async fn next(&mut self, deadline: Option<Instant>) -> Option<Message> {
        if let Ok(message) = self.rx.try_recv() {
            return Some(message);
        }
        self.hub.waiters.arm(&self.conversation, self.id);
        match deadline {
            Some(deadline) => tokio::time::timeout_at(deadline, self.rx.recv())
                .await
                .ok()
                .flatten(),
            None => self.rx.recv().await,
        }
    }
}

impl Drop for ReplyWaiter {
    fn drop(&mut self) {
        self.hub.waiters.forget(&self.conversation, self.id);
    }
}
