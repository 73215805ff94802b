//! `kforge build`, the main CI job: render + lint + package every environment into
//! `DIR/<env>/`, each folder a chart repository with its own index.yaml.

use std::io::Write;
use std::process::ExitCode;

use crate::cli::BuildArgs;
use crate::cmd::package::{PackageOptions, Stored, package_all, store};
use crate::cmd::{Errors, Workspace};

/// Builds the selected (default: all) environments; prints one line per environment.
pub fn run(args: &BuildArgs) -> anyhow::Result<ExitCode> {
    let ws = Workspace::load()?;
    let opts = PackageOptions::new(
        args.version.as_ref(),
        args.app_version.as_ref(),
        &ws.project.root,
    )?;
    let envs: Vec<String> = if args.envs.is_empty() {
        ws.project.envs.keys().cloned().collect()
    } else {
        for e in &args.envs {
            ws.project.overlay(e)?;
        }
        args.envs.clone()
    };
    let charts = package_all(&ws, &envs, &args.values.layers(), &opts)?;
    let mut lines = Vec::new();
    let mut errors = Vec::new();
    for p in &charts {
        match store(&args.destination, p, true) {
            Ok((path, stored)) => lines.push(format!(
                "{:<10} {} {:<12} sha256:{}  {} objects  {} findings  {}{}",
                p.env,
                p.chart.name,
                p.chart.version,
                &p.digest[..16],
                p.objects,
                p.findings,
                path.display(),
                if stored == Stored::Unchanged {
                    " (unchanged)"
                } else {
                    ""
                }
            )),
            Err(e) => errors.push(e.context(format!("environment `{}` failed", p.env))),
        }
    }
    let mut out = std::io::stdout().lock();
    for line in &lines {
        writeln!(out, "{line}")?;
    }
    out.flush()?;
    if errors.is_empty() {
        Ok(ExitCode::SUCCESS)
    } else {
        Err(Errors(errors).into())
    }
}
