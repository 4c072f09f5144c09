//! What the commands print: JSON lines, `key: value` summaries and streamed tables on stdout,
//! notes on stderr. Tables are aligned (and their heading bold) only on a terminal; piped, they
//! are tab-separated lines with no padding and no colour. `NO_COLOR` turns colour off.

use crate::Failure;
use maiagent::types::{Conversation, Message, Timestamp};
use serde::Serialize;
use std::io::{self, IsTerminal, Write};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Standard output, in JSON or human form. Every write is flushed, so that a reply streams and
/// a long-running command's lines reach a pipe at once; a write error (a closed pipe) is a
/// [`Failure::Output`].
#[derive(Debug, Clone, Copy)]
pub struct Out {
    /// Whether `--json` was given.
    pub json: bool,
    /// Whether standard output is a terminal (aligned tables) rather than a pipe or file.
    pub terminal: bool,
    /// Whether to colour the output (a terminal, and `NO_COLOR` unset).
    pub color: bool,
}

/// Whether colour is allowed at all: `NO_COLOR` unset or empty (<https://no-color.org>).
pub fn color_allowed() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// `text` in bold red when `color`, for `error:` on a terminal.
pub fn red(text: &str, color: bool) -> String {
    if color {
        format!("\x1b[1;31m{text}\x1b[0m")
    } else {
        text.to_string()
    }
}

impl Out {
    /// The output for standard output as it is (a terminal or not).
    pub fn detect(json: bool) -> Self {
        let terminal = io::stdout().is_terminal();
        Self {
            json,
            terminal,
            color: terminal && color_allowed(),
        }
    }

    /// Writes `text` as is and flushes.
    pub fn text(&self, text: &str) -> Result<(), Failure> {
        let mut stdout = io::stdout().lock();
        stdout.write_all(text.as_bytes())?;
        stdout.flush()?;
        Ok(())
    }

    /// Writes `text` and a newline.
    pub fn line(&self, text: &str) -> Result<(), Failure> {
        let mut stdout = io::stdout().lock();
        stdout.write_all(text.as_bytes())?;
        stdout.write_all(b"\n")?;
        stdout.flush()?;
        Ok(())
    }

    /// Writes `value` as one line of JSON (the API's camelCase names, exact ids and times).
    pub fn json_line<T: Serialize + ?Sized>(&self, value: &T) -> Result<(), Failure> {
        let text = serde_json::to_string(value)
            .map_err(|e| Failure::Message(format!("cannot encode the output as JSON: {e}")))?;
        self.line(&text)
    }

    /// Writes `rows` as aligned `key: value` lines; the lines of a multi-line value are
    /// indented under the first.
    pub fn summary(&self, rows: &[(&str, String)]) -> Result<(), Failure> {
        let key_width = rows.iter().map(|(k, _)| k.width() + 1).max().unwrap_or(0);
        let indent = " ".repeat(key_width + 1);
        let mut text = String::new();
        for (key, value) in rows {
            let label = format!("{key}:");
            text.push_str(&label);
            text.push_str(&" ".repeat(key_width - label.width() + 1));
            text.push_str(
                &value
                    .lines()
                    .collect::<Vec<_>>()
                    .join(&format!("\n{indent}")),
            );
            text.push('\n');
        }
        self.text(&text)
    }

    /// The JSON line of `value`, or else its summary.
    pub fn object<T: Serialize>(
        &self,
        value: &T,
        summary: &[(&str, String)],
    ) -> Result<(), Failure> {
        if self.json {
            self.json_line(value)
        } else {
            self.summary(summary)
        }
    }
}

/// Writes a note on stderr, prefixed with `maiagent: `; a closed stderr is ignored.
pub fn note(text: &str) {
    let _ = writeln!(io::stderr().lock(), "maiagent: {text}");
}

/// A column of a [`Table`]: its heading and width in terminal columns (the last column is not
/// padded, and cells wider than a column are cut, except ids, which are kept whole).
pub struct Column {
    /// The heading.
    pub title: &'static str,
    /// The width.
    pub width: usize,
    /// Whether cells are cut to the width (false for ids, which must stay whole).
    pub truncate: bool,
}

/// A table printed row by row as the items arrive, so a listing streams: the widths are fixed
/// up front instead of measured over every row. Off a terminal, a row is its cells joined by
/// tabs, whole (control characters, tabs included, become spaces).
pub struct Table {
    columns: Vec<Column>,
}

impl Table {
    /// A table with these columns.
    pub fn new(columns: Vec<Column>) -> Self {
        Self { columns }
    }

    /// Prints the heading line (bold on a colour terminal).
    pub fn header(&self, out: &Out) -> Result<(), Failure> {
        let titles: Vec<String> = self.columns.iter().map(|c| c.title.to_string()).collect();
        if !out.terminal {
            return out.line(&tab_separated(&titles));
        }
        let line = self.format(&titles);
        if out.color {
            out.line(&format!("\x1b[1m{line}\x1b[0m"))
        } else {
            out.line(&line)
        }
    }

    /// Prints one row.
    pub fn row(&self, out: &Out, cells: &[String]) -> Result<(), Failure> {
        if out.terminal {
            out.line(&self.format(cells))
        } else {
            out.line(&tab_separated(cells))
        }
    }

    fn format(&self, cells: &[String]) -> String {
        let mut line = String::new();
        let last = self.columns.len().saturating_sub(1);
        for (i, (column, cell)) in self.columns.iter().zip(cells).enumerate() {
            let cell = one_line(cell);
            let cell = if column.truncate {
                truncate(&cell, column.width)
            } else {
                cell
            };
            line.push_str(&cell);
            if i < last {
                let pad = column.width.saturating_sub(cell.width()) + 2;
                line.push_str(&" ".repeat(pad));
            }
        }
        line.trim_end().to_string()
    }
}

