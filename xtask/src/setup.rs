//! `cargo xtask setup`: installs whatever is missing, one line per tool.
//!
//! Idempotent and safe to re-run: each tool is checked first and left alone
//! when the right version is already there. Pins: trunk 0.21.14 (0.22 needs a
//! newer rustc), wasm-bindgen-cli = the `wasm-bindgen` version in Cargo.lock,
//! npm packages from package-lock.json (wasm-opt from `binaryen`, Playwright),
//! Debian's chromium, chromium-driver and fonts-noto-cjk for browser tests, and schemathesis
//! (PyPI, pinned) in `.pingyi/venv` for the API fuzz step, and Debian's postgresql for the
//! collector's PostgreSQL tests (a private cluster, see `postgres.rs`).
//! Nothing here downloads a browser or a prebuilt toolchain.

use crate::api_fuzz;
use crate::lockfile::{locked_version, major, version_from_output};
use crate::shell::{self, capture, command, run};
use std::path::Path;

/// The trunk release that builds with our rustc (0.22 needs rustc 1.96).
pub const TRUNK_VERSION: &str = "0.21.14";
const WASM_TARGET: &str = "wasm32-unknown-unknown";
const APT_PACKAGES: [&str; 3] = ["chromium", "chromium-driver", "fonts-noto-cjk"];
pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// Written into node_modules after a successful `npm ci`: a copy of the
/// package-lock.json it installed, so an unchanged lockfile skips `npm ci`.
const NPM_STAMP: &str = ".pingyi-installed-lockfile.json";

/// Whether setup installs or only reports.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Mode {
    Install,
    Check,
}

impl Mode {
    pub fn from_args(args: &[String]) -> Mode {
        if args.iter().any(|arg| arg == "--check") {
            Mode::Check
        } else {
            Mode::Install
        }
    }
}

/// Checks (and in install mode installs) every tool. In check mode, fails
/// when something is missing.
pub fn setup(mode: Mode) -> Result<(), String> {
    println!(
        "setup: checking tools ({})",
        if mode == Mode::Check {
            "check only"
        } else {
            "installing what is missing"
        }
    );
    let mut missing = Vec::new();
    for (name, step) in [
        (
            "wasm32 target",
            wasm_target as fn(Mode) -> Result<bool, String>,
        ),
        ("rustfmt", rustfmt),
        ("trunk", trunk),
        ("wasm-bindgen-cli", wasm_bindgen_cli),
        ("npm packages", npm_packages),
        ("chromium", browser_packages),
        ("schemathesis", schemathesis),
        ("postgresql", postgresql),
    ] {
        if !step(mode)? {
            missing.push(name);
        }
    }
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "missing: {} (run `cargo xtask setup` to install)",
            missing.join(", ")
        ))
    }
}

/// Prints the "already there" line.
fn present(tool: &str, version: &str, note: &str) {
    println!("✓ {tool} {version} ({note})");
}

/// Prints what is missing; in install mode runs the installer and says so.
/// Returns whether the tool is now present.
fn install(
    mode: Mode,
    tool: &str,
    version: &str,
    installer: &mut std::process::Command,
) -> Result<bool, String> {
    if mode == Mode::Check {
        println!(
            "✗ {tool} {version} missing (would run: {})",
            shell::describe(installer)
        );
        return Ok(false);
    }
    println!("… installing {tool} {version}");
    run(installer).map_err(|error| format!("installing {tool} {version}: {error}"))?;
    Ok(true)
}

fn wasm_target(mode: Mode) -> Result<bool, String> {
    let installed = capture("rustup", &["target", "list", "--installed"])
        .is_some_and(|list| list.lines().any(|line| line.trim() == WASM_TARGET));
    if installed {
        present("rust target", WASM_TARGET, "already installed");
        return Ok(true);
    }
    let mut installer = command("rustup");
    installer.args(["target", "add", WASM_TARGET]);
    install(mode, "rust target", WASM_TARGET, &mut installer)
}

/// `cargo fmt --check` is a test step; rustup's minimal profile leaves rustfmt out.
fn rustfmt(mode: Mode) -> Result<bool, String> {
    if let Some(version) = tool_version("rustfmt") {
        present("rustfmt", &version, "already installed");
        return Ok(true);
    }
    let mut installer = command("rustup");
    installer.args(["component", "add", "rustfmt"]);
    install(mode, "rustfmt", "(rustup component)", &mut installer)
}

