//! Templates: complete, valid surveys for the common forms (满意度测评, 民主评议, 以下评上, the
//! three lists of an evening meeting) and a blank one, each with default texts in Chinese and
//! English from [`BuilderKey`]. One table, [`TEMPLATES`], gives each its stable id, name and
//! description; the list the view shows is that table.
//!
//! The unit (村湾 or 小区) is left empty for the organiser to fill in: the validator accepts that,
//! and [`super::check_draft`] reports it at `$.unit`.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::text;
use crate::i18n::{BuilderKey, Lang};
use crate::survey::{
    ApproveQuestion, ChooseQuestion, Combine, Condition, Criterion, Item, NoticeQuestion, PassRule,
    Question, QuestionBody, ScalePreset, ScaleQuestion, ScoreQuestion, Section, Survey,
    TextQuestion, VotingUnit, FORMAT,
};

/// A template a draft can start from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Template {
    /// 满意度测评 of a village or community.
    Satisfaction,
    /// 民主评议 of cadres.
    Appraisal,
    /// 以下评上: residents evaluate the departments above them.
    Departments,
    /// 村湾夜话 with the three lists, a project vote and suggestions.
    EveningMeeting,
    /// A blank survey: one empty section.
    Empty,
}

/// One row of the template table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TemplateInfo {
    pub template: Template,
    /// Stable id, kept in saved drafts.
    pub id: &'static str,
    pub name: BuilderKey,
    pub about: BuilderKey,
}

/// Every template, in the order the view lists them.
pub const TEMPLATES: &[TemplateInfo] = &[
    TemplateInfo {
        template: Template::Satisfaction,
        id: "satisfaction",
        name: BuilderKey::TplSatisfactionName,
        about: BuilderKey::TplSatisfactionAbout,
    },
    TemplateInfo {
        template: Template::Appraisal,
        id: "appraisal",
        name: BuilderKey::TplAppraisalName,
        about: BuilderKey::TplAppraisalAbout,
    },
    TemplateInfo {
        template: Template::Departments,
        id: "departments",
        name: BuilderKey::TplDepartmentsName,
        about: BuilderKey::TplDepartmentsAbout,
    },
    TemplateInfo {
        template: Template::EveningMeeting,
        id: "evening-meeting",
        name: BuilderKey::TplEveningName,
        about: BuilderKey::TplEveningAbout,
    },
    TemplateInfo {
        template: Template::Empty,
        id: "empty",
        name: BuilderKey::TplEmptyName,
        about: BuilderKey::TplEmptyAbout,
    },
];

impl Template {
    fn info(self) -> &'static TemplateInfo {
        // Every variant has a row (a test checks it); the first row is only a fallback.
        TEMPLATES
            .iter()
            .find(|t| t.template == self)
            .unwrap_or(&TEMPLATES[0])
    }

    /// Every template, from the table.
    pub fn all() -> impl Iterator<Item = Template> {
        TEMPLATES.iter().map(|t| t.template)
    }

    /// The stable id.
    pub fn id(self) -> &'static str {
        self.info().id
    }

    /// The template with this id.
    pub fn from_id(id: &str) -> Option<Template> {
        TEMPLATES.iter().find(|t| t.id == id).map(|t| t.template)
    }

    /// The name, in `lang`.
    pub fn name(self, lang: Lang) -> &'static str {
        lang.t(self.info().name)
    }

    /// A short description, in `lang`.
    pub fn about(self, lang: Lang) -> &'static str {
        lang.t(self.info().about)
    }

    /// The template's survey.
    pub fn survey(self) -> Survey {
        match self {
            Template::Satisfaction => satisfaction(),
            Template::Appraisal => appraisal(),
            Template::Departments => departments(),
            Template::EveningMeeting => evening_meeting(),
            Template::Empty => empty(),
        }
    }
}

impl Serialize for Template {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.id())
    }
}

impl<'de> Deserialize<'de> for Template {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let id = String::deserialize(d)?;
        Template::from_id(&id)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown template {id:?}")))
    }
}

// ------------------------------------------------------------------------------------------------
// Building blocks

