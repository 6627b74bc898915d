//! Evening-meeting modes (村湾夜话) on the collector: ballot codes, paper totals, the projector's
//! live view (polling and server-sent events), revealing results, and closing with a frozen final
//! tally. See "Meeting modes" in docs/protocol.md and docs/meeting-modes.md.
//!
//! The rules that matter here:
//! - Plain ballot codes exist only in the response to `POST …/codes`; the database holds only the
//!   check of each code's hash (core `codes::code_check`), and a kiosk gets short hints
//!   (`codes/hints`): neither casts a ballot (see [`crate::codes`]).
//! - Until the organiser reveals the results (or closes the survey), no public route shows any
//!   count per option: `live` gives only the number of ballots, and `tally` needs the admin token
//!   even with `results_public`.
//! - Closing is final: the tally is computed once, stored with its content hash, and served as
//!   stored from then on; every later submit is refused with 409 `survey_closed`.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::sse::{Event, Sse};
use axum::response::{IntoResponse, Response};
use axum::Json;

use pingyi_core::ballot::sha256_hex;
use pingyi_core::codes::{code_check, code_hash, generate_codes, join_url, BYTES_PER_CODE};
use pingyi_core::export::{tally_report, TallyReport};
use pingyi_core::paper::{paper_totals_ballots, validate_paper_totals, PaperTotals};
use pingyi_core::protocol::error_code;
use pingyi_core::tally::tally_with_paper;
use pingyi_core::tally::{Counter, KindTally, Tally};
use pingyi_core::Survey;

use super::common::{blocking, load_ballots, now_rfc3339, JsonBody};
use crate::auth::{Admin, AdminCheck};
use crate::error::{survey_closed, ApiError};
use crate::state::{AppState, LiveSlot, LiveSnapshot};
use crate::store::{FrozenTally, MeetingState};

pub use pingyi_core::protocol::meeting::{
    CodeAttempts, CodeHints, CodesRequest, CodesResponse, FinalTally, IssuedCode, LiveView,
    PaperTotalsBody, PaperTotalsView, SurveyStateView, CONTENT_HASH_HEADER, FROZEN_HEADER,
    MAX_CODES_PER_REQUEST,
};
use pingyi_core::protocol::meeting::{STATE_CLOSED, STATE_OPEN};

pub use crate::wire::LIVE_EVENT_SECONDS;

// The wire types (`SurveyStateView`, `LiveView`, codes, paper totals, `FinalTally`) are core's
// `pingyi_core::protocol::meeting`, shared with the organiser console.

// ------------------------------------------------------------------------------------------------
// Blocking helpers

fn state_word(m: &MeetingState) -> &'static str {
    if m.closed_at.is_some() {
        STATE_CLOSED
    } else {
        STATE_OPEN
    }
}

fn state_view(survey_id: &str, m: &MeetingState) -> SurveyStateView {
    SurveyStateView {
        survey_id: survey_id.to_string(),
        state: state_word(m).into(),
        revealed: m.revealed,
        closed_at: m.closed_at.clone(),
    }
}

/// The paper totals that apply to `version` (blocking): the stored set when it was checked
/// against that version, else none.
pub(crate) fn paper_totals_for(
    state: &AppState,
    survey_id: &str,
    version: u32,
) -> Result<Vec<PaperTotals>, ApiError> {
    match state.store.paper_totals(survey_id)? {
        Some((v, json)) if v == version => serde_json::from_str(&json).map_err(|e| {
            tracing::error!(survey_id, "stored paper totals do not parse: {e}");
            ApiError::internal()
        }),
        _ => Ok(Vec::new()),
    }
}

