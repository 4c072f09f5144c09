//! A chatbot (AI assistant): its records and their export. Completions are in
//! [`crate::completions`].

use crate::types::ChatbotRecordPage;
use crate::{Call, Client};

/// One chatbot: `client.chatbot(id)`.
#[derive(Debug, Clone)]
pub struct Chatbot<'a> {
    pub(crate) client: &'a Client,
    pub(crate) id: String,
}

impl Client {
    /// The chatbot (AI assistant) with this id.
    pub fn chatbot(&self, id: impl AsRef<str>) -> Chatbot<'_> {
        Chatbot {
            client: self,
            id: id.as_ref().to_string(),
        }
    }
}

impl<'a> Chatbot<'a> {
    /// The chatbot's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Lists the chatbot's question-and-answer records (`GET chatbots/{id}/records/`).
    pub fn records(&self) -> ListRecords<'a> {
        ListRecords {
            client: self.client,
            chatbot: self.id.clone(),
            page_size: None,
            options: Default::default(),
        }
    }
}

/// A listing of a chatbot's records; see [`Chatbot::records`].
#[derive(Debug, Clone)]
#[must_use = "a listing does nothing until a page is requested"]
pub struct ListRecords<'a> {
    pub(crate) client: &'a Client,
    pub(crate) chatbot: String,
    pub(crate) page_size: Option<u32>,
    pub(crate) options: crate::call::CallOptions,
}

impl ListRecords<'_> {
    /// How many records each page holds (the server's default otherwise).
    pub fn page_size(mut self, n: u32) -> Self {
        self.page_size = Some(n);
        self
    }

    crate::call::call_option_setters!(
        /// It applies to every page request of the listing.
    );

    /// Page number `page` (1-based).
    pub fn page(&self, page: u32) -> Call<ChatbotRecordPage> {
        let chatbot = self.chatbot.clone();
        let page_size = self.page_size;
        Call::new(self.client, "chatbot_records_list", true, move |c| {
            let chatbot = chatbot.clone();
            async move {
                let mut req = c
                    .generated()
                    .chatbot_records_list()
                    .chatbot_pk(chatbot)
                    .page(i64::from(page));
                if let Some(v) = page_size {
                    req = req.page_size(i64::from(v));
                }
                req.send().await
            }
        })
        .with_options(self.options.clone())
    }

    /// The first page.
    pub fn first_page(&self) -> Call<ChatbotRecordPage> {
        self.page(1)
    }
}
