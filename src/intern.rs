//! String interning: each distinct byte string is stored once and named by a
//! dense `u32` symbol. Chunks intern into their own local tables while they
//! parse (no locks on the hot path); the scan driver then merges the local
//! tables in input order, so a string's global symbol is the order of its
//! first appearance in the input, whatever the chunking or thread count.

use hashbrown::{DefaultHashBuilder, HashTable};
use std::hash::BuildHasher;

/// A dense symbol naming one interned string.
pub type Sym = u32;

/// Interned byte strings stored end to end in one arena.
#[derive(Default, Clone)]
pub struct Interner {
    arena: Vec<u8>,
    /// End offset of each string (usize: the arena may pass 4 GiB).
    ends: Vec<usize>,
    table: HashTable<Sym>,
    hasher: DefaultHashBuilder,
    /// The symbol [`Interner::intern`] returned last: log lines come in
    /// runs of one actor, so a string is often the previous line's, and
    /// then one compare finds it without hashing or probing.
    last: Option<Sym>,
}

impl Interner {
    /// An empty interner.
    pub fn new() -> Interner {
        Interner::default()
    }

    /// The symbol of `s`, adding it if new.
    #[inline]
    pub fn intern(&mut self, s: &[u8]) -> Sym {
        if let Some(last) = self.last {
            if same(slice(&self.arena, &self.ends, last), s) {
                return last;
            }
        }
        let hash = self.hasher.hash_one(s);
        let Interner {
            arena, ends, table, ..
        } = self;
        let found = table.find(hash, |&sym| same(slice(arena, ends, sym), s));
        let sym = match found {
            Some(&sym) => sym,
            None => {
                let sym = ends.len() as Sym;
                arena.extend_from_slice(s);
                ends.push(arena.len());
                let hasher = &self.hasher;
                table.insert_unique(hash, sym, |&other| {
                    hasher.hash_one(slice(arena, ends, other))
                });
                sym
            }
        };
        self.last = Some(sym);
        sym
    }

    /// The symbol of `s` if it was interned.
    pub fn get_sym(&self, s: &[u8]) -> Option<Sym> {
        let hash = self.hasher.hash_one(s);
        self.table
            .find(hash, |&sym| same(slice(&self.arena, &self.ends, sym), s))
            .copied()
    }

    /// The string of `sym`.
    #[inline]
    pub fn get(&self, sym: Sym) -> &[u8] {
        slice(&self.arena, &self.ends, sym)
    }

    /// The string of `sym`, lossily as UTF-8.
    pub fn text(&self, sym: Sym) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(self.get(sym))
    }

    /// How many strings are interned.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether nothing is interned.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Bytes held, for the memory account.
    pub fn heap_bytes(&self) -> usize {
        self.arena.capacity() + self.ends.capacity() * 8 + self.table.capacity() * 5
    }

    /// Symbols in byte order of their strings: `rank[sym]` is the position
    /// of `sym` when all strings are sorted.
    pub fn ranks(&self) -> Vec<Sym> {
        let mut order: Vec<Sym> = (0..self.len() as Sym).collect();
        order.sort_unstable_by(|&a, &b| self.get(a).cmp(self.get(b)));
        let mut rank = vec![0; order.len()];
        for (pos, &sym) in order.iter().enumerate() {
            rank[sym as usize] = pos as Sym;
        }
        rank
    }

    /// A new interner holding the same strings, renumbered by `rank`.
    pub fn renumbered(&self, rank: &[Sym]) -> Interner {
        let mut order = vec![0; rank.len()];
        for (sym, &r) in rank.iter().enumerate() {
            order[r as usize] = sym as Sym;
        }
        let mut out = Interner::new();
        for sym in order {
            out.intern(self.get(sym));
        }
        out
    }
}

impl Interner {
    /// Appends `s`, which the caller knows is not interned yet, with its
    /// hash under this interner's hasher.
    fn push_new(&mut self, s: &[u8], hash: u64) -> Sym {
        let sym = self.ends.len() as Sym;
        self.arena.extend_from_slice(s);
        self.ends.push(self.arena.len());
        let Interner {
            arena,
            ends,
            table,
            hasher,
            ..
        } = self;
        table.insert_unique(hash, sym, |&other| {
            hasher.hash_one(slice(arena, ends, other))
        });
        sym
    }

