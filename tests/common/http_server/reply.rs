//! A scripted answer of the test server ([`super::serve_replies`], [`super::serve_script`]).

use std::time::Duration;

/// A scripted answer with a content length, on a connection that closes after it: a status,
/// headers written as given, a body, optionally written in pieces with a pause between them,
/// optionally cut short (more bytes announced than sent, then the connection dropped).
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Announce this many bytes, send `body`, then drop the connection.
    pub announced: Option<usize>,
    /// Send `body` in pieces of this size, flushing and pausing between them.
    pub pieces: Option<(usize, Duration)>,
}

impl Reply {
    /// `status` with no header and an empty body.
    pub fn new(status: u16) -> Self {
        Reply {
            status,
            headers: Vec::new(),
            body: Vec::new(),
            announced: None,
            pieces: None,
        }
    }

    /// `status` with an `application/json` body.
    pub fn json(status: u16, body: &serde_json::Value) -> Self {
        Reply::new(status)
            .header("content-type", "application/json")
            .body(body.to_string())
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    pub fn headers(mut self, headers: &[(&str, &str)]) -> Self {
        for (name, value) in headers {
            self = self.header(name, value);
        }
        self
    }

    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }

    /// Announce `length` bytes, send the body, then drop the connection mid-body.
    pub fn cut_short_of(mut self, length: usize) -> Self {
        self.announced = Some(length);
        self
    }

    /// Send the body in pieces of `size` bytes with a 5 ms pause after each.
    pub fn in_pieces(mut self, size: usize) -> Self {
        self.pieces = Some((size, Duration::from_millis(5)));
        self
    }
}
