//! Output that fits where it goes: aligned, coloured tables on a terminal (unless `NO_COLOR`),
//! tab-separated lines with no escape codes in a pipe; shell completions; `mock --api-key`.
#![cfg(feature = "cli")]

mod common;

use common::cli::*;
use maiagent::mock::MockConfig;
use serde_json::Value;

/// The commands whose human output is checked for escape codes, with a mock's flags.
fn piped_commands(mock: &Mock) -> Vec<Vec<String>> {
    let demo = mock.demo();
    let conversation = demo.conversations[0].to_string();
    let chatbot = demo.chatbot.to_string();
    [
        vec!["conversations", "list"],
        vec!["conversations", "get", &conversation],
        vec!["messages", "list", "--conversation", &conversation],
        vec!["records", "list", "--chatbot", &chatbot, "--limit", "3"],
        vec!["chat", "--chatbot", &chatbot, "你好"],
        vec!["conversations", "get", "no-such-id"],
        vec!["auth", "status"],
    ]
    .iter()
    .map(|args| args.iter().map(|a| a.to_string()).collect())
    .collect()
}

#[test]
fn piped_output_has_no_escape_codes() {
    let mock = Mock::start();
    for args in piped_commands(&mock) {
        let run = run(mock.cmd().args(&args));
        assert!(!run.stdout.contains('\x1b'), "{args:?}: {:?}", run.stdout);
        assert!(!run.stderr.contains('\x1b'), "{args:?}: {:?}", run.stderr);
    }
    // A usage error too (clap's own colours).
    let usage = run(bare().args(["conversations", "get"]));
    assert_eq!(usage.code, Some(2));
    assert!(!usage.stderr.contains('\x1b'), "{:?}", usage.stderr);
}

#[test]
fn completions_generate_for_every_shell() {
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let run = run(bare().args(["completion", shell])).ok();
        assert!(run.stdout.len() > 1000, "{shell}: {}", run.stdout);
        for word in ["maiagent", "conversations", "page-size", "login"] {
            assert!(run.stdout.contains(word), "{shell} lacks {word}");
        }
        assert!(!run.stdout.contains('\x1b'), "{shell}");
    }
    let unknown = run(bare().args(["completion", "tcsh"]));
    assert_eq!(unknown.code, Some(2), "{}", unknown.stderr);
}

#[test]
fn mock_serves_with_the_key_it_is_given() {
    let mock = Spawned::new(&["--json", "mock", "--api-key", "my-own-key", "--port", "0"]);
    let line: Value = serde_json::from_str(&mock.stdout_line()).unwrap();
    assert_eq!(line["apiKey"], "my-own-key");
    let base_url = line["baseUrl"].as_str().unwrap().to_string();
    let list = |key: &str| {
        run(bare().args([
            "--base-url",
            &base_url,
            "--api-key",
            key,
            "--json",
            "conversations",
            "list",
        ]))
    };
    assert_eq!(list("my-own-key").ok().json().len(), 3);
    let refused = list("mock-api-key");
    assert_eq!(refused.code, Some(1));
    assert!(refused.stderr.contains("401"), "{}", refused.stderr);

    // The environment's key (perhaps a real one) is not served and printed.
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_maiagent"));
    for var in USER_VARS {
        cmd.env_remove(var);
    }
    let mut child = cmd
        .env("MAIAGENT_API_KEY", "a-real-key")
        .args(["--json", "mock", "--port", "0"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut first = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.take().unwrap()),
        &mut first,
    )
    .unwrap();
    let _ = child.kill();
    let _ = child.wait();
    let line: Value = serde_json::from_str(&first).unwrap();
    assert_eq!(line["apiKey"], "mock-api-key");
}

#[cfg(unix)]
mod terminal {
    use super::common::cli::*;
    use super::common::pty::{decoded, spawn};
    use super::MockConfig;

    /// Everything `maiagent ARGS` writes on a terminal until it exits, `\r\n` made `\n`.
    fn on_terminal(mock: &Mock, args: &[&str], env: &[(&str, &str)]) -> String {
        let base_url = mock.server().base_url();
        let mut all = vec![
            "--base-url",
            &base_url,
            "--api-key",
            mock.server().api_key(),
        ];
        all.extend_from_slice(args);
        let mut session = spawn(&all, env, false);
        decoded(&session.exp_eof().unwrap()).replace("\r\n", "\n")
    }

    #[test]
    fn tables_are_aligned_and_bold_on_a_terminal_unless_no_color() {
        let mock = Mock::with(MockConfig::for_tests());
        let expected: Vec<String> = mock
            .demo()
            .conversations
            .iter()
            .rev()
            .map(|i| i.to_string())
            .collect();
        let text = on_terminal(&mock, &["conversations", "list"], &[]);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 4, "{text:?}");
        assert!(lines[0].starts_with("\x1b[1mID "), "{:?}", lines[0]);
        assert!(lines[0].ends_with("\x1b[0m"), "{:?}", lines[0]);
        let heading = lines[0].trim_start_matches("\x1b[1m");
        let created_at = heading.find("CREATED").unwrap();
        for (line, id) in lines[1..].iter().zip(&expected) {
            assert!(!line.contains('\t') && !line.contains('\x1b'), "{line:?}");
            assert!(line.starts_with(id.as_str()), "{line}");
            assert!(line.ends_with(" UTC"), "{line}");
            // Aligned: the CREATED column starts at the same display column on every row.
            let before = &line[..line.rfind("  ").unwrap() + 2];
            assert_eq!(unicode_width(before), created_at, "{line}");
        }
        assert!(text.contains("訂單狀態 Order status"));

        let plain = on_terminal(&mock, &["conversations", "list"], &[("NO_COLOR", "1")]);
        assert!(!plain.contains('\x1b'), "{plain:?}");
        assert!(plain.starts_with("ID  "), "{plain:?}");

        let error = on_terminal(&mock, &["conversations", "get", "nope"], &[]);
        assert!(error.starts_with("\x1b[1;31merror:\x1b[0m "), "{error:?}");
        let error = on_terminal(
            &mock,
            &["conversations", "get", "nope"],
            &[("NO_COLOR", "1")],
        );
        assert!(
            error.starts_with("error: MaiAgent answered HTTP 404"),
            "{error:?}"
        );
    }
}
