//! The JSON parser (`pingyi_browser::json`) run natively, with Rust's float parser standing in
//! for the browser's `parseFloat`: every value serde_json writes reads back as the same value
//! (whole numbers as integers, as `JSON.parse` gave them), texts serde_json refuses are refused
//! too, and a refusal says what is wrong and where.
#![cfg(not(target_arch = "wasm32"))]

use pingyi_browser::json::{parse_with, SyntaxError, MAX_DEPTH};
use proptest::prelude::*;
use serde_json::{json, Value};

fn parse(text: &str) -> Result<Value, SyntaxError> {
    parse_with(text, &|s| s.parse().unwrap_or(f64::NAN))
}

/// What the browser path always made of a number: a whole double that fits is an integer.
fn whole_numbers_as_integers(v: Value) -> Value {
    match v {
        Value::Number(n) => match n.as_f64() {
            Some(f)
                if n.is_f64()
                    && f.fract() == 0.0
                    && (-9.223_372_036_854_776e18..1.844_674_407_370_955_2e19).contains(&f) =>
            {
                if f < 0.0 {
                    Value::from(f as i64)
                } else {
                    Value::from(f as u64)
                }
            }
            _ => Value::Number(n),
        },
        Value::Array(items) => {
            Value::Array(items.into_iter().map(whole_numbers_as_integers).collect())
        }
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (k, whole_numbers_as_integers(v)))
                .collect(),
        ),
        other => other,
    }
}

/// Equal, but for the last bit of a number read as a double: serde_json's own float reader
/// (without its `float_roundtrip` feature) may round the other way.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
            x == y || ((x - y) / x).abs() < 1e-15
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|((ka, a), (kb, b))| ka == kb && same(a, b))
        }
        _ => a == b,
    }
}

fn any_value(floats: bool) -> impl Strategy<Value = Value> {
    let text = if floats {
        "\\PC{0,12}"
    } else {
        "[a-z 村湾评议\"\\\\/é😀]{0,8}"
    };
    let float = if floats {
        prop::num::f64::NORMAL.prop_map(Value::from).boxed()
    } else {
        Just(Value::Null).boxed()
    };
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        float,
        text.prop_map(Value::String),
    ];
    leaf.prop_recursive(5, 64, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_村]{0,6}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #[test]
    fn what_serde_json_writes_reads_back_as_the_same_value(v in any_value(true)) {
        let expected = whole_numbers_as_integers(v.clone());
        prop_assert_eq!(parse(&v.to_string()).unwrap(), expected.clone());
        prop_assert_eq!(parse(&serde_json::to_string_pretty(&v).unwrap()).unwrap(), expected);
    }

    #[test]
    fn a_text_with_one_byte_changed_is_refused_exactly_when_serde_json_refuses_it(
        v in any_value(false),
        at in any::<prop::sample::Index>(),
        byte in prop::sample::select(b"{}[]:,\" \\/0123456789-+.eEtrufalsn\t\nx".to_vec()),
    ) {
        let mut bytes = v.to_string().into_bytes();
        let i = at.index(bytes.len());
        bytes[i] = byte;
        let Ok(text) = String::from_utf8(bytes) else { return Ok(()) };
        let ours = parse(&text);
        let theirs = serde_json::from_str::<Value>(&text);
        // A huge exponent: serde_json refuses it, JSON.parse made it Infinity, which became null.
        if theirs.as_ref().is_err_and(|e| e.to_string().contains("number out of range")) {
            return Ok(());
        }
        prop_assert_eq!(ours.is_ok(), theirs.is_ok(), "{:?}: ours {:?}, serde_json {:?}", text, ours, theirs);
        if let (Ok(ours), Ok(theirs)) = (ours, theirs) {
            let theirs = whole_numbers_as_integers(theirs);
            prop_assert!(same(&ours, &theirs), "{:?}: ours {:?}, serde_json {:?}", text, ours, theirs);
        }
    }
}

