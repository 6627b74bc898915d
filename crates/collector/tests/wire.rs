//! What goes over the wire, over real HTTP on 127.0.0.1: static files as their Brotli or gzip
//! copies when the browser accepts them, hashed files cached for good and pages revalidated
//! with ETags (304 without a body), the survey document revalidated the same way, the API's
//! JSON compressed on the fly, while live events still leave at once and exports still stream;
//! request bodies are never unpacked. The client here decompresses nothing: each test reads the
//! bytes as sent.

mod common;

use std::io::Read;
use std::time::Duration;

use common::{ballots, batch, serve, survey_json, Opts, TestServer, ADMIN, SURVEY_ID};
use reqwest::header::{
    ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_LENGTH, ETAG, IF_NONE_MATCH, VARY,
};
use reqwest::StatusCode;
use serde_json::Value;

const HASHED_JS: &str = "pingyi-0123456789abcdef.js";
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

fn brotli(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut w = brotli::CompressorWriter::new(&mut out, 4096, 11, 22);
    std::io::Write::write_all(&mut w, bytes).unwrap();
    drop(w);
    out
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut w = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    std::io::Write::write_all(&mut w, bytes).unwrap();
    w.finish().unwrap()
}

fn unbrotli(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    brotli::Decompressor::new(bytes, 4096)
        .read_to_end(&mut out)
        .unwrap();
    out
}

fn ungzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .unwrap();
    out
}

/// Text that compresses, of about `n` bytes.
fn text(line: &str, n: usize) -> Vec<u8> {
    line.repeat(n / line.len() + 1).into_bytes()
}

/// A built site as `cargo xtask build` leaves it: each file with a `.br` and a `.gz` copy
/// (except `plain.txt`), including a page in a folder of its own.
fn site() -> tempfile::TempDir {
    let site = tempfile::tempdir().unwrap();
    let files: [(&str, Vec<u8>); 5] = [
        (
            "index.html",
            text("<!doctype html><title>评议</title><p>村湾夜话</p>\n", 3000),
        ),
        (
            HASHED_JS,
            text("export function init() { return 42; }\n", 8000),
        ),
        (
            "sw.js",
            text("self.addEventListener('fetch', () => {});\n", 2000),
        ),
        (
            "console/index.html",
            text("<!doctype html><title>组织者</title>\n", 1500),
        ),
        ("plain.txt", text("no copies of this one\n", 500)),
    ];
    std::fs::create_dir_all(site.path().join("console")).unwrap();
    for (name, bytes) in files {
        let path = site.path().join(name);
        std::fs::write(&path, &bytes).unwrap();
        if name != "plain.txt" {
            std::fs::write(format!("{}.br", path.display()), brotli(&bytes)).unwrap();
            std::fs::write(format!("{}.gz", path.display()), gzip(&bytes)).unwrap();
        }
    }
    site
}

async fn site_server(site: &tempfile::TempDir) -> TestServer {
    serve(Opts {
        static_dir: Some(site.path().to_path_buf()),
        ..Opts::default()
    })
    .await
}

/// GET `path` with these headers; (status, headers, body as sent).
async fn get(
    t: &TestServer,
    path: &str,
    headers: &[(&reqwest::header::HeaderName, &str)],
) -> (StatusCode, reqwest::header::HeaderMap, Vec<u8>) {
    let mut req = t.client.get(t.url(path));
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status();
    let h = resp.headers().clone();
    (status, h, resp.bytes().await.unwrap().to_vec())
}

fn header<'a>(h: &'a reqwest::header::HeaderMap, name: &reqwest::header::HeaderName) -> &'a str {
    h.get(name).map(|v| v.to_str().unwrap()).unwrap_or("")
}

fn varies_on_encoding(h: &reqwest::header::HeaderMap) -> bool {
    h.get_all(VARY).iter().any(|v| {
        v.to_str()
            .unwrap()
            .to_ascii_lowercase()
            .contains("accept-encoding")
    })
}

