//! The one window mechanism: the stretches of a timeline where a sum over
//! a sliding window of time reaches a threshold, found in one pass.

use crate::event::Event;
use crate::time::Millis;

/// A stretch of a timeline where a windowed measure crossed its threshold:
/// `[start, end)` indices, and the peak window `[peak_start, peak_end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Episode {
    /// First event of the stretch.
    pub start: usize,
    /// One past its last event.
    pub end: usize,
    /// The largest windowed value seen.
    pub peak: u64,
    /// The window where it was seen.
    pub peak_start: usize,
    /// One past it.
    pub peak_end: usize,
}

/// Episodes where the sum of `weight` over any `window` of time reaches
/// `threshold`. Overlapping or touching windows that cross join one
/// episode. One pass with two pointers.
pub fn episodes(
    events: &[Event],
    window: Millis,
    threshold: u64,
    weight: impl Fn(&Event) -> u64,
) -> Vec<Episode> {
    let mut out: Vec<Episode> = Vec::new();
    let mut sum = 0u64;
    let mut left = 0;
    for right in 0..events.len() {
        sum += weight(&events[right]);
        while events[right].time - events[left].time >= window {
            sum -= weight(&events[left]);
            left += 1;
        }
        if sum >= threshold && threshold > 0 {
            match out.last_mut() {
                // The window shares an event with the open episode.
                Some(ep) if left < ep.end => {
                    ep.end = right + 1;
                    if sum > ep.peak {
                        (ep.peak, ep.peak_start, ep.peak_end) = (sum, left, right + 1);
                    }
                }
                _ => out.push(Episode {
                    start: left,
                    end: right + 1,
                    peak: sum,
                    peak_start: left,
                    peak_end: right + 1,
                }),
            }
        }
    }
    out
}

/// The most events that `keep` holds for in any one window of `window`
/// (the windows of [`episodes`]: those ending at each event). A window
/// holds no more distinct keys than events, so a rule that needs `n`
/// distinct keys in a window can pass over a timeline whose count never
/// reaches `n` without hashing a key.
pub fn most_in_window(events: &[Event], window: Millis, keep: impl Fn(&Event) -> bool) -> u64 {
    let (mut left, mut inside, mut most) = (0, 0u64, 0u64);
    for right in 0..events.len() {
        inside += keep(&events[right]) as u64;
        while events[right].time - events[left].time >= window {
            inside -= keep(&events[left]) as u64;
            left += 1;
        }
        most = most.max(inside);
    }
    most
}

/// A window length for messages: `1h`, `10m`, `1d`.
pub fn window_name(secs: i64) -> String {
    match secs {
        s if s % 86_400 == 0 => format!("{}d", s / 86_400),
        s if s % 3600 == 0 => format!("{}h", s / 3600),
        s if s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    #[test]
    fn episodes_join_and_find_the_peak() {
        let ev: Vec<Event> = [0, 1, 2, 100, 101, 102, 103, 500]
            .iter()
            .map(|&s| read(s, 1))
            .collect();
        let eps = episodes(&ev, 10_000, 3, |_| 1);
        assert_eq!(eps.len(), 2);
        assert_eq!((eps[0].start, eps[0].end, eps[0].peak), (0, 3, 3));
        assert_eq!((eps[1].start, eps[1].end, eps[1].peak), (3, 7, 4));
        assert!(episodes(&ev, 10_000, 5, |_| 1).is_empty());
    }

    #[test]
    fn most_in_window_is_the_episodes_peak() {
        let ev: Vec<Event> = [0, 1, 2, 100, 101, 102, 103, 109, 110, 500]
            .iter()
            .map(|&s| read(s, 1))
            .collect();
        for window in [1, 1_000, 5_000, 10_000, 10_001, 1_000_000] {
            let peak = episodes(&ev, window, 1, |_| 1)
                .iter()
                .map(|ep| ep.peak)
                .max();
            assert_eq!(
                Some(most_in_window(&ev, window, |_| true)),
                peak,
                "{window}"
            );
        }
        // Only the kept events count: every other second.
        assert_eq!(most_in_window(&ev, 10_000, |e| e.time % 2_000 == 0), 2);
        assert_eq!(most_in_window(&[], 10_000, |_| true), 0);
    }
}
