//! `cargo xtask run` / `serve`: serves the built demo on http://127.0.0.1:8080.
//!
//! `run` starts the reference collector (`pingyi-collector serve`), which serves `dist/`
//! and takes ballots on the same origin, with the sample surveys published. `serve` is a tiny
//! std-only static file server over `dist/` for pages that need no collector.

use crate::bundle;
use crate::shell::{self, command, run};
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};
use std::time::Duration;

pub const DEFAULT_PORT: u16 = 8080;

/// `cargo xtask run`: build the widget (setup + trunk + budget) and the collector, then start
/// the collector serving `dist/` and the pingyi/1 API with the sample surveys published.
pub fn build_and_serve(port: u16) -> Result<(), String> {
    // The demo still starts when a bundle is over its budget: the figure and the verdict are
    // printed, and `cargo xtask build` / `cargo xtask test` are the ones that fail on it.
    if let Err(over) = bundle::build() {
        if !over.contains("OVER BUDGET") {
            return Err(over);
        }
        eprintln!("warning: {over}");
    }
    run(command("cargo").args(["build", "--profile", "server", "-p", "pingyi-collector"]))?;
    serve_collector(port)
}

/// `cargo xtask serve`: serve what is already in `dist/` as static files (no collection).
pub fn serve_demo(port: u16) -> Result<(), String> {
    let dist = dist_dir()?;
    serve_static(&dist, port)
}

fn dist_dir() -> Result<PathBuf, String> {
    let dist = shell::root().join("dist");
    if !dist.join("index.html").exists() {
        return Err(
            "dist/index.html is missing: run `cargo xtask build` (or `cargo xtask run`) first"
                .into(),
        );
    }
    Ok(dist)
}

/// Starts `pingyi-collector serve` on 127.0.0.1:`port` with every survey in `examples/`
/// published, waits until it answers, prints where residents, organisers and officials go,
/// then waits for it to end.
fn serve_collector(port: u16) -> Result<(), String> {
    let db = shell::root().join(".pingyi").join("demo.sqlite");
    let (mut child, surveys) = start_collector(port, &db)?;
    let token_file = PathBuf::from(format!("{}.admin-token", db.display()));
    let token = std::env::var("PINGYI_ADMIN_TOKEN")
        .ok()
        .or_else(|| std::fs::read_to_string(&token_file).ok())
        .map(|t| t.trim().to_string())
        .unwrap_or_default();
    println!("{}", urls_banner(port, &surveys, &token));
    let status = child.wait().map_err(|e| e.to_string())?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("the collector exited with {status}"))
    }
}

/// Starts the server-profile `pingyi-collector serve` on 127.0.0.1:`port` over `db`, serving
/// `dist/` with every survey in `examples/` published, and waits until it answers. Returns the
/// running process and the published `(id, path)` pairs.
pub fn start_collector(
    port: u16,
    db: &Path,
) -> Result<(std::process::Child, Vec<(String, PathBuf)>), String> {
    let root = shell::root();
    let dist = dist_dir()?;
    if let Some(dir) = db.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let surveys = example_surveys(&root.join("examples"));
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let binary = target.join("server").join("pingyi-collector");
    let address = format!("127.0.0.1:{port}");
    let mut cmd = command(binary.to_str().unwrap_or("pingyi-collector"));
    cmd.args(["serve", "--addr", &address])
        .arg("--db")
        .arg(db)
        .arg("--static-dir")
        .arg(&dist);
    for (_, path) in &surveys {
        cmd.arg("--publish").arg(path);
    }
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", binary.display()))?;
    if !wait_for_health(port, Duration::from_secs(30)) {
        let _ = child.kill();
        return Err(format!(
            "the collector did not answer on http://{address}/healthz"
        ));
    }
    Ok((child, surveys))
}

