//! The SDK against hand-written `reqwest` code, on one local server.
//!
//! `cargo bench --bench sdk_vs_raw` (add `--features mock` or not: the server is the bench's own)
//! measures, in release:
//!
//! * **request overhead**: `client.conversations().get(id)` through the SDK against raw
//!   `reqwest` + `serde_json::from_slice::<Conversation>` of the same URL with the same header,
//!   on the same `reqwest::Client`: sequentially and with 64 requests in flight. Runs alternate
//!   (SDK, raw, raw, SDK, ...) after a warm-up; the median requests/s of the runs is shown.
//! * **streaming**: a completion of 1,000,000 events of 118 bytes through the SDK
//!   (`client.chatbot(id).stream(..)`, counting events) against raw `reqwest` with (a) the same
//!   SSE crate (`sse-stream`) + `serde_json` into `Completion`, (b) `eventsource-stream` +
//!   `serde_json` (the pipeline async-openai uses), (c) the bytes alone: events/s and CPU time
//!   per event (`getrusage(RUSAGE_SELF)`, user + system), medians of interleaved runs.
//! * **memory**: peak resident memory (`VmHWM`, reset through `/proc/self/clear_refs`) while
//!   streaming 128 MiB and 1 GiB of events through the SDK, and while iterating 100,000 and
//!   1,000,000 messages through `messages().list(..).items()` (pages of 1,000 following `next`).
//!
//! The server is this same binary, re-run as a child process (`MAIAGENT_BENCH_SERVER=1`) with
//! its own tokio runtime, so that the client's CPU time and resident memory are its own. It is a
//! minimal HTTP/1.1 server on 127.0.0.1 that answers a prebuilt conversation, writes an event
//! stream from a prebuilt block as fast as the socket takes it, and generates message pages.
//! Figures are printed, never asserted; a markdown table closes the output.
//! `SDK_VS_RAW_QUICK=1` runs everything at a tenth of the size (a smoke test);
//! `SDK_VS_RAW_PROFILE=sdk|sse-stream|eventsource-stream|bytes` (one streaming pipeline) or
//! `get-sdk|get-raw|get-sdk-64|get-raw-64` (one side of the request test) runs that part only,
//! as a target for `perf record`.

use futures::{stream, StreamExt};
use maiagent::types::{Completion, Conversation};
use maiagent::Client;
use reqwest::header::{HeaderValue, ACCEPT, AUTHORIZATION};
use std::hint::black_box;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const SERVER_ENV: &str = "MAIAGENT_BENCH_SERVER";
const API_KEY: &str = "bench-api-key";
const CONVERSATION_ID: &str = "8e44604a-8278-4c96-96b5-3e5a0548d738";

// ------------------------------------------------------------------------------------------
// What the server sends
// ------------------------------------------------------------------------------------------

/// One stream event of 118 bytes (a content delta with a multi-byte text).
fn event() -> &'static [u8] {
    const EVENT: &str = "data: {\"conversationId\":\"8e44604a-8278-4c96-96b5-3e5a0548d738\",\
                         \"content\":\"這是一段串流回覆abc\",\"done\":false}\n\n";
    const _: () = assert!(EVENT.len() == 118);
    EVENT.as_bytes()
}

const FINAL_EVENT: &[u8] = b"data: {\"conversationId\":\"8e44604a-8278-4c96-96b5-3e5a0548d738\",\
                              \"content\":\"\",\"done\":true,\"citations\":[]}\n\n";

