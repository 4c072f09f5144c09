//! `auth login|status|logout`: the profiles of `config.rs`.

use super::Context;
use crate::args::{Source, CHATBOT_ENV};
use crate::config::{self, redact, Profile};
use crate::output::note;
use crate::server::Settings;
use crate::stdin::read_stdin;
use crate::Failure;
use clap::Subcommand;
use futures::StreamExt;
use maiagent::{Client, API_KEY_ENV, BASE_URL_ENV, DEFAULT_BASE_URL};
use std::io::IsTerminal;

/// `auth ...`.
#[derive(Debug, Subcommand)]
pub enum AuthCommand {
    /// Read an API key from standard input, check it, and save it as a profile
    ///
    /// The key is saved with the base URL (--base-url) and a default chatbot (--chatbot) as the
    /// profile --profile (default "default"), in config.toml of the user's config directory
    /// (mode 0600).
    Login {
        /// The chatbot `chat` talks to when none is given
        #[arg(long, value_name = "ID")]
        chatbot: Option<String>,
    },
    /// Show the profile, host and (redacted) key in use, and where each comes from
    Status,
    /// Remove the profile (--profile, default "default")
    Logout,
}

/// Runs `auth ...`.
pub async fn run(ctx: &Context, command: AuthCommand) -> Result<(), Failure> {
    match command {
        AuthCommand::Login { chatbot } => login(ctx, chatbot).await,
        AuthCommand::Status => status(ctx),
        AuthCommand::Logout => logout(ctx),
    }
}

/// The profile named by `--profile` / `MAIAGENT_PROFILE`, else the default one.
fn profile_name(ctx: &Context) -> String {
    ctx.global
        .profile
        .clone()
        .filter(|p| !p.trim().is_empty())
        .unwrap_or_else(|| config::DEFAULT_PROFILE.into())
}

async fn login(ctx: &Context, chatbot: Option<String>) -> Result<(), Failure> {
    if ctx.global.sources.api_key == Source::Flag {
        return Err(Failure::usage(
            clap::error::ErrorKind::ArgumentConflict,
            "`auth login` reads the key from standard input, not from --api-key (a key on the \
             command line is visible to other users)"
                .into(),
        ));
    }
    let name = profile_name(ctx);
    let path = config::path()?;
    let mut file = config::load(&path)?;
    let key = read_key().await?;
    let base_url = ctx
        .global
        .base_url
        .clone()
        .filter(|u| !u.trim().is_empty())
        .or_else(|| file.profiles.get(&name).map(|p| p.base_url.clone()))
        .unwrap_or_else(|| DEFAULT_BASE_URL.to_string());
    let client = Client::builder()
        .api_key(&key)
        .base_url(&base_url)
        .build()?;
    let host = client.base_url().to_string();
    // A cheap authenticated request: the first conversation, if any.
    let mut pages = client.conversations().list().page_size(1).pages();
    if let Some(Err(e)) = pages.next().await {
        let why = crate::error_line(&e);
        return Err(Failure::Message(match e.status().map(|s| s.as_u16()) {
            Some(401 | 403) => format!("{host} refused the API key: {why}"),
            _ => format!("cannot check the API key against {host}: {why}"),
        }));
    }
    let chatbot = chatbot
        .filter(|c| !c.trim().is_empty())
        .or_else(|| file.profiles.get(&name).and_then(|p| p.chatbot.clone()));
    file.profiles.insert(
        name.clone(),
        Profile {
            api_key: key,
            base_url: host.clone(),
            chatbot,
        },
    );
    config::save(&path, &file)?;
    if ctx.out.json {
        ctx.out.json_line(&serde_json::json!({
            "profile": name,
            "baseUrl": host,
            "configFile": path.display().to_string(),
        }))?;
    }
    note(&format!(
        "logged in to {host}; profile {name:?} saved in {}",
        path.display()
    ));
    Ok(())
}

/// The key: one line typed at a hidden prompt on a terminal, else standard input whole.
async fn read_key() -> Result<String, Failure> {
    let key = if std::io::stdin().is_terminal() {
        tokio::task::block_in_place(crate::prompt::hidden_line)?
    } else {
        String::from_utf8(read_stdin().await?)
            .map_err(|_| Failure::Message("the API key on standard input is not text".into()))?
    };
    let key = key.trim();
    if key.is_empty() {
        return Err(Failure::Message(
            "no API key on standard input (e.g. `maiagent auth login < key.txt`)".into(),
        ));
    }
    if key.contains(char::is_whitespace) || key.chars().any(char::is_control) {
        return Err(Failure::Message(
            "the API key on standard input has spaces or several lines".into(),
        ));
    }
    Ok(key.to_string())
}

fn status(ctx: &Context) -> Result<(), Failure> {
    let settings = Settings::resolve(&ctx.global, true)?;
    let path = settings
        .path
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    let chatbot = std::env::var(CHATBOT_ENV)
        .ok()
        .filter(|c| !c.trim().is_empty())
        .map(|c| (c, CHATBOT_ENV.to_string()))
        .or_else(|| {
            let p = settings.profile.as_ref()?;
            Some((p.chatbot.clone()?, "profile".to_string()))
        });
    let in_use = settings.profile.is_some();
    let key = settings
        .api_key
        .as_ref()
        .map(|(k, from)| (redact(k), from.describe(API_KEY_ENV)));
    let url = settings
        .base_url
        .as_ref()
        .map(|(u, from)| (u.clone(), from.describe(BASE_URL_ENV)));
    if ctx.out.json {
        let origin = |o: &Option<(String, String)>| o.as_ref().map(|(_, from)| from.clone());
        let value = |o: &Option<(String, String)>| o.as_ref().map(|(v, _)| v.clone());
        return ctx.out.json_line(&serde_json::json!({
            "profile": settings.profile_name,
            "profileInUse": in_use,
            "configFile": path,
            "mock": settings.is_mock(),
            "baseUrl": value(&url),
            "baseUrlFrom": origin(&url),
            "apiKey": value(&key),
            "apiKeyFrom": origin(&key),
            "chatbot": value(&chatbot),
            "chatbotFrom": origin(&chatbot),
        }));
    }
    let shown = |o: &Option<(String, String)>| match o {
        Some((v, from)) => format!("{v} ({from})"),
        None => "-".into(),
    };
    let profile = if in_use {
        settings.profile_name.clone()
    } else {
        format!("{} (not in use)", settings.profile_name)
    };
    let mut rows = vec![("profile", profile), ("config", path)];
    if settings.is_mock() {
        rows.push((
            "host",
            "the built-in mock server (nothing configured)".to_string(),
        ));
    } else {
        rows.push(("host", shown(&url)));
        rows.push(("API key", shown(&key)));
    }
    rows.push(("chatbot", shown(&chatbot)));
    ctx.out.summary(&rows)
}

fn logout(ctx: &Context) -> Result<(), Failure> {
    let name = profile_name(ctx);
    let path = config::path()?;
    let mut file = config::load(&path)?;
    if file.profiles.remove(&name).is_none() {
        return Err(Failure::Message(format!(
            "no profile {name:?} in {}",
            path.display()
        )));
    }
    config::save(&path, &file)?;
    note(&format!("removed profile {name:?} from {}", path.display()));
    Ok(())
}
