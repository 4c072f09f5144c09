//! `maiagent chat` with no MESSAGE: an interactive session on a pseudo-terminal (turns of one
//! conversation, `/new`, `/conversation`, Ctrl-C during a reply, Ctrl-D), and the message from
//! standard input when it is not a terminal.
#![cfg(feature = "cli")]

mod common;

use common::cli::*;
use maiagent::Operation;

#[test]
fn without_a_message_chat_reads_it_from_standard_input() {
    let mock = Mock::start();
    let chatbot = mock.demo().chatbot.to_string();
    let diff = "diff --git a/x b/x\n+新增一行\n";
    let piped = run(mock
        .cmd()
        .args(["chat", "--chatbot", &chatbot])
        .write_stdin(diff))
    .ok();
    assert_eq!(
        piped.stdout,
        format!("{}\n", bot_reply(diff.trim_end_matches('\n')))
    );
    conversation_on(&piped.stderr);

    let empty = run(mock
        .cmd()
        .args(["chat", "--chatbot", &chatbot])
        .write_stdin("\n"));
    assert_eq!(empty.code, Some(2), "{}", empty.stderr);
    assert!(empty.stderr.contains("no message"), "{}", empty.stderr);
    assert_eq!(mock.count(Operation::ChatbotCompletionsCreate), 1);
}

#[cfg(unix)]
mod terminal {
    use super::common::cli::*;
    use super::common::pty::{as_read, spawn};
    use maiagent::mock::MockConfig;
    use maiagent::Operation;
    use rexpect::session::PtySession;
    use std::time::{Duration, Instant};

    const PROMPT: &str = ">>> ";

    /// `maiagent chat --chatbot <demo>` against `mock`, on a terminal, at its first prompt.
    fn session(mock: &Mock) -> PtySession {
        let base_url = mock.server().base_url();
        let chatbot = mock.demo().chatbot.to_string();
        let mut chat = spawn(
            &[
                "--base-url",
                &base_url,
                "--api-key",
                mock.server().api_key(),
                "chat",
                "--chatbot",
                &chatbot,
            ],
            &[],
            true,
        );
        chat.exp_string(PROMPT).unwrap();
        chat
    }

    /// The conversation ids the completions were sent with (none for a first turn).
    fn sent_conversations(mock: &Mock) -> Vec<Option<String>> {
        mock.server()
            .requests()
            .iter()
            .filter(|r| r.operation == Some(Operation::ChatbotCompletionsCreate))
            .map(|r| {
                let body = r.body_json().unwrap();
                body["conversation"].as_str().map(str::to_string)
            })
            .collect()
    }

    /// Sends `/conversation` and reads the id it prints.
    fn conversation(chat: &mut PtySession) -> String {
        chat.send_line("/conversation").unwrap();
        let (_, id) = chat
            .exp_regex("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
            .unwrap();
        chat.exp_string(PROMPT).unwrap();
        id
    }

    #[test]
    fn turns_share_a_conversation_until_new_and_ctrl_d_leaves() {
        let mock = Mock::with(MockConfig::for_tests());
        let mut chat = session(&mock);
        chat.send_line("/conversation").unwrap();
        chat.exp_string("no conversation yet").unwrap();
        chat.exp_string(PROMPT).unwrap();

        chat.send_line("I want a table").unwrap();
        chat.exp_string(&as_read(&bot_reply("I want a table")))
            .unwrap();
        chat.exp_string(PROMPT).unwrap();
        let first = conversation(&mut chat);
        chat.send_line("for four").unwrap();
        chat.exp_string(&as_read(&bot_reply("for four"))).unwrap();
        chat.exp_string(PROMPT).unwrap();
        assert_eq!(conversation(&mut chat), first);

        chat.send_line("/new").unwrap();
        chat.exp_string("new conversation").unwrap();
        chat.exp_string(PROMPT).unwrap();
        chat.send_line("goodbye").unwrap();
        chat.exp_string(&as_read(&bot_reply("goodbye"))).unwrap();
        chat.exp_string(PROMPT).unwrap();
        let second = conversation(&mut chat);
        assert_ne!(second, first);
        assert_eq!(
            sent_conversations(&mock),
            vec![None, Some(first.clone()), None]
        );

        chat.send_control('d').unwrap();
        chat.exp_eof().unwrap();
        let status = chat.process_mut().wait().unwrap();
        assert!(
            matches!(status, rexpect::process::WaitStatus::Exited(_, 0)),
            "{status:?}"
        );
    }

    #[test]
    fn ctrl_c_drops_the_reply_and_the_session_goes_on() {
        // A slow reply: a pause before each of its events.
        let mock =
            Mock::with(MockConfig::for_tests().with_stream_delay(Duration::from_millis(300)));
        let mut chat = session(&mock);
        chat.send_line("hello").unwrap();
        // The first words of the reply, then Ctrl-C while the rest is being written.
        chat.exp_string(&as_read("你好")).unwrap();
        chat.send_control('c').unwrap();
        chat.exp_string("reply stopped").unwrap();
        chat.exp_string(PROMPT).unwrap();

        // The mock saw its stream dropped before the end.
        let deadline = Instant::now() + Duration::from_secs(30);
        while mock.server().streams_cancelled() == 0 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert_eq!(mock.server().streams_cancelled(), 1);
        assert_eq!(mock.server().streams_completed(), 0);
        assert_eq!(mock.server().streams_started(), 1);

        // The session is still there, in the same conversation.
        chat.send_line("/exit").unwrap();
        chat.exp_eof().unwrap();
    }
    #[test]
    fn attach_sends_the_file_with_the_next_message_only() {
        let mock = Mock::with(MockConfig::for_tests());
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("note.txt");
        std::fs::write(&file, "a note").unwrap();
        let mut chat = session(&mock);
        chat.send_line("/attach /no/such/file.txt").unwrap();
        chat.exp_string("no file").unwrap();
        chat.exp_string(PROMPT).unwrap();
        chat.send_line(&format!("/attach {}", file.display()))
            .unwrap();
        chat.exp_string("goes with the next message").unwrap();
        chat.exp_string(PROMPT).unwrap();
        chat.send_line("see attached").unwrap();
        chat.exp_string("see attached").unwrap();
        chat.exp_string(PROMPT).unwrap();
        chat.send_line("and now without").unwrap();
        chat.exp_string("and now without").unwrap();
        chat.exp_string(PROMPT).unwrap();
        chat.send_line("/exit").unwrap();
        chat.exp_eof().unwrap();

        let bodies: Vec<serde_json::Value> = mock
            .server()
            .requests()
            .iter()
            .filter(|r| r.operation == Some(Operation::ChatbotCompletionsCreate))
            .map(|r| r.body_json().unwrap())
            .collect();
        assert_eq!(bodies.len(), 2);
        let files = |b: &serde_json::Value| {
            b["message"]["attachments"]
                .as_array()
                .map(|a| a.iter().map(|f| f["filename"].clone()).collect::<Vec<_>>())
                .unwrap_or_default()
        };
        assert_eq!(files(&bodies[0]), vec![serde_json::json!("note.txt")]);
        assert!(files(&bodies[1]).is_empty(), "{}", bodies[1]);
    }
}