/// The report of the stored ballots and paper totals now (blocking): core's `tally_report`, whose
/// `tally` is `tally_with_paper` (paper totals and channel counts). `ballots.counted` counts the
/// stored ballot records; totals show in `tally.participation`.
pub(crate) fn current_report(
    state: &AppState,
    survey_id: &str,
    survey: &Survey,
    generated_at: &str,
) -> Result<TallyReport, ApiError> {
    let ballots = load_ballots(state, survey_id)?;
    let totals = paper_totals_for(state, survey_id, survey.version)?;
    let mut report = tally_report(survey, &ballots, generated_at);
    report.tally = tally_with_paper(survey, &ballots, &totals);
    Ok(report)
}

/// The tally of the stored ballots and paper totals now (blocking), from the store's tally states
/// (`Store::tally_state`, kept by every insert): no ballot is read. Equal to the `tally` of
/// [`current_report`], which counts every ballot again; [`recount`] compares the two.
pub(crate) fn current_tally(
    state: &AppState,
    survey_id: &str,
    survey: &Survey,
) -> Result<Tally, ApiError> {
    let stored = state
        .store
        .tally_state(survey_id, survey.version)?
        .ok_or_else(|| {
            ApiError::survey_not_found(format!("no survey {survey_id:?} is published here"))
        })?;
    let mut counter = Counter::resume(survey, stored).map_err(|e| {
        tracing::error!(survey_id, "stored tally state: {e}");
        ApiError::internal()
    })?;
    for v in state.store.tally_versions(survey_id)? {
        if v.version != survey.version {
            counter.add_other_version(v.version, v.ballots, v.any_paper);
        }
    }
    let totals = paper_totals_for(state, survey_id, survey.version)?;
    Ok(counter.finish_with_paper(&totals))
}

/// The kept tally ([`current_tally`]) and a recount of every stored ballot (blocking): the
/// check that the two are equal.
pub fn recount(state: &AppState, survey_id: &str) -> Result<(Tally, Tally), ApiError> {
    let survey = state.latest(survey_id)?;
    let kept = current_tally(state, survey_id, &survey)?;
    let counted = current_report(state, survey_id, &survey, &now_rfc3339())?.tally;
    Ok((kept, counted))
}

/// The frozen final tally of a closed survey (blocking), computing and storing it if closing was
/// interrupted before it was stored. `None` while open.
fn final_tally(
    state: &AppState,
    survey_id: &str,
    meeting: &MeetingState,
) -> Result<Option<FrozenTally>, ApiError> {
    let Some(closed_at) = &meeting.closed_at else {
        return Ok(None);
    };
    if let Some(f) = &meeting.final_tally {
        return Ok(Some(f.clone()));
    }
    let survey = state.latest(survey_id)?;
    let report = current_report(state, survey_id, &survey, closed_at)?;
    let report_json = serde_json::to_string(&report).map_err(|_| ApiError::internal())?;
    let frozen = FrozenTally {
        survey_version: survey.version,
        content_hash: sha256_hex(&report_json),
        report_json,
    };
    Ok(Some(state.store.freeze(survey_id, &frozen)?))
}

/// The frozen report when the survey is closed and `version` is the frozen one (blocking).
pub(crate) fn frozen_for(
    state: &AppState,
    survey_id: &str,
    meeting: &MeetingState,
    version: u32,
) -> Result<Option<(TallyReport, FrozenTally)>, ApiError> {
    match final_tally(state, survey_id, meeting)? {
        Some(f) if f.survey_version == version => {
            let report: TallyReport = serde_json::from_str(&f.report_json).map_err(|e| {
                tracing::error!(survey_id, "frozen report does not parse: {e}");
                ApiError::internal()
            })?;
            Ok(Some((report, f)))
        }
        _ => Ok(None),
    }
}

/// The JSON body of a [`FinalTally`], with the report's stored bytes as they are.
fn final_body(survey_id: &str, closed_at: &str, f: &FrozenTally) -> String {
    let s = |v: &str| serde_json::to_string(v).unwrap_or_else(|_| "\"\"".into());
    format!(
        "{{\"survey_id\":{},\"closed_at\":{},\"content_hash\":{},\"report\":{}}}",
        s(survey_id),
        s(closed_at),
        s(&f.content_hash),
        f.report_json
    )
}

