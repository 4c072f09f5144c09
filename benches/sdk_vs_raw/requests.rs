//! Request overhead: `client.conversations().get(id)` against `reqwest` + `serde_json` into a
//! plain struct, on the same `reqwest::Client`, sequentially and with 64 requests in flight.

use crate::measure::{interleave, Figures};
use crate::server::CONVERSATION_ID;
use crate::{baseline, Env};
use futures::{stream, StreamExt};
use std::hint::black_box;

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

/// `n` hand-written gets, `inflight` at a time.
pub fn raw_gets(env: &Env, n: usize, inflight: usize) -> u64 {
    let (http, base, auth) = (env.http.clone(), env.base.clone(), env.auth.clone());
    env.run(async move {
        stream::iter(0..n)
            .map(|_| baseline::get_conversation(&http, &base, &auth, CONVERSATION_ID))
            .buffer_unordered(inflight)
            .for_each(|c| {
                black_box(c);
                futures::future::ready(())
            })
            .await;
        n as u64
    })
}

/// SDK and hand-written figures (in that order): `rounds` rounds of `n` requests a side.
pub fn overhead(env: &Env, n: usize, inflight: usize, rounds: usize) -> Vec<Figures> {
    sdk_gets(env, n, inflight); // warm-up: connections, caches
    raw_gets(env, n, inflight);
    let names = [
        format!("SDK get, {inflight} in flight"),
        format!("reqwest + serde_json, {inflight} in flight"),
    ];
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    interleave(&names, rounds, "req", |side| {
        if side == 0 {
            sdk_gets(env, n, inflight)
        } else {
            raw_gets(env, n, inflight)
        }
    })
}
