//! The embedded mock (`--features mock`) with a client aimed at it.

use maiagent::mock::{MockConfig, MockServer};
use maiagent::{Client, ClientBuilder, RetryPolicy};

/// Starts the mock with `config` and returns it with a client of it: the mock's API key and base
/// URL, and no retries (a test sees each answer as the mock gave it).
pub async fn mock_and_client(config: MockConfig) -> (MockServer, Client) {
    mock_and_client_with(config, |builder| builder).await
}

/// [`mock_and_client`], with the client builder adjusted by `configure` (timeouts, a retry
/// policy, a base path) before it is built.
pub async fn mock_and_client_with(
    config: MockConfig,
    configure: impl FnOnce(ClientBuilder) -> ClientBuilder,
) -> (MockServer, Client) {
    let mock = MockServer::start_with(config)
        .await
        .expect("the mock starts");
    let client = client_of_with(&mock, configure);
    (mock, client)
}

/// A client of a running mock, as [`mock_and_client`] makes it.
pub fn client_of(mock: &MockServer) -> Client {
    client_of_with(mock, |builder| builder)
}

/// [`client_of`], with the builder adjusted by `configure` before it is built.
pub fn client_of_with(
    mock: &MockServer,
    configure: impl FnOnce(ClientBuilder) -> ClientBuilder,
) -> Client {
    let builder = Client::builder()
        .api_key(mock.api_key())
        .base_url(mock.base_url())
        .retry_policy(RetryPolicy::none());
    configure(builder).build().expect("a client of the mock")
}
