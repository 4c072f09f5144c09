//! `maiagent upload|inboxes|chatbots|kb|contacts|models` and `--attach` against the embedded mock.
#![cfg(feature = "cli")]

mod common;

use common::cli::*;
use maiagent::Operation;

#[test]
fn a_missing_file_is_a_usage_error_before_any_request() {
    let mock = Mock::start();
    let conversation = mock.demo().conversations[0].to_string();
    let kb = "00000000-0000-4000-8009-000000000001";
    for args in [
        vec!["upload", "no/such/file.png"],
        vec!["kb", "files", "upload", "--kb", kb, "no/such/file.pdf"],
        vec![
            "messages",
            "send",
            "--conversation",
            &conversation,
            "--attach",
            "nope.jpg",
            "hi",
        ],
        vec!["chat", "--attach", "nope.jpg", "hi"],
    ] {
        let out = run(mock.cmd().args(&args));
        assert_eq!(out.code, Some(2), "{args:?}: {}", out.stderr);
        assert!(
            out.stderr.contains("nope") || out.stderr.contains("no/such"),
            "{}",
            out.stderr
        );
    }
    assert!(mock.server().requests().is_empty(), "a request was sent");
    assert!(mock.server().storage_uploads().is_empty());
}

#[test]
fn upload_prints_the_attachment_id_or_the_attachment() {
    let mock = Mock::start();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("cat.jpg");
    std::fs::write(&file, [0xffu8, 0xd8, 0xff, 0xe0]).unwrap();
    let path = file.to_str().unwrap();
    let id = run(mock.cmd().args(["upload", path])).ok();
    let id = id.stdout.trim().to_string();
    assert_eq!(id.len(), 36, "{id}");
    let json = run(mock
        .cmd()
        .args(["--json", "upload", path, "--type", "other"]))
    .ok()
    .json();
    assert_eq!(json.len(), 1);
    assert_eq!(json[0]["type"], "other");
    assert_eq!(json[0]["filename"], "cat.jpg");
    let uploads = mock.server().storage_uploads();
    assert_eq!(uploads.len(), 2);
    assert!(uploads
        .iter()
        .all(|u| !u.had_authorization && u.file_size == Some(4)));

    // `messages send --attach` uploads into the conversation and sends the attachment.
    let conversation = mock.demo().conversations[0].to_string();
    let sent = run(mock.cmd().args([
        "--json",
        "messages",
        "send",
        "--conversation",
        &conversation,
        "--attach",
        path,
        "看這張",
    ]))
    .ok()
    .json();
    assert_eq!(sent[0]["attachments"][0]["filename"], "cat.jpg");
    assert_eq!(mock.count(Operation::ConversationsAttachmentsCreate), 1);
}

#[test]
fn kb_files_upload_waits_and_exits_1_on_a_failed_file() {
    let mock = Mock::start();
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("faq.md");
    let bad = dir.path().join("scan-fail.pdf");
    std::fs::write(&good, "# FAQ").unwrap();
    std::fs::write(&bad, "%PDF").unwrap();
    let kb = "00000000-0000-4000-8009-000000000001";
    let ok = run(mock.cmd().args([
        "--json",
        "kb",
        "files",
        "upload",
        "--kb",
        kb,
        "--wait",
        good.to_str().unwrap(),
    ]))
    .ok()
    .json();
    assert_eq!(ok.len(), 1, "one line per file");
    assert_eq!(ok[0]["status"], "done");
    let failed = run(mock.cmd().args([
        "kb",
        "files",
        "upload",
        "--kb",
        kb,
        "--wait",
        good.to_str().unwrap(),
        bad.to_str().unwrap(),
    ]));
    assert_eq!(failed.code, Some(1), "{}", failed.stderr);
    assert!(
        failed.stderr.contains("failed to process"),
        "{}",
        failed.stderr
    );
    assert_eq!(
        failed.lines().len(),
        3,
        "a heading and a line per file: {}",
        failed.stdout
    );
    // Without --wait the files are printed as registered.
    let quick = run(mock.cmd().args([
        "--json",
        "kb",
        "files",
        "upload",
        "--kb",
        kb,
        bad.to_str().unwrap(),
    ]))
    .ok()
    .json();
    assert_eq!(quick[0]["status"], "initial");
}

#[test]
fn the_account_commands_list_show_create_update_and_delete() {
    let mock = Mock::start();
    let demo = mock.demo();
    let inboxes = run(mock
        .cmd()
        .args(["--json", "inboxes", "list", "--channel-type", "web"]))
    .ok()
    .json();
    assert_eq!(inboxes.len(), 1);
    assert_eq!(inboxes[0]["channel"]["id"], demo.web_chat.as_str());
    run(mock.cmd().args(["inboxes", "get", demo.inbox.as_str()])).ok();

    let bots = run(mock.cmd().args([
        "--json",
        "chatbots",
        "list",
        "--page-size",
        "1",
        "--limit",
        "1",
    ]))
    .ok()
    .json();
    assert_eq!(bots.len(), 1);
    let updated = run(mock.cmd().args([
        "--json",
        "chatbots",
        "update",
        demo.chatbot.as_str(),
        "--webhook-url",
        "https://example.com/hook",
    ]))
    .ok()
    .json();
    assert_eq!(updated[0]["webhookUrl"], "https://example.com/hook");
    let patch = mock
        .server()
        .requests()
        .into_iter()
        .rfind(|r| r.operation == Some(Operation::ChatbotsPartialUpdate))
        .expect("a PATCH");
    assert_eq!(
        patch.body_json().unwrap(),
        serde_json::json!({"webhookUrl": "https://example.com/hook"})
    );

    let embedding = run(mock.cmd().args(["--json", "models", "embedding"]))
        .ok()
        .json();
    let reranker = run(mock.cmd().args(["--json", "models", "reranker"]))
        .ok()
        .json();
    let kb = run(mock.cmd().args([
        "--json",
        "kb",
        "create",
        "--name",
        "手冊",
        "--embedding-model",
        embedding[0]["id"].as_str().unwrap(),
        "--reranker-model",
        reranker[0]["id"].as_str().unwrap(),
    ]))
    .ok()
    .json();
    let kb_id = kb[0]["id"].as_str().unwrap().to_string();
    run(mock
        .cmd()
        .args(["kb", "update", &kb_id, "--description", "v2"]))
    .ok();
    assert_eq!(
        run(mock.cmd().args(["--json", "kb", "list"]))
            .ok()
            .json()
            .len(),
        2
    );
    let deleted = run(mock.cmd().args(["kb", "delete", &kb_id])).ok();
    assert!(deleted.stdout.is_empty());

    let contact = run(mock.cmd().args([
        "--json",
        "contacts",
        "create",
        "--name",
        "Ming",
        "--inbox",
        demo.inbox.as_str(),
    ]))
    .ok()
    .json();
    let contact_id = contact[0]["id"].as_str().unwrap().to_string();
    let renamed = run(mock.cmd().args([
        "--json",
        "contacts",
        "update",
        &contact_id,
        "--name",
        "Ming 2",
    ]))
    .ok()
    .json();
    assert_eq!(renamed[0]["name"], "Ming 2");
    assert!(run(mock.cmd().args(["contacts", "delete", &contact_id]))
        .ok()
        .stdout
        .is_empty());
    let gone = run(mock.cmd().args(["contacts", "get", &contact_id]));
    assert_eq!(gone.code, Some(1));
    assert!(gone.stderr.contains("404"), "{}", gone.stderr);
}
