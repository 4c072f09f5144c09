//! The API's resources, named after the domain: conversations, messages and inboxes (a
//! chatbot's own calls are in [`crate::chatbot`]).

pub mod api;
pub mod conversations;
pub mod inboxes;
pub mod messages;
