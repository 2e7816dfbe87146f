//! Single exports (`export-size`): one export over a limit of rows, per
//! system where the system has its own, beside `export-volume`'s sum per
//! window. A CRM's own transaction policies act on one export (Salesforce's
//! fire at 2,000 rows of a lead export); a lead list pulled in one go is
//! the event, however quiet the hour around it.

use super::Context;
use crate::event::{Action, Event};
use crate::finding::{group, Finding, RuleId};
use crate::message;

/// Runs `export-size` over one timeline: one finding per export over its
/// system's limit (the merge step joins those close together).
pub fn detect(events: &[Event], ctx: &Context, out: &mut Vec<Finding>) {
    let c = &ctx.rules.export_size;
    if !c.enabled {
        return;
    }
    for (i, e) in events.iter().enumerate() {
        if e.action() != Action::Export {
            continue;
        }
        let system = ctx.system(e.system());
        let limit = c.systems.get(&system).copied().unwrap_or(c.max_rows);
        if (e.rows as u64) < limit {
            continue;
        }
        let mut f = ctx.finding(
            RuleId::ExportSize,
            &events[i..=i],
            "rows in one export".into(),
            e.rows as f64,
            limit as f64,
            message!(format!(
                "exported {} {} rows in one export (limit {} rows per export{})",
                group(e.rows as u64),
                system,
                group(limit),
                if c.systems.contains_key(&system) {
                    " of this system"
                } else {
                    ""
                }
            )),
        );
        f.evidence.system = Some(system);
        out.push(f);
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use crate::config::Rules;
    use crate::event::{Action, Event};
    use crate::watchlist::Watchlist;

    fn export(secs: i64, rows: u32) -> Event {
        Event {
            rows,
            ..act(secs, Action::Export)
        }
    }

    #[test]
    fn one_export_over_the_limit_of_its_system() {
        let t = tables(1);
        let ev = [export(0, 1999), export(60, 2000), export(120, 400)];
        let mut rules = Rules::default();
        let f = run_family(super::detect, &ev, &rules, &Watchlist::default(), &t);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].evidence.observed, 2000.0);
        // A system with its own limit.
        rules.export_size.systems.insert("membership".into(), 5000);
        assert!(run_family(super::detect, &ev, &rules, &Watchlist::default(), &t).is_empty());
    }
}
