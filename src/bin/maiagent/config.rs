//! The profiles saved by `maiagent auth login`: `config.toml` in the user's config directory
//! (`$MAIAGENT_CONFIG_DIR`, else `$XDG_CONFIG_HOME/maiagent`, else the platform's config
//! directory), one `[profiles.NAME]` table each with the API key, base URL and default chatbot.
//!
//! The file holds keys, so it is written with mode 0600 from its creation (a temporary file in
//! the same directory, renamed over the old one), and a file that other users can read or write
//! is refused instead of used.

use crate::Failure;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The environment variable naming the directory of `config.toml` (tests use it).
pub const CONFIG_DIR_ENV: &str = "MAIAGENT_CONFIG_DIR";

/// The profile used when none is named.
pub const DEFAULT_PROFILE: &str = "default";

/// One saved profile.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    /// The API key.
    pub api_key: String,
    /// The API's base URL.
    pub base_url: String,
    /// The chatbot `chat` talks to when none is given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chatbot: Option<String>,
}

impl std::fmt::Debug for Profile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Profile")
            .field("api_key", &redact(&self.api_key))
            .field("base_url", &self.base_url)
            .field("chatbot", &self.chatbot)
            .finish()
    }
}

/// The whole file.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct ConfigFile {
    /// The profiles by name.
    #[serde(default)]
    pub profiles: BTreeMap<String, Profile>,
}

/// A key as it may be shown: its last four characters when it is long enough for them not to
/// give it away, else nothing of it.
pub fn redact(key: &str) -> String {
    let chars: Vec<char> = key.chars().collect();
    if chars.len() >= 16 {
        let tail: String = chars[chars.len() - 4..].iter().collect();
        format!("****{tail}")
    } else {
        "****".to_string()
    }
}

/// Where `config.toml` is, or an error when no config directory can be found.
pub fn path() -> Result<PathBuf, Failure> {
    let set = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    let dir = if let Some(dir) = set(CONFIG_DIR_ENV) {
        PathBuf::from(dir)
    } else if let Some(xdg) = set("XDG_CONFIG_HOME").map(PathBuf::from) {
        xdg.join("maiagent")
    } else if let Some(platform) = dirs::config_dir() {
        platform.join("maiagent")
    } else {
        return Err(Failure::Message(format!(
            "no config directory: set {CONFIG_DIR_ENV} or XDG_CONFIG_HOME"
        )));
    };
    Ok(dir.join("config.toml"))
}

/// The file at `path`: empty when it does not exist, refused when others can reach it.
pub fn load(path: &Path) -> Result<ConfigFile, Failure> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(ConfigFile::default()),
        Err(e) => {
            return Err(Failure::Message(format!(
                "cannot read {}: {e}",
                path.display()
            )))
        }
    };
    check_private(path)?;
    toml::from_str(&text).map_err(|e| {
        Failure::Message(format!(
            "{} is not a valid config file: {e}",
            path.display()
        ))
    })
}

/// Refuses a file that the group or others may read or write.
#[cfg(unix)]
fn check_private(path: &Path) -> Result<(), Failure> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path)
        .map_err(|e| Failure::Message(format!("cannot read {}: {e}", path.display())))?
        .permissions()
        .mode();
    if mode & 0o077 != 0 {
        return Err(Failure::Message(format!(
            "refusing to use {}: other users can access it (mode {:o}) and it holds API keys; \
             run `chmod 600 {}`",
            path.display(),
            mode & 0o777,
            path.display()
        )));
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_private(_path: &Path) -> Result<(), Failure> {
    Ok(())
}

/// Writes `config` to `path`: a new file of mode 0600 in the same directory (created 0700 if
/// missing), renamed over the old one.
pub fn save(path: &Path, config: &ConfigFile) -> Result<(), Failure> {
    let fail = |e: &dyn std::fmt::Display| {
        Failure::Message(format!("cannot write {}: {e}", path.display()))
    };
    let text = toml::to_string(config).map_err(|e| fail(&e))?;
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir).map_err(|e| fail(&e))?;
    let mut temp = tempfile::Builder::new();
    temp.prefix(".config.toml.");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        temp.permissions(std::fs::Permissions::from_mode(0o600));
    }
    let mut file = temp.tempfile_in(dir).map_err(|e| fail(&e))?;
    use std::io::Write;
    file.write_all(text.as_bytes()).map_err(|e| fail(&e))?;
    file.as_file().sync_all().map_err(|e| fail(&e))?;
    file.persist(path).map_err(|e| fail(&e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_redacted() {
        assert_eq!(redact("short"), "****");
        assert_eq!(redact("0123456789abcdefWXYZ"), "****WXYZ");
        let profile = Profile {
            api_key: "secret-0123456789-key".into(),
            base_url: "https://example.com/".into(),
            chatbot: None,
        };
        assert!(!format!("{profile:?}").contains("secret"));
    }
}
