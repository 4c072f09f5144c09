//! The mock server's operations, spoken to with raw `reqwest`.
#![cfg(feature = "mock")]

mod mock_support;

use maiagent::mock::{MockConfig, MockServer};
use maiagent::Operation;
use mock_support::{sse_data, Api};
use serde_json::{json, Value};
use std::collections::HashSet;

fn ids(page: &Value) -> Vec<String> {
    page["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| r["id"].as_str().expect("id").to_string())
        .collect()
}

#[tokio::test]
async fn every_operation_answers_under_both_prefixes() {
    for prefix in ["/api/v1/", "/api/"] {
        let mut api = Api::start().await;
        api.prefix = prefix.to_string();
        let demo = api.server.demo();
        let conv = demo.conversations[0].to_string();
        let bot = demo.chatbot.to_string();

        let (s, created) = api
            .send(api.post("conversations/", &json!({"webChat": demo.web_chat})))
            .await;
        assert_eq!(s, 201, "{prefix}: {created}");
        let (s, _) = api.send(api.get("conversations/")).await;
        assert_eq!(s, 200);
        let (s, one) = api.send(api.get(&format!("conversations/{conv}/"))).await;
        assert_eq!((s, one["id"].as_str()), (200, Some(conv.as_str())));
        let (s, page) = api
            .send(api.get(&format!("messages/?conversation={conv}")))
            .await;
        assert_eq!(s, 200);
        let first = ids(&page)[0].clone();
        let (s, _) = api
            .send(api.get(&format!("messages/{first}/?conversation={conv}")))
            .await;
        assert_eq!(s, 200);
        let (s, _) = api
            .send(api.post("messages/", &json!({"conversation": conv, "content": "hi"})))
            .await;
        assert_eq!(s, 201);
        let (s, _) = api
            .send(api.post(
                "messages/outgoing/",
                &json!({"conversation": conv, "content": "agent"}),
            ))
            .await;
        assert_eq!(s, 201);
        let (s, done) = api
            .send(api.post(
                &format!("chatbots/{bot}/completions/"),
                &json!({"message": {"content": "hi"}}),
            ))
            .await;
        assert_eq!((s, done["done"].as_bool()), (200, Some(true)));
        let (s, _) = api.send(api.get(&format!("chatbots/{bot}/records/"))).await;
        assert_eq!(s, 200);
        let xlsx = api
            .get(&format!("chatbots/{bot}/records/export-excel/"))
            .send()
            .await
            .expect("export");
        assert_eq!(xlsx.status(), 200);
        let (s, inboxes) = api.send(api.get("inboxes/?channelType=web")).await;
        assert_eq!((s, ids(&inboxes).len()), (200, 1));
        // Attachments, inboxes, chatbots, knowledge bases and files, models, contacts.
        let client = maiagent::Client::builder()
            .api_key(api.server.api_key())
            .base_url(format!("http://{}{prefix}", api.server.addr()))
            .build()
            .expect("a client");
        let dir = tempfile::tempdir().expect("a temporary directory");
        mock_support::account::drive_account(&client, &api.server, dir.path()).await;

        let seen: HashSet<Operation> = api
            .server
            .requests()
            .iter()
            .filter_map(|r| r.operation)
            .collect();
        assert_eq!(seen.len(), Operation::ALL.len(), "{prefix}: {seen:?}");
        assert!(api
            .server
            .requests()
            .iter()
            .all(|r| r.path.starts_with(prefix)));
    }
}

#[tokio::test]
async fn authentication_is_checked() {
    let api = Api::start().await;
    let url = api.url("conversations/");
    let (s, body) = api.send(api.http.get(&url)).await;
    assert_eq!(s, 401);
    assert_eq!(
        body,
        json!({"detail": "Authentication credentials were not provided."})
    );
    let (s, body) = api
        .send(api.http.get(&url).header("Authorization", "Api-Key wrong"))
        .await;
    assert_eq!(s, 401);
    assert_eq!(body, json!({"detail": "Invalid API key."}));
    let (s, _) = api
        .send(
            api.http
                .get(&url)
                .header("Authorization", "Bearer mock-api-key"),
        )
        .await;
    assert_eq!(s, 401);
    let custom = Api::start_with(MockConfig::for_tests().with_api_key("s3cret")).await;
    assert_eq!(custom.server.api_key(), "s3cret");
    let (s, _) = custom.send(custom.get("conversations/")).await;
    assert_eq!(s, 200);
}

#[tokio::test]
async fn paths_need_their_trailing_slash_and_unknown_ids_are_404() {
    let api = Api::start().await;
    let demo = api.server.demo();
    for path in [
        "conversations".to_string(),
        format!("conversations/{}", demo.conversations[0]),
        format!("chatbots/{}/records", demo.chatbot),
        "nothing/here/".to_string(),
    ] {
        let (s, body) = api.send(api.get(&path)).await;
        assert_eq!(
            (s, &body),
            (404, &json!({"detail": "Not found."})),
            "{path}"
        );
    }
    let unknown = "00000000-0000-4000-8000-00000000dead";
    for path in [
        format!("conversations/{unknown}/"),
        format!("messages/{unknown}/"),
        format!("chatbots/{unknown}/records/"),
        format!("chatbots/{unknown}/records/export-excel/"),
    ] {
        let (s, body) = api.send(api.get(&path)).await;
        assert_eq!(
            (s, body["detail"].as_str()),
            (404, Some("Not found.")),
            "{path}"
        );
    }
    let (s, _) = api
        .send(api.post(
            &format!("chatbots/{unknown}/completions/"),
            &json!({"message": {"content": "x"}}),
        ))
        .await;
    assert_eq!(s, 404);
    let (s, body) = api
        .send(api.auth(api.http.delete(api.url("conversations/"))))
        .await;
    assert_eq!(
        (s, body["detail"].as_str()),
        (405, Some("Method \"DELETE\" not allowed."))
    );
}

#[tokio::test]
async fn bad_bodies_get_drf_errors() {
    let api = Api::start().await;
    let (s, body) = api.send(api.post("conversations/", &json!({}))).await;
    assert_eq!(
        (s, body),
        (400, json!({"webChat": ["This field is required."]}))
    );
    let (s, body) = api
        .send(api.post("conversations/", &json!({"webChat": "nope"})))
        .await;
    assert_eq!(s, 400);
    assert!(body["webChat"][0]
        .as_str()
        .is_some_and(|t| t.contains("does not exist")));
    let raw = api
        .auth(api.http.post(api.url("conversations/")))
        .header("content-type", "application/json");
    let (s, body) = api.send(raw.body("{\"webChat\": ")).await;
    assert_eq!(s, 400);
    assert!(
        body["detail"]
            .as_str()
            .is_some_and(|d| d.starts_with("JSON parse error - ")),
        "{body}"
    );
    let (s, body) = api.send(api.post("messages/", &json!([1]))).await;
    assert_eq!(s, 400);
    assert!(body["nonFieldErrors"].is_array());

    let (s, body) = api.send(api.post("messages/", &json!({}))).await;
    assert_eq!(s, 400);
    assert_eq!(body["conversation"], json!(["This field is required."]));
    assert_eq!(body["content"], json!(["This field is required."]));
    let (s, body) = api
        .send(api.post("messages/", &json!({"conversation": "x", "content": ""})))
        .await;
    assert_eq!(s, 400);
    assert_eq!(body["conversation"], json!(["Must be a valid UUID."]));
    assert_eq!(body["content"], json!(["This field may not be blank."]));
    let unknown = "00000000-0000-4000-8000-00000000dead";
    let (s, _) = api
        .send(api.post(
            "messages/",
            &json!({"conversation": unknown, "content": "x"}),
        ))
        .await;
    assert_eq!(s, 404);
    let bot = api.server.demo().chatbot;
    let (s, body) = api
        .send(api.post(
            &format!("chatbots/{bot}/completions/"),
            &json!({"message": {}}),
        ))
        .await;
    assert_eq!(
        (s, body),
        (
            400,
            json!({"message": {"content": ["This field is required."]}})
        )
    );
    let (s, body) = api
        .send(api.post(&format!("chatbots/{bot}/completions/"), &json!({})))
        .await;
    assert_eq!(
        (s, body),
        (400, json!({"message": ["This field is required."]}))
    );
}

#[tokio::test]
async fn a_created_conversation_is_listed_and_filters_work() {
    let api = Api::start().await;
    let demo = api.server.demo();
    let (_, created) = api
        .send(api.post("conversations/", &json!({"web_chat": demo.web_chat})))
        .await;
    let id = created["id"].as_str().expect("id").to_string();
    assert_eq!(created["inbox"]["id"].as_str(), Some(demo.inbox.as_str()));
    assert!(created["createdAt"].as_str().is_some_and(|t| t.len() == 13));
    let (_, page) = api.send(api.get("conversations/")).await;
    assert_eq!(ids(&page)[0], id, "newest first");
    assert_eq!(page["count"], json!(demo.conversations.len() + 1));
    let (_, fetched) = api.send(api.get(&format!("conversations/{id}/"))).await;
    assert_eq!(fetched, created);

    let (_, page) = api
        .send(api.get(&format!("conversations/?inbox={}", demo.inbox)))
        .await;
    assert_eq!(page["count"], json!(4));
    let (_, page) = api
        .send(api.get("conversations/?inbox=00000000-0000-4000-8000-000000000000"))
        .await;
    assert_eq!(page["count"], json!(0));
    let (_, page) = api.send(api.get("conversations/?keyword=order")).await;
    assert_eq!(ids(&page), vec![demo.conversations[1].to_string()]);
    let (_, page) = api
        .send(api.get("conversations/?keyword=%E9%80%80%E8%B2%A8"))
        .await; // 退貨
    assert_eq!(ids(&page), vec![demo.conversations[0].to_string()]);
}

#[tokio::test]
async fn cursor_pagination_visits_every_conversation_once() {
    let api = Api::start().await;
    let demo = api.server.demo();
    for _ in 0..10 {
        api.send(api.post("conversations/", &json!({"webChat": demo.web_chat})))
            .await;
    }
    let mut seen = Vec::new();
    let mut url = api.url(&format!("conversations/?pageSize=4&inbox={}", demo.inbox));
    let mut pages = Vec::new();
    loop {
        let (s, page) = api.send(api.auth(api.http.get(&url))).await;
        assert_eq!(s, 200);
        assert_eq!(page["count"], json!(13));
        seen.extend(ids(&page));
        pages.push(page.clone());
        match page["next"].as_str() {
            Some(next) => {
                let prefix = format!(
                    "http://127.0.0.1:{}/api/v1/conversations/?cursor=",
                    api.server.addr().port()
                );
                assert!(next.starts_with(&prefix), "{next}");
                assert!(
                    next.contains("pageSize=4") && next.contains(&format!("inbox={}", demo.inbox)),
                    "{next}"
                );
                url = next.to_string();
            }
            None => break,
        }
    }
    assert_eq!(pages.len(), 4);
    assert_eq!(seen.len(), 13);
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), 13);
    assert!(pages[0]["previous"].is_null());
    // Walking back from the last page gives the pages again.
    let previous = pages[3]["previous"].as_str().expect("previous").to_string();
    let (_, back) = api.send(api.auth(api.http.get(&previous))).await;
    assert_eq!(ids(&back), ids(&pages[2]));
    let (s, body) = api.send(api.get("conversations/?cursor=garbage")).await;
    assert_eq!((s, body["detail"].as_str()), (404, Some("Invalid cursor")));
}

