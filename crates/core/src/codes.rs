//! Ballot codes ("digital ballot papers", 选票码): one-time codes handed out like paper ballots.
//!
//! A survey with `codes: true` accepts a digital ballot only with the hash of a valid, unused code.
//! A code is 8 characters of Crockford base32 (40 random bits), shown as `XXXX-XXXX`. Typed input
//! is forgiving: case, spaces and dashes do not matter, and the letters people confuse with digits
//! are read as those digits (`O` → `0`, `I`/`L` → `1`).
//!
//! The stored ballot carries only [`code_hash`] of the code, never the code itself. The hash
//! cannot be turned back into the printed code without the code list. It is not a secret either:
//! with only 40 bits a determined attacker holding the hash list can brute-force codes, so the
//! list of hashes (kiosk, database) must be kept as carefully as a box of blank ballot papers
//! until the survey is closed (see docs/meeting-modes.md).
//!
//! ## Checks and hints: what a server or a kiosk may hold
//!
//! Whoever holds the list of code hashes can cast ballots (a ballot carries just the hash). So a
//! collector or kiosk should not hold the hashes themselves but:
//! - [`code_check`] of each hash: a domain-separated SHA-256 of the hash. The collector stores
//!   these, computes `code_check(ballot.code_hash)` for each ballot that arrives and looks it up.
//!   A copied list of checks cannot be turned into hashes, so it casts no ballot.
//! - [`code_hint`] of each hash: the first 16 bits of its check, as 4 hexadecimal digits. A kiosk
//!   holding the hints catches a typed code that belongs to no slip (a typo) before the resident
//!   goes on, but each hint fits about 2^24 of the 2^40 possible codes, so the hints neither name
//!   a code nor make a ballot.
//!
//! Ballots are unchanged: they still carry `code_hash`, so older phones keep working.
//!
//! Everything here is pure: the randomness for [`generate_codes`] is supplied by the caller.

use std::collections::BTreeSet;

use crate::ballot::sha256_hex;

/// Characters of a code, without the separator.
pub const CODE_LEN: usize = 8;

/// Random bytes [`generate_codes`] consumes per code it tries.
pub const BYTES_PER_CODE: usize = 5;

/// Tag hashed in front of every code (versioned so the scheme can change).
pub const CODE_HASH_TAG: &str = "pingyi-code/1";

const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Reads typed input as a code: uppercase, spaces (also full-width) and dashes (also `－`, `—`)
/// removed, `O` read as `0`, `I` and `L` as `1`. Returns the 8 plain characters, or `None` when
/// the input is not 8 Crockford base32 characters after that.
pub fn normalise_code(typed: &str) -> Option<String> {
    let mut out = String::with_capacity(CODE_LEN);
    for c in typed.chars() {
        let c = match c {
            ' ' | '\t' | '\u{3000}' | '-' | '－' | '—' | '–' | '_' => continue,
            'o' | 'O' => '0',
            'i' | 'I' | 'l' | 'L' => '1',
            c if c.is_ascii_alphanumeric() => c.to_ascii_uppercase(),
            _ => return None,
        };
        if !CROCKFORD.contains(&(c as u8)) {
            return None;
        }
        if out.len() == CODE_LEN {
            return None;
        }
        out.push(c);
    }
    (out.len() == CODE_LEN).then_some(out)
}

/// The display form `XXXX-XXXX` of a code (normalised first); `None` when it is not a code.
pub fn format_code(code: &str) -> Option<String> {
    let n = normalise_code(code)?;
    Some(format!("{}-{}", &n[..4], &n[4..]))
}

/// SHA-256 (lowercase hex) of `pingyi-code/1\n{survey_id}\n{normalised code}`. Input that is not a
/// code is hashed as typed (uppercased, without spaces and dashes), so it simply matches nothing.
pub fn code_hash(survey_id: &str, code: &str) -> String {
    let normalised = normalise_code(code).unwrap_or_else(|| {
        code.chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .flat_map(char::to_uppercase)
            .collect()
    });
    normalised_code_hash(survey_id, &normalised)
}

/// [`code_hash`] of a code already normalised by [`normalise_code`]. The widget hashes only
/// codes that normalise, through this, so that it links no Unicode case tables (about 17 KB).
pub fn normalised_code_hash(survey_id: &str, normalised: &str) -> String {
    sha256_hex(&format!("{CODE_HASH_TAG}\n{survey_id}\n{normalised}"))
}

/// Tag hashed in front of a code hash by [`code_check`] (versioned, distinct from
/// [`CODE_HASH_TAG`]).
pub const CODE_CHECK_TAG: &str = "pingyi-code-check/1";

/// Hexadecimal digits of a [`code_hint`] (16 bits).
pub const CODE_HINT_LEN: usize = 4;

