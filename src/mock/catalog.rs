//! The mock's account data beyond conversations: inboxes, chatbots, models, knowledge bases and
//! their files, contacts and attachments, and the seed they start with.

use super::DemoData;
use crate::types::{
    AiModel, Attachment, AttachmentType, ChannelType, Chatbot, Contact, Flag, Id, Inbox,
    KnowledgeBase, KnowledgeBaseFile, KnowledgeBaseFileStatus, NamedRef, Ref, ReplyMode, Score,
    Timestamp,
};
use std::time::{Duration, Instant};

/// A knowledge-base file and when it was registered; its status follows from the time.
#[derive(Debug, Clone)]
pub(crate) struct FileEntry {
    pub(crate) knowledge_base: String,
    pub(crate) file: KnowledgeBaseFile,
    registered: Instant,
    fails: bool,
}

impl FileEntry {
    /// The file as the API shows it now: `initial` for one step of `step`, `processing` for the
    /// next, then `done`, or `failed` (with a reason) for a file named like `*fail*`.
    pub(crate) fn view(&self, step: Duration) -> KnowledgeBaseFile {
        let elapsed = self.registered.elapsed();
        let mut file = self.file.clone();
        let (status, reason) = if elapsed < step {
            (KnowledgeBaseFileStatus::Initial, None)
        } else if elapsed < step.saturating_mul(2) {
            (KnowledgeBaseFileStatus::Processing, None)
        } else if self.fails {
            (
                KnowledgeBaseFileStatus::Failed,
                Some("The file could not be parsed: no text found.".to_string()),
            )
        } else {
            (KnowledgeBaseFileStatus::Done, None)
        };
        if status == KnowledgeBaseFileStatus::Done {
            file.chunks_count = Some(1 + file.size.unwrap_or(0) / 1000);
        }
        file.status = Some(status);
        file.failed_reason = reason;
        file
    }
}

/// Everything the mock keeps besides conversations, messages and records.
#[derive(Debug)]
pub(crate) struct Catalog {
    pub(crate) inboxes: Vec<Inbox>,
    pub(crate) chatbots: Vec<Chatbot>,
    pub(crate) embedding_models: Vec<AiModel>,
    pub(crate) reranker_models: Vec<AiModel>,
    pub(crate) knowledge_bases: Vec<KnowledgeBase>,
    pub(crate) files: Vec<FileEntry>,
    pub(crate) contacts: Vec<Contact>,
    pub(crate) attachments: Vec<Attachment>,
}

/// A fixed, UUID-shaped id for seeded data (kinds 20 and up; `state.rs` uses lower kinds).
fn seed_id(kind: u16, n: u64) -> String {
    format!("00000000-0000-4000-8{kind:03x}-{n:012x}")
}

/// Now, as the API writes it (13-digit milliseconds).
pub(crate) fn now() -> Timestamp {
    Timestamp::from_millis(chrono::Utc::now().timestamp_millis())
}

fn named(id: &str, name: &str) -> NamedRef {
    NamedRef {
        id: Some(Id::from(id)),
        name: Some(name.to_string()),
        is_default: None,
    }
}

fn model(id: String, name: &str, default: bool) -> AiModel {
    AiModel {
        id: Some(Id::from(id)),
        name: Some(name.to_string()),
        is_default: Some(Flag::from(default)),
    }
}

