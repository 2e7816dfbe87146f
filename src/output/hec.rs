//! Splunk HEC: each finding in an HTTP Event Collector envelope on a line
//! of JSON, ready for `curl` to a collector's `/services/collector/event`
//! (several envelopes may share a request). No network code of our own.
//!
//! The event is the finding exactly as the JSON output writes it; `host`
//! and `source` come from the options (fixed defaults, never the
//! machine's name) and `time` from the finding.

use super::{write_json, Options};
use crate::finding::{Finding, FindingLine};
use serde::Serialize;
use std::io::{self, Write};

/// The sourcetype of every envelope.
pub const SOURCETYPE: &str = "scrapewatch:finding";

/// One envelope. Field order is the order Splunk documents them in.
#[derive(Serialize)]
struct Envelope<'a> {
    time: serde_json::Number,
    host: &'a str,
    source: &'a str,
    sourcetype: &'a str,
    event: FindingLine<'a>,
}

/// Writes one envelope per finding per line.
pub fn write(out: &mut dyn Write, findings: &[Finding], options: &Options) -> io::Result<()> {
    for f in findings {
        let envelope = Envelope {
            time: epoch_seconds(f.end_ms),
            host: &options.hec_host,
            source: &options.hec_source,
            sourcetype: SOURCETYPE,
            event: FindingLine::new(f),
        };
        write_json(&mut *out, &envelope)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// Epoch seconds, with milliseconds as a fraction when there are any: HEC
/// takes `time` as seconds with an optional fraction. The finding exists
/// once its last event is seen, so that is its time.
fn epoch_seconds(ms: crate::time::Millis) -> serde_json::Number {
    if ms % 1000 == 0 {
        return (ms / 1000).into();
    }
    let sign = if ms < 0 { "-" } else { "" };
    let abs = ms.unsigned_abs();
    // Exact in decimal, and a valid JSON number.
    format!("{sign}{}.{:03}", abs / 1000, abs % 1000)
        .parse()
        .unwrap_or_else(|_| (ms / 1000).into())
}

#[cfg(test)]
mod tests {
    use super::epoch_seconds;

    #[test]
    fn times_are_seconds_with_exact_millisecond_fractions() {
        let text = |ms| epoch_seconds(ms).to_string();
        assert_eq!(text(1_748_980_800_000), "1748980800");
        assert_eq!(text(1_748_980_800_250), "1748980800.25");
        assert_eq!(text(1_748_980_800_007), "1748980800.007");
        // Before 1970 (`input.time_range` allows it): the sign applies to
        // the whole value, not the seconds only.
        assert_eq!(text(-1), "-0.001");
        assert_eq!(text(-1_500), "-1.5");
        assert_eq!(text(-2_000), "-2");
    }
}
