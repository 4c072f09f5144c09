//! The mock's data: conversations, messages and chatbot records, and the seed it starts with.

use super::DemoData;
use crate::types::{
    Attachment, Canvas, ChannelType, ChatbotRecord, Citation, ContactSummary, Conversation, Flag,
    Id, Inbox, Message, MessageCreate, MessageType, NamedRef, Ref, Score, Sender, Timestamp,
};

/// The id of the bot as a sender: a 128-bit integer, as the vendor's own example shows.
const BOT_SENDER_ID: &str = "324816370485542537671391323877394598747";
/// When the seeded data happened (the vendor's example timestamp).
const SEED_EPOCH_MS: i64 = 1_732_495_353_000;

/// A new random id.
pub(crate) fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// A fixed, UUID-shaped id for seeded data.
fn seed_id(kind: u16, n: u64) -> String {
    format!("00000000-0000-4000-8{kind:03x}-{n:012x}")
}

/// The in-memory database. Sequence numbers order everything (newest = largest).
pub(crate) struct Store {
    seq: u64,
    last_ms: i64,
    pub(crate) web_chat: String,
    pub(crate) chatbot: String,
    inbox: Inbox,
    /// `(seq, conversation)`, oldest first.
    conversations: Vec<(u64, Conversation)>,
    /// `(seq, message)`, oldest first.
    messages: Vec<(u64, Message)>,
    /// `(seq, chatbot, record)`, oldest first.
    records: Vec<(u64, String, ChatbotRecord)>,
}

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Author {
    /// The conversation's contact.
    Contact,
    /// The AI assistant.
    Bot,
    /// A human agent, through `POST messages/outgoing/`.
    Agent,
}

impl Store {
    /// The seeded store and the ids of what it holds.
    pub(crate) fn seeded() -> (Self, DemoData) {
        let web_chat = seed_id(1, 1);
        let chatbot = seed_id(3, 1);
        let inbox = Inbox {
            id: Some(Id::from(seed_id(2, 1))),
            name: Some("MaiAgent 網頁聊天 Web Chat".to_string()),
            channel_type: Some(ChannelType::Web),
            unread_conversations_count: Some(0),
            sign_auth: None,
            channel: Some(Ref::NamedRef(NamedRef {
                id: Some(Id::from(web_chat.clone())),
                name: Some("MaiAgent 網頁聊天 Web Chat".to_string()),
                is_default: None,
            })),
            chatbot: Some(Ref::Id(Id::from(chatbot.clone()))),
        };
        let mut store = Store {
            seq: 0,
            last_ms: SEED_EPOCH_MS,
            web_chat: web_chat.clone(),
            chatbot: chatbot.clone(),
            inbox,
            conversations: Vec::new(),
            messages: Vec::new(),
            records: Vec::new(),
        };
        let threads: [(&str, &[&str]); 3] = [
            (
                "退貨流程詢問 Return policy",
                &["請問要怎麼退貨？", "需要保留發票嗎？"],
            ),
            ("訂單狀態 Order status", &["我的訂單 #1024 出貨了嗎？"]),
            (
                "產品推薦 Product recommendations",
                &["Which plan fits a team of five?", "有教育優惠嗎？"],
            ),
        ];
        let mut demo = DemoData {
            web_chat: Id::from(web_chat),
            inbox: Id::from(seed_id(2, 1)),
            chatbot: Id::from(chatbot.clone()),
            conversations: Vec::new(),
            messages: Vec::new(),
            records: Vec::new(),
        };
        for (n, (title, questions)) in threads.iter().enumerate() {
            let id = seed_id(4, n as u64 + 1);
            store.insert_conversation(id.clone(), title, Some(seed_id(5, n as u64 + 1)));
            demo.conversations.push(Id::from(id.clone()));
            for question in questions.iter() {
                let asked = store.add_message(&id, Author::Contact, question, None);
                let answered = store.add_message(&id, Author::Bot, &bot_reply(question), None);
                for m in [asked, answered] {
                    demo.messages.extend(m.id);
                }
            }
        }
        for n in 0..25u64 {
            let question = format!("常見問題 FAQ #{}: 營業時間是？ What are your hours?", n + 1);
            let answer = "我們的營業時間是週一至週五 9:00–18:00。We are open 9:00–18:00, Mon–Fri.";
            let record = store.add_record(&chatbot, Some(seed_id(6, n + 1)), &question, answer);
            demo.records.extend(record.id);
        }
        (store, demo)
    }

    fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    /// A strictly increasing time: now, or just after the last one handed out.
    fn tick(&mut self) -> Timestamp {
        let now = chrono::Utc::now().timestamp_millis();
        self.last_ms = now.max(self.last_ms + 1);
        Timestamp::from_millis(self.last_ms)
    }

