//! The one way fixed user-facing words are kept: a [`Lang`], and key tables written with
//! [`words_table!`] where every key has its Simplified Chinese (the default) and English text.
//!
//! Each app keeps its own table (the widget in `src/i18n.rs`, the console in
//! `crates/console/src/i18n.rs`), so the console's words never enter the residents' bundle; both
//! read them the same way, with `lang.t(key)` (or `key.t(lang)`). Survey texts come from the
//! survey file ([`crate::Text`]); collector messages carry both languages themselves.

use crate::{Problem, Text};

/// The language an app speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    /// Reads a `data-lang` value: `en…` is English, anything else is Chinese.
    pub fn from_tag(tag: &str) -> Lang {
        if tag.trim().to_ascii_lowercase().starts_with("en") {
            Lang::En
        } else {
            Lang::Zh
        }
    }

    /// The code for [`Text::get`] and for `lang` attributes.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    /// The other language, for the header toggle.
    pub fn other(self) -> Lang {
        match self {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        }
    }

    /// The `lang` argument of core's [`crate::export`] CSV (`tally_csv`).
    pub fn csv(self) -> &'static str {
        self.pick("zh", "en")
    }

    /// Survey text in this language (falls back to Chinese).
    pub fn text(self, t: &Text) -> String {
        t.get(self.code()).to_string()
    }

    /// A core problem's message in this language.
    pub fn problem(self, p: &Problem) -> String {
        self.pick(&p.zh, &p.en).clone()
    }

    /// The fixed text of `key` in this language.
    pub fn t<K: Table>(self, key: K) -> &'static str {
        key.words().get(self)
    }

    /// `zh` or `en`, for words built with numbers in them (the table's functions use this).
    pub fn pick<T>(self, zh: T, en: T) -> T {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }
}

/// One fixed text in both languages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Words {
    pub zh: &'static str,
    pub en: &'static str,
}

impl Words {
    /// The text in `lang`.
    pub fn get(self, lang: Lang) -> &'static str {
        lang.pick(self.zh, self.en)
    }
}

/// A key table made with [`words_table!`].
pub trait Table: Copy {
    /// The key's text in both languages.
    fn words(self) -> Words;
}

/// Why a table is incomplete: every key named with the language it lacks.
pub fn missing_words<K: Table + std::fmt::Debug>(keys: &[K]) -> Vec<String> {
    let mut missing = Vec::new();
    for &k in keys {
        let w = k.words();
        if w.zh.trim().is_empty() {
            missing.push(format!("{k:?}: zh-CN"));
        }
        if w.en.trim().is_empty() {
            missing.push(format!("{k:?}: en"));
        }
    }
    missing
}

/// Declares a key table: an enum of keys, each with `(Chinese, English)`.
///
/// ```
/// pingyi_core::words_table! {
///     /// Words of a small screen.
///     pub enum Key {
///         /// The button that sends.
///         Send => ("发送", "Send"),
///     }
/// }
/// use pingyi_core::i18n::Lang;
/// assert_eq!(Lang::Zh.t(Key::Send), "发送");
/// assert_eq!(Key::Send.t(Lang::En), "Send");
/// assert!(pingyi_core::i18n::missing_words(Key::ALL).is_empty());
/// ```
///
/// The enum gets `ALL` (every key, for the completeness test), [`Table`] and `t(lang)`.
#[macro_export]
macro_rules! words_table {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$key_meta:meta])* $key:ident => ($zh:expr, $en:expr $(,)?) ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        $vis enum $name {
            $( $(#[$key_meta])* $key, )*
        }

        impl $name {
            /// Every key of the table.
            #[allow(dead_code)]
            pub const ALL: &'static [$name] = &[$($name::$key),*];

            /// The text of this key in `lang`.
            #[allow(dead_code)]
            pub fn t(self, lang: $crate::i18n::Lang) -> &'static str {
                lang.t(self)
            }
        }

        impl $crate::i18n::Table for $name {
            fn words(self) -> $crate::i18n::Words {
                let (zh, en) = match self {
                    $( $name::$key => ($zh, $en), )*
                };
                $crate::i18n::Words { zh, en }
            }
        }
    };
}

