//! Inboxes, chatbots, models and contacts, on the mock's catalog.
#![allow(clippy::result_large_err)] // The error side is the HTTP answer, made once per request.

use super::catalog::{id_is, now};
use super::front::{detail, field_errors, RequestInfo};
use super::{
    lock,
    paging::{numbered_page, offset_page},
    validate, Shared,
};
use crate::types::{
    ChatbotUpdate, Contact, ContactCreate, ContactUpdate, IdNameInput, NamedRef, Ref,
};
use axum::{
    body::Bytes,
    extract::{Path, State},
    response::{IntoResponse, Response},
    Extension, Json,
};
use http::StatusCode;
use serde::{de::DeserializeOwned, Serialize};
use serde_json::{json, Map, Value};
use std::sync::Arc;

pub(crate) type Shr = State<Arc<Shared>>;
pub(crate) type Info = Extension<RequestInfo>;
pub(crate) type Id1 = Result<Path<String>, axum::extract::rejection::PathRejection>;

pub(crate) fn not_found() -> Response {
    detail(StatusCode::NOT_FOUND, "Not found.")
}

/// A numbered page of `items` (`page`, `pageSize` or `page_size`), with absolute links; or,
/// when the request names `limit` or `offset` and no `page`, the page in that form (as DRF's
/// `LimitOffsetPagination`, which the vendor's contacts examples use), with links in it too.
pub(crate) fn numbered<T: Serialize>(shared: &Shared, info: &RequestInfo, items: &[T]) -> Response {
    let query = &info.query;
    let size = query.page_size(shared.config.page_size);
    let (page, key, query) = if query.get("page").is_none()
        && (query.get("limit").is_some() || query.get("offset").is_some())
    {
        let limit = query.size("limit", size);
        let offset = query.get("offset").and_then(|v| v.trim().parse().ok());
        let page = offset_page(items.len(), offset.unwrap_or(0), limit);
        (page, "offset", query.with("limit", limit.to_string()))
    } else {
        let Some(page) = numbered_page(items.len(), query.get("page"), size) else {
            return detail(StatusCode::NOT_FOUND, "Invalid page.");
        };
        (page, "page", query.clone())
    };
    let link = |n: Option<usize>| {
        n.map(|n| query.link(&shared.origin, &info.path, key, Some(&n.to_string())))
    };
    Json(json!({
        "count": items.len(),
        "next": link(page.next),
        "previous": link(page.previous),
        "results": &items[page.start..page.end],
    }))
    .into_response()
}

/// A filter of the query, trimmed, if not blank.
pub(crate) fn filter<'a>(info: &'a RequestInfo, key: &str) -> Option<&'a str> {
    info.query.get(key).map(str::trim).filter(|v| !v.is_empty())
}

/// The body as `T` (camelCase or snake_case names), after `required` fields are checked.
pub(crate) fn body_as<T: DeserializeOwned>(body: &[u8], required: &[&str]) -> Result<T, Response> {
    let map = validate::object(body)?;
    let mut errors = Map::new();
    for name in required {
        validate::text_field(&map, name, false, &mut errors);
    }
    if !errors.is_empty() {
        return Err(field_errors(errors));
    }
    serde_json::from_value(Value::Object(map))
        .map_err(|e| detail(StatusCode::BAD_REQUEST, &format!("Invalid data: {e}")))
}

pub(crate) async fn inboxes_list(State(shared): Shr, Extension(info): Info) -> Response {
    let catalog = lock(&shared.catalog);
    let channel = filter(&info, "channelType");
    let chatbot = filter(&info, "chatbot");
    let items: Vec<_> = catalog
        .inboxes
        .iter()
        .filter(|i| {
            channel.is_none_or(|c| i.channel_type.as_ref().and_then(|t| t.as_str()) == Some(c))
        })
        .filter(|i| chatbot.is_none_or(|c| ref_is(&i.chatbot, c)))
        .cloned()
        .collect();
    numbered(&shared, &info, &items)
}

pub(crate) async fn inboxes_get(State(shared): Shr, id: Id1) -> Response {
    let Ok(Path(id)) = id else {
        return not_found();
    };
    match lock(&shared.catalog).inbox(&id) {
        Some(inbox) => Json(inbox).into_response(),
        None => not_found(),
    }
}

