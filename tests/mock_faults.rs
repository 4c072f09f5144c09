//! The mock server's fault injection, per route and per request, and its stream counters.
#![cfg(feature = "mock")]

mod mock_support;

use maiagent::mock::{Fault, FaultRule, Matcher, MockConfig};
use maiagent::Operation;
use mock_support::{sse_data, Api};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

fn stream_request(api: &Api, fault: Option<&str>) -> reqwest::RequestBuilder {
    let path = format!("chatbots/{}/completions/", api.server.demo().chatbot);
    let rb = api.post(
        &path,
        &json!({"message": {"content": "stream please"}, "isStreaming": true}),
    );
    match fault {
        Some(name) => rb.header("x-mock-fault", name),
        None => rb,
    }
}

#[test]
fn fault_names_parse_and_print() {
    let cases = [
        (
            "429",
            Fault::RateLimited {
                retry_after: Some("1".into()),
            },
        ),
        ("429:7", Fault::rate_limited(7)),
        (
            "429-no-retry-after",
            Fault::RateLimited { retry_after: None },
        ),
        ("500", Fault::server_error(500)),
        (
            "500-html",
            Fault::ServerError {
                status: 500,
                html: true,
            },
        ),
        ("503", Fault::server_error(503)),
        ("drop-mid-stream", Fault::DropMidStream { after_events: 2 }),
        (
            "drop-mid-stream:5",
            Fault::DropMidStream { after_events: 5 },
        ),
        ("no-done", Fault::NoDone),
        (
            "stall:250",
            Fault::Stall {
                after_events: 1,
                duration: Duration::from_millis(250),
            },
        ),
        ("malformed-json", Fault::MalformedJson),
        (
            "oversized-event:4096",
            Fault::OversizedEvent { bytes: 4096 },
        ),
        (
            "slow-first-byte:100",
            Fault::SlowFirstByte(Duration::from_millis(100)),
        ),
    ];
    for (name, fault) in cases {
        assert_eq!(name.parse::<Fault>(), Ok(fault.clone()), "{name}");
        assert_eq!(
            fault.to_string().parse::<Fault>(),
            Ok(fault),
            "{name} round trip"
        );
    }
    for bad in [
        "",
        "teapot",
        "stall",
        "stall:x",
        "200",
        "600",
        "500:1",
        "slow-first-byte",
    ] {
        assert!(bad.parse::<Fault>().is_err(), "{bad:?}");
    }
}

#[tokio::test]
async fn rate_limits_per_route_then_recover() {
    let api = Api::start().await;
    api.server
        .inject(FaultRule::new(Operation::ConversationsList, Fault::rate_limited(3)).times(2));
    for _ in 0..2 {
        let response = api.get("conversations/").send().await.expect("send");
        assert_eq!(response.status(), 429);
        assert_eq!(response.headers()["retry-after"], "3");
        let body: Value = response.json().await.expect("json");
        assert_eq!(
            body,
            json!({"detail": "Request was throttled. Expected available in 3 seconds."})
        );
    }
    // Other routes are untouched; the third listing works.
    let (s, _) = api
        .send(api.get(&format!(
            "conversations/{}/",
            api.server.demo().conversations[0]
        )))
        .await;
    assert_eq!(s, 200);
    let (s, _) = api.send(api.get("conversations/")).await;
    assert_eq!(s, 200);
    let faults: Vec<_> = api
        .server
        .requests()
        .into_iter()
        .map(|r| (r.status, r.fault.is_some()))
        .collect();
    assert_eq!(
        faults,
        vec![
            (Some(429), true),
            (Some(429), true),
            (Some(200), false),
            (Some(200), false)
        ]
    );
}

#[tokio::test]
async fn rules_match_prefixes_skip_and_always() {
    let api = Api::start().await;
    api.server.inject(
        FaultRule::new(
            Matcher::prefix(Some(http::Method::GET), "messages/"),
            Fault::server_error(503),
        )
        .skip(1)
        .always(),
    );
    let (s, _) = api.send(api.get("messages/")).await;
    assert_eq!(s, 200, "skipped");
    for _ in 0..3 {
        let (s, body) = api.send(api.get("messages/")).await;
        assert_eq!(
            (s, body["detail"].as_str()),
            (
                503,
                Some("Service temporarily unavailable, try again later.")
            )
        );
    }
    let (s, _) = api.send(api.get("conversations/")).await;
    assert_eq!(s, 200);
    api.server.clear_faults();
    let (s, _) = api.send(api.get("messages/")).await;
    assert_eq!(s, 200);
    api.server
        .inject(FaultRule::new(Matcher::Any, Fault::server_error(500)));
    let (s, body) = api.send(api.get("conversations/")).await;
    assert_eq!(
        (s, body["detail"].as_str()),
        (500, Some("A server error occurred."))
    );
}

#[tokio::test]
async fn server_errors_as_json_or_html_per_request() {
    let api = Api::start().await;
    let response = api
        .get("conversations/")
        .header("x-mock-fault", "500-html")
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), 500);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap_or_default()
        .starts_with("text/html"));
    assert!(response
        .text()
        .await
        .expect("text")
        .contains("<h1>500 Internal Server Error</h1>"));
    let (s, body) = api
        .send(api.get("conversations/").header("x-mock-fault", "502"))
        .await;
    assert_eq!((s, body["detail"].is_string()), (502, true));
    let (s, body) = api
        .send(api.get("conversations/").header("x-mock-fault", "bogus"))
        .await;
    assert_eq!(s, 400);
    assert!(body["detail"]
        .as_str()
        .is_some_and(|d| d.contains("x-mock-fault")));
    // A fault comes before authentication, like a proxy's.
    let (s, _) = api
        .send(
            api.http
                .get(api.url("conversations/"))
                .header("x-mock-fault", "503"),
        )
        .await;
    assert_eq!(s, 503);
}

