//! The edits of a [`Draft`]: sections, questions and the entries of a question (options,
//! subjects, items, criteria) added, removed and moved, and pasted rows appended. Each edit is
//! total: a request that cannot be met returns an [`EditError`] and changes nothing; a removal
//! returns the [`Cleanup`] of references to what it removed.

use super::{
    filled_text, text, Cleanup, Draft, EditError, EntryAt, EntryList, Kind, PasteMode,
    PasteOutcome, PasteProblem, PastedRow, QuestionAt, Step, Template,
};
use crate::i18n::BuilderKey;
use crate::limits::{MAX_ENTRIES, MAX_QUESTIONS};
use crate::survey::{
    ApproveQuestion, ChooseQuestion, Combine, Criterion, Item, NoticeQuestion, PassRule, Question,
    QuestionBody, ScaleOption, ScalePreset, ScaleQuestion, ScoreQuestion, Section, Survey, Text,
    TextQuestion,
};

impl Draft {
    /// A new draft from a template.
    pub fn new(template: Template) -> Draft {
        Draft {
            survey: template.survey(),
            template: Some(template),
            revision: 0,
            next_number: 1,
        }
    }

    /// A draft of an existing survey (e.g. the published one, to make its next version).
    pub fn from_survey(survey: Survey) -> Draft {
        Draft {
            survey,
            template: None,
            revision: 0,
            next_number: 1,
        }
    }

    /// Marks the draft changed after a plain field was set.
    pub fn touch(&mut self) {
        self.revision = self.revision.wrapping_add(1);
    }

    /// The question at `at`, to set its fields.
    pub fn question_mut(&mut self, at: QuestionAt) -> Result<&mut Question, EditError> {
        self.survey
            .sections
            .get_mut(at.section)
            .ok_or(EditError::NoSection)?
            .questions
            .get_mut(at.question)
            .ok_or(EditError::NoQuestion)
    }

    /// The question at `at`.
    pub fn question(&self, at: QuestionAt) -> Result<&Question, EditError> {
        self.survey
            .sections
            .get(at.section)
            .ok_or(EditError::NoSection)?
            .questions
            .get(at.question)
            .ok_or(EditError::NoQuestion)
    }

    /// A fresh id `prefix-N` that `taken` does not hold, N from the draft's counter.
    fn fresh_id(&mut self, prefix: &str, taken: &dyn Fn(&str) -> bool) -> String {
        loop {
            let n = self.next_number;
            // Wrapping, not saturating: past the largest number the search goes on from 0, so it
            // always ends (the taken ids are finite) even for a stored draft at the limit.
            self.next_number = self.next_number.wrapping_add(1);
            let id = format!("{prefix}-{n}");
            if !taken(&id) {
                return id;
            }
        }
    }

    fn fresh_question_id(&mut self) -> String {
        let ids: Vec<String> = self.survey.questions().map(|q| q.id.clone()).collect();
        self.fresh_id("q", &|id| ids.iter().any(|x| x == id))
    }

    // --------------------------------------------------------------------------------------------
    // Sections

    /// Adds an empty section at the end; returns its index. The validator reports it
    /// (`no_questions`) until a question is added.
    pub fn add_section(&mut self) -> usize {
        let ids: Vec<String> = self.survey.sections.iter().map(|s| s.id.clone()).collect();
        let id = self.fresh_id("section", &|id| ids.iter().any(|x| x == id));
        self.survey.sections.push(Section {
            id,
            title: text(BuilderKey::NewSection),
            description: None,
            questions: Vec::new(),
        });
        self.touch();
        self.survey.sections.len() - 1
    }

    /// Removes a section with its questions; `show_if`s naming them are removed too.
    pub fn remove_section(&mut self, section: usize) -> Result<Cleanup, EditError> {
        if section >= self.survey.sections.len() {
            return Err(EditError::NoSection);
        }
        let removed = self.survey.sections.remove(section);
        let mut cleanup = Cleanup::default();
        for q in &removed.questions {
            self.clear_conditions_on(&q.id, &mut cleanup);
        }
        self.touch();
        Ok(cleanup)
    }

