//! Knowledge bases: list, get, create, replace, update, delete; their files are in
//! [`knowledge_base_files`](super::knowledge_base_files); the models they use in
//! [`models`](super::models).

use super::knowledge_base_files::KnowledgeBaseFiles;
use crate::pagination::Listing;
use crate::transport::Request;
use crate::types::{
    IdNameInput, KnowledgeBase, KnowledgeBaseCreate, KnowledgeBasePage, KnowledgeBaseUpdate,
};
use crate::{Call, Client, Operation};
use futures::future::BoxFuture;
use std::future::IntoFuture;

/// The knowledge bases of the account: `client.knowledge_bases()`.
///
/// ```no_run
/// # async fn run(client: maiagent::Client) -> Result<(), maiagent::Error> {
/// use std::time::Duration;
///
/// let embedding = client.models().embedding().await?.into_models();
/// let reranker = client.models().reranker().await?.into_models();
/// let kb = client
///     .knowledge_bases()
///     .create(
///         "產品手冊",
///         embedding[0].id.as_ref().unwrap().as_str(),
///         reranker[0].id.as_ref().unwrap().as_str(),
///     )
///     .description("Manuals for the support bot")
///     .await?;
/// let files = client.knowledge_bases().files(kb.id.as_ref().unwrap().as_str());
/// let file = files.upload("manual.pdf").await?;
/// let done = files.wait_until_processed(file.id.as_ref().unwrap().as_str(), Duration::from_secs(600)).await?;
/// println!("{:?} is {:?}", done.filename, done.status);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct KnowledgeBases {
    client: Client,
}

impl Client {
    /// Knowledge bases: list, get, create, replace, update, delete, and their files.
    pub fn knowledge_bases(&self) -> KnowledgeBases {
        KnowledgeBases {
            client: self.clone(),
        }
    }
}

impl KnowledgeBases {
    /// The knowledge bases (`GET knowledge-bases/`, page-number pagination).
    pub fn list(&self) -> Listing<KnowledgeBasePage> {
        Listing::new(&self.client, &[])
    }

    /// One knowledge base (`GET knowledge-bases/{id}/`).
    pub fn get(&self, id: impl AsRef<str>) -> Call<KnowledgeBase> {
        let request = Request::new(Operation::KnowledgeBasesGet, &[id.as_ref()]);
        Call::new(&self.client, request)
    }

    /// A new knowledge base (`POST knowledge-bases/`) using these embedding and reranker models
    /// (ids from [`Models`](super::models::Models)); set more with the builder's methods.
    pub fn create(
        &self,
        name: impl Into<String>,
        embedding_model: impl Into<String>,
        reranker_model: impl Into<String>,
    ) -> CreateKnowledgeBase {
        CreateKnowledgeBase {
            client: self.client.clone(),
            body: KnowledgeBaseCreate {
                name: name.into(),
                embedding_model: embedding_model.into(),
                reranker_model: reranker_model.into(),
                chatbots: Vec::new(),
                description: None,
                enable_hyde: None,
                enable_rerank: None,
                groups: Vec::new(),
                number_of_retrieved_chunks: None,
                sentence_window_size: None,
                similarity_cutoff: None,
            },
        }
    }

    /// Replaces every setting of a knowledge base (`PUT knowledge-bases/{id}/`). To change a
    /// few fields, use [`update`](Self::update).
    pub fn replace(
        &self,
        id: impl AsRef<str>,
        settings: &KnowledgeBaseCreate,
    ) -> Call<KnowledgeBase> {
        let request = Request::new(Operation::KnowledgeBasesUpdate, &[id.as_ref()]).json(settings);
        Call::new(&self.client, request)
    }

    /// Changes some settings of a knowledge base (`PATCH knowledge-bases/{id}/`): only the
    /// fields set on the builder are sent.
    pub fn update(&self, id: impl AsRef<str>) -> UpdateKnowledgeBase {
        UpdateKnowledgeBase {
            client: self.client.clone(),
            id: id.as_ref().to_string(),
            change: KnowledgeBaseUpdate::default(),
        }
    }

