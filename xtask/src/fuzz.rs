//! `cargo xtask fuzz <target|all> [seconds]`: runs a cargo-fuzz target of `fuzz/` for a while
//! and reports how many inputs it executed and how many crashes it found.
//!
//! * Installs cargo-fuzz (`cargo install cargo-fuzz --locked`) when `cargo fuzz` is missing.
//! * Runs on the stable toolchain: `RUSTC_BOOTSTRAP=1` lets cargo-fuzz use the unstable flags it
//!   needs, and `--sanitizer none` avoids the sanitizers, which need a nightly standard library.
//!   libfuzzer-sys builds libFuzzer itself with the system C++ compiler.
//! * Seeds an empty corpus (`fuzz/corpus/<target>/`) from `fuzz/seeds/<target>/` and, for the
//!   JSON targets, the vendor examples in `tests/fixtures/seeds/`; uses the dictionary of
//!   `fuzz/dicts/`.
//! * Passes `-max_total_time=<seconds> -print_final_stats=1` to libFuzzer, echoes its output,
//!   and parses `stat::number_of_executed_units` (or the `Done N runs` line) and the crash
//!   artifacts written under `fuzz/artifacts/<target>/`. Exits non-zero when a crash was found.

use std::collections::BTreeSet;
use std::fs;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

/// The fuzz targets of `fuzz/fuzz_targets/`, with their dictionary and whether the JSON seed
/// examples apply.
const TARGETS: &[(&str, &str, bool)] = &[
    ("sse_decoder", "sse.dict", false),
    ("webhook_decode", "json.dict", true),
    ("response_decoders", "json.dict", true),
    ("header_parsers", "headers.dict", false),
];

/// The default run length, in seconds.
const DEFAULT_SECONDS: u64 = 60;

/// What one run found.
#[derive(Debug, Default, PartialEq, Eq)]
struct Stats {
    executions: Option<u64>,
    coverage: Option<u64>,
    crashes: Vec<String>,
}

/// `cargo xtask fuzz <target|all> [seconds]`.
pub fn command(root: &Path, target: &str, seconds: Option<&str>) -> Result<(), String> {
    let seconds = match seconds {
        None => DEFAULT_SECONDS,
        Some(s) => s
            .parse::<u64>()
            .ok()
            .filter(|s| *s > 0)
            .ok_or_else(|| format!("the run length must be a number of seconds, not {s:?}"))?,
    };
    let targets: Vec<&(&str, &str, bool)> = if target == "all" {
        TARGETS.iter().collect()
    } else {
        vec![TARGETS.iter().find(|t| t.0 == target).ok_or_else(|| {
            let names: Vec<&str> = TARGETS.iter().map(|t| t.0).collect();
            format!("no fuzz target {target:?}; the targets are {names:?} (or `all`)")
        })?]
    };
    ensure_cargo_fuzz()?;
    let mut results = Vec::new();
    for &&(name, dict, json_seeds) in &targets {
        let stats = run(root, name, dict, json_seeds, seconds)?;
        results.push((name, stats));
    }
    println!();
    println!("| target | seconds | executions | exec/s | coverage | crashes |");
    println!("| --- | ---: | ---: | ---: | ---: | ---: |");
    for (name, s) in &results {
        let execs = s.executions.map_or("?".to_string(), |n| n.to_string());
        let rate = s
            .executions
            .map_or("?".to_string(), |n| (n / seconds).to_string());
        let cov = s.coverage.map_or("?".to_string(), |n| n.to_string());
        println!(
            "| {name} | {seconds} | {execs} | {rate} | {cov} | {} |",
            s.crashes.len()
        );
    }
    let crashed: Vec<String> = results
        .iter()
        .flat_map(|(_, s)| s.crashes.iter().cloned())
        .collect();
    if crashed.is_empty() {
        Ok(())
    } else {
        for c in &crashed {
            println!("crash: {c}");
        }
        Err(format!(
            "{} crash(es); reproduce with `RUSTC_BOOTSTRAP=1 cargo fuzz run --sanitizer none <target> <file>`, \
             minimize with `RUSTC_BOOTSTRAP=1 cargo fuzz tmin --sanitizer none <target> <file>`",
            crashed.len()
        ))
    }
}

