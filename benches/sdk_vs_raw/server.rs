//! The bench's server: this same binary, re-run as a child process (`MAIAGENT_BENCH_SERVER=1`)
//! with its own tokio runtime, so that the client's CPU time, allocations and resident memory
//! are its own. A minimal HTTP/1.1 server on 127.0.0.1 that answers a prebuilt conversation,
//! writes an event stream from a prebuilt block as fast as the socket takes it, and generates
//! message pages.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

pub const SERVER_ENV: &str = "MAIAGENT_BENCH_SERVER";
pub const CONVERSATION_ID: &str = "8e44604a-8278-4c96-96b5-3e5a0548d738";

// ------------------------------------------------------------------------------------------
// What the server sends
// ------------------------------------------------------------------------------------------

/// One stream event of 118 bytes (a content delta with a multi-byte text).
pub fn event() -> &'static [u8] {
    const EVENT: &str = "data: {\"conversationId\":\"8e44604a-8278-4c96-96b5-3e5a0548d738\",\
                         \"content\":\"這是一段串流回覆abc\",\"done\":false}\n\n";
    const _: () = assert!(EVENT.len() == 118);
    EVENT.as_bytes()
}

pub const FINAL_EVENT: &[u8] =
    b"data: {\"conversationId\":\"8e44604a-8278-4c96-96b5-3e5a0548d738\",\
                              \"content\":\"\",\"done\":true,\"citations\":[]}\n\n";

/// A conversation as the API returns it (about 1.3 KB).
pub fn conversation_json() -> String {
    serde_json::json!({
        "id": CONVERSATION_ID,
        "contact": {
            "id": "0b7f5c1e-0000-4000-8000-000000000002",
            "name": "王小明",
            "avatar": "https://example.com/avatars/2.png",
            "sourceId": "U4af4980629",
            "createdAt": "1732495353000"
        },
        "inbox": {
            "id": "a1b2c3d4-0000-4000-8000-000000000001",
            "name": "MaiAgent 網頁聊天 Web Chat",
            "channelType": "web",
            "unreadConversationsCount": 3,
            "signAuth": null
        },
        "title": "退貨流程詢問 Return policy",
        "lastMessage": {
            "id": "2491074a-6d23-4289-af45-caa12531420e",
            "conversation": CONVERSATION_ID,
            "sender": {"id": "324816370485542537671391323877394598747", "name": "AI 智能客服", "avatar": null},
            "type": "outgoing",
            "content": "您好，退貨需在收到商品後七天內提出申請，請保留發票與完整包裝。",
            "contentPayload": null,
            "feedback": null,
            "createdAt": "1732495353000",
            "attachments": [],
            "citations": [],
            "queryMetadata": null
        },
        "lastMessageCreatedAt": "1732495353000",
        "unreadMessagesCount": 0,
        "autoReplyEnabled": true,
        "isAutoReplyNow": false,
        "lastReadAt": "2024-11-25T00:42:33.000Z",
        "createdAt": "1732495353000",
        "isGroupChat": false,
        "enableGroupMention": false,
        "enableLoadingAnimation": true,
        "queryMetadata": {"department": "support"},
        "toolMask": null,
        "llm": "c0ffee00-0000-4000-8000-000000000009",
        "ipAddress": "203.0.113.7",
        "ipCountryCode": "TW",
        "ipRecordedAt": "1732495353000"
    })
    .to_string()
}

/// Message number `i` of a page (about 480 bytes).
fn message_json(out: &mut Vec<u8>, i: u64) {
    write!(
        out,
        "{{\"id\":\"00000000-0000-4000-8000-{i:012}\",\"conversation\":\"{CONVERSATION_ID}\",\
         \"sender\":{{\"id\":\"324816370485542537671391323877394598747\",\"name\":\"AI 智能客服\",\
         \"avatar\":\"https://example.com/avatars/bot.png\"}},\"type\":\"outgoing\",\
         \"content\":\"這是第 {i} 則訊息。This is message number {i}, with a little more text.\",\
         \"contentPayload\":null,\"feedback\":null,\"createdAt\":\"{}\",\"attachments\":[],\
         \"citations\":[],\"citationNodes\":[],\"canvas\":null,\"queryMetadata\":{{\"lang\":\"zh-TW\"}}}}",
        1_732_495_353_000u64 + i
    )
    .expect("writing to a Vec");
}

// ------------------------------------------------------------------------------------------
// The server (a child process)
// ------------------------------------------------------------------------------------------

pub fn serve() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a runtime");
    // End with the parent: it holds our stdin.
    std::thread::spawn(|| {
        let mut sink = String::new();
        let _ = std::io::stdin().read_line(&mut sink);
        std::process::exit(0);
    });
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = listener.local_addr().expect("an address").port();
        println!("{port}");
        std::io::stdout().flush().expect("stdout");
        let shared = std::sync::Arc::new(Prebuilt {
            conversation: conversation_json().into_bytes(),
            block: event().repeat(1024),
            origin: format!("http://127.0.0.1:{port}"),
        });
        loop {
            let (socket, _) = listener.accept().await.expect("accept");
            let shared = shared.clone();
            tokio::spawn(async move {
                let _ = connection(socket, &shared).await;
            });
        }
    });
}

