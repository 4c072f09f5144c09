use super::recent::{RecentIds, Reserved};
use crate::types::Message;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::Instant;

/// Routes webhook messages to whoever waits for a reply in their conversation.
///
/// Each message goes to the oldest armed waiter of its conversation; a waiter is armed until it
/// receives one message. MaiAgent retries a delivery that was not answered 200, so the same
/// message may arrive twice: [`ReplyHub::deliver`] drops a message whose id it has seen
/// recently. A message nobody waits for is not kept.
///
/// ```
/// # async fn run() -> Result<(), maiagent::Error> {
/// use maiagent::webhook::ReplyHub;
/// use std::time::Duration;
///
/// let hub = ReplyHub::new();
/// let waiter = hub.waiter("8e44604a-8278-4c96-96b5-3e5a0548d738");
/// // ... a webhook arrives and the receiver calls hub.deliver(message) ...
/// # hub.deliver(maiagent::webhook::decode(br#"{"id": "m1", "conversation": "8e44604a-8278-4c96-96b5-3e5a0548d738"}"#)?);
/// let reply = waiter.wait(Duration::from_secs(30)).await?;
/// # let _ = reply;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct ReplyHub {
    state: Arc<Mutex<State>>,
    seen: Arc<RecentIds>,
}

impl Default for ReplyHub {
    fn default() -> Self {
        Self {
            state: Arc::default(),
            seen: Arc::new(RecentIds::new(super::SEEN_CAPACITY)),
        }
    }
}

#[derive(Default)]
struct State {
    waiters: HashMap<String, Vec<Slot>>,
    next_waiter: u64,
}

struct Slot {
    id: u64,
    tx: mpsc::UnboundedSender<Message>,
    armed: bool,
    exclude: Option<String>,
}

impl std::fmt::Debug for ReplyHub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = self.lock();
        f.debug_struct("ReplyHub")
            .field("waiting_conversations", &state.waiters.len())
            .field("seen_messages", &self.seen.len())
            .finish()
    }
}

/// What [`ReplyHub::deliver`] did with a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Delivery {
    /// A waiter of the message's conversation received it.
    Delivered,
    /// Nobody waits for that conversation; the message is not kept.
    Unclaimed,
    /// The message id was delivered before (a retry by MaiAgent): dropped.
    Duplicate,
}

impl ReplyHub {
    /// An empty hub.
    pub fn new() -> Self {
        Self::default()
    }

    /// Waits for the next message of `conversation`. Register the waiter *before* sending the
    /// message whose reply you want, so that a fast reply is not missed.
    pub fn waiter(&self, conversation: impl AsRef<str>) -> ReplyWaiter {
        let (tx, rx) = mpsc::unbounded_channel();
        let conversation = conversation.as_ref().to_string();
        let mut state = self.lock();
        let id = state.next_waiter;
        state.next_waiter += 1;
        state
            .waiters
            .entry(conversation.clone())
            .or_default()
            .push(Slot {
                id,
                tx,
                armed: true,
                exclude: None,
            });
        ReplyWaiter {
            hub: self.clone(),
            conversation,
            id,
            rx,
        }
    }

    /// Hands a webhook message to the oldest armed waiter of its conversation.
    ///
    /// The message id is remembered as delivered only once the message was handed over (a
    /// message that arrives twice at once is handed over once).
    pub fn deliver(&self, message: Message) -> Delivery {
        let message_id = message.id.as_ref().map(|i| i.as_str().to_string());
        let reservation = match message_id.as_deref().map(|id| self.seen.reserve(id)) {
            Some(Reserved::Delivered | Reserved::InFlight) => return Delivery::Duplicate,
            Some(Reserved::Fresh(reservation)) => Some(reservation),
            None => None,
        };
        let delivery = self.dispatch(message, message_id);
        if let Some(reservation) = reservation {
            reservation.confirm();
        }
        delivery
    }

    /// Hands `message` to the oldest armed waiter of its conversation.
    fn dispatch(&self, message: Message, message_id: Option<String>) -> Delivery {
        let mut state = self.lock();
        let Some(conversation) = message.conversation.as_ref().map(|c| c.to_string()) else {
            return Delivery::Unclaimed;
        };
        let Some(slots) = state.waiters.get_mut(&conversation) else {
            return Delivery::Unclaimed;
        };
        let target = slots.iter_mut().find(|s| {
            s.armed && !s.tx.is_closed() && (s.exclude.is_none() || s.exclude != message_id)
        });
        match target {
            Some(slot) if slot.tx.send(message).is_ok() => {
                slot.armed = false;
                Delivery::Delivered
            }
            _ => Delivery::Unclaimed,
        }
    }

    /// Whether a message id was delivered recently.
    pub fn has_seen(&self, message_id: &str) -> bool {
        self.seen.contains(message_id)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn update(&self, conversation: &str, id: u64, f: impl FnOnce(&mut Slot)) {
        let mut state = self.lock();
        if let Some(slot) = state
            .waiters
            .get_mut(conversation)
            .and_then(|slots| slots.iter_mut().find(|s| s.id == id))
        {
            f(slot);
        }
    }

    fn forget(&self, conversation: &str, id: u64) {
        let mut state = self.lock();
        if let Some(slots) = state.waiters.get_mut(conversation) {
            slots.retain(|s| s.id != id);
            if slots.is_empty() {
                state.waiters.remove(conversation);
            }
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
    pub async fn wait(mut self, timeout: Duration) -> Result<Message, crate::Error> {
        let deadline = Instant::now().checked_add(timeout);
        self.next(deadline)
            .await
            .ok_or(crate::Error::Timeout { after: timeout })
    }

    /// Waits up to `timeout` ([`Duration::MAX`]: no deadline) for the reply to the message
    /// `sent_id`: the first message of the conversation that is not that message itself.
    pub(crate) async fn reply_to(
        mut self,
        sent_id: Option<&str>,
        timeout: Duration,
    ) -> Result<Message, crate::Error> {
        if let Some(sent_id) = sent_id {
            let exclude = sent_id.to_string();
            self.hub
                .update(&self.conversation, self.id, |s| s.exclude = Some(exclude));
        }
        let deadline = Instant::now().checked_add(timeout);
        loop {
            let message = self
                .next(deadline)
                .await
                .ok_or(crate::Error::Timeout { after: timeout })?;
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
        self.hub
            .update(&self.conversation, self.id, |s| s.armed = true);
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
        self.hub.forget(&self.conversation, self.id);
    }
}