/// A conversation as the API returns it (about 1.3 KB).
fn conversation_json() -> String {
    serde_json::json!({
        "id": CONVERSATION_ID,
        "contact": {
            "id": "0b7f5c1e-0000-4000-8000-000000000002",
            "name": "王小明",
            "avatar": "https://example.com/avatars/2.png",
            "sourceId": "U4af4980629",
            "createdAt": "1732495353000"
        },
        "inbox": {
            "id": "a1b2c3d4-0000-4000-8000-000000000001",
            "name": "MaiAgent 網頁聊天 Web Chat",
            "channelType": "web",
            "unreadConversationsCount": 3,
            "signAuth": null
        },
        "title": "退貨流程詢問 Return policy",
        "lastMessage": {
            "id": "2491074a-6d23-4289-af45-caa12531420e",
            "conversation": CONVERSATION_ID,
            "sender": {"id": "324816370485542537671391323877394598747", "name": "AI 智能客服", "avatar": null},
            "type": "outgoing",
            "content": "您好，退貨需在收到商品後七天內提出申請，請保留發票與完整包裝。",
            "contentPayload": null,
            "feedback": null,
            "createdAt": "1732495353000",
            "attachments": [],
            "citations": [],
            "queryMetadata": null
        },
        "lastMessageCreatedAt": "1732495353000",
        "unreadMessagesCount": 0,
        "autoReplyEnabled": true,
        "isAutoReplyNow": false,
        "lastReadAt": "2024-11-25T00:42:33.000Z",
        "createdAt": "1732495353000",
        "isGroupChat": false,
        "enableGroupMention": false,
        "enableLoadingAnimation": true,
        "queryMetadata": {"department": "support"},
        "toolMask": null,
        "llm": "c0ffee00-0000-4000-8000-000000000009",
        "ipAddress": "203.0.113.7",
        "ipCountryCode": "TW",
        "ipRecordedAt": "1732495353000"
    })
    .to_string()
}

/// Message number `i` of a page (about 480 bytes).
fn message_json(out: &mut Vec<u8>, i: u64) {
    write!(
        out,
        "{{\"id\":\"00000000-0000-4000-8000-{i:012}\",\"conversation\":\"{CONVERSATION_ID}\",\
         \"sender\":{{\"id\":\"324816370485542537671391323877394598747\",\"name\":\"AI 智能客服\",\
         \"avatar\":\"https://example.com/avatars/bot.png\"}},\"type\":\"outgoing\",\
         \"content\":\"這是第 {i} 則訊息。This is message number {i}, with a little more text.\",\
         \"contentPayload\":null,\"feedback\":null,\"createdAt\":\"{}\",\"attachments\":[],\
         \"citations\":[],\"citationNodes\":[],\"canvas\":null,\"queryMetadata\":{{\"lang\":\"zh-TW\"}}}}",
        1_732_495_353_000u64 + i
    )
    .expect("writing to a Vec");
}

// ------------------------------------------------------------------------------------------
// The server (a child process)
// ------------------------------------------------------------------------------------------

fn serve() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a runtime");
    // End with the parent: it holds our stdin.
    std::thread::spawn(|| {
        let mut sink = String::new();
        let _ = std::io::stdin().read_line(&mut sink);
        std::process::exit(0);
    });
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = listener.local_addr().expect("an address").port();
        println!("{port}");
        std::io::stdout().flush().expect("stdout");
        let shared = std::sync::Arc::new(Prebuilt {
            conversation: conversation_json().into_bytes(),
            block: event().repeat(1024),
            origin: format!("http://127.0.0.1:{port}"),
        });
        loop {
            let (socket, _) = listener.accept().await.expect("accept");
            let shared = shared.clone();
            tokio::spawn(async move {
                let _ = connection(socket, &shared).await;
            });
        }
    });
}

