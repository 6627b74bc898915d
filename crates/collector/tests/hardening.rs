//! The collector against hostile or careless use, over real HTTP: security headers on every
//! response, slow and half-open connections, a connection cap, weak settings refused at start,
//! IPv6 rate buckets and the JSON error body for every rejection.

mod common;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use common::*;
use pingyi_collector::auth::AdminToken;
use pingyi_collector::limits::RateLimit;
use pingyi_collector::{start, Config};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A config with the sample survey published, on a free port.
fn test_config(dir: &tempfile::TempDir) -> Config {
    let survey = dir.path().join("survey.json");
    std::fs::write(&survey, survey_json(1, false, None)).unwrap();
    let mut config = Config::new(dir.path().join("test.sqlite"));
    config.addr = SocketAddr::from(([127, 0, 0, 1], 0));
    config.publish = vec![survey];
    config.admin_token = Some(AdminToken::new(ADMIN));
    config.rate_limit = RateLimit::off();
    config
}

/// Read until the peer closes or `within` passes: (closed, bytes read).
async fn read_until_closed(stream: &mut TcpStream, within: Duration) -> (bool, Vec<u8>) {
    let mut got = Vec::new();
    let deadline = Instant::now() + within;
    let mut buf = [0u8; 4096];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return (true, got),
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
            Err(_) => return (false, got),
        }
    }
}

fn assert_security_headers(resp: &reqwest::Response, what: &str) {
    let h = resp.headers();
    assert_eq!(h["referrer-policy"], "no-referrer", "{what}");
    assert_eq!(h["x-content-type-options"], "nosniff", "{what}");
    let csp = h["content-security-policy"].to_str().unwrap();
    for part in [
        "default-src 'self'",
        "img-src 'self' data:",
        "base-uri 'none'",
        "form-action 'self'",
    ] {
        assert!(csp.contains(part), "{what}: {part} missing from {csp}");
    }
    assert!(!csp.contains("unsafe-inline"), "{what}: {csp}");
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("dist");
    std::fs::create_dir_all(site.join("kiosk")).unwrap();
    std::fs::write(
        site.join("index.html"),
        "<html><head><script type=\"module\">import init from '/app.js';init();</script>\
         <script src=\"/x.js\"></script></head><body></body></html>",
    )
    .unwrap();
    std::fs::write(
        site.join("kiosk/index.html"),
        "<html><head><style>.k{}</style></head></html>",
    )
    .unwrap();
    std::fs::write(site.join("app.js"), "export default function(){}").unwrap();
    let mut config = test_config(&dir);
    config.static_dir = Some(site);
    config.cors_origins = vec!["https://portal.example".into()];
    config.frame_ancestors = vec!["https://portal.example".into()];
    let server = start(config).await.unwrap();
    let client = reqwest::Client::new();
    let url = |p: &str| format!("{}{p}", server.url());

    for path in [
        "/",
        "/app.js",
        "/kiosk/",
        "/healthz",
        "/openapi.json",
        "/v1/surveys/village",
        "/v1/surveys/nope",
        "/v1/surveys/village/ballots",
    ] {
        let resp = client.get(url(path)).send().await.unwrap();
        assert_security_headers(&resp, path);
    }
    let page = client.get(url("/?s=village")).send().await.unwrap();
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    // Inline blocks in the static pages are not allowed by hash: the policy has no inline code.
    assert!(
        csp.contains("script-src 'self' 'wasm-unsafe-eval';"),
        "no hash of the page's inline script: {csp}"
    );
    assert!(csp.contains("style-src 'self';"), "{csp}");
    assert!(
        csp.contains("frame-ancestors https://portal.example;"),
        "{csp}"
    );
    assert!(
        csp.contains("connect-src 'self' https://portal.example;"),
        "{csp}"
    );
    server.stop().await;

    // Without options: only this collector may frame its pages.
    let dir = tempfile::tempdir().unwrap();
    let server = start(test_config(&dir)).await.unwrap();
    let resp = reqwest::get(format!("{}/healthz", server.url()))
        .await
        .unwrap();
    let csp = resp.headers()["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("frame-ancestors 'self';"), "{csp}");
    assert!(csp.contains("style-src 'self';"), "{csp}");
    server.stop().await;
}

#[tokio::test]
async fn a_stalled_request_head_is_cut_off_after_the_header_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = test_config(&dir);
    config.header_read_timeout = Duration::from_secs(1);
    let server = start(config).await.unwrap();
    let started = Instant::now();
    let mut half = TcpStream::connect(server.addr).await.unwrap();
    half.write_all(b"GET /v1/surveys/vill").await.unwrap();
    let mut silent = TcpStream::connect(server.addr).await.unwrap();
    let (closed, _) = read_until_closed(&mut half, Duration::from_secs(5)).await;
    assert!(closed, "a half request line is closed");
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(900) && waited < Duration::from_secs(4),
        "closed after the 1 s timeout, not {waited:?}"
    );
    let (closed, _) = read_until_closed(&mut silent, Duration::from_secs(3)).await;
    assert!(closed, "a connection that sends nothing is closed too");
    // Normal requests still work.
    let resp = reqwest::get(format!("{}/healthz", server.url()))
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    server.stop().await;
}

