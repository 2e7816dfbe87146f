//! CEF: each finding as an ArcSight Common Event Format line,
//! `CEF:0|vendor|product|version|signature id|name|severity|extensions`,
//! optionally after an RFC 3164 syslog header, for the many SIEMs that
//! take CEF.
//!
//! Escaping depends on where a value stands (CEF specification, "Character
//! encoding"): in the header a pipe and a backslash are escaped with a
//! backslash; in an extension value an equals sign and a backslash are,
//! and a line break is written `\n` or `\r`, the only way a value may span
//! lines. The header may not span lines at all. Characters a terminal acts
//! on (controls, bidirectional and invisible format characters) are
//! written as [`super::printable`] writes them, their backslash escaped in
//! turn, so a CEF reader gets the visible escape and a terminal showing
//! the line stays safe.

use super::{ip, is_unprintable, printable, title, Options, PRODUCT, VERSION};
use crate::finding::{Finding, Severity};
use std::io::{self, Write};
use std::net::IpAddr;

/// Writes one CEF line per finding.
pub fn write(out: &mut dyn Write, findings: &[Finding], options: &Options) -> io::Result<()> {
    for f in findings {
        writeln!(out, "{}", line(f, options))?;
    }
    Ok(())
}

/// CEF severity, 0-10.
fn severity(s: Severity) -> u8 {
    match s {
        Severity::Info => 1,
        Severity::Low => 3,
        Severity::Medium => 5,
        Severity::High => 8,
        Severity::Critical => 10,
    }
}

/// One finding as a CEF line (without its newline).
pub fn line(f: &Finding, options: &Options) -> String {
    let mut line = String::new();
    if let Some(host) = &options.cef_syslog_host {
        line.push_str(&syslog_time(f.end_ms));
        line.push(' ');
        // A header field ends at a space: none may stand in the host.
        line.push_str(&printable(host).replace(' ', "\\x20"));
        line.push(' ');
    }
    line.push_str("CEF:0");
    for field in [PRODUCT, PRODUCT, VERSION, f.rule.name(), title(f.rule)] {
        line.push('|');
        line.push_str(&header(field));
    }
    line.push('|');
    line.push_str(&severity(f.severity).to_string());
    line.push('|');

    let mut ext: Vec<(&str, String)> = vec![
        ("rt", f.end_ms.to_string()),
        ("start", f.start_ms.to_string()),
        ("end", f.end_ms.to_string()),
        ("externalId", f.id.clone()),
        ("cat", f.family.name().into()),
        ("cnt", f.events.to_string()),
    ];
    // The identity in the field its kind asks for: an address only when
    // it is one and not a pseudonym.
    match ip(&f.identity, options) {
        Some(IpAddr::V4(a)) => ext.push(("src", a.to_string())),
        Some(IpAddr::V6(a)) => {
            ext.push(("c6a2", a.to_string()));
            ext.push(("c6a2Label", "Source IPv6 Address".into()));
        }
        None if options.pseudonymised => ext.push(("suid", f.identity.clone())),
        None => ext.push(("suser", f.identity.clone())),
    }
    let e = &f.evidence;
    ext.extend([
        ("msg", f.message.render()),
        ("cn1", f.score.to_string()),
        ("cn1Label", "score".into()),
        ("cfp1", e.observed.to_string()),
        ("cfp1Label", "observed".into()),
        ("cfp2", e.threshold.to_string()),
        ("cfp2Label", "threshold".into()),
        ("cs1", e.measure.clone()),
        ("cs1Label", "measure".into()),
        ("cs2", e.samples.join(" ")),
        ("cs2Label", "samples".into()),
    ]);
    if let Some(r) = &e.records {
        ext.push(("cs3", format!("{} {}-{}", r.system, r.first, r.last)));
        ext.push(("cs3Label", "records".into()));
    }
    let status = if f.suppressed { "suppressed" } else { "new" };
    ext.push(("cs4", status.into()));
    ext.push(("cs4Label", "status".into()));
    for (i, (key, value)) in ext.iter().enumerate() {
        if i > 0 {
            line.push(' ');
        }
        line.push_str(key);
        line.push('=');
        line.push_str(&extension(value));
    }
    line
}

/// A header field: `\` and `|` escaped; nothing may break the line.
pub fn header(value: &str) -> String {
    escape(value, |c| match c {
        '\\' => Some("\\\\"),
        '|' => Some("\\|"),
        _ => None,
    })
}

/// An extension value: `\` and `=` escaped, line breaks as `\n` and `\r`.
pub fn extension(value: &str) -> String {
    escape(value, |c| match c {
        '\\' => Some("\\\\"),
        '=' => Some("\\="),
        '\n' => Some("\\n"),
        '\r' => Some("\\r"),
        _ => None,
    })
}

/// `value` with the characters `special` names replaced, and those a
/// terminal acts on written as [`printable`] writes them, backslash
/// escaped (every such escape starts with one).
fn escape(value: &str, special: impl Fn(char) -> Option<&'static str>) -> String {
    let mut out = String::with_capacity(value.len());
    let mut buf = [0; 4];
    for c in value.chars() {
        if let Some(s) = special(c) {
            out.push_str(s);
        } else if is_unprintable(c) {
            out.push('\\');
            out.push_str(&printable(c.encode_utf8(&mut buf)));
        } else {
            out.push(c);
        }
    }
    out
}

/// An RFC 3164 timestamp, `Mmm dd hh:mm:ss` (the day padded with a
/// space), in UTC, from the finding rather than the clock.
fn syslog_time(ms: crate::time::Millis) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let secs = ms.div_euclid(1000);
    let (_, m, d) = crate::time::civil_from_days(secs.div_euclid(86_400));
    let sod = secs.rem_euclid(86_400);
    let month = MONTHS[(m as usize).saturating_sub(1).min(11)];
    format!(
        "{month} {d:>2} {:02}:{:02}:{:02}",
        sod / 3600,
        sod / 60 % 60,
        sod % 60
    )
}
