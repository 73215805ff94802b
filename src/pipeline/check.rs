//! `kforge check` as a library call: every environment rendered, linted, packaged in memory,
//! its upgrade from the last release checked and its version checked against the chart
//! repositories; then golden/. Nothing is written; the outcome says what was found and how the
//! run ends. The command only prints it.

use std::path::{Path, PathBuf};

use super::previous::{LastRelease, Previous};
use super::{
    PackageOptions, Packaged, Published, Rendered, Result, Workspace, drift_report, env_files,
    package_rendered,
};
use crate::chart::index::RepoIndex;
use crate::chart::repo::read_index;
use crate::diag::{Diagnostic, EnvFailures, Exit, Severity, causes_text};
use crate::lint::{Release, upgrade_findings};
use crate::manifest::{Hooks, release_view};
use crate::values::CliLayers;

/// What a check is given besides the project.
pub struct CheckOptions {
    /// `-f` and `--set`.
    pub layers: CliLayers,
    /// `--version`, `--app-version`, SOURCE_DATE_EPOCH, the commit.
    pub package: PackageOptions,
    /// `-d`: the chart repository folders whose indexes versions are compared with.
    pub destination: PathBuf,
    /// `--published` and whether local builds may be replaced.
    pub published: Published,
    /// Where each environment's last release is found.
    pub previous: Previous,
}

/// How the upgrade from the last release was checked for one environment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UpgradeChecked {
    /// The render failed; nothing to compare.
    NotRendered,
    /// No earlier release: a first release.
    FirstRelease,
    /// Compared with this version.
    From(String),
    /// An earlier version is indexed, but its archive is not at hand (a warning says so).
    NotAtHand(String),
}

/// What checking one environment found.
pub struct EnvCheck {
    /// The environment.
    pub env: String,
    /// Warnings, infos, and problems other than a failed render (a changed published
    /// version, an update Kubernetes rejects).
    pub findings: Vec<Diagnostic>,
    /// The files golden/ should hold, or why the environment did not render.
    pub rendered: std::result::Result<Vec<(String, String)>, super::Error>,
    /// Whether the package was compared with the destination's index.
    pub compared_index: bool,
    /// Whether it was compared with the published index (`--published`).
    pub compared_published: bool,
    /// Whether the destination holds a local build of this version that build replaces.
    pub local_build: bool,
    /// The upgrade check.
    pub upgrade: UpgradeChecked,
}

/// golden/ against the renders.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GoldenState {
    /// The project has no golden/.
    Absent,
    /// Some environment did not render.
    NotCompared,
    /// Every file matches.
    Matches,
    /// This unified diff.
    Differs(String),
}

/// Everything a check found, in the environments' order.
pub struct CheckOutcome {
    /// Warnings about the project itself (unused template files, a stale editor schema).
    pub project_warnings: Vec<Diagnostic>,
    /// Each environment's result.
    pub envs: Vec<EnvCheck>,
    /// The environments that failed to render, reported together.
    pub failed: EnvFailures,
    /// golden/.
    pub golden: GoldenState,
}

impl CheckOutcome {
    /// Each distinct finding (a warning of base.yaml met in three environments is one), with
    /// the environments it was met in ([`Diagnostic::environments`]), in the order first met.
    pub fn distinct_findings(&self) -> Vec<Diagnostic> {
        crate::diag::by_environment(
            self.envs
                .iter()
                .map(|e| (e.env.as_str(), e.findings.as_slice())),
        )
    }

    /// Distinct problems: errors among the findings, failed renders, golden drift.
    pub fn problems(&self) -> usize {
        let errors = self
            .distinct_findings()
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count();
        errors
            + self.failed.distinct_problems()
            + usize::from(matches!(self.golden, GoldenState::Differs(_)))
    }

    /// Distinct warnings, the project's own included.
    pub fn warnings(&self) -> usize {
        self.project_warnings.len()
            + self
                .distinct_findings()
                .iter()
                .filter(|d| d.severity == Severity::Warning)
                .count()
    }

    /// How the run ends: `None` when it passed, else exit 1, whatever the problems (a check
    /// that ran is a check that found something; bad input that stops it before it runs, a
    /// broken values schema or kforge-lint.yaml, is exit 2 from [`Workspace::check`]).
    pub fn exit(&self) -> Option<Exit> {
        (self.problems() > 0).then_some(Exit::Findings)
    }
}

