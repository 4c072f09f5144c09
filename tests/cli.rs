//! The `maiagent` command-line tool, end to end: each command against the embedded mock server,
//! human and JSON output, exit statuses, and the long-running commands (`webhook listen`,
//! `mock`) as child processes.
#![cfg(feature = "cli")]

use assert_cmd::Command;
use maiagent::mock::{MockConfig, MockServer, Route};
use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStderr, ChildStdout, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// The bot's id as a sender in the mock (and in the vendor's example): a 128-bit integer.
const BIG_ID: &str = "324816370485542537671391323877394598747";

/// A mock server on its own runtime, so that the test thread can block on the binary.
struct Mock {
    server: Option<MockServer>,
    rt: tokio::runtime::Runtime,
}

impl Mock {
    fn start() -> Self {
        Self::with(MockConfig::for_tests())
    }

    fn with(config: MockConfig) -> Self {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let server = rt.block_on(MockServer::start_with(config)).unwrap();
        Self {
            server: Some(server),
            rt,
        }
    }

    fn server(&self) -> &MockServer {
        self.server.as_ref().unwrap()
    }

    fn demo(&self) -> maiagent::mock::DemoData {
        self.server().demo()
    }

    /// `maiagent --base-url <mock> --api-key <key>`, with no MAIAGENT_* variable.
    fn cmd(&self) -> Command {
        let mut cmd = bare();
        cmd.args(["--base-url", &self.server().base_url()]);
        cmd.args(["--api-key", self.server().api_key()]);
        cmd
    }

    /// How many requests of `route` the mock received.
    fn count(&self, route: Route) -> usize {
        self.server()
            .requests()
            .iter()
            .filter(|r| r.route == Some(route))
            .count()
    }
}

impl Drop for Mock {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            self.rt.block_on(server.shutdown());
        }
    }
}

