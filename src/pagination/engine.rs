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
pub(crate) struct Guard {
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
    pub(crate) fn first_time(&mut self, cursor: &str) -> bool {
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

/// The lazy stream of a listing's pages, one at a time: `fetch(&key)` requests a page (`first`
/// first), and `next_key(&page, key, &mut guard)` names the page that follows (`None`: the
/// end), or the loop the page reveals, which is yielded after the page, ending the stream. An
/// error of a request is yielded once and ends the stream too.
pub(crate) fn follow<P, K, F, Fut, N>(
    first: K,
    fetch: F,
    next_key: N,
) -> futures::stream::BoxStream<'static, Result<P, Error>>
where
    P: Send + 'static,
    K: Send + 'static,
    F: Fn(&K) -> Fut + Send + Sync + 'static,
    Fut: std::future::IntoFuture<Output = Result<P, Error>>,
    Fut::IntoFuture: Send,
    N: Fn(&P, K, &mut Guard) -> Result<Option<K>, Error> + Send + Sync + 'static,
{
    let state = (fetch, next_key, Next::Fetch(first), Guard::new());
    stream::unfold(state, |(fetch, next_key, next, mut guard)| async move {
        let key = match next {
            Next::Fetch(key) => key,
            Next::Fail(e) => return Some((Err(e), (fetch, next_key, Next::Done, guard))),
            Next::Done => return None,
        };
        let page = match fetch(&key).await {
            Ok(page) => page,
            Err(e) => return Some((Err(e), (fetch, next_key, Next::Done, guard))),
        };
        let next = match next_key(&page, key, &mut guard) {
            Ok(Some(key)) => Next::Fetch(key),
            Ok(None) => Next::Done,
            Err(e) => Next::Fail(e),
        };
        Some((Ok(page), (fetch, next_key, next, guard)))
    })
    .fuse()
    .boxed()
}

/// The pages of a cursor listing, where `fetch(cursor)` is the call for one page.
pub(super) fn cursor_pages<P, F>(fetch: F) -> Pages<P>
where
    P: Page,
    F: Fn(Option<String>) -> Call<P> + Send + Sync + 'static,
{
    let inner = follow(
        None::<String>,
        move |cursor: &Option<String>| fetch(cursor.clone()),
        |page: &P, _, guard| {
            let Some(url) = page.next_url() else {
                return Ok(None);
            };
            match cursor_of(url) {
                None => {
                    tracing::warn!(
                        next = url,
                        "the next page's URL names no cursor; the listing ends here"
                    );
                    Ok(None)
                }
                Some(c) if !guard.first_time(&c) || !guard.page(page.items().is_empty()) => {
                    Err(Error::PaginationLoop { cursor: c })
                }
                Some(c) => Ok(Some(Some(c))),
            }
        },
    );
    Pages { inner }
}

/// Which page of a page-number listing to request next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum PageKey {
    /// `page=n` (from 1).
    Number(u32),
    /// `offset=n` and, when the `next` link gave one, `limit=n`: the form of servers that page
    /// with a limit and an offset (MaiAgent's `contacts/` README documents
    /// `next: "?limit=20&offset=20"`).
    Offset { offset: u64, limit: Option<u64> },
}

impl PageKey {
    /// The page `next` names after the page requested with `self` (which held `received`
    /// items), or the loop it reveals.
    ///
    /// A `page` value wins; then an `offset` (with its `limit`); with neither, the next page
    /// number, or after an offset page the offset just past the items received. Pages only move
    /// forward: a page number past the current one, an offset past the current one.
    fn following(self, next: &str, received: usize) -> Result<PageKey, Error> {
        let value = |key: &str| query_value(next, key).and_then(|v| v.trim().parse::<u64>().ok());
        let received = u64::try_from(received).unwrap_or(u64::MAX);
        let to_page = |page: u64| {
            let forward = match self {
                PageKey::Number(n) => page > u64::from(n),
                PageKey::Offset { .. } => page >= 1,
            };
            match u32::try_from(page) {
                Ok(page) if forward => Ok(PageKey::Number(page)),
                _ => Err(Error::PaginationLoop {
                    cursor: format!("page={page}"),
                }),
            }
        };
        let to_offset = |offset: u64, limit: Option<u64>| {
            let forward = match self {
                PageKey::Number(_) => offset > 0,
                PageKey::Offset {
                    offset: current, ..
                } => offset > current,
            };
            if forward {
                Ok(PageKey::Offset { offset, limit })
            } else {
                Err(Error::PaginationLoop {
                    cursor: format!("offset={offset}"),
                })
            }
        };
        match (value("page"), value("offset"), self) {
            (Some(page), _, _) => to_page(page),
            (None, Some(offset), _) => to_offset(offset, value("limit")),
            (None, None, PageKey::Number(n)) => to_page(u64::from(n) + 1),
            (None, None, PageKey::Offset { offset, limit }) => {
                to_offset(offset.saturating_add(received), limit)
            }
        }
    }
}

/// The pages of a page-number listing, where `fetch(key)` is the call for one page: a page
/// number from 1, or an offset when the server's `next` links use `limit` and `offset`.
pub(super) fn numbered_pages<P, F>(fetch: F) -> Pages<P>
where
    P: Page,
    F: Fn(PageKey) -> Call<P> + Send + Sync + 'static,
{
    let inner = follow(
        PageKey::Number(1),
        move |key: &PageKey| fetch(*key),
        |page: &P, key: PageKey, guard| {
            let Some(url) = page.next_url() else {
                return Ok(None);
            };
            let following = key.following(url, page.items().len())?;
            // A key seen before (a server that goes back and forth between the two forms) or
            // too many empty pages is a loop too.
            if guard.first_time(&following.to_string()) && guard.page(page.items().is_empty()) {
                Ok(Some(following))
            } else {
                Err(Error::PaginationLoop {
                    cursor: following.to_string(),
                })
            }
        },
    );
    Pages { inner }
}

impl std::fmt::Display for PageKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PageKey::Number(n) => write!(f, "page={n}"),
            PageKey::Offset { offset, .. } => write!(f, "offset={offset}"),
        }
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
