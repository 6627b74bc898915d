//! Ballot codes: normalisation of typed input, hashing, generation, the kiosk's local check and
//! the ballot validation rule of a survey with `codes: true`.

mod common;

use std::collections::BTreeSet;

use common::{assert_problem, ballot, parse, survey_json};
use pingyi_core::codes::{
    check_code, code_hash, format_code, generate_codes, is_code_hash, join_url, normalise_code,
    CodeError, BYTES_PER_CODE,
};
use pingyi_core::{validate_ballot, Channel};
use proptest::prelude::*;
use serde_json::json;

#[test]
fn typed_input_is_forgiving() {
    assert_eq!(normalise_code("7K3M-Q9XZ").as_deref(), Some("7K3MQ9XZ"));
    assert_eq!(normalise_code(" 7k3m q9xz ").as_deref(), Some("7K3MQ9XZ"));
    assert_eq!(
        normalise_code("7k3m－q9xz").as_deref(),
        Some("7K3MQ9XZ"),
        "full-width dash"
    );
    assert_eq!(
        normalise_code("O0IL-l1io").as_deref(),
        Some("00111110"),
        "O→0, I/L→1"
    );
    assert_eq!(normalise_code("7K3M-Q9X"), None, "too short");
    assert_eq!(normalise_code("7K3M-Q9XZ1"), None, "too long");
    assert_eq!(
        normalise_code("7K3M-Q9XU"),
        None,
        "U is not Crockford base32"
    );
    assert_eq!(normalise_code("7K3M-Q9X码"), None);
    assert_eq!(normalise_code(""), None);
    assert_eq!(format_code("7k3mq9xz").as_deref(), Some("7K3M-Q9XZ"));
}

#[test]
fn hash_is_the_documented_sha256() {
    // sha256("pingyi-code/1\nvillage\n7K3MQ9XZ"), computed independently with `sha256sum`.
    let expected = "68924c34fc6f448e4a6fea30e5b976df289ea527d1f4048d214f14ddd0b28637".to_string();
    assert_eq!(code_hash("village", "7K3M-Q9XZ"), expected);
    assert_eq!(
        code_hash("village", "7k3m q9xz"),
        expected,
        "typed forms hash alike"
    );
    assert_ne!(
        code_hash("other", "7K3M-Q9XZ"),
        expected,
        "bound to the survey"
    );
    assert!(is_code_hash(&expected));
    assert!(!is_code_hash("7K3M-Q9XZ"));
    assert!(!is_code_hash(&expected.to_uppercase()));
}

#[test]
fn generation_is_deterministic_distinct_and_short() {
    let bytes: Vec<u8> = (0..=255u8).cycle().take(5 * 100).collect();
    let a = generate_codes(40, &bytes);
    assert_eq!(
        a,
        generate_codes(40, &bytes),
        "pure: same bytes, same codes"
    );
    assert_eq!(a.len(), 40);
    let distinct: BTreeSet<&String> = a.iter().collect();
    assert_eq!(distinct.len(), 40);
    for c in &a {
        assert_eq!(c.len(), 9);
        assert_eq!(&c[4..5], "-");
        assert_eq!(format_code(c).as_deref(), Some(c.as_str()));
    }
    // Repeated bytes give repeated codes, which are skipped; running out gives fewer.
    let same = vec![7u8; BYTES_PER_CODE * 10];
    assert_eq!(generate_codes(3, &same).len(), 1);
    assert_eq!(generate_codes(3, &[1, 2, 3]), Vec::<String>::new());
    assert_eq!(generate_codes(0, &bytes), Vec::<String>::new());
}

#[test]
fn join_url_carries_survey_and_code() {
    assert_eq!(
        join_url("https://x.example/", "village", "7K3M-Q9XZ"),
        "https://x.example/?s=village#code=7K3M-Q9XZ"
    );
}

