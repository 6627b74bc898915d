//! The static files of `--static-dir` (the built pages: residents' page, kiosk, console) as a
//! phone should get them: compressed, cached and revalidated cheaply.
//!
//! - Compressed: `cargo xtask build` writes a Brotli (`.br`) and a gzip (`.gz`) copy beside
//!   each file; the best one the browser accepts is sent (Brotli, then gzip, then the file),
//!   with `Content-Encoding` and `Vary: Accept-Encoding`. Nothing is compressed here on the fly.
//! - Cached: trunk's hashed files (`pingyi-2763009f4197971c_bg.wasm`), whose names change with
//!   their content, are `immutable` for a year; every other file (`index.html`, `sw.js`, the
//!   example surveys, a loader with a stable name) is `no-cache` with a strong `ETag` of the
//!   bytes sent, and a matching `If-None-Match` gets `304 Not Modified` without a body.
//! - A path that is no file gets the residents' page (`index.html`), never as `immutable`.

use std::convert::Infallible;
use std::path::Path;

use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::Response;
use tower::ServiceExt;
use tower_http::services::{ServeDir, ServeFile};

use crate::caching::{self, IMMUTABLE, NO_CACHE};

/// Files up to this size get an ETag (the body is read to hash it); larger unhashed files are
/// sent as they are read, `no-cache` with their `Last-Modified` only. Pages and `sw.js` are a
/// few KB.
pub const MAX_TAGGED_BYTES: u64 = 1024 * 1024;

/// The static files of one folder and the page sent for paths that are no file.
#[derive(Clone, Debug)]
pub struct StaticFiles {
    files: ServeDir,
    index: ServeFile,
}

impl StaticFiles {
    pub fn new(dir: &Path) -> Self {
        StaticFiles {
            files: ServeDir::new(dir).precompressed_br().precompressed_gzip(),
            index: ServeFile::new(dir.join("index.html"))
                .precompressed_br()
                .precompressed_gzip(),
        }
    }

    /// The answer to a request for a static file.
    pub async fn serve(self, req: Request) -> Response {
        let (parts, _body) = req.into_parts();
        let head = parts.method == Method::HEAD;
        // HEAD is answered as GET without the body, so that it carries the same ETag.
        let method = if head {
            Method::GET
        } else {
            parts.method.clone()
        };
        let inner = || {
            let mut req = Request::new(Body::empty());
            *req.method_mut() = method.clone();
            *req.uri_mut() = parts.uri.clone();
            *req.headers_mut() = parts.headers.clone();
            // The ETag decides when there is one (RFC 9110 §13.1.3): a date alone could say
            // "not modified" for another encoding of the file.
            if req.headers().contains_key(header::IF_NONE_MATCH) {
                req.headers_mut().remove(header::IF_MODIFIED_SINCE);
            }
            req
        };
        let mut resp = into_response(self.files.oneshot(inner()).await);
        let mut is_index = false;
        if resp.status() == StatusCode::NOT_FOUND && method == Method::GET {
            resp = into_response(self.index.oneshot(inner()).await);
            is_index = true;
        }
        let immutable = !is_index && is_hashed_path(parts.uri.path());
        let resp = with_caching(resp, immutable, &parts.headers).await;
        if head {
            let (parts, _) = resp.into_parts();
            Response::from_parts(parts, Body::empty())
        } else {
            resp
        }
    }
}

fn into_response<B>(result: Result<axum::http::Response<B>, Infallible>) -> Response
where
    B: axum::body::HttpBody<Data = bytes::Bytes> + Send + 'static,
    B::Error: Into<axum::BoxError>,
{
    match result {
        Ok(resp) => resp.map(Body::new),
        Err(never) => match never {},
    }
}

/// Adds `Vary`, `Cache-Control` and (small unhashed files) the `ETag`; answers 304 when the
/// request's `If-None-Match` names it.
async fn with_caching(
    mut resp: Response,
    immutable: bool,
    request: &axum::http::HeaderMap,
) -> Response {
    let status = resp.status();
    if !(status.is_success() || status == StatusCode::NOT_MODIFIED) {
        return resp;
    }
    let headers = resp.headers_mut();
    // Which copy is sent depends on Accept-Encoding, for every file that has copies.
    headers.append(
        header::VARY,
        HeaderValue::from_static(header::ACCEPT_ENCODING.as_str()),
    );
    if immutable {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(IMMUTABLE));
        return resp;
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(NO_CACHE));
    let length = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if status != StatusCode::OK || length.is_none_or(|n| n > MAX_TAGGED_BYTES) {
        return resp;
    }
    let (mut parts, body) = resp.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_TAGGED_BYTES as usize).await else {
        // The file could not be read to its end: the same answer as any failed read.
        let mut failed = Response::new(Body::empty());
        *failed.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
        return failed;
    };
    let etag = caching::strong_etag(&bytes);
    parts.headers.insert(header::ETAG, etag.clone());
    if caching::none_match_hits(request, &etag) {
        return caching::not_modified(parts.headers);
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// Whether a path names one of trunk's hashed files: a part of it (file or folder name) holds
/// `-` and 10 to 16 lowercase hex digits (trunk's content hash, leading zeros dropped) followed
/// by its end, `.` or `_` (`pingyi-2763009f4197971c_bg.wasm`, `console-e5bb44aafa088e4f.css`,
/// `snippets/pingyi-5676dca68a1ed9/inline0.js`).
pub fn is_hashed_path(path: &str) -> bool {
    path.split('/').any(|part| {
        part.match_indices('-').any(|(at, _)| {
            let after = &part[at + 1..];
            let digits = after
                .bytes()
                .take_while(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(b))
                .count();
            (10..=16).contains(&digits)
                && matches!(after.as_bytes().get(digits), None | Some(b'.') | Some(b'_'))
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trunks_hashed_names_are_recognised_and_stable_names_are_not() {
        for hashed in [
            "/pingyi-2763009f4197971c_bg.wasm",
            "/pingyi-2763009f4197971c.js",
            "/pingyi-5cd8ad2bb342d977.css",
            "/console/console-e5bb44aafa088e4f.css",
            "/console/pingyi-console-5676dca68a1ed9_bg.wasm",
            "/kiosk/pingyi-39f16ee8ce57e7ef.js",
            "/snippets/pingyi-5676dca68a1ed9/inline0.js",
        ] {
            assert!(is_hashed_path(hashed), "{hashed}");
        }
        for stable in [
            "/",
            "/index.html",
            "/sw.js",
            "/pingyi.js",
            "/examples/evening-meeting.json",
            "/console/",
            "/kiosk/index.html",
            "/pingyi-console.js",
            "/pingyi-abc.js",
            "/pingyi-2763009f4197971cff.js",
            "/pingyi-2763009F4197971C.js",
            "/pingyi-2763009f4197971cx.js",
        ] {
            assert!(!is_hashed_path(stable), "{stable}");
        }
    }
}
