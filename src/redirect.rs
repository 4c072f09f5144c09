//! The redirect rule of the SDK's HTTP clients: follow at most 10 redirects, never from `https`
//! to plain `http`, and never send the API key to another origin.
//!
//! Two clients apply it: the SDK's own ([`Hop`], in its send loop) and a `reqwest::Client`
//! ([`policy`]; reqwest drops the `Authorization` header whenever the scheme, host or port
//! changes, whatever the policy). The SDK's own client is stricter on one point: once a hop
//! left the origin, no later hop carries the key, even one that comes back.
#![deny(clippy::arithmetic_side_effects)]

use crate::transport::Outgoing;
use crate::Error;
use reqwest::header::{
    HeaderMap, AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, COOKIE, LOCATION, PROXY_AUTHORIZATION,
};
use reqwest::redirect::{Attempt, Policy};
use reqwest::{Method, StatusCode, Url};

/// Redirects followed at most, as reqwest's default policy.
const MAX_REDIRECTS: u8 = 10;

/// Where the next request of a call goes, and what it keeps of the first one (the SDK's own
/// client rebuilds the request for each hop and applies this).
#[derive(Debug, Clone)]
pub(crate) struct Hop {
    /// How many redirects led here.
    redirects: u8,
    /// The URL, or `None` for the first request (its own).
    url: Option<Url>,
    /// The method, or `None` for the first request's.
    method: Option<Method>,
    /// Whether the body (and its `Content-Type`) is sent again: only while the method stays.
    keep_body: bool,
    /// Whether the `Authorization` header (and cookies) are sent: only while every hop so far
    /// stayed on the first request's origin.
    keep_credentials: bool,
}

impl Hop {
    /// The first request of a call, as it was built.
    pub(crate) const FIRST: Hop = Hop {
        redirects: 0,
        url: None,
        method: None,
        keep_body: true,
        keep_credentials: true,
    };

    /// The hop after a response of `status` with `headers` to this hop's request (`method` to
    /// `url`): `None` when the response is not a redirect to follow (it is then the answer),
    /// an error when it redirects from `https` to plain `http` or one time too many.
    pub(crate) fn next(
        &self,
        method: &Method,
        url: &Url,
        status: StatusCode,
        headers: &HeaderMap,
    ) -> Result<Option<Self>, Error> {
        let next_method = match status.as_u16() {
            301 | 302 if method == Method::POST => Method::GET,
            303 if method != Method::HEAD => Method::GET,
            301 | 302 | 303 | 307 | 308 => method.clone(),
            _ => return Ok(None),
        };
        let Some(target) = headers
            .get(LOCATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|location| url.join(location).ok())
            .filter(|target| matches!(target.scheme(), "http" | "https"))
        else {
            // No usable `Location`: the redirect itself is the answer.
            return Ok(None);
        };
        if url.scheme() == "https" && target.scheme() == "http" {
            return Err(Error::InsecureRedirect {
                location: shown(&target),
            });
        }
        if self.redirects >= MAX_REDIRECTS {
            return Err(Error::connection(
                false,
                format!("more than {MAX_REDIRECTS} redirects"),
            ));
        }
        Ok(Some(Self {
            redirects: self.redirects.saturating_add(1),
            keep_body: self.keep_body && next_method == method,
            keep_credentials: self.keep_credentials && same_origin(url, &target),
            url: Some(target),
            method: Some(next_method),
        }))
    }

    /// `request` (the call's first request, built again) sent to this hop.
    pub(crate) fn apply(&self, mut request: Outgoing) -> Outgoing {
        if let Some(url) = &self.url {
            request.url = url.clone();
        }
        if let Some(method) = &self.method {
            request.method = method.clone();
        }
        if !self.keep_body {
            request.body = None;
            request.headers.remove(CONTENT_TYPE);
            request.headers.remove(CONTENT_LENGTH);
        }
        if !self.keep_credentials {
            for name in [AUTHORIZATION, PROXY_AUTHORIZATION, COOKIE] {
                request.headers.remove(name);
            }
        }
        request
    }
}

