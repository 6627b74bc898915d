//! The console's own words in Simplified Chinese (the default) and English.
//!
//! Every fixed string the console shows is a [`Key`] with its `(zh, en)` pair in [`Key::pair`];
//! strings with numbers in them are small functions on [`Lang`]. Survey texts (titles, options)
//! come from the survey or the report and are picked with [`Lang::code`].

/// The language the console speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    /// Reads a `data-lang` value: `en…` is English, anything else Chinese.
    pub fn from_tag(tag: &str) -> Lang {
        if tag.trim().to_ascii_lowercase().starts_with("en") {
            Lang::En
        } else {
            Lang::Zh
        }
    }

    /// The code for [`pingyi_core::Text::get`] and for `lang` attributes.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    /// The `lang` argument of core's `tally_csv`.
    pub fn csv(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }

    pub fn other(self) -> Lang {
        match self {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        }
    }

    /// Survey text in this language (falls back to Chinese).
    pub fn text(self, t: &pingyi_core::Text) -> String {
        t.get(self.code()).to_string()
    }

    /// The fixed string for `key`.
    pub fn t(self, key: Key) -> &'static str {
        let (zh, en) = key.pair();
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }

    fn pick(self, zh: String, en: String) -> String {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }

    /// "12 张选票" in the local source's survey list.
    pub fn n_ballots(self, n: usize) -> String {
        self.pick(format!("{n} 张选票"), format!("{n} ballot(s)"))
    }

    /// A bar's value text: "12 票 · 40.00%".
    pub fn votes_share(self, count: u64, share: &str) -> String {
        self.pick(format!("{count} 票 · {share}"), format!("{count} votes · {share}"))
    }

    /// "12 票" alone (options that are not valid votes).
    pub fn votes(self, count: u64) -> String {
        self.pick(format!("{count} 票"), format!("{count} votes"))
    }

    /// A file the import read: "a.json：30 张".
    pub fn file_read(self, name: &str, n: usize) -> String {
        self.pick(format!("{name}：{n} 张"), format!("{name}: {n} ballot(s)"))
    }

    /// Summary of a merge.
    pub fn merged(self, files: usize, counted: u64, duplicates: u64, conflicts: usize) -> String {
        self.pick(
            format!("已合并 {files} 个文件：计入 {counted} 张，重复 {duplicates} 张已去除，冲突 {conflicts} 个编号未计入。"),
            format!(
                "Merged {files} file(s): {counted} ballot(s) counted, {duplicates} duplicate(s) dropped, {conflicts} conflicting id(s) left out."
            ),
        )
    }

    /// The approval rule in words.
    pub fn approve_rule(self, rule: &str) -> &'static str {
        match rule {
            "valid" => self.t(Key::RuleValid),
            "eligible" => self.t(Key::RuleEligible),
            _ => self.t(Key::RuleCast),
        }
    }

    /// "for × 2 > base" with the numbers.
    pub fn approve_check(self, for_count: u64, base: u64, passed: bool) -> String {
        let op = if passed { ">" } else { "≤" };
        self.pick(
            format!("赞同 {for_count} × 2 {op} 计票基数 {base}"),
            format!("for {for_count} × 2 {op} base {base}"),
        )
    }

    /// Method of a score question.
    pub fn score_method(self, trimmed: bool, drop: u32) -> String {
        if trimmed {
            self.pick(
                format!("去掉 {drop} 个最高分和 {drop} 个最低分后取平均"),
                format!("mean after dropping the {drop} highest and {drop} lowest"),
            )
        } else {
            self.t(Key::PlainMean).to_string()
        }
    }

    /// "共 5 人评分".
    pub fn judges(self, n: u64) -> String {
        self.pick(format!("{n} 人评分"), format!("{n} judge(s)"))
    }

    /// The conflict line: which files held the id.
    pub fn conflict_in(self, files: &str, versions: usize) -> String {
        self.pick(format!("出现在：{files}（{versions} 种内容）"), format!("in: {files} ({versions} versions)"))
    }
}

