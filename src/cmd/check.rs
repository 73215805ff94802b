//! `kforge check`, what CI runs on every commit: values schema, render and lint of every
//! environment, golden check, and a package dry run with the immutability check against
//! `DIR/<env>/index.yaml`. Writes nothing; reports every problem, exits 1 if there is any.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use crate::chart::repo::read_index;
use crate::cli::CheckArgs;
use crate::cmd::Result;
use crate::diag::{Color, Diagnostic, EnvFailures, Failure, Severity};
use crate::manifest::{Hooks, release_view};
use crate::pipeline::{
    PackageOptions, Packaged, Published, Workspace, drift_report, env_files, package_rendered,
};
use crate::progress::Progress;
use crate::values::CliLayers;

/// Runs every check; prints each problem as it is found and a summary at the end.
pub fn run(args: &CheckArgs) -> Result<ExitCode> {
    // The values schema compiles on another core while the first environment renders.
    let ws = Workspace::load_overlapped()?;
    let opts = PackageOptions::new(
        args.chart.version.as_ref(),
        args.chart.app_version.as_ref(),
        &ws.project.root,
    )
    .map_err(|e| ws.schema_first(e))?;
    let color = Color::for_stream(&std::io::stderr());
    let layers = args.values.layers();
    let envs = ws.envs();
    let progress = Progress::new("checking environments", envs.len());
    // Environments are independent: checked on every core, reported in order.
    let published = Published::new(args.chart.published.clone());
    let reports = crate::par::map(&envs, |env| {
        let report = check_env(
            &ws,
            env,
            &layers,
            &opts,
            (&args.chart.destination, &published),
            color,
        );
        progress.tick();
        report
    });
    // A broken values schema fails every environment: an input error, reported once, as
    // from loading the project.
    ws.schema()?;
    let mut problems = 0usize;
    let mut warnings = 0usize;
    let mut stale = Vec::new();
    for d in ws.warnings().into_iter().chain(stale_editor_schema(&ws)?) {
        warnings += 1;
        writeln!(stale, "{}", d.styled(color))?;
    }
    // Problems are collected, then printed after the progress line is gone. A problem met
    // identically in several environments (in base.yaml) is printed once.
    let mut failed = EnvFailures::default();
    let mut stderr: Vec<u8> = stale;
    let mut golden_files = Vec::new();
    let mut compared = Vec::new();
    let mut compared_published = Vec::new();
    let mut local = Vec::new();
    for (env, report) in envs.iter().zip(reports) {
        if report.compared_index {
            compared.push(env.as_str());
        }
        if report.compared_published {
            compared_published.push(env.as_str());
        }
        if report.local_build {
            local.push(env.as_str());
        }
        problems += report.problems;
        warnings += report.warnings;
        stderr.extend_from_slice(&report.text);
        match report.rendered {
            Ok(files) => golden_files.push((env.clone(), files)),
            Err(e) => failed.push(env, e),
        }
    }
    problems += failed.distinct_problems();
    failed.report(&mut stderr, color)?;
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
    let dest = args.chart.destination.display();
    let mut index_state = if compared.is_empty() {
        format!("no chart index in {dest}/ to compare versions with")
    } else {
        format!(
            "versions compared with {dest}/<env>/index.yaml of {}",
            compared.join(", ")
        )
    };
    if let Some(dir) = &args.chart.published {
        index_state.push_str(&format!(
            " and the published {}/<env>/index.yaml of {}",
            dir.display(),
            if compared_published.is_empty() {
                "none".to_string()
            } else {
                compared_published.join(", ")
            }
        ));
    }
    if !local.is_empty() {
        index_state.push_str(&format!(
            " ({} holds a local, unpublished build of this version, which build replaces)",
            local.join(", ")
        ));
    }
    let plural = |n: usize, w: &str| format!("{n} {w}{}", if n == 1 { "" } else { "s" });
    if problems == 0 {
        writeln!(
            stderr,
            "check passed: {}, {}, {golden_state}, {index_state}",
            plural(envs.len(), "environment"),
            plural(warnings, "warning"),
        )?;
        Ok(ExitCode::SUCCESS)
    } else {
        writeln!(
            stderr,
            "check failed: {} in {}, {}, {golden_state}, {index_state}",
            plural(problems, "problem"),
            plural(envs.len(), "environment"),
            plural(warnings, "warning"),
        )?;
        Ok(ExitCode::from(1))
    }
}

