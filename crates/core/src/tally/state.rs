//! Counting one ballot at a time: a [`Counter`] adds ballots to a [`TallyState`], the counts of
//! one survey version so far, and turns it into the [`Tally`] at any moment.
//!
//! [`super::tally`] is a counter fed with every distinct ballot; a collector keeps the state of
//! each survey version beside its ballots and adds only the ballots it newly stores, so a tally
//! never reads the ballots again. Everything a ballot needs is looked up once per survey
//! ([`Counter::new`]): question and option ids become positions, and an answer is checked with
//! [`countable`], which decides exactly as [`crate::validate::answer_is_countable`] without
//! building any problem text.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::ids::Ids;
use super::{
    approve, choose, notice, participation, scale, score, text, ChannelCount, QuestionTally, Tally,
    VersionCount,
};
use crate::ballot::{Answer, Ballot, Channel};
use crate::paper::PaperTotals;
use crate::survey::{Question, QuestionBody, Survey, APPROVE_OPTIONS};
use crate::validate::MAX_BALLOT_PROBLEMS;

/// The counts of one survey version so far: small and serialisable (short field names), with no
/// ballot id in it. Only the texts of `text` questions and the reasons given with objections grow
/// with the number of ballots; [`TallyState::take_texts`] moves them out for a store that keeps
/// them elsewhere.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TallyState {
    #[serde(rename = "id")]
    pub survey_id: String,
    #[serde(rename = "ver")]
    pub survey_version: u32,
    /// Counted ballots per channel: digital, paper.
    #[serde(rename = "b")]
    pub ballots: [u64; 2],
    /// Ballots of another survey id or version left out.
    #[serde(rename = "i", default)]
    pub ignored_other_survey: u64,
    /// Of those, the ballots of this survey per other version.
    #[serde(rename = "v", default, skip_serializing_if = "BTreeMap::is_empty")]
    pub other_versions: BTreeMap<u32, u64>,
    /// Repeated ballot ids left out ([`Counter::add_duplicate`]).
    #[serde(rename = "d", default)]
    pub duplicates_dropped: u64,
    /// Whether any ballot given (counted, left out or repeated) was a paper ballot: with
    /// [`Counter::finish_with_paper`], option counts are then split by channel.
    #[serde(rename = "p", default)]
    pub saw_paper: bool,
    /// One entry per question, in survey order.
    #[serde(rename = "q")]
    pub questions: Vec<QuestionState>,
}

/// The counts of one question. Which fields are used depends on its kind.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuestionState {
    /// Countable answers (for a `text` question: non-blank ones).
    #[serde(rename = "a")]
    pub answered: u64,
    /// `scale`, `choose`, `approve`: option counts at `[channel][subject][option]`, flattened
    /// (one subject for all but a matrix scale; approve's options are for, against, abstain).
    #[serde(rename = "c", default, skip_serializing_if = "Vec::is_empty")]
    pub counts: Vec<u64>,
    /// `score`: per `[subject][criterion]` the scores given, as `(score, how many)` in ascending
    /// score order.
    #[serde(rename = "s", default, skip_serializing_if = "Vec::is_empty")]
    pub scores: Vec<Vec<(i32, u64)>>,
    /// `notice`: per item, `[no objection, objection]`.
    #[serde(rename = "n", default, skip_serializing_if = "Vec::is_empty")]
    pub notice: Vec<[u64; 2]>,
    /// `text`: one list, the trimmed non-blank answers; `notice`: per item, the trimmed non-blank
    /// reasons. In the order added.
    #[serde(rename = "t", default, skip_serializing_if = "Vec::is_empty")]
    pub texts: Vec<Vec<String>>,
}

/// One text moved out of a state by [`TallyState::take_texts`]: question position, list
/// position (0 for a text question, the item's position for a notice reason) and the text.
pub type TextEntry = (u32, u32, String);

impl TallyState {
    /// Moves every text and reason out of the state (the state keeps their counts), in question
    /// and list order. Put them back with [`TallyState::put_text`] before finishing.
    pub fn take_texts(&mut self) -> Vec<TextEntry> {
        let mut out = Vec::new();
        for (qi, q) in self.questions.iter_mut().enumerate() {
            for (li, list) in q.texts.iter_mut().enumerate() {
                for t in list.drain(..) {
                    out.push((qi as u32, li as u32, t));
                }
            }
        }
        out
    }

    /// Puts back one text taken by [`TallyState::take_texts`]. Returns false, changing nothing,
    /// when the state has no such list.
    pub fn put_text(&mut self, question: u32, list: u32, text: String) -> bool {
        let slot = self
            .questions
            .get_mut(question as usize)
            .and_then(|q| q.texts.get_mut(list as usize));
        match slot {
            Some(l) => {
                l.push(text);
                true
            }
            None => false,
        }
    }

