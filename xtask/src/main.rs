//! Maintenance tasks for the `maiagent` crate, run as `cargo xtask <command>` (an alias in
//! `.cargo/config.toml`).
//!
//! * `cargo xtask check`: lints `openapi/maiagent.yaml` (every kind of problem, one per line)
//!   and fails if a file derived from the spec is stale.
//! * `cargo xtask fuzz <target|all> [seconds]`: runs a cargo-fuzz target of `fuzz/` (see
//!   `fuzz.rs`) and reports its executions and crashes.
//! * `cargo xtask regen`: rewrites every file derived from the spec:
//!   `openapi/generated/client.rs.txt` (the client `build/main.rs` generates, verbatim) and
//!   `openapi/generated/api.md` (a compact listing of its operations and types), so that a spec
//!   change shows up in review.

mod api_listing;
mod fuzz;
#[path = "../../build/speclint.rs"]
mod speclint;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::{env, fs};

const SPEC: &str = "openapi/maiagent.yaml";
const GENERATED_DIR: &str = "openapi/generated";
const CLIENT_FILE: &str = "client.rs.txt";
const API_FILE: &str = "api.md";

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  check   lint openapi/maiagent.yaml and fail if a file derived from it is stale
  regen   rewrite the files derived from the spec (openapi/generated/)
  fuzz <target|all> [seconds]
          run a fuzz target of fuzz/ (sse_decoder, webhook_decode, response_decoders)
          for a while (default 60 s) and report its executions and crashes";

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let result = match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["check"] => check(),
        ["regen"] => regen(),
        ["fuzz", target] => fuzz::command(&root(), target, None),
        ["fuzz", target, seconds] => fuzz::command(&root(), target, Some(seconds)),
        ["help" | "--help" | "-h"] => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root: the parent of this crate's directory.
fn root() -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    here.parent().unwrap_or(here).to_path_buf()
}

fn read_spec(root: &Path) -> Result<serde_json::Value, String> {
    let path = root.join(SPEC);
    let text =
        fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    serde_yaml_ng::from_str(&text).map_err(|e| format!("{SPEC} is not valid YAML: {e}"))
}

/// The files derived from the spec, as (file name under `openapi/generated/`, contents).
fn derive(root: &Path, spec: &serde_json::Value) -> Result<Vec<(&'static str, String)>, String> {
    let client = generated_client(root)?;
    let listing = api_listing::render(&client, spec)?;
    Ok(vec![(CLIENT_FILE, client), (API_FILE, listing)])
}

fn check() -> Result<(), String> {
    let root = root();
    let spec = read_spec(&root)?;
    let problems = speclint::lint(&spec);
    for p in &problems {
        let kind = match p.kind {
            speclint::Kind::Generator => "generator",
            speclint::Kind::Tolerance => "tolerance",
        };
        println!("{SPEC}: {kind}: {}", p.message);
    }
    if problems.iter().any(|p| p.kind == speclint::Kind::Generator) {
        return Err(format!(
            "{} problem(s) in {SPEC}; the client cannot be generated, so derived files were not checked",
            problems.len()
        ));
    }
    let mut stale = Vec::new();
    for (name, fresh) in derive(&root, &spec)? {
        let path = root.join(GENERATED_DIR).join(name);
        match fs::read_to_string(&path) {
            Ok(committed) if committed == fresh => {}
            Ok(_) => stale.push(format!("{GENERATED_DIR}/{name} is stale")),
            Err(_) => stale.push(format!("{GENERATED_DIR}/{name} is missing")),
        }
    }
    for s in &stale {
        println!("{s}: run cargo xtask regen");
    }
    match (problems.len(), stale.len()) {
        (0, 0) => {
            println!("{SPEC}: no problem; {GENERATED_DIR}/ is up to date");
            Ok(())
        }
        (p, s) => {
            let mut what = Vec::new();
            if p > 0 {
                what.push(format!("{p} problem(s) in {SPEC}"));
            }
            if s > 0 {
                what.push(format!("{s} stale file(s) in {GENERATED_DIR}/"));
            }
            Err(what.join(", "))
        }
    }
}

fn regen() -> Result<(), String> {
    let root = root();
    let spec = read_spec(&root)?;
    let dir = root.join(GENERATED_DIR);
    fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    for (name, contents) in derive(&root, &spec)? {
        let path = dir.join(name);
        let unchanged = fs::read_to_string(&path).is_ok_and(|old| old == contents);
        if !unchanged {
            fs::write(&path, contents)
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        }
        println!(
            "{GENERATED_DIR}/{name}: {}",
            if unchanged { "unchanged" } else { "written" }
        );
    }
    Ok(())
}

/// Builds the main crate and returns the client its build script generated.
fn generated_client(root: &Path) -> Result<String, String> {
    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    eprintln!("building maiagent to get the generated client (cargo build -p maiagent) ...");
    let output = Command::new(&cargo)
        .current_dir(root)
        .args([
            "build",
            "--message-format=json-render-diagnostics",
            "-p",
            "maiagent",
        ])
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let mut out_dir = None;
    for line in stdout.lines() {
        let Ok(msg) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        if msg.get("reason").and_then(|r| r.as_str()) != Some("build-script-executed") {
            continue;
        }
        let id = msg.get("package_id").and_then(|p| p.as_str()).unwrap_or("");
        if is_maiagent_package(id) {
            out_dir = msg
                .get("out_dir")
                .and_then(|d| d.as_str())
                .map(PathBuf::from);
        }
    }
    let out_dir = match (out_dir, output.status.success()) {
        (Some(dir), true) => dir,
        (Some(dir), false) => {
            // The build script ran (the spec generated), but the hand-written code around it
            // does not compile: the generated client is still what the spec produces.
            eprintln!(
                "warning: `cargo build -p maiagent` failed ({}), but its build script ran; \
                 using the client it generated",
                output.status
            );
            dir
        }
        (None, true) => {
            return Err(
                "cargo reported no `build-script-executed` message for the maiagent package".into(),
            )
        }
        (None, false) => {
            return Err(format!(
                "`cargo build -p maiagent` failed ({}) before its build script generated the \
                 client; see the messages above",
                output.status
            ))
        }
    };
    let path = out_dir.join("maiagent_generated.rs");
    fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

/// Whether a cargo package id names the `maiagent` package, in any id format:
/// `path+file:///…/main#maiagent@0.1.0`, `path+file:///…/maiagent#0.1.0` (the name is the
/// directory's) or the older `maiagent 0.1.0 (path+file:///…)`.
fn is_maiagent_package(id: &str) -> bool {
    if id.starts_with("maiagent ") {
        return true;
    }
    let Some((url, fragment)) = id.rsplit_once('#') else {
        return false;
    };
    match fragment.split_once('@') {
        Some((name, _)) => name == "maiagent",
        None => url.trim_end_matches('/').rsplit('/').next() == Some("maiagent"),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn package_ids() {
        assert!(super::is_maiagent_package(
            "path+file:///work/main#maiagent@0.1.0"
        ));
        assert!(super::is_maiagent_package(
            "maiagent 0.1.0 (path+file:///work/main)"
        ));
        assert!(super::is_maiagent_package(
            "path+file:///src/maiagent#0.1.0"
        ));
        assert!(!super::is_maiagent_package(
            "path+file:///work/main/xtask#0.0.0"
        ));
        assert!(!super::is_maiagent_package(
            "registry+https://github.com/rust-lang/crates.io-index#serde@1.0.0"
        ));
    }
}
