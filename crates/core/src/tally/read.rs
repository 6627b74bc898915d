//! Readers of the tally and of the `pingyi-tally/1` report from a `serde_json::Value`, for the
//! organiser console (see `crate::read` for why and for the rules they keep).
//!
//! Each reader mirrors the type's serde attributes in `tally/mod.rs`, `tally/ratio.rs` and
//! `export.rs`: `opt` for an `Option` field, `def` for a `#[serde(default)]` one, `only` for
//! `deny_unknown_fields`. `tests/tally_read_equiv.rs` checks them against the derived
//! `Deserialize`.

use serde_json::Value;

use super::{
    ApproveTally, ChannelCount, ChooseTally, CriterionTally, KindTally, NoticeItemTally,
    OptionCount, Participation, QuestionTally, RankedOption, Ratio, ScaleSubjectTally,
    ScoreSubjectTally, ScoreTally, Tally, VersionCount,
};
use crate::ballot::Channel;
use crate::export::{BallotCounts, TallyReport};
use crate::read::{one_of, At, FromJson, FromKey, Obj, Read};
use crate::survey::Text;

/// The names of [`Channel`], in variant order.
const CHANNELS: &[&str] = &["digital", "paper"];

fn channel(i: usize) -> Channel {
    if i == 0 {
        Channel::Digital
    } else {
        Channel::Paper
    }
}

impl FromJson for Channel {
    fn read(v: &Value, at: &At) -> Read<Self> {
        one_of(v, at, CHANNELS).map(channel)
    }
}

impl FromKey for Channel {
    fn from_key(key: &str, at: &At) -> Read<Self> {
        Channel::read(&Value::String(key.to_string()), at)
    }
}

impl FromJson for Text {
    fn read(v: &Value, at: &At) -> Read<Self> {
        let o = Obj::new(v, at)?;
        o.only(&["zh", "en"])?;
        Ok(Text {
            zh: o.req("zh")?,
            en: o.opt("en")?,
        })
    }
}

impl FromJson for Ratio {
    fn read(v: &Value, at: &At) -> Read<Self> {
        let o = Obj::new(v, at)?;
        // `value` is derived from the other two: only its type is checked.
        o.opt::<String>("value")?;
        Ok(Ratio {
            num: o.req("num")?,
            den: o.req("den")?,
        })
    }
}

impl FromJson for TallyReport {
    fn read(v: &Value, at: &At) -> Read<Self> {
        let o = Obj::new(v, at)?;
        Ok(TallyReport {
            format: o.req("format")?,
            survey_id: o.req("survey_id")?,
            survey_version: o.req("survey_version")?,
            survey_title: o.req("survey_title")?,
            unit: o.req("unit")?,
            survey_hash: o.req("survey_hash")?,
            generated_at: o.req("generated_at")?,
            ballots: o.req("ballots")?,
            ballot_ids_digest: o.req("ballot_ids_digest")?,
            receipts: o.opt("receipts")?,
            excluded_conflicts: o.def("excluded_conflicts")?,
            notes: o.def("notes")?,
            tally: o.req("tally")?,
        })
    }
}

impl FromJson for BallotCounts {
    fn read(v: &Value, at: &At) -> Read<Self> {
        let o = Obj::new(v, at)?;
        Ok(BallotCounts {
            counted: o.req("counted")?,
            by_channel: o.req("by_channel")?,
            by_device: o.def("by_device")?,
        })
    }
}

impl FromJson for Tally {
    fn read(v: &Value, at: &At) -> Read<Self> {
        let o = Obj::new(v, at)?;
        Ok(Tally {
            survey_id: o.req("survey_id")?,
            survey_version: o.req("survey_version")?,
            participation: o.req("participation")?,
            questions: o.req("questions")?,
        })
    }
}

impl FromJson for Participation {
    fn read(v: &Value, at: &At) -> Read<Self> {
        let o = Obj::new(v, at)?;
        Ok(Participation {
            ballots: o.req("ballots")?,
            by_channel: o.req("by_channel")?,
            ignored_other_survey: o.req("ignored_other_survey")?,
            other_versions: o.def("other_versions")?,
            duplicates_dropped: o.req("duplicates_dropped")?,
            eligible: o.opt("eligible")?,
            rate: o.opt("rate")?,
            quorum_percent: o.req("quorum_percent")?,
            quorum_reached: o.opt("quorum_reached")?,
            over_eligible: o.req("over_eligible")?,
            paper_totals_ballots: o.def("paper_totals_ballots")?,
        })
    }
}

impl FromJson for VersionCount {
    fn read(v: &Value, at: &At) -> Read<Self> {
        let o = Obj::new(v, at)?;
        Ok(VersionCount {
            survey_version: o.req("survey_version")?,
            ballots: o.req("ballots")?,
        })
    }
}

