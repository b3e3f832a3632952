//! What one random read costs on this machine as the memory it lands in grows: the
//! probe behind the "why 10M costs more than ten times 1M" notes in BENCHMARKS.md.
//!
//!     cargo run --release --example random_reads -- 64 512 4096      # MiB each
//!
//! The steps of dedupe, aggregate and publish that grow faster than their input read
//! records, names and URLs in an order unrelated to where they were allocated: at 1M
//! reports that is ~0.5 GiB of memory, at 10M ~4 GiB. This probe does the same kind of
//! reads on a plain array of each size, so the growth in cost per read is the machine's
//! (caches and TLB), not luban's:
//! - independent: 64 reads at once at random positions, the way the loops that read a
//!   block of records ahead issue them (the processor overlaps the misses);
//! - dependent: each read's position comes from the previous read (pointer chasing), as
//!   when a record leads to its list and the list to its names: pure latency.
//!
//! Each size runs twice, with 4 KiB pages (`MADV_NOHUGEPAGE`) and with transparent huge
//! pages (`MADV_HUGEPAGE`, 2 MiB), which take TLB misses out of the second. Every page
//! is written before timing, so first touch is not measured (see `first_touch`).
use std::time::Instant;

/// Reads timed per size and mode.
const READS: usize = 1 << 24;
/// Independent reads issued together.
const AT_ONCE: usize = 64;

/// A 64-bit mix (splitmix64's finalizer): positions with no pattern the prefetcher
/// could follow.
fn mix(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// `x` mapped onto `0..n` (Lemire's multiply-shift: no division in the timed loop).
fn below(x: u64, n: usize) -> usize {
    ((u128::from(x) * n as u128) >> 64) as usize
}

/// `words` u64s in memory that is advised to use (or not use) huge pages, every page
/// written: a random single cycle through all positions (Sattolo's shuffle), so that
/// pointer chasing from any start visits every word before it repeats.
fn cycle(words: usize, huge: bool) -> Vec<u64> {
    let mut v: Vec<u64> = Vec::with_capacity(words);
    #[cfg(target_os = "linux")]
    // SAFETY: advises the kernel about the vector's own, not yet touched allocation;
    // madvise reads no memory and only changes how the range is backed.
    unsafe {
        let advice = if huge {
            libc::MADV_HUGEPAGE
        } else {
            libc::MADV_NOHUGEPAGE
        };
        // the whole pages inside the allocation
        let start = (v.as_mut_ptr() as usize).next_multiple_of(4096);
        let end = (v.as_mut_ptr() as usize + words * 8) & !4095;
        if end > start {
            libc::madvise(start as *mut libc::c_void, end - start, advice);
        }
    }
    v.extend(0..words as u64);
    let mut state = 1u64;
    for i in (1..words).rev() {
        state = mix(state.wrapping_add(0x9e37_79b9_7f4a_7c15));
        let j = below(state, i);
        v.swap(i, j);
    }
    v
}

/// ns per independent read, issued AT_ONCE at a time.
fn independent(v: &[u64]) -> f64 {
    let start = Instant::now();
    let mut sum = 0u64;
    for batch in 0..READS / AT_ONCE {
        let base = (batch * AT_ONCE) as u64;
        for k in 0..AT_ONCE as u64 {
            sum = sum.wrapping_add(v[below(mix(base + k), v.len())]);
        }
    }
    std::hint::black_box(sum);
    start.elapsed().as_nanos() as f64 / READS as f64
}

/// ns per dependent read (each position is the previous read's value).
fn dependent(v: &[u64]) -> f64 {
    let reads = READS / 4;
    let start = Instant::now();
    let mut at = 0usize;
    for _ in 0..reads {
        at = v[at] as usize;
    }
    std::hint::black_box(at);
    start.elapsed().as_nanos() as f64 / reads as f64
}

fn main() {
    let sizes: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let sizes = if sizes.is_empty() { vec![64, 512, 4096] } else { sizes };
    println!("| memory | pages | independent read, ns | dependent read, ns |");
    println!("|---:|---|---:|---:|");
    for mib in sizes {
        for huge in [false, true] {
            let v = cycle((mib << 20) / 8, huge);
            // a warm-up pass over the same positions, so that every size starts alike
            independent(&v);
            println!(
                "| {mib} MiB | {} | {:.1} | {:.1} |",
                if huge { "2 MiB (THP)" } else { "4 KiB" },
                independent(&v),
                dependent(&v)
            );
        }
    }
}
