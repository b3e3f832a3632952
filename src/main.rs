fn main() {
    std::process::exit(luban::cli::main());
}
