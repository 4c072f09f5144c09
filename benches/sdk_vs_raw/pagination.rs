//! Pagination: every message of a conversation through `messages().list(..).items()` against a
//! hand-written loop that follows `next` with `reqwest` + `serde_json` into plain structs.

use crate::measure::{interleave, Figures};
use crate::{baseline, Env};
use futures::StreamExt;
use std::hint::black_box;

/// All `messages` messages (the conversation id tells the server how many) through the SDK, in
/// pages of `page_size`.
pub fn sdk_items(env: &Env, messages: u64, page_size: u32) -> u64 {
    let sdk = env.sdk.clone();
    let n = env.run(async move {
        let mut items = sdk
            .messages()
            .list(messages.to_string())
            .page_size(page_size)
            .items();
        let mut n = 0u64;
        while let Some(message) = items.next().await {
            black_box(message.expect("a message"));
            n += 1;
        }
        n
    });
    assert_eq!(n, messages);
    n
}

/// The same by hand.
pub fn raw_items(env: &Env, messages: u64, page_size: u32) -> u64 {
    let (http, base, auth) = (env.http.clone(), env.base.clone(), env.auth.clone());
    let n = env.run(async move {
        baseline::paginate(&http, &base, &auth, &messages.to_string(), page_size).await
    });
    assert_eq!(n, messages);
    n
}

/// SDK and hand-written figures (in that order), `rounds` rounds of `messages` messages.
pub fn pagination(env: &Env, messages: u64, page_size: u32, rounds: usize) -> Vec<Figures> {
    sdk_items(env, messages / 10, page_size);
    raw_items(env, messages / 10, page_size);
    interleave(
        &[
            "SDK messages().list(..).items()",
            "reqwest + serde_json, following next",
        ],
        rounds,
        "item",
        |side| {
            if side == 0 {
                sdk_items(env, messages, page_size)
            } else {
                raw_items(env, messages, page_size)
            }
        },
    )
}
