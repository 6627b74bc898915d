//! Pingyi officials' file tools (评议 · 本机选票与导入文件): the page under `/console/files/`
//! that counts this browser's ballots and merges device export files, with core's tally, merge,
//! CSV writer and full survey check. Its own wasm bundle, so the console page organisers open
//! first (on phones too) does not carry this code; the console's 本机选票 and 导入文件 tabs link
//! here. The views are the console's (`pingyi_console::views::files`).
//!
//! At start every element with `data-pingyi-console-files` gets the page (`data-lang="en"` for
//! English).

use wasm_bindgen::prelude::*;

pub use pingyi_console::Console;

/// Mounts every `[data-pingyi-console-files]` element when the module loads.
#[wasm_bindgen(start, js_name = startConsoleFiles)]
pub fn start() {
    console_error_panic_hook::set_once();
    // The page lives as long as the page.
    pingyi_browser::mount::each_unmounted("data-pingyi-console-files", |el, lang| {
        std::mem::forget(pingyi_console::mount_files(el, lang))
    });
}
