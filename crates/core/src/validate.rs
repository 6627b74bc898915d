//! Validation with precise errors: survey files and ballots.
//!
//! Every problem is collected (never just the first), each with a JSON path, a stable `code` and a
//! message in Chinese and English. Nothing here panics on any input.
//!
//! Parsing a survey happens in three passes:
//! 1. JSON syntax (`serde_json::Value`); a syntax error is one problem with line and column.
//! 2. Structure: a small hand-written description of the format ([`Shape`]) is walked so that a
//!    missing field, a wrong type, an unknown field or an unknown `kind` is reported at its exact
//!    path while every other part is still checked. Broken parts are then patched with
//!    placeholders so that the rest of the file can still be read into the typed model.
//! 3. Meaning ([`validate_survey`]): ids, ranges, references, `show_if`, times. Problems under a
//!    part already reported as broken in pass 2 are left out, so each mistake is reported once.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::ballot::{canonical_ballot_id, Answer, Ballot};
use crate::limits::{
    ballot_size_bound, MAX_BALLOT_BYTES, MAX_CAST_AT_LEN, MAX_ENTRIES, MAX_QUESTIONS,
    MAX_REASON_LEN, MAX_TEXT_LEN,
};
use crate::survey::{
    Combine, PassRule, Question, QuestionBody, ScaleQuestion, Survey, Text, APPROVE_OPTIONS, FORMAT,
};
use crate::time::parse_rfc3339;

/// One problem found in a survey file or a ballot.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Problem {
    /// JSON path of the offending value, e.g. `$.sections[0].questions[2].max`.
    pub path: String,
    /// Stable machine code, e.g. `duplicate_id`, `max_below_min`.
    pub code: String,
    pub zh: String,
    pub en: String,
}

impl Problem {
    pub fn new(
        path: impl Into<String>,
        code: &str,
        zh: impl Into<String>,
        en: impl Into<String>,
    ) -> Self {
        Problem {
            path: path.into(),
            code: code.to_string(),
            zh: zh.into(),
            en: en.into(),
        }
    }

    /// Reads a problem from a JSON object (other keys ignored, as by the derived `Deserialize`),
    /// without serde's typed deserializer: see [`crate::protocol::SubmitResponse::from_value`].
    pub fn from_value(v: &Value) -> Option<Problem> {
        let m = v.as_object()?;
        let string = |k: &str| m.get(k)?.as_str().map(str::to_string);
        Some(Problem {
            path: string("path")?,
            code: string("code")?,
            zh: string("zh")?,
            en: string("en")?,
        })
    }

    /// The message in the given language (`"en"`, otherwise Chinese).
    pub fn message(&self, lang: &str) -> &str {
        if lang == "en" {
            &self.en
        } else {
            &self.zh
        }
    }
}

// ------------------------------------------------------------------------------------------------
// Paths and small helpers

/// `base.key`, or `base["key"]` when the key has characters other than letters, digits and `_`.
/// A key longer than [`MAX_PATH_KEY`] bytes (never a valid id) is cut to its first 40 characters
/// and `…`, so that a problem never repeats a huge key.
pub fn key_path(base: &str, key: &str) -> String {
    if key.len() > MAX_PATH_KEY {
        let quoted = serde_json::to_string(&show(key)).unwrap_or_else(|_| "\"?\"".to_string());
        return format!("{base}[{quoted}]");
    }
    if !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        format!("{base}.{key}")
    } else {
        let quoted = serde_json::to_string(key).unwrap_or_else(|_| "\"?\"".to_string());
        format!("{base}[{quoted}]")
    }
}

/// Longest key [`key_path`] writes out in full, in bytes (ids have at most 64).
pub const MAX_PATH_KEY: usize = 80;

/// Most problems [`validate_ballot`] lists for one ballot; the rest are summed up in one last
/// problem (`more_problems`), so a hostile ballot cannot make a huge answer.
pub const MAX_BALLOT_PROBLEMS: usize = 20;

/// Most ids a problem message lists (e.g. the options of a question); more end in `…`.
pub const MAX_LISTED_IDS: usize = 10;

/// `ids` joined with `sep`, at most [`MAX_LISTED_IDS`] of them and then `…`.
fn list_ids(ids: &[&str], sep: &str) -> String {
    let mut s = ids
        .iter()
        .take(MAX_LISTED_IDS)
        .map(|id| show(id))
        .collect::<Vec<_>>()
        .join(sep);
    if ids.len() > MAX_LISTED_IDS {
        s.push_str(sep);
        s.push('…');
    }
    s
}

fn index_path(base: &str, i: usize) -> String {
    format!("{base}[{i}]")
}

/// Whether `id` is a valid id: 1 to 64 characters of lowercase ASCII letters, digits, `-`, `_`.
pub fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

/// Whether `s` looks like a UUID: 8-4-4-4-12 hexadecimal digits (either case).
pub fn is_uuid_like(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// Short, printable form of user input inside a message.
fn show(s: &str) -> String {
    let mut out: String = s.chars().take(40).collect();
    if s.chars().count() > 40 {
        out.push('…');
    }
    out
}

// ------------------------------------------------------------------------------------------------
// Pass 2: structure

#[derive(Clone, Copy)]
enum Shape {
    Str,
    Bool,
    U32,
    I32,
    /// `{"zh": "...", "en": "..."}`
    Text,
    /// A string from a fixed list.
    OneOf(&'static [&'static str]),
    Obj(&'static [Field]),
    Arr(&'static Shape),
    /// `{"method": "mean"}` or `{"method": "trimmed_mean", "drop": 1}`
    Combine,
}

#[derive(Clone, Copy, PartialEq)]
enum Need {
    /// Must be present; `null` is not allowed.
    Required,
    /// May be absent or `null`.
    Optional,
    /// May be absent (a default applies) but not `null`.
    Defaulted,
}

#[derive(Clone, Copy)]
struct Field {
    name: &'static str,
    need: Need,
    shape: Shape,
}

const fn req(name: &'static str, shape: Shape) -> Field {
    Field {
        name,
        need: Need::Required,
        shape,
    }
}
const fn opt(name: &'static str, shape: Shape) -> Field {
    Field {
        name,
        need: Need::Optional,
        shape,
    }
}
const fn def(name: &'static str, shape: Shape) -> Field {
    Field {
        name,
        need: Need::Defaulted,
        shape,
    }
}

const TEXT: &[Field] = &[req("zh", Shape::Str), opt("en", Shape::Str)];
const ITEM: &[Field] = &[
    req("id", Shape::Str),
    req("label", Shape::Text),
    opt("detail", Shape::Text),
];
const SCALE_OPTION: &[Field] = &[
    req("id", Shape::Str),
    req("label", Shape::Text),
    opt("weight", Shape::I32),
    def("not_valid", Shape::Bool),
];
const GRADE_RULE: &[Field] = &[
    req("option", Shape::Str),
    req("at_least_percent", Shape::U32),
    req("grade", Shape::Text),
];
const CRITERION: &[Field] = &[
    req("id", Shape::Str),
    req("label", Shape::Text),
    req("min", Shape::I32),
    req("max", Shape::I32),
    def("step", Shape::U32),
];
const CONDITION: &[Field] = &[
    req("question", Shape::Str),
    req("any_of", Shape::Arr(&Shape::Str)),
];
const COLLECT: &[Field] = &[req("endpoint", Shape::Str), opt("submit_key", Shape::Str)];

const KINDS: &[&str] = &["scale", "choose", "score", "notice", "approve", "text"];

const QUESTION_COMMON: &[Field] = &[
    req("id", Shape::Str),
    req("title", Shape::Text),
    opt("help", Shape::Text),
    def("required", Shape::Bool),
    opt("show_if", Shape::Obj(CONDITION)),
];

fn kind_fields(kind: &str) -> Option<&'static [Field]> {
    const SCALE: &[Field] = &[
        opt("preset", Shape::OneOf(&["satisfaction", "appraisal"])),
        def("options", Shape::Arr(&Shape::Obj(SCALE_OPTION))),
        def("grades", Shape::Arr(&Shape::Obj(GRADE_RULE))),
        opt("default_grade", Shape::Text),
        def("subjects", Shape::Arr(&Shape::Obj(ITEM))),
    ];
    const CHOOSE: &[Field] = &[
        req("options", Shape::Arr(&Shape::Obj(ITEM))),
        def("min", Shape::U32),
        req("max", Shape::U32),
        opt("seats", Shape::U32),
    ];
    const SCORE: &[Field] = &[
        req("subjects", Shape::Arr(&Shape::Obj(ITEM))),
        req("criteria", Shape::Arr(&Shape::Obj(CRITERION))),
        def("combine", Shape::Combine),
    ];
    const NOTICE: &[Field] = &[
        req("items", Shape::Arr(&Shape::Obj(ITEM))),
        def("reason_max_len", Shape::U32),
    ];
    const APPROVE: &[Field] = &[
        def("rule", Shape::OneOf(&["cast", "valid", "eligible"])),
        opt("detail", Shape::Text),
    ];
    const TEXT_Q: &[Field] = &[def("max_len", Shape::U32)];
    Some(match kind {
        "scale" => SCALE,
        "choose" => CHOOSE,
        "score" => SCORE,
        "notice" => NOTICE,
        "approve" => APPROVE,
        "text" => TEXT_Q,
        _ => return None,
    })
}

const SECTION: &[Field] = &[
    req("id", Shape::Str),
    req("title", Shape::Text),
    opt("description", Shape::Text),
];

const SURVEY_TOP: &[Field] = &[
    opt("$schema", Shape::Str),
    req("format", Shape::Str),
    req("id", Shape::Str),
    req("version", Shape::U32),
    req("title", Shape::Text),
    opt("description", Shape::Text),
    req("unit", Shape::Str),
    opt("eligible", Shape::U32),
    def("voting_unit", Shape::OneOf(&["person", "household"])),
    def("anonymous", Shape::Bool),
    def("quorum_percent", Shape::U32),
    def("results_public", Shape::Bool),
    def("publish_receipts", Shape::Bool),
    def("codes", Shape::Bool),
    opt("opens_at", Shape::Str),
    opt("closes_at", Shape::Str),
    opt("collect", Shape::Obj(COLLECT)),
];

fn wrong_type(path: &str, zh: &str, en: &str, got: &Value, out: &mut Vec<Problem>) {
    out.push(Problem::new(
        path,
        "wrong_type",
        format!("{path} 应为{zh}，实际是{}", type_zh(got)),
        format!("{path} must be {en}, found {}", type_en(got)),
    ));
}

fn type_zh(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "布尔值",
        Value::Number(_) => "数字",
        Value::String(_) => "字符串",
        Value::Array(_) => "数组",
        Value::Object(_) => "对象",
    }
}

