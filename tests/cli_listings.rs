//! `maiagent conversations|messages|records list|get|...` against the embedded mock: tables
//! and JSON lines, laziness and limits.
#![cfg(feature = "cli")]

mod common;

use common::cli::*;
use maiagent::Operation;

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

    // Piped: tab-separated, whole, no padding (the aligned table is for terminals, see
    // tests/cli_terminal.rs).
    let table = run(mock.cmd().args(["conversations", "list"])).ok();
    let lines = table.lines();
    assert_eq!(lines.len(), 4, "{}", table.stdout);
    assert_eq!(lines[0], "ID\tTITLE\tCREATED");
    for (line, id) in lines[1..].iter().zip(&expected) {
        let cells: Vec<&str> = line.split('\t').collect();
        assert_eq!(cells.len(), 3, "{line}");
        assert_eq!(cells[0], id.as_str());
        assert!(cells[2].ends_with(" UTC"), "{line}");
        assert!(cells.iter().all(|c| c.trim() == *c), "no padding: {line:?}");
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
    assert_eq!(none.stdout, "ID\tTITLE\tCREATED\n");
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
        mock.count(Operation::ConversationsList),
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
    assert_eq!(mock.count(Operation::ChatbotRecordsList), 2);
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
        .find(|r| r.operation == Some(Operation::MessagesCreate))
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
    assert_eq!(mock.count(Operation::MessagesOutgoingCreate), 1);
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
