//! Every Chinese word the widget and the console show comes from a translation table: this test
//! reads the view sources and fails on any string or char literal holding CJK characters
//! (ideographs, CJK punctuation, fullwidth forms) outside comments and test modules.
//!
//! A new text goes into `src/i18n.rs` (widget) or `crates/console/src/i18n.rs` (console), with
//! both languages.

use std::path::{Path, PathBuf};

/// Files allowed to hold such literals, with the reason. Keep it short.
const ALLOWED: &[(&str, &str)] = &[];

fn is_cjk(c: char) -> bool {
    matches!(c,
        '\u{3000}'..='\u{303f}'   // CJK symbols and punctuation: 。、「」
        | '\u{3400}'..='\u{4dbf}' // ideographs, extension A
        | '\u{4e00}'..='\u{9fff}' // ideographs
        | '\u{f900}'..='\u{faff}' // compatibility ideographs
        | '\u{ff00}'..='\u{ffef}' // fullwidth forms: （）：；，！
    )
}

/// The literals of `source` that hold CJK characters, with their line numbers. Comments are
/// skipped, and everything from a `#[cfg(test)]` on (test modules assert on displayed text).
fn loose_literals(source: &str) -> Vec<(usize, String)> {
    let source = match source.find("#[cfg(test)]") {
        Some(at) => &source[..at],
        None => source,
    };
    let chars: Vec<char> = source.chars().collect();
    let mut found = Vec::new();
    let mut line = 1;
    let mut i = 0;
    let mut keep = |start_line: usize, text: String| {
        if text.chars().any(is_cjk) {
            found.push((start_line, text));
        }
    };
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        match c {
            '\n' => {
                line += 1;
                i += 1;
            }
            '/' if next == Some('/') => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            '/' if next == Some('*') => {
                let mut depth = 0;
                while i < chars.len() {
                    if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                        depth += 1;
                        i += 2;
                    } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                        depth -= 1;
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        if chars[i] == '\n' {
                            line += 1;
                        }
                        i += 1;
                    }
                }
            }
            'r' if (next == Some('"') || next == Some('#'))
                && !chars
                    .get(i.wrapping_sub(1))
                    .is_some_and(|p| p.is_alphanumeric() || *p == '_') =>
            {
                // Raw string r"…" or r#"…"#.
                let mut j = i + 1;
                let mut hashes = 0;
                while chars.get(j) == Some(&'#') {
                    hashes += 1;
                    j += 1;
                }
                if chars.get(j) != Some(&'"') {
                    i += 1;
                    continue;
                }
                let start = line;
                let mut text = String::new();
                j += 1;
                while j < chars.len() {
                    if chars[j] == '"' && (1..=hashes).all(|h| chars.get(j + h) == Some(&'#')) {
                        j += 1 + hashes;
                        break;
                    }
                    if chars[j] == '\n' {
                        line += 1;
                    }
                    text.push(chars[j]);
                    j += 1;
                }
                keep(start, text);
                i = j;
            }
            '"' => {
                let start = line;
                let mut text = String::new();
                i += 1;
                while i < chars.len() && chars[i] != '"' {
                    if chars[i] == '\\' {
                        text.push(chars[i]);
                        i += 1;
                    }
                    if chars[i] == '\n' {
                        line += 1;
                    }
                    text.push(chars[i]);
                    i += 1;
                }
                i += 1;
                keep(start, text);
            }
            '\'' => {
                // A char literal ('x', '\n', '\u{…}'); otherwise a lifetime or label.
                if next == Some('\\') {
                    let mut j = i + 2;
                    while j < chars.len() && chars[j] != '\'' {
                        j += 1;
                    }
                    i = j + 1;
                } else if chars.get(i + 2) == Some(&'\'') {
                    keep(line, chars[i + 1].to_string());
                    i += 3;
                } else {
                    i += 1;
                }
            }
            _ => i += 1,
        }
    }
    found
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The view sources of the widget, the kiosk, the console and the builder.
fn view_sources() -> Vec<PathBuf> {
    let root = root();
    let mut files = vec![root.join("src/app.rs"), root.join("src/kiosk.rs")];
    for dir in [
        "src/views",
        "crates/console/src/views",
        "crates/builder/src/views",
    ] {
        let mut in_dir: Vec<PathBuf> = std::fs::read_dir(root.join(dir))
            .unwrap_or_else(|e| panic!("cannot read {dir}: {e}"))
            .map(|entry| entry.expect("directory entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "rs"))
            .collect();
        in_dir.sort();
        files.extend(in_dir);
    }
    files
}

#[test]
fn view_sources_hold_no_chinese_literals() {
    let root = root();
    let files = view_sources();
    assert!(
        files.len() > 10,
        "the view sources were not found: {files:?}"
    );
    for kiosk in ["src/kiosk.rs", "src/views/kiosk.rs"] {
        assert!(files.contains(&root.join(kiosk)), "{kiosk} is not scanned");
    }
    let mut loose = Vec::new();
    for file in files {
        let name = file
            .strip_prefix(&root)
            .unwrap_or(&file)
            .display()
            .to_string();
        if ALLOWED.iter().any(|(allowed, _)| *allowed == name) {
            continue;
        }
        let source = std::fs::read_to_string(&file).expect("readable source");
        for (line, text) in loose_literals(&source) {
            loose.push(format!("{name}:{line}: \"{text}\""));
        }
    }
    assert!(
        loose.is_empty(),
        "user-facing text outside the translation tables (move it to src/i18n.rs or \
         crates/console/src/i18n.rs, in zh-CN and en):\n{}",
        loose.join("\n")
    );
}

#[test]
fn the_scan_finds_literals_and_skips_comments_and_tests() {
    let source = r##"
// "注释" is a comment
/* "块注释" */
fn a() -> &'static str { "你好" }
fn b() -> char { '；' }
fn c() -> &'static str { r#"原始"# }
fn d() -> &'static str { "plain \"english\"" }
#[cfg(test)]
mod tests { const X: &str = "测试"; }
"##;
    let found = loose_literals(source);
    assert_eq!(
        found,
        vec![
            (4, "你好".to_string()),
            (5, "；".to_string()),
            (6, "原始".to_string())
        ]
    );
}
