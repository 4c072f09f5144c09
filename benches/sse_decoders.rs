//! The SDK's completion stream decoder against the SSE crates, without I/O.
//!
//! `cargo bench --bench sse_decoders` decodes 1,000,000 completion events of 118 bytes each
//! (118 MB) from an in-memory byte stream with `sse-stream` 0.3, `sseer` 0.3 and
//! `eventsource-stream` 0.2 (the slow reference), SSE only, in three chunkings: one event per
//! chunk (a server that flushes every event), 4 KiB chunks and 64 KiB chunks (events cut
//! anywhere). Each figure is the best of five runs; the median is shown too.
//!
//! Two more rows compare whole pipelines, SSE and JSON: `sse-stream + JSON` is what a user
//! writes by hand (each event's data into a plain struct of `String`s with `serde_json`), and
//! `maiagent pipeline` is `maiagent::chatbot::completions::decode_events` (the SDK's own decoder:
//! size limit, data read from the chunk, the event into a `Completion`, the end-of-stream
//! handling).

use bytes::Bytes;
use futures::executor::block_on;
use futures::{Stream, StreamExt};
use std::convert::Infallible;
use std::time::{Duration, Instant};

const EVENTS: usize = 1_000_000;

/// A stream event as a user declares it by hand.
#[derive(serde::Deserialize)]
struct Event {
    #[serde(rename = "conversationId")]
    #[allow(dead_code)] // Decoded to be paid for.
    conversation_id: Option<String>,
    #[serde(default)]
    content: String,
    #[serde(default)]
    #[allow(dead_code)]
    done: bool,
}
const RUNS: usize = 5;

fn event() -> String {
    let e = "data: {\"conversationId\":\"8e44604a-8278-4c96-96b5-3e5a0548d738\",\
             \"content\":\"這是一段串流回覆abc\",\"done\":false}\n\n"
        .to_string();
    assert_eq!(e.len(), 118);
    e
}

fn chunks(all: &Bytes, event_len: usize, width: Option<usize>) -> Vec<Bytes> {
    let width = width.unwrap_or(event_len);
    (0..all.len())
        .step_by(width)
        .map(|at| all.slice(at..(at + width).min(all.len())))
        .collect()
}

type Input = futures::stream::Iter<std::vec::IntoIter<Result<Bytes, Infallible>>>;

fn input(chunks: &[Bytes]) -> Input {
    let items: Vec<Result<Bytes, Infallible>> = chunks.iter().cloned().map(Ok).collect();
    futures::stream::iter(items)
}

/// Drains `events`, returning (events, data bytes) so nothing is optimised away.
fn drain<S, T, E, F>(events: S, data_len: F) -> (usize, usize)
where
    S: Stream<Item = Result<T, E>>,
    E: std::fmt::Debug,
    F: Fn(&T) -> usize,
{
    block_on(events.fold((0, 0), |(n, len), item| {
        let item = item.expect("decoding failed");
        futures::future::ready((n + 1, len + data_len(&item)))
    }))
}

fn measure(
    name: &str,
    chunking: &str,
    total_bytes: usize,
    mut run: impl FnMut() -> (usize, usize),
) {
    // `cargo bench --bench sse_decoders -- <text>` runs only the rows whose name contains it.
    let filters: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    if !filters.is_empty() && !filters.iter().any(|f| name.contains(f.as_str())) {
        return;
    }
    let mut times: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            let (n, len) = run();
            let took = start.elapsed();
            assert_eq!(n, EVENTS, "{name} decoded {n} events");
            assert!(len > 0);
            took
        })
        .collect();
    times.sort();
    let best = times[0];
    let median = times[RUNS / 2];
    println!(
        "{name:<20} {chunking:<14} best {:>7.1} ms  median {:>7.1} ms  {:>6.0} MB/s  {:>5.0} ns/event",
        best.as_secs_f64() * 1e3,
        median.as_secs_f64() * 1e3,
        total_bytes as f64 / best.as_secs_f64() / 1e6,
        best.as_nanos() as f64 / EVENTS as f64,
    );
}

fn main() {
    let one = event();
    let all = Bytes::from(one.repeat(EVENTS));
    println!(
        "{EVENTS} events of {} bytes ({:.0} MB), best and median of {RUNS} runs",
        one.len(),
        all.len() as f64 / 1e6
    );
    for (chunking, width) in [
        ("event-aligned", None),
        ("4 KiB", Some(4096)),
        ("64 KiB", Some(65536)),
    ] {
        let chunks = chunks(&all, one.len(), width);
        measure("sse-stream 0.3", chunking, all.len(), || {
            drain(sse_stream::SseByteStream::new(input(&chunks)), |e| {
                e.data.as_ref().map_or(0, String::len)
            })
        });
        measure("sseer 0.3", chunking, all.len(), || {
            drain(sseer::EventStream::new(input(&chunks)), |e| e.data.len())
        });
        measure("eventsource-stream", chunking, all.len(), || {
            use eventsource_stream::Eventsource;
            drain(input(&chunks).eventsource(), |e| e.data.len())
        });
        measure("sse-stream + JSON", chunking, all.len(), || {
            let events = sse_stream::SseByteStream::new(input(&chunks)).map(|e| {
                let data = e.unwrap().data.unwrap();
                serde_json::from_str::<Event>(&data).map_err(|e| e.to_string())
            });
            drain(events, |c| c.content.len())
        });
        measure("maiagent pipeline", chunking, all.len(), || {
            let bytes = input(&chunks).map(|b| Ok::<_, maiagent::Error>(b.unwrap()));
            // The input has no final event, so it ends with StreamTruncated: count the rest.
            let events = maiagent::chatbot::completions::decode_events(bytes, 1 << 20)
                .filter(|e| futures::future::ready(e.is_ok()));
            drain(events, |c| c.content.len())
        });
    }
}
