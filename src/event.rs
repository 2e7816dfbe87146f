//! The compact access event and the tables its symbols point into.
//!
//! An [`Event`] is 40 bytes: the time, who (identity), from where (client:
//! ip, user agent and session interned together), what (system, action,
//! record, page, rows, bytes, status) and where the line came from (file and
//! line), so every finding can point back to raw lines. Strings live once
//! in [`Tables`]. Widths are chosen for access logs: a scan holds up to
//! 1,048,575 files and 4,096 systems, `status` saturates at 4,095, `page` at
//! 65,535, `bytes` per request at 4 GiB, and record ids above 2^31 - 2 or
//! not numeric are interned as strings (see [`Record`]).

use crate::intern::{same, union_in_order, Interner, Sym};
use crate::time::Millis;
use hashbrown::{DefaultHashBuilder, HashTable};
use rayon::prelude::*;
use serde::Serialize;
use std::hash::BuildHasher;

/// One access event. See the module docs for the field widths.
///
/// The file index and system share one 32-bit word, and the status and
/// action one 16-bit word, so the event stays 40 bytes with room for
/// [`Event::MAX_FILES`] files and [`Event::MAX_SYSTEMS`] systems; read
/// them with [`Event::file`], [`Event::system`], [`Event::status`] and
/// [`Event::action`], and set them with the `with_` and `set_` methods.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Event {
    /// UTC milliseconds.
    pub time: Millis,
    /// The actor, as configured by `[identity]` (symbol in `Tables::identities`).
    pub identity: Sym,
    /// (ip, user agent, session), symbol in `Tables::clients`.
    pub client: Sym,
    /// The record read, if any.
    pub record: Record,
    /// Records returned (searches, exports); 0 when absent.
    pub rows: u32,
    /// Bytes served, saturating at `u32::MAX`; 0 when absent.
    pub bytes: u32,
    /// 1-based line in its file.
    pub line: u32,
    /// The file index (low [`FILE_BITS`] bits) and the system symbol (the
    /// bits above).
    pub(crate) origin: u32,
    /// Page of a paged search, saturating at 65,535; 0 when absent.
    pub page: u16,
    /// The status (low [`STATUS_BITS`] bits) and the action (the bits
    /// above).
    pub(crate) outcome: u16,
}

/// Bits of [`Event`]'s file index.
const FILE_BITS: u32 = 20;
/// Bits of [`Event`]'s status.
const STATUS_BITS: u32 = 12;

impl Default for Event {
    fn default() -> Event {
        Event {
            time: 0,
            identity: 0,
            client: 0,
            record: Record::NONE,
            rows: 0,
            bytes: 0,
            line: 0,
            origin: 0,
            page: 0,
            outcome: 0,
        }
        .with_action(Action::Other)
    }
}

impl Event {
    /// How many input files a scan can hold: 2^20 - 1 (1,048,575), enough
    /// for a load balancer's five-minute files from many nodes for years.
    pub const MAX_FILES: usize = (1 << FILE_BITS) - 1;
    /// How many systems (the empty name, "unknown", included) a scan can
    /// hold: 4,096.
    pub const MAX_SYSTEMS: usize = 1 << (32 - FILE_BITS);
    /// The largest status kept as it is; larger ones (no HTTP status is)
    /// are stored as this.
    pub const MAX_STATUS: u16 = (1 << STATUS_BITS) - 1;

    /// Index of its file in the scan's file list.
    #[inline(always)]
    pub fn file(&self) -> u32 {
        self.origin & ((1 << FILE_BITS) - 1)
    }

    /// System symbol in `Tables::systems` (0 is the empty name: unknown).
    #[inline(always)]
    pub fn system(&self) -> u16 {
        (self.origin >> FILE_BITS) as u16
    }

    /// HTTP-like status, at most [`Event::MAX_STATUS`]; 0 when absent.
    #[inline(always)]
    pub fn status(&self) -> u16 {
        self.outcome & Event::MAX_STATUS
    }

    /// Canonical action.
    #[inline(always)]
    pub fn action(&self) -> Action {
        Action::from_code((self.outcome >> STATUS_BITS) as u8)
    }

