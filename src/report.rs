//! The HTML report: one self-contained file (inline styles and SVG, no
//! scripts, fonts or network) for people who will not read JSON. The scan
//! summary, identities ranked by risk, every finding with its evidence, and
//! for each flagged identity three plots where the pattern shows at once:
//! record id against time (enumeration is a staircase), requests per hour
//! against the identity's own baseline, and ips and user agents over time.

use crate::config::Config;
use crate::detect::{rate, Detection};
use crate::event::{Action, Event};
use crate::finding::Finding;
use crate::output::Pseudonymizer;
use crate::scan::Scan;
use crate::summary::group;
use std::fmt::Write;

/// How the report is built.
pub struct ReportOptions<'a> {
    /// Identities shown in full (the rest are counted).
    pub top: usize,
    /// Include findings of allow-listed identities.
    pub show_suppressed: bool,
    /// Replace identities, ips and record ids.
    pub pseudonymizer: Option<&'a Pseudonymizer>,
    /// Rows of a `scrapewatch sweep --json` run, to plot alerts against
    /// threshold.
    pub sweep: Option<&'a serde_json::Value>,
}

const W: f64 = 640.0;
const H: f64 = 180.0;
const PAD: f64 = 36.0;
/// Points drawn per plot at most (every k-th event beyond that).
const MAX_POINTS: usize = 1500;
const PALETTE: [&str; 8] = [
    "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf",
];

