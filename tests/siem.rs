//! The SIEM formats (OCSF, ECS, Splunk HEC, CEF) checked against their
//! published definitions rather than our reading of them: the required
//! fields, types and enumerations of the OCSF Detection Finding class and
//! of the ECS field reference, as tables copied from the schema files named
//! below, and CEF's escaping rules. Then the invariants every output keeps:
//! the same findings as the JSON output in the same order, the same bytes
//! every way a scan runs, pseudonyms only in string fields, and nothing a
//! terminal acts on written raw.

use crate::util::{data, generate, paths, run};
use scrapewatch::detect::detect;
use scrapewatch::finding::{
    ClientCount, Evidence, Finding, Part, RecordRange, RuleId, Severity, Shared,
};
use scrapewatch::input::Input;
use scrapewatch::message;
use scrapewatch::output::{self, cef, is_unprintable, Options, OutputFormat, Pseudonymizer};
use scrapewatch::scan::scan;
use scrapewatch::watchlist::Watchlist;
use scrapewatch::Config;
use serde_json::Value;
use std::collections::BTreeMap;

const SIEM: [OutputFormat; 4] = [
    OutputFormat::Ocsf,
    OutputFormat::Ecs,
    OutputFormat::SplunkHec,
    OutputFormat::Cef,
];

/// Every character a value can carry that some format must escape: CEF's
/// `|`, `\`, `=` and line breaks, a space before a `key=` (which would
/// start a CEF extension), JSON's quote, terminal controls (ESC, BEL, C1
/// CSI, DEL), bidirectional overrides and isolates, invisible characters,
/// and a formula lead.
const AWKWARD: &str = "=a|b\\c=d\ne\rf\"g cs1=forged msg=x \u{1b}[31mred\u{7}\u{9b}\u{7f} \
                       \u{202e}evil\u{2066}\u{200b}\u{feff}\u{2028}é";

fn finding(identity: &str) -> Finding {
    let rule = RuleId::SharedCredential;
    let mut f = Finding {
        id: String::new(),
        rule,
        family: rule.family(),
        severity: rule.severity(),
        score: 85,
        identity: identity.into(),
        start: "2025-06-03T19:00:00Z".into(),
        end: "2025-06-03T20:00:00.250Z".into(),
        events: 300,
        message: message!(
            "used from ",
            Part::ip("203.0.113.9"),
            " and ",
            Part::ip("2001:db8::7"),
            " reading ",
            Part::record("223456"),
            "-",
            Part::record("224100"),
            " as ",
            Part::account(identity)
        ),
        evidence: Evidence {
            window_secs: Some(3600),
            system: Some("membership".into()),
            records: Some(RecordRange {
                system: "membership".into(),
                first: "223456".into(),
                last: "224100".into(),
            }),
            counts: BTreeMap::from([("distinct_ips".into(), 2)]),
            clients: vec![
                ClientCount {
                    ip: "203.0.113.9".into(),
                    user_agent: "curl/8".into(),
                    events: 200,
                },
                ClientCount {
                    ip: "2001:db8::7".into(),
                    user_agent: "python-requests/2".into(),
                    events: 100,
                },
            ],
            shared: Some(Shared::Network("198.51.100.0/24".into())),
            allowed: vec!["carol".into()],
            samples: vec!["events.ndjson:12".into(), "events.ndjson:40".into()],
            ..Evidence::new("distinct ips in 1h".into(), 2.0, 1.0)
        },
        suppressed: false,
        reported_before: None,
        start_ms: scrapewatch::time::parse(b"2025-06-03T19:00:00Z", 0).unwrap(),
        end_ms: scrapewatch::time::parse(b"2025-06-03T20:00:00.250Z", 0).unwrap(),
    };
    f.assign_id(None);
    f
}

/// Findings of every shape a writer branches on: an account, an ipv4 and
/// an ipv6 identity, an allow-listed one, every severity, and awkward
/// characters in every text field.
fn findings() -> Vec<Finding> {
    let mut awkward = finding(AWKWARD);
    awkward.message = message!(AWKWARD, Part::account(AWKWARD));
    awkward.evidence.measure = AWKWARD.into();
    awkward.evidence.samples = vec![format!("{AWKWARD}:7")];
    awkward.evidence.clients[0].user_agent = AWKWARD.into();
    let mut suppressed = finding("svc-sync");
    suppressed.suppressed = true;
    suppressed.severity = Severity::Low;
    let mut v4 = finding("203.0.113.9");
    v4.severity = Severity::Critical;
    let mut v6 = finding("2001:db8::7");
    v6.severity = Severity::Medium;
    vec![finding("camp-rowe-0"), v4, v6, awkward, suppressed]
}

fn write(format: OutputFormat, findings: &[Finding], options: &Options) -> String {
    let mut out = Vec::new();
    output::write_with(&mut out, findings, format, options).unwrap();
    String::from_utf8(out).unwrap()
}

fn json_lines(text: &str) -> Vec<Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

// ---------------------------------------------------------------------
// OCSF

/// A type of the OCSF dictionary.
#[derive(Clone, Copy, Debug)]
enum Ty {
    /// `integer_t` / `long_t`.
    Int,
    /// `timestamp_t`: a `long_t` of milliseconds since the epoch.
    Timestamp,
    /// `string_t`.
    Str,
    /// `ip_t`: a string that is an ip address.
    Ip,
    /// `boolean_t`.
    Bool,
    /// `json_t`: any JSON.
    Json,
    /// An object of the named class or object.
    Obj(&'static str),
    /// An array (`is_array`) of the type.
    Arr(&'static Ty),
}

/// An OCSF class or object: its required attributes, its `at_least_one`
/// constraint, and the type of every attribute we write (a key missing
/// from the table is not an attribute we may write).
struct OcsfObject {
    name: &'static str,
    required: &'static [&'static str],
    at_least_one: &'static [&'static str],
    types: &'static [(&'static str, Ty)],
}

