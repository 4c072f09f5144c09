//! The plain `reqwest` client of a bench's hand-written side.

/// A `reqwest` client without proxies, as a user writes it. Under this crate's `rustls`
/// feature reqwest comes without a crypto provider, so *ring*'s is installed first (the one the
/// SDK installs too; a provider already installed is kept).
pub fn reqwest_client() -> reqwest::Client {
    let _ = tokio_rustls::rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("a reqwest client")
}
