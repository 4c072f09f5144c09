//! A hidden prompt on the terminal, for `auth login`: the line editor draws every character of
//! the key as `*`, and the key is kept out of the history.

use crate::Failure;
use rustyline::completion::Completer;
use rustyline::highlight::{CmdKind, Highlighter};
use rustyline::hint::Hinter;
use rustyline::history::MemHistory;
use rustyline::validate::Validator;
use rustyline::{ColorMode, Config, Editor, Helper};
use std::borrow::Cow;

/// Draws the line as stars.
struct Masked;

impl Highlighter for Masked {
    fn highlight<'l>(&self, line: &'l str, _pos: usize) -> Cow<'l, str> {
        Cow::Owned("*".repeat(line.chars().count()))
    }

    fn highlight_char(&self, _line: &str, _pos: usize, kind: CmdKind) -> bool {
        kind != CmdKind::MoveCursor
    }
}

impl Completer for Masked {
    type Candidate = String;
}

impl Hinter for Masked {
    type Hint = String;
}

impl Validator for Masked {}

impl Helper for Masked {}

/// One line typed at the terminal, drawn as stars.
pub fn hidden_line() -> Result<String, Failure> {
    let fail = |e: rustyline::error::ReadlineError| {
        Failure::Message(format!("cannot read the API key from the terminal: {e}"))
    };
    // The stars are drawn through the editor's highlighting, so colour mode is forced on.
    let config = Config::builder()
        .auto_add_history(false)
        .color_mode(ColorMode::Forced)
        .build();
    let mut editor: Editor<Masked, MemHistory> =
        Editor::with_history(config, MemHistory::new()).map_err(fail)?;
    editor.set_helper(Some(Masked));
    editor.readline("API key: ").map_err(fail)
}
