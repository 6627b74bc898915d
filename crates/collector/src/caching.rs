//! HTTP caching shared by the static files and the API: the `Cache-Control` values, ETags, and
//! the `If-None-Match` check that answers `304 Not Modified` (RFC 9110 §13.1.2) so that a phone
//! that has a file or a survey already gets a few header bytes instead of it again.

use axum::body::Body;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use sha2::{Digest, Sha256};

/// For files whose name changes with their content (trunk's hashed css, js and wasm): kept for a
/// year and never asked about again.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// For everything else a browser may keep (pages, `sw.js`, a survey): kept, but asked about
/// (with `If-None-Match`) before each use.
pub const NO_CACHE: &str = "no-cache";

/// Hex characters of SHA-256 in an ETag: 128 bits.
const TAG_HEX: usize = 32;

/// A strong ETag of exactly these bytes, `"<32 hex digits of their SHA-256>"`. Of the bytes as
/// sent, so a Brotli, a gzip and a plain copy of one file get three different tags.
pub fn strong_etag(bytes: &[u8]) -> HeaderValue {
    let tag = format!("\"{}\"", &hex_sha256(bytes)[..TAG_HEX]);
    HeaderValue::from_str(&tag).expect("hex digits in quotes are a valid header")
}

/// A weak ETag, `W/"<32 hex digits>"`, of what `parts` name (e.g. a survey's id, version,
/// content hash and state). Weak because the answer it tags may be sent compressed on the fly
/// (Brotli, gzip or plain: the same content, different bytes).
pub fn weak_etag(parts: &[&str]) -> HeaderValue {
    let joined = parts.join("\n");
    let tag = format!("W/\"{}\"", &hex_sha256(joined.as_bytes())[..TAG_HEX]);
    HeaderValue::from_str(&tag).expect("hex digits in quotes are a valid header")
}

fn hex_sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Whether the request's `If-None-Match` names `etag` (weak comparison: `W/` is ignored on both
/// sides) or is `*`. Tags that are not well formed are skipped.
pub fn none_match_hits(request: &HeaderMap, etag: &HeaderValue) -> bool {
    let ours = opaque(etag.as_bytes());
    request
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .any(|value| list_names(value.as_bytes(), ours))
}

/// The quoted part of an entity tag (`W/"x"` and `"x"` → `"x"`).
fn opaque(tag: &[u8]) -> &[u8] {
    tag.strip_prefix(b"W/").unwrap_or(tag)
}

/// Whether an `If-None-Match` value (`*`, or a comma-separated list of entity tags, each
/// `"…"` or `W/"…"`; a tag may itself hold commas) names `ours`.
fn list_names(value: &[u8], ours: &[u8]) -> bool {
    let mut rest = value;
    loop {
        let skip = rest
            .iter()
            .take_while(|c| c.is_ascii_whitespace() || **c == b',')
            .count();
        rest = &rest[skip..];
        if rest.is_empty() {
            return false;
        }
        if rest[0] == b'*' {
            return true;
        }
        let tag_start = rest.strip_prefix(b"W/").unwrap_or(rest);
        let Some(body) = tag_start.strip_prefix(b"\"") else {
            // Not an entity tag: skip to the next comma.
            match rest.iter().position(|c| *c == b',') {
                Some(comma) => {
                    rest = &rest[comma..];
                    continue;
                }
                None => return false,
            }
        };
        let Some(close) = body.iter().position(|c| *c == b'"') else {
            return false;
        };
        let tag = &tag_start[..close + 2];
        if tag == ours {
            return true;
        }
        rest = &body[close + 1..];
    }
}

/// `304 Not Modified` standing for a `200` with these headers: the validator and the caching
/// headers are kept (`ETag`, `Cache-Control`, `Vary`, `Last-Modified` and this collector's own
/// ones), the body and what describes it (length, type, encoding) are not.
pub fn not_modified(mut headers: HeaderMap) -> Response {
    for name in [
        header::CONTENT_LENGTH,
        header::CONTENT_TYPE,
        header::CONTENT_ENCODING,
        header::CONTENT_RANGE,
        header::ACCEPT_RANGES,
        header::TRANSFER_ENCODING,
    ] {
        headers.remove(name);
    }
    let mut resp = Response::new(Body::empty());
    *resp.status_mut() = StatusCode::NOT_MODIFIED;
    *resp.headers_mut() = headers;
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(if_none_match: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in if_none_match {
            h.append(header::IF_NONE_MATCH, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn tags_are_quoted_hashes_strong_of_bytes_weak_of_parts() {
        let a = strong_etag(b"<html>");
        assert_eq!(a.len(), 34);
        assert!(a.to_str().unwrap().starts_with('"') && a.to_str().unwrap().ends_with('"'));
        assert_ne!(a, strong_etag(b"<html> "));
        let w = weak_etag(&["village", "2", "abc", "open"]);
        assert!(w.to_str().unwrap().starts_with("W/\""));
        assert_ne!(w, weak_etag(&["village", "2", "abc", "closed"]));
        assert_ne!(weak_etag(&["a\nb"]), weak_etag(&["a", "b", "c"]));
    }

    #[test]
    fn if_none_match_uses_weak_comparison_and_lists() {
        let strong = HeaderValue::from_static("\"abc\"");
        let weak = HeaderValue::from_static("W/\"abc\"");
        for (header, hits) in [
            (vec!["\"abc\""], true),
            (vec!["W/\"abc\""], true),
            (vec!["\"x\", \"abc\""], true),
            (vec!["\"x,y\",W/\"abc\""], true),
            (vec!["\"x\"", "\"abc\""], true),
            (vec!["*"], true),
            (vec!["\"abcd\""], false),
            (vec!["abc"], false),
            (vec!["\"ab"], false),
            (vec!["junk, \"abc\""], true),
            (vec!["\"a,\"abc\"\""], false),
            (vec![""], false),
            (vec![], false),
        ] {
            assert_eq!(
                none_match_hits(&request(&header), &strong),
                hits,
                "{header:?}"
            );
            assert_eq!(
                none_match_hits(&request(&header), &weak),
                hits,
                "{header:?}"
            );
        }
    }

    #[test]
    fn not_modified_keeps_validators_not_the_body_description() {
        let mut h = HeaderMap::new();
        h.insert(header::ETAG, HeaderValue::from_static("\"abc\""));
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static(NO_CACHE));
        h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
        h.insert(header::CONTENT_LENGTH, HeaderValue::from_static("12"));
        h.insert(header::CONTENT_ENCODING, HeaderValue::from_static("br"));
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
        let resp = not_modified(h);
        assert_eq!(resp.status(), StatusCode::NOT_MODIFIED);
        let h = resp.headers();
        assert_eq!(h[header::ETAG], "\"abc\"");
        assert_eq!(h[header::CACHE_CONTROL], NO_CACHE);
        assert_eq!(h[header::VARY], "accept-encoding");
        assert!(h.get(header::CONTENT_LENGTH).is_none());
        assert!(h.get(header::CONTENT_ENCODING).is_none());
        assert!(h.get(header::CONTENT_TYPE).is_none());
    }
}
