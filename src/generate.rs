//! The contest generator: realistic access logs of a membership database
//! during a leadership contest, with ground truth. Every parameter of the
//! simulated world lives in [`World`]; actors (ordinary users by role,
//! labelled scenarios, labelled traps) are small state machines whose next
//! event times are merged through a heap, so events come out in time order
//! and memory grows with the population, never with `--events`. The PRNG
//! is our own (SplitMix64), so a seed gives the same bytes on every machine
//! and every version of every dependency.

use crate::error::{Error, ErrorKind, Result};
use crate::time::{days_from_civil, Millis};
use serde::Serialize;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::io::Write;
use std::path::Path;

const MINUTE: Millis = 60_000;
const HOUR: Millis = 60 * MINUTE;
const DAY: Millis = 24 * HOUR;

/// Every parameter of the simulated world, in one place.
#[derive(Debug, Clone)]
pub struct World {
    /// First day of the log (UTC midnight), as days since 1970-01-01.
    pub start_day: i64,
    /// Days covered.
    pub days: i64,
    /// Day (from the start) the nominations window closes: campaign
    /// accounts may read membership data from then on (the embargo).
    pub embargo_day: i64,
    /// Day (from the start) of the election-night phone bank.
    pub election_day: i64,
    /// Member ids: the membership system's id space (with lapsed holes).
    pub members: (u64, u64),
    /// One member id in this many has lapsed and is never read.
    pub lapsed_every: u64,
    /// Voter ids of the canvassing system.
    pub voters: (u64, u64),
    /// Day (from the start) of the national phone-bank evening: every
    /// volunteer and lead calls (hard world).
    pub phone_bank_day: i64,
    /// Which world.
    pub kind: WorldKind,
    /// Share of ordinary events by role (the population is sized to it).
    pub shares: [(Role, f64); 5],
}

impl World {
    /// The default contest: 14 days from `start_day`, embargo until day 10,
    /// election night on day 7.
    pub fn new(start_day: i64, days: i64) -> World {
        World {
            start_day,
            days: days.max(1),
            embargo_day: (days * 5 / 7).max(1),
            election_day: days / 2,
            members: (100_000, 600_000),
            lapsed_every: 9,
            voters: (10_000_000, 40_000_000),
            phone_bank_day: days / 4,
            kind: WorldKind::Contest,
            shares: [
                (Role::Volunteer, 0.35),
                (Role::Officer, 0.20),
                (Role::Staff, 0.30),
                (Role::Canvasser, 0.12),
                (Role::Lead, 0.03),
            ],
        }
    }

    fn t0(&self) -> Millis {
        self.start_day * DAY
    }
}

/// Ordinary roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// Phone-bank volunteers: evenings and weekends, random members.
    Volunteer,
    /// Local party officers: their branch, sometimes walking its list.
    Officer,
    /// Regional organisers and HQ staff: office hours, searches, small exports.
    Staff,
    /// Door-knocking canvassers: voter records by day.
    Canvasser,
    /// Phone-bank leads: busy on election night.
    Lead,
}

impl Role {
    fn name(self) -> &'static str {
        match self {
            Role::Volunteer => "volunteer",
            Role::Officer => "officer",
            Role::Staff => "staff",
            Role::Canvasser => "canvasser",
            Role::Lead => "phone-bank-lead",
        }
    }
}

/// SplitMix64: small, fast, and fixed forever.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[lo, hi)`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next_u64() % (hi - lo).max(1)
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// Exponential with mean `mean`.
    pub fn exp(&mut self, mean: f64) -> f64 {
        -mean * (1.0 - self.unit()).ln()
    }
}

/// When an actor works: hours of the day on some days, within a window.
#[derive(Debug, Clone, Copy)]
struct Hours {
    from_hour: i64,
    to_hour: i64,
    weekdays: bool,
    weekends: bool,
    /// One day (days since 1970) with its own hours, whatever the weekday:
    /// polling day, when the whole party works.
    special: Option<(i64, i64, i64)>,
}

const ALWAYS: Hours = Hours::new(0, 24, true, true);

impl Hours {
    /// Hours `from..to` of weekdays, weekends or both.
    const fn new(from_hour: i64, to_hour: i64, weekdays: bool, weekends: bool) -> Hours {
        Hours {
            from_hour,
            to_hour,
            weekdays,
            weekends,
            special: None,
        }
    }

    /// Opening and closing hour of `day`, if the actor works that day.
    fn span(&self, day: i64) -> Option<(i64, i64)> {
        if let Some((d, from, to)) = self.special {
            if d == day {
                return Some((from, to));
            }
        }
        self.active_day(day)
            .then_some((self.from_hour, self.to_hour))
    }

    fn active_day(&self, day: i64) -> bool {
        // 1970-01-01 was a Thursday: day 0 -> weekday 3 (Mon = 0).
        let weekday = (day + 3).rem_euclid(7);
        if weekday >= 5 {
            self.weekends
        } else {
            self.weekdays
        }
    }

    /// Moves `t` forward by `gap` of active time.
    fn advance(&self, mut t: Millis, mut gap: Millis, until: Millis) -> Millis {
        loop {
            if t >= until {
                return until;
            }
            let day = t.div_euclid(DAY);
            let Some((from, to)) = self.span(day) else {
                t = (day + 1) * DAY;
                continue;
            };
            let (open, close) = (day * DAY + from * HOUR, day * DAY + to * HOUR);
            if t >= close {
                t = (day + 1) * DAY;
                continue;
            }
            if t < open {
                t = open;
            }
            if t + gap < close {
                return t + gap;
            }
            gap -= close - t;
            t = (day + 1) * DAY;
        }
    }
}

/// What an actor reads.
#[derive(Debug, Clone, Copy)]
enum Pick {
    /// Random members of the membership system (or phone-banking).
    Members,
    /// A branch: ids in a range; sometimes a short walk in id order, and
    /// (with chance `burst` a session) a read-through of part of it in no
    /// particular order.
    Branch {
        lo: u64,
        hi: u64,
        walk: f64,
        burst: f64,
    },
    /// Office work: searches, reads, small exports.
    Office,
    /// Voter records, random.
    Voters,
    /// Member ids in order with small gaps, from `cursor`.
    Sequential { step_max: u64 },
    /// A search walked page by page.
    Paging,
    /// Large exports.
    Export { rows: (u64, u64) },
    /// Watched case files.
    Cases,
    /// Member ids from the actor's queue, last first, until it is empty.
    Queue,
}

