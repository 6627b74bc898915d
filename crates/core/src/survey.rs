//! The survey model: what an organiser writes in a `pingyi/1` survey file.
//!
//! These types are the single source of truth for the survey format. The JSON Schema in
//! `docs/survey.schema.json` is generated from them (feature `schema`), and `docs/survey-format.md`
//! describes them for people. Each type is declared once through the macros of [`wire`], which
//! also give its field table (walked by `validate` for precise, collected errors) and its reader.

use serde::{Deserialize, Serialize};

pub mod wire;

use wire::{wire_enum, wire_kinds, wire_struct, Field, Shape, Tagged, Wire};

/// The format tag every survey file carries.
pub const FORMAT: &str = "pingyi/1";

wire_struct! {
    /// Text shown to people: Simplified Chinese is required, English is optional.
    #[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
    #[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
    #[serde(deny_unknown_fields)]
    pub struct Text as Shape::Text {
        pub zh: String = required,
        pub en: Option<String> = optional,
    }
}

impl Text {
    pub fn zh(s: &str) -> Self {
        Text {
            zh: s.to_string(),
            en: None,
        }
    }
    pub fn both(zh: &str, en: &str) -> Self {
        Text {
            zh: zh.to_string(),
            en: Some(en.to_string()),
        }
    }
    /// The text in the given language (`"en"` or anything else for Chinese), falling back to Chinese.
    pub fn get(&self, lang: &str) -> &str {
        match (lang, &self.en) {
            ("en", Some(en)) if !en.is_empty() => en,
            _ => &self.zh,
        }
    }
}

wire_enum! {
    /// Who casts one ballot: a person, or one household (户).
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
    #[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
    pub enum VotingUnit {
        #[default]
        Person = "person",
        Household = "household",
    }
}

wire_struct! {
    /// Where ballots are sent. Absent means local-only, which is a supported mode.
    #[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
    #[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
    #[serde(deny_unknown_fields)]
    pub struct Collect {
        /// Base URL of a pingyi/1 collector, e.g. `https://portal.example/pingyi`.
        pub endpoint: String = required,
        /// Optional key sent as the `X-Pingyi-Submit-Key` header.
        pub submit_key: Option<String> = optional,
    }
}

wire_struct! {
    /// A whole survey as the organiser publishes it.
    #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
    #[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
    #[serde(deny_unknown_fields)]
    pub struct Survey {
        /// Optional, for editors: where the JSON Schema of this format is, e.g. a path to
        /// `docs/survey.schema.json`, so the editor can complete and check the file. Pingyi ignores it.
        pub schema: Option<String> = optional "$schema",
        /// Always `"pingyi/1"`.
        pub format: String = required,
        /// Stable id: lowercase letters, digits, `-` and `_`, 1 to 64 characters.
        pub id: String = required,
        /// Starts at 1; raise it whenever questions change. Ballots name the version they answer.
        pub version: u32 = required,
        pub title: Text = required,
        pub description: Option<Text> = optional,
        /// The village (村湾) or compound (小区) that votes.
        pub unit: String = required,
        /// How many people or households may vote. Used for participation, quorum and over-count flags.
        pub eligible: Option<u32> = optional,
        pub voting_unit: VotingUnit = default,
        /// Anonymous ballots (无记名), the default. Exports then carry no device ids.
        #[serde(default = "yes")]
        pub anonymous: bool = default(yes),
        /// Quorum as a share of `eligible`, in percent, reached when participation is strictly more
        /// than it. Default 50 (more than one half).
        #[serde(default = "default_quorum")]
        pub quorum_percent: u32 = default(default_quorum),
        /// Whether anyone may read the tally (村务公开). Otherwise only the organiser may.
        pub results_public: bool = default,
        /// Publish the sorted list of receipt codes with the tally report, so each resident can find
        /// the code shown after voting (and nothing else about the ballot).
        #[serde(skip_serializing_if = "is_false")]
        pub publish_receipts: bool = default,
        /// Every digital ballot needs a one-time ballot code (选票码) handed out at the meeting; the
        /// ballot carries only the code's hash. See `codes.rs` and docs/meeting-modes.md.
        #[serde(skip_serializing_if = "is_false")]
        pub codes: bool = default,
        /// RFC 3339 time before which ballots are not accepted.
        pub opens_at: Option<String> = optional,
        /// RFC 3339 time after which ballots are not accepted.
        pub closes_at: Option<String> = optional,
        pub collect: Option<Collect> = optional,
        pub sections: Vec<Section> = required,
    }
}

