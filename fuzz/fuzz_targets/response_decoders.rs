//! Every response type's decoder on arbitrary bytes, as the client decodes a response: it may
//! fail, never panic, agrees with `serde_json::from_slice`, and what it decodes re-encodes to a
//! body it decodes again (`maiagent::__fuzz::check_response_decoders`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    maiagent::__fuzz::check_response_decoders(data);
});
