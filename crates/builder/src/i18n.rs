//! The builder's own words in Simplified Chinese (the default) and English, in the same table
//! style as the console's (`pingyi_core::i18n`): one [`Key`] per fixed string, and the
//! [`BuilderWords`] methods of [`Lang`] for strings with numbers or names. Template names, the
//! defaults of new questions and core's messages (problems, paste, cleanup, publish plan) come
//! from core's `BuilderKey` table; survey texts from the survey.

pub use pingyi_core::i18n::Lang;
use pingyi_core::words_table;

words_table! {
    /// Every fixed string the builder shows.
    pub enum Key {
        AppTitle => ("评议 · 制作问卷", "Pingyi · Build a survey"),
        /// Names the language the button switches TO.
        OtherLang => ("English", "中文"),
        ToConsole => ("返回结果页", "Back to results"),
        Download => ("下载问卷文件", "Download the survey file"),
        NewSurvey => ("换一份问卷", "Start another survey"),
        NotSaved => ("草稿未能保存在本机：", "The draft could not be saved on this device:"),
        // Start
        ResumeHeading => ("继续上次的草稿", "Continue the last draft"),
        ResumeHelp => (
            "草稿自动保存在本机。选择下面的模板会开始新问卷，并替换这份草稿。",
            "Drafts are saved on this device automatically. Picking a template below starts a new survey and replaces this draft.",
        ),
        DraftUnreadable => (
            "本机保存的草稿无法读取，已另外保留，不会被覆盖：",
            "The draft saved on this device cannot be read; it is kept aside and will not be overwritten:",
        ),
        PickTemplate => ("选择模板开始", "Start from a template"),
        OpenFileHeading => ("打开已有问卷", "Open an existing survey"),
        OpenFile => ("问卷文件（.json）", "Survey file (.json)"),
        FileInvalid => ("这个文件不是有效的问卷：", "This file is not a valid survey:"),
        // Settings
        SettingsHeading => ("基本信息", "Basic information"),
        SurveyTitle => ("问卷标题", "Survey title"),
        SurveyDescription => ("说明（选填）", "Description (optional)"),
        Unit => ("村湾或小区名称", "Village or neighbourhood"),
        SurveyId => ("问卷编号", "Survey id"),
        SurveyIdHelp => (
            "编号出现在链接里，只用英文字母、数字和“-”。发布后不要再改。",
            "The id appears in the links: letters, digits and \"-\" only. Do not change it after publishing.",
        ),
        Eligible => ("应参与人数或户数（选填）", "Eligible voters or households (optional)"),
        VotingUnit => ("投票方式", "Who votes"),
        PerPerson => ("每人一票", "One ballot per person"),
        PerHousehold => ("每户一票", "One ballot per household"),
        OpensAt => ("开始时间（选填）", "Opens at (optional)"),
        ClosesAt => ("截止时间（选填）", "Closes at (optional)"),
        WindowHelp => (
            "不填时间，就由组织者在会上开始和结束投票。",
            "Without times, the organiser opens and closes voting at the meeting.",
        ),
        Codes => ("使用选票码（每人一张纸条，凭码投票）", "Use ballot codes (one slip per voter)"),
        ResultsPublic => ("结果公开（村务公开）", "Results are public"),
        Receipts => ("公布回执码，居民可核对自己的票", "Publish receipt codes so residents can check their ballot"),
        // Sections and questions
        SectionTitle => ("部分标题", "Part title"),
        AddSection => ("＋ 添加一个部分", "+ Add a part"),
        RemoveSection => ("删除这一部分", "Remove this part"),
        MoveUp => ("上移", "Up"),
        MoveDown => ("下移", "Down"),
        Remove => ("删除", "Remove"),
        RemoveQuestion => ("删除这题", "Remove"),
        NewQuestionKind => ("新题目的类型", "Kind of the new question"),
        AddQuestion => ("＋ 添加题目", "+ Add a question"),
        QuestionTitle => ("题目", "Question"),
        QuestionHelp => ("提示（选填）", "Hint (optional)"),
        Required => ("必答", "Required"),
        Options => ("候选或选项", "Candidates or options"),
        ScaleOptions => ("评价选项", "Rating options"),
        PresetOptions => ("评价选项（预设）：", "Rating options (preset):"),
        CustomiseOptions => ("修改评价选项", "Change the rating options"),
        Subjects => ("评价对象", "Rated subjects"),
        ScoreSubjects => ("评分对象", "Scored subjects"),
        Criteria => ("评分项目", "Criteria"),
        NoticeItems => ("公示事项", "Items on notice"),
        EntryLabel => ("名称", "Name"),
        AddEntry => ("＋ 添加一项", "+ Add one"),
        Weight => ("分值", "Points"),
        NotValid => ("不计入有效票（如“不了解”）", "Not a valid vote (like \"don't know\")"),
        ChooseMin => ("至少选几项", "Choose at least"),
        ChooseMax => ("最多选几项", "Choose at most"),
        Seats => ("名额（选填）", "Seats (optional)"),
        SeatsHelp => (
            "名额：得票最多的几位当选；不填则不评当选。",
            "Seats: the most voted are elected; leave empty for no election.",
        ),
        ScoreMin => ("最低分", "Lowest score"),
        ScoreMax => ("最高分", "Highest score"),
        ScoreStep => ("每档相差", "Step"),
        Combine => ("计分方法", "How scores combine"),
        CombineMean => ("平均分", "Mean"),
        CombineTrimmed => ("去掉最高分和最低分后平均", "Mean without the highest and lowest"),
        CombineDrop => ("去掉最高、最低各几个", "Drop how many highest and lowest"),
        ReasonMaxLen => ("异议理由最多字数", "Longest reason for an objection"),
        PassRule => ("通过条件：赞同超过一半的", "Passes with more than half of"),
        RuleCast => ("全部投票（含弃权）", "all ballots (abstentions included)"),
        RuleValid => ("赞同加反对（不含弃权）", "for and against (no abstentions)"),
        RuleEligible => ("应参与人数", "the eligible count"),
        ApproveDetail => ("事项说明（选填）", "Details (optional)"),
        TextMaxLen => ("最多字数", "Longest answer"),
        ShowIf => ("什么时候显示这题", "When to show this question"),
        AlwaysShown => ("总是显示", "Always"),
        NotANumber => ("请填写整数。", "Please enter a whole number."),
        // Pasting
        PasteList => ("粘贴名单", "Paste a list"),
        PasteHelp => (
            "从 Excel 或 WPS 复制一列（或几列：第一列是名称，其余是说明），粘贴到这里；也可以粘贴 CSV 文件的内容。",
            "Copy a column from Excel or WPS (or several: the first is the name, the others a note) and paste it here; the text of a CSV file works too.",
        ),
        PasteReplace => ("替换现有名单", "Replace the list"),
        PasteAppend => ("加在现有名单后面", "Add after the list"),
        PasteGo => ("放进名单", "Put into the list"),
        // Preview
        PreviewHeading => ("预览：居民看到的样子", "Preview: what residents see"),
        PreviewHelp => (
            "可以试着作答，预览里的答案不会保存，也不会提交。",
            "Try answering: answers in the preview are neither saved nor sent.",
        ),
        // Publishing
        PublishHeading => ("发布", "Publish"),
        ServerUrl => ("评议服务器地址", "Collector address"),
        AdminToken => ("管理口令", "Admin token"),
        Remember => ("在本机记住口令", "Remember the token on this device"),
        NeedToken => ("请先填写管理口令。", "Please enter the admin token first."),
        Publish => ("发布问卷", "Publish the survey"),
        Publishing => ("正在发布…", "Publishing…"),
        Cancel => ("先不发布", "Not now"),
        ServerSaid => ("发布没有成功：", "Publishing failed: "),
        // Launch
        LaunchHeading => ("开始投票", "Start voting"),
        ResidentLink => ("居民用手机打开", "Residents' phones"),
        ResidentHelp => ("发到群里，或让居民扫码。", "Send it to the group chat, or let residents scan it."),
        KioskLink => ("会场平板（多人轮流投票）", "Meeting tablet (voters take turns)"),
        KioskHelp => ("在会场的平板上打开。", "Open it on the meeting's tablet."),
        ProjectorLink => ("投影屏幕", "Projector"),
        ProjectorHelp => ("投到大屏上，显示进度和结果。", "Show it on the big screen: progress and results."),
        CodeSlips => ("打印选票码纸条", "Print the ballot-code slips"),
        Print => ("打印这些链接", "Print these links"),
    }
}

