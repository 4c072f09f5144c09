//! Peak memory of a 1 GiB upload: the SDK's `client.attachments().upload(path)` against what a
//! user writes by hand with `reqwest` (its `multipart::Part::stream_with_length` over
//! `tokio_util::io::ReaderStream`), on the embedded mock server, whose storage host behaves as
//! an S3 presigned POST.
//!
//! `cargo bench --bench upload_memory --features mock`
//!
//! Every upload runs in a fresh process (this binary re-run), so that its peak resident memory
//! (`VmHWM`) is the upload's alone; the mock runs in another. The file is sparse (reading it
//! costs no disk). Sides alternate for three rounds; the figures are printed, never asserted.
//! `UPLOAD_MEMORY_MIB=64` uploads a smaller file (a smoke test).

#[path = "common/clients.rs"]
mod clients;

use maiagent::mock::{MockConfig, MockServer};
use maiagent::Client;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};
use std::time::Instant;

const ROLE: &str = "UPLOAD_MEMORY_ROLE";
const ROUNDS: usize = 3;

fn main() {
    match std::env::var(ROLE).as_deref() {
        Ok("server") => serve(),
        Ok(side) => upload(side),
        Err(_) => compare(),
    }
}

/// The mock, until standard input closes; prints its base URL and API key first.
fn serve() {
    let runtime = runtime();
    let server = runtime
        .block_on(MockServer::start_with(MockConfig::default()))
        .expect("the mock starts");
    println!("{} {}", server.base_url(), server.api_key());
    std::io::stdout().flush().expect("stdout");
    let _ = std::io::stdin().read_to_end(&mut Vec::new());
    drop(server);
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a runtime")
}

/// One upload of `side` (`sdk` or `raw`); prints `<peak KiB> <KiB before> <seconds>`.
fn upload(side: &str) {
    let var = |name: &str| std::env::var(name).expect(name);
    let (base, key, path) = (
        var("UPLOAD_MEMORY_BASE"),
        var("UPLOAD_MEMORY_KEY"),
        var("UPLOAD_MEMORY_FILE"),
    );
    let runtime = runtime();
    let sdk = Client::builder()
        .api_key(&key)
        .base_url(&base)
        .build()
        .expect("an SDK client");
    let http = clients::reqwest_client();
    let before = status_kib("VmRSS");
    let started = Instant::now();
    let id = match side {
        "sdk" => runtime.block_on(async {
            let attachment = sdk
                .attachments()
                .upload(std::path::Path::new(&path))
                .await
                .expect("the SDK upload");
            attachment.id.expect("an id").to_string()
        }),
        "raw" => runtime.block_on(raw_upload(&http, &base, &key, &path)),
        other => panic!("{ROLE}={other:?}"),
    };
    assert!(!id.is_empty());
    println!(
        "{} {} {:.2}",
        status_kib("VmHWM"),
        before,
        started.elapsed().as_secs_f64()
    );
}

/// What a user writes by hand: ask for the presigned form, stream the file into it, register
/// the attachment.
async fn raw_upload(http: &reqwest::Client, base: &str, key: &str, path: &str) -> String {
    let auth = format!("Api-Key {key}");
    let size = tokio::fs::metadata(path).await.expect("metadata").len();
    let presigned: Value = http
        .post(format!("{base}upload-presigned-url/"))
        .header("Authorization", &auth)
        .json(&json!({"filename": "big.bin", "modelName": "attachment", "fieldName": "file", "fileSize": size}))
        .send()
        .await
        .expect("presign")
        .error_for_status()
        .expect("presign 200")
        .json()
        .await
        .expect("presign JSON");
    let mut form = reqwest::multipart::Form::new();
    let fields = presigned["fields"].as_object().expect("fields");
    for (name, value) in fields {
        form = form.text(
            name.clone(),
            value.as_str().expect("a text field").to_string(),
        );
    }
    let file = tokio::fs::File::open(path).await.expect("open");
    let body = reqwest::Body::wrap_stream(tokio_util::io::ReaderStream::new(file));
    form = form.part(
        "file",
        reqwest::multipart::Part::stream_with_length(body, size).file_name("big.bin"),
    );
    http.post(presigned["url"].as_str().expect("url"))
        .multipart(form)
        .send()
        .await
        .expect("storage")
        .error_for_status()
        .expect("storage 2xx");
    let attachment: Value = http
        .post(format!("{base}attachments/"))
        .header("Authorization", &auth)
        .json(&json!({"file": fields["key"], "filename": "big.bin", "type": "other"}))
        .send()
        .await
        .expect("register")
        .error_for_status()
        .expect("register 201")
        .json()
        .await
        .expect("attachment JSON");
    attachment["id"].as_str().expect("id").to_string()
}

/// A `/proc/self/status` figure in KiB (`VmRSS`, `VmHWM`).
fn status_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .expect("/proc/self/status")
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("a memory figure")
}

fn compare() {
    let mib: u64 = std::env::var("UPLOAD_MEMORY_MIB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1024);
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("big.bin");
    std::fs::File::create(&path)
        .and_then(|f| f.set_len(mib << 20))
        .expect("a sparse file");
    let me = std::env::current_exe().expect("this binary");
    let mut server = Command::new(&me)
        .env(ROLE, "server")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("the mock process");
    let mut line = String::new();
    BufReader::new(server.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("the mock's address");
    let (base, key) = line.trim().split_once(' ').expect("base and key");
    let mut figures: [Vec<(f64, f64, f64)>; 2] = [Vec::new(), Vec::new()];
    for round in 0..ROUNDS {
        for i in 0..2 {
            let side = (i + round) % 2;
            let out = Command::new(&me)
                .env(ROLE, ["sdk", "raw"][side])
                .env("UPLOAD_MEMORY_BASE", base)
                .env("UPLOAD_MEMORY_KEY", key)
                .env("UPLOAD_MEMORY_FILE", &path)
                .output()
                .expect("an upload process");
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            let text = String::from_utf8_lossy(&out.stdout);
            let v: Vec<f64> = text
                .split_whitespace()
                .map(|x| x.parse().expect("a figure"))
                .collect();
            eprintln!(
                "  {} peak {:.1} MiB (from {:.1} MiB), {:.1} s",
                ["SDK", "reqwest"][side],
                v[0] / 1024.0,
                v[1] / 1024.0,
                v[2]
            );
            figures[side].push((v[0], v[1], v[2]));
        }
    }
    drop(server.stdin.take());
    let _ = server.wait();
    let median = |side: usize, f: fn(&(f64, f64, f64)) -> f64| {
        let mut v: Vec<f64> = figures[side].iter().map(f).collect();
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    println!();
    println!("## upload_memory: one {mib} MiB file, each upload in its own process (medians of {ROUNDS})");
    println!();
    println!(
        "| figure | SDK `attachments().upload(path)` | hand-written reqwest multipart stream |"
    );
    println!("| --- | ---: | ---: |");
    for (what, f, unit) in [
        (
            "peak RSS (VmHWM)",
            (|x: &(f64, f64, f64)| x.0) as fn(&_) -> f64,
            "MiB",
        ),
        ("RSS before the upload", |x| x.1, "MiB"),
    ] {
        println!(
            "| {what} | {:.1} {unit} | {:.1} {unit} |",
            median(0, f) / 1024.0,
            median(1, f) / 1024.0
        );
    }
    println!(
        "| throughput | {:.0} MiB/s | {:.0} MiB/s |",
        mib as f64 / median(0, |x| x.2),
        mib as f64 / median(1, |x| x.2)
    );
    println!();
    println!("Reproduce: `cargo bench --bench upload_memory --features mock`");
}