/// The text printed once the demo is up: one block per audience.
pub fn urls_banner(port: u16, surveys: &[(String, PathBuf)], token: &str) -> String {
    let base = format!("http://127.0.0.1:{port}");
    let mut out = String::new();
    out.push_str(&format!(
        "\nPingyi 评议 demo is running on {base}/ (Ctrl-C to stop)\n"
    ));
    out.push_str("\n居民投票 Residents (open on a phone or tablet):\n");
    out.push_str(&format!(
        "  {base}/   (demo survey, stored on the device only)\n"
    ));
    for (id, _) in surveys {
        out.push_str(&format!("  {base}/?s={id}\n"));
    }
    out.push_str("\n组织者 Organisers (results console; admin token below):\n");
    out.push_str(&format!("  {base}/console/\n"));
    for (id, _) in surveys {
        out.push_str(&format!(
            "  {base}/console/?s={id}&view=projector   (projector / TV)\n"
        ));
        out.push_str(&format!(
            "  {base}/kiosk/?s={id}   (shared tablet, kiosk mode)\n"
        ));
    }
    out.push_str(&format!("  admin token: {token}\n"));
    out.push_str(
        "\n官员 Officials (tally downloads; need the admin token unless results are public):\n",
    );
    for (id, _) in surveys {
        out.push_str(&format!("  {base}/v1/surveys/{id}/tally?format=report\n"));
        out.push_str(&format!("  {base}/v1/surveys/{id}/tally?format=csv\n"));
    }
    out
}

/// `(id, path)` of every `examples/*.json` survey, sorted by file name.
fn example_surveys(dir: &Path) -> Vec<(String, PathBuf)> {
    let mut found: Vec<(String, PathBuf)> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "json"))
                .filter_map(|p| {
                    let text = std::fs::read_to_string(&p).ok()?;
                    Some((survey_id(&text)?, p))
                })
                .collect()
        })
        .unwrap_or_default();
    found.sort_by(|a, b| a.1.cmp(&b.1));
    found
}

/// The first `"id": "…"` in a survey file (the survey's own id comes before any question's).
pub fn survey_id(text: &str) -> Option<String> {
    let at = text.find("\"id\"")?;
    let rest = text[at + 4..]
        .trim_start()
        .strip_prefix(':')?
        .trim_start()
        .strip_prefix('"')?;
    Some(rest[..rest.find('"')?].to_string())
}

/// Whether `GET /healthz` on 127.0.0.1:`port` answers 200 within `limit`.
pub fn wait_for_health(port: u16, limit: Duration) -> bool {
    let started = std::time::Instant::now();
    while started.elapsed() < limit {
        if let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) {
            let _ = s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            let mut reply = String::new();
            let _ = std::io::Read::read_to_string(&mut s, &mut reply);
            if reply.starts_with("HTTP/1.1 200") {
                return true;
            }
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    false
}

/// Serves `dist` until the process is stopped.
pub fn serve_static(dist: &Path, port: u16) -> Result<(), String> {
    let listener = TcpListener::bind(("127.0.0.1", port))
        .map_err(|error| format!("cannot listen on 127.0.0.1:{port}: {error}"))?;
    println!("demo: http://127.0.0.1:{port}/ (static files from dist/; Ctrl-C to stop)");
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        let dist = dist.to_path_buf();
        std::thread::spawn(move || {
            if let Err(error) = answer(stream, &dist) {
                eprintln!("serve: {error}");
            }
        });
    }
    Ok(())
}

/// Answers one request (GET or HEAD) and closes the connection.
fn answer(mut stream: TcpStream, dist: &Path) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    // Drain the headers; the body of a GET is ignored.
    let mut header = String::new();
    while reader.read_line(&mut header)? > 2 {
        header.clear();
    }
    let mut words = request_line.split_whitespace();
    let (method, target) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
    if method != "GET" && method != "HEAD" {
        return respond(
            &mut stream,
            "405 Method Not Allowed",
            "text/plain; charset=utf-8",
            b"method not allowed\n",
            true,
        );
    }
    let file = file_for(target).map(|relative| dist.join(relative));
    match file.map(std::fs::read) {
        Some(Ok(body)) => {
            let kind = content_type(file_for(target).as_deref().unwrap_or(Path::new("")));
            respond(&mut stream, "200 OK", kind, &body, method == "GET")
        }
        _ => respond(
            &mut stream,
            "404 Not Found",
            "text/plain; charset=utf-8",
            b"not found\n",
            method == "GET",
        ),
    }
}

fn respond(
    stream: &mut TcpStream,
    status: &str,
    kind: &str,
    body: &[u8],
    with_body: bool,
) -> std::io::Result<()> {
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nCache-Control: no-cache\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes())?;
    if with_body {
        stream.write_all(body)?;
    }
    stream.flush()
}