/// Whether a reference names `id`.
pub(crate) fn ref_is(r: &Option<Ref>, id: &str) -> bool {
    match r {
        Some(Ref::Id(v)) => v.as_str() == id,
        Some(Ref::NamedRef(n)) => id_is(&n.id, id),
        None => false,
    }
}

pub(crate) async fn chatbots_list(State(shared): Shr, Extension(info): Info) -> Response {
    let items = lock(&shared.catalog).chatbots.clone();
    numbered(&shared, &info, &items)
}

pub(crate) async fn chatbots_get(State(shared): Shr, id: Id1) -> Response {
    let Ok(Path(id)) = id else {
        return not_found();
    };
    let catalog = lock(&shared.catalog);
    match catalog.chatbots.iter().find(|c| id_is(&c.id, &id)) {
        Some(chatbot) => Json(chatbot).into_response(),
        None => not_found(),
    }
}

/// `PATCH` (and `PUT`, which the mock takes partial as well) of a chatbot. Setting the demo
/// chatbot's `webhookUrl` also points the mock's webhook deliveries there.
pub(crate) async fn chatbots_update(State(shared): Shr, id: Id1, body: Bytes) -> Response {
    let Ok(Path(id)) = id else {
        return not_found();
    };
    let change: ChatbotUpdate = match body_as(&body, &[]) {
        Ok(change) => change,
        Err(response) => return response,
    };
    let is_demo = lock(&shared.store).chatbot == id;
    let mut catalog = lock(&shared.catalog);
    let Some(chatbot) = catalog.chatbots.iter_mut().find(|c| id_is(&c.id, &id)) else {
        return not_found();
    };
    let reference = |v: String| Some(Ref::Id(v.into()));
    if let Some(v) = change.name {
        chatbot.name = Some(v);
    }
    if let Some(v) = change.instructions {
        chatbot.instructions = Some(v);
    }
    if let Some(v) = change.webhook_url {
        let url = Some(v).filter(|u| !u.trim().is_empty());
        if is_demo {
            *lock(&shared.webhook_url) = url.clone();
        }
        chatbot.webhook_url = url;
    }
    if let Some(v) = change.reply_mode {
        chatbot.reply_mode = Some(v);
    }
    if let Some(v) = change.large_language_model {
        chatbot.large_language_model = reference(v);
    }
    if let Some(v) = change.rag {
        chatbot.rag = reference(v);
    }
    if let Some(v) = change.embedding_model {
        chatbot.embedding_model = reference(v);
    }
    if let Some(v) = change.reranker_model {
        chatbot.reranker_model = reference(v);
    }
    if let Some(v) = change.template {
        chatbot.template = Some(v);
    }
    if let Some(v) = change.unanswerable_template {
        chatbot.unanswerable_template = Some(v);
    }
    if let Some(v) = change.enable_chinese_conversion {
        chatbot.enable_chinese_conversion = Some(v.into());
    }
    chatbot.updated_at = Some(now());
    Json(chatbot.clone()).into_response()
}

pub(crate) async fn embedding_models_list(State(shared): Shr) -> Response {
    Json(lock(&shared.catalog).embedding_models.clone()).into_response()
}

pub(crate) async fn reranker_models_list(State(shared): Shr) -> Response {
    Json(lock(&shared.catalog).reranker_models.clone()).into_response()
}

pub(crate) async fn contacts_list(State(shared): Shr, Extension(info): Info) -> Response {
    let inbox = filter(&info, "inboxes").or_else(|| filter(&info, "inbox"));
    let query = filter(&info, "query").or_else(|| filter(&info, "search"));
    let catalog = lock(&shared.catalog);
    let items: Vec<_> = catalog
        .contacts
        .iter()
        .rev()
        .filter(|c| inbox.is_none_or(|i| c.inboxes.iter().flatten().any(|r| id_is(&r.id, i))))
        .filter(|c| {
            query.is_none_or(|q| {
                let q = q.to_lowercase();
                [
                    c.id.as_ref().map(|i| i.to_string()),
                    c.name.clone(),
                    c.source_id.clone(),
                ]
                .into_iter()
                .flatten()
                .any(|text| text.to_lowercase().contains(&q))
            })
        })
        .cloned()
        .collect();
    numbered(&shared, &info, &items)
}