#[tokio::test]
async fn static_files_come_as_the_best_copy_the_browser_accepts() {
    let site = site();
    let t = site_server(&site).await;
    for (path, file) in [
        ("/", "index.html"),
        ("/index.html", "index.html"),
        ("/some/deep/link", "index.html"),
        (&format!("/{HASHED_JS}"), HASHED_JS),
        ("/sw.js", "sw.js"),
        ("/console/", "console/index.html"),
    ] {
        let plain = std::fs::read(site.path().join(file)).unwrap();

        let (status, h, body) = get(&t, path, &[(&ACCEPT_ENCODING, "br")]).await;
        assert_eq!(status, 200, "{path}");
        assert_eq!(header(&h, &CONTENT_ENCODING), "br", "{path}");
        assert!(varies_on_encoding(&h), "{path}: {h:?}");
        assert_eq!(unbrotli(&body), plain, "{path}");

        // What Chromium sends: Brotli wins over gzip.
        let (_, h, body) = get(&t, path, &[(&ACCEPT_ENCODING, "gzip, deflate, br, zstd")]).await;
        assert_eq!(header(&h, &CONTENT_ENCODING), "br", "{path}");
        assert_eq!(unbrotli(&body), plain, "{path}");

        let (status, h, body) = get(&t, path, &[(&ACCEPT_ENCODING, "gzip")]).await;
        assert_eq!(status, 200, "{path}");
        assert_eq!(header(&h, &CONTENT_ENCODING), "gzip", "{path}");
        assert!(varies_on_encoding(&h), "{path}");
        assert_eq!(ungzip(&body), plain, "{path}");

        let (status, h, body) = get(&t, path, &[]).await;
        assert_eq!(status, 200, "{path}");
        assert!(h.get(CONTENT_ENCODING).is_none(), "{path}: {h:?}");
        assert!(varies_on_encoding(&h), "{path}");
        assert_eq!(body, plain, "{path}");

        // Refusing Brotli gets gzip.
        let (_, h, _) = get(&t, path, &[(&ACCEPT_ENCODING, "br;q=0, gzip")]).await;
        assert_eq!(header(&h, &CONTENT_ENCODING), "gzip", "{path}");
    }
    // A file without copies is sent as it is, whatever is accepted.
    let (status, h, body) = get(&t, "/plain.txt", &[(&ACCEPT_ENCODING, "br, gzip")]).await;
    assert_eq!(status, 200);
    assert!(h.get(CONTENT_ENCODING).is_none(), "{h:?}");
    assert_eq!(body, std::fs::read(site.path().join("plain.txt")).unwrap());
    // The security headers stay on static files.
    let (_, h, _) = get(&t, "/", &[(&ACCEPT_ENCODING, "br")]).await;
    assert_eq!(header(&h, &reqwest::header::REFERRER_POLICY), "no-referrer");
    assert!(h.get(reqwest::header::CONTENT_SECURITY_POLICY).is_some());
}

#[tokio::test]
async fn hashed_files_are_immutable_and_the_rest_is_revalidated_with_etags() {
    let site = site();
    let t = site_server(&site).await;
    let hashed = format!("/{HASHED_JS}");
    for encoding in ["br", "gzip", "identity"] {
        let (_, h, _) = get(&t, &hashed, &[(&ACCEPT_ENCODING, encoding)]).await;
        assert_eq!(header(&h, &CACHE_CONTROL), IMMUTABLE, "{encoding}");
    }

    let mut tags = Vec::new();
    for path in [
        "/",
        "/index.html",
        "/sw.js",
        "/plain.txt",
        "/some/deep/link",
    ] {
        for encoding in ["br", "gzip", "identity"] {
            let what = format!("{path} ({encoding})");
            let (status, h, body) = get(&t, path, &[(&ACCEPT_ENCODING, encoding)]).await;
            assert_eq!(status, 200, "{what}");
            assert_eq!(header(&h, &CACHE_CONTROL), "no-cache", "{what}");
            let etag = header(&h, &ETAG).to_string();
            assert!(
                etag.starts_with('"') && etag.ends_with('"') && etag.len() > 20,
                "a strong ETag: {what}: {etag:?}"
            );
            tags.push((path, encoding, etag.clone()));

            let (status, h, body_again) = get(
                &t,
                path,
                &[(&ACCEPT_ENCODING, encoding), (&IF_NONE_MATCH, &etag)],
            )
            .await;
            assert_eq!(status, 304, "{what}");
            assert!(body_again.is_empty(), "{what}");
            assert_eq!(header(&h, &ETAG), etag, "{what}");
            assert_eq!(header(&h, &CACHE_CONTROL), "no-cache", "{what}");
            assert!(h.get(CONTENT_ENCODING).is_none(), "{what}");
            assert_eq!(
                header(&h, &reqwest::header::REFERRER_POLICY),
                "no-referrer",
                "{what}"
            );

            // Another tag, or a weak form of ours among others, as browsers send them.
            let (status, _, _) = get(
                &t,
                path,
                &[(&ACCEPT_ENCODING, encoding), (&IF_NONE_MATCH, "\"other\"")],
            )
            .await;
            assert_eq!(status, 200, "{what}");
            let listed = format!("\"other\", W/{etag}");
            let (status, _, _) = get(
                &t,
                path,
                &[(&ACCEPT_ENCODING, encoding), (&IF_NONE_MATCH, &listed)],
            )
            .await;
            assert_eq!(status, 304, "{what}");
            assert!(!body.is_empty());
        }
    }
    // A tag is of the bytes sent: each encoding of a file has its own.
    let index: Vec<&String> = tags
        .iter()
        .filter(|(p, _, _)| *p == "/index.html")
        .map(|(_, _, tag)| tag)
        .collect();
    assert!(index[0] != index[1] && index[1] != index[2] && index[0] != index[2]);
    // A page's tag does not answer for another page.
    let sw_br = &tags
        .iter()
        .find(|(p, e, _)| *p == "/sw.js" && *e == "br")
        .unwrap()
        .2;
    let (status, _, _) = get(
        &t,
        "/index.html",
        &[(&ACCEPT_ENCODING, "br"), (&IF_NONE_MATCH, sw_br)],
    )
    .await;
    assert_eq!(status, 200);

    // A hashed name that is no file gets the page, never as immutable.
    let (status, h, body) = get(&t, "/pingyi-fedcba9876543210_bg.wasm", &[]).await;
    assert_eq!(status, 200);
    assert_eq!(header(&h, &CACHE_CONTROL), "no-cache");
    assert!(String::from_utf8_lossy(&body).contains("评议"));

    // HEAD carries the same tag as GET, without the body.
    let (_, h, _) = get(&t, "/", &[(&ACCEPT_ENCODING, "br")]).await;
    let head = t
        .client
        .head(t.url("/"))
        .header(ACCEPT_ENCODING, "br")
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), 200);
    assert_eq!(head.headers()[ETAG], h[ETAG]);
    assert!(head.bytes().await.unwrap().is_empty());
}

