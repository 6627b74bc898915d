//! The survey builder's model: what the organiser console's builder view drives so that an
//! organiser (a village cadre, a social worker) makes a survey without writing JSON.
//!
//! A [`Draft`] is the survey being edited plus builder state (the template it started from, a
//! revision counter, the counter behind fresh ids). Every edit is a method on it that is pure and
//! total: an impossible request (an index out of range, a list the question does not have, a move
//! past the end) returns an [`EditError`] and leaves the draft as it was. Plain fields (titles,
//! `max`, `seats`, `unit`…) are set by assignment through [`Draft::question_mut`] or
//! `draft.survey`, followed by [`Draft::touch`].
//!
//! The parts: `edit` (the edits), `templates` (ready surveys for the common forms), `paste` (a
//! list copied from Excel or WPS into rows), `fields` (validator problems placed at the builder's
//! fields), `publish` (whether publishing needs a new version, and what happens to ballots
//! already cast), `codec` (the draft to and from JSON for autosave). Words are in
//! [`crate::i18n::BuilderKey`].

mod codec;
mod edit;
mod fields;
mod paste;
mod publish;
mod templates;

pub use codec::{decode_draft, encode_draft, DRAFT_FORMAT};
pub use fields::{check_draft, field_problems, Field, FieldProblem};
pub use paste::{parse_paste, PasteProblem, Pasted, PastedRow};
pub use publish::{plan_publish, PublishPlan};
pub use templates::{Template, TemplateInfo, TEMPLATES};

use crate::i18n::{BuilderKey, Lang, Table};
use crate::limits::{MAX_ENTRIES, MAX_QUESTIONS};
use crate::survey::{QuestionBody, Survey, Text};

/// A survey being edited, with the builder's own state.
#[derive(Clone, Debug, PartialEq)]
pub struct Draft {
    pub survey: Survey,
    /// The template the draft started from, if any.
    pub template: Option<Template>,
    /// Raised by every edit: the autosave keeps the newest.
    pub revision: u64,
    /// The next number tried for a fresh id (`q-7`, `option-8`…). Only ever grows, so an id is
    /// not handed out twice in one draft even after its question was removed.
    pub next_number: u64,
}

/// A kind of question, as the "add a question" menu offers them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Scale,
    Choose,
    Score,
    Notice,
    Approve,
    Text,
}

impl Kind {
    /// Every kind, in menu order.
    pub const ALL: [Kind; 6] = [
        Kind::Scale,
        Kind::Choose,
        Kind::Score,
        Kind::Notice,
        Kind::Approve,
        Kind::Text,
    ];

    /// The kind's name in the menu, in `lang`.
    pub fn name(self, lang: Lang) -> &'static str {
        let key = match self {
            Kind::Scale => BuilderKey::KindScale,
            Kind::Choose => BuilderKey::KindChoose,
            Kind::Score => BuilderKey::KindScore,
            Kind::Notice => BuilderKey::KindNotice,
            Kind::Approve => BuilderKey::KindApprove,
            Kind::Text => BuilderKey::KindText,
        };
        lang.t(key)
    }

    /// The kind of a question.
    pub fn of(body: &QuestionBody) -> Kind {
        match body {
            QuestionBody::Scale(_) => Kind::Scale,
            QuestionBody::Choose(_) => Kind::Choose,
            QuestionBody::Score(_) => Kind::Score,
            QuestionBody::Notice(_) => Kind::Notice,
            QuestionBody::Approve(_) => Kind::Approve,
            QuestionBody::Text(_) => Kind::Text,
        }
    }
}

/// A list inside a question that the builder edits entry by entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntryList {
    /// `choose` options, or a `scale`'s own options.
    Options,
    /// `scale` (matrix) or `score` subjects.
    Subjects,
    /// `notice` items.
    Items,
    /// `score` criteria.
    Criteria,
}

impl EntryList {
    /// The field name in the survey format.
    pub fn field(self) -> &'static str {
        match self {
            EntryList::Options => "options",
            EntryList::Subjects => "subjects",
            EntryList::Items => "items",
            EntryList::Criteria => "criteria",
        }
    }

    /// The list named by a survey field, if the builder edits it.
    pub fn from_field(name: &str) -> Option<EntryList> {
        [
            EntryList::Options,
            EntryList::Subjects,
            EntryList::Items,
            EntryList::Criteria,
        ]
        .into_iter()
        .find(|l| l.field() == name)
    }

    fn id_prefix(self) -> &'static str {
        match self {
            EntryList::Options => "option",
            EntryList::Subjects => "subject",
            EntryList::Items => "item",
            EntryList::Criteria => "criterion",
        }
    }

    fn new_label(self) -> BuilderKey {
        match self {
            EntryList::Options => BuilderKey::NewOption,
            EntryList::Subjects => BuilderKey::NewSubject,
            EntryList::Items => BuilderKey::NewItem,
            EntryList::Criteria => BuilderKey::NewCriterion,
        }
    }
}

/// Where a question is: its section's index and its index in that section.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QuestionAt {
    pub section: usize,
    pub question: usize,
}

/// Where an entry (option, subject, item, criterion) is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EntryAt {
    pub question: QuestionAt,
    pub list: EntryList,
    pub entry: usize,
}

