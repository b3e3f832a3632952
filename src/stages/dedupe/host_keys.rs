//! Every report's host keys, as numbers.
//!
//! Dedupe joins the reports of one country that share a host key ([`name_key`] of a host
//! institution they name), and names each host-keyed workshop by its smallest key. At
//! 10M reports there are millions of distinct host names, and looking their keys up
//! report by report (a hash map per thread, keyed by the name's address, then the keys'
//! text compared and hashed) was a random probe per name into tables far larger than
//! the caches: dedupe's largest step after merging, and growing faster than the input.
//!
//! Here the names are gathered in input order (the order the records lie in memory),
//! sorted by address, and keyed once per text; keys with the same text get the same
//! number. Joining then compares (country, key) numbers, never text.
//!
//! [`share_host_lists`] does for the host lists of reports read back from
//! `normalized.bin` (dedupe run alone) what normalize's sharing does within `luban
//! run`; it finds equal lists the way names of equal text are found here
//! ([`firsts_of_equal`]).

use std::sync::Arc;

use rayon::prelude::*;

use crate::chunked::{Chunked, CHUNK};
use crate::model::{CountryNames, Report, SharedList};
use crate::names::key::name_key;
use crate::read_ahead;

/// The host keys of every report, by input position.
pub struct HostKeys {
    /// where each report's keys start in `keys` (one more entry: the end)
    starts: Vec<u32>,
    /// key numbers, each report's in the order it names its hosts
    keys: Vec<u32>,
    /// by key number: its text
    texts: Vec<String>,
    /// by input position: its country's number
    countries: Vec<u16>,
    /// by country number: its code (sorted)
    codes: Vec<String>,
}

