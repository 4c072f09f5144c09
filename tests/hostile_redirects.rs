//! Redirects from a local TLS server: one to plain `http` is refused (nothing reaches the
//! cleartext server) for a GET, a POST and a stream; one to `https` is
//! followed, without the API key when the port differs.
//!
//! The client is the one `ClientBuilder::build` makes; it trusts the test CA through
//! `SSL_CERT_FILE`, which this test binary sets before any client exists.

mod common;

use common::http_server::{serve, serve_tls, trust_test_ca, Request, TestServer};
use maiagent::{Client, Error};
use serde_json::json;

fn conversation() -> Vec<u8> {
    json!({"id": "c-1", "title": "hello"})
        .to_string()
        .into_bytes()
}

/// A plain-http or TLS server answering every request with the conversation `c-1`.
async fn target(tls: bool) -> TestServer {
    let answer = |_: Request, mut conn: common::http_server::Conn| async move {
        conn.respond(200, "application/json", &conversation()).await;
        Some(conn)
    };
    if tls {
        serve_tls(answer).await
    } else {
        serve(answer).await
    }
}

/// A TLS server answering every request with a 307 to `location` + the request path.
async fn redirecting_to(location: String) -> TestServer {
    trust_test_ca();
    serve_tls(move |request, mut conn| {
        let to = format!("{location}{}", request.target.trim_start_matches('/'));
        async move {
            conn.respond_with(307, &[("location", &to)], b"").await;
            Some(conn)
        }
    })
    .await
}

fn client(server: &TestServer) -> Client {
    server.client_with(|b| b)
}

#[tokio::test]
async fn a_redirect_from_https_to_http_is_refused() {
    let mut cleartext = target(false).await;
    let root = format!("http://{}/", cleartext.addr);
    let mut tls = redirecting_to(root).await;
    let client = client(&tls);

    let get = client.conversations().get("c-1").await;
    let post = client.conversations().create("web-chat-1").await;
    let stream = client.chatbot("bot-1").stream("hi").await;
    for (what, error) in [
        ("GET", get.map(drop).unwrap_err()),
        ("POST", post.map(drop).unwrap_err()),
        ("stream", stream.map(drop).unwrap_err()),
    ] {
        let Error::InsecureRedirect { location } = &error else {
            panic!("{what}: {error:?}");
        };
        assert!(
            location.starts_with(&format!("http://{}/", cleartext.addr)),
            "{location}"
        );
        assert!(error.to_string().contains("https to plain http"), "{error}");
        assert!(!error.is_retryable());
    }
    assert_eq!(
        tls.take_requests().len(),
        3,
        "each request once, not retried"
    );
    assert!(
        cleartext.take_requests().is_empty(),
        "nothing reached the http server"
    );
}

#[tokio::test]
async fn a_redirect_to_https_is_followed_without_the_key_on_another_port() {
    trust_test_ca();
    let mut other = target(true).await;
    let mut tls = redirecting_to(format!("https://{}/moved/", other.addr)).await;
    let conversation = client(&tls).conversations().get("c-1").await.unwrap();
    assert_eq!(conversation.id.to_string(), "c-1");
    let first = tls.request().await;
    assert!(first.header("authorization").is_some());
    let followed = other.request().await;
    assert!(followed.path.starts_with("/moved/"), "{}", followed.path);
    assert_eq!(followed.header("authorization"), None, "{followed:?}");
}
