//! `kforge lint`: the project's rendered environments, or any manifest files, folders or stdin.

use std::io::Write;
use std::process::ExitCode;

use crate::cmd::bail;

use crate::cli::LintArgs;
use crate::cmd::Result;
use crate::diag::{Color, Exit, Severity};
use crate::lint::input::{add_crds, lint_inputs, project_options};
use crate::lint::report::{ReportFormat, render};
use crate::lint::{Options, RULES, lint_rendered, rule};
use crate::pipeline::Workspace;

/// Runs the lint and prints the report; exit 1 on errors (or warnings with --strict).
pub fn run(args: &LintArgs) -> Result<ExitCode> {
    if args.list_rules {
        return list_rules();
    }
    if let Some(id) = &args.explain {
        return explain(id);
    }
    // The config file of the project in the current folder (-C) applies to paths too; a
    // project's is read (with its CRDs) once, by the workspace.
    let ws = if args.paths.is_empty() {
        Some(Workspace::load()?)
    } else {
        None
    };
    let mut opts = match &ws {
        Some(ws) => ws.lint.clone(),
        None => project_options(std::path::Path::new("."))?,
    };
    apply_flags(&mut opts, args)?;
    let color = Color(args.format == ReportFormat::Text && Color::for_stream(&std::io::stdout()).0);
    let mut skipped = std::mem::take(&mut opts.skipped);
    let (objects, findings, unreadable) = if let Some(ws) = ws {
        let envs = ws.select(args.env.as_slice())?;
        let layers = args.values.layers();
        let linted = ws.each_env(&envs, |env| {
            let rendered = ws.render_unchecked(env, &layers)?;
            let found = lint_rendered(&rendered.docs, &opts, Some(&rendered.values.root));
            Ok((rendered.docs.len(), found))
        })?;
        let objects = linted.iter().map(|(n, _)| n).sum();
        // One finding met in several environments is reported once, naming them.
        let mut findings = crate::diag::by_environment(
            envs.iter()
                .zip(&linted)
                .map(|(env, (_, found))| (env.as_str(), found.as_slice())),
        );
        if ws.project.envs.len() < 2 {
            for d in &mut findings {
                d.environments.clear();
            }
        }
        (objects, findings, 0)
    } else {
        if args.env.is_some() {
            bail!("give either -e ENV or paths to lint, not both");
        }
        let mut linted = lint_inputs(&args.paths, &opts);
        skipped.append(&mut linted.skipped);
        (linted.objects, linted.findings, linted.unreadable)
    };
    crate::cmd::warn(&skipped);
    let report = render(args.format, &findings, objects, color);
    let mut out = std::io::stdout().lock();
    out.write_all(report.as_bytes())?;
    out.flush()?;
    let failing = findings
        .iter()
        .any(|d| d.severity == Severity::Error || (args.strict && d.severity == Severity::Warning));
    if unreadable > 0 {
        // The report is complete for what could be read; the run is still bad input.
        eprintln!(
            "error: {unreadable} input{} could not be parsed (parse-error or unrendered-template findings above); the rest was linted",
            if unreadable == 1 { "" } else { "s" }
        );
        return Ok(Exit::Input.into());
    }
    Ok(if failing {
        Exit::Findings.into()
    } else {
        ExitCode::SUCCESS
    })
}

fn apply_flags(opts: &mut Options, args: &LintArgs) -> Result<()> {
    if let Some(v) = &args.kube_version {
        opts.kube_version = crate::lint::parse_kube_version(v)?;
    }
    if !args.only.is_empty() {
        opts.only = args.only.iter().copied().collect();
    }
    opts.skip.extend(args.skip.iter().copied());
    for id in &args.disable {
        if rule(id).is_none() {
            let known = RULES.iter().map(|r| r.id);
            match crate::diag::did_you_mean(id, known) {
                Some(s) => bail!(
                    "--disable: no rule `{id}`; did you mean `{s}`? (kforge lint --list-rules)"
                ),
                None => bail!("--disable: no rule `{id}` (kforge lint --list-rules shows them)"),
            }
        }
        opts.disable.insert(id.clone());
    }
    opts.allow_unknown_kinds |= args.allow_unknown_kinds;
    opts.crds.extend(args.crd.iter().cloned());
    add_crds(opts, &args.crd)?;
    opts.lint_flags = true;
    Ok(())
}

fn list_rules() -> Result<ExitCode> {
    let mut out = String::new();
    for r in RULES {
        out.push_str(&format!(
            "{:<24} {:<10} {:<8} {}\n",
            r.id,
            r.category.as_str(),
            r.severity.as_str(),
            r.summary
        ));
    }
    crate::cmd::write_stdout(&out)?;
    Ok(ExitCode::SUCCESS)
}

fn explain(id: &str) -> Result<ExitCode> {
    let Some(r) = rule(id) else {
        match crate::diag::did_you_mean(id, RULES.iter().map(|r| r.id)) {
            Some(s) => bail!("no rule `{id}`; did you mean `{s}`?"),
            None => bail!("no rule `{id}`; `kforge lint --list-rules` lists them"),
        }
    };
    let mut out = format!(
        "{}  ({} · default severity {})\n\n{}\n\nFix: {}\n",
        r.id,
        r.category.as_str(),
        r.severity.as_str(),
        r.summary,
        r.fix
    );
    if !r.equivalents.is_empty() {
        out.push_str("\nEquivalent checks:\n");
        for (tool, check) in r.equivalents {
            out.push_str(&format!("  {tool}: {check}\n"));
        }
    }
    if r.id == "service-selector" {
        out.push_str("\nCustom resources known to create pods (group/Kind):\n");
        for gk in crate::lint::POD_CREATING_KINDS {
            out.push_str(&format!("  {gk}\n"));
        }
    }
    if matches!(r.id, "removed-api" | "deprecated-api") {
        out.push_str("\nAn object on an old apiVersion gets every other check of its kind too, its fields read through the current version where they are the same:\n");
        for line in crate::lint::old_version_readings() {
            out.push_str(&format!("  {line}\n"));
        }
    }
    if r.category == crate::lint::Category::Upgrade {
        out.push_str(&format!(
            "\nChecked by check, build and package against each environment's last release (docs/upgrades.md); never disabled. Acknowledge a deliberate change for one object and release in kforge-lint.yaml:\n  acknowledge: [{{rule: {}, object: Kind/name, release: VERSION, reason: ...}}]\n",
            r.id
        ));
    } else {
        out.push_str(&format!(
            "\nSilence it for one object with the annotation `kforge.io/ignore: {}`, or for a run with --disable {}.\n",
            r.id, r.id
        ));
    }
    crate::cmd::write_stdout(&out)?;
    Ok(ExitCode::SUCCESS)
}
