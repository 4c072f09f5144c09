//! Conversations: list, get, create.

use crate::types::{Conversation, ConversationCreate, ConversationPage};
use crate::{Call, Client};

/// The conversations of the account: `client.conversations()`.
#[derive(Debug, Clone, Copy)]
pub struct Conversations<'a> {
    client: &'a Client,
}

impl Client {
    /// Conversations: list, get, create.
    pub fn conversations(&self) -> Conversations<'_> {
        Conversations { client: self }
    }
}

impl<'a> Conversations<'a> {
    /// One conversation (`GET conversations/{id}/`).
    pub fn get(&self, id: impl AsRef<str>) -> Call<Conversation> {
        let id = id.as_ref().to_string();
        Call::new(self.client, "conversations_get", true, move |c| {
            let id = id.clone();
            async move { c.generated().conversations_get().id(id).send().await }
        })
    }

    /// Creates a conversation in a web chat (`POST conversations/`). The web chat id is shown at
    /// the bottom of the AI assistant's detail page.
    pub fn create(&self, web_chat: impl AsRef<str>) -> Call<Conversation> {
        let body = ConversationCreate {
            web_chat: web_chat.as_ref().to_string(),
        };
        Call::new(self.client, "conversations_create", false, move |c| {
            let body = body.clone();
            async move { c.generated().conversations_create().body(body).send().await }
        })
    }

    /// Lists conversations (`GET conversations/`), optionally filtered.
    pub fn list(&self) -> ListConversations<'a> {
        ListConversations {
            client: self.client,
            inbox: None,
            keyword: None,
            page_size: None,
            options: Default::default(),
        }
    }
}

/// A listing of conversations; see [`Conversations::list`].
#[derive(Debug, Clone)]
#[must_use = "a listing does nothing until a page is requested"]
pub struct ListConversations<'a> {
    pub(crate) client: &'a Client,
    pub(crate) inbox: Option<String>,
    pub(crate) keyword: Option<String>,
    pub(crate) page_size: Option<u32>,
    pub(crate) options: crate::call::CallOptions,
}

impl ListConversations<'_> {
    /// Only conversations of this inbox.
    pub fn inbox(mut self, inbox: impl AsRef<str>) -> Self {
        self.inbox = Some(inbox.as_ref().to_string());
        self
    }

    /// Only conversations matching this keyword.
    pub fn keyword(mut self, keyword: impl AsRef<str>) -> Self {
        self.keyword = Some(keyword.as_ref().to_string());
        self
    }

    /// How many conversations each page holds (the server's default otherwise).
    pub fn page_size(mut self, n: u32) -> Self {
        self.page_size = Some(n);
        self
    }

    crate::call::call_option_setters!(
        /// It applies to every page request of the listing.
    );

    /// One page: the first when `cursor` is `None`, else the page the cursor names.
    pub fn page(&self, cursor: Option<String>) -> Call<ConversationPage> {
        let this = self.clone();
        let (inbox, keyword, page_size) = (this.inbox, this.keyword, this.page_size);
        Call::new(self.client, "conversations_list", true, move |c| {
            let (inbox, keyword, cursor) = (inbox.clone(), keyword.clone(), cursor.clone());
            async move {
                let mut req = c.generated().conversations_list();
                if let Some(v) = inbox {
                    req = req.inbox(v);
                }
                if let Some(v) = keyword {
                    req = req.keyword(v);
                }
                if let Some(v) = page_size {
                    req = req.page_size(i64::from(v));
                }
                if let Some(v) = cursor {
                    req = req.cursor(v);
                }
                req.send().await
            }
        })
        .with_options(self.options.clone())
    }

    /// The first page.
    pub fn first_page(&self) -> Call<ConversationPage> {
        self.page(None)
    }
}
