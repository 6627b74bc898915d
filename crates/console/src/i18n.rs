//! The console's own words in Simplified Chinese (the default) and English.
//!
//! Every fixed string the console shows is a [`Key`] of the table below, with its Chinese and
//! English text (the same table style as the widget's, see `pingyi_core::i18n`); strings with
//! numbers in them are the [`ConsoleWords`] methods of [`Lang`]. Survey texts (titles, options)
//! come from the survey or the report and are picked with [`Lang::code`]. None of these words
//! reach the residents' bundle.

pub use pingyi_core::i18n::Lang;
use pingyi_core::words_table;

/// The console's words with numbers or names in them, as methods of [`Lang`].
pub trait ConsoleWords {
    /// "12 张选票" in the local source's survey list.
    fn n_ballots(self, n: usize) -> String;
    /// A bar's value text: "12 票 · 40.00%".
    fn votes_share(self, count: u64, share: &str) -> String;
    /// "12 票" alone (options that are not valid votes).
    fn votes(self, count: u64) -> String;
    /// A file the import read: "a.json：30 张".
    fn file_read(self, name: &str, n: usize) -> String;
    /// Summary of a merge.
    fn merged(self, files: usize, counted: u64, duplicates: u64, conflicts: usize) -> String;
    /// Ballots of this device whose answers left it once a collector acknowledged them.
    fn uploaded_not_kept(self, n: usize) -> String;
    /// The approval rule in words.
    fn approve_rule(self, rule: &str) -> &'static str;
    /// "for × 2 > base" with the numbers.
    fn approve_check(self, for_count: u64, base: u64, passed: bool) -> String;
    /// Method of a score question.
    fn score_method(self, trimmed: bool, drop: u32) -> String;
    /// "共 5 人评分".
    fn judges(self, n: u64) -> String;
    /// The conflict line: which files held the id.
    fn conflict_in(self, files: &str, versions: usize) -> String;
    /// "已收到 12 张 / 应到 60".
    fn received(self, n: u64, eligible: Option<u32>) -> String;
    /// Accessible name of a QR code.
    fn qr_label(self, url: &str) -> String;
    /// The warning when many ballots with unknown codes arrived lately (someone may be guessing).
    fn codes_guessing(self, unknown: u64, window_seconds: u64, wait: Option<u64>) -> String;
    /// After `POST …/codes`.
    fn codes_made(self, count: u32, total: u64) -> String;
    /// Running count of paper ballots keyed in on this page.
    fn paper_entered(self, n: u64) -> String;
    /// After `PUT …/paper-totals`.
    fn totals_saved(self, rows: usize, ballots: u64) -> String;
    /// A typed count that is not a whole number.
    fn not_a_count(self, row: &str, value: &str) -> String;
    /// "选 1–2 项".
    fn choose_range(self, min: u32, max: u32) -> String;
    /// "其中纸质票 3".
    fn of_which_paper(self, n: u64) -> String;
    /// A remark after a value: "（并列）" / " (tied)".
    fn in_brackets(self, remark: &str) -> String;
    /// Whether the quorum is reached, with its percentage: "已达到（> 50%）".
    fn quorum_state(self, state: &str, percent: u32) -> String;
    /// Names in a sentence: "a.json、b.json" / "a.json, b.json".
    fn name_list(self, names: &[String]) -> String;
}

impl ConsoleWords for Lang {
    fn n_ballots(self, n: usize) -> String {
        self.pick(format!("{n} 张选票"), format!("{n} ballot(s)"))
    }

    fn votes_share(self, count: u64, share: &str) -> String {
        self.pick(
            format!("{count} 票 · {share}"),
            format!("{count} votes · {share}"),
        )
    }

    fn votes(self, count: u64) -> String {
        self.pick(format!("{count} 票"), format!("{count} votes"))
    }

    fn file_read(self, name: &str, n: usize) -> String {
        self.pick(format!("{name}：{n} 张"), format!("{name}: {n} ballot(s)"))
    }

