//! Knowledge bases and their files, on the mock's catalog. Files registered from presigned
//! uploads move from `initial` through `processing` to `done` over time
//! ([`MockConfig::file_processing_step`](super::MockConfig::file_processing_step)).
#![allow(clippy::result_large_err)] // The error side is the HTTP answer, made once per request.

use super::account::{body_as, filter, not_found, numbered, ref_is, Id1, Info, Shr};
use super::catalog::{id_is, now};
use super::front::field_errors;
use super::{lock, validate};
use crate::types::{
    IdNameInput, KnowledgeBase, KnowledgeBaseFile, KnowledgeBaseFileCreate, KnowledgeBaseUpdate,
    NamedRef, Ref, Score,
};
use axum::{
    body::Bytes,
    extract::{Path, State},
    response::{IntoResponse, Response},
    Extension, Json,
};
use http::StatusCode;

type Id2 = Result<Path<(String, String)>, axum::extract::rejection::PathRejection>;

pub(crate) async fn knowledge_bases_list(State(shared): Shr, Extension(info): Info) -> Response {
    let query = filter(&info, "query").map(str::to_lowercase);
    let embedding = filter(&info, "embeddingModel");
    let reranker = filter(&info, "rerankerModel");
    let items: Vec<KnowledgeBase> = lock(&shared.catalog)
        .knowledge_bases
        .iter()
        .rev()
        .filter(|kb| {
            query.as_ref().is_none_or(|q| {
                kb.name
                    .as_deref()
                    .is_some_and(|n| n.to_lowercase().contains(q))
            })
        })
        .filter(|kb| embedding.is_none_or(|m| ref_is(&kb.embedding_model, m)))
        .filter(|kb| reranker.is_none_or(|m| ref_is(&kb.reranker_model, m)))
        .cloned()
        .collect();
    numbered(&shared, &info, &items)
}

/// Named references to the chatbots of a body, each checked to exist.
fn chatbot_refs(
    shared: &super::Shared,
    given: Vec<IdNameInput>,
) -> Result<Vec<NamedRef>, Response> {
    let catalog = lock(&shared.catalog);
    given
        .into_iter()
        .map(
            |g| match catalog.chatbots.iter().find(|c| id_is(&c.id, &g.id)) {
                Some(c) => Ok(NamedRef {
                    id: c.id.clone(),
                    name: c.name.clone(),
                    is_default: None,
                }),
                None => Err(field_errors(validate::one_error(
                    "chatbots",
                    &format!("Invalid pk \"{}\" - object does not exist.", g.id),
                ))),
            },
        )
        .collect()
}

/// Applies the fields present in `change` to `kb`.
fn apply(
    shared: &super::Shared,
    kb: &mut KnowledgeBase,
    change: KnowledgeBaseUpdate,
) -> Result<(), Response> {
    let model = |v: String| Some(Ref::Id(v.into()));
    if let Some(v) = change.name {
        kb.name = Some(v);
    }
    if let Some(v) = change.description {
        kb.description = Some(v);
    }
    if let Some(v) = change.embedding_model {
        kb.embedding_model = model(v);
    }
    if let Some(v) = change.reranker_model {
        kb.reranker_model = model(v);
    }
    if let Some(v) = change.number_of_retrieved_chunks {
        kb.number_of_retrieved_chunks = Some(v);
    }
    if let Some(v) = change.sentence_window_size {
        kb.sentence_window_size = Some(v);
    }
    if let Some(v) = change.enable_hyde {
        kb.enable_hyde = Some(v.into());
    }
    if let Some(v) = change.similarity_cutoff {
        kb.similarity_cutoff = Some(Score::from(v));
    }
    if let Some(v) = change.enable_rerank {
        kb.enable_rerank = Some(v.into());
    }
    if !change.chatbots.is_empty() {
        kb.chatbots = Some(chatbot_refs(shared, change.chatbots)?);
    }
    if !change.groups.is_empty() {
        kb.groups = Some(
            change
                .groups
                .into_iter()
                .map(|g| NamedRef {
                    id: Some(g.id.into()),
                    name: g.name,
                    is_default: None,
                })
                .collect(),
        );
    }
    kb.updated_at = Some(now());
    Ok(())
}

