//! The `switchboard` binary: parses the command line and runs the chosen command.

use std::process::ExitCode;

use clap::Parser;

/// Thousands of connections allocate and free small buffers on every frame from two runtime
/// threads and the store's threads at once; mimalloc's thread-local free lists serve that with
/// far less work than the system allocator's arenas, and give memory back when load drops.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    switchboard::cli::Cli::parse().execute()
}