struct Prebuilt {
    conversation: Vec<u8>,
    /// 1,024 events.
    block: Vec<u8>,
    origin: String,
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Serves the requests of one keep-alive connection.
async fn connection(mut socket: tokio::net::TcpStream, p: &Prebuilt) -> std::io::Result<()> {
    socket.set_nodelay(true)?;
    let mut buf: Vec<u8> = Vec::with_capacity(16 * 1024);
    loop {
        let head_end = loop {
            if let Some(i) = find(&buf, b"\r\n\r\n") {
                break i + 4;
            }
            if socket.read_buf(&mut buf).await? == 0 {
                return Ok(());
            }
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
        let length: usize = head
            .lines()
            .filter_map(|l| l.split_once(':'))
            .find(|(k, _)| k.trim().eq_ignore_ascii_case("content-length"))
            .and_then(|(_, v)| v.trim().parse().ok())
            .unwrap_or(0);
        while buf.len() < head_end + length {
            if socket.read_buf(&mut buf).await? == 0 {
                return Ok(());
            }
        }
        buf.drain(..head_end + length);
        let mut parts = head.split_whitespace();
        let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
        match (method, segments.as_slice()) {
            ("GET", ["api", "v1", "conversations", _]) => {
                respond(&mut socket, "application/json", &p.conversation).await?;
            }
            ("POST", ["api", "v1", "chatbots", events, "completions"]) => {
                let events: u64 = events.parse().unwrap_or(1);
                event_stream(&mut socket, p, events).await?;
            }
            ("GET", ["api", "v1", "messages"]) => {
                let page = message_page(p, query);
                respond(&mut socket, "application/json", &page).await?;
            }
            _ => {
                let body = b"{\"detail\":\"Not found.\"}";
                let head = format!(
                    "HTTP/1.1 404 Not Found\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
                    body.len()
                );
                socket.write_all(head.as_bytes()).await?;
                socket.write_all(body).await?;
            }
        }
    }
}

async fn respond(
    socket: &mut tokio::net::TcpStream,
    media: &str,
    body: &[u8],
) -> std::io::Result<()> {
    let mut out = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: {media}\r\ncontent-length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(body);
    socket.write_all(&out).await
}

/// `events` events: `events - 1` deltas, then the final one.
async fn event_stream(
    socket: &mut tokio::net::TcpStream,
    p: &Prebuilt,
    events: u64,
) -> std::io::Result<()> {
    let deltas = events.saturating_sub(1);
    let per_block = (p.block.len() / event().len()) as u64;
    let (blocks, rest) = (deltas / per_block, (deltas % per_block) as usize);
    let length = deltas * event().len() as u64 + FINAL_EVENT.len() as u64;
    let head = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncache-control: no-cache\r\ncontent-length: {length}\r\n\r\n"
    );
    socket.write_all(head.as_bytes()).await?;
    for _ in 0..blocks {
        socket.write_all(&p.block).await?;
    }
    socket.write_all(&p.block[..rest * event().len()]).await?;
    socket.write_all(FINAL_EVENT).await
}

/// `GET messages/?conversation=<total>&pageSize=<n>&cursor=<offset>`: messages `offset..` of
/// `total`, with an absolute `next` link while more remain.
fn message_page(p: &Prebuilt, query: &str) -> Vec<u8> {
    let value = |key: &str| {
        query
            .split('&')
            .filter_map(|kv| kv.split_once('='))
            .find(|(k, _)| *k == key)
            .and_then(|(_, v)| v.parse::<u64>().ok())
    };
    let total = value("conversation").unwrap_or(0);
    let size = value("pageSize").unwrap_or(10).max(1);
    let offset = value("cursor").unwrap_or(0);
    let end = (offset + size).min(total);
    let mut out = Vec::with_capacity(512 * (end - offset.min(end)) as usize + 256);
    write!(out, "{{\"count\":{total},\"next\":").expect("a Vec");
    if end < total {
        write!(
            out,
            "\"{}/api/v1/messages/?conversation={total}&cursor={end}&pageSize={size}\"",
            p.origin
        )
        .expect("a Vec");
    } else {
        out.extend_from_slice(b"null");
    }
    out.extend_from_slice(b",\"previous\":null,\"results\":[");
    for i in offset..end {
        if i > offset {
            out.push(b',');
        }
        message_json(&mut out, i);
    }
    out.extend_from_slice(b"]}");
    out
}

// ------------------------------------------------------------------------------------------
// Measuring
// ------------------------------------------------------------------------------------------

/// User + system CPU time of this process.
fn cpu_time() -> Duration {
    // SAFETY: getrusage writes into the struct it is given, which is plain old data.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        assert_eq!(libc::getrusage(libc::RUSAGE_SELF, &mut usage), 0);
        usage
    };
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

/// A `Vm…` figure of `/proc/self/status`, in bytes.
fn vm(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kib| kib * 1024)
}

/// Resets the peak resident memory (`VmHWM`) to the current resident memory.
fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn thousands(x: f64) -> String {
    let n = x.round() as u64;
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

struct Env {
    runtime: tokio::runtime::Runtime,
    http: reqwest::Client,
    sdk: Client,
    base: String,
    auth: HeaderValue,
}

impl Env {
    /// Runs `f` as a task of the runtime (on its worker, beside the connections' tasks).
    fn run<T: Send + 'static>(
        &self,
        f: impl std::future::Future<Output = T> + Send + 'static,
    ) -> T {
        self.runtime
            .block_on(self.runtime.spawn(f))
            .expect("the task")
    }
}