    fn insert_conversation(&mut self, id: String, title: &str, contact: Option<String>) {
        let seq = self.next_seq();
        let created = self.tick();
        let contact = contact.unwrap_or_else(new_id);
        let tail: Vec<char> = contact.chars().rev().take(4).collect();
        let name = format!("訪客 Visitor {}", tail.iter().rev().collect::<String>());
        let conversation = Conversation {
            id: Id::from(id),
            contact: Some(ContactSummary {
                id: Some(Id::from(contact)),
                name: Some(name),
                avatar: None,
                source_id: None,
                created_at: Some(created.clone()),
            }),
            inbox: Some(Box::new(self.inbox.clone())),
            title: Some(title.to_string()),
            last_message: None,
            last_message_created_at: None,
            unread_messages_count: Some(0),
            auto_reply_enabled: Some(Flag::Bool(true)),
            is_auto_reply_now: Some(Flag::Bool(false)),
            last_read_at: None,
            created_at: Some(created),
            is_group_chat: Some(Flag::Bool(false)),
            enable_group_mention: None,
            enable_loading_animation: None,
            query_metadata: None,
            tool_mask: None,
            llm: None,
            ip_address: Some("127.0.0.1".to_string()),
            ip_country_code: None,
            ip_recorded_at: None,
        };
        self.conversations.push((seq, conversation));
    }

    /// Creates a conversation in `web_chat`; `None` if there is no such web chat.
    pub(crate) fn create_conversation(
        &mut self,
        web_chat: &str,
        title: &str,
    ) -> Option<Conversation> {
        if web_chat != self.web_chat {
            return None;
        }
        let id = new_id();
        self.insert_conversation(id.clone(), title, None);
        self.conversation(&id)
    }

    /// A conversation by id.
    pub(crate) fn conversation(&self, id: &str) -> Option<Conversation> {
        self.conversations
            .iter()
            .find(|(_, c)| c.id.as_str() == id)
            .map(|(_, c)| c.clone())
    }

    /// Conversations newest first, filtered by inbox and by a keyword in the title.
    pub(crate) fn conversations(
        &self,
        inbox: Option<&str>,
        keyword: Option<&str>,
    ) -> Vec<(u64, Conversation)> {
        let keyword = keyword.map(str::to_lowercase);
        self.conversations
            .iter()
            .rev()
            .filter(|(_, c)| {
                inbox.is_none_or(|i| {
                    c.inbox
                        .as_ref()
                        .and_then(|b| b.id.as_ref())
                        .is_some_and(|b| b == i)
                })
            })
            .filter(|(_, c)| {
                keyword.as_deref().is_none_or(|k| {
                    c.title
                        .as_deref()
                        .unwrap_or_default()
                        .to_lowercase()
                        .contains(k)
                })
            })
            .cloned()
            .collect()
    }

    /// Stores a message; `extra` carries what a `MessageCreate` adds (attachments, canvas, …).
    pub(crate) fn add_message(
        &mut self,
        conversation: &str,
        author: Author,
        content: &str,
        extra: Option<&MessageCreate>,
    ) -> Message {
        let seq = self.next_seq();
        let created = self.tick();
        let contact = self.conversation(conversation).and_then(|c| c.contact);
        let sender = match author {
            Author::Bot => Sender {
                id: Id::number(BOT_SENDER_ID),
                name: Some("AI 智能客服".to_string()),
                avatar: Some("https://example.com/maiagent-mock/bot.png".to_string()),
                ..Sender::default()
            },
            Author::Agent => Sender {
                id: Some(Id::from(seed_id(7, 1))),
                name: Some("客服專員 Agent".to_string()),
                email: Some("agent@example.com".to_string()),
                ..Sender::default()
            },
            Author::Contact => Sender {
                id: contact.as_ref().and_then(|c| c.id.clone()),
                name: contact.and_then(|c| c.name),
                ..Sender::default()
            },
        };
        let kind = match (author, extra.and_then(|e| e.type_.as_deref())) {
            (Author::Contact, Some(kind)) => MessageType::from(kind),
            (Author::Contact, None) => MessageType::Incoming,
            _ => MessageType::Outgoing,
        };
        let conversation_id = Id::from(conversation);
        let attachments = extra.map_or_else(Vec::new, |e| {
            e.attachments
                .iter()
                .map(|a| Attachment {
                    id: Some(Id::from(a.id.clone().unwrap_or_else(new_id))),
                    type_: a.type_.clone(),
                    filename: Some(a.filename.clone()),
                    file: Some(a.file.clone()),
                    conversation: Some(conversation_id.clone()),
                })
                .collect()
        });
        let message = Message {
            id: Some(Id::from(new_id())),
            conversation: Some(conversation_id),
            sender: Some(sender),
            type_: Some(kind),
            content: Some(content.to_string()),
            content_payload: extra.and_then(|e| e.content_payload.clone()),
            feedback: None,
            created_at: Some(created.clone()),
            attachments: Some(attachments),
            citations: Some(if author == Author::Bot {
                vec![citation()]
            } else {
                Vec::new()
            }),
            citation_nodes: Some(Vec::new()),
            canvas: extra.and_then(|e| e.canvas.as_ref()).map(|c| {
                Box::new(Canvas {
                    id: Some(Id::from(new_id())),
                    name: Some(c.name.clone()),
                    canvas_type: Some(c.canvas_type.clone()),
                    title: Some(c.title.clone()),
                    content: Some(c.content.clone()),
                    created_at: Some(created.clone()),
                })
            }),
            query_metadata: extra.and_then(|e| e.query_metadata.clone()),
        };
        if let Some((_, c)) = self
            .conversations
            .iter_mut()
            .find(|(_, c)| c.id.as_str() == conversation)
        {
            c.last_message = Some(Box::new(message.clone()));
            c.last_message_created_at = Some(created);
        }
        self.messages.push((seq, message.clone()));
        message
    }

