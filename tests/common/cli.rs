//! Helpers of the `maiagent` command-line tests (`tests/cli*.rs`): a mock server on its own
//! runtime, the binary with none of the user's settings, its output, long-running children.

use assert_cmd::Command;
use maiagent::mock::{MockConfig, MockServer};
use maiagent::Operation;
use serde_json::Value;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, ChildStderr, ChildStdout, Stdio};
use std::sync::{mpsc, OnceLock};
use std::time::Duration;

/// The bot's id as a sender in the mock (and in the vendor's example): a 128-bit integer.
pub const BIG_ID: &str = "324816370485542537671391323877394598747";

/// A mock server on its own runtime, so that the test thread can block on the binary.
pub struct Mock {
    server: Option<MockServer>,
    rt: tokio::runtime::Runtime,
}

impl Mock {
    pub fn start() -> Self {
        Self::with(MockConfig::for_tests())
    }

    pub fn with(config: MockConfig) -> Self {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let server = rt.block_on(MockServer::start_with(config)).unwrap();
        Self {
            server: Some(server),
            rt,
        }
    }

    pub fn server(&self) -> &MockServer {
        self.server.as_ref().unwrap()
    }

    pub fn demo(&self) -> maiagent::mock::DemoData {
        self.server().demo()
    }

    /// `maiagent --base-url <mock> --api-key <key>`, with no MAIAGENT_* variable.
    pub fn cmd(&self) -> Command {
        let mut cmd = bare();
        cmd.args(["--base-url", &self.server().base_url()]);
        cmd.args(["--api-key", self.server().api_key()]);
        cmd
    }

    /// How many requests of `route` the mock received.
    pub fn count(&self, route: Operation) -> usize {
        self.server()
            .requests()
            .iter()
            .filter(|r| r.operation == Some(route))
            .count()
    }
}

impl Drop for Mock {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            self.rt.block_on(server.shutdown());
        }
    }
}

/// `maiagent` with none of the user's MAIAGENT_* variables.
pub fn bare() -> Command {
    let mut cmd = Command::cargo_bin("maiagent").unwrap();
    for var in USER_VARS {
        cmd.env_remove(var);
    }
    cmd.env("MAIAGENT_CONFIG_DIR", empty_config_dir());
    cmd.timeout(Duration::from_secs(120));
    cmd
}

/// The user's settings that would change what `maiagent` does.
pub const USER_VARS: [&str; 6] = [
    "MAIAGENT_API_KEY",
    "MAIAGENT_BASE_URL",
    "MAIAGENT_CHATBOT_ID",
    "MAIAGENT_PROFILE",
    "XDG_CONFIG_HOME",
    "NO_COLOR",
];

/// A config directory with no profile in it (instead of the user's), for the whole test run.
pub fn empty_config_dir() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().unwrap()).path()
}

pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn lines(&self) -> Vec<&str> {
        self.stdout.lines().collect()
    }

    pub fn json(&self) -> Vec<Value> {
        self.stdout
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
            .collect()
    }

    pub fn ok(self) -> Self {
        assert_eq!(
            self.code,
            Some(0),
            "stdout: {}\nstderr: {}",
            self.stdout,
            self.stderr
        );
        self
    }
}

pub fn run(cmd: &mut Command) -> Run {
    let output = cmd.output().unwrap();
    Run {
        code: output.status.code(),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

pub fn ids(values: &[Value], key: &str) -> Vec<String> {
    values.iter().map(|v| id_text(&v[key])).collect()
}

pub fn id_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The mock's canned reply to `question`.
pub fn bot_reply(question: &str) -> String {
    format!(
        "你好！我是 MaiAgent 模擬助理，收到您的訊息：「{question}」。\
         Hello! I am the MaiAgent mock assistant. You said: \"{question}\""
    )
}

pub fn conversation_on(stderr: &str) -> String {
    stderr
        .lines()
        .find_map(|l| l.strip_prefix("conversation: "))
        .unwrap_or_else(|| panic!("no conversation line in {stderr:?}"))
        .to_string()
}

/// Display width, counting CJK characters as two columns.
pub fn unicode_width(text: &str) -> usize {
    text.chars()
        .map(|c| {
            if (c as u32) >= 0x1100 && !c.is_ascii() {
                2
            } else {
                1
            }
        })
        .sum()
}

/// A webhook body as MaiAgent sends it (snake_case time, 128-bit sender id).
pub fn webhook_body() -> String {
    format!(
        r#"{{"id": "2491074a-6d23-4289-af45-caa12531420e",
            "conversation": "8e44604a-8278-4c96-96b5-3e5a0548d738",
            "sender": {{"id": {BIG_ID}, "name": "AI"}},
            "type": "outgoing", "content": "你好", "created_at": "1732495353000"}}"#
    )
}

/// A long-running `maiagent`, killed when dropped; its output read line by line.
pub struct Spawned {
    pub child: Child,
    pub stdout: mpsc::Receiver<String>,
    pub stderr: mpsc::Receiver<String>,
}

impl Spawned {
    pub fn new(args: &[&str]) -> Self {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_maiagent"));
        for var in USER_VARS {
            cmd.env_remove(var);
        }
        cmd.env("MAIAGENT_CONFIG_DIR", empty_config_dir());
        let mut child = cmd
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = lines(child.stdout.take().unwrap());
        let stderr = lines(child.stderr.take().unwrap());
        Self {
            child,
            stdout,
            stderr,
        }
    }

    pub fn stdout_line(&self) -> String {
        self.stdout
            .recv_timeout(Duration::from_secs(60))
            .expect("a line on stdout")
    }

    pub fn stderr_line(&self) -> String {
        self.stderr
            .recv_timeout(Duration::from_secs(60))
            .expect("a line on stderr")
    }

    /// Ctrl-C, then the exit status.
    #[cfg(unix)]
    pub fn interrupt(&mut self) -> std::process::ExitStatus {
        let status = std::process::Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        for _ in 0..200 {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("maiagent did not stop on Ctrl-C");
    }
}

impl Drop for Spawned {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub trait Pipe: Read + Send + 'static {}
impl Pipe for ChildStdout {}
impl Pipe for ChildStderr {}

pub fn lines(pipe: impl Pipe) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(pipe).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
