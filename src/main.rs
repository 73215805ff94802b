//! kforge: merge environment overlays, render, lint and package Kubernetes manifests.

// A Diagnostic (message, origin, key path, help, notes) is large, but it is only built on the
// error path, so returning it by value costs nothing measurable; boxing it everywhere would.
#![allow(clippy::result_large_err)]

mod chart;
mod cli;
mod cmd;
mod diag;
mod git;
mod lint;
mod oci;
mod progress;
mod project;
mod render;
mod values;
mod yaml;

use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = cli::Cli::parse_args();
    match cmd::run(cli) {
        Ok(code) => code,
        Err(err) => cmd::report_error(&err),
    }
}
