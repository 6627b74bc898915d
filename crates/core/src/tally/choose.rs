//! Counting `choose` questions (光荣榜): votes per option, competition ranking, and the elected
//! set with ties across the last seat flagged rather than broken.

use super::{rank, ChooseTally, KindTally, RankedOption, Ratio};
use crate::ballot::Answer;
use crate::survey::ChooseQuestion;

/// Election rule with `seats = k`: let `c` be the count of the k-th option in rank order. If the
/// option after it also has `c` votes, the tie crosses the last seat: every option with `c` votes
/// goes to `tied_at_last_seat` and only options with more than `c` votes are elected. Otherwise
/// the first k are elected. An option with no votes is never elected nor tied.
pub(super) fn count(q: &ChooseQuestion, answers: &[&Answer]) -> (u64, KindTally) {
    let answered = answers.len() as u64;
    let mut counts = vec![0u64; q.options.len()];
    for a in answers {
        if let Answer::Chosen { chosen } = a {
            for (i, o) in q.options.iter().enumerate() {
                if chosen.contains(&o.id) {
                    counts[i] += 1;
                }
            }
        }
    }
    let ranked = rank(counts.len(), &|a, b| counts[a].cmp(&counts[b]));
    let ranking: Vec<RankedOption> = ranked
        .iter()
        .map(|&(i, r, tied)| RankedOption {
            option_id: q.options[i].id.clone(),
            label: q.options[i].label.clone(),
            count: counts[i],
            share_of_answered: Ratio::reduced(i128::from(counts[i]), i128::from(answered)),
            rank: r,
            tied,
        })
        .collect();
    let mut elected = Vec::new();
    let mut tied_at_last_seat = Vec::new();
    if let Some(seats) = q.seats {
        let with_votes: Vec<&RankedOption> = ranking.iter().filter(|o| o.count > 0).collect();
        let k = usize::try_from(seats)
            .unwrap_or(usize::MAX)
            .min(with_votes.len());
        if k > 0 {
            let boundary = with_votes[k - 1].count;
            let crosses = with_votes.get(k).is_some_and(|next| next.count == boundary);
            for o in &with_votes {
                if o.count > boundary || (!crosses && o.count == boundary && elected.len() < k) {
                    elected.push(o.option_id.clone());
                } else if crosses && o.count == boundary {
                    tied_at_last_seat.push(o.option_id.clone());
                }
            }
        }
    }
    (
        answered,
        KindTally::Choose(ChooseTally {
            ranking,
            seats: q.seats,
            elected,
            tied_at_last_seat,
        }),
    )
}
