//! [`Client`] and its [`ClientBuilder`]: configuration, authentication and the shared HTTP pool.

use crate::transport::{Direct, Sender};
use crate::wire::{ApiKey, Credentials};
use crate::{generated, Error, RetryPolicy};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::Url;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

/// The base URL used when none is configured.
pub const DEFAULT_BASE_URL: &str = "https://api.maiagent.ai/api/v1/";
/// The default largest response body accepted (32 MiB).
pub const DEFAULT_MAX_RESPONSE_SIZE: u64 = 32 * 1024 * 1024;
/// The environment variable holding the API key.
pub const API_KEY_ENV: &str = "MAIAGENT_API_KEY";
/// The environment variable holding an optional base URL.
pub const BASE_URL_ENV: &str = "MAIAGENT_BASE_URL";

/// The MaiAgent client. Cheap to clone: clones share one connection pool.
///
/// ```no_run
/// # async fn run() -> Result<(), maiagent::Error> {
/// // MAIAGENT_API_KEY (and optionally MAIAGENT_BASE_URL) from the environment:
/// let client = maiagent::Client::from_env()?;
/// let conversation = client.conversations().get("8e44604a-8278-4c96-96b5-3e5a0548d738").await?;
/// println!("{:?}", conversation.title);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    generated: generated::Client,
    /// The generated client's and the storage uploads' HTTP client.
    http: reqwest::Client,
    /// The API requests' HTTP client.
    sender: Sender,
    credentials: Credentials,
    base_url: Url,
    settings: Settings,
}

/// Per-client defaults that calls may override.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub(crate) retry: RetryPolicy,
    pub(crate) request_timeout: Option<Duration>,
    pub(crate) stream_idle_timeout: Duration,
    pub(crate) max_event_size: usize,
    pub(crate) max_response_size: u64,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base_url.as_str())
            .field("api_key", &"<redacted>")
            .field("settings", &self.inner.settings)
            .finish()
    }
}

impl Client {
    /// A client configured from the environment: `MAIAGENT_API_KEY` (required) and
    /// `MAIAGENT_BASE_URL` (optional, default `https://api.maiagent.ai/api/v1/`).
    pub fn from_env() -> Result<Self, Error> {
        Self::builder().from_env().build()
    }

    /// A builder for every setting.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The base URL every request path is joined to; it always ends with `/`.
    pub fn base_url(&self) -> &Url {
        &self.inner.base_url
    }

    /// The client generated from the OpenAPI spec, authenticated like this one, for anything
    /// this facade does not wrap. It does not retry.
    pub fn generated(&self) -> &generated::Client {
        &self.inner.generated
    }

    pub(crate) fn settings(&self) -> &Settings {
        &self.inner.settings
    }

    /// The HTTP connection pool. A request built from it carries no `Authorization` header
    /// (the transport adds it to API requests only), so storage uploads use it directly.
    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.inner.http
    }

    /// The HTTP client of the API's requests.
    pub(crate) fn sender(&self) -> &Sender {
        &self.inner.sender
    }

    /// The sensitive `Authorization` header value.
    pub(crate) fn authorization(&self) -> &HeaderValue {
        self.inner.credentials.authorization()
    }
}

/// Configures a [`Client`].
///
/// ```
/// use maiagent::{Client, RetryPolicy};
/// use std::time::Duration;
///
/// let client = Client::builder()
///     .api_key("my-key")
///     .base_url("https://api.maiagent.ai/api/")
///     .request_timeout(Duration::from_secs(60))
///     .retry_policy(RetryPolicy::default().max_retries(4))
///     .build()?;
/// assert_eq!(client.base_url().as_str(), "https://api.maiagent.ai/api/");
/// # Ok::<(), maiagent::Error>(())
/// ```
#[derive(Default)]
pub struct ClientBuilder {
    api_key: Option<ApiKey>,
    base_url: Option<String>,
    connect_timeout: Option<Duration>,
    request_timeout: Option<Option<Duration>>,
    stream_idle_timeout: Option<Duration>,
    retry: Option<RetryPolicy>,
    max_event_size: Option<usize>,
    max_response_size: Option<u64>,
    user_agent: Option<String>,
    headers: Vec<(HeaderName, HeaderValue)>,
    http: Option<reqwest::Client>,
    allow_http: bool,
    env_error: Option<String>,
}

