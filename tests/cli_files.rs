//! `maiagent records export`, `webhook parse|listen`, `mock`, and closed pipes: the commands
//! that write files, read standard input or run until Ctrl-C.
#![cfg(feature = "cli")]

mod common;

use common::cli::*;
use common::dir::listing;
use maiagent::mock::MockConfig;
use serde_json::Value;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::Stdio;

fn assert_xlsx(path: &Path) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(bytes.starts_with(b"PK"), "{} is not a zip", path.display());
}

#[test]
fn records_export_saves_the_file_and_prints_its_path() {
    let mock = Mock::start();
    let chatbot = mock.demo().chatbot.to_string();
    let name = format!("records-{chatbot}.xlsx");

    // Into the current directory, under the server's name.
    let cwd = tempfile::tempdir().unwrap();
    let here =
        run(mock
            .cmd()
            .current_dir(cwd.path())
            .args(["records", "export", "--chatbot", &chatbot]))
        .ok();
    assert_eq!(here.stdout, format!("{name}\n"));
    assert_xlsx(&cwd.path().join(&name));
    assert_eq!(listing(cwd.path()), vec![name.clone()]);
    assert!(
        here.stderr.is_empty(),
        "no progress bar off a terminal: {}",
        here.stderr
    );

    // Into a directory.
    let dir = tempfile::tempdir().unwrap();
    let into = run(mock
        .cmd()
        .args(["records", "export", "--chatbot", &chatbot, "--output"])
        .arg(dir.path()))
    .ok();
    let printed = into.stdout.trim_end();
    assert_eq!(Path::new(printed), dir.path().join(&name));
    assert_xlsx(Path::new(printed));

    // To a file path, with JSON output.
    let file = dir.path().join("mine.xlsx");
    let json = run(mock
        .cmd()
        .args([
            "--json",
            "records",
            "export",
            "--chatbot",
            &chatbot,
            "--output",
        ])
        .arg(&file))
    .ok()
    .json();
    assert_eq!(json[0]["path"], file.display().to_string());
    assert_eq!(
        json[0]["bytes"].as_u64().unwrap(),
        std::fs::metadata(&file).unwrap().len()
    );
    assert_xlsx(&file);
    assert_eq!(listing(dir.path()), vec!["mine.xlsx".to_string(), name]);

    // An unknown chatbot: an error, and no file at all.
    let empty = tempfile::tempdir().unwrap();
    let failed = run(mock
        .cmd()
        .args(["records", "export", "--chatbot", "no-such-bot", "--output"])
        .arg(empty.path()));
    assert_eq!(failed.code, Some(1));
    assert!(failed.stderr.contains("404"), "{}", failed.stderr);
    assert!(listing(empty.path()).is_empty());

    // A directory that does not exist: a clear error, nothing written.
    let missing = empty.path().join("missing").join("");
    let failed = run(mock
        .cmd()
        .args(["records", "export", "--chatbot", &chatbot, "--output"])
        .arg(&missing));
    assert_eq!(failed.code, Some(1));
    assert!(failed.stderr.contains("no directory"), "{}", failed.stderr);
    assert!(listing(empty.path()).is_empty());
}

