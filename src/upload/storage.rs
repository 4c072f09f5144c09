//! The storage host's answer to a presigned upload.

use reqwest::StatusCode;

/// The storage host refused a presigned upload.
///
/// S3 and compatible stores answer an XML body such as
/// `<Error><Code>AccessDenied</Code><Message>Invalid according to Policy</Message></Error>`,
/// most often with 403 (an expired or violated policy) or 400 (a malformed form, a file larger
/// than the policy allows). The status, the code and the message are kept; the storage URL is
/// not (it may carry credentials in its query).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct StorageError {
    /// The storage host's HTTP status.
    pub status: StatusCode,
    /// The error code of an S3-style XML body (`AccessDenied`, `EntityTooLarge`, ...).
    pub code: Option<String>,
    /// The human-readable message of an S3-style XML body.
    pub message: Option<String>,
    /// The start of the body, as text (at most 64 KiB).
    pub body: String,
}

impl StorageError {
    /// Reads an error answer of the storage host.
    pub(crate) fn from_body(status: StatusCode, body: &[u8]) -> Self {
        let text = crate::error::snippet(body);
        Self {
            status,
            code: xml_element(&text, "Code"),
            message: xml_element(&text, "Message"),
            body: text,
        }
    }
}

impl std::fmt::Display for StorageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the storage host refused the upload with HTTP {}",
            self.status
        )?;
        match (&self.code, &self.message) {
            (Some(code), Some(message)) => write!(f, " ({code}: {message})"),
            (Some(code), None) => write!(f, " ({code})"),
            (None, Some(message)) => write!(f, " ({message})"),
            (None, None) => Ok(()),
        }
    }
}

/// The text of the first `<name>...</name>` element, with the five XML entities decoded.
fn xml_element(text: &str, name: &str) -> Option<String> {
    let open = format!("<{name}>");
    let close = format!("</{name}>");
    let start = text.find(&open)? + open.len();
    let end = start + text[start..].find(&close)?;
    let value = text[start..end]
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&");
    Some(value.trim().to_string()).filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_s3_error_body_names_its_code_and_message() {
        let body = br#"<?xml version="1.0" encoding="UTF-8"?>
<Error><Code>AccessDenied</Code><Message>Invalid according to Policy: Policy expired.</Message><RequestId>X</RequestId></Error>"#;
        let e = StorageError::from_body(StatusCode::FORBIDDEN, body);
        assert_eq!(e.code.as_deref(), Some("AccessDenied"));
        assert_eq!(
            e.message.as_deref(),
            Some("Invalid according to Policy: Policy expired.")
        );
        assert_eq!(
            e.to_string(),
            "the storage host refused the upload with HTTP 403 Forbidden \
             (AccessDenied: Invalid according to Policy: Policy expired.)"
        );
    }

    #[test]
    fn a_body_that_is_not_xml_keeps_the_status() {
        let e = StorageError::from_body(StatusCode::BAD_REQUEST, b"<html>nope</html>");
        assert_eq!(e.code, None);
        assert_eq!(
            e.to_string(),
            "the storage host refused the upload with HTTP 400 Bad Request"
        );
        assert_eq!(e.body, "<html>nope</html>");
    }

    #[test]
    fn entities_are_decoded() {
        assert_eq!(
            xml_element("<Message>a &amp; b &lt;c&gt;</Message>", "Message").as_deref(),
            Some("a & b <c>")
        );
    }
}
