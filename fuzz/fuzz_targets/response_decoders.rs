//! Every response type's decoder on arbitrary bytes, as the client decodes a response: it may
//! fail, never panic, agrees with `serde_json::from_slice`, and what it decodes re-encodes to a
//! body it decodes again.
#![no_main]

use libfuzzer_sys::fuzz_target;
use maiagent::types::{
    ChatbotRecord, ChatbotRecordPage, Completion, Conversation, ConversationPage, Message,
    MessagePage,
};
use serde::{de::DeserializeOwned, Serialize};

fn round_trip<T: DeserializeOwned + Serialize + PartialEq + std::fmt::Debug>(data: &[u8]) {
    let decoded = maiagent::__fuzz::decode_response::<T>(data).ok();
    if !data.iter().all(u8::is_ascii_whitespace) {
        // A whitespace-only body reads as `null` in the client, not in `from_slice`.
        assert_eq!(decoded, serde_json::from_slice::<T>(data).ok());
    }
    if let Some(value) = decoded {
        let again = serde_json::to_vec(&value).expect("a decoded value encodes");
        maiagent::__fuzz::decode_response::<T>(&again).expect("a re-encoded value decodes");
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
