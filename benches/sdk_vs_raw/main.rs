//! The SDK against what a user would write by hand with the same crates, on one local server.
//!
//! `cargo bench --bench sdk_vs_raw` measures, in release, in one run on one machine:
//!
//! * **requests**: `client.conversations().get(id)` against `reqwest` + `serde_json` into a plain
//!   struct of `String`s, on the same `reqwest::Client`, sequentially and with 64 in flight;
//! * **streaming**: a completion of 1,000,000 events of 118 bytes through
//!   `client.chatbot(id).stream(..)` against (a) `reqwest` + `sse-stream` + `serde_json` into a
//!   plain struct of `String`s (the baseline), (b) the same with `eventsource-stream`, (c) the
//!   bytes alone;
//! * **pagination**: 100,000 messages in pages of 100 through `messages().list(..).items()`
//!   against a hand-written loop following `next`;
//! * **memory**: peak resident memory while streaming 1 GiB and paginating 1,000,000 messages
//!   (pages of 1,000), SDK and hand-written;
//! * **sizes** of the main response types and futures, and CPU time and heap allocations per
//!   decoded id and event.
//!
//! Throughput, CPU time (user + system, `getrusage`) and allocations (a counting global
//! allocator) are per unit, for the whole client process; sides run in interleaved rounds
//! (in each round in the order of a Williams design: each side runs first, and follows every
//! other side, equally often) and the medians are shown; a ratio is the median of the rounds'
//! ratios. The GET test also runs the hand-written call a second time, as a control: its ratio
//! to the first is what identical code gets in the run.
//! The server is this binary re-run as a child process. Figures are printed, never asserted;
//! a markdown table closes the output.
//!
//! `SDK_VS_RAW_QUICK=1` runs everything at a tenth of the size (a smoke test).
//! `SDK_VS_RAW_PROFILE=sdk|sse-stream|eventsource-stream|bytes` streams through one pipeline,
//! `get-sdk|get-raw|get-sdk-64|get-raw-64` runs one side of the request test, `page-sdk|page-raw`
//! one side of the pagination test, `requests` the request rows alone, `decodes` the
//! decoding rows alone, `cold-decodes` a GET response decoded on cold caches,
//! `decodes-after-get` one decoded right after its sequential request: targets for
//! `perf record`. `footprint.py` counts the code a request touches, from callgrind's output.

mod baseline;
#[path = "../common/clients.rs"]
mod clients;
mod measure;
mod memory;
mod pagination;
mod report;
mod requests;
mod server;
mod sizes;
mod streaming;

use maiagent::Client;
use measure::thousands;
use reqwest::header::HeaderValue;

#[global_allocator]
static ALLOCATOR: measure::Counting = measure::Counting;

const API_KEY: &str = "bench-api-key";

/// Rounds of each test: whole cycles of [`measure::order`] for its sides (four for GET, four
/// pipelines for SSE, two for pagination).
pub const GET_ROUNDS: usize = 24;
pub const STREAM_ROUNDS: usize = 8;
pub const PAGE_ROUNDS: usize = 12;

/// The client side: one runtime (one worker), the hand-written code's `reqwest::Client`, and
/// the SDK's client (with its own HTTP client).
pub struct Env {
    runtime: tokio::runtime::Runtime,
    pub http: reqwest::Client,
    pub sdk: Client,
    pub base: String,
    pub auth: HeaderValue,
}

impl Env {
    /// Runs `f` as a task of the runtime (on its worker, beside the connections' tasks).
    pub fn run<T: Send + 'static>(
        &self,
        f: impl std::future::Future<Output = T> + Send + 'static,
    ) -> T {
        self.runtime
            .block_on(self.runtime.spawn(f))
            .expect("the task")
    }
}

/// The sizes of one run.
pub struct Scale {
    pub quick: bool,
    pub get_sequential: usize,
    pub get_concurrent: usize,
    pub events: u64,
    pub messages: u64,
    pub stream_bytes: u64,
    pub peak_messages: u64,
    pub decodes: u64,
}

fn main() {
    if std::env::var_os(server::SERVER_ENV).is_some() {
        return server::serve();
    }
    let quick = std::env::var_os("SDK_VS_RAW_QUICK").is_some();
    let div = if quick { 10 } else { 1 };
    let scale = Scale {
        quick,
        // Rounds of a few hundred milliseconds each: a shared machine's noise averages out.
        get_sequential: 2000 / div as usize,
        get_concurrent: 10_000 / div as usize,
        events: 1_000_000 / div,
        messages: 100_000 / div,
        stream_bytes: (1 << 30) / div,
        peak_messages: 1_000_000 / div,
        decodes: 1_000_000 / div,
    };
    if let Some((case, port, amount)) = memory::case_of_this_process() {
        return memory::run_case(&client_env(port), &case, amount);
    }
    let (mut server, port) = server::start_server();
    let env = client_env(port);
    if let Ok(which) = std::env::var("SDK_VS_RAW_PROFILE") {
        profile(&env, &which, div);
        let _ = server.kill();
        return;
    }
    let started = std::time::Instant::now();

    // Each memory case in a fresh process of its own.
    eprintln!("memory ...");
    let stream_peaks = memory::stream_peaks(port, scale.stream_bytes);
    let page_peaks = memory::page_peaks(port, scale.peak_messages);

    eprintln!("sizes and decoding ...");
    let sizes = sizes::sizes(&env);
    let decodes = sizes::decodes(scale.decodes);

    eprintln!("requests ...");
    let sequential = requests::overhead(&env, scale.get_sequential, 1, GET_ROUNDS);
    let concurrent = requests::overhead(&env, scale.get_concurrent, 64, GET_ROUNDS);

    eprintln!("streaming ...");
    let streaming = streaming::streaming(&env, scale.events, STREAM_ROUNDS);

    eprintln!("pagination ...");
    let pages = pagination::pagination(&env, scale.messages, 100, PAGE_ROUNDS);

    let _ = server.kill();
    let _ = server.wait();
    report::print(&report::Report {
        scale: &scale,
        seconds: started.elapsed().as_secs(),
        stream_peaks,
        page_peaks,
        sizes,
        decodes,
        sequential,
        concurrent,
        streaming,
        pages,
    });
}

