//! The structural reader: pass 2 of reading a survey file, and the reading of the checked tree
//! into the typed model. Both are written by hand over `serde_json::Value` rather than with serde's
//! typed deserializers, which would add tens of KB to the residents' wasm bundle (DEVELOPERS.md,
//! "The bundle budget").
//!
//! The field tables declared beside each type in `survey.rs` ([`Wire::FIELDS`], see
//! `survey/wire.rs`) are walked so that a missing field, a wrong type, an unknown field or an
//! unknown `kind` is reported at its exact path while every other part is still checked. Broken
//! parts are then patched with placeholders so that the rest of the file can still be read, by
//! [`Wire::read`] of the same declarations.

use serde_json::{Map, Value};

use super::problems::{index_path, key_path, show, Problem};
use crate::small::join;
use crate::survey::wire::{Field, Need, Shape, Wire};
use crate::survey::{Question, QuestionBody, Survey, Text};

/// Read the checked (and patched) tree into the typed model.
pub(super) fn survey(v: &Value) -> Option<Survey> {
    Survey::read(v)
}

pub(super) fn wrong_type(path: &str, zh: &str, en: &str, got: &Value, out: &mut Vec<Problem>) {
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
                walk_object(v, &[Text::FIELDS], &[], path, out);
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
                    join(values, "、")
                ),
                format!(
                    "{path} has unknown value \"{}\"; allowed: {}",
                    show(s),
                    join(values, ", ")
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
        Shape::Tagged(t) => {
            // The fields beside the tag are known once the tag names one of its values.
            let beside = match (t.tag.shape, v.get(t.tag.name).and_then(Value::as_str)) {
                (Shape::OneOf(names), Some(n)) => names
                    .iter()
                    .position(|name| *name == n)
                    .and_then(|i| t.fields.get(i).copied()),
                _ => None,
            };
            let beside = beside.unwrap_or_default();
            walk_object(v, &[std::slice::from_ref(&t.tag), beside], &[], path, out);
        }
        Shape::Question => {
            walk_question(v, path, out);
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
            out.push(unknown_field(path, key));
        }
    }
}

fn unknown_field(path: &str, key: &str) -> Problem {
    Problem::new(
        key_path(path, key),
        "unknown_field",
        format!("未知字段“{}”（拼写错误？）", show(key)),
        format!("unknown field \"{}\" (a typo?)", show(key)),
    )
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
        Shape::Text => placeholder_text(),
        Shape::OneOf(values) => Value::String(values.first().copied().unwrap_or("").to_string()),
        Shape::Arr(_) => Value::Array(Vec::new()),
        Shape::Obj(_) | Shape::Tagged(_) | Shape::Question => Value::Object(Map::new()),
    }
}

/// The placeholder text `{ "zh": "-" }`. Built by hand rather than with `json!`, whose
/// conversions pull serde_json's error formatting into the residents' bundle.
pub(super) fn placeholder_text() -> Value {
    object([("zh", Value::String("-".into()))])
}

/// A JSON object from key/value pairs (see [`placeholder_text`] for why not `json!`).
pub(super) fn object<const N: usize>(pairs: [(&str, Value); N]) -> Value {
    let mut map = Map::new();
    for (key, value) in pairs {
        map.insert(key.to_string(), value);
    }
    Value::Object(map)
}

/// Check the fields of `obj` (already known to be an object) and patch broken ones in place:
/// required fields get a placeholder, optional ones are removed, unknown keys are removed.
/// The fields named in `elsewhere` are left to the caller. Paths of broken parts go to `broken`.
pub(super) fn check_and_patch(
    obj: &mut Map<String, Value>,
    fields: &[Field],
    elsewhere: &[&str],
    path: &str,
    out: &mut Vec<Problem>,
    broken: &mut Vec<String>,
) {
    for f in fields {
        if elsewhere.contains(&f.name) {
            continue;
        }
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
        .filter(|k| !fields.iter().any(|f| f.name == k.as_str()))
        .cloned()
        .collect();
    for key in unknown {
        out.push(unknown_field(path, &key));
        obj.remove(&key);
    }
}

/// Check one question's structure. Returns whether it is fine.
pub(super) fn walk_question(v: &Value, path: &str, out: &mut Vec<Problem>) -> bool {
    let before = out.len();
    let Some(map) = v.as_object() else {
        wrong_type(path, "对象 {…}", "an object {…}", v, out);
        return false;
    };
    let kind_path = key_path(path, QuestionBody::TAG);
    let kinds = QuestionBody::KINDS;
    let kind = match map.get(QuestionBody::TAG) {
        None => {
            out.push(Problem::new(
                &kind_path,
                "missing_field",
                format!(
                    "缺少必填字段“{}”（题型），可选：{}",
                    QuestionBody::TAG,
                    join(kinds, "、")
                ),
                format!(
                    "missing required field \"{}\"; one of: {}",
                    QuestionBody::TAG,
                    join(kinds, ", ")
                ),
            ));
            None
        }
        Some(Value::String(k)) => match QuestionBody::fields_of(k) {
            Some(fields) => Some(fields),
            None => {
                out.push(Problem::new(
                    &kind_path,
                    "unknown_kind",
                    format!("未知题型“{}”，可选：{}", show(k), join(kinds, "、")),
                    format!(
                        "unknown question kind \"{}\"; one of: {}",
                        show(k),
                        join(kinds, ", ")
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
        Some(fields) => walk_object(
            v,
            &[Question::FIELDS, fields],
            &[QuestionBody::TAG],
            path,
            out,
        ),
        // Without a known kind the kind's own fields are unknown: check only the common ones.
        None => {
            for f in Question::FIELDS {
                check_field(map, f, path, out);
            }
        }
    }
    out.len() == before
}