fn json_response(status: StatusCode, body: String) -> Response {
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response()
}

/// Leave only counts in a tally: the texts of `text` questions and the reasons given with
/// objections are emptied. Free text is for the organiser (`GET …/tally` with the token); a screen
/// in the meeting room or a public page must never show it, since a sentence can name its author.
pub(crate) fn counts_only(mut tally: Tally) -> Tally {
    for q in &mut tally.questions {
        match &mut q.result {
            KindTally::Text { texts } => texts.clear(),
            KindTally::Notice { items } => items.iter_mut().for_each(|i| i.reasons.clear()),
            KindTally::Scale { .. }
            | KindTally::Choose(_)
            | KindTally::Score(_)
            | KindTally::Approve(_) => {}
        }
    }
    tally
}

/// What the organiser's projector shows now (blocking), and whether the survey's results are
/// public. The tally, when present, carries counts only ([`counts_only`]).
pub(crate) fn live_view(state: &AppState, survey_id: &str) -> Result<(LiveView, bool), ApiError> {
    let survey = state.latest(survey_id)?;
    let meeting = state.store.meeting_state(survey_id)?;
    let frozen = frozen_for(state, survey_id, &meeting, survey.version)?;
    let content_hash = frozen.as_ref().map(|(_, f)| f.content_hash.clone());
    let (ballots, tally) = match (frozen, meeting.revealed) {
        (Some((report, _)), revealed) => (
            report.tally.participation.ballots,
            revealed.then_some(report.tally),
        ),
        (None, true) => {
            let t = current_tally(state, survey_id, &survey)?;
            (t.participation.ballots, Some(t))
        }
        (None, false) => {
            // Only the count: no per-option figure is computed while hidden.
            let stored = state.store.count_ballots(survey_id, Some(survey.version))?;
            let totals = paper_totals_for(state, survey_id, survey.version)?;
            (stored.saturating_add(paper_totals_ballots(&totals)), None)
        }
    };
    let view = LiveView {
        survey_id: survey.id.clone(),
        survey_version: survey.version,
        title: survey.title.clone(),
        unit: survey.unit.clone(),
        eligible: survey.eligible,
        ballots,
        state: state_word(&meeting).into(),
        revealed: meeting.revealed,
        closed_at: meeting.closed_at.clone(),
        tally: tally.map(counts_only),
        content_hash,
    };
    Ok((view, survey.results_public))
}

/// The public live view made from the organiser's: without `results_public` it has no tally,
/// only the count and the state.
fn public_live(organiser: &LiveView, results_public: bool) -> LiveView {
    let mut view = organiser.clone();
    if !results_public {
        view.tally = None;
    }
    view
}

/// After this long a live snapshot is computed again even without a change signal, so that
/// ballots imported by another process on the same database show up.
pub const LIVE_REFRESH_SECONDS: u64 = 30;

/// The live view as JSON, for the organiser (`admin`) or the public, from the survey's shared
/// snapshot: computed once after each change, however many projectors and streams ask.
pub(crate) async fn shared_live(
    state: &Arc<AppState>,
    survey_id: &str,
    admin: bool,
) -> Result<Arc<str>, ApiError> {
    let slot = live_slot(state, survey_id).await?;
    let mut snapshot = slot.snapshot.lock().await;
    let generation = slot.generation();
    let fresh = snapshot.as_ref().filter(|s| {
        s.generation == generation && s.made.elapsed() < Duration::from_secs(LIVE_REFRESH_SECONDS)
    });
    if let Some(s) = fresh {
        return Ok(pick(s, admin));
    }
    let (st, id) = (state.clone(), survey_id.to_string());
    let (organiser, results_public) = blocking(move || live_view(&st, &id)).await?;
    state.count_live_recount();
    let json = |v: &LiveView| -> Result<Arc<str>, ApiError> {
        serde_json::to_string(v)
            .map(Arc::from)
            .map_err(|_| ApiError::internal())
    };
    let made = LiveSnapshot {
        generation,
        made: Instant::now(),
        public_json: json(&public_live(&organiser, results_public))?,
        organiser_json: json(&organiser)?,
    };
    let out = pick(&made, admin);
    *snapshot = Some(made);
    Ok(out)
}

