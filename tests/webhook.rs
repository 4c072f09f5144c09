//! Webhook payload decoding, the receiver's answers, duplicate delivery and reply correlation.

use maiagent::types::{Feedback, FeedbackType, MessageType};
use maiagent::webhook::{decode, Delivery, ReplyHub};
use std::time::Duration;

const SEED_000_REPLY: &str = r#"{
    "id": "2491074a-6d23-4289-af45-caa12531420e",
    "conversation": "8e44604a-8278-4c96-96b5-3e5a0548d738",
    "sender": {
        "id": 324816370485542537671391323877394598747,
        "name": "AI 智能客服",
        "avatar": "https://example.com/a.png"
    },
    "type": "incoming",
    "content": "你好",
    "feedback": null,
    "createdAt": "1732495353000",
    "attachments": [],
    "citations": [],
    "citationNodes": []
}"#;

#[test]
fn decodes_the_documented_message_with_an_exact_128_bit_sender_id() {
    let m = decode(SEED_000_REPLY.as_bytes()).unwrap();
    let sender_id = m.sender.as_ref().unwrap().id.as_ref().unwrap();
    assert_eq!(
        sender_id.as_str(),
        "324816370485542537671391323877394598747"
    );
    assert_eq!(
        sender_id.as_u128(),
        Some(324816370485542537671391323877394598747)
    );
    let again = serde_json::to_string(&m).unwrap();
    assert!(
        again.contains(r#""id":324816370485542537671391323877394598747"#),
        "{again}"
    );
    assert_eq!(m.type_, Some(MessageType::Incoming));
    assert_eq!(m.created_at.unwrap().unix_millis(), Some(1_732_495_353_000));
}

#[test]
fn decodes_snake_case_uuid_sender_float_id_citations_and_unknowns() {
    let body = r#"{
        "id": "m-1", "conversation": "c-1",
        "sender": {"id": "2491074a-6d23-4289-af45-caa12531420f", "name": "bot", "phone_number": "+886"},
        "type": "bot_reply",
        "created_at": "2024-02-18T13:45:30.000Z",
        "content_payload": {"items": []},
        "feedback": "like",
        "citations": [{"id": "f1", "filename": "a.pdf", "pageRange": [1, 2], "brandNewField": true}],
        "citationNodes": [{"score": "0.93", "displayScore": 93}],
        "somethingNew": {"nested": [1, 2, 3]}
    }"#;
    let m = decode(body.as_bytes()).unwrap();
    assert_eq!(
        m.sender.as_ref().unwrap().phone_number.as_deref(),
        Some("+886")
    );
    assert!(m.type_.as_ref().unwrap().is_unknown());
    assert_eq!(m.type_.as_ref().unwrap().as_str(), Some("bot_reply"));
    assert_eq!(
        m.created_at.as_ref().unwrap().unix_millis(),
        Some(1_708_263_930_000)
    );
    assert!(m.content_payload.is_some());
    assert_eq!(
        m.feedback.as_deref(),
        Some(&Feedback::Rating(FeedbackType::Like))
    );
    assert_eq!(
        m.citations.as_ref().unwrap()[0].filename.as_deref(),
        Some("a.pdf")
    );
    let node = &m.citation_nodes.as_ref().unwrap()[0];
    assert_eq!(node.score.as_ref().unwrap().as_f64(), Some(0.93));

    let seed_001_sender = r#"{"conversation": "c", "sender": {"id": 2.992461161002561e+38}}"#;
    let m = decode(seed_001_sender.as_bytes()).unwrap();
    let id = m.sender.unwrap().id.unwrap();
    assert!(id.is_number());
    assert_eq!(id.as_str(), "2.992461161002561e+38");
}

