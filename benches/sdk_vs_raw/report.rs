//! The closing markdown tables.

use crate::measure::{mib, thousands, Figures};
use crate::memory::Peak;
use crate::sizes::Decode;
use crate::Scale;

pub struct Report<'a> {
    pub scale: &'a Scale,
    pub seconds: u64,
    pub stream_peaks: [Peak; 2],
    pub page_peaks: [Peak; 2],
    pub sizes: Vec<(&'static str, usize, Option<usize>)>,
    pub decodes: Vec<Decode>,
    /// SDK, hand-written.
    pub sequential: Vec<Figures>,
    /// SDK, hand-written.
    pub concurrent: Vec<Figures>,
    /// In the order of `streaming::ALL`: SDK, (a), (b), (c).
    pub streaming: Vec<Figures>,
    /// SDK, hand-written.
    pub pages: Vec<Figures>,
}

fn row(cells: &[String]) {
    println!("| {} |", cells.join(" | "));
}

fn rate_row(what: String, sdk: &Figures, raw: &Figures) {
    let (low, high) = sdk.ratio_quartiles(raw);
    row(&[
        what,
        thousands(sdk.rate()),
        thousands(raw.rate()),
        format!("{:.2} ({low:.2}–{high:.2})", sdk.ratio(raw)),
    ]);
}

fn cost_row(what: &str, unit: &str, sdk: &Figures, raw: &Figures) {
    row(&[
        format!("{what}: CPU ns / allocations per {unit}"),
        format!("{:.0} ns / {:.2}", sdk.cpu_ns(), sdk.allocations()),
        format!("{:.0} ns / {:.2}", raw.cpu_ns(), raw.allocations()),
        format!("{:.2} (CPU)", sdk.cpu_ns() / raw.cpu_ns()),
    ]);
}

fn peak_row(what: String, [sdk, raw]: [Peak; 2]) {
    row(&[
        what,
        format!("{} (from {})", mib(sdk.peak), mib(sdk.before)),
        format!("{} (from {})", mib(raw.peak), mib(raw.before)),
        format!("{:.2}", sdk.peak as f64 / raw.peak as f64),
    ]);
}

pub fn print(r: &Report) {
    let s = r.scale;
    println!();
    println!(
        "## sdk_vs_raw ({}; {} s in all)",
        if s.quick { "quick" } else { "full size" },
        r.seconds
    );
    println!();
    println!(
        "| figure | SDK | hand-written | ratio SDK / hand-written (middle half of the rounds) |"
    );
    println!("| --- | ---: | ---: | ---: |");
    let (sdk, a) = (&r.streaming[0], &r.streaming[1]);
    rate_row(
        format!(
            "SSE, {} events, events/s (reqwest + sse-stream + serde_json into a struct of `String`s)",
            thousands(s.events as f64)
        ),
        sdk,
        a,
    );
    // The GET rows: (label, figures, side, against which side).
    for (label, figures, side, other) in [
        (
            format!(
                "GET one conversation, sequential ({} a round), req/s (reqwest + serde_json)",
                s.get_sequential
            ),
            &r.sequential,
            0,
            1,
        ),
        (
            format!("GET, 64 in flight ({} a round), req/s", s.get_concurrent),
            &r.concurrent,
            0,
            1,
        ),
        (
            "GET sequential, against the hand-written call with reqwest's `.timeout(120 s)` (the SDK's default timeout), req/s".to_string(),
            &r.sequential,
            0,
            2,
        ),
        (
            "GET 64 in flight, against the same with `.timeout(120 s)`, req/s".to_string(),
            &r.concurrent,
            0,
            2,
        ),
        (
            "control: the hand-written GET against itself, sequential (the ratio identical code gets in this run)".to_string(),
            &r.sequential,
            3,
            1,
        ),
        (
            "control: the same, 64 in flight".to_string(),
            &r.concurrent,
            3,
            1,
        ),
    ] {
        rate_row(label, &figures[side], &figures[other]);
    }
    rate_row(
        format!(
            "pagination, {} messages in pages of 100, items/s",
            thousands(s.messages as f64)
        ),
        &r.pages[0],
        &r.pages[1],
    );
    peak_row(
        format!(
            "peak RSS streaming {} (each run a fresh process; median of {})",
            mib(s.stream_bytes),
            crate::memory::RUNS
        ),
        r.stream_peaks,
    );
    peak_row(
        format!(
            "peak RSS paginating {} messages (pages of 1,000; the same)",
            thousands(s.peak_messages as f64)
        ),
        r.page_peaks,
    );
    cost_row("SSE", "event", sdk, a);
    cost_row(
        "GET sequential",
        "request",
        &r.sequential[0],
        &r.sequential[1],
    );
    cost_row(
        "GET 64 in flight",
        "request",
        &r.concurrent[0],
        &r.concurrent[1],
    );
    cost_row("pagination", "message", &r.pages[0], &r.pages[1]);
    for (i, name) in [
        (2, "(b) reqwest + eventsource-stream + serde_json"),
        (3, "(c) reqwest bytes only"),
    ] {
        let other = &r.streaming[i];
        row(&[
            format!("SSE: SDK against {name}, events/s, CPU ns per event"),
            format!("{} , {:.0} ns", thousands(sdk.rate()), sdk.cpu_ns()),
            format!("{} , {:.0} ns", thousands(other.rate()), other.cpu_ns()),
            format!("{:.2}", sdk.ratio(other)),
        ]);
    }
    println!();
    println!("| size in bytes | SDK | hand-written |");
    println!("| --- | ---: | ---: |");
    for (what, sdk, raw) in &r.sizes {
        row(&[
            what.to_string(),
            sdk.to_string(),
            raw.map_or("—".into(), |n| n.to_string()),
        ]);
    }
    println!();
    println!(
        "| one decode, no I/O ({} times, a response 1/20 and a page 1/1,000 as often; a whole response as each side decodes it, an id or an event with `serde_json::from_str`) | SDK ns / allocations | hand-written ns / allocations |",
        thousands(s.decodes as f64)
    );
    println!("| --- | ---: | ---: |");
    for (what, sdk_ns, sdk_allocs, raw_ns, raw_allocs) in &r.decodes {
        row(&[
            what.to_string(),
            format!("{sdk_ns:.0} ns / {sdk_allocs:.2}"),
            format!("{raw_ns:.0} ns / {raw_allocs:.2}"),
        ]);
    }
    println!();
    println!(
        "Medians of interleaved rounds ({} for GET, {} for pagination, {} for SSE; in each round \
         the sides run in the order of a Williams design, so that each follows every other \
         equally often); a ratio is the median of the rounds' ratios. CPU time (user + system) \
         and allocations are the client process's, per unit. Client: a tokio runtime with 1 worker and one reqwest::Client \
         shared by both sides; server: this binary as a child process, HTTP/1.1 on 127.0.0.1.",
        crate::GET_ROUNDS,
        crate::PAGE_ROUNDS,
        crate::STREAM_ROUNDS,
    );
    println!("Reproduce: `cargo bench --bench sdk_vs_raw`");
}
