//! Streaming: a completion of `n` events through the SDK (`client.chatbot(id).stream(..)`)
//! against `reqwest` + `sse-stream` + `serde_json` into a plain struct (the baseline),
//! `reqwest` + `eventsource-stream` + `serde_json`, and the bytes alone.

use crate::measure::{interleave, Figures};
use crate::server::{event, FINAL_EVENT};
use crate::{baseline, Env};
use futures::StreamExt;
use std::hint::black_box;

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Pipeline {
    Sdk,
    SseStream,
    EventsourceStream,
    Bytes,
}

pub const ALL: [Pipeline; 4] = [
    Pipeline::Sdk,
    Pipeline::SseStream,
    Pipeline::EventsourceStream,
    Pipeline::Bytes,
];

impl Pipeline {
    pub fn name(self) -> &'static str {
        match self {
            Pipeline::Sdk => "SDK chatbot(id).stream(..)",
            Pipeline::SseStream => "(a) reqwest + sse-stream + serde_json",
            Pipeline::EventsourceStream => {
                "(b) reqwest + eventsource-stream + serde_json (1/10 of the events)"
            }
            Pipeline::Bytes => "(c) reqwest bytes only",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "sdk" => Pipeline::Sdk,
            "sse-stream" => Pipeline::SseStream,
            "eventsource-stream" => Pipeline::EventsourceStream,
            "bytes" => Pipeline::Bytes,
            _ => return None,
        })
    }
}

/// Streams a completion of `events` events through `pipeline`; returns the events received
/// (for the bytes alone: the events the bytes hold).
pub fn stream_once(env: &Env, pipeline: Pipeline, events: u64) -> u64 {
    let (sdk, http, base, auth) = (
        env.sdk.clone(),
        env.http.clone(),
        env.base.clone(),
        env.auth.clone(),
    );
    // The chatbot id tells the server how many events to send.
    let chatbot = events.to_string();
    env.run(async move {
        let n = match pipeline {
            Pipeline::Sdk => {
                let mut reply = sdk
                    .chatbot(chatbot)
                    .stream("請介紹你自己")
                    .await
                    .expect("the stream starts");
                let mut n = 0u64;
                while let Some(event) = reply.next().await {
                    black_box(event.expect("an event"));
                    n += 1;
                }
                n
            }
            Pipeline::SseStream => {
                baseline::stream_sse_stream(
                    baseline::start_stream(&http, &base, &auth, &chatbot).await,
                )
                .await
            }
            Pipeline::EventsourceStream => {
                baseline::stream_eventsource(
                    baseline::start_stream(&http, &base, &auth, &chatbot).await,
                )
                .await
            }
            Pipeline::Bytes => {
                let mut body =
                    std::pin::pin!(baseline::start_stream(&http, &base, &auth, &chatbot).await);
                let mut total = 0u64;
                while let Some(chunk) = body.next().await {
                    total += chunk.expect("a chunk").len() as u64;
                }
                (total - FINAL_EVENT.len() as u64) / event().len() as u64 + 1
            }
        };
        assert_eq!(n, events, "{} got {n} events", pipeline.name());
        n
    })
}

/// Every pipeline, `rounds` rounds of `events` events, in the order of [`ALL`].
pub fn streaming(env: &Env, events: u64, rounds: usize) -> Vec<Figures> {
    for p in ALL {
        stream_once(env, p, events / 10); // warm-up
    }
    let names: Vec<&str> = ALL.iter().map(|p| p.name()).collect();
    interleave(&names, rounds, "event", |side| {
        // The slow eventsource-stream pipeline gets a tenth of the events (its rate is per event).
        let n = if ALL[side] == Pipeline::EventsourceStream {
            events / 10
        } else {
            events
        };
        stream_once(env, ALL[side], n)
    })
}
