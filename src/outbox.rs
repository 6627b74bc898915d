//! The outbox adapter: carries stored ballots to the collector, one mount at a time.
//!
//! Every decision (whether to send, which ballots, what an answer means, how long to wait) is
//! made by `pingyi_core::outbox`; this file only does what it says, at the edges:
//! - **state**: core's [`State`] plus the pending ids live in a per-mount `StoredValue`, so
//!   several widgets on one page never share anything;
//! - **triggers**: [`Trigger::Start`] after mount, the window's `online` event,
//!   [`Outbox::upload_now`] (the "立即上传" button), a `setTimeout` for core's `retry_in_ms`, and a
//!   newly cast ballot (asked as [`Trigger::Timer`], so it waits out a running back-off);
//! - **one request in flight**: a trigger that arrives meanwhile is remembered and asked again
//!   when the request ends;
//! - **storage**: each acknowledged or refused ballot has its own key rewritten
//!   ([`Store::mark`]); refused ballots stay stored and are listed for the organiser. The time of
//!   the last success goes to the small `pingyi/v1/{survey}/outbox` key;
//! - **clock and dice**: `Date.now()` and `Math.random()` (the back-off jitter).
//!
//! The timer and the listener are the browser layer's ([`pingyi_browser::Timer`],
//! [`pingyi_browser::Listener`]), which end when dropped. Unmounting drops both (leptos
//! `on_cleanup`); an
//! answer that arrives after unmount is ignored (the ballots stay pending and are sent again
//! later; the collector answers `duplicate`, which counts as success).

use leptos::prelude::*;
use pingyi_browser::{Listener, Timer};
use pingyi_core::outbox::{
    apply, next_batch, should_send, shown_failure, Effects, Failure, PendingBallot, Policy, State,
    Trigger,
};
use pingyi_core::protocol::BallotStatus;
use pingyi_core::{Ballot, Problem};

use crate::net;
use crate::store::{OutboxMemo, Refusal, Status, Store};
use wasm_bindgen::JsValue;

/// Where ballots go: a collector base URL and an optional submit key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub endpoint: String,
    pub submit_key: Option<String>,
}

/// A refused ballot as the status view lists it.
#[derive(Clone, Debug, PartialEq)]
pub struct RefusedBallot {
    pub id: String,
    pub receipt: String,
    pub status: BallotStatus,
    pub problems: Vec<Problem>,
}

/// What the status view shows; published after every change.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Snapshot {
    /// `false`: no endpoint, local-only mode.
    pub remote: bool,
    pub pending: usize,
    pub sending: bool,
    pub last_success_ms: Option<i64>,
    /// The failure to show (core's [`shown_failure`]): the last one while ballots are still
    /// waiting, or `voting_ended`.
    pub last_error: Option<Failure>,
    pub refused: Vec<RefusedBallot>,
}

struct Inner {
    survey_id: String,
    target: Option<Target>,
    policy: Policy,
    state: State,
    /// Ballots stored and not yet acknowledged or refused.
    pending: Vec<PendingBallot>,
    refused: Vec<RefusedBallot>,
    in_flight: bool,
    /// A trigger that came while a request was in flight.
    queued: Option<Trigger>,
    timer: Option<Timer>,
    online: Option<Listener>,
    /// Where the host page hears of uploads (`crate::host`), if the widget has a host element.
    events: Option<crate::host::Events>,
}

/// One mount's outbox. A cheap `Copy` handle; the state dies with the mount.
#[derive(Clone, Copy)]
pub struct Outbox {
    inner: StoredValue<Inner, LocalStorage>,
    /// The status view's data.
    pub snapshot: RwSignal<Snapshot>,
}

fn now_ms() -> i64 {
    js_sys::Date::now() as i64
}

