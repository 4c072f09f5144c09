//! Streamed chatbot replies against a local raw-HTTP server: the wire format, SSE details,
//! timing, and the conversions to whole replies and text.

mod common;

use common::http_server::{event, serve, sse_server};
use futures::{StreamExt, TryStreamExt};
use maiagent::types::Completion;
use maiagent::ReplyStream;
use std::time::Duration;
use tokio::sync::oneshot;

async fn all(stream: ReplyStream) -> Vec<Completion> {
    stream.try_collect().await.expect("the stream succeeds")
}

fn contents(events: &[Completion]) -> Vec<&str> {
    events.iter().map(|e| e.content.as_str()).collect()
}

#[tokio::test]
async fn events_arrive_in_order_and_the_request_is_camel_case_sse() {
    let body = event("c1", "你", false) + &event("c1", "好", false) + &event("c1", "", true);
    let mut server = sse_server(body).await;
    let client = server.client();
    let stream = client.chatbot("bot-1").stream("你好").await.unwrap();
    assert_eq!(stream.status(), 200);
    assert_eq!(stream.headers()["x-request-id"], "req-42");
    let events = all(stream).await;
    assert_eq!(contents(&events), ["你", "好", ""]);
    assert_eq!(
        events.iter().map(|e| e.done).collect::<Vec<_>>(),
        [false, false, true]
    );
    assert_eq!(events[0].conversation_id.as_ref().unwrap(), "c1");

    let request = server.request().await;
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, "/api/v1/chatbots/bot-1/completions/");
    assert_eq!(request.header("accept"), Some("text/event-stream"));
    assert_eq!(request.header("authorization"), Some("Api-Key test-key"));
    assert_eq!(
        request.json(),
        serde_json::json!({"message": {"content": "你好"}, "isStreaming": true})
    );
}

#[tokio::test]
async fn comments_event_id_and_retry_fields_and_blank_data_are_ignored() {
    let body = format!(
        ": keep-alive\n\n:ping\nevent: message\nid: 1\nretry: 3000\n{}id: 2\n\ndata:\n\n{}",
        event("c1", "a", false).replace("data", "event: delta\ndata"),
        event("c1", "b", true)
    );
    let server = sse_server(body).await;
    let events = all(server.client().chatbot("b").stream("x").await.unwrap()).await;
    assert_eq!(contents(&events), ["a", "b"]);
}

#[tokio::test]
async fn multi_line_data_is_joined() {
    let body = "data: {\"conversationId\": \"c1\",\ndata: \"content\": \"多行\",\ndata: \"done\": true}\n\n";
    let server = sse_server(body.to_string()).await;
    let events = all(server.client().chatbot("b").stream("x").await.unwrap()).await;
    assert_eq!(contents(&events), ["多行"]);
    assert!(events[0].done);
}

#[tokio::test]
async fn crlf_and_cr_line_endings() {
    for ending in ["\r\n", "\r"] {
        let body = (event("c1", "一", false) + &event("c1", "二", true)).replace('\n', ending);
        let server = sse_server(body).await;
        let events = all(server.client().chatbot("b").stream("x").await.unwrap()).await;
        assert_eq!(contents(&events), ["一", "二"], "line ending {ending:?}");
    }
}

#[tokio::test]
async fn done_marker_after_the_final_event_is_ignored() {
    let body = event("c1", "ok", true) + "data: [DONE]\n\n";
    let server = sse_server(body).await;
    let events = all(server.client().chatbot("b").stream("x").await.unwrap()).await;
    assert_eq!(contents(&events), ["ok"]);
}

#[tokio::test]
async fn done_marker_alone_ends_the_stream_with_a_final_event() {
    let body = event("c9", "he", false) + &event("c9", "llo", false) + "data: [DONE]\n\n";
    let server = sse_server(body).await;
    let stream = server.client().chatbot("b").stream("x").await.unwrap();
    let reply = stream.collect_reply().await.unwrap();
    assert_eq!(reply.content, "hello");
    assert!(reply.done);
    assert_eq!(reply.conversation_id.unwrap(), "c9");
}

