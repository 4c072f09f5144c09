//! The reply waiters of one process, by conversation. Both backends of the hub hand messages to
//! them: the in-process backend directly, the Redis backend from its stream reader.

use crate::types::Message;
use std::collections::HashMap;
use std::sync::Mutex;
use tokio::sync::mpsc;

#[derive(Default)]
pub(crate) struct Waiters {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    by_conversation: HashMap<String, Vec<Slot>>,
    next_id: u64,
}

struct Slot {
    id: u64,
    tx: mpsc::UnboundedSender<Message>,
    armed: bool,
    exclude: Option<String>,
}

impl Waiters {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Registers an armed waiter for `conversation`: its id and where its messages arrive.
    pub(crate) fn register(&self, conversation: &str) -> (u64, mpsc::UnboundedReceiver<Message>) {
        let (tx, rx) = mpsc::unbounded_channel();
        let mut state = self.lock();
        let id = state.next_id;
        state.next_id = state.next_id.wrapping_add(1);
        state
            .by_conversation
            .entry(conversation.to_string())
            .or_default()
            .push(Slot {
                id,
                tx,
                armed: true,
                exclude: None,
            });
        (id, rx)
    }

    #[cfg(feature = "redis")]
    /// Whether anyone here waits for a message of `conversation`.
    pub(crate) fn waits_for(&self, conversation: &str) -> bool {
        self.lock().by_conversation.contains_key(conversation)
    }

    /// How many conversations are waited on.
    pub(crate) fn conversations(&self) -> usize {
        self.lock().by_conversation.len()
    }

    /// Hands `message` to the oldest armed waiter of its conversation; false when there is
    /// none.
    pub(crate) fn dispatch(&self, message: Message) -> bool {
        let Some(conversation) = message.conversation.as_ref().map(|c| c.to_string()) else {
            return false;
        };
        let message_id = message.id.as_ref().map(|i| i.as_str());
        let mut state = self.lock();
        let Some(slots) = state.by_conversation.get_mut(&conversation) else {
            return false;
        };
        let Some(slot) = slots.iter_mut().find(|s| {
            s.armed
                && !s.tx.is_closed()
                && (s.exclude.is_none() || s.exclude.as_deref() != message_id)
        }) else {
            return false;
        };
        slot.armed = false;
        slot.tx.send(message).is_ok()
    }

    /// Applies `f` to the waiter `id` of `conversation`.
    fn update(&self, conversation: &str, id: u64, f: impl FnOnce(&mut Slot)) {
        let mut state = self.lock();
        if let Some(slot) = state
            .by_conversation
            .get_mut(conversation)
            .and_then(|slots| slots.iter_mut().find(|s| s.id == id))
        {
            f(slot);
        }
    }

    /// The waiter ignores the message with this id.
    pub(crate) fn exclude(&self, conversation: &str, id: u64, message_id: String) {
        self.update(conversation, id, |s| s.exclude = Some(message_id));
    }

    /// The waiter takes the next message again.
    pub(crate) fn arm(&self, conversation: &str, id: u64) {
        self.update(conversation, id, |s| s.armed = true);
    }

    /// Removes the waiter; a conversation nobody waits for leaves nothing behind.
    pub(crate) fn forget(&self, conversation: &str, id: u64) {
        let mut state = self.lock();
        if let Some(slots) = state.by_conversation.get_mut(conversation) {
            slots.retain(|s| s.id != id);
            if slots.is_empty() {
                state.by_conversation.remove(conversation);
            }
        }
    }
}