impl Outbox {
    /// Loads this survey's stored ballots and starts delivering them to `target` (none:
    /// local-only, nothing is ever sent). Call inside the widget's reactive owner.
    pub fn start(store: &Store, survey_id: &str, target: Option<Target>, policy: Policy) -> Outbox {
        let mut pending = Vec::new();
        let mut refused = Vec::new();
        if let Ok(loaded) = store.load_ballots(survey_id) {
            for r in loaded.ballots {
                match r.status {
                    Status::Pending => pending.push(PendingBallot {
                        id: r.ballot.id.clone(),
                        cast_at: r.ballot.cast_at.clone(),
                    }),
                    Status::Refused => refused.push(refused_entry(&r.ballot, r.refusal)),
                    Status::Acked => {}
                }
            }
        }
        let state = State {
            last_success_ms: store.outbox_memo(survey_id).last_success_ms,
            ..State::default()
        };
        let remote = target.is_some();
        let outbox = Outbox {
            inner: StoredValue::new_local(Inner {
                survey_id: survey_id.to_string(),
                target,
                policy,
                state,
                pending,
                refused,
                in_flight: false,
                queued: None,
                timer: None,
                online: None,
                events: crate::host::Events::get(),
            }),
            snapshot: RwSignal::new(Snapshot::default()),
        };
        outbox.publish();
        if remote {
            let online = Listener::on_window("online", move || outbox.kick(Trigger::Online));
            outbox.inner.update_value(|i| i.online = online);
        }
        let inner = outbox.inner;
        on_cleanup(move || {
            // Stop for good: no listener, no timer, no further sends from this mount.
            inner.try_update_value(|i| {
                i.online = None;
                i.timer = None;
                i.target = None;
            });
        });
        outbox.kick(Trigger::Start);
        outbox
    }

    /// A ballot was just stored: count it and send it unless a back-off is running.
    pub fn added(&self, ballot: &Ballot) {
        self.inner.try_update_value(|i| {
            if !i.pending.iter().any(|p| p.id == ballot.id) {
                i.pending.push(PendingBallot {
                    id: ballot.id.clone(),
                    cast_at: ballot.cast_at.clone(),
                });
            }
        });
        self.publish();
        self.kick(Trigger::Timer);
    }

    /// The "立即上传" button.
    pub fn upload_now(&self) {
        self.kick(Trigger::UploadNow);
    }

    /// Asks core whether to send now, and if so starts the sending loop.
    fn kick(&self, trigger: Trigger) {
        let now = now_ms();
        let go = self.inner.try_update_value(|i| {
            if i.target.is_none() {
                return false;
            }
            if i.in_flight {
                // Remember the most urgent trigger; a timer only counts if nothing else came.
                if i.queued.is_none() || i.queued == Some(Trigger::Timer) {
                    i.queued = Some(trigger);
                }
                return false;
            }
            if !should_send(&i.state, trigger, now, i.pending.len()) {
                return false;
            }
            i.in_flight = true;
            true
        });
        if go == Some(true) {
            self.publish();
            let me = *self;
            leptos::task::spawn_local(async move { me.run().await });
        }
    }

    /// Sends batches while core says to go on. Only ever one running per mount.
    async fn run(self) {
        loop {
            let Some(job) = self.inner.try_with_value(|i| {
                let batch = next_batch(&i.state, &i.policy, &i.pending);
                (
                    batch,
                    i.target.clone(),
                    i.survey_id.clone(),
                    i.policy.timeout_ms,
                )
            }) else {
                return; // unmounted
            };
            let (batch, target, survey_id, timeout_ms) = job;
            let Some(target) = target else {
                self.finish(None);
                return;
            };
            let store = match Store::open() {
                Ok(s) => s,
                Err(_) => {
                    self.finish(None);
                    return;
                }
            };
            // Read the batch from storage; ids no longer pending there (another tab sent them,
            // or storage was cleared) simply leave the queue.
            let mut ballots = Vec::with_capacity(batch.len());
            let mut gone = Vec::new();
            for id in batch {
                match store.get(&survey_id, &id) {
                    Ok(Some(r)) if r.status == Status::Pending => ballots.push(r.ballot),
                    _ => gone.push(id),
                }
            }
            if !gone.is_empty() {
                self.inner
                    .try_update_value(|i| i.pending.retain(|p| !gone.contains(&p.id)));
            }
            if ballots.is_empty() {
                if self
                    .inner
                    .try_with_value(|i| i.pending.is_empty())
                    .unwrap_or(true)
                {
                    self.finish(None);
                    return;
                }
                continue;
            }
            let sent: Vec<String> = ballots.iter().map(|b| b.id.clone()).collect();
            let outcome = net::submit(
                &target.endpoint,
                &survey_id,
                target.submit_key.as_deref(),
                ballots.clone(),
                timeout_ms,
            )
            .await;
            let now = now_ms();
            let jitter = js_sys::Math::random();
            let Some((fx, last_success)) = self.inner.try_update_value(|i| {
                let before = i.state.last_success_ms;
                let fx = apply(&mut i.state, &i.policy, &sent, outcome, now, jitter);
                let changed =
                    (i.state.last_success_ms != before).then_some(i.state.last_success_ms);
                (fx, changed)
            }) else {
                return; // unmounted meanwhile: the ballots stay pending
            };
            self.record(&store, &survey_id, &fx, &ballots, now);
            if let Some(last_success_ms) = last_success {
                let _ = store.put_outbox_memo(&survey_id, &OutboxMemo { last_success_ms });
            }
            let more = self
                .inner
                .try_with_value(|i| !i.pending.is_empty())
                .unwrap_or(false);
            if fx.continue_now && more {
                self.publish();
                continue;
            }
            self.finish(fx.retry_in_ms);
            return;
        }
    }

