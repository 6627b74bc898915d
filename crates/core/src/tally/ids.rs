//! A survey's short id lists (questions, options, subjects, criteria, items), prepared once per
//! survey so that finding a ballot's id among them reads the ballot's id once and compares
//! machine words, not strings.
//!
//! Each id is kept with its length and its first and last eight bytes. An id of at most 16 bytes
//! is fully described by those, so a lookup compares three integers per candidate and calls no
//! `memcmp`; a longer id that matches them is then compared in full.

use std::borrow::Cow;

/// An id's length and its first and last eight bytes (overlapping, or zero-padded when shorter).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
struct Key {
    len: usize,
    first: u64,
    last: u64,
}

impl Key {
    #[inline]
    fn of(s: &[u8]) -> Key {
        let len = s.len();
        let (first, last) = if len >= 8 {
            (word(&s[..8]), word(&s[len - 8..]))
        } else {
            let mut w = 0u64;
            for (i, b) in s.iter().enumerate() {
                w |= u64::from(*b) << (8 * i);
            }
            (w, 0)
        };
        Key { len, first, last }
    }
}

/// Eight bytes as a word (the caller gives exactly eight).
#[inline]
fn word(eight: &[u8]) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(eight);
    u64::from_le_bytes(a)
}

/// An ordered list of ids, found by [`Ids::position`].
#[derive(Clone, Debug, Default)]
pub(super) struct Ids<'s> {
    ids: Vec<Cow<'s, str>>,
    keys: Vec<Key>,
}

impl<'s> Ids<'s> {
    pub(super) fn new(ids: impl IntoIterator<Item = Cow<'s, str>>) -> Ids<'s> {
        let ids: Vec<Cow<'s, str>> = ids.into_iter().collect();
        let keys = ids.iter().map(|s| Key::of(s.as_bytes())).collect();
        Ids { ids, keys }
    }

    pub(super) fn borrowed(ids: impl IntoIterator<Item = &'s str>) -> Ids<'s> {
        Ids::new(ids.into_iter().map(Cow::Borrowed))
    }

    /// The position of the first entry equal to `id`, as `iter().position(|x| x == id)`.
    #[inline]
    pub(super) fn position(&self, id: &str) -> Option<usize> {
        let bytes = id.as_bytes();
        let k = Key::of(bytes);
        let i = self.keys.iter().position(|c| *c == k)?;
        if k.len <= 16 {
            return Some(i);
        }
        // Longer than two words: the middle bytes decide, in list order.
        (i..self.ids.len()).find(|&j| self.keys[j] == k && self.ids[j].as_bytes() == bytes)
    }

    pub(super) fn len(&self) -> usize {
        self.ids.len()
    }

    pub(super) fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    pub(super) fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        self.ids.iter().map(|s| s.as_ref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_first_equal_id_of_any_length() {
        let list = [
            "",
            "a",
            "care",
            "conduct",
            "culture",
            "h01",
            "h07",
            "sanitation",
            "efficiency",
            "public-order",
            "basically_satisfied",
            "basically_satisfiee",
            "basically_xatisfied",
            "care",
            "满意",
            "一二三四五六七八九十",
        ];
        let ids = Ids::borrowed(list);
        for probe in list.iter().copied().chain([
            "b",
            "car",
            "cares",
            "h1",
            "h011",
            "sanitatioN",
            "basically_satisfie",
            "basically_satisfieda",
            "basically_Xatisfied",
            "a\0",
            "\0",
            "一二三四五六七八九",
        ]) {
            assert_eq!(
                ids.position(probe),
                list.iter().position(|x| *x == probe),
                "{probe:?}"
            );
        }
    }
}