impl Catalog {
    /// The seed: the demo's Web Chat inbox and chatbot, a LINE inbox, a second chatbot, two
    /// models of each kind, one knowledge base and two contacts.
    pub(crate) fn seeded(demo: &DemoData, webhook_url: Option<String>) -> Self {
        let web_chat_name = "MaiAgent 網頁聊天 Web Chat";
        let chatbot = demo.chatbot.to_string();
        let inboxes = vec![
            Inbox {
                id: Some(demo.inbox.clone()),
                name: Some(web_chat_name.to_string()),
                channel_type: Some(ChannelType::Web),
                channel: Some(Ref::NamedRef(named(demo.web_chat.as_str(), web_chat_name))),
                chatbot: Some(Ref::Id(demo.chatbot.clone())),
                unread_conversations_count: Some(0),
                sign_auth: None,
            },
            Inbox {
                id: Some(Id::from(seed_id(20, 2))),
                name: Some("LINE 官方帳號".to_string()),
                channel_type: Some(ChannelType::Line),
                channel: Some(Ref::NamedRef(named(
                    &seed_id(21, 2),
                    "LINE Official Account",
                ))),
                chatbot: Some(Ref::Id(demo.chatbot.clone())),
                unread_conversations_count: Some(0),
                sign_auth: None,
            },
        ];
        let embedding_models = vec![
            model(seed_id(22, 1), "text-embedding-3-large", true),
            model(seed_id(22, 2), "bge-m3", false),
        ];
        let reranker_models = vec![
            model(seed_id(23, 1), "bge-reranker-v2-m3", true),
            model(seed_id(23, 2), "cohere-rerank-v3.5", false),
        ];
        let chatbot_named = |id: &str, name: &str| Ref::NamedRef(named(id, name));
        let chatbots = vec![
            Chatbot {
                id: Some(demo.chatbot.clone()),
                name: Some("AI 智能客服".to_string()),
                instructions: Some("你是親切的客服助理。".to_string()),
                webhook_url: webhook_url.clone(),
                api_web_chat_id: Some(demo.web_chat.to_string()),
                reply_mode: Some(ReplyMode::Normal),
                large_language_model: Some(chatbot_named(&seed_id(24, 1), "gpt-4o")),
                embedding_model: Some(chatbot_named(&seed_id(22, 1), "text-embedding-3-large")),
                reranker_model: Some(chatbot_named(&seed_id(23, 1), "bge-reranker-v2-m3")),
                enable_chinese_conversion: Some(Flag::from(false)),
                updated_at: Some(now()),
                ..Chatbot::default()
            },
            Chatbot {
                id: Some(Id::from(seed_id(25, 2))),
                name: Some("內部知識助理 Internal assistant".to_string()),
                instructions: Some("Answer from the knowledge base only.".to_string()),
                reply_mode: Some(ReplyMode::Normal),
                large_language_model: Some(chatbot_named(&seed_id(24, 1), "gpt-4o")),
                updated_at: Some(now()),
                ..Chatbot::default()
            },
        ];
        let knowledge_bases = vec![KnowledgeBase {
            id: Some(Id::from(seed_id(9, 1))),
            name: Some("模擬知識庫 Mock knowledge base".to_string()),
            description: Some("The knowledge base every bot reply cites.".to_string()),
            embedding_model: Some(Ref::Id(Id::from(seed_id(22, 1)))),
            reranker_model: Some(Ref::Id(Id::from(seed_id(23, 1)))),
            number_of_retrieved_chunks: Some(12),
            sentence_window_size: Some(2),
            enable_hyde: Some(Flag::from(false)),
            similarity_cutoff: Some(Score::from(0.0)),
            enable_rerank: Some(Flag::from(true)),
            chatbots: Some(vec![named(&chatbot, "AI 智能客服")]),
            groups: Some(Vec::new()),
            files_count: Some(0),
            created_at: Some(now()),
            updated_at: Some(now()),
            ..KnowledgeBase::default()
        }];
        let contact = |n: u64, name: &str, email: &str| Contact {
            id: Some(Id::from(seed_id(26, n))),
            name: Some(name.to_string()),
            email: Some(email.to_string()),
            inboxes: Some(vec![named(demo.inbox.as_str(), web_chat_name)]),
            created_at: Some(now()),
            updated_at: Some(now()),
            ..Contact::default()
        };
        Self {
            inboxes,
            chatbots,
            embedding_models,
            reranker_models,
            knowledge_bases,
            files: Vec::new(),
            contacts: vec![
                contact(1, "王小明", "ming@example.com"),
                contact(2, "Jane Doe", "jane@example.com"),
            ],
            attachments: Vec::new(),
        }
    }

    /// The inbox with this id.
    pub(crate) fn inbox(&self, id: &str) -> Option<&Inbox> {
        self.inboxes.iter().find(|i| id_is(&i.id, id))
    }

    /// Registers a knowledge-base file; it starts `initial`.
    pub(crate) fn add_file(&mut self, knowledge_base: &str, mut file: KnowledgeBaseFile) {
        let fails = file
            .filename
            .as_deref()
            .is_some_and(|n| n.to_ascii_lowercase().contains("fail"));
        file.status = Some(KnowledgeBaseFileStatus::Initial);
        self.files.push(FileEntry {
            knowledge_base: knowledge_base.to_string(),
            file,
            registered: Instant::now(),
            fails,
        });
        self.count_files(knowledge_base);
    }

    /// Updates a knowledge base's `filesCount`.
    pub(crate) fn count_files(&mut self, knowledge_base: &str) {
        let n = self
            .files
            .iter()
            .filter(|f| f.knowledge_base == knowledge_base)
            .count();
        if let Some(kb) = self
            .knowledge_bases
            .iter_mut()
            .find(|kb| id_is(&kb.id, knowledge_base))
        {
            kb.files_count = Some(n as i64);
        }
    }

    /// An attachment by id, by stored key or by URL.
    pub(crate) fn attachment(&self, id: &str) -> Option<&Attachment> {
        self.attachments
            .iter()
            .find(|a| id_is(&a.id, id) || a.file.as_deref() == Some(id))
    }
}

/// Whether an optional id is `id`.
pub(crate) fn id_is(value: &Option<Id>, id: &str) -> bool {
    value.as_ref().is_some_and(|v| v.as_str() == id)
}

/// A new attachment of an uploaded object.
pub(crate) fn attachment(kind: Option<AttachmentType>, filename: &str, url: &str) -> Attachment {
    let kind = kind.unwrap_or_else(|| crate::upload::infer_kind(filename).0);
    Attachment {
        id: Some(Id::from(super::state::new_id())),
        type_: Some(kind),
        filename: Some(filename.to_string()),
        file: Some(url.to_string()),
        conversation: None,
    }
}
