//! `kforge check`, what CI runs on every commit: values schema, render and lint of every
//! environment, golden check, and a package dry run with the immutability check against
//! `DIR/<env>/index.yaml`. Writes nothing; reports every problem, exits 1 if there is any.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use crate::chart::repo::read_index;
use crate::cli::CheckArgs;
use crate::cmd::golden::drift_report;
use crate::cmd::package::{PackageOptions, package_rendered};
use crate::cmd::{Workspace, env_files, write_error};
use crate::diag::{Diagnostic, Severity};
use crate::progress::Progress;
use crate::values::CliLayers;

/// Runs every check; prints each problem as it is found and a summary at the end.
pub fn run(args: &CheckArgs) -> anyhow::Result<ExitCode> {
    // The values schema compiles on another core while the first environment renders.
    let ws = Workspace::load_overlapped()?;
    let opts = PackageOptions::new(
        args.version.as_ref(),
        args.app_version.as_ref(),
        &ws.project.root,
    )
    .map_err(|e| ws.schema_first(e))?;
    crate::diag::set_color(crate::diag::color_for(&std::io::stderr()));
    let layers = args.values.layers();
    let envs: Vec<String> = ws.project.envs.keys().cloned().collect();
    let progress = Progress::new("checking environments", envs.len());
    // Environments are independent: checked on every core, reported in order.
    let reports = crate::par::map(&envs, |env| {
        let report = check_env(&ws, env, &layers, &opts, &args.destination);
        progress.tick();
        report
    });
    // A broken values schema fails every environment: an input error, reported once, as
    // from loading the project.
    ws.schema()?;
    let mut problems = 0usize;
    let mut warnings = 0usize;
    // Problems are collected, then printed after the progress line is gone.
    let mut stderr: Vec<u8> = Vec::new();
    let mut golden_files = Vec::new();
    for (env, report) in envs.iter().zip(reports) {
        let report = report?;
        problems += report.problems;
        warnings += report.warnings;
        stderr.extend_from_slice(&report.text);
        if let Some(files) = report.golden {
            golden_files.push((env.clone(), files));
        }
    }
    drop(progress);
    let mut out = std::io::stderr().lock();
    out.write_all(&stderr)?;
    let mut stderr = out;
    let golden = Path::new("golden");
    let golden_state = if !golden.is_dir() {
        "no golden/"
    } else if golden_files.len() < envs.len() {
        "golden/ not compared (render failed)"
    } else {
        let report = drift_report(golden, &golden_files)?;
        if report.is_empty() {
            "golden/ matches"
        } else {
            problems += 1;
            writeln!(
                stderr,
                "error: rendered output differs from golden/:\n{report}  help: review the diff; if the change is intended, run `kforge golden update`"
            )?;
            "golden/ differs"
        }
    };
    let plural = |n: usize, w: &str| format!("{n} {w}{}", if n == 1 { "" } else { "s" });
    if problems == 0 {
        writeln!(
            stderr,
            "check passed: {}, {}, {golden_state}",
            plural(envs.len(), "environment"),
            plural(warnings, "warning"),
        )?;
        Ok(ExitCode::SUCCESS)
    } else {
        writeln!(
            stderr,
            "check failed: {} in {}, {}, {golden_state}",
            plural(problems, "problem"),
            plural(envs.len(), "environment"),
            plural(warnings, "warning"),
        )?;
        Ok(ExitCode::from(1))
    }
}

/// What checking one environment found.
struct EnvReport {
    /// Errors.
    problems: usize,
    /// Warnings.
    warnings: usize,
    /// Each problem and warning, as printed.
    text: Vec<u8>,
    /// The rendered files for the golden comparison, when rendering succeeded.
    golden: Option<Vec<(String, String)>>,
}

/// Values, render, lint, the in-memory package and its immutability against
/// `destination/<env>/index.yaml`, in one go.
fn check_env(
    ws: &Workspace,
    env: &str,
    layers: &CliLayers,
    opts: &PackageOptions,
    destination: &Path,
) -> anyhow::Result<EnvReport> {
    let mut report = EnvReport {
        problems: 0,
        warnings: 0,
        text: Vec::new(),
        golden: None,
    };
    let rendered = ws
        .render_full(env, layers)
        .and_then(|r| package_rendered(env, r, opts));
    let (packaged, docs) = match rendered {
        Ok(x) => x,
        Err(e) => {
            report.problems += 1;
            let e = e.context(format!("environment `{env}` failed"));
            write_error(&mut report.text, &e)?;
            return Ok(report);
        }
    };
    for d in &packaged.findings {
        if d.severity == Severity::Warning {
            report.warnings += 1;
            writeln!(report.text, "{d}")?;
        }
    }
    // Golden files hold the output without hooks, like `kforge render`.
    let manifests: Vec<_> = docs.into_iter().filter(|d| !d.is_hook()).collect();
    match env_files(&manifests) {
        Ok(files) => report.golden = Some(files),
        Err(e) => {
            report.problems += 1;
            write_error(
                &mut report.text,
                &e.context(format!("environment `{env}` failed")),
            )?;
        }
    }
    // The archive must not change a version the environment's repository already holds.
    let index_path = destination.join(env).join("index.yaml");
    if index_path.is_file()
        && let Err(d) = immutability(&index_path, &packaged)
    {
        report.problems += 1;
        writeln!(report.text, "{d}")?;
    }
    Ok(report)
}

/// The packaged chart against an existing index: the same name+version must have the same
/// digest (published versions are immutable).
fn immutability(index_path: &Path, p: &crate::cmd::package::Packaged) -> Result<(), Diagnostic> {
    let index = read_index(index_path).map_err(|e| Diagnostic::error(format!("{e:#}")))?;
    let Some(entry) = index.find(&p.chart.name, &p.chart.version) else {
        return Ok(());
    };
    let old = entry.digest().unwrap_or("");
    if old == p.digest {
        return Ok(());
    }
    Err(Diagnostic::error(format!(
        "environment `{}`: chart `{}` version {} is already published in {} with digest {old}, but the chart built now has digest {}",
        p.env,
        p.chart.name,
        p.chart.version,
        index_path.display(),
        p.digest
    ))
    .at(entry.origin_of("digest"))
    .help("published versions are immutable: bump chart.version in the values (or pass --version)"))
}
