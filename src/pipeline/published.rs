//! Where "published" is known, so that the everyday loop (edit → check → build → edit → check)
//! works without deleting dist/, while a published version still never changes.
//!
//! - A version is **published** when it is in the index of the real chart repository. CI gives
//!   kforge that index with `--published DIR` (`DIR/<env>/index.yaml`, fetched from the
//!   repository); a version there never changes, whatever dist/ holds.
//! - A version in `dist/<env>/index.yaml` is published too, unless kforge's own local build
//!   wrote it: each local build records what it wrote in `dist/<env>/.kforge-local-builds`
//!   (`name version digest` per line), and a version recorded there with the digest the index
//!   holds is a local build, which the next build replaces. An index fetched into dist/ (not
//!   written by kforge here) records nothing, so all its versions are published.
//! - On CI (the `CI` environment variable set, as GitHub Actions, GitLab CI and most CI systems
//!   do) the record is not trusted: every version in dist/ counts as published.

use std::path::{Path, PathBuf};

use crate::chart::Immutable;
use crate::chart::index::RepoIndex;

/// The record of versions a local build wrote into a chart repository folder.
pub const LOCAL_BUILDS: &str = ".kforge-local-builds";

/// Where published versions are known, shared by every environment of a run.
#[derive(Clone, Debug, Default)]
pub struct Published {
    /// `--published DIR`: `DIR/<env>/index.yaml` is the real repository's index.
    pub dir: Option<PathBuf>,
    /// `--published oci://HOST/PATH`: the registry CI pushes to, each environment's chart at
    /// `oci://HOST/PATH/<env>/<name>:<version>` (as the CI jobs `kforge init` writes push).
    pub registry: Option<String>,
    /// How the registry is reached (`--plain-http`; push's credentials).
    pub pull: crate::oci::PullOptions,
    /// Whether versions recorded as local builds may be replaced (not on CI).
    pub local_builds: bool,
}

impl Published {
    /// `--published DIR` or `--published oci://HOST/PATH`, and whether local builds are
    /// trusted (the `CI` variable unset).
    pub fn new(published: Option<PathBuf>, pull: crate::oci::PullOptions) -> Self {
        let on_ci = std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false");
        let registry = published
            .as_ref()
            .and_then(|p| p.to_str())
            .filter(|p| p.starts_with("oci://"))
            .map(|p| p.trim_end_matches('/').to_string());
        Self {
            dir: if registry.is_some() { None } else { published },
            registry,
            pull,
            local_builds: !on_ci,
        }
    }

    /// The published index of `env` (`DIR/<env>/index.yaml`), when `--published` names one.
    pub fn index_path(&self, env: &str) -> Option<PathBuf> {
        self.dir.as_ref().map(|d| d.join(env).join("index.yaml"))
    }

    /// `oci://HOST/PATH/<env>/<name>`, where the registry publishes `env`'s chart `name`.
    pub fn registry_repository(&self, env: &str, name: &str) -> Option<String> {
        self.registry.as_ref().map(|r| format!("{r}/{env}/{name}"))
    }

    /// `name` `version` of `env` against the registry: an [`Immutable`] error when it
    /// publishes that version as another archive, else whether it publishes this very one
    /// (`digest`, sha256 hex). `what` names the archive or environment being checked.
    pub fn check_registry(
        &self,
        what: &str,
        env: &str,
        name: &str,
        version: &str,
        digest: &str,
    ) -> Result<Result<bool, Box<Immutable>>, crate::oci::Error> {
        Ok(match self.registry_digest(env, name, version)? {
            None => Ok(false),
            Some(old) if old == digest => Ok(true),
            Some(old) => Err(Box::new(Immutable {
                what: what.to_string(),
                name: name.to_string(),
                version: version.to_string(),
                index: format!(
                    "{}:{}",
                    self.registry_repository(env, name).unwrap_or_default(),
                    version.replace('+', "_")
                ),
                old,
                new: digest.to_string(),
                origin: crate::yaml::Origin::Generated,
            })),
        })
    }

    /// The sha256 (hex, as an index writes it) of the archive the registry publishes as
    /// `env`'s `name` `version`; none when it publishes no such version, or there is no
    /// registry. Any other answer of the registry is an error: a version is never taken for
    /// unpublished because the registry could not be asked.
    pub fn registry_digest(
        &self,
        env: &str,
        name: &str,
        version: &str,
    ) -> Result<Option<String>, crate::oci::Error> {
        let Some(repo) = self.registry_repository(env, name) else {
            return Ok(None);
        };
        let reference = format!("{repo}:{}", version.replace('+', "_"));
        Ok(crate::oci::published_chart_digest(&reference, &self.pull)?
            .map(|d| d.trim_start_matches("sha256:").to_string()))
    }

    /// Whether `name` `version`, indexed in the folder `repo_dir` with `indexed_digest`, is a
    /// local build that may be replaced: recorded there with that digest, local builds
    /// trusted, and not in the published index `published` (already read).
    pub fn is_local_build(
        &self,
        repo_dir: &Path,
        published: Option<&RepoIndex>,
        name: &str,
        version: &str,
        indexed_digest: &str,
    ) -> bool {
        self.local_builds
            && published.is_none_or(|p| p.find(name, version).is_none())
            && read_record(repo_dir)
                .iter()
                .any(|(n, v, d)| n == name && v == version && d == indexed_digest)
    }
}

/// The local builds recorded in `repo_dir` (unreadable or missing: none).
fn read_record(repo_dir: &Path) -> Vec<(String, String, String)> {
    let Ok(text) = std::fs::read_to_string(repo_dir.join(LOCAL_BUILDS)) else {
        return Vec::new();
    };
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let mut parts = l.split_whitespace();
            let (n, v, d) = (parts.next()?, parts.next()?, parts.next()?);
            Some((n.to_string(), v.to_string(), d.to_string()))
        })
        .collect()
}

/// Records `name` `version` with `digest` as a local build in `repo_dir` (replacing an older
/// record of that version). Called under the folder's lock, after the index is written.
pub fn record_local_build(
    repo_dir: &Path,
    name: &str,
    version: &str,
    digest: &str,
) -> Result<(), crate::fs::Error> {
    let mut lines: Vec<String> = read_record(repo_dir)
        .into_iter()
        .filter(|(n, v, _)| !(n == name && v == version))
        .map(|(n, v, d)| format!("{n} {v} {d}"))
        .collect();
    lines.push(format!("{name} {version} {digest}"));
    lines.sort();
    let mut text = String::from(
        "# Chart versions kforge built here and never published: the next build may replace them.\n",
    );
    for l in lines {
        text.push_str(&l);
        text.push('\n');
    }
    // Not synced: a record lost or torn in a crash only makes its versions count as
    // published (the safe side), and costs a build no fsync.
    let path = repo_dir.join(LOCAL_BUILDS);
    crate::fs::checked_output(repo_dir, [&path])?;
    std::fs::write(&path, text)
        .map_err(|e| crate::fs::Error::new(format!("writing {}", path.display()), e))
}
