// mimalloc: the stages allocate small, short-lived buffers per row. At a million
// generated reports (farm-bench, medians of 5 pairs), the system allocator took 1.17x
// mimalloc's wall time for `luban run --force` and 1.12x for `luban validate`, and peaked
// lower (617 MiB against mimalloc's 734; the limit at 10M is 4 GiB).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` in mimalloc's `mi_option_t` (include/mimalloc.h, v2 and v3).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// How long freed memory waits before it goes back to the kernel (ms) when it is
/// returned (mimalloc's default is 10 ms); -1 keeps it until exit.
const RETURN_DELAY: std::ffi::c_long = 1000;

fn main() {
    // Transparent huge pages off: mimalloc's arenas get them otherwise, and every fresh
    // 2 MiB page is zeroed whole by the kernel. At 1M reports that was 22% of the run's
    // samples (perf) and made `luban run` ~1.5x slower; at 10M they no longer saved time
    // and raised the peak (see `luban::scale`). A kernel that refuses leaves them as
    // they were: only the speed differs.
    #[cfg(target_os = "linux")]
    // SAFETY: prctl(PR_SET_THP_DISABLE) takes plain integers and touches no memory of ours.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1 as libc::c_ulong, 0, 0, 0);
    }
    // Freed memory is kept until exit; `luban::scale` returns it for large inputs (see
    // there for the measurements).
    // SAFETY: sets one value in mimalloc's option table, before any other thread exists.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) };
    let _ = luban::scale::SWITCH.set(fit);
    std::process::exit(luban::cli::main());
}

/// Applies `luban::scale`'s setting: freed memory kept or returned.
fn fit(return_freed: bool) {
    let delay = if return_freed { RETURN_DELAY } else { -1 };
    // SAFETY: sets one aligned word in mimalloc's option table. mimalloc reads
    // purge_delay when it decides whether to purge, so other threads see the old or the
    // new value, either of which is valid.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, delay) };
}
