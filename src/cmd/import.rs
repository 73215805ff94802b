//! `kforge import`: an application's manifests into a project (see [`crate::import`]).

use std::process::ExitCode;

use crate::cli::ImportArgs;
use crate::cmd::Result;
use crate::import::{Report, Request, import};

/// Imports, proves zero drift, and prints what was done; a failed proof, or a project that
/// does not render, prints the same summary, then the differences or why (exit 1 or 2).
pub fn run(args: &ImportArgs) -> Result<ExitCode> {
    let result = import(&Request {
        out: args.output.clone(),
        force: args.force,
        envs: args.envs.clone(),
        // For the tests of a failed proof (tests/import_safety.rs), which no real input was
        // found to cause: only in debug builds (the tests'), never in a release binary.
        inject_drift: cfg!(debug_assertions)
            && std::env::var_os("__KFORGE_TEST_IMPORT_DRIFT").is_some(),
        inject_render_failure: cfg!(debug_assertions)
            && std::env::var_os("__KFORGE_TEST_IMPORT_RENDER_FAILURE").is_some(),
        inject_write_failure: cfg!(debug_assertions)
            && std::env::var_os("__KFORGE_TEST_IMPORT_WRITE_FAILURE").is_some(),
    });
    let report = match &result {
        Ok(report) => Some(report),
        Err(e) => e.summary(),
    };
    if let Some(report) = report {
        crate::cmd::warn(&report.skipped);
        let mut err = std::io::stderr().lock();
        use std::io::Write;
        for secret in &report.secrets {
            let secret = crate::diag::printable(secret);
            writeln!(err, "warning: {secret}: create it in the cluster (kubectl create secret ...) or from your secret store; the workloads still reference it by name").ok();
        }
        drop(err);
        let mut text = summary(report);
        if result.is_ok() {
            text.push_str(&proved(report));
        }
        crate::cmd::write_stdout(&crate::diag::printable(&text))?;
    }
    result?;
    Ok(ExitCode::SUCCESS)
}

/// What the import did: environments, components, config sets, conversions, annotations and
/// kept objects.
fn summary(report: &Report) -> String {
    let out = report.dir.display();
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
    let list = |text: &mut String, head: String, lines: &[String]| {
        if !lines.is_empty() {
            text.push_str(&head);
            for line in lines {
                text.push_str(&format!("  {line}\n"));
            }
        }
    };
    list(
        &mut text,
        format!(
            "converted from removed API versions (the proof and golden/ compare with them converted), {} object(s):\n",
            report.converted.len()
        ),
        &report.converted,
    );
    list(
        &mut text,
        format!(
            "errors of the input silenced on their object (kforge.io/ignore; no rule is disabled for the project), {} object(s):\n",
            report.ignored.len()
        ),
        &report.ignored,
    );
    list(
        &mut text,
        format!(
            "kept verbatim as project templates (chart-templates/imported-*.yaml), {} object(s):\n",
            report.kept.len()
        ),
        &report.kept,
    );
    text
}

/// The claims of a proved import, each a command the user can run.
fn proved(report: &Report) -> String {
    let mut text = String::new();
    let but = if report.secrets.is_empty() {
        String::new()
    } else {
        format!(" but the {} Secret(s) not imported", report.secrets.len())
    };
    let changed = report.converted.len() + report.ignored.len();
    for (env, path, _) in &report.envs {
        if changed == 0 {
            text.push_str(&format!(
                "proved: kforge diff -e {env} --against {path} --exit-code finds no difference{but}\n"
            ));
        } else {
            text.push_str(&format!(
                "proved: kforge diff -e {env} --against golden/{env} --exit-code finds no difference{but}; golden/{env} is {path} with the {changed} object(s) converted or annotated above\n"
            ));
        }
    }
    text.push_str("proved: every environment renders and passes the lint; golden/ matches\n");
    text
}