/// What a collector stores instead of a code hash: SHA-256 (lowercase hex) of
/// `pingyi-code-check/1\n{code_hash}`. The submitted `code_hash` of a ballot is checked by
/// computing this and looking it up; the stored list cannot be turned back into hashes.
pub fn code_check(code_hash: &str) -> String {
    sha256_hex(&format!("{CODE_CHECK_TAG}\n{code_hash}"))
}

/// A short hint of a code hash that a kiosk can hold to catch typos: the first 16 bits of
/// [`code_check`], as 4 lowercase hexadecimal digits. Too short to identify a code or to cast a
/// ballot: each hint fits about 2^24 codes.
pub fn code_hint(code_hash: &str) -> String {
    let mut check = code_check(code_hash);
    check.truncate(CODE_HINT_LEN);
    check
}

/// A kiosk's typo check: whether the typed code could be one of the slips whose hints it holds
/// (`false` means certainly not; `true` means the collector decides).
pub fn hint_matches(hints: &BTreeSet<String>, survey_id: &str, typed: &str) -> bool {
    normalise_code(typed).is_some() && hints.contains(&code_hint(&code_hash(survey_id, typed)))
}

/// Whether `s` has the shape of a code hash: 64 lowercase hexadecimal digits.
pub fn is_code_hash(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Up to `n` distinct codes in display form (`XXXX-XXXX`), made from `random_bytes`
/// ([`BYTES_PER_CODE`] bytes per code tried; a repeat is skipped). Returns fewer than `n` when the
/// bytes run out, so give about `n × 5` bytes plus a margin and top up if needed.
pub fn generate_codes(n: usize, random_bytes: &[u8]) -> Vec<String> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::with_capacity(n.min(random_bytes.len() / BYTES_PER_CODE));
    for chunk in random_bytes.chunks_exact(BYTES_PER_CODE) {
        if out.len() >= n {
            break;
        }
        let mut v: u64 = 0;
        for b in chunk {
            v = (v << 8) | u64::from(*b);
        }
        let mut code = String::with_capacity(CODE_LEN + 1);
        for i in 0..CODE_LEN {
            if i == 4 {
                code.push('-');
            }
            let shift = 35 - 5 * i;
            code.push(CROCKFORD[((v >> shift) & 31) as usize] as char);
        }
        if seen.insert(code.clone()) {
            out.push(code);
        }
    }
    out
}

/// The link printed as a QR code on a slip: `{origin}/?s={survey_id}#code={code}`. The code is in
/// the fragment, which a browser never sends to any server (no access log, proxy or `Referer`
/// holds it); the widget still reads an older `?code=` too. Survey ids and codes need no URL
/// escaping (`[a-z0-9_-]`, `[0-9A-Z-]`); a trailing `/` of `origin` is dropped.
pub fn join_url(origin: &str, survey_id: &str, code: &str) -> String {
    format!(
        "{}/?s={survey_id}#code={code}",
        origin.trim_end_matches('/')
    )
}

/// Why a typed code is refused by [`check_code`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeError {
    /// Not a code of this survey (or not a code at all: a typo).
    Unknown,
    /// A valid code that has already been used for a ballot.
    Used,
}

impl CodeError {
    /// The stable problem code (`code_unknown`, `code_used`), the same the collector answers with.
    pub fn code(self) -> &'static str {
        match self {
            CodeError::Unknown => "code_unknown",
            CodeError::Used => "code_used",
        }
    }

    /// A message for the voter in Chinese.
    pub fn zh(self) -> &'static str {
        match self {
            CodeError::Unknown => "这个选票码不对，请核对后重新输入。",
            CodeError::Used => CODE_USED_ZH,
        }
    }

    /// A message for the voter in English.
    pub fn en(self) -> &'static str {
        match self {
            CodeError::Unknown => {
                "This ballot code is not valid. Please check it and type it again."
            }
            CodeError::Used => CODE_USED_EN,
        }
    }
}

/// The message for a code that was already used.
pub const CODE_USED_ZH: &str = "这张选票码已经用过了，每个码只能投一次。";
/// The message for a code that was already used, in English.
pub const CODE_USED_EN: &str =
    "This ballot code has already been used; each code can vote only once.";

/// A kiosk's local check of a typed code against the hashes it holds: `Ok(hash)` to put in the
/// ballot, or why not. `hashes` are the survey's code hashes, `used` the ones already used (on
/// this device or reported by the collector). The collector checks again when the ballot arrives.
pub fn check_code(
    hashes: &BTreeSet<String>,
    used: &BTreeSet<String>,
    survey_id: &str,
    typed: &str,
) -> Result<String, CodeError> {
    if normalise_code(typed).is_none() {
        return Err(CodeError::Unknown);
    }
    let h = code_hash(survey_id, typed);
    if !hashes.contains(&h) {
        Err(CodeError::Unknown)
    } else if used.contains(&h) {
        Err(CodeError::Used)
    } else {
        Ok(h)
    }
}
