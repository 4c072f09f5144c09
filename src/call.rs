//! [`Call`]: one API call, with per-call options, retries, a timeout and typed errors.

use crate::client::Settings;
use crate::{Client, Error, RetryPolicy};
use futures::future::BoxFuture;
use progenitor_client::ResponseValue;
use std::future::{Future, IntoFuture};
use std::sync::Arc;
use std::time::Duration;

type Attempt<T> = Arc<
    dyn Fn(Client) -> BoxFuture<'static, Result<ResponseValue<T>, progenitor_client::Error<()>>>
        + Send
        + Sync,
>;

/// Options that one call may set over the client's defaults.
#[derive(Debug, Clone, Default)]
pub(crate) struct CallOptions {
    pub(crate) retry: Option<RetryPolicy>,
    pub(crate) timeout: Option<Duration>,
}

impl CallOptions {
    /// This call's retry policy, or the client's.
    pub(crate) fn retry_policy<'a>(&'a self, settings: &'a Settings) -> &'a RetryPolicy {
        self.retry.as_ref().unwrap_or(&settings.retry)
    }

    /// This call's timeout of each attempt, or the client's request timeout.
    pub(crate) fn timeout(&self, settings: &Settings) -> Option<Duration> {
        self.timeout.or(settings.request_timeout)
    }
}

/// The `retry` and `timeout` setters of every request builder that holds
/// `options: CallOptions`. Extra doc lines for `timeout` may be given.
macro_rules! call_option_setters {
    ($(#[$timeout_doc:meta])*) => {
        /// The retry policy of this request only (the client's otherwise).
        pub fn retry(mut self, policy: $crate::RetryPolicy) -> Self {
            self.options.retry = Some(policy);
            self
        }

        /// The timeout of each attempt of this request only (the client's
        /// [`request_timeout`]($crate::ClientBuilder::request_timeout) otherwise).
        $(#[$timeout_doc])*
        pub fn timeout(mut self, timeout: std::time::Duration) -> Self {
            self.options.timeout = Some(timeout);
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
    operation: &'static str,
    idempotent: bool,
    options: CallOptions,
    attempt: Attempt<T>,
}

impl<T> std::fmt::Debug for Call<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Call")
            .field("operation", &self.operation)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl<T: Send + 'static> Call<T> {
    /// A call of the generated operation `operation`; `idempotent` is true for reads.
    pub(crate) fn new<F, Fut>(
        client: &Client,
        operation: &'static str,
        idempotent: bool,
        f: F,
    ) -> Self
    where
        F: Fn(Client) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<ResponseValue<T>, progenitor_client::Error<()>>>
            + Send
            + 'static,
    {
        Self {
            client: client.clone(),
            operation,
            idempotent,
            options: CallOptions::default(),
            attempt: Arc::new(move |c| Box::pin(f(c))),
        }
    }

    pub(crate) fn with_options(mut self, options: CallOptions) -> Self {
        self.options = options;
        self
    }

    call_option_setters!();

    /// Sends the call; returns the value.
    pub async fn send(self) -> Result<T, Error> {
        self.send_with_response()
            .await
            .map(ResponseValue::into_inner)
    }

    /// Sends the call; returns the value with the response's status and headers.
    pub async fn send_with_response(self) -> Result<ResponseValue<T>, Error> {
        let settings = self.client.settings();
        let policy = self.options.retry_policy(settings);
        let timeout = self.options.timeout(settings);
        crate::retry::with_retries(policy, self.idempotent, self.operation, || {
            let attempt = (self.attempt)(self.client.clone());
            async move {
                let result = match timeout {
                    Some(after) => tokio::time::timeout(after, attempt)
                        .await
                        .map_err(|_| Error::Timeout { after })?,
                    None => attempt.await,
                };
                match result {
                    Ok(value) => Ok(value),
                    Err(e) => Err(crate::error::from_generated(e).await),
                }
            }
        })
        .await
    }
}

impl<T: Send + 'static> IntoFuture for Call<T> {
    type Output = Result<T, Error>;
    type IntoFuture = BoxFuture<'static, Result<T, Error>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}
