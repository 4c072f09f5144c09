//! Uploading files: attachments of messages and files of knowledge bases.
//!
//! MaiAgent stores files on a storage host of its own (S3 or a compatible store). An upload is
//! three requests: `POST upload-presigned-url/` names the storage URL and the signed form fields;
//! the file is POSTed there as a `multipart/form-data` form (every field in the order given, then
//! the file); the storage key is then registered with the API (`POST attachments/`,
//! `POST conversations/{id}/attachments/` or `POST knowledge-bases/{id}/files/`).
//!
//! What the SDK guarantees on the way:
//!
//! * the API key is never sent to the storage host: the form goes out with no `Authorization`
//!   header (and storage redirects do not get one either);
//! * the file is streamed from its source, a chunk at a time, with an exact `Content-Length`
//!   (storage hosts refuse chunked uploads): memory stays flat whatever the size;
//! * `fileSize` is the exact byte count of the file, and a source that yields more or fewer bytes
//!   than announced fails the upload instead of sending a malformed form;
//! * a refusal of the storage host (an S3-style XML body, usually 403 or 400) is an
//!   [`Error::Storage`](crate::Error::Storage) that names the storage status and code.

pub(crate) mod flow;
mod kind;
pub(crate) mod multipart;
mod source;
mod storage;

pub use source::{UploadFile, UploadProgress};
pub use storage::StorageError;

#[cfg(feature = "mock")]
pub(crate) use kind::infer as infer_kind;
pub(crate) use source::ProgressFn;