fn type_en(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Check `v` against `shape`, adding a problem for each mismatch.
fn walk(v: &Value, shape: Shape, path: &str, out: &mut Vec<Problem>) {
    match shape {
        Shape::Str => {
            if !v.is_string() {
                wrong_type(path, "字符串", "a string", v, out);
            }
        }
        Shape::Bool => {
            if !v.is_boolean() {
                wrong_type(path, "布尔值（true 或 false）", "true or false", v, out);
            }
        }
        Shape::U32 => {
            if v.as_u64().is_none_or(|n| n > u64::from(u32::MAX)) {
                wrong_type(
                    path,
                    "0 到 4294967295 之间的整数",
                    "a whole number from 0 to 4294967295",
                    v,
                    out,
                );
            }
        }
        Shape::I32 => {
            if v.as_i64().is_none_or(|n| i32::try_from(n).is_err()) {
                wrong_type(path, "整数（可为负数）", "a whole number", v, out);
            }
        }
        Shape::Text => {
            if v.is_string() {
                out.push(Problem::new(
                    path,
                    "wrong_type",
                    format!("{path} 应写成文本对象，如 {{\"zh\": \"中文\", \"en\": \"English\"}}，不能直接写字符串"),
                    format!("{path} must be a text object like {{\"zh\": \"…\", \"en\": \"…\"}}, not a plain string"),
                ));
            } else {
                walk_object(v, &[TEXT], &[], path, out);
            }
        }
        Shape::OneOf(values) => match v.as_str() {
            Some(s) if values.contains(&s) => {}
            Some(s) => out.push(Problem::new(
                path,
                "unknown_value",
                format!(
                    "{path} 的值“{}”无效，可选值为：{}",
                    show(s),
                    values.join("、")
                ),
                format!(
                    "{path} has unknown value \"{}\"; allowed: {}",
                    show(s),
                    values.join(", ")
                ),
            )),
            None => wrong_type(path, "字符串", "a string", v, out),
        },
        Shape::Obj(fields) => walk_object(v, &[fields], &[], path, out),
        Shape::Arr(inner) => match v.as_array() {
            Some(items) => {
                for (i, item) in items.iter().enumerate() {
                    walk(item, *inner, &index_path(path, i), out);
                }
            }
            None => wrong_type(path, "数组", "an array", v, out),
        },
        Shape::Combine => {
            const METHOD: &[Field] = &[req("method", Shape::OneOf(&["mean", "trimmed_mean"]))];
            const TRIMMED: &[Field] = &[req("method", Shape::Str), req("drop", Shape::U32)];
            match v.get("method").and_then(Value::as_str) {
                Some("trimmed_mean") => walk_object(v, &[TRIMMED], &[], path, out),
                _ => walk_object(v, &[METHOD], &[], path, out),
            }
        }
    }
}

/// Check an object's fields; `extra` names keys that are allowed but checked elsewhere.
fn walk_object(
    v: &Value,
    field_sets: &[&[Field]],
    extra: &[&str],
    path: &str,
    out: &mut Vec<Problem>,
) {
    let Some(map) = v.as_object() else {
        wrong_type(path, "对象 {…}", "an object {…}", v, out);
        return;
    };
    for fields in field_sets {
        for f in *fields {
            check_field(map, f, path, out);
        }
    }
    for key in map.keys() {
        let known = extra.contains(&key.as_str())
            || field_sets
                .iter()
                .any(|fs| fs.iter().any(|f| f.name == key.as_str()));
        if !known {
            let p = key_path(path, key);
            out.push(Problem::new(
                &p,
                "unknown_field",
                format!("未知字段“{}”（拼写错误？）", show(key)),
                format!("unknown field \"{}\" (a typo?)", show(key)),
            ));
        }
    }
}

/// Check one field of an object; returns whether it is fine.
fn check_field(map: &Map<String, Value>, f: &Field, path: &str, out: &mut Vec<Problem>) -> bool {
    let p = key_path(path, f.name);
    let before = out.len();
    match map.get(f.name) {
        None => {
            if f.need == Need::Required {
                out.push(Problem::new(
                    &p,
                    "missing_field",
                    format!("缺少必填字段“{}”", f.name),
                    format!("missing required field \"{}\"", f.name),
                ));
            }
        }
        Some(Value::Null) if f.need == Need::Optional => {}
        Some(v) => walk(v, f.shape, &p, out),
    }
    out.len() == before
}

/// A stand-in value for a broken required field, so the rest of the survey can still be read.
fn placeholder(shape: Shape) -> Value {
    match shape {
        Shape::Str => Value::String(String::new()),
        Shape::Bool => Value::Bool(false),
        Shape::U32 | Shape::I32 => Value::from(1),
        Shape::Text => serde_json::json!({ "zh": "-" }),
        Shape::OneOf(values) => Value::String(values.first().copied().unwrap_or("").to_string()),
        Shape::Arr(_) => Value::Array(Vec::new()),
        Shape::Obj(_) | Shape::Combine => Value::Object(Map::new()),
    }
}

/// Check the fields of `obj` (already known to be an object) and patch broken ones in place:
/// required fields get a placeholder, optional ones are removed, unknown keys are removed.
/// Paths of broken parts go to `broken`.
fn check_and_patch(
    obj: &mut Map<String, Value>,
    fields: &[Field],
    extra: &[&str],
    path: &str,
    out: &mut Vec<Problem>,
    broken: &mut Vec<String>,
) {
    for f in fields {
        if !check_field(obj, f, path, out) {
            broken.push(key_path(path, f.name));
            if f.need == Need::Required {
                obj.insert(f.name.to_string(), placeholder(f.shape));
            } else {
                obj.remove(f.name);
            }
        }
    }
    let unknown: Vec<String> = obj
        .keys()
        .filter(|k| !extra.contains(&k.as_str()) && !fields.iter().any(|f| f.name == k.as_str()))
        .cloned()
        .collect();
    for key in unknown {
        out.push(Problem::new(
            key_path(path, &key),
            "unknown_field",
            format!("未知字段“{}”（拼写错误？）", show(&key)),
            format!("unknown field \"{}\" (a typo?)", show(&key)),
        ));
        obj.remove(&key);
    }
}

/// Check one question's structure. Returns whether it is fine.
fn walk_question(v: &Value, path: &str, out: &mut Vec<Problem>) -> bool {
    let before = out.len();
    let Some(map) = v.as_object() else {
        wrong_type(path, "对象 {…}", "an object {…}", v, out);
        return false;
    };
    let kind_path = key_path(path, "kind");
    let kind = match map.get("kind") {
        None => {
            out.push(Problem::new(
                &kind_path,
                "missing_field",
                format!("缺少必填字段“kind”（题型），可选：{}", KINDS.join("、")),
                format!(
                    "missing required field \"kind\"; one of: {}",
                    KINDS.join(", ")
                ),
            ));
            None
        }
        Some(Value::String(k)) => match kind_fields(k) {
            Some(fields) => Some(fields),
            None => {
                out.push(Problem::new(
                    &kind_path,
                    "unknown_kind",
                    format!("未知题型“{}”，可选：{}", show(k), KINDS.join("、")),
                    format!(
                        "unknown question kind \"{}\"; one of: {}",
                        show(k),
                        KINDS.join(", ")
                    ),
                ));
                None
            }
        },
        Some(other) => {
            wrong_type(&kind_path, "字符串", "a string", other, out);
            None
        }
    };
    match kind {
        Some(fields) => walk_object(v, &[QUESTION_COMMON, fields], &["kind"], path, out),
        // Without a known kind the kind's own fields are unknown: check only the common ones.
        None => {
            for f in QUESTION_COMMON {
                check_field(map, f, path, out);
            }
        }
    }
    out.len() == before
}

/// Parse and validate a survey file. Returns every problem found.
pub fn parse_survey(json: &str) -> Result<Survey, Vec<Problem>> {
    let root: Value = match serde_json::from_str(json) {
        Ok(v) => v,
        Err(e) => {
            let (line, column) = (e.line(), e.column());
            return Err(vec![Problem::new(
                "$",
                "json_syntax",
                format!("JSON 格式错误（第 {line} 行第 {column} 列）：{e}"),
                format!("JSON syntax error at line {line}, column {column}: {e}"),
            )]);
        }
    };
    parse_survey_value(root)
}

/// Validate a survey already parsed into a [`Value`] (e.g. by the browser's `JSON.parse`), with
/// the same checks and problems as [`parse_survey`] after its text parse.
pub fn parse_survey_value(mut root: Value) -> Result<Survey, Vec<Problem>> {
    let mut out = Vec::new();
    let mut broken: Vec<String> = Vec::new();
    // Question ids that exist in the file but whose question is broken: show_if may name them.
    let mut broken_question_ids: Vec<String> = Vec::new();

    let Some(top) = root.as_object_mut() else {
        wrong_type("$", "对象 {…}", "an object {…}", &root, &mut out);
        return Err(out);
    };
    check_and_patch(top, SURVEY_TOP, &["sections"], "$", &mut out, &mut broken);

    let sections_ok = match top.get("sections") {
        None => {
            out.push(Problem::new(
                "$.sections",
                "missing_field",
                "缺少必填字段“sections”",
                "missing required field \"sections\"",
            ));
            false
        }
        Some(Value::Array(_)) => true,
        Some(other) => {
            wrong_type("$.sections", "数组", "an array", other, &mut out);
            false
        }
    };
    if !sections_ok {
        broken.push("$.sections".into());
        top.insert("sections".into(), Value::Array(Vec::new()));
    }
    if let Some(Value::Array(sections)) = top.get_mut("sections") {
        for (si, section) in sections.iter_mut().enumerate() {
            let spath = index_path("$.sections", si);
            let Some(sobj) = section.as_object_mut() else {
                wrong_type(&spath, "对象 {…}", "an object {…}", section, &mut out);
                broken.push(spath);
                *section = serde_json::json!({ "id": "", "title": { "zh": "-" }, "questions": [] });
                continue;
            };
            check_and_patch(sobj, SECTION, &["questions"], &spath, &mut out, &mut broken);
            let qs_path = key_path(&spath, "questions");
            let questions_ok = match sobj.get("questions") {
                None => {
                    out.push(Problem::new(
                        &qs_path,
                        "missing_field",
                        "缺少必填字段“questions”",
                        "missing required field \"questions\"",
                    ));
                    false
                }
                Some(Value::Array(_)) => true,
                Some(other) => {
                    wrong_type(&qs_path, "数组", "an array", other, &mut out);
                    false
                }
            };
            if !questions_ok {
                broken.push(qs_path.clone());
                sobj.insert("questions".into(), Value::Array(Vec::new()));
            }
            if let Some(Value::Array(questions)) = sobj.get_mut("questions") {
                for (qi, question) in questions.iter_mut().enumerate() {
                    let qpath = index_path(&qs_path, qi);
                    if !walk_question(question, &qpath, &mut out) {
                        let id = question
                            .get("id")
                            .and_then(Value::as_str)
                            .unwrap_or("")
                            .to_string();
                        if !id.is_empty() {
                            broken_question_ids.push(id.clone());
                        }
                        broken.push(qpath);
                        *question =
                            serde_json::json!({ "id": id, "title": { "zh": "-" }, "kind": "text" });
                    }
                }
            }
        }
    }

    let Some(survey) = read::survey(&root) else {
        // The structure pass should catch everything the reader rejects; this is a safety net.
        out.push(Problem::new(
            "$",
            "invalid_structure",
            "无法读取问卷",
            "the survey cannot be read",
        ));
        return Err(out);
    };
    let semantic = check_survey(&survey, &broken_question_ids);
    out.extend(
        semantic
            .into_iter()
            .filter(|p| !broken.iter().any(|b| is_under(&p.path, b))),
    );
    if out.is_empty() {
        Ok(survey)
    } else {
        Err(out)
    }
}

/// Reading the checked (and patched) tree into the typed model.
///
/// This is done by hand rather than with `serde_json::from_value::<Survey>`: the derived
/// `Deserialize` of the model would bring serde_json's `Value` deserializer and serde's buffering
/// for `#[serde(flatten)]` and internally tagged enums into the widget (tens of KB of wasm). It
/// accepts exactly what the derived `Deserialize` accepts from a tree that passed pass 2;
/// `tests/read_equiv.rs` checks that the two agree.
mod read {
    use serde_json::{Map, Value};

    use crate::survey::*;

    type Obj = Map<String, Value>;
    type Conv<T> = fn(&Value) -> Option<T>;

    /// A required field.
    fn req<T>(m: &Obj, key: &str, f: Conv<T>) -> Option<T> {
        f(m.get(key)?)
    }
    /// An `Option` field: absent or `null` is `None`.
    fn opt<T>(m: &Obj, key: &str, f: Conv<T>) -> Option<Option<T>> {
        match m.get(key) {
            None | Some(Value::Null) => Some(None),
            Some(v) => f(v).map(Some),
        }
    }
    /// A field with a default when absent (`null` is not allowed).
    fn def<T>(m: &Obj, key: &str, f: Conv<T>, default: T) -> Option<T> {
        match m.get(key) {
            None => Some(default),
            Some(v) => f(v),
        }
    }
    fn list<T>(v: &Value, f: Conv<T>) -> Option<Vec<T>> {
        v.as_array()?.iter().map(f).collect()
    }
    fn string(v: &Value) -> Option<String> {
        v.as_str().map(str::to_string)
    }
    fn uint(v: &Value) -> Option<u32> {
        u32::try_from(v.as_u64()?).ok()
    }
    fn int(v: &Value) -> Option<i32> {
        i32::try_from(v.as_i64()?).ok()
    }
    fn boolean(v: &Value) -> Option<bool> {
        v.as_bool()
    }
    fn text(v: &Value) -> Option<Text> {
        let m = v.as_object()?;
        Some(Text {
            zh: req(m, "zh", string)?,
            en: opt(m, "en", string)?,
        })
    }
    fn item(v: &Value) -> Option<Item> {
        let m = v.as_object()?;
        Some(Item {
            id: req(m, "id", string)?,
            label: req(m, "label", text)?,
            detail: opt(m, "detail", text)?,
        })
    }
    fn items(v: &Value) -> Option<Vec<Item>> {
        list(v, item)
    }

    pub(super) fn survey(v: &Value) -> Option<Survey> {
        let m = v.as_object()?;
        Some(Survey {
            schema: opt(m, "$schema", string)?,
            format: req(m, "format", string)?,
            id: req(m, "id", string)?,
            version: req(m, "version", uint)?,
            title: req(m, "title", text)?,
            description: opt(m, "description", text)?,
            unit: req(m, "unit", string)?,
            eligible: opt(m, "eligible", uint)?,
            voting_unit: def(
                m,
                "voting_unit",
                |v| match v.as_str()? {
                    "person" => Some(VotingUnit::Person),
                    "household" => Some(VotingUnit::Household),
                    _ => None,
                },
                VotingUnit::Person,
            )?,
            anonymous: def(m, "anonymous", boolean, true)?,
            quorum_percent: def(m, "quorum_percent", uint, 50)?,
            results_public: def(m, "results_public", boolean, false)?,
            publish_receipts: def(m, "publish_receipts", boolean, false)?,
            codes: def(m, "codes", boolean, false)?,
            opens_at: opt(m, "opens_at", string)?,
            closes_at: opt(m, "closes_at", string)?,
            collect: opt(m, "collect", |v| {
                let m = v.as_object()?;
                Some(Collect {
                    endpoint: req(m, "endpoint", string)?,
                    submit_key: opt(m, "submit_key", string)?,
                })
            })?,
            sections: req(m, "sections", |v| list(v, section))?,
        })
    }

    fn section(v: &Value) -> Option<Section> {
        let m = v.as_object()?;
        Some(Section {
            id: req(m, "id", string)?,
            title: req(m, "title", text)?,
            description: opt(m, "description", text)?,
            questions: req(m, "questions", |v| list(v, question))?,
        })
    }

    fn question(v: &Value) -> Option<Question> {
        let m = v.as_object()?;
        let body = match m.get("kind")?.as_str()? {
            "scale" => QuestionBody::Scale(ScaleQuestion {
                preset: opt(m, "preset", |v| match v.as_str()? {
                    "satisfaction" => Some(ScalePreset::Satisfaction),
                    "appraisal" => Some(ScalePreset::Appraisal),
                    _ => None,
                })?,
                options: def(m, "options", |v| list(v, scale_option), Vec::new())?,
                grades: def(m, "grades", |v| list(v, grade_rule), Vec::new())?,
                default_grade: opt(m, "default_grade", text)?,
                subjects: def(m, "subjects", items, Vec::new())?,
            }),
            "choose" => QuestionBody::Choose(ChooseQuestion {
                options: req(m, "options", items)?,
                min: def(m, "min", uint, 0)?,
                max: req(m, "max", uint)?,
                seats: opt(m, "seats", uint)?,
            }),
            "score" => QuestionBody::Score(ScoreQuestion {
                subjects: req(m, "subjects", items)?,
                criteria: req(m, "criteria", |v| list(v, criterion))?,
                combine: def(m, "combine", combine, Combine::Mean)?,
            }),
            "notice" => QuestionBody::Notice(NoticeQuestion {
                items: req(m, "items", items)?,
                reason_max_len: def(m, "reason_max_len", uint, 200)?,
            }),
            "approve" => QuestionBody::Approve(ApproveQuestion {
                rule: def(
                    m,
                    "rule",
                    |v| match v.as_str()? {
                        "cast" => Some(PassRule::Cast),
                        "valid" => Some(PassRule::Valid),
                        "eligible" => Some(PassRule::Eligible),
                        _ => None,
                    },
                    PassRule::Cast,
                )?,
                detail: opt(m, "detail", text)?,
            }),
            "text" => QuestionBody::Text(TextQuestion {
                max_len: def(m, "max_len", uint, 500)?,
            }),
            _ => return None,
        };
        Some(Question {
            id: req(m, "id", string)?,
            title: req(m, "title", text)?,
            help: opt(m, "help", text)?,
            required: def(m, "required", boolean, true)?,
            show_if: opt(m, "show_if", |v| {
                let m = v.as_object()?;
                Some(Condition {
                    question: req(m, "question", string)?,
                    any_of: req(m, "any_of", |v| list(v, string))?,
                })
            })?,
            body,
        })
    }

    fn scale_option(v: &Value) -> Option<ScaleOption> {
        let m = v.as_object()?;
        Some(ScaleOption {
            id: req(m, "id", string)?,
            label: req(m, "label", text)?,
            weight: opt(m, "weight", int)?,
            not_valid: def(m, "not_valid", boolean, false)?,
        })
    }

    fn grade_rule(v: &Value) -> Option<GradeRule> {
        let m = v.as_object()?;
        Some(GradeRule {
            option: req(m, "option", string)?,
            at_least_percent: req(m, "at_least_percent", uint)?,
            grade: req(m, "grade", text)?,
        })
    }

    fn criterion(v: &Value) -> Option<Criterion> {
        let m = v.as_object()?;
        Some(Criterion {
            id: req(m, "id", string)?,
            label: req(m, "label", text)?,
            min: req(m, "min", int)?,
            max: req(m, "max", int)?,
            step: def(m, "step", uint, 1)?,
        })
    }

    fn combine(v: &Value) -> Option<Combine> {
        let m = v.as_object()?;
        match req(m, "method", string)?.as_str() {
            "mean" => Some(Combine::Mean),
            "trimmed_mean" => Some(Combine::TrimmedMean {
                drop: req(m, "drop", uint)?,
            }),
            _ => None,
        }
    }
}

/// Whether `path` is `prefix` or lies inside it.
fn is_under(path: &str, prefix: &str) -> bool {
    path.strip_prefix(prefix)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('.') || rest.starts_with('['))
}

