//! The two HTTP clients an SDK client can send through: its own (hyper's pool directly, the
//! default) and a `reqwest::Client` given to `ClientBuilder::http_client`. Both carry the
//! same request, reuse one connection for sequential calls, and report a refused connection
//! as never sent.

mod common;

use common::http_server::{serve, serve_json, Request, TestServer};
use maiagent::{Client, Error, RetryPolicy};
use reqwest::header::{HeaderName, HeaderValue};

async fn conversation_server() -> TestServer {
    serve_json(r#"{"id":"c-1"}"#).await
}

/// The HTTP clients an SDK client can send through.
const CLIENTS: [&str; 2] = ["own", "reqwest"];

/// An SDK client of `base` sending through `which` of [`CLIENTS`].
fn client(base: &str, which: &str) -> Client {
    let builder = Client::builder()
        .api_key("test-key")
        .base_url(base)
        .retry_policy(RetryPolicy::none());
    let builder = match which {
        "reqwest" => builder.http_client(reqwest::Client::builder().no_proxy().build().unwrap()),
        _ => builder,
    };
    builder.build().unwrap()
}

#[tokio::test]
async fn both_clients_send_the_same_request_and_keep_the_connection() {
    for which in CLIENTS {
        let mut server = conversation_server().await;
        let client = client(&server.base_url(), which);
        for _ in 0..3 {
            let conversation = client.conversations().get("c-1").await.unwrap();
            assert_eq!(conversation.id.to_string(), "c-1", "{which}");
        }
        let requests = server.take_requests();
        assert_eq!(requests.len(), 3, "{which}");
        for request in &requests {
            assert_eq!(request.method, "GET", "{which}");
            assert_eq!(request.target, "/api/v1/conversations/c-1/", "{which}");
            assert_eq!(request.header("authorization"), Some("Api-Key test-key"));
            assert_eq!(request.header("accept"), Some("application/json"));
            assert!(request.header("host").is_some(), "{which}: {request:?}");
        }
        assert_eq!(
            server.connections(),
            1,
            "{which}: one kept-alive connection"
        );
    }
}

#[tokio::test]
async fn the_own_client_sends_its_user_agent_and_default_headers() {
    let mut server = conversation_server().await;
    let client = server.client();
    client.conversations().get("c-1").await.unwrap();
    let request = server.request().await;
    let agent = format!("maiagent-rust/{}", env!("CARGO_PKG_VERSION"));
    assert_eq!(request.header("user-agent"), Some(agent.as_str()));

    let client = server.client_with(|b| {
        b.user_agent("my-app/2.0").default_header(
            HeaderName::from_static("x-tenant"),
            HeaderValue::from_static("t-1"),
        )
    });
    client.conversations().create("web-chat-1").await.unwrap();
    let request = server.request().await;
    assert_eq!(request.header("user-agent"), Some("my-app/2.0"));
    assert_eq!(request.header("x-tenant"), Some("t-1"));
    assert_eq!(request.header("content-type"), Some("application/json"));
    assert_eq!(
        request.header("content-length"),
        Some(request.body.len().to_string().as_str())
    );
    assert_eq!(request.json()["webChat"], "web-chat-1", "{request:?}");
}

#[tokio::test]
async fn a_refused_connection_was_never_sent_through_either_client() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    for which in CLIENTS {
        let client = client(&format!("http://127.0.0.1:{port}/api/v1/"), which);
        let error = client.conversations().get("c-1").await.unwrap_err();
        let Error::Connection { never_sent, .. } = &error else {
            panic!("{which}: {error:?}");
        };
        assert!(never_sent, "{which}: {error:?}");
        assert!(error.is_retryable(), "{which}");
        let mut chain = error.to_string();
        let mut source = std::error::Error::source(&error);
        while let Some(cause) = source {
            chain.push_str(&format!(": {cause}"));
            source = cause.source();
        }
        assert!(chain.to_lowercase().contains("connect"), "{which}: {chain}");
        assert!(!chain.contains("test-key"), "{which}: {chain}");
    }
}

#[tokio::test]
async fn a_redirect_loop_stops_after_ten_redirects_on_either_client() {
    for which in CLIENTS {
        let mut server = serve(
            |request: Request, mut conn: common::http_server::Conn| async move {
                let to = format!("{}?again=1", request.path);
                conn.respond_with(302, &[("location", &to)], b"").await;
                Some(conn)
            },
        )
        .await;
        let client = client(&server.base_url(), which);
        let error = client.conversations().get("c-1").await.unwrap_err();
        assert!(
            matches!(error, Error::Connection { .. }),
            "{which}: {error:?}"
        );
        let requests = server.take_requests();
        assert_eq!(requests.len(), 11, "{which}: the request and 10 redirects");
        assert!(
            requests[1..].iter().all(|r| r.q("again") == Some("1")),
            "{which}: {requests:?}"
        );
        assert!(
            requests.iter().all(|r| r.header("authorization").is_some()),
            "{which}: the same origin keeps the key"
        );
    }
}

#[tokio::test]
async fn a_raw_path_stays_below_the_base_url_on_either_client() {
    for which in CLIENTS {
        let mut server = conversation_server().await;
        let client = client(&server.base_url(), which);
        for path in [
            "http:evil.invalid/x/",
            "https:/evil.invalid/x/",
            "\\\\evil.invalid/x/",
        ] {
            let answer = client.api(reqwest::Method::GET, path).send().await;
            assert!(answer.is_ok(), "{which} {path}: {answer:?}");
            let request = server.request().await;
            assert!(
                request.path.starts_with("/api/v1/"),
                "{which} {path}: {}",
                request.path
            );
            assert_eq!(
                request.header("host"),
                Some(server.addr.to_string().as_str())
            );
        }
    }
}
