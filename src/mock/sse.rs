//! Streamed completions: the events of a reply, shaped by a fault, sent as `text/event-stream`.

use super::{Fault, Shared};
use crate::types::{Completion, Id};
use axum::{body::Body, response::Response};
use bytes::Bytes;
use futures::StreamExt;
use std::{
    collections::VecDeque,
    sync::{atomic::Ordering, Arc},
    time::Duration,
};

/// Characters per streamed delta.
const DELTA_CHARS: usize = 4;
/// The largest oversized event the mock builds (a bigger request is capped, not obeyed).
const MAX_OVERSIZED: usize = 64 << 20;

/// One step of a stream.
#[derive(Debug)]
pub(crate) enum Step {
    /// Send these bytes.
    Emit(Bytes),
    /// Wait.
    Sleep(Duration),
    /// Abort the body (the connection is cut mid-stream).
    Fail,
}

/// Splits `text` into deltas of a few characters, on char boundaries.
pub(crate) fn deltas(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    chars
        .chunks(DELTA_CHARS)
        .map(|c| c.iter().collect())
        .collect()
}

fn event(completion: &Completion) -> Bytes {
    let json = serde_json::to_string(completion).unwrap_or_else(|_| "{}".to_string());
    Bytes::from(format!("data: {json}\n\n"))
}

/// A delta event whose `data` is about `bytes` long (padded with `x`).
fn oversized(conversation: &Id, bytes: usize) -> Bytes {
    let bytes = bytes.min(MAX_OVERSIZED);
    let empty = Completion {
        conversation_id: Some(conversation.clone()),
        ..Completion::default()
    };
    let overhead = serde_json::to_string(&empty).map_or(0, |s| s.len());
    let padded = Completion {
        content: "x".repeat(bytes.saturating_sub(overhead)),
        ..empty
    };
    event(&padded)
}

/// The steps of a streamed reply to `reply` in `conversation`, shaped by `fault`.
pub(crate) fn script(
    conversation: &Id,
    reply: &str,
    citations: Vec<crate::types::Citation>,
    delay: Duration,
    fault: Option<&Fault>,
    done_marker: bool,
) -> VecDeque<Step> {
    let delta = |content: String, done: bool| Completion {
        conversation_id: Some(conversation.clone()),
        content,
        done,
        citations: Vec::new(),
    };
    let mut events: Vec<Bytes> = deltas(reply)
        .into_iter()
        .map(|d| event(&delta(d, false)))
        .collect();
    // The vendor's documented streams end with the `done: true` event; a final `data: [DONE]`
    // line is the opt-in variant (`MockConfig::with_sse_done_marker`).
    let mut finale = vec![event(&Completion {
        citations,
        ..delta(String::new(), true)
    })];
    if done_marker {
        finale.push(Bytes::from_static(b"data: [DONE]\n\n"));
    }
    let mut stall = None;
    let mut cut = None;
    match fault {
        Some(Fault::NoDone) => {}
        Some(Fault::MalformedJson) => {
            events.insert(
                1.min(events.len()),
                Bytes::from_static(b"data: {not json\n\n"),
            );
            events.extend(finale);
        }
        Some(Fault::OversizedEvent { bytes }) => {
            events.insert(1.min(events.len()), oversized(conversation, *bytes));
            events.extend(finale);
        }
        Some(Fault::DropMidStream { after_events }) => {
            events.extend(finale);
            cut = Some(*after_events);
        }
        Some(Fault::Stall {
            after_events,
            duration,
        }) => {
            events.extend(finale);
            stall = Some((*after_events, *duration));
        }
        _ => events.extend(finale),
    }
    let mut steps = VecDeque::new();
    for (i, bytes) in events.into_iter().enumerate() {
        if cut == Some(i) {
            steps.push_back(Step::Sleep(super::front::FLUSH_PAUSE));
            steps.push_back(Step::Fail);
            return steps;
        }
        if let Some((after, pause)) = stall {
            if after == i {
                steps.push_back(Step::Sleep(pause));
            }
        }
        if i > 0 && !delay.is_zero() {
            steps.push_back(Step::Sleep(delay));
        }
        steps.push_back(Step::Emit(bytes));
    }
    if cut.is_some() {
        // Fewer events than the cut point: cut at the end instead.
        steps.push_back(Step::Sleep(super::front::FLUSH_PAUSE));
        steps.push_back(Step::Fail);
    }
    steps
}