    /// Moves a section to index `to` (counted after taking it out).
    pub fn move_section(&mut self, from: usize, to: usize) -> Result<(), EditError> {
        let n = self.survey.sections.len();
        if from >= n || to >= n {
            return Err(EditError::NoSection);
        }
        let s = self.survey.sections.remove(from);
        self.survey.sections.insert(to, s);
        self.touch();
        Ok(())
    }

    /// Moves a section one place up or down; returns its new index.
    pub fn step_section(&mut self, section: usize, step: Step) -> Result<usize, EditError> {
        let n = self.survey.sections.len();
        if section >= n {
            return Err(EditError::NoSection);
        }
        let to = stepped(section, n, step).ok_or(EditError::CannotMove)?;
        self.move_section(section, to)?;
        Ok(to)
    }

    // --------------------------------------------------------------------------------------------
    // Questions

    /// Adds a question of `kind` with default texts at the end of `section`.
    pub fn add_question(&mut self, section: usize, kind: Kind) -> Result<QuestionAt, EditError> {
        if section >= self.survey.sections.len() {
            return Err(EditError::NoSection);
        }
        if self.survey.questions().count() >= MAX_QUESTIONS {
            return Err(EditError::TooManyQuestions);
        }
        let id = self.fresh_question_id();
        let question = self.new_question(id, kind);
        let questions = &mut self.survey.sections[section].questions;
        questions.push(question);
        let at = QuestionAt {
            section,
            question: questions.len() - 1,
        };
        self.touch();
        Ok(at)
    }

    fn new_question(&mut self, id: String, kind: Kind) -> Question {
        let (title, required, body) = match kind {
            Kind::Scale => (
                BuilderKey::NewScaleTitle,
                true,
                QuestionBody::Scale(ScaleQuestion {
                    preset: Some(ScalePreset::Satisfaction),
                    options: Vec::new(),
                    grades: Vec::new(),
                    default_grade: None,
                    subjects: Vec::new(),
                }),
            ),
            Kind::Choose => {
                let options = vec![
                    self.new_item(EntryList::Options, 1, &[]),
                    self.new_item(EntryList::Options, 2, &[]),
                ];
                (
                    BuilderKey::NewChooseTitle,
                    true,
                    QuestionBody::Choose(ChooseQuestion {
                        options,
                        min: 1,
                        max: 1,
                        seats: None,
                    }),
                )
            }
            Kind::Score => {
                let subjects = vec![self.new_item(EntryList::Subjects, 1, &[])];
                let criteria = vec![self.new_criterion(1, &[])];
                (
                    BuilderKey::NewScoreTitle,
                    true,
                    QuestionBody::Score(ScoreQuestion {
                        subjects,
                        criteria,
                        combine: Combine::Mean,
                    }),
                )
            }
            Kind::Notice => {
                let items = vec![self.new_item(EntryList::Items, 1, &[])];
                (
                    BuilderKey::NewNoticeTitle,
                    true,
                    QuestionBody::Notice(NoticeQuestion {
                        items,
                        reason_max_len: 200,
                    }),
                )
            }
            Kind::Approve => (
                BuilderKey::NewApproveTitle,
                true,
                QuestionBody::Approve(ApproveQuestion {
                    rule: PassRule::Cast,
                    detail: None,
                }),
            ),
            Kind::Text => (
                BuilderKey::NewTextTitle,
                false,
                QuestionBody::Text(TextQuestion { max_len: 500 }),
            ),
        };
        Question {
            id,
            title: text(title),
            help: None,
            required,
            show_if: None,
            body,
        }
    }

    fn new_item(&mut self, list: EntryList, n: usize, taken: &[String]) -> Item {
        Item {
            id: self.fresh_id(list.id_prefix(), &|id| taken.iter().any(|x| x == id)),
            label: filled_text(list.new_label(), &[("n", &n.to_string())]),
            detail: None,
        }
    }

    fn new_criterion(&mut self, n: usize, taken: &[String]) -> Criterion {
        Criterion {
            id: self.fresh_id("criterion", &|id| taken.iter().any(|x| x == id)),
            label: filled_text(BuilderKey::NewCriterion, &[("n", &n.to_string())]),
            min: 0,
            max: 10,
            step: 1,
        }
    }

    /// Removes a question; every `show_if` naming it is removed too (see [`Cleanup`]).
    pub fn remove_question(&mut self, at: QuestionAt) -> Result<Cleanup, EditError> {
        self.question(at)?;
        let removed = self.survey.sections[at.section]
            .questions
            .remove(at.question);
        let mut cleanup = Cleanup::default();
        self.clear_conditions_on(&removed.id, &mut cleanup);
        self.touch();
        Ok(cleanup)
    }

