//! Group commit: the ballot inserts of concurrent requests share one transaction, so one
//! commit (one fsync on SQLite, one round of locks on PostgreSQL). Each request still gets
//! exactly the outcomes it would have had alone, in the order the requests were queued; when the
//! shared transaction fails (a closed survey, a full disk), each request's ballots are tried
//! again in a transaction of their own. Used by [`crate::ingest`] through [`crate::state`]; it
//! knows only the [`Store`].

use std::sync::{Arc, Mutex};

use tokio::sync::oneshot;

use crate::store::{InsertOutcome, NewBallot, Store, StoreError};

/// Most ballots one shared transaction takes (several full batches); later requests wait for the
/// next one.
pub const MAX_GROUP_BALLOTS: usize = 2_000;

/// The queue of inserts waiting for the writer (see the module documentation). A request queues
/// its ballots and waits for its answer without holding a thread. Whoever finds no writer at work
/// starts one: a blocking thread that takes everything queued (up to [`MAX_GROUP_BALLOTS`]),
/// commits it in one transaction, answers each request, and goes on while more requests queued
/// meanwhile; then it stops. There is never more than one writer, so a crowd of phones costs one
/// thread, not one each.
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
    answer: oneshot::Sender<Outcomes>,
}

impl GroupCommit {
    /// Insert one request's ballots: its own outcomes in order, or the error its ballots alone
    /// would have had.
    pub async fn insert(
        self: &Arc<Self>,
        store: Arc<dyn Store>,
        ballots: Vec<NewBallot>,
    ) -> Outcomes {
        let (answer, answered) = oneshot::channel();
        let start_writer = {
            let mut q = self.lock();
            q.waiting.push(Job { ballots, answer });
            !std::mem::replace(&mut q.writing, true)
        };
        if start_writer {
            let group = self.clone();
            tokio::task::spawn_blocking(move || group.write(&*store));
        }
        answered.await.unwrap_or_else(|_| {
            Err(StoreError::Database(
                "the writer failed while committing".into(),
            ))
        })
    }

    /// The writer: commit groups until nobody waits. A group whose commit panics is answered
    /// with an error (its answers are dropped), and the writer goes on with the next.
    fn write(&self, store: &dyn Store) {
        loop {
            let jobs: Vec<Job> = {
                let mut q = self.lock();
                if q.waiting.is_empty() {
                    q.writing = false;
                    return;
                }
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
            let (batches, answers): (Vec<_>, Vec<_>) =
                jobs.into_iter().map(|j| (j.ballots, j.answer)).unzip();
            let requests = answers.len() as u64;
            let committed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                commit_group(store, batches)
            }));
            if let Ok(results) = committed {
                {
                    let mut q = self.lock();
                    q.commits += 1;
                    q.requests += requests;
                }
                for (answer, out) in answers.into_iter().zip(results) {
                    let _ = answer.send(out);
                }
            }
        }
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
