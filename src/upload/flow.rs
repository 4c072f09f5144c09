//! The presigned upload: ask for a form, post the file to the storage host, return its key.

use super::source::{post_to_storage, ProgressFn, UploadFile};
use crate::transport::Request;
use crate::types::{AttachmentType, UploadPresignedUrl, UploadPresignedUrlRequest};
use crate::{Call, Client, Error, Operation};

/// What a presigned upload stored.
#[derive(Debug, Clone)]
pub(crate) struct Stored {
    /// The storage key, to register with the API.
    pub(crate) key: String,
    /// The name the file was uploaded under.
    pub(crate) filename: String,
    /// Its attachment type (given, or inferred from the name).
    pub(crate) kind: AttachmentType,
}

/// Uploads `file` through a presigned form for `model_name` (`attachment` or `chatbot-file`).
pub(crate) async fn presigned_upload(
    client: &Client,
    file: UploadFile,
    model_name: &str,
    progress: Option<ProgressFn>,
) -> Result<Stored, Error> {
    let opened = file.open().await?;
    let body = UploadPresignedUrlRequest {
        filename: opened.filename.clone(),
        model_name: model_name.to_string(),
        field_name: "file".to_string(),
        file_size: i64::try_from(opened.len).map_err(|_| Error::InvalidRequest {
            message: format!("{} bytes is too large to upload", opened.len),
        })?,
    };
    let request = Request::new(Operation::UploadPresignedUrlCreate, &[]).json(&body);
    let form: UploadPresignedUrl = Call::new(client, request).await?;
    let missing = |what: &str| {
        let source = <serde_json::Error as serde::de::Error>::custom(format!("no `{what}`"));
        Error::decode("the presigned upload form", &[], source)
    };
    let url = form
        .url
        .filter(|u| !u.trim().is_empty())
        .ok_or_else(|| missing("url"))?;
    let fields = form.fields.ok_or_else(|| missing("fields"))?;
    let key = fields
        .get("key")
        .map(str::to_string)
        .ok_or_else(|| missing("fields.key"))?;
    let (filename, kind) = (opened.filename.clone(), opened.kind.clone());
    post_to_storage(client.http(), &url, &fields, opened, progress).await?;
    Ok(Stored {
        key,
        filename,
        kind,
    })
}
