//! The mock speaks the spec: every JSON body it answers during a run of every operation of the table is
//! validated against the schema `openapi/maiagent.yaml` declares for that operation and status
//! (error statuses against `ApiErrorBody`), every media type it answers is one the spec
//! declares, and stream events and webhook bodies match `Completion` and `WebhookMessage`.
#![cfg(feature = "mock")]

mod common;
mod mock_support;

use common::openapi_schema::{component_validator, errors, load_spec, validator};
use common::spec_walk;
use maiagent::mock::{MockConfig, RecordedRequest};
use mock_support::{sse_data, Api};
use serde_json::{json, Value};
use std::collections::{BTreeSet, HashMap};

/// The spec path template and operation a request names, matched segment by segment (a
/// `{param}` matches any segment; fewer parameters win, so `messages/outgoing/` beats
/// `messages/{id}/`).
fn operation<'a>(spec: &'a Value, method: &str, path: &str) -> Option<(String, &'a Value)> {
    let rest = path
        .strip_prefix("/api/v1")
        .or_else(|| path.strip_prefix("/api"))?;
    spec_walk::matching(spec, method, rest)
        .into_iter()
        .min_by_key(|op| op.path_params())
        .map(|op| (op.template.to_string(), op.op))
}

/// Checks one recorded exchange; returns what breaks the spec.
fn check(
    spec: &Value,
    cache: &mut HashMap<String, jsonschema::Validator>,
    r: &RecordedRequest,
) -> Vec<String> {
    let status = r.status.expect("answered");
    let who = format!("{} {} -> {status}", r.method, r.path);
    // The mock also takes `PUT` where the API documents `PATCH` (the vendor's helper sends it):
    // its answer is the `PATCH` answer.
    let found = operation(spec, r.method.as_str(), &r.path).or_else(|| {
        (r.method == http::Method::PUT)
            .then(|| operation(spec, "PATCH", &r.path))
            .flatten()
    });
    let Some((template, op)) = found else {
        return if status == 404 || status == 405 {
            Vec::new()
        } else {
            vec![format!("{who}: no such operation")]
        };
    };
    let media = r
        .response_content_type()
        .unwrap_or_default()
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_string();
    let declared = &op["responses"][status.to_string()];
    let schema = if status >= 400 {
        // Errors are deliberately undeclared: they are DRF bodies, `ApiErrorBody`.
        json!({"$ref": "#/components/schemas/ApiErrorBody"})
    } else if declared.is_null() {
        return vec![format!(
            "{who}: status {status} is not declared for {template}"
        )];
    } else if declared.get("content").is_none()
        && r.response_body.as_deref().is_none_or(<[u8]>::is_empty)
    {
        return Vec::new(); // A declared empty answer (204).
    } else if declared["content"].get(&media).is_none() {
        return vec![format!("{who}: media type {media:?} is not declared")];
    } else if media != "application/json" {
        return Vec::new(); // An event stream or a file: checked elsewhere.
    } else {
        declared["content"][&media]["schema"].clone()
    };
    let Some(body) = r.response_json() else {
        return vec![format!("{who}: the body is not JSON")];
    };
    let key = schema.to_string();
    let v = cache.entry(key).or_insert_with(|| validator(spec, &schema));
    errors(v, &body)
        .into_iter()
        .map(|e| format!("{who}: {e}\n  body: {body}"))
        .collect()
}

