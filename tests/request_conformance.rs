//! Every request the SDK sends conforms to `openapi/maiagent.yaml`.
//!
//! Every public surface of the SDK (conversations, messages, chatbot completions whole and
//! streamed, chat sessions, records, the export, each listing through `first_page`, `pages` and
//! `items`) is driven against the mock, through both documented base URLs (`/api/v1/` and
//! `/api/`); then every request the mock recorded is checked against the spec:
//!
//! * its path, with the base prefix stripped, and its method name exactly one operation
//!   (`{param}` templates matched segment by segment, the trailing slash required), and every
//!   path parameter is present (a non-empty segment);
//! * every query parameter is declared for that operation, under its exact name (`pageSize`,
//!   camelCase), once, with a value of the declared type (an `integer` parses as one); every
//!   required query parameter is present;
//! * `Authorization: Api-Key <key>` is sent;
//! * an operation with a request body gets `Content-Type: application/json` and a body that
//!   validates against the request schema (converted to JSON Schema by `common::openapi_schema`,
//!   and made stricter than the spec: an undeclared property, such as a snake_case spelling, is
//!   an error); an operation without one gets no body;
//! * a completion says `isStreaming`, and asks for `Accept: text/event-stream` exactly when it
//!   is `true`.
//!
//! The checker itself is tested on requests that break each rule.
#![cfg(feature = "mock")]

mod common;
mod mock_support;

use common::mock::client_of_with;
use common::openapi_schema::{load_spec, root_for};
use common::spec_walk;
use futures::{StreamExt, TryStreamExt};
use maiagent::mock::{MockConfig, MockServer, RecordedRequest};
use maiagent::types::{AttachmentInput, CanvasInput, CompletionMessage};
use maiagent::{Client, RetryPolicy};
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};

// ------------------------------------------------------------------------------------------
// The checker
// ------------------------------------------------------------------------------------------

/// A request as the checker sees it.
#[derive(Debug, Clone)]
struct Req {
    method: String,
    /// The raw (percent-encoded) path, with its base prefix.
    path: String,
    /// The raw query string, without `?`.
    query: Option<String>,
    headers: http::HeaderMap,
    body: Vec<u8>,
}

impl From<&RecordedRequest> for Req {
    fn from(r: &RecordedRequest) -> Self {
        Req {
            method: r.method.to_string(),
            path: r.path.clone(),
            query: r.query.clone(),
            headers: r.headers.clone(),
            body: r.body.to_vec(),
        }
    }
}

/// A query or path parameter of an operation.
#[derive(Debug)]
struct Param {
    required: bool,
    /// The schema's `type` (`string`, `integer`, ...).
    kind: String,
}

/// One operation of the spec.
struct Operation {
    id: String,
    method: String,
    template: String,
    query: BTreeMap<String, Param>,
    path_params: BTreeMap<String, Param>,
    /// The request body's validator, and whether the body is required.
    body: Option<(jsonschema::Validator, bool)>,
    /// For a multipart body (declared in `x-maiagent-request-body`, which progenitor does not
    /// generate): the form fields it requires.
    multipart: Option<Vec<String>>,
}

/// Checks requests against the spec.
struct Checker {
    operations: Vec<Operation>,
    api_key: String,
}

/// What a conforming request is: its operation and the key it counts as distinct by.
#[derive(Debug)]
struct Verdict {
    operation: String,
    key: String,
    streaming: bool,
}

