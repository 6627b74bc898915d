//! Cross-cutting HTTP behaviour: rate limit, CORS, health, static files and the OpenAPI document
//! (every route documented, every documented operation served).

mod common;

use std::collections::BTreeSet;

use common::*;
use pingyi_collector::limits::RateLimit;
use pingyi_collector::routes::ROUTES;
use serde_json::Value;

#[tokio::test]
async fn rate_limit_answers_429_with_retry_after() {
    let t = serve(Opts {
        rate_limit: RateLimit {
            per_second: 0.5,
            burst: 3.0,
        },
        ..Opts::default()
    })
    .await;
    let path = t.url(&format!("/v1/surveys/{SURVEY_ID}"));
    for i in 0..3 {
        let resp = t.client.get(&path).send().await.unwrap();
        assert_eq!(
            resp.status().as_u16(),
            200,
            "request {i} is within the burst"
        );
    }
    let resp = t.client.get(&path).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 429);
    let retry: u64 = resp.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=2).contains(&retry), "retry-after {retry}");
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["code"], "rate_limited");
    // Submitting is limited too, and nothing is stored.
    let (status, _) = t.submit(&batch(&ballots(0, 1))).await;
    assert_eq!(status, 429);
    // Health checks are not limited.
    assert_eq!(
        t.client
            .get(t.url("/healthz"))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        200
    );
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_forwarded_client_has_its_own_bucket() {
    let limit = RateLimit {
        per_second: 0.1,
        burst: 2.0,
    };
    let get = |t: &TestServer, forwarded: &'static str| {
        let req = t.client.get(t.url(&format!("/v1/surveys/{SURVEY_ID}")));
        async move {
            req.header("x-forwarded-for", forwarded)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    // The test client connects from 127.0.0.1, here the trusted proxy.
    let t = serve(Opts {
        rate_limit: limit,
        trusted_proxies: vec!["127.0.0.1".parse().unwrap()],
        ..Opts::default()
    })
    .await;
    assert_eq!(
        [get(&t, "203.0.113.1").await, get(&t, "203.0.113.1").await],
        [200, 200]
    );
    assert_eq!(
        get(&t, "203.0.113.1").await,
        429,
        "the first resident's burst is used up"
    );
    assert_eq!(
        get(&t, "203.0.113.2").await,
        200,
        "a neighbour behind the same proxy is not"
    );

    // Without the option the header means nothing: everyone shares the peer's bucket.
    let t = serve(Opts {
        rate_limit: limit,
        ..Opts::default()
    })
    .await;
    assert_eq!(
        [get(&t, "203.0.113.1").await, get(&t, "203.0.113.2").await],
        [200, 200]
    );
    assert_eq!(get(&t, "203.0.113.3").await, 429);
}

#[tokio::test]
async fn cors_allows_only_listed_origins() {
    let t = serve(Opts {
        cors_origins: vec!["https://portal.example".into()],
        ..Opts::default()
    })
    .await;
    let preflight = |origin: &'static str| {
        t.client
            .request(reqwest::Method::OPTIONS, t.ballots_url())
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "content-type,x-pingyi-submit-key",
            )
            .send()
    };
    let resp = preflight("https://portal.example").await.unwrap();
    assert!(resp.status().is_success());
    let h = resp.headers();
    assert_eq!(h["access-control-allow-origin"], "https://portal.example");
    let methods = h["access-control-allow-methods"]
        .to_str()
        .unwrap()
        .to_ascii_uppercase();
    for m in ["GET", "POST", "PUT", "OPTIONS"] {
        assert!(methods.contains(m), "{methods}");
    }
    let headers = h["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    for name in ["content-type", "authorization", "x-pingyi-submit-key"] {
        assert!(headers.contains(name), "{headers}");
    }

    let resp = preflight("https://evil.example").await.unwrap();
    assert!(resp.headers().get("access-control-allow-origin").is_none());

    // Actual responses, errors included, carry the header for the allowed origin only.
    let resp = t
        .client
        .post(t.ballots_url())
        .header("origin", "https://portal.example")
        .json(&serde_json::json!({ "ballots": [] }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 400);
    assert_eq!(
        resp.headers()["access-control-allow-origin"],
        "https://portal.example"
    );
    let resp = t
        .client
        .get(t.url("/healthz"))
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert!(resp.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn health_and_unknown_routes() {
    let t = serve(Opts::default()).await;
    let body: Value = t
        .client
        .get(t.url("/healthz"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body, serde_json::json!({ "ok": true }));
    let resp = t
        .client
        .get(t.url("/v1/surveys/village/nothing"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 404);
    assert_eq!(
        resp.json::<Value>().await.unwrap()["error"]["code"],
        "not_found"
    );
    let resp = t
        .client
        .delete(t.url("/v1/surveys/village"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 405);
    assert_eq!(
        resp.json::<Value>().await.unwrap()["error"]["code"],
        "method_not_allowed"
    );
}

#[tokio::test]
async fn static_files_with_index_fallback() {
    let site = tempfile::tempdir().unwrap();
    std::fs::write(
        site.path().join("index.html"),
        "<!doctype html><title>评议</title>",
    )
    .unwrap();
    std::fs::write(site.path().join("app.js"), "console.log(1)").unwrap();
    let t = serve(Opts {
        static_dir: Some(site.path().to_path_buf()),
        ..Opts::default()
    })
    .await;
    assert_eq!(
        t.client
            .get(t.url("/app.js"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "console.log(1)"
    );
    let resp = t.client.get(t.url("/")).send().await.unwrap();
    assert!(resp.text().await.unwrap().contains("评议"));
    let resp = t.client.get(t.url("/some/deep/link")).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert!(
        resp.text().await.unwrap().contains("评议"),
        "unknown paths fall back to index.html"
    );
    // The API keeps JSON errors.
    let resp = t
        .client
        .get(t.url("/v1/surveys/village/nothing"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 404);
    assert_eq!(
        resp.json::<Value>().await.unwrap()["error"]["code"],
        "not_found"
    );
}

/// Every `$ref` in the document points at an existing component schema.
fn check_refs(v: &Value, schemas: &serde_json::Map<String, Value>, seen: &mut usize) {
    match v {
        Value::Object(m) => {
            if let Some(Value::String(r)) = m.get("$ref") {
                let name = r
                    .strip_prefix("#/components/schemas/")
                    .unwrap_or_else(|| panic!("odd $ref {r}"));
                assert!(schemas.contains_key(name), "dangling $ref {r}");
                *seen += 1;
            }
            m.values().for_each(|x| check_refs(x, schemas, seen));
        }
        Value::Array(a) => a.iter().for_each(|x| check_refs(x, schemas, seen)),
        _ => {}
    }
}

#[tokio::test]
async fn openapi_documents_every_route_and_only_real_ones() {
    let t = serve(Opts {
        results_public: true,
        ..Opts::default()
    })
    .await;
    let doc: Value = t
        .client
        .get(t.url("/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().unwrap();
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    for name in [
        "SubmitBatch",
        "SubmitResponse",
        "ErrorBody",
        "Survey",
        "Tally",
        "Ballot",
        "BallotStatus",
        "Problem",
    ] {
        assert!(schemas.contains_key(name), "component {name}");
    }
    let mut refs = 0;
    check_refs(&doc, schemas, &mut refs);
    assert!(refs > 10);
    // The status enum comes from the Rust type.
    let status = serde_json::to_string(&schemas["BallotStatus"]).unwrap();
    for s in ["accepted", "duplicate", "conflict", "rejected"] {
        assert!(status.contains(s), "{status}");
    }

    let routes: BTreeSet<(String, String)> = ROUTES
        .iter()
        .map(|r| (r.method.to_string(), r.path.to_string()))
        .collect();
    let mut documented = BTreeSet::new();
    for (path, item) in paths {
        for method in ["get", "put", "post", "delete", "patch"] {
            if item.get(method).is_some() {
                documented.insert((method.to_string(), path.clone()));
            }
        }
    }
    assert_eq!(
        documented, routes,
        "the document and the router list the same operations"
    );

    // Each documented operation is really served: no router 404 or 405.
    for (method, path) in &documented {
        let url = t.url(&path.replace("{survey_id}", SURVEY_ID));
        let m = reqwest::Method::from_bytes(method.to_ascii_uppercase().as_bytes()).unwrap();
        let resp = t
            .client
            .request(m, &url)
            .bearer_auth(ADMIN)
            .body("{}")
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        let is_stream = resp
            .headers()
            .get("content-type")
            .is_some_and(|v| v.to_str().unwrap_or("").starts_with("text/event-stream"));
        // An event stream never ends; its status and type are enough.
        let body: Value = if is_stream {
            Value::Null
        } else {
            resp.json().await.unwrap_or(Value::Null)
        };
        assert_ne!(status, 405, "{method} {path}");
        assert_ne!(
            body["error"]["code"], "not_found",
            "{method} {path} is not routed"
        );
    }
}
