//! Timestamps: every accepted form becomes UTC milliseconds since the Unix
//! epoch. Hand-written because it runs once per line: no allocation, no
//! locale, ASCII only. Accepted: RFC 3339 (`T` or space, optional fraction,
//! `Z` or `±hh:mm`/`±hhmm`, naive means the configured offset), epoch
//! seconds or milliseconds (optionally with a fraction), and the combined
//! log format's `10/Oct/2000:13:55:36 -0700`.

/// Milliseconds since 1970-01-01T00:00:00Z.
pub type Millis = i64;

/// Epoch values at or above this are milliseconds, below it seconds
/// (1e11 seconds is the year 5138; 1e11 ms is 1973).
const EPOCH_MS_FROM: i64 = 100_000_000_000;

/// Parses any accepted timestamp form. `offset_min` applies to naive
/// date-times only.
pub fn parse(s: &[u8], offset_min: i32) -> Option<Millis> {
    let s = trim(s);
    let first = *s.first()?;
    if !first.is_ascii_digit() {
        return None;
    }
    if s.len() >= 10 && s[4] == b'-' {
        parse_datetime(s, offset_min)
    } else if s.len() >= 20 && s[2] == b'/' {
        parse_clf(s)
    } else if s.len() >= 14
        && s.get(14).is_none_or(|&b| b == b'.')
        && s[..14].iter().all(u8::is_ascii_digit)
    {
        // Salesforce's `20231218054831.655`: fourteen digits are a date
        // and time, never epoch milliseconds (which would be past 2400).
        parse_compact(s)
    } else {
        parse_epoch(s)
    }
}

fn trim(mut s: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = s {
        s = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = s {
        s = rest;
    }
    s
}

fn digits(s: &[u8]) -> Option<i64> {
    if s.is_empty() || s.len() > 18 {
        return None;
    }
    let mut n: i64 = 0;
    for &b in s {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        n = n * 10 + d as i64;
    }
    Some(n)
}

/// `YYYYMMDDHHMMSS[.fff]`, UTC.
fn parse_compact(s: &[u8]) -> Option<Millis> {
    let year = digits(&s[0..4])?;
    let (month, day) = (two(s, 4)?, two(s, 6)?);
    let (hour, minute, second) = (two(s, 8)?, two(s, 10)?, two(s, 12)?);
    let ms = fraction_ms(s.get(15..).unwrap_or_default())?;
    civil_to_millis(year, month, day, hour, minute, second, ms, 0)
}

/// A time of day (`HH:MM:SS[.fff]`, UTC) on the day of `date`, or on the
/// next day when it is earlier than `date` (a file open across midnight).
pub fn on_day(s: &[u8], date: Millis) -> Option<Millis> {
    let s = trim(s);
    if s.len() < 8 || s[2] != b':' || s[5] != b':' {
        return None;
    }
    let (hour, minute, second) = (two(s, 0)?, two(s, 3)?, two(s, 6)?);
    let ms = match &s[8..] {
        [] => 0,
        [b'.', frac @ ..] => fraction_ms(frac)?,
        _ => return None,
    };
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    const DAY: Millis = 86_400_000;
    let midnight = date - date.rem_euclid(DAY);
    let time = midnight + ((hour * 60 + minute) * 60 + second) * 1000 + ms;
    Some(if time < date { time + DAY } else { time })
}

fn parse_epoch(s: &[u8]) -> Option<Millis> {
    let (int, frac) = match memchr::memchr(b'.', s) {
        Some(dot) => (&s[..dot], &s[dot + 1..]),
        None => (s, &b""[..]),
    };
    let n = digits(int)?;
    let frac_ms = fraction_ms(frac)?;
    if n >= EPOCH_MS_FROM {
        Some(n)
    } else {
        Some(n * 1000 + frac_ms)
    }
}

/// Milliseconds from the digits after a decimal point (truncated).
fn fraction_ms(frac: &[u8]) -> Option<i64> {
    if frac.is_empty() {
        return Some(0);
    }
    let mut ms = 0i64;
    for (i, &b) in frac.iter().enumerate() {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        if i < 3 {
            ms = ms * 10 + d as i64;
        }
    }
    for _ in frac.len()..3 {
        ms *= 10;
    }
    Some(ms)
}

fn two(s: &[u8], at: usize) -> Option<i64> {
    digits(s.get(at..at + 2)?)
}

fn parse_datetime(s: &[u8], offset_min: i32) -> Option<Millis> {
    // YYYY-MM-DD[T ]HH:MM:SS[.fff][Z|±hh:mm|±hhmm]; a tab for the space
    // (W3C logs' `date` and `time` columns, tab-separated by CloudFront).
    if s.len() < 19 || s[7] != b'-' || !matches!(s[10], b'T' | b't' | b' ' | b'\t') {
        return None;
    }
    if s[13] != b':' || s[16] != b':' {
        return None;
    }
    let year = digits(&s[0..4])?;
    let (month, day) = (two(s, 5)?, two(s, 8)?);
    let (hour, minute, second) = (two(s, 11)?, two(s, 14)?, two(s, 17)?);
    let mut rest = &s[19..];
    let mut ms = 0;
    if let [b'.' | b',', tail @ ..] = rest {
        let end = tail
            .iter()
            .position(|b| !b.is_ascii_digit())
            .unwrap_or(tail.len());
        if end == 0 {
            return None;
        }
        ms = fraction_ms(&tail[..end])?;
        rest = &tail[end..];
    }
    let offset = match rest {
        [] => offset_min as i64,
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), tz @ ..] => {
            let (h, m) = match tz.len() {
                5 if tz[2] == b':' => (two(tz, 0)?, two(tz, 3)?),
                4 => (two(tz, 0)?, two(tz, 2)?),
                2 => (two(tz, 0)?, 0),
                _ => return None,
            };
            let off = h * 60 + m;
            if *sign == b'-' {
                -off
            } else {
                off
            }
        }
        _ => return None,
    };
    civil_to_millis(year, month, day, hour, minute, second, ms, offset)
}

