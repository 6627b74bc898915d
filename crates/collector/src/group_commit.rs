//! Group commit: the ballot inserts of concurrent requests share one transaction, so one
//! commit (one fsync on SQLite, one round of locks on PostgreSQL). Each request still gets
//! exactly the outcomes it would have had alone, in the order the requests were queued; when the
//! shared transaction fails (a closed survey, a full disk), each request's ballots are tried
//! again in a transaction of their own. Used by [`crate::ingest`] through [`crate::state`]; it
//! knows only the [`Store`].

use std::sync::{Arc, Condvar, Mutex};

use crate::store::{InsertOutcome, NewBallot, Store, StoreError};

/// Most ballots one shared transaction takes (several full batches); later requests wait for the
/// next one.
pub const MAX_GROUP_BALLOTS: usize = 2_000;

/// The queue of inserts waiting for the writer (see the module documentation). Whoever finds no
/// writer at work becomes the writer: it takes everything queued (up to [`MAX_GROUP_BALLOTS`]),
/// commits it in one transaction and hands each request its outcomes; then, if more requests
/// queued meanwhile, it makes the first of them the next writer. Each waiting request sleeps on a
/// slot of its own and is woken once, with its outcomes or with the writer's place, so a commit
/// wakes only the requests it answers, however many wait. There is never more than one writer,
/// and no thread of its own to start or stop.
#[derive(Default)]
pub struct GroupCommit {
    queue: Mutex<Queue>,
}

type Outcomes = Result<Vec<InsertOutcome>, StoreError>;

#[derive(Default)]
struct Queue {
    waiting: Vec<Job>,
    writing: bool,
    /// Transactions committed and requests they carried, for tests and benchmarks.
    commits: u64,
    requests: u64,
}

/// One request's ballots and where its answer goes.
struct Job {
    ballots: Vec<NewBallot>,
    slot: Arc<Slot>,
}

/// Where one waiting request sleeps until it is answered or made the writer.
#[derive(Default)]
struct Slot {
    state: Mutex<SlotState>,
    ready: Condvar,
}

#[derive(Default)]
enum SlotState {
    #[default]
    Waiting,
    /// The previous writer handed over: this request is the writer now.
    Write,
    Done(Outcomes),
}

impl Slot {
    fn set(&self, to: SlotState) {
        *self.state.lock().unwrap_or_else(|p| p.into_inner()) = to;
        self.ready.notify_one();
    }

    /// Sleep until answered (`Some`) or made the writer (`None`).
    fn wait(&self) -> Option<Outcomes> {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            match std::mem::take(&mut *state) {
                SlotState::Waiting => {
                    state = self.ready.wait(state).unwrap_or_else(|p| p.into_inner());
                }
                SlotState::Write => return None,
                SlotState::Done(out) => return Some(out),
            }
        }
    }
}

impl GroupCommit {
    /// Insert one request's ballots (blocking): its own outcomes in order, or the error its
    /// ballots alone would have had.
    pub fn insert(&self, store: &dyn Store, ballots: Vec<NewBallot>) -> Outcomes {
        let slot = Arc::new(Slot::default());
        {
            let mut q = self.lock();
            q.waiting.push(Job {
                ballots,
                slot: slot.clone(),
            });
            if q.writing {
                drop(q);
                if let Some(out) = slot.wait() {
                    return out;
                }
            } else {
                q.writing = true;
            }
        }
        // The writer. Its own request is the first queued: a new writer finds the queue empty
        // but for it, and a handed-over one is the first of the queue.
        let jobs: Vec<Job> = {
            let mut q = self.lock();
            let mut total = 0;
            let take = q
                .waiting
                .iter()
                .take_while(|job| {
                    total += job.ballots.len();
                    total - job.ballots.len() == 0 || total <= MAX_GROUP_BALLOTS
                })
                .count()
                .max(1);
            q.waiting.drain(..take).collect()
        };
        let mut guard = WriterGuard {
            owner: self,
            slots: jobs.iter().map(|j| j.slot.clone()).collect(),
            requests: jobs.len() as u64,
        };
        let results = commit_group(store, jobs.into_iter().map(|j| j.ballots).collect());
        let mut own = None;
        for (waiter, out) in guard.slots.drain(..).zip(results) {
            if Arc::ptr_eq(&waiter, &slot) {
                own = Some(out);
            } else {
                waiter.set(SlotState::Done(out));
            }
        }
        drop(guard);
        own.unwrap_or_else(|| {
            Err(StoreError::Database(
                "the writer found no outcome of its own".into(),
            ))
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Transactions committed so far and the requests they carried.
    pub fn counts(&self) -> (u64, u64) {
        let q = self.lock();
        (q.commits, q.requests)
    }
}

/// The writer's duty once its group is committed, or if committing panicked: answer every request
/// of the group not answered yet (with an error after a panic, so that nobody waits for ever),
/// then hand the writer's place to the first request queued meanwhile, or free it.
struct WriterGuard<'a> {
    owner: &'a GroupCommit,
    /// The group's requests not answered yet.
    slots: Vec<Arc<Slot>>,
    /// How many requests the group carried.
    requests: u64,
}

impl Drop for WriterGuard<'_> {
    fn drop(&mut self) {
        let answered = self.slots.is_empty();
        for slot in self.slots.drain(..) {
            slot.set(SlotState::Done(Err(StoreError::Database(
                "the writer failed while committing".into(),
            ))));
        }
        let mut q = self.owner.lock();
        if answered {
            q.commits += 1;
            q.requests += self.requests;
        }
        match q.waiting.first() {
            Some(next) => next.slot.set(SlotState::Write),
            None => q.writing = false,
        }
    }
}

/// Commit the requests' ballots in one transaction and split the outcomes per request, in order;
/// if that transaction fails, each request alone, so that each gets its own answer.
fn commit_group(store: &dyn Store, jobs: Vec<Vec<NewBallot>>) -> Vec<Outcomes> {
    if jobs.len() == 1 {
        return jobs.iter().map(|b| store.insert_ballots(b)).collect();
    }
    let lengths: Vec<usize> = jobs.iter().map(Vec::len).collect();
    let all: Vec<NewBallot> = jobs.into_iter().flatten().collect();
    let mut start = 0;
    let parts: Vec<std::ops::Range<usize>> = lengths
        .iter()
        .map(|n| {
            start += n;
            start - n..start
        })
        .collect();
    match store.insert_ballots(&all) {
        Ok(outcomes) if outcomes.len() == all.len() => parts
            .into_iter()
            .map(|r| Ok(outcomes[r].to_vec()))
            .collect(),
        _ => parts
            .into_iter()
            .map(|r| store.insert_ballots(&all[r]))
            .collect(),
    }
}
