//! The API's resources, named after the domain: conversations and messages (a chatbot's own calls are in [`crate::chatbot`]).

pub mod api;
pub mod conversations;
pub mod messages;
