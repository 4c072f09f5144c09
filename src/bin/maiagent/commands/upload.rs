//! `upload FILE`: a file uploaded and registered as an attachment; and the check every command
//! that takes files makes before any request.

use super::Context;
use crate::Failure;
use clap::{Args, ValueEnum};
use maiagent::types::{Attachment, AttachmentType};
use maiagent::upload::UploadFile;
use std::path::{Path, PathBuf};

/// `upload ...`.
#[derive(Debug, Args)]
pub struct UploadArgs {
    /// The file to upload
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Attach it to this conversation
    #[arg(long, value_name = "ID")]
    pub conversation: Option<String>,
    /// The attachment type [default: from the file's extension]
    #[arg(long = "type", value_name = "TYPE", value_enum)]
    pub kind: Option<Kind>,
}

/// The attachment types `--type` takes.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Kind {
    /// An image
    Image,
    /// A video
    Video,
    /// An audio clip
    Audio,
    /// A sticker
    Sticker,
    /// Any other file
    Other,
}

impl From<Kind> for AttachmentType {
    fn from(kind: Kind) -> Self {
        match kind {
            Kind::Image => AttachmentType::Image,
            Kind::Video => AttachmentType::Video,
            Kind::Audio => AttachmentType::Audio,
            Kind::Sticker => AttachmentType::Sticker,
            Kind::Other => AttachmentType::Other,
        }
    }
}

/// `path` when it names a readable regular file; a usage error (exit status 2) otherwise, so
/// that a wrong path fails before any request.
pub fn existing_file(path: &Path) -> Result<&Path, Failure> {
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_file() => Ok(path),
        Ok(_) => Err(usage(format!("{}: not a regular file", path.display()))),
        Err(e) => Err(usage(format!("{}: {e}", path.display()))),
    }
}

fn usage(message: String) -> Failure {
    Failure::usage(clap::error::ErrorKind::ValueValidation, message)
}

/// Runs `upload`: prints the attachment's id (the attachment with `--json`).
pub async fn run(ctx: &Context, args: UploadArgs) -> Result<(), Failure> {
    let mut file = UploadFile::path(existing_file(&args.file)?);
    if let Some(kind) = args.kind {
        file = file.kind(kind.into());
    }
    let server = ctx.server().await?;
    let bar = crate::progress::progress_bar(std::fs::metadata(&args.file).ok().map(|m| m.len()));
    let progress = bar.clone();
    let mut upload = server
        .client
        .attachments()
        .upload(file)
        .on_progress(move |p| progress.set_position(p.sent));
    if let Some(id) = args.conversation {
        upload = upload.conversation(id);
    }
    let attachment: Attachment = upload.await?;
    bar.finish_and_clear();
    if ctx.out.json {
        ctx.out.json_line(&attachment)
    } else {
        ctx.out.line(
            &attachment
                .id
                .as_ref()
                .map(|i| i.to_string())
                .unwrap_or_default(),
        )
    }
}
