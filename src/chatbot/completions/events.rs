//! [`EventDecoder`]: the completion stream's state machine, without I/O. It is given the body's
//! chunks one at a time and returns the events they complete; [`decode_events`](super::decode_events)
//! and [`ReplyStream`](super::ReplyStream) drive it.
//!
//! An event whose `data` line lies within one chunk is decoded straight from that chunk; only the
//! lines and events split across chunks (and multi-line data) go through one carry buffer,
//! reused from event to event. The event size limit is counted on the wire as the lines are
//! read, so the carry buffer never holds more than `limit` bytes.

use super::fast::PlainEvent;
use crate::types::{Completion, Id};
use crate::Error;
use bytes::Bytes;
use serde::de::Error as _;
use std::task::{ready, Context, Poll};

/// How many bytes after the final event are read so that the connection can be reused; a longer
/// tail is dropped with the connection.
const DRAIN_LIMIT: usize = 64 * 1024;
/// A carry buffer grown beyond this by a large event is freed after it.
const KEEP_CAPACITY: usize = 64 * 1024;
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// What the decoder is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Decoding events.
    Events,
    /// After the final event: reading (and dropping) at most `budget` more bytes.
    Draining { budget: usize },
    /// The stream has ended: after an error, or once the drain is over.
    Finished,
}

/// The data of the event being read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Data {
    /// No `data:` line yet.
    None,
    /// One `data:` line, at this range of the current chunk.
    InChunk(usize, usize),
    /// In the carry buffer (`carry[..]`, or `carry[..line_start]` while a line is split).
    Carried,
}

/// The line being read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Line {
    /// At the start of a line.
    Start,
    /// A line split across chunks: its start is in the carry buffer from `line_start` on.
    Split { line_start: usize },
    /// A comment split across chunks: the rest of it is skipped.
    Comment,
}

/// The completion stream's decoder (see [`decode_events`](super::decode_events) for what it
/// accepts).
#[derive(Debug)]
pub(crate) struct EventDecoder {
    chunk: Bytes,
    /// How much of `chunk` has been read.
    pos: usize,
    carry: Vec<u8>,
    data: Data,
    line: Line,
    /// The last chunk ended with CR: an LF at the start of the next one completes a CRLF.
    after_cr: bool,
    /// The first line of the stream is still to come (a byte order mark is dropped from it).
    first_line: bool,
    /// The event's size so far on the wire: its lines, each line ending as one byte.
    size: usize,
    limit: usize,
    phase: Phase,
    /// Completions decoded from data.
    received: usize,
    conversation_id: Option<Id>,
    /// The text of `conversation_id` (compared with each event's as it is), and whether it was a
    /// JSON string.
    conversation_id_text: String,
    conversation_id_is_string: bool,
    /// `conversation_id` has changed since [`new_conversation_id`](Self::new_conversation_id).
    new_conversation_id: bool,
}

impl EventDecoder {
    pub(crate) fn new(limit: usize) -> Self {
        Self {
            chunk: Bytes::new(),
            pos: 0,
            carry: Vec::new(),
            data: Data::None,
            line: Line::Start,
            after_cr: false,
            first_line: true,
            size: 0,
            limit,
            phase: Phase::Events,
            received: 0,
            conversation_id: None,
            conversation_id_text: String::new(),
            conversation_id_is_string: false,
            new_conversation_id: false,
        }
    }

    /// Whether the stream has ended (nothing more to read or return).
    #[inline]
    pub(crate) fn is_finished(&self) -> bool {
        self.phase == Phase::Finished
    }

    /// Whether the final event has been returned and the rest of the input is being dropped.
    #[inline]
    pub(crate) fn is_draining(&self) -> bool {
        matches!(self.phase, Phase::Draining { .. })
    }