// ------------------------------------------------------------------------------------------------
// Pass 3: meaning

/// Check an already-typed survey (e.g. one built in code). Returns every problem found; empty
/// means valid.
pub fn validate_survey(survey: &Survey) -> Vec<Problem> {
    check_survey(survey, &[])
}

struct Ids<'a> {
    seen: Vec<(&'a str, String)>,
    what_zh: &'static str,
    what_en: &'static str,
}

impl<'a> Ids<'a> {
    fn new(what_zh: &'static str, what_en: &'static str) -> Self {
        Ids {
            seen: Vec::new(),
            what_zh,
            what_en,
        }
    }

    /// Check syntax and uniqueness of an id at `path` (the path of the `id` field).
    fn check(&mut self, id: &'a str, path: &str, out: &mut Vec<Problem>) {
        check_id_syntax(id, path, out);
        if let Some((_, first)) = self.seen.iter().find(|(seen, _)| *seen == id) {
            out.push(Problem::new(
                path,
                "duplicate_id",
                format!("{}编号“{}”重复，已在 {first} 使用", self.what_zh, show(id)),
                format!(
                    "duplicate {} id \"{}\", already used at {first}",
                    self.what_en,
                    show(id)
                ),
            ));
        } else {
            self.seen.push((id, path.to_string()));
        }
    }
}

