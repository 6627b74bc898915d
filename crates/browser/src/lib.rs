//! Pingyi's one browser layer, shared by the residents' widget, the kiosk and the organiser
//! console: each adapter is thin and knows nothing about surveys or ballots.
//!
//! - [`fetch`]: one request (optional JSON body and headers, a timeout through an
//!   `AbortController`) with a typed [`FetchError`] (network, timeout, or HTTP status with the
//!   collector's error code and message);
//! - [`storage`]: `localStorage` get / set / remove / keys, with [`StorageError`] for storage
//!   that is full, blocked or missing;
//! - [`random`]: version-4 UUIDs from `crypto.getRandomValues`, and an error, never a guessable
//!   id, where the browser has no `crypto`;
//! - [`timer`] and [`listener`]: a `setTimeout` and a window event listener that end when dropped;
//! - [`mount`]: the organiser bundles' start, mounting every element marked for them;
//! - [`alloc`]: a small allocator for single-threaded wasm (the residents' bundle);
//! - [`json`]: JSON text read by a small parser of our own (neither serde_json's, whose code is
//!   large, nor `JSON.parse`, whose result took a call into JavaScript per value to read);
//!
//! What the records in storage mean is `pingyi_core::record`'s business, not this crate's.

pub mod alloc;
pub mod fetch;
pub mod json;
pub mod listener;
pub mod mount;
pub mod random;
pub mod storage;
pub mod timer;

pub use fetch::{Answer, FetchError, Request};
pub use json::parse_json;
pub use listener::Listener;
pub use random::{uuid_v4, NoRandomSource};
pub use storage::{Storage, StorageError};
pub use timer::Timer;