    fn merged(self, files: usize, counted: u64, duplicates: u64, conflicts: usize) -> String {
        self.pick(
            format!("已合并 {files} 个文件：计入 {counted} 张，重复 {duplicates} 张已去除，冲突 {conflicts} 个编号未计入。"),
            format!(
                "Merged {files} file(s): {counted} ballot(s) counted, {duplicates} duplicate(s) dropped, {conflicts} conflicting id(s) left out."
            ),
        )
    }

    fn uploaded_not_kept(self, n: usize) -> String {
        self.pick(
            format!("另有 {n} 张已上传，答案未保留在本机（不计入本页统计，请以收集服务器为准）。"),
            format!(
                "{n} more ballot(s) uploaded, answers not kept on this device (not counted here; see the collector)."
            ),
        )
    }

    fn approve_rule(self, rule: &str) -> &'static str {
        match rule {
            "valid" => self.t(Key::RuleValid),
            "eligible" => self.t(Key::RuleEligible),
            _ => self.t(Key::RuleCast),
        }
    }

    fn approve_check(self, for_count: u64, base: u64, passed: bool) -> String {
        let op = if passed { ">" } else { "≤" };
        self.pick(
            format!("赞同 {for_count} × 2 {op} 计票基数 {base}"),
            format!("for {for_count} × 2 {op} base {base}"),
        )
    }

    fn score_method(self, trimmed: bool, drop: u32) -> String {
        if trimmed {
            self.pick(
                format!("去掉 {drop} 个最高分和 {drop} 个最低分后取平均"),
                format!("mean after dropping the {drop} highest and {drop} lowest"),
            )
        } else {
            self.t(Key::PlainMean).to_string()
        }
    }

    fn judges(self, n: u64) -> String {
        self.pick(format!("{n} 人评分"), format!("{n} judge(s)"))
    }

    fn conflict_in(self, files: &str, versions: usize) -> String {
        self.pick(
            format!("出现在：{files}（{versions} 种内容）"),
            format!("in: {files} ({versions} versions)"),
        )
    }

    fn received(self, n: u64, eligible: Option<u32>) -> String {
        match eligible {
            Some(m) => self.pick(
                format!("已收到 {n} 张 / 应到 {m}"),
                format!("{n} received / {m} eligible"),
            ),
            None => self.pick(format!("已收到 {n} 张"), format!("{n} received")),
        }
    }

    fn qr_label(self, url: &str) -> String {
        self.pick(format!("二维码：{url}"), format!("QR code: {url}"))
    }

    fn codes_guessing(self, unknown: u64, window_seconds: u64, wait: Option<u64>) -> String {
        let minutes = window_seconds.div_ceil(60);
        let mut zh =
            format!("有人在猜选票码：最近 {minutes} 分钟内有 {unknown} 张选票的选票码不对。");
        let mut en = format!(
            "Someone may be guessing ballot codes: {unknown} ballot(s) with unknown codes in the last {minutes} minutes."
        );
        if let Some(w) = wait {
            zh.push_str(&format!(
                "收集端暂时拒收错误的选票码（{w} 秒），有效选票码照常投票。"
            ));
            en.push_str(&format!(
                " The collector refuses unknown codes for now ({w} s); valid codes still vote."
            ));
        }
        self.pick(zh, en)
    }

    fn codes_made(self, count: u32, total: u64) -> String {
        self.pick(
            format!("已生成 {count} 个选票码（本问卷共 {total} 个）。"),
            format!("{count} code(s) made ({total} for this survey in all)."),
        )
    }

    fn paper_entered(self, n: u64) -> String {
        self.pick(
            format!("本次已录入 {n} 张纸质选票"),
            format!("{n} paper ballot(s) entered on this page"),
        )
    }

    fn totals_saved(self, rows: usize, ballots: u64) -> String {
        self.pick(
            format!("已保存 {rows} 行合计，代表 {ballots} 张纸质选票。"),
            format!("Saved {rows} row(s) of totals, standing for {ballots} paper ballot(s)."),
        )
    }

    fn not_a_count(self, row: &str, value: &str) -> String {
        self.pick(
            format!("{row}：“{value}”不是整数"),
            format!("{row}: “{value}” is not a whole number"),
        )
    }

    fn choose_range(self, min: u32, max: u32) -> String {
        self.pick(
            format!("选 {min}–{max} 项"),
            format!("choose {min} to {max}"),
        )
    }

    fn of_which_paper(self, n: u64) -> String {
        self.pick(format!("其中纸质票 {n}"), format!("of which paper: {n}"))
    }

    fn in_brackets(self, remark: &str) -> String {
        self.pick(format!("（{remark}）"), format!(" ({remark})"))
    }

    fn quorum_state(self, state: &str, percent: u32) -> String {
        self.pick(
            format!("{state}（> {percent}%）"),
            format!("{state} (> {percent}%)"),
        )
    }

    fn name_list(self, names: &[String]) -> String {
        names.join(self.pick("、", ", "))
    }
}

