//! [`Listing`]: one builder for every list operation of the spec.

use super::engine::{cursor_pages, numbered_pages, PageKey};
use super::{Items, Page, Pages};
use crate::call::{call_option_setters, CallOptions};
use crate::transport::Request;
use crate::{Call, Client, Pagination};
use std::marker::PhantomData;

/// A listing, ready to fetch: its first page, any page, or every page or item as a lazy stream
/// ([`pages`](Self::pages), [`items`](Self::items)). Filters are methods of the listing's
/// type (such as [`inbox`](Self::inbox) on conversations). It owns a clone of the client, so it
/// can be moved into a spawned task.
///
/// ```no_run
/// # async fn run(client: maiagent::Client) -> Result<(), maiagent::Error> {
/// use futures::TryStreamExt;
///
/// let listing = client.conversations().list().inbox("my-inbox-id").page_size(50);
/// let first = listing.first_page().await?;
/// println!("{:?} conversations in all", first.count);
/// let all: Vec<_> = listing.items().try_collect().await?;
/// # let _ = all;
/// # Ok(()) }
/// ```
#[must_use = "a listing does nothing until a page is requested"]
pub struct Listing<P> {
    client: Client,
    request: Request,
    pub(crate) options: CallOptions,
    page: PhantomData<fn() -> P>,
}

impl<P> Clone for Listing<P> {
    fn clone(&self) -> Self {
        Self {
            client: self.client.clone(),
            request: self.request.clone(),
            options: self.options.clone(),
            page: PhantomData,
        }
    }
}

impl<P> std::fmt::Debug for Listing<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Listing")
            .field("operation", &self.request.operation)
            .field("query", &self.request.query)
            .finish_non_exhaustive()
    }
}

impl<P: Page> Listing<P> {
    /// The listing of `P`'s operation with `path_params` filled in.
    pub(crate) fn new(client: &Client, path_params: &[&str]) -> Self {
        Self {
            client: client.clone(),
            request: Request::new(P::OPERATION, path_params),
            options: CallOptions::default(),
            page: PhantomData,
        }
    }

    /// Adds a filter (a query parameter of the operation).
    pub(crate) fn filter(mut self, name: &'static str, value: impl ToString) -> Self {
        self.request = self.request.param(name, value);
        self
    }

    /// How many items each page holds (`pageSize`).
    pub fn page_size(mut self, n: u32) -> Self {
        self.request = self.request.page_len_param("pageSize", n.into());
        self
    }

    call_option_setters!();

    /// The first page.
    pub fn first_page(&self) -> Call<P> {
        self.call(None)
    }

    /// The page named by `key`: a cursor (cursor listings) or a page number from 1 (page-number
    /// listings), as a page's `next` link gives it.
    pub fn page(&self, key: impl ToString) -> Call<P> {
        self.call(Some(key.to_string()))
    }

    fn call(&self, key: Option<String>) -> Call<P> {
        let name = match P::OPERATION.spec().pagination {
            Some(Pagination::PageNumber) => "page",
            _ => "cursor",
        };
        let request = self.request.clone().param_opt(name, key);
        Call::new(&self.client, request).with_options(self.options.clone())
    }

    /// The page of a page-number listing named by `key`.
    fn numbered(&self, key: PageKey) -> Call<P> {
        Call::new(&self.client, self.numbered_request(key)).with_options(self.options.clone())
    }

    /// The request of [`numbered`](Self::numbered): a `limit` the `next` link gives is the
    /// length the page's list is sized for.
    fn numbered_request(&self, key: PageKey) -> Request {
        match key {
            PageKey::Number(n) => self.request.clone().param("page", n),
            PageKey::Offset { offset, limit } => {
                let request = self.request.clone().param("offset", offset);
                match limit {
                    Some(limit) => request.page_len_param("limit", limit),
                    None => request,
                }
            }
        }
    }

    /// Every page, fetched lazily one at a time (see the [module documentation](super)).
    pub fn pages(&self) -> Pages<P> {
        let this = self.clone();
        match P::OPERATION.spec().pagination {
            Some(Pagination::PageNumber) => numbered_pages(move |key| this.numbered(key)),
            _ => cursor_pages(move |cursor| this.call(cursor)),
        }
    }

    /// Every item of every page, in order.
    pub fn items(&self) -> Items<P::Item> {
        self.pages().items()
    }
}

#[cfg(test)]
mod tests {
    use super::PageKey;
    use crate::Client;
    use std::num::NonZeroU32;

    #[test]
    fn each_page_list_is_sized_for_the_page_size_or_limit_asked_for() {
        let client = Client::builder()
            .api_key("a-key")
            .base_url("http://127.0.0.1:9/")
            .build()
            .unwrap();
        let listing = client.contacts().list();
        assert_eq!(listing.request.page_len, None);
        let listing = listing.page_size(1000);
        assert_eq!(listing.request.page_len, NonZeroU32::new(1000));
        let page = |key| listing.numbered_request(key).page_len.map(NonZeroU32::get);
        assert_eq!(page(PageKey::Number(2)), Some(1000));
        let offset = |limit| PageKey::Offset { offset: 20, limit };
        assert_eq!(page(offset(None)), Some(1000));
        assert_eq!(page(offset(Some(20))), Some(20));
        // A limit past `u32`, or of 0, sizes nothing up front (the list grows as it decodes).
        assert_eq!(page(offset(Some(u64::MAX))), None);
        assert_eq!(page(offset(Some(0))), None);
    }
}
