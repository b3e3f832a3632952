//! Transparent huge pages on or off, by the size of the input.
//!
//! mimalloc asks the kernel for huge pages (2 MiB) for its arenas. Whether they pay off
//! depends on how much memory a run touches. Measured with `luban run` on the 2-core VM
//! (BENCHMARKS.md, eighth round):
//! - at 1M reports (270 MB of CSV, ~0.7 GB touched) every fresh huge page is a 2 MiB
//!   fault that the kernel zeroes and the host backs again: with huge pages off, system
//!   time went from 3.1-3.2 s to 0.6-0.9 s and the run took 1-2 s less;
//! - at 10M reports (2.7 GB of CSV, ~6 GB touched) dedupe's reads all over the reports
//!   miss the TLB without them: 97 s with huge pages off against 75 s on.
//!
//! So a dataset whose raw reports are smaller than [`BELOW`] runs without huge pages.
//! The crossover between the two sizes was not measured; `LUBAN_HUGE_PAGES=on|off`
//! overrides the choice. The switch itself is a system call the binary makes (the
//! library has no unsafe code): `main` registers it in [`SWITCH`].

use std::sync::OnceLock;

use crate::layout::Layout;

/// Raw reports below this many bytes run with huge pages off (1 GiB: about 3.7M
/// generated reports).
pub const BELOW: u64 = 1 << 30;

/// Turns huge pages on (true) or off for the rest of the process; set by `main`.
pub static SWITCH: OnceLock<fn(bool)> = OnceLock::new();

/// Whether a dataset of `bytes` of raw reports should run with huge pages, given the
/// value of `LUBAN_HUGE_PAGES` (None: by size).
pub fn wanted(bytes: u64, setting: Option<&str>) -> bool {
    match setting {
        Some("on") => true,
        Some("off") => false,
        _ => bytes >= BELOW,
    }
}

/// Sets huge pages for a run over `layout`'s raw reports (nothing if the binary did not
/// register a switch, or the reports cannot be listed: the stage will say why).
pub fn fit(layout: &Layout) {
    let Some(switch) = SWITCH.get() else {
        return;
    };
    let Ok(files) = layout.report_files() else {
        return;
    };
    let bytes = files.iter().filter_map(|f| f.metadata().ok()).map(|m| m.len()).sum();
    switch(wanted(bytes, std::env::var("LUBAN_HUGE_PAGES").ok().as_deref()));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_inputs_run_without_huge_pages_unless_told() {
        assert!(!wanted(270 << 20, None));
        assert!(wanted(2730 << 20, None));
        assert!(wanted(BELOW, Some("auto")));
        assert!(wanted(1, Some("on")));
        assert!(!wanted(u64::MAX, Some("off")));
    }
}