words_table! {
    /// One fixed string.
    pub enum Key {
        AppTitle => ("评议 · 结果与导出", "Pingyi · results and exports"),
        NavResults => ("结果与导出", "Results and exports"),
        FullScreen => ("全屏", "Full screen"),
        /// The projector's toggle that stops revealed results turning pages (`aria-pressed`).
        PausePages => ("暂停翻页", "Pause pages"),
        ResultsByOrganiser => ("结果将由组织者公布", "The organiser will reveal the results"),
        NavControls => ("投票控制", "Voting controls"),
        NavCodes => ("选票码", "Ballot codes"),
        NavPaper => ("线下投票录入", "Paper ballots"),
        NavProjector => ("打开投影页", "Open the projector page"),
        /// The link to the survey builder (crates/builder, its own bundle under /console/builder/).
        NavBuilder => ("制作问卷", "Build a survey"),
        NavHeading => ("组织者页面", "Organiser pages"),
        SignInHeading => ("组织者登录", "Organiser sign-in"),
        SignInHelp => ("管理口令只保存在本页内存中；勾选“记住”才会保存在本机浏览器。", "The admin token stays in this page's memory; it is stored in this browser only when “Remember” is ticked."),
        NeedToken => ("需要管理口令。", "The admin token is needed."),
        NeedSurveyId => ("请填写问卷编号。", "Please give the survey id."),
        ProjectorJoin => ("扫码参加投票", "Scan to vote"),
        ResultsLater => ("结果将在投票结束后公布", "Results will be shown when voting ends"),
        VotingClosed => ("投票已结束", "Voting has closed"),
        FrozenHash => ("结果校验码（SHA-256）", "Result check code (SHA-256)"),
        ProjectorNoSurvey => ("请在地址中给出问卷编号：?view=projector&s=问卷编号", "Give the survey id in the address: ?view=projector&s=survey-id"),
        Connecting => ("正在连接评议服务器…", "Connecting to the collector…"),
        Offline => ("暂时连不上评议服务器，正在重试…", "Cannot reach the collector; retrying…"),
        ControlsHelp => ("公布结果后，投影页显示各题结果；隐藏后只显示票数。", "Once revealed, the projector shows every question's results; hidden, only the count."),
        StateOpen => ("投票进行中", "Voting is open"),
        StateClosed => ("投票已结束", "Voting has closed"),
        Revealed => ("结果已公布", "Results revealed"),
        NotRevealed => ("结果未公布", "Results hidden"),
        Reveal => ("公布结果", "Reveal results"),
        Hide => ("隐藏结果", "Hide results"),
        RefreshState => ("刷新状态", "Refresh"),
        Close => ("结束投票", "Close voting"),
        ConfirmClose => ("确认结束", "Confirm: close voting"),
        Cancel => ("取消", "Cancel"),
        CloseWarning => ("结束后不再接受任何选票（包括离线后补传的），也不能再录入纸质合计或生成选票码。此操作不能撤销。", "After closing no ballot is accepted (also none synced later), and no paper totals or codes can be added. This cannot be undone."),
        ContentHash => ("结果指纹（SHA-256）", "Result fingerprint (SHA-256)"),
        ContentHashHelp => ("请把这个指纹和结果一起公示，任何人都可以用它核对结果文件。", "Publish this fingerprint with the results so anyone can check a copy of the results file."),
        ClosedAt => ("结束时间", "Closed at"),
        CodesCount => ("选票码数量", "Number of codes"),
        CodesGenerate => ("生成选票码", "Make ballot codes"),
        CodesOnce => ("选票码只显示这一次，请立即打印！服务器只保存选票码的指纹，无法再次显示。", "The codes are shown this once only: print them now! The collector keeps only their fingerprints and cannot show them again."),
        CodesNoRecord => ("剪开后打乱，背面朝上发放。不要记录谁拿了哪一张。", "Cut, shuffle and hand out face down. Do not record who got which slip."),
        SlipInstruction => ("扫码或在平板上输入此码投票，每码只能用一次", "Scan, or type this code on the tablet, to vote. Each code works once."),
        PrintSlips => ("打印选票码", "Print the slips"),
        PaperOneByOne => ("逐张录入", "One by one"),
        PaperOneHelp => ("按一张纸质选票勾选，提交后表单清空，再录下一张。空着的题不勾。", "Mark as on one paper ballot and submit; the form clears for the next one. Leave blank questions unmarked."),
        PaperSubmit => ("提交这张纸质选票", "Submit this paper ballot"),
        PaperSkipped => ("评分、公示和意见建议题不在这里录入。", "Score, notice and suggestion questions are not entered here."),
        LoadSurvey => ("载入问卷", "Load the survey"),
        StatusAccepted => ("已计入", "counted"),
        StatusDuplicate => ("已存在（重复提交），不重复计入", "already stored (resent); not counted twice"),
        StatusConflict => ("编号冲突，未计入", "id conflict; not counted"),
        StatusRejected => ("被拒绝，未计入", "rejected; not counted"),
        PaperTotalsHeading => ("按选项录入合计", "Totals per option"),
        PaperTotalsHelp => ("数好一叠纸质选票后，每题（每个被评对象）填写作答的票数和每个选项的票数。再次保存会替换之前的全部合计。空行不录入。", "Count the stack, then give per question (and subject) the ballots that answered it and the marks per option. Saving again replaces the whole previous set. Blank rows are left out."),
        PaperBallotsCol => ("作答票数", "Ballots answering"),
        SaveTotals => ("保存合计", "Save the totals"),
        ProblemsHeading => ("评议服务器指出的问题", "Problems the collector found"),
        Subject => ("对象", "Subject"),
        ChannelSplit => ("按渠道", "By channel"),
        Choose => ("可选", "Choose"),
        OtherLang => ("English", "中文"),
        Print => ("打印公示", "Print for the notice board"),
        SourceHeading => ("数据来源", "Source"),
        SourceLocal => ("本机选票", "Ballots in this browser"),
        SourceServer => ("评议服务器", "Collector server"),
        SourceFiles => ("导入文件", "Import files"),
        /// The file tools' page (dist/console/files/): its title and its link back to the console.
        FilesTitle => ("评议 · 本机选票与导入文件", "Pingyi · ballots in this browser and files"),
        BackToConsole => ("返回结果与导出", "Back to results and exports"),
        /// Before the parser's message when a survey is not JSON.
        NotJson => ("不是 JSON：", "not JSON: "),
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

    #[test]
    fn every_key_has_chinese_and_english() {
        let missing = pingyi_core::i18n::missing_words(Key::ALL);
        assert!(missing.is_empty(), "keys without text: {missing:?}");
        assert_eq!(Lang::Zh.in_brackets("并列"), "（并列）");
        assert_eq!(Lang::Zh.quorum_state("已达到", 50), "已达到（> 50%）");
        assert_eq!(
            Lang::En.name_list(&["a.json".into(), "b.json".into()]),
            "a.json, b.json"
        );
    }
}
