//! Readers of the meeting answers the organiser console gets from a collector (state, live view,
//! codes, paper totals, final tally), from a `serde_json::Value` (see `crate::read`). Each mirrors
//! the type's serde attributes in `protocol/meeting.rs` and `paper.rs`;
//! `tests/tally_read_equiv.rs` checks them against the derived `Deserialize`.

use serde_json::Value;

use super::meeting::{
    CodeAttempts, CodesResponse, FinalTally, IssuedCode, LiveView, PaperTotalsView, SurveyStateView,
};
use crate::paper::PaperTotals;
use crate::read::{At, FromJson, Obj, Read};

impl FromJson for SurveyStateView {
    fn read(v: &Value, at: &At) -> Read<Self> {
        let o = Obj::new(v, at)?;
        Ok(SurveyStateView {
            survey_id: o.req("survey_id")?,
            state: o.req("state")?,
            revealed: o.req("revealed")?,
            closed_at: o.opt("closed_at")?,
        })
    }
}

impl FromJson for LiveView {
    fn read(v: &Value, at: &At) -> Read<Self> {
        let o = Obj::new(v, at)?;
        Ok(LiveView {
            survey_id: o.req("survey_id")?,
            survey_version: o.req("survey_version")?,
            title: o.req("title")?,
            unit: o.req("unit")?,
            eligible: o.opt("eligible")?,
            ballots: o.req("ballots")?,
            state: o.req("state")?,
            revealed: o.req("revealed")?,
            closed_at: o.opt("closed_at")?,
            tally: o.opt("tally")?,
            content_hash: o.opt("content_hash")?,
        })
    }
}

impl FromJson for IssuedCode {
    fn read(v: &Value, at: &At) -> Read<Self> {
        let o = Obj::new(v, at)?;
        Ok(IssuedCode {
            code: o.req("code")?,
            url: o.req("url")?,
        })
    }
}

impl FromJson for CodesResponse {
    fn read(v: &Value, at: &At) -> Read<Self> {
        let o = Obj::new(v, at)?;
        Ok(CodesResponse {
            survey_id: o.req("survey_id")?,
            count: o.req("count")?,
            total: o.req("total")?,
            codes: o.req("codes")?,
        })
    }
}

impl FromJson for CodeAttempts {
    fn read(v: &Value, at: &At) -> Read<Self> {
        let o = Obj::new(v, at)?;
        Ok(CodeAttempts {
            survey_id: o.req("survey_id")?,
            window_seconds: o.req("window_seconds")?,
            unknown_recent: o.req("unknown_recent")?,
            alert: o.req("alert")?,
            retry_after_seconds: o.opt("retry_after_seconds")?,
        })
    }
}

impl FromJson for PaperTotals {
    fn read(v: &Value, at: &At) -> Read<Self> {
        let o = Obj::new(v, at)?;
        o.only(&["question_id", "subject_id", "ballots", "counts"])?;
        Ok(PaperTotals {
            question_id: o.req("question_id")?,
            subject_id: o.opt("subject_id")?,
            ballots: o.req("ballots")?,
            counts: o.req("counts")?,
        })
    }
}

impl FromJson for PaperTotalsView {
    fn read(v: &Value, at: &At) -> Read<Self> {
        let o = Obj::new(v, at)?;
        Ok(PaperTotalsView {
            survey_id: o.req("survey_id")?,
            survey_version: o.opt("survey_version")?,
            totals: o.req("totals")?,
            paper_ballots: o.req("paper_ballots")?,
        })
    }
}

impl FromJson for FinalTally {
    fn read(v: &Value, at: &At) -> Read<Self> {
        let o = Obj::new(v, at)?;
        Ok(FinalTally {
            survey_id: o.req("survey_id")?,
            closed_at: o.req("closed_at")?,
            content_hash: o.req("content_hash")?,
            report: o.req("report")?,
        })
    }
}
