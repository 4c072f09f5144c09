//! The two clients a bench's sides use: the SDK's, and a plain `reqwest` client for the
//! hand-written side.

/// An SDK client for `base` with `key`, and a `reqwest` client without proxies. The SDK client
/// is built first: that gives rustls its crypto provider (reqwest comes without one under this
/// crate's `rustls` feature), which the `reqwest` client then uses too.
pub fn sdk_and_reqwest(base: &str, key: &str) -> (maiagent::Client, reqwest::Client) {
    let sdk = maiagent::Client::builder()
        .api_key(key)
        .base_url(base)
        .build()
        .expect("an SDK client");
    let http = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("a reqwest client");
    (sdk, http)
}
