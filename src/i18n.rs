//! The widget's own words in Simplified Chinese (the default) and English.
//!
//! Every string the widget shows that does not come from the survey file is here: one [`Key`]
//! per fixed string, and a few functions for strings with numbers in them. Survey texts (titles,
//! options such as 不了解) come from the survey and are picked with [`Lang::code`].

pub use pingyi_core::i18n::Lang;
use pingyi_core::words_table;

words_table! {
    /// Every fixed user-facing string.
    pub enum Key {
        /// Label of the toggle button: names the language it switches TO.
        SwitchLanguage => ("English", "中文"),
        /// Label of the large-text (elder mode, 大字) toggle; `aria-pressed` says whether it is on.
        LargeText => ("大字", "Large text"),
        Loading => ("正在加载问卷…", "Loading the survey…"),
        Previous => ("上一页", "Previous"),
        Next => ("下一页", "Next"),
        Submit => ("提交", "Submit"),
        Submitting => ("正在保存…", "Saving…"),
        /// Heading of the summary shown before a ballot is cast.
        ConfirmTitle => ("请核对您的选择", "Please check your choices"),
        ConfirmSubmit => ("确认提交", "Confirm and submit"),
        ChangeAnswers => ("返回修改", "Go back and change"),
        /// In the summary, for a question left unanswered.
        NoAnswer => ("未作答", "Not answered"),
        /// In the summary, between a subject or item and its answer: 王书记：称职.
        SummaryColon => ("：", ": "),
        /// In the summary, around an objection's reason.
        ReasonOpen => ("（", " ("),
        ReasonClose => ("）", ")"),
        /// Read aloud, after each part of a question (a pause).
        SpeechPause => ("。", ". "),
        /// The button that reads a question and its options aloud (speech synthesis).
        ReadAloud => ("朗读", "Read aloud"),
        /// The link to the organiser console's results of this device (results are not shown to
        /// residents in the widget: on a shared phone they would reveal how a neighbour voted).
        ViewResults => ("查看本机结果（组织者）", "This device's results (organisers)"),
        VoteAgain => ("再投一票", "Cast another ballot"),
        Thanks => ("感谢您的参与！", "Thank you for taking part!"),
        ReceiptIntro => ("您的回执码：", "Your receipt code:"),
        ReceiptHint => (
            "请记下回执码，公布结果时可以核对您的票。",
            "Note this code down: you can find your ballot in the published receipt list.",
        ),
        StoredLocally => ("您的票已保存在本机。", "Your ballot is saved on this device."),
        NotValidMark => ("（不计入有效票）", " (not counted as a valid vote)"),
        /// After a question's title.
        Required => ("（必答）", " (required)"),
        Optional => ("（选答）", " (optional)"),
        /// Between the reasons of a list of problems.
        ListSeparator => ("；", "; "),
        PleaseChoose => ("请选择", "Please choose"),
        NoObjection => ("无异议", "No objection"),
        Objection => ("有异议", "Objection"),
        ObjectionReason => ("异议理由（必填）", "Reason for the objection (required)"),
        ApproveFor => ("赞同", "For"),
        ApproveAgainst => ("反对", "Against"),
        ApproveAbstain => ("弃权", "Abstain"),
        FixBelow => ("请先完成下面标出的问题。", "Please complete the questions marked below."),
        LoadFailed => (
            "问卷加载失败，请检查网络后刷新页面重试。",
            "The survey could not be loaded. Check the network and reload the page.",
        ),
        SurveyInvalid => (
            "问卷文件有错误，暂时无法投票。请联系组织者。",
            "The survey file has errors, so voting is not possible. Please tell the organiser.",
        ),
        StorageUnavailable => (
            "本浏览器无法在本机保存投票（可能是无痕模式或关闭了存储）。为免丢票，请换用系统浏览器后再投票。",
            "This browser cannot save ballots on this device (private mode or storage turned off). \
             To avoid losing your vote, please open the page in another browser.",
        ),
        StorageFull => (
            "本机存储空间已满，您的票没有保存。请清理手机空间或换一台设备后再提交。",
            "This device's storage is full, so your ballot was NOT saved. Free some space or use another device, then submit again.",
        ),
        StorageFailed => (
            "保存失败，您的票没有保存。请再试一次。",
            "Saving failed, so your ballot was NOT saved. Please try again.",
        ),
        NoScript => (
            "您的浏览器版本过旧，无法使用本问卷。请用系统浏览器打开或升级微信。",
            "Your browser is too old for this survey. Open it in the system browser or update WeChat.",
        ),
    }
}