#[tokio::test]
async fn messages_are_stored_listed_and_fetched() {
    let api = Api::start().await;
    let conv = api.server.demo().conversations[2].to_string();
    let (_, before) = api
        .send(api.get(&format!("messages/?conversation={conv}&pageSize=100")))
        .await;
    let (s, incoming) = api
        .send(api.post(
            "messages/",
            &json!({"conversation": conv, "content": "運費多少？"}),
        ))
        .await;
    assert_eq!(s, 201);
    assert_eq!(incoming["type"], "incoming");
    assert_eq!(incoming["conversation"].as_str(), Some(conv.as_str()));
    assert!(incoming["sender"]["id"].is_string());
    let (_, after) = api
        .send(api.get(&format!("messages/?conversation={conv}&pageSize=100")))
        .await;
    assert_eq!(
        after["count"].as_i64(),
        before["count"].as_i64().map(|n| n + 2)
    );
    let reply = &after["results"][0];
    assert_eq!(reply["type"], "outgoing");
    assert!(reply["content"]
        .as_str()
        .is_some_and(|c| c.contains("運費多少？")));
    assert!(
        reply["sender"]["id"].is_number(),
        "the bot's id is a 128-bit integer"
    );
    let text = api.get(&format!(
        "messages/{}/",
        reply["id"].as_str().unwrap_or_default()
    ));
    let raw = text.send().await.expect("get").text().await.expect("text");
    assert!(
        raw.contains("324816370485542537671391323877394598747"),
        "exact digits kept"
    );

    let id = incoming["id"].as_str().expect("id");
    let (s, fetched) = api
        .send(api.get(&format!("messages/{id}/?conversation={conv}")))
        .await;
    assert_eq!((s, &fetched), (200, &incoming));
    let other = api.server.demo().conversations[0].to_string();
    let (s, _) = api
        .send(api.get(&format!("messages/{id}/?conversation={other}")))
        .await;
    assert_eq!(s, 404);
    let (s, out) = api
        .send(api.post("messages/outgoing/", &json!({"conversation": conv, "content": "真人客服 here", "attachments": [{"filename": "a.png", "file": "https://example.com/a.png", "type": "image"}]})))
        .await;
    assert_eq!((s, out["type"].as_str()), (201, Some("outgoing")));
    assert_eq!(out["attachments"][0]["filename"], "a.png");
    let (_, conversation) = api.send(api.get(&format!("conversations/{conv}/"))).await;
    assert_eq!(conversation["lastMessage"]["id"], out["id"]);
}

