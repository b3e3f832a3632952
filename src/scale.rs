//! How a run sets up memory for the size of its input: transparent huge pages, and
//! whether freed memory goes back to the kernel.
//!
//! Both trade time at small inputs against time or memory at large ones. Measured with
//! `luban run` on the 2-core VM (BENCHMARKS.md, eighth and ninth rounds):
//! - **Huge pages.** mimalloc asks the kernel for huge pages (2 MiB) for its arenas. At
//!   1M reports (270 MB of CSV, ~0.7 GB touched) every fresh huge page is a 2 MiB fault
//!   that the kernel zeroes and the host backs again: with huge pages off, system time
//!   went from 3.1-3.2 s to 0.6-0.9 s and the run took 1-2 s less. At 10M reports
//!   (2.7 GB of CSV, ~6 GB touched) dedupe's reads all over the reports miss the TLB
//!   without them: 97 s with huge pages off against 75 s on.
//! - **Freed memory.** A run frees and reallocates hundreds of MiB between stages. By
//!   default mimalloc returns freed memory to the kernel after 10 ms, and the kernel
//!   zeroes it again on the next use: at 1M reports that was a third of dedupe's time
//!   (system time 7 s against 3 s, fifth round), so small runs keep freed memory until
//!   exit. At 10M that memory is what the peak is made of: normalize's name maps
//!   (~1 GiB) are freed before dedupe, and kept, dedupe's work is laid on top of them.
//!   Returned, the peak fell from 5.13M to 4.82M KiB (two pairs), but the run took
//!   10-12 s longer (80.3 / 89.8 s kept against 92.6 / 99.8 s returned; user time
//!   rose too, likely purges splitting huge pages). With the ninth round's other cuts,
//!   one run each: 3.96 GiB in 96.7 s returned, 4.80 GiB in 72.5 s kept. Memory is the
//!   target that large inputs miss (#8), so they return it. Tenth round: returned after
//!   1 s instead of 10 ms (`main`'s `RETURN_DELAY`), 89.2 / 91.4 s against 96.0 /
//!   101.8 s (two pairs) at 3.84-3.85 GiB against 3.81 GiB; kept, 77.9 s at 4.65 GiB
//!   (one run). The remaining cost is mostly user time (135 against 119 CPU-s):
//!   purges split the huge pages the run was given (kept, all of the resident memory
//!   stays in huge pages; returned, under half of it in dedupe), and the records are
//!   then read through small pages. Purging whole huge pages only
//!   (`MIMALLOC_ALLOW_THP=2`) was ~11 s faster but peaked at 4.27-4.29 GiB.
//!
//! - **Huge pages again, thirteenth round.** With freed memory returned, the huge pages
//!   no longer paid at 10M: three interleaved pairs of `luban run --force` took 60.5 /
//!   64.0 / 59.7 s without them against 60.9 / 63.0 / 68.7 s with them, and peaked at
//!   3.77 GiB (3,953,120-3,955,000 KiB) against 3.85 GiB (4,037,268-4,039,032 KiB).
//!   The purges split most of them anyway (above), and the reads ahead now overlap the
//!   misses that the TLB adds. `luban dedupe` run alone at 10M peaked at 4.43 GiB
//!   without them against 5.72 GiB with them (25.2 s against 24.1 s): a huge page
//!   that is partly used counts whole in the resident set.
//!
//! So no dataset runs with huge pages unless told to; a dataset whose raw reports are
//! smaller than [`BELOW`] keeps freed memory, and a larger one returns it. The
//! crossover between the two sizes was not measured. `LUBAN_HUGE_PAGES=on|off` and
//! `LUBAN_RETURN_FREED=on|off` override each choice. The settings themselves are made
//! by the binary (the library has no unsafe code): `main` registers them in [`SWITCH`].

use std::sync::OnceLock;

use crate::layout::Layout;

/// Raw reports below this many bytes run as a small input (1 GiB: about 3.7M
/// generated reports).
pub const BELOW: u64 = 1 << 30;

/// How memory is set up for a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    /// transparent huge pages on
    pub huge_pages: bool,
    /// freed memory returned to the kernel (after a delay: `main`'s `RETURN_DELAY`)
    pub return_freed: bool,
}

/// Applies [`Settings`] to the rest of the process; set by `main`.
pub static SWITCH: OnceLock<fn(Settings)> = OnceLock::new();

/// A setting, given the value of its environment variable and what it is otherwise.
fn wanted(setting: Option<&str>, otherwise: bool) -> bool {
    match setting {
        Some("on") => true,
        Some("off") => false,
        _ => otherwise,
    }
}

/// The settings for `bytes` of raw reports, given `LUBAN_HUGE_PAGES` and
/// `LUBAN_RETURN_FREED` (None: huge pages off, freed memory returned by size).
pub fn settings(bytes: u64, huge_pages: Option<&str>, return_freed: Option<&str>) -> Settings {
    Settings {
        huge_pages: wanted(huge_pages, false),
        return_freed: wanted(return_freed, bytes >= BELOW),
    }
}

/// Sets memory up for a run over `layout`'s raw reports (nothing if the binary did not
/// register a switch, or the reports cannot be listed: the stage will say why).
pub fn fit(layout: &Layout) {
    let Some(switch) = SWITCH.get() else {
        return;
    };
    let Ok(files) = layout.report_files() else {
        return;
    };
    let bytes = files.iter().filter_map(|f| f.metadata().ok()).map(|m| m.len()).sum();
    let var = |name| std::env::var(name).ok();
    switch(settings(
        bytes,
        var("LUBAN_HUGE_PAGES").as_deref(),
        var("LUBAN_RETURN_FREED").as_deref(),
    ));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_inputs_keep_freed_memory_and_no_input_gets_huge_pages_unless_told() {
        let small = Settings {
            huge_pages: false,
            return_freed: false,
        };
        let large = Settings {
            huge_pages: false,
            return_freed: true,
        };
        assert_eq!(settings(270 << 20, None, None), small);
        assert_eq!(settings(BELOW - 1, None, None), small);
        assert_eq!(settings(2730 << 20, None, None), large);
        assert_eq!(settings(BELOW, Some("auto"), Some("auto")), large);
        assert_eq!(
            settings(u64::MAX, Some("on"), None),
            Settings {
                huge_pages: true,
                ..large
            }
        );
        assert_eq!(
            settings(1, Some("on"), None),
            Settings {
                huge_pages: true,
                ..small
            }
        );
        assert_eq!(
            settings(1, None, Some("on")),
            Settings {
                return_freed: true,
                ..small
            }
        );
        assert_eq!(settings(u64::MAX, Some("off"), Some("off")), small);
    }
}
