//! Counting `choose` questions (光荣榜): votes per option, competition ranking, and the elected
//! set with ties across the last seat flagged rather than broken.

use super::{rank, ChooseTally, KindTally, RankedOption, Ratio};
use crate::survey::ChooseQuestion;

/// Election rule with `seats = k`: let `c` be the count of the k-th option in rank order. If the
/// option after it also has `c` votes, the tie crosses the last seat: every option with `c` votes
/// goes to `tied_at_last_seat` and only options with more than `c` votes are elected. Otherwise
/// the first k are elected. An option with no votes is never elected nor tied.
pub(super) fn finish(q: &ChooseQuestion, answered: u64, counts: &[u64]) -> KindTally {
    let count = |i: usize| counts.get(i).copied().unwrap_or(0);
    let ranked = rank(q.options.len(), &|a, b| count(a).cmp(&count(b)));
    let ranking: Vec<RankedOption> = ranked
        .iter()
        .map(|&(i, r, tied)| RankedOption {
            option_id: q.options[i].id.clone(),
            label: q.options[i].label.clone(),
            count: count(i),
            share_of_answered: Ratio::reduced(i128::from(count(i)), i128::from(answered)),
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
    KindTally::Choose(ChooseTally {
        ranking,
        seats: q.seats,
        elected,
        tied_at_last_seat,
    })
}