#[tokio::test]
async fn records_are_numbered_pages() {
    let api = Api::start().await;
    let demo = api.server.demo();
    assert_eq!(demo.records.len(), 25);
    let base = format!("chatbots/{}/records/", demo.chatbot);
    let (_, first) = api.send(api.get(&base)).await;
    assert_eq!(first["count"], json!(25));
    assert_eq!(ids(&first).len(), 10);
    assert!(first["previous"].is_null());
    let next = first["next"].as_str().expect("next");
    assert_eq!(
        next,
        format!(
            "http://127.0.0.1:{}/api/v1/{base}?page=2",
            api.server.addr().port()
        )
    );
    let mut all = ids(&first);
    let (_, second) = api.send(api.auth(api.http.get(next))).await;
    all.extend(ids(&second));
    let (_, third) = api
        .send(api.auth(api.http.get(second["next"].as_str().expect("next"))))
        .await;
    all.extend(ids(&third));
    assert!(third["next"].is_null());
    assert!(third["previous"]
        .as_str()
        .is_some_and(|p| p.ends_with("?page=2")));
    assert_eq!(all.iter().collect::<HashSet<_>>().len(), 25);
    let (_, sized) = api
        .send(api.get(&format!("{base}?pageSize=7&page=4")))
        .await;
    assert_eq!(ids(&sized).len(), 4);
    assert!(sized["previous"]
        .as_str()
        .is_some_and(|p| p.contains("page=3") && p.contains("pageSize=7")));
    for bad in ["0", "4", "x"] {
        let (s, body) = api.send(api.get(&format!("{base}?page={bad}"))).await;
        assert_eq!(
            (s, body["detail"].as_str()),
            (404, Some("Invalid page.")),
            "page={bad}"
        );
    }
}