fn check_id_syntax(id: &str, path: &str, out: &mut Vec<Problem>) {
    if !is_valid_id(id) {
        out.push(Problem::new(
            path,
            "bad_id",
            format!(
                "编号“{}”无效：只能用小写英文字母、数字、“-”和“_”，长度 1 到 64",
                show(id)
            ),
            format!(
                "invalid id \"{}\": use 1 to 64 lowercase letters, digits, '-' or '_'",
                show(id)
            ),
        ));
    }
}

fn check_text(t: &Text, path: &str, out: &mut Vec<Problem>) {
    if t.zh.trim().is_empty() {
        out.push(Problem::new(
            key_path(path, "zh"),
            "empty_text",
            "中文文字不能为空",
            "the Chinese text (zh) must not be empty",
        ));
    }
}

fn check_items(
    items: &[crate::survey::Item],
    path: &str,
    what_zh: &'static str,
    what_en: &'static str,
    out: &mut Vec<Problem>,
) {
    let mut ids = Ids::new(what_zh, what_en);
    for (i, item) in items.iter().enumerate() {
        let ipath = index_path(path, i);
        ids.check(&item.id, &key_path(&ipath, "id"), out);
        check_text(&item.label, &key_path(&ipath, "label"), out);
    }
}

fn check_survey(s: &Survey, broken_question_ids: &[String]) -> Vec<Problem> {
    let mut out = Vec::new();
    if s.format != FORMAT {
        out.push(Problem::new(
            "$.format",
            "format_unsupported",
            format!("不支持的格式“{}”，应为“{FORMAT}”", show(&s.format)),
            format!(
                "unsupported format \"{}\"; expected \"{FORMAT}\"",
                show(&s.format)
            ),
        ));
    }
    check_id_syntax(&s.id, "$.id", &mut out);
    if s.version == 0 {
        out.push(Problem::new(
            "$.version",
            "version_zero",
            "版本号应从 1 开始",
            "version starts at 1",
        ));
    }
    check_text(&s.title, "$.title", &mut out);
    if s.eligible == Some(0) {
        out.push(Problem::new(
            "$.eligible",
            "eligible_zero",
            "应参与人数（eligible）不能为 0；不知道时请省略该字段",
            "eligible must not be 0; leave it out when unknown",
        ));
    }
    if s.quorum_percent > 100 {
        out.push(Problem::new(
            "$.quorum_percent",
            "quorum_over_100",
            format!(
                "法定比例 quorum_percent 为 {}，不能超过 100",
                s.quorum_percent
            ),
            format!(
                "quorum_percent is {}, it cannot exceed 100",
                s.quorum_percent
            ),
        ));
    }
    let opens = check_time(s.opens_at.as_deref(), "$.opens_at", &mut out);
    let closes = check_time(s.closes_at.as_deref(), "$.closes_at", &mut out);
    if let (Some(o), Some(c)) = (opens, closes) {
        if c <= o {
            out.push(Problem::new(
                "$.closes_at",
                "closes_before_opens",
                "截止时间（closes_at）必须晚于开始时间（opens_at）",
                "closes_at must be later than opens_at",
            ));
        }
    }
    if let Some(collect) = &s.collect {
        let e = collect.endpoint.to_ascii_lowercase();
        let rest = e
            .strip_prefix("https://")
            .or_else(|| e.strip_prefix("http://"));
        if !rest.is_some_and(|r| !r.is_empty() && !r.starts_with('/'))
            || e.chars().any(char::is_whitespace)
        {
            out.push(Problem::new(
                "$.collect.endpoint",
                "bad_endpoint",
                format!(
                    "收集地址“{}”无效，应以 http:// 或 https:// 开头",
                    show(&collect.endpoint)
                ),
                format!(
                    "collect endpoint \"{}\" must be an http:// or https:// URL",
                    show(&collect.endpoint)
                ),
            ));
        }
    }
    if s.sections.is_empty() {
        out.push(Problem::new(
            "$.sections",
            "no_sections",
            "问卷至少要有一个部分（section）",
            "a survey needs at least one section",
        ));
    }

    let mut known = KnownQuestions {
        earlier: Vec::new(),
        all_ids: Vec::new(),
        broken: broken_question_ids,
    };
    // Inserts rather than `collect()`, which sorts and bulk-builds: much more wasm.
    for q in s.questions() {
        known.all_ids.push(q.id.as_str());
    }
    let mut section_ids = Ids::new("部分", "section");
    let mut question_ids = Ids::new("问题", "question");
    let mut position = 0usize;
    for (si, section) in s.sections.iter().enumerate() {
        let spath = index_path("$.sections", si);
        section_ids.check(&section.id, &key_path(&spath, "id"), &mut out);
        check_text(&section.title, &key_path(&spath, "title"), &mut out);
        if section.questions.is_empty() {
            out.push(Problem::new(
                key_path(&spath, "questions"),
                "no_questions",
                "这一部分没有任何问题",
                "this section has no questions",
            ));
        }
        for (qi, q) in section.questions.iter().enumerate() {
            let qpath = index_path(&key_path(&spath, "questions"), qi);
            question_ids.check(&q.id, &key_path(&qpath, "id"), &mut out);
            check_text(&q.title, &key_path(&qpath, "title"), &mut out);
            if let Some(cond) = &q.show_if {
                check_condition(
                    q,
                    cond,
                    position,
                    &known,
                    &key_path(&qpath, "show_if"),
                    &mut out,
                );
            }
            check_body(s, q, &qpath, &mut out);
            check_question_lists(q, &qpath, &mut out);
            if !known.earlier.iter().any(|(id, _)| *id == q.id) {
                known.earlier.push((q.id.as_str(), (position, q)));
            }
            position += 1;
        }
    }
    if position > MAX_QUESTIONS {
        out.push(Problem::new(
            "$.sections",
            "too_many_questions",
            format!("问卷有 {position} 个问题，最多只能有 {MAX_QUESTIONS} 个"),
            format!("the survey has {position} questions; it can have at most {MAX_QUESTIONS}"),
        ));
    }
    let bound = ballot_size_bound(s);
    if bound > MAX_BALLOT_BYTES {
        out.push(Problem::new(
            "$",
            "ballot_too_large",
            format!(
                "这份问卷的一张选票最多可能有 {} KB，超过了上限 {} KB：请减少问题、选项或公示事项，或调低字数上限（max_len、reason_max_len）",
                bound.div_ceil(1024),
                MAX_BALLOT_BYTES / 1024
            ),
            format!(
                "a ballot of this survey could take up to {} KB, over the limit of {} KB: use fewer questions, options or items, or lower the length limits (max_len, reason_max_len)",
                bound.div_ceil(1024),
                MAX_BALLOT_BYTES / 1024
            ),
        ));
    }
    out
}

