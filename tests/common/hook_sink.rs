//! Webhook endpoints for tests, served on a free loopback port: any axum router, or a sink
//! that forwards every JSON body it is sent.

use serde_json::Value;
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc;

/// Serves `app` on 127.0.0.1 (a free port) in the background; returns `http://127.0.0.1:N`.
pub async fn serve(app: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a loopback port");
    let addr = listener.local_addr().expect("local address");
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}")
}

/// A webhook sink at the returned URL: answers `statuses` in turn (then 200) and forwards each
/// JSON body it is sent.
pub async fn sink(statuses: Vec<u16>) -> (String, mpsc::UnboundedReceiver<Value>) {
    use axum::{extract::State, http::StatusCode, routing::post, Json, Router};
    type Shared = (Arc<Mutex<Vec<u16>>>, mpsc::UnboundedSender<Value>);
    async fn hook(State((statuses, tx)): State<Shared>, Json(body): Json<Value>) -> StatusCode {
        let _ = tx.send(body);
        let mut statuses = statuses.lock().expect("lock");
        let status = if statuses.is_empty() {
            200
        } else {
            statuses.remove(0)
        };
        StatusCode::from_u16(status).expect("status")
    }
    let (tx, rx) = mpsc::unbounded_channel();
    let app = Router::new()
        .route("/hook", post(hook))
        .with_state((Arc::new(Mutex::new(statuses)), tx));
    (format!("{}/hook", serve(app).await), rx)
}
