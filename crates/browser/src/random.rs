//! Random version-4 UUIDs for ballot ids, device ids and salts, from `crypto.getRandomValues`
//! (which, unlike `crypto.randomUUID`, also works on a plain-HTTP village LAN address).
//!
//! A ballot id must be unguessable, so where the browser offers no `crypto` (or it throws) there
//! is no fallback: [`uuid_v4`] returns [`NoRandomSource`] and the caller says so, rather than
//! making an id from zeros or `Math.random`. Every browser Pingyi supports has `crypto`.

use wasm_bindgen::JsCast;

/// The browser gave no cryptographic random numbers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoRandomSource(pub String);

impl NoRandomSource {
    /// What the person is told, in Chinese.
    pub fn zh(&self) -> String {
        format!(
            "此浏览器无法生成安全的随机编号，无法投票，请换用其他浏览器（{}）",
            self.0
        )
    }

    /// What the person is told, in English.
    pub fn en(&self) -> String {
        format!(
            "This browser cannot make secure random numbers, so no ballot can be cast; please use another browser ({})",
            self.0
        )
    }
}

impl std::fmt::Display for NoRandomSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.zh(), self.en())
    }
}

/// A random RFC 4122 version-4 UUID, lowercase `xxxxxxxx-xxxx-4xxx-Vxxx-xxxxxxxxxxxx`.
pub fn uuid_v4() -> Result<String, NoRandomSource> {
    let mut b = [0u8; 16];
    let window = web_sys::window().ok_or_else(|| NoRandomSource("no window".into()))?;
    // `window.crypto` read as a plain property: a browser without it gives `undefined`.
    let crypto = js_sys::Reflect::get(&window, &"crypto".into()).unwrap_or_default();
    if crypto.is_undefined() || crypto.is_null() {
        return Err(NoRandomSource("crypto is missing".into()));
    }
    crypto
        .unchecked_into::<web_sys::Crypto>()
        .get_random_values_with_u8_array(&mut b)
        .map_err(|e| NoRandomSource(crate::json::js_error(&e)))?;
    Ok(format_v4(b))
}

/// Formats 16 random bytes as a version-4 UUID (setting the version and variant bits).
pub fn format_v4(mut b: [u8; 16]) -> String {
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(36);
    for (i, x) in b.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            s.push('-');
        }
        s.push(HEX[usize::from(x >> 4)] as char);
        s.push(HEX[usize::from(x & 15)] as char);
    }
    s
}