#[test]
fn a_body_that_does_not_decode_names_the_field_and_why() {
    let err = decode(br#"{"conversation": "c", "sender": {"id": true}}"#).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("sender.id"), "{text}");
    assert!(text.contains("invalid type: boolean"), "{text}");

    for bad in [
        &b"not json"[..],
        b"[1,2]",
        b"{\"id\": \"x\"} trailing",
        b"",
        b"{\"citations\": 5}",
    ] {
        assert!(
            matches!(decode(bad), Err(maiagent::Error::Decode { .. })),
            "{:?}",
            String::from_utf8_lossy(bad)
        );
    }
}

fn message(id: &str, conversation: &str) -> maiagent::types::Message {
    decode(
        format!(r#"{{"id": "{id}", "conversation": "{conversation}", "content": "reply {id}"}}"#)
            .as_bytes(),
    )
    .unwrap()
}

#[tokio::test]
async fn the_hub_routes_by_conversation_drops_duplicates_and_times_out() {
    let hub = ReplyHub::new();
    let a = hub.waiter("conv-a");
    let b = hub.waiter("conv-b");
    assert_eq!(
        hub.deliver(message("m1", "conv-b")).await.unwrap(),
        Delivery::Delivered
    );
    assert_eq!(
        hub.deliver(message("m1", "conv-b")).await.unwrap(),
        Delivery::Duplicate
    );
    assert_eq!(
        hub.deliver(message("m2", "conv-a")).await.unwrap(),
        Delivery::Delivered
    );
    assert_eq!(
        hub.deliver(message("m3", "conv-z")).await.unwrap(),
        Delivery::Unclaimed
    );
    assert_eq!(
        b.wait(Duration::from_secs(1))
            .await
            .unwrap()
            .content
            .as_deref(),
        Some("reply m1")
    );
    assert_eq!(
        a.wait(Duration::from_secs(1))
            .await
            .unwrap()
            .content
            .as_deref(),
        Some("reply m2")
    );
    assert!(hub.has_seen("m3").await.unwrap());

    let lonely = hub.waiter("conv-c");
    let err = lonely.wait(Duration::from_millis(50)).await.unwrap_err();
    assert!(matches!(err, maiagent::Error::Timeout { .. }), "{err}");
    // A dropped waiter no longer claims messages.
    assert_eq!(
        hub.deliver(message("m4", "conv-c")).await.unwrap(),
        Delivery::Unclaimed
    );
}

#[cfg(feature = "webhook-receiver")]
mod receiver {
    use super::SEED_000_REPLY;
    use maiagent::webhook::receiver::WebhookReceiver;
    use reqwest::StatusCode;

    async fn serve(app: axum::Router) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        format!("http://{addr}/hooks/maiagent/secret-path")
    }

    #[tokio::test]
    async fn answers_200_400_405_413_and_401_and_delivers_duplicates_once() {
        let (receiver, mut rx) = WebhookReceiver::channel(8);
        let app = axum::Router::new().nest(
            "/hooks/maiagent/secret-path",
            receiver
                .body_limit(4096)
                .require_header("x-hook-secret", "s3cret")
                .into_router(),
        );
        let url = serve(app).await;
        let http = reqwest::Client::new();
        let post = |body: Vec<u8>, secret: Option<&str>| {
            let mut req = http.post(&url).body(body);
            if let Some(s) = secret {
                req = req.header("x-hook-secret", s);
            }
            req.send()
        };

        let ok = post(SEED_000_REPLY.into(), Some("s3cret")).await.unwrap();
        assert_eq!(ok.status(), StatusCode::OK);
        let got = rx.recv().await.unwrap();
        assert_eq!(got.content.as_deref(), Some("你好"));

        let dup = post(SEED_000_REPLY.into(), Some("s3cret")).await.unwrap();
        assert_eq!(dup.status(), StatusCode::OK);

        let bad = post(br#"{"sender": {"id": []}}"#.to_vec(), Some("s3cret"))
            .await
            .unwrap();
        assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
        let reason = bad.text().await.unwrap();
        assert!(reason.contains("sender.id"), "{reason}");

        let garbage = post(vec![0xff, 0x00, 0x13], Some("s3cret")).await.unwrap();
        assert_eq!(garbage.status(), StatusCode::BAD_REQUEST);

        let big = format!(r#"{{"content": "{}"}}"#, "x".repeat(10_000));
        let too_big = post(big.into_bytes(), Some("s3cret")).await.unwrap();
        assert_eq!(too_big.status(), StatusCode::PAYLOAD_TOO_LARGE);

        let no_secret = post(SEED_000_REPLY.into(), None).await.unwrap();
        assert_eq!(no_secret.status(), StatusCode::UNAUTHORIZED);
        let wrong_secret = post(SEED_000_REPLY.into(), Some("guess")).await.unwrap();
        assert_eq!(wrong_secret.status(), StatusCode::UNAUTHORIZED);

        let get = http.get(&url).send().await.unwrap();
        assert_eq!(get.status(), StatusCode::METHOD_NOT_ALLOWED);

        // Only the first delivery reached the channel.
        assert!(rx.try_recv().is_err());
    }
}

#[tokio::test]
async fn duration_max_means_no_deadline() {
    let hub = ReplyHub::new();
    let waiter = hub.waiter("conv-forever");
    let sender = hub.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(50)).await;
        sender.deliver(message("m-late", "conv-forever")).await
    });
    let reply = waiter.wait(Duration::MAX).await.unwrap();
    assert_eq!(reply.content.as_deref(), Some("reply m-late"));
}