/// Counts a stream as completed or cancelled when its body is dropped.
struct StreamGuard {
    shared: Arc<Shared>,
    finished: bool,
}

impl StreamGuard {
    fn finish(&mut self) {
        self.finished = true;
    }
}

impl Drop for StreamGuard {
    fn drop(&mut self) {
        let counter = if self.finished {
            &self.shared.counters.streams_completed
        } else {
            &self.shared.counters.streams_cancelled
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

/// The `text/event-stream` response playing `steps`. It ends early when the server shuts down.
pub(crate) fn response(shared: &Arc<Shared>, steps: VecDeque<Step>) -> Response {
    shared
        .counters
        .streams_started
        .fetch_add(1, Ordering::Relaxed);
    let guard = StreamGuard {
        shared: Arc::clone(shared),
        finished: false,
    };
    let stream = futures::stream::unfold((steps, guard), |(mut steps, mut guard)| async move {
        loop {
            match steps.pop_front() {
                None => {
                    guard.finish();
                    return None;
                }
                Some(Step::Sleep(d)) => tokio::time::sleep(d).await,
                Some(Step::Emit(bytes)) => return Some((Ok(bytes), (steps, guard))),
                Some(Step::Fail) => {
                    guard.finish();
                    steps.clear();
                    let error = std::io::Error::new(
                        std::io::ErrorKind::ConnectionAborted,
                        "mock fault: stream dropped mid-way",
                    );
                    return Some((Err(error), (steps, guard)));
                }
            }
        }
    });
    let mut stop = shared.shutdown.clone();
    let stopped = async move {
        let _ = stop.wait_for(|s| *s).await;
    };
    let body = Body::from_stream(stream.take_until(Box::pin(stopped)));
    Response::builder()
        .status(200)
        .header(
            http::header::CONTENT_TYPE,
            "text/event-stream; charset=utf-8",
        )
        .header(http::header::CACHE_CONTROL, "no-cache")
        .header("x-accel-buffering", "no")
        .body(body)
        .unwrap_or_else(|_| Response::new(Body::empty()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn emitted(steps: &VecDeque<Step>) -> Vec<String> {
        steps
            .iter()
            .filter_map(|s| match s {
                Step::Emit(b) => Some(String::from_utf8_lossy(b).into_owned()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn deltas_keep_chars_whole() {
        let text = "你好！Hello 👋🏽 world";
        let parts = deltas(text);
        assert!(parts.len() > 3);
        assert_eq!(parts.concat(), text);
    }

    #[test]
    fn scripts_follow_faults() {
        let id = Id::from("c");
        let normal = script(&id, "abcdefghij", Vec::new(), Duration::ZERO, None, false);
        let events = emitted(&normal);
        assert!(events.last().is_some_and(|e| e.contains("\"done\":true")));
        assert!(!events.iter().any(|e| e.contains("[DONE]")));
        let marked = emitted(&script(
            &id,
            "abcdefghij",
            Vec::new(),
            Duration::ZERO,
            None,
            true,
        ));
        assert_eq!(marked.last().map(String::as_str), Some("data: [DONE]\n\n"));
        assert!(marked[marked.len() - 2].contains("\"done\":true"));
        let no_done = emitted(&script(
            &id,
            "abcdefghij",
            Vec::new(),
            Duration::ZERO,
            Some(&Fault::NoDone),
            true,
        ));
        assert!(no_done.iter().all(|e| e.contains("\"done\":false")));
        let drop = script(
            &id,
            "abcdefghij",
            Vec::new(),
            Duration::ZERO,
            Some(&Fault::DropMidStream { after_events: 2 }),
            true,
        );
        assert_eq!(emitted(&drop).len(), 2);
        assert!(matches!(drop.back(), Some(Step::Fail)));
        let big = emitted(&script(
            &id,
            "abc",
            Vec::new(),
            Duration::ZERO,
            Some(&Fault::OversizedEvent { bytes: 5000 }),
            true,
        ));
        assert_eq!(big[1].len(), "data: ".len() + 5000 + 2);
    }
}
