//! Packaging: each rendered environment as a byte-reproducible chart archive in memory, then
//! stored into its chart repository folder under the folder's lock.

use std::path::{Path, PathBuf};

use super::published::Published;
use super::{Error, Rendered, Result};
use crate::chart::repo::{Repo, sha256_hex};
use crate::chart::{
    ChartFile, ChartMeta, Error as ChartError, PROVENANCE_VALUES, escape_for_helm,
    fixed_values_message, values_schema, values_yaml, write_archive,
};
use crate::diag::Diagnostic;
use crate::epoch::BuildTime;
use crate::manifest::Document;
use crate::yaml::{Node, emit_document};

/// Overrides and fixed inputs shared by every environment of a run.
pub struct PackageOptions {
    /// `--version`.
    pub version: Option<String>,
    /// `--app-version`.
    pub app_version: Option<String>,
    /// SOURCE_DATE_EPOCH: entry mtimes and index `created` times.
    pub time: BuildTime,
    /// The git commit of the project, if any.
    pub commit: Option<String>,
}

impl PackageOptions {
    /// Checks `--version` and reads SOURCE_DATE_EPOCH and the git commit of `root`.
    pub fn new(
        version: Option<&String>,
        app_version: Option<&String>,
        root: &Path,
    ) -> Result<Self> {
        if let Some(v) = version
            && let Err(e) = semver::Version::parse(v)
        {
            return Err(Error::Usage(format!(
                "--version `{v}` is not a SemVer 2 version: {e}; use MAJOR.MINOR.PATCH with optional -prerelease and +build, e.g. 1.4.0 or 1.4.0-rc.1"
            )));
        }
        Ok(Self {
            version: version.cloned(),
            app_version: app_version.cloned(),
            time: BuildTime::from_env()?,
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
    pub findings: Vec<Diagnostic>,
    /// What the upgrade rules compare of it, kept beside the archive
    /// ([`super::previous::release_record`]); empty when it is not to be stored.
    pub record: String,
}

/// Packages an environment already rendered (and linted); its documents come back with it.
pub fn package_rendered(
    env: &str,
    rendered: Rendered,
    opts: &PackageOptions,
) -> Result<(Packaged, Vec<Document>)> {
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
    // The chart is static: it takes no values (values.yaml says why, values.schema.json makes
    // Helm refuse them) and keeps the merged values it was rendered from as provenance.
    let overlay = overlay_shown(env, &merged.layers);
    let message = fixed_values_message(&overlay);
    let mut files = vec![
        ChartFile {
            path: "Chart.yaml".into(),
            data: chart_yaml.clone().into_bytes(),
        },
        ChartFile {
            path: "values.yaml".into(),
            data: values_yaml(env, &overlay).into_bytes(),
        },
        ChartFile {
            path: "values.schema.json".into(),
            data: values_schema(&chart.name, env, &message).into_bytes(),
        },
    ];
    // `helm test` hooks go under templates/tests/, as `helm create` lays them out; everything
    // else, lifecycle hooks included, under templates/.
    let (tests, manifests): (Vec<_>, Vec<_>) = docs.iter().cloned().partition(|d| d.is_test_hook());
    let mut templates = Vec::new();
    for (folder, set) in [("templates", &manifests), ("templates/tests", &tests)] {
        for (name, text) in super::env_files(set)? {
            templates.push(ChartFile {
                path: format!("{folder}/{name}"),
                data: escape_for_helm(&text).into_bytes(),
            });
        }
    }
    templates.sort_by(|a, b| a.path.cmp(&b.path));
    files.extend(templates);
    // After the templates, where `helm package` puts a chart's other files.
    files.push(ChartFile {
        path: PROVENANCE_VALUES.into(),
        data: emit_document(&merged.root).into_bytes(),
    });
    let bytes =
        write_archive(&chart.name, &files, opts.time.mtime()).map_err(ChartError::WriteArchive)?;
    let digest = sha256_hex(&bytes);
    let packaged = Packaged {
        env: env.to_string(),
        file_name: format!("{}-{}.tgz", chart.name, chart.version),
        // Set by `Workspace::package_all`, which stores what it packages; `check` does not.
        record: String::new(),
        digest,
        chart_yaml,
        objects: docs.len(),
        findings,
        chart,
        bytes,
    };
    Ok((packaged, docs))
}

/// The overlay of `env` as the project shows it (`environments/prod.yaml`, or
/// `environments/prod/` for a folder of files), found among the values files it was merged from.
fn overlay_shown(env: &str, layers: &[Node]) -> String {
    let folder = format!("environments/{env}/");
    let files = [".yaml", ".yml"].map(|ext| format!("environments/{env}{ext}"));
    for layer in layers {
        let Some((file, ..)) = layer.origin.file_line() else {
            continue;
        };
        if file.display.starts_with(&folder) {
            return folder;
        }
        if files.contains(&file.display) {
            return file.display.clone();
        }
    }
    files[0].clone()
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
/// With `index` (the time for new entries' `created`), each folder's index.yaml is updated.
pub fn store_all(
    dest: &Path,
    charts: &[Packaged],
    index: Option<BuildTime>,
    published: &Published,
) -> Result<Vec<Result<(PathBuf, Stored)>>> {
    let folders: Vec<PathBuf> = charts.iter().map(|p| dest.join(&p.env)).collect();
    // Every folder, and the files in it that are opened rather than renamed into place (the
    // lock, the record of local builds), checked before the first is created or written.
    let written = folders.iter().flat_map(|folder| {
        [
            folder.clone(),
            folder.join(crate::chart::repo::LOCK_FILE),
            folder.join(super::published::LOCAL_BUILDS),
        ]
    });
    crate::fs::checked_output(dest, written).map_err(ChartError::from)?;
    crate::fs::create_dirs_durably(folders.iter().map(PathBuf::as_path))
        .map_err(ChartError::from)?;
    Ok(crate::par::map_io(charts, |p| {
        store(dest, p, index, published)
    }))
}

/// Writes `p` into `dest/<env>/` (which [`store_all`] created) under the folder's lock:
/// refused if the published index, or the folder's index, holds this name+version with another
/// digest, unless the folder's entry is a local build ([`Published::is_local_build`]) and
/// `index` is given, when it is replaced and the folder's index.yaml updated; with `index`,
/// the folder's index.yaml is updated in any case.
fn store(
    dest: &Path,
    p: &Packaged,
    index: Option<BuildTime>,
    published: &Published,
) -> Result<(PathBuf, Stored)> {
    let dir = dest.join(&p.env);
    let mut repo = Repo::open(&dir).map_err(ChartError::Repo)?;
    let path = dir.join(&p.file_name);
    let (name, version) = (&p.chart.name, &p.chart.version);
    let in_registry = published
        .check_registry(
            &path.display().to_string(),
            &p.env,
            name,
            version,
            &p.digest,
        )?
        .map_err(|e| ChartError::Repo(e.into()))?;
    let published_index = match published.index_path(&p.env) {
        Some(at) if at.is_file() => {
            let read = crate::chart::repo::read_index(&at).map_err(ChartError::Repo)?;
            crate::chart::check_immutable(
                &read,
                &path.display().to_string(),
                name,
                version,
                &p.digest,
            )
            .map_err(|e| ChartError::Repo(e.into()))?;
            Some(read)
        }
        _ => None,
    };
    // Only a command that writes the index (`build`) replaces a local build: `package` would
    // leave the folder's index recording the old archive's digest.
    let local_old = index.is_some()
        && !in_registry
        && repo
            .index
            .find(name, version)
            .and_then(|e| e.digest())
            .filter(|old| *old != p.digest)
            .is_some_and(|old| {
                published.is_local_build(&dir, published_index.as_ref(), name, version, old)
            });
    if local_old && let Some(list) = repo.index.entries.get_mut(name.as_str()) {
        // A local build of this version, never published: replaced by this one.
        list.retain(|e| e.version() != version);
    }
    let indexed = repo
        .check_immutable(
            &path.display().to_string(),
            &p.chart.name,
            &p.chart.version,
            &p.digest,
        )
        .map_err(|e| ChartError::Repo(e.into()))?;
    let on_disk_same = std::fs::read(&path).is_ok_and(|b| b == p.bytes);
    let stored = if indexed && on_disk_same {
        Stored::Unchanged
    } else {
        repo.write_archive(&p.file_name, &p.bytes)
            .map_err(ChartError::Repo)?;
        Stored::Written
    };
    // What the upgrade rules compare of it, for the next version's check (a cache).
    let record = dir.join(super::previous::record_name(&p.file_name));
    if !p.record.is_empty() && std::fs::read(&record).ok().as_deref() != Some(p.record.as_bytes()) {
        crate::fs::write_cache_atomically(&record, p.record.as_bytes())
            .map_err(ChartError::from)?;
    }
    if let Some(time) = index {
        // The archive was just written from these bytes under the lock: its digest and
        // Chart.yaml are known, so the index does not read, hash and inflate it again.
        let opts = crate::chart::repo::IndexOptions {
            now: time.now(),
            known: vec![crate::chart::repo::KnownArchive {
                rel: p.file_name.clone(),
                digest: p.digest.clone(),
                chart_yaml: p.chart_yaml.clone(),
            }],
            ..Default::default()
        };
        repo.reindex(&opts).map_err(ChartError::Repo)?;
        repo.write_index(opts.now).map_err(ChartError::Repo)?;
        if !indexed && published.local_builds {
            super::published::record_local_build(&dir, name, version, &p.digest)
                .map_err(ChartError::from)?;
        }
    }
    Ok((path, stored))
}
