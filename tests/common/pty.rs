//! `maiagent` on a pseudo-terminal, for the tests of what it does on a terminal (the interactive
//! chat, aligned and coloured tables).

use super::cli::{empty_config_dir, USER_VARS};
use rexpect::reader::Options;
use rexpect::session::{spawn_with_options, PtySession};

/// `maiagent ARGS` on a new pseudo-terminal, with none of the user's settings but `env`; what it
/// writes is read with its escape codes unless `strip_ansi`.
pub fn spawn(args: &[&str], env: &[(&str, &str)], strip_ansi: bool) -> PtySession {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_maiagent"));
    for var in USER_VARS {
        cmd.env_remove(var);
    }
    cmd.env("MAIAGENT_CONFIG_DIR", empty_config_dir())
        .env("TERM", "xterm")
        .args(args);
    for (name, value) in env {
        cmd.env(name, value);
    }
    let options = Options::new()
        .timeout_ms(Some(60_000))
        .strip_ansi_escape_codes(strip_ansi);
    spawn_with_options(cmd, options).expect("maiagent starts on a pseudo-terminal")
}

/// `text` as the pseudo-terminal session reads it: rexpect turns each byte into a `char`, so a
/// needle with non-ASCII text is given in that form.
pub fn as_read(text: &str) -> String {
    text.bytes().map(char::from).collect()
}

/// What the session read, decoded back to UTF-8.
pub fn decoded(read: &str) -> String {
    let bytes: Vec<u8> = read.chars().map(|c| c as u8).collect();
    String::from_utf8_lossy(&bytes).into_owned()
}