#[tokio::test]
async fn snake_case_keys_unknown_keys_and_citations_on_the_last_event() {
    let body =
        "data: {\"conversation_id\":\"c2\",\"content\":\"A\",\"done\":false,\"extra\":[1]}\n\n\
                data: {\"conversationId\":\"c2\",\"content\":\"\",\"done\":true,\
                \"citations\":[{\"id\":\"f1\",\"filename\":\"manual.pdf\",\"newKey\":{}}]}\n\n";
    let server = sse_server(body.to_string()).await;
    let stream = server.client().chatbot("b").stream("x").await.unwrap();
    let reply = stream.collect_reply().await.unwrap();
    assert_eq!(reply.content, "A");
    assert_eq!(reply.conversation_id.unwrap(), "c2");
    assert_eq!(reply.citations.len(), 1);
    assert_eq!(reply.citations[0].filename.as_deref(), Some("manual.pdf"));
}

#[tokio::test]
async fn a_utf8_character_split_across_reads() {
    let body = event("c1", "你好", true);
    let at = body.find('你').unwrap() + 1; // inside the 3-byte character
    let server = serve(move |_, mut conn| {
        let body = body.clone();
        async move {
            conn.head_chunked(200, "text/event-stream").await;
            conn.chunks(&[&body.as_bytes()[..at], &body.as_bytes()[at..]])
                .await;
            conn.end().await;
            Some(conn)
        }
    })
    .await;
    let events = all(server.client().chatbot("b").stream("x").await.unwrap()).await;
    assert_eq!(contents(&events), ["你好"]);
}

#[tokio::test]
async fn a_stream_arriving_one_byte_at_a_time() {
    let body = event("c1", "逐", false) + ": ping\r\n\r\n" + &event("c1", "字", true);
    let server = serve(move |_, mut conn| {
        let body = body.clone();
        async move {
            conn.head_chunked(200, "text/event-stream").await;
            for byte in body.as_bytes() {
                conn.chunk(std::slice::from_ref(byte)).await.unwrap();
            }
            conn.end().await;
            Some(conn)
        }
    })
    .await;
    let events = all(server.client().chatbot("b").stream("x").await.unwrap()).await;
    assert_eq!(contents(&events), ["逐", "字"]);
}

#[tokio::test]
async fn the_first_delta_arrives_before_the_second_is_written() {
    let (go_tx, go_rx) = oneshot::channel::<()>();
    let go = std::sync::Mutex::new(Some(go_rx));
    let server = serve(move |_, mut conn| {
        let go = go.lock().unwrap().take().unwrap();
        async move {
            conn.head_chunked(200, "text/event-stream").await;
            conn.chunk(event("c1", "first", false).as_bytes())
                .await
                .unwrap();
            go.await.unwrap();
            conn.chunk(event("c1", "second", true).as_bytes())
                .await
                .unwrap();
            conn.end().await;
            Some(conn)
        }
    })
    .await;
    let mut stream = server.client().chatbot("b").stream("x").await.unwrap();
    let first = stream.next().await.unwrap().unwrap();
    assert_eq!(first.content, "first");
    go_tx.send(()).unwrap();
    let second = stream.next().await.unwrap().unwrap();
    assert_eq!(second.content, "second");
    assert!(stream.next().await.is_none());
}

#[tokio::test]
async fn text_yields_the_non_empty_deltas() {
    let body = event("c1", "a", false) + &event("c1", "", false) + &event("c1", "b", true);
    let server = sse_server(body).await;
    let stream = server.client().chatbot("b").stream("x").await.unwrap();
    let text: Vec<String> = stream.text().try_collect().await.unwrap();
    assert_eq!(text, ["a", "b"]);
}

#[tokio::test]
async fn after_the_final_event_the_body_is_read_so_the_connection_is_reused() {
    let server = serve(|_, mut conn| async move {
        conn.head_chunked(200, "text/event-stream").await;
        conn.chunk(event("c1", "a", true).as_bytes()).await.unwrap();
        tokio::time::sleep(Duration::from_millis(20)).await;
        conn.chunk(b": bye\n\ndata: [DONE]\n\n").await.unwrap();
        conn.end().await;
        Some(conn)
    })
    .await;
    let client = server.client();
    for _ in 0..3 {
        let reply = client
            .chatbot("b")
            .stream("x")
            .await
            .unwrap()
            .collect_reply()
            .await
            .unwrap();
        assert_eq!(reply.content, "a");
    }
    assert_eq!(server.connections(), 1);
}

#[tokio::test]
async fn a_json_answer_to_a_stream_request_is_one_final_event() {
    let server = serve(|_, mut conn| async move {
        let body = br#"{"conversationId":"c5","content":"whole","done":false}"#;
        conn.respond(200, "application/json", body).await;
        Some(conn)
    })
    .await;
    let events = all(server.client().chatbot("b").stream("x").await.unwrap()).await;
    assert_eq!(contents(&events), ["whole"]);
    assert!(events[0].done);
}
