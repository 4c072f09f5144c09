//! The mock's storage host: presigned forms, and an endpoint that takes them as S3 does.
//!
//! `POST upload-presigned-url/` issues a form (a `key` and five signed fields) for one file of an
//! exact size; `POST /storage/maiagent-mock/` takes the form as S3 takes a presigned POST: the
//! signed fields must all come before the file and match what was issued, the file must have the
//! announced size, a `Content-Length` is required, and a request that carries an `Authorization`
//! header is refused (S3 accepts one authentication at a time; a client that sends one leaks its
//! API key to the storage host). Success is `204 No Content`; refusals are S3-style XML bodies.
//! File contents are counted, never kept.

use super::multipart::{self, FormReader, Part};
use bytes::Bytes;
use futures::Stream;
use http::{header, HeaderMap, StatusCode};
use std::collections::HashMap;

/// The path of the storage endpoint, under the mock's origin.
pub(crate) const STORAGE_PATH: &str = "/storage/maiagent-mock/";

/// The signed fields a form must carry, besides `key`.
const SIGNED: [&str; 5] = [
    "x-amz-algorithm",
    "x-amz-credential",
    "x-amz-date",
    "policy",
    "x-amz-signature",
];

/// One upload the storage endpoint received (successful or not).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct StorageUpload {
    /// The `key` field, if the form had one.
    pub key: Option<String>,
    /// The names of the form's parts in the order received (the file part included).
    pub field_names: Vec<String>,
    /// Whether the request carried an `Authorization` header.
    pub had_authorization: bool,
    /// The request's `Content-Length`, if sent.
    pub content_length: Option<u64>,
    /// The size of the file part, if one was read.
    pub file_size: Option<u64>,
    /// The status the storage endpoint answered.
    pub status: u16,
}

/// A form issued by `upload-presigned-url/`.
#[derive(Debug, Clone)]
struct Issued {
    fields: Vec<(String, String)>,
    file_size: u64,
}

/// A stored object.
#[derive(Debug, Clone)]
pub(crate) struct StoredObject {
    /// The size in bytes.
    pub(crate) size: u64,
    /// The object's URL on the storage endpoint.
    pub(crate) url: String,
}

/// Issued forms, stored objects and the record of uploads.
#[derive(Debug, Default)]
pub(crate) struct Storage {
    issued: HashMap<String, Issued>,
    objects: HashMap<String, StoredObject>,
    uploads: Vec<StorageUpload>,
}

impl Storage {
    /// Issues a form for one file: the storage URL and the fields, in order.
    pub(crate) fn issue(
        &mut self,
        origin: &str,
        folder: &str,
        filename: &str,
        file_size: u64,
    ) -> (String, Vec<(String, String)>) {
        let key = format!(
            "media/{folder}/{}/{}",
            super::state::new_id(),
            filename.replace('/', "_")
        );
        let now = chrono::Utc::now();
        let date = now.format("%Y%m%dT%H%M%SZ").to_string();
        let credential = format!(
            "MOCKACCESSKEY/{}/us-east-1/s3/aws4_request",
            now.format("%Y%m%d")
        );
        let expiration = (now + chrono::Duration::hours(1)).to_rfc3339();
        let policy = serde_json::json!({
            "expiration": expiration,
            "conditions": [
                {"bucket": "maiagent-mock"},
                {"key": key},
                ["content-length-range", file_size, file_size],
                {"x-amz-algorithm": "AWS4-HMAC-SHA256"},
                {"x-amz-credential": credential},
                {"x-amz-date": date},
            ],
        });
        let signature = format!("{:016x}{:016x}", fastrand::u64(..), fastrand::u64(..));
        let fields = vec![
            ("key".to_string(), key.clone()),
            (
                "x-amz-algorithm".to_string(),
                "AWS4-HMAC-SHA256".to_string(),
            ),
            ("x-amz-credential".to_string(), credential),
            ("x-amz-date".to_string(), date),
            ("policy".to_string(), base64(policy.to_string().as_bytes())),
            ("x-amz-signature".to_string(), signature),
        ];
        self.issued.insert(
            key,
            Issued {
                fields: fields.clone(),
                file_size,
            },
        );
        (format!("{origin}{STORAGE_PATH}"), fields)
    }

    /// Stores an object received through the API itself (`POST attachments-upload/`); returns
    /// its URL.
    pub(crate) fn store_direct(
        &mut self,
        origin: &str,
        folder: &str,
        filename: &str,
        size: u64,
    ) -> String {
        let key = format!(
            "media/{folder}/{}/{}",
            super::state::new_id(),
            filename.replace('/', "_")
        );
        let url = format!("{origin}{STORAGE_PATH}{key}");
        self.objects.insert(
            key,
            StoredObject {
                size,
                url: url.clone(),
            },
        );
        url
    }

