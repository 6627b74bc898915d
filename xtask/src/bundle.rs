//! `cargo xtask build`: builds the widget, the kiosk and the console with trunk, writes a Brotli
//! and a gzip copy beside every static file (the collector serves the best one a browser
//! accepts), and checks what each page costs on the wire.
//!
//! Residents download the widget over weak signal, so two budgets hold for each page: the
//! Brotli size of every file the page downloads (its `index.html` and the css, js, wasm and
//! `sw.js` it names), which is what a phone gets from the collector, and the older gzip -9
//! ceiling on the wasm plus the JavaScript.

use crate::setup;
use crate::shell::{self, command, run};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The ceiling for wasm + js, gzipped at level 9: 200 KB, the goal set before Brotli was
/// measured. 199,550 B on 2026-11-30, after the widget stopped linking the semantic survey
/// checks, serde_json's error text and the string-slice panic message; the wasm then lost about
/// 8.4 KB more (no `sha2`, no serde serializer). The fourth diet (a small allocator, boxed event
/// handlers, lists as `Vec<AnyView>`) took it to 184,333 B, and keeping wasm-opt from inlining
/// every function that has one caller (`--one-caller-inline-max-function-size=10` in the pages'
/// `data-wasm-opt-params`) to 167,254 B; then 169,448 B with the JSON reader in the wasm
/// (`pingyi_browser::json`, about 2 KB, which took a third off the first render's work). This
/// ceiling holds that plus about 1.5 KB of build-to-build noise. Lower this as bytes come off;
/// never raise it.
pub const BUDGET_BYTES: u64 = 167 * 1024;

/// What the residents' page may cost on the wire: every file it downloads (index.html, the
/// stable loader and what it names: css, js, wasm, sw.js), Brotli-compressed as the collector
/// serves them. The goal, 150 KB (153,600 B), is the ceiling: 160,167 B on 2026-11-30 with the
/// embedding work, 159,343 B with the accessibility work, 149,493 B after the fourth diet (a
/// small allocator in place of dlmalloc, boxed event handlers, lists as `Vec<AnyView>`; see
/// DEVELOPERS.md), 140,589 B once wasm-opt stopped inlining every function that has one caller,
/// 142,333 B with the JSON reader in the wasm (see `BUDGET_BYTES`). The ceiling holds that plus
/// about 1.5 KB. The build fails above it. Lower it as bytes come off; never raise it.
pub const BROTLI_BUDGET_BYTES: u64 = 140 * 1024 + 512;

/// The organiser console's own budget (wasm + js, gzip -9). Residents never download it, but
/// organisers open it on phones: the goal is 250 KB (256,000 B). 342,336 B on 2026-11-30 after the
/// console stopped linking serde's typed deserializers; 245,145 B the same day once the officials'
/// file tools (local counting, merge, CSV writer, serializers, full survey check) moved to their
/// own bundle (`FILES_PAGE`) and the page read JSON with the browser's `JSON.parse`. This ceiling
/// held that plus about 1.5 KB of noise; 214,693 B once wasm-opt stopped inlining every function
/// that has one caller, 216,634 B with the JSON reader in the wasm, and this ceiling holds that
/// plus about 1.5 KB. Lower it as bytes come off; never raise it.
pub const CONSOLE_BUDGET_BYTES: u64 = 213 * 1024;

/// The console page on the wire (Brotli, every file it downloads): 193,951 B on 2026-11-30 after
/// the file tools left (267,267 B before), 176,508 B once wasm-opt stopped inlining every function
/// that has one caller, 178,127 B with the JSON reader in the wasm, plus about 1.6 KB of
/// build-to-build noise. Lower this as bytes come off, never raise it.
pub const CONSOLE_BROTLI_BUDGET_BYTES: u64 = 175 * 1024 + 512;

/// The officials' file tools (`dist/console/files/`, crates/console-files): wasm + js, gzip -9,
/// and on the wire (Brotli). Loaded only when an official opens 本机选票 or 导入文件, over the
/// organiser's connection; it holds the console's results views plus core's tally, merge, CSV
/// writer, serializers and survey check. 346,945 B gz and 271,255 B Brotli on 2026-11-30;
/// 300,875 B gz and 243,194 B Brotli once wasm-opt stopped inlining every function that has one
/// caller; 302,735 B gz and 244,408 B Brotli with the JSON reader in the wasm. These ceilings
/// hold that plus about 1.5 KB. Lower them as bytes come off; never raise them.
pub const CONSOLE_FILES_BUDGET_BYTES: u64 = 297 * 1024 + 512;
pub const CONSOLE_FILES_BROTLI_BUDGET_BYTES: u64 = 240 * 1024;