/// `maiagent` with none of the user's MAIAGENT_* variables.
fn bare() -> Command {
    let mut cmd = Command::cargo_bin("maiagent").unwrap();
    for var in [
        "MAIAGENT_API_KEY",
        "MAIAGENT_BASE_URL",
        "MAIAGENT_CHATBOT_ID",
    ] {
        cmd.env_remove(var);
    }
    cmd.timeout(Duration::from_secs(120));
    cmd
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Run {
    fn lines(&self) -> Vec<&str> {
        self.stdout.lines().collect()
    }

    fn json(&self) -> Vec<Value> {
        self.stdout
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
            .collect()
    }

    fn ok(self) -> Self {
        assert_eq!(
            self.code,
            Some(0),
            "stdout: {}\nstderr: {}",
            self.stdout,
            self.stderr
        );
        self
    }
}

fn run(cmd: &mut Command) -> Run {
    let output = cmd.output().unwrap();
    Run {
        code: output.status.code(),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

fn ids(values: &[Value], key: &str) -> Vec<String> {
    values.iter().map(|v| id_text(&v[key])).collect()
}

fn id_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The mock's canned reply to `question`.
fn bot_reply(question: &str) -> String {
    format!(
        "你好！我是 MaiAgent 模擬助理，收到您的訊息：「{question}」。\
         Hello! I am the MaiAgent mock assistant. You said: \"{question}\""
    )
}

fn conversation_on(stderr: &str) -> String {
    stderr
        .lines()
        .find_map(|l| l.strip_prefix("conversation: "))
        .unwrap_or_else(|| panic!("no conversation line in {stderr:?}"))
        .to_string()
}

#[test]
fn chat_streams_the_reply_and_a_second_chat_continues_the_conversation() {
    let mock = Mock::start();
    let chatbot = mock.demo().chatbot.to_string();
    let first = run(mock.cmd().args(["chat", "--chatbot", &chatbot, "我想訂位"])).ok();
    assert_eq!(first.stdout, format!("{}\n", bot_reply("我想訂位")));
    assert_eq!(first.stderr.lines().count(), 1, "{}", first.stderr);
    let conversation = conversation_on(&first.stderr);

    let second = run(mock.cmd().args([
        "chat",
        "--chatbot",
        &chatbot,
        "--conversation",
        &conversation,
        "四位",
    ]))
    .ok();
    assert_eq!(second.stdout, format!("{}\n", bot_reply("四位")));
    assert_eq!(conversation_on(&second.stderr), conversation);

    // Both turns are in the one conversation.
    let messages = run(mock.cmd().args([
        "--json",
        "messages",
        "list",
        "--conversation",
        &conversation,
    ]))
    .ok()
    .json();
    let contents: Vec<&str> = messages
        .iter()
        .filter_map(|m| m["content"].as_str())
        .collect();
    assert!(
        contents.contains(&"我想訂位") && contents.contains(&"四位"),
        "{contents:?}"
    );
    assert_eq!(mock.count(Route::CompletionsCreate), 2);
}

#[test]
fn chat_json_is_one_line_per_stream_event() {
    let mock = Mock::start();
    let chatbot = mock.demo().chatbot.to_string();
    let run = run(mock
        .cmd()
        .args(["chat", "--json", "--chatbot", &chatbot, "你好"]))
    .ok();
    let events = run.json();
    assert!(events.len() > 1, "{}", run.stdout);
    let text: String = events
        .iter()
        .map(|e| e["content"].as_str().unwrap())
        .collect();
    assert_eq!(text, bot_reply("你好"));
    let last = events.last().unwrap();
    assert_eq!(last["done"], true);
    assert!(events[..events.len() - 1]
        .iter()
        .all(|e| e["done"] == false));
    let conversation = id_text(&events[0]["conversationId"]);
    assert_eq!(conversation_on(&run.stderr), conversation);
}

#[test]
fn chat_no_stream_prints_the_whole_reply_or_one_json_line() {
    let mock = Mock::start();
    let chatbot = mock.demo().chatbot.to_string();
    let human = run(mock
        .cmd()
        .args(["chat", "--no-stream", "--chatbot", &chatbot, "你好"]))
    .ok();
    assert_eq!(human.stdout, format!("{}\n", bot_reply("你好")));
    conversation_on(&human.stderr);

    let json = run(mock.cmd().args([
        "--json",
        "chat",
        "--no-stream",
        "--chatbot",
        &chatbot,
        "再見",
    ]))
    .ok();
    let lines = json.json();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["content"], bot_reply("再見"));
    assert_eq!(lines[0]["done"], true);
    assert_eq!(
        conversation_on(&json.stderr),
        id_text(&lines[0]["conversationId"])
    );
}

#[test]
fn chat_takes_the_chatbot_from_the_environment_and_requires_one_for_a_real_server() {
    let mock = Mock::start();
    let chatbot = mock.demo().chatbot.to_string();
    let from_env = run(mock
        .cmd()
        .env("MAIAGENT_CHATBOT_ID", &chatbot)
        .args(["chat", "hi"]))
    .ok();
    assert_eq!(from_env.stdout, format!("{}\n", bot_reply("hi")));

    let missing = run(mock.cmd().args(["chat", "hi"]));
    assert_eq!(missing.code, Some(2), "{}", missing.stderr);
    assert!(missing.stderr.contains("--chatbot"), "{}", missing.stderr);
    assert!(missing.stdout.is_empty());

    let unknown = run(mock.cmd().args(["chat", "--chatbot", "no-such-bot", "hi"]));
    assert_eq!(unknown.code, Some(1));
    assert_eq!(unknown.stderr.lines().count(), 1, "{}", unknown.stderr);
    assert!(unknown.stderr.contains("404"), "{}", unknown.stderr);
}

#[test]
fn with_nothing_configured_chat_runs_against_the_built_in_mock() {
    let chat = run(bare().args(["chat", "你好"])).ok();
    assert_eq!(chat.stdout, format!("{}\n", bot_reply("你好")));
    assert!(chat.stdout.contains("「你好」"));
    let mock_lines: Vec<&str> = chat.stderr.lines().filter(|l| l.contains("mock")).collect();
    assert_eq!(mock_lines.len(), 1, "{}", chat.stderr);
    assert!(mock_lines[0].starts_with(
        "maiagent: no MAIAGENT_API_KEY set; using the built-in mock server at http://127.0.0.1:"
    ));
    assert!(mock_lines[0].ends_with("/api/v1/"), "{}", mock_lines[0]);
    conversation_on(&chat.stderr);
    // Empty variables count as unset.
    let empty = run(bare()
        .env("MAIAGENT_API_KEY", "")
        .env("MAIAGENT_BASE_URL", " ")
        .args(["--json", "conversations", "list", "--limit", "1"]))
    .ok();
    assert_eq!(empty.json().len(), 1);
}

#[test]
fn a_base_url_without_a_key_is_a_configuration_error() {
    let mock = Mock::start();
    let run = run(bare().args([
        "--base-url",
        &mock.server().base_url(),
        "conversations",
        "list",
    ]));
    assert_eq!(run.code, Some(1));
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(
        run.stderr
            .starts_with("error: invalid configuration: no API key"),
        "{}",
        run.stderr
    );
    assert!(mock.server().requests().is_empty());

    let wrong_key = run_wrong_key(&mock);
    assert_eq!(wrong_key.code, Some(1));
    assert!(
        wrong_key.stderr.contains("HTTP 401"),
        "{}",
        wrong_key.stderr
    );
}

fn run_wrong_key(mock: &Mock) -> Run {
    let mut cmd = bare();
    cmd.env("MAIAGENT_API_KEY", "wrong-key")
        .env("MAIAGENT_BASE_URL", mock.server().base_url())
        .args(["conversations", "get", "x"]);
    run(&mut cmd)
}

#[test]
fn conversations_list_streams_a_table_or_json_lines() {
    let mock = Mock::start();
    let demo = mock.demo();
    let expected: Vec<String> = demo
        .conversations
        .iter()
        .rev()
        .map(|i| i.to_string())
        .collect();

    let json = run(mock.cmd().args(["--json", "conversations", "list"]))
        .ok()
        .json();
    assert_eq!(ids(&json, "id"), expected);

    let table = run(mock.cmd().args(["conversations", "list"])).ok();
    let lines = table.lines();
    assert_eq!(lines.len(), 4, "{}", table.stdout);
    assert!(
        lines[0].starts_with("ID ") && lines[0].contains("TITLE") && lines[0].contains("CREATED")
    );
    let created_at = lines[0].find("CREATED").unwrap();
    for (line, id) in lines[1..].iter().zip(&expected) {
        assert!(line.starts_with(id.as_str()), "{line}");
        assert!(line.ends_with(" UTC"), "{line}");
        // Aligned: the CREATED column starts at the same display column on every row.
        let before = &line[..line.rfind("  ").unwrap() + 2];
        assert_eq!(unicode_width(before), created_at, "{line}");
    }
    assert!(table.stdout.contains("訂單狀態 Order status"));

    let filtered = run(mock.cmd().args([
        "--json",
        "conversations",
        "list",
        "--inbox",
        demo.inbox.as_str(),
        "--keyword",
        "order",
    ]))
    .ok()
    .json();
    assert_eq!(
        ids(&filtered, "id"),
        vec![demo.conversations[1].to_string()]
    );

    let none = run(mock
        .cmd()
        .args(["conversations", "list", "--keyword", "no such title"]))
    .ok();
    assert_eq!(none.lines().len(), 1, "the heading alone: {}", none.stdout);
    assert!(none.stdout.starts_with("ID "));
}

/// Display width, counting CJK characters as two columns.
fn unicode_width(text: &str) -> usize {
    text.chars()
        .map(|c| {
            if (c as u32) >= 0x1100 && !c.is_ascii() {
                2
            } else {
                1
            }
        })
        .sum()
}

#[test]
fn listings_are_lazy_and_stop_at_the_limit() {
    let mock = Mock::start();
    let run1 = run(mock.cmd().args([
        "--json",
        "conversations",
        "list",
        "--page-size",
        "1",
        "--limit",
        "2",
    ]))
    .ok();
    assert_eq!(run1.json().len(), 2);
    assert_eq!(
        mock.count(Route::ConversationsList),
        2,
        "one page per item, none more"
    );

    let all = run(mock
        .cmd()
        .args(["--json", "conversations", "list", "--page-size", "1"]))
    .ok();
    assert_eq!(all.json().len(), 3);

    let records = run(mock.cmd().args([
        "--json",
        "records",
        "list",
        "--chatbot",
        mock.demo().chatbot.as_str(),
        "--page-size",
        "4",
        "--limit",
        "6",
    ]))
    .ok()
    .json();
    assert_eq!(records.len(), 6);
    assert_eq!(mock.count(Route::RecordsList), 2);
}

#[test]
fn conversations_get_and_create() {
    let mock = Mock::start();
    let demo = mock.demo();
    let id = demo.conversations[0].to_string();
    let human = run(mock.cmd().args(["conversations", "get", &id])).ok();
    assert!(
        human.lines()[0].starts_with("id:") && human.lines()[0].ends_with(&id),
        "{}",
        human.stdout
    );
    assert!(human.stdout.contains("title:") && human.stdout.contains("退貨流程詢問 Return policy"));
    assert!(human.stdout.contains("created:"));

    let json = run(mock.cmd().args(["--json", "conversations", "get", &id])).ok();
    let lines = json.json();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["id"], id.as_str());
    assert_eq!(lines[0]["inbox"]["id"], demo.inbox.as_str());
    // The 128-bit sender id of the last message is written with all its digits.
    assert!(
        json.stdout.contains(&format!("\"id\":{BIG_ID}")),
        "{}",
        json.stdout
    );

    let created = run(mock.cmd().args([
        "--json",
        "conversations",
        "create",
        "--web-chat",
        demo.web_chat.as_str(),
    ]))
    .ok()
    .json();
    let new_id = id_text(&created[0]["id"]);
    assert!(!new_id.is_empty());
    let again = run(mock.cmd().args(["--json", "conversations", "get", &new_id]))
        .ok()
        .json();
    assert_eq!(id_text(&again[0]["id"]), new_id);
    let human = run(mock.cmd().args([
        "conversations",
        "create",
        "--web-chat",
        demo.web_chat.as_str(),
    ]))
    .ok();
    assert!(human.stdout.starts_with("id:"), "{}", human.stdout);
}

#[test]
fn an_api_error_is_one_line_with_the_status_and_exit_1() {
    let mock = Mock::start();
    let run = run(mock.cmd().args(["conversations", "get", "no-such-id"]));
    assert_eq!(run.code, Some(1));
    assert!(run.stdout.is_empty());
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(
        run.stderr
            .starts_with("error: MaiAgent answered HTTP 404 Not Found"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("panicked"));
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        vec!["frobnicate"],
        vec!["conversations"],
        vec!["conversations", "get"],
        vec!["messages", "get", "some-id"],
        vec!["records", "export"],
        vec!["conversations", "list", "--page-size", "0"],
        vec!["conversations", "list", "--limit", "many"],
        vec![
            "messages",
            "send",
            "--conversation",
            "c",
            "--attachment",
            "{not json",
            "hi",
        ],
        vec!["webhook", "listen", "--port", "70000"],
    ] {
        let run = run(bare().args(&args));
        assert_eq!(run.code, Some(2), "{args:?}: {}", run.stderr);
        assert!(run.stdout.is_empty(), "{args:?}");
        assert!(
            run.stderr.starts_with("error: ") || run.stderr.contains("Usage:"),
            "{args:?}: {}",
            run.stderr
        );
    }
    let help = run(bare().arg("--help")).ok();
    for command in [
        "chat",
        "conversations",
        "messages",
        "records",
        "webhook",
        "mock",
    ] {
        assert!(help.stdout.contains(command), "{}", help.stdout);
    }
}

#[test]
fn messages_list_and_get() {
    let mock = Mock::start();
    let demo = mock.demo();
    let conversation = demo.conversations[0].to_string();
    let json = run(mock.cmd().args([
        "--json",
        "messages",
        "list",
        "--conversation",
        &conversation,
    ]))
    .ok()
    .json();
    let listed = ids(&json, "id");
    assert_eq!(listed.len(), 4);
    let seeded: Vec<String> = demo.messages[..4].iter().map(|i| i.to_string()).collect();
    for id in &listed {
        assert!(seeded.contains(id), "{id} not in {seeded:?}");
    }
    let table = run(mock.cmd().args([
        "messages",
        "list",
        "--conversation",
        &conversation,
        "--limit",
        "3",
    ]))
    .ok();
    assert_eq!(table.lines().len(), 4);
    assert!(table.lines()[0].contains("TYPE") && table.lines()[0].contains("CONTENT"));

    // The bot's reply: its sender id is a 128-bit integer, kept exact.
    let reply = json.iter().find(|m| m["type"] == "outgoing").unwrap();
    let reply_id = id_text(&reply["id"]);
    let got = run(mock.cmd().args([
        "--json",
        "messages",
        "get",
        &reply_id,
        "--conversation",
        &conversation,
    ]))
    .ok();
    assert!(got.stdout.contains("\"sender\":{"), "{}", got.stdout);
    assert!(
        got.stdout.contains(&format!("\"id\":{BIG_ID}")),
        "{}",
        got.stdout
    );
    assert_eq!(id_text(&got.json()[0]["id"]), reply_id);

    let human = run(mock.cmd().args([
        "messages",
        "get",
        &reply_id,
        "--conversation",
        &conversation,
    ]))
    .ok();
    assert!(
        human.stdout.contains(&format!("({BIG_ID})")),
        "{}",
        human.stdout
    );
    assert!(human.stdout.contains("type:") && human.stdout.contains("outgoing"));
    assert!(human.stdout.contains("citations:"));
}

#[test]
fn messages_send_and_outgoing() {
    let mock = Mock::start();
    let conversation = mock.demo().conversations[1].to_string();
    let attachment =
        r#"{"file": "https://example.com/a.png", "filename": "a.png", "type": "image"}"#;
    let sent = run(mock.cmd().args([
        "--json",
        "messages",
        "send",
        "--conversation",
        &conversation,
        "--attachment",
        attachment,
        "請看附件",
    ]))
    .ok()
    .json();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0]["content"], "請看附件");
    assert_eq!(id_text(&sent[0]["conversation"]), conversation);
    let request = mock
        .server()
        .requests()
        .into_iter()
        .find(|r| r.route == Some(Route::MessagesCreate))
        .unwrap();
    let body = request.body_json().unwrap();
    assert_eq!(body["attachments"][0]["filename"], "a.png");
    assert_eq!(body["attachments"][0]["type"], "image");

    let human = run(mock
        .cmd()
        .args(["messages", "send", "--conversation", &conversation, "你好"]))
    .ok();
    assert!(
        human.stdout.contains("content:") && human.stdout.contains("你好"),
        "{}",
        human.stdout
    );

    let outgoing = run(mock.cmd().args([
        "--json",
        "messages",
        "outgoing",
        "--conversation",
        &conversation,
        "An agent will call you.",
    ]))
    .ok()
    .json();
    assert_eq!(outgoing[0]["content"], "An agent will call you.");
    assert_eq!(mock.count(Route::MessagesOutgoingCreate), 1);
}

