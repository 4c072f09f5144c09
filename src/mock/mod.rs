//! An embedded, stateful mock of the MaiAgent API, for tests, examples and demos.
//!
//! [`MockServer::start`] runs an HTTP server on `127.0.0.1` inside the current tokio runtime. It
//! answers every operation of `openapi/maiagent.yaml` (the generated [`Operation`](crate::Operation) table) under both `/api/v1/` and `/api/`, keeps
//! conversations, messages and chatbot records in memory, streams completions as server-sent
//! events, writes real `.xlsx` exports, and POSTs the bot's replies to a webhook URL. It behaves
//! like the server where clients notice: `Authorization: Api-Key <key>` is checked, errors are
//! Django REST framework bodies, paths need their trailing slash, pages link to each other with
//! absolute `next` / `previous` URLs.
//!
//! Every request is recorded ([`MockServer::requests`]) and faults can be injected per operation
//! ([`MockServer::inject`]) or per request (the `x-mock-fault` header, see [`Fault`]).
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use maiagent::mock::{Fault, FaultRule, MockConfig, MockServer};
//! use maiagent::Operation;
//!
//! let server = MockServer::start_with(MockConfig::for_tests()).await?;
//! let url = format!("{}conversations/", server.base_url());
//! server.inject(FaultRule::new(Operation::ConversationsList, Fault::server_error(503)).times(2));
//! // ... point a client at `url` with `Authorization: Api-Key {server.api_key()}` ...
//! assert!(server.requests().is_empty());
//! server.shutdown().await;
//! # Ok(())
//! # }
//! ```

mod account;
mod catalog;
mod export;
mod faults;
mod front;
mod knowledge;
mod multipart;
mod paging;
mod routes;
mod sse;
mod state;
mod storage;
mod uploads;
mod validate;
mod webhook;

pub use faults::{Fault, FaultRule, Matcher, ParseFaultError};
pub use storage::StorageUpload;

use bytes::Bytes;
use http::{HeaderMap, Method};
use std::{
    net::SocketAddr,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, Mutex, MutexGuard, PoisonError,
    },
    time::Duration,
};
use tokio::{sync::watch, task::JoinHandle};

/// Settings of a [`MockServer`]. Build with [`Default`] (demo pacing) or
/// [`MockConfig::for_tests`] (no delays), then adjust fields or use the `with_*` methods.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct MockConfig {
    /// The API key clients must send as `Authorization: Api-Key <key>`.
    pub api_key: String,
    /// The pause between two events of a streamed completion.
    pub stream_delay: Duration,
    /// The port to listen on, on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// Where to POST the bot's reply after each `POST messages/`, as MaiAgent does.
    pub webhook_url: Option<String>,
    /// Page size when a request has no (valid) `pageSize`.
    pub page_size: usize,
    /// How long a new knowledge-base file stays `initial`, then `processing`, before it is
    /// `done` (or `failed`, for a file whose name contains `fail`).
    pub file_processing_step: Duration,
    /// Whether streamed completions end with a `data: [DONE]` line after the `done: true`
    /// event, as some servers do. Off by default: the vendor's documented streams end with the
    /// `done: true` event, and its Python helper fails to decode a `[DONE]` line.
    pub sse_done_marker: bool,
}

impl Default for MockConfig {
    fn default() -> Self {
        Self {
            api_key: "mock-api-key".to_string(),
            stream_delay: Duration::from_millis(30),
            port: 0,
            webhook_url: None,
            page_size: 10,
            file_processing_step: Duration::from_secs(2),
            sse_done_marker: false,
        }
    }
}

impl MockConfig {
    /// The defaults, without any delay between streamed events, and knowledge-base files that
    /// take 50 ms per processing step.
    pub fn for_tests() -> Self {
        Self {
            stream_delay: Duration::ZERO,
            file_processing_step: Duration::from_millis(50),
            ..Self::default()
        }
    }

    /// Sets [`api_key`](Self::api_key).
    pub fn with_api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = key.into();
        self
    }

    /// Sets [`stream_delay`](Self::stream_delay).
    pub fn with_stream_delay(mut self, delay: Duration) -> Self {
        self.stream_delay = delay;
        self
    }

    /// Sets [`port`](Self::port).
    pub fn with_port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Sets [`webhook_url`](Self::webhook_url).
    pub fn with_webhook_url(mut self, url: impl Into<String>) -> Self {
        self.webhook_url = Some(url.into());
        self
    }

    /// Sets [`page_size`](Self::page_size) (at least 1).
    pub fn with_page_size(mut self, size: usize) -> Self {
        self.page_size = size.max(1);
        self
    }

    /// Sets [`file_processing_step`](Self::file_processing_step).
    pub fn with_file_processing_step(mut self, step: Duration) -> Self {
        self.file_processing_step = step;
        self
    }

    /// Sets [`sse_done_marker`](Self::sse_done_marker): end streams with `data: [DONE]` too.
    pub fn with_sse_done_marker(mut self, on: bool) -> Self {
        self.sse_done_marker = on;
        self
    }
}

