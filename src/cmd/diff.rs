//! `kforge diff`: a structural diff of rendered manifests (see [`crate::diff`]).

use std::process::ExitCode;

use crate::cli::{DiffArgs, DiffFormat};
use crate::cmd::{Result, write_stdout};
use crate::diag::Color;
use crate::diff::{chart_documents, compare};
use crate::lint::input::read_inputs;
use crate::manifest::{Document, Hooks, release_view};
use crate::pipeline::Workspace;

/// Compares two sides and prints the differences.
pub fn run(args: &DiffArgs) -> Result<ExitCode> {
    // The schema compiles on another core while the environments render.
    let ws = Workspace::load_overlapped()?;
    crate::cmd::warn_workspace(&ws);
    let layers = args.values.layers();
    let (old_label, old, new_label, new) = match (&args.env, &args.against) {
        (Some(env), Some(against)) => {
            let is_chart = against.extension().is_some_and(|e| e == "tgz" || e == "gz");
            // A chart holds the test hooks too; a folder from `render` does not.
            let mut docs = ws
                .render_full(env, &layers)
                .map_err(|e| ws.schema_first(e))?
                .docs;
            if !is_chart {
                docs = release_view(docs, Hooks::Lifecycle);
            }
            // Manifests (`helm template` prints `helm test` hooks too) are compared as
            // `kforge render` shows a release: without its tests.
            let theirs = if is_chart {
                chart_documents(against)?
            } else {
                let mut skipped = Vec::new();
                let docs = read_inputs(std::slice::from_ref(against), &mut skipped)?;
                crate::cmd::warn(&skipped);
                release_view(docs, Hooks::Lifecycle)
            };
            (
                against.display().to_string(),
                theirs,
                format!("environment {env}"),
                docs,
            )
        }
        _ => {
            let [a, b] = args.envs.as_slice() else {
                return Err(ws.schema_first(crate::pipeline::Error::Usage(
                    "diff needs two environments (`kforge diff staging prod`) or one with --against (`kforge diff -e prod --against CHART.tgz|DIR`)".to_string()
                ))
                .into());
            };
            // Both rendered at once, on every core.
            let [old, new]: [Vec<Document>; 2] = ws
                .each_env(args.envs.as_slice(), |env| {
                    ws.render(env, &layers, Hooks::Lifecycle)
                })?
                .try_into()
                .map_err(|_| anyhow::anyhow!("diff renders exactly two environments"))?;
            (
                format!("environment {a}"),
                old,
                format!("environment {b}"),
                new,
            )
        }
    };
    let report = compare(old_label, &old, new_label, &new)?;
    let text = match args.output {
        DiffFormat::Json => report.to_json(),
        DiffFormat::Text => report.to_text(Color::for_stream(&std::io::stdout())),
    };
    write_stdout(&crate::diag::printable(&text))?;
    Ok(if report.differs() && args.exit_code {
        crate::diag::Exit::Findings.into()
    } else {
        ExitCode::SUCCESS
    })
}