    /// The object stored under `key` (or under the key a stored object's URL names).
    pub(crate) fn object(&self, key_or_url: &str) -> Option<&StoredObject> {
        self.objects.get(key_or_url).or_else(|| {
            self.objects
                .values()
                .find(|object| object.url == key_or_url)
        })
    }

    /// Every upload received so far.
    pub(crate) fn uploads(&self) -> Vec<StorageUpload> {
        self.uploads.clone()
    }
}

/// What the storage endpoint answers, with the record of the upload.
pub(crate) struct Outcome {
    pub(crate) status: StatusCode,
    pub(crate) body: Option<String>,
}

/// Reads one upload and answers it as S3 would. `storage` is locked only between reads.
pub(crate) async fn receive<S, E>(
    storage: &std::sync::Mutex<Storage>,
    origin: &str,
    headers: &HeaderMap,
    body: S,
) -> Outcome
where
    S: Stream<Item = Result<Bytes, E>> + Send + 'static,
    E: std::fmt::Display,
{
    let mut record = StorageUpload {
        key: None,
        field_names: Vec::new(),
        had_authorization: headers.contains_key(header::AUTHORIZATION),
        content_length: headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok()),
        file_size: None,
        status: 0,
    };
    let outcome = check(storage, origin, headers, body, &mut record).await;
    record.status = outcome.status.as_u16();
    super::lock(storage).uploads.push(record);
    outcome
}

async fn check<S, E>(
    storage: &std::sync::Mutex<Storage>,
    origin: &str,
    headers: &HeaderMap,
    body: S,
    record: &mut StorageUpload,
) -> Outcome
where
    S: Stream<Item = Result<Bytes, E>> + Send + 'static,
    E: std::fmt::Display,
{
    if record.had_authorization {
        return refuse(
            StatusCode::BAD_REQUEST,
            "InvalidArgument",
            "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, \
             Signature query string parameter or the Authorization header should be specified",
        );
    }
    if record.content_length.is_none() {
        return refuse(
            StatusCode::LENGTH_REQUIRED,
            "MissingContentLength",
            "You must provide the Content-Length HTTP header.",
        );
    }
    let boundary = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(multipart::boundary);
    let Some(boundary) = boundary else {
        return refuse(
            StatusCode::PRECONDITION_FAILED,
            "PreconditionFailed",
            "Bucket POST must be of the enclosure-type multipart/form-data",
        );
    };
    let mut reader = FormReader::new(body, &boundary);
    let mut fields: Vec<(String, String)> = Vec::new();
    let mut file: Option<u64> = None;
    loop {
        match reader.next_part().await {
            Ok(Some(Part::Field { name, value })) => {
                record.field_names.push(name.clone());
                // S3 ignores the fields that follow the file.
                if file.is_none() {
                    if name == "key" {
                        record.key = Some(value.clone());
                    }
                    fields.push((name.to_ascii_lowercase(), value));
                }
            }
            Ok(Some(Part::File { name, size, .. })) => {
                record.field_names.push(name.clone());
                if name == "file" && file.is_none() {
                    record.file_size = Some(size);
                    file = Some(size);
                }
            }
            Ok(None) => break,
            Err(multipart::Malformed(why)) => {
                return refuse(
                    StatusCode::BAD_REQUEST,
                    "MalformedPOSTRequest",
                    &format!(
                    "The body of your POST request is not well-formed multipart/form-data: {why}"
                ),
                )
            }
        }
    }
    let value = |name: &str| {
        fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    let Some(size) = file else {
        return refuse(
            StatusCode::BAD_REQUEST,
            "InvalidArgument",
            "POST requires exactly one file upload per request.",
        );
    };
    let Some(key) = value("key") else {
        return refuse(
            StatusCode::BAD_REQUEST,
            "InvalidArgument",
            "Bucket POST must contain a field named 'key'.  If it is specified, please check the order of the fields.",
        );
    };
    let mut store = super::lock(storage);
    let Some(issued) = store.issued.get(key).cloned() else {
        return refuse(
            StatusCode::FORBIDDEN,
            "AccessDenied",
            "Invalid according to Policy: Policy Condition failed: [\"eq\", \"$key\", ...]",
        );
    };
    for name in SIGNED {
        let expected = issued
            .fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str());
        if value(name) != expected {
            return refuse(
                StatusCode::FORBIDDEN,
                "AccessDenied",
                &format!(
                    "Invalid according to Policy: the form's `{name}` is missing before the file or does not match the policy"
                ),
            );
        }
    }
    if size > issued.file_size {
        return refuse(
            StatusCode::BAD_REQUEST,
            "EntityTooLarge",
            "Your proposed upload exceeds the maximum allowed size",
        );
    }
    if size < issued.file_size {
        return refuse(
            StatusCode::BAD_REQUEST,
            "EntityTooSmall",
            "Your proposed upload is smaller than the minimum allowed size",
        );
    }
    let url = format!("{origin}{STORAGE_PATH}{key}");
    store
        .objects
        .insert(key.to_string(), StoredObject { size, url });
    Outcome {
        status: StatusCode::NO_CONTENT,
        body: None,
    }
}