/// One step of a move.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    Up,
    Down,
}

/// Why an edit could not be made. The draft is unchanged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EditError {
    NoSection,
    NoQuestion,
    NoEntry,
    /// The question's kind has no such list (e.g. criteria of a `choose`).
    NoList,
    /// A step up from the first place or down from the last.
    CannotMove,
    /// The survey already has [`MAX_QUESTIONS`] questions.
    TooManyQuestions,
    /// The list already has (or would get more than) [`MAX_ENTRIES`] entries.
    TooManyEntries,
    /// Pasted text without a single usable row.
    NoRows,
}

impl EditError {
    /// A stable code for tests and logs.
    pub fn code(&self) -> &'static str {
        match self {
            EditError::NoSection => "no_section",
            EditError::NoQuestion => "no_question",
            EditError::NoEntry => "no_entry",
            EditError::NoList => "no_list",
            EditError::CannotMove => "cannot_move",
            EditError::TooManyQuestions => "too_many_questions",
            EditError::TooManyEntries => "too_many_entries",
            EditError::NoRows => "no_rows",
        }
    }

    /// What to tell the organiser, in `lang`.
    pub fn message(&self, lang: Lang) -> String {
        let (key, max) = match self {
            EditError::NoSection => (BuilderKey::ErrNoSection, 0),
            EditError::NoQuestion => (BuilderKey::ErrNoQuestion, 0),
            EditError::NoEntry => (BuilderKey::ErrNoEntry, 0),
            EditError::NoList => (BuilderKey::ErrNoList, 0),
            EditError::CannotMove => (BuilderKey::ErrCannotMove, 0),
            EditError::TooManyQuestions => (BuilderKey::ErrTooManyQuestions, MAX_QUESTIONS),
            EditError::TooManyEntries => (BuilderKey::ErrTooManyEntries, MAX_ENTRIES),
            EditError::NoRows => (BuilderKey::ErrNoRows, 0),
        };
        fill(lang.t(key), &[("max", &max.to_string())])
    }
}

/// What a removal also changed elsewhere, so the view can say so.
///
/// Removing a question removes every `show_if` that names it (those questions are then always
/// shown). Removing an option removes that answer from every `show_if.any_of` that lists it, and
/// the whole condition when no answer is left; removing a scale option also removes the grade
/// rules that name it. The validator would otherwise report each as an error after the removal.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Cleanup {
    /// Ids of the questions whose `show_if` was removed.
    pub conditions_removed: Vec<String>,
    /// (question id, answer id): answers taken out of a question's `show_if.any_of`.
    pub answers_removed: Vec<(String, String)>,
    /// Ids of the questions that lost a grade rule.
    pub grades_removed: Vec<String>,
}

impl Cleanup {
    /// Whether nothing else changed.
    pub fn is_empty(&self) -> bool {
        self.conditions_removed.is_empty()
            && self.answers_removed.is_empty()
            && self.grades_removed.is_empty()
    }

    /// One sentence per change, in `lang`.
    pub fn notes(&self, lang: Lang) -> Vec<String> {
        let mut out = Vec::new();
        for q in &self.conditions_removed {
            out.push(fill(
                lang.t(BuilderKey::CleanedCondition),
                &[("question", q)],
            ));
        }
        for (q, a) in &self.answers_removed {
            out.push(fill(
                lang.t(BuilderKey::CleanedAnswer),
                &[("question", q), ("answer", a)],
            ));
        }
        for q in &self.grades_removed {
            out.push(fill(lang.t(BuilderKey::CleanedGrade), &[("question", q)]));
        }
        out
    }
}

/// How pasted rows go into a list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PasteMode {
    /// After the entries already there.
    Append,
    /// In place of the entries already there.
    Replace,
}

/// What [`Draft::paste_rows`] has to say.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PasteOutcome {
    /// Rows not added (`already_listed`).
    pub problems: Vec<PasteProblem>,
    /// References cleaned because options were replaced.
    pub cleanup: Cleanup,
}

/// `words` with each `{name}` replaced by its value in `args`, in one pass (a value that itself
/// holds `{…}` is not replaced again). An unknown `{name}` is kept as written.
pub(crate) fn fill(words: &str, args: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(words.len());
    let mut rest = words;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                let name = &after[..close];
                match args.iter().find(|(n, _)| *n == name) {
                    Some((_, value)) => out.push_str(value),
                    None => {
                        out.push('{');
                        out.push_str(name);
                        out.push('}');
                    }
                }
                rest = &after[close + 1..];
            }
            None => {
                out.push_str(&rest[open..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// Both languages of a table entry, filled.
pub(crate) fn filled(key: BuilderKey, args: &[(&str, &str)]) -> (String, String) {
    let w = key.words();
    (fill(w.zh, args), fill(w.en, args))
}

/// A table entry as survey text in both languages.
pub(crate) fn text(key: BuilderKey) -> Text {
    let w = key.words();
    Text::both(w.zh, w.en)
}

fn filled_text(key: BuilderKey, args: &[(&str, &str)]) -> Text {
    let (zh, en) = filled(key, args);
    Text { zh, en: Some(en) }
}