#[tokio::test]
async fn every_response_of_a_full_run_matches_the_spec() {
    let spec = load_spec();
    let (hook_url, mut hooks) = common::hook_sink::sink(Vec::new()).await;
    let mut api = Api::start_with(
        MockConfig::for_tests()
            .with_webhook_url(hook_url)
            .with_page_size(4),
    )
    .await;
    let demo = api.server.demo();
    let conv = demo.conversations[0].to_string();
    let bot = demo.chatbot.to_string();

    // Successes, under both prefixes, with every page of every list.
    for prefix in ["/api/v1/", "/api/"] {
        api.prefix = prefix.into();
        let api_p = &api;
        let (_, created) = api_p
            .send(api_p.post("conversations/", &json!({"webChat": demo.web_chat})))
            .await;
        let new_conv = created["id"].as_str().expect("id").to_string();
        walk(api_p, &format!("conversations/?inbox={}", demo.inbox)).await;
        walk(api_p, "conversations/?keyword=order").await;
        api_p
            .send(api_p.get(&format!("conversations/{new_conv}/")))
            .await;
        let (_, msg) = api_p
            .send(api_p.post(
                "messages/",
                &json!({"conversation": new_conv, "content": "你好"}),
            ))
            .await;
        api_p.send(api_p.post("messages/outgoing/", &json!({"conversation": conv, "content": "agent", "attachments": [{"filename": "a.png", "file": "https://example.com/a.png"}], "canvas": {"name": "n", "canvasType": "markdown", "title": "t", "content": "# c"}}))).await;
        walk(api_p, &format!("messages/?conversation={conv}")).await;
        walk(api_p, "messages/").await;
        api_p
            .send(api_p.get(&format!(
                "messages/{}/?conversation={new_conv}",
                msg["id"].as_str().unwrap_or_default()
            )))
            .await;
        api_p
            .send(api_p.post(
                &format!("chatbots/{bot}/completions/"),
                &json!({"message": {"content": "whole"}}),
            ))
            .await;
        api_p.send(api_p.post(&format!("chatbots/{bot}/completions/"), &json!({"conversation": conv, "message": {"content": "again"}, "isStreaming": false}))).await;
        walk(api_p, &format!("chatbots/{bot}/records/")).await;
        walk(api_p, "inboxes/?channelType=web").await;
        api_p
            .get(&format!("chatbots/{bot}/records/export-excel/"))
            .send()
            .await
            .expect("export")
            .bytes()
            .await
            .expect("xlsx");
    }
    api.prefix = "/api/v1/".into();
    // Attachments, inboxes, chatbots, knowledge bases and their files, models, contacts,
    // through the SDK.
    let client = maiagent::Client::builder()
        .api_key(api.server.api_key())
        .base_url(api.server.base_url())
        .build()
        .expect("a client");
    let dir = tempfile::tempdir().expect("a temporary directory");
    mock_support::account::drive_account(&client, &api.server, dir.path()).await;
    // The vendor's helper sends snake_case bodies and `PUT` for updates.
    let (status, kb) = api
        .send(api.post(
            "knowledge-bases/",
            &json!({"name": "helper", "embedding_model": null, "number_of_retrieved_chunks": 12, "enable_rerank": true}),
        ))
        .await;
    assert_eq!(status, 201, "{kb}");
    let kb_id = kb["id"].as_str().expect("id").to_string();
    let (status, kb) = api
        .send(
            api.auth(api.http.put(api.url(&format!("knowledge-bases/{kb_id}/"))))
                .json(&json!({"sentence_window_size": 3})),
        )
        .await;
    assert_eq!((status, kb["sentenceWindowSize"].as_i64()), (200, Some(3)));
    let (status, contact) = api
        .send(api.post(
            "contacts/",
            &json!({"name": "helper", "phone_number": "+886", "inboxes": [{"id": demo.inbox}]}),
        ))
        .await;
    assert_eq!(
        (status, contact["phoneNumber"].as_str()),
        (201, Some("+886"))
    );
    let contact_id = contact["id"].as_str().expect("id").to_string();
    let (status, _) = api
        .send(
            api.auth(api.http.put(api.url(&format!("contacts/{contact_id}/"))))
                .json(&json!({"name": "put"})),
        )
        .await;
    assert_eq!(status, 200);
    // Stream events are `Completion`s.
    let completion = component_validator(&spec, "Completion");
    let mut problems = Vec::new();
    let body = api
        .post(
            &format!("chatbots/{bot}/completions/"),
            &json!({"message": {"content": "stream"}, "isStreaming": true}),
        )
        .send()
        .await
        .expect("stream")
        .text()
        .await
        .expect("events");
    for data in sse_data(&body).iter().filter(|d| *d != "[DONE]") {
        let event: Value = serde_json::from_str(data).expect("JSON event");
        problems.extend(
            errors(&completion, &event)
                .into_iter()
                .map(|e| format!("stream event {data}: {e}")),
        );
    }
    // Errors: 400, 401, 404, 405.
    api.send(api.post("conversations/", &json!({}))).await;
    api.send(api.post("messages/", &json!({"conversation": "x"})))
        .await;
    api.send(api.http.get(api.url("conversations/"))).await;
    api.send(api.get("conversations/00000000-0000-4000-8000-00000000dead/"))
        .await;
    api.send(api.get(&format!("chatbots/{bot}/records/?page=99")))
        .await;
    api.send(api.get("conversations/?cursor=junk")).await;
    api.send(api.auth(api.http.put(api.url("messages/")))).await;

    // Webhook bodies are `WebhookMessage`s.
    let webhook = component_validator(&spec, "WebhookMessage");
    for _ in 0..2 {
        let body = tokio::time::timeout(std::time::Duration::from_secs(5), hooks.recv())
            .await
            .expect("webhook")
            .expect("body");
        problems.extend(
            errors(&webhook, &body)
                .into_iter()
                .map(|e| format!("webhook {body}: {e}")),
        );
    }

    let mut cache = HashMap::new();
    let requests = api.server.requests();
    let mut covered = BTreeSet::new();
    for r in &requests {
        problems.extend(check(&spec, &mut cache, r));
        if let (Some(route), Some(200..=299)) = (r.operation, r.status) {
            covered.insert(route.id());
        }
    }
    assert!(
        problems.is_empty(),
        "the mock broke the spec:\n{}",
        problems.join("\n")
    );
    let declared: BTreeSet<&str> = maiagent::Operation::ALL
        .iter()
        .map(|op| op.spec().id)
        .collect();
    assert_eq!(covered, declared, "every operation answered with success");
    let json_bodies = requests
        .iter()
        .filter(|r| r.response_body.is_some())
        .count();
    assert!(
        json_bodies >= 40,
        "only {json_bodies} JSON bodies were checked"
    );
}