    /// Moves a question to `to`: any section, index counted after taking it out (so the end of
    /// a section is its length then). A `show_if` that ends up naming a later question is left
    /// for the validator to report at that field (`condition_not_earlier`).
    pub fn move_question(
        &mut self,
        from: QuestionAt,
        to: QuestionAt,
    ) -> Result<QuestionAt, EditError> {
        self.question(from)?;
        let target_len = self
            .survey
            .sections
            .get(to.section)
            .ok_or(EditError::NoSection)?
            .questions
            .len();
        let len_after = if to.section == from.section {
            target_len - 1
        } else {
            target_len
        };
        if to.question > len_after {
            return Err(EditError::NoQuestion);
        }
        let q = self.survey.sections[from.section]
            .questions
            .remove(from.question);
        self.survey.sections[to.section]
            .questions
            .insert(to.question, q);
        self.touch();
        Ok(to)
    }

    /// Moves a question one place up or down. From the top of a section it goes to the end of
    /// the section before; from the bottom, to the start of the next one.
    pub fn step_question(&mut self, at: QuestionAt, step: Step) -> Result<QuestionAt, EditError> {
        let len = self.survey.sections.len();
        self.question(at)?;
        let in_section = self.survey.sections[at.section].questions.len();
        let to = match step {
            Step::Up if at.question > 0 => QuestionAt {
                section: at.section,
                question: at.question - 1,
            },
            Step::Up if at.section > 0 => QuestionAt {
                section: at.section - 1,
                question: self.survey.sections[at.section - 1].questions.len(),
            },
            Step::Down if at.question + 1 < in_section => QuestionAt {
                section: at.section,
                question: at.question + 1,
            },
            Step::Down if at.section + 1 < len => QuestionAt {
                section: at.section + 1,
                question: 0,
            },
            _ => return Err(EditError::CannotMove),
        };
        self.move_question(at, to)
    }

    /// Removes every `show_if` that names question `id`.
    fn clear_conditions_on(&mut self, id: &str, cleanup: &mut Cleanup) {
        for s in &mut self.survey.sections {
            for q in &mut s.questions {
                if q.show_if.as_ref().is_some_and(|c| c.question == id) {
                    q.show_if = None;
                    cleanup.conditions_removed.push(q.id.clone());
                }
            }
        }
    }

    /// Removes answer `answer` of question `id` from every `show_if.any_of`, and a condition
    /// left with no answer.
    fn clear_answer(&mut self, id: &str, answer: &str, cleanup: &mut Cleanup) {
        for s in &mut self.survey.sections {
            for q in &mut s.questions {
                let Some(cond) = &mut q.show_if else {
                    continue;
                };
                if cond.question != id || !cond.any_of.iter().any(|a| a == answer) {
                    continue;
                }
                cond.any_of.retain(|a| a != answer);
                if cond.any_of.is_empty() {
                    q.show_if = None;
                    cleanup.conditions_removed.push(q.id.clone());
                } else {
                    cleanup
                        .answers_removed
                        .push((q.id.clone(), answer.to_string()));
                }
            }
        }
    }

    // --------------------------------------------------------------------------------------------
    // Entries: options, subjects, items, criteria

    /// The ids in a question's list, or `NoList`.
    pub fn entry_ids(&self, at: QuestionAt, list: EntryList) -> Result<Vec<String>, EditError> {
        let q = self.question(at)?;
        let ids = match (&q.body, list) {
            (QuestionBody::Choose(c), EntryList::Options) => ids_of(&c.options),
            (QuestionBody::Scale(s), EntryList::Options) => {
                s.effective_options().into_iter().map(|o| o.id).collect()
            }
            (QuestionBody::Scale(s), EntryList::Subjects) => ids_of(&s.subjects),
            (QuestionBody::Score(s), EntryList::Subjects) => ids_of(&s.subjects),
            (QuestionBody::Score(s), EntryList::Criteria) => {
                s.criteria.iter().map(|c| c.id.clone()).collect()
            }
            (QuestionBody::Notice(n), EntryList::Items) => ids_of(&n.items),
            _ => return Err(EditError::NoList),
        };
        Ok(ids)
    }

