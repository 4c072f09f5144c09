//! The server the commands talk to, from the settings in order of precedence: flag, then
//! environment, then the profile, then the built-in mock.
//!
//! A profile describes one host: it fills in what the flags and environment leave unset, but
//! its key and default chatbot are used only with its own base URL, so a key is never sent to a
//! host it was not saved for.

use crate::args::{Global, Source};
use crate::config::{self, Profile, DEFAULT_PROFILE};
use crate::output::note;
use crate::Failure;
use maiagent::mock::MockServer;
use maiagent::{Client, API_KEY_ENV, DEFAULT_BASE_URL};
use std::path::PathBuf;

/// Where a resolved setting came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// `--api-key`, `--base-url`, `--chatbot`.
    Flag,
    /// `MAIAGENT_*`.
    Env,
    /// The profile.
    Profile,
    /// Nothing: the SDK's default base URL.
    Default,
}

impl Origin {
    fn of(source: Source) -> Self {
        match source {
            Source::Env => Origin::Env,
            _ => Origin::Flag,
        }
    }

    /// How `auth status` names it.
    pub fn describe(self, env: &str) -> String {
        match self {
            Origin::Flag => "flag".into(),
            Origin::Env => env.into(),
            Origin::Profile => "profile".into(),
            Origin::Default => "default".into(),
        }
    }
}

/// The settings, resolved.
#[derive(Debug)]
pub struct Settings {
    /// The profile's name (named or the default one) and its file.
    pub profile_name: String,
    /// The config file.
    pub path: Option<PathBuf>,
    /// The profile, when one is in use (its host is the host in use).
    pub profile: Option<Profile>,
    /// The API key and where it came from; `None` with no base URL means the built-in mock.
    pub api_key: Option<(String, Origin)>,
    /// The base URL and where it came from.
    pub base_url: Option<(String, Origin)>,
}

impl Settings {
    /// Resolves the settings; the config file is read only when the flags and environment leave
    /// the key or the base URL unset, or when `want_profile` (a default chatbot is needed).
    pub fn resolve(global: &Global, want_profile: bool) -> Result<Self, Failure> {
        let set = |v: &Option<String>| v.clone().filter(|v| !v.trim().is_empty());
        let mut api_key = set(&global.api_key).map(|k| (k, Origin::of(global.sources.api_key)));
        let mut base_url = set(&global.base_url).map(|u| (u, Origin::of(global.sources.base_url)));
        let named = set(&global.profile);
        let profile_name = named.clone().unwrap_or_else(|| DEFAULT_PROFILE.into());
        let mut settings = Settings {
            profile_name,
            path: None,
            profile: None,
            api_key: None,
            base_url: None,
        };
        if api_key.is_none() || base_url.is_none() || want_profile || named.is_some() {
            let path = config::path()?;
            let mut file = config::load(&path)?;
            let profile = file.profiles.remove(&settings.profile_name);
            if profile.is_none() && named.is_some() {
                return Err(Failure::Message(format!(
                    "no profile {name:?} in {path}; run `maiagent auth login --profile {name}`",
                    name = settings.profile_name,
                    path = path.display()
                )));
            }
            settings.path = Some(path);
            let same_host = |p: &Profile| match &base_url {
                None => true,
                Some((url, _)) => same_url(url, &p.base_url),
            };
            if let Some(profile) = profile.filter(same_host) {
                if api_key.is_none() {
                    api_key = Some((profile.api_key.clone(), Origin::Profile));
                }
                if base_url.is_none() {
                    base_url = Some((profile.base_url.clone(), Origin::Profile));
                }
                settings.profile = Some(profile);
            }
        }
        if api_key.is_some() && base_url.is_none() {
            base_url = Some((DEFAULT_BASE_URL.to_string(), Origin::Default));
        }
        settings.api_key = api_key;
        settings.base_url = base_url;
        Ok(settings)
    }

    /// Whether nothing is configured, so that the built-in mock serves.
    pub fn is_mock(&self) -> bool {
        self.api_key.is_none() && self.base_url.is_none()
    }
}

/// Whether two base URLs name the same API (ignoring a trailing slash and letter case of the
/// scheme and host).
pub fn same_url(a: &str, b: &str) -> bool {
    let norm = |u: &str| match url::Url::parse(u.trim()) {
        Ok(url) => url.as_str().trim_end_matches('/').to_string(),
        Err(_) => u.trim().trim_end_matches('/').to_string(),
    };
    norm(a) == norm(b)
}

/// The server the commands talk to: MaiAgent as configured, or the built-in mock when nothing is.
pub struct Server {
    /// The client.
    pub client: Client,
    /// The built-in mock, kept running while the command runs.
    pub mock: Option<MockServer>,
    /// The profile in use, if any.
    pub profile: Option<Profile>,
}

impl Server {
    /// With neither an API key nor a base URL (flags, environment or profile; empty counts as
    /// unset), the built-in mock server; otherwise the configuration given, which needs a key.
    pub async fn connect(global: &Global, want_profile: bool) -> Result<Self, Failure> {
        let settings = Settings::resolve(global, want_profile)?;
        match (settings.api_key, settings.base_url) {
            (None, None) => {
                let mock = MockServer::start().await.map_err(|e| {
                    Failure::Message(format!("cannot start the built-in mock server: {e}"))
                })?;
                note(&format!(
                    "no {API_KEY_ENV} set; using the built-in mock server at {}",
                    mock.base_url()
                ));
                let client = Client::builder()
                    .api_key(mock.api_key())
                    .base_url(mock.base_url())
                    .build()?;
                Ok(Self {
                    client,
                    mock: Some(mock),
                    profile: None,
                })
            }
            (None, Some(_)) => Err(maiagent::Error::Config {
                message: format!(
                    "no API key: pass --api-key KEY, set {API_KEY_ENV} or run `maiagent auth login` (a base URL is set, so the built-in mock server is not used)"
                ),
            }
            .into()),
            (Some((key, _)), base_url) => {
                let mut builder = Client::builder().api_key(key);
                if let Some((url, _)) = base_url {
                    builder = builder.base_url(url);
                }
                Ok(Self {
                    client: builder.build()?,
                    mock: None,
                    profile: settings.profile,
                })
            }
        }
    }
}