/// The survey's ETag.
async fn survey_etag(t: &TestServer, if_none_match: Option<&str>) -> (StatusCode, String, Vec<u8>) {
    let mut headers = vec![(&ACCEPT_ENCODING, "br")];
    if let Some(tag) = if_none_match {
        headers.push((&IF_NONE_MATCH, tag));
    }
    let (status, h, body) = get(t, &format!("/v1/surveys/{SURVEY_ID}"), &headers).await;
    if status == 200 {
        assert_eq!(header(&h, &CACHE_CONTROL), "no-cache");
    }
    (status, header(&h, &ETAG).to_string(), body)
}

#[tokio::test]
async fn the_survey_answers_304_until_a_new_version_is_published() {
    let t = serve(Opts::default()).await;
    let (status, etag, body) = survey_etag(&t, None).await;
    assert_eq!(status, 200);
    assert!(!etag.is_empty(), "the survey carries an ETag");
    let survey: Value = serde_json::from_slice(&unbrotli(&body)).unwrap();
    assert_eq!(survey["version"], 1);

    let resp = t
        .client
        .get(t.url(&format!("/v1/surveys/{SURVEY_ID}")))
        .header(IF_NONE_MATCH, &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 304);
    assert_eq!(resp.headers()[ETAG].to_str().unwrap(), etag);
    assert_eq!(resp.headers()["x-pingyi-survey-state"], "open");
    assert_eq!(resp.headers()[CACHE_CONTROL], "no-cache");
    assert!(resp.headers().get(CONTENT_ENCODING).is_none());
    assert!(resp.bytes().await.unwrap().is_empty(), "no body with 304");

    let resp = t
        .client
        .put(t.url(&format!("/v1/surveys/{SURVEY_ID}")))
        .bearer_auth(ADMIN)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(survey_json(2, false, None))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201, "{}", resp.text().await.unwrap());

    let (status, new_etag, body) = survey_etag(&t, Some(&etag)).await;
    assert_eq!(status, 200, "a new version is sent in full");
    assert_ne!(new_etag, etag);
    let survey: Value = serde_json::from_slice(&unbrotli(&body)).unwrap();
    assert_eq!(survey["version"], 2);
    let (status, _, _) = survey_etag(&t, Some(&new_etag)).await;
    assert_eq!(status, 304);

    // Closing the survey changes its state header, so its tag too.
    let resp = t
        .client
        .post(t.url(&format!("/v1/surveys/{SURVEY_ID}/close")))
        .bearer_auth(ADMIN)
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success(), "{}", resp.text().await.unwrap());
    let (status, closed_etag, _) = survey_etag(&t, Some(&new_etag)).await;
    assert_eq!(status, 200);
    assert_ne!(closed_etag, new_etag);
}

