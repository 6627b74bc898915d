//! The structural reader: pass 2 of reading a survey file, and the reading of the checked tree
//! into the typed model. Both are written by hand over `serde_json::Value` rather than with serde's
//! typed deserializers, which would add tens of KB to the residents' wasm bundle (DEVELOPERS.md,
//! "The bundle budget").
//!
//! A small description of the format ([`Shape`] and the field tables) is walked so that a missing
//! field, a wrong type, an unknown field or an unknown `kind` is reported at its exact path while
//! every other part is still checked. Broken parts are then patched with placeholders so that the
//! rest of the file can still be read.

use serde_json::{Map, Value};

use super::problems::{index_path, key_path, show, Problem};

pub(super) use read::survey;

#[derive(Clone, Copy)]
pub(super) enum Shape {
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
pub(super) enum Need {
    /// Must be present; `null` is not allowed.
    Required,
    /// May be absent or `null`.
    Optional,
    /// May be absent (a default applies) but not `null`.
    Defaulted,
}

#[derive(Clone, Copy)]
pub(super) struct Field {
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

pub(super) const SECTION: &[Field] = &[
    req("id", Shape::Str),
    req("title", Shape::Text),
    opt("description", Shape::Text),
];

pub(super) const SURVEY_TOP: &[Field] = &[
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
pub(super) fn check_and_patch(
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
pub(super) fn walk_question(v: &Value, path: &str, out: &mut Vec<Problem>) -> bool {
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

/// Reading the checked (and patched) tree into the typed model ([`survey`]).
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

    pub(in crate::validate) fn survey(v: &Value) -> Option<Survey> {
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
