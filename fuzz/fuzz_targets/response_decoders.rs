//! Every response type's decoder on arbitrary bytes: it may fail, never panic, and what it
//! decodes re-encodes to a body it decodes again.
#![no_main]

use libfuzzer_sys::fuzz_target;
use maiagent::types::{
    ChatbotRecord, ChatbotRecordPage, Completion, Conversation, ConversationPage, Message,
    MessagePage,
};
use serde::{de::DeserializeOwned, Serialize};

fn round_trip<T: DeserializeOwned + Serialize>(data: &[u8]) {
    if let Ok(value) = serde_json::from_slice::<T>(data) {
        let again = serde_json::to_vec(&value).expect("a decoded value encodes");
        serde_json::from_slice::<T>(&again).expect("a re-encoded value decodes");
    }
}

fuzz_target!(|data: &[u8]| {
    round_trip::<Message>(data);
    round_trip::<MessagePage>(data);
    round_trip::<Conversation>(data);
    round_trip::<ConversationPage>(data);
    round_trip::<ChatbotRecord>(data);
    round_trip::<ChatbotRecordPage>(data);
    round_trip::<Completion>(data);
});
