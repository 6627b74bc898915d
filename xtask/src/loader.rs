//! The post-build step that makes the built pages run under a strict Content-Security-Policy
//! (`script-src 'self' 'wasm-unsafe-eval'; style-src 'self'`: no inline script or style) and
//! gives embedding pages one script URL that never changes.
//!
//! For each page trunk built (`dist/index.html`, `dist/kiosk/index.html`,
//! `dist/console/index.html`, and `dist/embed.html`):
//!
//! 1. trunk's inline `<script type="module">import init …</script>` is replaced by
//!    `<script src="…/pingyi.js" defer>` and a `modulepreload` of a tiny start module;
//! 2. `pingyi.js` (the loader, `web/pingyi.js`, minified with terser) is written next to the page
//!    with the hashed names of this build's glue, wasm and stylesheet filled in, and
//!    `<glue>-start.js` (the module that imports the glue and hands it to the loader);
//! 3. the step fails when any page still holds an inline `<script>` (other than JSON data), a
//!    `<style>` block or a `style="…"` attribute, which the policy would block.

use crate::shell::{self, command};
use std::path::Path;

/// The pages to process, relative to `dist/`.
const PAGES: &[&str] = &[
    "index.html",
    "embed.html",
    "kiosk/index.html",
    "console/index.html",
    "console/builder/index.html",
    "console/files/index.html",
];

/// The loader's source, with `__PINGYI_GLUE__`, `__PINGYI_WASM__`, `__PINGYI_START__` and
/// `__PINGYI_CSS__` for the build's file names.
const TEMPLATE: &str = "web/pingyi.js";

/// What trunk's inline loader names: the glue and wasm paths (as trunk wrote them, e.g.
/// `/kiosk/pingyi-0123abcd.js`), and the whole `<script>…</script>` element.
#[derive(Debug, PartialEq, Eq)]
pub struct TrunkLoader {
    pub glue: String,
    pub wasm: String,
    pub element: String,
}

/// Runs the step on every page of `dist` that exists.
pub fn finish(dist: &Path) -> Result<(), String> {
    let template = std::fs::read_to_string(shell::root().join(TEMPLATE))
        .map_err(|e| format!("reading {TEMPLATE}: {e}"))?;
    for page in PAGES {
        let file = dist.join(page);
        if file.exists() {
            finish_page(&file, &template)?;
        }
    }
    Ok(())
}

fn finish_page(file: &Path, template: &str) -> Result<(), String> {
    let show = file.display();
    let mut html = std::fs::read_to_string(file).map_err(|e| format!("reading {show}: {e}"))?;
    let dir = file.parent().unwrap_or(Path::new("."));
    if let Some(loader) = trunk_loader(&html) {
        let prefix = &loader.glue[..loader.glue.rfind('/').map_or(0, |i| i + 1)];
        let glue = base_name(&loader.glue);
        let start = format!("{}-start.js", glue.trim_end_matches(".js"));
        std::fs::write(
            dir.join(&start),
            format!(
                "import i,*as m from\"./{glue}\";document.dispatchEvent(new CustomEvent(\"pingyi:{glue}\",{{detail:[i,m]}}));\n"
            ),
        )
        .map_err(|e| format!("writing {start}: {e}"))?;
        let css = stylesheet(&html).map(base_name).unwrap_or_default();
        let source = template
            .replace("__PINGYI_GLUE__", glue)
            .replace("__PINGYI_WASM__", base_name(&loader.wasm))
            .replace("__PINGYI_START__", &start)
            .replace("__PINGYI_CSS__", css);
        write_minified(&dir.join("pingyi.js"), &source)?;
        // The wasm is asked for as soon as the HTML head arrives: a preload the loader's own
        // `fetch(wasm, {credentials: 'same-origin'})` matches (same URL, CORS mode, same-origin
        // credentials, no integrity: trunk's integrity attribute would not match and the wasm
        // would be downloaded twice).
        if let Some(preload) = wasm_preload(&html) {
            let href = attribute(&preload, "href").unwrap_or_default().to_string();
            html = html.replace(
                &preload,
                &format!(
                    "<link rel=\"preload\" href=\"{href}\" as=\"fetch\" type=\"application/wasm\" crossorigin>"
                ),
            );
        }
        html = html.replace(
            &loader.element,
            &format!(
                "<link rel=\"modulepreload\" href=\"{prefix}{start}\"><script src=\"{prefix}pingyi.js\" defer></script>"
            ),
        );
        std::fs::write(file, &html).map_err(|e| format!("writing {show}: {e}"))?;
    }
    match inline_code(&html) {
        Some(found) => Err(format!(
            "{show} still has inline code that a strict Content-Security-Policy blocks: {found}"
        )),
        None => Ok(()),
    }
}

fn base_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// Trunk's inline module loader of `html`, if it has one.
pub fn trunk_loader(html: &str) -> Option<TrunkLoader> {
    let mut at = 0;
    while let Some(found) = html[at..].find("<script") {
        let start = at + found;
        let end = html[start..].find("</script>")? + start + "</script>".len();
        let element = &html[start..end];
        at = end;
        let open_end = element.find('>')?;
        let body = &element[open_end + 1..element.len() - "</script>".len()];
        if !element[..open_end].contains("src=") && body.contains("import init") {
            let glue = quoted_after(body, " from ")?;
            let wasm = quoted_after(body, "module_or_path:")?;
            return Some(TrunkLoader {
                glue: glue.to_string(),
                wasm: wasm.to_string(),
                element: element.to_string(),
            });
        }
    }
    None
}