#[test]
fn records_list_prints_questions() {
    let mock = Mock::start();
    let demo = mock.demo();
    let table = run(mock.cmd().args([
        "records",
        "list",
        "--chatbot",
        demo.chatbot.as_str(),
        "--limit",
        "3",
    ]))
    .ok();
    let lines = table.lines();
    assert_eq!(lines.len(), 4, "{}", table.stdout);
    assert!(lines[0].contains("QUESTION"));
    assert!(
        lines[1..].iter().all(|l| l.contains("FAQ")),
        "{}",
        table.stdout
    );

    let all = run(mock.cmd().args([
        "--json",
        "records",
        "list",
        "--chatbot",
        demo.chatbot.as_str(),
    ]))
    .ok()
    .json();
    let mut listed = ids(&all, "id");
    let mut seeded: Vec<String> = demo.records.iter().map(|i| i.to_string()).collect();
    listed.sort();
    seeded.sort();
    assert_eq!(listed, seeded);
}

fn assert_xlsx(path: &Path) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(bytes.starts_with(b"PK"), "{} is not a zip", path.display());
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
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
    assert_eq!(files_in(cwd.path()), vec![name.clone()]);
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
    assert_eq!(files_in(dir.path()), vec!["mine.xlsx".to_string(), name]);

    // An unknown chatbot: an error, and no file at all.
    let empty = tempfile::tempdir().unwrap();
    let failed = run(mock
        .cmd()
        .args(["records", "export", "--chatbot", "no-such-bot", "--output"])
        .arg(empty.path()));
    assert_eq!(failed.code, Some(1));
    assert!(failed.stderr.contains("404"), "{}", failed.stderr);
    assert!(files_in(empty.path()).is_empty());

    // A directory that does not exist: a clear error, nothing written.
    let missing = empty.path().join("missing").join("");
    let failed = run(mock
        .cmd()
        .args(["records", "export", "--chatbot", &chatbot, "--output"])
        .arg(&missing));
    assert_eq!(failed.code, Some(1));
    assert!(failed.stderr.contains("no directory"), "{}", failed.stderr);
    assert!(files_in(empty.path()).is_empty());
}