impl HostKeys {
    pub fn of(records: &Chunked<Report>) -> HostKeys {
        let chunks = records.chunks();
        // Each report's country and count of host names, in one pass. A chunk numbers
        // the country codes it meets (reports of one country mostly share its record,
        // so a report whose country is the previous one's is not looked up); the
        // numbers are then made those of the codes in order.
        let mut countries = vec![0u16; records.len()];
        let mut starts = vec![0u32; records.len() + 1];
        let seen: Vec<Vec<&str>> = countries
            .par_chunks_mut(CHUNK)
            .zip(starts[1..].par_chunks_mut(CHUNK))
            .zip(chunks.par_iter())
            .map(|((countries, counts), chunk)| {
                let mut seen: Vec<&str> = Vec::new();
                let (mut last, mut last_number): (*const CountryNames, u16) = (std::ptr::null(), 0);
                for ((country, count), r) in countries.iter_mut().zip(counts).zip(chunk) {
                    if Arc::as_ptr(&r.country) != last {
                        last = Arc::as_ptr(&r.country);
                        let code = &*r.country.code;
                        last_number = match seen.iter().position(|c| *c == code) {
                            Some(k) => k as u16,
                            None => {
                                seen.push(code);
                                u16::try_from(seen.len() - 1).expect("fewer than 64k countries")
                            }
                        };
                    }
                    *country = last_number;
                    *count = u32::try_from(r.host_institutions.len()).expect("fewer than 4G host names");
                }
                seen
            })
            .collect();
        let mut codes: Vec<&str> = seen.iter().flatten().copied().collect();
        codes.sort_unstable();
        codes.dedup();
        assert!(codes.len() <= usize::from(u16::MAX), "fewer than 64k countries");
        countries
            .par_chunks_mut(CHUNK)
            .zip(&seen)
            .for_each(|(countries, seen)| {
                let global: Vec<u16> = seen
                    .iter()
                    .map(|c| codes.binary_search(c).expect("listed above") as u16)
                    .collect();
                countries.iter_mut().for_each(|c| *c = global[*c as usize]);
            });
        let codes: Vec<String> = codes.into_iter().map(str::to_string).collect();
        drop(seen);
        for k in 1..starts.len() {
            starts[k] = starts[k - 1].checked_add(starts[k]).expect("fewer than 4G host names");
        }
        let total = starts[records.len()];
        // every (name's address, its slot in `keys`, its report's input position), in
        // input order and then by address
        let mut names = vec![(0usize, 0u32, 0u32); total as usize];
        let parts = split_by_sizes(
            &mut names,
            chunks.iter().enumerate().map(|(c, chunk)| {
                let first = c * CHUNK;
                (starts[first + chunk.len()] - starts[first]) as usize
            }),
        );
        parts
            .into_par_iter()
            .zip(chunks.par_iter())
            .enumerate()
            .for_each(|(c, (part, chunk))| {
                let starts = &starts;
                let all = chunk.iter().enumerate().flat_map(move |(k, r)| {
                    let at = c * CHUNK + k;
                    r.host_institutions
                        .iter()
                        .enumerate()
                        .map(move |(j, h)| (h.as_ptr() as usize, starts[at] + j as u32, at as u32))
                });
                for (o, name) in part.iter_mut().zip(all) {
                    *o = name;
                }
            });
        names.par_sort_unstable();
        // the distinct names (reports that name the same host share its name's
        // allocation: `normalize`)
        let firsts: Vec<u32> = (0..names.len())
            .filter(|&e| e == 0 || names[e].0 != names[e - 1].0)
            .map(|e| e as u32)
            .collect();
        let name = |e: u32| {
            let (_, slot, at) = names[e as usize];
            &records[at as usize].host_institutions[(slot - starts[at as usize]) as usize]
        };
        // ... and among them, each distinct text once. Decoded from `normalized.bin` (a
        // stage run alone), reports share a name only within a frame, so the same host
        // comes in several allocations: keying every allocation held a key string for
        // each (~10M at 10M reports against ~2M texts; dedupe alone peaked here, 1.1 GiB
        // above the reports). Texts are grouped by a hash taken in address order, and
        // compared only within a group; each group's first of a text stands for it.
        let mut by_text: Vec<(u64, u32)> = firsts
            .par_iter()
            .enumerate()
            .map(|(f, &e)| (xxhash_rust::xxh3::xxh3_64(name(e).as_bytes()), f as u32))
            .collect();
        by_text.par_sort_unstable();
        // by distinct name: the distinct name of the same text that stands for it
        let mut same_text: Vec<u32> = (0..firsts.len() as u32).collect();
        let text_of = |f: u32| &**name(firsts[f as usize]);
        let stands = firsts_of_equal(
            &by_text,
            |a, b| text_of(a) == text_of(b),
            |f| read_ahead::first_byte(text_of(f)),
        );
        drop(by_text);
        for (f, by) in stands {
            same_text[f as usize] = by;
        }
        // the texts to key: a distinct name per text, in address order
        let keyed: Vec<u32> = (0..firsts.len() as u32)
            .filter(|&f| same_text[f as usize] == f)
            .collect();
        // (a block of names read ahead: they are in address order, their reports
        // anywhere: `read_ahead`)
        let mut name_keys: Vec<(String, u64)> = keyed
            .par_iter()
            .enumerate()
            .map(|(k, &f)| {
                if let Some(block) = read_ahead::block_at(k, 0..keyed.len()) {
                    let es = keyed[block].iter().map(|&f| firsts[f as usize]);
                    let lists = es.clone().map(|e| names[e as usize]);
                    let lists = lists.map(|(_, _, at)| records[at as usize].host_institutions.len());
                    std::hint::black_box(lists.sum::<usize>());
                    let texts = es.map(|e| read_ahead::first_byte(name(e)));
                    std::hint::black_box(texts.sum::<usize>());
                }
                let key = name_key(name(firsts[f as usize]));
                let hash = xxhash_rust::xxh3::xxh3_64(key.as_bytes());
                (key, hash)
            })
            .collect();
        // one number per distinct key text: names in hash order, texts compared only
        // within equal hashes
        let mut by_hash: Vec<(u64, u32)> = name_keys.iter().enumerate().map(|(g, (_, h))| (*h, g as u32)).collect();
        by_hash.par_sort_unstable();
        let mut key_of_name = vec![0u32; name_keys.len()];
        let mut texts: Vec<String> = Vec::new();
        // (names in hash order are anywhere: their keys' text is read ahead by blocks)
        let (mut done, mut ahead_to) = (0, 0);
        for same_hash in by_hash.chunk_by(|a, b| a.0 == b.0) {
            if done >= ahead_to {
                ahead_to = (done + read_ahead::BLOCK).min(by_hash.len());
                let ahead = by_hash[done..ahead_to].iter();
                let ahead = ahead.map(|&(_, g)| read_ahead::first_byte(&name_keys[g as usize].0));
                std::hint::black_box(ahead.sum::<usize>());
            }
            done += same_hash.len();
            let first_key = texts.len();
            for &(_, g) in same_hash {
                let text = &name_keys[g as usize].0;
                let known = (first_key..texts.len()).find(|&k| texts[k] == *text);
                key_of_name[g as usize] = match known {
                    Some(k) => k as u32,
                    None => {
                        texts.push(std::mem::take(&mut name_keys[g as usize].0));
                        (texts.len() - 1) as u32
                    }
                };
            }
        }
        drop((name_keys, by_hash));
        // by distinct name: its text's place in `keyed`
        let mut place = vec![0u32; firsts.len()];
        for (k, &f) in keyed.iter().enumerate() {
            place[f as usize] = k as u32;
        }
        // each name's number into its slots, the names' order (by address)
        let mut keys = vec![0u32; total as usize];
        let mut current = 0;
        for (e, &(_, slot, _)) in names.iter().enumerate() {
            if current + 1 < firsts.len() && firsts[current + 1] as usize == e {
                current += 1;
            }
            keys[slot as usize] = key_of_name[place[same_text[current] as usize] as usize];
        }
        HostKeys {
            starts,
            keys,
            texts,
            countries,
            codes,
        }
    }

