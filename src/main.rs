//! kforge: merge environment overlays, render, lint and package Kubernetes manifests.

use std::process::ExitCode;

use kforge::{cli, cmd};

fn main() -> ExitCode {
    let cli = cli::Cli::parse_args();
    match cmd::run(cli) {
        Ok(code) => code,
        Err(err) => cmd::report_error(&err),
    }
}