    /// Adds an entry with a default label at the end of a list; returns where it is. Adding to a
    /// scale's options first writes out its preset's options, so the organiser keeps seeing them.
    pub fn add_entry(&mut self, at: QuestionAt, list: EntryList) -> Result<EntryAt, EditError> {
        let ids = self.entry_ids(at, list)?;
        if ids.len() >= MAX_ENTRIES {
            return Err(EditError::TooManyEntries);
        }
        let n = ids.len() + 1;
        let entry = ids.len();
        match list {
            EntryList::Criteria => {
                let c = self.new_criterion(n, &ids);
                if let QuestionBody::Score(s) = &mut self.question_mut(at)?.body {
                    s.criteria.push(c);
                }
            }
            _ => {
                let item = self.new_item(list, n, &ids);
                let q = self.question_mut(at)?;
                match &mut q.body {
                    QuestionBody::Scale(s) if list == EntryList::Options => {
                        s.options = s.effective_options();
                        s.options.push(ScaleOption {
                            id: item.id,
                            label: item.label,
                            weight: None,
                            not_valid: false,
                        });
                    }
                    body => {
                        if let Some(items) = items_mut(body, list) {
                            items.push(item);
                        }
                    }
                }
            }
        }
        self.touch();
        Ok(EntryAt {
            question: at,
            list,
            entry,
        })
    }

    /// Removes an entry. Removing an option also cleans the `show_if`s and grade rules that name
    /// it (see [`Cleanup`]).
    pub fn remove_entry(&mut self, at: EntryAt) -> Result<Cleanup, EditError> {
        let ids = self.entry_ids(at.question, at.list)?;
        let Some(id) = ids.get(at.entry).cloned() else {
            return Err(EditError::NoEntry);
        };
        let mut cleanup = Cleanup::default();
        let q = self.question_mut(at.question)?;
        let qid = q.id.clone();
        match &mut q.body {
            QuestionBody::Scale(s) if at.list == EntryList::Options => {
                // Write out what the preset gave, so that nothing but this option changes.
                let default_grade = s.effective_default_grade();
                s.options = s.effective_options();
                s.grades = s.effective_grades();
                s.default_grade = default_grade;
                s.options.remove(at.entry);
                let before = s.grades.len();
                s.grades.retain(|g| g.option != id);
                if s.grades.len() != before {
                    cleanup.grades_removed.push(qid.clone());
                }
            }
            QuestionBody::Score(s) if at.list == EntryList::Criteria => {
                s.criteria.remove(at.entry);
            }
            body => {
                if let Some(items) = items_mut(body, at.list) {
                    items.remove(at.entry);
                }
            }
        }
        if at.list == EntryList::Options {
            self.clear_answer(&qid, &id, &mut cleanup);
        }
        self.touch();
        Ok(cleanup)
    }

    /// Moves an entry to index `to` within its list.
    pub fn move_entry(&mut self, at: EntryAt, to: usize) -> Result<EntryAt, EditError> {
        let ids = self.entry_ids(at.question, at.list)?;
        if at.entry >= ids.len() || to >= ids.len() {
            return Err(EditError::NoEntry);
        }
        let q = self.question_mut(at.question)?;
        match &mut q.body {
            QuestionBody::Scale(s) if at.list == EntryList::Options => {
                s.options = s.effective_options();
                move_in(&mut s.options, at.entry, to);
            }
            QuestionBody::Score(s) if at.list == EntryList::Criteria => {
                move_in(&mut s.criteria, at.entry, to);
            }
            body => {
                if let Some(items) = items_mut(body, at.list) {
                    move_in(items, at.entry, to);
                }
            }
        }
        self.touch();
        Ok(EntryAt { entry: to, ..at })
    }

    /// Moves an entry one place up or down within its list.
    pub fn step_entry(&mut self, at: EntryAt, step: Step) -> Result<EntryAt, EditError> {
        let n = self.entry_ids(at.question, at.list)?.len();
        if at.entry >= n {
            return Err(EditError::NoEntry);
        }
        let to = stepped(at.entry, n, step).ok_or(EditError::CannotMove)?;
        self.move_entry(at, to)
    }

