//! JSON text read into a [`serde_json::Value`] by a small parser of our own, and the message of a
//! thrown JavaScript value.
//!
//! Neither serde_json's parser (its code would go into every bundle) nor, as before, the browser's
//! `JSON.parse`: turning `JSON.parse`'s result into Rust values took several calls into
//! JavaScript per value, about a fifth of the widget's first render. This parser reads the text in
//! one pass inside the wasm. Numbers with a fraction or an exponent are converted by the browser's
//! `parseFloat` (Rust's own float parser is large); whole numbers become integers, exactly as they
//! did through `JSON.parse`, and integers too large for a double now keep every digit.
//!
//! It accepts what `JSON.parse` accepts (RFC 8259), except nesting deeper than [`MAX_DEPTH`]
//! (serde_json's limit too), and it reads a `\u` escape of a lone surrogate as U+FFFD, which is
//! what a JavaScript string holding one became on its way into Rust.

use serde_json::{Map, Value};
use wasm_bindgen::{JsCast, JsValue};

/// How deep arrays and objects may nest: a hostile text cannot exhaust the wasm stack.
pub const MAX_DEPTH: usize = 128;

/// The message of a thrown JavaScript value (an `Error`'s `message`, which a `DOMException` is
/// too, or the value itself when it is a string).
pub fn js_error(e: &JsValue) -> String {
    if let Some(err) = e.dyn_ref::<js_sys::Error>() {
        return String::from(err.message());
    }
    e.as_string().unwrap_or_else(|| format!("{e:?}"))
}

/// Parses JSON text; the error says what is wrong and where (`expected ',' or '}' after a
/// property value at line 3, column 5`). Natively (unit tests of the crates that use it) Rust's
/// float parser stands in for `parseFloat`.
pub fn parse_json(text: &str) -> Result<Value, String> {
    #[cfg(target_arch = "wasm32")]
    let float = |s: &str| js_sys::parse_float(s);
    #[cfg(not(target_arch = "wasm32"))]
    let float = |s: &str| s.parse().unwrap_or(f64::NAN);
    parse_with(text, &float).map_err(|e| e.to_string())
}

/// Why and where JSON text is not valid. Lines and columns count from 1; columns in characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    pub what: &'static str,
    pub line: usize,
    pub column: usize,
}

impl std::fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} at line {}, column {}",
            self.what, self.line, self.column
        )
    }
}

/// [`parse_json`] with the conversion of a number with a fraction or an exponent given
/// (`parseFloat` in the browser; Rust's `str::parse` in native tests).
pub fn parse_with(text: &str, float: &dyn Fn(&str) -> f64) -> Result<Value, SyntaxError> {
    let mut p = Parser {
        text,
        s: text.as_bytes(),
        i: 0,
        float,
    };
    p.space();
    let value = p.value(0)?;
    p.space();
    if p.i < p.s.len() {
        return Err(p.error("unexpected text after the JSON value"));
    }
    Ok(value)
}

struct Parser<'a> {
    text: &'a str,
    s: &'a [u8],
    i: usize,
    float: &'a dyn Fn(&str) -> f64,
}

impl<'a> Parser<'a> {
    // One copy, out of line: it is called from every place a text can be wrong.
    #[cold]
    #[inline(never)]
    fn error(&self, what: &'static str) -> SyntaxError {
        let at = self.i.min(self.s.len());
        let before = &self.s[..at];
        let line_start = before
            .iter()
            .rposition(|b| *b == b'\n')
            .map_or(0, |n| n + 1);
        // Characters, not bytes: every UTF-8 byte but a continuation byte starts one.
        let column = before[line_start..]
            .iter()
            .filter(|b| **b & 0xC0 != 0x80)
            .count()
            + 1;
        SyntaxError {
            what,
            line: before.iter().filter(|b| **b == b'\n').count() + 1,
            column,
        }
    }

