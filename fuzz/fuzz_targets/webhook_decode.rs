//! The webhook decoder on arbitrary bytes: it may fail, never panic, and what it decodes
//! re-encodes to a body it decodes again.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(message) = maiagent::webhook::decode(data) {
        let again = serde_json::to_vec(&message).expect("a decoded message encodes");
        maiagent::webhook::decode(&again).expect("a re-encoded message decodes");
    }
});
