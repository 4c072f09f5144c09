//! The HTTP client under the transport: the SDK's own ([`Direct`], hyper's connection pool) or
//! a `reqwest::Client`, when the application gives one or a proxy applies. Both take the same
//! [`Outgoing`] request and give a `reqwest::Response`, so that everything above reads one type.

use super::direct::Direct;
use crate::Error;
use bytes::Bytes;
use reqwest::header::HeaderMap;
use reqwest::{Method, Url};

/// One HTTP request of an attempt, complete but for the client's defaults (`User-Agent`, the
/// builder's headers).
#[derive(Debug)]
pub(crate) struct Outgoing {
    pub(crate) method: Method,
    pub(crate) url: Url,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Option<Bytes>,
}

/// The HTTP client that sends API requests.
// One per client, inside its `Arc`: the pool is kept inline, one pointer closer to each request.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Sender {
    /// The SDK's own client: hyper directly.
    Direct(Direct),
    /// A `reqwest::Client`: the application's ([`ClientBuilder::http_client`]), or the SDK's
    /// when a proxy from the environment applies to the base URL.
    ///
    /// [`ClientBuilder::http_client`]: crate::ClientBuilder::http_client
    Reqwest(reqwest::Client),
}

impl Sender {
    /// Sends the request `build` makes and follows redirects (the same rule on both clients:
    /// [`crate::redirect`]). `build` is called again for each redirect, so that no copy of the
    /// request is kept for a redirect that rarely comes.
    pub(crate) async fn send(
        &self,
        build: impl Fn() -> Result<Outgoing, Error>,
    ) -> Result<reqwest::Response, Error> {
        match self {
            Sender::Direct(direct) => direct.send(build).await,
            Sender::Reqwest(http) => {
                // One statement a step: a temporary lives to the end of its statement, so a
                // request built in the statement that awaits would be kept in this future.
                let pending = http.execute(into_reqwest(build()?));
                pending.await.map_err(Error::from_transport)
            }
        }
    }
}

/// `outgoing` as reqwest's request (a plain function: nothing of it is kept in the future that
/// awaits the response).
fn into_reqwest(outgoing: Outgoing) -> reqwest::Request {
    let mut request = reqwest::Request::new(outgoing.method, outgoing.url);
    *request.headers_mut() = outgoing.headers;
    *request.body_mut() = outgoing.body.map(reqwest::Body::from);
    request
}