    /// The text from `start` to here. Both ends are always on character boundaries; `get`
    /// rather than indexing keeps Rust's string-slicing panic (and its Unicode tables) out of the
    /// wasm.
    fn slice(&self, start: usize) -> Result<&'a str, SyntaxError> {
        self.text
            .get(start..self.i)
            .ok_or_else(|| self.error("invalid text"))
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn space(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    fn value(&mut self, depth: usize) -> Result<Value, SyntaxError> {
        match self.peek() {
            None => Err(self.error("unexpected end of the JSON text")),
            Some(b'{') => self.object(depth),
            Some(b'[') => self.array(depth),
            Some(b'"') => self.string().map(Value::String),
            Some(b't') => self.word("true", Value::Bool(true)),
            Some(b'f') => self.word("false", Value::Bool(false)),
            Some(b'n') => self.word("null", Value::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => Err(self.error("unexpected character")),
        }
    }

    fn word(&mut self, word: &str, value: Value) -> Result<Value, SyntaxError> {
        if self.s[self.i..].starts_with(word.as_bytes()) {
            self.i += word.len();
            Ok(value)
        } else {
            Err(self.error("unexpected character"))
        }
    }

    fn deeper(&self, depth: usize) -> Result<(), SyntaxError> {
        if depth >= MAX_DEPTH {
            return Err(self.error("arrays and objects nested too deeply"));
        }
        Ok(())
    }

    fn object(&mut self, depth: usize) -> Result<Value, SyntaxError> {
        self.deeper(depth)?;
        self.i += 1;
        let mut map = Map::new();
        self.space();
        if self.peek() == Some(b'}') {
            self.i += 1;
            return Ok(Value::Object(map));
        }
        loop {
            if self.peek() != Some(b'"') {
                return Err(self.error("expected a property name in double quotes"));
            }
            let key = self.string()?;
            self.space();
            if self.peek() != Some(b':') {
                return Err(self.error("expected ':' after a property name"));
            }
            self.i += 1;
            self.space();
            let value = self.value(depth + 1)?;
            // A repeated name keeps its last value, as with `JSON.parse`.
            map.insert(key, value);
            self.space();
            match self.peek() {
                Some(b',') => {
                    self.i += 1;
                    self.space();
                }
                Some(b'}') => {
                    self.i += 1;
                    return Ok(Value::Object(map));
                }
                _ => return Err(self.error("expected ',' or '}' after a property value")),
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<Value, SyntaxError> {
        self.deeper(depth)?;
        self.i += 1;
        let mut items = Vec::new();
        self.space();
        if self.peek() == Some(b']') {
            self.i += 1;
            return Ok(Value::Array(items));
        }
        loop {
            items.push(self.value(depth + 1)?);
            self.space();
            match self.peek() {
                Some(b',') => {
                    self.i += 1;
                    self.space();
                }
                Some(b']') => {
                    self.i += 1;
                    return Ok(Value::Array(items));
                }
                _ => return Err(self.error("expected ',' or ']' after an array element")),
            }
        }
    }

    /// A string, from its opening quote.
    fn string(&mut self) -> Result<String, SyntaxError> {
        self.i += 1;
        let mut out = String::new();
        loop {
            // Plain text is copied a run at a time. The run stops only at an ASCII byte, so it
            // starts and ends on character boundaries.
            let start = self.i;
            while matches!(self.peek(), Some(b) if b >= 0x20 && b != b'"' && b != b'\\') {
                self.i += 1;
            }
            out.push_str(self.slice(start)?);
            match self.peek() {
                None => return Err(self.error("unterminated string")),
                Some(b'"') => {
                    self.i += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.i += 1;
                    self.escape(&mut out)?;
                }
                Some(_) => return Err(self.error("control character in a string")),
            }
        }
    }

    /// One escape, after its backslash.
    #[inline(never)]
    fn escape(&mut self, out: &mut String) -> Result<(), SyntaxError> {
        let c = match self.peek() {
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => {
                self.i += 1;
                let unit = self.hex4()?;
                out.push(self.code_point(unit)?);
                return Ok(());
            }
            _ => return Err(self.error("invalid escape in a string")),
        };
        self.i += 1;
        out.push(c);
        Ok(())
    }

    /// The character a `\u` escape's code unit starts: a surrogate pair makes one character, a
    /// lone surrogate U+FFFD.
    fn code_point(&mut self, unit: u32) -> Result<char, SyntaxError> {
        if (0xD800..0xDC00).contains(&unit) && self.s[self.i..].starts_with(b"\\u") {
            let back = self.i;
            self.i += 2;
            let low = self.hex4()?;
            if (0xDC00..0xE000).contains(&low) {
                let c = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
                return Ok(char::from_u32(c).unwrap_or('\u{FFFD}'));
            }
            // Not a pair: the second escape is read on its own.
            self.i = back;
        }
        Ok(char::from_u32(unit).unwrap_or('\u{FFFD}'))
    }

    fn hex4(&mut self) -> Result<u32, SyntaxError> {
        let mut n = 0;
        for _ in 0..4 {
            let digit = self
                .peek()
                .and_then(|b| (b as char).to_digit(16))
                .ok_or_else(|| self.error("invalid \\u escape in a string"))?;
            n = n * 16 + digit;
            self.i += 1;
        }
        Ok(n)
    }

    fn digits(&mut self) -> Result<(), SyntaxError> {
        if !matches!(self.peek(), Some(b'0'..=b'9')) {
            return Err(self.error("invalid number"));
        }
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.i += 1;
        }
        Ok(())
    }

    #[inline(never)]
    fn number(&mut self) -> Result<Value, SyntaxError> {
        let start = self.i;
        let negative = self.peek() == Some(b'-');
        if negative {
            self.i += 1;
        }
        match self.peek() {
            Some(b'0') => self.i += 1,
            _ => self.digits()?,
        }
        let mut whole = true;
        if self.peek() == Some(b'.') {
            whole = false;
            self.i += 1;
            self.digits()?;
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            whole = false;
            self.i += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.i += 1;
            }
            self.digits()?;
        }
        let token = self.slice(start)?;
        if whole {
            if let Some(n) = integer(token.trim_start_matches('-')) {
                if !negative {
                    return Ok(Value::from(n));
                }
                if let Some(n) = 0i64.checked_sub_unsigned(n) {
                    return Ok(Value::from(n));
                }
            }
        }
        Ok(number((self.float)(token)))
    }
}

/// The digits of a whole number, if it fits in a `u64` (by hand: `str::parse` brings a generic
/// copy per type).
fn integer(digits: &str) -> Option<u64> {
    digits.bytes().try_fold(0u64, |n, d| {
        n.checked_mul(10)?.checked_add(u64::from(d - b'0'))
    })
}

/// A double as a JSON value: a whole number that fits stays an integer (as `JSON.parse`'s result
/// did on its way into Rust); what is not finite is `null`.
fn number(n: f64) -> Value {
    if n.fract() == 0.0 && (-9.223_372_036_854_776e18..1.844_674_407_370_955_2e19).contains(&n) {
        if n < 0.0 {
            Value::from(n as i64)
        } else {
            Value::from(n as u64)
        }
    } else {
        serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number)
    }
}
