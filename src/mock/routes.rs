//! Every operation of the table, on in-memory state.
#![allow(clippy::result_large_err)] // The error side is the HTTP answer, made once per request.

use super::{
    account, export, front,
    front::{detail, field_errors, RequestInfo},
    knowledge, lock,
    paging::{cursor_page, numbered_page, Cursor},
    sse,
    state::{self, Author},
    uploads, validate, webhook, Shared,
};
use crate::types::{ChatbotRecordPage, Completion, ConversationPage, MessageCreate, MessagePage};
use crate::Operation;
use axum::{
    body::Bytes,
    extract::{DefaultBodyLimit, Path, State},
    middleware::from_fn_with_state,
    response::{IntoResponse, Response},
    routing::{on, MethodFilter, MethodRouter},
    Extension, Json, Router,
};
use http::{header, Method, StatusCode};
use serde_json::Map;
use std::sync::Arc;

type Shr = State<Arc<Shared>>;
type Info = Extension<RequestInfo>;
/// One page of a cursor list: `next`, `previous`, and the results.
type CursorParts<T> = (Option<String>, Option<String>, Vec<T>);
type Id1 = Result<Path<String>, axum::extract::rejection::PathRejection>;

/// The app: every operation of the table under `/api/v1/` and `/api/`, behind the recording and
/// fault layer.
pub(crate) fn router(shared: Arc<Shared>) -> Router {
    let mut api = Router::new();
    for op in Operation::ALL {
        // Routes with the same path merge their methods.
        api = api.route(&format!("/{}", op.spec().path), handler(*op));
    }
    let api = api.route_layer(from_fn_with_state(Arc::clone(&shared), front::auth));
    Router::new()
        .nest("/api/v1", api.clone())
        .nest("/api", api)
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::disable())
        .layer(from_fn_with_state(Arc::clone(&shared), front::front))
        // The storage host: outside the API's layers (no key, a streamed body).
        .route(
            super::storage::STORAGE_PATH,
            axum::routing::post(uploads::storage_post),
        )
        .with_state(shared)
}

/// The handler of each operation. The match is exhaustive: an operation added to the spec does
/// not compile until the mock serves it.
fn handler(op: Operation) -> MethodRouter<Arc<Shared>> {
    let method = MethodFilter::try_from(op.spec().method.clone())
        .expect("the table holds standard methods only");
    match op {
        Operation::ChatbotCompletionsCreate => on(method, completions_create),
        Operation::ChatbotRecordsList => on(method, records_list),
        Operation::ChatbotRecordsExport => on(method, records_export),
        Operation::ConversationsList => on(method, conversations_list),
        Operation::ConversationsCreate => on(method, conversations_create),
        Operation::ConversationsGet => on(method, conversations_get),
        Operation::MessagesList => on(method, messages_list),
        Operation::MessagesCreate => on(method, messages_create),
        Operation::MessagesGet => on(method, messages_get),
        Operation::MessagesOutgoingCreate => on(method, messages_outgoing_create),
        Operation::UploadPresignedUrlCreate => on(method, uploads::presign),
        Operation::AttachmentsCreate => on(method, uploads::attachments_create),
        Operation::ConversationsAttachmentsCreate => {
            on(method, uploads::conversation_attachments_create)
        }
        Operation::AttachmentsUploadCreate => on(method, uploads::attachments_upload),
        Operation::InboxesList => on(method, account::inboxes_list),
        Operation::InboxesGet => on(method, account::inboxes_get),
        Operation::ChatbotsList => on(method, account::chatbots_list),
        Operation::ChatbotsGet => on(method, account::chatbots_get),
        // The vendor's helper updates with `PUT` where the API documents `PATCH`: both are
        // taken, as partial updates.
        Operation::ChatbotsPartialUpdate => {
            on(method.or(MethodFilter::PUT), account::chatbots_update)
        }
        Operation::EmbeddingModelsList => on(method, account::embedding_models_list),
        Operation::RerankerModelsList => on(method, account::reranker_models_list),
        Operation::KnowledgeBasesList => on(method, knowledge::knowledge_bases_list),
        Operation::KnowledgeBasesCreate => on(method, knowledge::knowledge_bases_create),
        Operation::KnowledgeBasesGet => on(method, knowledge::knowledge_bases_get),
        Operation::KnowledgeBasesUpdate | Operation::KnowledgeBasesPartialUpdate => {
            on(method, knowledge::knowledge_bases_update)
        }
        Operation::KnowledgeBasesDelete => on(method, knowledge::knowledge_bases_delete),
        Operation::KnowledgeBaseFilesList => on(method, knowledge::files_list),
        Operation::KnowledgeBaseFilesCreate => on(method, knowledge::files_create),
        Operation::KnowledgeBaseFilesGet => on(method, knowledge::files_get),
        Operation::KnowledgeBaseFilesDelete => on(method, knowledge::files_delete),
        Operation::ContactsList => on(method, account::contacts_list),
        Operation::ContactsCreate => on(method, account::contacts_create),
        Operation::ContactsGet => on(method, account::contacts_get),
        Operation::ContactsPartialUpdate => {
            on(method.or(MethodFilter::PUT), account::contacts_update)
        }
        Operation::ContactsDelete => on(method, account::contacts_delete),
    }
}