/// A labelled behaviour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scenario {
    /// A campaign account enumerating member ids during the embargo.
    Enumeration,
    /// Paging through search results page 1, 2, 3...
    Paging,
    /// One phone-banking link shared by dozens of volunteers.
    SharedLink,
    /// A revoked account still reading after revocation.
    Revoked,
    /// Random members every 15-30 s around the clock for days.
    SlowScraper,
    /// A burst of large exports.
    ExportBurst,
    /// Campaign accounts reading the embargoed system before the date.
    EmbargoRead,
    /// An unauthorised account opening a watched case file before a leak.
    WatchedRecord,
    /// A scrape split across accounts, each under per-identity limits.
    Coordinated,
    /// A credential suddenly used from a new ip and agent at an odd hour.
    Hijacked,
    /// Trap: the nightly sync reading records in id order.
    NightlySync,
    /// Trap: the data team's scheduled exports.
    DataTeamExport,
    /// Trap: a busy phone-bank lead on election night.
    ElectionNightLead,
    /// Trap: campaign accounts that wait until the embargo ends.
    PatientCampaign,
    /// Trap: an officer walking a short branch list.
    BranchWalk,
    /// Every record of a contiguous id block read in shuffled order at a
    /// human pace over several evenings (hard world).
    OrderFreeEnumeration,
    /// One credential active at the same time from two networks with
    /// different agents (hard world).
    TwoPlaces,
    /// A block read split across accounts that share a network prefix and
    /// an agent but no campaign (hard world).
    SplitAccounts,
    /// One export of many rows, far fewer than an hour's sum (hard world).
    SingleExport,
    /// A day of many distinct records from an account whose days hold few
    /// (hard world).
    DistinctDaySurge,
    /// Trap: an officer who sometimes reads through part of its own branch
    /// (hard world).
    BranchReadThrough,
    /// Trap: a user on a laptop and a phone at home, sometimes on a mobile
    /// network (hard world).
    SeveralDevices,
    /// Trap: an officer exporting its branch list once (hard world).
    BranchExport,
}

impl Scenario {
    /// The rule family that should catch it; `None` for traps.
    pub fn family(self) -> Option<&'static str> {
        use Scenario::*;
        match self {
            Enumeration | Paging | ExportBurst | OrderFreeEnumeration | SingleExport
            | DistinctDaySurge => Some("bulk-read"),
            SlowScraper | Hijacked => Some("rate"),
            SharedLink | Revoked | EmbargoRead | WatchedRecord | Coordinated | TwoPlaces
            | SplitAccounts => Some("watchlist"),
            NightlySync | DataTeamExport | ElectionNightLead | PatientCampaign | BranchWalk
            | BranchReadThrough | SeveralDevices | BranchExport => None,
        }
    }
}

/// One labelled identity.
#[derive(Debug, Clone, Serialize)]
pub struct Label {
    /// The account.
    pub identity: String,
    /// What it does.
    pub scenario: Scenario,
    /// Traps must not be flagged.
    pub trap: bool,
    /// The rule family that should catch it (scenarios only).
    pub family: Option<&'static str>,
    /// Start of the behaviour (RFC 3339).
    pub start: String,
    /// End of the behaviour.
    pub end: String,
}

#[derive(Clone)]
struct Actor {
    account: String,
    system: &'static str,
    ips: Vec<String>,
    agents: Vec<&'static str>,
    hours: Hours,
    /// Mean active time between sessions.
    session_gap: Millis,
    /// Events per session.
    session_len: (u64, u64),
    /// Gap between events of a session: uniform in this range.
    pace: (Millis, Millis),
    pick: Pick,
    window: (Millis, Millis),
    rng: Rng,
    // State.
    next: Millis,
    left: u64,
    cursor: u64,
    page: u64,
    session: u64,
    walking: u64,
    /// Records still to read, last first ([`Pick::Queue`], branch bursts).
    queue: Vec<u64>,
    bursting: bool,
    /// A second network and agent (a phone on a mobile network) used for
    /// whole sessions, and whether the current session uses it.
    roam: Option<(String, &'static str)>,
    roaming: bool,
    /// Stretches of population-wide surges and how many times busier the
    /// actor is in them.
    boosts: Vec<(Millis, Millis, f64)>,
}

const BROWSERS: [&str; 6] = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15",
    "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0",
];

/// One event, before formatting.
struct Out<'a> {
    time: Millis,
    account: &'a str,
    ip: &'a str,
    agent: &'a str,
    system: &'a str,
    action: &'static str,
    record: Option<u64>,
    case: Option<u64>,
    page: u64,
    rows: u64,
    bytes: u64,
    session: u64,
}

impl Actor {
    fn new(account: String, system: &'static str, rng: Rng, window: (Millis, Millis)) -> Actor {
        Actor {
            account,
            system,
            ips: Vec::new(),
            agents: Vec::new(),
            hours: ALWAYS,
            session_gap: DAY,
            session_len: (10, 30),
            pace: (20_000, 90_000),
            pick: Pick::Members,
            window,
            rng,
            next: window.0,
            left: 0,
            cursor: 0,
            page: 0,
            session: 0,
            walking: 0,
            queue: Vec::new(),
            bursting: false,
            roam: None,
            roaming: false,
            boosts: Vec::new(),
        }
    }

    /// How many times busier the actor is at `t` (1 outside surges).
    fn boost(&self, t: Millis) -> f64 {
        self.boosts
            .iter()
            .find(|b| b.0 <= t && t < b.1)
            .map_or(1.0, |b| b.2)
    }

    /// Fills the queue with the member ids of `lo..hi` (lapsed left out)
    /// in shuffled order.
    fn shuffle_block(&mut self, lo: u64, hi: u64, lapsed_every: u64) {
        self.queue = (lo..hi).filter(|id| id % lapsed_every != 0).collect();
        for i in (1..self.queue.len()).rev() {
            let j = self.rng.range(0, i as u64 + 1) as usize;
            self.queue.swap(i, j);
        }
    }

    /// Schedules the first event at the start of the window (labelled
    /// behaviour begins when its label says).
    fn start_now(self) -> Actor {
        let mut a = self.start();
        a.next = a.hours.advance(a.window.0, 0, a.window.1);
        a
    }

    /// Schedules the first event after a random wait.
    fn start(mut self) -> Actor {
        if self.ips.is_empty() {
            let ip = self.random_ip();
            self.ips.push(ip);
        }
        if self.agents.is_empty() {
            let a = BROWSERS[self.rng.range(0, BROWSERS.len() as u64) as usize];
            self.agents.push(a);
        }
        let first = self.rng.exp(self.session_gap as f64) as Millis;
        self.next = self.hours.advance(self.window.0, first, self.window.1);
        self
    }

    /// A laptop and a phone on one home network, and (for some) the
    /// phone on a mobile network for whole sessions.
    fn devices(&mut self) {
        let home = self.random_ip();
        let prefix = &home[..home.rfind('.').unwrap_or(0)];
        let phone_ip = format!("{prefix}.{}", 1 + self.rng.range(0, 254));
        let laptop = BROWSERS[self.rng.range(0, 3) as usize];
        let phone = BROWSERS[self.rng.range(3, 5) as usize];
        self.ips = vec![home.clone(), phone_ip];
        self.agents = vec![laptop, phone];
        if self.rng.chance(0.5) {
            let mobile = self.random_ip();
            self.roam = Some((mobile, phone));
        }
    }

    fn random_ip(&mut self) -> String {
        let n = self.rng.next_u64();
        format!(
            "{}.{}.{}.{}",
            80 + (n % 100),
            (n >> 8) % 256,
            (n >> 16) % 256,
            1 + (n >> 24) % 254
        )
    }

    fn member(&mut self, lo: u64, hi: u64, lapsed_every: u64) -> u64 {
        loop {
            let id = self.rng.range(lo, hi);
            if id % lapsed_every != 0 {
                return id;
            }
        }
    }

