//! Streams over every page, or every item, of a listing.
//!
//! Every listing (a [`Listing`] of a list operation of the spec) has
//! `.pages()`, a [`Pages`] stream of whole pages, and `.items()`, an [`Items`] stream of the
//! items of every page in order. Both are lazy: a page is requested only when the consumer asks
//! for more than the pages already fetched hold, one page at a time, so memory stays bounded by
//! one page; dropping the stream stops fetching. Both own a clone of the [`Client`], so they are
//! `Send + 'static` and can be moved into a spawned task.
//!
//! ```no_run
//! # async fn run(client: maiagent::Client) -> Result<(), maiagent::Error> {
//! use futures::TryStreamExt;
//!
//! let mut messages = client.messages().list("8e44604a-8278-4c96-96b5-3e5a0548d738").items();
//! while let Some(message) = messages.try_next().await? {
//!     println!("{:?}", message.content);
//! }
//!
//! // Or everything at once:
//! let all: Vec<_> = client.conversations().list().items().try_collect().await?;
//! println!("{} conversations", all.len());
//! # Ok(()) }
//! ```
//!
//! # How pages follow each other
//!
//! * Conversations and messages use cursor pagination: the next page is requested with the
//!   `cursor` query value of the page's `next` URL, taken as an opaque string (whatever host or
//!   path prefix the URL names, absolute or relative). Filters and `pageSize` are sent again on
//!   every page request.
//! * Records, inboxes, chatbots, knowledge bases and contacts use page numbers: the first page
//!   is `page=1`, and the next page is the `page` value of the `next` URL, with `pageSize` sent
//!   on every request. A `next` URL in the limit/offset form (`?limit=20&offset=20`, as
//!   MaiAgent's contacts README documents) is followed with its `offset` and `limit`. A `next`
//!   that names neither means the following page (the current page plus one, or the offset past
//!   the items received).
//! * The listing ends when `next` is null, absent or empty. A `next` URL that names no cursor
//!   (no non-empty `cursor` value, for cursor listings) cannot be followed: the listing ends
//!   there too, with a warning logged through `tracing`.
//! * An empty page whose `next` is set is skipped, and the listing goes on.
//!
//! # Errors and loops
//!
//! Each page request is a [`Call`](crate::Call): it follows the client's
//! [retry policy](crate::RetryPolicy). An error that remains after the retries is yielded once,
//! after every item of the earlier pages; the stream then ends.
//!
//! A server that loops is stopped with [`Error::PaginationLoop`]: a cursor that comes back (any
//! earlier one, not only the last), a page number or offset that does not increase, or more than
//! [`MAX_EMPTY_PAGES`] empty pages in a row whose `next` is set. The pages before the loop are
//! yielded first.
//!
//! [`Client`]: crate::Client

use crate::{Error, Operation};
use futures::stream::{BoxStream, Stream, StreamExt, TryStreamExt};
use std::pin::Pin;
use std::task::{Context, Poll};

/// How many empty pages in a row (each with `next` set) are followed before the listing stops
/// with [`Error::PaginationLoop`].
pub const MAX_EMPTY_PAGES: u32 = 100;

mod engine;
mod listing;

pub use engine::cursor_of;
pub(crate) use engine::follow;
pub use listing::Listing;

pub(crate) mod sealed {
    /// Implemented by the page types of the operation table only.
    pub trait Sealed {}
}

/// A page of a listing: its items and the link to the next page.
///
/// Implemented by the response type of every list operation of the spec (the operation table
/// generates the impls); useful when walking pages by hand with [`Listing::page`].
///
/// ```no_run
/// # async fn run(client: maiagent::Client) -> Result<(), maiagent::Error> {
/// use maiagent::pagination::Page;
///
/// let listing = client.conversations().list().page_size(50);
/// let mut page = listing.first_page().await?;
/// loop {
///     println!("{} conversations", page.items().len());
///     match page.next_cursor() {
///         Some(cursor) => page = listing.page(cursor).await?,
///         None => break,
///     }
/// }
/// # Ok(()) }
/// ```
pub trait Page: sealed::Sealed + serde::de::DeserializeOwned + Send + 'static {
    /// The type of the page's items.
    type Item: Send + 'static;

    /// The list operation whose response this is.
    const OPERATION: Operation;

    /// The items of this page.
    fn items(&self) -> &[Self::Item];

    /// The items of this page, owned.
    fn into_items(self) -> Vec<Self::Item>;

    /// The total number of items of the listing, when the server sends it.
    fn count(&self) -> Option<i64>;

    /// The URL of the next page as the server sent it, when there is one (an empty string
    /// counts as none).
    fn next_url(&self) -> Option<&str>;

    /// The cursor of the next page: the `cursor` query value of [`next_url`](Self::next_url).
    fn next_cursor(&self) -> Option<String> {
        self.next_url().and_then(cursor_of)
    }
}

/// Makes a generated page type a [`Page`] of its list operation; invoked by the operation table
/// (`build/table.rs`) for every listing of the spec.
macro_rules! impl_page {
    ($page:ident, $item:ident, $operation:expr) => {
        impl $crate::pagination::sealed::Sealed for $crate::types::$page {}

        impl $crate::pagination::Page for $crate::types::$page {
            type Item = $crate::types::$item;
            const OPERATION: $crate::Operation = $operation;

            fn items(&self) -> &[$crate::types::$item] {
                &self.results
            }

            fn into_items(self) -> Vec<$crate::types::$item> {
                self.results
            }

            fn count(&self) -> Option<i64> {
                self.count
            }

            fn next_url(&self) -> Option<&str> {
                self.next.as_deref().filter(|n| !n.trim().is_empty())
            }
        }
    };
}
pub(crate) use impl_page;