// Facts from github.com/ocsf/ocsf-schema at tag 1.8.0 (version.json
// "1.8.0"): requirements from events/base_event.json,
// events/findings/finding.json, events/findings/detection_finding.json and
// objects/{metadata,product,_entity,finding_info,analytic,evidences,actor,
// user,endpoint,network_endpoint,anomaly_analysis,analysis_target,anomaly,
// baseline,observation}.json; types from dictionary.json (attributes and
// types). Detection Finding is class uid 4 of category `findings` (uid 2 in
// categories.json), so class_uid 2004.
const OCSF: &[OcsfObject] = &[
    OcsfObject {
        name: "detection_finding",
        required: &[
            "activity_id",
            "category_uid",
            "class_uid",
            "metadata",
            "severity_id",
            "time",
            "type_uid",
            "finding_info",
        ],
        at_least_one: &[],
        types: &[
            ("activity_id", Ty::Int),
            ("activity_name", Ty::Str),
            ("category_uid", Ty::Int),
            ("category_name", Ty::Str),
            ("class_uid", Ty::Int),
            ("class_name", Ty::Str),
            ("type_uid", Ty::Int),
            ("type_name", Ty::Str),
            ("severity_id", Ty::Int),
            ("severity", Ty::Str),
            ("status_id", Ty::Int),
            ("status", Ty::Str),
            ("is_alert", Ty::Bool),
            ("risk_score", Ty::Int),
            ("time", Ty::Timestamp),
            ("start_time", Ty::Timestamp),
            ("end_time", Ty::Timestamp),
            ("count", Ty::Int),
            ("message", Ty::Str),
            ("metadata", Ty::Obj("metadata")),
            ("finding_info", Ty::Obj("finding_info")),
            ("evidences", Ty::Arr(&Ty::Obj("evidences"))),
            ("anomaly_analyses", Ty::Arr(&Ty::Obj("anomaly_analysis"))),
        ],
    },
    OcsfObject {
        name: "metadata",
        required: &["product", "version"],
        at_least_one: &[],
        types: &[("version", Ty::Str), ("product", Ty::Obj("product"))],
    },
    OcsfObject {
        name: "product",
        required: &[],
        at_least_one: &["name", "uid"],
        types: &[
            ("name", Ty::Str),
            ("vendor_name", Ty::Str),
            ("version", Ty::Str),
        ],
    },
    OcsfObject {
        name: "finding_info",
        required: &["uid"],
        at_least_one: &[],
        types: &[
            ("uid", Ty::Str),
            ("title", Ty::Str),
            ("desc", Ty::Str),
            ("types", Ty::Arr(&Ty::Str)),
            ("first_seen_time", Ty::Timestamp),
            ("last_seen_time", Ty::Timestamp),
            ("analytic", Ty::Obj("analytic")),
        ],
    },
    OcsfObject {
        name: "analytic",
        required: &["type_id"],
        at_least_one: &["name", "uid"],
        types: &[
            ("uid", Ty::Str),
            ("name", Ty::Str),
            ("category", Ty::Str),
            ("type_id", Ty::Int),
            ("type", Ty::Str),
        ],
    },
    OcsfObject {
        name: "evidences",
        required: &[],
        at_least_one: &[
            "actor",
            "api",
            "connection_info",
            "data",
            "database",
            "databucket",
            "device",
            "dst_endpoint",
            "email",
            "file",
            "process",
            "query",
            "resources",
            "src_endpoint",
            "url",
            "user",
            "job",
            "script",
        ],
        types: &[
            ("name", Ty::Str),
            ("data", Ty::Json),
            ("actor", Ty::Obj("actor")),
            ("src_endpoint", Ty::Obj("network_endpoint")),
        ],
    },
    OcsfObject {
        name: "actor",
        required: &[],
        at_least_one: &[
            "process",
            "user",
            "invoked_by",
            "session",
            "app_name",
            "app_uid",
        ],
        types: &[("user", Ty::Obj("user"))],
    },
    OcsfObject {
        name: "user",
        required: &[],
        at_least_one: &["account", "name", "uid"],
        types: &[("name", Ty::Str), ("uid", Ty::Str)],
    },
    OcsfObject {
        name: "network_endpoint",
        required: &[],
        at_least_one: &[
            "ip",
            "uid",
            "name",
            "hostname",
            "svc_name",
            "instance_uid",
            "interface_uid",
            "interface_name",
            "domain",
        ],
        types: &[("ip", Ty::Ip)],
    },
    OcsfObject {
        name: "anomaly_analysis",
        required: &["analysis_targets", "anomalies"],
        at_least_one: &[],
        types: &[
            ("analysis_targets", Ty::Arr(&Ty::Obj("analysis_target"))),
            ("anomalies", Ty::Arr(&Ty::Obj("anomaly"))),
            ("baselines", Ty::Arr(&Ty::Obj("baseline"))),
        ],
    },
    OcsfObject {
        name: "analysis_target",
        required: &["name"],
        at_least_one: &[],
        types: &[("name", Ty::Str), ("type", Ty::Str)],
    },
    OcsfObject {
        name: "anomaly",
        required: &["observation_parameter", "observations"],
        at_least_one: &[],
        types: &[
            ("observation_parameter", Ty::Str),
            ("observation_type", Ty::Str),
            ("observations", Ty::Arr(&Ty::Obj("observation"))),
        ],
    },
    OcsfObject {
        name: "baseline",
        required: &["observation_parameter", "observations"],
        at_least_one: &[],
        types: &[
            ("observation_parameter", Ty::Str),
            ("observation_type", Ty::Str),
            ("observations", Ty::Arr(&Ty::Obj("observation"))),
        ],
    },
    OcsfObject {
        name: "observation",
        required: &["value"],
        at_least_one: &[],
        types: &[("value", Ty::Str), ("count", Ty::Int)],
    },
];