fn check_time(t: Option<&str>, path: &str, out: &mut Vec<Problem>) -> Option<crate::time::UtcTime> {
    let t = t?;
    let parsed = parse_rfc3339(t);
    if parsed.is_none() {
        out.push(Problem::new(
            path,
            "bad_time",
            format!(
                "时间“{}”格式无效，应为 RFC 3339 格式，如 2026-11-27T19:30:00+08:00",
                show(t)
            ),
            format!(
                "time \"{}\" is not RFC 3339, e.g. 2026-11-27T19:30:00+08:00",
                show(t)
            ),
        ));
    }
    parsed
}

/// The answers a question can give to a `show_if` condition, or `None` when it cannot be one.
fn condition_answers(q: &Question) -> Option<Vec<String>> {
    match &q.body {
        QuestionBody::Scale(s) if s.subjects.is_empty() => {
            Some(s.effective_options().into_iter().map(|o| o.id).collect())
        }
        QuestionBody::Approve(_) => Some(APPROVE_OPTIONS.iter().map(|s| s.to_string()).collect()),
        QuestionBody::Choose(c) => Some(c.options.iter().map(|o| o.id.clone()).collect()),
        _ => None,
    }
}

/// What a `show_if` check needs to know about the other questions.
struct KnownQuestions<'a> {
    /// Questions seen so far: id → (position in survey order, question).
    earlier: Vec<(&'a str, (usize, &'a Question))>,
    /// Every question id in the survey.
    all_ids: Vec<&'a str>,
    /// Ids of questions that are broken in the file (already reported).
    broken: &'a [String],
}

fn check_condition(
    q: &Question,
    cond: &crate::survey::Condition,
    position: usize,
    known: &KnownQuestions<'_>,
    path: &str,
    out: &mut Vec<Problem>,
) {
    let (earlier, all_ids, broken_question_ids) = (&known.earlier, &known.all_ids, known.broken);
    let qpath = key_path(path, "question");
    if broken_question_ids.contains(&cond.question) {
        // That question is broken and already reported where it is.
        return;
    }
    let target = match earlier
        .iter()
        .find(|(id, _)| *id == cond.question)
        .map(|(_, e)| e)
    {
        Some((pos, t)) if *pos < position => Some(*t),
        _ => None,
    };
    let Some(target) = target else {
        if cond.question == q.id {
            out.push(Problem::new(
                &qpath,
                "condition_not_earlier",
                "显示条件不能引用问题自身",
                "a show_if condition cannot refer to its own question",
            ));
        } else if all_ids.contains(&cond.question.as_str()) {
            out.push(Problem::new(
                &qpath,
                "condition_not_earlier",
                format!("显示条件引用的问题“{}”在本题之后；只能引用前面的问题", show(&cond.question)),
                format!("show_if names question \"{}\", which comes later; it must be an earlier question", show(&cond.question)),
            ));
        } else {
            out.push(Problem::new(
                &qpath,
                "condition_unknown_question",
                format!("显示条件引用的问题“{}”不存在", show(&cond.question)),
                format!(
                    "show_if names question \"{}\", which does not exist",
                    show(&cond.question)
                ),
            ));
        }
        return;
    };
    let Some(answers) = condition_answers(target) else {
        out.push(Problem::new(
            &qpath,
            "condition_kind",
            format!(
                "问题“{}”是{}题（{}），不能作为显示条件；只能引用单项量表题（scale，无 subjects）、表决题（approve）或选择题（choose）",
                show(&cond.question),
                kind_zh(&target.body),
                target.body.kind()
            ),
            format!(
                "question \"{}\" is a {} question and cannot be a condition; use a single scale, approve or choose question",
                show(&cond.question),
                target.body.kind()
            ),
        ));
        return;
    };
    let any_path = key_path(path, "any_of");
    if cond.any_of.is_empty() {
        out.push(Problem::new(
            &any_path,
            "condition_empty",
            "any_of 至少要列出一个答案",
            "any_of must list at least one answer",
        ));
    }
    for (i, a) in cond.any_of.iter().enumerate() {
        if !answers.contains(a) {
            out.push(Problem::new(
                index_path(&any_path, i),
                "condition_unknown_answer",
                format!(
                    "问题“{}”没有答案“{}”，可选：{}",
                    show(&cond.question),
                    show(a),
                    answers.join("、")
                ),
                format!(
                    "question \"{}\" has no answer \"{}\"; answers: {}",
                    show(&cond.question),
                    show(a),
                    answers.join(", ")
                ),
            ));
        }
    }
}

fn kind_zh(body: &QuestionBody) -> &'static str {
    match body {
        QuestionBody::Scale(s) if s.subjects.is_empty() => "量表",
        QuestionBody::Scale(_) => "矩阵量表",
        QuestionBody::Choose(_) => "选择",
        QuestionBody::Score(_) => "评分",
        QuestionBody::Notice(_) => "公示",
        QuestionBody::Approve(_) => "表决",
        QuestionBody::Text(_) => "文字",
    }
}

