//! How much this machine charges for memory touched for the first time, against memory
//! touched again: the probe behind the "fresh memory" notes in BENCHMARKS.md.
//!
//!     cargo run --release --example first_touch -- 1024     # MiB, default 1024
//!
//! A large zeroed allocation is mapped lazily; writing one byte per 4 KiB page makes the
//! kernel (and, on a VM, the host) provide every page. The second pass writes the same
//! pages again.
use std::time::Instant;

fn main() {
    let mib: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(1024);
    let n = mib << 20;
    let start = Instant::now();
    let mut v = vec![0u8; n];
    for i in (0..n).step_by(4096) {
        v[i] = 1;
    }
    let first = start.elapsed();
    let again = Instant::now();
    for i in (0..n).step_by(4096) {
        v[i] = 2;
    }
    let second = again.elapsed();
    println!(
        "{mib} MiB: first touch {:.3} s, touched again {:.3} s (checksum {})",
        first.as_secs_f64(),
        second.as_secs_f64(),
        v.iter().step_by(4096).map(|&b| u64::from(b)).sum::<u64>()
    );
}