/// Enumerations, by the attribute's path, with each value's caption (the
/// `*_name`/sibling attribute that must match it). From the same files:
/// `activity_id` from finding.json, `severity_id` from dictionary.json,
/// `status_id` from finding.json, `analytic.type_id` from analytic.json.
/// (the id's path, its caption's path, the values and their captions).
type OcsfEnum = (&'static str, &'static str, &'static [(i64, &'static str)]);

const OCSF_ENUMS: &[OcsfEnum] = &[
    (
        "activity_id",
        "activity_name",
        &[(1, "Create"), (2, "Update"), (3, "Close")],
    ),
    (
        "severity_id",
        "severity",
        &[
            (0, "Unknown"),
            (1, "Informational"),
            (2, "Low"),
            (3, "Medium"),
            (4, "High"),
            (5, "Critical"),
            (6, "Fatal"),
            (99, "Other"),
        ],
    ),
    (
        "status_id",
        "status",
        &[
            (1, "New"),
            (2, "In Progress"),
            (3, "Suppressed"),
            (4, "Resolved"),
            (5, "Archived"),
            (6, "Deleted"),
        ],
    ),
    (
        "finding_info.analytic.type_id",
        "finding_info.analytic.type",
        &[
            (0, "Unknown"),
            (1, "Rule"),
            (2, "Behavioral"),
            (3, "Statistical"),
            (4, "Learning (ML/DL)"),
            (5, "Fingerprinting"),
            (6, "Tagging"),
            (7, "Keyword Match"),
            (8, "Regular Expressions"),
            (9, "Exact Data Match"),
            (10, "Partial Data Match"),
            (11, "Indexed Data Match"),
            (99, "Other"),
        ],
    ),
];

fn ocsf_object(name: &str) -> &'static OcsfObject {
    OCSF.iter()
        .find(|o| o.name == name)
        .unwrap_or_else(|| panic!("no table for {name}"))
}

/// Checks `value` against the table for `object`, naming the path of the
/// first breach.
fn check_ocsf(value: &Value, object: &str, path: &str, errors: &mut Vec<String>) {
    let table = ocsf_object(object);
    let Some(map) = value.as_object() else {
        errors.push(format!("{path}: not an object"));
        return;
    };
    for r in table.required {
        if !map.contains_key(*r) {
            errors.push(format!("{path}.{r}: required, missing"));
        }
    }
    if !table.at_least_one.is_empty() && !table.at_least_one.iter().any(|k| map.contains_key(*k)) {
        errors.push(format!("{path}: none of {:?}", table.at_least_one));
    }
    for (key, v) in map {
        let here = format!("{path}.{key}");
        match table.types.iter().find(|(k, _)| k == key) {
            None => errors.push(format!("{here}: not an attribute of {object}")),
            Some((_, ty)) => check_type(v, *ty, &here, errors),
        }
    }
}

fn check_type(v: &Value, ty: Ty, path: &str, errors: &mut Vec<String>) {
    let ok = match ty {
        Ty::Int | Ty::Timestamp => v.is_i64() || v.is_u64(),
        Ty::Str => v.is_string(),
        Ty::Ip => v
            .as_str()
            .is_some_and(|s| s.parse::<std::net::IpAddr>().is_ok()),
        Ty::Bool => v.is_boolean(),
        Ty::Json => true,
        Ty::Obj(name) => {
            check_ocsf(v, name, path, errors);
            true
        }
        Ty::Arr(inner) => match v.as_array() {
            Some(items) => {
                for (i, item) in items.iter().enumerate() {
                    check_type(item, *inner, &format!("{path}[{i}]"), errors);
                }
                true
            }
            None => false,
        },
    };
    if !ok {
        errors.push(format!("{path}: {v} is not {ty:?}"));
    }
}

fn at<'a>(doc: &'a Value, path: &str) -> &'a Value {
    path.split('.').fold(doc, |v, k| &v[k])
}

fn check_ocsf_document(doc: &Value) -> Vec<String> {
    let mut errors = Vec::new();
    check_ocsf(doc, "detection_finding", "", &mut errors);
    for (id, name, values) in OCSF_ENUMS {
        let v = at(doc, id);
        if v.is_null() {
            continue;
        }
        match values.iter().find(|(n, _)| v.as_i64() == Some(*n)) {
            None => errors.push(format!("{id}: {v} not in the enumeration")),
            Some((_, caption)) => {
                if at(doc, name) != caption {
                    errors.push(format!("{name}: {} is not {caption:?}", at(doc, name)));
                }
            }
        }
    }
    // The class's ids, and type_uid = class_uid * 100 + activity_id.
    if doc["class_uid"] != 2004 || doc["category_uid"] != 2 {
        errors.push("not a Detection Finding".into());
    }
    let type_uid =
        doc["class_uid"].as_i64().unwrap_or(0) * 100 + doc["activity_id"].as_i64().unwrap_or(0);
    if doc["type_uid"].as_i64() != Some(type_uid) {
        errors.push(format!("type_uid {} is not {type_uid}", doc["type_uid"]));
    }
    errors
}

