//! A window event listener that is removed when dropped.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// A listener for `event` on the window; dropping it removes it.
pub struct Listener {
    event: &'static str,
    callback: Closure<dyn FnMut()>,
}

impl Listener {
    /// Calls `f` on every `event` (say `"online"`) of the window. `None` without a window.
    pub fn on_window(event: &'static str, f: impl FnMut() + 'static) -> Option<Listener> {
        let callback = Closure::<dyn FnMut()>::new(f);
        web_sys::window()?
            .add_event_listener_with_callback(event, callback.as_ref().unchecked_ref())
            .ok()?;
        Some(Listener { event, callback })
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        if let Some(w) = web_sys::window() {
            let _ = w.remove_event_listener_with_callback(
                self.event,
                self.callback.as_ref().unchecked_ref(),
            );
        }
    }
}
