//! The layers every request passes: recording, fault injection, authentication; and the
//! Django REST framework error bodies.

use super::{faults::take_fault, lock, paging::Query, Fault, RecordedRequest, Shared};
use crate::Operation;
use axum::{
    body::Body,
    extract::{Request, State},
    middleware::Next,
    response::{IntoResponse, Response},
    Json,
};
use bytes::Bytes;
use futures::StreamExt;
use http::{header, HeaderValue, StatusCode};
use std::{
    sync::{atomic::Ordering, Arc},
    time::Duration,
};

/// How long a cut body waits before aborting, so that what came before is flushed.
pub(crate) const FLUSH_PAUSE: Duration = Duration::from_millis(20);

/// Request bodies larger than this are refused (413).
const MAX_BODY: usize = 16 << 20;

/// What handlers need to know about the request beyond axum's extractors.
#[derive(Debug, Clone)]
pub(crate) struct RequestInfo {
    /// The whole path, `/api/v1/...` (nested routers only see the rest).
    pub(crate) path: String,
    /// The decoded query string.
    pub(crate) query: Query,
    /// The fault chosen for this request.
    pub(crate) fault: Option<Fault>,
}

/// `{"detail": text}` with `status`.
pub(crate) fn detail(status: StatusCode, text: &str) -> Response {
    (status, Json(serde_json::json!({ "detail": text }))).into_response()
}

/// A 400 with a field map, such as `{"webChat": ["This field is required."]}`.
pub(crate) fn field_errors(errors: serde_json::Map<String, serde_json::Value>) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(serde_json::Value::Object(errors)),
    )
        .into_response()
}

/// Records the request, picks its fault, and applies what happens outside the handler.
pub(crate) async fn front(
    State(shared): State<Arc<Shared>>,
    request: Request,
    next: Next,
) -> Response {
    let (mut parts, body) = request.into_parts();
    let path = parts.uri.path().to_string();
    let raw_query = parts.uri.query().map(str::to_string);
    let operation = super::faults::strip_api_prefix(&path)
        .and_then(|rest| Operation::classify(&parts.method, rest));
    let body = axum::body::to_bytes(body, MAX_BODY).await;
    let fault: Result<Option<Fault>, String> = match parts.headers.get("x-mock-fault") {
        Some(value) => match value.to_str().map(str::parse::<Fault>) {
            Ok(Ok(fault)) => Ok(Some(fault)),
            _ => Err(format!("Unknown x-mock-fault value {value:?}.")),
        },
        None => Ok(take_fault(&mut lock(&shared.rules), &parts.method, &path)),
    };
    let seq = shared.next_request.fetch_add(1, Ordering::Relaxed);
    lock(&shared.requests).push(RecordedRequest {
        seq,
        method: parts.method.clone(),
        path: path.clone(),
        query: raw_query.clone(),
        headers: parts.headers.clone(),
        body: body.as_ref().cloned().unwrap_or_default(),
        operation,
        fault: fault.clone().ok().flatten(),
        status: None,
        response_headers: http::HeaderMap::new(),
        response_body: None,
    });
    let chosen = fault.as_ref().ok().cloned().flatten();
    let response = match (fault, body) {
        (_, Err(_)) => detail(StatusCode::PAYLOAD_TOO_LARGE, "Request body is too large."),
        (Err(text), _) => detail(StatusCode::BAD_REQUEST, &text),
        (Ok(Some(Fault::RateLimited { retry_after })), _) => rate_limited(retry_after.as_deref()),
        (Ok(Some(Fault::ServerError { status, html })), _) => server_error(status, html),
        (Ok(fault), Ok(body)) => {
            if let Some(Fault::SlowFirstByte(pause)) = &fault {
                pause_unless_stopped(&shared, *pause).await;
            }
            parts.extensions.insert(RequestInfo {
                path: path.clone(),
                query: Query::parse(raw_query.as_deref()),
                fault,
            });
            next.run(Request::from_parts(parts, Body::from(body))).await
        }
    };
    finish(&shared, seq, chosen.as_ref(), response).await
}