/// "第 2/4 部分" / "Part 2 of 4".
pub fn section_progress(lang: Lang, current: usize, total: usize) -> String {
    match lang {
        Lang::Zh => format!("第 {current}/{total} 部分"),
        Lang::En => format!("Part {current} of {total}"),
    }
}

/// "已选 2/3" / "2 of 3 chosen".
pub fn chosen_count(lang: Lang, chosen: usize, max: u32) -> String {
    match lang {
        Lang::Zh => format!("已选 {chosen}/{max}"),
        Lang::En => format!("{chosen} of {max} chosen"),
    }
}

/// "12/500 字" / "12/500 characters".
pub fn char_count(lang: Lang, used: usize, max: u32) -> String {
    match lang {
        Lang::Zh => format!("{used}/{max} 字"),
        Lang::En => format!("{used}/{max} characters"),
    }
}

/// "选 1–3 项" / "Choose 1 to 3".
pub fn choose_range(lang: Lang, min: u32, max: u32) -> String {
    match (lang, min == max) {
        (Lang::Zh, true) => format!("请选 {max} 项"),
        (Lang::Zh, false) => format!("可选 {min}–{max} 项"),
        (Lang::En, true) => format!("Choose {max}"),
        (Lang::En, false) => format!("Choose {min} to {max}"),
    }
}

/// "（0–10 分）" / "(0 to 10)".
pub fn score_range(lang: Lang, min: i32, max: i32) -> String {
    match lang {
        Lang::Zh => format!("（{min}–{max} 分）"),
        Lang::En => format!("({min} to {max})"),
    }
}

/// "本机已投 12 票" / "Ballots cast on this device: 12" (the kiosk's count).
pub fn kiosk_count(lang: Lang, n: usize) -> String {
    match lang {
        Lang::Zh => format!("本机已投 {n} 票"),
        Lang::En => format!("Ballots cast on this device: {n}"),
    }
}

/// The kiosk's PIN pad after too many wrong PINs.
pub fn pin_wait(lang: Lang, seconds: u64) -> String {
    match lang {
        Lang::Zh => format!("PIN 错误次数太多，请等 {seconds} 秒后再试。"),
        Lang::En => format!("Too many wrong PINs. Please wait {seconds} s before trying again."),
    }
}

/// A kiosk's ballot codes could not be loaded: what, and the technical detail.
pub fn kiosk_load_failed(lang: Lang, what: KioskKey, detail: &str) -> String {
    let separator = lang.pick("：", ": ");
    format!("{}{separator}{detail}", lang.t(what))
}