/// Whether `a` and `b` have the same scheme, host and port.
pub(crate) fn same_origin(a: &Url, b: &Url) -> bool {
    a.scheme() == b.scheme()
        && a.host_str() == b.host_str()
        && a.port_or_known_default() == b.port_or_known_default()
}

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

    fn redirect(location: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(LOCATION, location.parse().unwrap());
        headers
    }

    fn request(method: Method, url: &str) -> Outgoing {
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, "Api-Key k".parse().unwrap());
        headers.insert(CONTENT_TYPE, "application/json".parse().unwrap());
        Outgoing {
            method,
            url: Url::parse(url).unwrap(),
            headers,
            body: Some(bytes::Bytes::from_static(b"{}")),
        }
    }

    #[test]
    fn hops_keep_the_method_and_body_only_on_307_and_308() {
        let url = Url::parse("https://api.example/api/v1/messages/").unwrap();
        let status = |code| StatusCode::from_u16(code).unwrap();
        let first = Hop::FIRST;
        let post = Method::POST;
        for (code, method, body) in [
            (301, Method::GET, false),
            (302, Method::GET, false),
            (303, Method::GET, false),
            (307, Method::POST, true),
            (308, Method::POST, true),
        ] {
            let next = first
                .next(&post, &url, status(code), &redirect("/api/v2/messages/"))
                .unwrap()
                .unwrap();
            let sent = next.apply(request(Method::POST, url.as_str()));
            assert_eq!(sent.method, method, "{code}");
            assert_eq!(sent.body.is_some(), body, "{code}");
            assert_eq!(sent.headers.contains_key(CONTENT_TYPE), body, "{code}");
            assert_eq!(sent.url.as_str(), "https://api.example/api/v2/messages/");
            assert!(sent.headers.contains_key(AUTHORIZATION), "same origin");
        }
        let next = first.next(&Method::HEAD, &url, status(303), &redirect("x"));
        assert_eq!(next.unwrap().unwrap().method, Some(Method::HEAD));
        for not_followed in [200, 304, 404] {
            let answer = first.next(&post, &url, status(not_followed), &redirect("/elsewhere/"));
            assert!(answer.unwrap().is_none(), "{not_followed}");
        }
        let ftp = first.next(&post, &url, status(307), &redirect("ftp://api.example/"));
        assert!(
            ftp.unwrap().is_none(),
            "a redirect to another scheme is the answer"
        );
        let none = first.next(&post, &url, status(307), &HeaderMap::new());
        assert!(
            none.unwrap().is_none(),
            "a redirect without a location is the answer"
        );
    }

    #[test]
    fn the_key_never_leaves_the_origin_even_on_the_way_back() {
        let url = Url::parse("https://api.example/api/v1/x/").unwrap();
        let status = StatusCode::TEMPORARY_REDIRECT;
        let (first, get) = (Hop::FIRST, Method::GET);
        let away = first
            .next(&get, &url, status, &redirect("https://api.example:8443/x/"))
            .unwrap()
            .unwrap();
        let sent = away.apply(request(Method::GET, url.as_str()));
        assert!(!sent.headers.contains_key(AUTHORIZATION));
        let back = away
            .next(&get, &sent.url, status, &redirect("https://api.example/x/"))
            .unwrap()
            .unwrap();
        let sent = back.apply(request(Method::GET, url.as_str()));
        assert!(!sent.headers.contains_key(AUTHORIZATION), "{sent:?}");
        let downgrade = first.next(&get, &url, status, &redirect("http://api.example/x/?k=1"));
        let Err(Error::InsecureRedirect { location }) = downgrade else {
            panic!("{downgrade:?}");
        };
        assert_eq!(location, "http://api.example/x/");
    }

    #[test]
    fn shown_urls_carry_no_credentials_or_query() {
        let url = Url::parse("http://user:pw@example.com:8080/a/b?token=x#f").unwrap();
        assert_eq!(shown(&url), "http://example.com:8080/a/b");
    }
}