/// The shared-tablet build (`kiosk.html`, cargo feature `kiosk`): the widget plus kiosk mode.
/// Only the meeting's tablet loads it, over the organiser's connection. 226,370 B on
/// 2026-11-30, after the kiosk became a mode of the widget; 209,835 B after the widget's fourth
/// diet; 189,943 B once wasm-opt stopped inlining every function that has one caller, 191,918 B
/// with the JSON reader in the wasm, plus about 1.6 KB of noise.
pub const KIOSK_BUDGET_BYTES: u64 = 189 * 1024;

/// The kiosk page on the wire (Brotli, every file it downloads): 179,746 B on 2026-11-30,
/// 169,356 B after the widget's fourth diet, 158,945 B once wasm-opt stopped inlining every
/// function that has one caller, 160,681 B with the JSON reader in the wasm, plus about 1.6 KB of
/// noise. Lower this as bytes come off, never raise it.
pub const KIOSK_BROTLI_BUDGET_BYTES: u64 = 158 * 1024 + 512;

/// The survey builder (organisers only, `dist/console/builder/`): wasm + js, gzip -9, and on the
/// wire (Brotli). Generous: it carries the widget's question views for its preview. Its size on
/// 2026-11-30 is in docs/builder.md; lower these as bytes come off.
pub const BUILDER_BUDGET_BYTES: u64 = 600 * 1024;
pub const BUILDER_BROTLI_BUDGET_BYTES: u64 = 500 * 1024;

/// The builder's folder inside the console's, left out of the console's figure.
const BUILDER_DIR: &str = "builder";
/// The file tools' folder inside the console's, left out of the console's figure.
const FILES_DIR: &str = "files";

/// The console's folder inside `dist/`, left out of the residents' figure.
const CONSOLE_DIR: &str = "console";
/// The kiosk build's folder inside `dist/`, also left out of the residents' figure.
const KIOSK_DIR: &str = "kiosk";

/// One built page: where it is under `dist/` and what it may cost.
#[derive(Clone, Copy, Debug)]
pub struct Page {
    /// How the report names it.
    pub name: &'static str,
    /// Its folder under `dist/` (`""` for the residents' page).
    pub dir: &'static str,
    /// Ceiling of wasm + js, gzip -9.
    pub gzip_budget: u64,
    /// Ceiling of every file the page downloads, Brotli.
    pub brotli_budget: u64,
}

pub const RESIDENT_PAGE: Page = Page {
    name: "bundle",
    dir: "",
    gzip_budget: BUDGET_BYTES,
    brotli_budget: BROTLI_BUDGET_BYTES,
};

pub const CONSOLE_PAGE: Page = Page {
    name: "console bundle",
    dir: CONSOLE_DIR,
    gzip_budget: CONSOLE_BUDGET_BYTES,
    brotli_budget: CONSOLE_BROTLI_BUDGET_BYTES,
};

pub const BUILDER_PAGE: Page = Page {
    name: "builder bundle",
    dir: "console/builder",
    gzip_budget: BUILDER_BUDGET_BYTES,
    brotli_budget: BUILDER_BROTLI_BUDGET_BYTES,
};

pub const FILES_PAGE: Page = Page {
    name: "console files bundle",
    dir: "console/files",
    gzip_budget: CONSOLE_FILES_BUDGET_BYTES,
    brotli_budget: CONSOLE_FILES_BROTLI_BUDGET_BYTES,
};

pub const KIOSK_PAGE: Page = Page {
    name: "kiosk bundle",
    dir: KIOSK_DIR,
    gzip_budget: KIOSK_BUDGET_BYTES,
    brotli_budget: KIOSK_BROTLI_BUDGET_BYTES,
};

/// setup, then the bundles, then the budget checks.
pub fn build() -> Result<BundleSize, String> {
    setup::setup(setup::Mode::Install)?;
    build_bundles()
}

