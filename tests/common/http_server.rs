//! A raw HTTP/1.1 test server on 127.0.0.1 for tests that script a hostile or broken server:
//! each test decides exactly what is written, in which pieces and when (chunked encoding or
//! `Connection: close`), with any header. Optionally over TLS ([`serve_tls`]).
//!
//! Four ways to answer: [`serve`] hands each request and its connection to an async handler
//! that writes what it likes; [`serve_replies`] answers each request with the [`Reply`] a plain
//! function returns; [`serve_script`] answers the n-th request with the n-th [`Reply`] of a
//! list; [`serve_json`] answers every request with one JSON body over a kept-alive connection.
//! Every request is recorded ([`TestServer::recorded`], [`TestServer::request`]).

use maiagent::{Client, RetryPolicy};
use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

mod reply;
pub use reply::Reply;

/// One request as the server read it.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    /// The request target as sent: the path and the query string.
    pub target: String,
    /// The path of the target, without the query string.
    pub path: String,
    /// The decoded query parameters, in order.
    pub query: Vec<(String, String)>,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    /// The first value of query parameter `key`.
    pub fn q(&self, key: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("the request body is JSON")
    }
}

/// A connection's byte stream: plain TCP or TLS.
trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// One accepted connection, to answer on.
pub struct Conn {
    stream: Box<dyn Io>,
    buf: Vec<u8>,
}

