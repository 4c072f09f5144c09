//! Contacts: the end users of conversations, in one or more inboxes.

use crate::pagination::Listing;
use crate::transport::Request;
use crate::types::{Contact, ContactCreate, ContactPage, ContactUpdate, IdNameInput};
use crate::{Call, Client, Operation};
use futures::future::BoxFuture;
use std::future::IntoFuture;

/// The contacts of the account: `client.contacts()`.
///
/// ```no_run
/// # async fn run(client: maiagent::Client) -> Result<(), maiagent::Error> {
/// let contact = client
///     .contacts()
///     .create("王小明")
///     .inbox("my-inbox-id")
///     .email("ming@example.com")
///     .await?;
/// let renamed = client.contacts().update(contact.id.unwrap().as_str()).name("Ming").await?;
/// # let _ = renamed;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Contacts {
    client: Client,
}

impl Client {
    /// Contacts: list, get, create, update, delete.
    pub fn contacts(&self) -> Contacts {
        Contacts {
            client: self.clone(),
        }
    }
}

impl Contacts {
    /// The contacts (`GET contacts/`, page-number pagination).
    pub fn list(&self) -> Listing<ContactPage> {
        Listing::new(&self.client, &[])
    }

    /// One contact (`GET contacts/{id}/`).
    pub fn get(&self, id: impl AsRef<str>) -> Call<Contact> {
        Call::new(
            &self.client,
            Request::new(Operation::ContactsGet, &[id.as_ref()]),
        )
    }

    /// A new contact named `name` (`POST contacts/`); add its inboxes with
    /// [`inbox`](CreateContact::inbox).
    pub fn create(&self, name: impl Into<String>) -> CreateContact {
        CreateContact {
            client: self.client.clone(),
            body: ContactCreate {
                name: name.into(),
                inboxes: Vec::new(),
                inbox: None,
                email: None,
                phone_number: None,
                avatar: None,
                source_id: None,
                query_metadata: None,
            },
        }
    }

    /// Changes some fields of a contact (`PATCH contacts/{id}/`): only the fields set on the
    /// builder are sent.
    pub fn update(&self, id: impl AsRef<str>) -> UpdateContact {
        UpdateContact {
            client: self.client.clone(),
            id: id.as_ref().to_string(),
            change: ContactUpdate::default(),
        }
    }

    /// Deletes a contact (`DELETE contacts/{id}/`).
    pub fn delete(&self, id: impl AsRef<str>) -> Call<()> {
        Call::new(
            &self.client,
            Request::new(Operation::ContactsDelete, &[id.as_ref()]),
        )
    }
}

impl Listing<ContactPage> {
    /// Only the contacts of this inbox.
    pub fn inbox(self, inbox: impl AsRef<str>) -> Self {
        self.filter("inboxes", inbox.as_ref())
    }

    /// Only the contacts whose id, name or source id matches `text`.
    pub fn search(self, text: impl AsRef<str>) -> Self {
        self.filter("query", text.as_ref())
    }
}

fn id_input(id: String) -> IdNameInput {
    IdNameInput { id, name: None }
}

/// A new contact; see [`Contacts::create`]. Await it to send it.
#[derive(Debug, Clone)]
#[must_use = "a contact is not created until it is awaited"]
pub struct CreateContact {
    client: Client,
    body: ContactCreate,
}

impl CreateContact {
    /// Adds an inbox the contact belongs to (call it once per inbox).
    pub fn inbox(mut self, inbox: impl Into<String>) -> Self {
        self.body.inboxes.push(id_input(inbox.into()));
        self
    }

    /// The contact's e-mail address.
    pub fn email(mut self, email: impl Into<String>) -> Self {
        self.body.email = Some(email.into());
        self
    }

    /// The contact's phone number.
    pub fn phone_number(mut self, phone: impl Into<String>) -> Self {
        self.body.phone_number = Some(phone.into());
        self
    }

    /// The contact's id in another system (unique within an inbox).
    pub fn source_id(mut self, id: impl Into<String>) -> Self {
        self.body.source_id = Some(id.into());
        self
    }

    /// The call, to set per-call options before sending it.
    pub fn call(self) -> Call<Contact> {
        let request = Request::new(Operation::ContactsCreate, &[]).json(&self.body);
        Call::new(&self.client, request)
    }
}

impl IntoFuture for CreateContact {
    type Output = Result<Contact, crate::Error>;
    type IntoFuture = BoxFuture<'static, Self::Output>;

    fn into_future(self) -> Self::IntoFuture {
        self.call().into_future()
    }
}

/// A change of a contact; see [`Contacts::update`]. Await it to send it.
#[derive(Debug, Clone)]
#[must_use = "a change is not sent until it is awaited"]
pub struct UpdateContact {
    client: Client,
    id: String,
    change: ContactUpdate,
}

impl UpdateContact {
    /// A new name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.change.name = Some(name.into());
        self
    }

    /// A new e-mail address.
    pub fn email(mut self, email: impl Into<String>) -> Self {
        self.change.email = Some(email.into());
        self
    }

    /// A new phone number.
    pub fn phone_number(mut self, phone: impl Into<String>) -> Self {
        self.change.phone_number = Some(phone.into());
        self
    }

    /// Replaces the contact's inboxes with these.
    pub fn inboxes(mut self, inboxes: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.change.inboxes = inboxes.into_iter().map(|i| id_input(i.into())).collect();
        self
    }

    /// The call, to set per-call options before sending it.
    pub fn call(self) -> Call<Contact> {
        let request =
            Request::new(Operation::ContactsPartialUpdate, &[&self.id]).json(&self.change);
        Call::new(&self.client, request)
    }
}

impl IntoFuture for UpdateContact {
    type Output = Result<Contact, crate::Error>;
    type IntoFuture = BoxFuture<'static, Self::Output>;

    fn into_future(self) -> Self::IntoFuture {
        self.call().into_future()
    }
}