impl Workspace {
    /// Checks `envs` on every core (`tick` after each), then golden/ (in `golden`, when it is
    /// a folder). A broken values schema is an input error, reported once.
    pub fn check(
        &self,
        envs: &[String],
        opts: &CheckOptions,
        golden: &Path,
        tick: impl Fn() + Sync,
    ) -> Result<CheckOutcome> {
        let results = crate::par::map(envs, |env| {
            let r = self.check_env(env, opts);
            tick();
            r
        });
        // A broken values schema fails every environment: an input error, reported once.
        self.schema()?;
        let mut project_warnings = self.warnings();
        project_warnings.extend(self.stale_editor_schema()?);
        let mut failed = EnvFailures::default();
        let mut checked = Vec::new();
        let mut golden_files = Vec::new();
        for mut e in results {
            match std::mem::replace(&mut e.rendered, Ok(Vec::new())) {
                Ok(files) => {
                    golden_files.push((e.env.clone(), files.clone()));
                    e.rendered = Ok(files);
                }
                Err(err) => failed.push(&e.env, err),
            }
            checked.push(e);
        }
        let golden = if !golden.is_dir() {
            GoldenState::Absent
        } else if !failed.is_empty() {
            GoldenState::NotCompared
        } else {
            match drift_report(golden, &golden_files)? {
                r if r.is_empty() => GoldenState::Matches,
                r => GoldenState::Differs(r),
            }
        };
        Ok(CheckOutcome {
            project_warnings,
            envs: checked,
            failed,
            golden,
        })
    }

    /// A warning when the editors' schema (written by `kforge init`) is not the project's
    /// current one: editors would accept typos, or flag keys the project added.
    fn stale_editor_schema(&self) -> Result<Option<Diagnostic>> {
        use crate::project::EDITOR_SCHEMA;
        let Ok(on_disk) = std::fs::read_to_string(self.project.root.join(EDITOR_SCHEMA)) else {
            return Ok(None);
        };
        if on_disk == self.schema_text(true)? {
            return Ok(None);
        }
        Ok(Some(
            Diagnostic::error(format!(
                "{EDITOR_SCHEMA} is not the current values schema, so editors check the environment files against an old one"
            ))
            .help(format!("run `kforge schema --editor > {EDITOR_SCHEMA}`"))
            .warning(),
        ))
    }

    /// Values, render, lint, upgrade from the last release, the in-memory package and its
    /// immutability against the indexes, in one go.
    fn check_env(&self, env: &str, opts: &CheckOptions) -> EnvCheck {
        let mut report = EnvCheck {
            env: env.to_string(),
            findings: Vec::new(),
            rendered: Ok(Vec::new()),
            compared_index: false,
            compared_published: false,
            local_build: false,
            upgrade: UpgradeChecked::NotRendered,
        };
        let checked = self.render_full(env, &opts.layers).and_then(|r| {
            let (upgrade, findings) = self.upgrade_check(env, &r, &opts.package, &opts.previous)?;
            let (packaged, docs) = package_rendered(env, r, &opts.package)?;
            Ok((upgrade, findings, packaged, docs))
        });
        let (upgrade, upgrade_findings, packaged, docs) = match checked {
            Ok(x) => x,
            Err(e) => {
                report.rendered = Err(e);
                return report;
            }
        };
        report.upgrade = upgrade;
        report.findings.extend(
            packaged
                .findings
                .iter()
                .filter(|d| d.severity == Severity::Warning)
                .cloned(),
        );
        report.findings.extend(upgrade_findings);
        // Golden files hold what `kforge render` shows.
        report.rendered = env_files(&release_view(docs, Hooks::Lifecycle));
        self.check_versions(&mut report, &packaged, opts);
        report
    }

