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
}

impl Interner {
    /// An empty interner.
    pub fn new() -> Interner {
        Interner::default()
    }

    /// The symbol of `s`, adding it if new.
    #[inline]
    pub fn intern(&mut self, s: &[u8]) -> Sym {
        let hash = self.hasher.hash_one(s);
        let Interner {
            arena, ends, table, ..
        } = self;
        let found = table.find(hash, |&sym| slice(arena, ends, sym) == s);
        if let Some(&sym) = found {
            return sym;
        }
        let sym = ends.len() as Sym;
        arena.extend_from_slice(s);
        ends.push(arena.len());
        let hasher = &self.hasher;
        table.insert_unique(hash, sym, |&other| {
            hasher.hash_one(slice(arena, ends, other))
        });
        sym
    }

    /// The symbol of `s` if it was interned.
    pub fn get_sym(&self, s: &[u8]) -> Option<Sym> {
        let hash = self.hasher.hash_one(s);
        self.table
            .find(hash, |&sym| slice(&self.arena, &self.ends, sym) == s)
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
}
