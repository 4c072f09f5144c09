//! The TLS setup shared by every HTTP client this crate builds.

/// `reqwest::Client::builder()`, once rustls has a crypto provider.
///
/// With the `rustls` feature, reqwest comes without a crypto provider of its own
/// (`rustls-no-provider`) and this crate brings *ring*'s, which compiles much faster than
/// aws-lc-rs (a large C library). When the process has no default rustls provider yet, ring's
/// becomes the default; an application that installs a provider before building a client keeps
/// its own.
pub(crate) fn http_client_builder() -> reqwest::ClientBuilder {
    #[cfg(feature = "rustls")]
    rustls_provider();
    reqwest::Client::builder()
}

/// The process's default rustls crypto provider, *ring*'s when it had none (the SDK's own HTTP
/// client uses it, as reqwest does).
#[cfg(feature = "rustls")]
pub(crate) fn rustls_provider() -> std::sync::Arc<rustls::crypto::CryptoProvider> {
    if let Some(provider) = rustls::crypto::CryptoProvider::get_default() {
        return provider.clone();
    }
    // Fails only when another thread installed a provider meanwhile: that one is used then.
    let _ = rustls::crypto::ring::default_provider().install_default();
    rustls::crypto::CryptoProvider::get_default()
        .cloned()
        .unwrap_or_else(|| std::sync::Arc::new(rustls::crypto::ring::default_provider()))
}