    /// The key numbers of the report at input position `at`.
    pub fn of_report(&self, at: usize) -> &[u32] {
        &self.keys[self.starts[at] as usize..self.starts[at + 1] as usize]
    }

    /// The text of key number `key`.
    pub fn text(&self, key: u32) -> &str {
        &self.texts[key as usize]
    }

    /// The country code of the report at input position `at`.
    pub fn country(&self, at: usize) -> &str {
        &self.codes[self.countries[at] as usize]
    }

    /// The (country, key) of every host key of every report, as one number each (equal
    /// numbers: same country and same key text), with the report's position in
    /// `content_of`'s numbering: `(country << 32 | key) << 32 | position`.
    pub fn pairs(&self, content_of: &[u32]) -> Vec<u128> {
        let mut pairs = vec![0u128; self.keys.len()];
        let n = self.countries.len();
        let parts = split_by_sizes(
            &mut pairs,
            (0..n)
                .step_by(CHUNK)
                .map(|p| (self.starts[(p + CHUNK).min(n)] - self.starts[p]) as usize),
        );
        parts.into_par_iter().enumerate().for_each(|(c, part)| {
            let positions = c * CHUNK..((c + 1) * CHUNK).min(n);
            let all = positions.flat_map(|at| {
                let country = u128::from(self.countries[at]) << 64;
                let position = u128::from(content_of[at]);
                self.of_report(at)
                    .iter()
                    .map(move |&k| country | u128::from(k) << 32 | position)
            });
            for (o, pair) in part.iter_mut().zip(all) {
                *o = pair;
            }
        });
        pairs
    }
}

/// `items` cut into consecutive parts of `sizes` (which must add up to its length).
fn split_by_sizes<T>(items: &mut [T], sizes: impl Iterator<Item = usize>) -> Vec<&mut [T]> {
    let mut parts = Vec::new();
    let mut rest = items;
    for size in sizes {
        let (part, after) = rest.split_at_mut(size);
        parts.push(part);
        rest = after;
    }
    debug_assert!(rest.is_empty());
    parts
}

/// Makes reports whose host lists name the same hosts share one list, as the reports
/// normalize hands over in memory do.
///
/// A frame of `normalized.bin` shares its values among its own reports only, and the
/// five or so reports of a workshop lie in different frames. Read back whole for
/// `luban dedupe` alone, 10M reports held ~10M host lists with their names, ~8M of them
/// copies (~64 bytes each): dedupe alone peaked ~0.6 GiB above `luban run`. Lists are
/// grouped by a hash of their names taken in input order, compared only within a group,
/// and each copy replaced by the group's first list of the same names; the copies are
/// freed and their memory serves dedupe's own allocations.
pub fn share_host_lists(reports: &mut Chunked<Report>) {
    share_host_lists_by(reports, |list| {
        let mut h = xxhash_rust::xxh3::Xxh3::new();
        for name in list.iter() {
            h.update(name.as_bytes());
            h.update(&[0xff]); // never in UTF-8: names cannot run into each other
        }
        h.digest()
    });
}