// -- request overhead ---------------------------------------------------------------------

/// The time `n` SDK `get`s take, `inflight` at a time.
fn sdk_gets(env: &Env, n: usize, inflight: usize) -> Duration {
    let sdk = env.sdk.clone();
    env.run(async move {
        let start = Instant::now();
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
        start.elapsed()
    })
}

/// The time `n` raw `reqwest` + `serde_json` gets take, `inflight` at a time.
fn raw_gets(env: &Env, n: usize, inflight: usize) -> Duration {
    let (http, base, auth) = (env.http.clone(), env.base.clone(), env.auth.clone());
    env.run(async move {
        let start = Instant::now();
        stream::iter(0..n)
            .map(|_| {
                let (http, base, auth) = (&http, &base, &auth);
                async move {
                    let url = format!("{base}conversations/{CONVERSATION_ID}/");
                    let response = http
                        .get(url)
                        .header(AUTHORIZATION, auth.clone())
                        .send()
                        .await
                        .expect("send")
                        .error_for_status()
                        .expect("200");
                    let body = response.bytes().await.expect("body");
                    serde_json::from_slice::<Conversation>(&body).expect("a conversation")
                }
            })
            .buffer_unordered(inflight)
            .for_each(|c| {
                black_box(c);
                futures::future::ready(())
            })
            .await;
        start.elapsed()
    })
}

/// Median requests/s and CPU ns per request (client process) of the SDK and of raw code. Each
/// run is `n` requests a side, sent in ten batches that alternate between the sides (so that a
/// change of the machine's load hits both alike).
fn request_overhead(env: &Env, n: usize, inflight: usize, runs: usize) -> Overhead {
    const SLICES: usize = 10;
    sdk_gets(env, n / 5, inflight);
    raw_gets(env, n / 5, inflight);
    let batch = (n / SLICES).max(1);
    let total = (batch * SLICES) as f64;
    let mut figures: [Vec<(f64, f64)>; 2] = [Vec::new(), Vec::new()];
    for run in 0..runs {
        let mut time = [Duration::ZERO; 2];
        let mut cpu = [Duration::ZERO; 2];
        for slice in 0..SLICES {
            let order = if (run + slice).is_multiple_of(2) {
                [0, 1]
            } else {
                [1, 0]
            };
            for side in order {
                let before = cpu_time();
                time[side] += if side == 0 {
                    sdk_gets(env, batch, inflight)
                } else {
                    raw_gets(env, batch, inflight)
                };
                cpu[side] += cpu_time() - before;
            }
        }
        for side in 0..2 {
            figures[side].push((
                total / time[side].as_secs_f64(),
                cpu[side].as_nanos() as f64 / total,
            ));
        }
        let (s, r) = (figures[0][run], figures[1][run]);
        eprintln!(
            "  {inflight:>2} in flight: SDK {:>8} req/s {:>6.0} ns CPU/req | raw {:>8} req/s {:>6.0} ns CPU/req",
            thousands(s.0),
            s.1,
            thousands(r.0),
            r.1
        );
    }
    let m = |v: &[(f64, f64)]| {
        (
            median(v.iter().map(|x| x.0).collect()),
            median(v.iter().map(|x| x.1).collect()),
        )
    };
    let paired = median(
        figures[0]
            .iter()
            .zip(&figures[1])
            .map(|(s, r)| s.0 / r.0)
            .collect(),
    );
    Overhead {
        sdk: m(&figures[0]),
        raw: m(&figures[1]),
        ratio: paired,
    }
}

/// Requests/s and CPU ns per request (medians), and the median of the runs' SDK/raw ratios.
struct Overhead {
    sdk: (f64, f64),
    raw: (f64, f64),
    ratio: f64,
}

// -- streaming ------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq)]
enum Pipeline {
    Sdk,
    SseStream,
    EventsourceStream,
    Bytes,
}

impl Pipeline {
    fn name(self) -> &'static str {
        match self {
            Pipeline::Sdk => "SDK `chatbot(id).stream(..)`",
            Pipeline::SseStream => "(a) reqwest + sse-stream + serde_json",
            Pipeline::EventsourceStream => "(b) reqwest + eventsource-stream + serde_json",
            Pipeline::Bytes => "(c) reqwest bytes only",
        }
    }
}

