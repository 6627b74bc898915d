//! A draft to and from a JSON string, for autosave on the organiser's device.
//!
//! ```json
//! { "format": "pingyi-draft/1", "template": "satisfaction", "revision": 12, "next_number": 9,
//!   "survey": { …the survey as it is being edited, possibly not yet valid… } }
//! ```
//!
//! Reading a stored draft never panics: damaged text, another kind of JSON, a field of the wrong
//! shape or an unknown template each give one [`Problem`] saying what is wrong and where. The
//! caller keeps the stored text when reading fails, so nothing stored is lost.

use serde_json::{json, Value};

use super::{filled, Draft, Template};
use crate::i18n::BuilderKey;
use crate::survey::Survey;
use crate::validate::Problem;

/// The format tag of a stored draft.
pub const DRAFT_FORMAT: &str = "pingyi-draft/1";

/// The draft as JSON text.
pub fn encode_draft(draft: &Draft) -> String {
    json!({
        "format": DRAFT_FORMAT,
        "template": draft.template.map(Template::id),
        "revision": draft.revision,
        "next_number": draft.next_number,
        "survey": draft.survey,
    })
    .to_string()
}

fn problem(path: &str, code: &str, key: BuilderKey, args: &[(&str, &str)]) -> Problem {
    let (zh, en) = filled(key, args);
    Problem::new(path, code, zh, en)
}

fn bad_field(field: &str, detail: &str) -> Problem {
    problem(
        &format!("$.{field}"),
        "draft_bad_field",
        BuilderKey::DraftBadField,
        &[("field", field), ("detail", detail)],
    )
}

/// Reads a stored draft.
pub fn decode_draft(stored: &str) -> Result<Draft, Problem> {
    let root: Value = serde_json::from_str(stored).map_err(|e| {
        problem(
            "$",
            "draft_not_json",
            BuilderKey::DraftNotJson,
            &[("detail", &e.to_string())],
        )
    })?;
    let not_draft = || {
        problem(
            "$.format",
            "draft_not_draft",
            BuilderKey::DraftNotDraft,
            &[("format", DRAFT_FORMAT)],
        )
    };
    let top = root.as_object().ok_or_else(not_draft)?;
    if top.get("format").and_then(Value::as_str) != Some(DRAFT_FORMAT) {
        return Err(not_draft());
    }
    let template = match top.get("template") {
        None | Some(Value::Null) => None,
        Some(Value::String(id)) => Some(Template::from_id(id).ok_or_else(|| {
            let shown: String = id.chars().take(40).collect();
            problem(
                "$.template",
                "draft_unknown_template",
                BuilderKey::DraftUnknownTemplate,
                &[("template", &shown)],
            )
        })?),
        Some(_) => return Err(bad_field("template", "not a string")),
    };
    let number = |name: &str, default: u64| match top.get(name) {
        None => Ok(default),
        Some(v) => v
            .as_u64()
            .ok_or_else(|| bad_field(name, "not a whole number")),
    };
    let revision = number("revision", 0)?;
    let next_number = number("next_number", 1)?;
    let survey_value = top
        .get("survey")
        .cloned()
        .ok_or_else(|| bad_field("survey", "missing"))?;
    let survey: Survey =
        serde_json::from_value(survey_value).map_err(|e| bad_field("survey", &e.to_string()))?;
    Ok(Draft {
        survey,
        template,
        revision,
        next_number,
    })
}
