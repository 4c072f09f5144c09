use std::collections::{HashSet, VecDeque};
use std::sync::{Arc, Mutex};

/// The message ids handed over recently (oldest forgotten first), and those being handed over
/// right now.
///
/// An id is remembered as delivered only once its hand-over succeeded: [`RecentIds::reserve`]
/// marks it in flight, [`Reservation::confirm`] marks it delivered, and dropping an unconfirmed
/// [`Reservation`] (a failed or cancelled hand-over) forgets it, so a retry delivers it.
#[derive(Debug)]
pub(crate) struct RecentIds {
    capacity: usize,
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    delivered: HashSet<String>,
    order: VecDeque<String>,
    in_flight: HashSet<String>,
}

/// What [`RecentIds::reserve`] found.
#[derive(Debug)]
pub(crate) enum Reserved {
    /// The id is new: hand the message over, then confirm.
    Fresh(Reservation),
    /// The id was handed over before.
    Delivered,
    /// Another request is handing the id over right now; its outcome is not known yet.
    InFlight,
}

/// An id being handed over; released on drop unless confirmed.
#[derive(Debug)]
#[must_use = "a reservation is released when dropped; confirm it after the hand-over"]
pub(crate) struct Reservation {
    ids: Arc<RecentIds>,
    id: String,
    confirmed: bool,
}

impl RecentIds {
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(1),
            inner: Mutex::default(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Reserves `id` for a hand-over, unless it was handed over or is being handed over.
    pub(crate) fn reserve(self: &Arc<Self>, id: &str) -> Reserved {
        let mut inner = self.lock();
        if inner.delivered.contains(id) {
            return Reserved::Delivered;
        }
        if !inner.in_flight.insert(id.to_string()) {
            return Reserved::InFlight;
        }
        Reserved::Fresh(Reservation {
            ids: Arc::clone(self),
            id: id.to_string(),
            confirmed: false,
        })
    }

    pub(crate) fn contains(&self, id: &str) -> bool {
        self.lock().delivered.contains(id)
    }

    pub(crate) fn len(&self) -> usize {
        self.lock().delivered.len()
    }
}

impl Reservation {
    /// The hand-over succeeded: remember the id as delivered.
    pub(crate) fn confirm(mut self) {
        self.confirmed = true;
        let mut inner = self.ids.lock();
        inner.in_flight.remove(&self.id);
        if inner.delivered.insert(self.id.clone()) {
            inner.order.push_back(self.id.clone());
            if inner.order.len() > self.ids.capacity {
                if let Some(old) = inner.order.pop_front() {
                    inner.delivered.remove(&old);
                }
            }
        }
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        if !self.confirmed {
            self.ids.lock().in_flight.remove(&self.id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{RecentIds, Reserved};
    use std::sync::Arc;

    fn deliver(ids: &Arc<RecentIds>, id: &str) -> bool {
        match ids.reserve(id) {
            Reserved::Fresh(r) => {
                r.confirm();
                true
            }
            _ => false,
        }
    }

    #[test]
    fn forgets_the_oldest_beyond_capacity() {
        let ids = Arc::new(RecentIds::new(2));
        assert!(deliver(&ids, "a"));
        assert!(!deliver(&ids, "a"));
        assert!(deliver(&ids, "b"));
        assert!(deliver(&ids, "c"));
        assert!(!ids.contains("a"));
        assert!(ids.contains("b") && ids.contains("c"));
        assert_eq!(ids.len(), 2);
    }

    #[test]
    fn an_unconfirmed_reservation_is_released_and_an_in_flight_one_is_reported() {
        let ids = Arc::new(RecentIds::new(8));
        let first = match ids.reserve("m") {
            Reserved::Fresh(r) => r,
            other => panic!("{other:?}"),
        };
        assert!(matches!(ids.reserve("m"), Reserved::InFlight));
        drop(first);
        assert!(!ids.contains("m"));
        assert!(deliver(&ids, "m"));
        assert!(matches!(ids.reserve("m"), Reserved::Delivered));
    }
}
