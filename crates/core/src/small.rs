//! Small stand-ins for library routines whose general versions are large in the residents' wasm
//! bundle: a sort for the short lists the widget handles (a phone's ballots, one batch of the
//! outbox) and the JSON string writer of the hand-written JSON writers (no serde serializer).

use std::cmp::Ordering;

/// Sorts `items` by `compare`, keeping equal items in their order (like `slice::sort_by`).
/// Insertion sort: quadratic, and a few hundred bytes of wasm where `sort_by` costs several
/// kilobytes per element type. Meant for lists of at most a few thousand items.
pub fn sort_by<T>(items: &mut [T], mut compare: impl FnMut(&T, &T) -> Ordering) {
    for i in 1..items.len() {
        let mut j = i;
        while j > 0 && compare(&items[j - 1], &items[j]) == Ordering::Greater {
            items.swap(j - 1, j);
            j -= 1;
        }
    }
}

/// `items` joined with `sep`, like `[&str]::join`, as a plain loop: the standard `join` is a
/// kilobyte of wasm per element type.
pub fn join<S: AsRef<str>>(items: &[S], sep: &str) -> String {
    let mut out = String::new();
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(sep);
        }
        out.push_str(item.as_ref());
    }
    out
}

/// Appends `text` as a JSON string, quoted and escaped byte for byte as `serde_json::to_string`
/// writes it: `\"`, `\\`, the short escapes `\b \f \n \r \t`, other control characters as
/// `\u00xx` (lowercase hexadecimal), everything else as it is.
pub fn push_json_string(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c < ' ' => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.push_str("\\u00");
                out.push(HEX[(c as usize) >> 4] as char);
                out.push(HEX[(c as usize) & 15] as char);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// `text` as a JSON string (see [`push_json_string`]).
pub fn json_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    push_json_string(&mut out, text);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn writes_strings_as_serde_json_does() {
        for text in [
            "",
            "plain",
            "引号\"和\\",
            "\u{0}\u{1f}\u{7f}\u{8}\u{c}\n\r\t/",
            "\u{2028}😀",
        ] {
            assert_eq!(json_string(text), serde_json::to_string(text).unwrap());
        }
    }

    #[test]
    fn joins_like_the_standard_join() {
        for items in [vec![], vec!["a"], vec!["a", "", "评议"]] {
            assert_eq!(join(&items, "、"), items.join("、"));
        }
    }

    proptest! {
        /// The same order as the standard library's stable sort, equal keys included.
        #[test]
        fn sorts_like_the_standard_stable_sort(items in proptest::collection::vec((0u8..8, any::<u16>()), 0..60)) {
            let mut ours = items.clone();
            let mut theirs = items;
            sort_by(&mut ours, |a, b| a.0.cmp(&b.0));
            theirs.sort_by_key(|a| a.0);
            prop_assert_eq!(ours, theirs);
        }

        /// Any string, control characters and non-ASCII included.
        #[test]
        fn json_strings_match_serde_json(text in "(?s).{0,40}") {
            prop_assert_eq!(json_string(&text), serde_json::to_string(&text).unwrap());
        }
    }
}