    /// How many events this actor writes over its window (a dry run).
    fn count(mut self, world: &World) -> u64 {
        let mut n = 1;
        while self.emit(world, &mut |_| {}) {
            n += 1;
        }
        n
    }

    /// Produces the event at `self.next` and schedules the following one;
    /// returns false when the actor is done.
    fn emit(&mut self, world: &World, out: &mut dyn FnMut(&Out)) -> bool {
        if self.left == 0 {
            self.left = self.rng.range(self.session_len.0, self.session_len.1 + 1);
            self.session += 1;
            self.page = 0;
            let boost = self.boost(self.next);
            if boost > 1.0 {
                self.left = (self.left as f64 * boost).ceil() as u64;
            }
            if let Pick::Branch {
                walk,
                lo,
                hi,
                burst,
            } = self.pick
            {
                self.walking = 0;
                self.bursting = false;
                if self.rng.chance(walk) {
                    self.walking = self.rng.range(6, 16);
                    self.cursor = self.rng.range(lo, hi.saturating_sub(40).max(lo + 1));
                    self.left = self.walking;
                } else if burst > 0.0 && self.rng.chance(burst) {
                    // Part of the branch, read through in the order a list
                    // sorted by name gives: no order of ids.
                    let len = self.rng.range((hi - lo) / 10, (hi - lo) / 3 + 1);
                    let from = self.rng.range(lo, hi - len);
                    self.shuffle_block(from, from + len, world.lapsed_every);
                    self.bursting = true;
                    self.left = self.queue.len().max(1) as u64;
                }
            }
            if self.roam.is_some() {
                self.roaming = self.rng.chance(0.3);
            }
        }
        let ip_i = self.rng.range(0, self.ips.len() as u64) as usize;
        let ag_i = if self.agents.len() == self.ips.len() {
            ip_i
        } else {
            self.rng.range(0, self.agents.len() as u64) as usize
        };
        let (mut action, mut record, mut page, mut rows, mut case) = ("read", None, 0, 0, None);
        let (m0, m1) = world.members;
        match self.pick {
            Pick::Members => record = Some(self.member(m0, m1, world.lapsed_every)),
            Pick::Branch { lo, hi, .. } => {
                if self.bursting {
                    record = self.queue.pop();
                } else if self.walking > 0 {
                    self.cursor += self.rng.range(1, 4);
                    record = Some(self.cursor);
                } else if self.rng.chance(0.25) {
                    action = "search";
                    page = 1;
                    rows = self.rng.range(5, 50);
                } else {
                    record = Some(self.member(lo, hi, world.lapsed_every));
                }
            }
            Pick::Office => {
                let r = self.rng.unit();
                if r < 0.45 {
                    action = "search";
                    page = 1 + (self.rng.unit() < 0.3) as u64;
                    rows = self.rng.range(1, 50);
                } else if r < 0.97 {
                    record = Some(self.member(m0, m1, world.lapsed_every));
                } else {
                    action = "export";
                    rows = self.rng.range(20, 400);
                }
            }
            Pick::Voters => record = Some(self.rng.range(world.voters.0, world.voters.1)),
            Pick::Sequential { step_max } => {
                self.cursor += self.rng.range(1, step_max + 1);
                if self.cursor % world.lapsed_every == 0 {
                    self.cursor += 1;
                }
                record = Some(self.cursor);
            }
            Pick::Paging => {
                action = "search";
                self.page += 1;
                page = self.page;
                rows = 50;
            }
            Pick::Export { rows: (lo, hi) } => {
                action = "export";
                rows = self.rng.range(lo, hi);
            }
            Pick::Cases => case = Some(self.rng.range(40, 44)),
            Pick::Queue => record = self.queue.pop(),
        }
        let bytes = match action {
            "export" => rows * 310 + 1200,
            "search" => rows * 180 + 900,
            _ => 2800 + self.rng.range(0, 2400),
        };
        let (ip, agent) = match &self.roam {
            Some((ip, agent)) if self.roaming => (ip.as_str(), *agent),
            _ => (self.ips[ip_i].as_str(), self.agents[ag_i]),
        };
        out(&Out {
            time: self.next,
            account: &self.account,
            ip,
            agent,
            system: if case.is_some() { "cases" } else { self.system },
            action,
            record,
            case,
            page,
            rows,
            bytes,
            session: self.session,
        });
        self.left -= 1;
        let t = if self.left > 0 {
            self.next + self.rng.range(self.pace.0 as u64, self.pace.1 as u64 + 1) as Millis
        } else {
            let mean = self.session_gap as f64 / self.boost(self.next);
            let gap = self.rng.exp(mean) as Millis;
            self.hours
                .advance(self.next + self.pace.1, gap, self.window.1)
        };
        self.next = t;
        let drained = matches!(self.pick, Pick::Queue) && self.queue.is_empty();
        t < self.window.1 && !drained
    }
}

/// Output formats of the generator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutFormat {
    /// NDJSON.
    Ndjson,
    /// CSV with a header row.
    Csv,
    /// Combined log format.
    Clf,
}

/// Which simulated world to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum WorldKind {
    /// The contest the rules were first written against.
    #[default]
    Contest,
    /// The contest plus what the rules were not written for: population-wide
    /// surges (a national phone-bank evening, polling day), officers who
    /// read through part of their branch, users on several devices, branch
    /// exports, and attacks that slip between rules (order-free
    /// enumeration, two places at once, a split scrape without a campaign,
    /// single large exports, a day of many distinct records).
    Hard,
}

impl WorldKind {
    /// The name `--world` takes and `labels.json` records.
    pub fn name(self) -> &'static str {
        match self {
            WorldKind::Contest => "contest",
            WorldKind::Hard => "hard",
        }
    }
}

/// What to generate.
#[derive(Debug, Clone)]
pub struct Params {
    /// The world.
    pub world: WorldKind,
    /// Events to write.
    pub events: u64,
    /// The seed.
    pub seed: u64,
    /// Output format.
    pub format: OutFormat,
    /// First day, as days since 1970-01-01.
    pub start_day: i64,
    /// Days covered.
    pub days: i64,
    /// Shuffle lines within each minute, as some servers log.
    pub shuffle_minute: bool,
}

/// What was written.
#[derive(Debug, Clone, Serialize)]
pub struct Written {
    /// Events written.
    pub events: u64,
    /// Ordinary actors.
    pub actors: usize,
    /// Labelled identities.
    pub labels: usize,
}

/// The events file name for a format.
pub fn events_file(format: OutFormat) -> &'static str {
    match format {
        OutFormat::Ndjson => "events.ndjson",
        OutFormat::Csv => "events.csv",
        OutFormat::Clf => "events.log",
    }
}

