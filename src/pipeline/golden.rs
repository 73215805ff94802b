//! Golden files: the rendered output of every environment, checked in under golden/<env>/,
//! compared as a unified diff.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use similar::TextDiff;

use super::Result;
use crate::fs::{checked_output, replace_dir};
use crate::project::read_dir_sorted;

/// Folders of golden/ that are no longer environments.
pub fn stale_envs(
    golden: &Path,
    expected: &[(String, Vec<(String, String)>)],
) -> Result<Vec<String>> {
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

/// Rewrites `golden` (the project's golden/) with `expected`, each environment's folder
/// replaced whole, and removes the folders of environments that are gone. Every folder it
/// would write or remove is checked first ([`crate::fs::checked_output`]): a `golden` link, or
/// a `golden/<env>` link, leading out of the project is refused before anything is touched.
pub fn update_golden(golden: &Path, expected: &[(String, Vec<(String, String)>)]) -> Result<()> {
    let stale = stale_envs(golden, expected)?;
    let envs = expected.iter().map(|(e, _)| e).chain(&stale);
    checked_output(
        golden,
        std::iter::once(golden.to_path_buf()).chain(envs.map(|e| golden.join(e))),
    )?;
    for (env, files) in expected {
        replace_dir(&golden.join(env), files)?;
    }
    for env in stale {
        let dir = golden.join(&env);
        fs::remove_dir_all(&dir)
            .map_err(|e| crate::fs::Error::new(format!("removing {}", dir.display()), e))?;
    }
    Ok(())
}

/// A unified diff of every difference; empty when golden/ matches.
pub fn drift_report(golden: &Path, expected: &[(String, Vec<(String, String)>)]) -> Result<String> {
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
                fs::read_to_string(&path)
                    .map_err(|e| crate::fs::Error::new(format!("reading {}", path.display()), e))?
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