/// The builder's words with numbers or names in them, as methods of [`Lang`].
pub trait BuilderWords {
    /// "第 2 部分（共 3 部分）".
    fn section_heading(self, n: usize, of: usize) -> String;
    /// "第 4 题 · 选择".
    fn question_heading(self, n: usize, kind: &str) -> String;
    /// The words of an approval answer id (`for`, `against`, `abstain`).
    fn approve_answer(self, id: &str) -> &'static str;
    /// A condition's answer: "答了“反对”时".
    fn after_answer(self, words: &str) -> String;
    /// "（3 项）".
    fn entries(self, n: usize) -> String;
    /// "读到 3 行".
    fn rows_read(self, n: usize) -> String;
    /// "已放进名单 3 项".
    fn pasted(self, n: usize) -> String;
    /// "还有 2 处需要修改".
    fn problems_left(self, n: usize) -> String;
    /// The disabled publish button: "还有 2 处问题，改好才能发布".
    fn cannot_publish(self, n: usize) -> String;
    /// "确认发布第 2 版".
    fn confirm_version(self, version: u32) -> String;
    /// "已发布第 2 版。".
    fn published(self, version: u32) -> String;
    /// Accessible name of a QR code.
    fn qr_label(self, url: &str) -> String;
    /// "继续编辑：村湾夜话".
    fn resume(self, title: &str) -> String;
}

