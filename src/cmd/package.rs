//! `kforge package`: each environment as a byte-reproducible Helm chart archive.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};

use crate::chart::repo::{Repo, sha256_hex};
use crate::chart::{ChartFile, ChartMeta, escape_for_helm, source_date_epoch, write_archive};
use crate::cli::PackageArgs;
use crate::cmd::{Errors, Rendered, Workspace, env_files};
use crate::render::Document;
use crate::values::CliLayers;
use crate::yaml::emit_document;

/// Overrides and fixed inputs shared by every environment of a run.
pub struct PackageOptions {
    /// `--version`.
    pub version: Option<String>,
    /// `--app-version`.
    pub app_version: Option<String>,
    /// Entry mtime (SOURCE_DATE_EPOCH or the default).
    pub mtime: u64,
    /// The git commit of the project, if any.
    pub commit: Option<String>,
}

impl PackageOptions {
    /// Checks `--version` and reads SOURCE_DATE_EPOCH and the git commit of `root`.
    pub fn new(
        version: Option<&String>,
        app_version: Option<&String>,
        root: &Path,
    ) -> anyhow::Result<Self> {
        if let Some(v) = version
            && let Err(e) = semver::Version::parse(v)
        {
            bail!(
                "--version `{v}` is not a SemVer 2 version: {e}; use MAJOR.MINOR.PATCH with optional -prerelease and +build, e.g. 1.4.0 or 1.4.0-rc.1"
            );
        }
        Ok(Self {
            version: version.cloned(),
            app_version: app_version.cloned(),
            mtime: source_date_epoch().map_err(anyhow::Error::msg)?,
            commit: crate::git::head_commit(root),
        })
    }
}

/// One environment packaged in memory.
pub struct Packaged {
    /// The environment.
    pub env: String,
    /// Chart.yaml data.
    pub chart: ChartMeta,
    /// `<name>-<version>.tgz`.
    pub file_name: String,
    /// The archive.
    pub bytes: Vec<u8>,
    /// sha256 hex of the archive.
    pub digest: String,
    /// The archive's Chart.yaml text (indexed without reading the archive back).
    pub chart_yaml: String,
    /// Objects in the chart.
    pub objects: usize,
    /// Lint findings that did not stop the build (warnings and infos).
    pub findings: Vec<crate::diag::Diagnostic>,
}

/// Renders, type-checks and packages the selected environments; writes nothing unless every
/// environment succeeds, and never replaces an indexed version with different content.
pub fn run(args: &PackageArgs) -> anyhow::Result<ExitCode> {
    let ws = Workspace::load_overlapped()?;
    let opts = PackageOptions::new(
        args.version.as_ref(),
        args.app_version.as_ref(),
        &ws.project.root,
    )
    .map_err(|e| ws.schema_first(e))?;
    let layers = args.values.layers();
    let envs: Vec<String> = match &args.select.env {
        Some(e) => vec![e.clone()],
        None => ws.project.envs.keys().cloned().collect(),
    };
    let charts = package_all(&ws, &envs, &layers, &opts)?;
    let mut written = Vec::new();
    let mut errors = Vec::new();
    // Every environment packaged: now store them, each into its own folder.
    let stored = store_all(&args.destination, &charts, false)?;
    for (p, r) in charts.iter().zip(stored) {
        match r {
            Ok((path, _)) => written.push(path),
            Err(e) => errors.push(e.context(format!("environment `{}` failed", p.env))),
        }
    }
    for path in &written {
        eprintln!("packaged {}", path.display());
    }
    if errors.is_empty() {
        Ok(ExitCode::SUCCESS)
    } else {
        Err(Errors(errors).into())
    }
}

/// Packages every environment in memory; all failures are reported together.
pub fn package_all(
    ws: &Workspace,
    envs: &[String],
    layers: &CliLayers,
    opts: &PackageOptions,
) -> anyhow::Result<Vec<Packaged>> {
    ws.each_env(envs, |env| package_env(ws, env, layers, opts))
}

/// Renders, type-checks and packages one environment.
pub fn package_env(
    ws: &Workspace,
    env: &str,
    layers: &CliLayers,
    opts: &PackageOptions,
) -> anyhow::Result<Packaged> {
    let rendered = ws.render_full(env, layers)?;
    package_rendered(env, rendered, opts).map(|(packaged, _)| packaged)
}

