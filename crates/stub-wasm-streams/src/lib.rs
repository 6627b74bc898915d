//! A stand-in for `wasm-streams` 0.5 with only the four calls `server_fn` makes.
//!
//! Leptos always links `server_fn`, whose streaming requests and responses use `wasm-streams`.
//! The real crate exports three `#[wasm_bindgen]` classes (`IntoUnderlyingSource`, `…Sink`,
//! `…ByteSource`) that wasm-bindgen keeps in every bundle, used or not: about 1.5 KB gzipped
//! of the residents' budget. Pingyi has no server functions (it talks to its collector with
//! plain `fetch`), so this crate replaces it through `[patch.crates-io]` in the workspace
//! `Cargo.toml`. A streaming server function would fail with the message below instead.

use futures_util::stream::{self, Stream};
use wasm_bindgen::JsValue;

const UNSUPPORTED: &str =
    "Pingyi is built without streaming server functions (crates/stub-wasm-streams)";

pub mod readable {
    //! `wasm_streams::readable`, reduced to what `server_fn` names.

    pub mod sys {
        //! The raw JavaScript stream type.
        pub use web_sys::ReadableStream;
    }

    use super::*;

    /// A JavaScript `ReadableStream`; it cannot be read from Rust in this build.
    pub struct ReadableStream {
        raw: sys::ReadableStream,
    }

    impl ReadableStream {
        /// Wraps a JavaScript stream.
        pub fn from_raw(raw: sys::ReadableStream) -> Self {
            Self { raw }
        }

        /// Streaming a Rust body to JavaScript is not built in.
        pub fn from_stream<St>(_stream: St) -> Self
        where
            St: Stream<Item = Result<JsValue, JsValue>> + 'static,
        {
            panic!("{UNSUPPORTED}")
        }

        /// The JavaScript stream.
        pub fn into_raw(self) -> sys::ReadableStream {
            self.raw
        }

        /// Reading is not built in: the stream yields one error.
        pub fn into_stream(self) -> impl Stream<Item = Result<JsValue, JsValue>> + Unpin {
            stream::iter([Err(JsValue::from_str(UNSUPPORTED))])
        }
    }
}

pub use readable::ReadableStream;