fn yes() -> bool {
    true
}
fn default_quorum() -> u32 {
    50
}

wire_struct! {
    /// One screen of questions.
    #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
    #[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
    #[serde(deny_unknown_fields)]
    pub struct Section {
        pub id: String = required,
        pub title: Text = required,
        pub description: Option<Text> = optional,
        pub questions: Vec<Question> = required,
    }
}

wire_struct! {
    /// A question: common fields plus the fields of its `kind`.
    #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
    #[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
    pub struct Question as Shape::Question {
        /// Unique across the whole survey.
        pub id: String = required,
        pub title: Text = required,
        pub help: Option<Text> = optional,
        /// Required questions must be answered when shown. Default true.
        #[serde(default = "yes")]
        pub required: bool = default(yes),
        /// Show this question only when another question has one of the given answers.
        pub show_if: Option<Condition> = optional,
        pub body: QuestionBody = flatten,
    }
}

wire_struct! {
    /// Show a question when an earlier single-answer question (`scale` without subjects,
    /// `approve`, or `choose`) has one of `any_of` among its answers.
    #[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
    #[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
    #[serde(deny_unknown_fields)]
    pub struct Condition {
        pub question: String = required,
        pub any_of: Vec<String> = required,
    }
}

wire_kinds! {
    /// The kinds of question, tagged by `"kind"`.
    #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
    #[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
    pub enum QuestionBody tagged "kind" {
        Scale(ScaleQuestion) = "scale",
        Choose(ChooseQuestion) = "choose",
        Score(ScoreQuestion) = "score",
        Notice(NoticeQuestion) = "notice",
        Approve(ApproveQuestion) = "approve",
        Text(TextQuestion) = "text",
    }
}

wire_enum! {
    /// Built-in scales.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
    #[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
    pub enum ScalePreset {
        /// 满意 / 基本满意 / 不满意 / 不了解 (ids `satisfied`, `basically_satisfied`, `dissatisfied`,
        /// `unknown`), weights 100 / 70 / 30; 不了解 is not a valid vote.
        Satisfaction = "satisfaction",
        /// 称职 / 基本称职 / 不称职 (ids `competent`, `basically_competent`, `not_competent`), with
        /// grades: ≥ 90% 称职 gives 优秀, ≥ 50% 不称职 gives 不称职, otherwise 称职.
        Appraisal = "appraisal",
    }
}

wire_struct! {
    /// One labelled answer on a scale.
    #[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
    #[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
    #[serde(deny_unknown_fields)]
    pub struct ScaleOption {
        pub id: String = required,
        pub label: Text = required,
        /// Points for the weighted score. Not allowed on an option that is not a valid vote.
        pub weight: Option<i32> = optional,
        /// True for "don't know" (不了解): shown and counted, but not a valid vote.
        #[serde(skip_serializing_if = "is_false")]
        pub not_valid: bool = default,
    }
}

fn is_false(b: &bool) -> bool {
    !*b
}

wire_struct! {
    /// A grade given when an option's share of valid votes reaches a threshold.
    /// Rules are tried in order; the first that matches gives the grade.
    #[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
    #[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
    #[serde(deny_unknown_fields)]
    pub struct GradeRule {
        pub option: String = required,
        /// Threshold in percent of valid votes (share ≥ threshold matches).
        pub at_least_percent: u32 = required,
        pub grade: Text = required,
    }
}

wire_struct! {
    /// Something being rated, chosen or scored: a topic, a cadre, a household, a candidate.
    #[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
    #[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
    #[serde(deny_unknown_fields)]
    pub struct Item {
        pub id: String = required,
        pub label: Text = required,
        pub detail: Option<Text> = optional,
    }
}

