//! `maiagent auth login|status|logout` in a temporary config directory: the key read from
//! standard input and checked, the file's permissions, and the order of precedence (flag, then
//! environment, then profile, then the built-in mock).
#![cfg(feature = "cli")]

mod common;

use common::cli::*;
use maiagent::mock::MockConfig;
use maiagent::Operation;
use std::path::Path;

const KEY: &str = "mk-0123456789abcdefWXYZ";

/// A mock with a key long enough to show its last four characters when redacted.
fn mock() -> Mock {
    Mock::with(MockConfig::for_tests().with_api_key(KEY))
}

/// `maiagent` with its config in `dir`.
fn in_dir(dir: &Path) -> assert_cmd::Command {
    let mut cmd = bare();
    cmd.env("MAIAGENT_CONFIG_DIR", dir);
    cmd
}

/// `auth login` against `mock` with `key` on standard input.
fn login(dir: &Path, mock: &Mock, key: &str, extra: &[&str]) -> Run {
    run(in_dir(dir)
        .args(["auth", "login", "--base-url", &mock.server().base_url()])
        .args(extra)
        .write_stdin(format!("{key}\n")))
}

fn config_text(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("config.toml")).unwrap()
}

#[test]
fn login_checks_the_key_and_saves_a_private_profile() {
    let mock = mock();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("maiagent");

    let refused = login(&config, &mock, "wrong-key", &[]);
    assert_eq!(refused.code, Some(1));
    assert_eq!(refused.stderr.lines().count(), 1, "{}", refused.stderr);
    assert!(
        refused.stderr.contains("refused the API key"),
        "{}",
        refused.stderr
    );
    assert!(refused.stderr.contains("401"), "{}", refused.stderr);
    assert!(!config.join("config.toml").exists());

    let chatbot = mock.demo().chatbot.to_string();
    let before = mock.count(Operation::ConversationsList);
    login(&config, &mock, KEY, &["--chatbot", &chatbot]).ok();
    assert_eq!(
        mock.count(Operation::ConversationsList),
        before + 1,
        "one check"
    );
    let check = mock.server().requests().pop().unwrap();
    assert_eq!(check.operation, Some(Operation::ConversationsList));
    assert_eq!(
        check.header("authorization"),
        Some(&*format!("Api-Key {KEY}"))
    );

    let text = config_text(&config);
    let saved: toml::Value = toml::from_str(&text).unwrap();
    let profile = &saved["profiles"]["default"];
    assert_eq!(profile["api_key"].as_str(), Some(KEY));
    assert_eq!(
        profile["base_url"].as_str(),
        Some(&*mock.server().base_url())
    );
    assert_eq!(profile["chatbot"].as_str(), Some(chatbot.as_str()));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&config.join("config.toml")), 0o600);
        assert_eq!(mode(&config), 0o700);
    }

    // A second profile joins the first.
    login(&config, &mock, KEY, &["--profile", "work"]).ok();
    let saved: toml::Value = toml::from_str(&config_text(&config)).unwrap();
    assert!(saved["profiles"]["default"].is_table() && saved["profiles"]["work"].is_table());
    assert!(saved["profiles"]["work"].get("chatbot").is_none());
}

#[test]
fn login_never_takes_the_key_from_a_flag_or_an_empty_input() {
    let mock = mock();
    let dir = tempfile::tempdir().unwrap();
    let flag = run(in_dir(dir.path()).args(["auth", "login", "--api-key", KEY]));
    assert_eq!(flag.code, Some(2), "{}", flag.stderr);
    assert!(flag.stderr.contains("standard input"), "{}", flag.stderr);
    let empty = login(dir.path(), &mock, "  ", &[]);
    assert_eq!(empty.code, Some(1));
    assert!(empty.stderr.contains("no API key"), "{}", empty.stderr);
    assert!(!dir.path().join("config.toml").exists());
    assert!(mock.server().requests().is_empty());
}

#[test]
fn status_shows_the_profile_host_and_a_redacted_key() {
    let mock = mock();
    let dir = tempfile::tempdir().unwrap();
    let nothing = run(in_dir(dir.path()).args(["auth", "status"])).ok();
    assert!(
        nothing.stdout.contains("built-in mock"),
        "{}",
        nothing.stdout
    );

    login(dir.path(), &mock, KEY, &[]).ok();
    let status = run(in_dir(dir.path()).args(["auth", "status"])).ok();
    assert!(!status.stdout.contains(KEY), "{}", status.stdout);
    assert!(
        status.stdout.contains("profile: default"),
        "{}",
        status.stdout
    );
    assert!(
        status
            .stdout
            .contains(&format!("{} (profile)", mock.server().base_url())),
        "{}",
        status.stdout
    );
    assert!(
        status.stdout.contains("****WXYZ (profile)"),
        "{}",
        status.stdout
    );

    let json = run(in_dir(dir.path())
        .env("MAIAGENT_API_KEY", "other-key-0000000000-ABCD")
        .args(["--json", "auth", "status"]))
    .ok()
    .json();
    assert_eq!(json[0]["profile"], "default");
    assert_eq!(json[0]["profileInUse"], true);
    assert_eq!(json[0]["apiKey"], "****ABCD");
    assert_eq!(json[0]["apiKeyFrom"], "MAIAGENT_API_KEY");
    assert_eq!(json[0]["baseUrlFrom"], "profile");
    assert_eq!(json[0]["mock"], false);
}

