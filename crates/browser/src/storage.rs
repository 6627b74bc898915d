//! `localStorage`: get, set, remove and list keys, every browser failure as a [`StorageError`]
//! the views can explain (full, blocked or missing storage).

use wasm_bindgen::{JsCast, JsValue};

/// Why storage failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StorageError {
    /// No `localStorage` (private mode, disabled, or blocked with a `SecurityError`).
    Unavailable(String),
    /// The quota is used up (`QuotaExceededError`).
    Full,
    /// Any other browser error, with its name and message.
    Other(String),
}

impl std::fmt::Display for StorageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StorageError::Unavailable(m) => write!(f, "本地存储不可用 (storage unavailable: {m})"),
            StorageError::Full => write!(f, "本地存储已满 (storage full)"),
            StorageError::Other(m) => write!(f, "本地存储出错 (storage error: {m})"),
        }
    }
}

/// A handle on the page's `localStorage`.
#[derive(Clone)]
pub struct Storage {
    storage: web_sys::Storage,
}

impl Storage {
    /// Opens `localStorage`. Some browsers throw a `SecurityError` here when storage is off.
    pub fn open() -> Result<Storage, StorageError> {
        let window =
            web_sys::window().ok_or_else(|| StorageError::Unavailable("no window".into()))?;
        match window.local_storage() {
            Ok(Some(storage)) => Ok(Storage { storage }),
            Ok(None) => Err(StorageError::Unavailable("localStorage is null".into())),
            Err(e) => Err(classify(e)),
        }
    }

    /// The text under `key`, `None` when there is none.
    pub fn get(&self, key: &str) -> Result<Option<String>, StorageError> {
        self.storage.get_item(key).map_err(classify)
    }

    /// Writes `value` under `key`.
    pub fn set(&self, key: &str, value: &str) -> Result<(), StorageError> {
        self.storage.set_item(key, value).map_err(classify)
    }

    /// Removes `key` (nothing happens when it is absent).
    pub fn remove(&self, key: &str) -> Result<(), StorageError> {
        self.storage.remove_item(key).map_err(classify)
    }

    /// Every key in storage.
    pub fn keys(&self) -> Result<Vec<String>, StorageError> {
        let n = self.storage.length().map_err(classify)?;
        let mut keys = Vec::with_capacity(n as usize);
        for i in 0..n {
            if let Some(k) = self.storage.key(i).map_err(classify)? {
                keys.push(k);
            }
        }
        Ok(keys)
    }

    /// The keys that start with `prefix`.
    pub fn keys_with_prefix(&self, prefix: &str) -> Result<Vec<String>, StorageError> {
        let mut keys = self.keys()?;
        keys.retain(|k| k.starts_with(prefix));
        Ok(keys)
    }
}

/// Turns a thrown browser error into a [`StorageError`].
pub fn classify(e: JsValue) -> StorageError {
    let name = e
        .dyn_ref::<web_sys::DomException>()
        .map(|d| d.name())
        .unwrap_or_default();
    match name.as_str() {
        "QuotaExceededError" | "NS_ERROR_DOM_QUOTA_REACHED" => StorageError::Full,
        "SecurityError" => StorageError::Unavailable(describe(&e)),
        _ => StorageError::Other(describe(&e)),
    }
}

fn describe(e: &JsValue) -> String {
    if let Some(d) = e.dyn_ref::<web_sys::DomException>() {
        return format!("{}: {}", d.name(), d.message());
    }
    crate::json::js_error(e)
}
