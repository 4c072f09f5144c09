//! Heap allocations of the stream decoder, counted by this binary's allocator on this thread
//! only: an event decodes from the received chunk without a copy, so an event costs one
//! allocation (its `content`), none when its content is empty; events split across chunks share
//! one reused buffer.

use bytes::Bytes;
use futures::executor::block_on;
use futures::{stream, StreamExt};
use maiagent::chatbot::completions::decode_events;

mod common;

use common::allocations::allocations;

#[global_allocator]
static ALLOCATOR: common::allocations::Counting = common::allocations::Counting;

const EVENTS: usize = 1000;

/// `EVENTS` events with this content (the last one final) cut into chunks of `width` bytes
/// (`None`: one event per chunk); returns the allocations made while decoding all but the first
/// event (the first one pays for setting the stream up).
fn allocations_after_the_first_event(content: &str, width: Option<usize>) -> usize {
    let event = |done: bool| {
        format!("data: {{\"conversationId\":\"8e44604a-8278-4c96-96b5-3e5a0548d738\",\"content\":\"{content}\",\"done\":{done}}}\n\n")
    };
    let mut body = event(false).repeat(EVENTS - 1);
    body.push_str(&event(true));
    let body = Bytes::from(body);
    let width = width.unwrap_or(event(false).len());
    let chunks: Vec<Result<Bytes, maiagent::Error>> = (0..body.len())
        .step_by(width)
        .map(|at| Ok(body.slice(at..(at + width).min(body.len()))))
        .collect();
    let mut events = decode_events(stream::iter(chunks), 1 << 20);
    let first = block_on(events.next()).unwrap().unwrap();
    assert_eq!(first.content, content);
    let (n, allocated) = allocations(|| {
        block_on(async {
            let mut n = 1;
            while let Some(event) = events.next().await {
                let event = event.unwrap();
                assert_eq!(event.content, content);
                n += 1;
            }
            n
        })
    });
    assert_eq!(n, EVENTS);
    allocated
}

#[test]
fn an_event_within_one_chunk_allocates_only_its_content() {
    let content = "這是一段串流回覆abc";
    assert_eq!(allocations_after_the_first_event(content, None), EVENTS - 1);
    assert_eq!(allocations_after_the_first_event("", None), 0);
}

#[test]
fn events_split_across_chunks_reuse_one_buffer() {
    let content = "這是一段串流回覆abc";
    for width in [4096, 1000, 7] {
        let allocations = allocations_after_the_first_event(content, Some(width));
        // Each event's content, and at most a few for the buffer to grow to an event's size.
        assert!(
            (EVENTS - 1..EVENTS + 8).contains(&allocations),
            "{allocations} allocations in chunks of {width}"
        );
        assert!(allocations_after_the_first_event("", Some(width)) < 8);
    }
}
