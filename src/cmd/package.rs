//! `kforge package`: each environment as a byte-reproducible Helm chart archive.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{Context, bail};

use crate::chart::{ChartFile, escape_for_helm, source_date_epoch, write_archive};
use crate::cli::PackageArgs;
use crate::cmd::{Errors, Workspace, env_files};
use crate::yaml::emit_document;

/// Renders, type-checks and packages the selected environments; writes nothing unless every
/// environment succeeds.
pub fn run(args: &PackageArgs) -> anyhow::Result<ExitCode> {
    if let Some(v) = &args.version {
        if let Err(e) = semver::Version::parse(v) {
            bail!(
                "--version `{v}` is not a SemVer 2 version: {e}; use MAJOR.MINOR.PATCH, e.g. 1.4.0"
            );
        }
    }
    let mtime = source_date_epoch().map_err(anyhow::Error::msg)?;
    let ws = Workspace::load()?;
    let layers = args.values.layers();
    let envs: Vec<String> = match &args.select.env {
        Some(e) => vec![e.clone()],
        None => ws.project.envs.keys().cloned().collect(),
    };
    let mut archives = Vec::new();
    let mut errors = Vec::new();
    for env in &envs {
        match build_one(&ws, env, &layers, args, mtime) {
            Ok(a) => archives.push(a),
            Err(e) => errors.push(e.context(format!("environment `{env}` failed"))),
        }
    }
    if !errors.is_empty() {
        return Err(Errors(errors).into());
    }
    for (path, bytes) in archives {
        write_atomically(&path, &bytes)?;
        eprintln!("packaged {}", path.display());
    }
    Ok(ExitCode::SUCCESS)
}

fn build_one(
    ws: &Workspace,
    env: &str,
    layers: &crate::values::CliLayers,
    args: &PackageArgs,
    mtime: u64,
) -> anyhow::Result<(std::path::PathBuf, Vec<u8>)> {
    let (merged, mut chart, docs) = ws.render_full(env, layers)?;
    if let Some(v) = &args.version {
        chart.version.clone_from(v);
    }
    if let Some(v) = &args.app_version {
        chart.app_version.clone_from(v);
    }
    let mut files = vec![
        ChartFile {
            path: "Chart.yaml".into(),
            data: chart.chart_yaml(env).into_bytes(),
        },
        ChartFile {
            path: "values.yaml".into(),
            data: emit_document(&merged.root).into_bytes(),
        },
    ];
    for (name, text) in env_files(&docs)? {
        files.push(ChartFile {
            path: format!("templates/{name}"),
            data: escape_for_helm(&text).into_bytes(),
        });
    }
    let bytes = write_archive(&chart.name, &files, mtime).context("writing the chart archive")?;
    let path = args
        .destination
        .join(env)
        .join(format!("{}-{}.tgz", chart.name, chart.version));
    Ok((path, bytes))
}

/// Writes via a temporary file in the same folder and a rename, so no partial archive ever
/// sits under its final name.
fn write_atomically(path: &std::path::Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = path.parent().unwrap_or(std::path::Path::new("."));
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".kforge-")
        .tempfile_in(dir)
        .with_context(|| format!("creating a temporary file in {}", dir.display()))?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path)
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}
