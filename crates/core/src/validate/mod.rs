//! Validation with precise errors: survey files and ballots.
//!
//! Every problem is collected (never just the first), each with a JSON path, a stable `code` and a
//! message in Chinese and English. Nothing here panics on any input.
//!
//! Parsing a survey happens in three passes:
//! 1. JSON syntax (`serde_json::Value`); a syntax error is one problem with line and column.
//! 2. Structure (`reader`): a small hand-written description of the format is walked so that a
//!    missing field, a wrong type, an unknown field or an unknown `kind` is reported at its exact
//!    path while every other part is still checked. Broken parts are then patched with
//!    placeholders so that the rest of the file can still be read into the typed model.
//! 3. Meaning ([`validate_survey`], `survey_rules`): ids, ranges, references, `show_if`, times.
//!    Problems under a part already reported as broken in pass 2 are left out, so each mistake is
//!    reported once.
//!
//! Ballots are checked against their survey by [`validate_ballot`] (`ballot_rules`).
//!
//! The modules: `problems` (the [`Problem`] type, paths, the cap per ballot), `reader` (pass 2 and
//! the typed reading), `survey_rules` (pass 3), `ballot_rules`. Only this module joins them; they
//! share through `problems` alone.

mod ballot_rules;
mod problems;
mod reader;
mod survey_rules;

pub use ballot_rules::{answer_is_countable, check_answer, is_uuid_like, validate_ballot};
pub use problems::{key_path, Problem, MAX_BALLOT_PROBLEMS, MAX_LISTED_IDS, MAX_PATH_KEY};
pub use survey_rules::{is_valid_id, validate_survey};

use serde_json::Value;

use crate::survey::Survey;

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
    let Some(broken) = reader::check_structure(&mut root, &mut out) else {
        return Err(out);
    };
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
    let semantic = survey_rules::check_survey(&survey, &broken.question_ids);
    out.extend(
        semantic
            .into_iter()
            .filter(|p| !broken.paths.iter().any(|b| is_under(&p.path, b))),
    );
    if out.is_empty() {
        Ok(survey)
    } else {
        Err(out)
    }
}

/// Whether `path` is `prefix` or lies inside it.
fn is_under(path: &str, prefix: &str) -> bool {
    path.strip_prefix(prefix)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('.') || rest.starts_with('['))
}