/// `trunk build --release --offline` for the residents' widget (`dist/`), then for the
/// organiser console (`dist/console/`; after the widget, whose build replaces `dist/`), the
/// survey builder (`dist/console/builder/`, after the console), then the kiosk; then the
/// compressed copies of every file, then the budget checks.
pub fn build_bundles() -> Result<BundleSize, String> {
    run(command("trunk").args(["build", "--release", "--offline"]))?;
    run(command("trunk").args([
        "build",
        "--release",
        "--offline",
        "--config",
        "crates/console/Trunk.toml",
    ]))?;
    // The officials' file tools, into dist/console/files/: after the console, whose build
    // cleans dist/console/.
    run(command("trunk").args([
        "build",
        "--release",
        "--offline",
        "--config",
        "crates/console-files/Trunk.toml",
    ]))?;
    // The survey builder, into dist/console/builder/: after the console, whose build cleans
    // dist/console/.
    run(command("trunk").args([
        "build",
        "--release",
        "--offline",
        "--config",
        "crates/builder/Trunk.toml",
    ]))?;
    if shell::root().join("kiosk.html").exists() {
        run(command("trunk").args([
            // The target comes first: `--offline` takes an optional value and would swallow it.
            "build",
            "kiosk.html",
            "--release",
            "--offline",
            "--dist",
            "dist/kiosk",
            "--public-url",
            "/kiosk/",
        ]))?;
    }
    // The stable loader in place of trunk's inline script, on every page (xtask/src/loader.rs).
    crate::loader::finish(&shell::root().join("dist"))?;
    // Last, once every file is in dist/: a step that adds a file before this gets its copies.
    let written = precompress(&shell::root().join("dist"))?;
    println!("precompressed: {written} files (.br and .gz beside each)");
    check_all()
}

/// The budget checks of every page in `dist/` (the kiosk's when it was built); the residents'
/// figure. All pages are reported before the first failure is returned.
pub fn check_all() -> Result<BundleSize, String> {
    let size = check_page(&RESIDENT_PAGE);
    let console = check_page(&CONSOLE_PAGE);
    let files = if shell::root().join("dist").join(FILES_PAGE.dir).exists() {
        check_page(&FILES_PAGE).map(|_| ())
    } else {
        Ok(())
    };
    let builder = if shell::root().join("dist").join(BUILDER_PAGE.dir).exists() {
        check_page(&BUILDER_PAGE).map(|_| ())
    } else {
        Ok(())
    };
    let kiosk = if shell::root().join("dist").join(KIOSK_DIR).exists() {
        check_page(&KIOSK_PAGE).map(|_| ())
    } else {
        Ok(())
    };
    console?;
    files?;
    builder?;
    kiosk?;
    size
}

/// `cargo xtask size`: the figures of the pages already in `dist/` (no build); fails when one
/// is over a budget.
pub fn check_budget() -> Result<BundleSize, String> {
    check_all()
}

/// Measures one page, prints its table and budget lines; fails when over a budget.
pub fn check_page(page: &Page) -> Result<BundleSize, String> {
    let dir = shell::root().join("dist").join(page.dir);
    let code = measure(&dir)?;
    let wire = measure_page(&dir)?;
    print!(
        "{}",
        wire.table(&format!("{} (dist/{})", page.name, page.dir))
    );
    let gzip_line = code
        .line(page.gzip_budget)
        .replacen("bundle:", &format!("{}:", page.name), 1);
    let brotli_line = wire.line(page.name, page.brotli_budget);
    println!("{gzip_line}");
    println!("{brotli_line}");
    let mut over = Vec::new();
    if !code.within(page.gzip_budget) {
        over.push(gzip_line);
    }
    if !wire.within(page.brotli_budget) {
        over.push(brotli_line);
    }
    if over.is_empty() {
        Ok(code)
    } else {
        Err(over.join("\n"))
    }
}

/// Gzipped sizes of the bundle's code: the older ceiling's measure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BundleSize {
    pub wasm_gz: u64,
    pub js_gz: u64,
}

impl BundleSize {
    pub fn total(&self) -> u64 {
        self.wasm_gz + self.js_gz
    }

    pub fn within(&self, budget: u64) -> bool {
        self.total() <= budget
    }

    /// `bundle: wasm 151234 B gz, js 8123 B gz, total 159357 B gz (budget 204800 B) OK`
    pub fn line(&self, budget: u64) -> String {
        let verdict = if self.within(budget) {
            "OK".to_string()
        } else {
            format!("OVER BUDGET by {} B", self.total() - budget)
        };
        format!(
            "bundle: wasm {} B gz, js {} B gz, total {} B gz (budget {budget} B) {verdict}",
            self.wasm_gz,
            self.js_gz,
            self.total()
        )
    }
}

/// Sums the gzip -9 sizes of every `.wasm` and `.js` under `dist` (not the other pages'
/// folders).
pub fn measure(dist: &Path) -> Result<BundleSize, String> {
    let mut files = Vec::new();
    collect_files(dist, &mut files)
        .map_err(|error| format!("reading {}: {error}", dist.display()))?;
    let mut size = BundleSize {
        wasm_gz: 0,
        js_gz: 0,
    };
    for file in files {
        match extension(&file) {
            "wasm" => size.wasm_gz += gzip(&read(&file)?).len() as u64,
            "js" => size.js_gz += gzip(&read(&file)?).len() as u64,
            _ => {}
        }
    }
    if size.wasm_gz == 0 {
        return Err(format!(
            "no .wasm file in {}; did the build run?",
            dist.display()
        ));
    }
    Ok(size)
}

