//! The temporary file an export is written to before it is renamed over its destination.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};

/// A new, empty `.<name>.<random>.part` file beside the destination, removed when dropped unless
/// [`persist`](Self::persist) renamed it. Readable and writable by its owner only (on Unix).
#[derive(Debug)]
pub(super) struct PartFile {
    path: PathBuf,
    persisted: bool,
}

impl PartFile {
    /// Creates the file in `dir`, named after `name` (the destination's file name).
    pub(super) fn create(dir: &Path, name: &str) -> io::Result<(File, PartFile)> {
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut last = None;
        // A name taken by another file is tried again with another random part.
        for _ in 0..8 {
            let path = dir.join(format!(".{name}.{:016x}.part", fastrand::u64(..)));
            match options.open(&path) {
                Ok(file) => {
                    let part = PartFile {
                        path,
                        persisted: false,
                    };
                    return Ok((file, part));
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = Some(e),
                Err(e) => return Err(e),
            }
        }
        Err(last.unwrap_or_else(|| io::Error::from(io::ErrorKind::AlreadyExists)))
    }

    /// Renames the file to `destination`, replacing any file there.
    pub(super) fn persist(mut self, destination: &Path) -> io::Result<()> {
        std::fs::rename(&self.path, destination)?;
        self.persisted = true;
        Ok(())
    }
}

impl Drop for PartFile {
    fn drop(&mut self) {
        if !self.persisted {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::PartFile;
    use std::io::Write;

    fn entries(dir: &std::path::Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_dropped_part_file_is_removed() {
        let scratch = tempfile::tempdir().unwrap();
        let dir = scratch.path();
        let (mut file, part) = PartFile::create(dir, "records.xlsx").unwrap();
        file.write_all(b"half").unwrap();
        let names = entries(dir);
        assert_eq!(names.len(), 1);
        assert!(names[0].starts_with(".records.xlsx.") && names[0].ends_with(".part"));
        drop(part);
        assert_eq!(entries(dir), Vec::<String>::new());
    }

    #[test]
    fn persist_replaces_the_destination_and_leaves_nothing_else() {
        let scratch = tempfile::tempdir().unwrap();
        let dir = scratch.path();
        let destination = dir.join("records.xlsx");
        std::fs::write(&destination, b"old").unwrap();
        let (mut file, part) = PartFile::create(dir, "records.xlsx").unwrap();
        file.write_all(b"new").unwrap();
        drop(file);
        part.persist(&destination).unwrap();
        assert_eq!(std::fs::read(&destination).unwrap(), b"new");
        assert_eq!(entries(dir), vec!["records.xlsx".to_string()]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&destination)
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn two_part_files_for_one_name_do_not_collide() {
        let scratch = tempfile::tempdir().unwrap();
        let dir = scratch.path();
        let (_a, first) = PartFile::create(dir, "r.xlsx").unwrap();
        let (_b, second) = PartFile::create(dir, "r.xlsx").unwrap();
        assert_eq!(entries(dir).len(), 2);
        drop((first, second));
        assert_eq!(entries(dir), Vec::<String>::new());
    }
}
