//! [`Call`]: one API call, with per-call options, retries, a timeout and typed errors.

use crate::client::Settings;
use crate::transport::{self, Reading, Request, Waits};
use crate::{Client, Error, Operation, Response, RetryPolicy};
use futures::future::BoxFuture;
use reqwest::header::{HeaderName, HeaderValue};
use serde::de::DeserializeOwned;
use std::future::{Future, IntoFuture};
use std::marker::PhantomData;
use std::time::Duration;

/// Options that one call may set over the client's defaults. Most calls set none: the options
/// are then a null pointer, so that a call (and the future that sends it) stays small.
#[derive(Debug, Clone, Default)]
pub(crate) struct CallOptions(Option<Box<Options>>);

/// The options a call has set.
#[derive(Debug, Clone, Default)]
pub(crate) struct Options {
    pub(crate) retry: Option<RetryPolicy>,
    pub(crate) timeout: Option<Duration>,
    pub(crate) deadline: Option<Duration>,
    pub(crate) max_response_size: Option<u64>,
    pub(crate) headers: Vec<(HeaderName, HeaderValue)>,
    pub(crate) query: Vec<(String, String)>,
}

impl CallOptions {
    /// The options, to set one.
    pub(crate) fn set(&mut self) -> &mut Options {
        self.0.get_or_insert_with(Box::default)
    }

    /// The options set, if any.
    fn get(&self) -> Option<&Options> {
        self.0.as_deref()
    }

    /// This call's retry policy, or the client's.
    pub(crate) fn retry_policy<'a>(&'a self, settings: &'a Settings) -> &'a RetryPolicy {
        self.get()
            .and_then(|o| o.retry.as_ref())
            .unwrap_or(&settings.retry)
    }

    /// This call's timeout of each attempt, or the client's request timeout.
    pub(crate) fn timeout(&self, settings: &Settings) -> Option<Duration> {
        self.get()
            .and_then(|o| o.timeout)
            .or(settings.request_timeout)
    }

    /// This call's response-size limit, or the client's.
    pub(crate) fn max_response_size(&self, settings: &Settings) -> u64 {
        self.get()
            .and_then(|o| o.max_response_size)
            .unwrap_or(settings.max_response_size)
    }

    /// The deadline of the whole call, if one is set.
    pub(crate) fn deadline(&self) -> Option<Duration> {
        self.get().and_then(|o| o.deadline)
    }

    /// The headers this call adds.
    pub(crate) fn headers(&self) -> &[(HeaderName, HeaderValue)] {
        self.get().map_or(&[], |o| o.headers.as_slice())
    }

    /// The query parameters this call adds.
    pub(crate) fn query(&self) -> &[(String, String)] {
        self.get().map_or(&[], |o| o.query.as_slice())
    }
}

