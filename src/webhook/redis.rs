//! The Redis backend of [`ReplyHub`]: replicas share webhook replies through one Redis stream.
//!
//! * A receiver on any replica publishes a message with one Lua script that checks the message
//!   id, appends the message to the stream (`XADD … MAXLEN ~ n`) and remembers the id
//!   (`SET … EX ttl`), atomically: a message delivered to several replicas, or retried by
//!   MaiAgent, is published once, and a message whose publication failed is not remembered,
//!   so its retry publishes it.
//! * Each replica runs one reader (`XREAD BLOCK` on a connection of its own) that hands every
//!   new entry to its local waiters of that conversation. The reader continues from the last
//!   entry it read, so an entry appended after a waiter registered (before its message was
//!   sent) reaches it, however fast the reply; after a Redis restart it reconnects and
//!   continues from the same position.
//! * Nothing per waiter is stored in Redis; the stream is trimmed to about
//!   [`RedisHubBuilder::stream_max_len`] entries and expires with the ids after
//!   [`RedisHubBuilder::dedup_ttl`] without traffic.

use super::hub::{Delivery, ReplyHub};
use super::waiters::Waiters;
use crate::types::Message;
use crate::Error;
use futures::future::BoxFuture;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::streams::{StreamReadOptions, StreamReadReply};
use redis::AsyncCommands;
use std::future::IntoFuture;
use std::sync::Arc;
use std::time::Duration;

/// Check the id, append to the stream, remember the id: one atomic step.
const PUBLISH: &str = r"
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[4], '*', 'conversation', ARGV[2], 'message', ARGV[1])
redis.call('EXPIRE', KEYS[2], ARGV[3])
redis.call('SET', KEYS[1], '1', 'EX', ARGV[3])
return 1
";

/// How long one `XREAD` blocks before it is issued again.
const BLOCK: Duration = Duration::from_secs(2);
/// The reader's pause after a failed read, doubled up to [`MAX_PAUSE`].
const MIN_PAUSE: Duration = Duration::from_millis(20);
const MAX_PAUSE: Duration = Duration::from_millis(500);

/// Connects a Redis-backed [`ReplyHub`]; await it. See [`ReplyHub::redis`].
#[derive(Debug, Clone)]
#[must_use = "the hub is not connected until this is awaited"]
pub struct RedisHubBuilder {
    url: String,
    prefix: String,
    dedup_ttl: Duration,
    stream_max_len: usize,
    timeout: Duration,
}

impl ReplyHub {
    /// A hub shared by every replica that connects to the same Redis (feature `redis`), for
    /// services that run several replicas behind a load balancer: a webhook received by any
    /// replica reaches the waiter on any replica, once. `url` is a Redis URL
    /// (`redis://host:6379/0`, with `redis://user:password@…` for a password; `rediss://` is
    /// not enabled). Await the builder to connect; Redis unreachable gives [`Error::Redis`].
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), maiagent::Error> {
    /// let hub = maiagent::webhook::ReplyHub::redis("redis://127.0.0.1:6379").await?;
    /// # let _ = hub;
    /// # Ok(()) }
    /// ```
    pub fn redis(url: impl Into<String>) -> RedisHubBuilder {
        RedisHubBuilder {
            url: url.into(),
            prefix: "maiagent".into(),
            dedup_ttl: Duration::from_secs(3600),
            stream_max_len: 10_000,
            timeout: Duration::from_secs(2),
        }
    }
}

impl RedisHubBuilder {
    /// The prefix of the hub's keys (default `maiagent`): hubs with the same prefix on the same
    /// Redis share replies. Keys are `{prefix}:replies` and `{prefix}:seen:<message id>`
    /// (one hash slot, for Redis Cluster).
    pub fn key_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// How long a delivered message id is remembered to drop MaiAgent's retries of it
    /// (default one hour, at least one second).
    pub fn dedup_ttl(mut self, ttl: Duration) -> Self {
        self.dedup_ttl = ttl;
        self
    }

    /// About how many replies the stream keeps (default 10,000); older ones are trimmed.
    /// Keep it above the number of replies that can arrive while a reader is disconnected.
    pub fn stream_max_len(mut self, entries: usize) -> Self {
        self.stream_max_len = entries.max(1);
        self
    }

    /// How long connecting, and each command, may take (default 2 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    async fn connect(self) -> Result<ReplyHub, Error> {
        let client = redis::Client::open(self.url.as_str()).map_err(|e| Error::Config {
            message: format!("invalid Redis URL: {e}"),
        })?;
        let address = client.get_connection_info().addr().to_string();
        let unreachable = |source: redis::RedisError| Error::Redis {
            action: format!("connecting to {address}"),
            source: source.into(),
        };
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(self.timeout))
            .set_response_timeout(Some(self.timeout))
            .set_number_of_retries(2)
            .set_min_delay(Duration::from_millis(20))
            .set_max_delay(Duration::from_millis(200));
        let mut conn = client
            .get_connection_manager_with_config(config.clone())
            .await
            .map_err(unreachable)?;
        let keys = Keys::new(&self.prefix);
        // The reader starts after the newest entry: the hub's position before any waiter.
        let newest: redis::streams::StreamRangeReply = conn
            .xrevrange_count(&keys.stream, "+", "-", 1)
            .await
            .map_err(unreachable)?;
        let cursor = newest
            .ids
            .first()
            .map_or("0-0".to_string(), |e| e.id.clone());
        // The reader's XREAD BLOCK holds its connection: it gets one of its own.
        let reader_conn = client
            .get_connection_manager_with_config(
                config.set_response_timeout(Some(BLOCK.saturating_add(self.timeout))),
            )
            .await
            .map_err(unreachable)?;
        let waiters = Arc::new(Waiters::default());
        let reader = tokio::spawn(read_replies(
            reader_conn,
            keys.stream.clone(),
            cursor,
            Arc::clone(&waiters),
            address.clone(),
        ));
        let shared = Shared {
            conn,
            keys,
            publish: redis::Script::new(PUBLISH),
            ttl_secs: self.dedup_ttl.as_secs().max(1),
            stream_max_len: self.stream_max_len,
            address,
            reader: reader.abort_handle(),
        };
        Ok(ReplyHub::with_redis(waiters, shared))
    }
}