    /// Sets the file index; one above [`Event::MAX_FILES`] keeps its low
    /// bits (callers refuse more files than that before parsing).
    #[inline(always)]
    pub fn set_file(&mut self, file: u32) {
        debug_assert!(file as usize <= Event::MAX_FILES);
        self.origin = (self.origin & !((1 << FILE_BITS) - 1)) | (file & ((1 << FILE_BITS) - 1));
    }

    /// Sets the system symbol (callers keep it below
    /// [`Event::MAX_SYSTEMS`]).
    #[inline(always)]
    pub fn set_system(&mut self, system: u16) {
        debug_assert!((system as usize) < Event::MAX_SYSTEMS);
        self.origin = (self.origin & ((1 << FILE_BITS) - 1)) | ((system as u32) << FILE_BITS);
    }

    /// Sets the status, saturating at [`Event::MAX_STATUS`].
    #[inline(always)]
    pub fn set_status(&mut self, status: u16) {
        self.outcome = (self.outcome & !Event::MAX_STATUS) | status.min(Event::MAX_STATUS);
    }

    /// Sets the action.
    #[inline(always)]
    pub fn set_action(&mut self, action: Action) {
        self.outcome = (self.outcome & Event::MAX_STATUS) | ((action as u16) << STATUS_BITS);
    }

    /// With the file index set.
    #[must_use]
    pub fn with_file(mut self, file: u32) -> Event {
        self.set_file(file);
        self
    }

    /// With the system set.
    #[must_use]
    pub fn with_system(mut self, system: u16) -> Event {
        self.set_system(system);
        self
    }

    /// With the status set.
    #[must_use]
    pub fn with_status(mut self, status: u16) -> Event {
        self.set_status(status);
        self
    }

    /// With the action set.
    #[must_use]
    pub fn with_action(mut self, action: Action) -> Event {
        self.set_action(action);
        self
    }
}

/// A record id: a number up to 2^31 - 2 stored as is, anything else an
/// interned string (top bit set), or none.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Record(pub u32);

impl Default for Record {
    fn default() -> Record {
        Record::NONE
    }
}

impl Record {
    /// No record.
    pub const NONE: Record = Record(u32::MAX);
    const STRING: u32 = 1 << 31;
    /// Largest id stored as a number.
    pub const MAX_NUMERIC: u64 = (Record::STRING - 1) as u64;

    /// A numeric record id, if it fits.
    pub fn numeric(n: u64) -> Option<Record> {
        (n <= Record::MAX_NUMERIC).then_some(Record(n as u32))
    }

    /// A string record id, by its symbol in `Tables::records`.
    pub fn string(sym: Sym) -> Record {
        Record(Record::STRING | sym)
    }

    /// Whether there is a record.
    pub fn is_some(self) -> bool {
        self != Record::NONE
    }

    /// The numeric id, if this is one.
    pub fn as_number(self) -> Option<u32> {
        (self.0 & Record::STRING == 0).then_some(self.0)
    }

    /// The string symbol, if this is a string id.
    pub fn as_string(self) -> Option<Sym> {
        (self.is_some() && self.0 & Record::STRING != 0).then_some(self.0 & !Record::STRING)
    }
}

/// The canonical actions every format's action words are mapped to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
#[repr(u8)]
pub enum Action {
    /// Opening one record.
    Read,
    /// A search or list, possibly paged.
    Search,
    /// A bulk export.
    Export,
    /// Any write.
    Update,
    /// Authentication.
    Login,
    /// Anything else (static assets included).
    #[default]
    Other,
}

impl Action {
    /// All actions, in order.
    pub const ALL: [Action; 6] = [
        Action::Read,
        Action::Search,
        Action::Export,
        Action::Update,
        Action::Login,
        Action::Other,
    ];

    /// The canonical word.
    pub fn name(self) -> &'static str {
        match self {
            Action::Read => "read",
            Action::Search => "search",
            Action::Export => "export",
            Action::Update => "update",
            Action::Login => "login",
            Action::Other => "other",
        }
    }

    /// The action of its code (`action as u8`); an unknown code is `Other`.
    #[inline(always)]
    pub fn from_code(code: u8) -> Action {
        match code {
            0 => Action::Read,
            1 => Action::Search,
            2 => Action::Export,
            3 => Action::Update,
            4 => Action::Login,
            _ => Action::Other,
        }
    }

    /// The action named by a canonical word.
    pub fn from_name(s: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.name() == s)
    }
}

