//! `kforge check`, what CI runs on every commit: values schema, render and lint of every
//! environment, the upgrade from each environment's last release, golden check, and a package
//! dry run with the immutability check against `DIR/<env>/index.yaml`. Writes nothing; reports
//! every problem, exits 1 if there is any. The work is [`Workspace::check`]; this file prints.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use crate::cli::CheckArgs;
use crate::cmd::Result;
use crate::diag::{Color, Failure};
use crate::pipeline::{
    CheckOptions, CheckOutcome, GoldenState, PackageOptions, UpgradeChecked, Workspace,
};
use crate::progress::Progress;

/// Runs every check; prints each problem once and a summary at the end.
pub fn run(args: &CheckArgs) -> Result<ExitCode> {
    // The values schema compiles on another core while the first environment renders.
    let ws = Workspace::load_overlapped()?;
    let opts = check_options(&ws, args).map_err(|e| ws.schema_first(e))?;
    let envs = ws.envs();
    let progress = Progress::new("checking environments", envs.len());
    let outcome = ws.check(&envs, &opts, Path::new("golden"), || progress.tick())?;
    drop(progress);
    let color = Color::for_stream(&std::io::stderr());
    let mut text = Vec::new();
    for d in &outcome.project_warnings {
        writeln!(text, "{}", d.styled(color))?;
    }
    // A finding met in several environments (a warning of base.yaml) is printed once, with
    // the environments it was met in.
    for mut d in outcome.distinct_findings() {
        if ws.project.envs.len() < 2 {
            d.environments.clear();
        }
        writeln!(text, "{}", d.styled(color))?;
    }
    outcome.failed.report(&mut text, color)?;
    if let GoldenState::Differs(report) = &outcome.golden {
        writeln!(
            text,
            "error: rendered output differs from golden/:\n{}  help: review the diff; if the change is intended, run `kforge golden update`",
            crate::diag::printable(report)
        )?;
    }
    text.extend_from_slice(summary(&outcome, args).as_bytes());
    let mut stderr = std::io::stderr().lock();
    stderr.write_all(&text)?;
    Ok(outcome.exit().map_or(ExitCode::SUCCESS, ExitCode::from))
}

/// The options of a check run: versions, folders, and the last releases given.
fn check_options(ws: &Workspace, args: &CheckArgs) -> crate::pipeline::Result<CheckOptions> {
    let package = PackageOptions::new(
        args.chart.version.as_ref(),
        args.chart.app_version.as_ref(),
        &ws.project.root,
    )?;
    let published = crate::cmd::published(&args.chart);
    let previous = crate::cmd::last_releases(ws, &args.chart, &published)?;
    Ok(CheckOptions {
        layers: args.values.layers(),
        package,
        destination: args.chart.destination.clone(),
        published,
        previous,
    })
}

/// `check passed: 3 environments, 0 warnings, golden/ matches, ...`.
fn summary(outcome: &CheckOutcome, args: &CheckArgs) -> String {
    let plural = |n: usize, w: &str| format!("{n} {w}{}", if n == 1 { "" } else { "s" });
    let names = |pick: &dyn Fn(&crate::pipeline::EnvCheck) -> bool| -> Vec<&str> {
        outcome
            .envs
            .iter()
            .filter(|e| pick(e))
            .map(|e| e.env.as_str())
            .collect()
    };
    let golden = match outcome.golden {
        GoldenState::Absent => "no golden/",
        GoldenState::NotCompared => "golden/ not compared (render failed)",
        GoldenState::Matches => "golden/ matches",
        GoldenState::Differs(_) => "golden/ differs",
    };
    let dest = args.chart.destination.display();
    let compared = names(&|e| e.compared_index);
    let mut index = if compared.is_empty() {
        format!("no chart index in {dest}/ to compare versions with")
    } else {
        format!(
            "versions compared with {dest}/<env>/index.yaml of {}",
            compared.join(", ")
        )
    };
    if let Some(dir) = &args.chart.published {
        let published = names(&|e| e.compared_published);
        let text = dir.display().to_string();
        let where_ = if text.starts_with("oci://") {
            format!("{}/<env>/<chart>", text.trim_end_matches('/'))
        } else {
            format!("{text}/<env>/index.yaml")
        };
        index.push_str(&format!(
            " and the published {where_} of {}",
            if published.is_empty() {
                "none".to_string()
            } else {
                published.join(", ")
            }
        ));
    }
    let local = names(&|e| e.local_build);
    if !local.is_empty() {
        index.push_str(&format!(
            " ({} holds a local, unpublished build of this version, which build replaces)",
            local.join(", ")
        ));
    }
    let upgrades: Vec<String> = outcome
        .envs
        .iter()
        .filter_map(|e| match &e.upgrade {
            UpgradeChecked::From(v) => Some(format!("{} from {v}", e.env)),
            _ => None,
        })
        .collect();
    let unchecked = names(&|e| matches!(e.upgrade, UpgradeChecked::NotAtHand(_)));
    let mut upgrade = if upgrades.is_empty() {
        "no earlier release to check upgrades from".to_string()
    } else {
        format!("upgrades checked: {}", upgrades.join(", "))
    };
    if !unchecked.is_empty() {
        upgrade.push_str(&format!(
            "; not checked (archive not at hand): {}",
            unchecked.join(", ")
        ));
    }
    let (problems, warnings) = (outcome.problems(), outcome.warnings());
    let envs = plural(outcome.envs.len(), "environment");
    let warnings = plural(warnings, "warning");
    if problems == 0 {
        format!("check passed: {envs}, {warnings}, {golden}, {index}, {upgrade}\n")
    } else {
        format!(
            "check failed: {} in {envs}, {warnings}, {golden}, {index}, {upgrade}\n",
            plural(problems, "problem")
        )
    }
}
