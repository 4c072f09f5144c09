//! Peak resident memory (`VmHWM`, reset through `/proc/self/clear_refs`) of the client process
//! while streaming and while paginating, for the SDK and the hand-written loop.

use crate::measure::{reset_peak, vm};
use crate::pagination::{raw_items, sdk_items};
use crate::server::event;
use crate::streaming::{stream_once, Pipeline};
use crate::Env;

/// The peak resident memory of one run, and the resident memory before it.
#[derive(Clone, Copy)]
pub struct Peak {
    pub peak: u64,
    pub before: u64,
}

fn peak_of(f: impl FnOnce()) -> Peak {
    reset_peak();
    let before = vm("VmRSS");
    f();
    Peak {
        peak: vm("VmHWM"),
        before,
    }
}

/// SDK and hand-written (sse-stream) peaks while streaming `bytes` bytes of events.
pub fn stream_peaks(env: &Env, bytes: u64) -> [Peak; 2] {
    let events = bytes / event().len() as u64;
    let raw = peak_of(|| {
        stream_once(env, Pipeline::SseStream, events);
    });
    let sdk = peak_of(|| {
        stream_once(env, Pipeline::Sdk, events);
    });
    [sdk, raw]
}

/// SDK and hand-written peaks while iterating `messages` messages in pages of 1,000.
pub fn page_peaks(env: &Env, messages: u64) -> [Peak; 2] {
    let sdk = peak_of(|| {
        sdk_items(env, messages, 1000);
    });
    let raw = peak_of(|| {
        raw_items(env, messages, 1000);
    });
    [sdk, raw]
}
