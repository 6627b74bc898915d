//! Combining ballot exports from several offline devices into one set to count.
//!
//! At an evening meeting several phones may each collect ballots, and the same ballot can reach
//! more than one export (a phone exported twice, or a ballot was copied to another device). The
//! merge keys ballots by id:
//! - the same id with the same content hash is one ballot, kept once (the extra copies are
//!   counted in `duplicates`);
//! - the same id with different contents is a **conflict**: it is reported with every distinct
//!   hash and the exports it came from, and **neither version is kept**, because there is no way to
//!   tell which one the resident cast. Counting one would be a silent choice; counting none keeps
//!   the tally honest and the report says which ids were left out so officials can look at them.
//!
//! Ids are compared in canonical form ([`crate::ballot::canonical_ballot_id`]): a copy of a ballot
//! whose id is written in upper case is the same ballot, and the merged ballot carries the
//! lowercase id.
//!
//! The merged ballots are sorted by id, so the result does not depend on the order of the exports
//! or of the ballots within them.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::ballot::{ballot_key, canonical_ballot_id, Ballot};

/// The outcome of [`merge`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MergeResult {
    /// One ballot per id without conflict, sorted by id.
    pub ballots: Vec<Ballot>,
    /// Extra identical copies dropped (within and across exports). Conflicting copies are not
    /// counted here.
    pub duplicates: u64,
    /// Ids held with different contents, sorted by id. None of their versions is in `ballots`.
    pub conflicts: Vec<Conflict>,
}

/// One ballot id held with different contents.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conflict {
    pub id: String,
    /// The distinct content hashes seen, sorted.
    pub hashes: Vec<String>,
    /// Indexes (0-based, into the `exports` argument) of the exports holding this id, sorted.
    pub sources: Vec<usize>,
}

/// Merge device exports. See the module documentation for the rules.
pub fn merge(exports: &[Vec<Ballot>]) -> MergeResult {
    struct Seen<'a> {
        first: &'a Ballot,
        hashes: BTreeSet<String>,
        sources: BTreeSet<usize>,
        copies: u64,
    }
    let mut by_id: BTreeMap<Cow<str>, Seen> = BTreeMap::new();
    for (source, export) in exports.iter().enumerate() {
        for b in export {
            let key = ballot_key(&b.id);
            let hash = if key == b.id.as_str() {
                b.content_hash()
            } else {
                canonical(b).content_hash()
            };
            let seen = by_id.entry(key).or_insert_with(|| Seen {
                first: b,
                hashes: BTreeSet::new(),
                sources: BTreeSet::new(),
                copies: 0,
            });
            seen.hashes.insert(hash);
            seen.sources.insert(source);
            seen.copies += 1;
        }
    }
    let mut ballots = Vec::new();
    let mut duplicates = 0u64;
    let mut conflicts = Vec::new();
    for (id, seen) in by_id {
        if seen.hashes.len() > 1 {
            conflicts.push(Conflict {
                id: id.into_owned(),
                hashes: seen.hashes.into_iter().collect(),
                sources: seen.sources.into_iter().collect(),
            });
        } else {
            duplicates += seen.copies - 1;
            ballots.push(canonical(seen.first));
        }
    }
    MergeResult {
        ballots,
        duplicates,
        conflicts,
    }
}

/// A copy of `b` with its id and device id in canonical form ([`canonical_ballot_id`]).
fn canonical(b: &Ballot) -> Ballot {
    let mut c = b.clone();
    if let Some(id) = canonical_ballot_id(&c.id) {
        c.id = id;
    }
    if let Some(d) = canonical_ballot_id(&c.device) {
        c.device = d;
    }
    c
}

impl MergeResult {
    /// The ids of the conflicts, sorted.
    pub fn conflict_ids(&self) -> Vec<String> {
        self.conflicts.iter().map(|c| c.id.clone()).collect()
    }
}