    /// Counted ballots (both channels).
    pub fn counted(&self) -> u64 {
        self.ballots[0].saturating_add(self.ballots[1])
    }
}

/// A state that does not belong to the survey it was resumed with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StateMismatch;

impl std::fmt::Display for StateMismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the tally state does not match the survey version (recount from the ballots)")
    }
}

/// What a question's answers are checked and counted against, looked up once per survey.
enum Plan<'s> {
    /// `subjects` empty for the single form.
    Scale {
        options: Ids<'s>,
        subjects: Ids<'s>,
    },
    Choose {
        options: Ids<'s>,
        min: u32,
        max: u32,
    },
    Score {
        subjects: Ids<'s>,
        criteria: Ids<'s>,
        /// Per criterion: min, max, step.
        ranges: Vec<(i32, i32, u32)>,
    },
    Notice {
        items: Ids<'s>,
        reason_max_len: u32,
    },
    Approve,
    Text {
        max_len: u32,
    },
}

impl<'s> Plan<'s> {
    fn new(q: &'s Question) -> Plan<'s> {
        match &q.body {
            QuestionBody::Scale(s) => Plan::Scale {
                options: if s.options.is_empty() {
                    Ids::new(s.effective_options().into_iter().map(|o| Cow::Owned(o.id)))
                } else {
                    Ids::borrowed(s.options.iter().map(|o| o.id.as_str()))
                },
                subjects: Ids::borrowed(s.subjects.iter().map(|x| x.id.as_str())),
            },
            QuestionBody::Choose(c) => Plan::Choose {
                options: Ids::borrowed(c.options.iter().map(|o| o.id.as_str())),
                min: c.min,
                max: c.max,
            },
            QuestionBody::Score(s) => Plan::Score {
                subjects: Ids::borrowed(s.subjects.iter().map(|x| x.id.as_str())),
                criteria: Ids::borrowed(s.criteria.iter().map(|c| c.id.as_str())),
                ranges: s.criteria.iter().map(|c| (c.min, c.max, c.step)).collect(),
            },
            QuestionBody::Notice(n) => Plan::Notice {
                items: Ids::borrowed(n.items.iter().map(|x| x.id.as_str())),
                reason_max_len: n.reason_max_len,
            },
            QuestionBody::Approve(_) => Plan::Approve,
            QuestionBody::Text(t) => Plan::Text { max_len: t.max_len },
        }
    }

    /// Subjects × options of the option counts (per channel); 0 for kinds without them.
    fn count_cells(&self) -> (usize, usize) {
        match self {
            Plan::Scale { options, subjects } => (subjects.len().max(1), options.len()),
            Plan::Choose { options, .. } => (1, options.len()),
            Plan::Approve => (1, APPROVE_OPTIONS.len()),
            _ => (0, 0),
        }
    }

    /// An empty state of the right shape.
    fn empty(&self) -> QuestionState {
        let (s, o) = self.count_cells();
        let mut q = QuestionState {
            counts: vec![0; 2 * s * o],
            ..QuestionState::default()
        };
        match self {
            Plan::Score {
                subjects, criteria, ..
            } => {
                q.scores = vec![Vec::new(); subjects.len() * criteria.len()];
            }
            Plan::Notice { items, .. } => {
                q.notice = vec![[0, 0]; items.len()];
                q.texts = vec![Vec::new(); items.len()];
            }
            Plan::Text { .. } => q.texts = vec![Vec::new()],
            _ => {}
        }
        q
    }

    /// Whether `q` has the shape this plan makes (a stored state may come from elsewhere).
    fn fits(&self, q: &QuestionState) -> bool {
        let e = self.empty();
        q.counts.len() == e.counts.len()
            && q.scores.len() == e.scores.len()
            && q.notice.len() == e.notice.len()
            && q.texts.len() == e.texts.len()
    }
}

/// Where one part of a countable answer is counted.
#[derive(Clone, Copy)]
enum Cell {
    /// An option count at this position of the channel's counts.
    Option(usize),
    /// A score in this cell (`subject × criteria + criterion`).
    Score(usize, i32),
    /// A notice item's response: objection or not.
    Notice(usize, bool),
}

/// Whether an answer is counted for its question, and if so where (`cells`, cleared first): the
/// same decision as [`crate::validate::answer_is_countable`] (right shape, known ids, values in
/// range, no entry repeated, at most [`MAX_BALLOT_PROBLEMS`] entries more than the question has),
/// without building any problem. A property test holds the two equal. Each entry of the answer is
/// looked at once, and ids are compared by length before their bytes.
fn countable(plan: &Plan, a: &Answer, cells: &mut Vec<Cell>) -> bool {
    cells.clear();
    let too_long = |given: usize, most: usize| given > most.saturating_add(MAX_BALLOT_PROBLEMS);
    match (plan, a) {
        (Plan::Scale { options, subjects }, Answer::Choice { choice }) if subjects.is_empty() => {
            match options.position(choice) {
                Some(o) => {
                    cells.push(Cell::Option(o));
                    true
                }
                None => false,
            }
        }
        (Plan::Scale { options, subjects }, Answer::Ratings { ratings })
            if !subjects.is_empty() =>
        {
            if too_long(ratings.len(), subjects.len()) {
                return false;
            }
            for (s, o) in ratings {
                let (Some(si), Some(oi)) = (subjects.position(s), options.position(o)) else {
                    return false;
                };
                cells.push(Cell::Option(si * options.len() + oi));
            }
            true
        }
        (Plan::Choose { options, min, max }, Answer::Chosen { chosen }) => {
            let n = chosen.len();
            if too_long(n, options.len())
                || n as u64 > u64::from(*max)
                || (n as u64) < u64::from(*min)
            {
                return false;
            }
            for id in chosen {
                let Some(o) = options.position(id) else {
                    return false;
                };
                // Equal ids are found at the same position: a repeat is a position seen before.
                if cells
                    .iter()
                    .any(|c| matches!(c, Cell::Option(x) if *x == o))
                {
                    return false;
                }
                cells.push(Cell::Option(o));
            }
            true
        }
        (
            Plan::Score {
                subjects,
                criteria,
                ranges,
            },
            Answer::Scores { scores },
        ) => {
            if too_long(scores.len(), subjects.len()) {
                return false;
            }
            for (s, by_criterion) in scores {
                let Some(si) = subjects.position(s) else {
                    return false;
                };
                if too_long(by_criterion.len(), criteria.len()) {
                    return false;
                }
                for (c, v) in by_criterion {
                    let Some(ci) = criteria.position(c) else {
                        return false;
                    };
                    let Some(&(min, max, step)) = ranges.get(ci) else {
                        return false;
                    };
                    let in_range = *v >= min
                        && *v <= max
                        && (step <= 1 || (i64::from(*v) - i64::from(min)) % i64::from(step) == 0);
                    if !in_range {
                        return false;
                    }
                    cells.push(Cell::Score(si * criteria.len() + ci, *v));
                }
            }
            true
        }
        (
            Plan::Notice {
                items,
                reason_max_len,
            },
            Answer::Responses { responses },
        ) => {
            if too_long(responses.len(), items.len()) {
                return false;
            }
            for (item, r) in responses {
                let Some(i) = items.position(item) else {
                    return false;
                };
                let reason = r.reason.as_deref().unwrap_or("");
                if (r.objection && reason.trim().is_empty()) || chars_over(reason, *reason_max_len)
                {
                    return false;
                }
                cells.push(Cell::Notice(i, r.objection));
            }
            true
        }
        (Plan::Approve, Answer::Choice { choice }) => {
            match APPROVE_OPTIONS.iter().position(|x| x == choice) {
                Some(o) => {
                    cells.push(Cell::Option(o));
                    true
                }
                None => false,
            }
        }
        (Plan::Text { max_len }, Answer::Text { text }) => !chars_over(text, *max_len),
        _ => false,
    }
}

/// Whether `text` has more than `most` characters; counted only when its bytes are more.
fn chars_over(text: &str, most: u32) -> bool {
    let most = u64::from(most);
    text.len() as u64 > most && text.chars().count() as u64 > most
}

/// Counts a countable answer whose `cells` [`countable`] found, on `channel` (0 digital, 1 paper).
fn add_cells(plan: &Plan, q: &mut QuestionState, channel: usize, a: &Answer, cells: &[Cell]) {
    let (s, o) = plan.count_cells();
    let base = channel * s * o;
    for cell in cells {
        match *cell {
            Cell::Option(i) => {
                if let Some(c) = q.counts.get_mut(base + i) {
                    *c = c.saturating_add(1);
                }
            }
            Cell::Score(i, v) => {
                if let Some(h) = q.scores.get_mut(i) {
                    score::add_to_histogram(h, v, 1);
                }
            }
            Cell::Notice(i, objection) => {
                if let Some(c) = q.notice.get_mut(i) {
                    let k = usize::from(objection);
                    c[k] = c[k].saturating_add(1);
                }
            }
        }
    }
    match a {
        Answer::Responses { responses } => {
            for (cell, (_, r)) in cells.iter().zip(responses) {
                let reason = r.reason.as_deref().unwrap_or("").trim();
                if let (Cell::Notice(i, true), false) = (cell, reason.is_empty()) {
                    if let Some(list) = q.texts.get_mut(*i) {
                        list.push(reason.to_string());
                    }
                }
            }
        }
        Answer::Text { text } => {
            let t = text.trim();
            if !t.is_empty() {
                if let Some(list) = q.texts.get_mut(0) {
                    list.push(t.to_string());
                    q.answered = q.answered.saturating_add(1);
                }
            }
        }
        _ => {}
    }
}

/// Adds `n` copies of an answer of paper totals to a question's counts, on `channel` (0 digital,
/// 1 paper). As for such answers before, nothing is checked here: unknown ids count nowhere.
/// Texts and reasons are kept once whatever `n` is (paper totals have none). `answered` is left
/// alone except for a text question, where it counts non-blank texts.
fn add_answer(plan: &Plan, q: &mut QuestionState, channel: usize, a: &Answer, n: u64) {
    let (cells_s, cells_o) = plan.count_cells();
    let base = channel * cells_s * cells_o;
    let mut bump = |cell: usize| {
        if let Some(c) = q.counts.get_mut(base + cell) {
            *c = c.saturating_add(n);
        }
    };
    match (plan, a) {
        (Plan::Scale { options, subjects }, Answer::Choice { choice }) if subjects.is_empty() => {
            if let Some(o) = options.position(choice) {
                bump(o);
            }
        }
        (Plan::Scale { options, subjects }, Answer::Ratings { ratings }) => {
            for (si, s) in subjects.iter().enumerate() {
                if let Some(o) = ratings.get(s).and_then(|c| options.position(c)) {
                    bump(si * cells_o + o);
                }
            }
        }
        (Plan::Choose { options, .. }, Answer::Chosen { chosen }) => {
            for (i, o) in options.iter().enumerate() {
                if chosen.iter().any(|c| c == o) {
                    bump(i);
                }
            }
        }
        (Plan::Approve, Answer::Choice { choice }) => {
            if let Some(i) = APPROVE_OPTIONS.iter().position(|x| x == choice) {
                bump(i);
            }
        }
        (
            Plan::Score {
                subjects, criteria, ..
            },
            Answer::Scores { scores },
        ) => {
            for (si, s) in subjects.iter().enumerate() {
                let Some(given) = scores.get(s) else { continue };
                for (ci, c) in criteria.iter().enumerate() {
                    if let (Some(v), Some(cell)) =
                        (given.get(c), q.scores.get_mut(si * criteria.len() + ci))
                    {
                        score::add_to_histogram(cell, *v, n);
                    }
                }
            }
        }
        (Plan::Notice { items, .. }, Answer::Responses { responses }) => {
            for (i, item) in items.iter().enumerate() {
                let Some(r) = responses.get(item) else {
                    continue;
                };
                if let Some(c) = q.notice.get_mut(i) {
                    let k = usize::from(r.objection);
                    c[k] = c[k].saturating_add(n);
                }
                let reason = r.reason.as_deref().unwrap_or("").trim();
                if r.objection && !reason.is_empty() {
                    if let Some(list) = q.texts.get_mut(i) {
                        list.push(reason.to_string());
                    }
                }
            }
        }
        (Plan::Text { .. }, Answer::Text { text }) => {
            let t = text.trim();
            if !t.is_empty() {
                if let Some(list) = q.texts.get_mut(0) {
                    list.push(t.to_string());
                    q.answered = q.answered.saturating_add(1);
                }
            }
        }
        _ => {}
    }
}

fn channel_index(c: Channel) -> usize {
    match c {
        Channel::Digital => 0,
        Channel::Paper => 1,
    }
}

/// Counts ballots of one survey version into a [`TallyState`]. Make it once per survey (the
/// lookups are done here), then [`Counter::add`] each distinct ballot once.
pub struct Counter<'s> {
    survey: &'s Survey,
    plans: Vec<(&'s Question, Plan<'s>)>,
    /// The question ids, in survey order (the order of `plans`).
    questions: Ids<'s>,
    state: TallyState,
    /// Reused for each answer's cells, so that counting allocates nothing per ballot.
    cells: Vec<Cell>,
}

