//! Request overhead: `client.conversations().get(id)` against `reqwest` + `serde_json` into a
//! plain struct, on the same `reqwest::Client`, sequentially and with 64 requests in flight; the
//! hand-written call also with reqwest's per-request `timeout` of 120 s, the SDK's default
//! request timeout (the same safety: reqwest sets a tokio timer per call, the SDK an alarm of its
//! watchdog thread).

use crate::measure::{interleave, Figures};
use crate::server::CONVERSATION_ID;
use crate::{baseline, Env};
use futures::{stream, StreamExt};
use std::hint::black_box;
use std::time::Duration;

/// `n` SDK gets, `inflight` at a time.
pub fn sdk_gets(env: &Env, n: usize, inflight: usize) -> u64 {
    let sdk = env.sdk.clone();
    env.run(async move {
        stream::iter(0..n)
            .map(|_| {
                let sdk = sdk.clone();
                async move { sdk.conversations().get(CONVERSATION_ID).await.expect("get") }
            })
            .buffer_unordered(inflight)
            .for_each(|c| {
                black_box(c);
                futures::future::ready(())
            })
            .await;
        n as u64
    })
}

/// The SDK's default request timeout, given to the hand-written call of the third side.
pub const TIMEOUT: Duration = Duration::from_secs(120);

/// `n` hand-written gets, `inflight` at a time, each with `timeout` when given.
pub fn raw_gets(env: &Env, n: usize, inflight: usize, timeout: Option<Duration>) -> u64 {
    let (http, base, auth) = (env.http.clone(), env.base.clone(), env.auth.clone());
    env.run(async move {
        stream::iter(0..n)
            .map(|_| baseline::get_conversation(&http, &base, &auth, CONVERSATION_ID, timeout))
            .buffer_unordered(inflight)
            .for_each(|c| {
                black_box(c);
                futures::future::ready(())
            })
            .await;
        n as u64
    })
}

/// SDK, hand-written, hand-written with [`TIMEOUT`], and hand-written again (a control)
/// figures, in that order: `rounds` rounds of `n` requests a side.
///
/// The control runs the very code of the second side, so its ratio to that side would be 1.0 on
/// a quiet machine with an unbiased order of the sides: how far it strays shows how far any
/// ratio of the run may stray for reasons other than the code.
pub fn overhead(env: &Env, n: usize, inflight: usize, rounds: usize) -> Vec<Figures> {
    sdk_gets(env, n, inflight); // warm-up: connections, caches
    raw_gets(env, n, inflight, None);
    let names = [
        format!("SDK get, {inflight} in flight"),
        format!("reqwest + serde_json, {inflight} in flight"),
        format!("the same with a 120 s timeout, {inflight} in flight"),
        format!("reqwest + serde_json again (control), {inflight} in flight"),
    ];
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    interleave(&names, rounds, "req", |side| match side {
        0 => sdk_gets(env, n, inflight),
        2 => raw_gets(env, n, inflight, Some(TIMEOUT)),
        _ => raw_gets(env, n, inflight, None),
    })
}

/// The decode of a GET response on the caches a sequential request leaves: `n` hand-written
/// GETs a side, one after the other, each response then decoded as the next of the
/// [`decode_side`](crate::sizes::decode_side)s, timed inside the task that made the request,
/// right after it. Returns the mean ns of each side.
pub fn decodes_after_get(env: &Env, n: usize) -> [f64; 3] {
    let (http, base, auth) = (env.http.clone(), env.base.clone(), env.auth.clone());
    env.run(async move {
        let mut total = [0u128; 3];
        for i in 0..n * 3 {
            let body =
                baseline::conversation_bytes(&http, &base, &auth, CONVERSATION_ID, None).await;
            let side = i % 3;
            let start = std::time::Instant::now();
            crate::sizes::decode_side(side, &body);
            total[side] += start.elapsed().as_nanos();
        }
        total.map(|ns| ns as f64 / n as f64)
    })
}
