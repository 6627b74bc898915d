//! The collector's modules are layered: no two of them refer to each other, and there is no cycle
//! of references among them. The test reads every `.rs` file under `src/`, takes each file's
//! top-level module (`routes/*` is `routes`, `store/*` is `store`, `lib.rs` is the crate root),
//! and collects the modules it refers to through `crate::…`, `super::…` and, in the crate root,
//! plain `module::…` paths. Comments (doc links included) and string literals are left out.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The name used for `lib.rs`, the crate root that declares and wires the modules.
const ROOT: &str = "crate root (lib.rs)";

/// `src/` of this crate.
fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The module path of a file, e.g. `src/routes/tally.rs` is `["routes", "tally"]`, `src/lib.rs`
/// is `[]`. `main.rs` is its own crate and is left out (`None`).
fn module_path(file: &Path) -> Option<Vec<String>> {
    let relative = file.strip_prefix(src()).unwrap();
    let mut parts: Vec<String> = relative
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let last = parts.pop().unwrap();
    match last.as_str() {
        "main.rs" if parts.is_empty() => None,
        "lib.rs" if parts.is_empty() => Some(parts),
        "mod.rs" => Some(parts),
        other => {
            parts.push(other.trim_end_matches(".rs").to_string());
            Some(parts)
        }
    }
}

/// The name of a module path's top-level module, as a node of the graph.
fn node(path: &[String]) -> String {
    path.first().cloned().unwrap_or_else(|| ROOT.to_string())
}

/// The source with comments, string literals and character literals blanked out (newlines and
/// braces of code kept), so that only code is scanned.
fn code_only(src: &str) -> String {
    let chars: Vec<char> = src.chars().collect();
    let mut out = String::with_capacity(src.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
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
                        out.push('\n');
                    }
                    i += 1;
                }
            }
        } else if c == 'r' && (next == Some('"') || next == Some('#')) && is_raw_string(&chars, i) {
            // r"…", r#"…"#
            let mut j = i + 1;
            let mut hashes = 0;
            while chars[j] == '#' {
                hashes += 1;
                j += 1;
            }
            j += 1;
            loop {
                if j >= chars.len() {
                    break;
                }
                if chars[j] == '"' && (0..hashes).all(|h| chars.get(j + 1 + h) == Some(&'#')) {
                    j += 1 + hashes;
                    break;
                }
                if chars[j] == '\n' {
                    out.push('\n');
                }
                j += 1;
            }
            out.push_str("\"\"");
            i = j;
        } else if c == '"' {
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    i += 1;
                }
                if chars.get(i) == Some(&'\n') {
                    out.push('\n');
                }
                i += 1;
            }
            i += 1;
            out.push_str("\"\"");
        } else if c == '\'' && char_literal_len(&chars, i).is_some() {
            i += char_literal_len(&chars, i).unwrap();
            out.push_str("' '");
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// Whether `r` at `i` starts a raw string (and is not the end of an identifier).
fn is_raw_string(chars: &[char], i: usize) -> bool {
    if i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_') {
        return false;
    }
    let mut j = i + 1;
    while chars.get(j) == Some(&'#') {
        j += 1;
    }
    chars.get(j) == Some(&'"')
}

/// The length of a character literal starting at `i` (`'x'`, `'\n'`, `'\u{7f}'`), or `None`
/// for a lifetime.
fn char_literal_len(chars: &[char], i: usize) -> Option<usize> {
    if chars.get(i + 1) == Some(&'\\') {
        let end = (i + 2..chars.len().min(i + 12)).find(|&j| chars[j] == '\'')?;
        return Some(end - i + 1);
    }
    (chars.get(i + 2) == Some(&'\'')).then_some(3)
}

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The identifier starting at byte `at` of `s`.
fn ident_at(s: &str, at: usize) -> &str {
    let rest = &s[at..];
    let end = rest.find(|c: char| !is_ident_char(c)).unwrap_or(rest.len());
    &rest[..end]
}