#[tokio::test]
async fn records_export_as_xlsx() {
    let api = Api::start().await;
    let bot = api.server.demo().chatbot;
    let response = api
        .get(&format!("chatbots/{bot}/records/export-excel/"))
        .send()
        .await
        .expect("export");
    assert_eq!(response.status(), 200);
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    assert_eq!(
        header("content-type"),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert_eq!(
        header("content-disposition"),
        format!("attachment; filename=\"records-{bot}.xlsx\"; filename*=UTF-8''records-{bot}.xlsx")
    );
    let bytes = response.bytes().await.expect("bytes");
    assert_eq!(&bytes[..2], b"PK");
    assert!(bytes.len() > 2000);
}

#[tokio::test]
async fn completions_stream_and_answer_whole() {
    let api = Api::start().await;
    let bot = api.server.demo().chatbot;
    let path = format!("chatbots/{bot}/completions/");
    let response = api
        .post(
            &path,
            &json!({"message": {"content": "你好，請介紹一下你自己"}, "isStreaming": true}),
        )
        .send()
        .await
        .expect("stream");
    assert_eq!(response.status(), 200);
    let ct = response.headers()["content-type"]
        .to_str()
        .unwrap_or_default()
        .to_string();
    assert!(ct.starts_with("text/event-stream"), "{ct}");
    let data = sse_data(&response.text().await.expect("body"));
    // The vendor's streams end with the `done: true` event; `[DONE]` is opt-in.
    assert!(!data.iter().any(|d| d == "[DONE]"), "{data:?}");
    let events: Vec<Value> = data
        .iter()
        .map(|d| serde_json::from_str(d).expect("json"))
        .collect();
    assert!(events.len() > 5, "several deltas");
    let (last, deltas) = events.split_last().expect("events");
    assert_eq!(last["done"], json!(true));
    assert!(last["citations"].as_array().is_some_and(|c| !c.is_empty()));
    assert!(deltas.iter().all(|e| e["done"] == json!(false)));
    let text: String = deltas
        .iter()
        .filter_map(|e| e["content"].as_str())
        .collect();
    assert!(
        text.contains("你好") && text.contains("You said: \"你好，請介紹一下你自己\""),
        "{text}"
    );
    let conv = last["conversationId"]
        .as_str()
        .expect("a new conversation")
        .to_string();
    assert!(deltas.iter().all(|e| e["conversationId"] == json!(conv)));
    let (s, stored) = api
        .send(api.get(&format!("messages/?conversation={conv}")))
        .await;
    assert_eq!((s, stored["count"].as_i64()), (200, Some(2)));
    assert_eq!(
        stored["results"][0]["content"].as_str(),
        Some(text.as_str())
    );

    // Whole, in the same conversation, with the snake_case flag.
    let body =
        json!({"conversation": conv, "message": {"content": "again"}, "is_streaming": false});
    let (s, whole) = api.send(api.post(&path, &body)).await;
    assert_eq!(s, 200);
    assert_eq!(
        (whole["done"].as_bool(), whole["conversationId"].as_str()),
        (Some(true), Some(conv.as_str()))
    );
    assert!(whole["content"]
        .as_str()
        .is_some_and(|c| c.ends_with("You said: \"again\"")));
    let (_, stored) = api
        .send(api.get(&format!("messages/?conversation={conv}")))
        .await;
    assert_eq!(stored["count"].as_i64(), Some(4));
    let (_, records) = api.send(api.get(&format!("chatbots/{bot}/records/"))).await;
    assert_eq!(records["count"], json!(27));
    let streamed = api
        .post(
            &path,
            &json!({"message": {"content": "x"}, "is_streaming": true}),
        )
        .send()
        .await
        .expect("stream");
    assert!(streamed.headers()["content-type"]
        .to_str()
        .unwrap_or_default()
        .starts_with("text/event-stream"));
}

#[tokio::test]
async fn requests_are_recorded() {
    let api = Api::start().await;
    let conv = api.server.demo().conversations[0].to_string();
    api.send(api.post(
        "messages/",
        &json!({"conversation": conv, "content": "記錄"}),
    ))
    .await;
    api.send(api.get("conversations/?pageSize=2").header("x-extra", "1"))
        .await;
    let requests = api.server.requests();
    assert_eq!(requests.len(), 2);
    let post = &requests[0];
    assert_eq!(
        (post.method.as_str(), post.path.as_str()),
        ("POST", "/api/v1/messages/")
    );
    assert_eq!(post.operation, Some(Operation::MessagesCreate));
    assert_eq!(post.body_json().expect("json")["content"], "記錄");
    assert_eq!(post.status, Some(201));
    assert_eq!(post.response_json().expect("json")["content"], "記錄");
    assert!(post.response_headers.contains_key("x-request-id"));
    let get = &requests[1];
    assert_eq!(get.query.as_deref(), Some("pageSize=2"));
    assert_eq!(get.header("x-extra"), Some("1"));
    assert!(get
        .header("authorization")
        .is_some_and(|a| a.starts_with("Api-Key ")));
    assert_eq!(get.response_content_type(), Some("application/json"));
    api.server.clear_requests();
    assert!(api.server.requests().is_empty());
}

#[tokio::test]
async fn shutdown_stops_the_server() {
    let server = MockServer::start_with(MockConfig::for_tests().with_page_size(2))
        .await
        .expect("start");
    let url = server.url("conversations/");
    assert!(url.starts_with("http://127.0.0.1:") && url.ends_with("/api/v1/conversations/"));
    assert!(server.base_url().ends_with("/api/v1/"));
    let http = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client");
    let page: Value = http
        .get(&url)
        .header("Authorization", "Api-Key mock-api-key")
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    assert_eq!(
        page["results"].as_array().map(Vec::len),
        Some(2),
        "configured page size"
    );
    assert!(server.connections() >= 1);
    server.shutdown().await;
    let fresh = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client");
    assert!(
        fresh.get(&url).send().await.is_err(),
        "nothing listens any more"
    );
    assert!(
        http.get(&url).send().await.is_err(),
        "pooled connections are closed too"
    );
}
