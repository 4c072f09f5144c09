//! Timeouts: the request timeout, the wait for a stream's headers, a stream's idle timeout, a
//! call's deadline and the drain of a finished stream. They bound a wait, and almost every wait
//! ends before them, so setting one must cost next to nothing.
//!
//! A tokio timer per call costs a locked wheel insert and removal and work for the runtime at
//! every park: measured at 64 GETs in flight, about 2–3% of the throughput (in the SDK and in
//! reqwest's `.timeout` alike). Here a timeout is an [`Alarm`]: a slot in one shared table,
//! watched by one thread that sleeps until the earliest alarm and wakes the tasks whose alarm is
//! due.
//! - Setting an alarm is one uncontended lock and a slot write, at its first poll. The thread is
//!   woken only when an alarm is earlier than the one it sleeps until: the first after an idle
//!   spell, or a shorter timeout than the others. Calls with the same timeout never wake it.
//! - A pending poll reads one atomic; the clock is read only after the thread has fired some
//!   alarm.
//! - The thread, `maiagent-watchdog`, is started by [`start`] (from `ClientBuilder::build`) and
//!   sleeps while no alarm is due. The table keeps as many slots as alarms were ever set at once.
//!
//! Alarms follow the real clock (`std::time::Instant`), not tokio's: a test that pauses tokio's
//! clock does not make a call time out by advancing it. Pauses that are meant to elapse (retry
//! backoff, polling) stay on tokio's clock.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, OnceLock};
use std::task::{Context, Poll, Waker};
use std::time::Instant;

/// The shared table and the signal to its thread.
struct Watchdog {
    table: Mutex<Table>,
    /// Tells the thread that an alarm earlier than the one it sleeps until was set.
    earlier: Condvar,
    /// Counts the thread's rounds that fired an alarm: an alarm that saw the same count at its
    /// last poll has not fired, and needs no clock read.
    rounds: AtomicU64,
}

#[derive(Default)]
struct Table {
    slots: Vec<Slot>,
    /// Slots given back, for reuse.
    free: Vec<usize>,
    /// When the thread wakes next (`None`: when an alarm is set).
    wakes_at: Option<Instant>,
}

struct Slot {
    at: Instant,
    /// The task to wake; `None` once the alarm fired, and while the slot is free.
    waker: Option<Waker>,
}

/// Stack of the thread: it only compares instants and calls wakers.
const STACK: usize = 256 * 1024;

fn watchdog() -> &'static Watchdog {
    static WATCHDOG: OnceLock<Watchdog> = OnceLock::new();
    WATCHDOG.get_or_init(|| Watchdog {
        table: Mutex::new(Table::default()),
        earlier: Condvar::new(),
        rounds: AtomicU64::new(0),
    })
}

/// Starts the thread, once per process; every later call returns the first one's result.
/// Alarms fire only once it runs, so the client's builder calls this before any call can set
/// one.
pub(crate) fn start() -> Result<(), std::io::Error> {
    static STARTED: OnceLock<Result<(), String>> = OnceLock::new();
    let started = STARTED.get_or_init(|| {
        let dog = watchdog();
        std::thread::Builder::new()
            .name("maiagent-watchdog".into())
            .stack_size(STACK)
            .spawn(move || watch(dog))
            .map(drop)
            .map_err(|e| e.to_string())
    });
    started.clone().map_err(|e| {
        std::io::Error::other(format!("cannot start the thread that times calls out: {e}"))
    })
}

