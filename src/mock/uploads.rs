//! Presigned uploads, the storage endpoint, attachments, and the one-step upload.
#![allow(clippy::result_large_err)] // The error side is the HTTP answer, made once per request.

use super::account::{body_as, not_found, Id1, Shr};
use super::catalog::attachment;
use super::front::{detail, field_errors};
use super::multipart::{boundary, FormReader, Part};
use super::storage::{self, Outcome};
use super::{lock, validate};
use crate::types::{
    AttachmentCreate, PresignedFields, UploadPresignedUrl, UploadPresignedUrlRequest,
};
use axum::{
    body::Bytes,
    extract::{Path, Request, State},
    response::{IntoResponse, Response},
    Json,
};
use http::{header, HeaderMap, StatusCode};

/// The storage folder of a presign's `modelName`.
fn folder(model_name: &str) -> Option<&'static str> {
    match model_name {
        "attachment" => Some("chat/attachment"),
        "chatbot-file" => Some("chatbots/chatbot-file"),
        _ => None,
    }
}

/// `POST upload-presigned-url/`: a form for one file of an exact size.
pub(crate) async fn presign(State(shared): Shr, body: Bytes) -> Response {
    let request: UploadPresignedUrlRequest =
        match body_as(&body, &["filename", "modelName", "fieldName"]) {
            Ok(request) => request,
            Err(response) => return response,
        };
    let Some(folder) = folder(request.model_name.trim()) else {
        let text = format!("\"{}\" is not a valid choice.", request.model_name);
        return field_errors(validate::one_error("modelName", &text));
    };
    let Ok(size) = u64::try_from(request.file_size) else {
        let text = "Ensure this value is greater than or equal to 0.";
        return field_errors(validate::one_error("fileSize", text));
    };
    let (url, fields) =
        lock(&shared.storage).issue(&shared.origin, folder, request.filename.trim(), size);
    Json(UploadPresignedUrl {
        url: Some(url),
        fields: Some(PresignedFields::new(fields)),
    })
    .into_response()
}

/// `POST /storage/maiagent-mock/`: the storage host. Not behind the API's layers: it takes no
/// API key (it refuses one), and reads the body as a stream.
pub(crate) async fn storage_post(State(shared): Shr, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let Outcome { status, body } = storage::receive(
        &shared.storage,
        &shared.origin,
        &parts.headers,
        body.into_data_stream(),
    )
    .await;
    match body {
        Some(xml) => (status, [(header::CONTENT_TYPE, "application/xml")], xml).into_response(),
        None => status.into_response(),
    }
}

/// The attachment of an uploaded object named by `file` (its key or URL).
fn register(
    shared: &super::Shared,
    create: AttachmentCreate,
    conversation: Option<&str>,
) -> Response {
    let object = lock(&shared.storage).object(create.file.trim()).cloned();
    let Some(object) = object else {
        let text = format!("No uploaded file has the key \"{}\".", create.file);
        return field_errors(validate::one_error("file", &text));
    };
    let mut new = attachment(create.type_, create.filename.trim(), &object.url);
    new.conversation = conversation
        .map(str::to_string)
        .or(create.conversation)
        .map(Into::into);
    lock(&shared.catalog).attachments.push(new.clone());
    (StatusCode::CREATED, Json(new)).into_response()
}

/// `POST attachments/`.
pub(crate) async fn attachments_create(State(shared): Shr, body: Bytes) -> Response {
    match body_as::<AttachmentCreate>(&body, &["file", "filename"]) {
        Ok(create) => register(&shared, create, None),
        Err(response) => response,
    }
}

/// `POST conversations/{conversationPk}/attachments/`.
pub(crate) async fn conversation_attachments_create(
    State(shared): Shr,
    conversation: Id1,
    body: Bytes,
) -> Response {
    let Ok(Path(conversation)) = conversation else {
        return not_found();
    };
    if lock(&shared.store).conversation(&conversation).is_none() {
        return not_found();
    }
    match body_as::<AttachmentCreate>(&body, &["file", "filename"]) {
        Ok(create) => register(&shared, create, Some(&conversation)),
        Err(response) => response,
    }
}

/// `POST attachments-upload/`: a multipart form with a `file`, stored and registered at once.
pub(crate) async fn attachments_upload(
    State(shared): Shr,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(boundary) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(boundary)
    else {
        return detail(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Unsupported media type in request; expected multipart/form-data.",
        );
    };
    let mut reader = FormReader::new(
        futures::stream::once(async move { Ok::<_, std::convert::Infallible>(body) }),
        &boundary,
    );
    let mut file = None;
    loop {
        match reader.next_part().await {
            Ok(Some(Part::File {
                name,
                filename,
                size,
                ..
            })) if name == "file" && file.is_none() => file = Some((filename, size)),
            Ok(Some(_)) => {}
            Ok(None) => break,
            Err(super::multipart::Malformed(why)) => {
                return detail(
                    StatusCode::BAD_REQUEST,
                    &format!("Multipart form parse error - {why}"),
                )
            }
        }
    }
    let Some((filename, size)) = file else {
        return field_errors(validate::one_error("file", "No file was submitted."));
    };
    let url =
        lock(&shared.storage).store_direct(&shared.origin, "chat/attachment", &filename, size);
    let new = attachment(None, &filename, &url);
    lock(&shared.catalog).attachments.push(new.clone());
    (StatusCode::CREATED, Json(new)).into_response()
}