pub struct Prebuilt {
    pub conversation: Vec<u8>,
    /// 1,024 events.
    pub block: Vec<u8>,
    pub origin: String,
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Serves the requests of one keep-alive connection.
async fn connection(mut socket: tokio::net::TcpStream, p: &Prebuilt) -> std::io::Result<()> {
    socket.set_nodelay(true)?;
    let mut buf: Vec<u8> = Vec::with_capacity(16 * 1024);
    loop {
        let head_end = loop {
            if let Some(i) = find(&buf, b"\r\n\r\n") {
                break i + 4;
            }
            if socket.read_buf(&mut buf).await? == 0 {
                return Ok(());
            }
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
        let length: usize = head
            .lines()
            .filter_map(|l| l.split_once(':'))
            .find(|(k, _)| k.trim().eq_ignore_ascii_case("content-length"))
            .and_then(|(_, v)| v.trim().parse().ok())
            .unwrap_or(0);
        while buf.len() < head_end + length {
            if socket.read_buf(&mut buf).await? == 0 {
                return Ok(());
            }
        }
        buf.drain(..head_end + length);
        let mut parts = head.split_whitespace();
        let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
        match (method, segments.as_slice()) {
            ("GET", ["api", "v1", "conversations", _]) => {
                respond(&mut socket, "application/json", &p.conversation).await?;
            }
            ("POST", ["api", "v1", "chatbots", events, "completions"]) => {
                let events: u64 = events.parse().unwrap_or(1);
                event_stream(&mut socket, p, events).await?;
            }
            ("GET", ["api", "v1", "messages"]) => {
                let page = message_page(p, query);
                respond(&mut socket, "application/json", &page).await?;
            }
            _ => {
                let body = b"{\"detail\":\"Not found.\"}";
                let head = format!(
                    "HTTP/1.1 404 Not Found\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
                    body.len()
                );
                socket.write_all(head.as_bytes()).await?;
                socket.write_all(body).await?;
            }
        }
    }
}

async fn respond(
    socket: &mut tokio::net::TcpStream,
    media: &str,
    body: &[u8],
) -> std::io::Result<()> {
    let mut out = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: {media}\r\ncontent-length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(body);
    socket.write_all(&out).await
}

/// `events` events: `events - 1` deltas, then the final one.
async fn event_stream(
    socket: &mut tokio::net::TcpStream,
    p: &Prebuilt,
    events: u64,
) -> std::io::Result<()> {
    let deltas = events.saturating_sub(1);
    let per_block = (p.block.len() / event().len()) as u64;
    let (blocks, rest) = (deltas / per_block, (deltas % per_block) as usize);
    let length = deltas * event().len() as u64 + FINAL_EVENT.len() as u64;
    let head = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncache-control: no-cache\r\ncontent-length: {length}\r\n\r\n"
    );
    socket.write_all(head.as_bytes()).await?;
    for _ in 0..blocks {
        socket.write_all(&p.block).await?;
    }
    socket.write_all(&p.block[..rest * event().len()]).await?;
    socket.write_all(FINAL_EVENT).await
}

/// `GET messages/?conversation=<total>&pageSize=<n>&cursor=<offset>`: messages `offset..` of
/// `total`, with an absolute `next` link while more remain.
pub fn message_page(p: &Prebuilt, query: &str) -> Vec<u8> {
    let value = |key: &str| {
        query
            .split('&')
            .filter_map(|kv| kv.split_once('='))
            .find(|(k, _)| *k == key)
            .and_then(|(_, v)| v.parse::<u64>().ok())
    };
    let total = value("conversation").unwrap_or(0);
    let size = value("pageSize").unwrap_or(10).max(1);
    let offset = value("cursor").unwrap_or(0);
    let end = (offset + size).min(total);
    let mut out = Vec::with_capacity(512 * (end - offset.min(end)) as usize + 256);
    write!(out, "{{\"count\":{total},\"next\":").expect("a Vec");
    if end < total {
        write!(
            out,
            "\"{}/api/v1/messages/?conversation={total}&cursor={end}&pageSize={size}\"",
            p.origin
        )
        .expect("a Vec");
    } else {
        out.extend_from_slice(b"null");
    }
    out.extend_from_slice(b",\"previous\":null,\"results\":[");
    for i in offset..end {
        if i > offset {
            out.push(b',');
        }
        message_json(&mut out, i);
    }
    out.extend_from_slice(b"]}");
    out
}

// ------------------------------------------------------------------------------------------

/// Starts the server; returns it and its port.
pub fn start_server() -> (Child, u16) {
    let mut child = Command::new(std::env::current_exe().expect("this binary"))
        .env(SERVER_ENV, "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("the server starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("its stdout"))
        .read_line(&mut line)
        .expect("its port");
    (child, line.trim().parse().expect("a port number"))
}