/// `POST knowledge-bases/`. The models may be left out (the vendor's helper does): the default
/// models are used then.
pub(crate) async fn knowledge_bases_create(State(shared): Shr, body: Bytes) -> Response {
    let mut change: KnowledgeBaseUpdate = match body_as(&body, &["name"]) {
        Ok(change) => change,
        Err(response) => return response,
    };
    {
        let catalog = lock(&shared.catalog);
        let default = |models: &[crate::types::AiModel]| {
            models
                .iter()
                .find(|m| m.is_default.as_ref().is_some_and(|d| d.is_true()))
                .and_then(|m| m.id.as_ref())
                .map(|id| id.to_string())
        };
        if change.embedding_model.is_none() {
            change.embedding_model = default(&catalog.embedding_models);
        }
        if change.reranker_model.is_none() {
            change.reranker_model = default(&catalog.reranker_models);
        }
    }
    let mut kb = KnowledgeBase {
        id: Some(super::state::new_id().into()),
        number_of_retrieved_chunks: Some(12),
        sentence_window_size: Some(2),
        enable_hyde: Some(false.into()),
        similarity_cutoff: Some(Score::from(0.0)),
        enable_rerank: Some(true.into()),
        chatbots: Some(Vec::new()),
        groups: Some(Vec::new()),
        files_count: Some(0),
        created_at: Some(now()),
        ..KnowledgeBase::default()
    };
    if let Err(response) = apply(&shared, &mut kb, change) {
        return response;
    }
    lock(&shared.catalog).knowledge_bases.push(kb.clone());
    (StatusCode::CREATED, Json(kb)).into_response()
}

pub(crate) async fn knowledge_bases_get(State(shared): Shr, id: Id1) -> Response {
    let Ok(Path(id)) = id else {
        return not_found();
    };
    let catalog = lock(&shared.catalog);
    match catalog.knowledge_bases.iter().find(|kb| id_is(&kb.id, &id)) {
        Some(kb) => Json(kb).into_response(),
        None => not_found(),
    }
}

/// `PUT` and `PATCH`: both change only the fields sent (the vendor's helper sends partial
/// `PUT` bodies).
pub(crate) async fn knowledge_bases_update(State(shared): Shr, id: Id1, body: Bytes) -> Response {
    let Ok(Path(id)) = id else {
        return not_found();
    };
    let change: KnowledgeBaseUpdate = match body_as(&body, &[]) {
        Ok(change) => change,
        Err(response) => return response,
    };
    let Some(mut kb) = lock(&shared.catalog)
        .knowledge_bases
        .iter()
        .find(|kb| id_is(&kb.id, &id))
        .cloned()
    else {
        return not_found();
    };
    if let Err(response) = apply(&shared, &mut kb, change) {
        return response;
    }
    let mut catalog = lock(&shared.catalog);
    if let Some(slot) = catalog
        .knowledge_bases
        .iter_mut()
        .find(|k| id_is(&k.id, &id))
    {
        *slot = kb.clone();
    }
    Json(kb).into_response()
}

pub(crate) async fn knowledge_bases_delete(State(shared): Shr, id: Id1) -> Response {
    let Ok(Path(id)) = id else {
        return not_found();
    };
    let mut catalog = lock(&shared.catalog);
    let before = catalog.knowledge_bases.len();
    catalog.knowledge_bases.retain(|kb| !id_is(&kb.id, &id));
    if catalog.knowledge_bases.len() == before {
        return not_found();
    }
    catalog.files.retain(|f| f.knowledge_base != id);
    StatusCode::NO_CONTENT.into_response()
}

fn knowledge_base_exists(shared: &super::Shared, id: &str) -> bool {
    lock(&shared.catalog)
        .knowledge_bases
        .iter()
        .any(|kb| id_is(&kb.id, id))
}