impl Watchdog {
    fn lock(&self) -> MutexGuard<'_, Table> {
        // Nothing under the lock can panic halfway through a change: a poisoned lock is used
        // as it is.
        self.table.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The thread: wakes the tasks whose alarm is due, then sleeps until the earliest other alarm
/// (or until an earlier one is set).
fn watch(dog: &'static Watchdog) {
    let mut due = Vec::new();
    let mut table = dog.lock();
    loop {
        let now = Instant::now();
        let mut next: Option<Instant> = None;
        for slot in &mut table.slots {
            if slot.waker.is_none() {
                continue;
            }
            if slot.at <= now {
                due.extend(slot.waker.take());
            } else {
                next = Some(next.map_or(slot.at, |next| next.min(slot.at)));
            }
        }
        table.wakes_at = next;
        if !due.is_empty() {
            dog.rounds.fetch_add(1, Ordering::Release);
            // Wakers run outside the lock; alarms set meanwhile are seen by the next scan.
            drop(table);
            due.drain(..).for_each(Waker::wake);
            table = dog.lock();
            continue;
        }
        table = match next {
            None => dog.earlier.wait(table).unwrap_or_else(|e| e.into_inner()),
            Some(at) => {
                let wait = at.saturating_duration_since(now);
                match dog.earlier.wait_timeout(table, wait) {
                    Ok((table, _)) => table,
                    Err(e) => e.into_inner().0,
                }
            }
        };
    }
}

/// A timeout at an instant: [`poll`](Alarm::poll) is ready once the instant has passed. It holds
/// a slot of the table from its first pending poll until it fires or is dropped.
#[derive(Debug)]
pub(crate) struct Alarm {
    at: Instant,
    /// The slot and the waker it holds, once set.
    slot: Option<(usize, Waker)>,
    /// The thread's round count at the last poll.
    seen: u64,
}

impl Alarm {
    /// An alarm at `at`.
    pub(crate) fn at(at: Instant) -> Self {
        Self {
            at,
            slot: None,
            seen: 0,
        }
    }

    /// Makes `slot` fire at `at`: moves its alarm there, or sets one; `None` drops the alarm,
    /// which takes it off the table.
    pub(crate) fn set(slot: &mut Option<Alarm>, at: Option<Instant>) {
        match (at, slot.as_mut()) {
            (Some(at), Some(alarm)) => alarm.reset(at),
            (Some(at), None) => *slot = Some(Alarm::at(at)),
            (None, _) => *slot = None,
        }
    }

    /// When the alarm fires.
    #[cfg(test)]
    pub(crate) fn when(&self) -> Instant {
        self.at
    }

    /// Moves the alarm to `at`.
    fn reset(&mut self, at: Instant) {
        if at == self.at {
            return;
        }
        self.at = at;
        if let Some((key, waker)) = &self.slot {
            let dog = watchdog();
            let mut table = dog.lock();
            // The waker too: the alarm may have fired at its earlier instant, unseen yet.
            table.slots[*key] = Slot {
                at,
                waker: Some(waker.clone()),
            };
            wake_if_earlier(dog, &mut table, at);
        }
    }

    /// Ready once the alarm's instant has passed; until then, `cx`'s task is woken when it
    /// does.
    pub(crate) fn poll(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let dog = watchdog();
        let rounds = dog.rounds.load(Ordering::Acquire);
        let Some((key, waker)) = &mut self.slot else {
            // Set at the first poll. An instant already passed is fired by the thread at once:
            // it is earlier than any it sleeps until.
            self.seen = rounds;
            let waker = cx.waker().clone();
            let slot = Slot {
                at: self.at,
                waker: Some(waker.clone()),
            };
            let mut table = dog.lock();
            let key = match table.free.pop() {
                Some(key) => {
                    table.slots[key] = slot;
                    key
                }
                None => {
                    table.slots.push(slot);
                    table.slots.len() - 1
                }
            };
            wake_if_earlier(dog, &mut table, self.at);
            drop(table);
            self.slot = Some((key, waker));
            return Poll::Pending;
        };
        if rounds != self.seen {
            self.seen = rounds;
            if Instant::now() >= self.at {
                self.release();
                return Poll::Ready(());
            }
        }
        if !waker.will_wake(cx.waker()) {
            waker.clone_from(cx.waker());
            dog.lock().slots[*key].waker = Some(waker.clone());
        }
        Poll::Pending
    }