/// schemathesis (the API fuzz step) from PyPI, pinned, in `.pingyi/venv` (ignored by git).
fn schemathesis(mode: Mode) -> Result<bool, String> {
    let version = api_fuzz::SCHEMATHESIS_VERSION;
    if api_fuzz::installed_version().as_deref() == Some(version) {
        present("schemathesis", version, ".pingyi/venv");
        return Ok(true);
    }
    let venv = api_fuzz::venv();
    if !venv.join("bin").join("pip").exists() {
        if tool_version("python3").is_none() {
            return Err(
                "Python 3 (with venv) is needed for the API fuzz step: install python3 and python3-venv"
                    .to_string(),
            );
        }
        let mut maker = command("python3");
        maker.args(["-m", "venv"]).arg(&venv);
        if !install(mode, "python venv", ".pingyi/venv", &mut maker)? {
            return Ok(false);
        }
    }
    let mut installer = command(&venv.join("bin").join("pip").to_string_lossy());
    installer.args([
        "install",
        "--quiet",
        "--disable-pip-version-check",
        &format!("schemathesis=={version}"),
    ]);
    if !install(mode, "schemathesis", version, &mut installer)? {
        return Ok(false);
    }
    match api_fuzz::installed_version() {
        Some(v) if v == version => {
            present("schemathesis", version, "installed in .pingyi/venv");
            Ok(true)
        }
        other => Err(format!(
            "schemathesis {version} does not run after pip install (found {other:?})"
        )),
    }
}

/// The version a tool reports with `--version`, if it runs.
fn tool_version(program: &str) -> Option<String> {
    capture(program, &["--version"]).and_then(|out| version_from_output(&out))
}

fn trunk(mode: Mode) -> Result<bool, String> {
    match tool_version("trunk") {
        Some(version) if version == TRUNK_VERSION => {
            present("trunk", &version, "already installed");
            return Ok(true);
        }
        Some(other) => println!("! trunk {other} found, but Pingyi pins {TRUNK_VERSION}"),
        None => {}
    }
    let mut installer = command("cargo");
    installer.args(["install", "trunk", "--version", TRUNK_VERSION, "--locked"]);
    let done = install(mode, "trunk", TRUNK_VERSION, &mut installer)?;
    if done {
        verify("trunk", TRUNK_VERSION)?;
    }
    Ok(done)
}

/// The `wasm-bindgen` version pinned in Cargo.lock; the CLI must match it exactly.
pub fn wasm_bindgen_version() -> Result<String, String> {
    let path = shell::root().join("Cargo.lock");
    let text = std::fs::read_to_string(&path)
        .map_err(|error| format!("reading {}: {error}", path.display()))?;
    locked_version(&text, "wasm-bindgen")
        .ok_or_else(|| "Cargo.lock has no wasm-bindgen package".to_string())
}

fn wasm_bindgen_cli(mode: Mode) -> Result<bool, String> {
    let wanted = wasm_bindgen_version()?;
    let found = tool_version("wasm-bindgen");
    let runner = tool_version("wasm-bindgen-test-runner");
    if found.as_deref() == Some(wanted.as_str()) && runner.as_deref() == Some(wanted.as_str()) {
        present(
            "wasm-bindgen-cli",
            &wanted,
            "already installed, matches Cargo.lock",
        );
        return Ok(true);
    }
    if let Some(other) = found.filter(|found| *found != wanted) {
        println!("! wasm-bindgen {other} found, but Cargo.lock has {wanted}");
    }
    // Without --locked: the CLI's own lockfile pins crates our rustc may not build.
    let mut installer = command("cargo");
    installer.args(["install", "wasm-bindgen-cli", "--version", &wanted]);
    let done = install(mode, "wasm-bindgen-cli", &wanted, &mut installer)?;
    if done {
        verify("wasm-bindgen", &wanted)?;
    }
    Ok(done)
}

/// After an install, the tool must report the pinned version.
fn verify(program: &str, wanted: &str) -> Result<(), String> {
    match tool_version(program) {
        Some(version) if version == wanted => {
            present(program, &version, "installed");
            Ok(())
        }
        other => Err(format!(
            "{program} {wanted} was installed but `{program} --version` reports {other:?}; is ~/.cargo/bin on PATH?"
        )),
    }
}