pub(crate) async fn files_list(State(shared): Shr, Extension(info): Info, kb: Id1) -> Response {
    let Ok(Path(kb)) = kb else {
        return not_found();
    };
    if !knowledge_base_exists(&shared, &kb) {
        return not_found();
    }
    let step = shared.config.file_processing_step;
    let items: Vec<KnowledgeBaseFile> = lock(&shared.catalog)
        .files
        .iter()
        .rev()
        .filter(|f| f.knowledge_base == kb)
        .map(|f| f.view(step))
        .collect();
    numbered(&shared, &info, &items)
}

/// `POST knowledge-bases/{kb}/files/`: each `file` must be the key (or URL) of an object the
/// storage endpoint received. Answers the new files as a JSON array, as the vendor's batch
/// uploader reads it.
pub(crate) async fn files_create(State(shared): Shr, kb: Id1, body: Bytes) -> Response {
    let Ok(Path(kb)) = kb else {
        return not_found();
    };
    if !knowledge_base_exists(&shared, &kb) {
        return not_found();
    }
    let create: KnowledgeBaseFileCreate = match body_as(&body, &[]) {
        Ok(create) => create,
        Err(response) => return response,
    };
    if create.files.is_empty() {
        return field_errors(validate::one_error("files", "This list may not be empty."));
    }
    let mut added = Vec::new();
    for (i, input) in create.files.into_iter().enumerate() {
        let object = lock(&shared.storage).object(input.file.trim()).cloned();
        let Some(object) = object else {
            let text = format!(
                "files[{i}].file: no uploaded object has the key \"{}\".",
                input.file
            );
            return field_errors(validate::one_error("files", &text));
        };
        let (kind, _) = crate::upload::infer_kind(&input.filename);
        let ext = input
            .filename
            .rsplit_once('.')
            .map(|(_, e)| e.to_ascii_lowercase())
            .unwrap_or_default();
        let file = KnowledgeBaseFile {
            id: Some(super::state::new_id().into()),
            filename: Some(input.filename),
            file: Some(object.url),
            file_type: Some(if ext.is_empty() {
                kind.to_string()
            } else {
                ext
            }),
            knowledge_base: Some(Ref::Id(kb.as_str().into())),
            size: Some(i64::try_from(object.size).unwrap_or(i64::MAX)),
            created_at: Some(now()),
            ..KnowledgeBaseFile::default()
        };
        lock(&shared.catalog).add_file(&kb, file.clone());
        added.push(file);
    }
    let step = shared.config.file_processing_step;
    let catalog = lock(&shared.catalog);
    let views: Vec<KnowledgeBaseFile> = added
        .iter()
        .filter_map(|a| {
            catalog
                .files
                .iter()
                .find(|f| f.file.id == a.id)
                .map(|f| f.view(step))
        })
        .collect();
    (StatusCode::CREATED, Json(views)).into_response()
}

pub(crate) async fn files_get(State(shared): Shr, ids: Id2) -> Response {
    let Ok(Path((kb, id))) = ids else {
        return not_found();
    };
    let step = shared.config.file_processing_step;
    let catalog = lock(&shared.catalog);
    match catalog
        .files
        .iter()
        .find(|f| f.knowledge_base == kb && id_is(&f.file.id, &id))
    {
        Some(file) => Json(file.view(step)).into_response(),
        None => not_found(),
    }
}

pub(crate) async fn files_delete(State(shared): Shr, ids: Id2) -> Response {
    let Ok(Path((kb, id))) = ids else {
        return not_found();
    };
    let mut catalog = lock(&shared.catalog);
    let before = catalog.files.len();
    catalog
        .files
        .retain(|f| !(f.knowledge_base == kb && id_is(&f.file.id, &id)));
    if catalog.files.len() == before {
        return not_found();
    }
    catalog.count_files(&kb);
    StatusCode::NO_CONTENT.into_response()
}
