//! The time parser on arbitrary bytes, at several naive-time offsets. A
//! parsed time must print, and a printed four-digit-year time must parse
//! back to the same millisecond. The offset parser must stay within a day.

#![no_main]

use libfuzzer_sys::fuzz_target;
use scrapewatch::time;

fuzz_target!(|data: &[u8]| {
    for offset in [0, 90, -330, 23 * 60 + 59, -(23 * 60 + 59)] {
        let Some(ms) = time::parse(data, offset) else {
            continue;
        };
        let text = time::format(ms);
        let b = text.as_bytes();
        if b.len() >= 20 && b[0].is_ascii_digit() && b[4] == b'-' {
            assert_eq!(
                time::parse(b, 0),
                Some(ms),
                "{text} (from {:?}) does not parse back",
                String::from_utf8_lossy(data)
            );
        }
    }
    // A W3C time of day on a `#Date:` day: on that day or the next.
    let date = 1_748_822_400_000 + 3_600_000;
    if let Some(ms) = time::on_day(data, date) {
        assert!((date - 86_400_000..date + 2 * 86_400_000).contains(&ms), "{ms}");
    }
    if let Ok(s) = std::str::from_utf8(data) {
        if let Some(m) = time::parse_offset(s) {
            assert!(m.abs() < 24 * 60, "offset {s:?} gives {m} minutes");
        }
    }
});
