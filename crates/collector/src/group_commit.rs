//! Group commit: the ballot inserts of concurrent requests share one transaction, so one
//! commit (one fsync on SQLite, one round of locks on PostgreSQL). Each request still gets
//! exactly the outcomes it would have had alone, in the order the requests were queued; when the
//! shared transaction fails (a closed survey, a full disk), each request's ballots are tried
//! again in a transaction of their own. Used by [`crate::ingest`] through [`crate::state`]; it
//! knows only the [`Store`].

use std::collections::HashMap;
use std::sync::{Condvar, Mutex};

use crate::store::{InsertOutcome, NewBallot, Store, StoreError};

/// Most ballots one shared transaction takes (several full batches); later requests wait for the
/// next one.
pub const MAX_GROUP_BALLOTS: usize = 2_000;

/// The queue of inserts waiting for the writer (see the module documentation). Whoever finds no
/// writer at work becomes the writer: it takes everything queued (up to [`MAX_GROUP_BALLOTS`]),
/// commits it in one transaction, hands each request its outcomes and goes on while requests
/// wait; the others sleep until their outcomes are there. There is never more than one writer,
/// and no thread of its own to start or stop.
#[derive(Default)]
pub struct GroupCommit {
    queue: Mutex<Queue>,
    ready: Condvar,
}

type Outcomes = Result<Vec<InsertOutcome>, StoreError>;

#[derive(Default)]
struct Queue {
    next_ticket: u64,
    waiting: Vec<(u64, Vec<NewBallot>)>,
    done: HashMap<u64, Outcomes>,
    writing: bool,
    /// Transactions committed and requests they carried, for tests and benchmarks.
    commits: u64,
    requests: u64,
}

impl GroupCommit {
    /// Insert one request's ballots (blocking): its own outcomes in order, or the error its
    /// ballots alone would have had.
    pub fn insert(&self, store: &dyn Store, ballots: Vec<NewBallot>) -> Outcomes {
        let mut q = self.queue.lock().unwrap_or_else(|p| p.into_inner());
        let ticket = q.next_ticket;
        q.next_ticket += 1;
        q.waiting.push((ticket, ballots));
        loop {
            if let Some(out) = q.done.remove(&ticket) {
                return out;
            }
            if q.writing {
                q = self.ready.wait(q).unwrap_or_else(|p| p.into_inner());
                continue;
            }
            // Become the writer for what is queued now.
            q.writing = true;
            let mut total = 0;
            let take = q
                .waiting
                .iter()
                .take_while(|(_, b)| {
                    total += b.len();
                    total - b.len() == 0 || total <= MAX_GROUP_BALLOTS
                })
                .count()
                .max(1);
            let jobs: Vec<(u64, Vec<NewBallot>)> = q.waiting.drain(..take).collect();
            drop(q);
            let tickets: Vec<u64> = jobs.iter().map(|(t, _)| *t).collect();
            let guard = WriterGuard {
                owner: self,
                tickets,
            };
            let results = commit_group(store, jobs);
            q = self.queue.lock().unwrap_or_else(|p| p.into_inner());
            q.commits += 1;
            q.requests += results.len() as u64;
            q.done.extend(results);
            q.writing = false;
            std::mem::forget(guard);
            self.ready.notify_all();
        }
    }

    /// Transactions committed so far and the requests they carried.
    pub fn counts(&self) -> (u64, u64) {
        let q = self.queue.lock().unwrap_or_else(|p| p.into_inner());
        (q.commits, q.requests)
    }
}

/// Frees the writer's place if committing panicked, answering its requests with an error, so
/// that nobody waits for ever.
struct WriterGuard<'a> {
    owner: &'a GroupCommit,
    tickets: Vec<u64>,
}

impl Drop for WriterGuard<'_> {
    fn drop(&mut self) {
        let mut q = self.owner.queue.lock().unwrap_or_else(|p| p.into_inner());
        for t in &self.tickets {
            q.done.insert(
                *t,
                Err(StoreError::Database(
                    "the writer failed while committing".into(),
                )),
            );
        }
        q.writing = false;
        self.owner.ready.notify_all();
    }
}

/// Commit the requests' ballots in one transaction and split the outcomes per request; if that
/// transaction fails, each request alone, so that each gets its own answer.
fn commit_group(store: &dyn Store, jobs: Vec<(u64, Vec<NewBallot>)>) -> Vec<(u64, Outcomes)> {
    if jobs.len() == 1 {
        return jobs
            .into_iter()
            .map(|(t, b)| (t, store.insert_ballots(&b)))
            .collect();
    }
    let all: Vec<NewBallot> = jobs.iter().flat_map(|(_, b)| b.iter().cloned()).collect();
    match store.insert_ballots(&all) {
        Ok(outcomes) if outcomes.len() == all.len() => {
            let mut rest = outcomes.into_iter();
            jobs.into_iter()
                .map(|(t, b)| (t, Ok(rest.by_ref().take(b.len()).collect())))
                .collect()
        }
        _ => jobs
            .into_iter()
            .map(|(t, b)| (t, store.insert_ballots(&b)))
            .collect(),
    }
}