/// A warning when the editors' schema (written by `kforge init`) is not the project's current
/// one: editors would accept typos, or flag keys the project added.
fn stale_editor_schema(ws: &Workspace) -> Result<Option<Diagnostic>> {
    use crate::project::EDITOR_SCHEMA;
    let Ok(on_disk) = std::fs::read_to_string(EDITOR_SCHEMA) else {
        return Ok(None);
    };
    if on_disk == ws.schema_text(true)? {
        return Ok(None);
    }
    let mut d = Diagnostic::error(format!(
        "{EDITOR_SCHEMA} is not the current values schema, so editors check the environment files against an old one"
    ))
    .help(format!("run `kforge schema --editor > {EDITOR_SCHEMA}`"));
    d.severity = Severity::Warning;
    Ok(Some(d))
}

/// What checking one environment found.
struct EnvReport {
    /// Problems other than a failed render.
    problems: usize,
    /// Warnings.
    warnings: usize,
    /// Each warning and problem other than a failed render, as printed.
    text: Vec<u8>,
    /// The rendered files for the golden comparison, or why rendering failed.
    rendered: crate::pipeline::Result<Vec<(String, String)>>,
    /// Whether the package was compared with the environment's index.yaml.
    compared_index: bool,
    /// Whether it was compared with the published index (`--published`).
    compared_published: bool,
    /// Whether the destination holds a local build of this version with another digest.
    local_build: bool,
}

/// Values, render, lint, the in-memory package and its immutability against
/// `destination/<env>/index.yaml`, in one go.
fn check_env(
    ws: &Workspace,
    env: &str,
    layers: &CliLayers,
    opts: &PackageOptions,
    (destination, published): (&Path, &Published),
    color: Color,
) -> EnvReport {
    let mut report = EnvReport {
        problems: 0,
        warnings: 0,
        text: Vec::new(),
        rendered: Ok(Vec::new()),
        compared_index: false,
        compared_published: false,
        local_build: false,
    };
    let rendered = ws
        .render_full(env, layers)
        .and_then(|r| package_rendered(env, r, opts));
    let (packaged, docs) = match rendered {
        Ok(x) => x,
        Err(e) => {
            report.rendered = Err(e);
            return report;
        }
    };
    for d in &packaged.findings {
        if d.severity == Severity::Warning {
            report.warnings += 1;
            let _ = writeln!(report.text, "{}", d.styled(color));
        }
    }
    // Golden files hold what `kforge render` shows.
    report.rendered = env_files(&release_view(docs, Hooks::Lifecycle));
    // The archive must not change a version the environment's repository already holds.
    let mut published_index = None;
    if let Some(path) = published.index_path(env).filter(|p| p.is_file()) {
        report.compared_published = true;
        match immutability(&path, &packaged) {
            Ok(index) => published_index = Some(index),
            Err(d) => {
                report.problems += 1;
                let _ = writeln!(report.text, "{}", d.styled(color));
            }
        }
    }
    let repo_dir = destination.join(env);
    let index_path = repo_dir.join("index.yaml");
    report.compared_index = index_path.is_file();
    if report.compared_index
        && let Err(d) = immutability(&index_path, &packaged)
    {
        // A version a local build wrote, never published, is replaced by the next build.
        let indexed = read_index(&index_path).ok();
        let old = indexed
            .as_ref()
            .and_then(|i| i.find(&packaged.chart.name, &packaged.chart.version))
            .and_then(|e| e.digest());
        if old.is_some_and(|old| {
            published.is_local_build(
                &repo_dir,
                published_index.as_ref(),
                &packaged.chart.name,
                &packaged.chart.version,
                old,
            )
        }) {
            report.local_build = true;
        } else {
            report.problems += 1;
            let _ = writeln!(report.text, "{}", d.styled(color));
        }
    }
    report
}

/// The packaged chart against an existing index: the same name+version must have the same
/// digest (published versions are immutable). Read only: the folder is neither locked nor
/// created. The index comes back when the chart passes.
fn immutability(
    index_path: &Path,
    p: &Packaged,
) -> std::result::Result<crate::chart::index::RepoIndex, Diagnostic> {
    let index = read_index(index_path).map_err(|e| {
        let mut text = e.to_string();
        let mut cause = std::error::Error::source(&e);
        while let Some(c) = cause {
            text = format!("{text}: {c}");
            cause = c.source();
        }
        Diagnostic::error(text)
    })?;
    let what = format!("environment `{}`", p.env);
    crate::chart::check_immutable(&index, &what, &p.chart.name, &p.chart.version, &p.digest)
        .map(|_| index)
        .map_err(|e| e.diagnostic())
}