impl Conn {
    async fn read_request(&mut self) -> Option<Request> {
        let head_end = loop {
            if let Some(i) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i;
            }
            let mut tmp = [0u8; 4096];
            let n = self.stream.read(&mut tmp).await.ok()?;
            if n == 0 {
                return None;
            }
            self.buf.extend_from_slice(&tmp[..n]);
        };
        let head = String::from_utf8(self.buf[..head_end].to_vec()).ok()?;
        self.buf.drain(..head_end + 4);
        let mut lines = head.split("\r\n");
        let mut first = lines.next()?.split(' ');
        let (method, target) = (first.next()?.to_string(), first.next()?.to_string());
        let url = url::Url::parse(&format!("http://server{target}")).ok()?;
        let (path, query) = (
            url.path().to_string(),
            url.query_pairs().into_owned().collect(),
        );
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
            .collect();
        let len: usize = headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
            .map_or(0, |(_, v)| v.parse().unwrap());
        while self.buf.len() < len {
            let mut tmp = [0u8; 4096];
            let n = self.stream.read(&mut tmp).await.ok()?;
            if n == 0 {
                return None;
            }
            self.buf.extend_from_slice(&tmp[..n]);
        }
        let body = self.buf.drain(..len).collect();
        Some(Request {
            method,
            target,
            path,
            query,
            headers,
            body,
        })
    }

    /// Writes raw bytes and flushes them.
    pub async fn write(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.stream.write_all(bytes).await?;
        self.stream.flush().await
    }

    /// A response head for a chunked body.
    pub async fn head_chunked(&mut self, status: u16, content_type: &str) {
        let head = format!(
            "HTTP/1.1 {status} X\r\ncontent-type: {content_type}\r\nx-request-id: req-42\r\n\
             transfer-encoding: chunked\r\n\r\n"
        );
        self.write(head.as_bytes()).await.unwrap();
    }

    /// A response head for a body that ends when the connection closes.
    pub async fn head_close(&mut self, status: u16, content_type: &str) {
        let head = format!(
            "HTTP/1.1 {status} X\r\ncontent-type: {content_type}\r\nconnection: close\r\n\r\n"
        );
        self.write(head.as_bytes()).await.unwrap();
    }

    /// One chunk of a chunked body.
    pub async fn chunk(&mut self, data: &[u8]) -> std::io::Result<()> {
        let mut out = format!("{:x}\r\n", data.len()).into_bytes();
        out.extend_from_slice(data);
        out.extend_from_slice(b"\r\n");
        self.write(&out).await
    }

    /// Each piece as its own chunk, with a short pause between them so that they arrive in
    /// separate reads.
    pub async fn chunks(&mut self, pieces: &[&[u8]]) {
        for piece in pieces {
            self.chunk(piece).await.unwrap();
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// The last chunk.
    pub async fn end(&mut self) {
        self.write(b"0\r\n\r\n").await.unwrap();
    }

    /// A whole response with a content length.
    pub async fn respond(&mut self, status: u16, content_type: &str, body: &[u8]) {
        self.respond_with(status, &[("content-type", content_type)], body)
            .await;
    }

    /// A whole response with a content length and these headers (written as given: any
    /// bytes a hostile server might send).
    pub async fn respond_with(&mut self, status: u16, headers: &[(&str, &str)], body: &[u8]) {
        let mut head = format!("HTTP/1.1 {status} X\r\nx-request-id: req-42\r\n");
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str(&format!("content-length: {}\r\n\r\n", body.len()));
        self.write(head.as_bytes()).await.unwrap();
        self.write(body).await.unwrap();
    }

    /// Waits until the client closes the connection: true when a read returns 0 or fails
    /// within `within`.
    pub async fn wait_closed(&mut self, within: Duration) -> bool {
        let mut tmp = [0u8; 1024];
        tokio::time::timeout(within, async {
            loop {
                match self.stream.read(&mut tmp).await {
                    Ok(0) | Err(_) => return true,
                    Ok(_) => continue,
                }
            }
        })
        .await
        .unwrap_or(false)
    }

    /// Writes `reply` as its script says; the connection is done afterwards.
    pub async fn reply(mut self, reply: &Reply) {
        let length = reply.announced.unwrap_or(reply.body.len());
        let mut head = format!("HTTP/1.1 {} X\r\n", reply.status).into_bytes();
        for (name, value) in &reply.headers {
            head.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
        }
        head.extend_from_slice(
            format!("content-length: {length}\r\nconnection: close\r\n\r\n").as_bytes(),
        );
        if self.write(&head).await.is_err() {
            return;
        }
        match reply.pieces {
            Some((size, pause)) => {
                for piece in reply.body.chunks(size.max(1)) {
                    if self.write(piece).await.is_err() {
                        return;
                    }
                    tokio::time::sleep(pause).await;
                }
            }
            None => {
                let _ = self.write(&reply.body).await;
            }
        }
        if reply.announced.is_some() {
            // Drop the connection before the announced length.
            tokio::time::sleep(Duration::from_millis(20)).await;
            drop(self);
        } else {
            self.close().await;
        }
    }

    /// Closes the connection at once.
    pub async fn close(mut self) {
        let _ = self.stream.shutdown().await;
    }
}

/// A running server; stopped when dropped.
pub struct TestServer {
    pub addr: SocketAddr,
    pub requests: mpsc::UnboundedReceiver<Request>,
    recorded: Arc<Mutex<Vec<Request>>>,
    tls: bool,
    connections: Arc<AtomicUsize>,
    task: JoinHandle<()>,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl TestServer {
    /// A client of this server, without retries unless `retry` is given.
    pub fn client(&self) -> Client {
        self.client_with(|b| b)
    }

    pub fn client_with(
        &self,
        configure: impl FnOnce(maiagent::ClientBuilder) -> maiagent::ClientBuilder,
    ) -> Client {
        let builder = Client::builder()
            .api_key("test-key")
            .base_url(self.base_url())
            .retry_policy(RetryPolicy::none());
        configure(builder).build().unwrap()
    }

    /// `http://127.0.0.1:<port>/api/v1/` (`https://` for [`serve_tls`]).
    pub fn base_url(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://{}/api/v1/", self.addr)
    }

    /// Every request read so far, in order (taken or not).
    pub fn recorded(&self) -> Vec<Request> {
        self.recorded.lock().unwrap().clone()
    }

    /// The requests read so far and not yet taken.
    pub fn take_requests(&mut self) -> Vec<Request> {
        std::iter::from_fn(|| self.requests.try_recv().ok()).collect()
    }

    /// The next request the server read.
    pub async fn request(&mut self) -> Request {
        tokio::time::timeout(Duration::from_secs(10), self.requests.recv())
            .await
            .expect("no request within 10 s")
            .expect("the server stopped")
    }

    /// How many connections were accepted.
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

/// Starts a server that answers every request with `handler`; the handler returns the
/// connection to read a further request from it (keep-alive), or drops it to close it.
pub async fn serve<F, Fut>(handler: F) -> TestServer
where
    F: Fn(Request, Conn) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Option<Conn>> + Send + 'static,
{
    start(None, handler).await
}

/// Starts a server that answers every request with the [`Reply`] that `reply` returns for it.
pub async fn serve_replies<F>(reply: F) -> TestServer
where
    F: Fn(&Request) -> Reply + Send + Sync + 'static,
{
    let reply = Arc::new(reply);
    serve(move |request, conn| {
        let reply = reply(&request);
        async move {
            conn.reply(&reply).await;
            None
        }
    })
    .await
}

/// Starts a server that answers the n-th request with `replies[n]` (the last one repeats).
pub async fn serve_script(replies: Vec<Reply>) -> TestServer {
    assert!(!replies.is_empty(), "a script has at least one reply");
    let next = AtomicUsize::new(0);
    serve_replies(move |_| {
        let n = next.fetch_add(1, Ordering::SeqCst);
        replies[n.min(replies.len() - 1)].clone()
    })
    .await
}

/// Starts a server that answers every request with `200` and the JSON `body`, keeping the
/// connection open for the next request.
pub async fn serve_json(body: &'static str) -> TestServer {
    serve(move |_, mut conn| async move {
        conn.respond(200, "application/json", body.as_bytes()).await;
        Some(conn)
    })
    .await
}

/// [`serve`] over TLS, with the certificate of [`tls_config`].
pub async fn serve_tls<F, Fut>(handler: F) -> TestServer
where
    F: Fn(Request, Conn) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Option<Conn>> + Send + 'static,
{
    start(
        Some(tokio_rustls::TlsAcceptor::from(Arc::new(tls_config()))),
        handler,
    )
    .await
}

/// A TLS server's configuration with the certificate of `tests/fixtures/tls/server.pem` (for
/// `127.0.0.1` and `localhost`, signed by the test CA that [`trust_test_ca`] trusts).
pub fn tls_config() -> tokio_rustls::rustls::ServerConfig {
    use tokio_rustls::rustls::pki_types::pem::PemObject;
    use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/tls");
    let certs = CertificateDer::pem_file_iter(format!("{dir}/server.pem"))
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    let key = PrivateKeyDer::from_pem_file(format!("{dir}/server.key")).unwrap();
    let provider = tokio_rustls::rustls::crypto::ring::default_provider();
    tokio_rustls::rustls::ServerConfig::builder_with_provider(Arc::new(provider))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap()
}

/// Makes the clients built afterwards trust the test CA (`tests/fixtures/tls/ca.pem`), through
/// `SSL_CERT_FILE`: call it before the test binary builds any client.
pub fn trust_test_ca() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let ca = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/tls/ca.pem");
        std::env::set_var("SSL_CERT_FILE", ca);
    });
}