/// Escapes text for HTML, after [`printable`]: a browser does not act on
/// control characters, but it does reorder text around bidirectional
/// controls, and hides invisible ones, as a terminal would.
///
/// [`printable`]: crate::output::printable
pub fn escape(s: &str) -> String {
    let s = crate::output::printable(s);
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Renders the report.
pub fn render(
    scan: &Scan,
    detection: &Detection,
    config: &Config,
    options: &ReportOptions,
) -> String {
    let mut findings: Vec<Finding> = detection
        .findings
        .iter()
        .filter(|f| options.show_suppressed || !f.suppressed)
        .cloned()
        .collect();
    // Identities in ranked order (the findings already are).
    let mut order: Vec<String> = Vec::new();
    for f in &findings {
        if !order.contains(&f.identity) {
            order.push(f.identity.clone());
        }
    }
    let shown: Vec<String> = order.iter().take(options.top).cloned().collect();
    let left_out = order.len() - shown.len();
    let real_names = shown.clone();
    if let Some(p) = options.pseudonymizer {
        findings.iter_mut().for_each(|f| p.finding(f));
    }
    let name = |real: &str| -> String {
        match options.pseudonymizer {
            Some(p) => p.name(crate::finding::Kind::Account, real),
            None => real.to_string(),
        }
    };

    let s = &scan.summary;
    let mut h = String::new();
    h.push_str("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>scrapewatch report</title>\n<style>\n");
    h.push_str(STYLE);
    h.push_str("</style></head><body>\n<h1>scrapewatch report</h1>\n");
    let _ = writeln!(
        h,
        "<section id=\"summary\"><h2>Scan</h2><table class=\"kv\">\
         <tr><th>files</th><td>{}</td></tr><tr><th>lines</th><td>{}</td></tr>\
         <tr><th>events</th><td>{}</td></tr><tr><th>rejected</th><td>{}</td></tr>\
         <tr><th>blank / headers / comments</th><td>{} / {} / {}</td></tr><tr><th>identities</th><td>{}</td></tr>\
         <tr><th>from</th><td>{}</td></tr><tr><th>to</th><td>{}</td></tr>\
         <tr><th>findings</th><td>{} on {} identities ({} suppressed by the allowlist{})</td></tr></table></section>",
        s.files,
        group(s.total.lines),
        group(s.total.events),
        group(s.rejected_total),
        group(s.total.blank),
        group(s.total.headers),
        group(s.total.comments),
        group(s.identities as u64),
        escape(s.first.as_deref().unwrap_or("-")),
        escape(s.last.as_deref().unwrap_or("-")),
        detection.active().count(),
        order.len(),
        detection.suppressed(),
        if options.show_suppressed { ", shown" } else { "" },
    );

    if !s.gaps.found.is_empty() {
        h.push_str("<section id=\"gaps\"><h2>Gaps in the logs</h2><p>Stretches with no events far longer than the source's usual quiet: logs may be missing there.</p><table class=\"rank\"><tr><th>source</th><th>name</th><th>no events from</th><th>to</th><th>on days it logs</th><th>usual longest daily quiet</th></tr>\n");
        for g in &s.gaps.found {
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}{}</td><td>{} s</td><td>{} s</td></tr>",
                match g.source {
                    crate::gaps::Source::File => "file",
                    crate::gaps::Source::System => "system",
                },
                escape(&g.name),
                escape(&g.start),
                escape(&g.end),
                if g.trailing { " (end of the logs)" } else { "" },
                group(g.active_secs as u64),
                group(g.usual_secs as u64),
            );
        }
        h.push_str("</table></section>\n");
    }
    h.push_str("<section id=\"ranking\"><h2>Identities ranked by risk</h2><table class=\"rank\"><tr><th>#</th><th>identity</th><th>best score</th><th>rules</th><th>findings</th></tr>\n");
    for (i, real) in shown.iter().enumerate() {
        let mine: Vec<&Finding> = findings
            .iter()
            .filter(|f| f.identity == name(real))
            .collect();
        let best = mine.iter().map(|f| f.score).max().unwrap_or(0);
        let mut rules: Vec<&str> = mine.iter().map(|f| f.rule.name()).collect();
        rules.sort_unstable();
        rules.dedup();
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td><a href=\"#identity-{i}\">{}</a></td><td>{best}</td><td>{}</td><td>{}</td></tr>",
            i + 1,
            escape(&name(real)),
            escape(&rules.join(", ")),
            mine.len()
        );
    }
    h.push_str("</table>");
    if left_out > 0 {
        let _ = write!(
            h,
            "<p class=\"note\">{left_out} more identities with findings are left out of this report (raise --top to include them; every finding is in the JSON output).</p>"
        );
    }
    h.push_str("</section>\n");
    if let Some(rows) = options.sweep.and_then(|v| v.as_array()) {
        h.push_str(&sweep_section(rows));
    }

    for (i, real) in real_names.iter().enumerate() {
        let shown_name = name(real);
        let _ = writeln!(
            h,
            "<section class=\"identity\" id=\"identity-{i}\"><h2>{}</h2>",
            escape(&shown_name)
        );
        for f in findings.iter().filter(|f| f.identity == shown_name) {
            let _ = writeln!(
                h,
                "<div class=\"finding\" data-rule=\"{rule}\"><span class=\"sev {sev}\">{sev} {score}</span> <b>{rule}</b> <span class=\"when\">{start} .. {end}</span>{sup}<p>{msg}</p>\
                 <p class=\"evidence\">observed {obs} against {thr} ({measure}); {events} events; lines: {samples}</p>{gaps}</div>",
                rule = escape(f.rule.name()),
                sev = f.severity.name(),
                score = f.score,
                start = escape(&f.start),
                end = escape(&f.end),
                sup = if f.suppressed { " <span class=\"note\">suppressed: allow-listed</span>" } else { "" },
                msg = escape(&f.message.render()),
                obs = number(f.evidence.observed),
                thr = number(f.evidence.threshold),
                measure = escape(&f.evidence.measure),
                events = group(f.events),
                samples = escape(&f.evidence.samples.join(" ")),
                gaps = if f.evidence.gaps.is_empty() {
                    String::new()
                } else {
                    format!(
                        "<p class=\"note\">touches a gap in the logs: {}</p>",
                        escape(&f.evidence.gaps.join("; "))
                    )
                },
            );
        }
        if let Some(sym) = scan.tables.identities.get_sym(real.as_bytes()) {
            let lo = scan.events.partition_point(|e| e.identity < sym);
            let hi = scan.events.partition_point(|e| e.identity <= sym);
            let events = &scan.events[lo..hi];
            h.push_str("<div class=\"plots\">");
            h.push_str(&records_plot(events, options.pseudonymizer.is_some()));
            h.push_str(&hourly_plot(events, config));
            h.push_str(&clients_plot(scan, events, options.pseudonymizer));
            h.push_str("</div>");
        }
        h.push_str("</section>\n");
    }
    h.push_str("<footer>Written by scrapewatch. Findings are reasons to look, not verdicts: check each against the raw lines it names.</footer>\n</body></html>\n");
    h
}