/// Parses `YYYY-MM-DD` into days since 1970-01-01.
pub fn parse_day(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let n = |r: std::ops::Range<usize>| s.get(r)?.parse::<i64>().ok();
    let (y, m, d) = (n(0..4)?, n(5..7)?, n(8..10)?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    Some(days_from_civil(y, m, d))
}

struct Cast {
    actors: Vec<Actor>,
    labels: Vec<Label>,
    watchlist: Vec<String>,
}

/// The population: ordinary actors scaled to `events`, plus the scenarios
/// and traps, each labelled.
fn cast(world: &World, params: &Params) -> Cast {
    let mut rng = Rng::new(params.seed);
    let mut actors = Vec::new();
    let t0 = world.t0();
    let end = t0 + world.days * DAY;
    // Scenario volumes grow with the contest, within floors that keep them
    // recognisable in small samples.
    let scale = (params.events as f64 / 1e6).clamp(0.0, 1.0);
    let volume = |full: u64, floor: u64| ((full as f64 * scale) as u64).max(floor);
    let next_rng = |rng: &mut Rng| Rng::new(rng.next_u64());

    let (m0, m1) = world.members;
    let branch_size = (m1 - m0) / BRANCHES;
    let mut labels = Vec::new();
    let mut watchlist = vec!["account,kind,campaign,revoked_at,not_before,system,role".to_string()];
    let embargo = t0 + world.embargo_day * DAY;
    let fmt = crate::time::format;
    let label =
        |labels: &mut Vec<Label>, account: &str, scenario: Scenario, window: (Millis, Millis)| {
            labels.push(Label {
                identity: account.to_string(),
                scenario,
                trap: scenario.family().is_none(),
                family: scenario.family(),
                start: fmt(window.0),
                end: fmt(window.1),
            });
        };
    let day = |d: i64| t0 + d.clamp(0, world.days) * DAY;
    let add = |actors: &mut Vec<Actor>, a: Actor| actors.push(a.start_now());

    // Campaign accounts of two campaigns; rowe enumerates, okafor waits.
    for c in 0..6 {
        let campaign = if c < 3 { "rowe" } else { "okafor" };
        let account = format!("camp-{campaign}-{c}");
        watchlist.push(format!(
            "{account},campaign,{campaign},,{},membership,campaign",
            fmt(embargo)
        ));
    }
    // Enumeration: camp-rowe-0 walks member ids in order, one or two a second.
    let w = (day(2) + 19 * HOUR, day(2) + 23 * HOUR);
    let mut a = Actor::new("camp-rowe-0".into(), "membership", next_rng(&mut rng), w);
    a.pick = Pick::Sequential { step_max: 2 };
    a.cursor = m0 + 123_456;
    let n = volume(5000, 400);
    a.session_len = (n, n);
    a.pace = (400, 1500);
    a.session_gap = MINUTE;
    a.agents = vec!["python-requests/2.31.0"];
    label(&mut labels, "camp-rowe-0", Scenario::Enumeration, w);
    add(&mut actors, a);
    // Embargo reads at modest volume: camp-rowe-1 and -2, a few a day.
    for c in 1..3 {
        let account = format!("camp-rowe-{c}");
        let w = (day(1), embargo);
        let mut a = Actor::new(account.clone(), "membership", next_rng(&mut rng), w);
        a.hours = Hours::new(10, 20, true, true);
        a.session_gap = 8 * HOUR;
        a.session_len = (2, 6);
        label(&mut labels, &account, Scenario::EmbargoRead, w);
        add(&mut actors, a);
    }
    // Trap: okafor's campaign waits for the embargo to end, then reads a lot.
    for c in 3..6 {
        let account = format!("camp-okafor-{c}");
        let w = (embargo, end);
        let mut a = Actor::new(account.clone(), "membership", next_rng(&mut rng), w);
        a.pick = Pick::Office;
        a.hours = Hours::new(9, 21, true, true);
        a.session_gap = 2 * HOUR;
        a.session_len = (5, 25);
        label(&mut labels, &account, Scenario::PatientCampaign, w);
        add(&mut actors, a);
    }
    // Paging through search results.
    let w = (day(3) + 14 * HOUR, day(3) + 16 * HOUR);
    let mut a = Actor::new("staff-paging-1".into(), "membership", next_rng(&mut rng), w);
    a.pick = Pick::Paging;
    a.session_len = (180, 180);
    a.pace = (3_000, 9_000);
    a.session_gap = MINUTE;
    label(&mut labels, "staff-paging-1", Scenario::Paging, w);
    add(&mut actors, a);
    // A phone-banking link shared with dozens of volunteers.
    let w = (day(4) + 17 * HOUR, day(4) + 21 * HOUR);
    let mut a = Actor::new(
        "phonebank-link-77".into(),
        "phone-banking",
        next_rng(&mut rng),
        w,
    );
    for _ in 0..36 {
        let ip = a.random_ip();
        a.ips.push(ip);
        let ag = BROWSERS[a.rng.range(0, BROWSERS.len() as u64) as usize];
        a.agents.push(ag);
    }
    let n = volume(1200, 150);
    a.session_len = (n, n);
    a.pace = (500, 12_000);
    a.session_gap = MINUTE;
    label(&mut labels, "phonebank-link-77", Scenario::SharedLink, w);
    add(&mut actors, a);
    // Revoked accounts (the MPs' staff who resigned) still reading.
    for (i, d) in [(0, 5), (1, 8)] {
        let account = format!("staff-resigned-{i}");
        let revoked = day(d);
        watchlist.push(format!("{account},revoked,,{},,,staff", fmt(revoked)));
        let w = (revoked + 2 * HOUR, revoked + 3 * DAY);
        let mut a = Actor::new(account.clone(), "membership", next_rng(&mut rng), w);
        a.pick = Pick::Office;
        a.hours = Hours::new(9, 18, true, true);
        a.session_gap = 4 * HOUR;
        a.session_len = (5, 15);
        label(&mut labels, &account, Scenario::Revoked, w);
        add(&mut actors, a);
    }
    // A slow scraper: random members every 15-30 s around the clock.
    let w = (day(5), day(5) + volume(36, 8) as Millis * HOUR);
    let mut a = Actor::new("officer-slow-9".into(), "membership", next_rng(&mut rng), w);
    a.session_len = (20_000, 20_000);
    a.pace = (15_000, 30_000);
    a.session_gap = MINUTE;
    a.agents = vec!["Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0"];
    label(&mut labels, "officer-slow-9", Scenario::SlowScraper, w);
    add(&mut actors, a);
    // An export burst.
    let w = (day(6) + 22 * HOUR, day(6) + 23 * HOUR);
    let mut a = Actor::new("staff-export-4".into(), "membership", next_rng(&mut rng), w);
    a.pick = Pick::Export {
        rows: (20_000, 60_000),
    };
    a.session_len = (8, 8);
    a.pace = (60_000, 300_000);
    a.session_gap = MINUTE;
    label(&mut labels, "staff-export-4", Scenario::ExportBurst, w);
    add(&mut actors, a);
    // Watched case files, and who may read them.
    for case in 40..44 {
        watchlist.push(format!(
            "case-{case},record,,,,cases,disciplinary-panel;staff-panel-1"
        ));
    }
    let w = (day(7) + 11 * HOUR, day(7) + 12 * HOUR);
    let mut a = Actor::new("officer-leak-3".into(), "membership", next_rng(&mut rng), w);
    a.pick = Pick::Cases;
    a.session_len = (3, 3);
    a.pace = (30_000, 120_000);
    a.session_gap = MINUTE;
    label(&mut labels, "officer-leak-3", Scenario::WatchedRecord, w);
    add(&mut actors, a);
    // A scrape split across five accounts of one campaign, one ip block.
    for k in 0..5u64 {
        let account = format!("camp-rowe-vol-{k}");
        watchlist.push(format!(
            "{account},campaign,rowe,,{},membership,campaign",
            fmt(embargo)
        ));
        let w = (day(8) + 20 * HOUR, day(8) + 23 * HOUR);
        let mut a = Actor::new(account.clone(), "membership", next_rng(&mut rng), w);
        a.pick = Pick::Sequential { step_max: 2 };
        a.cursor = m0 + 300_000 + k * 2000;
        a.session_len = (120, 120);
        a.pace = (20_000, 60_000);
        // One batch each, so every member stays under the per-identity limits.
        a.session_gap = 30 * DAY;
        a.ips = vec![format!("203.0.113.{}", 10 + k)];
        a.agents = vec!["python-requests/2.31.0"];
        label(&mut labels, &account, Scenario::Coordinated, w);
        add(&mut actors, a);
    }
    // A hijacked credential: a new ip and agent at 03:00.
    let w = (day(9) + 3 * HOUR, day(9) + 4 * HOUR);
    let mut a = Actor::new("staff-00001".into(), "membership", next_rng(&mut rng), w);
    a.session_len = (90, 90);
    a.pace = (5_000, 40_000);
    a.session_gap = MINUTE;
    a.ips = vec!["185.220.101.33".into()];
    a.agents = vec!["curl/8.5.0"];
    label(&mut labels, "staff-00001", Scenario::Hijacked, w);
    add(&mut actors, a);

    // Traps. The nightly sync: all members in id order at 02:00.
    watchlist.push("svc-sync,allow,,,,,service".into());
    let w = (t0, end);
    let mut a = Actor::new("svc-sync".into(), "membership", next_rng(&mut rng), w);
    a.pick = Pick::Sequential { step_max: 1 };
    a.cursor = m0;
    a.hours = Hours::new(2, 3, true, true);
    // Gaps count active time only: one active hour a day, so once a night.
    a.session_gap = 40 * MINUTE;
    let n = volume(20_000, 200);
    a.session_len = (n, n);
    a.pace = (50, 300);
    a.ips = vec!["10.20.0.2".into()];
    a.agents = vec!["member-sync/2.3"];
    label(&mut labels, "svc-sync", Scenario::NightlySync, w);
    add(&mut actors, a);
    // The data team's scheduled exports.
    watchlist.push("data-team,allow,,,,,data".into());
    let mut a = Actor::new("data-team".into(), "membership", next_rng(&mut rng), w);
    a.pick = Pick::Export {
        rows: (50_000, 200_000),
    };
    a.hours = Hours::new(6, 7, true, false);
    a.session_gap = 50 * MINUTE;
    a.session_len = (1, 3);
    a.ips = vec!["10.20.0.5".into()];
    label(&mut labels, "data-team", Scenario::DataTeamExport, w);
    add(&mut actors, a);
    // A busy phone-bank lead on election night.
    let w = (
        day(world.election_day) + 17 * HOUR,
        day(world.election_day) + 22 * HOUR,
    );
    let mut a = Actor::new(
        "phone-bank-lead-night".into(),
        "phone-banking",
        next_rng(&mut rng),
        w,
    );
    let n = volume(600, 120);
    a.session_len = (n, n);
    a.pace = (3_000, 40_000);
    a.session_gap = MINUTE;
    watchlist.push("phone-bank-lead-night,allow,,,,,phone-bank-lead".into());
    label(
        &mut labels,
        "phone-bank-lead-night",
        Scenario::ElectionNightLead,
        w,
    );
    add(&mut actors, a);
    // An officer walking a short branch list.
    let lo = m0 + 17 * branch_size;
    let mut a = Actor::new(
        "officer-branch-walk".into(),
        "membership",
        next_rng(&mut rng),
        (day(1), end),
    );
    a.pick = Pick::Branch {
        lo,
        hi: lo + branch_size,
        walk: 0.6,
        burst: 0.0,
    };
    a.hours = Hours::new(18, 21, true, true);
    a.session_gap = 2 * HOUR;
    label(
        &mut labels,
        "officer-branch-walk",
        Scenario::BranchWalk,
        (day(1), end),
    );
    add(&mut actors, a);

    if world.kind == WorldKind::Hard {
        // An ordinary user of `role` named `account`: the everyday half of
        // an account that a scenario also uses.
        let everyday = |rng: &mut Rng, role: Role, account: &str| {
            let mut a = ordinary_kind(world, role, 0, next_rng(rng));
            a.account = account.to_string();
            harden(world, role, &mut a);
            a.start()
        };
        // Order-free enumeration: every member of a contiguous block, in
        // shuffled order, a few a minute, over several evenings.
        for (account, role, from, size, first_day, hours, pace) in [
            (
                "staff-90001",
                Role::Staff,
                200_000,
                4000,
                3,
                Hours::new(19, 23, true, true),
                (5_000, 25_000),
            ),
            (
                "volunteer-90002",
                Role::Volunteer,
                410_000,
                2500,
                8,
                Hours::new(20, 23, true, true),
                (8_000, 30_000),
            ),
        ] {
            let holder = everyday(&mut rng, role, account);
            let client = (holder.ips.clone(), holder.agents.clone());
            actors.push(holder);
            let w = (day(first_day) + hours.from_hour * HOUR, end);
            let mut a = Actor::new(account.into(), "membership", next_rng(&mut rng), w);
            a.pick = Pick::Queue;
            let lo = m0 + from;
            a.shuffle_block(lo, lo + volume(size, 600), world.lapsed_every);
            a.hours = hours;
            a.session_len = (30, 90);
            a.session_gap = 10 * MINUTE;
            a.pace = pace;
            // The account holder, from its own machine.
            (a.ips, a.agents) = client;
            label(&mut labels, account, Scenario::OrderFreeEnumeration, w);
            add(&mut actors, a);
        }
        // Two places at once: the owner at work, and someone else with the
        // same credential from another network and another agent.
        for (account, role, ip, agent, first_day, hours) in [
            (
                "staff-90003",
                Role::Staff,
                "198.51.100.77",
                BROWSERS[2],
                9,
                Hours::new(10, 16, true, true),
            ),
            (
                "officer-90004",
                Role::Officer,
                "203.0.113.200",
                BROWSERS[5],
                5,
                Hours::new(18, 22, true, true),
            ),
        ] {
            let owner = everyday(&mut rng, role, account);
            let w = (day(first_day), day(first_day + 2));
            // The owner works those evenings too, from its usual place.
            let mut at_work = Actor::new(account.into(), owner.system, next_rng(&mut rng), w);
            at_work.pick = owner.pick;
            at_work.ips = owner.ips.clone();
            at_work.agents = owner.agents.clone();
            at_work.hours = hours;
            at_work.session_len = (10, 30);
            at_work.session_gap = 30 * MINUTE;
            at_work.pace = owner.pace;
            actors.push(owner);
            add(&mut actors, at_work);
            let mut a = Actor::new(account.into(), "membership", next_rng(&mut rng), w);
            a.hours = hours;
            a.session_len = (20, 60);
            a.session_gap = 40 * MINUTE;
            a.pace = (20_000, 90_000);
            a.ips = vec![ip.into()];
            a.agents = vec![agent];
            label(&mut labels, account, Scenario::TwoPlaces, w);
            add(&mut actors, a);
        }
        // A block split across six accounts on one network with one agent,
        // no campaign: each reads its slice in shuffled order.
        for k in 0..6u64 {
            let account = format!("volunteer-{}", 90_010 + k);
            actors.push(everyday(&mut rng, Role::Volunteer, &account));
            let w = (day(10) + 18 * HOUR, day(10) + 23 * HOUR);
            let mut a = Actor::new(account.clone(), "membership", next_rng(&mut rng), w);
            a.pick = Pick::Queue;
            let lo = m0 + 350_000 + k * 300;
            a.shuffle_block(lo, lo + 300, world.lapsed_every);
            a.session_len = (1000, 1000);
            a.session_gap = MINUTE;
            a.pace = (20_000, 60_000);
            a.ips = vec![format!("198.18.7.{}", 20 + k)];
            a.agents = vec![BROWSERS[0]];
            label(&mut labels, &account, Scenario::SplitAccounts, w);
            add(&mut actors, a);
        }
        // Single large exports: one lead list each, a few thousand rows.
        for (account, rows, first_day, hour) in [
            ("staff-90020", (6_000, 9_000), 6, 11),
            ("staff-90021", (15_000, 25_000), 11, 15),
        ] {
            let holder = everyday(&mut rng, Role::Staff, account);
            let w = (
                day(first_day) + hour * HOUR,
                day(first_day) + (hour + 1) * HOUR,
            );
            let mut a = Actor::new(account.into(), "membership", next_rng(&mut rng), w);
            (a.ips, a.agents) = (holder.ips.clone(), holder.agents.clone());
            actors.push(holder);
            a.pick = Pick::Export { rows };
            a.session_len = (1, 1);
            a.session_gap = 30 * DAY;
            label(&mut labels, account, Scenario::SingleExport, w);
            add(&mut actors, a);
        }
        // A day of many distinct members from an account whose days hold
        // few, at a pace no hour notices.
        for (account, role, on_day, hours) in [
            ("staff-90030", Role::Staff, 8, Hours::new(9, 17, true, true)),
            (
                "officer-90031",
                Role::Officer,
                12,
                Hours::new(10, 18, true, true),
            ),
        ] {
            let holder = everyday(&mut rng, role, account);
            let w = (day(on_day), day(on_day + 1));
            let mut a = Actor::new(account.into(), "membership", next_rng(&mut rng), w);
            (a.ips, a.agents) = (holder.ips.clone(), holder.agents.clone());
            actors.push(holder);
            a.hours = hours;
            a.session_len = (40, 80);
            a.session_gap = 5 * MINUTE;
            a.pace = (8_000, 30_000);
            label(&mut labels, account, Scenario::DistinctDaySurge, w);
            add(&mut actors, a);
        }
        // Traps. Officers who export their branch list once.
        for k in 0..4 {
            let account = format!("officer-{}", 90_050 + k);
            let a = everyday(&mut rng, Role::Officer, &account);
            let Pick::Branch { lo, hi, .. } = a.pick else {
                continue;
            };
            let client = (a.ips.clone(), a.agents.clone());
            actors.push(a);
            let rows = (lo..hi).filter(|id| id % world.lapsed_every != 0).count() as u64;
            let on = day(2 + 3 * k as i64) + 19 * HOUR;
            let w = (on, on + HOUR);
            let mut a = Actor::new(account.clone(), "membership", next_rng(&mut rng), w);
            (a.ips, a.agents) = client;
            a.pick = Pick::Export {
                rows: (rows, rows + 1),
            };
            a.session_len = (1, 1);
            a.session_gap = 30 * DAY;
            label(&mut labels, &account, Scenario::BranchExport, w);
            add(&mut actors, a);
        }
        // Officers who read through part of their branch now and then.
        for k in 0..6 {
            let account = format!("officer-{}", 90_060 + k);
            let mut a = ordinary_kind(world, Role::Officer, 0, next_rng(&mut rng));
            a.account = account.clone();
            harden(world, Role::Officer, &mut a);
            if let Pick::Branch { burst, .. } = &mut a.pick {
                *burst = 0.2;
            }
            label(
                &mut labels,
                &account,
                Scenario::BranchReadThrough,
                (t0, end),
            );
            actors.push(a.start());
        }
        // Users on a laptop and a phone at home, and a phone on the move.
        for k in 0..6 {
            let account = format!("staff-{}", 90_070 + k);
            let mut a = ordinary_kind(world, Role::Staff, 0, next_rng(&mut rng));
            a.account = account.clone();
            harden(world, Role::Staff, &mut a);
            a.devices();
            if a.roam.is_none() {
                let mobile = a.random_ip();
                a.roam = Some((mobile, a.agents[1]));
            }
            label(&mut labels, &account, Scenario::SeveralDevices, (t0, end));
            actors.push(a.start());
        }
    }

    // The ordinary population, sized so the contest holds a little more
    // than the events asked for: dry runs of sample actors measure what one
    // actor of each role writes over the whole contest.
    let special: u64 = actors.iter().map(|a| a.clone().count(world)).sum();
    let ordinary_events = params.events.saturating_sub(special) as f64 * 1.05;
    let mut counter = Rng::new(params.seed ^ 0xca11_b4a7e);
    for (role, share) in world.shares {
        let samples = 40;
        let per_actor: u64 = (0..samples)
            .map(|i| ordinary(world, role, i, next_rng(&mut counter)).count(world))
            .sum::<u64>()
            .max(1);
        let n =
            ((ordinary_events * share * samples as f64 / per_actor as f64).ceil() as usize).max(3);
        for i in 0..n {
            actors.push(ordinary(world, role, i, next_rng(&mut rng)));
        }
    }
    Cast {
        actors,
        labels,
        watchlist,
    }
}

/// Branches of the membership: officers look after one each.
const BRANCHES: u64 = 400;

/// One ordinary actor of `role`.
fn ordinary(world: &World, role: Role, i: usize, rng: Rng) -> Actor {
    let mut a = ordinary_kind(world, role, i, rng);
    if world.kind == WorldKind::Hard {
        harden(world, role, &mut a);
    }
    a.start()
}

/// What the hard world adds to an ordinary actor: surges with the whole
/// population, officers who sometimes read through part of their branch,
/// and several devices.
fn harden(world: &World, role: Role, a: &mut Actor) {
    let polling = world.t0() + world.election_day * DAY;
    let evening = world.t0() + world.phone_bank_day * DAY;
    match role {
        Role::Volunteer | Role::Lead | Role::Canvasser => {
            // Polling day: everyone out from 8 to 22, three times as busy.
            a.hours.special = Some((world.start_day + world.election_day, 8, 22));
            a.boosts.push((polling, polling + DAY, 3.0));
            if role != Role::Canvasser {
                a.boosts
                    .push((evening + 17 * HOUR, evening + 22 * HOUR, 3.0));
            }
        }
        Role::Officer => {
            a.boosts.push((polling, polling + DAY, 2.0));
            if a.rng.chance(0.3) {
                if let Pick::Branch { burst, .. } = &mut a.pick {
                    *burst = 0.1;
                }
            }
        }
        Role::Staff => a.boosts.push((polling, polling + DAY, 1.5)),
    }
    if matches!(role, Role::Staff | Role::Officer) && a.rng.chance(0.25) {
        a.devices();
    }
}

/// An ordinary actor of `role` as the first world has it, not yet started.
fn ordinary_kind(world: &World, role: Role, i: usize, rng: Rng) -> Actor {
    let t0 = world.t0();
    let whole = (t0, t0 + world.days * DAY);
    let (m0, m1) = world.members;
    let branch_size = (m1 - m0) / BRANCHES;
    let mut a = Actor::new(
        format!("{}-{:05}", role.name(), i),
        "membership",
        rng,
        whole,
    );
    match role {
        Role::Volunteer => {
            a.system = "phone-banking";
            a.hours = Hours::new(17, 21, true, true);
            a.session_gap = 5 * HOUR;
            a.session_len = (8, 40);
            a.pace = (40_000, 240_000);
        }
        Role::Officer => {
            let b = a.rng.range(0, BRANCHES);
            let lo = m0 + b * branch_size;
            a.pick = Pick::Branch {
                lo,
                hi: lo + branch_size,
                walk: 0.0,
                burst: 0.0,
            };
            a.hours = Hours::new(9, 22, true, true);
            a.session_gap = 10 * HOUR;
            a.session_len = (3, 15);
            a.pace = (15_000, 120_000);
        }
        Role::Staff => {
            a.pick = Pick::Office;
            a.hours = Hours::new(9, 17, true, false);
            a.session_gap = 45 * MINUTE;
            a.session_len = (4, 20);
            a.pace = (10_000, 90_000);
        }
        Role::Canvasser => {
            a.system = "canvassing";
            a.pick = Pick::Voters;
            a.hours = Hours::new(10, 19, false, true);
            a.session_gap = 6 * HOUR;
            a.session_len = (10, 40);
            a.pace = (60_000, 300_000);
        }
        Role::Lead => {
            a.system = "phone-banking";
            a.hours = Hours::new(17, 22, true, true);
            a.session_gap = 4 * HOUR;
            a.session_len = (10, 40);
            a.pace = (20_000, 120_000);
        }
    }
    a
}

/// Writes `events.*`, `watchlist.csv`, `labels.json` (and for CLF a
/// `config.toml` mapping paths to systems) into `dir`.
pub fn generate(dir: &Path, params: &Params) -> Result<Written> {
    let io = |e: std::io::Error| Error::io(dir, &e);
    std::fs::create_dir_all(dir).map_err(io)?;
    let mut world = World::new(params.start_day, params.days);
    world.kind = params.world;
    let Cast {
        mut actors,
        labels,
        watchlist,
    } = cast(&world, params);
    let labelled: std::collections::BTreeSet<&str> =
        labels.iter().map(|l| l.identity.as_str()).collect();
    let ordinary = actors
        .iter()
        .filter(|a| !labelled.contains(a.account.as_str()))
        .count();
    let labelled = labelled.len();

    let file = std::fs::File::create(dir.join(events_file(params.format))).map_err(io)?;
    let mut w = std::io::BufWriter::with_capacity(1 << 20, file);
    let mut line = Vec::with_capacity(512);
    if params.format == OutFormat::Csv {
        w.write_all(
            b"ts,account,ip,system,action,record,page,rows,bytes,status,session,user_agent\n",
        )
        .map_err(io)?;
    }
    let mut heap: BinaryHeap<Reverse<(Millis, usize)>> = actors
        .iter()
        .enumerate()
        .map(|(i, a)| Reverse((a.next, i)))
        .collect();
    let mut written = 0u64;
    let mut minute_buf: Vec<(Millis, Vec<u8>)> = Vec::new();
    let mut shuffle_rng = Rng::new(params.seed ^ 0x5eed);
    let mut clock = TimeText::default();
    let mut failure = None;
    while written < params.events {
        let Some(Reverse((_, i))) = heap.pop() else {
            break;
        };
        let actor = &mut actors[i];
        let alive = actor.emit(&world, &mut |ev: &Out| {
            line.clear();
            write_event(&mut line, ev, params.format, &mut clock);
            if params.shuffle_minute {
                minute_buf.push((ev.time / MINUTE, line.clone()));
            } else if let Err(e) = w.write_all(&line) {
                failure = Some(e);
            }
        });
        written += 1;
        if alive {
            heap.push(Reverse((actor.next, i)));
        }
        if params.shuffle_minute && minute_buf.len() > 1 {
            let last = minute_buf.last().map(|x| x.0);
            if minute_buf[0].0 != last.unwrap_or(0) {
                let tail = minute_buf.pop().expect("non-empty");
                flush_minute(&mut minute_buf, &mut shuffle_rng, &mut w).map_err(io)?;
                minute_buf.push(tail);
            }
        }
        if let Some(e) = failure.take() {
            return Err(io(e));
        }
    }
    flush_minute(&mut minute_buf, &mut shuffle_rng, &mut w).map_err(io)?;
    w.flush().map_err(io)?;

    std::fs::write(dir.join("watchlist.csv"), watchlist.join("\n") + "\n").map_err(io)?;
    let labels_doc = serde_json::json!({
        "seed": params.seed,
        "world": params.world.name(),
        "events": written,
        "start": crate::time::format(world.t0()),
        "end": crate::time::format(world.t0() + world.days * DAY),
        "embargo": crate::time::format(world.t0() + world.embargo_day * DAY),
        "labels": labels,
    });
    std::fs::write(
        dir.join("labels.json"),
        serde_json::to_string_pretty(&labels_doc).expect("labels serialize") + "\n",
    )
    .map_err(io)?;
    if params.format == OutFormat::Clf {
        std::fs::write(dir.join("config.toml"), CLF_CONFIG).map_err(io)?;
    }
    if written < params.events {
        return Err(Error::new(
            ErrorKind::Data,
            format!("the simulated contest ran out after {written} events; ask for more --days"),
        ));
    }
    Ok(Written {
        events: written,
        actors: ordinary,
        labels: labelled,
    })
}

/// The scan configuration for generated combined-log-format files.
pub const CLF_CONFIG: &str = r#"# Written by scrapewatch generate: maps request paths to systems.
[input.clf.systems]
"/membership" = "membership"
"/phone-banking" = "phone-banking"
"/canvassing" = "canvassing"
"/cases" = "cases"
"#;

fn flush_minute(
    buf: &mut Vec<(Millis, Vec<u8>)>,
    rng: &mut Rng,
    w: &mut impl Write,
) -> std::io::Result<()> {
    for i in (1..buf.len()).rev() {
        let j = rng.range(0, i as u64 + 1) as usize;
        buf.swap(i, j);
    }
    for (_, line) in buf.drain(..) {
        w.write_all(&line)?;
    }
    Ok(())
}

/// Formats times quickly: the date part is cached per day.
#[derive(Default)]
struct TimeText {
    day: Option<i64>,
    ymd: (i64, i64, i64),
}

impl TimeText {
    fn rfc3339(&mut self, out: &mut Vec<u8>, t: Millis) {
        let day = t.div_euclid(DAY);
        if self.day != Some(day) {
            self.day = Some(day);
            self.ymd = crate::time::civil_from_days(day);
        }
        let (y, m, d) = self.ymd;
        let ms = t.rem_euclid(DAY);
        let (h, mi, s, f) = (ms / HOUR, ms / MINUTE % 60, ms / 1000 % 60, ms % 1000);
        num(out, y as u64, 4);
        out.push(b'-');
        num(out, m as u64, 2);
        out.push(b'-');
        num(out, d as u64, 2);
        out.push(b'T');
        num(out, h as u64, 2);
        out.push(b':');
        num(out, mi as u64, 2);
        out.push(b':');
        num(out, s as u64, 2);
        out.push(b'.');
        num(out, f as u64, 3);
        out.push(b'Z');
    }

    fn clf(&mut self, out: &mut Vec<u8>, t: Millis) {
        const MONTHS: [&str; 12] = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ];
        let day = t.div_euclid(DAY);
        if self.day != Some(day) {
            self.day = Some(day);
            self.ymd = crate::time::civil_from_days(day);
        }
        let (y, m, d) = self.ymd;
        let ms = t.rem_euclid(DAY);
        num(out, d as u64, 2);
        out.push(b'/');
        out.extend_from_slice(MONTHS[m as usize - 1].as_bytes());
        out.push(b'/');
        num(out, y as u64, 4);
        out.push(b':');
        num(out, (ms / HOUR) as u64, 2);
        out.push(b':');
        num(out, (ms / MINUTE % 60) as u64, 2);
        out.push(b':');
        num(out, (ms / 1000 % 60) as u64, 2);
        out.extend_from_slice(b" +0000");
    }
}