    /// Messages newest first, of one conversation or of all.
    pub(crate) fn messages(&self, conversation: Option<&str>) -> Vec<(u64, Message)> {
        self.messages
            .iter()
            .rev()
            .filter(|(_, m)| conversation.is_none_or(|c| in_conversation(m, c)))
            .cloned()
            .collect()
    }

    /// A message by id, if it belongs to `conversation` (when given).
    pub(crate) fn message(&self, id: &str, conversation: Option<&str>) -> Option<Message> {
        self.messages
            .iter()
            .map(|(_, m)| m)
            .find(|m| m.id.as_ref().is_some_and(|i| i == id))
            .filter(|m| conversation.is_none_or(|c| in_conversation(m, c)))
            .cloned()
    }

    /// Stores a question-and-answer record of `chatbot`.
    pub(crate) fn add_record(
        &mut self,
        chatbot: &str,
        id: Option<String>,
        input: &str,
        output: &str,
    ) -> ChatbotRecord {
        let seq = self.next_seq();
        let created = self.tick();
        let n = seq % 10;
        let score = |base: u64| {
            let v = (base + n) as f64 / 100.0;
            (Score::from(v), Score::Text(format!("{}%", base + n)))
        };
        let (faith, faith_d) = score(88);
        let (rel, rel_d) = score(85);
        let (prec, prec_d) = score(80);
        let (corr, corr_d) = score(78);
        let (sim, sim_d) = score(90);
        let (recall, recall_d) = score(75);
        let record = ChatbotRecord {
            id: Some(Id::from(id.unwrap_or_else(new_id))),
            input_message: Some(input.to_string()),
            condense_message: Some(input.to_string()),
            output_message: Some(output.to_string()),
            context: Some(
                "MaiAgent 模擬知識庫 mock knowledge base: 營業時間 / opening hours".to_string(),
            ),
            faithfulness_score: Some(faith),
            display_faithfulness_score: Some(faith_d),
            answer_relevancy_score: Some(rel),
            display_answer_relevancy_score: Some(rel_d),
            context_precision_score: Some(prec),
            display_context_precision_score: Some(prec_d),
            answer_correctness_score: Some(corr),
            display_answer_correctness_score: Some(corr_d),
            answer_similarity_score: Some(sim),
            display_answer_similarity_score: Some(sim_d),
            context_recall_score: Some(recall),
            display_context_recall_score: Some(recall_d),
            reply_time: Some(format!("{:.2}", 0.4 + n as f64 / 10.0)),
            created_at: Some(created),
            error: None,
        };
        self.records
            .push((seq, chatbot.to_string(), record.clone()));
        record
    }

    /// A chatbot's records newest first; `None` for an unknown chatbot.
    pub(crate) fn records(&self, chatbot: &str) -> Option<Vec<ChatbotRecord>> {
        (chatbot == self.chatbot).then(|| {
            self.records
                .iter()
                .rev()
                .filter(|(_, c, _)| c == chatbot)
                .map(|(_, _, r)| r.clone())
                .collect()
        })
    }
}

fn in_conversation(message: &Message, conversation: &str) -> bool {
    message
        .conversation
        .as_ref()
        .is_some_and(|c| c == conversation)
}

/// The bot's canned answer to `question`, in Chinese and English, echoing it.
pub(crate) fn bot_reply(question: &str) -> String {
    format!(
        "你好！我是 MaiAgent 模擬助理，收到您的訊息：「{question}」。\
         Hello! I am the MaiAgent mock assistant. You said: \"{question}\""
    )
}

/// The knowledge-base file every bot reply cites.
pub(crate) fn citation() -> Citation {
    Citation {
        id: Some(Id::from(seed_id(8, 1))),
        filename: Some("常見問題 FAQ.pdf".to_string()),
        file: Some("https://example.com/maiagent-mock/faq.pdf".to_string()),
        file_type: Some("pdf".to_string()),
        knowledge_base: Some(NamedRef {
            id: Some(Id::from(seed_id(9, 1))),
            name: Some("模擬知識庫 Mock knowledge base".to_string()),
            is_default: None,
        }),
        size: Some(48_213),
        chunks_count: Some(12),
        created_at: Some(Timestamp::from_millis(SEED_EPOCH_MS)),
        ..Citation::default()
    }
}
