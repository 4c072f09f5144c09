//! The SDK's own HTTP client: hyper's connection pool (hyper-util's legacy client, which reqwest
//! is built on too) used directly. A request goes from the transport to the pool with no layer
//! between them; reqwest would add its own per request (a copy of the headers, its redirect
//! and retry layers, the URL parsed again twice), which are most of what a GET costs the client.
//!
//! What reqwest's layers did is done here, once: the client's default headers, the connect
//! timeout, TLS (rustls with the platform's verifier, or native-tls), HTTP/2 through ALPN
//! (feature `http2`), and redirects ([`crate::redirect`]). Timeouts and retries are the
//! transport's. A proxy from the environment is reqwest's job: a client to which one applies
//! sends through reqwest ([`Sender::Reqwest`](super::sender::Sender)).

use super::sender::Outgoing;
use crate::redirect::Hop;
use crate::Error;
use bytes::Bytes;
use http_body_util::Full;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::ResponseFuture;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use reqwest::header::{HeaderMap, HeaderValue, USER_AGENT};
use reqwest::{Method, ResponseBuilderExt, Url};
use std::time::Duration;

#[cfg(feature = "rustls")]
type Connector = hyper_rustls::HttpsConnector<HttpConnector>;
#[cfg(all(feature = "native-tls", not(feature = "rustls")))]
type Connector = hyper_tls::HttpsConnector<HttpConnector>;
#[cfg(not(any(feature = "rustls", feature = "native-tls")))]
type Connector = HttpConnector;

/// hyper's connection pool and the client's default headers.
pub(crate) struct Direct {
    pool: hyper_util::client::legacy::Client<Connector, Full<Bytes>>,
    /// Headers every request carries unless it sets them itself (`User-Agent` among them).
    defaults: HeaderMap,
}

impl Direct {
    /// A pool connecting within `connect_timeout`, whose requests carry `defaults` and
    /// `user_agent` unless they set those headers themselves.
    pub(crate) fn new(
        connect_timeout: Duration,
        user_agent: HeaderValue,
        mut defaults: HeaderMap,
    ) -> Result<Self, String> {
        if !defaults.contains_key(USER_AGENT) {
            defaults.insert(USER_AGENT, user_agent);
        }
        // The socket settings of reqwest's defaults: a connection that died silently (a NAT that
        // forgot it, a peer gone) is found by TCP keepalive within about a minute.
        let mut http = HttpConnector::new();
        http.set_connect_timeout(Some(connect_timeout));
        http.set_nodelay(true);
        http.set_keepalive(Some(Duration::from_secs(15)));
        http.set_keepalive_interval(Some(Duration::from_secs(15)));
        http.set_keepalive_retries(Some(3));
        #[cfg(any(target_os = "android", target_os = "fuchsia", target_os = "linux"))]
        http.set_tcp_user_timeout(Some(Duration::from_secs(30)));
        http.enforce_http(false);
        let pool = hyper_util::client::legacy::Client::builder(TokioExecutor::new())
            .pool_timer(TokioTimer::new())
            .pool_idle_timeout(Duration::from_secs(90))
            .build(connector(http)?);
        Ok(Self { pool, defaults })
    }

    /// Sends the request `build` makes, following redirects as [`crate::redirect`] says.
    ///
    /// Only what the response needs is kept while it is awaited (the pool's future, the URL and
    /// method, and the hop of a redirect, boxed: it is rare): the request is built and handed
    /// to the pool by [`start`](Self::start), a plain function.
    pub(crate) async fn send(
        &self,
        build: impl Fn() -> Result<Outgoing, Error>,
    ) -> Result<reqwest::Response, Error> {
        let mut hop: Option<Box<Hop>> = None;
        loop {
            let outgoing = build()?;
            let (pending, method, url) = match &hop {
                Some(hop) => self.start(hop.apply(outgoing))?,
                None => self.start(outgoing)?,
            };
            let response = pending
                .await
                .map_err(|e| Error::connection(e.is_connect(), e))?;
            let this = hop.as_deref().unwrap_or(&Hop::FIRST);
            let Some(next) = this.next(&method, &url, response.status(), response.headers())?
            else {
                return Ok(into_reqwest(response, url));
            };
            hop = Some(Box::new(next));
        }
    }

    /// Hands `outgoing`, with the client's default headers, to the pool; returns the pool's
    /// future, and the method and URL sent.
    fn start(&self, outgoing: Outgoing) -> Result<(ResponseFuture, Method, Url), Error> {
        let Outgoing {
            method,
            url,
            mut headers,
            body,
        } = outgoing;
        for name in self.defaults.keys() {
            if !headers.contains_key(name) {
                for value in self.defaults.get_all(name) {
                    headers.append(name, value.clone());
                }
            }
        }
        let uri = http::Uri::try_from(url.as_str()).map_err(|e| Error::InvalidRequest {
            message: format!("invalid URL {url}: {e}"),
        })?;
        let mut request = http::Request::new(Full::new(body.unwrap_or_default()));
        *request.method_mut() = method.clone();
        *request.uri_mut() = uri;
        *request.headers_mut() = headers;
        Ok((self.pool.request(request), method, url))
    }
}

/// `response` as a `reqwest::Response` of `url`, its body read as it arrives.
fn into_reqwest(response: http::Response<hyper::body::Incoming>, url: Url) -> reqwest::Response {
    let (mut parts, body) = response.into_parts();
    if let Ok(with_url) = http::Response::builder().url(url).body(()) {
        parts.extensions.extend(with_url.into_parts().0.extensions);
    }
    reqwest::Response::from(http::Response::from_parts(parts, reqwest::Body::wrap(body)))
}

/// `http` wrapped in the TLS of the crate's features.
fn connector(http: HttpConnector) -> Result<Connector, String> {
    #[cfg(feature = "rustls")]
    {
        let builder = hyper_rustls::HttpsConnectorBuilder::new()
            .with_provider_and_platform_verifier(crate::tls::rustls_provider())
            .map_err(|e| format!("cannot set up TLS: {e}"))?
            .https_or_http();
        #[cfg(feature = "http2")]
        let builder = builder.enable_all_versions();
        #[cfg(not(feature = "http2"))]
        let builder = builder.enable_http1();
        Ok(builder.wrap_connector(http))
    }
    #[cfg(all(feature = "native-tls", not(feature = "rustls")))]
    {
        let mut tls = native_tls::TlsConnector::builder();
        #[cfg(feature = "http2")]
        tls.request_alpns(&["h2", "http/1.1"]);
        let tls = tls.build().map_err(|e| format!("cannot set up TLS: {e}"))?;
        Ok(hyper_tls::HttpsConnector::from((http, tls.into())))
    }
    #[cfg(not(any(feature = "rustls", feature = "native-tls")))]
    Ok(http)
}
