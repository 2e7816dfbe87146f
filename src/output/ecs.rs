//! ECS: each finding as an Elastic Common Schema alert document on a line
//! of JSON (`event.kind: alert`). Documents of this shape in a `logs-*`
//! index become Elastic Security alerts through its prebuilt external
//! alerts rule, which maps `event.severity` 21, 47, 73 and 99 to low,
//! medium, high and critical, and `event.risk_score` to the risk score.
//!
//! The identity is `user.name` (`user.id` when it is a pseudonym), or
//! `source.ip` when it is an ip address; the whole finding, as the JSON
//! output writes it, is under `scrapewatch`.

use super::{identity_ip, title, write_json, Options, PRODUCT, VERSION};
use crate::finding::{Finding, Severity};
use serde_json::{json, Value};
use std::io::{self, Write};

/// The ECS release the documents follow, written in `ecs.version`.
pub const SCHEMA_VERSION: &str = "9.4.0";

/// Writes one alert document per finding per line.
pub fn write(out: &mut dyn Write, findings: &[Finding], options: &Options) -> io::Result<()> {
    for f in findings {
        write_json(&mut *out, &document(f, options)?)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// `event.severity`: the values Elastic's external alerts rule maps.
fn severity(s: Severity) -> u8 {
    match s {
        Severity::Info => 1,
        Severity::Low => 21,
        Severity::Medium => 47,
        Severity::High => 73,
        Severity::Critical => 99,
    }
}

/// One finding as an alert document.
pub fn document(f: &Finding, options: &Options) -> io::Result<Value> {
    let mut doc = json!({
        // The finding exists once its last event is seen: its time, not
        // the clock's.
        "@timestamp": f.end,
        "ecs": { "version": SCHEMA_VERSION },
        "message": f.message.render(),
        "event": {
            // An `info` finding (a declared crawler) is an event, so the
            // external alerts rule does not raise it.
            "kind": if f.severity.is_alert() { "alert" } else { "event" },
            "category": ["intrusion_detection"],
            "type": ["info"],
            "severity": severity(f.severity),
            "risk_score": f.score,
            "start": f.start,
            "end": f.end,
            "id": f.id,
            "dataset": "scrapewatch.finding",
            "module": PRODUCT,
            "provider": PRODUCT,
            "reason": f.evidence.measure,
        },
        "rule": {
            "id": f.rule.name(),
            "name": f.rule.name(),
            "description": title(f.rule),
            "category": f.family.name(),
            "ruleset": PRODUCT,
        },
        "observer": {
            "vendor": PRODUCT,
            "product": PRODUCT,
            "version": VERSION,
        },
        "scrapewatch": serde_json::to_value(f).map_err(io::Error::from)?,
    });
    match identity_ip(f, options) {
        Some(ip) => doc["source"] = json!({ "ip": ip.to_string() }),
        None if options.pseudonymised => doc["user"] = json!({ "id": f.identity }),
        None => doc["user"] = json!({ "name": f.identity }),
    }
    if f.suppressed {
        doc["tags"] = json!(["suppressed"]);
    }
    Ok(doc)
}