wire_struct! {
    /// `scale`: one answer from labelled options; with `subjects` it is a matrix that rates each
    /// subject on the same scale (满意度测评 of several topics, 民主评议 of several cadres).
    #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
    #[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
    #[serde(deny_unknown_fields)]
    pub struct ScaleQuestion {
        pub preset: Option<ScalePreset> = optional,
        /// The options; when empty, the preset's options are used.
        #[serde(skip_serializing_if = "Vec::is_empty")]
        pub options: Vec<ScaleOption> = default,
        /// Grade rules; when empty, the preset's rules are used (if any).
        #[serde(skip_serializing_if = "Vec::is_empty")]
        pub grades: Vec<GradeRule> = default,
        /// Grade when no rule matches; when absent, the preset's (if any).
        pub default_grade: Option<Text> = optional,
        /// Matrix form: rate each subject. Empty means a single rating.
        #[serde(skip_serializing_if = "Vec::is_empty")]
        pub subjects: Vec<Item> = default,
    }
}

wire_struct! {
    /// `choose`: pick between `min` and `max` of the options (光荣榜 candidates). With `seats`, the
    /// top `seats` by votes are elected; a tie at the last seat is flagged, not broken.
    #[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
    #[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
    #[serde(deny_unknown_fields)]
    pub struct ChooseQuestion {
        pub options: Vec<Item> = required,
        pub min: u32 = default,
        pub max: u32 = required,
        pub seats: Option<u32> = optional,
    }
}

wire_struct! {
    /// A scoring criterion with an integer range and step (环境卫生 0–10 step 1).
    #[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
    #[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
    #[serde(deny_unknown_fields)]
    pub struct Criterion {
        pub id: String = required,
        pub label: Text = required,
        pub min: i32 = required,
        pub max: i32 = required,
        #[serde(default = "one")]
        pub step: u32 = default(one),
    }
}

fn one() -> u32 {
    1
}

/// How the judges' scores for one subject and criterion are combined.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum Combine {
    #[default]
    Mean,
    /// Drop the `drop` highest and `drop` lowest scores (去掉最高分和最低分), then average.
    /// With too few scores to drop, the plain mean is used and flagged.
    TrimmedMean { drop: u32 },
}

/// `Combine` as JSON: `{"method": "mean"}` or `{"method": "trimmed_mean", "drop": 1}`.
impl Wire for Combine {
    const SHAPE: Shape = Shape::Tagged(&Tagged {
        tag: Field::required("method", Shape::OneOf(&["mean", "trimmed_mean"])),
        fields: &[&[], &[Field::required("drop", u32::SHAPE)]],
    });
    fn read(v: &serde_json::Value) -> Option<Self> {
        let m = v.as_object()?;
        match wire::req(m, "method", String::read)?.as_str() {
            "mean" => Some(Combine::Mean),
            "trimmed_mean" => Some(Combine::TrimmedMean {
                drop: wire::req(m, "drop", u32::read)?,
            }),
            _ => None,
        }
    }
}

wire_struct! {
    /// `score`: each ballot (one judge) scores each subject on each criterion (积分榜).
    #[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
    #[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
    #[serde(deny_unknown_fields)]
    pub struct ScoreQuestion {
        pub subjects: Vec<Item> = required,
        pub criteria: Vec<Criterion> = required,
        pub combine: Combine = default,
    }
}

wire_struct! {
    /// `notice`: items under public notice (公示榜). Each is answered 无异议 or 有异议; an objection
    /// needs a reason of at most `reason_max_len` characters.
    #[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
    #[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
    #[serde(deny_unknown_fields)]
    pub struct NoticeQuestion {
        pub items: Vec<Item> = required,
        #[serde(default = "default_reason_len")]
        pub reason_max_len: u32 = default(default_reason_len),
    }
}

fn default_reason_len() -> u32 {
    200
}

wire_enum! {
    /// What an approval majority is counted against.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
    #[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
    pub enum PassRule {
        /// More than half of the ballots that answered (赞同 + 反对 + 弃权). The default.
        #[default]
        Cast = "cast",
        /// More than half of 赞同 + 反对 (abstentions left out).
        Valid = "valid",
        /// More than half of the eligible count.
        Eligible = "eligible",
    }
}