/// One file a page downloads, in bytes: as built, gzip -9 and Brotli 11.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileSize {
    /// Its path inside the page's folder.
    pub name: String,
    pub raw: u64,
    pub gzip: u64,
    pub brotli: u64,
}

/// What one page costs on the wire: every file it downloads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PageSize {
    pub files: Vec<FileSize>,
}

impl PageSize {
    pub fn raw(&self) -> u64 {
        self.files.iter().map(|f| f.raw).sum()
    }

    pub fn gzip(&self) -> u64 {
        self.files.iter().map(|f| f.gzip).sum()
    }

    pub fn brotli(&self) -> u64 {
        self.files.iter().map(|f| f.brotli).sum()
    }

    pub fn within(&self, brotli_budget: u64) -> bool {
        self.brotli() <= brotli_budget
    }

    /// One line per file and the totals, in bytes.
    pub fn table(&self, title: &str) -> String {
        let width = self
            .files
            .iter()
            .map(|f| f.name.len())
            .chain([5])
            .max()
            .unwrap_or(5);
        let mut out = format!(
            "{title}: what the page downloads\n  {:<width$} {:>9} {:>9} {:>9}\n",
            "file", "raw B", "gzip B", "brotli B"
        );
        for f in &self.files {
            out.push_str(&format!(
                "  {:<width$} {:>9} {:>9} {:>9}\n",
                f.name, f.raw, f.gzip, f.brotli
            ));
        }
        out.push_str(&format!(
            "  {:<width$} {:>9} {:>9} {:>9}\n",
            "total",
            self.raw(),
            self.gzip(),
            self.brotli()
        ));
        out
    }

    /// `bundle on the wire: 150000 B br, 180000 B gz, 540000 B raw (budget 153600 B br) OK`
    pub fn line(&self, name: &str, brotli_budget: u64) -> String {
        let verdict = if self.within(brotli_budget) {
            "OK".to_string()
        } else {
            format!("OVER BUDGET by {} B", self.brotli() - brotli_budget)
        };
        format!(
            "{name} on the wire: {} B br, {} B gz, {} B raw (budget {brotli_budget} B br) {verdict}",
            self.brotli(),
            self.gzip(),
            self.raw()
        )
    }
}

/// The files a page downloads: its `index.html` and every html, css, js or wasm file of its
/// folder (other pages' folders left out) that the index names, such as trunk's hashed files
/// and `sw.js`. Each measured as built, gzip -9 and Brotli 11 (as [`precompress`] writes them).
pub fn measure_page(dir: &Path) -> Result<PageSize, String> {
    let index_path = dir.join("index.html");
    let index = std::fs::read_to_string(&index_path).map_err(|error| {
        format!(
            "reading {}: {error}; did the build run?",
            index_path.display()
        )
    })?;
    let mut files = Vec::new();
    collect_files(dir, &mut files)
        .map_err(|error| format!("reading {}: {error}", dir.display()))?;
    let candidates: Vec<String> = files
        .iter()
        .filter(|f| matches!(extension(f), "html" | "css" | "js" | "mjs" | "wasm"))
        .filter_map(|f| f.strip_prefix(dir).ok())
        .map(|f| f.to_string_lossy().replace('\\', "/"))
        .collect();
    // What the page loads: index.html, whatever it names, whatever those name (the stable
    // loader names the hashed glue and wasm), until nothing new is named.
    let mut names: Vec<String> = vec!["index.html".to_string()];
    let mut texts: Vec<String> = vec![index];
    loop {
        let found: Vec<String> = candidates
            .iter()
            .filter(|name| !names.contains(name))
            .filter(|name| texts.iter().any(|text| names_file(text, name)))
            .cloned()
            .collect();
        if found.is_empty() {
            break;
        }
        for name in found {
            if !name.ends_with(".wasm") {
                texts.push(String::from_utf8_lossy(&read(&dir.join(&name))?).into_owned());
            }
            names.push(name);
        }
    }
    names.sort();
    // index.html first: the page's own document, then what it loads.
    names.sort_by_key(|name| name != "index.html");
    let mut out = PageSize { files: Vec::new() };
    for name in names {
        let file = dir.join(&name);
        let bytes = read(&file)?;
        out.files.push(FileSize {
            raw: bytes.len() as u64,
            gzip: served_size(&file, &bytes, "gz", gzip),
            brotli: served_size(&file, &bytes, "br", brotli),
            name,
        });
    }
    Ok(out)
}