/// Where a request came from: interned ip, user agent and session.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Client {
    /// Symbol in `Tables::ips`.
    pub ip: Sym,
    /// Symbol in `Tables::agents`.
    pub agent: Sym,
    /// Symbol in `Tables::sessions`.
    pub session: Sym,
}

/// A local table's symbols in merged tables ([`Tables::merge`]), indexed
/// by local symbol.
pub struct SymMaps {
    /// Identities.
    pub identities: Vec<Sym>,
    /// Systems.
    pub systems: Vec<Sym>,
    /// String record ids.
    pub records: Vec<Sym>,
    /// Clients.
    pub clients: Vec<Sym>,
}

/// The string tables events point into.
#[derive(Default, Clone)]
pub struct Tables {
    /// Identity strings (after the merge: in byte order, so identity symbols
    /// sort like their names).
    pub identities: Interner,
    /// IP addresses as written.
    pub ips: Interner,
    /// User agents.
    pub agents: Interner,
    /// Sessions.
    pub sessions: Interner,
    /// System names; at most [`Event::MAX_SYSTEMS`].
    pub systems: Interner,
    /// Non-numeric record ids.
    pub records: Interner,
    /// (ip, agent, session) triples.
    clients: Vec<Client>,
    client_index: HashTable<Sym>,
    hasher: DefaultHashBuilder,
    /// Where JSON documents' elements start, for their provenance.
    pub origins: Origins,
}

/// The lines JSON documents' elements start on. An event of a JSON
/// document has its element's number as its line (so it orders and
/// counts like a line); its provenance is `file:line#n`, the line the
/// n-th element starts on, which a person can open. Other files' events
/// are `file:line` (a Parquet or Arrow file's: `file:row`).
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Origins {
    /// File index -> the start line of each element, in element order.
    by_file: std::collections::BTreeMap<u32, Vec<u32>>,
}

impl Origins {
    /// Records the start lines of the elements of `file`, a JSON document.
    pub fn insert(&mut self, file: u32, starts: Vec<u32>) {
        self.by_file.insert(file, starts);
    }

    /// Whether no file is a JSON document.
    pub fn is_empty(&self) -> bool {
        self.by_file.is_empty()
    }

    /// The provenance of an event: `path:line`, or `path:line#n` when its
    /// file is a JSON document (`line` being the element number `n`).
    pub fn place(&self, path: &str, file: u32, line: u32) -> String {
        match self.by_file.get(&file) {
            Some(starts) => {
                let start = starts.get((line as usize).wrapping_sub(1)).unwrap_or(&0);
                format!("{path}:{start}#{line}")
            }
            None => format!("{path}:{line}"),
        }
    }
}

impl Tables {
    /// The record as text.
    pub fn record_text(&self, record: Record) -> String {
        match (record.as_number(), record.as_string()) {
            (Some(n), _) => n.to_string(),
            (_, Some(sym)) => self.records.text(sym).into_owned(),
            _ => String::new(),
        }
    }

    /// Empty tables; system 0 is the empty name (unknown system).
    pub fn new() -> Tables {
        let mut tables = Tables::default();
        tables.systems.intern(b"");
        tables
    }

    /// The client of an event.
    pub fn client(&self, sym: Sym) -> Client {
        self.clients[sym as usize]
    }

    /// How many clients there are.
    pub fn client_count(&self) -> usize {
        self.clients.len()
    }

    /// The client symbol of (ip, agent, session), interning what is new.
    /// One hash probe when the triple was seen before, the usual case.
    #[inline]
    pub fn intern_client(&mut self, ip: &[u8], agent: &[u8], session: &[u8]) -> Sym {
        if self.client_index.len() < self.clients.len() {
            self.index_clients();
        }
        let hash = self.hasher.hash_one((ip, agent, session));
        let found = self.client_index.find(hash, |&c| {
            let c = self.clients[c as usize];
            same(self.ips.get(c.ip), ip)
                && same(self.agents.get(c.agent), agent)
                && same(self.sessions.get(c.session), session)
        });
        if let Some(&c) = found {
            return c;
        }
        let client = Client {
            ip: self.ips.intern(ip),
            agent: self.agents.intern(agent),
            session: self.sessions.intern(session),
        };
        self.clients.push(client);
        self.index_clients();
        self.clients.len() as Sym - 1
    }

