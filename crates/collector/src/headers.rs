//! Security headers on every response: `Referrer-Policy: no-referrer` (a page opened from a slip
//! carries its ballot code in the URL, which must not travel on to other sites),
//! `X-Content-Type-Options: nosniff`, and a strict `Content-Security-Policy`.
//!
//! The built pages (trunk's output: the residents' page, the kiosk, the console) carry a few
//! inline `<script>` and `<style>` blocks: a check for browsers without WebAssembly, the service
//! worker registration, trunk's module loader and the kiosk's styles. Instead of allowing every
//! inline script (`'unsafe-inline'`), the policy lists the SHA-256 hash of each inline block found
//! in the static directory's HTML files when the server starts ([`inline_hashes`]). A page edited
//! after the start needs a restart for its new blocks to run.

use std::path::Path;

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

/// The `frame-ancestors` of the policy unless configured: only pages of this collector may frame
/// its pages.
pub const DEFAULT_FRAME_ANCESTORS: &str = "'self'";

/// How deep [`inline_hashes`] looks under the static directory (e.g. `kiosk/index.html`).
const MAX_DEPTH: usize = 3;

/// The header values, built once at start.
#[derive(Clone, Debug)]
pub struct SecurityHeaders {
    csp: HeaderValue,
}

/// What the policy allows besides this collector itself.
#[derive(Clone, Debug, Default)]
pub struct PolicyOptions {
    /// `frame-ancestors` sources; empty means [`DEFAULT_FRAME_ANCESTORS`].
    pub frame_ancestors: Vec<String>,
    /// Extra `connect-src` origins (the CORS origins and other collectors the pages send to).
    pub connect_src: Vec<String>,
    /// `'sha256-…'` sources of the static pages' inline scripts and styles.
    pub script_hashes: Vec<String>,
    pub style_hashes: Vec<String>,
}

impl SecurityHeaders {
    pub fn new(opts: &PolicyOptions) -> Result<Self, String> {
        let csp = content_security_policy(opts);
        let csp = HeaderValue::from_str(&csp)
            .map_err(|_| format!("the Content-Security-Policy is not a valid header: {csp:?}"))?;
        Ok(SecurityHeaders { csp })
    }
}

/// The `Content-Security-Policy` value.
pub fn content_security_policy(opts: &PolicyOptions) -> String {
    let join = |fixed: &[&str], extra: &[String]| {
        fixed
            .iter()
            .map(|s| s.to_string())
            .chain(extra.iter().cloned())
            .collect::<Vec<_>>()
            .join(" ")
    };
    let connect: Vec<String> = opts
        .connect_src
        .iter()
        .map(|o| o.trim().trim_end_matches('/').to_string())
        .filter(|o| !o.is_empty() && o != "*")
        .collect();
    let frames = if opts.frame_ancestors.is_empty() {
        DEFAULT_FRAME_ANCESTORS.to_string()
    } else {
        opts.frame_ancestors.join(" ")
    };
    format!(
        "default-src 'self'; script-src {}; style-src {}; img-src 'self' data:; connect-src {}; \
         frame-ancestors {frames}; base-uri 'none'; form-action 'self'; object-src 'none'",
        join(&["'self'", "'wasm-unsafe-eval'"], &opts.script_hashes),
        join(&["'self'"], &opts.style_hashes),
        join(&["'self'"], &connect),
    )
}

/// Middleware: the security headers on every response, static files included.
pub async fn add_security_headers(
    State(headers): State<std::sync::Arc<SecurityHeaders>>,
    req: Request,
    next: Next,
) -> Response {
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::CONTENT_SECURITY_POLICY, headers.csp.clone());
    resp
}