/// The client side of a run against the server on `port`.
fn client_env(port: u16) -> Env {
    let base = format!("http://127.0.0.1:{port}/api/v1/");
    // Each side as its user writes it: the hand-written side builds a reqwest client, the SDK
    // side a client of its own (its own HTTP client, hyper's pool directly).
    let http = clients::reqwest_client();
    let sdk = Client::builder()
        .api_key(API_KEY)
        .base_url(&base)
        .build()
        .expect("an SDK client");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a runtime");
    Env {
        runtime,
        http,
        sdk,
        base,
        auth: HeaderValue::from_str(&format!("Api-Key {API_KEY}")).expect("a header"),
    }
}

/// One part only, five times: a target for `perf record`.
fn profile(env: &Env, which: &str, div: u64) {
    if which == "requests" {
        // The request rows alone: a quicker look at them.
        for (inflight, n) in [(1, 2000 / div as usize), (64, 10_000 / div as usize)] {
            let figures = requests::overhead(env, n, inflight, GET_ROUNDS);
            eprintln!(
                "GET, {inflight} in flight: ratio {:.3} ({:.3} against a 120 s timeout; control {:.3}), CPU ns/request {:.0} / {:.0} / {:.0}",
                figures[0].ratio(&figures[1]),
                figures[0].ratio(&figures[2]),
                figures[3].ratio(&figures[1]),
                figures[0].cpu_ns(),
                figures[1].cpu_ns(),
                figures[2].cpu_ns()
            );
        }
        return;
    }
    if matches!(which, "cold-decodes" | "decodes-after-get") {
        for _ in 0..3 {
            let (when, [sdk, raw, plain]) = if which == "cold-decodes" {
                ("on cold caches", sizes::cold_decodes(20_000 / div as usize))
            } else {
                let n = 6000 / div as usize;
                (
                    "right after its request",
                    requests::decodes_after_get(env, n),
                )
            };
            eprintln!(
                "GET response decoded and dropped {when}: SDK {sdk:.0} ns, hand-written from_slice {raw:.0} ns, the plain struct through the SDK's path {plain:.0} ns"
            );
        }
        return;
    }
    if which == "decodes" {
        for (what, sdk_ns, sdk_allocs, raw_ns, raw_allocs) in sizes::decodes(1_000_000 / div) {
            eprintln!("{what}: SDK {sdk_ns:.0} ns / {sdk_allocs:.2}, hand-written {raw_ns:.0} ns / {raw_allocs:.2}");
        }
        return;
    }
    if let Some(pipeline) = streaming::Pipeline::from_name(which) {
        for _ in 0..5 {
            let meter = measure::Meter::start();
            let start = std::time::Instant::now();
            let n = streaming::stream_once(env, pipeline, 1_000_000 / div);
            let (cpu, allocations) = meter.read();
            eprintln!(
                "{}: {} events/s, {:.0} ns CPU/event, {:.2} allocations/event",
                pipeline.name(),
                thousands(n as f64 / start.elapsed().as_secs_f64()),
                cpu.as_nanos() as f64 / n as f64,
                allocations as f64 / n as f64
            );
        }
        return;
    }
    if let Some(side) = which.strip_prefix("page-") {
        let messages = 100_000 / div;
        for _ in 0..5 {
            let meter = measure::Meter::start();
            let start = std::time::Instant::now();
            match side {
                "sdk" => pagination::sdk_items(env, messages, 100),
                "raw" => pagination::raw_items(env, messages, 100),
                other => panic!("SDK_VS_RAW_PROFILE=page-{other}: see the file's documentation"),
            };
            let (cpu, allocations) = meter.read();
            eprintln!(
                "{which}: {} items/s, {:.0} ns CPU/item, {:.2} allocations/item",
                thousands(messages as f64 / start.elapsed().as_secs_f64()),
                cpu.as_nanos() as f64 / messages as f64,
                allocations as f64 / messages as f64
            );
        }
        return;
    }
    let inflight = if which.ends_with("-64") { 64 } else { 1 };
    let n = 20_000 / div as usize;
    for _ in 0..5 {
        let meter = measure::Meter::start();
        let start = std::time::Instant::now();
        match which {
            "get-sdk" | "get-sdk-64" => requests::sdk_gets(env, n, inflight),
            "get-raw" | "get-raw-64" => requests::raw_gets(env, n, inflight, None),
            other => panic!("SDK_VS_RAW_PROFILE={other:?}: see the file's documentation"),
        };
        let (cpu, allocations) = meter.read();
        eprintln!(
            "{which}: {} req/s, {:.0} ns CPU/req, {:.1} allocations/req",
            thousands(n as f64 / start.elapsed().as_secs_f64()),
            cpu.as_nanos() as f64 / n as f64,
            allocations as f64 / n as f64
        );
    }
}