impl<'s> Counter<'s> {
    /// A counter with nothing counted yet.
    pub fn new(survey: &'s Survey) -> Counter<'s> {
        let plans: Vec<(&Question, Plan)> = survey.questions().map(|q| (q, Plan::new(q))).collect();
        let state = TallyState {
            survey_id: survey.id.clone(),
            survey_version: survey.version,
            questions: plans.iter().map(|(_, p)| p.empty()).collect(),
            ..TallyState::default()
        };
        let questions = Ids::borrowed(plans.iter().map(|(q, _)| q.id.as_str()));
        Counter {
            survey,
            plans,
            questions,
            state,
            cells: Vec::new(),
        }
    }

    /// A counter that goes on from a stored state. Refused when the state is of another survey
    /// id or version or does not have the survey's shape.
    pub fn resume(survey: &'s Survey, state: TallyState) -> Result<Counter<'s>, StateMismatch> {
        let mut c = Counter::new(survey);
        let fits = state.survey_id == survey.id
            && state.survey_version == survey.version
            && state.questions.len() == c.plans.len()
            && c.plans
                .iter()
                .zip(&state.questions)
                .all(|((_, p), q)| p.fits(q));
        if !fits {
            return Err(StateMismatch);
        }
        c.state = state;
        Ok(c)
    }

    /// The counts so far.
    pub fn state(&self) -> &TallyState {
        &self.state
    }

    /// The counts so far, for storing.
    pub fn into_state(self) -> TallyState {
        self.state
    }

    /// Counts one ballot. The caller gives each ballot id once (a store with unique ids does;
    /// [`super::tally`] deduplicates first and reports repeats with [`Counter::add_duplicate`]).
    /// A ballot of another survey id or version is left out and counted as such. For each
    /// question an answer is counted only when the question is shown on that ballot and the
    /// answer is countable, exactly as [`super::tally`] documents.
    pub fn add(&mut self, b: &Ballot) {
        let st = &mut self.state;
        st.saw_paper |= b.channel == Channel::Paper;
        if b.survey_id != self.survey.id || b.survey_version != self.survey.version {
            st.ignored_other_survey = st.ignored_other_survey.saturating_add(1);
            if b.survey_id == self.survey.id {
                let n = st.other_versions.entry(b.survey_version).or_insert(0);
                *n = n.saturating_add(1);
            }
            return;
        }
        let ch = channel_index(b.channel);
        st.ballots[ch] = st.ballots[ch].saturating_add(1);
        // Each answer is matched to its question; an answer to no question of the survey counts
        // nowhere.
        for (id, a) in &b.answers {
            let Some(i) = self.questions.position(id) else {
                continue;
            };
            let (Some((q, plan)), Some(qs)) = (self.plans.get(i), st.questions.get_mut(i)) else {
                continue;
            };
            let shown = q.show_if.is_none() || q.is_shown(&b.answers);
            if !shown || !countable(plan, a, &mut self.cells) {
                continue;
            }
            if !matches!(plan, Plan::Text { .. }) {
                qs.answered = qs.answered.saturating_add(1);
            }
            add_cells(plan, qs, ch, a, &self.cells);
        }
    }

    /// Notes a ballot whose id was already given: counted in `duplicates_dropped`, never counted.
    pub fn add_duplicate(&mut self, b: &Ballot) {
        self.state.saw_paper |= b.channel == Channel::Paper;
        self.state.duplicates_dropped = self.state.duplicates_dropped.saturating_add(1);
    }

    /// Notes `ballots` ballots of this survey for another `version` counted elsewhere (a store
    /// keeps one state per version), as [`Counter::add`] would have for each; `saw_paper` when
    /// any of them was a paper ballot.
    pub fn add_other_version(&mut self, version: u32, ballots: u64, saw_paper: bool) {
        let st = &mut self.state;
        st.saw_paper |= saw_paper;
        st.ignored_other_survey = st.ignored_other_survey.saturating_add(ballots);
        let n = st.other_versions.entry(version).or_insert(0);
        *n = n.saturating_add(ballots);
    }

    /// The tally of what was added: equal to [`super::tally`] of the same ballots.
    pub fn finish(&self) -> Tally {
        self.finish_inner(&[], false)
    }

    /// The tally of what was added plus paper totals: equal to [`super::tally_with_paper`] of the
    /// same ballots and totals.
    pub fn finish_with_paper(&self, totals: &[PaperTotals]) -> Tally {
        self.finish_inner(totals, !totals.is_empty() || self.state.saw_paper)
    }

    fn finish_inner(&self, totals: &[PaperTotals], split: bool) -> Tally {
        let st = &self.state;
        let survey = self.survey;
        let mut participation = participation(
            survey,
            st.ballots,
            st.ignored_other_survey,
            st.duplicates_dropped,
            crate::paper::paper_totals_ballots(totals),
        );
        participation.other_versions = st
            .other_versions
            .iter()
            .map(|(v, n)| VersionCount {
                survey_version: *v,
                ballots: *n,
            })
            .collect();
        let channels: Vec<Channel> = participation.by_channel.keys().copied().collect();
        let questions = self
            .plans
            .iter()
            .zip(&st.questions)
            .map(|((q, plan), qs)| {
                let synthetic = if totals.is_empty() {
                    Vec::new()
                } else {
                    crate::paper::synthetic_answers(survey, &q.id, totals)
                };
                let qs: Cow<QuestionState> = if synthetic.is_empty() {
                    Cow::Borrowed(qs)
                } else {
                    let mut with = qs.clone();
                    for (a, n) in &synthetic {
                        with.answered = with.answered.saturating_add(*n);
                        add_answer(plan, &mut with, 1, a, *n);
                    }
                    Cow::Owned(with)
                };
                let channel_counts = if split {
                    channel_counts(plan, &qs.counts, &channels)
                } else {
                    Vec::new()
                };
                let (s, o) = plan.count_cells();
                let both: Vec<u64> = (0..s * o)
                    .map(|i| qs.counts[i].saturating_add(qs.counts[s * o + i]))
                    .collect();
                let result = match &q.body {
                    QuestionBody::Scale(x) => scale::finish(x, &both),
                    QuestionBody::Choose(x) => choose::finish(x, qs.answered, &both),
                    QuestionBody::Score(x) => score::finish(x, &qs.scores),
                    QuestionBody::Notice(x) => notice::finish(x, &qs.notice, &qs.texts),
                    QuestionBody::Approve(x) => approve::finish(x, survey.eligible, &both),
                    QuestionBody::Text(_) => {
                        text::finish(qs.texts.first().map(Vec::as_slice).unwrap_or(&[]))
                    }
                };
                QuestionTally {
                    question_id: q.id.clone(),
                    title: q.title.clone(),
                    answered: qs.answered,
                    channel_counts,
                    result,
                }
            })
            .collect();
        Tally {
            survey_id: survey.id.clone(),
            survey_version: survey.version,
            participation,
            questions,
        }
    }
}

/// Option counts per channel of an option-count question (scale, approve, choose), in channel,
/// subject and option order, zeros included; empty for the other kinds. An option id listed twice
/// shows the count of its first listing.
fn channel_counts(plan: &Plan, counts: &[u64], channels: &[Channel]) -> Vec<ChannelCount> {
    let (subjects, options): (Vec<Option<&str>>, Vec<&str>) = match plan {
        Plan::Scale { options, subjects } => (
            if subjects.is_empty() {
                vec![None]
            } else {
                subjects.iter().map(Some).collect()
            },
            options.iter().collect(),
        ),
        Plan::Approve => (vec![None], APPROVE_OPTIONS.to_vec()),
        Plan::Choose { options, .. } => (vec![None], options.iter().collect()),
        _ => return Vec::new(),
    };
    let (s, o) = plan.count_cells();
    let mut out = Vec::new();
    for channel in channels {
        let base = channel_index(*channel) * s * o;
        for (si, subject) in subjects.iter().enumerate() {
            for option in &options {
                let first = options.iter().position(|x| x == option).unwrap_or(0);
                out.push(ChannelCount {
                    channel: *channel,
                    subject_id: subject.map(str::to_string),
                    option_id: option.to_string(),
                    count: counts.get(base + si * o + first).copied().unwrap_or(0),
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    //! The counter against the tally as first written (`reference.rs`), on surveys made from the
    //! examples with random rules and on random ballots, many of them wrong, repeated, of other
    //! versions or on paper, and with random paper totals.

    use proptest::prelude::*;

    use super::*;
    use crate::ballot::NoticeResponse;
    use crate::survey::{Combine, PassRule, ScalePreset};
    use crate::tally::reference;
    use crate::IdMap;

    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }
        fn below(&mut self, n: u64) -> u64 {
            if n == 0 {
                0
            } else {
                self.next() % n
            }
        }
        fn chance(&mut self, percent: u64) -> bool {
            self.below(100) < percent
        }
        fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
            &xs[self.below(xs.len() as u64) as usize]
        }
    }

    const EXAMPLES: [&str; 3] = [
        include_str!("../../../../examples/satisfaction.json"),
        include_str!("../../../../examples/evening-meeting.json"),
        include_str!("../../../../examples/appraisal.json"),
    ];

    /// An example survey with its rules changed at random (ids stay unique).
    fn survey(rng: &mut Rng) -> Survey {
        let mut s = crate::parse_survey(EXAMPLES[rng.below(3) as usize]).expect("example parses");
        s.eligible = [None, Some(0), Some(3), Some(40)][rng.below(4) as usize];
        s.quorum_percent = rng.below(101) as u32;
        for sec in &mut s.sections {
            for q in &mut sec.questions {
                match &mut q.body {
                    QuestionBody::Scale(x) => {
                        if rng.chance(30) {
                            x.preset = Some(
                                *rng.pick(&[ScalePreset::Satisfaction, ScalePreset::Appraisal]),
                            );
                            x.options.clear();
                            x.grades.clear();
                            x.default_grade = None;
                        }
                    }
                    QuestionBody::Choose(x) => {
                        x.seats = [None, Some(0), Some(1), Some(2), Some(9)][rng.below(5) as usize];
                        x.min = rng.below(2) as u32;
                        x.max = x.min + rng.below(4) as u32;
                    }
                    QuestionBody::Score(x) => {
                        x.combine = if rng.chance(50) {
                            Combine::Mean
                        } else {
                            Combine::TrimmedMean {
                                drop: rng.below(3) as u32,
                            }
                        };
                        for c in &mut x.criteria {
                            c.step = 1 + rng.below(3) as u32;
                        }
                    }
                    QuestionBody::Notice(x) => x.reason_max_len = 3 + rng.below(8) as u32,
                    QuestionBody::Approve(x) => {
                        x.rule = *rng.pick(&[PassRule::Cast, PassRule::Valid, PassRule::Eligible])
                    }
                    QuestionBody::Text(x) => x.max_len = 2 + rng.below(8) as u32,
                }
            }
        }
        s
    }

    fn some_text(rng: &mut Rng) -> String {
        ["", "  ", "好", " 路灯 ", "abcdefghijk", "x", "修排水沟"][rng.below(7) as usize]
            .to_string()
    }

    /// An id of the list, or now and then one that is not in it.
    fn id_of(rng: &mut Rng, ids: &[String]) -> String {
        if ids.is_empty() || rng.chance(8) {
            "nobody".to_string()
        } else {
            rng.pick(ids).clone()
        }
    }

    /// A random answer for a question: mostly of its shape, sometimes wrong in some way.
    fn answer(rng: &mut Rng, body: &QuestionBody) -> Answer {
        if rng.chance(5) {
            return Answer::Text {
                text: some_text(rng),
            };
        }
        match body {
            QuestionBody::Scale(s) => {
                let options: Vec<String> =
                    s.effective_options().into_iter().map(|o| o.id).collect();
                if s.subjects.is_empty() || rng.chance(5) {
                    Answer::Choice {
                        choice: id_of(rng, &options),
                    }
                } else {
                    let subjects: Vec<String> = s.subjects.iter().map(|x| x.id.clone()).collect();
                    let mut ratings = IdMap::new();
                    for _ in 0..rng.below(subjects.len() as u64 + 2) {
                        ratings.insert(id_of(rng, &subjects), id_of(rng, &options));
                    }
                    Answer::Ratings { ratings }
                }
            }
            QuestionBody::Choose(c) => {
                let options: Vec<String> = c.options.iter().map(|o| o.id.clone()).collect();
                let chosen = (0..rng.below(5)).map(|_| id_of(rng, &options)).collect();
                Answer::Chosen { chosen }
            }
            QuestionBody::Score(s) => {
                let subjects: Vec<String> = s.subjects.iter().map(|x| x.id.clone()).collect();
                let criteria: Vec<String> = s.criteria.iter().map(|x| x.id.clone()).collect();
                let mut scores = IdMap::new();
                for _ in 0..rng.below(subjects.len() as u64 + 2) {
                    let mut row = IdMap::new();
                    for _ in 0..rng.below(criteria.len() as u64 + 2) {
                        let c = id_of(rng, &criteria);
                        let (lo, hi) = s
                            .criteria
                            .iter()
                            .find(|x| x.id == c)
                            .map_or((0, 10), |x| (x.min, x.max));
                        let v = lo - 2 + rng.below((hi - lo + 5) as u64) as i32;
                        row.insert(c, v);
                    }
                    scores.insert(id_of(rng, &subjects), row);
                }
                Answer::Scores { scores }
            }
            QuestionBody::Notice(n) => {
                let items: Vec<String> = n.items.iter().map(|x| x.id.clone()).collect();
                let mut responses = IdMap::new();
                for _ in 0..rng.below(items.len() as u64 + 2) {
                    let objection = rng.chance(40);
                    let reason = rng.chance(70).then(|| some_text(rng));
                    responses.insert(id_of(rng, &items), NoticeResponse { objection, reason });
                }
                Answer::Responses { responses }
            }
            QuestionBody::Approve(_) => Answer::Choice {
                choice: id_of(
                    rng,
                    &APPROVE_OPTIONS
                        .iter()
                        .map(|s| s.to_string())
                        .collect::<Vec<_>>(),
                ),
            },
            QuestionBody::Text(_) => Answer::Text {
                text: some_text(rng),
            },
        }
    }

    fn ballots(rng: &mut Rng, s: &Survey, n: usize) -> Vec<Ballot> {
        let ids: Vec<String> = (0..n.max(1))
            .map(|i| format!("{:08x}-0000-4000-8000-{:012x}", rng.next() as u32, i))
            .collect();
        (0..n)
            .map(|_| {
                let mut id = rng.pick(&ids).clone();
                if rng.chance(10) {
                    id = id.to_ascii_uppercase();
                }
                let mut answers = IdMap::new();
                for q in s.questions() {
                    if rng.chance(80) {
                        answers.insert(q.id.clone(), answer(rng, &q.body));
                    }
                }
                if rng.chance(5) {
                    answers.insert("not-a-question".into(), Answer::Text { text: "x".into() });
                }
                Ballot {
                    id,
                    survey_id: if rng.chance(5) {
                        "other".into()
                    } else {
                        s.id.clone()
                    },
                    survey_version: if rng.chance(10) {
                        s.version + 1
                    } else {
                        s.version
                    },
                    cast_at: "2026-11-27T19:30:00.000Z".into(),
                    device: String::new(),
                    channel: if rng.chance(15) {
                        Channel::Paper
                    } else {
                        Channel::Digital
                    },
                    code_hash: None,
                    answers,
                }
            })
            .collect()
    }

    /// Paper totals for some option-count questions, not always adding up.
    fn totals(rng: &mut Rng, s: &Survey) -> Vec<PaperTotals> {
        let mut out = Vec::new();
        if rng.chance(50) {
            return out;
        }
        for q in s.questions() {
            let (options, subjects): (Vec<String>, Vec<Option<String>>) = match &q.body {
                QuestionBody::Scale(x) => (
                    x.effective_options().into_iter().map(|o| o.id).collect(),
                    if x.subjects.is_empty() {
                        vec![None]
                    } else {
                        x.subjects.iter().map(|s| Some(s.id.clone())).collect()
                    },
                ),
                QuestionBody::Choose(x) => {
                    (x.options.iter().map(|o| o.id.clone()).collect(), vec![None])
                }
                QuestionBody::Approve(_) => (
                    APPROVE_OPTIONS.iter().map(|s| s.to_string()).collect(),
                    vec![None],
                ),
                _ => continue,
            };
            if rng.chance(40) {
                continue;
            }
            let ballots = rng.below(9);
            for subject_id in subjects {
                let mut counts = BTreeMap::new();
                for o in &options {
                    if rng.chance(70) {
                        counts.insert(o.clone(), rng.below(ballots + 1));
                    }
                }
                out.push(PaperTotals {
                    question_id: q.id.clone(),
                    subject_id,
                    ballots,
                    counts,
                });
            }
        }
        out
    }

    fn check(seed: u64, n: usize, chunks: usize) -> Result<(), TestCaseError> {
        let mut rng = Rng(seed);
        let s = survey(&mut rng);
        let bs = ballots(&mut rng, &s, n);
        let ts = totals(&mut rng, &s);

        // Countable exactly when the validator says so.
        let mut cells = Vec::new();
        for b in &bs {
            for q in s.questions() {
                if let Some(a) = b.answers.get(&q.id) {
                    prop_assert_eq!(
                        countable(&Plan::new(q), a, &mut cells),
                        crate::validate::answer_is_countable(q, a),
                        "question {} answer {:?}",
                        q.id,
                        a
                    );
                }
            }
        }

        // The tally equals the first one, with and without paper totals.
        let any_paper = !ts.is_empty() || bs.iter().any(|b| b.channel == Channel::Paper);
        let expected = reference::count_all(&s, &bs, &ts, any_paper);
        prop_assert_eq!(&crate::tally::tally_with_paper(&s, &bs, &ts), &expected);
        prop_assert_eq!(
            crate::tally::tally(&s, &bs),
            reference::count_all(&s, &bs, &[], false)
        );

        // Counting in pieces, storing and resuming the state in between (texts moved out and
        // back in as a store does), gives the same.
        let mut seen = std::collections::HashSet::new();
        let mut state = Counter::new(&s).into_state();
        let per = bs.len() / chunks.max(1) + 1;
        for piece in bs.chunks(per) {
            let mut c = Counter::resume(&s, state).expect("own state fits");
            for b in piece {
                if seen.insert(crate::ballot::ballot_key(&b.id).into_owned()) {
                    c.add(b);
                } else {
                    c.add_duplicate(b);
                }
            }
            let mut st = c.into_state();
            let texts = st.take_texts();
            let json = serde_json::to_string(&st).expect("state serialises");
            let mut back: TallyState = serde_json::from_str(&json).expect("state reads back");
            for (q, l, t) in texts {
                prop_assert!(back.put_text(q, l, t));
            }
            state = back;
        }
        let c = Counter::resume(&s, state).expect("own state fits");
        prop_assert_eq!(&c.finish_with_paper(&ts), &expected);
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]
        #[test]
        fn counting_one_by_one_equals_the_first_tally(seed in any::<u64>(), n in 0usize..60, chunks in 1usize..5) {
            check(seed, n, chunks)?;
        }
    }

    #[test]
    fn a_state_of_another_survey_is_refused() {
        let s = crate::parse_survey(EXAMPLES[0]).expect("example parses");
        let other = crate::parse_survey(EXAMPLES[1]).expect("example parses");
        let state = Counter::new(&other).into_state();
        assert!(Counter::resume(&s, state).is_err());
        let mut state = Counter::new(&s).into_state();
        state.questions[0].counts.pop();
        assert!(Counter::resume(&s, state).is_err());
    }
}
