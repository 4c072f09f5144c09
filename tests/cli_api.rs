//! `maiagent api`: any endpoint, like `gh api`, against the embedded mock: a GET, a POST with
//! fields, `--paginate` across pages, `--input`, and an error status.
#![cfg(feature = "cli")]

mod common;

use common::cli::*;
use maiagent::Operation;

#[test]
fn a_get_prints_the_json_answer() {
    let mock = Mock::start();
    let demo = mock.demo();
    let page = run(mock.cmd().args(["api", "conversations/"])).ok();
    assert_eq!(
        page.lines().len(),
        1,
        "one line when piped: {}",
        page.stdout
    );
    let page = &page.json()[0];
    assert_eq!(page["results"].as_array().unwrap().len(), 3);

    let id = demo.conversations[0].to_string();
    let one = run(mock.cmd().args(["api", &format!("/conversations/{id}/")]))
        .ok()
        .json();
    assert_eq!(one[0]["id"], id.as_str());

    // Fields of a GET are its query; so is a query in the path.
    let filtered = run(mock.cmd().args([
        "api",
        "-X",
        "GET",
        "conversations/?keyword=order",
        "-f",
        &format!("inbox={}", demo.inbox),
    ]))
    .ok()
    .json();
    let results = filtered[0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 1);
    assert_eq!(
        id_text(&results[0]["id"]),
        demo.conversations[1].to_string()
    );
    let request = mock.server().requests().pop().unwrap();
    assert_eq!(request.method, "GET");
}

#[test]
fn fields_make_a_post_with_a_json_body() {
    let mock = Mock::start();
    let web_chat = mock.demo().web_chat.to_string();
    let created = run(mock.cmd().args([
        "api",
        "conversations/",
        "-f",
        &format!("webChat={web_chat}"),
    ]))
    .ok()
    .json();
    let id = id_text(&created[0]["id"]);
    assert!(!id.is_empty());
    let request = mock
        .server()
        .requests()
        .into_iter()
        .find(|r| r.operation == Some(Operation::ConversationsCreate))
        .unwrap();
    assert_eq!(
        request.body_json().unwrap(),
        serde_json::json!({"webChat": web_chat})
    );

    // The body from standard input, the method named.
    let conversation = mock.demo().conversations[0].to_string();
    let sent = run(mock
        .cmd()
        .args(["api", "--method", "post", "messages/", "--input", "-"])
        .write_stdin(format!(
            r#"{{"conversation": "{conversation}", "content": "從 api 送出"}}"#
        )))
    .ok()
    .json();
    assert_eq!(sent[0]["content"], "從 api 送出");
    assert_eq!(mock.count(Operation::MessagesCreate), 1);
}

#[test]
fn paginate_follows_next_and_prints_the_items() {
    let mock = Mock::start();
    let items = run(mock
        .cmd()
        .args(["api", "conversations/", "-F", "pageSize=1", "--paginate"]))
    .ok();
    let lines = items.json();
    assert_eq!(lines.len(), 3, "{}", items.stdout);
    let expected: Vec<String> = mock
        .demo()
        .conversations
        .iter()
        .rev()
        .map(|i| i.to_string())
        .collect();
    assert_eq!(ids(&lines, "id"), expected);
    assert_eq!(
        mock.count(Operation::ConversationsList),
        3,
        "one request per page"
    );
    assert!(lines.iter().all(|l| l.get("results").is_none()));
}

#[test]
fn an_error_status_is_one_line_and_exit_1() {
    let mock = Mock::start();
    let missing = run(mock.cmd().args(["api", "conversations/no-such-id/"]));
    assert_eq!(missing.code, Some(1));
    assert!(missing.stdout.is_empty());
    assert_eq!(missing.stderr.lines().count(), 1, "{}", missing.stderr);
    assert!(missing.stderr.contains("HTTP 404"), "{}", missing.stderr);

    let unauthorized = run(bare().args([
        "--base-url",
        &mock.server().base_url(),
        "--api-key",
        "wrong",
        "api",
        "conversations/",
    ]));
    assert_eq!(unauthorized.code, Some(1));
    assert!(
        unauthorized.stderr.contains("HTTP 401"),
        "{}",
        unauthorized.stderr
    );

    let bad_input = run(mock
        .cmd()
        .args(["api", "conversations/", "--input", "-"])
        .write_stdin("{not json"));
    assert_eq!(bad_input.code, Some(1));
    assert!(
        bad_input.stderr.contains("not JSON"),
        "{}",
        bad_input.stderr
    );

    for args in [
        vec!["api"],
        vec!["api", "conversations/", "-f", "novalue"],
        vec!["api", "-X", "NOT A METHOD", "conversations/"],
    ] {
        let usage = run(mock.cmd().args(&args));
        assert_eq!(usage.code, Some(2), "{args:?}: {}", usage.stderr);
    }
}
