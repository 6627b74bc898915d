//! QR codes of the launch links as SVG, made with `qrcodegen` (pure Rust), drawn like the
//! console's: one `<path>` of 1×1 squares on white with the standard quiet zone of 4 modules,
//! error correction level M, so a printed sheet scans from a phone. (The console's own `qr`
//! module is not linked: depending on the console crate would bring its whole start-up into this
//! bundle.)

use leptos::prelude::*;
use qrcodegen::{QrCode, QrCodeEcc};

/// Quiet zone around the symbol, in modules.
const BORDER: i32 = 4;

/// The SVG path of the dark modules of `text`'s QR code and its modules per side; `None` only
/// when the text is too long for any version.
pub fn encode(text: &str) -> Option<(String, i32)> {
    let qr = QrCode::encode_text(text, QrCodeEcc::Medium).ok()?;
    let size = qr.size();
    let mut path = String::new();
    for y in 0..size {
        for x in 0..size {
            if qr.get_module(x, y) {
                path.push_str(&format!("M{},{}h1v1h-1z", x + BORDER, y + BORDER));
            }
        }
    }
    Some((path, size))
}

/// The QR code of `text` as an inline `<svg role="img">` named `label`; `data-qr` holds the text.
pub fn qr_view(text: &str, label: String) -> AnyView {
    let Some((path, size)) = encode(text) else {
        return view! { <p class="pb-error">{text.to_string()}</p> }.into_any();
    };
    let side = size + 2 * BORDER;
    view! {
        <svg class="pb-qr" role="img" aria-label=label viewBox=format!("0 0 {side} {side}")
            shape-rendering="crispEdges" data-qr=text.to_string()
            xmlns="http://www.w3.org/2000/svg">
            <rect width=side.to_string() height=side.to_string() fill="#fff"></rect>
            <path d=path fill="#000"></path>
        </svg>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    #[test]
    fn encodes_a_link() {
        let (path, size) = super::encode("http://127.0.0.1:8080/?s=x").unwrap();
        assert!(size >= 21);
        assert!(path.contains("h1v1h-1z"));
    }
}