wire_struct! {
    /// `approve`: 赞同 / 反对 / 弃权 on a proposal (answer ids `for`, `against`, `abstain`).
    #[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
    #[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
    #[serde(deny_unknown_fields)]
    pub struct ApproveQuestion {
        pub rule: PassRule = default,
        pub detail: Option<Text> = optional,
    }
}

wire_struct! {
    /// `text`: a free suggestion (意见建议).
    #[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
    #[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
    #[serde(deny_unknown_fields)]
    pub struct TextQuestion {
        #[serde(default = "default_text_len")]
        pub max_len: u32 = default(default_text_len),
    }
}

fn default_text_len() -> u32 {
    500
}

/// The answer ids of an `approve` question.
pub const APPROVE_OPTIONS: [&str; 3] = ["for", "against", "abstain"];

impl ScaleQuestion {
    /// The options in effect: the written ones, or the preset's.
    pub fn effective_options(&self) -> Vec<ScaleOption> {
        if !self.options.is_empty() {
            return self.options.clone();
        }
        match self.preset {
            Some(ScalePreset::Satisfaction) => vec![
                opt("satisfied", "满意", "Satisfied", Some(100), false),
                opt(
                    "basically_satisfied",
                    "基本满意",
                    "Basically satisfied",
                    Some(70),
                    false,
                ),
                opt("dissatisfied", "不满意", "Dissatisfied", Some(30), false),
                opt("unknown", "不了解", "Don't know", None, true),
            ],
            Some(ScalePreset::Appraisal) => vec![
                opt("competent", "称职", "Competent", None, false),
                opt(
                    "basically_competent",
                    "基本称职",
                    "Basically competent",
                    None,
                    false,
                ),
                opt("not_competent", "不称职", "Not competent", None, false),
            ],
            None => Vec::new(),
        }
    }

    /// The grade rules in effect: the written ones, or the preset's.
    pub fn effective_grades(&self) -> Vec<GradeRule> {
        if !self.grades.is_empty() {
            return self.grades.clone();
        }
        match self.preset {
            Some(ScalePreset::Appraisal) => vec![
                GradeRule {
                    option: "competent".into(),
                    at_least_percent: 90,
                    grade: Text::both("优秀", "Excellent"),
                },
                GradeRule {
                    option: "not_competent".into(),
                    at_least_percent: 50,
                    grade: Text::both("不称职", "Not competent"),
                },
            ],
            _ => Vec::new(),
        }
    }

    /// The grade when no rule matches: the written one, or the preset's.
    pub fn effective_default_grade(&self) -> Option<Text> {
        if self.default_grade.is_some() {
            return self.default_grade.clone();
        }
        match (self.preset, self.grades.is_empty()) {
            (Some(ScalePreset::Appraisal), true) => Some(Text::both("称职", "Competent")),
            _ => None,
        }
    }
}

fn opt(id: &str, zh: &str, en: &str, weight: Option<i32>, not_valid: bool) -> ScaleOption {
    ScaleOption {
        id: id.into(),
        label: Text::both(zh, en),
        weight,
        not_valid,
    }
}

impl Survey {
    /// Every question in order, across sections.
    pub fn questions(&self) -> impl Iterator<Item = &Question> {
        self.sections.iter().flat_map(|s| s.questions.iter())
    }

    /// The question with this id.
    pub fn question(&self, id: &str) -> Option<&Question> {
        self.questions().find(|q| q.id == id)
    }
}

impl Question {
    /// Whether this question is shown given the answers so far: always without `show_if`;
    /// otherwise when the named question's answer (`choice`, or any of `chosen`) is in `any_of`.
    pub fn is_shown(&self, answers: &crate::idmap::IdMap<crate::ballot::Answer>) -> bool {
        use crate::ballot::Answer;
        let Some(cond) = &self.show_if else {
            return true;
        };
        match answers.get(&cond.question) {
            Some(Answer::Choice { choice }) => cond.any_of.iter().any(|a| a == choice),
            Some(Answer::Chosen { chosen }) => chosen.iter().any(|c| cond.any_of.contains(c)),
            _ => false,
        }
    }
}

/// How far a clock may be off when the voting window (`opens_at` / `closes_at`) is checked: five
/// minutes either way. A phone whose clock is a little fast may still cast just before the close,
/// and the collector allows the same margin, so a ballot the phone accepted at 19:59 is not refused
/// for a clock that is two minutes off.
pub const WINDOW_SKEW_SECONDS: i64 = 300;