const MONTHS: [&[u8; 3]; 12] = [
    b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec",
];

fn parse_clf(s: &[u8]) -> Option<Millis> {
    // 10/Oct/2000:13:55:36 -0700
    if s[2] != b'/' || s[6] != b'/' || s[11] != b':' || s[14] != b':' || s[17] != b':' {
        return None;
    }
    let day = two(s, 0)?;
    let month = MONTHS.iter().position(|m| m[..] == s[3..6])? as i64 + 1;
    let year = digits(&s[7..11])?;
    let (hour, minute, second) = (two(s, 12)?, two(s, 15)?, two(s, 18)?);
    let tz = trim(&s[20..]);
    let offset = match tz {
        [] => 0,
        [sign @ (b'+' | b'-'), d @ ..] if d.len() == 4 => {
            let off = two(d, 0)? * 60 + two(d, 2)?;
            if *sign == b'-' {
                -off
            } else {
                off
            }
        }
        _ => return None,
    };
    civil_to_millis(year, month, day, hour, minute, second, 0, offset)
}

#[allow(clippy::too_many_arguments)]
fn civil_to_millis(
    year: i64,
    month: i64,
    day: i64,
    hour: i64,
    minute: i64,
    second: i64,
    ms: i64,
    offset_min: i64,
) -> Option<Millis> {
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    // Leap seconds (:60) are accepted and folded into the next second.
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let days = days_from_civil(year, month, day);
    let secs = days * 86_400 + hour * 3600 + minute * 60 + second - offset_min * 60;
    Some(secs * 1000 + ms)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// algorithm, public domain).
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of a day count since 1970-01-01: (year, month, day).
pub fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// RFC 3339 UTC with seconds, e.g. `2024-07-05T12:34:56Z`; milliseconds are
/// shown only when not zero.
pub fn format(ms: Millis) -> String {
    let secs = ms.div_euclid(1000);
    let frac = ms.rem_euclid(1000);
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let sod = secs.rem_euclid(86_400);
    let (h, mi, s) = (sod / 3600, sod / 60 % 60, sod % 60);
    if frac == 0 {
        format!("{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
    } else {
        format!("{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{frac:03}Z")
    }
}

/// The times from the start of year `from` to the end of year `to`, UTC:
/// the accepted range of `input.time_range`.
pub fn year_range(from: i64, to: i64) -> std::ops::Range<Millis> {
    let start = |year| days_from_civil(year, 1, 1) * 86_400_000;
    start(from)..start(to + 1)
}

/// The widest year range `input.time_range` may name: the years of four
/// digits, the form [`format()`] prints and [`parse`] accepts, so every
/// accepted time prints as a time that parses back to itself.
pub const YEARS: std::ops::RangeInclusive<i64> = 1..=9999;

const HOUR_MS: Millis = 3_600_000;
const DAY_MS: Millis = 86_400_000;

/// The time zone hour-of-day features are read in: UTC (the default,
/// computed directly) or an IANA zone from the bundled database, so that
/// British Summer Time does not move a UK user's working hours by one for
/// seven months of the year.
#[derive(Clone, Debug, Default)]
pub struct Zone(Option<jiff::tz::TimeZone>);

/// UTC.
pub static UTC: Zone = Zone(None);

impl Zone {
    /// The zone named `name` (`UTC`, `Europe/London`...); `None` when the
    /// database has no such zone.
    pub fn named(name: &str) -> Option<Zone> {
        match name {
            "UTC" | "Etc/UTC" | "utc" => Some(Zone(None)),
            _ => jiff::tz::TimeZone::get(name).ok().map(|tz| Zone(Some(tz))),
        }
    }

    /// `t` as local wall-clock milliseconds (UTC plus the zone's offset
    /// at that instant).
    #[inline]
    pub fn local(&self, t: Millis) -> Millis {
        match &self.0 {
            None => t,
            Some(tz) => match jiff::Timestamp::from_millisecond(t) {
                Ok(ts) => t + i64::from(tz.to_offset(ts).seconds()) * 1000,
                Err(_) => t,
            },
        }
    }

    /// The local hour of the day of `t`, 0 to 23.
    #[inline]
    pub fn hour(&self, t: Millis) -> usize {
        (self.local(t).rem_euclid(DAY_MS) / HOUR_MS) as usize
    }

    /// The local day of `t` (days since 1970-01-01 in the zone).
    #[inline]
    pub fn day(&self, t: Millis) -> i64 {
        self.local(t).div_euclid(DAY_MS)
    }
}

/// Parses a `±hh:mm` offset (or `Z`, or empty for UTC) into minutes.
pub fn parse_offset(s: &str) -> Option<i32> {
    match s.as_bytes() {
        [] | [b'Z'] => Some(0),
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let h = digits(&[*h1, *h2])? as i32;
            let m = digits(&[*m1, *m2])? as i32;
            if h > 23 || m > 59 {
                return None;
            }
            Some(if *sign == b'-' {
                -(h * 60 + m)
            } else {
                h * 60 + m
            })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn london_hours_move_with_summer_time() {
        let london = Zone::named("Europe/London").unwrap();
        // 2024-07-03 08:30 UTC is 09:30 in London (BST); 2024-01-10 08:30
        // UTC is 08:30 (GMT).
        let july = parse(b"2024-07-03T08:30:00Z", 0).unwrap();
        let january = parse(b"2024-01-10T08:30:00Z", 0).unwrap();
        assert_eq!((london.hour(july), UTC.hour(july)), (9, 8));
        assert_eq!((london.hour(january), UTC.hour(january)), (8, 8));
        // 23:30 UTC on 3 July is already 4 July in London.
        let late = parse(b"2024-07-03T23:30:00Z", 0).unwrap();
        assert_eq!(london.day(late), UTC.day(late) + 1);
        assert!(Zone::named("Nowhere/Zone").is_none());
        assert_eq!(Zone::named("UTC").unwrap().hour(july), 8);
    }

    const T0: Millis = 1_720_182_896_000; // 2024-07-05T12:34:56Z

    #[test]
    fn salesforce_compact_times_and_w3c_times_of_day() {
        assert_eq!(parse(b"20240705123456.789", 0), Some(T0 + 789));
        assert_eq!(parse(b"20240705123456", 0), Some(T0));
        assert_eq!(parse(b"20241305123456", 0), None);
        // Epoch forms of the same length are unchanged.
        assert_eq!(parse(b"1720182896.789", 0), Some(T0 + 789));
        assert_eq!(parse(b"1720182896789", 0), Some(T0 + 789));
        let date = T0 - 3_600_000; // 11:34:56
        assert_eq!(on_day(b"12:34:56", date), Some(T0));
        assert_eq!(on_day(b"12:34:56.5", date), Some(T0 + 500));
        // Earlier than the directive: the next day.
        assert_eq!(on_day(b"10:34:56", date), Some(T0 - 7_200_000 + 86_400_000));
        assert_eq!(on_day(b"24:00:00", date), None);
        assert_eq!(on_day(b"12:34", date), None);
    }

    #[test]
    fn rfc3339_forms() {
        assert_eq!(parse(b"2024-07-05T12:34:56Z", 0), Some(T0));
        assert_eq!(parse(b"2024-07-05T12:34:56.789Z", 0), Some(T0 + 789));
        assert_eq!(parse(b"2024-07-05T12:34:56.7Z", 0), Some(T0 + 700));
        assert_eq!(parse(b"2024-07-05T12:34:56.123456789Z", 0), Some(T0 + 123));
        assert_eq!(parse(b"2024-07-05T13:34:56+01:00", 0), Some(T0));
        assert_eq!(parse(b"2024-07-05T11:34:56-0100", 0), Some(T0));
        assert_eq!(parse(b"2024-07-05 12:34:56", 0), Some(T0));
        assert_eq!(parse(b"2024-07-05 14:34:56", 120), Some(T0));
        assert_eq!(parse(b"2024-07-05 12:34:56.5", 0), Some(T0 + 500));
    }

    #[test]
    fn epoch_and_clf() {
        assert_eq!(parse(b"1720182896", 0), Some(T0));
        assert_eq!(parse(b"1720182896123", 0), Some(T0 + 123));
        assert_eq!(parse(b"1720182896.25", 0), Some(T0 + 250));
        assert_eq!(parse(b"05/Jul/2024:05:34:56 -0700", 0), Some(T0));
        assert_eq!(parse(b"05/Jul/2024:12:34:56 +0000", 0), Some(T0));
    }

    #[test]
    fn rejects_garbage() {
        for bad in [
            &b""[..],
            b"yesterday",
            b"2024-13-05T12:34:56Z",
            b"2024-02-30T12:34:56Z",
            b"2024-07-05T25:34:56Z",
            b"2024-07-05T12:34:56+1",
            b"2024-07-05T12:34:56Zjunk",
            b"05/Foo/2024:05:34:56 -0700",
            b"12ab",
            b"1720182896.x",
        ] {
            assert_eq!(parse(bad, 0), None, "{:?}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn civil_round_trip() {
        for days in [-800_000, -1, 0, 1, 59, 365, 11_016, 19_909, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(format(T0), "2024-07-05T12:34:56Z");
        assert_eq!(format(T0 + 5), "2024-07-05T12:34:56.005Z");
        assert_eq!(format(-1), "1969-12-31T23:59:59.999Z");
    }

    #[test]
    fn every_accepted_time_prints_as_it_parses() {
        let widest = year_range(*YEARS.start(), *YEARS.end());
        for t in [widest.start, widest.start + 1, 0, T0, widest.end - 1] {
            assert_eq!(parse(format(t).as_bytes(), 0), Some(t), "{}", format(t));
        }
        assert_eq!(format(widest.start), "0001-01-01T00:00:00Z");
        assert_eq!(format(widest.end - 1), "9999-12-31T23:59:59.999Z");
        let default = year_range(1970, 2100);
        assert_eq!(default.start, 0);
        assert_eq!(format(default.end), "2101-01-01T00:00:00Z");
    }

    #[test]
    fn offsets() {
        assert_eq!(parse_offset(""), Some(0));
        assert_eq!(parse_offset("+05:30"), Some(330));
        assert_eq!(parse_offset("-01:00"), Some(-60));
        assert_eq!(parse_offset("5"), None);
    }
}