words_table! {
    /// Words of the survey builder (`crate::builder`): template names and default texts, the
    /// defaults of a new question, and the builder's own messages. A `{name}` in a text is filled
    /// in by the builder (a line number, a version, a label).
    pub enum BuilderKey {
        TplSatisfactionName => ("满意度测评", "Satisfaction evaluation"),
        TplSatisfactionAbout => (
            "按“满意 / 基本满意 / 不满意 / 不了解”评价村（社区）的六项工作，另有总体评价和意见建议。",
            "Residents rate six areas of village or community work as satisfied, basically satisfied, dissatisfied or don't know, plus an overall rating and suggestions.",
        ),
        TplAppraisalName => ("民主评议", "Democratic appraisal"),
        TplAppraisalAbout => (
            "无记名评议每位干部：称职 / 基本称职 / 不称职。称职票达到 90% 评为优秀，不称职票达到 50% 评为不称职。",
            "An anonymous appraisal of each cadre: competent, basically competent or not competent. 90% competent gives Excellent; 50% not competent gives Not competent.",
        ),
        TplDepartmentsName => ("以下评上：部门评议", "Departments evaluated from below"),
        TplDepartmentsAbout => (
            "村（社区）对上级部门和乡镇站所的服务作出满意度评价（以下评上）。",
            "Villages and communities rate the services of the departments and township offices above them.",
        ),
        TplEveningName => ("村湾夜话：三张榜单", "Evening meeting: the three lists"),
        TplEveningAbout => (
            "光荣榜限额投票、积分榜打分、公示榜意见、项目表决和意见建议，一次完成。",
            "An honour-list vote with seats, points scoring, a public notice, a project vote and suggestions, in one ballot.",
        ),
        TplEmptyName => ("空白问卷", "Blank survey"),
        TplEmptyAbout => (
            "从空白开始，自己添加部分和问题。",
            "Start from nothing and add your own parts and questions.",
        ),

        SatTitle => ("村（社区）工作满意度测评", "Satisfaction with village (community) work"),
        SatDescription => (
            "请按您的真实感受评价。每户一票，无记名。“不了解”不计入有效票。",
            "Rate as you really feel. One ballot per household, anonymous. \"Don't know\" is not a valid vote.",
        ),
        SatSection => ("满意度测评", "Satisfaction"),
        SatWorkTitle => ("您对本村（社区）以下各项工作是否满意？", "How satisfied are you with the following?"),
        SatWorkHelp => ("每一项选一个答案。", "Choose one answer for each line."),
        SatSanitation => ("环境卫生", "Sanitation"),
        SatEfficiency => ("办事效率", "Efficiency of services"),
        SatPublicOrder => ("治安状况", "Public order"),
        SatCulture => ("文体活动", "Cultural and sports activities"),
        SatVulnerable => ("服务弱势群体", "Services for vulnerable groups"),
        SatConduct => ("干部作风", "Cadres' conduct"),
        SatOverallTitle => ("总体来说，您对本村（社区）的工作是否满意？", "Overall, are you satisfied with the work of the village (community)?"),
        SuggestionsSection => ("意见建议", "Suggestions"),
        SatSuggestionTitle => ("您还有什么意见和建议？（选填）", "Any other suggestions? (optional)"),

        AprTitle => ("村干部民主评议", "Democratic appraisal of village cadres"),
        AprDescription => (
            "无记名投票。请对每位干部一年来的履职情况作出评价。",
            "Anonymous ballot. Appraise each cadre's work over the year.",
        ),
        AprSection => ("民主评议", "Appraisal"),
        AprCadresTitle => ("请评价以下干部", "Appraise these cadres"),
        AprCadresHelp => (
            "称职票达到 90% 评为优秀；不称职票达到 50% 评为不称职。",
            "90% competent gives Excellent; 50% not competent gives Not competent.",
        ),
        AprSecretary => ("村党组织书记", "Party branch secretary"),
        AprDirector => ("村委会主任", "Village committee director"),
        AprDeputy => ("村委会副主任", "Deputy director"),
        AprSupervisor => ("村务监督委员会主任", "Head of the village affairs supervision committee"),
        AprAccountant => ("村会计", "Village accountant"),
        AprAdviceTitle => ("对村“两委”班子的意见和建议（选填）", "Advice for the village committees (optional)"),

        DepTitle => ("以下评上：乡镇部门服务满意度测评", "Evaluation from below: satisfaction with township departments"),
        DepDescription => (
            "由村（社区）对乡镇部门和站所的服务作出评价，结果计入部门年度考核。无记名。",
            "Villages and communities rate the services of township departments and offices; the results count in their annual assessment. Anonymous.",
        ),
        DepSection => ("部门评议", "Departments"),
        DepServiceTitle => ("您对以下部门的服务是否满意？", "How satisfied are you with the services of these departments?"),
        DepOffice => ("党政综合办公室", "Party and government office"),
        DepFinance => ("财政所", "Finance office"),
        DepPolice => ("派出所", "Police station"),
        DepHealth => ("卫生院", "Health centre"),
        DepAgriculture => ("农业服务中心", "Agricultural services centre"),
        DepSocial => ("社会事务办", "Social affairs office"),
        DepAdviceTitle => ("您对上级部门还有什么意见和建议？（选填）", "Any advice for the departments? (optional)"),

        EveTitle => ("村湾夜话 · 三张榜单评议", "Evening meeting: the three lists"),
        EveDescription => (
            "群众事群众议、群众评。今晚评议光荣榜、积分榜和公示榜，并表决一个项目。",
            "Residents judge their own affairs: tonight the honour, points and notice lists, and a vote on a project.",
        ),
        EveHonourSection => ("光荣榜 · 最美庭院", "Honour list: most beautiful courtyard"),
        EveHonourTitle => ("请选出本月的“最美庭院”", "Choose this month's most beautiful courtyards"),
        EveCandidate1 => ("候选户一", "Candidate household 1"),
        EveCandidate2 => ("候选户二", "Candidate household 2"),
        EveCandidate3 => ("候选户三", "Candidate household 3"),
        EveCandidate4 => ("候选户四", "Candidate household 4"),
        EvePointsSection => ("积分榜", "Points list"),
        EvePointsAbout => (
            "评议团成员为每户打分，去掉一个最高分和一个最低分后取平均。",
            "Panel members score each household; the highest and the lowest score are dropped before averaging.",
        ),
        EvePointsTitle => ("请为以下农户打分", "Score these households"),
        EveHousehold1 => ("农户一", "Household 1"),
        EveHousehold2 => ("农户二", "Household 2"),
        EveHousehold3 => ("农户三", "Household 3"),
        EveSanitation => ("环境卫生", "Sanitation"),
        EveCivility => ("乡风文明", "Civility"),
        EveJointWork => ("共建共治", "Joint work"),
        EveNoticeSection => ("公示榜", "Public notice list"),
        EveNoticeTitle => ("以下事项公示 7 天，您是否有异议？", "These items are on notice for 7 days. Any objection?"),
        EveNoticeSpending => ("村级项目支出", "Spending on village projects"),
        EveNoticeSubsidy => ("低保户名单", "Minimum-income households"),
        EveVoteSection => ("项目表决", "Project vote"),
        EveProjectTitle => ("您是否同意实施这个项目？", "Do you agree to carry out this project?"),
        EveProjectDetail => (
            "请在这里写明项目内容、地点、预算和筹资方式。",
            "Describe the project here: what, where, the budget and how it is paid for.",
        ),
        EveAgainstTitle => ("反对理由（选填）", "Reason for voting against (optional)"),
        EveSuggestionTitle => ("意见建议（选填）", "Suggestions (optional)"),

        EmptyTitle => ("新问卷", "New survey"),
        NewSection => ("新的部分", "New part"),

        KindScale => ("量表（满意度、评议）", "Rating scale (satisfaction, appraisal)"),
        KindChoose => ("选择（光荣榜投票）", "Choose (honour list vote)"),
        KindScore => ("评分（积分榜）", "Scores (points list)"),
        KindNotice => ("公示（公示榜）", "Public notice"),
        KindApprove => ("表决（赞同 / 反对 / 弃权）", "Approval (for / against / abstain)"),
        KindText => ("意见建议（文字）", "Suggestions (free text)"),
        NewScaleTitle => ("您是否满意？", "Are you satisfied?"),
        NewChooseTitle => ("请选择", "Please choose"),
        NewScoreTitle => ("请打分", "Please give scores"),
        NewNoticeTitle => ("以下事项公示，您是否有异议？", "These items are on notice. Any objection?"),
        NewApproveTitle => ("您是否同意？", "Do you agree?"),
        NewTextTitle => ("意见建议", "Suggestions"),
        NewOption => ("选项 {n}", "Option {n}"),
        NewSubject => ("对象 {n}", "Subject {n}"),
        NewItem => ("事项 {n}", "Item {n}"),
        NewCriterion => ("评分标准 {n}", "Criterion {n}"),

        ErrNoSection => ("没有这个部分", "there is no such part"),
        ErrNoQuestion => ("没有这个问题", "there is no such question"),
        ErrNoEntry => ("没有这一项", "there is no such entry"),
        ErrNoList => ("这种问题没有这个列表", "this kind of question has no such list"),
        ErrCannotMove => ("已经在最前或最后，不能再移动", "it is already first or last and cannot move further"),
        ErrTooManyQuestions => ("问卷最多只能有 {max} 个问题", "a survey can have at most {max} questions"),
        ErrTooManyEntries => ("一道题最多只能有 {max} 项", "a question can have at most {max} entries"),
        ErrNoRows => ("粘贴的内容里没有可用的行", "the pasted text has no usable rows"),

        CleanedCondition => (
            "问题“{question}”的显示条件引用了被删除的内容，已取消，现在总是显示",
            "question \"{question}\" had a show condition on what was removed; the condition is gone and the question is always shown",
        ),
        CleanedAnswer => (
            "问题“{question}”的显示条件不再包含被删除的答案“{answer}”",
            "question \"{question}\" no longer shows on the removed answer \"{answer}\"",
        ),
        CleanedGrade => (
            "问题“{question}”删除了引用该选项的评定规则",
            "question \"{question}\" lost the grade rule that named the removed option",
        ),

        PasteEmptyRow => ("第 {line} 行是空行，已跳过", "line {line} is empty and was skipped"),
        PasteNoLabel => (
            "第 {line} 行第一列（名称）为空，已跳过",
            "line {line} has no name in its first column and was skipped",
        ),
        PasteDuplicate => (
            "第 {line} 行“{label}”与第 {first} 行重复，只保留第 {first} 行",
            "line {line} \"{label}\" repeats line {first}; only line {first} is kept",
        ),
        PasteUnclosedQuote => (
            "第 {line} 行的引号没有闭合，引号后的内容都当作这一格",
            "the quote opened on line {line} is never closed; everything after it is read as one cell",
        ),
        PasteAlreadyListed => (
            "第 {line} 行“{label}”已在列表中，没有再添加",
            "line {line} \"{label}\" is already in the list and was not added again",
        ),

        CheckUnitEmpty => (
            "请填写参与评议的村湾、社区或小区名称",
            "enter the hamlet, community or compound that votes",
        ),

        PublishFirst => ("第一次发布，版本为第 {version} 版。", "First publication, as version {version}."),
        PublishUnchanged => (
            "问卷内容没有改变，不需要发布新版本（仍为第 {version} 版）。",
            "Nothing has changed; no new version is needed (it stays version {version}).",
        ),
        PublishOtherSurvey => (
            "问卷编号已改为“{id}”，将作为一份新问卷发布（第 {version} 版）；原问卷“{old}”和它的选票不受影响。",
            "The survey id is now \"{id}\", so it is published as a new survey (version {version}); the survey \"{old}\" and its ballots are not affected.",
        ),
        PublishNewVersion => (
            "问卷已修改，将发布为第 {version} 版（原为第 {old} 版）。",
            "The survey has changed and is published as version {version} (it was version {old}).",
        ),
        PublishNoOtherBallots => (
            "还没有收到其他版本的选票，统计不受影响。",
            "No ballots of another version are stored, so the tally is not affected.",
        ),
        PublishOtherBallots => (
            "已收到的选票保留各自的版本，不会被改动或删除：{list}。统计只计入一个版本：发布后只计入第 {version} 版的选票，这 {total} 张不再计入。发布前需要您确认。",
            "Ballots already cast keep their version and are neither changed nor deleted: {list}. The tally counts one version: once this is published only version {version} ballots are counted, and these {total} are left out. Publishing needs your confirmation.",
        ),
        PublishVersionCount => ("第 {version} 版 {n} 张", "{n} for version {version}"),
        PublishListSeparator => ("，", ", "),

        DraftNotJson => (
            "保存的草稿已损坏，无法读取：{detail}",
            "the saved draft is damaged and cannot be read: {detail}",
        ),
        DraftNotDraft => (
            "这不是评议问卷的草稿（格式标记应为“{format}”）",
            "this is not a Pingyi survey draft (its format tag should be \"{format}\")",
        ),
        DraftBadField => (
            "草稿的“{field}”无法读取：{detail}",
            "the draft's \"{field}\" cannot be read: {detail}",
        ),
        DraftUnknownTemplate => (
            "草稿使用的模板“{template}”不存在",
            "the draft names the template \"{template}\", which does not exist",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    words_table! {
        enum Sample {
            Full => ("满", "full"),
            NoEnglish => ("空", " "),
        }
    }

    #[test]
    fn chinese_is_the_default() {
        assert_eq!(Lang::default(), Lang::Zh);
        assert_eq!(Lang::from_tag("en-GB"), Lang::En);
        assert_eq!(Lang::from_tag("zh-CN"), Lang::Zh);
        assert_eq!(Lang::from_tag(""), Lang::Zh);
        assert_eq!(Lang::Zh.other(), Lang::En);
        assert_eq!(Lang::Zh.t(Sample::Full), "满");
        assert_eq!(Sample::Full.t(Lang::En), "full");
    }

    #[test]
    fn a_key_without_a_language_is_reported() {
        assert_eq!(
            missing_words(Sample::ALL),
            vec!["NoEnglish: en".to_string()]
        );
    }
}
