//! JSON text laid out the way `serde_json::to_string_pretty` lays it out (two-space indent,
//! `": "`, empty `[]` and `{}`), with a final newline, without parsing it into values: keys keep
//! their order and numbers and strings their exact spelling. The console page offers a
//! collector's tally report as a download with it, so it needs no serializer of its own.

/// `text` (one valid JSON value, compact or not) re-indented; whitespace inside strings is kept.
pub fn pretty_json(text: &str) -> String {
    let text = text.trim_start_matches('\u{FEFF}');
    let mut out = String::with_capacity(text.len() * 2);
    let mut depth = 0usize;
    let mut chars = text.chars().peekable();
    let newline = |out: &mut String, depth: usize| {
        out.push('\n');
        for _ in 0..depth {
            out.push_str("  ");
        }
    };
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                out.push('"');
                while let Some(s) = chars.next() {
                    out.push(s);
                    match s {
                        '\\' => {
                            if let Some(e) = chars.next() {
                                out.push(e);
                            }
                        }
                        '"' => break,
                        _ => {}
                    }
                }
            }
            '{' | '[' => {
                let close = if c == '{' { '}' } else { ']' };
                while chars.peek().is_some_and(|n| n.is_ascii_whitespace()) {
                    chars.next();
                }
                if chars.peek() == Some(&close) {
                    chars.next();
                    out.push(c);
                    out.push(close);
                } else {
                    out.push(c);
                    depth += 1;
                    newline(&mut out, depth);
                }
            }
            '}' | ']' => {
                depth = depth.saturating_sub(1);
                newline(&mut out, depth);
                out.push(c);
            }
            ',' => {
                out.push(',');
                newline(&mut out, depth);
            }
            ':' => out.push_str(": "),
            c if c.is_ascii_whitespace() => {}
            c => out.push(c),
        }
    }
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lays_out_compact_json_exactly_as_serde_json_pretty_does() {
        let compact = r#"{"format":"pingyi-tally/1","survey_id":"x","empty":{},"none":[],"n":[1,2.5,-3e-7],"s":"a, b: {c} [d] \"e\" \\","z":{"b":null,"a":[{"q":true}]},"中文":"评议"}"#;
        let value: serde_json::Value = serde_json::from_str(compact).unwrap();
        let expected = format!("{}\n", serde_json::to_string_pretty(&value).unwrap());
        // serde_json's Value sorts keys; the text's own order is what must survive.
        let ordered = pretty_json(compact);
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&ordered).unwrap(),
            value
        );
        assert!(ordered.find("\"survey_id\"") < ordered.find("\"empty\""));
        assert!(ordered.find("\"z\"") < ordered.find("\"中文\""));
        let sorted = serde_json::to_string(&value).unwrap();
        assert_eq!(pretty_json(&sorted), expected);
    }

    #[test]
    fn already_pretty_text_stays_the_same() {
        let pretty = "{\n  \"a\": [\n    1,\n    {}\n  ],\n  \"b\": \"x  y\"\n}\n";
        assert_eq!(pretty_json(pretty), pretty);
        assert_eq!(pretty_json("[]"), "[]\n");
        assert_eq!(pretty_json("[ ]"), "[]\n");
    }
}