/// The size of `file` (with contents `bytes`) as served with an encoding: its compressed copy
/// `<file>.<suffix>` when that is at least as new as the file, else `compress`ed here; never
/// more than the file itself (which is served when no copy is smaller).
fn served_size(file: &Path, bytes: &[u8], suffix: &str, compress: fn(&[u8]) -> Vec<u8>) -> u64 {
    let modified = |path: &Path| std::fs::metadata(path).and_then(|m| m.modified()).ok();
    let copy = with_suffix(file, suffix);
    let packed = match (modified(&copy), modified(file)) {
        (Some(copy_time), Some(file_time)) if copy_time >= file_time => {
            std::fs::metadata(&copy).map(|m| m.len()).ok()
        }
        _ => None,
    };
    let packed = packed.unwrap_or_else(|| compress(bytes).len() as u64);
    packed.min(bytes.len() as u64)
}

/// Whether `html` names the file `name` (a path inside the page's folder): as a whole token,
/// with nothing of a longer file name right before or after it.
fn names_file(html: &str, name: &str) -> bool {
    let part_of_name = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.');
    html.match_indices(name).any(|(at, _)| {
        let before = html[..at].chars().next_back();
        let after = html[at + name.len()..].chars().next();
        !before.is_some_and(part_of_name) && !after.is_some_and(part_of_name)
    })
}

/// The extensions of the files that get compressed copies.
const COMPRESSIBLE: &[&str] = &[
    "html",
    "css",
    "js",
    "mjs",
    "wasm",
    "json",
    "svg",
    "txt",
    "webmanifest",
];

/// Writes `<file>.br` (Brotli quality 11) and `<file>.gz` (gzip level 9) beside every
/// compressible file under `dist`, all pages' folders included; a copy no smaller than its file
/// is not written (the file itself is served). Copies left from files that are gone are removed,
/// and copies are never compressed again, so running it twice changes nothing. Returns how many
/// files got copies.
pub fn precompress(dist: &Path) -> Result<usize, String> {
    let mut files = Vec::new();
    collect_all_files(dist, &mut files)
        .map_err(|error| format!("reading {}: {error}", dist.display()))?;
    let mut written = 0;
    for file in &files {
        let ext = extension(file);
        if ext == "br" || ext == "gz" {
            let source = file.with_extension("");
            if !source.exists() || !COMPRESSIBLE.contains(&extension(&source)) {
                remove(file)?;
            }
            continue;
        }
        if !COMPRESSIBLE.contains(&ext) {
            continue;
        }
        let bytes = read(file)?;
        let mut any = false;
        for (suffix, packed) in [("br", brotli(&bytes)), ("gz", gzip(&bytes))] {
            let copy = with_suffix(file, suffix);
            if packed.len() < bytes.len() {
                std::fs::write(&copy, packed)
                    .map_err(|error| format!("writing {}: {error}", copy.display()))?;
                any = true;
            } else if copy.exists() {
                remove(&copy)?;
            }
        }
        written += usize::from(any);
    }
    Ok(written)
}

/// `file` with `.suffix` added after its whole name (`a.js` → `a.js.br`).
fn with_suffix(file: &Path, suffix: &str) -> PathBuf {
    let mut name = file.as_os_str().to_owned();
    name.push(".");
    name.push(suffix);
    PathBuf::from(name)
}

fn remove(file: &Path) -> Result<(), String> {
    std::fs::remove_file(file).map_err(|error| format!("removing {}: {error}", file.display()))
}

fn extension(file: &Path) -> &str {
    file.extension().and_then(|ext| ext.to_str()).unwrap_or("")
}

fn read(file: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(file).map_err(|error| format!("reading {}: {error}", file.display()))
}

/// Brotli at quality 11 with a 16 MiB window (as the `brotli` tool's default).
pub fn brotli(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut writer = brotli::CompressorWriter::new(&mut out, 64 * 1024, 11, 24);
        writer
            .write_all(bytes)
            .expect("compressing into memory cannot fail");
    }
    out
}

/// gzip at level 9 (zlib's deflate; a few hundred bytes over GNU `gzip -9` on the wasm).
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut writer = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    writer
        .write_all(bytes)
        .expect("compressing into memory cannot fail");
    writer
        .finish()
        .expect("compressing into memory cannot fail")
}

/// Every file of one page under `dir`, without other pages' folders, hidden entries or the
/// compressed copies.
fn collect_files(dir: &Path, files: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut all = Vec::new();
    walk(dir, true, &mut all)?;
    files.extend(
        all.into_iter()
            .filter(|f| !matches!(extension(f), "br" | "gz")),
    );
    Ok(())
}

