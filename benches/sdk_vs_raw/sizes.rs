//! Sizes of the main response types and futures, and the cost of decoding one id or one event
//! (CPU time and heap allocations per decode, single-threaded, no I/O).

use crate::baseline;
use crate::measure::median;
use crate::server::CONVERSATION_ID;
use crate::Env;
use maiagent::types::{Completion, Conversation, Id, Message, MessagePage};
use maiagent::ReplyStream;
use std::hint::black_box;
use std::mem::{size_of, size_of_val};

/// `(what, SDK bytes, hand-written bytes)`.
pub fn sizes(env: &Env) -> Vec<(&'static str, usize, Option<usize>)> {
    let get = env.sdk.conversations().get(CONVERSATION_ID).send();
    let raw_get =
        baseline::get_conversation(&env.http, &env.base, &env.auth, CONVERSATION_ID, None);
    let stream = env.sdk.chatbot("1").stream("請介紹你自己").send();
    let raw_stream = baseline::start_stream(&env.http, &env.base, &env.auth, "1");
    let rows = vec![
        (
            "`Conversation` (baseline: plain struct)",
            size_of::<Conversation>(),
            Some(size_of::<baseline::Conversation>()),
        ),
        (
            "`Message` (baseline: plain struct)",
            size_of::<Message>(),
            Some(size_of::<baseline::Message>()),
        ),
        (
            "`Completion` (baseline: plain event struct)",
            size_of::<Completion>(),
            Some(size_of::<baseline::Event>()),
        ),
        (
            "`Id` (baseline: `String`)",
            size_of::<Id>(),
            Some(size_of::<String>()),
        ),
        (
            "future of `conversations().get(id).send()` (baseline: get + bytes + from_slice)",
            size_of_val(&get),
            Some(size_of_val(&raw_get)),
        ),
        (
            "future of `chatbot(id).stream(..).send()` (baseline: post + send)",
            size_of_val(&stream),
            Some(size_of_val(&raw_stream)),
        ),
        (
            "future of a `ReplyStream`'s `next()` (it borrows the stream; baseline the same)",
            size_of::<futures::stream::Next<'static, ReplyStream>>(),
            Some(size_of::<futures::stream::Next<'static, ReplyStream>>()),
        ),
        ("`ReplyStream`", size_of::<ReplyStream>(), None),
    ];
    drop((get, raw_get, stream, raw_stream));
    rows
}

/// One decode: `(what, SDK ns, SDK allocations, hand-written ns, hand-written allocations)`,
/// per decode (this thread's CPU time), medians.
pub type Decode = (&'static str, f64, f64, f64, f64);

/// This thread's CPU time (not disturbed by other processes taking the core).
fn thread_cpu() -> std::time::Duration {
    // SAFETY: clock_gettime writes into the struct it is given, which is plain old data.
    let t = unsafe {
        let mut t: libc::timespec = std::mem::zeroed();
        assert_eq!(
            libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t),
            0
        );
        t
    };
    std::time::Duration::new(t.tv_sec as u64, t.tv_nsec as u32)
}

/// CPU ns and allocations per decode of `json` by `sdk` and by `raw`: 9 batches of `n / 9`
/// decodes each, alternating; medians.
fn paired<A, B>(
    n: u64,
    json: &str,
    sdk: impl Fn(&str) -> A,
    raw: impl Fn(&str) -> B,
) -> (f64, f64, f64, f64) {
    let batch = (n / 9).max(1);
    let run = |f: &dyn Fn(&str)| {
        let allocations = crate::measure::allocations();
        let start = thread_cpu();
        for _ in 0..batch {
            f(black_box(json));
        }
        let ns = (thread_cpu() - start).as_nanos() as f64 / batch as f64;
        let allocations = crate::measure::allocations() - allocations;
        (ns, allocations as f64 / batch as f64)
    };
    let sdk = |j: &str| {
        black_box(sdk(j));
    };
    let raw = |j: &str| {
        black_box(raw(j));
    };
    run(&sdk); // warm-up
    run(&raw);
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for round in 0..9 {
        if round % 2 == 0 {
            a.push(run(&sdk));
            b.push(run(&raw));
        } else {
            b.push(run(&raw));
            a.push(run(&sdk));
        }
    }
    let ns = |v: &[(f64, f64)]| median(v.iter().map(|x| x.0).collect());
    let allocations = |v: &[(f64, f64)]| median(v.iter().map(|x| x.1).collect());
    (ns(&a), allocations(&a), ns(&b), allocations(&b))
}

/// Decoding ids (SDK `Id` against what a plain struct's field would hold: `String`, `u128`,
/// `f64`) and a stream event (SDK `Completion` against the plain struct), `n` times each.
pub fn decodes(n: u64) -> Vec<Decode> {
    fn row<T>(what: &'static str, n: u64, json: &str, raw: impl Fn(&str) -> T) -> Decode {
        let (sdk_ns, sdk_allocs, raw_ns, raw_allocs) =
            paired(n, json, |j| serde_json::from_str::<Id>(j).unwrap(), raw);
        (what, sdk_ns, sdk_allocs, raw_ns, raw_allocs)
    }
    let event = std::str::from_utf8(&crate::server::event()[6..])
        .expect("UTF-8")
        .trim_end();
    let (ev_ns, ev_allocs, raw_ev_ns, raw_ev_allocs) = paired(
        n,
        event,
        |j| serde_json::from_str::<Completion>(j).unwrap(),
        |j| serde_json::from_str::<baseline::Event>(j).unwrap(),
    );
    // The bodies of the request and pagination tests: whole responses, decoded the way
    // `Call::send` decodes them (into a box) and the way the hand-written loops do.
    let conversation = crate::server::conversation_json();
    let (conv_ns, conv_allocs, raw_conv_ns, raw_conv_allocs) = paired(
        n / 20,
        &conversation,
        |j| maiagent::__fuzz::decode_response::<Box<Conversation>>(j.as_bytes()).unwrap(),
        |j| serde_json::from_slice::<baseline::Conversation>(j.as_bytes()).unwrap(),
    );
    let prebuilt = crate::server::Prebuilt {
        conversation: Vec::new(),
        block: Vec::new(),
        origin: "http://127.0.0.1:1".into(),
    };
    let page = crate::server::message_page(&prebuilt, "conversation=1000&pageSize=100");
    let page = String::from_utf8(page).expect("UTF-8");
    let (page_ns, page_allocs, raw_page_ns, raw_page_allocs) = paired(
        n / 1000,
        &page,
        |j| maiagent::__fuzz::decode_response::<MessagePage>(j.as_bytes()).unwrap(),
        |j| serde_json::from_slice::<baseline::Page>(j.as_bytes()).unwrap(),
    );
    vec![
        (
            "GET response bytes into `Box<Conversation>` as `Call::send` decodes them (baseline: `serde_json::from_slice` into a plain struct)",
            conv_ns,
            conv_allocs,
            raw_conv_ns,
            raw_conv_allocs,
        ),
        (
            "page of 100 messages, bytes into `MessagePage` as a listing decodes them (baseline: `from_slice` into a plain struct)",
            page_ns,
            page_allocs,
            raw_page_ns,
            raw_page_allocs,
        ),
        row(
            "UUID string id (baseline: `String`)",
            n,
            "\"8e44604a-8278-4c96-96b5-3e5a0548d738\"",
            |j| serde_json::from_str::<String>(j).unwrap(),
        ),
        row(
            "128-bit integer id (baseline: `u128`)",
            n,
            "324816370485542537671391323877394598747",
            |j| serde_json::from_str::<u128>(j).unwrap(),
        ),
        row(
            "exponent-form id `2.992461161002561e+38` (baseline: `f64`, inexact)",
            n,
            "2.992461161002561e+38",
            |j| serde_json::from_str::<f64>(j).unwrap(),
        ),
        row(
            "65-character text id (baseline: `String`)",
            n,
            "\"abcdefghij-abcdefghij-abcdefghij-abcdefghij-abcdefghij-abcdefghij\"",
            |j| serde_json::from_str::<String>(j).unwrap(),
        ),
        (
            "stream event JSON into `Completion` (baseline: plain struct)",
            ev_ns,
            ev_allocs,
            raw_ev_ns,
            raw_ev_allocs,
        ),
    ]
}

/// A GET response decoded and dropped on cold caches: 8 MiB written between two decodes, as
/// the client's caches are after the idle wait of a sequential request. Returns the mean ns of
/// each of the [`decode_side`]s; `rounds` decodes a side.
pub fn cold_decodes(rounds: usize) -> [f64; 3] {
    let json = crate::server::conversation_json();
    let mut trash = vec![0u8; 8 << 20];
    let mut total = [0u128; 3];
    for round in 0..rounds * 3 {
        for byte in trash.iter_mut().step_by(64) {
            *byte = byte.wrapping_add(1);
        }
        let side = round % 3;
        let start = std::time::Instant::now();
        decode_side(side, black_box(json.as_bytes()));
        total[side] += start.elapsed().as_nanos();
    }
    total.map(|ns| ns as f64 / rounds as f64)
}

/// Decodes a GET response and drops it, as side `side` of the decode profiles: 0 the SDK
/// (`Box<Conversation>` as `Call::send` decodes it), 1 `serde_json::from_slice` into the plain
/// struct, 2 the plain struct through the SDK's decode path (text, one UTF-8 check): the cost of
/// the types apart from the cost of the path.
pub fn decode_side(side: usize, bytes: &[u8]) {
    match side {
        0 => drop(black_box(
            maiagent::__fuzz::decode_response::<Box<Conversation>>(bytes).unwrap(),
        )),
        1 => drop(black_box(
            serde_json::from_slice::<baseline::Conversation>(bytes).unwrap(),
        )),
        _ => drop(black_box(
            maiagent::__fuzz::decode_response::<baseline::Conversation>(bytes).unwrap(),
        )),
    }
}