#[tokio::test]
async fn a_stalled_body_is_cut_off_after_the_body_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = test_config(&dir);
    config.body_read_timeout = Duration::from_secs(1);
    let server = start(config).await.unwrap();
    let started = Instant::now();
    let mut slow = TcpStream::connect(server.addr).await.unwrap();
    slow.write_all(
        format!(
            "POST /v1/surveys/{SURVEY_ID}/ballots HTTP/1.1\r\nHost: x\r\n\
             Content-Type: application/json\r\nContent-Length: 500\r\n\r\n{{\"ballots\": ["
        )
        .as_bytes(),
    )
    .await
    .unwrap();
    let (closed, got) = read_until_closed(&mut slow, Duration::from_secs(5)).await;
    let text = String::from_utf8_lossy(&got);
    assert!(closed, "the connection is closed: {text}");
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
    assert!(text.starts_with("HTTP/1.1 400"), "{text}");
    assert!(text.contains("\"bad_request\""), "{text}");
    server.stop().await;
}

#[tokio::test]
async fn connections_over_the_cap_wait_until_one_ends() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = test_config(&dir);
    config.max_connections = 2;
    config.header_read_timeout = Duration::from_secs(2);
    let server = start(config).await.unwrap();
    let mut held = Vec::new();
    for _ in 0..2 {
        let mut s = TcpStream::connect(server.addr).await.unwrap();
        s.write_all(b"GET /heal").await.unwrap();
        held.push(s);
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut extra = TcpStream::connect(server.addr).await.unwrap();
    extra
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let (closed, got) = read_until_closed(&mut extra, Duration::from_millis(1000)).await;
    assert!(
        !closed && got.is_empty(),
        "the third connection is not served while two are open: {}",
        String::from_utf8_lossy(&got)
    );
    // The two stalled ones are closed by the header timeout; then the third is served.
    let (closed, got) = read_until_closed(&mut extra, Duration::from_secs(5)).await;
    let text = String::from_utf8_lossy(&got);
    assert!(closed && text.starts_with("HTTP/1.1 200"), "{text}");
    drop(held);
    server.stop().await;
}

#[tokio::test]
async fn a_short_admin_token_file_stops_the_start_with_a_way_to_make_one() {
    if std::env::var(pingyi_collector::admin_token::ADMIN_TOKEN_ENV).is_ok() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut config = test_config(&dir);
    config.admin_token = None;
    std::fs::write(
        pingyi_collector::admin_token::token_path(&config.db),
        "password\n",
    )
    .unwrap();
    let e = match start(config).await {
        Err(e) => e.to_string(),
        Ok(_) => panic!("a weak token was accepted"),
    };
    assert!(e.contains("8 characters"), "{e}");
    assert!(e.contains("openssl rand -hex 32"), "{e}");
}

#[test]
fn a_trusted_proxy_without_a_public_url_is_warned_about() {
    let mut config = Config::new("x.sqlite");
    assert!(pingyi_collector::config_warnings(&config).is_empty());
    config.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
    let warnings = pingyi_collector::config_warnings(&config);
    assert_eq!(warnings.len(), 1);
    assert!(warnings[0].contains("--public-url"), "{}", warnings[0]);
    config.public_url = Some("https://pingyi.example".into());
    assert!(pingyi_collector::config_warnings(&config).is_empty());
}