#[test]
fn ocsf_documents_conform_to_the_detection_finding_class() {
    let fs = findings();
    let text = write(OutputFormat::Ocsf, &fs, &Options::default());
    let docs = json_lines(&text);
    assert_eq!(docs.len(), fs.len());
    for (doc, f) in docs.iter().zip(&fs) {
        let errors = check_ocsf_document(doc);
        assert!(errors.is_empty(), "{errors:#?}\n{doc}");
        assert_eq!(doc["metadata"]["version"], "1.8.0");
        assert_eq!(doc["finding_info"]["uid"], f.id.as_str());
        assert_eq!(doc["finding_info"]["analytic"]["uid"], f.rule.name());
        assert_eq!(doc["time"], f.end_ms);
        assert_eq!(doc["finding_info"]["first_seen_time"], f.start_ms);
        assert_eq!(doc["finding_info"]["last_seen_time"], f.end_ms);
        assert_eq!(doc["message"], f.message.render());
        let analysis = &doc["anomaly_analyses"][0];
        assert_eq!(analysis["anomalies"][0]["observations"][0]["value"], "2.0");
        assert_eq!(analysis["baselines"][0]["observations"][0]["value"], "1.0");
        let evidence = &doc["evidences"][0];
        assert_eq!(
            evidence["data"]["samples"],
            serde_json::to_value(&f.evidence.samples).unwrap()
        );
        assert_eq!(evidence["data"]["threshold"], 1.0);
        assert_eq!(doc["status_id"], if f.suppressed { 3 } else { 1 });
    }
    // The identity in the field its kind asks for.
    assert_eq!(
        docs[0]["evidences"][0]["actor"]["user"]["name"],
        "camp-rowe-0"
    );
    assert_eq!(docs[1]["evidences"][0]["src_endpoint"]["ip"], "203.0.113.9");
    assert_eq!(docs[2]["evidences"][0]["src_endpoint"]["ip"], "2001:db8::7");
    assert!(docs[1]["evidences"][0].get("actor").is_none());
}