impl Checker {
    fn new(spec: &Value, api_key: &str) -> Self {
        let mut operations = Vec::new();
        for walked in spec_walk::operations(spec) {
            let (template, item, op) = (walked.template, walked.item, walked.op);
            let shared_params = item["parameters"].as_array().cloned().unwrap_or_default();
            let mut query = BTreeMap::new();
            let mut path_params = BTreeMap::new();
            let own = op["parameters"].as_array().cloned().unwrap_or_default();
            for p in shared_params.iter().chain(&own) {
                let p = resolve(spec, p);
                let param = Param {
                    required: p["required"].as_bool().unwrap_or(false),
                    kind: p["schema"]["type"].as_str().unwrap_or("string").to_string(),
                };
                let name = p["name"].as_str().expect("a parameter name").to_string();
                match p["in"].as_str() {
                    Some("query") => query.insert(name, param),
                    Some("path") => path_params.insert(name, param),
                    other => panic!("{template}: parameter {name} in {other:?}"),
                };
            }
            let body = op.get("requestBody").map(|rb| {
                let rb = resolve(spec, rb);
                let schema = &rb["content"]["application/json"]["schema"];
                assert!(
                    !schema.is_null(),
                    "{template}: a request body that is not JSON"
                );
                (
                    strict_validator(spec, schema),
                    rb["required"].as_bool().unwrap_or(false),
                )
            });
            let multipart = op
                .pointer("/x-maiagent-request-body/content/multipart~1form-data/schema/required")
                .and_then(Value::as_array)
                .map(|names| {
                    names
                        .iter()
                        .filter_map(|n| n.as_str().map(str::to_string))
                        .collect()
                });
            operations.push(Operation {
                id: op["operationId"].as_str().expect("operationId").to_string(),
                method: walked.method.to_ascii_uppercase(),
                template: template.to_string(),
                query,
                path_params,
                body,
                multipart,
            });
        }
        Checker {
            operations,
            api_key: api_key.to_string(),
        }
    }

    /// Checks `r`, sent through a client whose base URL path is `prefix` (`/api/v1/`, `/api/`).
    fn check(&self, prefix: &str, r: &Req) -> Result<Verdict, Vec<String>> {
        let mut problems = Vec::new();
        let who = format!("{} {}", r.method, r.path);
        let Some(rest) = r.path.strip_prefix(prefix.trim_end_matches('/')) else {
            return Err(vec![format!("{who}: not under the base path {prefix}")]);
        };
        let segments: Vec<&str> = rest.split('/').collect();
        let mut path_values = BTreeMap::new();
        let matches: Vec<&Operation> = self
            .operations
            .iter()
            .filter(|op| op.method == r.method)
            .filter(|op| spec_walk::fits(&op.template, &segments))
            .collect();
        let op = match matches.as_slice() {
            [op] => *op,
            [] => return Err(vec![format!("{who}: names no operation of the spec")]),
            many => {
                let ids: Vec<&str> = many.iter().map(|o| o.id.as_str()).collect();
                return Err(vec![format!("{who}: names several operations: {ids:?}")]);
            }
        };
        let who = format!("{who} ({})", op.id);

        // Path parameters: each present, non-empty once decoded, of its type.
        for (t, s) in op.template.split('/').zip(&segments) {
            if let Some(name) = t.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
                let value = percent_encoding::percent_decode_str(s)
                    .decode_utf8()
                    .map(|v| v.into_owned());
                match value {
                    Ok(v) if !v.trim().is_empty() => {
                        path_values.insert(name.to_string(), v);
                    }
                    _ => problems.push(format!("{who}: path parameter {name} is empty or bad")),
                }
            }
        }
        for (name, param) in &op.path_params {
            match path_values.get(name) {
                None if param.required => {
                    problems.push(format!("{who}: path parameter {name} is missing"))
                }
                Some(v) if !fits(&param.kind, v) => problems.push(format!(
                    "{who}: path parameter {name}={v:?} is not of type {}",
                    param.kind
                )),
                _ => {}
            }
        }