#[tokio::test]
async fn json_answers_are_compressed_when_asked_and_writes_are_not() {
    let t = serve(Opts::default()).await;
    let (status, _) = t.submit(&batch(&ballots(0, 20))).await;
    assert_eq!(status, 200);

    let (_, h, plain) = get(&t, "/openapi.json", &[]).await;
    assert!(h.get(CONTENT_ENCODING).is_none());
    let (status, h, body) = get(&t, "/openapi.json", &[(&ACCEPT_ENCODING, "br")]).await;
    assert_eq!(status, 200);
    assert_eq!(header(&h, &CONTENT_ENCODING), "br");
    assert!(varies_on_encoding(&h));
    assert_eq!(unbrotli(&body), plain);
    assert!(
        body.len() * 4 < plain.len(),
        "{} of {}",
        body.len(),
        plain.len()
    );

    let tally = format!("/v1/surveys/{SURVEY_ID}/tally");
    let resp = t
        .client
        .get(t.url(&tally))
        .bearer_auth(ADMIN)
        .header(ACCEPT_ENCODING, "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()[CONTENT_ENCODING], "gzip");
    let tally: Value = serde_json::from_slice(&ungzip(&resp.bytes().await.unwrap())).unwrap();
    assert_eq!(tally["participation"]["ballots"], 20, "{tally}");

    // A ballot receipt is sent as it is.
    let resp = t
        .client
        .post(t.ballots_url())
        .header(ACCEPT_ENCODING, "br, gzip")
        .json(&batch(&ballots(100, 20)))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.headers().get(CONTENT_ENCODING).is_none());
    let receipt: Value = resp.json().await.unwrap();
    assert_eq!(receipt["results"].as_array().unwrap().len(), 20);
}

#[tokio::test]
async fn live_events_still_leave_at_once_when_brotli_is_accepted() {
    let t = serve(Opts {
        results_public: true,
        ..Opts::default()
    })
    .await;
    let mut resp = t
        .client
        .get(t.url(&format!("/v1/surveys/{SURVEY_ID}/live/events")))
        .header(ACCEPT_ENCODING, "br, gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.headers().get(CONTENT_ENCODING).is_none());
    let mut seen = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(3);
    while !seen.contains("\n\n") {
        let chunk = tokio::time::timeout_at(deadline, resp.chunk())
            .await
            .expect("the first event arrives at once")
            .unwrap()
            .expect("the stream stays open");
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert!(seen.starts_with("event: live"), "{seen}");

    // A ballot makes the next event, also at once.
    let (status, _) = t.submit(&batch(&ballots(0, 1))).await;
    assert_eq!(status, 200);
    seen.clear();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(3);
    while !seen.contains("\"ballots\":1") {
        let chunk = tokio::time::timeout_at(deadline, resp.chunk())
            .await
            .expect("the event after a ballot arrives at once")
            .unwrap()
            .expect("the stream stays open");
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
}

#[tokio::test]
async fn an_export_streams_compressed() {
    let t = serve(Opts::default()).await;
    // More than one page of the export (500 ballots a page).
    for start in (0..1200).step_by(200) {
        let (status, body) = t.submit(&batch(&ballots(start, 200))).await;
        assert_eq!(status, 200, "{body}");
    }
    let resp = t
        .client
        .get(t.ballots_url())
        .bearer_auth(ADMIN)
        .header(ACCEPT_ENCODING, "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()[CONTENT_ENCODING], "gzip");
    assert!(
        resp.headers().get(CONTENT_LENGTH).is_none(),
        "streamed in chunks, its length not known ahead"
    );
    let sent = resp.bytes().await.unwrap();
    let exported: Vec<Value> = serde_json::from_slice(&ungzip(&sent)).unwrap();
    assert_eq!(exported.len(), 1200);

    let resp = t
        .client
        .get(format!("{}?format=ndjson", t.ballots_url()))
        .bearer_auth(ADMIN)
        .header(ACCEPT_ENCODING, "br")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()[CONTENT_ENCODING], "br");
    let lines = unbrotli(&resp.bytes().await.unwrap());
    assert_eq!(String::from_utf8(lines).unwrap().lines().count(), 1200);
}

#[tokio::test]
async fn compressed_request_bodies_are_not_unpacked() {
    let t = serve(Opts::default()).await;
    // A batch that would be valid once unpacked, and that unpacks to far more than it weighs.
    let body = serde_json::to_vec(&batch(&ballots(0, 3))).unwrap();
    let mut packed_bomb = body.clone();
    packed_bomb.extend(std::iter::repeat_n(b' ', 4 * 1024 * 1024));
    for (encoding, packed) in [("gzip", gzip(&body)), ("br", brotli(&packed_bomb))] {
        let resp = t
            .client
            .post(t.ballots_url())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(reqwest::header::CONTENT_ENCODING, encoding)
            .body(packed)
            .send()
            .await
            .unwrap();
        assert_eq!(
            resp.status(),
            400,
            "{encoding}: read as sent, not valid JSON"
        );
        let error: Value = resp.json().await.unwrap();
        assert_eq!(error["error"]["code"], "bad_request", "{error}");
    }
    assert!(t.export().await.is_empty(), "nothing stored");
}