fn check_body(s: &Survey, q: &Question, qpath: &str, out: &mut Vec<Problem>) {
    match &q.body {
        QuestionBody::Scale(sc) => check_scale(sc, qpath, out),
        QuestionBody::Choose(c) => {
            let opath = key_path(qpath, "options");
            let max_path = key_path(qpath, "max");
            if c.options.is_empty() {
                out.push(Problem::new(
                    &opath,
                    "no_options",
                    "选择题至少要有一个选项",
                    "a choose question needs options",
                ));
            }
            check_items(&c.options, &opath, "选项", "option", out);
            let n = c.options.len() as u64;
            if c.max == 0 {
                out.push(Problem::new(
                    &max_path,
                    "max_zero",
                    "最多可选项数 max 不能为 0",
                    "max must not be 0",
                ));
            } else if c.max < c.min {
                out.push(Problem::new(
                    &max_path,
                    "max_below_min",
                    format!("最多可选 {} 项，却要求至少选 {} 项", c.max, c.min),
                    format!("max ({}) is below min ({})", c.max, c.min),
                ));
            }
            if u64::from(c.max) > n {
                out.push(Problem::new(
                    &max_path,
                    "max_over_options",
                    format!("最多可选 {} 项，但只有 {n} 个选项", c.max),
                    format!("max ({}) is more than the {n} options", c.max),
                ));
            }
            if let Some(seats) = c.seats {
                let seats_path = key_path(qpath, "seats");
                if seats == 0 {
                    out.push(Problem::new(
                        &seats_path,
                        "seats_zero",
                        "名额 seats 不能为 0；不限名额时请省略",
                        "seats must not be 0; leave it out for no seats",
                    ));
                } else if u64::from(seats) > n {
                    out.push(Problem::new(
                        &seats_path,
                        "seats_over_options",
                        format!("名额为 {seats} 个，但只有 {n} 个候选",),
                        format!("seats ({seats}) is more than the {n} candidates"),
                    ));
                }
            }
        }
        QuestionBody::Score(sq) => {
            let spath = key_path(qpath, "subjects");
            let cpath = key_path(qpath, "criteria");
            if sq.subjects.is_empty() {
                out.push(Problem::new(
                    &spath,
                    "no_subjects",
                    "评分题至少要有一个评分对象",
                    "a score question needs subjects",
                ));
            }
            if sq.criteria.is_empty() {
                out.push(Problem::new(
                    &cpath,
                    "no_criteria",
                    "评分题至少要有一项评分标准",
                    "a score question needs criteria",
                ));
            }
            check_items(&sq.subjects, &spath, "评分对象", "subject", out);
            let mut ids = Ids::new("评分标准", "criterion");
            for (i, c) in sq.criteria.iter().enumerate() {
                let p = index_path(&cpath, i);
                ids.check(&c.id, &key_path(&p, "id"), out);
                check_text(&c.label, &key_path(&p, "label"), out);
                if c.max < c.min {
                    out.push(Problem::new(
                        key_path(&p, "max"),
                        "max_below_min",
                        format!("最高分 {} 低于最低分 {}", c.max, c.min),
                        format!("max ({}) is below min ({})", c.max, c.min),
                    ));
                } else if c.step == 0 {
                    out.push(Problem::new(
                        key_path(&p, "step"),
                        "step_zero",
                        "步长 step 不能为 0",
                        "step must not be 0",
                    ));
                } else if (i64::from(c.max) - i64::from(c.min)) % i64::from(c.step) != 0 {
                    out.push(Problem::new(
                        key_path(&p, "step"),
                        "step_not_dividing",
                        format!("步长 {} 不能整除分数范围 {}–{}", c.step, c.min, c.max),
                        format!(
                            "step {} does not divide the range {} to {}",
                            c.step, c.min, c.max
                        ),
                    ));
                }
            }
            if let Combine::TrimmedMean { drop: 0 } = sq.combine {
                out.push(Problem::new(
                    key_path(&key_path(qpath, "combine"), "drop"),
                    "drop_zero",
                    "去掉最高分和最低分的个数 drop 不能为 0；不去分时请用 {\"method\": \"mean\"}",
                    "drop must be at least 1; use {\"method\": \"mean\"} for a plain mean",
                ));
            }
        }
        QuestionBody::Notice(n) => {
            let ipath = key_path(qpath, "items");
            if n.items.is_empty() {
                out.push(Problem::new(
                    &ipath,
                    "no_items",
                    "公示题至少要有一个公示事项",
                    "a notice question needs items",
                ));
            }
            check_items(&n.items, &ipath, "公示事项", "item", out);
            if n.reason_max_len == 0 {
                out.push(Problem::new(
                    key_path(qpath, "reason_max_len"),
                    "max_len_zero",
                    "理由长度上限不能为 0",
                    "reason_max_len must not be 0",
                ));
            }
            check_max_len(
                n.reason_max_len,
                MAX_REASON_LEN,
                &key_path(qpath, "reason_max_len"),
                out,
            );
        }
        QuestionBody::Approve(a) => {
            if a.rule == PassRule::Eligible && s.eligible.is_none() {
                out.push(Problem::new(
                    key_path(qpath, "rule"),
                    "eligible_missing",
                    "按应参与人数（eligible）计算通过时，问卷必须填写 eligible",
                    "rule \"eligible\" needs the survey's eligible count",
                ));
            }
        }
        QuestionBody::Text(t) => {
            if t.max_len == 0 {
                out.push(Problem::new(
                    key_path(qpath, "max_len"),
                    "max_len_zero",
                    "字数上限 max_len 不能为 0",
                    "max_len must not be 0",
                ));
            }
            check_max_len(t.max_len, MAX_TEXT_LEN, &key_path(qpath, "max_len"), out);
        }
    }
}

fn check_max_len(value: u32, most: u32, path: &str, out: &mut Vec<Problem>) {
    if value > most {
        out.push(Problem::new(
            path,
            "max_len_too_large",
            format!("字数上限为 {value}，最多只能设为 {most}"),
            format!("the length limit is {value}; it can be at most {most}"),
        ));
    }
}

/// A list of a question (options, subjects, items, criteria) with more than [`MAX_ENTRIES`].
fn check_entries(n: usize, path: &str, out: &mut Vec<Problem>) {
    if n > MAX_ENTRIES {
        out.push(Problem::new(
            path,
            "too_many_entries",
            format!("这里有 {n} 项，一道题最多只能有 {MAX_ENTRIES} 项"),
            format!("this list has {n} entries; a question can have at most {MAX_ENTRIES}"),
        ));
    }
}

/// The counts of every list of a question, against [`MAX_ENTRIES`].
fn check_question_lists(q: &Question, qpath: &str, out: &mut Vec<Problem>) {
    let lists: Vec<(&str, usize)> = match &q.body {
        QuestionBody::Scale(s) => {
            vec![("options", s.options.len()), ("subjects", s.subjects.len())]
        }
        QuestionBody::Choose(c) => vec![("options", c.options.len())],
        QuestionBody::Score(s) => vec![
            ("subjects", s.subjects.len()),
            ("criteria", s.criteria.len()),
        ],
        QuestionBody::Notice(n) => vec![("items", n.items.len())],
        QuestionBody::Approve(_) | QuestionBody::Text(_) => Vec::new(),
    };
    for (name, n) in lists {
        check_entries(n, &key_path(qpath, name), out);
    }
}

fn check_scale(sc: &ScaleQuestion, qpath: &str, out: &mut Vec<Problem>) {
    let opath = key_path(qpath, "options");
    if sc.options.is_empty() && sc.preset.is_none() {
        out.push(Problem::new(
            &opath,
            "no_options",
            "量表题需要 preset（satisfaction 或 appraisal）或自定义 options",
            "a scale question needs a preset or options",
        ));
    }
    let mut ids = Ids::new("选项", "option");
    for (i, o) in sc.options.iter().enumerate() {
        let p = index_path(&opath, i);
        ids.check(&o.id, &key_path(&p, "id"), out);
        check_text(&o.label, &key_path(&p, "label"), out);
        if o.not_valid && o.weight.is_some() {
            out.push(Problem::new(
                key_path(&p, "weight"),
                "weight_on_not_valid",
                format!(
                    "选项“{}”不计入有效票（not_valid），不能设分值 weight",
                    show(&o.id)
                ),
                format!(
                    "option \"{}\" is not a valid vote and cannot have a weight",
                    show(&o.id)
                ),
            ));
        }
    }
    let effective = sc.effective_options();
    if !effective.is_empty() && effective.iter().all(|o| o.not_valid) {
        out.push(Problem::new(
            &opath,
            "no_valid_option",
            "至少要有一个计入有效票的选项",
            "at least one option must be a valid vote",
        ));
    }
    let gpath = key_path(qpath, "grades");
    for (i, g) in sc.grades.iter().enumerate() {
        let p = index_path(&gpath, i);
        if !effective.iter().any(|o| o.id == g.option) {
            let ids: Vec<&str> = effective.iter().map(|o| o.id.as_str()).collect();
            out.push(Problem::new(
                key_path(&p, "option"),
                "grade_unknown_option",
                format!(
                    "评定规则引用的选项“{}”不存在，可选：{}",
                    show(&g.option),
                    ids.join("、")
                ),
                format!(
                    "grade rule names unknown option \"{}\"; options: {}",
                    show(&g.option),
                    ids.join(", ")
                ),
            ));
        }
        if g.at_least_percent > 100 {
            out.push(Problem::new(
                key_path(&p, "at_least_percent"),
                "grade_threshold_over_100",
                format!("评定门槛 {}% 超过 100%", g.at_least_percent),
                format!("threshold {}% is over 100%", g.at_least_percent),
            ));
        }
        check_text(&g.grade, &key_path(&p, "grade"), out);
    }
    check_items(
        &sc.subjects,
        &key_path(qpath, "subjects"),
        "评议对象",
        "subject",
        out,
    );
}

// ------------------------------------------------------------------------------------------------
// Ballots