    /// Merges `locals` in order: the union of their strings numbered by
    /// first appearance (as if each had been interned in turn), and for each
    /// local table the global symbol of each of its symbols.
    pub fn merge(locals: &[&Interner]) -> (Interner, Vec<Vec<Sym>>) {
        let lens: Vec<usize> = locals.iter().map(|t| t.len()).collect();
        let mut out = Interner::new();
        let (order, maps) = union_in_order(&lens, &out.hasher, |t, sym| locals[t].get(sym));
        out.arena.reserve(
            order
                .iter()
                .map(|&(t, s, _)| locals[t as usize].get(s).len())
                .sum(),
        );
        out.ends.reserve(order.len());
        for &(t, sym, hash) in &order {
            out.push_new(locals[t as usize].get(sym), hash);
        }
        (out, maps)
    }
}

/// What [`union_in_order`] returns: each distinct key's first appearance
/// (table, index, hash) in order, and each table's positions in it.
pub type Union = (Vec<(u32, Sym, u64)>, Vec<Vec<Sym>>);

/// Shards of [`union_in_order`]: fixed, though nothing depends on it.
const SHARDS: usize = 64;

/// The union of the keys of many tables (table `t` holds `lens[t]` keys,
/// read with `key(t, i)`), in order of first appearance: table by table,
/// each in its own order. Returns where each distinct key first appears
/// (table, index, hash under `hasher`), in that order, and for each table
/// the position in it of each of its keys.
///
/// Parallel: keys are split by hash into shards, each shard is
/// deduplicated on its own in table order, and the survivors are sorted
/// back by first appearance, so the result is the sequential one whatever
/// the threads or hash seed.
pub fn union_in_order<K, F>(lens: &[usize], hasher: &DefaultHashBuilder, key: F) -> Union
where
    K: std::hash::Hash + Eq,
    F: Fn(usize, Sym) -> K + Sync,
{
    use rayon::prelude::*;
    // Each table's keys by shard, with their hashes.
    let split: Vec<Vec<Vec<(Sym, u64)>>> = (0..lens.len())
        .into_par_iter()
        .map(|t| {
            let mut shards = vec![Vec::new(); SHARDS];
            for i in 0..lens[t] as Sym {
                let hash = hasher.hash_one(key(t, i));
                // (Bits hashbrown uses for neither slot nor tag.)
                shards[(hash >> 32) as usize % SHARDS].push((i, hash));
            }
            shards
        })
        .collect();
    // Each shard: its distinct keys' first appearances, and for each table
    // the shard-local index of each of its keys in the shard.
    type Shard = (Vec<(u32, Sym)>, Vec<Vec<u32>>, Vec<u64>);
    let shards: Vec<Shard> = (0..SHARDS)
        .into_par_iter()
        .map(|s| {
            let mut firsts: Vec<(u32, Sym)> = Vec::new();
            let mut hashes: Vec<u64> = Vec::new();
            let mut index: HashTable<u32> = HashTable::new();
            let mut found = Vec::with_capacity(lens.len());
            for (t, table) in split.iter().enumerate() {
                let mut local = Vec::with_capacity(table[s].len());
                for &(i, hash) in &table[s] {
                    let k = key(t, i);
                    let at = index.find(hash, |&j| {
                        let (t2, i2) = firsts[j as usize];
                        key(t2 as usize, i2) == k
                    });
                    let j = match at {
                        Some(&j) => j,
                        None => {
                            let j = firsts.len() as u32;
                            firsts.push((t as u32, i));
                            hashes.push(hash);
                            index.insert_unique(hash, j, |&o| hashes[o as usize]);
                            j
                        }
                    };
                    local.push(j);
                }
                found.push(local);
            }
            (firsts, found, hashes)
        })
        .collect();
    // First appearances in table order; then each shard's index -> symbol.
    let mut order: Vec<((u32, Sym), u32, u32, u64)> = shards
        .iter()
        .enumerate()
        .flat_map(|(s, (firsts, _, hashes))| {
            firsts
                .iter()
                .zip(hashes)
                .enumerate()
                .map(move |(j, (&first, &hash))| (first, s as u32, j as u32, hash))
        })
        .collect();
    order.par_sort_unstable();
    let mut global: Vec<Vec<Sym>> = shards.iter().map(|(f, _, _)| vec![0; f.len()]).collect();
    for (sym, &(_, s, j, _)) in order.iter().enumerate() {
        global[s as usize][j as usize] = sym as Sym;
    }
    let maps = (0..lens.len())
        .into_par_iter()
        .map(|t| {
            let mut map = vec![0; lens[t]];
            for (s, (_, found, _)) in shards.iter().enumerate() {
                for (&(i, _), &j) in split[t][s].iter().zip(&found[t]) {
                    map[i as usize] = global[s][j as usize];
                }
            }
            map
        })
        .collect();
    let order = order
        .into_iter()
        .map(|((t, i), _, _, hash)| (t, i, hash))
        .collect();
    (order, maps)
}

