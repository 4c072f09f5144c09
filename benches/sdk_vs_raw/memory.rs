//! Peak resident memory (`VmHWM`) of the client while streaming and while paginating, for the
//! SDK and the hand-written loop. Each case runs in a fresh process of its own (this binary
//! again, against the same server), so every side starts from the same resident memory: a
//! side's peak never includes what an earlier case left in the heap.

use crate::measure::{reset_peak, vm};
use crate::pagination::{raw_items, sdk_items};
use crate::server::event;
use crate::streaming::{stream_once, Pipeline};
use crate::Env;
use std::process::Command;

/// Set in a child process: the case it measures (`stream-sdk`, `stream-raw`, `page-sdk`,
/// `page-raw`), the server's port and the case's size, as `case port amount`.
const CASE_ENV: &str = "SDK_VS_RAW_MEMORY_CASE";

/// The peak resident memory of one run, and the resident memory before it.
#[derive(Clone, Copy)]
pub struct Peak {
    pub peak: u64,
    pub before: u64,
}

/// The case this process measures, when it is a child of a run.
pub fn case_of_this_process() -> Option<(String, u16, u64)> {
    let value = std::env::var(CASE_ENV).ok()?;
    let mut parts = value.split_whitespace();
    let case = parts.next()?.to_string();
    let port = parts.next()?.parse().ok()?;
    let amount = parts.next()?.parse().ok()?;
    Some((case, port, amount))
}

/// In the child: measures `case` of size `amount` and prints `before peak` (bytes).
pub fn run_case(env: &Env, case: &str, amount: u64) {
    // The peak from here on; where `/proc/self/clear_refs` cannot reset it, the peak since the
    // process started, which is this case's too (the setup before it is smaller).
    reset_peak();
    let before = vm("VmRSS");
    match case {
        "stream-sdk" => stream_once(env, Pipeline::Sdk, amount / event().len() as u64),
        "stream-raw" => stream_once(env, Pipeline::SseStream, amount / event().len() as u64),
        "page-sdk" => sdk_items(env, amount, 1000),
        "page-raw" => raw_items(env, amount, 1000),
        other => panic!("{CASE_ENV}: unknown case {other:?}"),
    };
    println!("{before} {}", vm("VmHWM"));
}

/// Runs `case` in a child process against the server on `port`.
fn peak_in_child(port: u16, case: &str, amount: u64) -> Peak {
    let out = Command::new(std::env::current_exe().expect("this binary"))
        .env(CASE_ENV, format!("{case} {port} {amount}"))
        .env_remove("SDK_VS_RAW_PROFILE")
        .output()
        .expect("the child runs");
    assert!(out.status.success(), "{case}: {out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    let mut numbers = text
        .split_whitespace()
        .map(|n| n.parse().expect("a number"));
    let (before, peak) = (numbers.next(), numbers.next());
    Peak {
        before: before.expect("before"),
        peak: peak.expect("peak"),
    }
}

/// How many times each case runs: a peak moves by a few hundred KiB from one process to the
/// next (where the allocator happens to place large blocks), so the median is reported.
pub const RUNS: usize = 5;

/// The SDK's and the hand-written side's median peaks of `case`-sdk and `case`-raw, run
/// alternately [`RUNS`] times each.
fn median_peaks(port: u16, case: &str, amount: u64) -> [Peak; 2] {
    let mut runs: [Vec<Peak>; 2] = [Vec::new(), Vec::new()];
    for _ in 0..RUNS {
        for (side, name) in ["sdk", "raw"].iter().enumerate() {
            runs[side].push(peak_in_child(port, &format!("{case}-{name}"), amount));
        }
    }
    runs.map(|mut peaks| {
        peaks.sort_by_key(|p| p.peak);
        peaks[peaks.len() / 2]
    })
}

/// SDK and hand-written (sse-stream) peaks while streaming `bytes` bytes of events.
pub fn stream_peaks(port: u16, bytes: u64) -> [Peak; 2] {
    median_peaks(port, "stream", bytes)
}

/// SDK and hand-written peaks while iterating `messages` messages in pages of 1,000.
pub fn page_peaks(port: u16, messages: u64) -> [Peak; 2] {
    median_peaks(port, "page", messages)
}
