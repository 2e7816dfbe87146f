//! Presets: the `[input]` settings for a known source, named by the
//! system that wrote the log (`salesforce`, `envoy`), where a format is
//! named by what a line looks like (`csv`, `alb`); the two sets of names
//! never overlap. Each preset is a TOML fragment of `[input]` keys (format,
//! field names, URL rules, action words): it is layered over the config
//! file and under `--set` (see `Config::load_with`), applied per file by
//! an `[[input.sources]]` entry, printed by `config --default --preset`,
//! and, for web servers' JSON logs, chosen without flags when a file's
//! keys say which server wrote it ([`recognise`]).
//!
//! Field names come from each source's published documentation; what
//! could not be confirmed there is said in the preset's comments and in
//! the README.

/// One preset.
#[derive(Debug, Clone, Copy)]
pub struct Preset {
    /// Its name, for `--preset` and `preset = "..."`.
    pub name: &'static str,
    /// One line on the source it reads.
    pub about: &'static str,
    /// Its `[input]` settings, as TOML.
    pub toml: &'static str,
}

/// Every preset, by name.
pub const ALL: [Preset; 13] = [
    Preset {
        name: "aws-alb",
        about: "AWS Application Load Balancer access logs (format alb)",
        toml: r#"[input]
format = "alb"
"#,
    },
    Preset {
        name: "civicrm",
        about: "CiviCRM behind nginx or Apache (combined log or nginx JSON): cid= is the record",
        toml: r#"[input]
# Combined log format, or nginx JSON with nginx's variable names as keys.
format = "auto"

[input.fields]
ts = "time_iso8601"
account = "remote_user"
ip = "remote_addr"
url = "request_uri"
status = "status"
bytes = "body_bytes_sent"
user_agent = "http_user_agent"
forwarded_for = "http_x_forwarded_for"

[input.clf]
# /civicrm/contact/view?reset=1&cid=N (contact views, and case views,
# /civicrm/contact/view/case?id=C&cid=N, by the contact they belong to).
record_param = "cid"
search_paths = ["/civicrm/contact/search", "/civicrm/search", "/civicrm/contact/search/advanced", "/civicrm/ajax/rest", "/civicrm/ajax/api4"]
export_paths = ["/civicrm/export", "/civicrm/report/instance"]
login_paths = ["/user/login", "/wp-login.php", "/civicrm/login"]

[input.clf.systems]
"/civicrm" = "civicrm"
"/civicrm/contact/view/case" = "civicrm-case"
"/civicrm/case" = "civicrm-case"
"#,
    },
    Preset {
        name: "cloudfront",
        about: "Amazon CloudFront standard logs (format w3c, tab-separated)",
        toml: r#"[input]
format = "w3c"
"#,
    },
    Preset {
        name: "cloudtrail",
        about: "AWS CloudTrail records (the fields of one record in a Records document)",
        toml: r#"[input]
# CloudTrail delivers files holding {"Records":[...]}: read by the JSON
# document reader where the build has it, as NDJSON when each record is a
# line (CloudWatch Logs, CloudTrail Lake exports).
format = "auto"

[input.fields]
ts = "eventTime"
account = "userIdentity.arn"
ip = "sourceIPAddress"
user_agent = "userAgent"
system = "eventSource"
action = "eventName"
record = "requestParameters.key"
session = "userIdentity.accessKeyId"

[input.actions]
getobject = "read"
headobject = "read"
listobjects = "search"
listobjectsv2 = "search"
selectobjectcontent = "search"
lookupevents = "search"
getsecretvalue = "read"
getparameter = "read"
getparameters = "read"
"#,
    },
    Preset {
        name: "dataverse",
        about: "Dynamics 365 / Dataverse activity logging (audit JSON)",
        toml: r#"[input]
format = "ndjson"

[input.fields]
ts = "CreationTime|TimeGenerated"
account = "UserId"
ip = "ClientIp"
user_agent = "UserAgent"
record = "EntityId"
system = "EntityName"
action = "Message"
# An array: its length is the rows read.
rows = "QueryResults"

[input.actions]
retrieve = "read"
retrievemultiple = "search"
exporttoexcel = "export"
exporttoexcelonline = "export"
"#,
    },
    Preset {
        name: "ecs",
        about: "Elastic Common Schema web events (url.original, source.ip, user.name)",
        toml: r#"[input]
format = "ndjson"

[input.fields]
ts = "@timestamp"
account = "user.name"
ip = "source.ip"
user_agent = "user_agent.original"
url = "url.original"
status = "http.response.status_code"
bytes = "http.response.body.bytes"
session = "session.id"
"#,
    },
    Preset {
        name: "envoy",
        about: "Envoy JSON access logs with the keys of Envoy's default format",
        toml: r#"[input]
format = "ndjson"

[input.fields]
ts = "start_time"
ip = "downstream_remote_address"
url = "path"
status = "response_code"
bytes = "bytes_sent"
user_agent = "user_agent"
forwarded_for = "x_forwarded_for"
session = "request_id"
"#,
    },
    Preset {
        name: "iis",
        about: "Microsoft IIS W3C logs (format w3c)",
        toml: r#"[input]
format = "w3c"
"#,
    },
    Preset {
        name: "nginx-json",
        about: "nginx JSON access logs whose keys are nginx's variable names",
        toml: r#"[input]
format = "ndjson"

[input.fields]
ts = "time_iso8601"
account = "remote_user"
ip = "remote_addr"
url = "request_uri"
status = "status"
bytes = "body_bytes_sent"
user_agent = "http_user_agent"
forwarded_for = "http_x_forwarded_for"
"#,
    },
    Preset {
        name: "ocsf",
        about: "OCSF HTTP Activity and API Activity events",
        toml: r#"[input]
format = "ndjson"

[input.fields]
ts = "time"
account = "actor.user.name"
ip = "src_endpoint.ip"
user_agent = "http_request.user_agent"
url = "http_request.url.path"
status = "http_response.code"
session = "actor.session.uid"
"#,
    },
    Preset {
        name: "salesforce",
        about: "Salesforce Event Monitoring EventLogFile CSV (URI, API, RestApi, ReportExport, BulkApi)",
        toml: r#"[input]
format = "csv"

[input.fields]
ts = "TIMESTAMP_DERIVED|TIMESTAMP"
account = "USER_ID_DERIVED|USER_ID"
ip = "CLIENT_IP"
action = "EVENT_TYPE"
record = "URI_ID_DERIVED"
rows = "ROWS_PROCESSED"
session = "SESSION_KEY"
user_agent = "USER_AGENT"

[input.actions]
uri = "read"
lightninguri = "read"
api = "search"
restapi = "search"
reportexport = "export"
bulkapi = "export"
bulkapi2 = "export"
report = "search"
login = "login"
"#,
    },
    Preset {
        name: "traefik",
        about: "Traefik JSON access logs",
        toml: r#"[input]
format = "ndjson"

[input.fields]
ts = "StartUTC"
account = "ClientUsername"
ip = "ClientHost"
url = "RequestPath"
status = "DownstreamStatus"
bytes = "DownstreamContentSize"
user_agent = "request_User-Agent"
forwarded_for = "request_X-Forwarded-For"
"#,
    },
    Preset {
        name: "zeek",
        about: "Zeek http.log (format zeek-tsv)",
        toml: r#"[input]
format = "zeek-tsv"
"#,
    },
];