#[test]
fn flags_beat_the_environment_which_beats_the_profile() {
    let mock = mock();
    let dir = tempfile::tempdir().unwrap();
    let chatbot = mock.demo().chatbot.to_string();
    login(dir.path(), &mock, KEY, &["--chatbot", &chatbot]).ok();

    // The profile alone: its host, key and chatbot; no built-in mock.
    let chat = run(in_dir(dir.path()).args(["chat", "hi"])).ok();
    assert_eq!(chat.stdout, format!("{}\n", bot_reply("hi")));
    assert!(!chat.stderr.contains("built-in mock"), "{}", chat.stderr);

    // The environment beats the profile; a flag beats the environment.
    let env_key = run(in_dir(dir.path())
        .env("MAIAGENT_API_KEY", "wrong-key")
        .args(["conversations", "get", "x"]));
    assert!(env_key.stderr.contains("401"), "{}", env_key.stderr);
    let flag_key = run(in_dir(dir.path())
        .env("MAIAGENT_API_KEY", "wrong-key")
        .args(["--api-key", KEY, "--json", "conversations", "list"]))
    .ok();
    assert_eq!(flag_key.json().len(), 4, "the three seeded and the chat's");
    let env_chatbot = run(in_dir(dir.path())
        .env("MAIAGENT_CHATBOT_ID", "no-such-bot")
        .args(["chat", "hi"]));
    assert!(env_chatbot.stderr.contains("404"), "{}", env_chatbot.stderr);

    // Another host: the profile's key is not sent there.
    let other = Mock::with(MockConfig::for_tests().with_api_key(KEY));
    let elsewhere = run(in_dir(dir.path())
        .env("MAIAGENT_BASE_URL", other.server().base_url())
        .args(["conversations", "list"]));
    assert_eq!(elsewhere.code, Some(1));
    assert!(
        elsewhere.stderr.contains("no API key"),
        "{}",
        elsewhere.stderr
    );
    assert!(other.server().requests().is_empty());

    // A profile that is named but missing is an error, not the mock.
    let missing = run(in_dir(dir.path())
        .env("MAIAGENT_PROFILE", "nope")
        .args(["conversations", "list"]));
    assert_eq!(missing.code, Some(1));
    assert!(
        missing.stderr.contains("no profile \"nope\""),
        "{}",
        missing.stderr
    );
}

#[test]
fn logout_removes_the_profile() {
    let mock = mock();
    let dir = tempfile::tempdir().unwrap();
    login(dir.path(), &mock, KEY, &[]).ok();
    login(dir.path(), &mock, KEY, &["--profile", "work"]).ok();
    run(in_dir(dir.path()).args(["auth", "logout"])).ok();
    let saved: toml::Value = toml::from_str(&config_text(dir.path())).unwrap();
    assert!(saved["profiles"].get("default").is_none());
    assert!(saved["profiles"]["work"].is_table());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = std::fs::metadata(dir.path().join("config.toml")).unwrap();
        assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    }

    // Without the default profile, the built-in mock again.
    let chat = run(in_dir(dir.path()).args(["chat", "hi"])).ok();
    assert!(chat.stderr.contains("built-in mock"), "{}", chat.stderr);
    let again = run(in_dir(dir.path()).args(["auth", "logout"]));
    assert_eq!(again.code, Some(1));
    assert!(again.stderr.contains("no profile"), "{}", again.stderr);
    // The named one is still used.
    let work =
        run(in_dir(dir.path()).args(["--profile", "work", "--json", "conversations", "list"])).ok();
    assert_eq!(work.json().len(), 3);
}

#[cfg(unix)]
#[test]
fn a_config_file_others_can_read_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let mock = mock();
    let dir = tempfile::tempdir().unwrap();
    login(dir.path(), &mock, KEY, &[]).ok();
    let file = dir.path().join("config.toml");
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    for args in [
        vec!["auth", "status"],
        vec!["chat", "hi"],
        vec!["auth", "logout"],
    ] {
        let refused = run(in_dir(dir.path()).args(&args));
        assert_eq!(refused.code, Some(1), "{args:?}");
        assert_eq!(refused.stderr.lines().count(), 1, "{}", refused.stderr);
        assert!(
            refused.stderr.contains("refusing to use"),
            "{}",
            refused.stderr
        );
        assert!(refused.stderr.contains("chmod 600"), "{}", refused.stderr);
        assert!(!refused.stderr.contains(KEY));
    }
    // Flags and environment that say everything do not need the file.
    let explicit = run(in_dir(dir.path()).args([
        "--api-key",
        KEY,
        "--base-url",
        &mock.server().base_url(),
        "--json",
        "conversations",
        "list",
    ]))
    .ok();
    assert_eq!(explicit.json().len(), 3);
}

#[cfg(unix)]
#[test]
fn on_a_terminal_the_key_is_typed_at_a_prompt_that_hides_it() {
    let mock = mock();
    let dir = tempfile::tempdir().unwrap();
    let dir_text = dir.path().display().to_string();
    let base_url = mock.server().base_url();
    let mut login = common::pty::spawn(
        &["auth", "login", "--base-url", &base_url],
        &[("MAIAGENT_CONFIG_DIR", &dir_text)],
        true,
    );
    login.exp_string("API key: ").unwrap();
    login.send_line(KEY).unwrap();
    let rest = login.exp_eof().unwrap();
    assert!(rest.contains("logged in to"), "{rest:?}");
    assert!(rest.contains(&"*".repeat(KEY.len())), "{rest:?}");
    assert!(!rest.contains(KEY), "the key was shown: {rest:?}");
    let saved: toml::Value = toml::from_str(&config_text(dir.path())).unwrap();
    assert_eq!(saved["profiles"]["default"]["api_key"].as_str(), Some(KEY));
}