fn survey(id: &str, title: BuilderKey, about: BuilderKey, unit: VotingUnit) -> Survey {
    Survey {
        schema: None,
        format: FORMAT.to_string(),
        id: id.to_string(),
        version: 1,
        title: text(title),
        description: Some(text(about)),
        unit: String::new(),
        eligible: None,
        voting_unit: unit,
        anonymous: true,
        quorum_percent: 50,
        results_public: false,
        publish_receipts: false,
        codes: false,
        opens_at: None,
        closes_at: None,
        collect: None,
        sections: Vec::new(),
    }
}

fn section(id: &str, title: BuilderKey, questions: Vec<Question>) -> Section {
    Section {
        id: id.to_string(),
        title: text(title),
        description: None,
        questions,
    }
}

fn question(id: &str, title: BuilderKey, body: QuestionBody) -> Question {
    Question {
        id: id.to_string(),
        title: text(title),
        help: None,
        required: true,
        show_if: None,
        body,
    }
}

fn item(id: &str, label: BuilderKey) -> Item {
    Item {
        id: id.to_string(),
        label: text(label),
        detail: None,
    }
}

fn items(list: &[(&str, BuilderKey)]) -> Vec<Item> {
    list.iter().map(|(id, key)| item(id, *key)).collect()
}

fn matrix(preset: ScalePreset, subjects: Vec<Item>) -> QuestionBody {
    QuestionBody::Scale(ScaleQuestion {
        preset: Some(preset),
        options: Vec::new(),
        grades: Vec::new(),
        default_grade: None,
        subjects,
    })
}

fn suggestion(id: &str, title: BuilderKey, max_len: u32) -> Question {
    Question {
        required: false,
        ..question(id, title, QuestionBody::Text(TextQuestion { max_len }))
    }
}

fn with_help(mut q: Question, help: BuilderKey) -> Question {
    q.help = Some(text(help));
    q
}

// ------------------------------------------------------------------------------------------------
// The templates

fn satisfaction() -> Survey {
    let subjects = items(&[
        ("sanitation", BuilderKey::SatSanitation),
        ("efficiency", BuilderKey::SatEfficiency),
        ("public-order", BuilderKey::SatPublicOrder),
        ("culture", BuilderKey::SatCulture),
        ("vulnerable-groups", BuilderKey::SatVulnerable),
        ("conduct", BuilderKey::SatConduct),
    ]);
    let work = with_help(
        question(
            "work",
            BuilderKey::SatWorkTitle,
            matrix(ScalePreset::Satisfaction, subjects),
        ),
        BuilderKey::SatWorkHelp,
    );
    let overall = question(
        "overall",
        BuilderKey::SatOverallTitle,
        matrix(ScalePreset::Satisfaction, Vec::new()),
    );
    let mut s = survey(
        "satisfaction",
        BuilderKey::SatTitle,
        BuilderKey::SatDescription,
        VotingUnit::Household,
    );
    s.results_public = true;
    s.sections = vec![
        section("rating", BuilderKey::SatSection, vec![work, overall]),
        section(
            "suggestions",
            BuilderKey::SuggestionsSection,
            vec![suggestion(
                "suggestion",
                BuilderKey::SatSuggestionTitle,
                300,
            )],
        ),
    ];
    s
}

fn appraisal() -> Survey {
    let subjects = items(&[
        ("secretary", BuilderKey::AprSecretary),
        ("director", BuilderKey::AprDirector),
        ("deputy", BuilderKey::AprDeputy),
        ("supervisor", BuilderKey::AprSupervisor),
        ("accountant", BuilderKey::AprAccountant),
    ]);
    let cadres = with_help(
        question(
            "cadres",
            BuilderKey::AprCadresTitle,
            matrix(ScalePreset::Appraisal, subjects),
        ),
        BuilderKey::AprCadresHelp,
    );
    let mut s = survey(
        "appraisal",
        BuilderKey::AprTitle,
        BuilderKey::AprDescription,
        VotingUnit::Person,
    );
    s.sections = vec![section(
        "appraisal",
        BuilderKey::AprSection,
        vec![
            cadres,
            suggestion("advice", BuilderKey::AprAdviceTitle, 500),
        ],
    )];
    s
}

