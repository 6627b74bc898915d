//! Validation with precise errors: survey files and ballots.
//!
//! Every problem is collected (never just the first), each with a JSON path, a stable `code` and a
//! message in Chinese and English. Nothing here panics on any input.
//!
//! Parsing a survey happens in three passes:
//! 1. JSON syntax (`serde_json::Value`); a syntax error is one problem with line and column.
//! 2. Structure (`reader`): the field tables declared beside each type in `survey.rs` are walked
//!    so that a missing field, a wrong type, an unknown field or an unknown `kind` is reported at
//!    its exact path while every other part is still checked. Broken parts are then patched with
//!    placeholders so that the rest of the file can still be read into the typed model.
//! 3. Meaning ([`validate_survey`], `survey_rules`): ids, ranges, references, `show_if`, times.
//!    Problems under a part already reported as broken in pass 2 are left out, so each mistake is
//!    reported once.
//!
//! Ballots are checked against their survey by [`validate_ballot`] (`ballot_rules`).
//!
//! Pass 3 is for the organisers' tools (the collector on publish, `pingyi check`, the console):
//! it is behind the `survey-check` feature (on by default). The residents' widget turns the
//! feature off and reads surveys with [`read_survey_value`] (passes 1 and 2 only), so a malformed
//! file is still refused with every problem and its path, while none of pass 3 reaches the
//! residents' bundle.
//!
//! The modules: `problems` (the [`Problem`] type, paths, the cap per ballot), `reader` (pass 2 and
//! the typed reading), `survey_rules` (pass 3), `ballot_rules`. Only this module joins them; they
//! share through `problems` alone.

mod ballot_rules;
mod problems;
mod reader;
#[cfg(feature = "survey-check")]
mod survey_rules;

pub use ballot_rules::{answer_is_countable, check_answer, is_uuid_like, validate_ballot};
pub use problems::{key_path, Problem, MAX_BALLOT_PROBLEMS, MAX_LISTED_IDS, MAX_PATH_KEY};
#[cfg(feature = "survey-check")]
pub use survey_rules::{is_valid_id, validate_survey};

use serde_json::Value;

use crate::survey::wire::Wire;
use crate::survey::FORMAT;
use crate::survey::{Section, Survey};
use problems::{index_path, show};
use reader::{check_and_patch, walk_question, wrong_type};

/// Parse and validate a survey file. Returns every problem found.
#[cfg(feature = "survey-check")]
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
#[cfg(feature = "survey-check")]
pub fn parse_survey_value(root: Value) -> Result<Survey, Vec<Problem>> {
    read::<true>(root)
}

/// Read a survey already parsed into a [`Value`] with the structural pass only (pass 2): every
/// missing field, wrong type, unknown field or unknown `kind` is a problem at its path, and a
/// file for another format is refused; the meaning (pass 3) is not checked. For the residents'
/// widget, whose surveys come from a collector that ran [`parse_survey`] on publish, or from an
/// organiser who checks files with `pingyi check` or the console.
pub fn read_survey_value(root: Value) -> Result<Survey, Vec<Problem>> {
    read::<false>(root)
}

/// Passes 2 and, with `MEANING`, 3. A const parameter, so that the widget's copy (without)
/// links none of pass 3.
fn read<const MEANING: bool>(mut root: Value) -> Result<Survey, Vec<Problem>> {
    let mut out = Vec::new();
    let mut broken: Vec<String> = Vec::new();
    // Question ids that exist in the file but whose question is broken: show_if may name them.
    let mut broken_question_ids: Vec<String> = Vec::new();

    let Some(top) = root.as_object_mut() else {
        wrong_type("$", "对象 {…}", "an object {…}", &root, &mut out);
        return Err(out);
    };
    check_and_patch(
        top,
        Survey::FIELDS,
        &["sections"],
        "$",
        &mut out,
        &mut broken,
    );

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
                *section = reader::object([
                    ("id", Value::String(String::new())),
                    ("title", reader::placeholder_text()),
                    ("questions", Value::Array(Vec::new())),
                ]);
                continue;
            };
            check_and_patch(
                sobj,
                Section::FIELDS,
                &["questions"],
                &spath,
                &mut out,
                &mut broken,
            );
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
                        *question = reader::object([
                            ("id", Value::String(id)),
                            ("title", reader::placeholder_text()),
                            ("kind", Value::String("text".into())),
                        ]);
                    }
                }
            }
        }
    }

    let Some(survey) = reader::survey(&root) else {
        // The structure pass should catch everything the reader rejects; this is a safety net.
        out.push(Problem::new(
            "$",
            "invalid_structure",
            "无法读取问卷",
            "the survey cannot be read",
        ));
        return Err(out);
    };
    if MEANING {
        #[cfg(feature = "survey-check")]
        {
            let semantic = survey_rules::check_survey(&survey, &broken_question_ids);
            out.extend(
                semantic
                    .into_iter()
                    .filter(|p| !broken.iter().any(|b| is_under(&p.path, b))),
            );
        }
    } else if out.is_empty() && survey.format != crate::survey::FORMAT {
        // The one meaning check a reader needs: a file for another version of the format.
        out.push(Problem::new(
            "$.format",
            "format_unsupported",
            format!("不支持的格式“{}”，应为“{}”", show(&survey.format), FORMAT),
            format!(
                "unsupported format \"{}\"; expected \"{}\"",
                show(&survey.format),
                FORMAT
            ),
        ));
    }
    if out.is_empty() {
        Ok(survey)
    } else {
        Err(out)
    }
}

/// Whether `path` is `prefix` or lies inside it.
#[cfg(feature = "survey-check")]
fn is_under(path: &str, prefix: &str) -> bool {
    path.strip_prefix(prefix)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('.') || rest.starts_with('['))
}