/// An S3-style XML error.
fn refuse(status: StatusCode, code: &str, message: &str) -> Outcome {
    let escape = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    Outcome {
        status,
        body: Some(format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{}</Code><Message>{}</Message><RequestId>{}</RequestId></Error>",
            escape(code),
            escape(message),
            super::state::new_id()
        )),
    }
}

/// Standard base64 with padding.
fn base64(bytes: &[u8]) -> String {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(TABLE[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::upload::multipart::Framing;
    use futures::{stream, StreamExt};
    use std::sync::Mutex;

    async fn post(
        storage: &Mutex<Storage>,
        fields: &[(String, String)],
        file_len: u64,
        sent_len: u64,
        authorization: bool,
    ) -> Outcome {
        let framing = Framing::new(
            fields.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            "file",
            "a.bin",
            "application/octet-stream",
            file_len,
        );
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_TYPE,
            framing.content_type().parse().unwrap(),
        );
        headers.insert(header::CONTENT_LENGTH, framing.content_length().into());
        if authorization {
            headers.insert(header::AUTHORIZATION, "Api-Key k".parse().unwrap());
        }
        let data = vec![7u8; usize::try_from(sent_len).unwrap()];
        let chunks: Vec<Bytes> = framing
            .body(stream::iter(vec![Ok(Bytes::from(data))]))
            .map(|r| r.unwrap_or_default())
            .collect()
            .await;
        let body = stream::iter(chunks.into_iter().map(Ok::<_, String>));
        receive(storage, "http://127.0.0.1:1", &headers, body).await
    }

    #[tokio::test]
    async fn an_issued_form_is_accepted_and_the_object_resolves() {
        let storage = Mutex::new(Storage::default());
        let (url, fields) = super::super::lock(&storage).issue(
            "http://127.0.0.1:1",
            "chat/attachment",
            "a.bin",
            100,
        );
        assert_eq!(url, "http://127.0.0.1:1/storage/maiagent-mock/");
        let names: Vec<&str> = fields.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(names[0], "key");
        assert!(SIGNED.iter().all(|s| names.contains(s)));
        let outcome = post(&storage, &fields, 100, 100, false).await;
        assert_eq!(outcome.status, StatusCode::NO_CONTENT);
        let key = &fields[0].1;
        let store = super::super::lock(&storage);
        assert_eq!(store.object(key).map(|o| o.size), Some(100));
        let upload = &store.uploads()[0];
        assert_eq!(upload.field_names.last().map(String::as_str), Some("file"));
        assert_eq!(upload.file_size, Some(100));
    }

    #[tokio::test]
    async fn authorization_missing_fields_and_wrong_sizes_are_refused() {
        let storage = Mutex::new(Storage::default());
        let (_, fields) = super::super::lock(&storage).issue("o", "chat/attachment", "a", 10);
        let with_auth = post(&storage, &fields, 10, 10, true).await;
        assert_eq!(with_auth.status, StatusCode::BAD_REQUEST);
        assert!(with_auth
            .body
            .unwrap()
            .contains("<Code>InvalidArgument</Code>"));
        let without_policy: Vec<_> = fields
            .iter()
            .filter(|(k, _)| k != "policy")
            .cloned()
            .collect();
        let refused = post(&storage, &without_policy, 10, 10, false).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        let too_big = post(&storage, &fields, 11, 11, false).await;
        assert!(too_big.body.unwrap().contains("EntityTooLarge"));
        let too_small = post(&storage, &fields, 9, 9, false).await;
        assert!(too_small.body.unwrap().contains("EntityTooSmall"));
    }

    #[test]
    fn base64_matches_the_standard_alphabet() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"{\"a\":1}"), "eyJhIjoxfQ==");
    }
}