/// Byte-string equality, inline for the short strings of logs (keys,
/// ids, ips): up to 16 bytes it is two overlapping word compares instead of
/// a call to `memcmp`, which interning and key lookup made once per field.
#[inline(always)]
pub fn same(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    if n > 16 {
        return a == b;
    }
    if n >= 8 {
        let w = |s: &[u8], i: usize| u64::from_le_bytes(s[i..i + 8].try_into().expect("8 bytes"));
        return w(a, 0) == w(b, 0) && w(a, n - 8) == w(b, n - 8);
    }
    if n >= 4 {
        let w = |s: &[u8], i: usize| u32::from_le_bytes(s[i..i + 4].try_into().expect("4 bytes"));
        return w(a, 0) == w(b, 0) && w(a, n - 4) == w(b, n - 4);
    }
    a.iter().zip(b).all(|(x, y)| x == y)
}

#[inline]
fn slice<'a>(arena: &'a [u8], ends: &[usize], sym: Sym) -> &'a [u8] {
    let i = sym as usize;
    let start = if i == 0 { 0 } else { ends[i - 1] };
    &arena[start..ends[i]]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interns_once_and_ranks() {
        let mut i = Interner::new();
        let b = i.intern(b"bob");
        let a = i.intern(b"alice");
        assert_eq!(i.intern(b"bob"), b);
        assert_eq!(i.intern(b""), 2);
        assert_eq!(i.get(a), b"alice");
        assert_eq!(i.len(), 3);
        assert_eq!(i.get_sym(b"alice"), Some(a));
        assert_eq!(i.get_sym(b"carol"), None);
        let rank = i.ranks();
        assert_eq!(rank, vec![2, 1, 0]);
        let sorted = i.renumbered(&rank);
        assert_eq!(sorted.get(0), b"");
        assert_eq!(sorted.get(2), b"bob");
    }

    #[test]
    fn a_repeated_string_keeps_its_symbol() {
        let mut i = Interner::new();
        let a = i.intern(b"a");
        assert_eq!(i.intern(b"a"), a);
        let ab = i.intern(b"ab");
        assert_eq!(i.intern(b"ab"), ab);
        assert_eq!(i.intern(b"a"), a);
        assert_eq!(i.intern(b""), 2);
        assert_eq!(i.intern(b""), 2);
        assert_eq!(i.len(), 3);
    }

    #[test]
    fn same_agrees_with_slice_equality_at_every_length() {
        let text: Vec<u8> = (0..40u8).map(|i| b'a' + i % 7).collect();
        for n in 0..=40 {
            let a = &text[..n];
            assert!(same(a, a));
            for i in 0..n {
                // One byte differs, at every position.
                let mut b = a.to_vec();
                b[i] ^= 1;
                assert!(!same(a, &b), "n {n} at {i}");
            }
            assert!(!same(a, &text[..n.saturating_sub(1)]) || n == 0);
        }
    }

    #[test]
    fn merge_numbers_by_first_appearance_like_interning_in_turn() {
        let tables: Vec<Vec<String>> = (0..7)
            .map(|t| {
                (0..300)
                    .map(|i| format!("s{}", (i * 7 + t * 131) % 500))
                    .collect()
            })
            .collect();
        let mut locals = Vec::new();
        let mut sequential = Interner::new();
        let mut expected = Vec::new();
        for strings in &tables {
            let mut local = Interner::new();
            for s in strings {
                local.intern(s.as_bytes());
            }
            expected.push(
                (0..local.len() as Sym)
                    .map(|sym| sequential.intern(local.get(sym)))
                    .collect::<Vec<_>>(),
            );
            locals.push(local);
        }
        let refs: Vec<&Interner> = locals.iter().collect();
        let (merged, maps) = Interner::merge(&refs);
        assert_eq!(maps, expected);
        assert_eq!(merged.len(), sequential.len());
        for sym in 0..merged.len() as Sym {
            assert_eq!(merged.get(sym), sequential.get(sym));
            assert_eq!(merged.get_sym(sequential.get(sym)), Some(sym));
        }
        let (empty, maps) = Interner::merge(&[]);
        assert!(empty.is_empty() && maps.is_empty());
    }
}
