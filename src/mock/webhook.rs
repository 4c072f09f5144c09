//! Webhook delivery: MaiAgent POSTs the bot's reply to the assistant's webhook URL.

use super::{lock, Shared, WebhookDelivery};
use crate::types::{Id, Message};
use std::{sync::Arc, time::Duration};

/// POSTs per delivery, at most.
const ATTEMPTS: u32 = 3;

/// Delivers `message` to the configured webhook URL, if any, in the background: up to three
/// POSTs (50 ms, then 200 ms apart) until one is answered with a 2xx status.
pub(crate) fn spawn_delivery(shared: &Arc<Shared>, message: Message) {
    let Some(url) = lock(&shared.webhook_url).clone() else {
        return;
    };
    let shared = Arc::clone(shared);
    tokio::spawn(async move {
        let mut record = WebhookDelivery {
            url: url.clone(),
            message_id: message.id.clone().unwrap_or_else(|| Id::from("")),
            attempts: 0,
            status: None,
            delivered: false,
            error: None,
        };
        let mut pause = Duration::from_millis(50);
        while record.attempts < ATTEMPTS && !record.delivered {
            if record.attempts > 0 {
                tokio::time::sleep(pause).await;
                pause *= 4;
            }
            record.attempts += 1;
            let sent = shared
                .http
                .post(&url)
                .header(http::header::USER_AGENT, "MaiAgent-Webhook (maiagent mock)")
                .json(&message)
                .send()
                .await;
            match sent {
                Ok(answer) => {
                    record.status = Some(answer.status().as_u16());
                    record.delivered = answer.status().is_success();
                    record.error = None;
                }
                Err(e) => record.error = Some(e.to_string()),
            }
        }
        if !record.delivered {
            tracing::warn!(url = %record.url, attempts = record.attempts, "mock webhook not delivered");
        }
        lock(&shared.deliveries).push(record);
    });
}
