//! The redirect rule of the SDK's HTTP client: follow at most 10 redirects, never from `https`
//! to plain `http`. (The API key is never sent to another host on a redirect: reqwest drops the
//! `Authorization` header whenever the scheme, host or port changes, whatever the policy.)
#![deny(clippy::arithmetic_side_effects)]

use reqwest::redirect::{Attempt, Policy};
use reqwest::Url;

/// The policy: refuses a scheme downgrade, otherwise reqwest's default (at most 10 hops).
pub(crate) fn policy() -> Policy {
    Policy::custom(|attempt: Attempt<'_>| {
        let downgrade = attempt.url().scheme() == "http"
            && attempt.previous().iter().any(|u| u.scheme() == "https");
        if downgrade {
            let location = shown(attempt.url());
            return attempt.error(DowngradeRefused { location });
        }
        Policy::default().redirect(attempt)
    })
}

/// The redirect target of a refused downgrade, when `error` is one.
pub(crate) fn refused_downgrade(error: &reqwest::Error) -> Option<String> {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = source {
        if let Some(refused) = e.downcast_ref::<DowngradeRefused>() {
            return Some(refused.location.clone());
        }
        source = e.source();
    }
    None
}

/// A URL without its user name, password, query and fragment.
fn shown(url: &Url) -> String {
    let mut url = url.clone();
    let _ = url.set_username("");
    let _ = url.set_password(None);
    url.set_query(None);
    url.set_fragment(None);
    url.to_string()
}

#[derive(Debug)]
struct DowngradeRefused {
    location: String,
}

impl std::fmt::Display for DowngradeRefused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "refused a redirect from https to plain http ({})",
            self.location
        )
    }
}

impl std::error::Error for DowngradeRefused {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shown_urls_carry_no_credentials_or_query() {
        let url = Url::parse("http://user:pw@example.com:8080/a/b?token=x#f").unwrap();
        assert_eq!(shown(&url), "http://example.com:8080/a/b");
    }
}