fn pick(s: &LiveSnapshot, admin: bool) -> Arc<str> {
    if admin {
        s.organiser_json.clone()
    } else {
        s.public_json.clone()
    }
}

/// The survey's live slot; 404 when the survey is not published (then no slot is made).
async fn live_slot(state: &Arc<AppState>, survey_id: &str) -> Result<Arc<LiveSlot>, ApiError> {
    if let Some(slot) = state.existing_live_slot(survey_id) {
        return Ok(slot);
    }
    let (st, id) = (state.clone(), survey_id.to_string());
    blocking(move || Ok(st.latest(&id).map(|_| ())?)).await?;
    Ok(state.live_slot(survey_id))
}

fn bad_request(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, error_code::BAD_REQUEST, message)
}

// ------------------------------------------------------------------------------------------------
// Handlers

/// `GET /v1/surveys/{survey_id}/state` (public).
pub(crate) async fn get_state(
    State(state): State<Arc<AppState>>,
    Path(survey_id): Path<String>,
) -> Result<Json<SurveyStateView>, ApiError> {
    blocking(move || {
        state.latest(&survey_id)?;
        Ok(Json(state_view(
            &survey_id,
            &state.store.meeting_state(&survey_id)?,
        )))
    })
    .await
}

/// The origin of the links printed with codes: `--public-url`, else `http://{Host}`.
fn origin(state: &AppState, headers: &HeaderMap) -> String {
    if let Some(u) = &state.public_url {
        return u.trim_end_matches('/').to_string();
    }
    match headers.get(header::HOST).and_then(|v| v.to_str().ok()) {
        Some(host) if !host.is_empty() && !host.contains(['/', ' ', '"', '<', '>']) => {
            format!("http://{host}")
        }
        _ => String::new(),
    }
}

/// `POST /v1/surveys/{survey_id}/codes` (admin): make `count` new codes; only the checks of their
/// hashes are stored, and the plain codes are in this answer only (their links carry the code in
/// the fragment, `#code=`).
pub(crate) async fn post_codes(
    State(state): State<Arc<AppState>>,
    Path(survey_id): Path<String>,
    _admin: Admin,
    headers: HeaderMap,
    JsonBody(bytes): JsonBody,
) -> Result<Response, ApiError> {
    let req: CodesRequest = serde_json::from_slice(&bytes).map_err(|e| {
        bad_request(format!(
            "the body must be {{\"count\": N}} with N from 1 to {MAX_CODES_PER_REQUEST}: {e}"
        ))
    })?;
    if req.count == 0 || req.count > MAX_CODES_PER_REQUEST {
        return Err(bad_request(format!(
            "count must be from 1 to {MAX_CODES_PER_REQUEST}, not {}",
            req.count
        )));
    }
    let origin = origin(&state, &headers);
    blocking(move || {
        let survey = state.latest(&survey_id)?;
        if !survey.codes {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                error_code::CODES_NOT_ENABLED,
                "这份问卷没有启用选票码（codes: true）。 This survey does not use ballot codes; publish a version with \"codes\": true first.",
            ));
        }
        if state.store.meeting_state(&survey_id)?.closed_at.is_some() {
            return Err(survey_closed());
        }
        let want = req.count as usize;
        let mut codes: Vec<String> = Vec::with_capacity(want);
        // Codes already stored for the survey are skipped (a 40-bit clash is rare, not impossible).
        for _ in 0..8 {
            if codes.len() >= want {
                break;
            }
            let missing = want - codes.len();
            let mut bytes = vec![0u8; (missing + 8) * BYTES_PER_CODE];
            getrandom::fill(&mut bytes).map_err(|e| {
                tracing::error!("no OS randomness: {e}");
                ApiError::internal()
            })?;
            let fresh: Vec<String> =
                generate_codes(missing + 8, &bytes).into_iter().filter(|c| !codes.contains(c)).take(missing).collect();
            let checks: Vec<String> =
                fresh.iter().map(|c| code_check(&code_hash(&survey_id, c))).collect();
            let added = state.store.add_codes(&survey_id, &checks)?;
            codes.extend(fresh.into_iter().zip(added).filter(|(_, new)| *new).map(|(c, _)| c));
        }
        if codes.len() < want {
            return Err(ApiError::internal());
        }
        let total = state.store.codes(&survey_id)?.len() as u64;
        tracing::info!(survey_id, count = codes.len(), total, "ballot codes made (checks stored)");
        let codes = codes
            .into_iter()
            .map(|code| IssuedCode { url: join_url(&origin, &survey_id, &code), code })
            .collect::<Vec<_>>();
        let resp = CodesResponse { survey_id: survey_id.clone(), count: req.count, total, codes };
        Ok((
            StatusCode::CREATED,
            [(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))],
            Json(resp),
        )
            .into_response())
    })
    .await
}