/// Where an instant falls against a survey's voting window.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Window {
    /// Earlier than `opens_at` by more than [`WINDOW_SKEW_SECONDS`].
    Before,
    /// Within the window (or the survey has no window).
    Open,
    /// Later than `closes_at` by more than [`WINDOW_SKEW_SECONDS`].
    After,
}

/// Whether the survey takes ballots at `now`, allowing [`WINDOW_SKEW_SECONDS`] each way. A bound
/// that is absent, or not a timestamp (validation refuses such surveys), does not limit anything.
/// Used by the widget before casting, and meant for the collector's `voting_not_open` /
/// `voting_ended` answers.
pub fn window_state(survey: &Survey, now: crate::time::UtcTime) -> Window {
    let bound = |s: &Option<String>| s.as_deref().and_then(crate::time::parse_rfc3339);
    let now_s = now.unix_seconds;
    if let Some(opens) = bound(&survey.opens_at) {
        // Before only when even a clock that is `skew` slow would still be early.
        let early = (opens.unix_seconds, opens.nanos)
            > (now_s.saturating_add(WINDOW_SKEW_SECONDS), now.nanos);
        if early {
            return Window::Before;
        }
    }
    if let Some(closes) = bound(&survey.closes_at) {
        let late = (now_s.saturating_sub(WINDOW_SKEW_SECONDS), now.nanos)
            > (closes.unix_seconds, closes.nanos);
        if late {
            return Window::After;
        }
    }
    Window::Open
}

#[cfg(test)]
mod window_tests {
    use super::*;
    use crate::time::{parse_rfc3339, UtcTime};

    fn survey(opens: Option<&str>, closes: Option<&str>) -> Survey {
        let mut v = serde_json::json!({
            "format": "pingyi/1", "id": "w", "version": 1, "title": { "zh": "窗口" }, "unit": "湾",
            "sections": [{ "id": "s1", "title": { "zh": "一" }, "questions": [
                { "id": "q1", "kind": "text", "title": { "zh": "意见" } }
            ] }]
        });
        if let Some(o) = opens {
            v["opens_at"] = o.into();
        }
        if let Some(c) = closes {
            v["closes_at"] = c.into();
        }
        crate::parse_survey(&v.to_string()).expect("valid survey")
    }

    fn at(s: &str) -> UtcTime {
        parse_rfc3339(s).unwrap()
    }

    #[test]
    fn the_window_allows_five_minutes_of_clock_skew_each_way() {
        let s = survey(
            Some("2026-11-27T19:00:00+08:00"),
            Some("2026-11-27T21:00:00+08:00"),
        );
        assert_eq!(window_state(&s, at("2026-11-27T10:54:59Z")), Window::Before);
        assert_eq!(window_state(&s, at("2026-11-27T10:55:00Z")), Window::Open);
        assert_eq!(window_state(&s, at("2026-11-27T12:00:00Z")), Window::Open);
        assert_eq!(window_state(&s, at("2026-11-27T13:05:00Z")), Window::Open);
        assert_eq!(
            window_state(&s, at("2026-11-27T13:05:00.001Z")),
            Window::After
        );
        assert_eq!(WINDOW_SKEW_SECONDS, 5 * 60);
    }

    #[test]
    fn a_survey_without_bounds_is_always_open() {
        let s = survey(None, None);
        assert_eq!(window_state(&s, at("1970-01-01T00:00:00Z")), Window::Open);
        let only_close = survey(None, Some("2026-01-01T00:00:00Z"));
        assert_eq!(
            window_state(&only_close, at("2000-01-01T00:00:00Z")),
            Window::Open
        );
        assert_eq!(
            window_state(&only_close, at("2027-01-01T00:00:00Z")),
            Window::After
        );
        let only_open = survey(Some("2026-01-01T00:00:00Z"), None);
        assert_eq!(
            window_state(&only_open, at("2099-01-01T00:00:00Z")),
            Window::Open
        );
        assert_eq!(
            window_state(&only_open, at("2025-01-01T00:00:00Z")),
            Window::Before
        );
    }
}