/// [`share_host_lists`] with the lists' hash given (tests make every hash collide).
pub(super) fn share_host_lists_by(reports: &mut Chunked<Report>, hash: impl Fn(&SharedList) -> u64 + Sync) {
    let hash = &hash;
    let mut by_hash: Vec<(u64, u32)> = reports
        .chunks()
        .par_iter()
        .enumerate()
        .flat_map_iter(|(c, chunk)| {
            chunk
                .iter()
                .enumerate()
                .filter(|(_, r)| !r.host_institutions.is_empty())
                .map(move |(k, r)| (hash(&r.host_institutions), (c * CHUNK + k) as u32))
        })
        .collect();
    by_hash.par_sort_unstable();
    let all: &Chunked<Report> = reports;
    let list = |at: u32| &all[at as usize].host_institutions;
    let same = |a: u32, b: u32| {
        let (a, b) = (list(a), list(b));
        a.len() == b.len() && a.iter().zip(b.iter()).all(|(x, y)| x == y)
    };
    let ahead = |at: u32| list(at).iter().map(|n| read_ahead::first_byte(n)).sum::<usize>();
    // (input position, the list it takes), in input order
    let mut copies: Vec<(u32, SharedList)> = firsts_of_equal(&by_hash, same, ahead)
        .into_iter()
        .filter(|&(at, first)| at != first && !SharedList::ptr_eq(list(at), list(first)))
        .map(|(at, first)| (at, list(first).clone()))
        .collect();
    drop(by_hash);
    copies.par_sort_unstable_by_key(|(at, _)| *at);
    reports.chunks_mut().into_par_iter().enumerate().for_each(|(c, chunk)| {
        let from = copies.partition_point(|(at, _)| (*at as usize) < c * CHUNK);
        let to = copies.partition_point(|(at, _)| (*at as usize) < (c + 1) * CHUNK);
        for (at, list) in &copies[from..to] {
            chunk[*at as usize - c * CHUNK].host_institutions = list.clone();
        }
    });
}

/// Items found equal by content, from their hashes: `by_hash` holds (hash, item) sorted,
/// and for every item of a group of two or more equal hashes the result holds (item,
/// the group's first item that `same` finds equal to it), so that hash collisions
/// never join different items. A group's items are anywhere in memory: `ahead` reads
/// an item (returning something computed from it), and is called on a block of
/// groups' items first (`read_ahead`), so that their cache misses overlap.
fn firsts_of_equal(
    by_hash: &[(u64, u32)],
    same: impl Fn(u32, u32) -> bool + Sync,
    ahead: impl Fn(u32) -> usize + Sync,
) -> Vec<(u32, u32)> {
    // where each group of two or more starts and ends in `by_hash`
    let mut groups: Vec<(u32, u32)> = Vec::new();
    let mut start = 0;
    for group in by_hash.chunk_by(|a, b| a.0 == b.0) {
        if group.len() > 1 {
            groups.push((start as u32, (start + group.len()) as u32));
        }
        start += group.len();
    }
    let members = |g: usize| &by_hash[groups[g].0 as usize..groups[g].1 as usize];
    (0..groups.len())
        .into_par_iter()
        .flat_map_iter(|g| {
            if let Some(block) = read_ahead::block_at(g, 0..groups.len()) {
                let read: usize = block.flat_map(members).map(|&(_, item)| ahead(item)).sum();
                std::hint::black_box(read);
            }
            let mut firsts: Vec<u32> = Vec::new();
            members(g)
                .iter()
                .map(|&(_, item)| {
                    let first = match firsts.iter().find(|&&f| same(f, item)) {
                        Some(&f) => f,
                        None => {
                            firsts.push(item);
                            item
                        }
                    };
                    (item, first)
                })
                .collect::<Vec<_>>()
        })
        .collect()
}