/// A value as people read it: grouped when whole, two decimals otherwise.
fn number(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        group(x.abs() as u64)
    } else {
        format!("{x:.2}")
    }
}

/// Alerts against threshold from a sweep: one group of bars per value of
/// the (first) swept key: findings, identities and, with labels, false
/// positives.
fn sweep_section(rows: &[serde_json::Value]) -> String {
    let label = |r: &serde_json::Value| -> String {
        r["values"]
            .as_array()
            .map(|vs| {
                vs.iter()
                    .map(|kv| {
                        format!(
                            "{}={}",
                            kv[0].as_str().unwrap_or(""),
                            kv[1].as_str().unwrap_or("")
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .unwrap_or_default()
    };
    // The x axis names only the values; the keys go in the caption.
    let short = |r: &serde_json::Value| -> String {
        r["values"]
            .as_array()
            .map(|vs| {
                vs.iter()
                    .map(|kv| kv[1].as_str().unwrap_or("").to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default()
    };
    let keys: String = rows
        .first()
        .and_then(|r| r["values"].as_array())
        .map(|vs| {
            vs.iter()
                .map(|kv| kv[0].as_str().unwrap_or("").to_string())
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default();
    let series: [(&str, &str, &str, &str); 3] = [
        ("findings", "findings", PALETTE[0], "blue"),
        ("identities", "identities flagged", PALETTE[2], "green"),
        ("false_positives", "false positives", PALETTE[1], "red"),
    ];
    let max = rows
        .iter()
        .flat_map(|r| {
            series
                .iter()
                .map(move |(k, ..)| r[*k].as_f64().unwrap_or(0.0))
        })
        .fold(1.0, f64::max);
    let slot = (W - 2.0 * PAD) / rows.len().max(1) as f64;
    let bar = slot / 4.0;
    let mut body = String::new();
    for (i, r) in rows.iter().enumerate() {
        for (j, (k, _, colour, _)) in series.iter().enumerate() {
            let Some(v) = r[*k].as_f64() else { continue };
            let hgt = (H - PAD - 8.0) * v / max;
            let _ = write!(
                body,
                "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{bar:.1}\" height=\"{hgt:.1}\" fill=\"{colour}\"/>",
                PAD + slot * i as f64 + bar * (j as f64 + 0.5),
                H - PAD - hgt
            );
        }
        let _ = write!(
            body,
            "<text x=\"{:.1}\" y=\"{}\" class=\"axis\" text-anchor=\"middle\">{}</text>",
            PAD + slot * (i as f64 + 0.5),
            H - 18.0,
            escape(&short(r))
        );
    }
    let legend: Vec<String> = series
        .iter()
        .map(|(_, name, _, colour)| format!("{name} ({colour})"))
        .collect();
    let mut out = String::from("<section id=\"sweep\"><h2>Alerts against threshold</h2>");
    out.push_str(&frame(
        "sweep",
        "Alerts against threshold",
        &body,
        &format!("by {keys}: {}", legend.join(", ")),
    ));
    out.push_str("<table class=\"rank\"><tr><th>values</th><th>findings</th><th>identities</th><th>precision</th><th>recall</th></tr>");
    for r in rows {
        let f = |k: &str| {
            r[k].as_f64().map_or("-".to_string(), |v| {
                if v.fract() == 0.0 {
                    format!("{v}")
                } else {
                    format!("{v:.3}")
                }
            })
        };
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&label(r)),
            f("findings"),
            f("identities"),
            f("precision"),
            f("recall")
        );
    }
    out.push_str("</table></section>\n");
    out
}

/// The x position of a time in `[t0, t1]`.
fn x_of(t: i64, t0: i64, t1: i64) -> f64 {
    PAD + (W - 2.0 * PAD) * ((t - t0) as f64 / (t1 - t0).max(1) as f64)
}

fn frame(kind: &str, title: &str, body: &str, caption: &str) -> String {
    format!(
        "<figure class=\"plot\" data-plot=\"{kind}\"><svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {W} {H}\" width=\"{W}\" height=\"{H}\" role=\"img\" aria-label=\"{t}\">\
         <rect x=\"{PAD}\" y=\"8\" width=\"{}\" height=\"{}\" class=\"area\"/>{body}</svg><figcaption>{t}: {c}</figcaption></figure>",
        W - 2.0 * PAD,
        H - PAD - 8.0,
        t = escape(title),
        c = escape(caption),
    )
}

fn time_axis(t0: i64, t1: i64) -> String {
    format!(
        "<text x=\"{PAD}\" y=\"{}\" class=\"axis\">{}</text><text x=\"{}\" y=\"{}\" class=\"axis\" text-anchor=\"end\">{}</text>",
        H - 10.0,
        escape(&crate::time::format(t0)),
        W - PAD,
        H - 10.0,
        escape(&crate::time::format(t1))
    )
}

/// Every k-th index so that at most MAX_POINTS are drawn.
fn stride(n: usize) -> usize {
    n.div_ceil(MAX_POINTS).max(1)
}

fn records_plot(events: &[Event], pseudonymized: bool) -> String {
    let reads: Vec<(i64, u32)> = events
        .iter()
        .filter(|e| matches!(e.action(), Action::Read | Action::Export))
        .filter_map(|e| e.record.as_number().map(|r| (e.time, r)))
        .collect();
    if reads.is_empty() {
        return frame(
            "records",
            "Record id against time",
            "",
            "no numeric records read",
        );
    }
    let (t0, t1) = (reads[0].0, reads[reads.len() - 1].0);
    let lo = reads.iter().map(|r| r.1).min().unwrap_or(0);
    let hi = reads.iter().map(|r| r.1).max().unwrap_or(0);
    let y = |r: u32| 8.0 + (H - PAD - 8.0) * (1.0 - (r - lo) as f64 / (hi - lo).max(1) as f64);
    let k = stride(reads.len());
    let mut body = String::new();
    for (t, r) in reads.iter().step_by(k) {
        let _ = write!(
            body,
            "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"1.6\" class=\"dot\"/>",
            x_of(*t, t0, t1),
            y(*r)
        );
    }
    body.push_str(&time_axis(t0, t1));
    if !pseudonymized {
        let _ = write!(
            body,
            "<text x=\"4\" y=\"16\" class=\"axis\">{hi}</text><text x=\"4\" y=\"{}\" class=\"axis\">{lo}</text>",
            H - PAD
        );
    }
    let caption = format!(
        "{} reads{}; enumeration shows as a staircase",
        group(reads.len() as u64),
        if k > 1 {
            format!(", every {k}th drawn")
        } else {
            String::new()
        }
    );
    frame("records", "Record id against time", &body, &caption)
}

fn hourly_plot(events: &[Event], config: &Config) -> String {
    let counted: Vec<Event> = events.iter().copied().filter(rate::counts).collect();
    if counted.is_empty() {
        return frame(
            "hourly",
            "Requests per hour",
            "",
            "no requests that count towards rates",
        );
    }
    let hours = rate::hours(&counted);
    let (h0, h1) = (hours[0].0, hours[hours.len() - 1].0);
    let span = (h1 - h0 + 1) as f64;
    let max = hours.iter().map(|h| h.1).max().unwrap_or(1).max(1) as f64;
    let c = &config.rules.rate_baseline;
    let baseline = rate::baseline(&counted, c.min_history);
    let top = baseline.map_or(max, |(m, mad, _)| max.max(m + c.mads * mad));
    let y = |n: f64| 8.0 + (H - PAD - 8.0) * (1.0 - n / top);
    let bw = ((W - 2.0 * PAD) / span).max(0.5);
    let mut body = String::new();
    for (hour, n, _, _) in &hours {
        let x = PAD + (W - 2.0 * PAD) * ((hour - h0) as f64 / span);
        let _ = write!(
            body,
            "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{bw:.2}\" height=\"{:.1}\" class=\"bar\"/>",
            y(*n as f64),
            H - PAD - y(*n as f64)
        );
    }
    let caption = match baseline {
        Some((m, mad, n)) => {
            let limit = m + c.mads * mad;
            let _ = write!(
                body,
                "<line x1=\"{PAD}\" x2=\"{}\" y1=\"{:.1}\" y2=\"{:.1}\" class=\"median\"/>",
                W - PAD,
                y(m),
                y(m)
            );
            let _ = write!(
                body,
                "<line x1=\"{PAD}\" x2=\"{}\" y1=\"{:.1}\" y2=\"{:.1}\" class=\"limit\"/>",
                W - PAD,
                y(limit),
                y(limit)
            );
            format!("busiest hour {}, median {m} over {n} active hours (green), limit {limit:.0} (red dashed)", max)
        }
        None => format!(
            "busiest hour {max}; fewer than {} active hours: no baseline",
            c.min_history
        ),
    };
    body.push_str(&time_axis(h0 * 3_600_000, h1 * 3_600_000));
    frame(
        "hourly",
        "Requests per hour against its baseline",
        &body,
        &caption,
    )
}

fn clients_plot(scan: &Scan, events: &[Event], pseudonymizer: Option<&Pseudonymizer>) -> String {
    let t = &scan.tables;
    // Rows: ips in order of first use; colour: user agent in order of first use.
    let mut ips: Vec<u32> = Vec::new();
    let mut agents: Vec<u32> = Vec::new();
    for e in events {
        let c = t.client(e.client);
        if !ips.contains(&c.ip) && ips.len() < 64 {
            ips.push(c.ip);
        }
        if !agents.contains(&c.agent) && agents.len() < 64 {
            agents.push(c.agent);
        }
    }
    let (t0, t1) = (events[0].time, events[events.len() - 1].time);
    let rows = ips.len().max(1) as f64;
    let k = stride(events.len());
    let mut body = String::new();
    for e in events.iter().step_by(k) {
        let c = t.client(e.client);
        let Some(row) = ips.iter().position(|&i| i == c.ip) else {
            continue;
        };
        let colour = agents
            .iter()
            .position(|&a| a == c.agent)
            .map_or("#999", |a| PALETTE[a % PALETTE.len()]);
        let y = 8.0 + (H - PAD - 8.0) * ((row as f64 + 0.5) / rows);
        let _ = write!(
            body,
            "<circle cx=\"{:.1}\" cy=\"{y:.1}\" r=\"2\" fill=\"{colour}\"/>",
            x_of(e.time, t0, t1)
        );
    }
    body.push_str(&time_axis(t0, t1));
    let first_ip = ips
        .first()
        .map(|&i| t.ips.text(i).into_owned())
        .unwrap_or_default();
    let first_ip = match pseudonymizer {
        Some(p) => p.name(crate::finding::Kind::Ip, &first_ip),
        None => first_ip,
    };
    let caption = format!(
        "{} ips (one row each, first {}), {} user agents (one colour each)",
        ips.len(),
        first_ip,
        agents.len()
    );
    frame("clients", "IPs and user agents over time", &body, &caption)
}

const STYLE: &str = "
body { font: 14px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 980px; color: #222; }
h1 { font-size: 1.6em; } h2 { font-size: 1.2em; border-bottom: 1px solid #ddd; padding-bottom: .2em; }
table { border-collapse: collapse; } td, th { padding: .2em .6em; text-align: left; border-bottom: 1px solid #eee; }
.finding { margin: .6em 0; padding: .4em .6em; border-left: 4px solid #bbb; background: #fafafa; }
.finding p { margin: .2em 0; } .evidence { color: #555; font-size: .92em; word-break: break-all; }
.sev { font-weight: bold; padding: 0 .4em; border-radius: 3px; color: #fff; }
.sev.critical { background: #8b0000; } .sev.high { background: #c62828; } .sev.medium { background: #ef6c00; } .sev.low { background: #00838f; }
.when, .note { color: #666; font-size: .9em; }
.plots { display: flex; flex-wrap: wrap; gap: .6em; } figure.plot { margin: 0; }
figcaption { font-size: .85em; color: #555; max-width: 640px; }
svg .area { fill: #fcfcfc; stroke: #ccc; } svg .dot { fill: #1f77b4; } svg .bar { fill: #5c8fc4; }
svg .median { stroke: #2ca02c; stroke-width: 1.5; } svg .limit { stroke: #d62728; stroke-dasharray: 5 3; stroke-width: 1.5; }
svg .axis { font-size: 10px; fill: #666; }
footer { margin-top: 2em; color: #777; font-size: .9em; }
";

#[cfg(test)]
mod tests {
    #[test]
    fn escapes_markup() {
        assert_eq!(
            super::escape("<a href='x'>&\"</a>"),
            "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;"
        );
        assert_eq!(super::escape("a\u{202e}<b\u{1b}"), "a\\u{202e}&lt;b\\x1b");
    }
}