/// The first segments named inside `{…}` starting at byte `at` (`{a, b::c, d::{e}}` gives a, b, d).
fn group_heads(s: &str, at: usize) -> Vec<String> {
    let mut heads = Vec::new();
    let mut depth = 0;
    let mut expecting = true;
    let bytes: Vec<char> = s[at..].chars().collect();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        match c {
            '{' => {
                depth += 1;
                expecting = depth == 1;
            }
            '}' => {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            }
            ',' if depth == 1 => expecting = true,
            c if is_ident_char(c) && expecting && depth == 1 => {
                let start = i;
                while i < bytes.len() && is_ident_char(bytes[i]) {
                    i += 1;
                }
                heads.push(bytes[start..i].iter().collect());
                expecting = false;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    heads
}

/// The modules the code of `file` refers to, as top-level nodes, other than its own.
fn references(file: &Path, modules: &BTreeSet<String>) -> BTreeSet<String> {
    let path = module_path(file).unwrap();
    let own = node(&path);
    let code = code_only(&std::fs::read_to_string(file).unwrap());
    let mut found = BTreeSet::new();

    // Where each inline `mod name {` opens and closes, to resolve `super::` inside it.
    let mut inline: Vec<(usize, usize)> = Vec::new(); // (start, end) byte offsets of mod bodies
    let mut open: Vec<(usize, i32)> = Vec::new();
    let mut depth = 0;
    for (i, c) in code.char_indices() {
        match c {
            '{' => {
                depth += 1;
                let before = code[..i].trim_end();
                let word_start = before
                    .rfind(|c: char| !is_ident_char(c))
                    .map_or(0, |p| p + 1);
                let keyword = before[..word_start].trim_end();
                if keyword.ends_with("mod")
                    && !keyword[..keyword.len() - 3]
                        .chars()
                        .last()
                        .is_some_and(is_ident_char)
                {
                    open.push((i, depth));
                }
            }
            '}' => {
                if open.last().is_some_and(|&(_, d)| d == depth) {
                    let (start, _) = open.pop().unwrap();
                    inline.push((start, i));
                }
                depth -= 1;
            }
            _ => {}
        }
    }
    let nesting = |at: usize| inline.iter().filter(|&&(s, e)| s < at && at < e).count();

    let target = |segment: &str| -> String {
        if modules.contains(segment) {
            segment.to_string()
        } else {
            ROOT.to_string()
        }
    };

    for (at, _) in code.match_indices("crate::") {
        if at > 0 && code[..at].chars().last().is_some_and(is_ident_char) {
            continue; // e.g. `pingyi_crate::`
        }
        let after = at + "crate::".len();
        if code[after..].starts_with('{') {
            found.extend(group_heads(&code, after).iter().map(|h| target(h)));
        } else {
            found.insert(target(ident_at(&code, after)));
        }
    }
    for (at, _) in code.match_indices("super::") {
        if at > 0 && code[..at].chars().last().is_some_and(is_ident_char) {
            continue;
        }
        // Count the `super::` in a row and resolve them against the file's module path and
        // the inline modules around the reference.
        let mut ups = 1;
        let mut after = at + "super::".len();
        while code[after..].starts_with("super::") {
            ups += 1;
            after += "super::".len();
        }
        let inner = nesting(at);
        let mut resolved = path.clone();
        if ups > inner {
            for _ in 0..ups - inner {
                resolved.pop();
            }
        }
        let heads = if resolved.is_empty() {
            if code[after..].starts_with('{') {
                group_heads(&code, after)
            } else {
                vec![ident_at(&code, after).to_string()]
            }
        } else {
            vec![resolved[0].clone()]
        };
        for head in heads {
            found.insert(if resolved.is_empty() {
                target(&head)
            } else {
                head
            });
        }
    }
    if path.is_empty() {
        // The crate root names its modules without `crate::`.
        for m in modules {
            let pattern = format!("{m}::");
            for (at, _) in code.match_indices(&pattern) {
                let before = code[..at].chars().last();
                if !before.is_some_and(|c| is_ident_char(c) || c == ':') {
                    found.insert(m.clone());
                }
            }
        }
    }
    found.remove(&own);
    found
}

/// The graph of references between top-level modules of `src/`.
fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let modules: BTreeSet<String> = files
        .iter()
        .filter_map(|f| module_path(f))
        .filter_map(|p| p.first().cloned())
        .collect();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in &files {
        let Some(path) = module_path(file) else {
            continue;
        };
        graph
            .entry(node(&path))
            .or_default()
            .extend(references(file, &modules));
    }
    graph
}

/// A cycle in `graph`, as the list of its nodes with the first repeated at the end.
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        n: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        done: &mut BTreeSet<String>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        if let Some(pos) = stack.iter().position(|s| s == n) {
            let mut cycle = stack[pos..].to_vec();
            cycle.push(n.to_string());
            return Some(cycle);
        }
        if done.contains(n) {
            return None;
        }
        stack.push(n.to_string());
        for next in graph.get(n).into_iter().flatten() {
            if let Some(c) = visit(next, graph, done, stack) {
                return Some(c);
            }
        }
        stack.pop();
        done.insert(n.to_string());
        None
    }
    let mut done = BTreeSet::new();
    for n in graph.keys() {
        if let Some(c) = visit(n, graph, &mut done, &mut Vec::new()) {
            return Some(c);
        }
    }
    None
}