/// Adds the request id, records the answer, and applies body faults to non-stream answers.
async fn finish(
    shared: &Arc<Shared>,
    seq: u64,
    fault: Option<&Fault>,
    response: Response,
) -> Response {
    let (mut parts, body) = response.into_parts();
    if let Ok(id) = HeaderValue::from_str(&super::state::new_id()) {
        parts.headers.insert("x-request-id", id);
    }
    let content_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let update = |body: Option<Bytes>, headers: &http::HeaderMap| {
        if let Some(r) = lock(&shared.requests)
            .iter_mut()
            .rev()
            .find(|r| r.seq == seq)
        {
            r.status = Some(parts.status.as_u16());
            r.response_headers = headers.clone();
            r.response_body = body;
        }
    };
    if content_type.starts_with("text/event-stream") {
        update(None, &parts.headers);
        return Response::from_parts(parts, body);
    }
    let mut bytes = Vec::new();
    let mut stream = body.into_data_stream();
    while let Some(Ok(chunk)) = stream.next().await {
        bytes.extend_from_slice(&chunk);
    }
    let json = content_type.starts_with("application/json");
    let mut bytes = Bytes::from(bytes);
    if json && fault == Some(&Fault::MalformedJson) {
        bytes =
            Bytes::from_static(b"{\"id\": \"8e44604a-8278-4c96-96b5-3e5a0548d738\", \"title\": ");
    }
    update(json.then(|| bytes.clone()), &parts.headers);
    let half = bytes.len() / 2;
    let body = match fault {
        Some(Fault::DropMidStream { .. }) => {
            // The cut comes a moment after the first half, so that the half reaches the client.
            let cut = futures::stream::once(async {
                tokio::time::sleep(FLUSH_PAUSE).await;
                Err(std::io::Error::new(
                    std::io::ErrorKind::ConnectionAborted,
                    "mock fault: body dropped",
                ))
            });
            Body::from_stream(futures::stream::iter([Ok(bytes.slice(..half))]).chain(cut))
        }
        Some(Fault::Stall { duration, .. }) => {
            let (head, tail, pause, shared) = (
                bytes.slice(..half),
                bytes.slice(half..),
                *duration,
                Arc::clone(shared),
            );
            let rest = futures::stream::once(async move {
                pause_unless_stopped(&shared, pause).await;
                Ok::<_, std::io::Error>(tail)
            });
            Body::from_stream(futures::stream::iter([Ok(head)]).chain(rest))
        }
        _ => Body::from(bytes),
    };
    if matches!(
        fault,
        Some(Fault::DropMidStream { .. } | Fault::Stall { .. })
    ) {
        parts.headers.remove(header::CONTENT_LENGTH);
    }
    Response::from_parts(parts, body)
}

/// Sleeps for `pause`, or less if the server is shutting down.
pub(crate) async fn pause_unless_stopped(shared: &Shared, pause: Duration) {
    let mut stop = shared.shutdown.clone();
    tokio::select! {
        _ = tokio::time::sleep(pause) => {}
        _ = stop.wait_for(|s| *s) => {}
    }
}

fn rate_limited(retry_after: Option<&str>) -> Response {
    let text = match retry_after.and_then(|v| v.trim().parse::<u64>().ok()) {
        Some(secs) => format!("Request was throttled. Expected available in {secs} seconds."),
        None => "Request was throttled.".to_string(),
    };
    let mut response = detail(StatusCode::TOO_MANY_REQUESTS, &text);
    if let Some(value) = retry_after.and_then(|v| HeaderValue::from_str(v).ok()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

fn server_error(status: u16, html: bool) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let reason = status.canonical_reason().unwrap_or("Error");
    if html {
        let page = format!(
            "<!DOCTYPE html>\n<html>\n<head><title>{code} {reason}</title></head>\n<body>\n\
             <center><h1>{code} {reason}</h1></center>\n<hr><center>nginx</center>\n</body>\n</html>\n",
            code = status.as_u16()
        );
        let mut response = (status, page).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
        return response;
    }
    let text = match status {
        StatusCode::SERVICE_UNAVAILABLE => "Service temporarily unavailable, try again later.",
        s if s.is_server_error() => "A server error occurred.",
        _ => reason,
    };
    detail(status, text)
}

/// Checks `Authorization: Api-Key <key>` as the server does.
pub(crate) async fn auth(
    State(shared): State<Arc<Shared>>,
    request: Request,
    next: Next,
) -> Response {
    let header = request
        .headers()
        .get(header::AUTHORIZATION)
        .map(|v| v.to_str().unwrap_or("?"));
    let verdict = match header.and_then(|h| h.trim().split_once(' ')) {
        Some((scheme, key)) if scheme.eq_ignore_ascii_case("api-key") => (key.trim()
            == shared.config.api_key)
            .then_some(())
            .ok_or("Invalid API key."),
        _ => Err("Authentication credentials were not provided."),
    };
    match verdict {
        Ok(()) => next.run(request).await,
        Err(text) => {
            let mut response = detail(StatusCode::UNAUTHORIZED, text);
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Api-Key"),
            );
            response
        }
    }
}