/// A lazy stream of the pages of a listing; see [the module docs](self).
///
/// Yields `Result<P, Error>`; after an error it ends, and once ended it keeps yielding `None`.
/// It is `Unpin`, so
/// [`TryStreamExt::try_next`] works on it directly.
///
/// ```no_run
/// # async fn run(client: maiagent::Client) -> Result<(), maiagent::Error> {
/// use futures::TryStreamExt;
///
/// let mut pages = client.conversations().list().page_size(100).pages();
/// while let Some(page) = pages.try_next().await? {
///     println!("{} conversations (of {:?})", page.results.len(), page.count);
/// }
/// # Ok(()) }
/// ```
#[must_use = "streams do nothing unless polled"]
pub struct Pages<P> {
    inner: BoxStream<'static, Result<P, Error>>,
}

impl<P> std::fmt::Debug for Pages<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pages").finish_non_exhaustive()
    }
}

impl<P> Stream for Pages<P> {
    type Item = Result<P, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.poll_next_unpin(cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl<P> Pages<P> {
    pub(crate) fn from_stream(inner: BoxStream<'static, Result<P, Error>>) -> Self {
        Self { inner }
    }
}

impl<T> Items<T> {
    /// The items of `pages`, a stream of the pages' item lists.
    pub(crate) fn from_pages(pages: BoxStream<'static, Result<Vec<T>, Error>>) -> Self {
        Self {
            pages,
            current: None,
            done: false,
        }
    }
}

impl<P: Page> Pages<P> {
    /// The items of every page, in order.
    ///
    /// ```no_run
    /// # async fn run(client: maiagent::Client) -> Result<(), maiagent::Error> {
    /// use futures::TryStreamExt;
    ///
    /// let records: Vec<_> = client.chatbot("b5c4…").records().pages().items().try_collect().await?;
    /// # Ok(()) }
    /// ```
    pub fn items(self) -> Items<P::Item> {
        Items::from_pages(self.map_ok(P::into_items).boxed())
    }
}

/// A lazy stream of the items of every page of a listing; see [the module docs](self).
///
/// Yields `Result<T, Error>`; after an error it ends, and once ended it keeps yielding `None`.
/// It is `Unpin`, so
/// [`TryStreamExt::try_next`] works on it directly.
///
/// ```no_run
/// # async fn run(client: maiagent::Client) -> Result<(), maiagent::Error> {
/// use futures::TryStreamExt;
///
/// let mut messages = client.messages().list("8e44604a-8278-4c96-96b5-3e5a0548d738").items();
/// while let Some(message) = messages.try_next().await? {
///     println!("{:?}", message.content);
/// }
/// # Ok(()) }
/// ```
#[must_use = "streams do nothing unless polled"]
pub struct Items<T> {
    /// The item lists of the pages still to come.
    pages: BoxStream<'static, Result<Vec<T>, Error>>,
    /// The items of the current page not yet yielded: an item is moved out of the page's
    /// list straight to the caller. `None` once they are all out: the list's room is given
    /// back before the next page is read, so that two pages' lists are never held at once.
    current: Option<std::vec::IntoIter<T>>,
    /// Whether the pages have ended (or failed).
    done: bool,
}

impl<T> std::fmt::Debug for Items<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Items").finish_non_exhaustive()
    }
}

// The items are never pinned: they are moved out of their page's list to the caller.
impl<T> Unpin for Items<T> {}

impl<T> Stream for Items<T> {
    type Item = Result<T, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            if let Some(item) = this.current.as_mut().and_then(Iterator::next) {
                return Poll::Ready(Some(Ok(item)));
            }
            this.current = None;
            if this.done {
                return Poll::Ready(None);
            }
            match std::task::ready!(this.pages.poll_next_unpin(cx)) {
                Some(Ok(items)) => this.current = Some(items.into_iter()),
                Some(Err(e)) => {
                    this.done = true;
                    return Poll::Ready(Some(Err(e)));
                }
                None => {
                    this.done = true;
                    return Poll::Ready(None);
                }
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let ready = self.current.as_ref().map_or(0, ExactSizeIterator::len);
        (ready, self.done.then_some(ready))
    }
}

#[cfg(test)]
mod tests {
    use super::Items;
    use futures::{stream, FutureExt, Stream, StreamExt};

    #[test]
    fn a_used_up_page_is_released_before_the_next_page_is_read() {
        // One page of two items, then a next page that never comes.
        let pages = stream::iter([Ok(vec![1u32, 2])]).chain(stream::pending());
        let mut items = Items::from_pages(pages.boxed());
        let mut next = || match items.next().now_or_never() {
            Some(Some(Ok(n))) => Some(n),
            _ => None,
        };
        assert_eq!(next(), Some(1));
        assert_eq!(next(), Some(2));
        // Waiting for the next page: the first page's list is gone.
        assert!(items.next().now_or_never().is_none());
        assert!(items.current.is_none());
        assert_eq!(items.size_hint(), (0, None));
    }
}