#[test]
fn webhook_parse_reads_a_file_or_standard_input() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("hook.json");
    std::fs::write(&file, webhook_body()).unwrap();

    let json = run(bare().args(["--json", "webhook", "parse"]).arg(&file)).ok();
    assert_eq!(json.lines().len(), 1);
    assert!(
        json.stdout
            .contains(&format!("\"sender\":{{\"id\":{BIG_ID},")),
        "{}",
        json.stdout
    );
    let value = &json.json()[0];
    assert_eq!(value["createdAt"], "1732495353000");
    assert_eq!(value["content"], "你好");

    for args in [
        vec!["--json", "webhook", "parse"],
        vec!["--json", "webhook", "parse", "-"],
    ] {
        let stdin = run(bare().args(&args).write_stdin(webhook_body())).ok();
        assert_eq!(stdin.stdout, json.stdout, "{args:?}");
    }

    let human = run(bare().args(["webhook", "parse"]).arg(&file)).ok();
    assert!(
        human
            .stdout
            .contains(&format!("sender:       AI ({BIG_ID})")),
        "{}",
        human.stdout
    );
    assert!(
        human
            .stdout
            .contains("created:      2024-11-25 00:42:33 UTC"),
        "{}",
        human.stdout
    );
    assert!(
        human.stdout.contains("content:      你好"),
        "{}",
        human.stdout
    );

    let bad = run(bare()
        .args(["webhook", "parse", "-"])
        .write_stdin(r#"{"sender": {"id": true}}"#));
    assert_eq!(bad.code, Some(1));
    assert_eq!(bad.stderr.lines().count(), 1, "{}", bad.stderr);
    assert!(bad.stderr.contains("sender.id"), "{}", bad.stderr);

    let missing = run(bare()
        .args(["webhook", "parse"])
        .arg(dir.path().join("nope.json")));
    assert_eq!(missing.code, Some(1));
    assert!(
        missing.stderr.starts_with("error: cannot read"),
        "{}",
        missing.stderr
    );
}

#[test]
fn webhook_listen_prints_each_message_as_a_json_line() {
    let port = free_port();
    let mut listener = Spawned::new(&["webhook", "listen", "--port", &port.to_string()]);
    let announced = listener.stderr_line();
    let url = format!("http://127.0.0.1:{port}/");
    assert!(announced.contains(&url), "{announced}");

    let rt = tokio::runtime::Runtime::new().unwrap();
    let http = reqwest::Client::new();
    let status = rt
        .block_on(http.post(&url).body(webhook_body()).send())
        .unwrap()
        .status();
    assert_eq!(status, 200);
    let line = listener.stdout_line();
    assert!(line.contains(&format!("\"id\":{BIG_ID}")), "{line}");
    let message: Value = serde_json::from_str(&line).unwrap();
    assert_eq!(message["content"], "你好");

    let bad = rt
        .block_on(http.post(&url).body("{not json").send())
        .unwrap()
        .status();
    assert_eq!(bad, 400);

    // The mock's webhook deliveries arrive too: send a message, get the bot's reply.
    let mock = Mock::with(MockConfig::for_tests().with_webhook_url(url.clone()));
    let conversation = mock.demo().conversations[0].to_string();
    run(mock.cmd().args([
        "messages",
        "send",
        "--conversation",
        &conversation,
        "在嗎？",
    ]))
    .ok();
    let reply: Value = serde_json::from_str(&listener.stdout_line()).unwrap();
    assert_eq!(id_text(&reply["conversation"]), conversation);
    assert_eq!(reply["content"], bot_reply("在嗎？"));

    #[cfg(unix)]
    assert!(listener.interrupt().success());
}

#[test]
fn mock_serves_until_ctrl_c_and_prints_how_to_reach_it() {
    let port = free_port();
    let mut mock = Spawned::new(&["mock", "--port", &port.to_string()]);
    let first = mock.stdout_line();
    let base_url = first.strip_prefix("base URL:").unwrap().trim().to_string();
    assert_eq!(base_url, format!("http://127.0.0.1:{port}/api/v1/"));
    let api_key = mock
        .stdout_line()
        .strip_prefix("API key:")
        .unwrap()
        .trim()
        .to_string();
    for key in ["web chat:", "inbox:", "chatbot:", "conversations:"] {
        assert!(mock.stdout_line().starts_with(key));
    }

    let rt = tokio::runtime::Runtime::new().unwrap();
    let response = rt
        .block_on(
            reqwest::Client::new()
                .get(format!("{base_url}conversations/"))
                .header("Authorization", format!("Api-Key {api_key}"))
                .send(),
        )
        .unwrap();
    assert_eq!(response.status(), 200);
    let page: Value = rt.block_on(response.json()).unwrap();
    assert_eq!(page["results"].as_array().unwrap().len(), 3);

    // And the CLI itself works against it.
    let listed = run(bare().args([
        "--base-url",
        &base_url,
        "--api-key",
        &api_key,
        "--json",
        "conversations",
        "list",
    ]))
    .ok();
    assert_eq!(listed.json().len(), 3);

    #[cfg(unix)]
    assert!(mock.interrupt().success());
}

#[test]
fn mock_json_is_one_object() {
    let mock = Spawned::new(&["--json", "mock", "--port", "0"]);
    let line: Value = serde_json::from_str(&mock.stdout_line()).unwrap();
    let base_url = line["baseUrl"].as_str().unwrap();
    assert!(base_url.starts_with("http://127.0.0.1:") && base_url.ends_with("/api/v1/"));
    assert_eq!(line["apiKey"], "mock-api-key");
    for key in ["webChat", "inbox", "chatbot"] {
        assert!(line[key].is_string(), "{key}: {line}");
    }
    assert_eq!(line["conversations"].as_array().unwrap().len(), 3);
    assert!(line["records"].as_array().unwrap().len() > 10);
}

#[test]
fn a_closed_stdout_ends_quietly() {
    let mock = Mock::start();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_maiagent"))
        .env_remove("MAIAGENT_API_KEY")
        .env_remove("MAIAGENT_BASE_URL")
        .env("MAIAGENT_CONFIG_DIR", empty_config_dir())
        .args([
            "--base-url",
            &mock.server().base_url(),
            "--api-key",
            mock.server().api_key(),
        ])
        .args([
            "--json",
            "records",
            "list",
            "--chatbot",
            mock.demo().chatbot.as_str(),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Like `| head -0`: the reader goes away before anything is written.
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{output:?}");
    assert!(
        output.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn piping_into_a_reader_that_stops_early_is_fine() {
    // `maiagent ... | head -1` through a real pipe.
    let mock = Mock::start();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_maiagent"))
        .env_remove("MAIAGENT_API_KEY")
        .env_remove("MAIAGENT_BASE_URL")
        .env("MAIAGENT_CONFIG_DIR", empty_config_dir())
        .args([
            "--base-url",
            &mock.server().base_url(),
            "--api-key",
            mock.server().api_key(),
        ])
        .args([
            "records",
            "list",
            "--chatbot",
            mock.demo().chatbot.as_str(),
            "--page-size",
            "1",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut header = String::new();
    stdout.read_line(&mut header).unwrap();
    assert!(header.starts_with("ID"));
    drop(stdout);
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{output:?}");
    assert!(
        output.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let _ = std::io::stderr().flush();
}
