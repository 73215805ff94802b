//! `kforge build`, the main CI job: render + lint + package every environment into
//! `DIR/<env>/`, each folder a chart repository with its own index.yaml.

use std::io::Write;
use std::process::ExitCode;

use crate::cli::BuildArgs;
use crate::cmd::Result;
use crate::diag::{Color, Diagnostic, EnvFailures, Severity};
use crate::pipeline::{PackageOptions, Previous, Published, Stored, Workspace, store_all};

/// Builds the selected (default: all) environments; prints one line per environment.
pub fn run(args: &BuildArgs) -> Result<ExitCode> {
    let ws = Workspace::load_overlapped()?;
    crate::cmd::warn_workspace(&ws);
    let published = crate::cmd::published(&args.chart);
    let (opts, envs, previous) =
        build_plan(&ws, args, &published).map_err(|e| ws.schema_first(e))?;
    let charts = ws.package_all(&envs, &args.values.layers(), &opts, &previous)?;
    let mut lines = Vec::new();
    let color = Color::for_stream(&std::io::stderr());
    let mut warnings = String::new();
    for p in &charts {
        for d in p
            .findings
            .iter()
            .filter(|d| d.severity == Severity::Warning)
        {
            warnings.push_str(&format!("{}\n", d.styled(color)));
        }
    }
    if !warnings.is_empty() {
        let mut err = std::io::stderr().lock();
        let _ = err.write_all(warnings.as_bytes());
    }
    let mut failed = EnvFailures::default();
    // Every environment packaged: now store and index them, each folder with its own lock.
    let stored = store_all(
        &args.chart.destination,
        &charts,
        Some(opts.time),
        &published,
    )?;
    for (p, r) in charts.iter().zip(stored) {
        match r {
            Ok((path, stored)) => lines.push(format!(
                "{:<10} {} {:<12} sha256:{}  {} objects  {}  {}{}",
                p.env,
                p.chart.name,
                p.chart.version,
                &p.digest[..16],
                p.objects,
                findings_summary(&p.findings),
                path.display(),
                if stored == Stored::Unchanged {
                    " (unchanged)"
                } else {
                    ""
                }
            )),
            Err(e) => failed.push(&p.env, e),
        }
    }
    let mut out = std::io::stdout().lock();
    for line in &lines {
        writeln!(out, "{line}")?;
    }
    out.flush()?;
    if failed.is_empty() {
        Ok(ExitCode::SUCCESS)
    } else {
        Err(failed.into())
    }
}

/// The package options, the environments to build (default: all) and where their last
/// releases are.
fn build_plan(
    ws: &Workspace,
    args: &BuildArgs,
    published: &Published,
) -> crate::pipeline::Result<(PackageOptions, Vec<String>, Previous)> {
    let opts = PackageOptions::new(
        args.chart.version.as_ref(),
        args.chart.app_version.as_ref(),
        &ws.project.root,
    )?;
    let envs = ws.select(&args.envs)?;
    let previous = crate::cmd::last_releases(ws, &args.chart, published)?;
    Ok((opts, envs, previous))
}

/// `0 findings`, or `2 warnings, 1 info`.
fn findings_summary(findings: &[Diagnostic]) -> String {
    let count = |s| findings.iter().filter(|d| d.severity == s).count();
    let (w, i) = (count(Severity::Warning), count(Severity::Info));
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    match (w, i) {
        (0, 0) => "0 findings".to_string(),
        (w, 0) => plural(w, "warning"),
        (0, i) => plural(i, "info"),
        (w, i) => format!("{}, {}", plural(w, "warning"), plural(i, "info")),
    }
}
