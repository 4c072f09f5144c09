//! Uploads through the mock's storage host: the form carries every presigned field in order and
//! the file last, never the API key, and the exact size; storage refusals are typed errors; a
//! knowledge-base file that fails to process is a typed error with the server's reason.
#![cfg(feature = "mock")]

use maiagent::mock::{MockConfig, MockServer};
use maiagent::upload::UploadFile;
use maiagent::{Client, Error};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

async fn start() -> (MockServer, Client) {
    let mock = MockServer::start_with(MockConfig::for_tests())
        .await
        .expect("the mock starts");
    let client = Client::builder()
        .api_key(mock.api_key())
        .base_url(mock.base_url())
        .build()
        .expect("a client");
    (mock, client)
}

#[tokio::test]
async fn the_form_has_every_field_in_order_the_file_last_no_key_and_the_exact_size() {
    let (mock, client) = start().await;
    let bytes: Vec<u8> = (0..300_001u32).map(|i| (i % 251) as u8).collect();
    let reported = Arc::new(AtomicU64::new(0));
    let seen = Arc::clone(&reported);
    let attachment = client
        .attachments()
        .upload(UploadFile::bytes("voice.m4a", bytes.clone()))
        .on_progress(move |p| seen.store(p.sent, Ordering::SeqCst))
        .await
        .expect("the upload");
    assert_eq!(
        attachment.type_.map(|t| t.to_string()).as_deref(),
        Some("audio")
    );
    assert_eq!(reported.load(Ordering::SeqCst), bytes.len() as u64);

    // What the API was asked: the exact size, the attachment model.
    let presign = mock
        .requests()
        .into_iter()
        .find(|r| r.path.ends_with("/upload-presigned-url/"))
        .expect("a presign request");
    let body = presign.body_json().expect("JSON");
    assert_eq!(body["fileSize"], bytes.len() as u64);
    assert_eq!(body["modelName"], "attachment");
    // The answer's fields, in the order the server wrote them.
    let answer: maiagent::types::UploadPresignedUrl =
        serde_json::from_slice(presign.response_body.as_deref().expect("an answer"))
            .expect("a presigned answer");
    let fields: Vec<String> = answer
        .fields
        .expect("fields")
        .iter()
        .map(|(name, _)| name.to_string())
        .collect();

    // What the storage host received.
    let uploads = mock.storage_uploads();
    assert_eq!(uploads.len(), 1);
    let upload = &uploads[0];
    assert_eq!(upload.status, 204);
    assert!(
        !upload.had_authorization,
        "the API key went to the storage host"
    );
    assert_eq!(upload.file_size, Some(bytes.len() as u64));
    assert!(upload.content_length.is_some(), "a chunked upload");
    let (file, form_fields) = upload.field_names.split_last().expect("parts");
    assert_eq!(file, "file");
    assert_eq!(
        form_fields,
        fields.as_slice(),
        "the presigned fields, in order"
    );
    for needed in [
        "key",
        "x-amz-algorithm",
        "x-amz-credential",
        "x-amz-date",
        "policy",
        "x-amz-signature",
    ] {
        assert!(
            form_fields.iter().any(|f| f == needed),
            "{needed} is missing"
        );
    }
    // The attachment resolves when a message names it.
    let conversation = mock.demo().conversations[0].to_string();
    let message = client
        .messages()
        .send(&conversation, "聽聽看")
        .attachment(maiagent::types::AttachmentInput {
            id: attachment.id.as_ref().map(|i| i.to_string()),
            type_: None,
            filename: String::new(),
            file: String::new(),
            conversation: None,
        })
        .await
        .expect("a message");
    let sent = &message.attachments.expect("attachments")[0];
    assert_eq!(sent.file, attachment.file);
}