/// The cells on one line, joined by tabs.
fn tab_separated(cells: &[String]) -> String {
    cells
        .iter()
        .map(|c| one_line(c))
        .collect::<Vec<_>>()
        .join("\t")
}

/// `text` with its control characters (line breaks, tabs) turned into spaces.
pub fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// `text` cut to at most `width` terminal columns, ending with `…` when cut (CJK characters
/// count as two columns).
pub fn truncate(text: &str, width: usize) -> String {
    if text.width() <= width {
        return text.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out
}

/// A table cell or field of an optional value: its text, or nothing.
pub fn cell(value: &Option<impl std::fmt::Display>) -> String {
    value.as_ref().map(ToString::to_string).unwrap_or_default()
}

/// A timestamp for people: `2024-11-25 00:42:33 UTC`, or the text as sent when it is not a
/// date.
pub fn time(ts: &Option<Timestamp>) -> String {
    match ts {
        Some(ts) => match ts.to_datetime() {
            Some(at) => at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
            None => ts.as_str().to_string(),
        },
        None => String::new(),
    }
}

/// `name (id)`, `name` or `id`, from optional parts.
fn named(name: Option<&str>, id: Option<&str>) -> String {
    match (name.filter(|n| !n.is_empty()), id) {
        (Some(name), Some(id)) => format!("{name} ({id})"),
        (Some(name), None) => name.to_string(),
        (None, Some(id)) => id.to_string(),
        (None, None) => String::new(),
    }
}

/// Adds `(key, value)` to `rows` when the value is not empty.
fn push(rows: &mut Vec<(&'static str, String)>, key: &'static str, value: String) {
    if !value.is_empty() {
        rows.push((key, value));
    }
}

/// The summary lines of a conversation.
pub fn conversation_summary(c: &Conversation) -> Vec<(&'static str, String)> {
    let mut rows = vec![("id", c.id.to_string())];
    push(&mut rows, "title", cell(&c.title));
    if let Some(inbox) = &c.inbox {
        let id = inbox.id.as_ref().map(|i| i.as_str());
        push(&mut rows, "inbox", named(inbox.name.as_deref(), id));
    }
    if let Some(contact) = &c.contact {
        let id = contact.id.as_ref().map(|i| i.as_str());
        push(&mut rows, "contact", named(contact.name.as_deref(), id));
    }
    push(&mut rows, "created", time(&c.created_at));
    if let Some(n) = c.unread_messages_count {
        rows.push(("unread", n.to_string()));
    }
    if let Some(last) = &c.last_message {
        let content = one_line(last.content.as_deref().unwrap_or_default());
        push(&mut rows, "last message", truncate(&content, 80));
    }
    rows
}

/// The summary lines of a message.
pub fn message_summary(m: &Message) -> Vec<(&'static str, String)> {
    let mut rows = Vec::new();
    push(&mut rows, "id", cell(&m.id));
    push(
        &mut rows,
        "conversation",
        m.conversation
            .as_ref()
            .map(|i| i.to_string())
            .unwrap_or_default(),
    );
    push(&mut rows, "type", cell(&m.type_));
    if let Some(sender) = &m.sender {
        let id = sender.id.as_ref().map(|i| i.as_str());
        push(&mut rows, "sender", named(sender.name.as_deref(), id));
    }
    push(&mut rows, "created", time(&m.created_at));
    push(&mut rows, "content", cell(&m.content));
    let files: Vec<String> = m
        .attachments
        .iter()
        .flatten()
        .map(|a| named(a.filename.as_deref(), a.file.as_deref()))
        .collect();
    push(&mut rows, "attachments", files.join("\n"));
    let cited: Vec<String> = m
        .citations
        .iter()
        .flatten()
        .filter_map(|c| c.filename.clone())
        .collect();
    push(&mut rows, "citations", cited.join("\n"));
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_counts_wide_characters() {
        assert_eq!(truncate("abc", 3), "abc");
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("退貨流程詢問", 7), "退貨流…");
        assert!(truncate("退貨流程詢問 Return policy", 10).width() <= 10);
        assert_eq!(one_line("a\nb\tc"), "a b c");
    }

    #[test]
    fn tables_pad_to_display_width() {
        let table = Table::new(vec![
            Column {
                title: "ID",
                width: 4,
                truncate: false,
            },
            Column {
                title: "TITLE",
                width: 6,
                truncate: true,
            },
            Column {
                title: "CREATED",
                width: 7,
                truncate: true,
            },
        ]);
        assert_eq!(
            table.format(&["1".into(), "退貨".into(), "x".into()]),
            "1     退貨    x"
        );
        assert_eq!(
            table.format(&["123456".into(), "abcdefgh".into(), "".into()]),
            "123456  abcde…"
        );
    }

    #[test]
    fn piped_rows_are_tab_separated_and_whole() {
        assert_eq!(
            tab_separated(&["1".into(), "a\tb\nc".into(), "".into()]),
            "1\ta b c\t"
        );
    }

    #[test]
    fn times_are_readable_or_kept() {
        let ms: Timestamp = serde_json::from_str(r#""1732495353000""#).unwrap();
        assert_eq!(time(&Some(ms)), "2024-11-25 00:42:33 UTC");
        let odd: Timestamp = serde_json::from_str(r#""string (timestamp)""#).unwrap();
        assert_eq!(time(&Some(odd)), "string (timestamp)");
        assert_eq!(time(&None), "");
    }
}