#[tokio::test]
async fn malformed_json_on_json_endpoints_and_streams() {
    let api = Api::start().await;
    let response = api
        .get("conversations/")
        .header("x-mock-fault", "malformed-json")
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/json");
    let text = response.text().await.expect("text");
    assert!(serde_json::from_str::<Value>(&text).is_err(), "{text}");
    let body = stream_request(&api, Some("malformed-json"))
        .send()
        .await
        .expect("send")
        .text()
        .await
        .expect("text");
    let data = sse_data(&body);
    assert_eq!(data[1], "{not json");
    assert!(serde_json::from_str::<Value>(&data[0]).is_ok());
    assert!(data.last().is_some_and(|d| d.contains("\"done\":true")));
}

#[tokio::test]
async fn drop_mid_stream_aborts_the_body() {
    let api = Api::start().await;
    let mut response = stream_request(&api, Some("drop-mid-stream:3"))
        .send()
        .await
        .expect("headers arrive");
    assert_eq!(response.status(), 200);
    let mut received = Vec::new();
    let error = loop {
        match response.chunk().await {
            Ok(Some(chunk)) => received.extend_from_slice(&chunk),
            Ok(None) => panic!("the body ended cleanly"),
            Err(e) => break e,
        }
    };
    assert!(
        error.is_body() || error.is_decode() || error.is_request(),
        "{error:?}"
    );
    let data = sse_data(&String::from_utf8_lossy(&received));
    assert_eq!(data.len(), 3, "three events before the cut");
    // On a JSON answer, half the body then the cut.
    let cut = api
        .get("conversations/")
        .header("x-mock-fault", "drop-mid-stream")
        .send()
        .await
        .expect("headers");
    assert!(cut.bytes().await.is_err());
}

#[tokio::test]
async fn no_done_ends_without_done() {
    let api = Api::start().await;
    let body = stream_request(&api, Some("no-done"))
        .send()
        .await
        .expect("send")
        .text()
        .await
        .expect("clean end");
    let data = sse_data(&body);
    assert!(data.len() > 3);
    assert!(!data
        .iter()
        .any(|d| d == "[DONE]" || d.contains("\"done\":true")));
}

#[tokio::test]
async fn stall_pauses_then_continues() {
    let api = Api::start().await;
    api.server.inject(FaultRule::new(
        Operation::ChatbotCompletionsCreate,
        Fault::Stall {
            after_events: 2,
            duration: Duration::from_millis(400),
        },
    ));
    let mut response = stream_request(&api, None).send().await.expect("send");
    let mut text = String::new();
    let mut times = Vec::new();
    while let Some(chunk) = response.chunk().await.expect("chunk") {
        text.push_str(&String::from_utf8_lossy(&chunk));
        times.push((Instant::now(), sse_data(&text).len()));
    }
    let gap = times
        .windows(2)
        .map(|w| w[1].0 - w[0].0)
        .max()
        .expect("chunks");
    assert!(gap >= Duration::from_millis(350), "{gap:?}");
    assert!(sse_data(&text)
        .last()
        .is_some_and(|d| d.contains("\"done\":true")));
}

#[tokio::test]
async fn oversized_event_and_slow_first_byte() {
    let api = Api::start().await;
    let body = stream_request(&api, Some("oversized-event:200000"))
        .send()
        .await
        .expect("send")
        .text()
        .await
        .expect("text");
    let data = sse_data(&body);
    let big = data
        .iter()
        .find(|d| d.len() >= 200_000)
        .expect("one big event");
    assert_eq!(big.len(), 200_000);
    let event: Value = serde_json::from_str(big).expect("a valid completion");
    assert_eq!(event["done"], json!(false));

    let started = Instant::now();
    let (s, _) = api
        .send(
            api.get("conversations/")
                .header("x-mock-fault", "slow-first-byte:300"),
        )
        .await;
    assert_eq!(s, 200);
    assert!(started.elapsed() >= Duration::from_millis(300));
}

#[tokio::test]
async fn a_dropped_stream_is_counted() {
    let api =
        Api::start_with(MockConfig::for_tests().with_stream_delay(Duration::from_millis(20))).await;
    let mut response = stream_request(&api, None).send().await.expect("send");
    let first = response.chunk().await.expect("chunk").expect("an event");
    assert!(first.starts_with(b"data: "));
    drop(response);
    let deadline = Instant::now() + Duration::from_secs(5);
    while api.server.streams_cancelled() == 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(api.server.streams_cancelled(), 1);
    assert_eq!(api.server.streams_started(), 1);
    // A stream read to its end is completed, not cancelled.
    let done = stream_request(&api, None)
        .send()
        .await
        .expect("send")
        .text()
        .await
        .expect("text");
    assert!(sse_data(&done)
        .last()
        .is_some_and(|d| d.contains("\"done\":true")));
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(
        (
            api.server.streams_completed(),
            api.server.streams_cancelled()
        ),
        (1, 1)
    );
}

#[tokio::test]
async fn shutdown_ends_a_stalled_stream() {
    let api = Api::start().await;
    let mut response = stream_request(&api, Some("stall:60000"))
        .send()
        .await
        .expect("send");
    let _ = response.chunk().await.expect("first event");
    let started = Instant::now();
    api.server.shutdown().await;
    assert!(started.elapsed() < Duration::from_secs(3));
    let rest = tokio::time::timeout(Duration::from_secs(3), response.text())
        .await
        .expect("the stream ends");
    assert!(!rest.unwrap_or_default().contains("[DONE]"));
}
