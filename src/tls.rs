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
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // Fails only when another thread installed a provider meanwhile: that one is used then.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
    reqwest::Client::builder()
}