/// The first quoted string after `marker`.
fn quoted_after<'a>(text: &'a str, marker: &str) -> Option<&'a str> {
    let rest = text[text.find(marker)? + marker.len()..].trim_start();
    let quote = rest.chars().next().filter(|c| *c == '\'' || *c == '"')?;
    let rest = &rest[1..];
    Some(&rest[..rest.find(quote)?])
}

/// The href of the page's first stylesheet.
fn stylesheet(html: &str) -> Option<&str> {
    let mut at = 0;
    while let Some(found) = html[at..].find("<link") {
        let start = at + found;
        let end = html[start..].find('>')? + start;
        let tag = &html[start..end];
        at = end;
        if attribute(tag, "rel") == Some("stylesheet") {
            return attribute(tag, "href");
        }
    }
    None
}

/// trunk's `<link rel=preload … .wasm>` element, if any.
fn wasm_preload(html: &str) -> Option<String> {
    let mut at = 0;
    while let Some(found) = html[at..].find("<link") {
        let start = at + found;
        let end = html[start..].find('>')? + start + 1;
        let tag = &html[start..end];
        at = end;
        if attribute(tag, "rel") == Some("preload")
            && attribute(tag, "href").is_some_and(|h| h.ends_with(".wasm"))
        {
            return Some(tag.to_string());
        }
    }
    None
}

/// The value of attribute `name` in an opening tag, quoted or not (trunk minifies the HTML).
fn attribute<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let marker = format!(" {name}=");
    let rest = &tag[tag.find(&marker)? + marker.len()..];
    match rest.chars().next()? {
        q @ ('"' | '\'') => rest[1..].split(q).next(),
        _ => rest
            .split(|c: char| c.is_ascii_whitespace() || c == '>')
            .next(),
    }
}

/// The first piece of inline script or style in `html` that `script-src 'self'` and
/// `style-src 'self'` block, if any: a `<script>` without `src` (JSON data is allowed), a
/// `<style>` element or a `style` attribute.
pub fn inline_code(html: &str) -> Option<String> {
    let lower = html.to_ascii_lowercase();
    let mut at = 0;
    while let Some(found) = lower[at..].find("<script") {
        let start = at + found;
        let open_end = lower[start..].find('>')? + start;
        let tag = &lower[start..open_end];
        at = open_end;
        if !tag.contains(" src=") && !tag.contains("application/json") {
            return Some(html[start..open_end + 1].to_string());
        }
    }
    if let Some(i) = lower.find("<style") {
        return Some(html[i..html.len().min(i + 40)].to_string());
    }
    if let Some(i) = lower.find(" style=") {
        return Some(html[i..html.len().min(i + 40)].to_string());
    }
    None
}

/// Minifies a classic script with terser (from node_modules) and writes it.
fn write_minified(out: &Path, source: &str) -> Result<(), String> {
    let raw = out.with_extension("src.js");
    std::fs::write(&raw, source).map_err(|e| format!("writing {}: {e}", raw.display()))?;
    let result = command("terser")
        .arg(&raw)
        .args(["--compress", "passes=2", "--mangle", "--ecma", "5", "-o"])
        .arg(out)
        .status();
    let _ = std::fs::remove_file(&raw);
    match result {
        Ok(s) if s.success() => Ok(()),
        Ok(s) => Err(format!("terser failed on the loader ({s})")),
        Err(e) => Err(format!("cannot run terser (npm ci installs it): {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TRUNK: &str = r#"<head><link href=/kiosk/pingyi-aa.css integrity=x rel=stylesheet>
<link rel="modulepreload" href="/kiosk/pingyi-12.js" crossorigin="anonymous">
<link as=fetch crossorigin href=/kiosk/pingyi-12_bg.wasm rel=preload type=application/wasm>
<script type=module>
import init, * as bindings from '/kiosk/pingyi-12.js';
const wasm = await init({ module_or_path: '/kiosk/pingyi-12_bg.wasm' });
window.wasmBindings = bindings;
</script></head><body><script type="application/json" id="s">{}</script></body>"#;

    #[test]
    fn trunks_inline_loader_is_found_with_its_files() {
        let loader = trunk_loader(TRUNK).unwrap();
        assert_eq!(loader.glue, "/kiosk/pingyi-12.js");
        assert_eq!(loader.wasm, "/kiosk/pingyi-12_bg.wasm");
        assert!(loader.element.starts_with("<script type=module>"));
        assert!(loader.element.ends_with("</script>"));
        assert_eq!(stylesheet(TRUNK), Some("/kiosk/pingyi-aa.css"));
        assert_eq!(
            wasm_preload(TRUNK).as_deref(),
            Some("<link as=fetch crossorigin href=/kiosk/pingyi-12_bg.wasm rel=preload type=application/wasm>")
        );
    }

    #[test]
    fn inline_script_and_style_are_reported_and_json_data_is_not() {
        assert!(inline_code(TRUNK)
            .unwrap()
            .starts_with("<script type=module>"));
        assert_eq!(attribute("<link rel=\"a b\" href='x'", "href"), Some("x"));
        let clean = TRUNK.replace(
            &trunk_loader(TRUNK).unwrap().element,
            "<script src=\"/a.js\" defer></script>",
        );
        assert_eq!(inline_code(&clean), None);
        assert!(inline_code("<p style=\"color:red\">x</p>").is_some());
        assert!(inline_code("<style>p{}</style>").is_some());
        assert!(inline_code("<SCRIPT>alert(1)</SCRIPT>").is_some());
    }
}