impl std::fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("api_key", &self.api_key)
            .field("base_url", &self.base_url)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// The API key (`Authorization: Api-Key <key>`).
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(ApiKey::new(key));
        self
    }

    /// The base URL, with either documented prefix (`…/api/v1/` or `…/api/`), with or without
    /// a trailing slash. Plain `http://` is accepted only for loopback addresses unless
    /// [`allow_insecure_http`](Self::allow_insecure_http) is set.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Reads `MAIAGENT_API_KEY` and `MAIAGENT_BASE_URL` into the settings not already made.
    pub fn from_env(mut self) -> Self {
        if self.api_key.is_none() {
            match std::env::var(API_KEY_ENV) {
                Ok(key) if !key.trim().is_empty() => self.api_key = Some(ApiKey::new(key.trim())),
                Ok(_) => self.env_error = Some(format!("{API_KEY_ENV} is set but empty")),
                Err(std::env::VarError::NotPresent) => {
                    self.env_error = Some(format!("{API_KEY_ENV} is not set"))
                }
                Err(std::env::VarError::NotUnicode(_)) => {
                    self.env_error = Some(format!("{API_KEY_ENV} is not valid UTF-8"))
                }
            }
        }
        if self.base_url.is_none() {
            if let Ok(url) = std::env::var(BASE_URL_ENV) {
                if !url.trim().is_empty() {
                    self.base_url = Some(url.trim().to_string());
                }
            }
        }
        self
    }

    /// How long to wait for a connection (default 5 s).
    pub fn connect_timeout(mut self, d: Duration) -> Self {
        self.connect_timeout = Some(d);
        self
    }

    /// The whole-request timeout of calls that are not streams (default 120 s: a whole chatbot
    /// reply can take long); `None` disables it.
    ///
    /// Timeouts follow the real clock, not tokio's: a test that pauses tokio's clock does not
    /// make a call time out, while retry pauses run on the paused clock. One thread of the
    /// process (`maiagent-watchdog`, started by [`build`](Self::build)) serves every timeout,
    /// so a timeout costs a call no timer of its own.
    pub fn request_timeout(mut self, timeout: impl Into<Option<Duration>>) -> Self {
        self.request_timeout = Some(timeout.into());
        self
    }

    /// The longest silence between two pieces of a stream (default 60 s). Streams have no total
    /// timeout.
    pub fn stream_idle_timeout(mut self, d: Duration) -> Self {
        self.stream_idle_timeout = Some(d);
        self
    }

    /// The retry policy of every call (default: [`RetryPolicy::default`]).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// The largest stream event accepted, in bytes (default 1 MiB).
    pub fn max_event_size(mut self, bytes: usize) -> Self {
        self.max_event_size = Some(bytes);
        self
    }

    /// The largest response body accepted, in bytes (default 32 MiB, far above any MaiAgent
    /// answer). A larger body is not read further: the call fails with
    /// [`Error::ResponseTooLarge`]. Streams are bounded per event instead
    /// ([`max_event_size`](Self::max_event_size)), and downloads are not bounded.
    pub fn max_response_size(mut self, bytes: u64) -> Self {
        self.max_response_size = Some(bytes);
        self
    }

    /// The `User-Agent` header (default `maiagent-rust/<version>`).
    pub fn user_agent(mut self, agent: impl Into<String>) -> Self {
        self.user_agent = Some(agent.into());
        self
    }

    /// A header sent with every request.
    pub fn default_header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.push((name, value));
        self
    }

    /// Send API requests through this `reqwest::Client` instead of the SDK's own HTTP client
    /// (hyper's connection pool, used directly). Its own timeouts, proxy, TLS and redirect
    /// settings apply; the connect timeout, user agent and default headers of this builder do
    /// not. Give it [`redirect_policy`](Self::redirect_policy) to keep refusing `https` to
    /// `http` redirects.
    ///
    /// Without it, the SDK's own client sends, except when a proxy from the environment
    /// (`HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY`, unless `NO_PROXY` exempts the host) applies to
    /// the base URL: then a `reqwest::Client` that this builder configures does.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// The redirect policy of the `reqwest` clients this builder makes (the SDK's own client
    /// follows the same rule): at most 10 redirects, and never
    /// from `https` to plain `http` ([`Error::InsecureRedirect`]). The API key is never sent
    /// to another scheme, host or port on a redirect.
    ///
    /// ```
    /// let http = reqwest::Client::builder()
    ///     .redirect(maiagent::ClientBuilder::redirect_policy())
    ///     .build()
    ///     .unwrap();
    /// let client = maiagent::Client::builder().api_key("my-key").http_client(http).build()?;
    /// # Ok::<(), maiagent::Error>(())
    /// ```
    pub fn redirect_policy() -> reqwest::redirect::Policy {
        crate::redirect::policy()
    }

    /// Accept a plain `http://` base URL that is not a loopback address.
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_http = allow;
        self
    }

    /// Checks the settings and builds the client. The first build of the process starts the
    /// thread that serves timeouts; [`Error::Io`] if it cannot start.
    pub fn build(self) -> Result<Client, Error> {
        let key = match self.api_key {
            Some(key) if !key.expose().trim().is_empty() => key,
            Some(_) => return Err(config("the API key is empty")),
            None => {
                return Err(config(&match self.env_error {
                    Some(why) => format!(
                        "no API key: {why}; set {API_KEY_ENV} or call ClientBuilder::api_key"
                    ),
                    None => format!("no API key: set {API_KEY_ENV} or call ClientBuilder::api_key"),
                }))
            }
        };
        let base_url = normalize_base_url(
            self.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL),
            self.allow_http,
        )?;
        let credentials = Credentials::new(&key).map_err(|e| config(&e.to_string()))?;
        // The thread that serves every timeout of the process's clients (started once).
        crate::watchdog::start()?;
        let (http, sender) = match self.http {
            Some(http) => (http.clone(), Sender::Reqwest(http)),
            None => {
                let mut headers = HeaderMap::new();
                for (name, value) in self.headers {
                    headers.append(name, value);
                }
                let connect_timeout = self.connect_timeout.unwrap_or(Duration::from_secs(5));
                let user_agent = self
                    .user_agent
                    .unwrap_or_else(|| format!("maiagent-rust/{}", env!("CARGO_PKG_VERSION")));
                let http = crate::tls::http_client_builder()
                    .connect_timeout(connect_timeout)
                    .user_agent(user_agent.as_str())
                    .default_headers(headers.clone())
                    .redirect(crate::redirect::policy())
                    .build()
                    .map_err(|e| config(&format!("cannot build the HTTP client: {e}")))?;
                let sender = if proxied(&base_url) {
                    Sender::Reqwest(http.clone())
                } else {
                    let user_agent = HeaderValue::try_from(user_agent)
                        .map_err(|e| config(&format!("invalid user agent: {e}")))?;
                    Sender::Direct(
                        Direct::new(connect_timeout, user_agent, headers)
                            .map_err(|e| config(&e))?,
                    )
                };
                (http, sender)
            }
        };
        let generated = generated::Client::new_with_client(
            base_url.as_str().trim_end_matches('/'),
            http.clone(),
            credentials.clone(),
        );
        Ok(Client {
            inner: Arc::new(Inner {
                generated,
                http,
                sender,
                credentials,
                base_url,
                settings: Settings {
                    retry: self.retry.unwrap_or_default(),
                    request_timeout: self
                        .request_timeout
                        .unwrap_or(Some(Duration::from_secs(120))),
                    stream_idle_timeout: self
                        .stream_idle_timeout
                        .unwrap_or(Duration::from_secs(60)),
                    max_event_size: self.max_event_size.unwrap_or(1024 * 1024),
                    max_response_size: self.max_response_size.unwrap_or(DEFAULT_MAX_RESPONSE_SIZE),
                },
            }),
        })
    }
}

