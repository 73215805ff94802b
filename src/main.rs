//! kforge: merge environment overlays, render, lint and package Kubernetes manifests.

use std::process::ExitCode;

use kforge::{cli, cmd};

// mimalloc: the work is many small allocations (YAML nodes) on several threads, where glibc's
// malloc spent 10-15% of the time (and grew per-thread arenas with hundreds of mprotect calls).
// `no_thp`: a short-lived CLI gains nothing from huge pages; zeroing 2 MiB per fresh page cost
// time and 20 MB of RSS.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = cli::Cli::parse_args();
    match cmd::run(cli) {
        Ok(code) => code,
        Err(err) => cmd::report_error(&err),
    }
}
