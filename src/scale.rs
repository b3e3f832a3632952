//! Whether freed memory goes back to the kernel, by the size of the input. (Transparent
//! huge pages are off at every size: `main` says why.)
//!
//! A run frees and reallocates hundreds of MiB between stages. Returned to the kernel,
//! that memory comes back zeroed on its next use, which is system time; kept, it is what
//! a large run's peak is made of. Measured with `luban run --force` on the 2-core VM
//! (`farm-bench`, pairs in turn):
//! - 1M generated reports (270 MB of CSV): returning it made the run 1.47× slower
//!   (wall 8.46 s against 5.83 s, system time 3.3 s against 0.5 s; peak 565 against
//!   644 MiB).
//! - 10M reports of the conflicts shape (2.6 GB): kept, it nearly doubled the peak
//!   (6.3 against 3.3 GiB; [`BELOW`] has the pair), over the 4 GiB target.
//!
//! So a dataset whose raw reports are smaller than [`BELOW`] keeps freed memory until
//! exit, and a larger one returns it. The crossover was not measured.
//! `LUBAN_RETURN_FREED=on|off` overrides the choice. The setting itself is made by the
//! binary (the library has no unsafe code): `main` registers it in [`SWITCH`].

use std::sync::OnceLock;

use crate::layout::Layout;

/// Raw reports below this many bytes run as a small input (1 GiB: about 3.7M
/// generated reports). At 10M reports of the conflicts shape, returned freed memory
/// peaked at 3,324 MiB against 6,293 MiB kept (CPU 125 against 116 s; one pair, on a
/// machine shared with builds, so the wall times are not comparable).
pub const BELOW: u64 = 1 << 30;

/// Applies the setting (freed memory returned or not) to the process; set by `main`.
pub static SWITCH: OnceLock<fn(bool)> = OnceLock::new();

/// Whether `bytes` of raw reports return freed memory, given `LUBAN_RETURN_FREED`.
pub fn return_freed(bytes: u64, setting: Option<&str>) -> bool {
    match setting {
        Some("on") => true,
        Some("off") => false,
        _ => bytes >= BELOW,
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
    switch(return_freed(bytes, std::env::var("LUBAN_RETURN_FREED").ok().as_deref()));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_inputs_keep_freed_memory_unless_told() {
        assert!(!return_freed(270 << 20, None));
        assert!(!return_freed(BELOW - 1, None));
        assert!(return_freed(BELOW, None));
        assert!(return_freed(BELOW, Some("auto")));
        assert!(return_freed(1, Some("on")));
        assert!(!return_freed(u64::MAX, Some("off")));
    }
}
