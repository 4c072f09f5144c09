//! [`Client::api`]: any endpoint of the API, typed or not, like `gh api`.

use crate::call::{call_option_setters, CallOptions};
use crate::transport::{self, Reading, Request, Waits};
use crate::{Client, Error, Items, Pages, Response};
use futures::stream::{StreamExt, TryStreamExt};
use reqwest::Method;
use serde_json::Value;

/// A request to any path of the API, answered as JSON: made by [`Client::api`].
///
/// It goes through the same transport as every typed call (authentication, base URL, retries
/// by method, timeouts, the response-size limit, typed errors). An empty answer (204) is `null`.
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is sent"]
pub struct ApiRequest {
    client: Client,
    request: Request,
    options: CallOptions,
}

impl Client {
    /// A request of `method` to `path`, relative to the base URL (`inboxes/`, `chatbots/ID/`),
    /// for endpoints this SDK does not type. GET, HEAD, PUT and DELETE are retried like typed
    /// reads; other methods only when they provably never reached the server.
    ///
    /// ```no_run
    /// # async fn run(client: maiagent::Client) -> Result<(), maiagent::Error> {
    /// use futures::TryStreamExt;
    /// use reqwest::Method;
    ///
    /// let inbox = client.api(Method::GET, "inboxes/").param("page", "1").send().await?;
    /// println!("{}", inbox.into_inner());
    /// let every: Vec<serde_json::Value> = client.api(Method::GET, "inboxes/").items().try_collect().await?;
    /// # let _ = every;
    /// # Ok(()) }
    /// ```
    pub fn api(&self, method: Method, path: impl AsRef<str>) -> ApiRequest {
        ApiRequest {
            client: self.clone(),
            request: Request::raw(method, path.as_ref()),
            options: CallOptions::default(),
        }
    }
}

impl ApiRequest {
    /// Adds a query parameter.
    pub fn param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.options.set().query.push((name.into(), value.into()));
        self
    }

    /// Sends `body` as the JSON request body.
    pub fn body(mut self, body: &Value) -> Self {
        self.request = self.request.json(body);
        self
    }

    call_option_setters!();

    /// Sends the request; returns the JSON answer with its status and headers.
    pub async fn send(self) -> Result<Response<Value>, Error> {
        let settings = self.client.settings();
        let waits = Waits {
            attempt: self.options.timeout(settings),
            headers: None,
        };
        let reading = Reading::of(&self.request, self.options.max_response_size(settings));
        transport::execute(&self.client, &self.request, &self.options, waits, |r| {
            transport::read_json(r, reading)
        })
        .await
    }

    /// Every page of a listing answer (`{count, next, previous, results}`), following each
    /// page's `next` link: its query (cursor, page number, offset) is sent to the same path
    /// again, so the key never goes to another host. A repeated `next` ends with
    /// [`Error::PaginationLoop`].
    pub fn pages(self) -> Pages<Value> {
        let inner = crate::pagination::follow(
            None::<String>,
            move |query: &Option<String>| {
                let mut request = self.clone();
                if let Some(query) = query {
                    let extra = &mut request.options.set().query;
                    extra.retain(|(k, _)| !query_has(query, k));
                    extra.extend(url::form_urlencoded::parse(query.as_bytes()).into_owned());
                }
                async move { request.send().await.map(Response::into_inner) }
            },
            |page: &Value, _, guard| match next_query(page) {
                None => Ok(None),
                Some(q) if !guard.first_time(&q) => Err(Error::PaginationLoop { cursor: q }),
                Some(q) => Ok(Some(Some(q))),
            },
        );
        Pages::from_stream(inner)
    }

    /// Every item (`results` entry) of every page; see [`pages`](Self::pages).
    pub fn items(self) -> Items<Value> {
        Items::from_pages(
            self.pages()
                .map_ok(|mut page| match page.get_mut("results").map(Value::take) {
                    Some(Value::Array(items)) => items,
                    _ => Vec::new(),
                })
                .boxed(),
        )
    }
}

/// The query of a page's `next` link, when it has one.
fn next_query(page: &Value) -> Option<String> {
    let next = page.get("next")?.as_str()?.trim();
    let (_, query) = next.split_once('?')?;
    let query = query.split('#').next().unwrap_or(query);
    (!query.is_empty()).then(|| query.to_string())
}

/// Whether `query` sets `key`.
fn query_has(query: &str, key: &str) -> bool {
    url::form_urlencoded::parse(query.as_bytes()).any(|(k, _)| k == key)
}
