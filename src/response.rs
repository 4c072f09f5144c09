//! [`Response`]: a decoded value with the status and headers it came with.

use reqwest::header::HeaderMap;
use reqwest::StatusCode;

/// The header names a request id may come in, most specific first.
const REQUEST_ID_HEADERS: [&str; 4] = ["x-request-id", "request-id", "x-amzn-requestid", "cf-ray"];

/// A value with the HTTP status and headers of the response it was decoded from. It
/// dereferences to the value.
///
/// ```no_run
/// # async fn run(client: maiagent::Client) -> Result<(), maiagent::Error> {
/// let response = client
///     .conversations()
///     .get("8e44604a-8278-4c96-96b5-3e5a0548d738")
///     .send_with_response()
///     .await?;
/// println!("{} {:?} {:?}", response.status(), response.request_id(), response.title);
/// let conversation = response.into_inner();
/// # let _ = conversation;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Response<T> {
    value: T,
    status: StatusCode,
    headers: HeaderMap,
}

impl<T> Response<T> {
    pub(crate) fn new(value: T, status: StatusCode, headers: HeaderMap) -> Self {
        Self {
            value,
            status,
            headers,
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The request id the server sent (`x-request-id` or a similar header), if any.
    pub fn request_id(&self) -> Option<&str> {
        request_id(&self.headers)
    }

    /// The value.
    pub fn into_inner(self) -> T {
        self.value
    }

    /// The value, with the status and headers.
    pub fn into_parts(self) -> (T, StatusCode, HeaderMap) {
        (self.value, self.status, self.headers)
    }
}

impl<T> std::ops::Deref for Response<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T> std::ops::DerefMut for Response<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.value
    }
}

/// The request id of a response's headers.
pub(crate) fn request_id(headers: &HeaderMap) -> Option<&str> {
    REQUEST_ID_HEADERS
        .iter()
        .find_map(|h| headers.get(*h)?.to_str().ok())
}
