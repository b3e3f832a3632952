// mimalloc: validation allocates small, short-lived buffers per row; the system allocator
// spent ~10% of the time in malloc/free (see BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(luban::cli::main());
}
