//! Running child processes: the workspace root, the PATH every child gets,
//! and small helpers to run a command or capture its output.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The workspace root (the folder holding the top `Cargo.toml`).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the workspace root")
        .to_path_buf()
}

/// Where `cargo install` puts binaries: `$CARGO_HOME/bin`, else `~/.cargo/bin`.
pub fn cargo_bin_dir() -> Option<PathBuf> {
    if let Some(home) = std::env::var_os("CARGO_HOME") {
        return Some(PathBuf::from(home).join("bin"));
    }
    std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cargo").join("bin"))
}

/// The npm binaries of the project (`wasm-opt`, `playwright`).
pub fn node_bin_dir() -> PathBuf {
    root().join("node_modules").join(".bin")
}

/// Puts `node_modules/.bin` (wasm-opt 132) and then the cargo bin folder first
/// on this process's PATH, so every child (trunk, cargo test's wasm runner,
/// npx) finds the project's pinned tools before any system copy.
/// Called once at start, before any thread exists.
pub fn prepare_environment() {
    let mut dirs = vec![node_bin_dir()];
    dirs.extend(cargo_bin_dir());
    let old = std::env::var_os("PATH").unwrap_or_default();
    dirs.extend(std::env::split_paths(&old));
    let mut seen = Vec::new();
    dirs.retain(|dir| {
        if seen.contains(dir) {
            false
        } else {
            seen.push(dir.clone());
            true
        }
    });
    let path: OsString = std::env::join_paths(dirs).unwrap_or(old);
    std::env::set_var("PATH", path);
}

/// A command that runs in the workspace root.
pub fn command(program: &str) -> Command {
    let mut command = Command::new(program);
    command.current_dir(root());
    command
}

/// Prints the command line, runs it with inherited output and fails unless it exits 0.
pub fn run(command: &mut Command) -> Result<(), String> {
    let shown = describe(command);
    println!("$ {shown}");
    let status = command
        .status()
        .map_err(|error| format!("could not start `{shown}`: {error}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{shown}` failed ({status})"))
    }
}

/// Runs `program args…` quietly and returns its trimmed stdout, or `None` when
/// the program is missing or exits non-zero.
pub fn capture(program: &str, args: &[&str]) -> Option<String> {
    let output = command(program)
        .args(args)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    Some(String::from_utf8_lossy(&output.stdout).trim().to_string())
}

/// `program arg arg` for messages.
pub fn describe(command: &Command) -> String {
    let mut parts = vec![command.get_program().to_string_lossy().into_owned()];
    parts.extend(
        command
            .get_args()
            .map(|arg| arg.to_string_lossy().into_owned()),
    );
    parts.join(" ")
}

/// Whether this process runs as root (needed for apt-get).
pub fn is_root() -> bool {
    capture("id", &["-u"]).as_deref() == Some("0")
}
