//! `kforge golden check|update`: rendered output of every environment against golden/<env>/.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use similar::TextDiff;

use crate::cli::GoldenAction;
use crate::cmd::{Workspace, env_files, replace_dir, write_stdout};
use crate::project::read_dir_sorted;
use crate::values::CliLayers;

/// Checks or rewrites golden files.
pub fn run(action: GoldenAction) -> anyhow::Result<ExitCode> {
    // The values schema compiles on another core while environments render.
    let ws = Workspace::load_overlapped()?;
    let rendered = ws.render_all(&CliLayers::default())?;
    let golden = Path::new("golden");
    let mut expected = Vec::new();
    for (env, docs) in &rendered {
        expected.push((env.clone(), env_files(docs)?));
    }
    match action {
        GoldenAction::Update => {
            for (env, files) in &expected {
                replace_dir(&golden.join(env), files)?;
            }
            for stale in stale_envs(golden, &expected)? {
                fs::remove_dir_all(golden.join(&stale))
                    .with_context(|| format!("removing golden/{stale}"))?;
            }
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
                Ok(ExitCode::from(1))
            }
        }
    }
}

fn stale_envs(
    golden: &Path,
    expected: &[(String, Vec<(String, String)>)],
) -> anyhow::Result<Vec<String>> {
    if !golden.is_dir() {
        return Ok(Vec::new());
    }
    let known: BTreeSet<&str> = expected.iter().map(|(e, _)| e.as_str()).collect();
    Ok(read_dir_sorted(golden)?
        .into_iter()
        .filter(|p| p.is_dir())
        .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .filter(|n| !n.starts_with('.') && !known.contains(n.as_str()))
        .collect())
}

/// A unified diff of every difference; empty when golden/ matches.
pub fn drift_report(
    golden: &Path,
    expected: &[(String, Vec<(String, String)>)],
) -> anyhow::Result<String> {
    let mut report = String::new();
    for (env, files) in expected {
        let dir = golden.join(env);
        let mut on_disk: BTreeSet<String> = BTreeSet::new();
        if dir.is_dir() {
            for p in read_dir_sorted(&dir)? {
                if let Some(n) = p.file_name() {
                    on_disk.insert(n.to_string_lossy().into_owned());
                }
            }
        }
        for (name, text) in files {
            let path = dir.join(name);
            let old = if on_disk.remove(name) {
                fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?
            } else {
                String::new()
            };
            if old != *text {
                let shown = format!("golden/{env}/{name}");
                report.push_str(
                    &TextDiff::from_lines(&old, text)
                        .unified_diff()
                        .header(&shown, &shown)
                        .to_string(),
                );
            }
        }
        for name in on_disk {
            report.push_str(&format!(
                "golden/{env}/{name}: no longer rendered (stale file)\n"
            ));
        }
    }
    for stale in stale_envs(golden, expected)? {
        report.push_str(&format!(
            "golden/{stale}/: no such environment (stale folder)\n"
        ));
    }
    Ok(report)
}
