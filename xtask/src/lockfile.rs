//! Reading versions: a package's locked version from `Cargo.lock`, and a
//! tool's version from its `--version` output. Pure functions.

/// The version of the first `[[package]]` named `name` in a `Cargo.lock` text.
pub fn locked_version(lock_text: &str, name: &str) -> Option<String> {
    let wanted = format!("name = \"{name}\"");
    let mut in_wanted_package = false;
    for line in lock_text.lines().map(str::trim) {
        if line == "[[package]]" {
            in_wanted_package = false;
        } else if line == wanted {
            in_wanted_package = true;
        } else if in_wanted_package {
            if let Some(rest) = line.strip_prefix("version = ") {
                return Some(rest.trim_matches('"').to_string());
            }
        }
    }
    None
}

/// The version in a tool's `--version` output: the first word that starts with
/// a digit, after an optional leading `v` (`trunk 0.21.14` → `0.21.14`,
/// `v20.20.2` → `20.20.2`, `wasm-bindgen 0.2.130 (abc123)` → `0.2.130`).
pub fn version_from_output(output: &str) -> Option<String> {
    output
        .split_whitespace()
        .map(|word| word.strip_prefix('v').unwrap_or(word))
        .find(|word| word.starts_with(|c: char| c.is_ascii_digit()))
        .map(|word| word.trim_end_matches([',', ';']).to_string())
}

/// The major number of a version (`20.20.2` → 20).
pub fn major(version: &str) -> Option<u32> {
    version.split('.').next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOCK: &str = r#"
version = 4

[[package]]
name = "wasm-bindgen-backend"
version = "0.2.999"

[[package]]
name = "wasm-bindgen"
version = "0.2.130"
source = "registry+https://github.com/rust-lang/crates.io-index"
dependencies = [
 "cfg-if",
]

[[package]]
name = "zzz"
version = "1.0.0"
"#;

    #[test]
    fn finds_the_exact_package_not_a_prefix_match() {
        assert_eq!(
            locked_version(LOCK, "wasm-bindgen").as_deref(),
            Some("0.2.130")
        );
        assert_eq!(
            locked_version(LOCK, "wasm-bindgen-backend").as_deref(),
            Some("0.2.999")
        );
        assert_eq!(locked_version(LOCK, "zzz").as_deref(), Some("1.0.0"));
        assert_eq!(locked_version(LOCK, "missing"), None);
    }

    #[test]
    fn reads_the_real_lockfile() {
        let text = std::fs::read_to_string(crate::shell::root().join("Cargo.lock")).unwrap();
        let version = locked_version(&text, "wasm-bindgen").expect("wasm-bindgen is locked");
        assert!(version.starts_with("0.2."), "{version}");
    }

    #[test]
    fn parses_tool_version_lines() {
        assert_eq!(
            version_from_output("trunk 0.21.14").as_deref(),
            Some("0.21.14")
        );
        assert_eq!(
            version_from_output("wasm-bindgen 0.2.130").as_deref(),
            Some("0.2.130")
        );
        assert_eq!(
            version_from_output("wasm-bindgen 0.2.130 (a1b2c3)").as_deref(),
            Some("0.2.130")
        );
        assert_eq!(version_from_output("v20.20.2").as_deref(), Some("20.20.2"));
        assert_eq!(
            version_from_output("Chromium 156.0.8078.73 built on Debian").as_deref(),
            Some("156.0.8078.73")
        );
        assert_eq!(
            version_from_output("wasm-opt version 132 (version_132)").as_deref(),
            Some("132")
        );
        assert_eq!(version_from_output("no digits here"), None);
        assert_eq!(major("20.20.2"), Some(20));
    }
}
