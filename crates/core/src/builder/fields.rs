//! Problems placed at the builder's fields: the validator's [`Problem`]s carry a JSON path such as
//! `$.sections[0].questions[2].options[1].label.zh`; [`Field::from_path`] reads it into the
//! section, question and entry indexes and the field name, so the view shows each problem next
//! to the field it is about.

use super::{filled, Draft, EntryList};
use crate::i18n::BuilderKey;
use crate::validate::{validate_survey, Problem};

/// Where in the builder a problem belongs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Field {
    /// The section index, for a path under `$.sections[i]`.
    pub section: Option<usize>,
    /// The question index within the section, for a path under `…questions[j]`.
    pub question: Option<usize>,
    /// The list and entry index, for a path under `…options[k]` (or subjects, items, criteria).
    pub entry: Option<(EntryList, usize)>,
    /// What is left of the path: the field name such as `title.zh`, `max`, `seats`,
    /// `show_if.question`, `grades[0].option`, or `questions` for a section's empty list; empty
    /// for the thing itself (e.g. `$` for the whole survey).
    pub name: String,
}

/// A problem and the field it belongs to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldProblem {
    pub field: Field,
    pub problem: Problem,
}

/// One step of a problem path.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Step {
    Key(String),
    Index(usize),
}

/// The steps of a path written by the validator (`$`, `.key`, `[3]`, `["odd key"]`). `None` when
/// it is not such a path.
fn steps(path: &str) -> Option<Vec<Step>> {
    let mut rest = path.strip_prefix('$')?;
    let mut out = Vec::new();
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('.') {
            let end = after.find(['.', '[']).unwrap_or(after.len());
            out.push(Step::Key(after[..end].to_string()));
            rest = &after[end..];
        } else if let Some(after) = rest.strip_prefix("[\"") {
            // A quoted key: JSON string syntax up to the closing `"]`.
            let mut end = None;
            let mut escaped = false;
            for (i, c) in after.char_indices() {
                match c {
                    _ if escaped => escaped = false,
                    '\\' => escaped = true,
                    '"' => {
                        end = Some(i);
                        break;
                    }
                    _ => {}
                }
            }
            let end = end?;
            let key: String = serde_json::from_str(&format!("\"{}\"", &after[..end])).ok()?;
            out.push(Step::Key(key));
            rest = after[end + 1..].strip_prefix(']')?;
        } else if let Some(after) = rest.strip_prefix('[') {
            let end = after.find(']')?;
            out.push(Step::Index(after[..end].parse().ok()?));
            rest = &after[end + 1..];
        } else {
            return None;
        }
    }
    Some(out)
}

fn write_name(steps: &[Step]) -> String {
    let mut name = String::new();
    for step in steps {
        match step {
            Step::Key(k) => {
                if !name.is_empty() {
                    name.push('.');
                }
                name.push_str(k);
            }
            Step::Index(i) => {
                name.push('[');
                name.push_str(&i.to_string());
                name.push(']');
            }
        }
    }
    name
}

impl Field {
    /// The field a problem path points at. A path that is not the validator's kind is kept
    /// whole as the name.
    pub fn from_path(path: &str) -> Field {
        let Some(steps) = steps(path) else {
            return Field {
                name: path.to_string(),
                ..Field::default()
            };
        };
        let mut field = Field::default();
        let mut rest: &[Step] = &steps;
        if let [Step::Key(k), Step::Index(s), tail @ ..] = rest {
            if k == "sections" {
                field.section = Some(*s);
                rest = tail;
                if let [Step::Key(k), Step::Index(q), tail @ ..] = rest {
                    if k == "questions" {
                        field.question = Some(*q);
                        rest = tail;
                        if let [Step::Key(k), Step::Index(e), tail @ ..] = rest {
                            if let Some(list) = EntryList::from_field(k) {
                                field.entry = Some((list, *e));
                                rest = tail;
                            }
                        }
                    }
                }
            }
        }
        field.name = write_name(rest);
        field
    }
}

/// Every problem of the draft, each at its field: the validator's, and the builder's own
/// (`unit_empty` at `$.unit`: a template leaves the unit for the organiser to fill in).
pub fn field_problems(draft: &Draft) -> Vec<FieldProblem> {
    check_draft(draft)
        .into_iter()
        .map(|problem| FieldProblem {
            field: Field::from_path(&problem.path),
            problem,
        })
        .collect()
}

/// Every problem of the draft as [`Problem`]s: the validator's, then the builder's own.
pub fn check_draft(draft: &Draft) -> Vec<Problem> {
    let mut out = validate_survey(&draft.survey);
    if draft.survey.unit.trim().is_empty() {
        let (zh, en) = filled(BuilderKey::CheckUnitEmpty, &[]);
        out.push(Problem::new("$.unit", "unit_empty", zh, en));
    }
    out
}
