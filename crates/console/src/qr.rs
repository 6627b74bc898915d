//! QR codes as SVG, made in Rust with the `qrcodegen` crate (pure Rust, no tables to download):
//! the projector's join link and each ballot-code slip's link.
//!
//! The symbol is drawn as one `<path>` of 1×1 squares on a white background with the standard
//! quiet zone of 4 modules, `shape-rendering="crispEdges"`, so it scales to any size (a TV, a
//! printed slip) and stays sharp. Error correction is level M (15 %), enough for a printed slip
//! that gets folded.

use leptos::prelude::*;
use qrcodegen::{QrCode, QrCodeEcc};

/// Quiet zone around the symbol, in modules (the QR standard asks for 4).
pub const BORDER: i32 = 4;

/// One QR code ready to draw.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QrSvg {
    /// QR version (1 to 40).
    pub version: u8,
    /// Modules per side: `4 × version + 17`.
    pub size: i32,
    /// Number of dark modules (one `h1v1h-1z` square each in `path`).
    pub dark: usize,
    /// The SVG path data of the dark modules, in module units, offset by the quiet zone.
    pub path: String,
}

/// Encodes `text` (a URL) as a QR code; `None` only when it is too long for any version.
pub fn encode(text: &str) -> Option<QrSvg> {
    let qr = QrCode::encode_text(text, QrCodeEcc::Medium).ok()?;
    let size = qr.size();
    let mut path = String::new();
    let mut dark = 0;
    for y in 0..size {
        for x in 0..size {
            if qr.get_module(x, y) {
                dark += 1;
                path.push_str(&format!("M{},{}h1v1h-1z", x + BORDER, y + BORDER));
            }
        }
    }
    Some(QrSvg {
        version: qr.version().value(),
        size,
        dark,
        path,
    })
}

/// The QR code of `text` as an inline `<svg role="img">` whose accessible name is `label`.
/// `data-qr` holds the encoded text and `data-modules` the modules per side (for tests and
/// for anyone checking a printed sheet).
pub fn qr_view(text: &str, label: String, class: &'static str) -> AnyView {
    let Some(qr) = encode(text) else {
        return view! { <p class="pc-error">{text.to_string()}</p> }.into_any();
    };
    let side = qr.size + 2 * BORDER;
    view! {
        <svg class=class role="img" aria-label=label viewBox=format!("0 0 {side} {side}")
            shape-rendering="crispEdges" data-qr=text.to_string() data-modules=qr.size.to_string()
            data-version=qr.version.to_string() xmlns="http://www.w3.org/2000/svg">
            <rect width=side.to_string() height=side.to_string() fill="#fff"></rect>
            <path d=qr.path fill="#000"></path>
        </svg>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn size_follows_version() {
        let q = encode("http://127.0.0.1:8080/?s=meet").unwrap();
        assert_eq!(q.size, 4 * i32::from(q.version) + 17);
        assert_eq!(q.path.matches("h1v1h-1z").count(), q.dark);
        assert!(q.dark > 0);
        // Longer links need a larger symbol.
        let long = encode(&format!(
            "http://127.0.0.1:8080/?s={}&code=7K3M-Q9XZ",
            "x".repeat(60)
        ))
        .unwrap();
        assert!(long.version > q.version);
    }
}