    /// Puts pasted rows (see [`super::parse_paste`]) into a list of items (choose options, scale
    /// or score subjects, notice items), each with a fresh id, the first column as its label and
    /// the note as its detail.
    ///
    /// [`PasteMode::Append`] adds them after the entries already there; a row whose label the
    /// list already has is not added again and is reported (`already_listed`).
    /// [`PasteMode::Replace`] puts them in place of the entries (a template's placeholders);
    /// removed options are cleaned out of `show_if`s as by [`Draft::remove_entry`]. Nothing
    /// changes when the list would pass [`MAX_ENTRIES`].
    pub fn paste_rows(
        &mut self,
        at: QuestionAt,
        list: EntryList,
        rows: &[PastedRow],
        mode: PasteMode,
    ) -> Result<PasteOutcome, EditError> {
        let ids = self.entry_ids(at, list)?;
        let (qid, existing) = {
            let q = self.question(at)?;
            let existing = match (&q.body, list) {
                (QuestionBody::Scale(_), EntryList::Options) | (_, EntryList::Criteria) => {
                    return Err(EditError::NoList)
                }
                (QuestionBody::Choose(c), _) => labels_of(&c.options),
                (QuestionBody::Scale(s), _) => labels_of(&s.subjects),
                (QuestionBody::Score(s), _) => labels_of(&s.subjects),
                (QuestionBody::Notice(n), _) => labels_of(&n.items),
                _ => return Err(EditError::NoList),
            };
            (q.id.clone(), existing)
        };
        if rows.is_empty() {
            return Err(EditError::NoRows);
        }
        let mut outcome = PasteOutcome::default();
        let mut new_rows = Vec::new();
        for row in rows {
            if mode == PasteMode::Append && existing.contains(&row.label) {
                outcome.problems.push(PasteProblem::already_listed(row));
            } else {
                new_rows.push(row);
            }
        }
        let kept = match mode {
            PasteMode::Append => ids.len(),
            PasteMode::Replace => 0,
        };
        if kept + new_rows.len() > MAX_ENTRIES {
            return Err(EditError::TooManyEntries);
        }
        if new_rows.is_empty() {
            return Ok(outcome);
        }
        // The old ids stay taken, so a replaced entry's id is not given to another.
        let mut taken = ids.clone();
        let mut items = Vec::new();
        for row in new_rows {
            let id = self.fresh_id(list.id_prefix(), &|id| taken.iter().any(|x| x == id));
            taken.push(id.clone());
            items.push(Item {
                id,
                label: Text::zh(&row.label),
                detail: row.note.as_deref().map(Text::zh),
            });
        }
        let q = self.question_mut(at)?;
        if let Some(list_items) = items_mut(&mut q.body, list) {
            if mode == PasteMode::Replace {
                list_items.clear();
            }
            list_items.extend(items);
        }
        if mode == PasteMode::Replace && list == EntryList::Options {
            for id in &ids {
                self.clear_answer(&qid, id, &mut outcome.cleanup);
            }
        }
        self.touch();
        Ok(outcome)
    }
}

/// The list of `Item`s a body has for `list`, if that list holds items.
fn items_mut(body: &mut QuestionBody, list: EntryList) -> Option<&mut Vec<Item>> {
    match (body, list) {
        (QuestionBody::Choose(c), EntryList::Options) => Some(&mut c.options),
        (QuestionBody::Scale(s), EntryList::Subjects) => Some(&mut s.subjects),
        (QuestionBody::Score(s), EntryList::Subjects) => Some(&mut s.subjects),
        (QuestionBody::Notice(n), EntryList::Items) => Some(&mut n.items),
        _ => None,
    }
}

fn ids_of(items: &[Item]) -> Vec<String> {
    items.iter().map(|i| i.id.clone()).collect()
}

fn labels_of(items: &[Item]) -> Vec<String> {
    items
        .iter()
        .map(|i| i.label.zh.trim().to_string())
        .collect()
}

fn move_in<T>(v: &mut Vec<T>, from: usize, to: usize) {
    let x = v.remove(from);
    v.insert(to, x);
}

/// The index one step from `i` in a list of `n`, if there is one.
fn stepped(i: usize, n: usize, step: Step) -> Option<usize> {
    match step {
        Step::Up => i.checked_sub(1),
        Step::Down => (i + 1 < n).then_some(i + 1),
    }
}
