//! Dependency-free RFC 3339 timestamps: recognise them, and compare them as UTC instants.
//!
//! Surveys carry `opens_at` / `closes_at` and ballots carry `cast_at` as RFC 3339 strings, e.g.
//! `2026-11-27T19:30:00.000Z` or `2026-11-28T03:30:00+08:00`. This module checks the syntax and the
//! calendar (month 1–12, day within the month, hour 0–23, minute 0–59, second 0–60, offset up to
//! ±23:59) and turns a timestamp into seconds since the Unix epoch plus nanoseconds, so two
//! timestamps with different offsets compare correctly. A leap second (`:60`) is read as the first
//! second of the next minute.

/// A point in time in UTC: whole seconds since 1970-01-01T00:00:00Z and nanoseconds within them.
/// Ordering is chronological.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UtcTime {
    pub unix_seconds: i64,
    pub nanos: u32,
}

/// Parse an RFC 3339 timestamp. `None` when it is not one (wrong shape or impossible date).
/// Accepts `T`/`t` (or a space) between date and time, any number of fraction digits (the first
/// nine are kept), and `Z`/`z` or a `±HH:MM` offset.
pub fn parse_rfc3339(s: &str) -> Option<UtcTime> {
    let b = s.as_bytes();
    if b.len() < 20 || !s.is_ascii() {
        return None;
    }
    let num = |from: usize, len: usize| -> Option<i64> {
        let part = b.get(from..from + len)?;
        let mut v: i64 = 0;
        for c in part {
            if !c.is_ascii_digit() {
                return None;
            }
            v = v * 10 + i64::from(c - b'0');
        }
        Some(v)
    };
    let year = num(0, 4)?;
    let month = num(5, 2)?;
    let day = num(8, 2)?;
    let hour = num(11, 2)?;
    let minute = num(14, 2)?;
    let second = num(17, 2)?;
    if b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't' | b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let mut i = 19;
    let mut nanos: u32 = 0;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            if i - start < 9 {
                nanos = nanos * 10 + u32::from(b[i] - b'0');
            }
            i += 1;
        }
        let digits = i - start;
        if digits == 0 {
            return None;
        }
        for _ in digits..9 {
            nanos *= 10;
        }
    }
    let offset_seconds = match b.get(i)? {
        b'Z' | b'z' if i + 1 == b.len() => 0,
        sign @ (b'+' | b'-') if i + 6 == b.len() => {
            let oh = num(i + 1, 2)?;
            let om = num(i + 4, 2)?;
            if b[i + 3] != b':' || oh > 23 || om > 59 {
                return None;
            }
            let off = oh * 3600 + om * 60;
            if *sign == b'-' {
                -off
            } else {
                off
            }
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    let unix_seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset_seconds;
    Some(UtcTime {
        unix_seconds,
        nanos,
    })
}

/// How coarsely [`coarsen`] cuts a time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Coarse {
    /// The start of the UTC hour.
    Hour,
    /// The start of the UTC day.
    Day,
}

/// The RFC 3339 time `s` cut down to the start of its UTC hour or day, in the ballot shape
/// (`2026-11-27T19:00:00.000Z`); `None` when `s` is not RFC 3339. For anonymous surveys: a
/// coarse time (the collector's `received_at`, an export's `cast_at`) cannot be matched with the
/// moment someone was seen voting.
pub fn coarsen(s: &str, to: Coarse) -> Option<String> {
    let t = parse_rfc3339(s)?;
    let step = match to {
        Coarse::Hour => 3_600,
        Coarse::Day => 86_400,
    };
    Some(format_rfc3339_millis(UtcTime {
        unix_seconds: t.unix_seconds.div_euclid(step) * step,
        nanos: 0,
    }))
}

/// Whether `s` is an RFC 3339 timestamp.
pub fn is_rfc3339(s: &str) -> bool {
    parse_rfc3339(s).is_some()
}

/// Format an instant as RFC 3339 UTC with milliseconds, e.g. `2026-11-27T19:30:00.000Z`
/// (the shape ballots use for `cast_at`).
pub fn format_rfc3339_millis(t: UtcTime) -> String {
    let days = t.unix_seconds.div_euclid(86_400);
    let secs = t.unix_seconds.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        secs / 3600,
        (secs / 60) % 60,
        secs % 60,
        t.nanos / 1_000_000
    )
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(y) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coarsen_cuts_to_the_utc_hour_or_day() {
        let t = "2026-11-28T03:30:15.250+08:00";
        assert_eq!(
            coarsen(t, Coarse::Hour).unwrap(),
            "2026-11-27T19:00:00.000Z"
        );
        assert_eq!(coarsen(t, Coarse::Day).unwrap(), "2026-11-27T00:00:00.000Z");
        assert_eq!(
            coarsen("1969-12-31T23:59:59Z", Coarse::Hour).unwrap(),
            "1969-12-31T23:00:00.000Z"
        );
        assert_eq!(coarsen("nope", Coarse::Day), None);
    }

    #[test]
    fn accepts_common_forms() {
        let z = parse_rfc3339("2026-11-27T19:30:00.000Z").unwrap();
        let plus8 = parse_rfc3339("2026-11-28T03:30:00+08:00").unwrap();
        assert_eq!(z, plus8);
        assert_eq!(
            parse_rfc3339("1970-01-01T00:00:00Z").unwrap(),
            UtcTime {
                unix_seconds: 0,
                nanos: 0
            }
        );
        assert_eq!(
            parse_rfc3339("1970-01-01t00:00:01.5z").unwrap(),
            UtcTime {
                unix_seconds: 1,
                nanos: 500_000_000
            }
        );
        assert!(is_rfc3339("2024-02-29T23:59:60-05:30"));
    }

    #[test]
    fn rejects_wrong_shapes_and_dates() {
        for bad in [
            "",
            "2026-11-27",
            "2026-11-27T19:30:00",
            "2026-11-27 19:30Z",
            "2026-13-01T00:00:00Z",
            "2025-02-29T00:00:00Z",
            "2026-04-31T00:00:00Z",
            "2026-11-27T24:00:00Z",
            "2026-11-27T19:30:00.Z",
            "2026-11-27T19:30:00+8:00",
            "2026-11-27T19:30:00Zjunk",
            "２０２６-11-27T19:30:00Z",
        ] {
            assert!(parse_rfc3339(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn formats_back() {
        let t = parse_rfc3339("2026-11-28T03:30:00.123456+08:00").unwrap();
        assert_eq!(format_rfc3339_millis(t), "2026-11-27T19:30:00.123Z");
        let t = parse_rfc3339("1969-12-31T23:59:59Z").unwrap();
        assert_eq!(format_rfc3339_millis(t), "1969-12-31T23:59:59.000Z");
    }
}