/// The preset named `name`.
pub fn find(name: &str) -> Option<&'static Preset> {
    ALL.iter().find(|p| p.name == name)
}

/// The preset names, as an error message lists them.
pub fn names() -> String {
    let names: Vec<&str> = ALL.iter().map(|p| p.name).collect();
    names.join(", ")
}

/// Keys that together say which web server wrote an NDJSON line, for
/// scans with no flags: (preset, keys that must all be present).
/// Bare key names, so a line escaped inside a container runtime's JSON
/// wrapper is recognised too.
const SIGNATURES: [(&str, &[&str]); 2] = [
    ("envoy", &["start_time", "downstream_remote_address"]),
    ("traefik", &["StartUTC", "RequestPath", "ClientHost"]),
];

/// The presets [`recognise`] may choose.
pub const RECOGNISED: [&str; 2] = [SIGNATURES[0].0, SIGNATURES[1].0];

/// The web server preset whose keys the first data line of an NDJSON
/// file has, if any.
pub fn recognise(line: &[u8]) -> Option<&'static Preset> {
    SIGNATURES
        .iter()
        .find(|(_, keys)| {
            keys.iter()
                .all(|k| memchr::memmem::find(line, k.as_bytes()).is_some())
        })
        .and_then(|(name, _)| find(name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::Format;

    #[test]
    fn preset_names_are_unique_and_never_format_names() {
        for (i, p) in ALL.iter().enumerate() {
            assert!(Format::from_name(p.name).is_none(), "{}", p.name);
            assert!(p.name != "auto", "{}", p.name);
            assert!(ALL[i + 1..].iter().all(|q| q.name != p.name), "{}", p.name);
            assert!(p.toml.parse::<toml::Table>().is_ok(), "{}", p.name);
        }
        assert!(ALL.windows(2).all(|w| w[0].name < w[1].name));
    }

    #[test]
    fn web_server_json_is_recognised_by_its_keys() {
        let envoy = br#"{"start_time":"2025-06-02T18:00:00.000Z","downstream_remote_address":"203.0.113.7:1"}"#;
        assert_eq!(recognise(envoy).map(|p| p.name), Some("envoy"));
        let traefik = br#"{"ClientHost":"203.0.113.7","RequestPath":"/","StartUTC":"x"}"#;
        assert_eq!(recognise(traefik).map(|p| p.name), Some("traefik"));
        assert!(recognise(br#"{"ts":1,"start_time":2}"#).is_none());
    }
}