/// A way to break a good document, named.
type Break = (&'static str, fn(&mut Value));

#[test]
fn the_ocsf_check_can_fail() {
    // The table must catch what a careless writer would do.
    let text = write(OutputFormat::Ocsf, &findings()[..1], &Options::default());
    let good = &json_lines(&text)[0];
    let breaks: [Break; 6] = [
        ("missing uid", |d| {
            d["finding_info"].as_object_mut().unwrap().remove("uid");
        }),
        ("severity caption", |d| d["severity"] = "high".into()),
        ("time as text", |d| {
            d["time"] = "2025-06-03T20:00:00Z".into()
        }),
        ("invented key", |d| d["finding_info"]["score"] = 1.into()),
        ("pseudonym as ip", |d| {
            d["evidences"][0]["src_endpoint"] = serde_json::json!({"ip": "ip-0123abcd"})
        }),
        ("type_uid", |d| d["type_uid"] = 200402.into()),
    ];
    for (what, break_it) in breaks {
        let mut doc = good.clone();
        break_it(&mut doc);
        assert!(!check_ocsf_document(&doc).is_empty(), "{what} passed");
    }
}

// ---------------------------------------------------------------------
// ECS

/// An ECS field type, as the field reference names it.
#[derive(Clone, Copy, Debug, PartialEq)]
enum EcsType {
    Date,
    Keyword,
    Text,
    Long,
    Float,
    Ip,
}

/// (field, type, an array of values allowed, allowed values or empty).
type EcsField = (&'static str, EcsType, bool, &'static [&'static str]);

// Facts from github.com/elastic/ecs at tag v9.4.0, generated/ecs/
// ecs_flat.yml: each field we write with its `type`, whether `normalize`
// has `array`, and its `allowed_values` names. `@timestamp` and
// `ecs.version` are the fields marked `required`. Category
// `intrusion_detection` lists expected event types allowed, denied, info.
const ECS_FIELDS: &[EcsField] = &[
    ("@timestamp", EcsType::Date, false, &[]),
    ("ecs.version", EcsType::Keyword, false, &[]),
    ("message", EcsType::Text, false, &[]),
    (
        "event.kind",
        EcsType::Keyword,
        false,
        &[
            "alert",
            "asset",
            "enrichment",
            "event",
            "metric",
            "state",
            "pipeline_error",
            "signal",
        ],
    ),
    (
        "event.category",
        EcsType::Keyword,
        true,
        &[
            "api",
            "authentication",
            "configuration",
            "database",
            "driver",
            "email",
            "file",
            "host",
            "iam",
            "intrusion_detection",
            "library",
            "malware",
            "network",
            "package",
            "process",
            "registry",
            "session",
            "threat",
            "vulnerability",
            "web",
        ],
    ),
    (
        "event.type",
        EcsType::Keyword,
        true,
        &[
            "access",
            "admin",
            "allowed",
            "change",
            "connection",
            "creation",
            "deletion",
            "denied",
            "device",
            "end",
            "error",
            "group",
            "indicator",
            "info",
            "installation",
            "protocol",
            "start",
            "user",
        ],
    ),
    ("event.severity", EcsType::Long, false, &[]),
    ("event.risk_score", EcsType::Float, false, &[]),
    ("event.start", EcsType::Date, false, &[]),
    ("event.end", EcsType::Date, false, &[]),
    ("event.id", EcsType::Keyword, false, &[]),
    ("event.dataset", EcsType::Keyword, false, &[]),
    ("event.module", EcsType::Keyword, false, &[]),
    ("event.provider", EcsType::Keyword, false, &[]),
    ("event.reason", EcsType::Keyword, false, &[]),
    ("rule.id", EcsType::Keyword, false, &[]),
    ("rule.name", EcsType::Keyword, false, &[]),
    ("rule.description", EcsType::Keyword, false, &[]),
    ("rule.category", EcsType::Keyword, false, &[]),
    ("rule.ruleset", EcsType::Keyword, false, &[]),
    ("observer.vendor", EcsType::Keyword, false, &[]),
    ("observer.product", EcsType::Keyword, false, &[]),
    ("observer.version", EcsType::Keyword, false, &[]),
    ("user.name", EcsType::Keyword, false, &[]),
    ("user.id", EcsType::Keyword, false, &[]),
    ("source.ip", EcsType::Ip, false, &[]),
    ("tags", EcsType::Keyword, true, &[]),
];
const ECS_REQUIRED: &[&str] = &["@timestamp", "ecs.version"];
const ECS_EXPECTED_TYPES: &[(&str, &[&str])] =
    &[("intrusion_detection", &["allowed", "denied", "info"])];

/// Dotted leaf fields of a document; arrays are leaves.
fn flatten(prefix: &str, v: &Value, out: &mut BTreeMap<String, Value>) {
    match v.as_object() {
        Some(map) => {
            for (k, v) in map {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&key, v, out);
            }
        }
        None => {
            out.insert(prefix.to_string(), v.clone());
        }
    }
}

fn check_ecs_document(doc: &Value) -> Vec<String> {
    let mut fields = BTreeMap::new();
    flatten("", doc, &mut fields);
    let mut errors = Vec::new();
    for r in ECS_REQUIRED {
        if !fields.contains_key(*r) {
            errors.push(format!("{r}: required, missing"));
        }
    }
    for (name, value) in &fields {
        // Our own namespace, as ECS advises for custom fields.
        if name.starts_with("scrapewatch.") {
            continue;
        }
        let Some((_, ty, array, allowed)) = ECS_FIELDS.iter().find(|f| f.0 == name) else {
            errors.push(format!("{name}: not an ECS field"));
            continue;
        };
        let values: Vec<&Value> = match value.as_array() {
            Some(items) if *array => items.iter().collect(),
            Some(_) => {
                errors.push(format!("{name}: an array"));
                continue;
            }
            None => vec![value],
        };
        for v in values {
            let ok = match ty {
                EcsType::Date => v
                    .as_str()
                    .and_then(|s| scrapewatch::time::parse(s.as_bytes(), 0))
                    .is_some(),
                EcsType::Keyword | EcsType::Text => v.is_string(),
                EcsType::Long => v.is_i64() || v.is_u64(),
                EcsType::Float => v.is_number(),
                EcsType::Ip => v
                    .as_str()
                    .is_some_and(|s| s.parse::<std::net::IpAddr>().is_ok()),
            };
            if !ok {
                errors.push(format!("{name}: {v} is not {ty:?}"));
            }
            if !allowed.is_empty() && !v.as_str().is_some_and(|s| allowed.contains(&s)) {
                errors.push(format!("{name}: {v} is not an allowed value"));
            }
        }
    }
    for (category, expected) in ECS_EXPECTED_TYPES {
        let in_category = doc["event"]["category"]
            .as_array()
            .is_some_and(|c| c.iter().any(|c| c == category));
        let types = doc["event"]["type"].as_array().cloned().unwrap_or_default();
        if in_category && !types.iter().any(|t| expected.iter().any(|e| t == e)) {
            errors.push(format!("event.type {types:?} unexpected for {category}"));
        }
    }
    errors
}

#[test]
fn ecs_documents_conform_to_the_field_reference() {
    let fs = findings();
    let text = write(OutputFormat::Ecs, &fs, &Options::default());
    let docs = json_lines(&text);
    assert_eq!(docs.len(), fs.len());
    for (doc, f) in docs.iter().zip(&fs) {
        let errors = check_ecs_document(doc);
        assert!(errors.is_empty(), "{errors:#?}\n{doc}");
        assert_eq!(doc["ecs"]["version"], "9.4.0");
        assert_eq!(doc["event"]["kind"], "alert");
        assert_eq!(doc["event"]["id"], f.id.as_str());
        assert_eq!(doc["@timestamp"], f.end.as_str());
        assert_eq!(doc["rule"]["name"], f.rule.name());
        assert_eq!(doc["rule"]["category"], f.family.name());
        assert_eq!(doc["message"], f.message.render());
        // The whole finding, as the JSON output has it.
        assert_eq!(doc["scrapewatch"], serde_json::to_value(f).unwrap());
        assert_eq!(
            doc["tags"]
                .as_array()
                .is_some_and(|t| t.contains(&"suppressed".into())),
            f.suppressed
        );
    }
    assert_eq!(docs[0]["user"]["name"], "camp-rowe-0");
    assert_eq!(docs[1]["source"]["ip"], "203.0.113.9");
    assert_eq!(docs[2]["source"]["ip"], "2001:db8::7");
    let severities: Vec<&Value> = docs.iter().map(|d| &d["event"]["severity"]).collect();
    assert_eq!(severities, [73, 99, 47, 73, 21]);
}

#[test]
fn the_ecs_check_can_fail() {
    let text = write(OutputFormat::Ecs, &findings()[..1], &Options::default());
    let good = &json_lines(&text)[0];
    let breaks: [Break; 5] = [
        ("kind", |d| d["event"]["kind"] = "finding".into()),
        ("category not an array value", |d| {
            d["event"]["category"] = serde_json::json!(["scraping"])
        }),
        ("severity as text", |d| {
            d["event"]["severity"] = "high".into()
        }),
        ("pseudonym as ip", |d| {
            d["source"] = serde_json::json!({"ip": "ip-0123abcd"})
        }),
        ("no timestamp", |d| {
            d.as_object_mut().unwrap().remove("@timestamp");
        }),
    ];
    for (what, break_it) in breaks {
        let mut doc = good.clone();
        break_it(&mut doc);
        assert!(!check_ecs_document(&doc).is_empty(), "{what} passed");
    }
}

// ---------------------------------------------------------------------
// Splunk HEC

#[test]
fn hec_envelopes_carry_the_json_findings_with_fixed_host_and_source() {
    let fs = findings();
    let json = json_lines(&write(OutputFormat::Json, &fs, &Options::default()));
    let text = write(OutputFormat::SplunkHec, &fs, &Options::default());
    let docs = json_lines(&text);
    assert_eq!(docs.len(), fs.len());
    for ((doc, f), line) in docs.iter().zip(&fs).zip(&json) {
        let keys: Vec<&String> = doc.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["event", "host", "source", "sourcetype", "time"]);
        assert_eq!(&doc["event"], line);
        assert_eq!(doc["host"], "scrapewatch");
        assert_eq!(doc["source"], "scrapewatch");
        assert_eq!(doc["sourcetype"], "scrapewatch:finding");
        // Epoch seconds with the milliseconds as a fraction.
        assert_eq!(doc["time"].as_f64().unwrap(), f.end_ms as f64 / 1000.0);
    }
    assert!(text.contains("\"time\":1748980800.25,"), "{text}");
    let options = Options {
        hec_host: "collector-7".into(),
        hec_source: "contest\u{1b}".into(),
        ..Options::default()
    };
    let doc = &json_lines(&write(OutputFormat::SplunkHec, &fs[..1], &options))[0];
    assert_eq!(doc["host"], "collector-7");
    assert_eq!(doc["source"], "contest\u{1b}");
}

// ---------------------------------------------------------------------
// CEF

/// A CEF line read by the specification's rules: the prefix, then seven
/// header fields split at unescaped pipes (`\|` and `\\` unescaped), then
/// extensions, each `key=value` with a key of letters and digits, the
/// value running to the space before the next unescaped `key=` (`\=`,
/// `\\`, `\n`, `\r` unescaped).
fn read_cef(line: &str) -> (Vec<String>, Vec<(String, String)>) {
    let rest = line.find("CEF:").map(|i| &line[i..]).expect("a CEF line");
    let mut header = Vec::new();
    let mut field = String::new();
    let mut chars = rest.chars();
    while header.len() < 7 {
        match chars.next().expect("seven header fields") {
            '\\' => field.push(chars.next().expect("an escaped character")),
            '|' => header.push(std::mem::take(&mut field)),
            c => field.push(c),
        }
    }
    let ext: Vec<char> = chars.collect();
    // Where each key starts: at the start or after a space, letters and
    // digits up to an `=` that is not escaped.
    let mut starts = Vec::new();
    let mut i = 0;
    while i < ext.len() {
        if ext[i] == '\\' {
            i += 2;
            continue;
        }
        if i == 0 || ext[i - 1] == ' ' {
            let mut j = i;
            while j < ext.len() && ext[j].is_ascii_alphanumeric() {
                j += 1;
            }
            if j > i && j < ext.len() && ext[j] == '=' {
                starts.push((i, j));
            }
        }
        i += 1;
    }
    let mut pairs = Vec::new();
    for (n, &(k, eq)) in starts.iter().enumerate() {
        let end = starts.get(n + 1).map_or(ext.len(), |&(next, _)| next - 1);
        let raw: String = ext[eq + 1..end].iter().collect();
        let mut value = String::new();
        let mut cs = raw.chars();
        while let Some(c) = cs.next() {
            match c {
                '\\' => match cs.next() {
                    Some('n') => value.push('\n'),
                    Some('r') => value.push('\r'),
                    Some(c) => value.push(c),
                    None => panic!("a dangling backslash in {raw:?}"),
                },
                c => value.push(c),
            }
        }
        pairs.push((ext[k..eq].iter().collect(), value));
    }
    (header, pairs)
}

/// What a CEF reader must get back for `value`: the value itself, with
/// the characters a terminal acts on shown as their visible escapes, but
/// line breaks kept (CEF carries them as `\n` and `\r`).
fn shown(value: &str) -> String {
    value
        .split_inclusive(['\n', '\r'])
        .map(|piece| {
            let (body, brk) = match piece.strip_suffix(['\n', '\r']) {
                Some(b) => (b, &piece[b.len()..]),
                None => (piece, ""),
            };
            format!("{}{brk}", output::printable(body))
        })
        .collect()
}

#[test]
fn cef_escapes_by_position_and_reads_back() {
    // Header: `|` and `\` escaped; a line break may not appear at all.
    assert_eq!(cef::header(r"a|b\c=d"), r"a\|b\\c=d");
    assert_eq!(cef::header("a\nb\rc\u{1b}"), r"a\\x0ab\\x0dc\\x1b");
    // Extension: `=` and `\` escaped, line breaks as \n and \r, a pipe
    // kept.
    assert_eq!(cef::extension("a=b\\c|d\ne\rf"), r"a\=b\\c|d\ne\rf");
    assert_eq!(cef::extension("x\u{202e}y\u{1b}"), r"x\\u{202e}y\\x1b");

    let fs = findings();
    let text = write(OutputFormat::Cef, &fs, &Options::default());
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), fs.len());
    for (line, f) in lines.iter().zip(&fs) {
        let (header, ext) = read_cef(line);
        assert_eq!(header[0], "CEF:0");
        assert_eq!(
            &header[1..4],
            ["scrapewatch", "scrapewatch", env!("CARGO_PKG_VERSION")]
        );
        assert_eq!(header[4], f.rule.name());
        let severity: u8 = header[6].parse().unwrap();
        assert!(severity <= 10);
        let get = |k: &str| {
            let found: Vec<&String> = ext
                .iter()
                .filter(|(key, _)| key == k)
                .map(|(_, v)| v)
                .collect();
            assert!(found.len() <= 1, "{k} twice in {line}");
            found.first().map(|v| v.as_str())
        };
        let keys: Vec<&str> = ext.iter().map(|(k, _)| k.as_str()).collect();
        // Exactly the keys written: an awkward value forged none.
        assert!(!keys.contains(&"forged"), "{line}");
        assert_eq!(keys.iter().filter(|k| **k == "msg").count(), 1, "{line}");
        assert_eq!(keys.iter().filter(|k| **k == "cs1").count(), 1, "{line}");
        assert_eq!(get("msg"), Some(shown(&f.message.render()).as_str()));
        assert_eq!(get("cs1"), Some(shown(&f.evidence.measure).as_str()));
        assert_eq!(
            get("cs2"),
            Some(shown(&f.evidence.samples.join(" ")).as_str())
        );
        assert_eq!(get("externalId"), Some(f.id.as_str()));
        assert_eq!(get("rt"), Some(f.end_ms.to_string().as_str()));
        assert_eq!(get("start"), Some(f.start_ms.to_string().as_str()));
        assert_eq!(get("cfp1Label"), Some("observed"));
        assert_eq!(get("cfp1"), Some("2"));
        assert_eq!(
            get("cs4"),
            Some(if f.suppressed { "suppressed" } else { "new" })
        );
        match f.identity.parse::<std::net::IpAddr>() {
            Ok(std::net::IpAddr::V4(_)) => assert_eq!(get("src"), Some(f.identity.as_str())),
            Ok(std::net::IpAddr::V6(_)) => assert_eq!(get("c6a2"), Some(f.identity.as_str())),
            Err(_) => assert_eq!(get("suser"), Some(shown(&f.identity).as_str())),
        }
    }
    // The awkward finding's values really carried every awkward character
    // through the escaping.
    let (_, ext) = read_cef(lines[3]);
    let suser = &ext.iter().find(|(k, _)| k == "suser").unwrap().1;
    assert!(suser.contains("=a|b\\c=d\ne\rf\"g cs1=forged"), "{suser:?}");
}

