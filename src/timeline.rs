//! Timelines: each identity's events in time order, with the tables their
//! symbols point into and the input names their provenance points to.
//!
//! This is what detection reads. The scan driver makes it from parsed
//! chunks; anything else that can produce events sorted by (identity,
//! time, file, line) can make one too, so detectors never import the
//! driver, the inputs or the outputs.

use crate::event::{Event, Tables};
use std::ops::Range;

/// Every identity's timeline over one set of tables.
#[derive(Clone, Copy)]
pub struct Timelines<'a> {
    /// Events sorted by (identity, time, file, line): each identity's
    /// timeline is one contiguous run.
    pub events: &'a [Event],
    /// The strings the events' symbols point into.
    pub tables: &'a Tables,
    /// Input names as the user gave them, indexed by `Event::file`.
    pub paths: &'a [String],
}

impl<'a> Timelines<'a> {
    /// Each identity's events, in identity order.
    pub fn iter(&self) -> impl Iterator<Item = &'a [Event]> {
        self.events.chunk_by(|a, b| a.identity == b.identity)
    }

    /// Each identity's index range in `events`, in identity order.
    pub fn ranges(&self) -> Vec<Range<usize>> {
        let mut out = Vec::new();
        let mut start = 0;
        for t in self.iter() {
            out.push(start..start + t.len());
            start += t.len();
        }
        out
    }

    /// The timeline of the identity named `name`, if it has events.
    pub fn of(&self, name: &str) -> Option<&'a [Event]> {
        let sym = self.tables.identities.get_sym(name.as_bytes())?;
        let lo = self.events.partition_point(|e| e.identity < sym);
        let hi = self.events.partition_point(|e| e.identity <= sym);
        (lo < hi).then(|| &self.events[lo..hi])
    }

    /// The name of the identity of a timeline's events.
    pub fn name(&self, timeline: &[Event]) -> std::borrow::Cow<'a, str> {
        self.tables.identities.text(timeline[0].identity)
    }

    /// `file:line` of an event (`file:line#n` of a JSON document's element).
    pub fn line(&self, e: &Event) -> String {
        self.tables
            .origins
            .place(&self.paths[e.file() as usize], e.file(), e.line)
    }
}
