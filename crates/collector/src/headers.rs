//! Security headers on every response: `Referrer-Policy: no-referrer` (a page opened from a slip
//! carries its ballot code in the URL, which must not travel on to other sites),
//! `X-Content-Type-Options: nosniff`, and a strict `Content-Security-Policy`.
//!
//! The policy is strict: `script-src 'self' 'wasm-unsafe-eval'; style-src 'self'`, with no
//! inline script or style at all (no `'unsafe-inline'`, no hashes). The built pages carry none:
//! the build moves trunk's inline loader into `pingyi.js` and fails on any inline block left
//! (`xtask/src/loader.rs`). `connect-src` adds the origins the pages send to, `frame-ancestors`
//! the portals that may frame them (`--frame-ancestors`, for `embed.html`).

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

/// The `frame-ancestors` of the policy unless configured: only pages of this collector may frame
/// its pages.
pub const DEFAULT_FRAME_ANCESTORS: &str = "'self'";

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
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data:; connect-src {}; frame-ancestors {frames}; base-uri 'none'; \
         form-action 'self'; object-src 'none'",
        std::iter::once("'self'".to_string())
            .chain(connect)
            .collect::<Vec<_>>()
            .join(" "),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_lists_frames_and_connections_and_allows_no_inline_code() {
        let csp = content_security_policy(&PolicyOptions {
            frame_ancestors: vec!["https://portal.example".into()],
            connect_src: vec!["https://a.example/".into(), "*".into()],
        });
        assert!(csp.contains("script-src 'self' 'wasm-unsafe-eval';"));
        assert!(
            !csp.contains("unsafe-inline") && !csp.contains("sha256"),
            "{csp}"
        );
        assert!(csp.contains("style-src 'self';"));
        assert!(csp.contains("connect-src 'self' https://a.example;"));
        assert!(csp.contains("frame-ancestors https://portal.example;"));
        assert!(csp.contains("base-uri 'none'"));
        let default = content_security_policy(&PolicyOptions::default());
        assert!(default.contains("frame-ancestors 'self';"));
    }
}