        // Query parameters: declared, once, typed; the required ones present.
        let pairs: Vec<(String, String)> =
            url::form_urlencoded::parse(r.query.as_deref().unwrap_or_default().as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
        let mut names = BTreeSet::new();
        for (name, value) in &pairs {
            if !names.insert(name.clone()) {
                problems.push(format!("{who}: query parameter {name} is sent twice"));
            }
            match op.query.get(name) {
                None => problems.push(format!(
                    "{who}: query parameter {name:?} is not declared (declared: {:?})",
                    op.query.keys().collect::<Vec<_>>()
                )),
                Some(param) if !fits(&param.kind, value) => problems.push(format!(
                    "{who}: query parameter {name}={value:?} is not of type {}",
                    param.kind
                )),
                Some(_) => {}
            }
        }
        for (name, param) in &op.query {
            if param.required && !names.contains(name) {
                problems.push(format!("{who}: required query parameter {name} is missing"));
            }
        }

        // Authentication.
        let expected = format!("Api-Key {}", self.api_key);
        match r.headers.get(http::header::AUTHORIZATION) {
            Some(v) if v.as_bytes() == expected.as_bytes() => {}
            Some(_) => problems.push(format!("{who}: Authorization is not `Api-Key <key>`")),
            None => problems.push(format!("{who}: no Authorization header")),
        }

        // The body.
        let header = |name: http::header::HeaderName| {
            r.headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string()
        };
        let mut body_shape = String::new();
        let mut streaming = false;
        match &op.body {
            None if op.multipart.is_some() => {
                let media = header(http::header::CONTENT_TYPE);
                if !media.starts_with("multipart/form-data; boundary=") {
                    problems.push(format!(
                        "{who}: Content-Type {media:?}, not a multipart form"
                    ));
                }
                let text = String::from_utf8_lossy(&r.body);
                for field in op.multipart.iter().flatten() {
                    if !text.contains(&format!("form-data; name=\"{field}\"")) {
                        problems.push(format!("{who}: the form has no `{field}` field"));
                    }
                }
                body_shape = "multipart".to_string();
            }
            None => {
                if !r.body.is_empty() {
                    problems.push(format!("{who}: a body where the spec declares none"));
                }
            }
            Some((validator, required)) => {
                let media = header(http::header::CONTENT_TYPE);
                let media = media.split(';').next().unwrap_or_default().trim();
                if !media.eq_ignore_ascii_case("application/json") {
                    problems.push(format!(
                        "{who}: Content-Type {media:?}, not application/json"
                    ));
                }
                if r.body.is_empty() {
                    if *required {
                        problems.push(format!("{who}: the required body is missing"));
                    }
                } else {
                    match serde_json::from_slice::<Value>(&r.body) {
                        Err(e) => problems.push(format!("{who}: the body is not JSON: {e}")),
                        Ok(body) => {
                            for e in validator.iter_errors(&body) {
                                problems.push(format!("{who}: body at `{}`: {e}", e.instance_path));
                            }
                            body_shape = shape(&body);
                            if op.id == "chatbot_completions_create" {
                                let accept = header(http::header::ACCEPT);
                                let asks_events = accept.contains("text/event-stream");
                                match body.get("isStreaming") {
                                    Some(Value::Bool(s)) => {
                                        streaming = *s;
                                        if *s && !asks_events {
                                            problems.push(format!(
                                                "{who}: isStreaming is true but Accept is {accept:?}"
                                            ));
                                        }
                                        if !*s && asks_events {
                                            problems.push(format!(
                                                "{who}: Accept: text/event-stream on a whole completion"
                                            ));
                                        }
                                    }
                                    _ => problems
                                        .push(format!("{who}: the completion says no isStreaming")),
                                }
                            }
                        }
                    }
                }
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(Verdict {
            operation: op.id.clone(),
            key: format!(
                "{} {} ?{:?} {body_shape}{}",
                op.method,
                op.template,
                names,
                if streaming { " (event stream)" } else { "" }
            ),
            streaming,
        })
    }
}

/// A parameter object, following a `$ref`.
fn resolve<'a>(spec: &'a Value, v: &'a Value) -> &'a Value {
    match v["$ref"].as_str() {
        Some(r) => spec
            .pointer(r.trim_start_matches('#'))
            .unwrap_or_else(|| panic!("dangling $ref {r}")),
        None => v,
    }
}

/// Whether a query or path value is of the declared type.
fn fits(kind: &str, value: &str) -> bool {
    match kind {
        "integer" => value.parse::<i64>().is_ok(),
        "number" => value.parse::<f64>().is_ok_and(f64::is_finite),
        "boolean" => matches!(value, "true" | "false"),
        _ => !value.is_empty(),
    }
}

/// A validator for `schema` in which no object admits a property it does not declare (unless it
/// says `additionalProperties`), so that a misspelt or snake_case field is caught.
fn strict_validator(spec: &Value, schema: &Value) -> jsonschema::Validator {
    let mut root = root_for(spec, schema);
    close_objects(&mut root);
    jsonschema::validator_for(&root).expect("a valid JSON Schema")
}

fn close_objects(v: &mut Value) {
    match v {
        Value::Object(map) => {
            if map.get("properties").is_some_and(Value::is_object)
                && !map.contains_key("additionalProperties")
            {
                map.insert("additionalProperties".into(), Value::Bool(false));
            }
            for (key, child) in map.iter_mut() {
                if key == "properties" {
                    // Names, not keywords: close each property's schema.
                    if let Value::Object(props) = child {
                        props.values_mut().for_each(close_objects);
                    }
                } else {
                    close_objects(child);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(close_objects),
        _ => {}
    }
}

/// The shape of a JSON value: its keys and the kinds of its values, not the values.
fn shape(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(_) => "bool".into(),
        Value::Number(_) => "number".into(),
        Value::String(_) => "string".into(),
        Value::Array(items) => {
            let kinds: BTreeSet<String> = items.iter().map(shape).collect();
            format!("[{}]", kinds.into_iter().collect::<Vec<_>>().join("|"))
        }
        Value::Object(map) => {
            let fields: BTreeMap<&String, String> =
                map.iter().map(|(k, v)| (k, shape(v))).collect();
            let fields: Vec<String> = fields.iter().map(|(k, s)| format!("{k}:{s}")).collect();
            format!("{{{}}}", fields.join(","))
        }
    }
}

// ------------------------------------------------------------------------------------------
// Driving the SDK
// ------------------------------------------------------------------------------------------

fn client(mock: &MockServer, base_path: &str) -> Client {
    client_of_with(mock, |b| {
        b.base_url(format!("http://{}{base_path}", mock.addr()))
            .retry_policy(RetryPolicy::default().max_retries(0))
    })
}

fn attachment(n: u32) -> AttachmentInput {
    AttachmentInput {
        conversation: None,
        file: format!("https://example.com/files/{n}.png"),
        filename: format!("照片 {n}.png"),
        id: Some(format!("5f1c0a2e-0000-4000-8000-00000000000{n}")),
        type_: Some("image".into()),
    }
}

fn object(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => unreachable!("an object"),
    }
}

/// Calls every public surface once (and the listings in each of their three forms); returns
/// how many streamed completions were made.
async fn drive(client: &Client, mock: &MockServer, dir: &std::path::Path) -> usize {
    let demo = mock.demo();
    let conversations = client.conversations();
    let messages = client.messages();

    // Conversations.
    let created = conversations
        .create(demo.web_chat.as_str())
        .await
        .expect("create");
    let got = conversations.get(created.id.as_str()).await.expect("get");
    assert_eq!(got.id, created.id);
    conversations
        .get(demo.conversations[0].as_str())
        .send_with_response()
        .await
        .expect("get with response");
    let filtered = conversations
        .list()
        .inbox(demo.inbox.as_str())
        .keyword("r")
        .page_size(2);
    let first = filtered.first_page().await.expect("first page");
    assert!(first.next.is_some(), "the filter should give several pages");
    let pages: Vec<_> = filtered.pages().try_collect().await.expect("pages");
    assert!(pages.len() >= 2, "pages followed the cursor");
    let items: Vec<_> = filtered.items().try_collect().await.expect("items");
    assert!(items.len() >= 3);
    conversations
        .list()
        .keyword("訂單 Order & status?")
        .first_page()
        .await
        .expect("a keyword to encode");
    conversations.list().first_page().await.expect("no filter");

    // Messages.
    let conversation = demo.conversations[0].as_str();
    let sent = messages
        .send(conversation, "請看附件")
        .attachment(attachment(1))
        .attachments([attachment(2)])
        .canvas(CanvasInput {
            canvas_type: "markdown".into(),
            content: "# 標題\n內容".into(),
            name: "notes".into(),
            title: "筆記".into(),
        })
        .content_payload(object(json!({"card": {"kind": "receipt", "total": 42}})))
        .query_metadata(object(json!({"department": "finance"})))
        .message_type("incoming")
        .await
        .expect("send");
    messages
        .send(conversation, "plain")
        .await
        .expect("send plain");
    messages
        .send_outgoing(conversation, "An agent will call you.")
        .await
        .expect("send outgoing");
    messages
        .send_outgoing(conversation, "with an attachment")
        .attachment(attachment(3))
        .into_call()
        .send_with_response()
        .await
        .expect("send outgoing with response");
    let sent_id = sent.id.expect("the message has an id");
    messages
        .get(sent_id.as_str(), conversation)
        .await
        .expect("get message");
    let listing = messages.list(conversation).page_size(3);
    listing.first_page().await.expect("first page");
    let all: Vec<_> = listing.items().try_collect().await.expect("items");
    assert!(all.len() > 3, "several pages of messages");
    let pages: Vec<_> = listing.pages().try_collect().await.expect("pages");
    assert!(pages.len() >= 2);
    messages
        .list(conversation)
        .first_page()
        .await
        .expect("no page size");

    // Completions.
    let bot = client.chatbot(demo.chatbot.as_str());
    let whole = bot.complete("你好").await.expect("complete");
    let started = whole.conversation_id.expect("a new conversation");
    bot.complete("這張發票的金額是多少？")
        .conversation(started.as_str())
        .attachment(attachment(4))
        .content_payload(json!({"lang": "zh-TW"}))
        .query_metadata(json!({"department": "finance"}))
        .metadata(json!({"channel": "test", "n": 1}))
        .sender("0b7f5c1e-0000-4000-8000-000000000002")
        .send_with_response()
        .await
        .expect("complete with everything");
    bot.message(CompletionMessage {
        attachments: Vec::new(),
        content: "a whole message".into(),
        content_payload: None,
        metadata: Some(object(json!({"k": "v"}))),
        query_metadata: None,
        sender: None,
    })
    .await
    .expect("message");

    let mut streams = 0;
    let events: Vec<_> = bot
        .stream("請介紹你自己")
        .await
        .expect("stream")
        .try_collect()
        .await
        .expect("events");
    assert!(events.last().is_some_and(|e| e.done));
    streams += 1;
    let reply = bot
        .stream("四位，明晚七點")
        .conversation(started.as_str())
        .attachments([attachment(5), attachment(6)])
        .metadata(json!({"channel": "test"}))
        .content_payload(json!({"seats": 4}))
        .query_metadata(json!({"department": "booking"}))
        .sender("0b7f5c1e-0000-4000-8000-000000000002")
        .await
        .expect("stream with everything")
        .collect_reply()
        .await
        .expect("reply");
    assert!(reply.done);
    streams += 1;
    let text: Vec<String> = bot
        .stream("text only")
        .await
        .expect("stream")
        .text()
        .try_collect()
        .await
        .expect("text");
    assert!(!text.is_empty());
    streams += 1;
    let mut partial = bot.stream("dropped early").await.expect("stream");
    partial.next().await.expect("an event").expect("ok");
    drop(partial);
    streams += 1;

    // A session: two turns, whole then streamed, in one conversation.
    let chat = bot.session();
    let first = chat.send("我想訂位").await.expect("first turn");
    let second = chat
        .stream("四位")
        .await
        .expect("second turn")
        .collect_reply()
        .await
        .expect("second reply");
    assert_eq!(first.conversation_id, second.conversation_id);
    chat.message("第三輪")
        .content_payload(json!({"n": 3}))
        .await
        .expect("third turn");
    streams += 1;

    // Records and their export.
    let records = bot.records().page_size(10);
    records.first_page().await.expect("first page");
    records.page(2).await.expect("page 2");
    let pages: Vec<_> = records.pages().try_collect().await.expect("pages");
    assert!(pages.len() >= 3);
    let items: Vec<_> = records.items().try_collect().await.expect("items");
    assert!(items.len() >= 25);
    let all: Vec<_> = bot.records().items().try_collect().await.expect("items");
    assert_eq!(all.len(), items.len());
    let saved = bot.export_records().save_in(dir).await.expect("save_in");
    assert!(saved.exists());
    bot.export_records()
        .save_to(dir.join("records.xlsx"))
        .await
        .expect("save_to");
    let export = bot.export_records().await.expect("export");
    assert!(!export.bytes().await.expect("bytes").is_empty());

    // Attachments, inboxes, chatbots, knowledge bases and their files, models, contacts.
    mock_support::account::drive_account(client, mock, dir).await;

    streams
}

// ------------------------------------------------------------------------------------------
// Tests
// ------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_request_the_sdk_sends_conforms_to_the_spec() {
    let spec = load_spec();
    let mock = MockServer::start_with(MockConfig::for_tests())
        .await
        .expect("the mock starts");
    let checker = Checker::new(&spec, mock.api_key());
    assert_eq!(checker.operations.len(), maiagent::Operation::ALL.len());
    let dir = tempfile::tempdir().expect("a temporary directory");

    let mut total = 0;
    let mut distinct = BTreeSet::new();
    let mut covered = BTreeMap::<String, usize>::new();
    let mut failures = Vec::new();
    let mut streamed = 0;
    for prefix in ["/api/v1/", "/api/", "/api/v1", "/api"] {
        mock.clear_requests();
        let client = client(&mock, prefix);
        let streams = drive(&client, &mock, dir.path()).await;
        let recorded = mock.requests();
        assert!(!recorded.is_empty());
        let base = format!("{}/", prefix.trim_end_matches('/'));
        let mut streamed_here = 0;
        for r in &recorded {
            total += 1;
            match checker.check(&base, &Req::from(r)) {
                Ok(v) => {
                    *covered.entry(v.operation.clone()).or_default() += 1;
                    streamed_here += usize::from(v.streaming);
                    distinct.insert(v.key);
                }
                Err(problems) => failures.extend(problems),
            }
        }
        assert_eq!(
            streamed_here, streams,
            "every stream, and only they, asked for an event stream ({prefix})"
        );
        streamed += streamed_here;
    }
    println!(
        "validated {total} requests ({} distinct), {} failed",
        distinct.len(),
        failures.len()
    );
    for key in &distinct {
        println!("  {key}");
    }
    assert!(
        failures.is_empty(),
        "requests that break the spec:\n{}",
        failures.join("\n")
    );
    let missing: Vec<&str> = checker
        .operations
        .iter()
        .map(|o| o.id.as_str())
        .filter(|id| !covered.contains_key(*id))
        .collect();
    assert!(missing.is_empty(), "operations never called: {missing:?}");
    assert_eq!(covered.len(), maiagent::Operation::ALL.len());
    assert!(streamed >= 4 * 5);
    // Each listing's three forms and filters give more shapes than one per operation.
    assert!(
        distinct.len() > 20,
        "only {} distinct requests",
        distinct.len()
    );
}

fn req(method: &str, path_and_query: &str, body: Option<Value>) -> Req {
    let (path, query) = match path_and_query.split_once('?') {
        Some((p, q)) => (p.to_string(), Some(q.to_string())),
        None => (path_and_query.to_string(), None),
    };
    let mut headers = http::HeaderMap::new();
    headers.insert("authorization", "Api-Key k".parse().unwrap());
    let body = match body {
        Some(b) => {
            headers.insert("content-type", "application/json".parse().unwrap());
            serde_json::to_vec(&b).unwrap()
        }
        None => Vec::new(),
    };
    Req {
        method: method.to_string(),
        path,
        query,
        headers,
        body,
    }
}

/// The checker passes good requests and names what is wrong with bad ones.
#[test]
fn the_checker_rejects_requests_that_break_the_spec() {
    let spec = load_spec();
    let checker = Checker::new(&spec, "k");
    let conv = "8e44604a-8278-4c96-96b5-3e5a0548d738";
    let fails = |r: Req, why: &str| {
        let problems = checker
            .check("/api/v1/", &r)
            .expect_err(&format!("{r:?} should fail"));
        assert!(
            problems.iter().any(|p| p.contains(why)),
            "{problems:?} should mention {why:?}"
        );
    };

    // Good ones pass.
    let ok = |r: Req| checker.check("/api/v1/", &r).expect("conforms");
    assert_eq!(
        ok(req(
            "GET",
            "/api/v1/conversations/?pageSize=5&inbox=x&cursor=c",
            None
        ))
        .operation,
        "conversations_list"
    );
    assert_eq!(
        ok(req(
            "POST",
            "/api/v1/messages/outgoing/",
            Some(json!({"conversation": conv, "content": "hi"}))
        ))
        .operation,
        "messages_outgoing_create"
    );
    assert_eq!(
        ok(req(
            "GET",
            &format!("/api/v1/messages/{conv}/?conversation={conv}"),
            None
        ))
        .operation,
        "messages_get"
    );
    let mut stream = req(
        "POST",
        "/api/v1/chatbots/b1/completions/",
        Some(json!({"message": {"content": "hi"}, "isStreaming": true})),
    );
    stream
        .headers
        .insert("accept", "text/event-stream".parse().unwrap());
    assert!(ok(stream.clone()).streaming);

    // Paths and methods.
    fails(
        req("GET", "/api/v1/conversations", None),
        "names no operation",
    );
    fails(
        req("GET", "/api/v1/conversation/", None),
        "names no operation",
    );
    fails(
        req("DELETE", "/api/v1/conversations/", None),
        "names no operation",
    );
    fails(
        req("GET", "/api/v1/conversations//", None),
        "names no operation",
    );
    fails(
        req("GET", "/v1/conversations/", None),
        "not under the base path",
    );
    fails(
        req("GET", "/api/v1/chatbots/%20/records/", None),
        "path parameter chatbotPk",
    );

    // Query parameters: a wrong name (snake_case), an undeclared one, a bad type, twice.
    fails(
        req("GET", "/api/v1/conversations/?page_size=5", None),
        "query parameter \"page_size\" is not declared",
    );
    fails(
        req("GET", "/api/v1/messages/?conversation=c&page=2", None),
        "query parameter \"page\" is not declared",
    );
    fails(
        req("GET", "/api/v1/chatbots/b1/records/?page=two", None),
        "page=\"two\" is not of type integer",
    );
    fails(
        req("GET", "/api/v1/chatbots/b1/records/?pageSize=1.5", None),
        "is not of type integer",
    );
    fails(
        req("GET", "/api/v1/conversations/?cursor=a&cursor=b", None),
        "sent twice",
    );

    // Authentication.
    let mut r = req("GET", "/api/v1/conversations/", None);
    r.headers
        .insert("authorization", "Bearer k".parse().unwrap());
    fails(r.clone(), "Authorization is not");
    r.headers.remove("authorization");
    fails(r, "no Authorization header");

    // Bodies: a missing required field, a wrong type, a snake_case name, not JSON, no body, a
    // body where none belongs, the wrong content type.
    fails(
        req("POST", "/api/v1/messages/", Some(json!({"content": "hi"}))),
        "\"conversation\" is a required property",
    );
    fails(
        req(
            "POST",
            "/api/v1/messages/",
            Some(json!({"conversation": conv, "content": 5})),
        ),
        "body at `/content`",
    );
    fails(
        req(
            "POST",
            "/api/v1/messages/",
            Some(json!({"conversation": conv, "content": "x", "content_payload": {}})),
        ),
        "content_payload",
    );
    fails(
        req(
            "POST",
            "/api/v1/messages/",
            Some(json!({"conversation": conv, "content": "x", "attachments": [{"file": "f"}]})),
        ),
        "body at `/attachments/0`",
    );
    fails(
        req(
            "POST",
            "/api/v1/chatbots/b1/completions/",
            Some(json!({"message": {"content": "hi"}, "is_streaming": true})),
        ),
        "is_streaming",
    );
    let mut r = req("POST", "/api/v1/conversations/", None);
    r.headers
        .insert("content-type", "application/json".parse().unwrap());
    fails(r.clone(), "the required body is missing");
    r.body = b"{not json".to_vec();
    fails(r.clone(), "not JSON");
    r.body = br#"{"webChat": "w"}"#.to_vec();
    r.headers
        .insert("content-type", "text/plain".parse().unwrap());
    fails(r, "not application/json");
    let mut r = req("GET", "/api/v1/conversations/", None);
    r.body = b"{}".to_vec();
    fails(r, "a body where the spec declares none");

    // Streaming: isStreaming and Accept agree, and a completion says which it is.
    let mut r = stream.clone();
    r.headers.remove("accept");
    fails(r, "isStreaming is true but Accept");
    let mut r = req(
        "POST",
        "/api/v1/chatbots/b1/completions/",
        Some(json!({"message": {"content": "hi"}, "isStreaming": false})),
    );
    r.headers
        .insert("accept", "text/event-stream".parse().unwrap());
    fails(r, "Accept: text/event-stream on a whole completion");
    fails(
        req(
            "POST",
            "/api/v1/chatbots/b1/completions/",
            Some(json!({"message": {"content": "hi"}})),
        ),
        "says no isStreaming",
    );
    fails(
        req(
            "POST",
            "/api/v1/chatbots/b1/completions/",
            Some(json!({"message": {"content": "hi"}, "isStreaming": "yes"})),
        ),
        "body at `/isStreaming`",
    );
}

/// Distinct requests are counted by method, path template, query names and body shape.
#[test]
fn requests_are_distinct_by_template_query_names_and_body_shape() {
    let spec = load_spec();
    let checker = Checker::new(&spec, "k");
    let key = |r: Req| checker.check("/api/", &r).expect("conforms").key;
    let a = key(req("GET", "/api/conversations/c1/", None));
    let b = key(req("GET", "/api/conversations/c2/", None));
    assert_eq!(a, b, "path values do not count");
    let a = key(req("GET", "/api/conversations/?pageSize=5", None));
    let b = key(req("GET", "/api/conversations/?pageSize=7", None));
    let c = key(req("GET", "/api/conversations/?pageSize=7&inbox=i", None));
    assert_eq!(a, b, "query values do not count");
    assert_ne!(b, c, "query names do");
    let a = key(req(
        "POST",
        "/api/conversations/",
        Some(json!({"webChat": "a"})),
    ));
    let b = key(req(
        "POST",
        "/api/conversations/",
        Some(json!({"webChat": "b"})),
    ));
    assert_eq!(a, b, "body values do not count");
    let a = key(req(
        "POST",
        "/api/messages/",
        Some(json!({"conversation": "c", "content": "x"})),
    ));
    let b = key(req(
        "POST",
        "/api/messages/",
        Some(json!({"conversation": "c", "content": "x", "type": "incoming"})),
    ));
    assert_ne!(a, b, "body keys do");
}
