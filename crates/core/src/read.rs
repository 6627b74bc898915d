//! Reading typed values out of a `serde_json::Value` by hand, with errors that name the path.
//!
//! The organiser console reads tally reports, live views and the meeting answers of a collector.
//! serde's derived `Deserialize` for those types is a typed deserializer per type and per input
//! (hundreds of KB of wasm); the readers here walk a parsed `serde_json::Value` instead, through a
//! handful of shared, non-generic helpers. Each type's reader is written once, beside the others
//! of its module (`tally/read.rs`, `protocol/read.rs`), and builds the type with a struct literal,
//! so a field added to a type cannot be forgotten by its reader.
//!
//! A reader accepts exactly the JSON objects the derived `Deserialize` accepts from the same
//! `Value` (`tests/tally_read_equiv.rs` holds them to that over golden, generated and mutated
//! reports): `Option` fields may be absent or `null`, `#[serde(default)]` fields may be absent but
//! not `null`, unknown fields are ignored unless the type refuses them. Two things serde's derive
//! also takes are refused here: a struct written as a JSON array of its fields, and a duplicate key
//! (a `Value` keeps the last). Nothing Pingyi writes has either.
//!
//! The collector and the CLI keep using serde; only the console needs these.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::validate::{key_path, Problem};

/// Where a value is in the document being read, built on the stack as the reader descends and
/// written out (`$.tally.questions[2].answered`) only when something is wrong.
#[derive(Clone, Copy, Debug)]
pub enum At<'a> {
    Root,
    Key(&'a At<'a>, &'a str),
    Index(&'a At<'a>, usize),
}

impl At<'_> {
    /// The path in the form the survey checks use (`$.sections[0].questions[2].max`).
    pub fn path(&self) -> String {
        match self {
            At::Root => "$".to_string(),
            At::Key(parent, key) => key_path(&parent.path(), key),
            At::Index(parent, i) => format!("{}[{i}]", parent.path()),
        }
    }
}

/// What a reader expected to find.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expected {
    Object,
    Array,
    String,
    Bool,
    /// A whole number from 0 up to the type's largest.
    Unsigned,
    /// A whole number within the type's range.
    Integer,
    /// One of these strings.
    OneOf(&'static [&'static str]),
}

impl Expected {
    fn words(self) -> (String, String) {
        match self {
            Expected::Object => ("对象".into(), "an object".into()),
            Expected::Array => ("数组".into(), "an array".into()),
            Expected::String => ("字符串".into(), "a string".into()),
            Expected::Bool => ("true 或 false".into(), "true or false".into()),
            Expected::Unsigned => ("非负整数".into(), "a whole number, 0 or more".into()),
            Expected::Integer => ("整数".into(), "a whole number".into()),
            Expected::OneOf(names) => {
                let list = names.join(", ");
                (format!("以下之一：{list}"), format!("one of {list}"))
            }
        }
    }
}

/// A reader's result: the value, or the first problem found (with its path).
pub type Read<T> = Result<T, Problem>;

/// Stable codes of reading problems.
pub mod read_code {
    /// The text is not JSON at all.
    pub const NOT_JSON: &str = "not_json";
    /// A value of the wrong JSON type, or a number out of range.
    pub const WRONG_TYPE: &str = "wrong_type";
    /// A required field is absent.
    pub const MISSING_FIELD: &str = "missing_field";
    /// A field the type does not have, where the type refuses unknown fields.
    pub const UNKNOWN_FIELD: &str = "unknown_field";
}

/// The problem for a value at `at` that is not what was expected.
pub fn wrong(at: &At, expected: Expected) -> Problem {
    let (zh, en) = expected.words();
    Problem::new(
        at.path(),
        read_code::WRONG_TYPE,
        format!("类型不对，应为{zh}"),
        format!("expected {en}"),
    )
}

/// A type read from a JSON value.
pub trait FromJson: Sized {
    /// Reads `v`, found at `at`.
    fn read(v: &Value, at: &At) -> Read<Self>;
}

/// Parses `text` as JSON and reads a `T` from it. A text that is not JSON is a problem at `$`
/// with serde_json's reason.
pub fn read_json<T: FromJson>(text: &str) -> Read<T> {
    let v: Value = serde_json::from_str(text).map_err(|e| {
        Problem::new(
            "$",
            read_code::NOT_JSON,
            format!("不是 JSON：{e}"),
            format!("not JSON: {e}"),
        )
    })?;
    T::read(&v, &At::Root)
}

/// A JSON object being read, with its place.
pub struct Obj<'a> {
    map: &'a Map<String, Value>,
    at: &'a At<'a>,
}