    /// The next chunk of input, once [`next_event`](Self::next_event) has returned `None`.
    #[inline]
    fn feed(&mut self, chunk: Bytes) {
        match self.phase {
            Phase::Events => {
                debug_assert!(self.pos == self.chunk.len());
                self.chunk = chunk;
                self.pos = 0;
            }
            Phase::Draining { budget } => {
                self.phase = match budget.checked_sub(chunk.len()) {
                    Some(budget) => Phase::Draining { budget },
                    None => Phase::Finished,
                };
            }
            Phase::Finished => {}
        }
    }

    /// The input failed: its error, unless the final event has been returned already.
    fn input_failed(&mut self, error: Error) -> Option<Error> {
        let events = self.phase == Phase::Events;
        self.finish();
        events.then_some(error)
    }

    /// The input ended: [`Error::StreamTruncated`] unless the final event has been returned.
    fn input_ended(&mut self) -> Option<Error> {
        let received = self.received;
        self.input_failed(Error::StreamTruncated { received })
    }

    /// The next event, feeding the decoder chunks from `next_chunk` until it has one: the one
    /// loop that drives the decoder from a source of chunks. `Pending` when the source is (the
    /// caller decides how long a drain may wait: [`is_draining`](Self::is_draining)).
    pub(crate) fn poll_next_event(
        &mut self,
        cx: &mut Context<'_>,
        mut next_chunk: impl FnMut(&mut Context<'_>) -> Poll<Option<Result<Bytes, Error>>>,
    ) -> Poll<Option<Result<Completion, Error>>> {
        loop {
            if let Some(item) = self.next_event() {
                return Poll::Ready(Some(item));
            }
            if self.is_finished() {
                return Poll::Ready(None);
            }
            let error = match ready!(next_chunk(cx)) {
                Some(Ok(chunk)) => {
                    self.feed(chunk);
                    continue;
                }
                Some(Err(e)) => self.input_failed(e),
                None => self.input_ended(),
            };
            if let Some(e) = error {
                return Poll::Ready(Some(Err(e)));
            }
        }
    }

    fn finish(&mut self) {
        self.phase = Phase::Finished;
        self.chunk = Bytes::new();
        self.pos = 0;
        self.carry = Vec::new();
    }

    fn fail(&mut self, error: Error) -> Option<Result<Completion, Error>> {
        self.finish();
        Some(Err(error))
    }

    /// The next event of the input given so far; `None` when more input is needed (or the
    /// stream has ended: see [`is_finished`](Self::is_finished)).
    #[inline]
    pub(crate) fn next_event(&mut self) -> Option<Result<Completion, Error>> {
        if self.phase != Phase::Events {
            return None;
        }
        // The chunk is taken out so that its bytes can be read while `self` changes.
        let chunk = std::mem::take(&mut self.chunk);
        let item = self.read(&chunk);
        if self.phase == Phase::Events {
            self.chunk = chunk;
        }
        item
    }

    #[inline]
    fn read(&mut self, chunk: &[u8]) -> Option<Result<Completion, Error>> {
        let mut pos = self.pos;
        if self.after_cr && pos < chunk.len() {
            self.after_cr = false;
            if chunk[pos] == b'\n' {
                pos += 1;
            }
        }
        while pos < chunk.len() {
            let rest = &chunk[pos..];
            // A line ending first (the blank line after an event's data) needs no search.
            let end = if matches!(rest[0], b'\n' | b'\r') {
                Some(0)
            } else {
                memchr::memchr2(b'\n', b'\r', rest)
            };
            let Some(end) = end else {
                // The line goes on in the next chunk.
                if !self.count(rest.len()) {
                    return self.fail(Error::EventTooLarge { limit: self.limit });
                }
                self.split_line(chunk, pos);
                pos = chunk.len();
                break;
            };
            let next = match rest.get(end + 1) {
                Some(b'\n') if rest[end] == b'\r' => pos + end + 2,
                Some(_) => pos + end + 1,
                None => {
                    self.after_cr = rest[end] == b'\r';
                    pos + end + 1
                }
            };
            let line = self.line;
            self.line = Line::Start;
            if line == Line::Start && end == 0 {
                // A blank line: the event is complete.
                self.size = 0;
                self.first_line = false;
                if let Some(item) = self.dispatch(chunk) {
                    self.pos = next;
                    return Some(item);
                }
            } else {
                if !self.count(end + 1) {
                    return self.fail(Error::EventTooLarge { limit: self.limit });
                }
                match line {
                    Line::Start => self.line_in_chunk(chunk, pos, pos + end),
                    Line::Split { line_start } => {
                        self.carry.extend_from_slice(&rest[..end]);
                        self.line_in_carry(line_start);
                    }
                    Line::Comment => {}
                }
            }
            pos = next;
        }
        self.pos = pos;
        // The chunk is done: data that points into it moves to the carry buffer.
        if let Data::InChunk(start, end) = self.data {
            self.carry.extend_from_slice(&chunk[start..end]);
            self.data = Data::Carried;
        }
        None
    }

    /// Adds `n` bytes to the event's size; false when that takes it over the limit.
    fn count(&mut self, n: usize) -> bool {
        self.size = self.size.saturating_add(n);
        self.size <= self.limit
    }

    /// Keeps the start of a line that the chunk cuts (`chunk[pos..]`).
    fn split_line(&mut self, chunk: &[u8], pos: usize) {
        let piece = &chunk[pos..];
        match self.line {
            Line::Start if piece[0] == b':' => {
                self.first_line = false;
                self.line = Line::Comment;
            }
            Line::Start => {
                if let Data::InChunk(start, end) = self.data {
                    self.carry.extend_from_slice(&chunk[start..end]);
                    self.data = Data::Carried;
                }
                self.line = Line::Split {
                    line_start: self.carry.len(),
                };
                self.carry.extend_from_slice(piece);
            }
            Line::Split { .. } => self.carry.extend_from_slice(piece),
            Line::Comment => {}
        }
    }

    /// Where a line's `data` value starts, if it is a `data` field (`data:`, `data: ` or a bare
    /// `data`); the first line of the stream may start with a byte order mark.
    fn data_value(&mut self, line: &[u8]) -> Option<usize> {
        let bom = if std::mem::take(&mut self.first_line) && line.starts_with(BOM) {
            BOM.len()
        } else {
            0
        };
        let field = &line[bom..];
        if let Some(value) = field.strip_prefix(b"data:") {
            Some(bom + 5 + usize::from(value.first() == Some(&b' ')))
        } else {
            (field == b"data").then_some(bom + 4)
        }
    }

    /// A whole line of the current chunk (`chunk[start..end]`, not blank).
    fn line_in_chunk(&mut self, chunk: &[u8], start: usize, end: usize) {
        let Some(value) = self.data_value(&chunk[start..end]) else {
            return;
        };
        let value = start + value;
        match self.data {
            Data::None => self.data = Data::InChunk(value, end),
            Data::InChunk(a, b) => {
                self.carry.extend_from_slice(&chunk[a..b]);
                self.carry.push(b'\n');
                self.carry.extend_from_slice(&chunk[value..end]);
                self.data = Data::Carried;
            }
            Data::Carried => {
                self.carry.push(b'\n');
                self.carry.extend_from_slice(&chunk[value..end]);
            }
        }
    }

    /// A line that was split across chunks, now whole in the carry buffer from `line_start`.
    fn line_in_carry(&mut self, line_start: usize) {
        let line = std::mem::take(&mut self.carry);
        let value = self.data_value(&line[line_start..]);
        self.carry = line;
        let Some(value) = value else {
            self.carry.truncate(line_start);
            return;
        };
        let value = line_start + value;
        let len = self.carry.len() - value;
        // The value moves down over the field name: after the data so far and a line feed.
        let to = match self.data {
            Data::Carried => {
                self.carry[line_start] = b'\n';
                line_start + 1
            }
            _ => 0,
        };
        self.carry.copy_within(value.., to);
        self.carry.truncate(to + len);
        self.data = Data::Carried;
    }

    /// The event that a blank line completes, if it has data.
    #[inline]
    fn dispatch(&mut self, chunk: &[u8]) -> Option<Result<Completion, Error>> {
        match std::mem::replace(&mut self.data, Data::None) {
            Data::None => None,
            Data::InChunk(start, end) => self.on_data(&chunk[start..end]),
            Data::Carried => {
                let mut carry = std::mem::take(&mut self.carry);
                let item = self.on_data(&carry);
                if self.phase != Phase::Finished && carry.capacity() <= KEEP_CAPACITY {
                    carry.clear();
                    self.carry = carry;
                }
                item
            }
        }
    }

    /// The completion an event's data carries, if any.
    #[inline]
    fn on_data(&mut self, data: &[u8]) -> Option<Result<Completion, Error>> {
        // Checked once here (with SIMD): the text is not checked again string by string.
        let Ok(text) = simdutf8::basic::from_utf8(data) else {
            let reason = std::str::from_utf8(data).err();
            return self.fail(Error::InvalidEvent {
                data: crate::error::snippet(data),
                source: serde_json::Error::custom(format!(
                    "the event is not UTF-8: {}",
                    reason.map_or_else(String::new, |e| e.to_string())
                )),
            });
        };
        if let Some(plain) = super::fast::plain_event(text) {
            let completion = self.plain_completion(plain);
            self.received += 1;
            if completion.done {
                self.start_draining();
            }
            return Some(Ok(completion));
        }
        // A JSON object (every completion) is neither blank nor the end marker: only other data
        // needs a closer look.
        if !text.starts_with('{') {
            match text.trim() {
                "" => return None,
                "[DONE]" => {
                    self.start_draining();
                    return Some(Ok(Completion {
                        conversation_id: self.conversation_id.clone(),
                        done: true,
                        ..Completion::default()
                    }));
                }
                _ => {}
            }
        }
        let completion = match serde_json::from_str::<Completion>(text) {
            Ok(completion) => completion,
            Err(source) => {
                return self.fail(Error::InvalidEvent {
                    data: crate::error::snippet(data),
                    source,
                })
            }
        };
        if let Some(id) = &completion.conversation_id {
            if self.conversation_id.as_ref() != Some(id) {
                self.set_conversation_id(id.clone());
            }
        }
        self.received += 1;
        if completion.done {
            self.start_draining();
        }
        Some(Ok(completion))
    }

    /// A new conversation id (every event repeats it: it changes at most once in practice).
    fn set_conversation_id(&mut self, id: Id) {
        self.conversation_id_text.clear();
        self.conversation_id_text.push_str(id.as_str());
        self.conversation_id_is_string = !id.is_number();
        self.conversation_id = Some(id);
        self.new_conversation_id = true;
    }

    /// The completion of a plain event: its id is the last one when it has the same text (every
    /// event repeats it), and is otherwise what `serde_json` makes of a string.
    fn plain_completion(&mut self, plain: PlainEvent<'_>) -> Completion {
        let conversation_id = match plain.conversation_id {
            None => None,
            Some(text) if self.conversation_id_is_string && self.conversation_id_text == text => {
                self.conversation_id.clone()
            }
            Some(text) => {
                let id = Id::from(text);
                self.set_conversation_id(id.clone());
                Some(id)
            }
        };
        Completion {
            conversation_id,
            content: plain.content.map(str::to_owned).unwrap_or_default(),
            done: plain.done,
            ..Completion::default()
        }
    }

    /// The conversation id of the events so far, when it has changed since the last call.
    #[inline]
    pub(crate) fn new_conversation_id(&mut self) -> Option<&Id> {
        if std::mem::take(&mut self.new_conversation_id) {
            self.conversation_id.as_ref()
        } else {
            None
        }
    }

    fn start_draining(&mut self) {
        self.phase = Phase::Draining {
            budget: DRAIN_LIMIT,
        };
        self.chunk = Bytes::new();
        self.pos = 0;
        self.carry = Vec::new();
        self.data = Data::None;
    }
}