impl FromJson for ChannelCount {
    fn read(v: &Value, at: &At) -> Read<Self> {
        let o = Obj::new(v, at)?;
        Ok(ChannelCount {
            channel: o.req("channel")?,
            subject_id: o.opt("subject_id")?,
            option_id: o.req("option_id")?,
            count: o.req("count")?,
        })
    }
}

/// The `kind` names of [`KindTally`], in variant order.
const KINDS: &[&str] = &["scale", "choose", "score", "notice", "approve", "text"];

impl FromJson for QuestionTally {
    fn read(v: &Value, at: &At) -> Read<Self> {
        let o = Obj::new(v, at)?;
        Ok(QuestionTally {
            question_id: o.req("question_id")?,
            title: o.req("title")?,
            answered: o.req("answered")?,
            channel_counts: o.def("channel_counts")?,
            // `#[serde(flatten)]`: the kind's fields are in the same object.
            result: KindTally::read(v, at)?,
        })
    }
}

impl FromJson for KindTally {
    fn read(v: &Value, at: &At) -> Read<Self> {
        let o = Obj::new(v, at)?;
        Ok(match o.tag("kind", KINDS)? {
            0 => KindTally::Scale {
                subjects: o.req("subjects")?,
            },
            1 => KindTally::Choose(ChooseTally {
                ranking: o.req("ranking")?,
                seats: o.opt("seats")?,
                elected: o.req("elected")?,
                tied_at_last_seat: o.req("tied_at_last_seat")?,
            }),
            2 => KindTally::Score(ScoreTally {
                method: o.req("method")?,
                drop: o.req("drop")?,
                subjects: o.req("subjects")?,
            }),
            3 => KindTally::Notice {
                items: o.req("items")?,
            },
            4 => KindTally::Approve(ApproveTally {
                for_count: o.req("for_count")?,
                against: o.req("against")?,
                abstain: o.req("abstain")?,
                rule: o.req("rule")?,
                base: o.req("base")?,
                for_share: o.opt("for_share")?,
                passed: o.req("passed")?,
            }),
            _ => KindTally::Text {
                texts: o.req("texts")?,
            },
        })
    }
}

impl FromJson for OptionCount {
    fn read(v: &Value, at: &At) -> Read<Self> {
        let o = Obj::new(v, at)?;
        Ok(OptionCount {
            option_id: o.req("option_id")?,
            label: o.req("label")?,
            count: o.req("count")?,
            share_of_valid: o.opt("share_of_valid")?,
            not_valid: o.req("not_valid")?,
        })
    }
}

impl FromJson for ScaleSubjectTally {
    fn read(v: &Value, at: &At) -> Read<Self> {
        let o = Obj::new(v, at)?;
        Ok(ScaleSubjectTally {
            subject_id: o.opt("subject_id")?,
            label: o.opt("label")?,
            options: o.req("options")?,
            total: o.req("total")?,
            valid: o.req("valid")?,
            satisfaction_rate: o.opt("satisfaction_rate")?,
            weighted_score: o.opt("weighted_score")?,
            grade: o.opt("grade")?,
        })
    }
}

impl FromJson for RankedOption {
    fn read(v: &Value, at: &At) -> Read<Self> {
        let o = Obj::new(v, at)?;
        Ok(RankedOption {
            option_id: o.req("option_id")?,
            label: o.req("label")?,
            count: o.req("count")?,
            share_of_answered: o.req("share_of_answered")?,
            rank: o.req("rank")?,
            tied: o.req("tied")?,
        })
    }
}

impl FromJson for ScoreSubjectTally {
    fn read(v: &Value, at: &At) -> Read<Self> {
        let o = Obj::new(v, at)?;
        Ok(ScoreSubjectTally {
            subject_id: o.req("subject_id")?,
            label: o.req("label")?,
            criteria: o.req("criteria")?,
            total: o.req("total")?,
            rank: o.req("rank")?,
            tied: o.req("tied")?,
        })
    }
}

impl FromJson for CriterionTally {
    fn read(v: &Value, at: &At) -> Read<Self> {
        let o = Obj::new(v, at)?;
        Ok(CriterionTally {
            criterion_id: o.req("criterion_id")?,
            label: o.req("label")?,
            count: o.req("count")?,
            min: o.opt("min")?,
            max: o.opt("max")?,
            mean: o.opt("mean")?,
            combined: o.opt("combined")?,
            trim_skipped: o.req("trim_skipped")?,
        })
    }
}

impl FromJson for NoticeItemTally {
    fn read(v: &Value, at: &At) -> Read<Self> {
        let o = Obj::new(v, at)?;
        Ok(NoticeItemTally {
            item_id: o.req("item_id")?,
            label: o.req("label")?,
            no_objection: o.req("no_objection")?,
            objection: o.req("objection")?,
            reasons: o.req("reasons")?,
            needs_review: o.req("needs_review")?,
        })
    }
}