    /// Merges `locals` in order into one set of tables, in parallel, and
    /// returns with it, for each local table, the merged symbol of each of
    /// its symbols. Every table is numbered by first appearance, as if the
    /// local tables' strings had been interned in turn.
    pub fn merge(locals: &[&Tables]) -> (Tables, Vec<SymMaps>) {
        type Get = fn(&Tables) -> &Interner;
        let parts: [Get; 5] = [
            |t| &t.identities,
            |t| &t.ips,
            |t| &t.agents,
            |t| &t.sessions,
            |t| &t.records,
        ];
        let mut merged: Vec<(Interner, Vec<Vec<Sym>>)> = parts
            .into_par_iter()
            .map(|get| Interner::merge(&locals.iter().map(|t| get(t)).collect::<Vec<_>>()))
            .collect();
        let (records, record_maps) = merged.pop().expect("five parts");
        let (sessions, session_maps) = merged.pop().expect("five parts");
        let (agents, agent_maps) = merged.pop().expect("five parts");
        let (ips, ip_maps) = merged.pop().expect("five parts");
        let (identities, identity_maps) = merged.pop().expect("five parts");
        let mut out = Tables::new();
        // (Systems are few: at most Event::MAX_SYSTEMS are allowed.)
        let system_maps: Vec<Vec<Sym>> = locals
            .iter()
            .map(|t| {
                (0..t.systems.len() as Sym)
                    .map(|s| out.systems.intern(t.systems.get(s)))
                    .collect()
            })
            .collect();
        let lens: Vec<usize> = locals.iter().map(|t| t.clients.len()).collect();
        let (order, client_maps) = union_in_order(&lens, &out.hasher, |t, c| {
            let c = locals[t].clients[c as usize];
            (
                ip_maps[t][c.ip as usize],
                agent_maps[t][c.agent as usize],
                session_maps[t][c.session as usize],
            )
        });
        out.identities = identities;
        out.ips = ips;
        out.agents = agents;
        out.sessions = sessions;
        out.records = records;
        out.clients.reserve(order.len());
        // (The client index is built when first needed: after a scan,
        // clients are only read.)
        out.clients = order
            .into_iter()
            .map(|(t, c, _)| {
                let (t, c) = (t as usize, locals[t as usize].clients[c as usize]);
                Client {
                    ip: ip_maps[t][c.ip as usize],
                    agent: agent_maps[t][c.agent as usize],
                    session: session_maps[t][c.session as usize],
                }
            })
            .collect();
        let maps = identity_maps
            .into_iter()
            .zip(system_maps)
            .zip(record_maps)
            .zip(client_maps)
            .map(|(((identities, systems), records), clients)| SymMaps {
                identities,
                systems,
                records,
                clients,
            })
            .collect();
        (out, maps)
    }

    /// Indexes the clients not indexed yet: the one just added, or all
    /// that `merge` left unindexed.
    fn index_clients(&mut self) {
        let Tables {
            ips,
            agents,
            sessions,
            clients,
            client_index,
            hasher,
            ..
        } = self;
        let strings = |c: Client| (ips.get(c.ip), agents.get(c.agent), sessions.get(c.session));
        for sym in client_index.len()..clients.len() {
            let hash = hasher.hash_one(strings(clients[sym]));
            client_index.insert_unique(hash, sym as Sym, |&o| {
                hasher.hash_one(strings(clients[o as usize]))
            });
        }
    }

    /// The ip, agent and session strings of a client.
    pub fn client_parts(&self, sym: Sym) -> (&[u8], &[u8], &[u8]) {
        let c = self.clients[sym as usize];
        (
            self.ips.get(c.ip),
            self.agents.get(c.agent),
            self.sessions.get(c.session),
        )
    }

