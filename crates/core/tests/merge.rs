//! Merging offline devices: overlapping exports give the same tally as one device holding every
//! ballot; the same id with different contents is a conflict, reported and not counted.

#[path = "golden/generate.rs"]
mod generate;

use pingyi_core::export::tally_report;
use pingyi_core::merge::merge;
use pingyi_core::{parse_survey, tally, Answer, Ballot, Survey};
use proptest::prelude::*;

fn evening() -> Survey {
    let path = format!(
        "{}/../../examples/evening-meeting.json",
        env!("CARGO_MANIFEST_DIR")
    );
    parse_survey(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn sorted(mut b: Vec<Ballot>) -> Vec<Ballot> {
    b.sort_by(|x, y| x.id.cmp(&y.id));
    b
}

#[test]
fn two_overlapping_devices_equal_one_device_with_everything() {
    let s = evening();
    let all = generate::ballots(&s, 7, 30);
    // Phone A holds ballots 0..20, phone B 12..30 (8 ballots on both), in a different order.
    let a: Vec<Ballot> = all[..20].to_vec();
    let mut b: Vec<Ballot> = all[12..].to_vec();
    b.reverse();
    let merged = merge(&[a, b]);
    assert_eq!(merged.duplicates, 8);
    assert!(merged.conflicts.is_empty());
    assert_eq!(merged.ballots, sorted(all.clone()));
    assert_eq!(tally(&s, &merged.ballots), tally(&s, &all));
    let one = merge(std::slice::from_ref(&all));
    assert_eq!(
        tally_report(&s, &merged.ballots, "t"),
        tally_report(&s, &one.ballots, "t")
    );
}

#[test]
fn same_id_different_content_is_a_conflict_and_not_counted() {
    let s = evening();
    let all = generate::ballots(&s, 8, 6);
    let mut altered = all[2].clone();
    altered.answers.insert(
        "culture-square".into(),
        Answer::Choice {
            choice: "abstain".into(),
        },
    );
    if altered == all[2] {
        altered.answers.insert(
            "culture-square".into(),
            Answer::Choice {
                choice: "for".into(),
            },
        );
    }
    let a = all.clone();
    let b = vec![altered.clone(), all[3].clone()];
    let c = vec![all[2].clone()];
    let merged = merge(&[a, b, c]);
    assert_eq!(merged.conflicts.len(), 1);
    let conflict = &merged.conflicts[0];
    assert_eq!(conflict.id, all[2].id);
    let mut hashes = vec![all[2].content_hash(), altered.content_hash()];
    hashes.sort();
    assert_eq!(conflict.hashes, hashes);
    assert_eq!(conflict.sources, vec![0, 1, 2]);
    // Neither version is counted; the identical copy of ballot 3 is one duplicate.
    assert_eq!(merged.ballots.len(), 5);
    assert!(merged.ballots.iter().all(|b| b.id != all[2].id));
    assert_eq!(merged.duplicates, 1);
    assert_eq!(merged.conflict_ids(), vec![all[2].id.clone()]);
    let without: Vec<Ballot> = all.iter().filter(|b| b.id != all[2].id).cloned().collect();
    assert_eq!(tally(&s, &merged.ballots), tally(&s, &without));
}

#[test]
fn duplicates_within_one_export_and_empty_inputs() {
    let s = evening();
    let all = generate::ballots(&s, 9, 3);
    let doubled = vec![all[0].clone(), all[0].clone(), all[1].clone()];
    let merged = merge(&[doubled, Vec::new()]);
    assert_eq!(merged.duplicates, 1);
    assert_eq!(merged.ballots.len(), 2);
    let none = merge(&[]);
    assert!(none.ballots.is_empty() && none.conflicts.is_empty() && none.duplicates == 0);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Any split of a set of ballots over up to four devices, with overlaps and any order,
    /// merges back to the same ballots and the same tally (and report) as one device.
    #[test]
    fn any_overlapping_split_merges_to_the_same_tally(
        seed in any::<u64>(),
        n in 0usize..40,
        holders in proptest::collection::vec(1u8..16, 40),
        devices in 1usize..=4,
        rotate in any::<usize>(),
    ) {
        let s = evening();
        let all = generate::ballots(&s, seed, n);
        let mut exports: Vec<Vec<Ballot>> = vec![Vec::new(); devices];
        let mut copies = 0u64;
        for (i, b) in all.iter().enumerate() {
            let mask = holders[i] as usize % (1 << devices);
            let mask = if mask == 0 { 1 } else { mask };
            for (d, export) in exports.iter_mut().enumerate() {
                if mask & (1 << d) != 0 {
                    export.push(b.clone());
                    copies += 1;
                }
            }
        }
        for (d, export) in exports.iter_mut().enumerate() {
            if !export.is_empty() {
                let k = (rotate + d) % export.len();
                export.rotate_left(k);
            }
        }
        let merged = merge(&exports);
        prop_assert!(merged.conflicts.is_empty());
        prop_assert_eq!(merged.duplicates, copies - n as u64);
        prop_assert_eq!(&merged.ballots, &sorted(all.clone()));
        let one = merge(std::slice::from_ref(&all));
        prop_assert_eq!(tally(&s, &merged.ballots), tally(&s, &one.ballots));
        prop_assert_eq!(tally_report(&s, &merged.ballots, "t"), tally_report(&s, &one.ballots, "t"));
        // The order of the exports does not matter either.
        let mut reversed = exports.clone();
        reversed.reverse();
        prop_assert_eq!(merge(&reversed).ballots, merged.ballots);
    }
}
