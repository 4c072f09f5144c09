//! Helpers shared by the mock server's tests: a raw `reqwest` client aimed at a `MockServer`.
#![allow(dead_code)]

pub mod account;

use maiagent::mock::{MockConfig, MockServer};
use serde_json::Value;

/// A started mock and a plain HTTP client that sends its API key.
pub struct Api {
    pub server: MockServer,
    pub http: reqwest::Client,
    /// `/api/v1/` or `/api/`.
    pub prefix: String,
}

impl Api {
    pub async fn start() -> Self {
        Self::start_with(MockConfig::for_tests()).await
    }

    pub async fn start_with(config: MockConfig) -> Self {
        let server = MockServer::start_with(config).await.expect("mock starts");
        let http = reqwest::Client::builder()
            .no_proxy()
            .build()
            .expect("client");
        Self {
            server,
            http,
            prefix: "/api/v1/".to_string(),
        }
    }

    /// An absolute URL for `path` (relative to the API prefix, or absolute if it has a scheme).
    pub fn url(&self, path: &str) -> String {
        if path.starts_with("http") {
            return path.to_string();
        }
        format!("http://{}{}{}", self.server.addr(), self.prefix, path)
    }

    pub fn auth(&self, rb: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        rb.header(
            "Authorization",
            format!("Api-Key {}", self.server.api_key()),
        )
    }

    pub fn get(&self, path: &str) -> reqwest::RequestBuilder {
        self.auth(self.http.get(self.url(path)))
    }

    pub fn post(&self, path: &str, body: &Value) -> reqwest::RequestBuilder {
        self.auth(self.http.post(self.url(path))).json(body)
    }

    /// Sends and returns the status and the JSON body (`Value::Null` if it is not JSON).
    pub async fn send(&self, rb: reqwest::RequestBuilder) -> (u16, Value) {
        let response = rb.send().await.expect("request is answered");
        let status = response.status().as_u16();
        let text = response.text().await.expect("body");
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }
}

/// The `data:` payloads of an event-stream body.
pub fn sse_data(body: &str) -> Vec<String> {
    body.split("\n\n")
        .filter_map(|event| {
            let lines: Vec<&str> = event
                .lines()
                .filter_map(|l| {
                    l.strip_prefix("data:")
                        .map(|d| d.strip_prefix(' ').unwrap_or(d))
                })
                .collect();
            (!lines.is_empty()).then(|| lines.join("\n"))
        })
        .collect()
}