/// `GET /v1/surveys/{survey_id}/codes/hashes` (admin): retired. The hashes it gave cast ballots;
/// a kiosk made before answers its organiser with this message and must be updated (it then loads
/// `codes/hints`).
pub(crate) async fn get_code_hashes(
    State(state): State<Arc<AppState>>,
    Path(survey_id): Path<String>,
    _admin: Admin,
) -> Result<Response, ApiError> {
    let _ = (state, survey_id);
    Err(ApiError::new(
        StatusCode::GONE,
        error_code::GONE,
        "选票码哈希清单已停止提供（拿到它就能投票）。请更新信息亭页面，新版只加载 codes/hints。 \
         The list of code hashes is no longer handed out (it was enough to cast ballots). Update \
         the kiosk page; the new one loads codes/hints instead.",
    ))
}

/// `GET /v1/surveys/{survey_id}/codes/hints` (admin): the hints and used hashes for a kiosk.
pub(crate) async fn get_code_hints(
    State(state): State<Arc<AppState>>,
    Path(survey_id): Path<String>,
    _admin: Admin,
) -> Result<Json<CodeHints>, ApiError> {
    blocking(move || {
        state.latest(&survey_id)?;
        Ok(Json(crate::codes::hints(state.store.as_ref(), &survey_id)?))
    })
    .await
}

/// `GET /v1/surveys/{survey_id}/codes/attempts` (admin): ballots with unknown codes lately.
pub(crate) async fn get_code_attempts(
    State(state): State<Arc<AppState>>,
    Path(survey_id): Path<String>,
    _admin: Admin,
) -> Result<Response, ApiError> {
    blocking(move || {
        state.latest(&survey_id)?;
        let view = state
            .code_guesses
            .attempts(&survey_id, std::time::Instant::now());
        Ok((
            [(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))],
            Json(view),
        )
            .into_response())
    })
    .await
}

fn paper_view(state: &AppState, survey_id: &str) -> Result<PaperTotalsView, ApiError> {
    let (version, totals) = match state.store.paper_totals(survey_id)? {
        Some((v, json)) => (
            Some(v),
            serde_json::from_str::<Vec<PaperTotals>>(&json).map_err(|_| ApiError::internal())?,
        ),
        None => (None, Vec::new()),
    };
    Ok(PaperTotalsView {
        survey_id: survey_id.to_string(),
        survey_version: version,
        paper_ballots: paper_totals_ballots(&totals),
        totals,
    })
}

