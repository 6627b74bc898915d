//! Form values to survey fields and back: what a number box or a date-and-time box holds is text,
//! the survey holds numbers and RFC 3339 times. Pure and tested natively.

/// A whole number typed in a box; an empty box is 0 (the validator then says what is wrong).
/// `None` for text that is no whole number (the field is left as it was).
pub fn count(text: &str) -> Option<u32> {
    let t = text.trim();
    if t.is_empty() {
        return Some(0);
    }
    t.parse().ok()
}

/// A whole number that may be left out (`seats`, `eligible`): an empty box is `Some(None)`.
pub fn optional_count(text: &str) -> Option<Option<u32>> {
    let t = text.trim();
    if t.is_empty() {
        return Some(None);
    }
    t.parse().ok().map(Some)
}

/// A signed whole number (score ranges); an empty box is 0.
pub fn score(text: &str) -> Option<i32> {
    let t = text.trim();
    if t.is_empty() {
        return Some(0);
    }
    t.parse().ok()
}

/// A number for a box: `None` shows an empty box.
pub fn show_optional(n: Option<u32>) -> String {
    n.map(|n| n.to_string()).unwrap_or_default()
}

/// The value of an `<input type="datetime-local">` (`2026-12-01T19:30`) as an RFC 3339 time at
/// the browser's offset (`+480` minutes: `2026-12-01T19:30:00+08:00`). An empty box is `None`.
pub fn local_to_rfc3339(local: &str, offset_minutes: i32) -> Option<String> {
    let t = local.trim();
    if t.len() < 16 {
        return None;
    }
    let seconds = if t.len() >= 19 { &t[16..19] } else { ":00" };
    let sign = if offset_minutes < 0 { '-' } else { '+' };
    let off = offset_minutes.unsigned_abs();
    Some(format!(
        "{}{seconds}{sign}{:02}:{:02}",
        &t[..16],
        off / 60,
        off % 60
    ))
}

/// An RFC 3339 time as a `datetime-local` value (its date and clock time as written).
pub fn rfc3339_to_local(time: &str) -> String {
    time.get(..16).unwrap_or_default().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts() {
        assert_eq!(count(" 3 "), Some(3));
        assert_eq!(count(""), Some(0));
        assert_eq!(count("x"), None);
        assert_eq!(count("-1"), None);
        assert_eq!(optional_count(""), Some(None));
        assert_eq!(optional_count("2"), Some(Some(2)));
        assert_eq!(optional_count("两"), None);
        assert_eq!(score("-5"), Some(-5));
        assert_eq!(show_optional(None), "");
    }

    #[test]
    fn local_times() {
        assert_eq!(
            local_to_rfc3339("2026-12-01T19:30", 480).as_deref(),
            Some("2026-12-01T19:30:00+08:00")
        );
        assert_eq!(
            local_to_rfc3339("2026-12-01T19:30:15", -330).as_deref(),
            Some("2026-12-01T19:30:15-05:30")
        );
        assert_eq!(local_to_rfc3339("", 480), None);
        assert_eq!(
            rfc3339_to_local("2026-12-01T19:30:00+08:00"),
            "2026-12-01T19:30"
        );
        assert_eq!(rfc3339_to_local("bad"), "");
    }
}