/// The `'sha256-…'` sources of every inline `<script>` and `<style>` block of the HTML files in
/// `dir` (and its folders, a few levels deep): (scripts, styles), sorted, without repeats.
pub fn inline_hashes(dir: &Path) -> (Vec<String>, Vec<String>) {
    let mut scripts = Vec::new();
    let mut styles = Vec::new();
    let mut html = Vec::new();
    html_files(dir, 0, &mut html);
    for file in html {
        if let Ok(text) = std::fs::read_to_string(&file) {
            for block in inline_blocks(&text, "script") {
                scripts.push(csp_hash(block));
            }
            for block in inline_blocks(&text, "style") {
                styles.push(csp_hash(block));
            }
        }
    }
    scripts.sort();
    scripts.dedup();
    styles.sort();
    styles.dedup();
    (scripts, styles)
}

fn html_files(dir: &Path, depth: usize, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() && depth < MAX_DEPTH {
            html_files(&path, depth + 1, out);
        } else if path.extension().is_some_and(|e| e == "html") {
            out.push(path);
        }
    }
}

/// The contents of each `<tag …>…</tag>` element without a `src` attribute, exactly as written
/// (the browser hashes these bytes).
pub fn inline_blocks<'a>(html: &'a str, tag: &str) -> Vec<&'a str> {
    let lower = html.to_ascii_lowercase();
    let open = format!("<{tag}");
    let close = format!("</{tag}");
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(found) = lower[at..].find(&open) {
        let start = at + found;
        let after_name = start + open.len();
        // `<scripts>` or `<style-x>` are other elements.
        if !lower[after_name..].starts_with(|c: char| c.is_ascii_whitespace() || c == '>') {
            at = after_name;
            continue;
        }
        let Some(tag_end) = lower[after_name..].find('>').map(|i| after_name + i) else {
            break;
        };
        let attributes = &lower[after_name..tag_end];
        let Some(end) = lower[tag_end..].find(&close).map(|i| tag_end + i) else {
            break;
        };
        if !has_src(attributes) {
            out.push(&html[tag_end + 1..end]);
        }
        at = end + close.len();
    }
    out
}

fn has_src(attributes: &str) -> bool {
    attributes
        .split(|c: char| c.is_ascii_whitespace())
        .any(|a| a == "src" || a.starts_with("src="))
}

/// `'sha256-<base64>'` of `text`.
pub fn csp_hash(text: &str) -> String {
    let hex = pingyi_core::ballot::sha256_hex(text);
    let bytes: Vec<u8> = (0..hex.len())
        .step_by(2)
        .filter_map(|i| u8::from_str_radix(&hex[i..i + 2], 16).ok())
        .collect();
    format!("'sha256-{}'", base64(&bytes))
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_the_browsers_sha256_in_base64() {
        // echo -n "alert(1)" | openssl dgst -sha256 -binary | base64
        assert_eq!(
            csp_hash("alert(1)"),
            "'sha256-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI='"
        );
        assert_eq!(base64(b"ab"), "YWI=");
        assert_eq!(base64(b"a"), "YQ==");
        assert_eq!(base64(b"abc"), "YWJj");
    }

    #[test]
    fn only_inline_blocks_are_found() {
        let html = r#"<head><script src="/a.js"></script><SCRIPT type="module">init()</SCRIPT>
            <style>p{}</style><scripts>x</scripts><script>
 one </script></head>"#;
        assert_eq!(inline_blocks(html, "script"), vec!["init()", "\n one "]);
        assert_eq!(inline_blocks(html, "style"), vec!["p{}"]);
    }

    #[test]
    fn the_policy_lists_frames_connections_and_hashes() {
        let csp = content_security_policy(&PolicyOptions {
            frame_ancestors: vec!["https://portal.example".into()],
            connect_src: vec!["https://a.example/".into(), "*".into()],
            script_hashes: vec!["'sha256-x'".into()],
            style_hashes: vec![],
        });
        assert!(csp.contains("script-src 'self' 'wasm-unsafe-eval' 'sha256-x';"));
        assert!(csp.contains("style-src 'self';"));
        assert!(csp.contains("connect-src 'self' https://a.example;"));
        assert!(csp.contains("frame-ancestors https://portal.example;"));
        assert!(csp.contains("base-uri 'none'"));
        let default = content_security_policy(&PolicyOptions::default());
        assert!(default.contains("frame-ancestors 'self';"));
    }
}