    /// Bytes held by all tables.
    pub fn heap_bytes(&self) -> usize {
        self.identities.heap_bytes()
            + self.ips.heap_bytes()
            + self.agents.heap_bytes()
            + self.sessions.heap_bytes()
            + self.systems.heap_bytes()
            + self.records.heap_bytes()
            + self.clients.capacity() * std::mem::size_of::<Client>()
            + self.client_index.capacity() * 5
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_is_forty_bytes() {
        assert_eq!(std::mem::size_of::<Event>(), 40);
    }

    #[test]
    fn packed_fields_keep_their_values_apart() {
        let e = Event::default();
        assert_eq!(
            (e.file(), e.system(), e.status(), e.action()),
            (0, 0, 0, Action::Other)
        );
        let top_system = (Event::MAX_SYSTEMS - 1) as u16;
        for action in Action::ALL {
            let mut e = Event::default()
                .with_file(Event::MAX_FILES as u32)
                .with_system(top_system)
                .with_status(404)
                .with_action(action);
            assert_eq!(e.file(), Event::MAX_FILES as u32);
            assert_eq!(e.system(), top_system);
            assert_eq!((e.status(), e.action()), (404, action));
            e.set_file(7);
            e.set_system(3);
            e.set_status(u16::MAX);
            assert_eq!((e.file(), e.system()), (7, 3));
            assert_eq!((e.status(), e.action()), (Event::MAX_STATUS, action));
        }
        assert_eq!(Action::from_code(200), Action::Other);
    }

    #[test]
    fn record_kinds() {
        let n = Record::numeric(123).unwrap();
        assert_eq!(n.as_number(), Some(123));
        assert_eq!(n.as_string(), None);
        assert!(Record::numeric(Record::MAX_NUMERIC + 1).is_none());
        let s = Record::string(7);
        assert_eq!(s.as_string(), Some(7));
        assert_eq!(s.as_number(), None);
        assert!(!Record::NONE.is_some());
        assert_eq!(Record::NONE.as_string(), None);
    }

    #[test]
    fn merged_tables_equal_interning_in_turn_and_stay_internable() {
        let clients = [
            [
                ("10.0.0.1", "a", ""),
                ("10.0.0.2", "a", "s1"),
                ("10.0.0.1", "b", ""),
            ],
            [
                ("10.0.0.2", "a", "s1"),
                ("10.0.0.3", "b", ""),
                ("10.0.0.1", "a", ""),
            ],
        ];
        let mut locals = Vec::new();
        let mut sequential = Tables::new();
        let mut expected = Vec::new();
        for (n, list) in clients.iter().enumerate() {
            let mut local = Tables::new();
            local.systems.intern(format!("system-{n}").as_bytes());
            local.identities.intern(format!("who-{n}").as_bytes());
            local.identities.intern(b"shared");
            for (ip, agent, session) in list {
                local.intern_client(ip.as_bytes(), agent.as_bytes(), session.as_bytes());
            }
            let mut map = Vec::new();
            for c in 0..local.client_count() as Sym {
                let (ip, agent, session) = local.client_parts(c);
                map.push(sequential.intern_client(ip, agent, session));
            }
            for s in 0..local.systems.len() as Sym {
                sequential.systems.intern(local.systems.get(s));
            }
            expected.push(map);
            locals.push(local);
        }
        let refs: Vec<&Tables> = locals.iter().collect();
        let (mut merged, maps) = Tables::merge(&refs);
        let got: Vec<Vec<Sym>> = maps.iter().map(|m| m.clients.clone()).collect();
        assert_eq!(got, expected);
        assert_eq!(maps[1].identities, vec![2, 1]);
        assert_eq!(maps[1].systems, vec![0, 2]);
        assert_eq!(merged.client_count(), 4);
        for c in 0..4 {
            assert_eq!(merged.client_parts(c), sequential.client_parts(c));
        }
        // The index is built on demand: no client is interned twice.
        assert_eq!(merged.intern_client(b"10.0.0.3", b"b", b""), 3);
        assert_eq!(merged.intern_client(b"10.0.0.4", b"b", b""), 4);
    }
}