#[test]
fn cef_syslog_header_takes_its_time_from_the_finding() {
    let options = Options {
        cef_syslog_host: Some("collector-7".into()),
        ..Options::default()
    };
    let mut f = finding("camp-rowe-0");
    f.end_ms = scrapewatch::time::parse(b"2025-06-03T20:00:00.250Z", 0).unwrap();
    let text = write(OutputFormat::Cef, &[f.clone()], &options);
    assert!(
        text.starts_with("Jun  3 20:00:00 collector-7 CEF:0|"),
        "{text}"
    );
    f.end_ms = scrapewatch::time::parse(b"2025-12-13T01:02:03Z", 0).unwrap();
    let text = write(OutputFormat::Cef, &[f], &options);
    assert!(
        text.starts_with("Dec 13 01:02:03 collector-7 CEF:0|"),
        "{text}"
    );
}

// ---------------------------------------------------------------------
// Every format

#[test]
fn no_format_writes_a_terminal_control_raw() {
    let fs = findings();
    let options = Options {
        hec_host: "h\u{1b}]0;x\u{7}".into(),
        hec_source: "s\u{202e}".into(),
        cef_syslog_host: Some("c\u{1b}".into()),
        ..Options::default()
    };
    for format in SIEM {
        let text = write(format, &fs, &options);
        assert_eq!(text.lines().count(), fs.len(), "{format:?}: one line each");
        assert!(text.ends_with('\n'));
        let raw: Vec<char> = text
            .chars()
            .filter(|&c| c != '\n' && is_unprintable(c))
            .collect();
        assert!(raw.is_empty(), "{format:?}: {raw:?} in {text}");
    }
}