/// `GET /v1/surveys/{survey_id}/paper-totals` (admin).
pub(crate) async fn get_paper_totals(
    State(state): State<Arc<AppState>>,
    Path(survey_id): Path<String>,
    _admin: Admin,
) -> Result<Json<PaperTotalsView>, ApiError> {
    blocking(move || {
        state.latest(&survey_id)?;
        Ok(Json(paper_view(&state, &survey_id)?))
    })
    .await
}

/// `PUT /v1/surveys/{survey_id}/paper-totals` (admin): replace the whole set (idempotent),
/// checked against the latest survey version.
pub(crate) async fn put_paper_totals(
    State(state): State<Arc<AppState>>,
    Path(survey_id): Path<String>,
    _admin: Admin,
    JsonBody(bytes): JsonBody,
) -> Result<Json<PaperTotalsView>, ApiError> {
    let req: PaperTotalsBody = serde_json::from_slice(&bytes)
        .map_err(|e| bad_request(format!("the body must be {{\"totals\": [...]}}: {e}")))?;
    blocking(move || {
        let survey = state.latest(&survey_id)?;
        if state.store.meeting_state(&survey_id)?.closed_at.is_some() {
            return Err(survey_closed());
        }
        validate_paper_totals(&survey, &req.totals).map_err(|problems| {
            ApiError::with_problems(
                StatusCode::UNPROCESSABLE_ENTITY,
                error_code::PAPER_TOTALS_INVALID,
                format!("the paper totals have {} problem(s)", problems.len()),
                problems,
            )
        })?;
        let json = serde_json::to_string(&req.totals).map_err(|_| ApiError::internal())?;
        state
            .store
            .set_paper_totals(&survey_id, survey.version, &json)?;
        state.notify(&survey_id);
        Ok(Json(paper_view(&state, &survey_id)?))
    })
    .await
}

async fn set_revealed(
    state: Arc<AppState>,
    survey_id: String,
    _admin: Admin,
    revealed: bool,
) -> Result<Json<SurveyStateView>, ApiError> {
    blocking(move || {
        state.latest(&survey_id)?;
        state.store.set_revealed(&survey_id, revealed)?;
        state.notify(&survey_id);
        Ok(Json(state_view(
            &survey_id,
            &state.store.meeting_state(&survey_id)?,
        )))
    })
    .await
}

/// `POST /v1/surveys/{survey_id}/reveal` (admin): show results on the projector and, with
/// `results_public`, on the public tally route.
pub(crate) async fn post_reveal(
    State(state): State<Arc<AppState>>,
    Path(survey_id): Path<String>,
    admin: Admin,
) -> Result<Json<SurveyStateView>, ApiError> {
    set_revealed(state, survey_id, admin, true).await
}

/// `POST /v1/surveys/{survey_id}/hide` (admin): hide the results again.
pub(crate) async fn post_hide(
    State(state): State<Arc<AppState>>,
    Path(survey_id): Path<String>,
    admin: Admin,
) -> Result<Json<SurveyStateView>, ApiError> {
    set_revealed(state, survey_id, admin, false).await
}

/// `POST /v1/surveys/{survey_id}/close` (admin): close voting and freeze the final tally.
/// Closing again answers with the same frozen tally.
pub(crate) async fn post_close(
    State(state): State<Arc<AppState>>,
    Path(survey_id): Path<String>,
    _admin: Admin,
) -> Result<Response, ApiError> {
    blocking(move || {
        state.latest(&survey_id)?;
        state.store.close(&survey_id, &now_rfc3339())?;
        state.forget_ingest_view(&survey_id);
        let meeting = state.store.meeting_state(&survey_id)?;
        let frozen = final_tally(&state, &survey_id, &meeting)?.ok_or_else(ApiError::internal)?;
        let closed_at = meeting.closed_at.unwrap_or_default();
        tracing::info!(survey_id, closed_at, content_hash = %frozen.content_hash, "survey closed, tally frozen");
        state.notify(&survey_id);
        Ok(json_response(StatusCode::OK, final_body(&survey_id, &closed_at, &frozen)))
    })
    .await
}