/// The per-call option setters of every request builder that holds `options: CallOptions`.
/// Extra doc lines for `timeout` may be given.
macro_rules! call_option_setters {
    ($(#[$timeout_doc:meta])*) => {
        /// The retry policy of this request only (the client's otherwise).
        pub fn retry(mut self, policy: $crate::RetryPolicy) -> Self {
            self.options.set().retry = Some(policy);
            self
        }

        /// The timeout of each attempt of this request only (the client's
        /// [`request_timeout`]($crate::ClientBuilder::request_timeout) otherwise).
        /// `Duration::MAX` means no timeout.
        $(#[$timeout_doc])*
        pub fn timeout(mut self, timeout: std::time::Duration) -> Self {
            self.options.set().timeout = Some(timeout);
            self
        }

        /// A deadline for the whole request, across every attempt and the waits between them:
        /// past it the request ends with [`Error::Timeout`]($crate::Error::Timeout).
        /// `Duration::MAX` means no deadline (the default).
        pub fn deadline(mut self, after: std::time::Duration) -> Self {
            self.options.set().deadline = Some(after);
            self
        }

        /// The largest response body accepted for this request, in bytes (the client's
        /// [`max_response_size`]($crate::ClientBuilder::max_response_size) otherwise).
        pub fn max_response_size(mut self, bytes: u64) -> Self {
            self.options.set().max_response_size = Some(bytes);
            self
        }

        /// A header sent with this request only. The `Authorization` header cannot be replaced.
        pub fn header(
            mut self,
            name: reqwest::header::HeaderName,
            value: reqwest::header::HeaderValue,
        ) -> Self {
            self.options.set().headers.push((name, value));
            self
        }

        /// A query parameter sent with this request only, beside the ones the SDK sends.
        pub fn query(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
            self.options.set().query.push((name.into(), value.into()));
            self
        }
    };
}
pub(crate) use call_option_setters;

/// One API call, ready to send. Await it for the value, or call
/// [`send_with_response`](Self::send_with_response) for the status and headers too.
///
/// ```no_run
/// # async fn run(client: maiagent::Client) -> Result<(), maiagent::Error> {
/// use maiagent::RetryPolicy;
/// use std::time::Duration;
///
/// let id = "8e44604a-8278-4c96-96b5-3e5a0548d738";
/// let conversation = client.conversations().get(id).await?;
/// let with_headers = client
///     .conversations()
///     .get(id)
///     .timeout(Duration::from_secs(10))
///     .retry(RetryPolicy::none())
///     .send_with_response()
///     .await?;
/// println!("{} {:?}", with_headers.status(), conversation.title);
/// # Ok(()) }
/// ```
#[must_use = "a call does nothing until it is awaited"]
pub struct Call<T> {
    client: Client,
    request: Request,
    options: CallOptions,
    value: PhantomData<fn() -> T>,
}

impl<T> std::fmt::Debug for Call<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Call")
            .field("operation", &self.request.operation)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl<T> Clone for Call<T> {
    fn clone(&self) -> Self {
        Self {
            client: self.client.clone(),
            request: self.request.clone(),
            options: self.options.clone(),
            value: PhantomData,
        }
    }
}

impl<T: DeserializeOwned + Send + 'static> Call<T> {
    /// A call of `request`.
    pub(crate) fn new(client: &Client, request: Request) -> Self {
        Self {
            client: client.clone(),
            request,
            options: CallOptions::default(),
            value: PhantomData,
        }
    }

    pub(crate) fn with_options(mut self, options: CallOptions) -> Self {
        self.options = options;
        self
    }

    /// The operation this call sends (`None` for a raw [`Client::api`] request).
    pub fn operation(&self) -> Option<Operation> {
        self.request.operation
    }

    call_option_setters!();

    /// Sends the call; returns the value.
    // Not an `async fn`: rustc keeps an `async fn`'s argument twice in its future (the
    // argument and the local it is moved into), which made this future 176 bytes larger.
    #[allow(clippy::manual_async_fn)]
    pub fn send(self) -> impl Future<Output = Result<T, Error>> + Send + 'static {
        // The value is decoded into a box and moved out of it last: through the layers of the
        // call it moves as a pointer, not as a value of a kilobyte or more.
        async move {
            let (waits, reading) = self.waits();
            transport::execute(
                &self.client,
                &self.request,
                &self.options,
                waits,
                move |r| transport::read_json_boxed::<T>(r, reading),
            )
            .await
            .map(|value| *value)
        }
    }

    /// Sends the call; returns the value with the response's status and headers.
    pub async fn send_with_response(self) -> Result<Response<T>, Error> {
        let (waits, reading) = self.waits();
        transport::execute(&self.client, &self.request, &self.options, waits, |r| {
            transport::read_json(r, reading)
        })
        .await
    }

    /// The waits of each attempt, and how the answer is read.
    fn waits(&self) -> (Waits, Reading) {
        let settings = self.client.settings();
        let waits = Waits {
            attempt: self.options.timeout(settings),
            headers: None,
        };
        let limit = self.options.max_response_size(settings);
        (waits, Reading::of(&self.request, limit))
    }
}

impl<T: DeserializeOwned + Send + 'static> IntoFuture for Call<T> {
    type Output = Result<T, Error>;
    type IntoFuture = BoxFuture<'static, Result<T, Error>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}