#[test]
fn an_ip_identity_is_an_address_but_a_pseudonym_never_is() {
    let key = Pseudonymizer::new(b"a test key of sixteen bytes");
    let plain = findings();
    let mut fs = plain.clone();
    for f in &mut fs {
        key.finding(f);
    }
    let options = Options {
        pseudonymised: true,
        ..Options::default()
    };
    let ocsf = json_lines(&write(OutputFormat::Ocsf, &fs, &options));
    let ecs = json_lines(&write(OutputFormat::Ecs, &fs, &options));
    let cef = write(OutputFormat::Cef, &fs, &options);
    for (((o, e), f), p) in ocsf.iter().zip(&ecs).zip(&fs).zip(&plain) {
        assert!(check_ocsf_document(o).is_empty(), "{o}");
        assert!(check_ecs_document(e).is_empty(), "{e}");
        assert!(o["evidences"][0].get("src_endpoint").is_none(), "{o}");
        assert_eq!(
            o["evidences"][0]["actor"]["user"]["uid"],
            f.identity.as_str()
        );
        assert!(e.get("source").is_none(), "{e}");
        assert_eq!(e["user"]["id"], f.identity.as_str());
        // Keyed: not the id anyone could compute from the identity.
        assert_eq!(o["finding_info"]["uid"], f.id.as_str());
        assert_ne!(f.id, p.id);
        assert!(!o.to_string().contains(p.id.as_str()));
    }
    for line in cef.lines() {
        let (_, ext) = read_cef(line);
        let keys: Vec<&str> = ext.iter().map(|(k, _)| k.as_str()).collect();
        assert!(keys.contains(&"suid"), "{line}");
        assert!(!keys.contains(&"src") && !keys.contains(&"c6a2") && !keys.contains(&"suser"));
    }
    // Even unannounced, a pseudonym does not parse as an address, so it
    // lands in a string field.
    let ecs = json_lines(&write(OutputFormat::Ecs, &fs, &Options::default()));
    assert!(ecs.iter().all(|e| e.get("source").is_none()));
}

