//! What the collector writes to its log: never a query string (a ballot code from a scanned
//! slip travels as `?code=…`) and never what a resident answered.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use common::*;
use pingyi_core::{Answer, IdMap};
use serde_json::json;

/// Everything the collector (and the HTTP layers it uses) logged in this test binary; the test
/// client's own logs, which do carry the URLs it asked for, are left out.
fn captured() -> Arc<Mutex<Vec<u8>>> {
    static BUFFER: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    BUFFER
        .get_or_init(|| {
            let buffer = Arc::new(Mutex::new(Vec::new()));
            let writer = buffer.clone();
            let subscriber = tracing_subscriber::fmt()
                .with_env_filter(tracing_subscriber::EnvFilter::new(
                    "pingyi_collector=trace,tower_http=trace,axum=trace",
                ))
                .with_ansi(false)
                .with_writer(move || BufferWriter(writer.clone()))
                .finish();
            tracing::subscriber::set_global_default(subscriber).unwrap();
            buffer
        })
        .clone()
}

struct BufferWriter(Arc<Mutex<Vec<u8>>>);

impl Write for BufferWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn request_logs_carry_no_query_string_and_no_answers() {
    let buffer = captured();
    let t = serve(Opts::default()).await;
    let resp = t
        .client
        .get(t.url("/?s=x&code=SECRET123"))
        .send()
        .await
        .unwrap();
    let _ = resp.bytes().await;
    let resp = t
        .client
        .get(t.url(&format!("/v1/surveys/{SURVEY_ID}?code=SECRET123")))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let mut b = ballot(1, "satisfied");
    let mut answers = IdMap::new();
    answers.insert(
        "q1".to_string(),
        Answer::Choice {
            choice: "satisfied".into(),
        },
    );
    answers.insert(
        "q2".to_string(),
        Answer::Text {
            text: "ANSWERTEXT路灯".into(),
        },
    );
    b.answers = answers;
    b.device = "00000000-0000-4000-8000-00000000000d".into();
    let (status, body) = t.submit(&json!({ "ballots": [b] })).await;
    assert_eq!(status, 200, "{body}");
    // A malformed batch whose body would be echoed by a careless error log.
    let resp = t
        .client
        .post(format!("{}?code=SECRET123", t.ballots_url()))
        .header("content-type", "application/json")
        .body(r#"{"ballots": "ANSWERTEXT"#)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    t.server.stop().await;

    let log = String::from_utf8_lossy(&buffer.lock().unwrap()).into_owned();
    assert!(
        log.contains("/v1/surveys/{survey_id}"),
        "the route pattern is logged:\n{log}"
    );
    assert!(log.contains("status=200"), "the status is logged:\n{log}");
    assert!(!log.contains("SECRET123"), "a code reached the log:\n{log}");
    assert!(
        !log.contains("code="),
        "a query string reached the log:\n{log}"
    );
    assert!(
        !log.contains("ANSWERTEXT"),
        "an answer reached the log:\n{log}"
    );
}