    /// The archive must not change a version the environment's repositories already hold.
    fn check_versions(&self, report: &mut EnvCheck, packaged: &Packaged, opts: &CheckOptions) {
        let in_registry = registry_immutability(report, packaged, &opts.published);
        let env = &report.env;
        let mut published_index = None;
        if let Some(path) = opts.published.index_path(env).filter(|p| p.is_file()) {
            report.compared_published = true;
            match immutability(&path, packaged) {
                Ok(index) => published_index = Some(index),
                Err(d) => report.findings.push(d),
            }
        }
        let repo_dir = opts.destination.join(env);
        let index_path = repo_dir.join("index.yaml");
        report.compared_index = index_path.is_file();
        if report.compared_index
            && let Err(d) = immutability(&index_path, packaged)
        {
            // A version a local build wrote, never published, is replaced by the next build.
            let indexed = read_index(&index_path).ok();
            let old = indexed
                .as_ref()
                .and_then(|i| i.find(&packaged.chart.name, &packaged.chart.version))
                .and_then(|e| e.digest());
            if !in_registry
                && old.is_some_and(|old| {
                    opts.published.is_local_build(
                        &repo_dir,
                        published_index.as_ref(),
                        &packaged.chart.name,
                        &packaged.chart.version,
                        old,
                    )
                })
            {
                report.local_build = true;
            } else {
                report.findings.push(d);
            }
        }
    }

    /// The upgrade rules on `rendered` against the last release of `env`: how it was checked,
    /// and the findings (errors for updates Kubernetes rejects, a warning when the last
    /// release's archive is not at hand).
    pub fn upgrade_check(
        &self,
        env: &str,
        rendered: &Rendered,
        package: &PackageOptions,
        previous: &Previous,
    ) -> Result<(UpgradeChecked, Vec<Diagnostic>)> {
        let version = package
            .version
            .clone()
            .unwrap_or_else(|| rendered.chart.version.clone());
        Ok(
            match previous.last_release(env, &rendered.chart.name, &version)? {
                LastRelease::None => (UpgradeChecked::FirstRelease, Vec::new()),
                LastRelease::NotAtHand {
                    version: last,
                    index,
                } => {
                    let d = Diagnostic::error(format!(
                    "the upgrade of environment `{env}` from release {last} was not checked: {index} lists it, but its archive is not beside it"
                ))
                .help(format!(
                    "put the archive of {last} beside the index, or pass --previous {env}=CHART (a .tgz or oci://...)"
                ))
                .warning();
                    (UpgradeChecked::NotAtHand(last), vec![d])
                }
                LastRelease::Found(base) => {
                    let before = Release {
                        version: &base.version,
                        source: &base.source,
                        docs: &base.docs,
                    };
                    let after = Release {
                        version: &version,
                        source: "this render",
                        docs: &rendered.docs,
                    };
                    let mut findings = upgrade_findings(
                        env,
                        &before,
                        &after,
                        &self.lint,
                        Some(&rendered.values.root),
                    );
                    findings.extend(base.notes.iter().map(|(note, help)| {
                        Diagnostic::error(note.clone()).help(help.clone()).warning()
                    }));
                    (UpgradeChecked::From(base.version), findings)
                }
            },
        )
    }
}

/// The packaged chart against the registry of `--published oci://...`: the same version must be
/// the same archive there. Whether the registry publishes this version (so a folder's copy of
/// it is no local build).
fn registry_immutability(report: &mut EnvCheck, p: &Packaged, published: &Published) -> bool {
    let Some(repo) = published.registry_repository(&p.env, &p.chart.name) else {
        return false;
    };
    report.compared_published = true;
    let what = format!("environment `{}`", p.env);
    match published.check_registry(&what, &p.env, &p.chart.name, &p.chart.version, &p.digest) {
        Ok(Ok(there)) => there,
        Ok(Err(changed)) => {
            report.findings.push(changed.diagnostic());
            true
        }
        Err(e) => {
            report.findings.push(
                Diagnostic::error(format!(
                    "environment `{}`: could not learn whether {repo} publishes version {}: {}",
                    p.env,
                    p.chart.version,
                    causes_text(&e)
                ))
                .help("check the registry and its credentials (as for `kforge push`); a version is never taken for unpublished because the registry could not be asked"),
            );
            true
        }
    }
}

/// The packaged chart against an existing index: the same name+version must have the same
/// digest (published versions are immutable). Read only: the folder is neither locked nor
/// created. The index comes back when the chart passes.
fn immutability(index_path: &Path, p: &Packaged) -> std::result::Result<RepoIndex, Diagnostic> {
    let index = read_index(index_path).map_err(|e| Diagnostic::error(causes_text(&e)))?;
    let what = format!("environment `{}`", p.env);
    crate::chart::check_immutable(&index, &what, &p.chart.name, &p.chart.version, &p.digest)
        .map(|_| index)
        .map_err(|e| e.diagnostic())
}