/// The ids of the data a [`MockServer`] starts with.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DemoData {
    /// The web chat to create conversations in (`POST conversations/` with `webChat`).
    pub web_chat: crate::types::Id,
    /// The inbox of every conversation (the `inbox` filter of `GET conversations/`).
    pub inbox: crate::types::Id,
    /// The chatbot (AI assistant) for completions and records.
    pub chatbot: crate::types::Id,
    /// The seeded conversations, oldest first; each has a few messages.
    pub conversations: Vec<crate::types::Id>,
    /// The seeded messages, oldest first.
    pub messages: Vec<crate::types::Id>,
    /// The chatbot's seeded records, oldest first (enough for several pages).
    pub records: Vec<crate::types::Id>,
}

/// One request the mock received, and what it answered.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    /// Arrival order, from 0.
    pub seq: u64,
    /// The HTTP method.
    pub method: Method,
    /// The path, such as `/api/v1/conversations/`.
    pub path: String,
    /// The raw query string, without `?`.
    pub query: Option<String>,
    /// The request headers.
    pub headers: HeaderMap,
    /// The request body.
    pub body: Bytes,
    /// The operation the path and method name, if any.
    pub operation: Option<crate::Operation>,
    /// The fault applied to this request, if any.
    pub fault: Option<Fault>,
    /// The response status; `None` while the response is being prepared.
    pub status: Option<u16>,
    /// The response headers.
    pub response_headers: HeaderMap,
    /// The response body, for JSON responses (not for event streams or files).
    pub response_body: Option<Bytes>,
}

impl RecordedRequest {
    /// A request header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The request body as JSON, if it is JSON.
    pub fn body_json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// The response body as JSON, if it was recorded and is valid JSON.
    pub fn response_json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(self.response_body.as_deref()?).ok()
    }

    /// The response's `content-type`.
    pub fn response_content_type(&self) -> Option<&str> {
        self.response_headers
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
    }
}

/// One webhook delivery of a bot reply.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct WebhookDelivery {
    /// The webhook URL.
    pub url: String,
    /// The delivered message's id.
    pub message_id: crate::types::Id,
    /// How many POSTs were made.
    pub attempts: u32,
    /// The status of the last answer, if one came.
    pub status: Option<u16>,
    /// Whether an attempt was answered with a 2xx status.
    pub delivered: bool,
    /// The last transport error, if any.
    pub error: Option<String>,
}

/// Counters the mock keeps, shared by every request.
#[derive(Default)]
pub(crate) struct Counters {
    pub(crate) connections: AtomicU64,
    pub(crate) streams_started: AtomicU64,
    pub(crate) streams_completed: AtomicU64,
    pub(crate) streams_cancelled: AtomicU64,
}

/// The state every handler sees.
pub(crate) struct Shared {
    pub(crate) config: MockConfig,
    /// `http://127.0.0.1:PORT`, for absolute `next` / `previous` links.
    pub(crate) origin: String,
    pub(crate) store: Mutex<state::Store>,
    pub(crate) catalog: Mutex<catalog::Catalog>,
    pub(crate) storage: Mutex<storage::Storage>,
    pub(crate) requests: Mutex<Vec<RecordedRequest>>,
    pub(crate) next_request: AtomicU64,
    pub(crate) rules: Mutex<Vec<FaultRule>>,
    pub(crate) counters: Counters,
    pub(crate) webhook_url: Mutex<Option<String>>,
    pub(crate) deliveries: Mutex<Vec<WebhookDelivery>>,
    pub(crate) http: reqwest::Client,
    pub(crate) shutdown: watch::Receiver<bool>,
}

/// Locks a mutex, ignoring poisoning (a panicking holder cannot leave these structures invalid).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The running mock server. It stops on [`shutdown`](Self::shutdown) or when dropped.
pub struct MockServer {
    addr: SocketAddr,
    demo: DemoData,
    shared: Arc<Shared>,
    stop: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for MockServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockServer")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl MockServer {
    /// Starts a server with [`MockConfig::default`] on a free port.
    pub async fn start() -> std::io::Result<Self> {
        Self::start_with(MockConfig::default()).await
    }