    /// Writes core's verdicts, one key per ballot, and takes them out of the queue.
    fn record(&self, store: &Store, survey_id: &str, fx: &Effects, sent: &[Ballot], now: i64) {
        for id in &fx.acked {
            let _ = store.mark(survey_id, id, Status::Acked, None, now);
        }
        let mut newly_refused = Vec::new();
        for (id, status, problems) in &fx.refused {
            let refusal = Refusal {
                status: *status,
                problems: problems.clone(),
            };
            let _ = store.mark(survey_id, id, Status::Refused, Some(refusal.clone()), now);
            if let Some(b) = sent.iter().find(|b| &b.id == id) {
                newly_refused.push(refused_entry(b, Some(refusal)));
            }
        }
        self.inner.try_update_value(|i| {
            i.pending.retain(|p| {
                !fx.acked.contains(&p.id) && !fx.refused.iter().any(|(id, ..)| id == &p.id)
            });
            for r in newly_refused {
                if !i.refused.iter().any(|x| x.id == r.id) {
                    i.refused.push(r);
                }
            }
        });
    }

    /// The loop ends: schedule core's retry, then honour a trigger that came meanwhile.
    fn finish(&self, retry_in_ms: Option<u64>) {
        let me = *self;
        let queued = self.inner.try_update_value(|i| {
            i.in_flight = false;
            i.timer = None;
            if let (Some(ms), true) = (retry_in_ms, i.target.is_some() && !i.pending.is_empty()) {
                i.timer = Timer::new(ms, move || me.kick(Trigger::Timer));
            }
            i.queued.take()
        });
        self.publish();
        if let Some(Some(trigger)) = queued {
            self.kick(trigger);
        }
    }

    /// Publishes the current state for the status view.
    fn publish(&self) {
        let snap = self.inner.try_with_value(|i| Snapshot {
            remote: i.target.is_some(),
            pending: i.pending.len(),
            sending: i.in_flight,
            last_success_ms: i.state.last_success_ms,
            last_error: shown_failure(&i.state, i.pending.len()).cloned(),
            refused: i.refused.clone(),
        });
        if let Some(snap) = snap {
            self.tell_host(&snap);
            self.snapshot.try_set(snap);
        }
    }

    /// Tells the host page (`crate::host`) when an upload left no ballot waiting, and of each
    /// new upload failure.
    fn tell_host(&self, snap: &Snapshot) {
        let Some((events, id)) = self
            .inner
            .try_with_value(|i| i.events.map(|e| (e, i.survey_id.clone())))
            .flatten()
        else {
            return;
        };
        self.snapshot.with_untracked(|old| {
            // `old.remote` is false only before the first publication (or local-only).
            if old.remote && snap.pending == 0 && snap.last_success_ms > old.last_success_ms {
                events.fire("synced", &id, "", JsValue::UNDEFINED);
            }
            if let (Some(f), None) = (&snap.last_error, &old.last_error) {
                events.error(&id, "upload", &f.detail());
            }
        });
    }
}

fn refused_entry(ballot: &Ballot, refusal: Option<Refusal>) -> RefusedBallot {
    let refusal = refusal.unwrap_or(Refusal {
        status: BallotStatus::Rejected,
        problems: Vec::new(),
    });
    RefusedBallot {
        id: ballot.id.clone(),
        receipt: ballot.receipt(),
        status: refusal.status,
        problems: refusal.problems,
    }
}
