// mimalloc: validation allocates small, short-lived buffers per row; the system allocator
// spent ~10% of the time in malloc/free (see BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` in mimalloc's `mi_option_t` (include/mimalloc.h, v2 and v3).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

fn main() {
    // A run frees and reallocates hundreds of MiB between stages. By default mimalloc
    // returns freed memory to the OS after 10 ms and the kernel zeroes it again on the
    // next use: at 1M reports that was a third of dedupe's time (sys 7 s → 3 s). luban is
    // a batch process, so memory is kept until exit. That costs peak RSS at scale: at 10M
    // reports, 7.75 GiB kept against 6.66 GiB purged, for 106 s against 138 s (sys 36 s
    // against 65 s; BENCHMARKS.md, fifth round). At 1M the peak did not change.
    // SAFETY: sets one value in mimalloc's option table, before any other thread exists.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) };
    let _ = luban::huge_pages::SWITCH.set(huge_pages);
    std::process::exit(luban::cli::main());
}

/// Turns transparent huge pages on or off for the process (see `luban::huge_pages`).
/// A kernel that refuses leaves them as they were: only the speed differs.
fn huge_pages(on: bool) {
    #[cfg(target_os = "linux")]
    // SAFETY: prctl(PR_SET_THP_DISABLE) takes plain integers and touches no memory of ours.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, libc::c_ulong::from(!on), 0, 0, 0);
    }
    #[cfg(not(target_os = "linux"))]
    let _ = on;
}