async fn not_found() -> Response {
    detail(StatusCode::NOT_FOUND, "Not found.")
}

async fn method_not_allowed(method: Method) -> Response {
    detail(
        StatusCode::METHOD_NOT_ALLOWED,
        &format!("Method \"{method}\" not allowed."),
    )
}

fn not_found_now() -> Response {
    detail(StatusCode::NOT_FOUND, "Not found.")
}

/// Pages `items` (newest first) by the request's cursor.
fn cursor_list<T: Clone>(
    shared: &Shared,
    info: &RequestInfo,
    items: &[(u64, T)],
) -> Result<CursorParts<T>, Response> {
    let cursor = match info.query.get("cursor").filter(|c| !c.is_empty()) {
        None => None,
        Some(text) => Some(
            Cursor::decode(text).ok_or_else(|| detail(StatusCode::NOT_FOUND, "Invalid cursor"))?,
        ),
    };
    let size = info.query.page_size(shared.config.page_size);
    let seqs: Vec<u64> = items.iter().map(|(s, _)| *s).collect();
    let page = cursor_page(&seqs, cursor, size);
    let link = |c: Option<Cursor>| {
        c.map(|c| {
            info.query
                .link(&shared.origin, &info.path, "cursor", Some(&c.encode()))
        })
    };
    let results = items[page.start..page.end]
        .iter()
        .map(|(_, t)| t.clone())
        .collect();
    Ok((link(page.next), link(page.previous), results))
}

fn filter<'a>(info: &'a RequestInfo, key: &str) -> Option<&'a str> {
    info.query.get(key).map(str::trim).filter(|v| !v.is_empty())
}

async fn conversations_list(State(shared): Shr, Extension(info): Info) -> Response {
    let items = lock(&shared.store).conversations(filter(&info, "inbox"), filter(&info, "keyword"));
    match cursor_list(&shared, &info, &items) {
        Ok((next, previous, results)) => {
            let count = Some(items.len() as i64);
            Json(ConversationPage {
                count,
                next,
                previous,
                results,
            })
            .into_response()
        }
        Err(response) => response,
    }
}

async fn conversations_create(State(shared): Shr, body: Bytes) -> Response {
    let map = match validate::object(&body) {
        Ok(map) => map,
        Err(response) => return response,
    };
    let mut errors = Map::new();
    let Some(web_chat) = validate::text_field(&map, "webChat", false, &mut errors) else {
        return field_errors(errors);
    };
    match lock(&shared.store).create_conversation(web_chat.trim(), "新對話") {
        Some(conversation) => (StatusCode::CREATED, Json(conversation)).into_response(),
        None => {
            let text = format!("Invalid pk \"{web_chat}\" - object does not exist.");
            field_errors(validate::one_error("webChat", &text))
        }
    }
}

async fn conversations_get(State(shared): Shr, id: Id1) -> Response {
    let Ok(Path(id)) = id else {
        return not_found_now();
    };
    match lock(&shared.store).conversation(&id) {
        Some(conversation) => Json(conversation).into_response(),
        None => not_found_now(),
    }
}

async fn messages_list(State(shared): Shr, Extension(info): Info) -> Response {
    let items = lock(&shared.store).messages(filter(&info, "conversation"));
    match cursor_list(&shared, &info, &items) {
        Ok((next, previous, results)) => {
            let count = Some(items.len() as i64);
            Json(MessagePage {
                count,
                next,
                previous,
                results,
            })
            .into_response()
        }
        Err(response) => response,
    }
}

async fn messages_get(State(shared): Shr, Extension(info): Info, id: Id1) -> Response {
    let Ok(Path(id)) = id else {
        return not_found_now();
    };
    match lock(&shared.store).message(&id, filter(&info, "conversation")) {
        Some(message) => Json(message).into_response(),
        None => not_found_now(),
    }
}

/// Validates a `MessageCreate` body and checks that its conversation exists. Attachments that
/// name an uploaded attachment by id take its file, name and type.
fn message_create(shared: &Shared, body: &[u8]) -> Result<MessageCreate, Response> {
    let mut create = validate::message_create(body)?;
    {
        let catalog = lock(&shared.catalog);
        for input in &mut create.attachments {
            let known = input.id.as_deref().and_then(|id| catalog.attachment(id));
            if let Some(known) = known {
                input.file = known.file.clone().unwrap_or_default();
                input.filename = known.filename.clone().unwrap_or_default();
                input.type_ = known.type_.clone();
            }
        }
    }
    if lock(&shared.store)
        .conversation(&create.conversation)
        .is_none()
    {
        return Err(not_found_now());
    }
    Ok(create)
}