    /// Gives the slot back.
    fn release(&mut self) {
        if let Some((key, _)) = self.slot.take() {
            let mut table = watchdog().lock();
            table.slots[key].waker = None;
            table.free.push(key);
        }
    }
}

impl Drop for Alarm {
    fn drop(&mut self) {
        self.release();
    }
}

/// Wakes the thread when `at` is earlier than the instant it sleeps until.
fn wake_if_earlier(dog: &Watchdog, table: &mut Table, at: Instant) {
    if table.wakes_at.is_none_or(|wakes_at| at < wakes_at) {
        table.wakes_at = Some(at);
        dog.earlier.notify_one();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::future::poll_fn;
    use std::time::Duration;

    fn alarm_after(after: Duration) -> Alarm {
        start().unwrap();
        Alarm::at(Instant::now() + after)
    }

    #[tokio::test]
    async fn an_alarm_fires_at_its_instant_and_not_before() {
        let started = Instant::now();
        let mut alarm = alarm_after(Duration::from_millis(50));
        poll_fn(|cx| alarm.poll(cx)).await;
        assert!(started.elapsed() >= Duration::from_millis(50));
        assert!(alarm.slot.is_none(), "a fired alarm gives its slot back");
    }

    #[tokio::test]
    async fn an_earlier_alarm_wakes_the_thread_that_sleeps_until_a_later_one() {
        let mut late = alarm_after(Duration::from_secs(3600));
        assert!(poll_fn(|cx| Poll::Ready(late.poll(cx))).await.is_pending());
        let started = Instant::now();
        let mut soon = alarm_after(Duration::from_millis(20));
        tokio::time::timeout(Duration::from_secs(10), poll_fn(|cx| soon.poll(cx)))
            .await
            .expect("the earlier alarm fired");
        assert!(started.elapsed() >= Duration::from_millis(20));
        assert!(poll_fn(|cx| Poll::Ready(late.poll(cx))).await.is_pending());
    }

    #[tokio::test]
    async fn a_reset_alarm_fires_at_its_new_instant_even_after_its_old_one_passed() {
        let mut alarm = alarm_after(Duration::from_millis(10));
        assert!(poll_fn(|cx| Poll::Ready(alarm.poll(cx))).await.is_pending());
        // The old instant passes (and fires) while nobody polls.
        std::thread::sleep(Duration::from_millis(60));
        let moved_to = Instant::now() + Duration::from_millis(40);
        alarm.reset(moved_to);
        assert!(poll_fn(|cx| Poll::Ready(alarm.poll(cx))).await.is_pending());
        tokio::time::timeout(Duration::from_secs(10), poll_fn(|cx| alarm.poll(cx)))
            .await
            .expect("the moved alarm fired");
        assert!(Instant::now() >= moved_to);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn many_alarms_set_from_many_tasks_all_fire_and_none_early() {
        // Instants spread over 0–60 ms, set while the thread is busy firing earlier ones: none
        // is lost (each task ends), none fires before its instant.
        let tasks: Vec<_> = (0..400u64)
            .map(|i| {
                tokio::spawn(async move {
                    let at = Instant::now() + Duration::from_micros((i * 7919) % 60_000);
                    start().unwrap();
                    let mut alarm = Alarm::at(at);
                    poll_fn(|cx| alarm.poll(cx)).await;
                    Instant::now() >= at
                })
            })
            .collect();
        for task in tasks {
            let on_time = tokio::time::timeout(Duration::from_secs(10), task)
                .await
                .expect("every alarm fires")
                .unwrap();
            assert!(on_time, "an alarm fired before its instant");
        }
    }

    #[tokio::test]
    async fn a_passed_instant_fires_at_once_and_a_dropped_alarm_frees_its_slot() {
        let mut past = alarm_after(Duration::ZERO);
        tokio::time::timeout(Duration::from_secs(10), poll_fn(|cx| past.poll(cx)))
            .await
            .expect("a passed instant fired");
        // An instant no other test uses: other tests' alarms may take the freed slot.
        let mut pending = alarm_after(Duration::from_secs(3600) + Duration::from_nanos(4321));
        let at = pending.when();
        assert!(poll_fn(|cx| Poll::Ready(pending.poll(cx)))
            .await
            .is_pending());
        let set = |at| {
            let table = watchdog().lock();
            table
                .slots
                .iter()
                .any(|slot| slot.at == at && slot.waker.is_some())
        };
        assert!(set(at));
        drop(pending);
        assert!(!set(at), "a dropped alarm is off the table");
    }
}