/// One fixed string.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Key {
    AppTitle,
    OtherLang,
    Print,
    SourceHeading,
    SourceLocal,
    SourceServer,
    SourceFiles,
    LocalHelp,
    LocalNone,
    LocalPick,
    SurveyFile,
    SurveyUrl,
    SurveyFromFileOrUrl,
    ServerUrl,
    SurveyId,
    AdminToken,
    Remember,
    BallotFiles,
    Count,
    Load,
    Loading,
    ErrorPrefix,
    NeedSurvey,
    NeedFiles,
    SurveyMismatch,
    Conflicts,
    ConflictsHelp,
    Unit,
    GeneratedAt,
    Version,
    SurveyHash,
    Digest,
    Participation,
    Counted,
    ByChannel,
    ByDevice,
    Digital,
    Paper,
    Eligible,
    NotSet,
    Rate,
    Quorum,
    QuorumReached,
    QuorumNotReached,
    QuorumUnknown,
    OverEligible,
    Duplicates,
    IgnoredOther,
    Answered,
    Option,
    Votes,
    Share,
    Valid,
    Total,
    SatisfactionRate,
    Weighted,
    Grade,
    NotValid,
    Rank,
    Candidate,
    Elected,
    Tied,
    TiedAtLastSeat,
    Seats,
    Household,
    Criterion,
    Mean,
    Trimmed,
    TotalScore,
    TrimSkipped,
    PlainMean,
    NoObjection,
    Objection,
    Reasons,
    NeedsReview,
    NoObjectionPasses,
    For,
    Against,
    Abstain,
    Passed,
    NotPassed,
    Rule,
    Base,
    RuleCast,
    RuleValid,
    RuleEligible,
    Suggestions,
    NoneGiven,
    Receipts,
    ReceiptsHelp,
    Footnote,
    FormulaSatisfaction,
    FormulaWeighted,
    FormulaTrimmed,
    FormulaApprove,
    FormulaShare,
    FormulaParticipation,
    FormulaRounding,
    Downloads,
    DownloadJson,
    DownloadCsv,
    DownloadBallots,
    BallotsNeedToken,
    Yes,
    No,
    Dash,
}

