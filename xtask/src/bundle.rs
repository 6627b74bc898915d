//! `cargo xtask build`: builds the widget with trunk and checks the bundle
//! budget: the gzip -9 size of the wasm plus the JavaScript in `dist/` should
//! stay within 200 KB, because residents download it over weak signal. The
//! console and kiosk bundles have budgets of their own.

use crate::setup;
use crate::shell::{self, command, run};
use std::path::{Path, PathBuf};
use std::process::Stdio;

/// The ceiling for wasm + js, gzipped at level 9: 210 KB. The goal stays 200 KB; the integrity
/// work (typed upload failures, endpoint allowlists, the voting window, bounded validation) took
/// the bundle to about 205 KB, and moving organiser-only validation out of the residents' bundle
/// is the way back (see docs/benchmarks.md). Lower this as bytes come off; never raise it.
pub const BUDGET_BYTES: u64 = 210 * 1024;

/// Gzipped sizes of the bundle's parts.
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

/// The organiser console's own budget (wasm + js, gzip -9). Residents never download it, so it
/// may be larger, but it is still measured and held.
pub const CONSOLE_BUDGET_BYTES: u64 = 400 * 1024;

/// setup, then both bundles, then the budget checks.
pub fn build() -> Result<BundleSize, String> {
    setup::setup(setup::Mode::Install)?;
    build_bundles()
}

/// `trunk build --release --offline` for the residents' widget (`dist/`), then for the
/// organiser console (`dist/console/`; after the widget, whose build replaces `dist/`), then
/// both budget checks.
pub fn build_bundles() -> Result<BundleSize, String> {
    run(command("trunk").args(["build", "--release", "--offline"]))?;
    run(command("trunk").args([
        "build",
        "--release",
        "--offline",
        "--config",
        "crates/console/Trunk.toml",
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
    crate::loader::finish(&shell::root().join("dist"))?;
    let size = check_budget()?;
    check_console_budget()?;
    if shell::root().join("dist").join(KIOSK_DIR).exists() {
        check_kiosk_budget()?;
    }
    Ok(size)
}

/// Measures the residents' bundle in `dist/` (not `dist/console/`) and prints the figure;
/// fails when over budget.
pub fn check_budget() -> Result<BundleSize, String> {
    let size = measure(&shell::root().join("dist"))?;
    report(size.line(BUDGET_BYTES), size.within(BUDGET_BYTES)).map(|_| size)
}

/// Measures `dist/console/` and prints its figure; fails when over its budget.
pub fn check_console_budget() -> Result<BundleSize, String> {
    let size = measure(&shell::root().join("dist").join(CONSOLE_DIR))?;
    let line = size
        .line(CONSOLE_BUDGET_BYTES)
        .replacen("bundle:", "console bundle:", 1);
    report(line, size.within(CONSOLE_BUDGET_BYTES)).map(|_| size)
}

/// The shared-tablet build (`kiosk.html`, cargo feature `kiosk`): the widget plus kiosk mode.
/// Only the meeting's tablet loads it, over the organiser's connection.
pub const KIOSK_BUDGET_BYTES: u64 = 260 * 1024;

/// Measures `dist/kiosk/` and prints its figure; fails when over its budget.
pub fn check_kiosk_budget() -> Result<BundleSize, String> {
    let size = measure(&shell::root().join("dist").join(KIOSK_DIR))?;
    let line = size
        .line(KIOSK_BUDGET_BYTES)
        .replacen("bundle:", "kiosk bundle:", 1);
    report(line, size.within(KIOSK_BUDGET_BYTES)).map(|_| size)
}

fn report(line: String, ok: bool) -> Result<(), String> {
    println!("{line}");
    if ok {
        Ok(())
    } else {
        Err(line)
    }
}

/// The console's folder inside `dist/`, left out of the residents' figure.
const CONSOLE_DIR: &str = "console";
/// The kiosk build's folder inside `dist/`, also left out of the residents' figure.
const KIOSK_DIR: &str = "kiosk";

/// Sums the gzip -9 sizes of every `.wasm` and `.js` under `dist`.
pub fn measure(dist: &Path) -> Result<BundleSize, String> {
    let mut files = Vec::new();
    collect_files(dist, &mut files)
        .map_err(|error| format!("reading {}: {error}", dist.display()))?;
    let mut size = BundleSize {
        wasm_gz: 0,
        js_gz: 0,
    };
    for file in files {
        match file.extension().and_then(|ext| ext.to_str()) {
            Some("wasm") => size.wasm_gz += gzip_size(&file)?,
            Some("js") => size.js_gz += gzip_size(&file)?,
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

fn collect_files(dir: &Path, files: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        // Hidden entries (trunk's `.stage`) are work in progress, not the bundle.
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        // The console is a second bundle that residents never download.
        if (name == CONSOLE_DIR || name == KIOSK_DIR) && entry.path().is_dir() {
            continue;
        }
        let path = entry.path();
        if path.is_dir() {
            collect_files(&path, files)?;
        } else {
            files.push(path);
        }
    }
    Ok(())
}

/// Bytes of `gzip -9 -c file`.
fn gzip_size(file: &Path) -> Result<u64, String> {
    let output = command("gzip")
        .args(["-9", "-c"])
        .arg(file)
        .stderr(Stdio::inherit())
        .output()
        .map_err(|error| format!("running gzip: {error}"))?;
    if !output.status.success() {
        return Err(format!("gzip -9 -c {} failed", file.display()));
    }
    Ok(output.stdout.len() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A budget for the formatting tests, independent of the ceiling in force.
    const GOAL: u64 = 200 * 1024;

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
    fn measures_gzip_sizes_of_wasm_and_js_only() {
        let dir = std::env::temp_dir().join(format!("xtask-bundle-test-{}", std::process::id()));
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
        let size = measure(&dir).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(size.wasm_gz > 0 && size.wasm_gz < 10_000, "{size:?}");
        assert!(size.js_gz > 0 && size.js_gz < 2_000, "{size:?}");
    }
}