/// `GET /v1/surveys/{survey_id}/final`: the frozen final tally (public with `results_public`,
/// else admin); 409 `survey_open` before closing.
pub(crate) async fn get_final(
    State(state): State<Arc<AppState>>,
    Path(survey_id): Path<String>,
    admin: AdminCheck,
) -> Result<Response, ApiError> {
    blocking(move || {
        let survey = state.latest(&survey_id)?;
        if !survey.results_public {
            admin.require()?;
        }
        let meeting = state.store.meeting_state(&survey_id)?;
        let Some(frozen) = final_tally(&state, &survey_id, &meeting)? else {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                error_code::SURVEY_OPEN,
                "投票尚未结束，还没有最终结果。 The survey is still open; there is no final tally yet.",
            ));
        };
        Ok(json_response(StatusCode::OK, final_body(&survey_id, meeting.closed_at.as_deref().unwrap_or(""), &frozen)))
    })
    .await
}

/// `GET /v1/surveys/{survey_id}/live` (public): what the projector shows. Counts only, never
/// free text; without `results_public` the public gets no tally, only the count and the state,
/// while the organiser (admin token) gets the revealed counts.
pub(crate) async fn get_live(
    State(state): State<Arc<AppState>>,
    Path(survey_id): Path<String>,
    admin: AdminCheck,
) -> Result<Response, ApiError> {
    let json = shared_live(&state, &survey_id, admin.is_admin()).await?;
    let mut resp = json_response(StatusCode::OK, json.to_string());
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(resp)
}

fn live_event(view: Result<Arc<str>, ApiError>) -> Event {
    match view {
        Ok(v) => Event::default().event("live").data(&*v),
        Err(e) => Event::default()
            .event("error")
            .data(serde_json::to_string(&e.body).unwrap_or_default()),
    }
}

/// `GET /v1/surveys/{survey_id}/live/events` (public): server-sent events, each `event: live`
/// with the same JSON as `GET …/live` as `data`: one at once, one after every change, and one
/// every [`LIVE_EVENT_SECONDS`] seconds otherwise (a keep-alive). Every stream of a survey sends
/// the same shared snapshot ([`shared_live`]): one recount per change, not one per stream.
pub(crate) async fn live_events(
    State(state): State<Arc<AppState>>,
    Path(survey_id): Path<String>,
    admin: AdminCheck,
) -> Result<Response, ApiError> {
    let admin = admin.is_admin();
    let slot = live_slot(&state, &survey_id).await?;
    let changes = slot.subscribe();
    let first = shared_live(&state, &survey_id, admin).await?;
    let shutdown = state.shutdown.subscribe();
    let start = (state, survey_id, changes, shutdown, Some(first));
    let stream = futures_util::stream::unfold(
        start,
        move |(state, id, mut changes, mut shutdown, first)| async move {
            if let Some(v) = first {
                return Some((
                    Ok::<Event, Infallible>(live_event(Ok(v))),
                    (state, id, changes, shutdown, None),
                ));
            }
            if *shutdown.borrow() {
                return None;
            }
            tokio::select! {
                r = changes.changed() => {
                    if r.is_err() {
                        return None;
                    }
                    // Several changes at once make one event: `changed` marks them all seen.
                }
                _ = tokio::time::sleep(Duration::from_secs(LIVE_EVENT_SECONDS)) => {}
                _ = shutdown.changed() => return None,
            }
            let view = shared_live(&state, &id, admin).await;
            Some((Ok(live_event(view)), (state, id, changes, shutdown, None)))
        },
    );
    Ok((
        [(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))],
        Sse::new(stream),
    )
        .into_response())
}

/// Serve a frozen report's stored bytes for `tally?format=report` after closing.
pub(crate) fn frozen_report_response(f: &FrozenTally) -> Response {
    json_response(StatusCode::OK, f.report_json.clone())
}
