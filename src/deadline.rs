//! Deadline arithmetic that cannot overflow. Every deadline the SDK computes from a duration goes
//! through here: a duration too long for the clock (such as `Duration::MAX`) means "no deadline",
//! never a panic.
#![deny(clippy::arithmetic_side_effects)]

use std::time::Duration;
use tokio::time::Instant;

/// The instant `after` from now on tokio's clock, or `None` when that is beyond what the clock
/// can represent: the caller then waits without a deadline. For pauses that are meant to elapse
/// (retry backoff, polling), which a test may run on a paused clock.
pub(crate) fn deadline_after(after: Duration) -> Option<Instant> {
    Instant::now().checked_add(after)
}

/// The instant `after` from now on the real clock, or `None` as for [`deadline_after`]. For
/// timeouts, the [`watchdog`](crate::watchdog)'s alarms.
pub(crate) fn timeout_after(after: Duration) -> Option<std::time::Instant> {
    std::time::Instant::now().checked_add(after)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_beyond_the_clock_mean_no_deadline() {
        assert!(deadline_after(Duration::MAX).is_none());
        assert!(timeout_after(Duration::MAX).is_none());
        assert!(deadline_after(Duration::from_secs(u64::MAX)).is_none());
        let before = Instant::now();
        let soon = deadline_after(Duration::from_secs(5)).unwrap();
        assert!(soon >= before + Duration::from_secs(5));
    }
}