fn config(message: &str) -> Error {
    Error::Config {
        message: message.to_string(),
    }
}

fn normalize_base_url(text: &str, allow_http: bool) -> Result<Url, Error> {
    let mut url = Url::parse(text.trim())
        .map_err(|e| config(&format!("the base URL {text:?} is not a URL: {e}")))?;
    match url.scheme() {
        "https" => {}
        "http" if allow_http || is_loopback(&url) => {}
        "http" => {
            return Err(config(&format!(
                "the base URL {text:?} is plain http:// to a host that is not loopback; use https:// or allow_insecure_http(true)"
            )))
        }
        other => return Err(config(&format!("unsupported URL scheme {other:?} in {text:?}"))),
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(config(&format!(
            "the base URL {text:?} must not have a query or fragment"
        )));
    }
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

/// Whether a proxy from the environment (`HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY`, unless
/// `NO_PROXY` exempts the host) applies to requests to `base_url`: they then go through
/// reqwest, which speaks to proxies.
fn proxied(base_url: &Url) -> bool {
    http::Uri::try_from(base_url.as_str()).is_ok_and(|uri| {
        hyper_util::client::proxy::matcher::Matcher::from_system()
            .intercept(&uri)
            .is_some()
    })
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::normalize_base_url;

    #[test]
    fn base_urls_gain_a_trailing_slash_and_refuse_plain_http() {
        let ok = |t: &str| normalize_base_url(t, false).unwrap().to_string();
        assert_eq!(
            ok("https://api.maiagent.ai/api/v1"),
            "https://api.maiagent.ai/api/v1/"
        );
        assert_eq!(
            ok("https://api.maiagent.ai/api/"),
            "https://api.maiagent.ai/api/"
        );
        assert_eq!(
            ok("http://127.0.0.1:8080/api/v1"),
            "http://127.0.0.1:8080/api/v1/"
        );
        assert_eq!(ok("http://localhost/api"), "http://localhost/api/");
        assert_eq!(ok("http://[::1]:9/api"), "http://[::1]:9/api/");
        assert!(normalize_base_url("http://api.maiagent.ai/api/v1", false).is_err());
        assert!(normalize_base_url("http://api.maiagent.ai/api/v1", true).is_ok());
        assert!(normalize_base_url("ftp://x/api", true).is_err());
        assert!(normalize_base_url("not a url", true).is_err());
    }
}
