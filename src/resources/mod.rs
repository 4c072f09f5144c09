//! The API's resources, named after the domain: conversations, messages, chatbots.

pub mod chatbots;
pub mod conversations;
pub mod messages;
