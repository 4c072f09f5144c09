//! The API's resources, named after the domain: conversations, messages, attachments, inboxes,
//! contacts, knowledge bases and their files, and models (a chatbot's own calls, and the
//! chatbots' settings, are in [`crate::chatbot`]).

pub mod api;
pub mod attachments;
pub mod contacts;
pub mod conversations;
pub mod inboxes;
pub mod knowledge_base_files;
pub mod knowledge_bases;
pub mod messages;
pub mod models;