async fn start<F, Fut>(tls: Option<tokio_rustls::TlsAcceptor>, handler: F) -> TestServer
where
    F: Fn(Request, Conn) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Option<Conn>> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, requests) = mpsc::unbounded_channel();
    let connections = Arc::new(AtomicUsize::new(0));
    let recorded = Arc::new(Mutex::new(Vec::new()));
    let log = recorded.clone();
    let handler = Arc::new(handler);
    let counter = connections.clone();
    let is_tls = tls.is_some();
    let task = tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            stream.set_nodelay(true).unwrap();
            counter.fetch_add(1, Ordering::SeqCst);
            let (handler, tx, tls) = (handler.clone(), tx.clone(), tls.clone());
            let log = log.clone();
            tokio::spawn(async move {
                let stream: Box<dyn Io> = match tls {
                    None => Box::new(stream),
                    Some(tls) => match tls.accept(stream).await {
                        Ok(stream) => Box::new(stream),
                        Err(_) => return,
                    },
                };
                let mut conn = Conn {
                    stream,
                    buf: Vec::new(),
                };
                while let Some(request) = conn.read_request().await {
                    log.lock().unwrap().push(request.clone());
                    let _ = tx.send(request.clone());
                    match handler(request, conn).await {
                        Some(next) => conn = next,
                        None => return,
                    }
                }
            });
        }
    });
    TestServer {
        addr,
        requests,
        recorded,
        tls: is_tls,
        connections,
        task,
    }
}

/// A stream event carrying a completion.
pub fn event(conversation: &str, content: &str, done: bool) -> String {
    let json =
        serde_json::json!({"conversationId": conversation, "content": content, "done": done});
    format!("data: {json}\n\n")
}

/// A server whose every answer is this event-stream body, written in one chunk.
pub async fn sse_server(body: String) -> TestServer {
    serve(move |_, mut conn| {
        let body = body.clone();
        async move {
            conn.head_chunked(200, "text/event-stream").await;
            conn.chunk(body.as_bytes()).await.unwrap();
            conn.end().await;
            Some(conn)
        }
    })
    .await
}