/// Packages an environment already rendered (and linted); its documents come back with it.
pub fn package_rendered(
    env: &str,
    rendered: Rendered,
    opts: &PackageOptions,
) -> anyhow::Result<(Packaged, Vec<Document>)> {
    let Rendered {
        values: merged,
        mut chart,
        docs,
        findings,
    } = rendered;
    if let Some(v) = &opts.version {
        chart.version.clone_from(v);
    }
    if let Some(v) = &opts.app_version {
        chart.app_version.clone_from(v);
    }
    chart.source_commit.clone_from(&opts.commit);
    let chart_yaml = chart.chart_yaml(env);
    let mut files = vec![
        ChartFile {
            path: "Chart.yaml".into(),
            data: chart_yaml.clone().into_bytes(),
        },
        ChartFile {
            path: "values.yaml".into(),
            data: emit_document(&merged.root).into_bytes(),
        },
    ];
    let (hooks, manifests): (Vec<_>, Vec<_>) = docs.iter().cloned().partition(|d| d.is_hook());
    let mut templates = Vec::new();
    for (folder, set) in [("templates", &manifests), ("templates/tests", &hooks)] {
        for (name, text) in env_files(set)? {
            templates.push(ChartFile {
                path: format!("{folder}/{name}"),
                data: escape_for_helm(&text).into_bytes(),
            });
        }
    }
    templates.sort_by(|a, b| a.path.cmp(&b.path));
    files.extend(templates);
    let bytes =
        write_archive(&chart.name, &files, opts.mtime).context("writing the chart archive")?;
    let packaged = Packaged {
        env: env.to_string(),
        file_name: format!("{}-{}.tgz", chart.name, chart.version),
        digest: sha256_hex(&bytes),
        chart_yaml,
        objects: docs.len(),
        findings,
        chart,
        bytes,
    };
    Ok((packaged, docs))
}

/// Whether [`store`] wrote the archive or found it already there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stored {
    /// Written (new, or an unindexed archive replaced).
    Written,
    /// The same bytes were already indexed.
    Unchanged,
}

/// [`store`] for every chart, several at a time so their syncs overlap, after their folders
/// are created with one sync of the folder holding them. One result per chart, in order.
pub fn store_all(
    dest: &Path,
    charts: &[Packaged],
    index: bool,
) -> anyhow::Result<Vec<anyhow::Result<(PathBuf, Stored)>>> {
    let folders: Vec<PathBuf> = charts.iter().map(|p| dest.join(&p.env)).collect();
    crate::chart::repo::create_dirs_durably(folders.iter().map(PathBuf::as_path))?;
    Ok(crate::par::map_io(charts, |p| store(dest, p, index)))
}

/// Writes `p` into `dest/<env>/` (which [`store_all`] created) under the folder's lock:
/// refused if the index holds this name+version with another digest; with `index`, the
/// folder's index.yaml is updated too.
fn store(dest: &Path, p: &Packaged, index: bool) -> anyhow::Result<(PathBuf, Stored)> {
    let dir = dest.join(&p.env);
    let mut repo = Repo::open(&dir)?;
    let path = dir.join(&p.file_name);
    let indexed = repo.check_immutable(
        &path.display().to_string(),
        &p.chart.name,
        &p.chart.version,
        &p.digest,
    )?;
    let on_disk_same = std::fs::read(&path).is_ok_and(|b| b == p.bytes);
    let stored = if indexed && on_disk_same {
        Stored::Unchanged
    } else {
        repo.write_archive(&p.file_name, &p.bytes)?;
        Stored::Written
    };
    if index {
        // The archive was just written from these bytes under the lock: its digest and
        // Chart.yaml are known, so the index does not read, hash and inflate it again.
        let opts = crate::chart::repo::IndexOptions {
            now: now(),
            known: vec![crate::chart::repo::KnownArchive {
                rel: p.file_name.clone(),
                digest: p.digest.clone(),
                chart_yaml: p.chart_yaml.clone(),
            }],
            ..Default::default()
        };
        repo.reindex(&opts)?;
        repo.write_index(opts.now)?;
    }
    Ok((path, stored))
}

/// SOURCE_DATE_EPOCH when set (reproducible builds), else the wall clock.
pub fn now() -> u64 {
    match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(v) => v.trim().parse().unwrap_or(0),
        Err(_) => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
    }
}