fn departments() -> Survey {
    let subjects = items(&[
        ("office", BuilderKey::DepOffice),
        ("finance", BuilderKey::DepFinance),
        ("police", BuilderKey::DepPolice),
        ("health", BuilderKey::DepHealth),
        ("agriculture", BuilderKey::DepAgriculture),
        ("social-affairs", BuilderKey::DepSocial),
    ]);
    let service = question(
        "service",
        BuilderKey::DepServiceTitle,
        matrix(ScalePreset::Satisfaction, subjects),
    );
    let mut s = survey(
        "departments",
        BuilderKey::DepTitle,
        BuilderKey::DepDescription,
        VotingUnit::Person,
    );
    s.sections = vec![section(
        "departments",
        BuilderKey::DepSection,
        vec![
            service,
            suggestion("advice", BuilderKey::DepAdviceTitle, 500),
        ],
    )];
    s
}

fn evening_meeting() -> Survey {
    let honour = question(
        "honour",
        BuilderKey::EveHonourTitle,
        QuestionBody::Choose(ChooseQuestion {
            options: items(&[
                ("candidate-1", BuilderKey::EveCandidate1),
                ("candidate-2", BuilderKey::EveCandidate2),
                ("candidate-3", BuilderKey::EveCandidate3),
                ("candidate-4", BuilderKey::EveCandidate4),
            ]),
            min: 1,
            max: 2,
            seats: Some(2),
        }),
    );
    let criterion = |id: &str, label| Criterion {
        id: id.to_string(),
        label: text(label),
        min: 0,
        max: 10,
        step: 1,
    };
    let points = question(
        "points",
        BuilderKey::EvePointsTitle,
        QuestionBody::Score(ScoreQuestion {
            subjects: items(&[
                ("household-1", BuilderKey::EveHousehold1),
                ("household-2", BuilderKey::EveHousehold2),
                ("household-3", BuilderKey::EveHousehold3),
            ]),
            criteria: vec![
                criterion("sanitation", BuilderKey::EveSanitation),
                criterion("civility", BuilderKey::EveCivility),
                criterion("joint-work", BuilderKey::EveJointWork),
            ],
            combine: Combine::TrimmedMean { drop: 1 },
        }),
    );
    let notice = question(
        "notice",
        BuilderKey::EveNoticeTitle,
        QuestionBody::Notice(NoticeQuestion {
            items: items(&[
                ("spending", BuilderKey::EveNoticeSpending),
                ("subsidy-list", BuilderKey::EveNoticeSubsidy),
            ]),
            reason_max_len: 200,
        }),
    );
    let project = question(
        "project",
        BuilderKey::EveProjectTitle,
        QuestionBody::Approve(ApproveQuestion {
            rule: PassRule::Cast,
            detail: Some(text(BuilderKey::EveProjectDetail)),
        }),
    );
    let against = Question {
        show_if: Some(Condition {
            question: "project".to_string(),
            any_of: vec!["against".to_string()],
        }),
        ..suggestion("against-reason", BuilderKey::EveAgainstTitle, 200)
    };
    let mut points_section = section("points", BuilderKey::EvePointsSection, vec![points]);
    points_section.description = Some(text(BuilderKey::EvePointsAbout));
    let mut s = survey(
        "evening-meeting",
        BuilderKey::EveTitle,
        BuilderKey::EveDescription,
        VotingUnit::Household,
    );
    s.results_public = true;
    s.sections = vec![
        section("honour", BuilderKey::EveHonourSection, vec![honour]),
        points_section,
        section("notice", BuilderKey::EveNoticeSection, vec![notice]),
        section(
            "vote",
            BuilderKey::EveVoteSection,
            vec![
                project,
                against,
                suggestion("suggestion", BuilderKey::EveSuggestionTitle, 500),
            ],
        ),
    ];
    s
}

fn empty() -> Survey {
    let mut s = survey(
        "survey",
        BuilderKey::EmptyTitle,
        BuilderKey::EmptyTitle,
        VotingUnit::Person,
    );
    s.description = None;
    s.sections = vec![Section {
        id: "section-1".to_string(),
        title: text(BuilderKey::NewSection),
        description: None,
        questions: Vec::new(),
    }];
    s
}