fn completion_body() -> serde_json::Value {
    serde_json::json!({"message": {"content": "請介紹你自己"}, "isStreaming": true})
}

/// Streams a completion of `events` events through `pipeline`; returns the events (or, for
/// the bytes alone, the events the bytes hold) and the wall time.
fn stream_once(env: &Env, pipeline: Pipeline, events: u64) -> (u64, Duration) {
    let (sdk, http, base, auth) = (
        env.sdk.clone(),
        env.http.clone(),
        env.base.clone(),
        env.auth.clone(),
    );
    env.run(async move {
        let start = Instant::now();
        let count = match pipeline {
            Pipeline::Sdk => {
                let mut reply = sdk
                    .chatbot(events.to_string())
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
            raw => {
                let response = http
                    .post(format!("{base}chatbots/{events}/completions/"))
                    .header(AUTHORIZATION, auth)
                    .header(ACCEPT, "text/event-stream")
                    .json(&completion_body())
                    .send()
                    .await
                    .expect("send")
                    .error_for_status()
                    .expect("200");
                let body = response.bytes_stream();
                let mut n = 0u64;
                match raw {
                    Pipeline::SseStream => {
                        let mut sse = sse_stream::SseByteStream::new(body);
                        while let Some(event) = sse.next().await {
                            let event = event.expect("an event");
                            if let Some(data) = event.data {
                                let c: Completion = serde_json::from_str(&data).expect("JSON");
                                n += 1;
                                if c.done {
                                    break;
                                }
                                black_box(c);
                            }
                        }
                    }
                    Pipeline::EventsourceStream => {
                        use eventsource_stream::Eventsource;
                        let mut sse = body.eventsource();
                        while let Some(event) = sse.next().await {
                            let event = event.expect("an event");
                            let c: Completion = serde_json::from_str(&event.data).expect("JSON");
                            n += 1;
                            if c.done {
                                break;
                            }
                            black_box(c);
                        }
                    }
                    _ => {
                        let mut bytes = body;
                        let mut total = 0u64;
                        while let Some(chunk) = bytes.next().await {
                            total += chunk.expect("a chunk").len() as u64;
                        }
                        let deltas = total - FINAL_EVENT.len() as u64;
                        n = deltas / event().len() as u64 + 1;
                    }
                }
                n
            }
        };
        (count, start.elapsed())
    })
}

struct StreamFigures {
    events_per_s: f64,
    cpu_ns_per_event: f64,
    /// Events/s of each round (`None` where the pipeline was not run).
    rounds: Vec<Option<f64>>,
}

impl StreamFigures {
    /// The median over the rounds of the ratio of this pipeline's rate to `other`'s in the same
    /// round (runs close in time, so a change of the machine's load hits both alike).
    fn paired_ratio(&self, other: &StreamFigures) -> f64 {
        let ratios: Vec<f64> = self
            .rounds
            .iter()
            .zip(&other.rounds)
            .filter_map(|(a, b)| Some((*a)? / (*b)?))
            .collect();
        median(ratios)
    }
}

/// Streams `events` events through each pipeline in `runs` rounds (the slow
/// `eventsource-stream` in the first `slow_runs` only), rotating the order from round to round.
fn streaming(
    env: &Env,
    events: u64,
    runs: usize,
    slow_runs: usize,
) -> Vec<(Pipeline, StreamFigures)> {
    let all = [
        Pipeline::Sdk,
        Pipeline::SseStream,
        Pipeline::EventsourceStream,
        Pipeline::Bytes,
    ];
    for p in all {
        stream_once(env, p, events / 10); // warm-up
    }
    let mut rounds: Vec<[Option<f64>; 4]> = Vec::new();
    let mut cpus: Vec<Vec<f64>> = vec![Vec::new(); all.len()];
    for run in 0..runs {
        let mut round = [None; 4];
        for k in 0..all.len() {
            let i = (k + run) % all.len();
            if all[i] == Pipeline::EventsourceStream && run >= slow_runs {
                continue;
            }
            let cpu = cpu_time();
            let (n, took) = stream_once(env, all[i], events);
            let cpu = cpu_time() - cpu;
            assert_eq!(n, events, "{} got {n} events", all[i].name());
            let rate = n as f64 / took.as_secs_f64();
            round[i] = Some(rate);
            cpus[i].push(cpu.as_nanos() as f64 / n as f64);
            eprintln!(
                "  {:<48} {:>12} events/s  {:>6.0} ns CPU/event",
                all[i].name(),
                thousands(rate),
                cpu.as_nanos() as f64 / n as f64
            );
        }
        rounds.push(round);
    }
    let rates: Vec<Vec<Option<f64>>> = (0..all.len())
        .map(|i| rounds.iter().map(|r| r[i]).collect())
        .collect();
    all.iter()
        .enumerate()
        .map(|(i, p)| {
            (
                *p,
                StreamFigures {
                    events_per_s: median(rates[i].iter().flatten().copied().collect()),
                    cpu_ns_per_event: median(cpus[i].clone()),
                    rounds: rates[i].clone(),
                },
            )
        })
        .collect()
}

// -- memory ---------------------------------------------------------------------------------

/// Peak resident memory while streaming `events` events through the SDK, and the resident
/// memory before.
fn stream_peak(env: &Env, events: u64) -> (u64, u64, f64) {
    reset_peak();
    let before = vm("VmRSS");
    let (n, took) = stream_once(env, Pipeline::Sdk, events);
    assert_eq!(n, events);
    (vm("VmHWM"), before, n as f64 / took.as_secs_f64())
}

/// Peak resident memory while iterating `messages` messages through `items()`, the resident
/// memory before, and messages/s.
fn pagination_peak(env: &Env, messages: u64) -> (u64, u64, f64) {
    reset_peak();
    let before = vm("VmRSS");
    let sdk = env.sdk.clone();
    let (n, took) = env.run(async move {
        let start = Instant::now();
        let mut items = sdk
            .messages()
            .list(messages.to_string())
            .page_size(1000)
            .items();
        let mut n = 0u64;
        while let Some(message) = items.next().await {
            black_box(message.expect("a message"));
            n += 1;
        }
        (n, start.elapsed())
    });
    assert_eq!(n, messages);
    (vm("VmHWM"), before, n as f64 / took.as_secs_f64())
}

// ------------------------------------------------------------------------------------------

fn start_server() -> (Child, u16) {
    let mut child = Command::new(std::env::current_exe().expect("this binary"))
        .env(SERVER_ENV, "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("the server starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("its stdout"))
        .read_line(&mut line)
        .expect("its port");
    (child, line.trim().parse().expect("a port number"))
}

fn main() {
    if std::env::var_os(SERVER_ENV).is_some() {
        return serve();
    }
    let quick = std::env::var_os("SDK_VS_RAW_QUICK").is_some();
    let scale = |n: u64| if quick { n / 10 } else { n };
    let (mut server, port) = start_server();
    let base = format!("http://127.0.0.1:{port}/api/v1/");

    // One reqwest client, shared by the SDK and the raw code.
    let http = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("a reqwest client");
    let sdk = Client::builder()
        .api_key(API_KEY)
        .base_url(&base)
        .http_client(http.clone())
        .build()
        .expect("an SDK client");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a runtime");
    let env = Env {
        runtime,
        http,
        sdk,
        base,
        auth: HeaderValue::from_str(&format!("Api-Key {API_KEY}")).expect("a header"),
    };
    if let Ok(which) = std::env::var("SDK_VS_RAW_PROFILE") {
        // Only stream through one pipeline (a target for `perf record`), then stop.
        let pipeline = match which.as_str() {
            "sdk" => Pipeline::Sdk,
            "sse-stream" => Pipeline::SseStream,
            "eventsource-stream" => Pipeline::EventsourceStream,
            "bytes" => Pipeline::Bytes,
            "get-sdk" | "get-raw" | "get-sdk-64" | "get-raw-64" => {
                let inflight = if which.ends_with("-64") { 64 } else { 1 };
                for _ in 0..5 {
                    let n = scale(20_000) as usize;
                    let cpu = cpu_time();
                    let took = if which.starts_with("get-sdk") {
                        sdk_gets(&env, n, inflight)
                    } else {
                        raw_gets(&env, n, inflight)
                    };
                    eprintln!(
                        "{which}: {} req/s, {:.0} ns CPU/req",
                        thousands(n as f64 / took.as_secs_f64()),
                        (cpu_time() - cpu).as_nanos() as f64 / n as f64
                    );
                }
                let _ = server.kill();
                return;
            }
            other => panic!("SDK_VS_RAW_PROFILE={other:?}: see the file's documentation"),
        };
        for _ in 0..5 {
            let cpu = cpu_time();
            let (n, took) = stream_once(&env, pipeline, scale(1_000_000));
            eprintln!(
                "{}: {} events/s, {:.0} ns CPU/event",
                pipeline.name(),
                thousands(n as f64 / took.as_secs_f64()),
                (cpu_time() - cpu).as_nanos() as f64 / n as f64
            );
        }
        let _ = server.kill();
        return;
    }
    let total = Instant::now();
    // Sanity: the pages and the conversation decode.
    serde_json::from_slice::<maiagent::types::MessagePage>(&message_page(
        &Prebuilt {
            conversation: Vec::new(),
            block: Vec::new(),
            origin: String::new(),
        },
        "conversation=3&pageSize=2",
    ))
    .expect("a message page decodes");
    serde_json::from_str::<Conversation>(&conversation_json()).expect("a conversation decodes");

    // Memory first, while the heap is fresh.
    eprintln!("memory ...");
    let resettable = reset_peak();
    let small_stream_bytes = scale(128 << 20);
    let large_stream_bytes = scale(1 << 30);
    let per_event = event().len() as u64;
    let small_stream = stream_peak(&env, small_stream_bytes / per_event);
    let large_stream = stream_peak(&env, large_stream_bytes / per_event);
    let small_pages = pagination_peak(&env, scale(100_000));
    let large_pages = pagination_peak(&env, scale(1_000_000));

    eprintln!("request overhead ...");
    let sequential_n = scale(3000) as usize;
    let concurrent_n = scale(20_000) as usize;
    let seq = request_overhead(&env, sequential_n, 1, 5);
    let con = request_overhead(&env, concurrent_n, 64, 5);
    let ((seq_sdk, seq_sdk_cpu), (seq_raw, seq_raw_cpu)) = (seq.sdk, seq.raw);
    let ((con_sdk, con_sdk_cpu), (con_raw, con_raw_cpu)) = (con.sdk, con.raw);

    eprintln!("streaming ...");
    let events = scale(1_000_000);
    let figures = streaming(&env, events, 5, 3);
    let fig = |p: Pipeline| &figures.iter().find(|(q, _)| *q == p).expect("measured").1;
    let sdk_fig = fig(Pipeline::Sdk);
    let a = fig(Pipeline::SseStream);
    let b = fig(Pipeline::EventsourceStream);
    let c = fig(Pipeline::Bytes);

    let _ = server.kill();
    let _ = server.wait();

    let ok = |x: bool| if x { "yes" } else { "**no**" };
    let mut t = String::new();
    let mut row = |cells: &[String]| {
        t.push_str(&format!("| {} |\n", cells.join(" | ")));
    };
    println!();
    println!(
        "## sdk_vs_raw ({}; {} s in all)",
        if quick { "quick" } else { "full size" },
        total.elapsed().as_secs()
    );
    println!();
    println!("| measurement | SDK | raw / reference | ratio SDK/raw | target | met |");
    println!("| --- | ---: | ---: | ---: | ---: | :---: |");
    row(&[
        format!("GET conversation, sequential ({sequential_n} req, median of 5), req/s"),
        thousands(seq_sdk),
        thousands(seq_raw),
        format!("{:.3}", seq.ratio),
        "≥ 0.95".into(),
        ok(seq.ratio >= 0.95).into(),
    ]);
    row(&[
        format!("GET conversation, 64 in flight ({concurrent_n} req, median of 5), req/s"),
        thousands(con_sdk),
        thousands(con_raw),
        format!("{:.3}", con.ratio),
        "≥ 0.95".into(),
        ok(con.ratio >= 0.95).into(),
    ]);
    row(&[
        "GET conversation: CPU per request (client process), sequential / 64 in flight".into(),
        format!("{:.1} µs / {:.1} µs", seq_sdk_cpu / 1e3, con_sdk_cpu / 1e3),
        format!("{:.1} µs / {:.1} µs", seq_raw_cpu / 1e3, con_raw_cpu / 1e3),
        format!(
            "{:.3} / {:.3}",
            seq_sdk_cpu / seq_raw_cpu,
            con_sdk_cpu / con_raw_cpu
        ),
        "—".into(),
        "—".into(),
    ]);
    row(&[
        format!(
            "stream {} events: SDK vs (a) sse-stream + serde_json, events/s (median of 5)",
            thousands(events as f64)
        ),
        thousands(sdk_fig.events_per_s),
        thousands(a.events_per_s),
        format!("{:.3}", sdk_fig.paired_ratio(a)),
        "≥ 0.9".into(),
        ok(sdk_fig.paired_ratio(a) >= 0.9).into(),
    ]);
    row(&[
        "stream: SDK vs (b) eventsource-stream + serde_json, events/s (median of 3)".into(),
        thousands(sdk_fig.events_per_s),
        thousands(b.events_per_s),
        format!("{:.2}", sdk_fig.paired_ratio(b)),
        "≥ 5".into(),
        ok(sdk_fig.paired_ratio(b) >= 5.0).into(),
    ]);
    row(&[
        "stream: SDK vs (c) bytes only, events/s".into(),
        thousands(sdk_fig.events_per_s),
        thousands(c.events_per_s),
        format!("{:.3}", sdk_fig.paired_ratio(c)),
        "—".into(),
        "—".into(),
    ]);
    row(&[
        "stream: CPU per event (user+sys, client process), SDK vs (a)".into(),
        format!("{:.0} ns", sdk_fig.cpu_ns_per_event),
        format!("{:.0} ns", a.cpu_ns_per_event),
        format!("{:.3}", sdk_fig.cpu_ns_per_event / a.cpu_ns_per_event),
        "—".into(),
        "—".into(),
    ]);
    row(&[
        "stream: CPU per event, (b) eventsource-stream / (c) bytes only".into(),
        "".into(),
        format!(
            "{:.0} ns / {:.0} ns",
            b.cpu_ns_per_event, c.cpu_ns_per_event
        ),
        format!(
            "{:.3} (SDK/b)",
            sdk_fig.cpu_ns_per_event / b.cpu_ns_per_event
        ),
        "—".into(),
        "—".into(),
    ]);
    let peak_row = |what: String, (peak, before, rate): (u64, u64, f64), unit: &str| {
        vec![
            what,
            format!("{} peak", mib(peak)),
            format!("{} before", mib(before)),
            format!("{} {unit}/s", thousands(rate)),
            "< 50 MiB".into(),
            ok(peak < 50 << 20).into(),
        ]
    };
    row(&peak_row(
        format!(
            "peak RSS streaming {} through the SDK",
            mib(small_stream_bytes)
        ),
        small_stream,
        "events",
    ));
    row(&peak_row(
        format!(
            "peak RSS streaming {} through the SDK",
            mib(large_stream_bytes)
        ),
        large_stream,
        "events",
    ));
    row(&peak_row(
        format!(
            "peak RSS iterating {} messages (pages of 1000)",
            thousands(scale(100_000) as f64)
        ),
        small_pages,
        "messages",
    ));
    row(&peak_row(
        format!(
            "peak RSS iterating {} messages (pages of 1000)",
            thousands(scale(1_000_000) as f64)
        ),
        large_pages,
        "messages",
    ));
    print!("{t}");
    println!();
    if !resettable {
        println!(
            "(peak RSS could not be reset through /proc/self/clear_refs: peaks are since start)"
        );
    }
    println!(
        "Ratios are the medians of the ratios of runs made next to each other (SDK and raw \
         batches alternate), so that a change of the machine's load hits both alike."
    );
    println!(
        "Client: one tokio multi-thread runtime with 1 worker, one shared reqwest::Client; \
         server: this binary re-run as a child process (1 worker), HTTP/1.1 on 127.0.0.1. \
         CPU and RSS are the client process's own."
    );
    println!("Reproduce: `cargo bench --bench sdk_vs_raw --features mock`");
}