/// The inboxes of a contact body (`inboxes: [{id}]`, or the older single `inbox`), each
/// checked to exist.
fn contact_inboxes(
    shared: &Shared,
    inboxes: Vec<IdNameInput>,
    inbox: Option<String>,
) -> Result<Vec<NamedRef>, Response> {
    let ids: Vec<String> = if inboxes.is_empty() {
        inbox.into_iter().collect()
    } else {
        inboxes.into_iter().map(|i| i.id).collect()
    };
    let catalog = lock(&shared.catalog);
    ids.iter()
        .map(|id| match catalog.inbox(id.trim()) {
            Some(found) => Ok(NamedRef {
                id: found.id.clone(),
                name: found.name.clone(),
                is_default: None,
            }),
            None => Err(field_errors(validate::one_error(
                "inboxes",
                &format!("Invalid pk \"{id}\" - object does not exist."),
            ))),
        })
        .collect()
}

pub(crate) async fn contacts_create(State(shared): Shr, body: Bytes) -> Response {
    let create: ContactCreate = match body_as(&body, &["name"]) {
        Ok(create) => create,
        Err(response) => return response,
    };
    let inboxes = match contact_inboxes(&shared, create.inboxes, create.inbox) {
        Ok(inboxes) => inboxes,
        Err(response) => return response,
    };
    let contact = Contact {
        id: Some(super::state::new_id().into()),
        name: Some(create.name),
        email: create.email,
        phone_number: create.phone_number,
        avatar: create.avatar,
        source_id: create.source_id,
        inboxes: Some(inboxes),
        query_metadata: create.query_metadata,
        created_at: Some(now()),
        updated_at: Some(now()),
        ..Contact::default()
    };
    lock(&shared.catalog).contacts.push(contact.clone());
    (StatusCode::CREATED, Json(contact)).into_response()
}

pub(crate) async fn contacts_get(State(shared): Shr, id: Id1) -> Response {
    let Ok(Path(id)) = id else {
        return not_found();
    };
    let catalog = lock(&shared.catalog);
    match catalog.contacts.iter().find(|c| id_is(&c.id, &id)) {
        Some(contact) => Json(contact).into_response(),
        None => not_found(),
    }
}

/// `PATCH` (and `PUT`, taken partial as well) of a contact.
pub(crate) async fn contacts_update(State(shared): Shr, id: Id1, body: Bytes) -> Response {
    let Ok(Path(id)) = id else {
        return not_found();
    };
    let change: ContactUpdate = match body_as(&body, &[]) {
        Ok(change) => change,
        Err(response) => return response,
    };
    let inboxes = if change.inboxes.is_empty() {
        None
    } else {
        match contact_inboxes(&shared, change.inboxes, None) {
            Ok(inboxes) => Some(inboxes),
            Err(response) => return response,
        }
    };
    let mut catalog = lock(&shared.catalog);
    let Some(contact) = catalog.contacts.iter_mut().find(|c| id_is(&c.id, &id)) else {
        return not_found();
    };
    if let Some(v) = change.name {
        contact.name = Some(v);
    }
    if let Some(v) = change.email {
        contact.email = Some(v);
    }
    if let Some(v) = change.phone_number {
        contact.phone_number = Some(v);
    }
    if let Some(v) = change.avatar {
        contact.avatar = Some(v);
    }
    if let Some(v) = change.source_id {
        contact.source_id = Some(v);
    }
    if let Some(v) = change.query_metadata {
        contact.query_metadata = Some(v);
    }
    if inboxes.is_some() {
        contact.inboxes = inboxes;
    }
    contact.updated_at = Some(now());
    Json(contact.clone()).into_response()
}

pub(crate) async fn contacts_delete(State(shared): Shr, id: Id1) -> Response {
    let Ok(Path(id)) = id else {
        return not_found();
    };
    let mut catalog = lock(&shared.catalog);
    let before = catalog.contacts.len();
    catalog.contacts.retain(|c| !id_is(&c.id, &id));
    if catalog.contacts.len() == before {
        return not_found();
    }
    StatusCode::NO_CONTENT.into_response()
}
