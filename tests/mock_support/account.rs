//! Drives every operation of attachments, inboxes, chatbots, knowledge bases, models and
//! contacts through the facade against a mock, with their filters and both update methods: the
//! conformance tests check what goes over the wire each way.

use futures::TryStreamExt;
use maiagent::mock::MockServer;
use maiagent::types::{AttachmentCreate, KnowledgeBaseCreate, KnowledgeBaseFileInput};
use maiagent::upload::UploadFile;
use maiagent::Client;
use std::time::Duration;

/// Calls every operation at least once; panics on an unexpected failure.
pub async fn drive_account(client: &Client, mock: &MockServer, dir: &std::path::Path) {
    let demo = mock.demo();

    // Inboxes: list (with each filter) and get; the Web Chat inbox names its Web Chat.
    let inboxes: Vec<_> = client
        .inboxes()
        .list()
        .items()
        .try_collect()
        .await
        .expect("inboxes");
    assert!(inboxes.len() >= 2);
    let web: Vec<_> = client
        .inboxes()
        .list()
        .channel_type("web")
        .chatbot(demo.chatbot.as_str())
        .page_size(1)
        .items()
        .try_collect()
        .await
        .expect("web inboxes");
    assert_eq!(web.len(), 1);
    assert_eq!(web[0].channel_id(), Some(&demo.web_chat));
    client
        .inboxes()
        .get(demo.inbox.as_str())
        .await
        .expect("inbox");

    // Chatbots: list, get, update (only the fields given).
    let bots: Vec<_> = client
        .chatbots()
        .list()
        .page_size(1)
        .items()
        .try_collect()
        .await
        .expect("chatbots");
    assert!(bots.len() >= 2);
    let bot = client
        .chatbots()
        .get(demo.chatbot.as_str())
        .await
        .expect("chatbot");
    assert_eq!(bot.api_web_chat_id.as_deref(), Some(demo.web_chat.as_str()));
    let updated = client
        .chatbots()
        .update(demo.chatbot.as_str())
        .instructions("Answer in 繁體中文.")
        .await
        .expect("update chatbot");
    assert_eq!(updated.instructions.as_deref(), Some("Answer in 繁體中文."));
    assert_eq!(updated.name, bot.name, "fields not given are kept");

    // Models.
    let embedding = client
        .models()
        .embedding()
        .await
        .expect("embedding")
        .into_models();
    let reranker = client
        .models()
        .reranker()
        .await
        .expect("reranker")
        .into_models();
    let embedding = embedding[0].id.clone().expect("an id").to_string();
    let reranker = reranker[0].id.clone().expect("an id").to_string();

    // Knowledge bases: create, get, list (filtered), replace (PUT), update (PATCH), delete.
    let kbs = client.knowledge_bases();
    let kb = kbs
        .create("產品手冊 Manuals", &embedding, &reranker)
        .description("for the tests")
        .number_of_retrieved_chunks(8)
        .chatbots([demo.chatbot.as_str()])
        .await
        .expect("create kb");
    let kb_id = kb.id.clone().expect("an id").to_string();
    kbs.get(&kb_id).await.expect("get kb");
    let found: Vec<_> = kbs
        .list()
        .search("Manuals")
        .items()
        .try_collect()
        .await
        .expect("kbs");
    assert_eq!(found.len(), 1);
    let replaced = kbs
        .replace(
            &kb_id,
            &KnowledgeBaseCreate {
                name: "Manuals v2".into(),
                embedding_model: embedding.clone(),
                reranker_model: reranker.clone(),
                description: Some("replaced".into()),
                enable_hyde: Some(false),
                enable_rerank: Some(true),
                number_of_retrieved_chunks: Some(12),
                sentence_window_size: Some(2),
                similarity_cutoff: Some(0.2),
                chatbots: Vec::new(),
                groups: Vec::new(),
            },
        )
        .await
        .expect("replace kb");
    assert_eq!(replaced.name.as_deref(), Some("Manuals v2"));
    let renamed = kbs
        .update(&kb_id)
        .name("Manuals v3")
        .await
        .expect("update kb");
    assert_eq!(renamed.description.as_deref(), Some("replaced"));

    // Knowledge-base files: upload (presigned), register, list, get, wait, delete.
    let files = kbs.files(&kb_id);
    let manual = dir.join("manual.md");
    std::fs::write(&manual, "# 手冊\n\n退貨請在七天內辦理。\n").expect("write");
    let uploaded = files
        .upload(manual.as_path())
        .await
        .expect("upload kb file");
    let file_id = uploaded.id.clone().expect("an id").to_string();
    let done = files
        .wait_until_processed(&file_id, Duration::from_secs(20))
        .await
        .expect("processed");
    assert_eq!(done.status.map(|s| s.to_string()).as_deref(), Some("done"));
    let key_file = client
        .attachments()
        .upload(UploadFile::bytes("faq.txt", "Q: 營業時間？ A: 9-18"))
        .await
        .expect("an upload to register");
    let batch = files
        .register(vec![KnowledgeBaseFileInput {
            file: key_file.file.clone().expect("a url"),
            filename: "faq.txt".into(),
            parser: None,
        }])
        .await
        .expect("register kb file")
        .into_files();
    assert_eq!(batch.len(), 1);
    let listed: Vec<_> = files
        .list()
        .page_size(1)
        .items()
        .try_collect()
        .await
        .expect("files");
    assert_eq!(listed.len(), 2);
    files.get(&file_id).await.expect("get file");
    files.delete(&file_id).await.expect("delete file");
    kbs.delete(&kb_id).await.expect("delete kb");

    // Attachments: presigned upload (plain and in a conversation), register, one-step upload.
    let conversation = demo.conversations[0].as_str();
    let photo = dir.join("cat.jpg");
    std::fs::write(&photo, [0xffu8, 0xd8, 0xff, 0xe0, 0, 16]).expect("write");
    let in_conversation = client
        .attachments()
        .upload(photo.as_path())
        .conversation(conversation)
        .await
        .expect("upload in a conversation");
    assert_eq!(
        in_conversation.type_.map(|t| t.to_string()).as_deref(),
        Some("image")
    );
    client
        .attachments()
        .register(&AttachmentCreate {
            file: key_file.file.clone().expect("a url"),
            filename: "again.txt".into(),
            type_: None,
            conversation: None,
        })
        .await
        .expect("register");
    let direct = client
        .attachments()
        .upload_direct(UploadFile::bytes("receipt.pdf", vec![b'%'; 2048]))
        .await
        .expect("one-step upload");
    assert_eq!(direct.filename.as_deref(), Some("receipt.pdf"));
    let sent = client
        .messages()
        .send(conversation, "請看附件")
        .attach_file(&photo)
        .await
        .expect("a message with a file");
    assert_eq!(sent.attachments.map(|a| a.len()), Some(1));
    client
        .chatbot(demo.chatbot.as_str())
        .complete("這是什麼？")
        .attach_file(&photo)
        .await
        .expect("a completion with a file");

    // Contacts: create, list (filtered), get, update (only the fields given), delete.
    let contacts = client.contacts();
    let contact = contacts
        .create("陳大文")
        .inbox(demo.inbox.as_str())
        .email("tai.man@example.com")
        .phone_number("+886912345678")
        .source_id("crm-42")
        .await
        .expect("create contact");
    let contact_id = contact.id.clone().expect("an id").to_string();
    let mine: Vec<_> = contacts
        .list()
        .inbox(demo.inbox.as_str())
        .search("crm-42")
        .items()
        .try_collect()
        .await
        .expect("contacts");
    assert_eq!(mine.len(), 1);
    contacts
        .list()
        .page_size(1)
        .first_page()
        .await
        .expect("a page");
    contacts.get(&contact_id).await.expect("get contact");
    let renamed = contacts
        .update(&contact_id)
        .name("Tai Man")
        .await
        .expect("update contact");
    assert_eq!(renamed.email, contact.email, "fields not given are kept");
    contacts.delete(&contact_id).await.expect("delete contact");
    assert!(contacts.get(&contact_id).await.unwrap_err().is_not_found());
}