#[test]
fn numbers_read_as_json_parse_gave_them() {
    let v = parse(r#"[0, -0, 7, -7, 1.0, 1e2, -2.5E-1, 18446744073709551615, -9223372036854775808, 12345678901234567890123, 1e400]"#).unwrap();
    assert_eq!(v[0], json!(0));
    assert_eq!(v[1], json!(0));
    assert_eq!(v[2], json!(7));
    assert_eq!(v[3], json!(-7));
    assert_eq!(v[4], json!(1), "a whole double is an integer");
    assert_eq!(v[5], json!(100));
    assert_eq!(v[6], json!(-0.25));
    assert_eq!(v[7], json!(u64::MAX), "every digit kept");
    assert_eq!(v[8], json!(i64::MIN));
    assert_eq!(
        v[9],
        json!(1.2345678901234568e22),
        "too large for an integer: a double"
    );
    assert_eq!(
        v[10],
        Value::Null,
        "not finite: null, as JSON.parse's Infinity became"
    );
}

#[test]
fn strings_read_every_escape_and_pass_other_text_through() {
    let v = parse(r#""a\"b\\c\/d\b\f\n\r\t 村\u6751\u00e9\ud83d\ude00 x""#).unwrap();
    assert_eq!(v, json!("a\"b\\c/d\u{8}\u{c}\n\r\t 村村é😀 x"));
    // A lone surrogate became U+FFFD on its way from a JavaScript string into Rust.
    assert_eq!(parse(r#""\ud83d x""#).unwrap(), json!("\u{FFFD} x"));
    assert_eq!(parse(r#""\ude00""#).unwrap(), json!("\u{FFFD}"));
    assert_eq!(parse(r#""\ud83d\u0041""#).unwrap(), json!("\u{FFFD}A"));
}

#[test]
fn a_repeated_name_keeps_its_last_value() {
    assert_eq!(parse(r#"{"a": 1, "a": 2}"#).unwrap(), json!({"a": 2}));
}

#[test]
fn a_refusal_says_what_is_wrong_and_where() {
    let cases = [
        ("", "unexpected end of the JSON text", 1, 1),
        (
            "{\"a\": 1,}",
            "expected a property name in double quotes",
            1,
            9,
        ),
        (
            "{\n  \"a\": 1\n  \"b\": 2\n}",
            "expected ',' or '}' after a property value",
            3,
            3,
        ),
        ("{\"a\" 1}", "expected ':' after a property name", 1, 6),
        ("[1 2]", "expected ',' or ']' after an array element", 1, 4),
        ("[\"村湾\", tru]", "unexpected character", 1, 8),
        ("01", "unexpected text after the JSON value", 1, 2),
        ("-", "invalid number", 1, 2),
        ("1.", "invalid number", 1, 3),
        ("1e+", "invalid number", 1, 4),
        ("\"a\tb\"", "control character in a string", 1, 3),
        ("\"a\\x\"", "invalid escape in a string", 1, 4),
        ("\"\\u12g4\"", "invalid \\u escape in a string", 1, 6),
        ("\"abc", "unterminated string", 1, 5),
        ("\u{feff}{}", "unexpected character", 1, 1),
    ];
    for (text, what, line, column) in cases {
        let e = parse(text).unwrap_err();
        assert_eq!(
            (e.what, e.line, e.column),
            (what, line, column),
            "{text:?}: {e}"
        );
    }
    assert_eq!(
        parse("[1,]").unwrap_err().to_string(),
        "unexpected character at line 1, column 4"
    );
}

#[test]
fn deep_nesting_is_refused_without_exhausting_the_stack() {
    let ok = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
    assert!(parse(&ok).is_ok());
    let deep = format!("{}{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
    assert_eq!(
        parse(&deep).unwrap_err().what,
        "arrays and objects nested too deeply"
    );
    let hostile = "{\"a\":".repeat(100_000);
    assert!(parse(&hostile).is_err());
}

#[test]
fn the_example_surveys_read_as_serde_json_reads_them() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut read = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "json") {
            let text = std::fs::read_to_string(&path).unwrap();
            let theirs: Value = serde_json::from_str(&text).unwrap();
            assert_eq!(
                parse(&text).unwrap(),
                whole_numbers_as_integers(theirs),
                "{}",
                path.display()
            );
            read += 1;
        }
    }
    assert!(read >= 3, "the examples are where they were");
}