impl BuilderWords for Lang {
    fn section_heading(self, n: usize, of: usize) -> String {
        self.pick(
            format!("第 {n} 部分（共 {of} 部分）"),
            format!("Part {n} of {of}"),
        )
    }

    fn question_heading(self, n: usize, kind: &str) -> String {
        self.pick(
            format!("第 {n} 题 · {kind}"),
            format!("Question {n} · {kind}"),
        )
    }

    fn approve_answer(self, id: &str) -> &'static str {
        match (id, self) {
            ("for", Lang::Zh) => "赞同",
            ("for", _) => "For",
            ("against", Lang::Zh) => "反对",
            ("against", _) => "Against",
            (_, Lang::Zh) => "弃权",
            _ => "Abstain",
        }
    }

    fn after_answer(self, words: &str) -> String {
        self.pick(format!("答了“{words}”时"), format!("after \"{words}\""))
    }

    fn entries(self, n: usize) -> String {
        self.pick(format!("（{n} 项）"), format!("({n})"))
    }

    fn rows_read(self, n: usize) -> String {
        self.pick(format!("读到 {n} 行。"), format!("{n} row(s) read."))
    }

    fn pasted(self, n: usize) -> String {
        self.pick(
            format!("已放进名单 {n} 项。"),
            format!("{n} put into the list."),
        )
    }

    fn problems_left(self, n: usize) -> String {
        self.pick(
            format!("还有 {n} 处需要修改，每处都标在对应的地方："),
            format!("{n} thing(s) to fix, each marked where it is:"),
        )
    }

    fn cannot_publish(self, n: usize) -> String {
        self.pick(
            format!("还有 {n} 处问题，改好才能发布"),
            format!("Fix {n} problem(s) to publish"),
        )
    }

    fn confirm_version(self, version: u32) -> String {
        self.pick(
            format!("我已了解，发布第 {version} 版"),
            format!("I understand: publish version {version}"),
        )
    }

    fn published(self, version: u32) -> String {
        self.pick(
            format!("已发布第 {version} 版。"),
            format!("Version {version} is published."),
        )
    }

    fn qr_label(self, url: &str) -> String {
        self.pick(format!("二维码：{url}"), format!("QR code: {url}"))
    }

    fn resume(self, title: &str) -> String {
        self.pick(format!("继续编辑：{title}"), format!("Continue: {title}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_is_the_default() {
        assert_eq!(Lang::default(), Lang::Zh);
        assert_eq!(Lang::from_tag("zh-CN"), Lang::Zh);
        assert_eq!(Lang::Zh.t(Key::Publish), "发布问卷");
        assert_eq!(Lang::En.t(Key::Publish), "Publish the survey");
    }

    #[test]
    fn every_key_has_chinese_and_english() {
        let missing = pingyi_core::i18n::missing_words(Key::ALL);
        assert!(missing.is_empty(), "keys without text: {missing:?}");
        assert_eq!(Lang::Zh.approve_answer("against"), "反对");
        assert_eq!(Lang::En.cannot_publish(2), "Fix 2 problem(s) to publish");
    }
}
