//! Property tests of the outbox state machine against a simulated collector: an oversized ballot
//! refused alone never holds up the others, and a ballot whose survey version the collector lacks
//! stays pending until both bounds of the policy are reached.

use pingyi_core::outbox::{apply, next_batch, Outcome, PendingBallot, Policy, State};
use pingyi_core::protocol::{problem_code, BallotResult, BallotStatus, ErrorInfo};
use pingyi_core::Problem;
use proptest::prelude::*;

fn pending(n: usize) -> Vec<PendingBallot> {
    (0..n)
        .map(|i| PendingBallot {
            id: format!("b{i:03}"),
            cast_at: format!("2026-11-27T19:{:02}:00Z", i % 60),
        })
        .collect()
}

fn accepted(batch: &[String]) -> Outcome {
    Outcome::Answered {
        status: 200,
        results: Some(
            batch
                .iter()
                .map(|id| BallotResult {
                    id: id.clone(),
                    status: BallotStatus::Accepted,
                    problems: vec![],
                })
                .collect(),
        ),
        error: None,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn an_oversized_ballot_is_refused_alone_and_never_blocks_later_ones(
        n in 1usize..40,
        oversized in proptest::collection::btree_set(0usize..40, 0..4),
        batch_size in 1usize..12,
        jitter in 0.0f64..1.0,
    ) {
        let policy = Policy { batch_size, ..Policy::default() };
        let oversized: Vec<String> =
            oversized.into_iter().filter(|i| *i < n).map(|i| format!("b{i:03}")).collect();
        let mut queue = pending(n);
        let mut state = State::default();
        let (mut acked, mut refused) = (Vec::new(), Vec::new());
        let mut now = 0i64;
        let mut requests = 0;
        while !queue.is_empty() {
            requests += 1;
            prop_assert!(requests <= 4 * n + 20, "stuck: {queue:?}");
            let batch = next_batch(&state, &policy, &queue);
            // The collector's size limit: any batch holding an oversized ballot is too large.
            let outcome = if batch.iter().any(|id| oversized.contains(id)) {
                Outcome::Answered {
                    status: 413,
                    results: None,
                    error: Some(ErrorInfo {
                        code: "payload_too_large".into(),
                        message: "body over the limit".into(),
                        problems: vec![],
                    }),
                }
            } else {
                accepted(&batch)
            };
            let fx = apply(&mut state, &policy, &batch, outcome, now, jitter);
            for (id, _, problems) in &fx.refused {
                prop_assert!(oversized.contains(id), "{id} refused but not oversized");
                prop_assert_eq!(problems[0].code.as_str(), "payload_too_large");
                // Refused only when sent alone.
                prop_assert_eq!(batch.len(), 1);
            }
            acked.extend(fx.acked.iter().cloned());
            refused.extend(fx.refused.iter().map(|r| r.0.clone()));
            queue.retain(|p| !fx.acked.contains(&p.id) && !fx.refused.iter().any(|r| r.0 == p.id));
            if !fx.continue_now {
                prop_assert!(fx.retry_in_ms.is_none(), "a 413 or success never backs off");
                now += fx.retry_in_ms.unwrap_or(0) as i64;
            }
        }
        refused.sort();
        prop_assert_eq!(refused, oversized.clone());
        prop_assert_eq!(acked.len(), n - oversized.len());
    }

    #[test]
    fn unknown_version_is_never_refused_before_the_bound(
        n in 1usize..20,
        waiting_index in 0usize..20,
        published_after in proptest::option::of(0i64..200_000_000),
        gaps in proptest::collection::vec(0i64..20_000_000, 1..200),
        failures in proptest::collection::vec(any::<bool>(), 1..200),
        batch_size in 1usize..8,
    ) {
        let policy = Policy { batch_size, ..Policy::default() };
        let waiting = format!("b{:03}", waiting_index % n);
        let mut queue = pending(n);
        let mut state = State::default();
        let mut now = 1_000_000_000i64;
        let mut first_answer: Option<i64> = None;
        let mut answers = 0u32;
        for (step, gap) in gaps.iter().enumerate() {
            if queue.is_empty() {
                break;
            }
            now += gap;
            let batch = next_batch(&state, &policy, &queue);
            let published = published_after.is_some_and(|t| now >= 1_000_000_000 + t);
            let outcome = if failures[step % failures.len()] {
                Outcome::Timeout
            } else {
                Outcome::Answered {
                    status: 200,
                    results: Some(batch.iter().map(|id| {
                        if *id == waiting && !published {
                            BallotResult {
                                id: id.clone(),
                                status: BallotStatus::Rejected,
                                problems: vec![Problem::new(
                                    "$.survey_version",
                                    problem_code::UNKNOWN_VERSION,
                                    "本收集端没有第 2 版问卷",
                                    "version 2 is not published here",
                                )],
                            }
                        } else {
                            BallotResult { id: id.clone(), status: BallotStatus::Accepted, problems: vec![] }
                        }
                    }).collect()),
                    error: None,
                }
            };
            let answered_unknown = matches!(&outcome, Outcome::Answered { .. })
                && batch.contains(&waiting)
                && !published;
            if answered_unknown {
                first_answer.get_or_insert(now);
                answers += 1;
            }
            // Once known to wait, it goes after the others.
            let known_to_wait = state.version_waits.contains_key(&waiting);
            let fx = apply(&mut state, &policy, &batch, outcome, now, 0.5);
            if fx.refused.iter().any(|r| r.0 == waiting) {
                let waited = now - first_answer.unwrap();
                prop_assert!(
                    waited as u64 >= policy.unknown_version_grace_ms
                        && answers >= policy.unknown_version_min_attempts,
                    "refused after {waited} ms and {answers} answers"
                );
            }
            prop_assert!(
                fx.refused.iter().all(|r| r.0 == waiting),
                "only the waiting ballot can ever be refused here"
            );
            queue.retain(|p| !fx.acked.contains(&p.id) && !fx.refused.iter().any(|r| r.0 == p.id));
            // Every other ballot goes through without waiting behind it.
            if known_to_wait && !failures[step % failures.len()] {
                prop_assert!(
                    queue.iter().all(|p| p.id == waiting) || !fx.acked.is_empty(),
                    "an answered request acknowledged nothing while others wait"
                );
            }
        }
    }
}