fn npm_packages(mode: Mode) -> Result<bool, String> {
    let node = tool_version("node").ok_or(
        "Node.js 20 and npm are needed (for wasm-opt and Playwright): install them, e.g. from your distribution or nodejs.org",
    )?;
    if major(&node).is_some_and(|major| major < 20) {
        println!("! node {node} found; Pingyi is tested with Node 20");
    } else {
        present("node", &node, "found");
    }
    if tool_version("npm").is_none() {
        return Err("npm is needed next to node".to_string());
    }
    let root = shell::root();
    let lockfile = std::fs::read(root.join("package-lock.json"))
        .map_err(|error| format!("reading package-lock.json: {error}"))?;
    let stamp = root.join("node_modules").join(NPM_STAMP);
    let wasm_opt = shell::node_bin_dir().join("wasm-opt");
    if npm_is_current(&lockfile, &stamp, &wasm_opt) {
        present(
            "npm packages",
            "(binaryen, @playwright/test)",
            "node_modules matches package-lock.json",
        );
    } else {
        let mut installer = command("npm");
        installer
            .args(["ci", "--no-audit", "--no-fund"])
            .env("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        if !install(
            mode,
            "npm packages",
            "from package-lock.json",
            &mut installer,
        )? {
            return Ok(false);
        }
        std::fs::write(&stamp, &lockfile)
            .map_err(|error| format!("writing {}: {error}", stamp.display()))?;
        present(
            "npm packages",
            "(binaryen, @playwright/test)",
            "installed by npm ci",
        );
    }
    match capture(&wasm_opt.to_string_lossy(), &["--version"]) {
        Some(out) => present(
            "wasm-opt",
            &version_from_output(&out).unwrap_or(out),
            "node_modules/.bin, first on PATH",
        ),
        None => return Err("node_modules/.bin/wasm-opt does not run after npm ci".to_string()),
    }
    Ok(true)
}

/// node_modules is current when our stamp equals the lockfile and wasm-opt exists.
fn npm_is_current(lockfile: &[u8], stamp: &Path, wasm_opt: &Path) -> bool {
    wasm_opt.exists() && std::fs::read(stamp).is_ok_and(|installed| installed == lockfile)
}

fn browser_packages(mode: Mode) -> Result<bool, String> {
    let fonts = capture("dpkg-query", &["-W", "-f=${Status}", "fonts-noto-cjk"])
        .is_some_and(|status| status.ends_with("installed") && !status.contains("not-installed"));
    let chromium = Path::new(CHROMIUM).exists();
    let driver = Path::new(CHROMEDRIVER).exists();
    if chromium && driver && fonts {
        let version = tool_version(CHROMIUM).unwrap_or_else(|| "?".into());
        present(
            "chromium",
            &version,
            "already installed, with chromium-driver and fonts-noto-cjk",
        );
        return Ok(true);
    }
    let apt = format!(
        "apt-get update && apt-get install -y {}",
        APT_PACKAGES.join(" ")
    );
    if mode == Mode::Check {
        println!(
            "✗ chromium, chromium-driver, fonts-noto-cjk: something is missing (would run: {apt})"
        );
        return Ok(false);
    }
    if !shell::is_root() {
        return Err(format!(
            "Chromium for browser tests is missing and apt-get needs root. Run:\n    sudo sh -c '{apt}'\nthen `cargo xtask setup` again"
        ));
    }
    println!("… installing {} (apt)", APT_PACKAGES.join(", "));
    run(command("apt-get")
        .arg("update")
        .env("DEBIAN_FRONTEND", "noninteractive"))?;
    run(command("apt-get")
        .args(["install", "-y"])
        .args(APT_PACKAGES)
        .env("DEBIAN_FRONTEND", "noninteractive"))?;
    let version = tool_version(CHROMIUM).unwrap_or_else(|| "?".into());
    present("chromium", &version, "installed");
    Ok(true)
}

/// Debian's postgresql (initdb, pg_ctl) for the collector's PostgreSQL tests.
fn postgresql(mode: Mode) -> Result<bool, String> {
    if let Some(bin) = crate::postgres::bin_dir() {
        present(
            "postgresql",
            &bin.display().to_string(),
            "already installed",
        );
        return Ok(true);
    }
    let apt = "apt-get update && apt-get install -y postgresql";
    if mode == Mode::Check {
        println!("✗ postgresql missing (would run: {apt})");
        return Ok(false);
    }
    if !shell::is_root() {
        return Err(format!(
            "PostgreSQL for the collector's tests is missing and apt-get needs root. Run:\n    sudo sh -c '{apt}'\nthen `cargo xtask setup` again"
        ));
    }
    println!("… installing postgresql (apt)");
    run(command("apt-get")
        .arg("update")
        .env("DEBIAN_FRONTEND", "noninteractive"))?;
    run(command("apt-get")
        .args(["install", "-y", "--no-install-recommends", "postgresql"])
        .env("DEBIAN_FRONTEND", "noninteractive"))?;
    match crate::postgres::bin_dir() {
        Some(bin) => {
            present("postgresql", &bin.display().to_string(), "installed");
            Ok(true)
        }
        None => Err("postgresql installed but /usr/lib/postgresql/*/bin/initdb is missing".into()),
    }
}