#[tokio::test]
async fn an_ipv6_client_counts_per_64_network() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = test_config(&dir);
    config.rate_limit = RateLimit {
        per_second: 0.1,
        burst: 2.0,
    };
    config.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
    config.public_url = Some("https://pingyi.example".into());
    let server = start(config).await.unwrap();
    let client = reqwest::Client::new();
    let get = |from: &'static str| {
        client
            .get(format!("{}/v1/surveys/village", server.url()))
            .header("x-forwarded-for", from)
            .send()
    };
    assert_eq!(get("2001:db8:5:6::1").await.unwrap().status(), 200);
    assert_eq!(get("2001:db8:5:6::2").await.unwrap().status(), 200);
    let third = get("2001:db8:5:6:abcd::3").await.unwrap();
    assert_eq!(third.status(), 429, "the same /64, another address");
    let body: Value = third.json().await.unwrap();
    assert_eq!(body["error"]["code"], "rate_limited");
    assert_eq!(get("2001:db8:5:7::1").await.unwrap().status(), 200);
    server.stop().await;
}

/// `(status, body)` of a request, the body read as JSON (failing when it is not).
async fn json_answer(resp: reqwest::Response) -> (u16, Value) {
    let status = resp.status().as_u16();
    let ct = resp
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let text = resp.text().await.unwrap();
    assert!(
        ct.starts_with("application/json"),
        "{status} answered with {ct:?}: {text}"
    );
    let body: Value = serde_json::from_str(&text).unwrap();
    assert!(
        body["error"]["code"].is_string() && body["error"]["message"].is_string(),
        "{body}"
    );
    (status, body)
}

#[tokio::test]
async fn every_rejection_is_the_json_error_body() {
    let t = serve(Opts {
        max_body_bytes: Some(pingyi_collector::ingest::MIN_BODY_BYTES),
        ..Opts::default()
    })
    .await;
    let c = &t.client;
    // A malformed query string.
    for path in [
        "/v1/surveys/village/ballots?version=junk",
        "/v1/surveys/village/tally?version=-1",
        "/v1/surveys/village/tally?version=99999999999",
    ] {
        let resp = c.get(t.url(path)).bearer_auth(ADMIN).send().await.unwrap();
        let (status, body) = json_answer(resp).await;
        assert_eq!(status, 400, "{path}: {body}");
        assert_eq!(body["error"]["code"], "bad_request", "{path}");
        assert!(
            body["error"]["message"].as_str().unwrap().contains("query"),
            "{path}: says what is wrong: {body}"
        );
    }
    // A path that is not UTF-8.
    let resp = c.get(t.url("/v1/surveys/%FF")).send().await.unwrap();
    let (status, body) = json_answer(resp).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("bad_request"))
    );
    // A method the route does not have.
    let resp = c.patch(t.url("/v1/surveys/village")).send().await.unwrap();
    let (status, body) = json_answer(resp).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (405, Some("method_not_allowed"))
    );
    // A declared body over the limit, refused before it is read.
    let resp = c
        .put(t.url("/v1/surveys/village"))
        .bearer_auth(ADMIN)
        .body("x".repeat(pingyi_collector::ingest::MIN_BODY_BYTES + 1))
        .send()
        .await
        .unwrap();
    let (status, body) = json_answer(resp).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (413, Some("payload_too_large"))
    );
    // No such route.
    let resp = c.get(t.url("/v1/nothing")).send().await.unwrap();
    let (status, body) = json_answer(resp).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (404, Some("not_found"))
    );
}

#[tokio::test]
async fn the_openapi_document_lists_the_error_answers() {
    let t = serve(Opts::default()).await;
    let doc: Value = reqwest::get(t.url("/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ballots = &doc["paths"]["/v1/surveys/{survey_id}/ballots"]["get"]["responses"];
    assert!(ballots["400"].is_object(), "{ballots}");
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if method == "parameters" {
                continue;
            }
            let responses = op["responses"].as_object().unwrap();
            let codes: &[&str] = if path.starts_with("/v1/") {
                &["400", "404", "405", "429", "500"]
            } else {
                &["405", "500"]
            };
            for code in codes {
                assert!(
                    responses.contains_key(*code),
                    "{method} {path} does not list {code}"
                );
                assert_eq!(
                    responses[*code]["content"]["application/json"]["schema"]["$ref"],
                    "#/components/schemas/ErrorBody",
                    "{method} {path} {code}"
                );
            }
        }
    }
}
