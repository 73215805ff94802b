//! kforge: merge environment overlays, render, lint and package Kubernetes manifests.

use std::process::ExitCode;

use kforge::{cli, cmd};

// mimalloc: the work is many small allocations (YAML nodes) on several threads, where glibc's
// malloc was a large share of every profile. `no_thp`: a short-lived CLI gains nothing from huge
// pages, and zeroing them costs time and memory. Measurements: benches/HISTORY.md.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = cli::Cli::parse_args();
    match cmd::run(cli) {
        Ok(code) => code,
        Err(err) => cmd::report_error(&err),
    }
}