#[test]
fn kiosk_check() {
    let codes = generate_codes(3, &[9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 11, 22, 33, 44, 55]);
    let hashes: BTreeSet<String> = codes.iter().map(|c| code_hash("village", c)).collect();
    let mut used = BTreeSet::new();
    let h = check_code(&hashes, &used, "village", &codes[0].to_lowercase()).unwrap();
    assert_eq!(h, code_hash("village", &codes[0]));
    used.insert(h);
    assert_eq!(
        check_code(&hashes, &used, "village", &codes[0]),
        Err(CodeError::Used)
    );
    assert_eq!(
        check_code(&hashes, &used, "other", &codes[1]),
        Err(CodeError::Unknown)
    );
    assert_eq!(
        check_code(&hashes, &used, "village", "ZZZZ-ZZZZ"),
        Err(CodeError::Unknown)
    );
    assert_eq!(
        check_code(&hashes, &used, "village", "not a code"),
        Err(CodeError::Unknown)
    );
    assert!(check_code(&hashes, &used, "village", &codes[2]).is_ok());
    assert_eq!(CodeError::Used.code(), "code_used");
    assert_eq!(
        CodeError::Used.zh(),
        "这张选票码已经用过了，每个码只能投一次。"
    );
}

#[test]
fn ballots_of_a_code_survey_need_a_code_hash() {
    let mut v = survey_json(json!([{ "id": "q", "kind": "approve", "title": { "zh": "表决" } }]));
    v["codes"] = json!(true);
    let s = parse(&v);
    assert!(s.codes);
    let mut b = ballot(&s, 1, json!({ "q": { "choice": "for" } }));
    assert_problem(
        &validate_ballot(&s, &b).unwrap_err(),
        "$.code_hash",
        "code_required",
    );
    b.code_hash = Some("nothex".into());
    assert_problem(
        &validate_ballot(&s, &b).unwrap_err(),
        "$.code_hash",
        "bad_code_hash",
    );
    b.code_hash = Some(code_hash(&s.id, "7K3M-Q9XZ"));
    assert_eq!(validate_ballot(&s, &b), Ok(()));
    // Paper ballots may come without a code.
    b.code_hash = None;
    b.channel = Channel::Paper;
    assert_eq!(validate_ballot(&s, &b), Ok(()));

    // Without codes, a ballot must not carry one; and the survey serialises as before.
    let plain = parse(&survey_json(
        json!([{ "id": "q", "kind": "approve", "title": { "zh": "表决" } }]),
    ));
    assert!(!serde_json::to_string(&plain).unwrap().contains("codes"));
    let mut b = ballot(&plain, 2, json!({ "q": { "choice": "for" } }));
    assert_eq!(validate_ballot(&plain, &b), Ok(()));
    b.code_hash = Some(code_hash(&plain.id, "7K3M-Q9XZ"));
    assert_problem(
        &validate_ballot(&plain, &b).unwrap_err(),
        "$.code_hash",
        "code_not_expected",
    );

    // Structure: codes must be a boolean.
    let mut bad = v.clone();
    bad["codes"] = json!("yes");
    let problems = pingyi_core::parse_survey(&bad.to_string()).unwrap_err();
    assert_problem(&problems, "$.codes", "wrong_type");
}

#[test]
fn code_hash_round_trips_and_leaves_other_ballots_unchanged() {
    let s = parse(&survey_json(
        json!([{ "id": "q", "kind": "approve", "title": { "zh": "表决" } }]),
    ));
    let b = ballot(&s, 3, json!({ "q": { "choice": "for" } }));
    let json = b.canonical_json();
    assert!(
        !json.contains("code_hash"),
        "absent field, same canonical JSON and hash as before"
    );
    let mut c = b.clone();
    c.code_hash = Some(code_hash("test", "7K3M-Q9XZ"));
    let text = c.canonical_json();
    let back: pingyi_core::Ballot = serde_json::from_str(&text).unwrap();
    assert_eq!(back, c);
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(pingyi_core::Ballot::from_value(&v), Some(c.clone()));
    let mut v2 = v.clone();
    v2["code_hash"] = json!(null);
    assert_eq!(
        pingyi_core::Ballot::from_value(&v2),
        serde_json::from_value(v2.clone()).ok()
    );
    v2["code_hash"] = json!(5);
    assert_eq!(pingyi_core::Ballot::from_value(&v2), None);
    assert!(serde_json::from_value::<pingyi_core::Ballot>(v2).is_err());
}