fn cargo() -> std::ffi::OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}

/// Installs cargo-fuzz unless `cargo fuzz` already works.
fn ensure_cargo_fuzz() -> Result<(), String> {
    let works = Command::new(cargo())
        .args(["fuzz", "--version"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if works {
        return Ok(());
    }
    eprintln!("cargo-fuzz is missing: cargo install cargo-fuzz --locked ...");
    let status = Command::new(cargo())
        .args(["install", "cargo-fuzz", "--locked"])
        .status()
        .map_err(|e| format!("cannot run cargo install: {e}"))?;
    if !status.success() {
        return Err(format!(
            "cargo install cargo-fuzz --locked failed ({status})"
        ));
    }
    Ok(())
}

/// The regular files of `dir` (none if it does not exist).
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    out.sort();
    out
}

/// Copies the seeds into an empty corpus.
fn seed(root: &Path, target: &str, json_seeds: bool, corpus: &Path) -> Result<usize, String> {
    fs::create_dir_all(corpus).map_err(|e| format!("cannot create {}: {e}", corpus.display()))?;
    if !files(corpus).is_empty() {
        return Ok(0);
    }
    let mut seeds = files(&root.join("fuzz/seeds").join(target));
    if json_seeds {
        seeds.extend(
            files(&root.join("tests/fixtures/seeds"))
                .into_iter()
                .filter(|p| p.extension().is_some_and(|e| e == "json")),
        );
    }
    for s in &seeds {
        let name = s.file_name().expect("a file name");
        fs::copy(s, corpus.join(name))
            .map_err(|e| format!("cannot copy {} into the corpus: {e}", s.display()))?;
    }
    Ok(seeds.len())
}

fn run(
    root: &Path,
    target: &str,
    dict: &str,
    json_seeds: bool,
    seconds: u64,
) -> Result<Stats, String> {
    let corpus = root.join("fuzz/corpus").join(target);
    let seeded = seed(root, target, json_seeds, &corpus)?;
    if seeded > 0 {
        eprintln!("fuzz/corpus/{target}: seeded with {seeded} file(s)");
    }
    let artifacts = root.join("fuzz/artifacts").join(target);
    let before: BTreeSet<PathBuf> = files(&artifacts).into_iter().collect();
    let dict = root.join("fuzz/dicts").join(dict);

    let mut args: Vec<String> = vec![
        "fuzz".into(),
        "run".into(),
        "--sanitizer".into(),
        "none".into(),
        target.into(),
        "--".into(),
        format!("-max_total_time={seconds}"),
        "-print_final_stats=1".into(),
        "-timeout=10".into(),
    ];
    if dict.is_file() {
        args.push(format!("-dict={}", dict.display()));
    }
    eprintln!("RUSTC_BOOTSTRAP=1 cargo {}", args.join(" "));
    let started = Instant::now();
    let mut child = Command::new(cargo())
        .current_dir(root)
        .env("RUSTC_BOOTSTRAP", "1")
        .args(&args)
        .stdin(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run cargo fuzz: {e}"))?;
    let mut lines = Vec::new();
    if let Some(stderr) = child.stderr.take() {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            eprintln!("{line}");
            lines.push(line);
        }
    }
    let status = child
        .wait()
        .map_err(|e| format!("cargo fuzz did not finish: {e}"))?;
    let mut stats = parse(&lines);
    // Artifacts this run wrote, whether or not their line was seen.
    for path in files(&artifacts) {
        if !before.contains(&path) {
            let path = path.display().to_string();
            if !stats.crashes.contains(&path) {
                stats.crashes.push(path);
            }
        }
    }
    let execs = stats.executions.map_or("?".into(), |n| n.to_string());
    println!(
        "fuzz {target}: {execs} executions in {:.0} s, {} crash(es), corpus {} file(s)",
        started.elapsed().as_secs_f64(),
        stats.crashes.len(),
        files(&corpus).len()
    );
    if !status.success() && stats.crashes.is_empty() {
        return Err(format!(
            "cargo fuzz run {target} failed ({status}) without a crash artifact; see the output above"
        ));
    }
    Ok(stats)
}

/// Reads libFuzzer's output: the executions (`stat::number_of_executed_units: N`, else
/// `Done N runs in ...`, else the last `#N` status line), the coverage of the last status line,
/// and the artifacts it wrote (`Test unit written to <path>`).
fn parse(lines: &[String]) -> Stats {
    let mut stats = Stats::default();
    let mut last_status = None;
    let mut done = None;
    for line in lines {
        let line = line.trim();
        if let Some(n) = line.strip_prefix("stat::number_of_executed_units:") {
            stats.executions = n.trim().parse().ok();
        } else if let Some(rest) = line.strip_prefix("Done ") {
            done = rest.split_whitespace().next().and_then(|n| n.parse().ok());
        } else if let Some(rest) = line.strip_prefix('#') {
            let mut words = rest.split_whitespace();
            if let Some(n) = words.next().and_then(|n| n.parse::<u64>().ok()) {
                last_status = Some(n);
                let words: Vec<&str> = words.collect();
                if let Some(i) = words.iter().position(|w| *w == "cov:") {
                    stats.coverage = words.get(i + 1).and_then(|c| c.parse().ok());
                }
            }
        }
        if let Some((_, path)) = line.split_once("Test unit written to ") {
            let path = path.trim().to_string();
            if !stats.crashes.contains(&path) {
                stats.crashes.push(path);
            }
        }
    }
    stats.executions = stats.executions.or(done).or(last_status);
    stats
}

#[cfg(test)]
mod tests {
    use super::parse;

    fn lines(text: &str) -> Vec<String> {
        text.lines().map(str::to_string).collect()
    }

    #[test]
    fn reads_the_final_stats() {
        let out = lines(
            "INFO: Seed: 1\n\
             #2\tINITED cov: 100 ft: 120 corp: 5/1kb exec/s: 0 rss: 30Mb\n\
             #1048576\tpulse  cov: 350 ft: 900 corp: 80/9kb lim: 4096 exec/s: 30000 rss: 60Mb\n\
             #1802000\tDONE   cov: 361 ft: 950 corp: 85/10kb lim: 4096 exec/s: 30032 rss: 61Mb\n\
             Done 1802000 runs in 61 second(s)\n\
             stat::number_of_executed_units: 1802001\n\
             stat::average_exec_per_sec:     29541\n",
        );
        let s = parse(&out);
        assert_eq!(s.executions, Some(1_802_001));
        assert_eq!(s.coverage, Some(361));
        assert!(s.crashes.is_empty());
    }

    #[test]
    fn falls_back_to_the_done_line_and_finds_crashes() {
        let out = lines(
            "#5000\tNEW    cov: 10 ft: 12 corp: 3/3b lim: 4 exec/s: 0 rss: 30Mb\n\
             thread '<unnamed>' panicked at fuzz_targets/sse_decoder.rs:1:1:\n\
             ==123== ERROR: libFuzzer: deadly signal\n\
             artifact_prefix='/w/fuzz/artifacts/sse_decoder/'; Test unit written to /w/fuzz/artifacts/sse_decoder/crash-abc\n",
        );
        let s = parse(&out);
        assert_eq!(s.executions, Some(5000));
        assert_eq!(s.crashes, vec!["/w/fuzz/artifacts/sse_decoder/crash-abc"]);
        let s = parse(&lines("Done 77 runs in 1 second(s)\n"));
        assert_eq!(s.executions, Some(77));
    }
}
