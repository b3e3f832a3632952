//! Hash maps split into shards by the hash of their key.
//!
//! normalize gathers the distinct name cells of a million rows on every core, one map
//! per thread, and then has to combine them; combining two maps of 300 000 entries ran
//! on one thread while the other core idled (0.4 s at 1M reports, seen by sampling which
//! threads were busy over time).
//! With the keys split into [`SHARDS`] maps by hash, the maps of different threads are
//! combined shard by shard, on every core, and no shard ever holds the whole set.
//!
//! The shard of a key depends only on the key (a fixed-seed hash), never on the thread
//! count, so what a lookup finds does not either.

use std::borrow::Borrow;
use std::hash::Hash;

use rayon::prelude::*;

/// Shards per map: a few per core on the machines luban runs on, few enough that a
/// small map stays small.
pub const SHARDS: usize = 32;

/// The hasher that picks a key's shard (fixed seeds: the same key always goes to the
/// same shard). Each shard's own map hashes with its own random state, so the two
/// hashes are independent.
fn shard_of<Q: Hash + ?Sized>(key: &Q) -> usize {
    static PICK: std::sync::OnceLock<ahash::RandomState> = std::sync::OnceLock::new();
    let pick = PICK.get_or_init(|| ahash::RandomState::with_seeds(0x6c75_6261, 0x6e5f_7368, 0x6172_6465, 0x6421_0000));
    (pick.hash_one(key) % SHARDS as u64) as usize
}

/// A hash map in [`SHARDS`] shards; see the module doc.
#[derive(Debug)]
pub struct Sharded<K, V> {
    shards: Vec<ahash::AHashMap<K, V>>,
}

impl<K, V> Default for Sharded<K, V> {
    fn default() -> Self {
        Sharded {
            shards: (0..SHARDS).map(|_| ahash::AHashMap::new()).collect(),
        }
    }
}

impl<K: Hash + Eq, V> Sharded<K, V> {
    pub fn entry(&mut self, key: K) -> std::collections::hash_map::Entry<'_, K, V> {
        self.shards[shard_of(&key)].entry(key)
    }

    pub fn get<Q>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.shards[shard_of(key)].get(key)
    }

    pub fn len(&self) -> usize {
        self.shards.iter().map(|s| s.len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.shards.iter().all(|s| s.is_empty())
    }

    /// Every entry, shard after shard (an order that depends only on the keys and the
    /// maps' insertions, not on the thread count).
    pub fn into_entries(self) -> impl Iterator<Item = (K, V)> {
        self.shards.into_iter().flatten()
    }
}

impl<K: Hash + Eq + Send, V: Send> Sharded<K, V> {
    /// One map of the entries of `parts`, combined shard by shard in parallel: a key
    /// found in several parts keeps the first part's value, into which `combine` folds
    /// the later ones, in part order.
    pub fn combine(parts: Vec<Sharded<K, V>>, combine: impl Fn(&mut V, V) + Sync) -> Sharded<K, V> {
        // shard i of every part, together
        let mut by_shard: Vec<Vec<ahash::AHashMap<K, V>>> = (0..SHARDS).map(|_| Vec::new()).collect();
        for part in parts {
            for (i, shard) in part.shards.into_iter().enumerate() {
                by_shard[i].push(shard);
            }
        }
        let shards = by_shard
            .into_par_iter()
            .map(|maps| {
                let mut maps = maps.into_iter();
                let mut first = maps.next().unwrap_or_default();
                for map in maps {
                    first.reserve(map.len());
                    for (k, v) in map {
                        match first.entry(k) {
                            std::collections::hash_map::Entry::Occupied(mut e) => combine(e.get_mut(), v),
                            std::collections::hash_map::Entry::Vacant(e) => {
                                e.insert(v);
                            }
                        }
                    }
                }
                first
            })
            .collect();
        Sharded { shards }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn combined_parts_hold_every_key_once_with_every_value_folded_in_part_order() {
        let mut parts = Vec::new();
        for p in 0..3u32 {
            let mut m: Sharded<String, Vec<u32>> = Sharded::default();
            for k in 0..1000u32 {
                if k % (p + 1) == 0 {
                    m.entry(format!("key {k}")).or_default().push(p);
                }
            }
            parts.push(m);
        }
        let all = Sharded::combine(parts, |a, b| a.extend(b));
        assert_eq!(all.len(), 1000);
        for k in 0..1000u32 {
            let want: Vec<u32> = (0..3).filter(|p| k % (p + 1) == 0).collect();
            assert_eq!(all.get(format!("key {k}").as_str()), Some(&want), "key {k}");
        }
        assert_eq!(all.get("key 1000"), None);
        // the keys are spread over the shards, not all in one
        assert!(all.shards.iter().filter(|s| !s.is_empty()).count() > SHARDS / 2);
    }
}