    /// Starts a server with `config`. Must be called inside a tokio runtime.
    pub async fn start_with(config: MockConfig) -> std::io::Result<Self> {
        use axum::serve::ListenerExt;
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", config.port)).await?;
        let addr = listener.local_addr()?;
        let http = crate::tls::http_client_builder()
            .no_proxy()
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(std::io::Error::other)?;
        let (stop, shutdown) = watch::channel(false);
        let (store, demo) = state::Store::seeded();
        let shared = Arc::new(Shared {
            origin: format!("http://{addr}"),
            store: Mutex::new(store),
            catalog: Mutex::new(catalog::Catalog::seeded(&demo, config.webhook_url.clone())),
            storage: Mutex::new(storage::Storage::default()),
            requests: Mutex::new(Vec::new()),
            next_request: AtomicU64::new(0),
            rules: Mutex::new(Vec::new()),
            counters: Counters::default(),
            webhook_url: Mutex::new(config.webhook_url.clone()),
            deliveries: Mutex::new(Vec::new()),
            config,
            http,
            shutdown: shutdown.clone(),
        });
        let counting = Arc::clone(&shared);
        let listener = listener.tap_io(move |tcp| {
            let _ = tcp.set_nodelay(true);
            counting
                .counters
                .connections
                .fetch_add(1, Ordering::Relaxed);
        });
        let app = routes::router(Arc::clone(&shared));
        let mut signal = shutdown;
        let serve = axum::serve(listener, app).with_graceful_shutdown(async move {
            let _ = signal.wait_for(|stop| *stop).await;
        });
        let task = tokio::spawn(async move {
            if let Err(error) = serve.await {
                tracing::warn!(%error, "maiagent mock server stopped");
            }
        });
        Ok(Self {
            addr,
            demo,
            shared,
            stop,
            task: Some(task),
        })
    }

    /// The API's base URL, `http://127.0.0.1:PORT/api/v1/`.
    pub fn base_url(&self) -> String {
        format!("http://{}/api/v1/", self.addr)
    }

    /// `base_url()` joined with `path`, such as `url("conversations/")`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base_url(), path.trim_start_matches('/'))
    }

    /// The socket address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The API key the server accepts.
    pub fn api_key(&self) -> &str {
        &self.shared.config.api_key
    }

    /// The configuration the server runs with.
    pub fn config(&self) -> &MockConfig {
        &self.shared.config
    }

    /// The ids of the seeded data.
    pub fn demo(&self) -> DemoData {
        self.demo.clone()
    }

    /// Every request received so far, in arrival order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.shared.requests).clone()
    }

    /// Every upload the storage endpoint received so far (`POST /storage/maiagent-mock/`), in
    /// order: the form's part names as received, whether an `Authorization` header came, the
    /// file's size and the answer's status.
    pub fn storage_uploads(&self) -> Vec<StorageUpload> {
        lock(&self.shared.storage).uploads()
    }

    /// Forgets the recorded requests.
    pub fn clear_requests(&self) {
        lock(&self.shared.requests).clear();
    }

    /// Adds a fault rule; rules are tried in the order they were added.
    pub fn inject(&self, rule: FaultRule) {
        lock(&self.shared.rules).push(rule);
    }

    /// Removes every fault rule.
    pub fn clear_faults(&self) {
        lock(&self.shared.rules).clear();
    }

    /// Sets or removes the webhook URL bot replies are POSTed to.
    pub fn set_webhook_url(&self, url: Option<String>) {
        *lock(&self.shared.webhook_url) = url;
    }

    /// The webhook deliveries finished so far.
    pub fn webhook_deliveries(&self) -> Vec<WebhookDelivery> {
        lock(&self.shared.deliveries).clone()
    }

    /// How many TCP connections were accepted.
    pub fn connections(&self) -> u64 {
        self.shared.counters.connections.load(Ordering::Relaxed)
    }

    /// How many event streams were started.
    pub fn streams_started(&self) -> u64 {
        self.shared.counters.streams_started.load(Ordering::Relaxed)
    }

    /// How many event streams were sent to their end.
    pub fn streams_completed(&self) -> u64 {
        self.shared
            .counters
            .streams_completed
            .load(Ordering::Relaxed)
    }

    /// How many event streams were dropped before their end (the client went away).
    pub fn streams_cancelled(&self) -> u64 {
        self.shared
            .counters
            .streams_cancelled
            .load(Ordering::Relaxed)
    }

    /// Stops accepting connections, ends open streams, and waits (up to 5 s) for the server.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        if let Some(mut task) = self.task.take() {
            if tokio::time::timeout(Duration::from_secs(5), &mut task)
                .await
                .is_err()
            {
                task.abort();
            }
        }
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}
