//! Reading a block of records ahead of the work on them.
//!
//! A record's text is in allocations of its own: a report's name lists and each name in
//! them, a workshop's boxed text and its shared lists of the reports' names and URLs.
//! Those are scattered in memory (a workshop's URLs were allocated with five reports
//! from anywhere in the input), and the work on one record (encoding it, rendering its
//! CSV line) is too long for the processor to start the next record's reads while it
//! waits on this one's. The loops that go through millions of records stalled on one
//! cache miss after another: in `perf annotate`, nearly all of their samples fell on
//! the load of a list's or a name's length.
//!
//! Those loops now read the next [`BLOCK`] records' allocations first ([`ahead`]):
//! independent loads, whose misses the processor overlaps. At 1M reports (`perf record
//! -F 999`, three runs each), the loops that write `normalized.bin`, `merges.csv`,
//! `workshops.bin` and the published workshops took 682-709 samples against 1497-1626,
//! plus ~200 in the reads ahead themselves; the whole run was ~0.5 s faster in four of
//! five interleaved pairs. The same reads ahead serve dedupe (host keys, pairs, the
//! reports of a block of workshops being merged, freeing the reports), normalize (a
//! block's name resolutions, and its cells looked up before their countries are
//! checked), aggregate (hosts and sources) and publish's columns; BENCHMARKS.md
//! (eleventh and twelfth rounds) has each one's figures.
//!
//! Reading ahead allocates nothing: it changes no output and no memory use, only when
//! the cache misses are paid.

use crate::model::{Report, Workshop};

/// Records read ahead at once.
pub const BLOCK: usize = 32;

/// A record whose text is in allocations of its own.
pub trait ReadAhead {
    /// Reads the record's own allocations (the lists, not yet their items); returns
    /// something computed from them, so that the reads are kept.
    fn outer(&self) -> usize;
    /// Reads the allocations that [`ReadAhead::outer`]'s point to.
    fn inner(&self) -> usize;
}

/// Reads `records`' allocations: first each record's own, then what those point to, so
/// that the loads of each step do not wait on one another.
pub fn ahead<'r, T: ReadAhead + 'r>(records: impl IntoIterator<Item = &'r T, IntoIter: Clone>) {
    let records = records.into_iter();
    let mut sum = 0usize;
    for r in records.clone() {
        sum = sum.wrapping_add(r.outer());
    }
    for r in records {
        sum = sum.wrapping_add(r.inner());
    }
    std::hint::black_box(sum);
}

/// The block to read ahead when a loop over `within` reaches `at`: the next [`BLOCK`]
/// positions (fewer at the end) every `BLOCK` positions from the start, else None.
pub fn block_at(at: usize, within: std::ops::Range<usize>) -> Option<std::ops::Range<usize>> {
    (at - within.start)
        .is_multiple_of(BLOCK)
        .then(|| at..(at + BLOCK).min(within.end))
}

/// Reads the start of `s` (the text itself, not only the pointer and length).
pub fn first_byte(s: &str) -> usize {
    s.as_bytes().first().copied().unwrap_or(0) as usize
}

/// The lengths of the names in `lists`.
fn names<'a, L: std::ops::Deref<Target = [crate::model::Shared]> + 'a>(
    lists: impl IntoIterator<Item = &'a L>,
) -> usize {
    lists.into_iter().flat_map(|l| l.iter()).map(|s| s.len()).sum()
}

impl ReadAhead for Report {
    fn outer(&self) -> usize {
        self.host_institutions.len()
            + self.chinese_partners.len()
            + self.specialties.len()
            + self.workshop_name().map_or(0, first_byte)
            + first_byte(&self.source_url)
    }

    fn inner(&self) -> usize {
        names([&self.host_institutions, &self.chinese_partners, &self.specialties])
    }
}

impl ReadAhead for Workshop {
    fn outer(&self) -> usize {
        first_byte(&self.workshop_id)
            + first_byte(&self.workshop_name)
            + self.host_institution.as_deref().map_or(0, first_byte)
            + self.chinese_partners.len()
            + self.specialties.len()
            + self.source_urls.len()
            + self.conflicts.len()
    }

    fn inner(&self) -> usize {
        names([&self.chinese_partners, &self.specialties, &self.source_urls])
            + self.conflicts.iter().map(|c| c.len()).sum::<usize>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Over any range, the blocks start every `BLOCK` positions from its start and cover
    /// each position once.
    #[test]
    fn blocks_cover_a_range_once() {
        for within in [0..0, 0..1, 0..BLOCK, 0..BLOCK + 1, 5..5 + 3 * BLOCK + 7] {
            let blocks: Vec<_> = within.clone().filter_map(|at| block_at(at, within.clone())).collect();
            let covered: Vec<usize> = blocks.iter().flat_map(|b| b.clone()).collect();
            assert_eq!(covered, within.clone().collect::<Vec<_>>(), "{within:?}");
            assert!(blocks.iter().all(|b| b.len() <= BLOCK && !b.is_empty()), "{within:?}");
        }
    }
}
