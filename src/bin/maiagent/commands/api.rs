//! `api`: any endpoint of the API, like `gh api`, through the SDK's `Client::api` (the same
//! auth, base URL, retries and errors as every other command).

use super::Context;
use crate::stdin::{read_stdin, MAX_STDIN};
use crate::Failure;
use clap::Args;
use futures::TryStreamExt;
use reqwest::Method;
use serde_json::{Map, Value};
use std::path::PathBuf;

/// `api [--method M] PATH [-f KEY=VALUE]... [-F KEY=VALUE]... [--input FILE|-] [--paginate]`.
#[derive(Debug, Args)]
pub struct ApiArgs {
    /// The path, relative to the base URL (`inboxes/`, `chatbots/ID/`), optionally with a query
    #[arg(value_name = "PATH")]
    pub path: String,
    /// The HTTP method [default: GET; POST when fields or --input are given, unless --paginate]
    #[arg(short = 'X', long, value_name = "METHOD")]
    pub method: Option<String>,
    /// A string field: a query parameter of a GET, HEAD or DELETE (or with --input), else a key of the JSON body; repeatable
    #[arg(short = 'f', long = "raw-field", value_name = "KEY=VALUE", value_parser = parse_field)]
    pub raw_fields: Vec<(String, String)>,
    /// A typed field, like -f but `true`, `false`, `null` and numbers are sent as JSON; repeatable
    #[arg(short = 'F', long = "field", value_name = "KEY=VALUE", value_parser = parse_field)]
    pub fields: Vec<(String, String)>,
    /// The JSON request body, from FILE (`-`: standard input)
    #[arg(long, value_name = "FILE")]
    pub input: Option<PathBuf>,
    /// Follow each page's `next` link and print the items (`results`), one JSON line each
    #[arg(long)]
    pub paginate: bool,
}

/// Parses `KEY=VALUE`.
fn parse_field(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((key, value)) if !key.is_empty() => Ok((key.to_string(), value.to_string())),
        _ => Err(format!("expected KEY=VALUE, got {text:?}")),
    }
}

/// The JSON value of a typed field (`-F`).
fn typed(value: &str) -> Value {
    match value {
        "true" => Value::Bool(true),
        "false" => Value::Bool(false),
        "null" => Value::Null,
        _ => match value.parse::<serde_json::Number>() {
            Ok(n) if !value.starts_with('+') && !value.starts_with('.') => Value::Number(n),
            _ => Value::String(value.to_string()),
        },
    }
}

/// Runs `api`.
pub async fn run(ctx: &Context, args: ApiArgs) -> Result<(), Failure> {
    let has_fields = !args.raw_fields.is_empty() || !args.fields.is_empty();
    let method = match &args.method {
        Some(m) => Method::from_bytes(m.trim().to_ascii_uppercase().as_bytes()).map_err(|_| {
            Failure::usage(
                clap::error::ErrorKind::InvalidValue,
                format!("not an HTTP method: {m:?}"),
            )
        })?,
        None if (has_fields || args.input.is_some()) && !args.paginate => Method::POST,
        None => Method::GET,
    };
    let body = match &args.input {
        Some(file) => Some(read_body(file).await?),
        None => None,
    };
    // Fields go into the query of a request without a body, else into the JSON body.
    let fields_in_query = body.is_some()
        || matches!(method, Method::GET | Method::HEAD | Method::DELETE)
        || args.paginate;
    let (path, query) = match args.path.trim().split_once('?') {
        Some((path, query)) => (path.to_string(), Some(query.to_string())),
        None => (args.path.trim().to_string(), None),
    };
    let path = path.strip_prefix('/').unwrap_or(&path).to_string();

    let server = ctx.server().await?;
    let mut request = server.client.api(method, &path);
    for (key, value) in url::form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        request = request.param(key, value);
    }
    let fields = args
        .raw_fields
        .into_iter()
        .map(|(k, v)| (k, Value::String(v)))
        .chain(args.fields.into_iter().map(|(k, v)| {
            let value = typed(&v);
            (k, value)
        }));
    if fields_in_query {
        for (key, value) in fields {
            let text = match value {
                Value::String(s) => s,
                other => other.to_string(),
            };
            request = request.param(key, text);
        }
        if let Some(body) = &body {
            request = request.body(body);
        }
    } else if has_fields {
        let object: Map<String, Value> = fields.collect();
        request = request.body(&Value::Object(object));
    }

    if args.paginate {
        let items = request.items();
        futures::pin_mut!(items);
        while let Some(item) = items.try_next().await? {
            ctx.out.json_line(&item)?;
        }
        return Ok(());
    }
    let answer = request.send().await?.into_inner();
    print(ctx, &answer)
}

/// The answer: nothing for an empty one, indented on a terminal (unless `--json`), else one line.
fn print(ctx: &Context, answer: &Value) -> Result<(), Failure> {
    if answer.is_null() {
        return Ok(());
    }
    if ctx.out.terminal && !ctx.out.json {
        let text = serde_json::to_string_pretty(answer)
            .map_err(|e| Failure::Message(format!("cannot encode the answer: {e}")))?;
        ctx.out.line(&text)
    } else {
        ctx.out.json_line(answer)
    }
}

/// The JSON body of `--input FILE` (`-`: standard input).
async fn read_body(file: &PathBuf) -> Result<Value, Failure> {
    let (bytes, name) = if file.as_os_str() == "-" {
        (read_stdin().await?, "standard input".to_string())
    } else {
        let name = file.display().to_string();
        let size = tokio::fs::metadata(file)
            .await
            .map_err(|e| Failure::Message(format!("cannot read {name}: {e}")))?
            .len();
        if size > MAX_STDIN {
            return Err(Failure::Message(format!(
                "{name} is larger than {} MiB",
                MAX_STDIN >> 20
            )));
        }
        let bytes = tokio::fs::read(file)
            .await
            .map_err(|e| Failure::Message(format!("cannot read {name}: {e}")))?;
        (bytes, name)
    };
    serde_json::from_slice(&bytes).map_err(|e| Failure::Message(format!("{name} is not JSON: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_parse_and_type() {
        assert_eq!(parse_field("a=b=c"), Ok(("a".into(), "b=c".into())));
        assert!(parse_field("=x").is_err() && parse_field("novalue").is_err());
        assert_eq!(typed("true"), Value::Bool(true));
        assert_eq!(typed("12"), serde_json::json!(12));
        assert_eq!(typed("1.5"), serde_json::json!(1.5));
        assert_eq!(typed("+1"), Value::String("+1".into()));
        assert_eq!(typed("abc"), Value::String("abc".into()));
    }
}