proptest! {
    /// Any generated code survives every typed variant (case, spaces, dashes, O/I/L confusions)
    /// to the same hash, and the kiosk accepts it exactly once.
    #[test]
    fn typed_variants_hash_alike(bytes in proptest::collection::vec(any::<u8>(), 5), lower in any::<bool>(), spaces in any::<bool>()) {
        let code = generate_codes(1, &bytes).pop().unwrap();
        let mut typed: String = code.replace('0', "O").replace('1', if lower { "l" } else { "I" });
        if lower { typed = typed.to_lowercase(); }
        if spaces { typed = typed.replace('-', " "); }
        prop_assert_eq!(normalise_code(&typed), normalise_code(&code));
        prop_assert_eq!(code_hash("s", &typed), code_hash("s", &code));
        let hashes: BTreeSet<String> = [code_hash("s", &code)].into();
        let mut used = BTreeSet::new();
        let h = check_code(&hashes, &used, "s", &typed).unwrap();
        used.insert(h);
        prop_assert_eq!(check_code(&hashes, &used, "s", &code), Err(CodeError::Used));
    }

    /// Normalising never panics and, when it succeeds, gives 8 Crockford characters that
    /// normalise to themselves.
    #[test]
    fn normalise_is_total(s in ".{0,20}") {
        if let Some(n) = normalise_code(&s) {
            prop_assert_eq!(n.len(), 8);
            prop_assert_eq!(normalise_code(&n), Some(n.clone()));
        }
        let _ = code_hash("s", &s);
    }
}

#[test]
fn code_checks_and_hints_are_derived_from_the_hash_only() {
    use pingyi_core::codes::{code_check, code_hint, hint_matches, CODE_CHECK_TAG};
    let hash = code_hash("s", "ABCD-EFGH");
    let check = code_check(&hash);
    assert_eq!(
        check,
        pingyi_core::ballot::sha256_hex(&format!("{CODE_CHECK_TAG}\n{hash}"))
    );
    assert_eq!(check.len(), 64);
    assert_ne!(check, hash, "the check is not the hash");
    assert_ne!(code_check(&code_hash("s", "ABCD-EFGJ")), check);
    assert_eq!(code_hint(&hash), check[..4]);

    let hints: std::collections::BTreeSet<String> = ["ABCD-EFGH", "WXYZ-2345"]
        .iter()
        .map(|c| code_hint(&code_hash("s", c)))
        .collect();
    assert!(hint_matches(&hints, "s", "abcd efgh"));
    assert!(hint_matches(&hints, "s", "WXYZ2345"));
    assert!(!hint_matches(&hints, "s", "ABCD-EFG"), "not a code");
    // Most typos are caught: of 1000 other codes, almost none share a hint with the two slips.
    let caught = (0..1000u32)
        .filter(|i| !hint_matches(&hints, "s", &format!("ZZ{:06}", i)))
        .count();
    assert!(caught > 980, "{caught}");
}

#[test]
fn a_stored_check_is_matched_by_the_submitted_hash_only() {
    use pingyi_core::codes::code_check;
    let stored: std::collections::BTreeSet<String> = ["ABCD-EFGH", "WXYZ-2345"]
        .iter()
        .map(|c| code_check(&code_hash("s", c)))
        .collect();
    // A ballot carries the hash; the collector checks it against the checks it stored.
    assert!(stored.contains(&code_check(&code_hash("s", "abcd-efgh"))));
    // The stored checks themselves, submitted as hashes, match nothing.
    for c in &stored {
        assert!(!stored.contains(&code_check(c)));
    }
}