/// Writes `n` in decimal, zero-padded to `width`.
fn num(out: &mut Vec<u8>, mut n: u64, width: usize) {
    let mut buf = [b'0'; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    let start = i.min(buf.len() - width);
    out.extend_from_slice(&buf[start..]);
}

fn write_event(out: &mut Vec<u8>, ev: &Out, format: OutFormat, clock: &mut TimeText) {
    match format {
        OutFormat::Ndjson => {
            out.extend_from_slice(b"{\"ts\":\"");
            clock.rfc3339(out, ev.time);
            for (k, v) in [
                ("account", ev.account),
                ("ip", ev.ip),
                ("system", ev.system),
                ("action", ev.action),
            ] {
                out.extend_from_slice(b"\",\"");
                out.extend_from_slice(k.as_bytes());
                out.extend_from_slice(b"\":\"");
                out.extend_from_slice(v.as_bytes());
            }
            out.push(b'"');
            if let Some(r) = ev.record {
                out.extend_from_slice(b",\"record\":");
                num(out, r, 1);
            }
            if let Some(c) = ev.case {
                out.extend_from_slice(b",\"record\":\"case-");
                num(out, c, 1);
                out.push(b'"');
            }
            if ev.page > 0 {
                out.extend_from_slice(b",\"page\":");
                num(out, ev.page, 1);
            }
            if ev.rows > 0 {
                out.extend_from_slice(b",\"rows\":");
                num(out, ev.rows, 1);
            }
            out.extend_from_slice(b",\"bytes\":");
            num(out, ev.bytes, 1);
            out.extend_from_slice(b",\"status\":200,\"session\":\"");
            session(out, ev);
            out.extend_from_slice(b"\",\"user_agent\":\"");
            out.extend_from_slice(ev.agent.as_bytes());
            out.extend_from_slice(b"\"}\n");
        }
        OutFormat::Csv => {
            clock.rfc3339(out, ev.time);
            for v in [ev.account, ev.ip, ev.system, ev.action] {
                out.push(b',');
                out.extend_from_slice(v.as_bytes());
            }
            out.push(b',');
            if let Some(r) = ev.record {
                num(out, r, 1);
            }
            if let Some(c) = ev.case {
                out.extend_from_slice(b"case-");
                num(out, c, 1);
            }
            out.push(b',');
            if ev.page > 0 {
                num(out, ev.page, 1);
            }
            out.push(b',');
            if ev.rows > 0 {
                num(out, ev.rows, 1);
            }
            out.push(b',');
            num(out, ev.bytes, 1);
            out.extend_from_slice(b",200,");
            session(out, ev);
            out.extend_from_slice(b",\"");
            out.extend_from_slice(ev.agent.as_bytes());
            out.extend_from_slice(b"\"\n");
        }
        OutFormat::Clf => {
            out.extend_from_slice(ev.ip.as_bytes());
            out.extend_from_slice(b" - ");
            out.extend_from_slice(ev.account.as_bytes());
            out.extend_from_slice(b" [");
            clock.clf(out, ev.time);
            out.extend_from_slice(b"] \"");
            let method: &[u8] = if ev.action == "export" {
                b"POST"
            } else {
                b"GET"
            };
            out.extend_from_slice(method);
            out.extend_from_slice(b" /");
            out.extend_from_slice(ev.system.as_bytes());
            match (ev.action, ev.record, ev.case) {
                ("search", _, _) => {
                    out.extend_from_slice(b"/search?q=a&page=");
                    num(out, ev.page.max(1), 1);
                }
                ("export", _, _) => out.extend_from_slice(b"/export"),
                (_, Some(r), _) => {
                    out.extend_from_slice(b"/members/");
                    num(out, r, 1);
                }
                (_, _, Some(c)) => {
                    out.extend_from_slice(b"/view?id=case-");
                    num(out, c, 1);
                }
                _ => out.push(b'/'),
            }
            out.extend_from_slice(b" HTTP/1.1\" 200 ");
            num(out, ev.bytes, 1);
            out.extend_from_slice(b" \"-\" \"");
            out.extend_from_slice(ev.agent.as_bytes());
            out.extend_from_slice(b"\"\n");
        }
    }
}

fn session(out: &mut Vec<u8>, ev: &Out) {
    out.extend_from_slice(b"s-");
    let h = ev.account.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x100_0000_01b3)
    });
    num(
        out,
        (h ^ ev.session.wrapping_mul(0x9E37_79B9)) % 1_000_000_000,
        9,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn active_hours_advance() {
        let h = Hours::new(9, 17, true, false);
        // 2024-07-05 is a Friday.
        let fri = days_from_civil(2024, 7, 5) * DAY;
        assert_eq!(h.advance(fri + 8 * HOUR, HOUR, i64::MAX), fri + 10 * HOUR);
        // Two hours from Friday 16:00 is Monday 10:00.
        assert_eq!(
            h.advance(fri + 16 * HOUR, 2 * HOUR, i64::MAX),
            fri + 3 * DAY + 10 * HOUR
        );
        assert_eq!(h.advance(fri, 1000 * DAY, fri + DAY), fri + DAY);
    }

    #[test]
    fn rng_is_fixed() {
        let mut r = Rng::new(1);
        let first: Vec<u64> = (0..3).map(|_| r.next_u64() % 1000).collect();
        let mut again = Rng::new(1);
        assert_eq!(
            first,
            (0..3).map(|_| again.next_u64() % 1000).collect::<Vec<_>>()
        );
    }

    #[test]
    fn numbers_pad() {
        let mut v = Vec::new();
        num(&mut v, 7, 3);
        num(&mut v, 12345, 2);
        num(&mut v, 0, 1);
        assert_eq!(v, b"007123450");
    }
}