/// Every file under `dir`, all pages' folders included, without hidden entries.
fn collect_all_files(dir: &Path, files: &mut Vec<PathBuf>) -> std::io::Result<()> {
    walk(dir, false, files)
}

fn walk(dir: &Path, one_page: bool, files: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        // Hidden entries (trunk's `.stage`) are work in progress, not the bundle.
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let path = entry.path();
        if path.is_dir() {
            // The console, the builder and the kiosk are pages of their own.
            if one_page
                && (name == CONSOLE_DIR
                    || name == KIOSK_DIR
                    || name == BUILDER_DIR
                    || name == FILES_DIR)
            {
                continue;
            }
            walk(&path, one_page, files)?;
        } else {
            files.push(path);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    /// A budget for the formatting tests, independent of the ceiling in force.
    const GOAL: u64 = 200 * 1024;

    /// A fresh folder for one test.
    fn temp_dir(test: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("xtask-bundle-{test}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    /// Text that compresses, of about `n` bytes.
    fn text(n: usize) -> String {
        let line = "export const answer = 42; // ok!\n";
        line.repeat(n / line.len() + 1).chars().take(n).collect()
    }

    fn unbrotli(bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        brotli::Decompressor::new(bytes, 4096)
            .read_to_end(&mut out)
            .unwrap();
        out
    }

    fn ungzip(bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(bytes)
            .read_to_end(&mut out)
            .unwrap();
        out
    }

    #[test]
    fn formats_the_figure_within_budget() {
        let size = BundleSize {
            wasm_gz: 151234,
            js_gz: 8123,
        };
        assert_eq!(
            size.line(GOAL),
            "bundle: wasm 151234 B gz, js 8123 B gz, total 159357 B gz (budget 204800 B) OK"
        );
        assert!(size.within(GOAL));
    }

    #[test]
    fn the_budget_is_inclusive_and_over_budget_says_by_how_much() {
        let exact = BundleSize {
            wasm_gz: 200_000,
            js_gz: 4_800,
        };
        assert!(exact.within(GOAL));
        let over = BundleSize {
            wasm_gz: 200_000,
            js_gz: 4_801,
        };
        assert!(!over.within(GOAL));
        assert!(over
            .line(GOAL)
            .ends_with("(budget 204800 B) OVER BUDGET by 1 B"));
    }

    #[test]
    fn the_console_figure_leaves_out_the_builder_and_the_file_tools_inside_it() {
        let dir = temp_dir("builder-inside-console");
        std::fs::create_dir_all(dir.join("builder")).unwrap();
        std::fs::create_dir_all(dir.join("files")).unwrap();
        std::fs::write(dir.join("console_bg.wasm"), vec![1u8; 1_000]).unwrap();
        std::fs::write(
            dir.join("builder").join("builder_bg.wasm"),
            vec![3u8; 99_999],
        )
        .unwrap();
        std::fs::write(dir.join("files").join("files_bg.wasm"), vec![4u8; 77_777]).unwrap();
        let console = measure(&dir).unwrap();
        assert_eq!(console.wasm_gz, gzip(&[1u8; 1_000]).len() as u64);
        let builder = measure(&dir.join("builder")).unwrap();
        assert_eq!(builder.wasm_gz, gzip(&[3u8; 99_999]).len() as u64);
        let files = measure(&dir.join("files")).unwrap();
        assert_eq!(files.wasm_gz, gzip(&[4u8; 77_777]).len() as u64);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn measures_gzip_sizes_of_wasm_and_js_only() {
        let dir = temp_dir("measure");
        std::fs::create_dir_all(dir.join("snippets")).unwrap();
        std::fs::write(dir.join("app_bg.wasm"), vec![0u8; 10_000]).unwrap();
        std::fs::write(
            dir.join("snippets").join("x.js"),
            "export const x = 1;\n".repeat(100),
        )
        .unwrap();
        std::fs::write(dir.join("index.html"), "<html>".repeat(1000)).unwrap();
        std::fs::create_dir_all(dir.join(".stage")).unwrap();
        std::fs::create_dir_all(dir.join("console")).unwrap();
        std::fs::write(
            dir.join("console").join("console_bg.wasm"),
            vec![2u8; 99_999],
        )
        .unwrap();
        std::fs::create_dir_all(dir.join("kiosk")).unwrap();
        std::fs::write(dir.join("kiosk").join("kiosk_bg.wasm"), vec![3u8; 99_999]).unwrap();
        std::fs::write(
            dir.join(".stage").join("half_built_bg.wasm"),
            vec![1u8; 99_999],
        )
        .unwrap();
        // A compressed copy is not a second bundle.
        std::fs::write(dir.join("app_bg.wasm.gz"), vec![9u8; 99_999]).unwrap();
        let size = measure(&dir).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(size.wasm_gz > 0 && size.wasm_gz < 10_000, "{size:?}");
        assert!(size.js_gz > 0 && size.js_gz < 2_000, "{size:?}");
    }

    #[test]
    fn the_gzip_figure_is_gzip_level_9() {
        let bytes = text(50_000);
        let packed = gzip(&bytes.clone().into_bytes());
        assert_eq!(&packed[..2], &[0x1f, 0x8b], "a gzip member");
        assert_eq!(ungzip(&packed), bytes.as_bytes());
        assert!(packed.len() < 2_000, "{}", packed.len());
        assert_eq!(unbrotli(&brotli(bytes.as_bytes())), bytes.as_bytes());
    }

    /// A page: index.html naming its hashed files and sw.js, a file it does not name, data, and
    /// the other pages' folders.
    fn sample_page(dir: &Path) {
        std::fs::write(
            dir.join("index.html"),
            r#"<link rel="stylesheet" href="/app-0123456789abcdef.css">
<link rel="modulepreload" href="/app-0123456789abcdef.js">
<script type="module">import init from '/app-0123456789abcdef.js';init('/app-0123456789abcdef_bg.wasm');
navigator.serviceWorker.register('sw.js');</script>
<div data-survey-src="examples/survey.json"></div>"#,
        )
        .unwrap();
        std::fs::write(dir.join("app-0123456789abcdef.css"), text(3_000)).unwrap();
        std::fs::write(dir.join("app-0123456789abcdef.js"), text(8_000)).unwrap();
        std::fs::write(dir.join("app-0123456789abcdef_bg.wasm"), text(40_000)).unwrap();
        std::fs::write(dir.join("sw.js"), text(2_000)).unwrap();
        // Not named by the page (a loader for embedding pages): not downloaded by it.
        std::fs::write(dir.join("app.js"), text(5_000)).unwrap();
        std::fs::create_dir_all(dir.join("examples")).unwrap();
        std::fs::write(dir.join("examples").join("survey.json"), text(9_000)).unwrap();
        std::fs::create_dir_all(dir.join("kiosk")).unwrap();
        std::fs::write(dir.join("kiosk").join("index.html"), text(7_000)).unwrap();
        std::fs::write(dir.join("kiosk").join("sw.js"), text(7_000)).unwrap();
    }

    #[test]
    fn a_page_costs_what_its_loader_names_too() {
        let dir = temp_dir("loader");
        std::fs::write(
            dir.join("index.html"),
            r#"<script src="/pingyi.js" defer></script><div data-pingyi></div>"#,
        )
        .unwrap();
        std::fs::write(
            dir.join("pingyi.js"),
            r#"import("./app-0123456789abcdef.js");fetch("app-0123456789abcdef_bg.wasm")"#,
        )
        .unwrap();
        std::fs::write(dir.join("app-0123456789abcdef.js"), text(8_000)).unwrap();
        std::fs::write(dir.join("app-0123456789abcdef_bg.wasm"), text(40_000)).unwrap();
        std::fs::write(dir.join("frame.js"), text(4_000)).unwrap();
        let page = measure_page(&dir).unwrap();
        let names: Vec<&str> = page.files.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "index.html",
                "app-0123456789abcdef.js",
                "app-0123456789abcdef_bg.wasm",
                "pingyi.js"
            ],
            "the wasm the loader fetches counts; a file nothing names does not"
        );
    }

    #[test]
    fn a_page_costs_its_index_and_every_file_it_names_raw_gzip_and_brotli() {
        let dir = temp_dir("page");
        sample_page(&dir);
        let before_copies = measure_page(&dir).unwrap();
        precompress(&dir).unwrap();
        let page = measure_page(&dir).unwrap();
        assert_eq!(
            before_copies, page,
            "the same figures with or without the copies"
        );
        let names: Vec<&str> = page.files.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "index.html",
                "app-0123456789abcdef.css",
                "app-0123456789abcdef.js",
                "app-0123456789abcdef_bg.wasm",
                "sw.js"
            ]
        );
        for f in &page.files {
            let file = dir.join(&f.name);
            assert_eq!(f.raw, std::fs::metadata(&file).unwrap().len(), "{f:?}");
            assert_eq!(
                f.brotli,
                std::fs::metadata(with_suffix(&file, "br")).unwrap().len(),
                "the figure is what is served: {f:?}"
            );
            assert_eq!(
                f.gzip,
                std::fs::metadata(with_suffix(&file, "gz")).unwrap().len(),
                "{f:?}"
            );
            assert!(f.brotli < f.gzip && f.gzip < f.raw, "{f:?}");
        }
        assert_eq!(
            page.raw(),
            3_000 + 8_000 + 40_000 + 2_000 + page.files[0].raw
        );
        let table = page.table("bundle (dist/)");
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(
            table.starts_with("bundle (dist/): what the page downloads\n"),
            "{table}"
        );
        assert!(table.contains("  sw.js "), "{table}");
        let total = table.lines().last().unwrap();
        assert_eq!(
            total.split_whitespace().collect::<Vec<_>>(),
            [
                "total".to_string(),
                page.raw().to_string(),
                page.gzip().to_string(),
                page.brotli().to_string()
            ]
        );
    }

    #[test]
    fn the_brotli_budget_is_inclusive_and_over_budget_says_by_how_much() {
        let page = PageSize {
            files: vec![
                FileSize {
                    name: "index.html".into(),
                    raw: 2_000,
                    gzip: 1_000,
                    brotli: 800,
                },
                FileSize {
                    name: "app_bg.wasm".into(),
                    raw: 500_000,
                    gzip: 200_000,
                    brotli: 152_800,
                },
            ],
        };
        assert!(page.within(153_600));
        assert_eq!(
            page.line("bundle", 153_600),
            "bundle on the wire: 153600 B br, 201000 B gz, 502000 B raw (budget 153600 B br) OK"
        );
        assert!(!page.within(153_599));
        assert!(page
            .line("bundle", 153_599)
            .ends_with("(budget 153599 B br) OVER BUDGET by 1 B"));
    }

    #[test]
    fn a_page_without_index_says_so() {
        let dir = temp_dir("no-index");
        let error = measure_page(&dir).unwrap_err();
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(
            error.contains("index.html") && error.contains("did the build run?"),
            "{error}"
        );
    }

    #[test]
    fn a_token_that_only_contains_a_name_does_not_name_it() {
        assert!(names_file("register('sw.js')", "sw.js"));
        assert!(names_file("href=\"/a.css\">", "a.css"));
        assert!(!names_file("register('old-sw.js')", "sw.js"));
        assert!(!names_file("'sw.js.map'", "sw.js"));
        assert!(!names_file("'pingyi-0123.js'", "pingyi.js"));
    }

    #[test]
    fn precompressing_writes_decodable_copies_once_and_is_idempotent() {
        let dir = temp_dir("precompress");
        sample_page(&dir);
        std::fs::write(dir.join("tiny.txt"), "a").unwrap();
        std::fs::write(dir.join("picture.png"), text(5_000)).unwrap();
        // Left from an earlier build whose file is gone.
        std::fs::write(dir.join("gone-0123456789abcdef.js.br"), "x").unwrap();
        let first = precompress(&dir).unwrap();
        let listing = |dir: &Path| {
            let mut all = Vec::new();
            collect_all_files(dir, &mut all).unwrap();
            let mut names: Vec<String> = all
                .iter()
                .map(|f| f.strip_prefix(dir).unwrap().to_string_lossy().into_owned())
                .collect();
            names.sort();
            names
        };
        let after_first = listing(&dir);
        let second = precompress(&dir).unwrap();
        let after_second = listing(&dir);
        let wasm = std::fs::read(dir.join("app-0123456789abcdef_bg.wasm")).unwrap();
        let wasm_br = std::fs::read(dir.join("app-0123456789abcdef_bg.wasm.br")).unwrap();
        let kiosk_gz = std::fs::read(dir.join("kiosk").join("sw.js.gz")).unwrap();
        let kiosk_sw = std::fs::read(dir.join("kiosk").join("sw.js")).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(first, 9, "{after_first:?}");
        assert_eq!(second, first);
        assert_eq!(after_first, after_second, "nothing compressed twice");
        assert_eq!(unbrotli(&wasm_br), wasm);
        assert_eq!(ungzip(&kiosk_gz), kiosk_sw, "other pages' folders too");
        for name in &after_first {
            assert!(
                !name.ends_with(".br.gz") && !name.ends_with(".gz.br"),
                "{name}"
            );
        }
        assert!(after_first.contains(&"examples/survey.json.br".to_string()));
        assert!(after_first.contains(&"index.html.gz".to_string()));
        assert!(
            !after_first.contains(&"tiny.txt.br".to_string()),
            "no bigger copies"
        );
        assert!(!after_first.iter().any(|n| n.starts_with("picture.png.")));
        assert!(!after_first.iter().any(|n| n.starts_with("gone-")));
    }
}