impl IntoFuture for RedisHubBuilder {
    type Output = Result<ReplyHub, Error>;
    type IntoFuture = BoxFuture<'static, Result<ReplyHub, Error>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.connect())
    }
}

#[derive(Debug)]
struct Keys {
    stream: String,
    seen_prefix: String,
}

impl Keys {
    fn new(prefix: &str) -> Self {
        Self {
            stream: format!("{{{prefix}}}:replies"),
            seen_prefix: format!("{{{prefix}}}:seen:"),
        }
    }

    fn seen(&self, message_id: &str) -> String {
        format!("{}{message_id}", self.seen_prefix)
    }
}

/// The Redis side of a hub, shared by its clones; the reader stops with the last clone.
pub(crate) struct Shared {
    conn: ConnectionManager,
    keys: Keys,
    publish: redis::Script,
    ttl_secs: u64,
    stream_max_len: usize,
    address: String,
    reader: tokio::task::AbortHandle,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Redis")
            .field("address", &self.address)
            .field("stream", &self.keys.stream)
            .finish_non_exhaustive()
    }
}

impl Drop for Shared {
    fn drop(&mut self) {
        self.reader.abort();
    }
}

impl Shared {
    fn failed(&self, action: &str, source: redis::RedisError) -> Error {
        Error::Redis {
            action: format!("{action} on {}", self.address),
            source: source.into(),
        }
    }

    /// Publishes `message` to every replica, once per message id.
    pub(crate) async fn publish(&self, message: &Message) -> Result<Delivery, Error> {
        let Some(conversation) = message.conversation.as_ref() else {
            return Ok(Delivery::Unclaimed);
        };
        let body = serde_json::to_string(message).map_err(|e| Error::InvalidRequest {
            message: format!("cannot encode the message: {e}"),
        })?;
        let mut conn = self.conn.clone();
        let Some(id) = &message.id else {
            // No id, nothing to recognise a retry by: publish it as it is.
            let _: () = redis::pipe()
                .cmd("XADD")
                .arg(&self.keys.stream)
                .arg("MAXLEN")
                .arg("~")
                .arg(self.stream_max_len)
                .arg("*")
                .arg("conversation")
                .arg(conversation.as_str())
                .arg("message")
                .arg(&body)
                .ignore()
                .expire(
                    &self.keys.stream,
                    i64::try_from(self.ttl_secs).unwrap_or(i64::MAX),
                )
                .ignore()
                .query_async(&mut conn)
                .await
                .map_err(|e| self.failed("publishing a reply", e))?;
            return Ok(Delivery::Published);
        };
        let published: i64 = self
            .publish
            .key(self.keys.seen(id.as_str()))
            .key(&self.keys.stream)
            .arg(&body)
            .arg(conversation.as_str())
            .arg(self.ttl_secs)
            .arg(self.stream_max_len)
            .invoke_async(&mut conn)
            .await
            .map_err(|e| self.failed("publishing a reply", e))?;
        Ok(if published == 1 {
            Delivery::Published
        } else {
            Delivery::Duplicate
        })
    }

    pub(crate) async fn has_seen(&self, message_id: &str) -> Result<bool, Error> {
        let mut conn = self.conn.clone();
        conn.exists(self.keys.seen(message_id))
            .await
            .map_err(|e| self.failed("looking up a message id", e))
    }
}

/// Reads the stream from `cursor` on, forever, handing each entry to the local waiters of its
/// conversation. Failed reads (Redis down or restarting) are retried from the same position.
async fn read_replies(
    mut conn: ConnectionManager,
    stream: String,
    mut cursor: String,
    waiters: Arc<Waiters>,
    address: String,
) {
    let block_ms = usize::try_from(BLOCK.as_millis()).unwrap_or(usize::MAX);
    let options = StreamReadOptions::default().block(block_ms).count(1000);
    let mut pause = MIN_PAUSE;
    let mut failing = false;
    loop {
        let read: redis::RedisResult<Option<StreamReadReply>> =
            conn.xread_options(&[&stream], &[&cursor], &options).await;
        let reply = match read {
            Ok(reply) => reply,
            Err(e) => {
                if !failing {
                    tracing::warn!(%address, error = %e, "reading webhook replies from Redis failed; retrying");
                    failing = true;
                }
                tokio::time::sleep(pause).await;
                pause = pause.saturating_mul(2).min(MAX_PAUSE);
                continue;
            }
        };
        if failing {
            tracing::info!(%address, "reading webhook replies from Redis again");
            failing = false;
        }
        pause = MIN_PAUSE;
        for entry in reply.into_iter().flat_map(|r| r.keys).flat_map(|k| k.ids) {
            cursor.clone_from(&entry.id);
            let conversation: Option<String> = entry.get("conversation");
            if !conversation.as_ref().is_some_and(|c| waiters.waits_for(c)) {
                continue;
            }
            let body: Option<Vec<u8>> = entry.get("message");
            match body.as_deref().map(super::decode) {
                Some(Ok(message)) => {
                    waiters.dispatch(message);
                }
                Some(Err(e)) => {
                    tracing::warn!(id = %entry.id, error = %e, "undecodable reply on the Redis stream")
                }
                None => tracing::warn!(id = %entry.id, "a Redis stream entry without a message"),
            }
        }
    }
}