/// A webhook body as MaiAgent sends it (snake_case time, 128-bit sender id).
fn webhook_body() -> String {
    format!(
        r#"{{"id": "2491074a-6d23-4289-af45-caa12531420e",
            "conversation": "8e44604a-8278-4c96-96b5-3e5a0548d738",
            "sender": {{"id": {BIG_ID}, "name": "AI"}},
            "type": "outgoing", "content": "你好", "created_at": "1732495353000"}}"#
    )
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

/// A long-running `maiagent`, killed when dropped; its output read line by line.
struct Spawned {
    child: Child,
    stdout: mpsc::Receiver<String>,
    stderr: mpsc::Receiver<String>,
}

impl Spawned {
    fn new(args: &[&str]) -> Self {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_maiagent"));
        for var in [
            "MAIAGENT_API_KEY",
            "MAIAGENT_BASE_URL",
            "MAIAGENT_CHATBOT_ID",
        ] {
            cmd.env_remove(var);
        }
        let mut child = cmd
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = lines(child.stdout.take().unwrap());
        let stderr = lines(child.stderr.take().unwrap());
        Self {
            child,
            stdout,
            stderr,
        }
    }

    fn stdout_line(&self) -> String {
        self.stdout
            .recv_timeout(Duration::from_secs(60))
            .expect("a line on stdout")
    }

    fn stderr_line(&self) -> String {
        self.stderr
            .recv_timeout(Duration::from_secs(60))
            .expect("a line on stderr")
    }

    /// Ctrl-C, then the exit status.
    #[cfg(unix)]
    fn interrupt(&mut self) -> std::process::ExitStatus {
        let status = std::process::Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        for _ in 0..200 {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("maiagent did not stop on Ctrl-C");
    }
}

impl Drop for Spawned {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

trait Pipe: Read + Send + 'static {}
impl Pipe for ChildStdout {}
impl Pipe for ChildStderr {}

fn lines(pipe: impl Pipe) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(pipe).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
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