#[tokio::test]
async fn a_storage_refusal_is_a_typed_error_naming_the_storage_status() {
    use axum::{routing::post, Json, Router};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let origin = format!("http://{}", listener.local_addr().expect("addr"));
    let storage = format!("{origin}/bucket/");
    let app = Router::new()
        .route(
            "/api/v1/upload-presigned-url/",
            post(move || {
                let storage = storage.clone();
                async move {
                    Json(serde_json::json!({"url": storage, "fields": {"key": "k", "policy": "p"}}))
                }
            }),
        )
        .route(
            "/bucket/",
            post(|| async {
                (
                    http::StatusCode::FORBIDDEN,
                    "<?xml version=\"1.0\"?><Error><Code>AccessDenied</Code><Message>Invalid according to Policy: Policy expired.</Message></Error>",
                )
            }),
        );
    tokio::spawn(async move { axum::serve(listener, app).await });
    let client = Client::builder()
        .api_key("secret-key")
        .base_url(format!("{origin}/api/v1/"))
        .build()
        .expect("a client");
    let err = client
        .attachments()
        .upload(UploadFile::bytes("a.txt", "hello"))
        .await
        .expect_err("storage refuses");
    assert_eq!(err.status(), Some(http::StatusCode::FORBIDDEN));
    let Error::Storage(storage) = &err else {
        panic!("not a storage error: {err:?}");
    };
    assert_eq!(storage.code.as_deref(), Some("AccessDenied"));
    let text = err.to_string();
    assert!(
        text.contains("403") && text.contains("AccessDenied"),
        "{text}"
    );
    assert!(!text.contains("secret-key"));
}

#[tokio::test]
async fn a_knowledge_base_file_is_processed_or_fails_with_the_reason() {
    let (mock, client) = start().await;
    let kbs = client.knowledge_bases();
    let kb = kbs
        .list()
        .first_page()
        .await
        .expect("a page")
        .results
        .remove(0);
    let files = kbs.files(kb.id.expect("an id").as_str());
    let good = files
        .upload(UploadFile::bytes("faq.md", "# FAQ"))
        .await
        .expect("upload");
    assert_eq!(
        good.status.map(|s| s.to_string()).as_deref(),
        Some("initial")
    );
    let done = files
        .wait_until_processed(good.id.expect("id").as_str(), Duration::MAX)
        .await
        .expect("processed");
    assert_eq!(done.status.map(|s| s.to_string()).as_deref(), Some("done"));

    let bad = files
        .upload(UploadFile::bytes("scan-fail.pdf", vec![0u8; 10]))
        .await
        .expect("upload");
    let bad_id = bad.id.expect("id").to_string();
    match files
        .wait_until_processed(&bad_id, Duration::from_secs(20))
        .await
    {
        Err(Error::FileProcessingFailed { file, reason }) => {
            assert_eq!(file, bad_id);
            assert!(reason.expect("a reason").contains("could not be parsed"));
        }
        other => panic!("expected a processing failure, got {other:?}"),
    }
    // A short wait ends with the file's last status.
    let slow = files
        .upload(UploadFile::bytes("later.txt", "x"))
        .await
        .expect("upload");
    match files
        .wait_until_processed(slow.id.expect("id").as_str(), Duration::from_millis(10))
        .await
    {
        Err(Error::StillProcessing { status, .. }) => assert_eq!(status, "initial"),
        other => panic!("expected StillProcessing, got {other:?}"),
    }
    assert_eq!(mock.storage_uploads().len(), 3);
}

/// Uploads 1 GiB from disk through the mock's storage host and prints the process's peak RSS
/// (mock and test harness included). Run:
/// `cargo test --release --all-features --test uploads -- --ignored --nocapture`.
/// `cargo bench --bench upload_memory --features mock` measures the upload alone, in a process
/// of its own, beside a hand-written baseline.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "uploads 1 GiB; run by hand to measure the peak RSS"]
async fn one_gibibyte_from_disk_keeps_memory_flat() {
    const SIZE: u64 = 1 << 30;
    let (mock, client) = start().await;
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("big.bin");
    std::fs::File::create(&path)
        .and_then(|f| f.set_len(SIZE))
        .expect("a sparse 1 GiB file");
    let before = peak_rss_kib();
    let started = std::time::Instant::now();
    let attachment = client
        .attachments()
        .upload(path.as_path())
        .await
        .expect("the upload");
    let elapsed = started.elapsed();
    let after = peak_rss_kib();
    assert!(attachment.id.is_some());
    assert_eq!(mock.storage_uploads()[0].file_size, Some(SIZE));
    println!(
        "uploaded 1 GiB in {elapsed:.1?}; peak RSS {:.1} MiB (before the upload: {:.1} MiB)",
        after as f64 / 1024.0,
        before as f64 / 1024.0
    );
    // The process (test harness, runtime, mock) starts near 100 MiB in a debug build; the
    // upload itself must not grow the peak by more than 50 MiB.
    assert!(
        after - before < 50 * 1024,
        "peak RSS grew from {before} KiB to {after} KiB"
    );
}

fn peak_rss_kib() -> i64 {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage writes a rusage into the pointer it is given.
    let usage = unsafe {
        libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr());
        usage.assume_init()
    };
    usage.ru_maxrss
}
