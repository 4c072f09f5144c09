//! The embedding and reranker models a knowledge base can use.

use crate::transport::Request;
use crate::types::AiModelList;
use crate::{Call, Client, Operation};

/// The models of the account: `client.models()`. Each answer is an [`AiModelList`]; take the
/// models with [`AiModelList::into_models`].
///
/// ```no_run
/// # async fn run(client: maiagent::Client) -> Result<(), maiagent::Error> {
/// for model in client.models().embedding().await?.into_models() {
///     println!("{:?} {:?}", model.id, model.name);
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Models {
    client: Client,
}

impl Client {
    /// The embedding and reranker models.
    pub fn models(&self) -> Models {
        Models {
            client: self.clone(),
        }
    }
}

impl Models {
    /// The embedding models (`GET embedding-models/`).
    pub fn embedding(&self) -> Call<AiModelList> {
        Call::new(
            &self.client,
            Request::new(Operation::EmbeddingModelsList, &[]),
        )
    }

    /// The reranker models (`GET reranker-models/`).
    pub fn reranker(&self) -> Call<AiModelList> {
        Call::new(
            &self.client,
            Request::new(Operation::RerankerModelsList, &[]),
        )
    }
}