/// The file under `dist/` for a request target: `/` and folders give their
/// `index.html`; the query is dropped; `%XX` is decoded; anything that would
/// leave `dist/` gives `None`.
pub fn file_for(target: &str) -> Option<PathBuf> {
    let path = target.split(['?', '#']).next()?;
    let decoded = percent_decode(path)?;
    if !decoded.starts_with('/') {
        return None;
    }
    let mut relative = PathBuf::new();
    for component in Path::new(&decoded).components() {
        match component {
            Component::RootDir | Component::CurDir => {}
            Component::Normal(part) => relative.push(part),
            Component::ParentDir | Component::Prefix(_) => return None,
        }
    }
    if decoded.ends_with('/') {
        relative.push("index.html");
    }
    Some(relative)
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok().filter(|s| !s.contains('\0'))
}

/// The Content-Type for a file, by extension.
pub fn content_type(path: &Path) -> &'static str {
    let extension = path
        .extension()
        .and_then(|ext| ext.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    match extension.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "wasm" => "application/wasm",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "ico" => "image/x-icon",
        "webp" => "image/webp",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "txt" => "text/plain; charset=utf-8",
        "webmanifest" => "application/manifest+json",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_survey_id_and_prints_every_audience() {
        assert_eq!(
            survey_id("{\n  \"format\": \"pingyi/1\",\n  \"id\" : \"evening-meeting\", \"x\": 1}")
                .as_deref(),
            Some("evening-meeting")
        );
        assert_eq!(survey_id("{}"), None);
        let banner = urls_banner(
            8080,
            &[("sat".into(), PathBuf::from("examples/sat.json"))],
            "tok",
        );
        assert!(banner.contains("http://127.0.0.1:8080/?s=sat"));
        assert!(banner.contains("http://127.0.0.1:8080/console/"));
        assert!(banner.contains("http://127.0.0.1:8080/console/?s=sat&view=projector"));
        assert!(banner.contains("http://127.0.0.1:8080/kiosk/?s=sat"));
        assert!(banner.contains("admin token: tok"));
        assert!(banner.contains("/v1/surveys/sat/tally?format=csv"));
    }

    #[test]
    fn maps_content_types() {
        assert_eq!(
            content_type(Path::new("pingyi-abc_bg.wasm")),
            "application/wasm"
        );
        assert_eq!(
            content_type(Path::new("index.html")),
            "text/html; charset=utf-8"
        );
        assert_eq!(
            content_type(Path::new("pingyi-abc.js")),
            "text/javascript; charset=utf-8"
        );
        assert_eq!(
            content_type(Path::new("style/app.CSS")),
            "text/css; charset=utf-8"
        );
        assert_eq!(content_type(Path::new("survey.json")), "application/json");
        assert_eq!(
            content_type(Path::new("LICENSE")),
            "application/octet-stream"
        );
    }

    #[test]
    fn maps_request_targets_to_files_inside_dist() {
        assert_eq!(file_for("/"), Some(PathBuf::from("index.html")));
        assert_eq!(file_for("/?survey=demo"), Some(PathBuf::from("index.html")));
        assert_eq!(
            file_for("/examples/"),
            Some(PathBuf::from("examples/index.html"))
        );
        assert_eq!(file_for("/app_bg.wasm"), Some(PathBuf::from("app_bg.wasm")));
        assert_eq!(file_for("/a%20b.js"), Some(PathBuf::from("a b.js")));
        assert_eq!(file_for("/../etc/passwd"), None);
        assert_eq!(file_for("/%2e%2e/secret"), None);
        assert_eq!(file_for("/bad%zz"), None);
        assert_eq!(file_for("http://elsewhere/"), None);
    }

    #[test]
    fn serves_a_file_over_http() {
        let dir = std::env::temp_dir().join(format!("xtask-serve-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("index.html"), "<p>评议</p>").unwrap();
        let listener = TcpListener::bind(("127.0.0.1", 0)).unwrap();
        let port = listener.local_addr().unwrap().port();
        let served = dir.clone();
        std::thread::spawn(move || {
            let (stream, _) = listener.accept().unwrap();
            answer(stream, &served).unwrap();
        });
        let mut client = TcpStream::connect(("127.0.0.1", port)).unwrap();
        client
            .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap();
        let mut reply = String::new();
        std::io::Read::read_to_string(&mut client, &mut reply).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(reply.starts_with("HTTP/1.1 200 OK\r\n"), "{reply}");
        assert!(
            reply.contains("Content-Type: text/html; charset=utf-8\r\n"),
            "{reply}"
        );
        assert!(reply.ends_with("<p>评议</p>"), "{reply}");
    }
}