    /// Deletes a knowledge base and its files (`DELETE knowledge-bases/{id}/`).
    pub fn delete(&self, id: impl AsRef<str>) -> Call<()> {
        let request = Request::new(Operation::KnowledgeBasesDelete, &[id.as_ref()]);
        Call::new(&self.client, request)
    }

    /// The files of the knowledge base `id`: list, get, delete, upload, wait until processed.
    pub fn files(&self, id: impl AsRef<str>) -> KnowledgeBaseFiles {
        KnowledgeBaseFiles::new(&self.client, id.as_ref())
    }
}

impl Listing<KnowledgeBasePage> {
    /// Only the knowledge bases whose name matches `text`.
    pub fn search(self, text: impl AsRef<str>) -> Self {
        self.filter("query", text.as_ref())
    }
}

fn ids(ids: impl IntoIterator<Item = impl Into<String>>) -> Vec<IdNameInput> {
    ids.into_iter()
        .map(|id| IdNameInput {
            id: id.into(),
            name: None,
        })
        .collect()
}

/// A new knowledge base; see [`KnowledgeBases::create`]. Await it to send it.
#[derive(Debug, Clone)]
#[must_use = "a knowledge base is not created until it is awaited"]
pub struct CreateKnowledgeBase {
    client: Client,
    body: KnowledgeBaseCreate,
}

impl CreateKnowledgeBase {
    /// A description.
    pub fn description(mut self, text: impl Into<String>) -> Self {
        self.body.description = Some(text.into());
        self
    }

    /// How many chunks a question retrieves (the server's default is 12).
    pub fn number_of_retrieved_chunks(mut self, n: u32) -> Self {
        self.body.number_of_retrieved_chunks = Some(i64::from(n));
        self
    }

    /// The chatbots that use this knowledge base, by id.
    pub fn chatbots(mut self, chatbots: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.body.chatbots = ids(chatbots);
        self
    }

    /// The call, to set per-call options before sending it.
    pub fn call(self) -> Call<KnowledgeBase> {
        let request = Request::new(Operation::KnowledgeBasesCreate, &[]).json(&self.body);
        Call::new(&self.client, request)
    }
}

impl IntoFuture for CreateKnowledgeBase {
    type Output = Result<KnowledgeBase, crate::Error>;
    type IntoFuture = BoxFuture<'static, Self::Output>;

    fn into_future(self) -> Self::IntoFuture {
        self.call().into_future()
    }
}

/// A change of a knowledge base; see [`KnowledgeBases::update`]. Await it to send it.
#[derive(Debug, Clone)]
#[must_use = "a change is not sent until it is awaited"]
pub struct UpdateKnowledgeBase {
    client: Client,
    id: String,
    change: KnowledgeBaseUpdate,
}

impl UpdateKnowledgeBase {
    /// A new name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.change.name = Some(name.into());
        self
    }

    /// A new description.
    pub fn description(mut self, text: impl Into<String>) -> Self {
        self.change.description = Some(text.into());
        self
    }

    /// How many chunks a question retrieves.
    pub fn number_of_retrieved_chunks(mut self, n: u32) -> Self {
        self.change.number_of_retrieved_chunks = Some(i64::from(n));
        self
    }

    /// The chatbots that use this knowledge base, by id (replacing the current ones).
    pub fn chatbots(mut self, chatbots: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.change.chatbots = ids(chatbots);
        self
    }

    /// The call, to set per-call options before sending it.
    pub fn call(self) -> Call<KnowledgeBase> {
        let request =
            Request::new(Operation::KnowledgeBasesPartialUpdate, &[&self.id]).json(&self.change);
        Call::new(&self.client, request)
    }
}

impl IntoFuture for UpdateKnowledgeBase {
    type Output = Result<KnowledgeBase, crate::Error>;
    type IntoFuture = BoxFuture<'static, Self::Output>;

    fn into_future(self) -> Self::IntoFuture {
        self.call().into_future()
    }
}