#[test]
fn the_validator_rejects_bodies_that_break_the_spec() {
    let spec = load_spec();
    let mut cache = HashMap::new();
    let mut recorded = |status: u16, path: &str, body: Value| {
        let mut headers = http::HeaderMap::new();
        headers.insert(
            "content-type",
            http::HeaderValue::from_static("application/json"),
        );
        let r = RecordedRequest {
            seq: 0,
            method: http::Method::GET,
            path: path.to_string(),
            query: None,
            headers: http::HeaderMap::new(),
            body: Default::default(),
            operation: None,
            fault: None,
            status: Some(status),
            response_headers: headers,
            response_body: Some(body.to_string().into()),
        };
        check(&spec, &mut cache, &r)
    };
    let good =
        json!({"id": "c", "title": null, "createdAt": "1732495353000", "autoReplyEnabled": "true"});
    assert_eq!(
        recorded(200, "/api/v1/conversations/c/", good),
        Vec::<String>::new()
    );
    assert!(!recorded(200, "/api/v1/conversations/c/", json!({"title": "no id"})).is_empty());
    assert!(!recorded(
        200,
        "/api/v1/conversations/c/",
        json!({"id": "c", "title": 5})
    )
    .is_empty());
    assert!(!recorded(200, "/api/v1/conversations/", json!({"results": "nope"})).is_empty());
    let bad_message = json!({"results": [{"id": "m", "createdAt": true, "sender": {"id": false}}]});
    assert_eq!(recorded(200, "/api/messages/", bad_message).len(), 2);
    assert!(
        !recorded(201, "/api/v1/conversations/c/", json!({"id": "c"})).is_empty(),
        "undeclared status"
    );
    assert!(!recorded(400, "/api/v1/conversations/", json!(["not a DRF body"])).is_empty());
}

/// Reads every page of a list, following `next`.
async fn walk(api: &Api, first: &str) {
    let mut url = api.url(first);
    for _ in 0..50 {
        let (status, page) = api.send(api.auth(api.http.get(&url))).await;
        assert_eq!(status, 200, "{url}");
        match page["next"].as_str() {
            Some(next) => url = next.to_string(),
            None => return,
        }
    }
    panic!("{first}: more than 50 pages");
}
