//! OCSF: each finding as one Detection Finding (class 2004 of the
//! Findings category, activity Create) on a line of JSON, the schema of
//! Amazon Security Lake and of the tools converging on OCSF.
//!
//! The identity is the actor of the evidence: a user (by name, or by uid
//! when it is a pseudonym), or, when it is an ip address, the source
//! endpoint. The measure against its threshold is both the evidence's data
//! and an anomaly analysis (the observed value the anomaly, the threshold
//! the baseline), which the schema has since 1.4.0.

use super::{identity_ip, title, write_json, Options, PRODUCT, VERSION};
use crate::finding::{Finding, Severity};
use serde_json::{json, Value};
use std::io::{self, Write};

/// The OCSF release the documents follow, written in `metadata.version`.
pub const SCHEMA_VERSION: &str = "1.8.0";
/// Detection Finding.
pub const CLASS_UID: u32 = 2004;
/// Findings.
pub const CATEGORY_UID: u32 = 2;
/// Create: every finding is written as first generated.
pub const ACTIVITY_ID: u32 = 1;
/// `class_uid * 100 + activity_id`, as the schema defines it.
pub const TYPE_UID: u32 = CLASS_UID * 100 + ACTIVITY_ID;

/// Writes one Detection Finding per finding per line.
pub fn write(out: &mut dyn Write, findings: &[Finding], options: &Options) -> io::Result<()> {
    for f in findings {
        write_json(&mut *out, &document(f, options)?)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// The severity's `severity_id` and its caption.
fn severity(s: Severity) -> (u8, &'static str) {
    match s {
        Severity::Info => (1, "Informational"),
        Severity::Low => (2, "Low"),
        Severity::Medium => (3, "Medium"),
        Severity::High => (4, "High"),
        Severity::Critical => (5, "Critical"),
    }
}

/// One finding as a Detection Finding.
pub fn document(f: &Finding, options: &Options) -> io::Result<Value> {
    let (severity_id, severity) = severity(f.severity);
    // Finding status: allow-listed findings are written only when asked,
    // and then as suppressed, not as new.
    let (status_id, status) = if f.suppressed {
        (3, "Suppressed")
    } else {
        (1, "New")
    };
    let message = f.message.render();
    let mut evidence = json!({
        "name": f.evidence.measure,
        "data": serde_json::to_value(&f.evidence).map_err(io::Error::from)?,
    });
    let target = match identity_ip(f, options) {
        Some(ip) => {
            evidence["src_endpoint"] = json!({ "ip": ip.to_string() });
            "ip"
        }
        None if options.pseudonymised => {
            evidence["actor"] = json!({ "user": { "uid": f.identity } });
            "user"
        }
        None => {
            evidence["actor"] = json!({ "user": { "name": f.identity } });
            "user"
        }
    };
    let observed = |value: f64| json!([{ "value": number(value) }]);
    Ok(json!({
        "activity_id": ACTIVITY_ID,
        "activity_name": "Create",
        "category_uid": CATEGORY_UID,
        "category_name": "Findings",
        "class_uid": CLASS_UID,
        "class_name": "Detection Finding",
        "type_uid": TYPE_UID,
        "type_name": "Detection Finding: Create",
        "severity_id": severity_id,
        "severity": severity,
        "status_id": status_id,
        "status": status,
        "is_alert": !f.suppressed && f.severity.is_alert(),
        "risk_score": f.score,
        // The finding exists once its last event is seen: the only time
        // of its creation that does not come from the clock.
        "time": f.end_ms,
        "start_time": f.start_ms,
        "end_time": f.end_ms,
        "count": f.events,
        "message": message,
        "metadata": {
            "version": SCHEMA_VERSION,
            "product": {
                "name": PRODUCT,
                "vendor_name": PRODUCT,
                "version": VERSION,
            },
        },
        "finding_info": {
            "uid": f.id,
            "title": title(f.rule),
            "desc": message,
            "types": [f.family.name()],
            "first_seen_time": f.start_ms,
            "last_seen_time": f.end_ms,
            "analytic": {
                "uid": f.rule.name(),
                "name": f.rule.name(),
                "category": f.family.name(),
                "type_id": 1,
                "type": "Rule",
            },
        },
        "evidences": [evidence],
        "anomaly_analyses": [{
            "analysis_targets": [{ "name": f.identity, "type": target }],
            "anomalies": [{
                "observation_parameter": f.evidence.measure,
                "observation_type": "observed",
                "observations": observed(f.evidence.observed),
            }],
            "baselines": [{
                "observation_parameter": f.evidence.measure,
                "observation_type": "threshold",
                "observations": observed(f.evidence.threshold),
            }],
        }],
    }))
}

/// An observation's value: the schema types it as a string; written as
/// the JSON output writes the number.
fn number(value: f64) -> String {
    serde_json::to_string(&value).unwrap_or_else(|_| "null".into())
}
