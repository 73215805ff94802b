//! `kforge golden check|update`: rendered output of every environment against golden/<env>/.

use std::path::Path;
use std::process::ExitCode;

use crate::cli::GoldenAction;
use crate::cmd::{Result, write_stdout};
use crate::manifest::Hooks;
use crate::pipeline::{Workspace, drift_report, env_files, update_golden};
use crate::values::CliLayers;

/// Checks or rewrites golden files.
pub fn run(action: GoldenAction) -> Result<ExitCode> {
    // The values schema compiles on another core while environments render.
    let ws = Workspace::load_overlapped()?;
    crate::cmd::warn_workspace(&ws);
    let rendered = ws.render_all(&CliLayers::default(), Hooks::Lifecycle)?;
    let golden = Path::new("golden");
    let mut expected = Vec::new();
    for (env, docs) in &rendered {
        expected.push((env.clone(), env_files(docs)?));
    }
    match action {
        GoldenAction::Update => {
            update_golden(golden, &expected)?;
            eprintln!("updated golden/ for {} environment(s)", expected.len());
            Ok(ExitCode::SUCCESS)
        }
        GoldenAction::Check => {
            let report = drift_report(golden, &expected)?;
            if report.is_empty() {
                eprintln!(
                    "golden/ matches the rendered output of {} environment(s)",
                    expected.len()
                );
                Ok(ExitCode::SUCCESS)
            } else {
                write_stdout(&report)?;
                eprintln!(
                    "error: rendered output differs from golden/; review the diff, then run `kforge golden update`"
                );
                Ok(crate::diag::Exit::Findings.into())
            }
        }
    }
}
