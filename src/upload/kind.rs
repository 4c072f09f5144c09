//! What kind of file an upload is: its attachment type and its media type, from its name.

use crate::types::AttachmentType;
use std::path::Path;

/// The attachment type and the media type of a file, inferred from its name's extension.
///
/// Images, videos and audio clips are recognised by their usual extensions; everything else is
/// [`AttachmentType::Other`] sent as `application/octet-stream`. Set the type explicitly when
/// the name says nothing (a file without extension).
pub(crate) fn infer(filename: &str) -> (AttachmentType, &'static str) {
    let ext = Path::new(filename)
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    match ext.as_str() {
        "png" => (AttachmentType::Image, "image/png"),
        "jpg" | "jpeg" | "jfif" => (AttachmentType::Image, "image/jpeg"),
        "gif" => (AttachmentType::Image, "image/gif"),
        "webp" => (AttachmentType::Image, "image/webp"),
        "bmp" => (AttachmentType::Image, "image/bmp"),
        "heic" => (AttachmentType::Image, "image/heic"),
        "heif" => (AttachmentType::Image, "image/heif"),
        "tif" | "tiff" => (AttachmentType::Image, "image/tiff"),
        "svg" => (AttachmentType::Image, "image/svg+xml"),
        "mp4" | "m4v" => (AttachmentType::Video, "video/mp4"),
        "mov" => (AttachmentType::Video, "video/quicktime"),
        "webm" => (AttachmentType::Video, "video/webm"),
        "mkv" => (AttachmentType::Video, "video/x-matroska"),
        "avi" => (AttachmentType::Video, "video/x-msvideo"),
        "mpeg" | "mpg" => (AttachmentType::Video, "video/mpeg"),
        "mp3" => (AttachmentType::Audio, "audio/mpeg"),
        "wav" => (AttachmentType::Audio, "audio/wav"),
        "m4a" => (AttachmentType::Audio, "audio/mp4"),
        "aac" => (AttachmentType::Audio, "audio/aac"),
        "ogg" | "oga" | "opus" => (AttachmentType::Audio, "audio/ogg"),
        "flac" => (AttachmentType::Audio, "audio/flac"),
        "pdf" => (AttachmentType::Other, "application/pdf"),
        "txt" => (AttachmentType::Other, "text/plain"),
        "md" => (AttachmentType::Other, "text/markdown"),
        "csv" => (AttachmentType::Other, "text/csv"),
        "json" => (AttachmentType::Other, "application/json"),
        "jsonl" => (AttachmentType::Other, "application/jsonl"),
        "doc" => (AttachmentType::Other, "application/msword"),
        "docx" => (
            AttachmentType::Other,
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        "xls" => (AttachmentType::Other, "application/vnd.ms-excel"),
        "xlsx" => (
            AttachmentType::Other,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        "ppt" => (AttachmentType::Other, "application/vnd.ms-powerpoint"),
        "pptx" => (
            AttachmentType::Other,
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        ),
        _ => (AttachmentType::Other, "application/octet-stream"),
    }
}

/// The last component of a path, as the file name to upload under.
pub(crate) fn file_name(path: &Path) -> Option<String> {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .filter(|n| !n.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_videos_audio_and_the_rest() {
        assert_eq!(infer("cat.JPG"), (AttachmentType::Image, "image/jpeg"));
        assert_eq!(infer("clip.mov").0, AttachmentType::Video);
        assert_eq!(infer("voice.m4a").0, AttachmentType::Audio);
        assert_eq!(
            infer("手冊.pdf"),
            (AttachmentType::Other, "application/pdf")
        );
        assert_eq!(
            infer("no_extension"),
            (AttachmentType::Other, "application/octet-stream")
        );
        assert_eq!(infer("archive.tar.gz").0, AttachmentType::Other);
    }

    #[test]
    fn file_names_of_paths() {
        assert_eq!(
            file_name(Path::new("/tmp/a/b.png")).as_deref(),
            Some("b.png")
        );
        assert_eq!(file_name(Path::new("/")), None);
    }
}
