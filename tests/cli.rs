//! The `maiagent` command-line tool, end to end: `chat` against the embedded mock server, the
//! settings it runs with, errors and exit statuses. The other commands are in `tests/cli_*.rs`.
#![cfg(feature = "cli")]

mod common;

use common::cli::*;
use maiagent::Operation;

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
    assert_eq!(mock.count(Operation::ChatbotCompletionsCreate), 2);
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