/// Check a ballot against its survey. Returns every problem found.
///
/// Checks the ballot id (UUID shape), survey id and version, `cast_at` (RFC 3339), that every
/// answer belongs to a question that exists and is shown, that every shown required question is
/// answered, and each answer against its question (see [`check_answer`]). It does not check
/// `cast_at` against `opens_at`/`closes_at`: paper ballots are keyed in after the meeting, so the
/// window is the collector's decision.
pub fn validate_ballot(survey: &Survey, ballot: &Ballot) -> Result<(), Vec<Problem>> {
    let mut out = Vec::new();
    if canonical_ballot_id(&ballot.id).as_deref() != Some(ballot.id.as_str()) {
        out.push(Problem::new(
            "$.id",
            "bad_ballot_id",
            format!(
                "选票编号“{}”不是小写的 UUID（如 6f1c2b8e-0000-4000-8000-000000000001）",
                show(&ballot.id)
            ),
            format!(
                "ballot id \"{}\" is not a lowercase UUID (like 6f1c2b8e-0000-4000-8000-000000000001)",
                show(&ballot.id)
            ),
        ));
    }
    check_device(survey, ballot, &mut out);
    if ballot.survey_id != survey.id {
        out.push(Problem::new(
            "$.survey_id",
            "survey_mismatch",
            format!(
                "这张选票属于问卷“{}”，不是“{}”",
                show(&ballot.survey_id),
                show(&survey.id)
            ),
            format!(
                "the ballot is for survey \"{}\", not \"{}\"",
                show(&ballot.survey_id),
                show(&survey.id)
            ),
        ));
    }
    if ballot.survey_version != survey.version {
        out.push(Problem::new(
            "$.survey_version",
            "version_mismatch",
            format!(
                "这张选票回答的是第 {} 版问卷，当前是第 {} 版",
                ballot.survey_version, survey.version
            ),
            format!(
                "the ballot answers version {}, the survey is version {}",
                ballot.survey_version, survey.version
            ),
        ));
    }
    if ballot.cast_at.len() > MAX_CAST_AT_LEN || parse_rfc3339(&ballot.cast_at).is_none() {
        out.push(Problem::new(
            "$.cast_at",
            "bad_time",
            format!("投票时间“{}”不是 RFC 3339 格式", show(&ballot.cast_at)),
            format!(
                "cast_at \"{}\" is not an RFC 3339 time",
                show(&ballot.cast_at)
            ),
        ));
    }
    check_code_hash(survey, ballot, &mut out);
    let question_count = survey.questions().count();
    if too_long(ballot.answers.len(), question_count) {
        out.push(Problem::new(
            "$.answers",
            "too_many_answers",
            format!(
                "选票有 {} 个答案，但问卷只有 {question_count} 个问题",
                ballot.answers.len()
            ),
            format!(
                "the ballot has {} answers, the survey has {question_count} questions",
                ballot.answers.len()
            ),
        ));
        return Err(capped(out));
    }
    for key in ballot.answers.keys() {
        if survey.question(key).is_none() {
            out.push(Problem::new(
                key_path("$.answers", key),
                "unknown_question",
                format!("问卷中没有问题“{}”", show(key)),
                format!("the survey has no question \"{}\"", show(key)),
            ));
        }
    }
    for q in survey.questions() {
        let path = key_path("$.answers", &q.id);
        let shown = q.is_shown(&ballot.answers);
        match ballot.answers.get(&q.id) {
            None => {
                if shown && q.required {
                    out.push(required_missing(&q.id, &path));
                }
            }
            Some(a) => {
                if !shown {
                    out.push(Problem::new(
                        &path,
                        "answer_to_hidden",
                        format!("问题 {} 按条件不显示，不应作答", q.id),
                        format!(
                            "question {} is hidden by its condition and must not be answered",
                            q.id
                        ),
                    ));
                } else {
                    check_answer(q, a, &path, true, &mut out);
                }
            }
        }
    }
    if out.is_empty() {
        Ok(())
    } else {
        Err(capped(out))
    }
}

/// At most [`MAX_BALLOT_PROBLEMS`] problems, then one that says how many more there were.
fn capped(mut out: Vec<Problem>) -> Vec<Problem> {
    if out.len() > MAX_BALLOT_PROBLEMS {
        let more = out.len() - MAX_BALLOT_PROBLEMS;
        out.truncate(MAX_BALLOT_PROBLEMS);
        out.push(Problem::new(
            "$",
            "more_problems",
            format!("……还有 {more} 处问题"),
            format!("…and {more} more problems"),
        ));
    }
    out
}

/// Ballot codes: with `codes: true` a digital ballot must carry a code hash (a paper ballot may,
/// when its slip had a code); without, no ballot may. The collector then checks the hash against
/// its code list (`code_unknown`, `code_used`).
fn check_code_hash(survey: &Survey, ballot: &Ballot, out: &mut Vec<Problem>) {
    match &ballot.code_hash {
        None if survey.codes && ballot.channel == crate::ballot::Channel::Digital => {
            out.push(Problem::new(
                "$.code_hash",
                "code_required",
                "这次投票需要选票码，请先输入发给您的选票码",
                "this survey needs a ballot code; enter the code you were given",
            ))
        }
        Some(_) if !survey.codes => out.push(Problem::new(
            "$.code_hash",
            "code_not_expected",
            "这次投票不使用选票码，选票不应带有选票码",
            "this survey does not use ballot codes; the ballot must not carry one",
        )),
        Some(h) if !crate::codes::is_code_hash(h) => out.push(Problem::new(
            "$.code_hash",
            "bad_code_hash",
            "选票码摘要格式不正确（应为 64 位小写十六进制）",
            "code_hash must be 64 lowercase hexadecimal digits",
        )),
        _ => {}
    }
}

/// The device id: when present, a lowercase UUID like the ballot id (so it cannot carry a name
/// or a phone number); required only on a digital ballot of a named (not anonymous) survey, where
/// the report counts ballots per device. An anonymous survey or a paper ballot may leave it out.
fn check_device(survey: &Survey, ballot: &Ballot, out: &mut Vec<Problem>) {
    let d = ballot.device.as_str();
    if d.is_empty() {
        if !survey.anonymous && ballot.channel == crate::ballot::Channel::Digital {
            out.push(Problem::new(
                "$.device",
                "device_missing",
                "记名投票的选票必须带有设备编号（device）",
                "a ballot of a named (not anonymous) survey must carry its device id",
            ));
        }
    } else if canonical_ballot_id(d).as_deref() != Some(d) {
        out.push(Problem::new(
            "$.device",
            "bad_device",
            format!("设备编号“{}”不是小写的 UUID", show(d)),
            format!("device id \"{}\" is not a lowercase UUID", show(d)),
        ));
    }
}

fn required_missing(qid: &str, path: &str) -> Problem {
    Problem::new(
        path,
        "required_missing",
        format!("问题 {qid} 必须回答"),
        format!("question {qid} must be answered"),
    )
}

/// Whether `answer` can be counted for `q`: right shape, known ids, values in range. Missing
/// parts of an optional-looking answer (a subject left out) do not matter here.
pub fn answer_is_countable(q: &Question, answer: &Answer) -> bool {
    let mut out = Vec::new();
    check_answer(q, answer, "$", false, &mut out);
    out.is_empty()
}

