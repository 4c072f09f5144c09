//! Accessors of the generated types whose JSON takes several shapes.

use super::{AiModel, AiModelList, Id, KnowledgeBaseFile, KnowledgeBaseFileBatch, Ref};

impl Ref {
    /// The id referred to, in either shape (a bare id, or an object's `id`).
    ///
    /// ```
    /// use maiagent::types::Ref;
    ///
    /// let bare: Ref = serde_json::from_str(r#""b5c4""#).unwrap();
    /// let object: Ref = serde_json::from_str(r#"{"id": "b5c4", "name": "gpt-4o"}"#).unwrap();
    /// assert_eq!(bare.id().map(|id| id.as_str()), Some("b5c4"));
    /// assert_eq!(object.id(), bare.id());
    /// assert_eq!(object.name(), Some("gpt-4o"));
    /// ```
    pub fn id(&self) -> Option<&Id> {
        match self {
            Ref::Id(id) => Some(id),
            Ref::NamedRef(named) => named.id.as_ref(),
        }
    }

    /// The name of the object referred to, when the server sent the object.
    pub fn name(&self) -> Option<&str> {
        match self {
            Ref::Id(_) => None,
            Ref::NamedRef(named) => named.name.as_deref(),
        }
    }
}

impl AiModelList {
    /// The models, from either shape (a plain array or one page).
    pub fn into_models(self) -> Vec<AiModel> {
        match self {
            AiModelList::Array(models) => models,
            AiModelList::AiModelPage(page) => page.results,
        }
    }
}

impl KnowledgeBaseFileBatch {
    /// The files, from either shape (a plain array or `{"files": [...]}`).
    pub fn into_files(self) -> Vec<KnowledgeBaseFile> {
        match self {
            KnowledgeBaseFileBatch::Array(files) => files,
            KnowledgeBaseFileBatch::KnowledgeBaseFileWrapped(wrapped) => wrapped.files,
        }
    }
}