/// The finding ids of a JSON output, in order, and whether each is
/// suppressed.
fn ids_of_json(text: &str) -> Vec<(String, bool)> {
    json_lines(text)
        .iter()
        .map(|d| {
            (
                d["id"].as_str().unwrap().to_string(),
                d["suppressed"] == true,
            )
        })
        .collect()
}

/// The finding ids a SIEM output carries, and whether each is marked
/// suppressed.
fn ids_of(format: &str, text: &str) -> Vec<(String, bool)> {
    if format == "cef" {
        return text
            .lines()
            .map(|l| {
                let (_, ext) = read_cef(l);
                let get = |k: &str| ext.iter().find(|(key, _)| key == k).unwrap().1.clone();
                (get("externalId"), get("cs4") == "suppressed")
            })
            .collect();
    }
    json_lines(text)
        .iter()
        .map(|d| match format {
            "ocsf" => (
                d["finding_info"]["uid"].as_str().unwrap().to_string(),
                d["status_id"] == 3,
            ),
            "ecs" => (
                d["event"]["id"].as_str().unwrap().to_string(),
                d["tags"] == serde_json::json!(["suppressed"]),
            ),
            "splunk-hec" => (
                d["event"]["id"].as_str().unwrap().to_string(),
                d["event"]["suppressed"] == true,
            ),
            _ => unreachable!(),
        })
        .collect()
}

#[test]
fn every_format_carries_the_json_findings_in_order() {
    let events = data("contest/events.ndjson.gz");
    let watchlist = data("contest/watchlist.csv");
    let (events, watchlist) = (events.to_str().unwrap(), watchlist.to_str().unwrap());
    for show in [false, true] {
        let scan = |format: &str| {
            let mut args = vec![
                "scan",
                events,
                "--watchlist",
                watchlist,
                "--output-format",
                format,
                "-q",
            ];
            if show {
                args.push("--show-suppressed");
            }
            let out = run(&args);
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            String::from_utf8(out.stdout).unwrap()
        };
        let expected = ids_of_json(&scan("json"));
        assert!(expected.len() > 10);
        // The fixture has allow-listed findings, shown only when asked.
        assert_eq!(expected.iter().any(|(_, s)| *s), show);
        for format in ["ocsf", "ecs", "splunk-hec", "cef"] {
            assert_eq!(ids_of(format, &scan(format)), expected, "{format}");
        }
    }
}

#[test]
fn siem_outputs_are_the_same_bytes_every_way_a_scan_runs() {
    let dir = tempfile::tempdir().unwrap();
    generate(dir.path(), 20_000, 3, "ndjson");
    let watchlist = Watchlist::load(&dir.path().join("watchlist.csv")).unwrap();
    let inputs = [Input::Path(dir.path().join("events.ndjson"))];
    let config = Config::default();
    let key = Pseudonymizer::new(b"a test key of sixteen bytes");
    let render = |options: &scrapewatch::scan::Options| {
        let s = scan(&config, &inputs, options).unwrap();
        let d = detect(&s.timelines(), &config, &watchlist).unwrap();
        let mut pseudonymised = d.findings.clone();
        pseudonymised.iter_mut().for_each(|f| key.finding(f));
        let hidden = Options {
            pseudonymised: true,
            ..Options::default()
        };
        let mut out = String::new();
        for format in SIEM {
            out += &write(format, &d.findings, &Options::default());
            out += &write(format, &pseudonymised, &hidden);
        }
        (out, d.findings.len())
    };
    let (expected, n) = render(&Default::default());
    assert!(n > 10, "{n} findings");
    for options in paths() {
        let (got, _) = render(&options);
        assert!(got == expected, "SIEM outputs differ with {options:?}");
    }
}

#[test]
fn hec_and_syslog_hosts_come_from_flags() {
    let events = data("contest/events.ndjson.gz");
    let scan = |extra: &[&str]| {
        let mut args = vec!["scan", events.to_str().unwrap(), "-q", "-j", "2"];
        args.extend(extra);
        run(&args)
    };
    let out = scan(&[
        "--output-format",
        "splunk-hec",
        "--hec-host",
        "collector-7",
        "--hec-source",
        "contest-logs",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let docs = json_lines(&String::from_utf8(out.stdout).unwrap());
    assert!(!docs.is_empty());
    assert!(docs
        .iter()
        .all(|d| d["host"] == "collector-7" && d["source"] == "contest-logs"));
    let out = scan(&["--output-format", "cef", "--cef-syslog-host", "two words"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--cef-syslog-host") && err.contains("one word"),
        "{err}"
    );
}