impl Key {
    /// `(Chinese, English)`.
    pub fn pair(self) -> (&'static str, &'static str) {
        use Key::*;
        match self {
            AppTitle => ("评议 · 结果与导出", "Pingyi · results and exports"),
            OtherLang => ("English", "中文"),
            Print => ("打印公示", "Print for the notice board"),
            SourceHeading => ("数据来源", "Source"),
            SourceLocal => ("本机选票", "Ballots in this browser"),
            SourceServer => ("评议服务器", "Collector server"),
            SourceFiles => ("导入文件", "Import files"),
            LocalHelp => (
                "本浏览器中保存的选票（同一台设备上投的票）。还需要问卷文件才能计票。",
                "Ballots saved in this browser (cast on this device). The survey file is needed to count them.",
            ),
            LocalNone => ("本浏览器中没有保存的选票。", "No ballots are saved in this browser."),
            LocalPick => ("选择问卷", "Choose a survey"),
            SurveyFile => ("问卷文件（JSON）", "Survey file (JSON)"),
            SurveyUrl => ("或问卷地址", "or the survey's address"),
            SurveyFromFileOrUrl => ("问卷：选择文件，或填写地址", "Survey: pick a file or give its address"),
            ServerUrl => ("服务器地址", "Server address"),
            SurveyId => ("问卷编号", "Survey id"),
            AdminToken => ("管理口令（结果不公开时需要）", "Admin token (needed when results are not public)"),
            Remember => ("在本浏览器记住口令", "Remember the token in this browser"),
            BallotFiles => ("各设备导出的选票文件（可多选）", "Ballot exports from the devices (choose several)"),
            Count => ("计票", "Count"),
            Load => ("载入", "Load"),
            Loading => ("正在载入…", "Loading…"),
            ErrorPrefix => ("载入失败：", "Could not load: "),
            NeedSurvey => ("请先提供问卷文件或地址。", "Give the survey file or its address first."),
            NeedFiles => ("请选择至少一个选票文件。", "Choose at least one ballot file."),
            SurveyMismatch => ("问卷编号与所选不一致：", "The survey file is another survey: "),
            Conflicts => ("同一编号内容不同（未计入）", "Same id, different content (not counted)"),
            ConflictsHelp => (
                "这些编号在不同文件中内容不同，无法判断哪一份是居民投的，两份都不计入，请核查。",
                "These ids have different contents in different files. There is no way to tell which one the resident cast, so neither is counted. Please check them.",
            ),
            Unit => ("单位", "Unit"),
            GeneratedAt => ("生成时间", "Generated"),
            Version => ("版本", "Version"),
            SurveyHash => ("问卷指纹", "Survey hash"),
            Digest => ("选票编号摘要", "Ballot-id digest"),
            Participation => ("参与情况", "Participation"),
            Counted => ("计入选票", "Ballots counted"),
            ByChannel => ("按方式", "By channel"),
            ByDevice => ("按设备", "By device"),
            Digital => ("手机投票", "Digital"),
            Paper => ("纸质录入", "Paper"),
            Eligible => ("应到", "Eligible"),
            NotSet => ("未设定", "not set"),
            Rate => ("参与率", "Participation rate"),
            Quorum => ("法定人数", "Quorum"),
            QuorumReached => ("已达到", "reached"),
            QuorumNotReached => ("未达到", "not reached"),
            QuorumUnknown => ("未知（未设定应到人数）", "unknown (no eligible count)"),
            OverEligible => (
                "警告：选票多于应到人数，请核查。",
                "Warning: more ballots than eligible voters. Please check.",
            ),
            Duplicates => ("重复票（已去除）", "Duplicate ballots dropped"),
            IgnoredOther => ("其他问卷或版本的票（未计）", "Ballots for another survey or version (not counted)"),
            Answered => ("作答", "Answered"),
            Option => ("选项", "Option"),
            Votes => ("票数", "Votes"),
            Share => ("占比", "Share"),
            Valid => ("有效票", "Valid votes"),
            Total => ("合计", "Total"),
            SatisfactionRate => ("满意率", "Satisfaction rate"),
            Weighted => ("加权得分", "Weighted score"),
            Grade => ("等级", "Grade"),
            NotValid => ("不计入有效票", "not a valid vote"),
            Rank => ("名次", "Rank"),
            Candidate => ("候选", "Candidate"),
            Elected => ("当选", "Elected"),
            Tied => ("并列", "Tied"),
            TiedAtLastSeat => ("并列（需决选或复核）", "Tied for the last seat (run-off or review)"),
            Seats => ("名额", "Seats"),
            Household => ("户", "Household"),
            Criterion => ("项目", "Criterion"),
            Mean => ("平均分", "Mean"),
            Trimmed => ("去极值平均分", "Trimmed mean"),
            TotalScore => ("总分", "Total"),
            TrimSkipped => ("评分人数不足，未去极值", "too few scores to trim"),
            PlainMean => ("取平均分", "plain mean"),
            NoObjection => ("无异议", "No objection"),
            Objection => ("有异议", "Objection"),
            Reasons => ("异议理由", "Reasons"),
            NeedsReview => ("需复核", "Needs review"),
            NoObjectionPasses => ("无异议，通过", "No objection: passes"),
            For => ("赞同", "For"),
            Against => ("反对", "Against"),
            Abstain => ("弃权", "Abstain"),
            Passed => ("通过", "Passed"),
            NotPassed => ("未通过", "Not passed"),
            Rule => ("规则", "Rule"),
            Base => ("计票基数", "Base"),
            RuleCast => ("赞同票超过投票数（含弃权）的一半", "for > half of the ballots cast (abstentions included)"),
            RuleValid => ("赞同票超过赞同与反对票之和的一半", "for > half of for + against"),
            RuleEligible => ("赞同票超过应到人数的一半", "for > half of the eligible count"),
            Suggestions => ("意见建议", "Suggestions"),
            NoneGiven => ("无", "none"),
            Receipts => ("回执码（公示）", "Receipt codes (published)"),
            ReceiptsHelp => (
                "每位投票人可在此找到自己的回执码，核对选票已计入。",
                "Each voter can find their receipt code here to check that the ballot was counted.",
            ),
            Footnote => ("计算方法", "How the figures are computed"),
            FormulaSatisfaction => (
                "满意率 = (满意+基本满意)/有效票，不了解不计入有效票。",
                "Satisfaction rate = (satisfied + basically satisfied) / valid votes; “don't know” is not a valid vote.",
            ),
            FormulaWeighted => ("加权得分 = Σ(权重×票数)/有效票。", "Weighted score = Σ(weight × votes) / valid votes."),
            FormulaTrimmed => (
                "去极值平均分 = 去掉 k 个最高分和 k 个最低分后的平均；评分人数不超过 2k 时取平均分。",
                "Trimmed mean = the mean after dropping the k highest and k lowest scores; with 2k or fewer scores the plain mean is used.",
            ),
            FormulaApprove => ("通过 = 赞同票 > 计票基数的一半。", "Passed = for > half of the base."),
            FormulaShare => (
                "占比：量表题为 票数/有效票；推选题与表决题为 票数/作答人数。",
                "Share: votes / valid votes for scales; votes / ballots that answered for choices and approval votes.",
            ),
            FormulaParticipation => (
                "参与率 = 计入选票/应到；达到法定人数 = 计入选票 > 应到 × 法定人数比例。",
                "Participation = ballots counted / eligible; quorum reached when ballots > eligible × quorum percent.",
            ),
            FormulaRounding => (
                "百分比与分数四舍五入保留两位小数；原始票数始终列出。",
                "Percentages and scores are rounded half away from zero to 2 places; raw counts are always shown.",
            ),
            Downloads => ("下载", "Downloads"),
            DownloadJson => ("下载汇总 JSON", "Download tally JSON"),
            DownloadCsv => ("下载 CSV（Excel）", "Download CSV (Excel)"),
            DownloadBallots => ("下载原始选票 JSON", "Download raw ballots JSON"),
            BallotsNeedToken => (
                "原始选票需要管理口令才能从服务器下载。",
                "Raw ballots need the admin token to be downloaded from the server.",
            ),
            Yes => ("是", "yes"),
            No => ("否", "no"),
            Dash => ("—", "—"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_is_the_default() {
        assert_eq!(Lang::default(), Lang::Zh);
        assert_eq!(Lang::from_tag("zh-CN"), Lang::Zh);
        assert_eq!(Lang::from_tag("en-GB"), Lang::En);
        assert_eq!(Lang::Zh.t(Key::SourceLocal), "本机选票");
    }
}