impl<'a> Obj<'a> {
    /// `v` as an object.
    pub fn new(v: &'a Value, at: &'a At<'a>) -> Read<Obj<'a>> {
        match v {
            Value::Object(map) => Ok(Obj { map, at }),
            _ => Err(wrong(at, Expected::Object)),
        }
    }

    /// Refuses any field not in `names` (serde's `deny_unknown_fields`).
    pub fn only(&self, names: &[&str]) -> Read<()> {
        match self.map.keys().find(|k| !names.contains(&k.as_str())) {
            None => Ok(()),
            Some(k) => Err(Problem::new(
                At::Key(self.at, k).path(),
                read_code::UNKNOWN_FIELD,
                format!("未知字段“{k}”"),
                format!("unknown field `{k}`"),
            )),
        }
    }

    /// A field that must be present (and, unless `T` is an `Option`, not `null`).
    pub fn req<T: FromJson>(&self, key: &str) -> Read<T> {
        let at = At::Key(self.at, key);
        match self.map.get(key) {
            Some(v) => T::read(v, &at),
            None => Err(Problem::new(
                at.path(),
                read_code::MISSING_FIELD,
                format!("缺少字段“{key}”"),
                format!("missing field `{key}`"),
            )),
        }
    }

    /// An `Option` field: absent or `null` is `None`.
    pub fn opt<T: FromJson>(&self, key: &str) -> Read<Option<T>> {
        match self.map.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => T::read(v, &At::Key(self.at, key)).map(Some),
        }
    }

    /// A `#[serde(default)]` field that is not an `Option`: absent is the default, `null` is
    /// refused.
    pub fn def<T: FromJson + Default>(&self, key: &str) -> Read<T> {
        match self.map.get(key) {
            None => Ok(T::default()),
            Some(v) => T::read(v, &At::Key(self.at, key)),
        }
    }

    /// The tag of an internally tagged enum (`"kind": "scale"`), as its place in `names`. Like
    /// serde, the place itself (`"kind": 0`) is accepted too.
    pub fn tag(&self, key: &str, names: &'static [&'static str]) -> Read<usize> {
        let at = At::Key(self.at, key);
        match self.map.get(key) {
            Some(Value::Number(n)) => n
                .as_u64()
                .and_then(|i| usize::try_from(i).ok())
                .filter(|i| *i < names.len())
                .ok_or_else(|| wrong(&at, Expected::OneOf(names))),
            Some(v) => one_of(v, &at, names),
            None => self.req::<String>(key).map(|_| 0),
        }
    }
}

/// The place in `names` of the string `v`: for enums written as strings.
pub fn one_of(v: &Value, at: &At, names: &'static [&'static str]) -> Read<usize> {
    v.as_str()
        .and_then(|s| names.iter().position(|n| *n == s))
        .ok_or_else(|| wrong(at, Expected::OneOf(names)))
}

impl FromJson for String {
    fn read(v: &Value, at: &At) -> Read<Self> {
        v.as_str()
            .map(str::to_string)
            .ok_or_else(|| wrong(at, Expected::String))
    }
}

impl FromJson for bool {
    fn read(v: &Value, at: &At) -> Read<Self> {
        v.as_bool().ok_or_else(|| wrong(at, Expected::Bool))
    }
}

impl FromJson for u64 {
    fn read(v: &Value, at: &At) -> Read<Self> {
        v.as_u64().ok_or_else(|| wrong(at, Expected::Unsigned))
    }
}

impl FromJson for u32 {
    fn read(v: &Value, at: &At) -> Read<Self> {
        u32::try_from(u64::read(v, at)?).map_err(|_| wrong(at, Expected::Unsigned))
    }
}

impl FromJson for i64 {
    fn read(v: &Value, at: &At) -> Read<Self> {
        v.as_i64().ok_or_else(|| wrong(at, Expected::Integer))
    }
}

impl FromJson for i32 {
    fn read(v: &Value, at: &At) -> Read<Self> {
        i32::try_from(i64::read(v, at)?).map_err(|_| wrong(at, Expected::Integer))
    }
}

/// Any JSON, as it is.
impl FromJson for Value {
    fn read(v: &Value, _: &At) -> Read<Self> {
        Ok(v.clone())
    }
}

/// The items of an array, each read with `read`: one copy for every item type.
fn items<T>(v: &Value, at: &At, read: fn(&Value, &At) -> Read<T>) -> Read<Vec<T>> {
    let list = v.as_array().ok_or_else(|| wrong(at, Expected::Array))?;
    let mut out = Vec::with_capacity(list.len());
    for (i, item) in list.iter().enumerate() {
        out.push(read(item, &At::Index(at, i))?);
    }
    Ok(out)
}

impl<T: FromJson> FromJson for Vec<T> {
    fn read(v: &Value, at: &At) -> Read<Self> {
        items(v, at, T::read)
    }
}

/// A type that is the key of a JSON object (a string, or an enum written as a string).
pub trait FromKey: Sized + Ord {
    fn from_key(key: &str, at: &At) -> Read<Self>;
}

impl FromKey for String {
    fn from_key(key: &str, _: &At) -> Read<Self> {
        Ok(key.to_string())
    }
}

impl<K: FromKey, V: FromJson> FromJson for BTreeMap<K, V> {
    fn read(v: &Value, at: &At) -> Read<Self> {
        let map = v.as_object().ok_or_else(|| wrong(at, Expected::Object))?;
        let mut out = BTreeMap::new();
        for (key, item) in map {
            let here = At::Key(at, key);
            out.insert(K::from_key(key, &here)?, V::read(item, &here)?);
        }
        Ok(out)
    }
}