/// Check one answer against its question, adding problems under `path` (e.g. `$.answers.q3`).
/// With `complete`, a required question must also be answered fully (every subject, criterion or
/// item; non-blank text); without it only the content is checked (what the tally needs).
pub fn check_answer(
    q: &Question,
    answer: &Answer,
    path: &str,
    complete: bool,
    out: &mut Vec<Problem>,
) {
    let qid = q.id.as_str();
    match (&q.body, answer) {
        (QuestionBody::Scale(s), Answer::Choice { choice }) if s.subjects.is_empty() => {
            let options = s.effective_options();
            if !options.iter().any(|o| &o.id == choice) {
                let ids: Vec<&str> = options.iter().map(|o| o.id.as_str()).collect();
                out.push(unknown_option(qid, choice, &ids, &key_path(path, "choice")));
            }
        }
        (QuestionBody::Scale(s), Answer::Ratings { ratings }) if !s.subjects.is_empty() => {
            let options = s.effective_options();
            let ids: Vec<&str> = options.iter().map(|o| o.id.as_str()).collect();
            let rpath = key_path(path, "ratings");
            if too_long(ratings.len(), s.subjects.len()) {
                out.push(too_many_entries(
                    qid,
                    ratings.len(),
                    s.subjects.len(),
                    &rpath,
                ));
                return;
            }
            for (subject, option) in ratings {
                let p = key_path(&rpath, subject);
                if !s.subjects.iter().any(|x| &x.id == subject) {
                    out.push(unknown_thing(qid, "评议对象", "subject", subject, &p));
                } else if !ids.contains(&option.as_str()) {
                    out.push(unknown_option(qid, option, &ids, &p));
                }
            }
            if complete && q.required {
                for subject in &s.subjects {
                    if !ratings.contains_key(&subject.id) {
                        out.push(Problem::new(
                            key_path(&rpath, &subject.id),
                            "missing_subject",
                            format!("问题 {qid} 还没有评价“{}”", subject.label.zh),
                            format!(
                                "question {qid}: \"{}\" is not rated",
                                subject.label.get("en")
                            ),
                        ));
                    }
                }
            }
        }
        (QuestionBody::Choose(c), Answer::Chosen { chosen }) => {
            let cpath = key_path(path, "chosen");
            let ids: Vec<&str> = c.options.iter().map(|o| o.id.as_str()).collect();
            if too_long(chosen.len(), ids.len()) {
                out.push(too_many_entries(qid, chosen.len(), ids.len(), &cpath));
                return;
            }
            for (i, id) in chosen.iter().enumerate() {
                let p = index_path(&cpath, i);
                if chosen[..i].contains(id) {
                    out.push(Problem::new(
                        &p,
                        "duplicate_choice",
                        format!("问题 {qid} 重复选择了“{}”", show(id)),
                        format!("question {qid}: \"{}\" is chosen twice", show(id)),
                    ));
                } else if !ids.contains(&id.as_str()) {
                    out.push(unknown_option(qid, id, &ids, &p));
                }
            }
            let n = chosen.len() as u64;
            if n > u64::from(c.max) {
                out.push(Problem::new(
                    &cpath,
                    "too_many",
                    format!("问题 {qid} 最多可选 {} 项，但选了 {n} 项", c.max),
                    format!("question {qid}: at most {} may be chosen, {n} were", c.max),
                ));
            }
            if n < u64::from(c.min) {
                out.push(Problem::new(
                    &cpath,
                    "too_few",
                    format!("问题 {qid} 至少要选 {} 项，但只选了 {n} 项", c.min),
                    format!(
                        "question {qid}: at least {} must be chosen, {n} were",
                        c.min
                    ),
                ));
            }
        }
        (QuestionBody::Score(sq), Answer::Scores { scores }) => {
            let spath = key_path(path, "scores");
            if too_long(scores.len(), sq.subjects.len()) {
                out.push(too_many_entries(
                    qid,
                    scores.len(),
                    sq.subjects.len(),
                    &spath,
                ));
                return;
            }
            for (subject, by_criterion) in scores {
                let p = key_path(&spath, subject);
                if !sq.subjects.iter().any(|x| &x.id == subject) {
                    out.push(unknown_thing(qid, "评分对象", "subject", subject, &p));
                    continue;
                }
                if too_long(by_criterion.len(), sq.criteria.len()) {
                    out.push(too_many_entries(
                        qid,
                        by_criterion.len(),
                        sq.criteria.len(),
                        &p,
                    ));
                    continue;
                }
                for (criterion, value) in by_criterion {
                    let cp = key_path(&p, criterion);
                    let Some(c) = sq.criteria.iter().find(|x| &x.id == criterion) else {
                        out.push(unknown_thing(qid, "评分标准", "criterion", criterion, &cp));
                        continue;
                    };
                    if *value < c.min || *value > c.max {
                        out.push(Problem::new(
                            &cp,
                            "score_out_of_range",
                            format!(
                                "问题 {qid} 的“{}”应在 {} 到 {} 分之间，填的是 {value}",
                                c.label.zh, c.min, c.max
                            ),
                            format!(
                                "question {qid}: \"{}\" must be from {} to {}, got {value}",
                                c.label.get("en"),
                                c.min,
                                c.max
                            ),
                        ));
                    } else if c.step > 1
                        && (i64::from(*value) - i64::from(c.min)) % i64::from(c.step) != 0
                    {
                        out.push(Problem::new(
                            &cp,
                            "score_off_step",
                            format!(
                                "问题 {qid} 的“{}”只能按 {} 分一档打分（从 {} 起），填的是 {value}",
                                c.label.zh, c.step, c.min
                            ),
                            format!(
                                "question {qid}: \"{}\" goes in steps of {} from {}, got {value}",
                                c.label.get("en"),
                                c.step,
                                c.min
                            ),
                        ));
                    }
                }
            }
            if complete && q.required {
                for subject in &sq.subjects {
                    let given = scores.get(&subject.id);
                    for c in &sq.criteria {
                        if !given.is_some_and(|m| m.contains_key(&c.id)) {
                            out.push(Problem::new(
                                key_path(&key_path(&spath, &subject.id), &c.id),
                                "missing_score",
                                format!(
                                    "问题 {qid} 还没有给“{}”的“{}”打分",
                                    subject.label.zh, c.label.zh
                                ),
                                format!(
                                    "question {qid}: \"{}\" has no score for \"{}\"",
                                    subject.label.get("en"),
                                    c.label.get("en")
                                ),
                            ));
                        }
                    }
                }
            }
        }
        (QuestionBody::Notice(n), Answer::Responses { responses }) => {
            let rpath = key_path(path, "responses");
            if too_long(responses.len(), n.items.len()) {
                out.push(too_many_entries(
                    qid,
                    responses.len(),
                    n.items.len(),
                    &rpath,
                ));
                return;
            }
            for (item, r) in responses {
                let p = key_path(&rpath, item);
                if !n.items.iter().any(|x| &x.id == item) {
                    out.push(unknown_thing(qid, "公示事项", "item", item, &p));
                    continue;
                }
                let reason = r.reason.as_deref().unwrap_or("");
                if r.objection && reason.trim().is_empty() {
                    out.push(Problem::new(
                        key_path(&p, "reason"),
                        "reason_missing",
                        format!("问题 {qid}：提出异议时请写明理由"),
                        format!("question {qid}: an objection needs a reason"),
                    ));
                }
                let len = reason.chars().count() as u64;
                if len > u64::from(n.reason_max_len) {
                    out.push(Problem::new(
                        key_path(&p, "reason"),
                        "reason_too_long",
                        format!("问题 {qid}：理由最多 {} 字，现在有 {len} 字", n.reason_max_len),
                        format!("question {qid}: the reason may have at most {} characters, it has {len}", n.reason_max_len),
                    ));
                }
            }
            if complete && q.required {
                for item in &n.items {
                    if !responses.contains_key(&item.id) {
                        out.push(Problem::new(
                            key_path(&rpath, &item.id),
                            "missing_item",
                            format!("问题 {qid} 还没有对“{}”表态", item.label.zh),
                            format!(
                                "question {qid}: no response for \"{}\"",
                                item.label.get("en")
                            ),
                        ));
                    }
                }
            }
        }
        (QuestionBody::Approve(_), Answer::Choice { choice }) => {
            if !APPROVE_OPTIONS.contains(&choice.as_str()) {
                out.push(unknown_option(
                    qid,
                    choice,
                    &APPROVE_OPTIONS,
                    &key_path(path, "choice"),
                ));
            }
        }
        (QuestionBody::Text(t), Answer::Text { text }) => {
            let len = text.chars().count() as u64;
            if len > u64::from(t.max_len) {
                out.push(Problem::new(
                    key_path(path, "text"),
                    "text_too_long",
                    format!("问题 {qid} 最多 {} 字，现在有 {len} 字", t.max_len),
                    format!(
                        "question {qid}: at most {} characters, it has {len}",
                        t.max_len
                    ),
                ));
            }
            if complete && q.required && text.trim().is_empty() {
                out.push(required_missing(qid, path));
            }
        }
        (body, _) => {
            let (zh_shape, en_shape) = expected_shape(body);
            out.push(Problem::new(
                path,
                "wrong_answer_shape",
                format!("问题 {qid} 的答案格式不对，应为 {zh_shape}"),
                format!("question {qid}: the answer must look like {en_shape}"),
            ));
        }
    }
}

fn expected_shape(body: &QuestionBody) -> (&'static str, &'static str) {
    let s = match body {
        QuestionBody::Scale(s) if s.subjects.is_empty() => r#"{"choice": "选项编号"}"#,
        QuestionBody::Scale(_) => r#"{"ratings": {"对象编号": "选项编号"}}"#,
        QuestionBody::Choose(_) => r#"{"chosen": ["选项编号", …]}"#,
        QuestionBody::Score(_) => r#"{"scores": {"对象编号": {"标准编号": 分数}}}"#,
        QuestionBody::Notice(_) => r#"{"responses": {"事项编号": {"objection": false}}}"#,
        QuestionBody::Approve(_) => r#"{"choice": "for" | "against" | "abstain"}"#,
        QuestionBody::Text(_) => r#"{"text": "…"}"#,
    };
    let e = match body {
        QuestionBody::Scale(s) if s.subjects.is_empty() => r#"{"choice": "option_id"}"#,
        QuestionBody::Scale(_) => r#"{"ratings": {"subject_id": "option_id"}}"#,
        QuestionBody::Choose(_) => r#"{"chosen": ["option_id", …]}"#,
        QuestionBody::Score(_) => r#"{"scores": {"subject_id": {"criterion_id": number}}}"#,
        QuestionBody::Notice(_) => r#"{"responses": {"item_id": {"objection": false}}}"#,
        QuestionBody::Approve(_) => r#"{"choice": "for" | "against" | "abstain"}"#,
        QuestionBody::Text(_) => r#"{"text": "…"}"#,
    };
    (s, e)
}

fn unknown_option(qid: &str, given: &str, ids: &[&str], path: &str) -> Problem {
    Problem::new(
        path,
        "unknown_option",
        format!(
            "问题 {qid} 没有选项“{}”，可选：{}",
            show(given),
            list_ids(ids, "、")
        ),
        format!(
            "question {qid} has no option \"{}\"; options: {}",
            show(given),
            list_ids(ids, ", ")
        ),
    )
}

/// Whether a list or map of `given` entries, where the question has `most`, is refused at once:
/// when it has more than [`MAX_BALLOT_PROBLEMS`] entries too many. A few wrong entries are still
/// reported one by one; a hostile list costs no more than reading it, and checking the rest costs
/// at most `(most + 20) × most` comparisons.
fn too_long(given: usize, most: usize) -> bool {
    given > most.saturating_add(MAX_BALLOT_PROBLEMS)
}

/// An answer with more entries than its question has (subjects, options, items, criteria): refused
/// at once, before any entry is looked at, so a hostile list costs no more than its length.
fn too_many_entries(qid: &str, given: usize, most: usize, path: &str) -> Problem {
    Problem::new(
        path,
        "too_many_entries",
        format!("问题 {qid} 的答案有 {given} 项，但这道题最多只有 {most} 项"),
        format!("question {qid}: the answer has {given} entries, the question has at most {most}"),
    )
}

fn unknown_thing(qid: &str, zh: &str, en: &str, given: &str, path: &str) -> Problem {
    Problem::new(
        path,
        &format!("unknown_{en}"),
        format!("问题 {qid} 没有{zh}“{}”", show(given)),
        format!("question {qid} has no {en} \"{}\"", show(given)),
    )
}