async fn messages_create(State(shared): Shr, body: Bytes) -> Response {
    let create = match message_create(&shared, &body) {
        Ok(create) => create,
        Err(response) => return response,
    };
    let (incoming, reply) = {
        let mut store = lock(&shared.store);
        let incoming = store.add_message(
            &create.conversation,
            Author::Contact,
            &create.content,
            Some(&create),
        );
        let answer = state::bot_reply(&create.content);
        let reply = store.add_message(&create.conversation, Author::Bot, &answer, None);
        let chatbot = store.chatbot.clone();
        store.add_record(&chatbot, None, &create.content, &answer);
        (incoming, reply)
    };
    webhook::spawn_delivery(&shared, reply);
    (StatusCode::CREATED, Json(incoming)).into_response()
}

async fn messages_outgoing_create(State(shared): Shr, body: Bytes) -> Response {
    let create = match message_create(&shared, &body) {
        Ok(create) => create,
        Err(response) => return response,
    };
    let message = lock(&shared.store).add_message(
        &create.conversation,
        Author::Agent,
        &create.content,
        Some(&create),
    );
    (StatusCode::CREATED, Json(message)).into_response()
}

async fn completions_create(
    State(shared): Shr,
    Extension(info): Info,
    chatbot: Id1,
    body: Bytes,
) -> Response {
    let Ok(Path(chatbot)) = chatbot else {
        return not_found_now();
    };
    if lock(&shared.store).chatbot != chatbot {
        return not_found_now();
    }
    let request = match validate::completion_request(&body) {
        Ok(request) => request,
        Err(response) => return response,
    };
    let question = request.message.content;
    let answer = state::bot_reply(&question);
    let conversation = {
        let mut store = lock(&shared.store);
        let conversation = match request.conversation.as_deref().map(str::trim) {
            Some(id) => match store.conversation(id) {
                Some(c) => c.id,
                None => return not_found_now(),
            },
            None => {
                let title: String = question.chars().take(30).collect();
                let web_chat = store.web_chat.clone();
                match store.create_conversation(&web_chat, &title) {
                    Some(c) => c.id,
                    None => return not_found_now(),
                }
            }
        };
        store.add_message(conversation.as_str(), Author::Contact, &question, None);
        store.add_message(conversation.as_str(), Author::Bot, &answer, None);
        store.add_record(&chatbot, None, &question, &answer);
        conversation
    };
    let citations = vec![state::citation()];
    if request.is_streaming.unwrap_or(false) {
        let delay = shared.config.stream_delay;
        let steps = sse::script(
            &conversation,
            &answer,
            citations,
            delay,
            info.fault.as_ref(),
            shared.config.sse_done_marker,
        );
        return sse::response(&shared, steps);
    }
    Json(Completion {
        conversation_id: Some(conversation),
        content: answer,
        done: true,
        citations,
    })
    .into_response()
}

async fn records_list(State(shared): Shr, Extension(info): Info, chatbot: Id1) -> Response {
    let Ok(Path(chatbot)) = chatbot else {
        return not_found_now();
    };
    let Some(records) = lock(&shared.store).records(&chatbot) else {
        return not_found_now();
    };
    let size = info.query.page_size(shared.config.page_size);
    let Some(page) = numbered_page(records.len(), info.query.get("page"), size) else {
        return detail(StatusCode::NOT_FOUND, "Invalid page.");
    };
    let link = |n: Option<usize>| {
        n.map(|n| {
            info.query
                .link(&shared.origin, &info.path, "page", Some(&n.to_string()))
        })
    };
    Json(ChatbotRecordPage {
        count: Some(records.len() as i64),
        next: link(page.next),
        previous: link(page.previous),
        results: records[page.start..page.end].to_vec(),
    })
    .into_response()
}

async fn records_export(State(shared): Shr, chatbot: Id1) -> Response {
    let Ok(Path(chatbot)) = chatbot else {
        return not_found_now();
    };
    let Some(records) = lock(&shared.store).records(&chatbot) else {
        return not_found_now();
    };
    match export::workbook(&records) {
        Ok(bytes) => (
            [
                (header::CONTENT_TYPE, export::XLSX.to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    export::content_disposition(&chatbot),
                ),
            ],
            bytes,
        )
            .into_response(),
        Err(e) => detail(
            StatusCode::INTERNAL_SERVER_ERROR,
            &format!("Export failed: {e}"),
        ),
    }
}