/// "HTTP 404" style detail for a failed fetch.
pub fn http_status(lang: Lang, status: u16) -> String {
    match lang {
        Lang::Zh => format!("服务器返回 {status}"),
        Lang::En => format!("The server answered {status}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    // Plain `#[test]`s are not run for wasm32; these run under wasm-bindgen-test.
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn languages_are_read_from_tags() {
        assert_eq!(Lang::from_tag("en"), Lang::En);
        assert_eq!(Lang::from_tag("en-GB"), Lang::En);
        assert_eq!(Lang::from_tag("zh-CN"), Lang::Zh);
        assert_eq!(Lang::from_tag(""), Lang::Zh);
    }

    // Also a native test (`cargo test -p pingyi --lib i18n`): no browser needed for the words.
    #[cfg_attr(not(target_arch = "wasm32"), ::core::prelude::v1::test)]
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    fn upload_problems_are_put_in_words() {
        let p = |f: Failure| OutboxKey::upload_problem(&f);
        let server = |status| Failure::Server {
            status,
            code: None,
            message: None,
        };
        // A timeout is what weak village signal looks like: no connection, not a server fault.
        assert_eq!(p(Failure::Timeout), OutboxKey::NoConnection);
        assert_eq!(OutboxKey::NoConnection.t(Lang::Zh), "网络不通");
        assert_eq!(
            p(Failure::Network {
                detail: "TypeError: Failed to fetch".into()
            }),
            OutboxKey::NoConnection
        );
        assert_eq!(p(Failure::RateLimited), OutboxKey::ServerBusy);
        assert_eq!(p(Failure::StorageFull), OutboxKey::ServerProblem);
        assert_eq!(p(server(500)), OutboxKey::ServerProblem);
        assert_eq!(p(server(502)), OutboxKey::ServerProblem);
        assert_eq!(p(Failure::VotingNotOpen).t(Lang::Zh), "投票尚未开始");
        assert_eq!(p(Failure::VotingEnded).t(Lang::Zh), "投票时间已过");
        assert_eq!(p(Failure::VotingEnded).t(Lang::En), "Voting has ended");
        assert_eq!(p(Failure::Closed), OutboxKey::SurveyClosed);
        assert_eq!(
            OutboxKey::next_step(&Failure::Timeout),
            OutboxKey::UploadFailed
        );
        assert_eq!(
            OutboxKey::next_step(&Failure::VotingEnded),
            OutboxKey::NotRetried
        );
        use OutboxKey::*;
        for k in [
            LocalOnly,
            AllUploaded,
            UploadNow,
            Uploading,
            UploadFailed,
            NotRetried,
            NoConnection,
            ServerBusy,
            ServerProblem,
            SurveyClosed,
            VotingNotOpen,
            VotingEnded,
            UploadRefused,
            VersionNotPublished,
            TooLarge,
            SomeRefused,
            RefusedReasons,
            Conflict,
        ] {
            assert_ne!(k.t(Lang::Zh), k.t(Lang::En));
        }
    }

    #[test]
    fn every_key_has_both_languages() {
        use Key::*;
        for k in [
            SwitchLanguage,
            LargeText,
            Previous,
            Next,
            Submit,
            ViewResults,
            VoteAgain,
            StorageFull,
        ] {
            let pingyi_core::i18n::Words { zh, en } = pingyi_core::i18n::Table::words(k);
            assert!(!zh.is_empty() && !en.is_empty());
            assert_ne!(zh, en);
        }
        assert_eq!(section_progress(Lang::Zh, 2, 4), "第 2/4 部分");
        assert_eq!(chosen_count(Lang::Zh, 2, 3), "已选 2/3");
    }

    // Also a native test: a key with an empty Chinese or English text fails here.
    #[cfg_attr(not(target_arch = "wasm32"), ::core::prelude::v1::test)]
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    fn every_table_is_complete_in_both_languages() {
        use pingyi_core::i18n::missing_words;
        let mut missing = missing_words(Key::ALL);
        missing.extend(missing_words(OutboxKey::ALL));
        missing.extend(missing_words(MeetingKey::ALL));
        missing.extend(missing_words(IntegrityKey::ALL));
        missing.extend(missing_words(KioskKey::ALL));
        missing.extend(missing_words(EmbedKey::ALL));
        assert!(missing.is_empty(), "keys without text: {missing:?}");
        assert_eq!(Lang::Zh.t(KioskKey::NextVoter), "请下一位村民投票");
        assert_eq!(kiosk_count(Lang::Zh, 3), "本机已投 3 票");
        assert_eq!(
            pin_wait(Lang::Zh, 30),
            "PIN 错误次数太多，请等 30 秒后再试。"
        );
        assert_eq!(
            kiosk_load_failed(Lang::En, KioskKey::CodesLoadFailed, "401"),
            "Could not load the ballot codes: 401"
        );
    }
}

// ---------------------------------------------------------------- outbox (upload status)
// Kept as its own small block so the outbox's words can be found (and changed) in one place.

use pingyi_core::outbox::Failure;

words_table! {
    /// Fixed strings of the upload status (see `views/status.rs`).
    pub enum OutboxKey {
        LocalOnly => ("仅保存在本机", "Saved on this device only"),
        AllUploaded => ("全部已上传", "All ballots uploaded"),
        UploadNow => ("立即上传", "Upload now"),
        Uploading => ("正在上传…", "Uploading…"),
        UploadFailed => (
            "上传未成功。选票已保存在本机，稍后自动重试。",
            "Upload failed. Your ballot is saved on this device and will be sent again automatically.",
        ),
        NotRetried => (
            "选票仍保存在本机，但不会再自动上传。",
            "The ballots stay on this device but will not be sent again automatically.",
        ),
        NoConnection => ("网络不通", "No connection"),
        ServerBusy => ("服务器繁忙", "The server is busy"),
        ServerProblem => ("服务器暂时出错", "The server had a problem"),
        SurveyClosed => ("问卷已关闭", "The survey is closed"),
        VotingNotOpen => ("投票尚未开始", "Voting has not started yet"),
        VotingEnded => ("投票时间已过", "Voting has ended"),
        UploadRefused => (
            "收集端拒绝了上传，请告诉组织者",
            "The collector refused the upload; please tell the organiser",
        ),
        VersionNotPublished => (
            "收集端还没有这一版问卷",
            "The collector does not have this version of the survey yet",
        ),
        TooLarge => ("选票太大，收集端拒收", "A ballot is too large for the collector"),
        SomeRefused => ("有选票被拒收", "Some ballots were refused"),
        RefusedReasons => ("查看拒收原因", "Show the reasons"),
        Conflict => (
            "收集端已有同一编号但内容不同的选票（冲突），未覆盖。",
            "The collector holds a different ballot with the same id (conflict); nothing was overwritten.",
        ),
    }
}

impl OutboxKey {
    /// Why an upload failed, in words for residents. Core's [`Failure`] is typed, so a timeout
    /// on weak signal reads as "no connection", not as a server fault.
    pub fn upload_problem(failure: &Failure) -> OutboxKey {
        match failure {
            Failure::Network { .. } | Failure::Timeout => OutboxKey::NoConnection,
            Failure::RateLimited => OutboxKey::ServerBusy,
            Failure::StorageFull | Failure::Server { .. } | Failure::BadResponse => {
                OutboxKey::ServerProblem
            }
            Failure::Closed => OutboxKey::SurveyClosed,
            Failure::VotingNotOpen => OutboxKey::VotingNotOpen,
            Failure::VotingEnded => OutboxKey::VotingEnded,
            Failure::Client { .. } => OutboxKey::UploadRefused,
            Failure::UnknownVersion { .. } => OutboxKey::VersionNotPublished,
            Failure::PayloadTooLarge => OutboxKey::TooLarge,
            Failure::Refused { .. } => OutboxKey::SomeRefused,
        }
    }

    /// What happens next: retried automatically, or kept without retrying.
    pub fn next_step(failure: &Failure) -> OutboxKey {
        if failure.retries() {
            OutboxKey::UploadFailed
        } else {
            OutboxKey::NotRetried
        }
    }
}

/// "12 张选票待上传" / "12 ballots waiting to upload".
pub fn pending_count(lang: Lang, n: usize) -> String {
    match lang {
        Lang::Zh => format!("{n} 张选票待上传"),
        Lang::En if n == 1 => "1 ballot waiting to upload".to_string(),
        Lang::En => format!("{n} ballots waiting to upload"),
    }
}

/// "2 张选票被拒收" / "2 ballots refused".
pub fn refused_count(lang: Lang, n: usize) -> String {
    match lang {
        Lang::Zh => format!("{n} 张选票被拒收"),
        Lang::En if n == 1 => "1 ballot refused by the collector".to_string(),
        Lang::En => format!("{n} ballots refused by the collector"),
    }
}

/// "上次上传：20:15" / "Last upload: 20:15".
pub fn last_success(lang: Lang, when: &str) -> String {
    match lang {
        Lang::Zh => format!("上次上传：{when}"),
        Lang::En => format!("Last upload: {when}"),
    }
}

// ---------------------------------------------------------------- meeting modes (personal mode)

words_table! {
    /// Fixed strings of personal mode: the ballot code screen, the already-voted receipt, closing.
    pub enum MeetingKey {
        EnterCode => ("输入选票码", "Enter your ballot code"),
        CodeHelp => (
            "请输入发给您的选票码（如 7K3M-Q9XZ），大小写和横线都可以。",
            "Type the code on your slip (e.g. 7K3M-Q9XZ); case and dashes do not matter.",
        ),
        CodeStart => ("开始投票", "Start voting"),
        CodeWrong => (
            "选票码不正确，请核对后重新输入。",
            "This ballot code is not valid. Please check it.",
        ),
        AlreadyVoted => ("您已投过票", "You have already voted"),
        Closed => (
            "投票已结束，不再接受选票。",
            "Voting has ended; no more ballots are accepted.",
        ),
    }
}

// ---------------------------------------------------------------- kiosk (feature `kiosk`)

words_table! {
    /// Fixed strings of the kiosk (a shared tablet, `kiosk.html`); not in the residents' bundle.
    pub enum KioskKey {
        CodesLoadFailed => ("选票码加载失败", "Could not load the ballot codes"),
        NoStorage => (
            "本机浏览器无法保存选票，不能用作投票机。",
            "This browser cannot store ballots, so it cannot be used as a kiosk.",
        ),
        Done => ("完成", "Done"),
        Organiser => ("组织者", "Organiser"),
        BackToVoting => ("返回投票", "Back to voting"),
        ResumeVoting => ("恢复本机投票", "Resume voting on this device"),
        EndVoting => ("结束本机投票", "End voting on this device"),
        LeaveKiosk => ("退出信息亭模式", "Leave kiosk mode"),
        KioskLeft => (
            "已退出信息亭模式。本机的选票仍然保存着，上传完成前请不要清除浏览器数据。",
            "Kiosk mode ended. This device's ballots stay stored; do not clear the browser's data before they are uploaded.",
        ),
        SetUpAgain => ("重新设置信息亭", "Set up the kiosk again"),
        PinFormat => ("PIN 须为 4–8 位数字。", "The PIN must be 4 to 8 digits."),
        PinsDiffer => ("两次输入的 PIN 不一致。", "The two PINs differ."),
        SetUpTitle => ("设置投票机（信息亭模式）", "Set up the kiosk"),
        PinNew => ("组织者 PIN（4–8 位数字）", "Organiser PIN (4 to 8 digits)"),
        PinConfirm => ("再输一次 PIN", "PIN again"),
        TokenForCodes => (
            "管理口令（可选：载入选票码，只用这一次，不保存）",
            "Admin token (optional: loads the code list once; not stored)",
        ),
        Start => ("开始", "Start"),
        NextVoter => ("请下一位村民投票", "Next voter, please"),
        Ended => ("本机投票已结束。", "Voting on this device has ended."),
        EnterCode => ("请输入选票码", "Enter your ballot code"),
        CodeUnknown => (
            "选票码不正确，请核对后重新输入。",
            "This ballot code is not valid. Please check it and type it again.",
        ),
        CodeUsed => ("这个码已经用过了，每个码只能投一次。", pingyi_core::codes::CODE_USED_EN),
        StartVoting => ("开始投票", "Start voting"),
        PinTitle => ("请输入组织者 PIN", "Enter the organiser PIN"),
        PinWrong => ("PIN 不正确，请重新输入。", "Wrong PIN. Please try again."),
        Delete => ("删除", "Delete"),
        Confirm => ("确定", "OK"),
        Back => ("返回", "Back"),
    }
}

// ---------------------------------------------------------------- integrity (links, personal phones)

words_table! {
    /// Fixed strings about where a link may send ballots and what a personal phone keeps.
    pub enum IntegrityKey {
        /// A link (`?s=…&endpoint=…`) names a collector the page's operator has not approved.
        LinkRefused => (
            "此链接指向未经批准的服务器，为保护您的选票，本页没有加载问卷，也不会发送任何内容。请向组织者索取正确的链接。",
            "This link points to a server that is not approved. To protect your vote, nothing was loaded and nothing will be sent. Ask the organiser for the correct link.",
        ),
        /// Personal mode's thank-you screen: what stays on the phone once the ballot is uploaded.
        KeptAfterUpload => (
            "上传成功后，本机只保留回执码，不保留您的选择。",
            "Once uploaded, this phone keeps only the receipt code, not your answers.",
        ),
    }
}

/// "未经批准的服务器：https://x.example" / "Unapproved server: https://x.example".
pub fn refused_server(lang: Lang, origin: &str) -> String {
    match lang {
        Lang::Zh => format!("未经批准的服务器：{origin}"),
        Lang::En => format!("Unapproved server: {origin}"),
    }
}

// ---------------------------------------------------------------- embedding (see `crate::host`)

words_table! {
    /// What the widget says about the page it is embedded in.
    pub enum EmbedKey {
        /// In another site's frame (embed.html) the browser keeps this page's storage apart from
        /// the collector's own site, or may clear it: said before anyone votes.
        StoragePartitioned => (
            "本问卷嵌在其他网站的页面中，浏览器会把选票与本站分开保存，关闭页面后可能清除。请投票后等到显示“全部已上传”再离开；没有网络时，请点下面的链接在新窗口中投票。",
            "This survey is inside another site's page, so the browser keeps your ballot apart from this site's storage and may clear it when the page closes. After voting, wait for \"All ballots uploaded\" before leaving; without a connection, vote in a new window with the link below.",
        ),
        OpenAlone => ("在新窗口中打开问卷", "Open the survey in a new window"),
    }
}