fn describe(graph: &BTreeMap<String, BTreeSet<String>>) -> String {
    graph
        .iter()
        .map(|(from, to)| {
            format!(
                "  {from} -> {}",
                to.iter().cloned().collect::<Vec<_>>().join(", ")
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn no_two_collector_modules_refer_to_each_other() {
    let graph = graph();
    let mut pairs = Vec::new();
    for (from, tos) in &graph {
        for to in tos {
            if from < to && graph.get(to).is_some_and(|back| back.contains(from)) {
                pairs.push(format!("{from} <-> {to}"));
            }
        }
    }
    assert!(
        pairs.is_empty(),
        "these collector modules refer to each other: {}\nall references:\n{}",
        pairs.join("; "),
        describe(&graph)
    );
}

#[test]
fn the_collector_modules_have_no_cycle() {
    let graph = graph();
    if let Some(cycle) = find_cycle(&graph) {
        panic!(
            "the collector modules refer to each other in a cycle: {}\nall references:\n{}",
            cycle.join(" -> "),
            describe(&graph)
        );
    }
}

/// The scanner itself: it sees references in code, not in comments or strings, resolves
/// `super::` inside inline modules, and finds a pair and a longer cycle.
#[test]
fn the_scanner_finds_what_it_should() {
    let code = code_only("use crate::a; // crate::b\nlet s = \"crate::c\"; let c = '{';\n/* crate::d */ r#\"crate::e\"#;");
    assert!(code.contains("crate::a") && !code.contains("crate::b"));
    assert!(!code.contains("crate::c") && !code.contains("crate::d") && !code.contains("crate::e"));
    assert_eq!(
        group_heads("{start, Config, store::{A, B}, x}", 0),
        ["start", "Config", "store", "x"]
    );

    let two: BTreeMap<String, BTreeSet<String>> = [
        ("a".to_string(), BTreeSet::from(["b".to_string()])),
        ("b".to_string(), BTreeSet::from(["c".to_string()])),
        ("c".to_string(), BTreeSet::from(["a".to_string()])),
    ]
    .into();
    assert_eq!(find_cycle(&two).unwrap(), ["a", "b", "c", "a"]);

    // The collector's own graph has the modules it should, with known edges.
    let graph = graph();
    for m in ["routes", "store", "state", "error", ROOT] {
        assert!(graph.contains_key(m), "no node {m}:\n{}", describe(&graph));
    }
    assert!(graph["routes"].contains("store"), "{}", describe(&graph));
    assert!(!graph["routes"].contains("routes"));
}
