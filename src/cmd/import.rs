//! `kforge import`: an application's manifests into a project (see [`crate::import`]).

use std::process::ExitCode;

use crate::cli::ImportArgs;
use crate::cmd::Result;
use crate::import::{Request, import};

/// Imports, proves zero drift, and prints what was done.
pub fn run(args: &ImportArgs) -> Result<ExitCode> {
    let report = import(&Request {
        out: args.output.clone(),
        force: args.force,
        envs: args.envs.clone(),
    })?;
    let mut err = std::io::stderr().lock();
    use std::io::Write;
    for secret in &report.secrets {
        writeln!(err, "warning: {secret} holds data and is not imported: create it in the cluster (kubectl create secret ...) or from your secret store; the workloads still reference it by name").ok();
    }
    let out = args.output.display();
    let mut text = String::new();
    for (env, path, objects) in &report.envs {
        text.push_str(&format!(
            "imported {env}: {objects} object(s) from {path}\n"
        ));
    }
    text.push_str(&format!(
        "wrote {out}: {} component(s) ({}), environments/ with {} values line(s) for {} manifest line(s), golden/\n",
        report.components.len(),
        report.components.join(", "),
        report.values_lines,
        report.manifest_lines,
    ));
    if !report.config_sets.is_empty() {
        text.push_str(&format!(
            "config sets (config/<set>/, fixed-name ConfigMaps), {}: {}\n",
            report.config_sets.len(),
            report.config_sets.join(", ")
        ));
    }
    if !report.kept.is_empty() {
        text.push_str(&format!(
            "kept verbatim as project templates (chart-templates/imported-*.yaml), {} object(s):\n",
            report.kept.len()
        ));
        for kept in &report.kept {
            text.push_str(&format!("  {kept}\n"));
        }
    }
    if !report.disabled_rules.is_empty() {
        text.push_str(&format!(
            "the input fails lint rules {}: disabled in kforge-lint.yaml until fixed\n",
            report.disabled_rules.join(", ")
        ));
    }
    let but = if report.secrets.is_empty() {
        String::new()
    } else {
        format!(" but the {} Secret(s) not imported", report.secrets.len())
    };
    for (env, path, _) in &report.envs {
        text.push_str(&format!(
            "proved: kforge diff -e {env} --against {path} --exit-code finds no difference{but}\n"
        ));
    }
    text.push_str("proved: every environment renders and passes the lint; golden/ matches\n");
    crate::cmd::write_stdout(&text)?;
    Ok(ExitCode::SUCCESS)
}
