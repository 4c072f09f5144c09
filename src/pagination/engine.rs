//! The pagination engine: the next page's key from each page, loop detection, and the lazy
//! streams of pages.

use super::{Page, Pages, MAX_EMPTY_PAGES};
use crate::{Call, Error};
use futures::stream::{self, StreamExt};
use std::collections::HashSet;
use std::hash::{BuildHasher, RandomState};

/// The `cursor` query value of a `next` URL (absolute, or relative to anything), decoded from
/// the URL's query encoding but otherwise opaque; `None` when it names no non-empty cursor.
///
/// ```
/// use maiagent::pagination::cursor_of;
///
/// let next = "https://elsewhere.example/api/conversations/?cursor=cD0yMDI0%3D&pageSize=5";
/// assert_eq!(cursor_of(next).as_deref(), Some("cD0yMDI0="));
/// assert_eq!(cursor_of("/api/v1/messages/?cursor=abc").as_deref(), Some("abc"));
/// assert_eq!(cursor_of("?cursor=abc").as_deref(), Some("abc"));
/// assert_eq!(cursor_of("https://api.maiagent.ai/api/v1/conversations/"), None);
/// ```
pub fn cursor_of(next: &str) -> Option<String> {
    query_value(next, "cursor").filter(|c| !c.is_empty())
}

/// The first value of query parameter `key` of `url`, absolute or relative.
fn query_value(url: &str, key: &str) -> Option<String> {
    let url = url.trim();
    let parsed = match url::Url::parse(url) {
        Ok(u) => u,
        Err(url::ParseError::RelativeUrlWithoutBase) => {
            let base = url::Url::parse("http://relative.invalid/").expect("a valid base URL");
            base.join(url).ok()?
        }
        Err(_) => {
            // Not a URL we can parse; look at whatever follows the first `?`.
            let (_, query) = url.split_once('?')?;
            let query = query.split('#').next().unwrap_or_default();
            return url::form_urlencoded::parse(query.as_bytes())
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.into_owned());
        }
    };
    parsed
        .query_pairs()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}
/// What the pagination engine does on its next poll.
enum Next<K> {
    /// Request the page named by this key (`None` for the first page of a cursor listing).
    Fetch(K),
    /// Yield this error, then end.
    Fail(Error),
    /// End.
    Done,
}

/// Loop detection: the cursors seen so far (as hashes, so memory stays small on long
/// listings) and the current run of empty pages.
struct Guard {
    hasher: RandomState,
    seen: HashSet<u64>,
    empty_run: u32,
}

impl Guard {
    fn new() -> Self {
        Self {
            hasher: RandomState::new(),
            seen: HashSet::new(),
            empty_run: 0,
        }
    }

    /// Records `cursor`; false when it was seen before.
    fn first_time(&mut self, cursor: &str) -> bool {
        self.seen.insert(self.hasher.hash_one(cursor))
    }

    /// Counts an empty or non-empty page; false when too many empty pages came in a row.
    fn page(&mut self, empty: bool) -> bool {
        if empty {
            self.empty_run += 1;
        } else {
            self.empty_run = 0;
        }
        self.empty_run <= MAX_EMPTY_PAGES
    }
}

/// The pages of a cursor listing, where `fetch(cursor)` is the call for one page.
pub(super) fn cursor_pages<P, F>(fetch: F) -> Pages<P>
where
    P: Page,
    F: Fn(Option<String>) -> Call<P> + Send + Sync + 'static,
{
    let state = (fetch, Next::Fetch(None::<String>), Guard::new());
    let inner = stream::unfold(state, |(fetch, next, mut guard)| async move {
        let cursor = match next {
            Next::Fetch(cursor) => cursor,
            Next::Fail(e) => return Some((Err(e), (fetch, Next::Done, guard))),
            Next::Done => return None,
        };
        let page = match fetch(cursor).await {
            Ok(page) => page,
            Err(e) => return Some((Err(e), (fetch, Next::Done, guard))),
        };
        let next = match page.next_url() {
            None => Next::Done,
            Some(url) => match cursor_of(url) {
                None => {
                    tracing::warn!(
                        next = url,
                        "the next page's URL names no cursor; the listing ends here"
                    );
                    Next::Done
                }
                Some(c) if !guard.first_time(&c) => Next::Fail(Error::PaginationLoop { cursor: c }),
                Some(c) if !guard.page(page.items().is_empty()) => {
                    Next::Fail(Error::PaginationLoop { cursor: c })
                }
                Some(c) => Next::Fetch(Some(c)),
            },
        };
        Some((Ok(page), (fetch, next, guard)))
    });
    Pages {
        inner: inner.fuse().boxed(),
    }
}

/// The pages of a page-number listing, where `fetch(n)` is the call for page `n` (1-based).
pub(super) fn numbered_pages<P, F>(fetch: F) -> Pages<P>
where
    P: Page,
    F: Fn(u32) -> Call<P> + Send + Sync + 'static,
{
    let state = (fetch, Next::Fetch(1u32), Guard::new());
    let inner = stream::unfold(state, |(fetch, next, mut guard)| async move {
        let number = match next {
            Next::Fetch(number) => number,
            Next::Fail(e) => return Some((Err(e), (fetch, Next::Done, guard))),
            Next::Done => return None,
        };
        let page = match fetch(number).await {
            Ok(page) => page,
            Err(e) => return Some((Err(e), (fetch, Next::Done, guard))),
        };
        let next = match page.next_url() {
            None => Next::Done,
            Some(url) => {
                let named = query_value(url, "page").and_then(|v| v.trim().parse::<u64>().ok());
                let following = named.unwrap_or(u64::from(number) + 1);
                let looped = || Error::PaginationLoop {
                    cursor: format!("page={following}"),
                };
                let backwards = following <= u64::from(number) || following > u64::from(u32::MAX);
                match u32::try_from(following) {
                    Ok(following) if !backwards && guard.page(page.items().is_empty()) => {
                        Next::Fetch(following)
                    }
                    _ => Next::Fail(looped()),
                }
            }
        };
        Some((Ok(page), (fetch, next, guard)))
    });
    Pages {
        inner: inner.fuse().boxed(),
    }
}

#[cfg(test)]
mod tests {
    use super::{cursor_of, query_value};

    #[test]
    fn cursors_come_from_any_next_url_and_stay_opaque() {
        let c = |u: &str| cursor_of(u);
        assert_eq!(
            c("https://api.maiagent.ai/api/v1/conversations/?cursor=cD0yMDI0LTAx%2B%2F%3D&pageSize=2")
                .as_deref(),
            Some("cD0yMDI0LTAx+/=")
        );
        assert_eq!(
            c("http://other-host:9/prefix/x/?pageSize=2&cursor=abc").as_deref(),
            Some("abc")
        );
        assert_eq!(c("/api/v1/messages/?cursor=r%C3%A9").as_deref(), Some("ré"));
        assert_eq!(c("messages/?cursor=abc#frag").as_deref(), Some("abc"));
        assert_eq!(c("?cursor=abc").as_deref(), Some("abc"));
        assert_eq!(c("https://x/?cursor=a&cursor=b").as_deref(), Some("a"));
        assert_eq!(c("https://x/?cursor="), None);
        assert_eq!(c("https://x/?page=2"), None);
        assert_eq!(c("https://x/"), None);
        // Not a URL at all, but the query is still read.
        assert_eq!(c("http://[bad/?cursor=abc").as_deref(), Some("abc"));
        assert_eq!(
            query_value("https://x/?page=3&pageSize=2", "page").as_deref(),
            Some("3")
        );
    }
}
