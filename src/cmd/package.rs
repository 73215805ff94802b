//! `kforge package`: each environment as a byte-reproducible Helm chart archive.

use std::process::ExitCode;

use crate::cli::PackageArgs;
use crate::cmd::Result;
use crate::diag::EnvFailures;
use crate::pipeline::{PackageOptions, Workspace, store_all};

/// Renders, type-checks and packages the selected environments; writes nothing unless every
/// environment succeeds, and never replaces an indexed version with different content.
pub fn run(args: &PackageArgs) -> Result<ExitCode> {
    let ws = Workspace::load_overlapped()?;
    crate::cmd::warn_workspace(&ws);
    let opts = PackageOptions::new(
        args.chart.version.as_ref(),
        args.chart.app_version.as_ref(),
        &ws.project.root,
    )
    .map_err(|e| ws.schema_first(e))?;
    let layers = args.values.layers();
    let envs = ws
        .select(args.select.env.as_slice())
        .map_err(|e| ws.schema_first(e))?;
    let published = crate::cmd::published(&args.chart);
    let previous =
        crate::cmd::last_releases(&ws, &args.chart, &published).map_err(|e| ws.schema_first(e))?;
    let charts = ws.package_all(&envs, &layers, &opts, &previous)?;
    let mut written = Vec::new();
    let mut failed = EnvFailures::default();
    // Every environment packaged: now store them, each into its own folder.
    let stored = store_all(&args.chart.destination, &charts, None, &published)?;
    for (p, r) in charts.iter().zip(stored) {
        match r {
            Ok((path, _)) => written.push(path),
            Err(e) => failed.push(&p.env, e),
        }
    }
    for path in &written {
        eprintln!("packaged {}", path.display());
    }
    if failed.is_empty() {
        Ok(ExitCode::SUCCESS)
    } else {
        Err(failed.into())
    }
}
