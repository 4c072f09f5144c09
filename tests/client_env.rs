//! Configuration from the environment. One test function: environment variables are
//! process-wide.

use maiagent::{Client, Error};

#[test]
fn from_env_requires_the_key_names_the_variable_and_reads_the_base_url() {
    std::env::remove_var("MAIAGENT_API_KEY");
    std::env::remove_var("MAIAGENT_BASE_URL");
    let err = Client::from_env().unwrap_err();
    assert!(matches!(err, Error::Config { .. }), "{err:?}");
    assert!(err.to_string().contains("MAIAGENT_API_KEY"), "{err}");

    std::env::set_var("MAIAGENT_API_KEY", "  ");
    let err = Client::from_env().unwrap_err();
    assert!(
        err.to_string()
            .contains("MAIAGENT_API_KEY is set but empty"),
        "{err}"
    );

    std::env::set_var("MAIAGENT_API_KEY", "key-from-env");
    let client = Client::from_env().unwrap();
    assert_eq!(
        client.base_url().as_str(),
        "https://api.maiagent.ai/api/v1/"
    );

    std::env::set_var("MAIAGENT_BASE_URL", "https://api.maiagent.com/api");
    let client = Client::from_env().unwrap();
    assert_eq!(client.base_url().as_str(), "https://api.maiagent.com/api/");

    std::env::set_var("MAIAGENT_BASE_URL", "http://api.maiagent.com/api/v1/");
    let err = Client::from_env().unwrap_err();
    assert!(err.to_string().contains("http://"), "{err}");

    std::env::remove_var("MAIAGENT_API_KEY");
    std::env::remove_var("MAIAGENT_BASE_URL");
}
