//! A proxy from the environment: an SDK client to whose base URL `HTTP_PROXY` applies sends
//! through it (by reqwest, which speaks to proxies), and one that `NO_PROXY` exempts does not.
//! The variables are the process's: this binary has this one test.

mod common;

use common::http_server::serve_json;
use maiagent::{Client, RetryPolicy};

#[tokio::test]
async fn http_proxy_applies_unless_no_proxy_exempts_the_host() {
    let mut proxy = serve_json(r#"{"id":"c-1"}"#).await;
    std::env::set_var("HTTP_PROXY", format!("http://{}", proxy.addr));
    std::env::remove_var("NO_PROXY");
    std::env::remove_var("no_proxy");
    let through_proxy = Client::builder()
        .api_key("test-key")
        .base_url("http://api.maiagent.invalid/api/v1/")
        .allow_insecure_http(true)
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let conversation = through_proxy.conversations().get("c-1").await.unwrap();
    assert_eq!(conversation.id.to_string(), "c-1");
    let request = proxy.request().await;
    assert_eq!(
        request.target, "http://api.maiagent.invalid/api/v1/conversations/c-1/",
        "the absolute form a proxy is sent"
    );
    assert_eq!(request.header("authorization"), Some("Api-Key test-key"));

    // The same proxy, but the host is exempt: the request goes straight to the server.
    let mut server = serve_json(r#"{"id":"c-2"}"#).await;
    std::env::set_var("NO_PROXY", "127.0.0.1");
    let direct = Client::builder()
        .api_key("test-key")
        .base_url(format!("http://127.0.0.1:{}/api/v1/", server.addr.port()))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let conversation = direct.conversations().get("c-2").await.unwrap();
    assert_eq!(conversation.id.to_string(), "c-2");
    assert_eq!(server.request().await.target, "/api/v1/conversations/c-2/");
    assert!(
        proxy.take_requests().is_empty(),
        "nothing more reached the proxy"
    );
}
