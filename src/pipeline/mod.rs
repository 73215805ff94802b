//! The pipeline as a library: a workspace (project, templates, values schema, lint options)
//! and what is done to its environments — merge values, render, lint, package, store. Commands
//! compose these calls; nothing here prints.

mod check;
mod golden;
mod package;
mod previous;
mod published;

use crate::chart::ChartMeta;
use crate::diag::{Diagnostic, Diagnostics, EnvFailures, Failure, LintFailed, Severity};
use crate::lint::{Options as LintOptions, lint_rendered};
use crate::manifest::{Document, Hooks, release_view, rename_config_map_refs, sort_install_order};
use crate::project::{Project, ProjectError};
use crate::render::{ConfigSets, RenderContext, TemplateSet, TemplateSetError, render_env};
use crate::values::{
    COMPONENTS, CliLayers, MergedValues, PendingSchema, SchemaSource, ValuesSchema, inert_settings,
    merge_env, validate,
};
use crate::yaml::Node;

pub use check::{CheckOptions, CheckOutcome, EnvCheck, GoldenState, UpgradeChecked};
pub use golden::{drift_report, stale_envs, update_golden};
pub use package::{PackageOptions, Packaged, Stored, package_rendered, store_all};
pub use previous::{Baseline, LastRelease, Previous};
pub use published::{LOCAL_BUILDS, Published};

/// Why a stage of the pipeline failed. Each variant keeps the stage's own typed error, and so
/// its exit code and the way it is written.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Finding or reading the project.
    #[error(transparent)]
    Project(#[from] ProjectError),
    /// Loading the templates.
    #[error(transparent)]
    Templates(#[from] TemplateSetError),
    /// Loading and merging values.
    #[error(transparent)]
    Values(#[from] crate::values::Error),
    /// Located problems in the input (values, templates, chart metadata): exit 2.
    #[error(transparent)]
    Input(#[from] Diagnostics),
    /// The rendered objects have lint errors: exit 1.
    #[error(transparent)]
    Lint(#[from] LintFailed),
    /// SOURCE_DATE_EPOCH is not valid.
    #[error(transparent)]
    Epoch(#[from] crate::epoch::InvalidEpoch),
    /// Several environments failed.
    #[error(transparent)]
    Envs(#[from] EnvFailures),
    /// Packaging or storing a chart.
    #[error(transparent)]
    Chart(#[from] crate::chart::Error),
    /// Reading or writing a file.
    #[error(transparent)]
    Fs(#[from] crate::fs::Error),
    /// A chart archive given or indexed as a last release could not be read.
    #[error(transparent)]
    Archive(#[from] crate::chart::read::FileError),
    /// A last release's manifests could not be read back.
    #[error(transparent)]
    Manifests(#[from] crate::diff::Error),
    /// A last release could not be pulled from its registry.
    #[error(transparent)]
    Oci(#[from] crate::oci::Error),
    /// A problem of the command line given to a stage (`--version` not SemVer).
    #[error("{0}")]
    Usage(String),
}

impl From<crate::chart::repo::Error> for Error {
    fn from(e: crate::chart::repo::Error) -> Self {
        Error::Chart(e.into())
    }
}

impl Failure for Error {
    /// The failure inside, whatever the stage.
    fn inner(&self) -> Option<&dyn Failure> {
        Some(match self {
            Error::Project(e) => e,
            Error::Templates(e) => e,
            Error::Values(e) => e,
            Error::Input(e) => e,
            Error::Lint(e) => e,
            Error::Epoch(e) => e,
            Error::Envs(e) => e,
            Error::Chart(e) => e,
            Error::Fs(e) => e,
            Error::Archive(e) => e,
            Error::Manifests(e) => e,
            Error::Oci(e) => e,
            Error::Usage(_) => return None,
        })
    }
}

/// A pipeline result.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// One rendered environment.
pub struct Rendered {
    /// The merged values.
    pub values: MergedValues,
    /// Chart metadata from the values.
    pub chart: ChartMeta,
    /// Objects in install order, hooks included.
    pub docs: Vec<Document>,
    /// Lint warnings and infos (errors fail the render).
    pub findings: Vec<Diagnostic>,
}

/// A project with its templates and compiled values schema.
pub struct Workspace {
    /// The project.
    pub project: Project,
    /// Built-in templates overlaid with the project's.
    pub templates: TemplateSet,
    /// The project's config sets (`config/<set>/`).
    pub config: ConfigSets,
    /// The values schema, compiling on another core until first needed.
    schema: PendingSchema,
    /// Lint options from the project's kforge-lint.yaml.
    pub lint: LintOptions,
}

impl Workspace {
    /// Loads the project in the current directory, its values schema compiled.
    pub fn load() -> Result<Self> {
        let ws = Self::load_overlapped()?;
        ws.schema()?;
        Ok(ws)
    }

    /// [`Workspace::load`] without waiting for the values schema, which compiles on another
    /// core while the caller renders ([`Workspace::render_full`] validates last). A broken
    /// schema then surfaces in every environment: callers ask [`Workspace::schema`] before
    /// reporting environments' errors, so it is reported once, as [`Workspace::load`] would.
    pub fn load_overlapped() -> Result<Self> {
        Self::load_overlapped_in(std::path::Path::new("."))
    }

    /// [`Workspace::load`] of the project in `root` (`kforge import` proves the project it
    /// wrote without changing directory).
    pub fn load_in(root: &std::path::Path) -> Result<Self> {
        let ws = Self::load_overlapped_in(root)?;
        ws.schema()?;
        Ok(ws)
    }

    fn load_overlapped_in(root: &std::path::Path) -> Result<Self> {
        let project = Project::discover(root)?;
        let templates = TemplateSet::load(&project.root)?;
        let config = ConfigSets::load(&project.root)?;
        fn source(f: &crate::yaml::SourceFile) -> SchemaSource<'_> {
            SchemaSource {
                text: &f.text,
                display: &f.display,
            }
        }
        let schema = PendingSchema::start_extended(
            &source(templates.schema()),
            templates.project_schema().map(|f| source(f)).as_ref(),
        )?;
        let lint = match crate::lint::input::project_options(&project.root) {
            Ok(lint) => lint,
            Err(e) => {
                if let Err(d) = schema.get() {
                    return Err(Diagnostics(d.0.clone()).into());
                }
                return Err(e.into());
            }
        };
        Ok(Self {
            project,
            templates,
            config,
            schema,
            lint,
        })
    }

    /// Warnings about the project that do not stop a run: files in chart-templates/ that
    /// kforge does not use, names in the folders of `crds:` that are not regular files.
    pub fn warnings(&self) -> Vec<Diagnostic> {
        self.templates
            .ignored()
            .iter()
            .map(|path| {
                let mut d =
                    Diagnostic::error(format!("{path} is not used by kforge")).help(format!(
                        "{}; rename it, or move config files to config/<set>/",
                        crate::render::TEMPLATE_FILES
                    ));
                d.severity = Severity::Warning;
                d
            })
            .chain(self.lint.skipped.iter().cloned())
            .collect()
    }

    /// The environments of the project, in name order.
    pub fn envs(&self) -> Vec<String> {
        self.project.envs.keys().cloned().collect()
    }

    /// The environments a command runs on: those `named` (each checked, with a did-you-mean
    /// for one that is not the project's), or every environment when none is named. The one
    /// way commands choose environments.
    pub fn select(&self, named: &[String]) -> Result<Vec<String>> {
        if named.is_empty() {
            return Ok(self.envs());
        }
        self.known_envs(named.iter().map(String::as_str))?;
        Ok(named.to_vec())
    }

    /// `envs` if each is an environment of the project, else the input error for the first
    /// that is not (with a did-you-mean).
    pub fn known_envs<'e>(&self, envs: impl IntoIterator<Item = &'e str>) -> Result<()> {
        for e in envs {
            self.project.overlay(e)?;
        }
        Ok(())
    }

    /// The compiled values schema (waiting for it); a broken schema is an input error.
    pub fn schema(&self) -> Result<&ValuesSchema> {
        self.schema
            .get()
            .map_err(|d| Diagnostics(d.0.clone()).into())
    }

    /// The effective values schema as pretty JSON text (`kforge schema`); with `editor`, the
    /// variant for editing one values layer ([`crate::values::for_layers`]). Waits for the
    /// schema to compile; a broken one is an input error.
    pub fn schema_text(&self, editor: bool) -> Result<String> {
        let schema = self.schema()?;
        let json = if editor {
            crate::values::for_layers(schema.json())
        } else {
            schema.json().clone()
        };
        // A `serde_json::Value` prints infallibly; `{:#}` is `to_string_pretty`.
        Ok(format!("{json:#}\n"))
    }

    /// `err`, unless the values schema is broken: that comes first, as it would have from
    /// [`Workspace::load`].
    pub fn schema_first<E: Into<Error>>(&self, err: E) -> Error {
        match self.schema() {
            Ok(_) => err.into(),
            Err(broken) => broken,
        }
    }

    /// Merges and validates the values of `env`.
    pub fn values(&self, env: &str, layers: &CliLayers) -> Result<(MergedValues, ChartMeta)> {
        let merged = merge_env(&self.project, &self.templates.defaults(), env, layers)?;
        validate(self.schema()?, &merged)?;
        inert_settings(&merged, &self.templates)?;
        let chart = ChartMeta::from_values(&merged.root).map_err(Diagnostics::from)?;
        Ok((merged, chart))
    }

    /// Renders `env` into what `kforge render` shows ([`release_view`]: manifests in install
    /// order, then lifecycle hooks unless `hooks` says none; never `helm test` hooks); if the
    /// lint finds errors nothing is emitted (exit 1).
    pub fn render(&self, env: &str, layers: &CliLayers, hooks: Hooks) -> Result<Vec<Document>> {
        let docs = self.render_full(env, layers)?.docs;
        Ok(release_view(docs, hooks))
    }

    /// Renders `env` with hooks and lints it: lint errors fail (exit 1); warnings and infos
    /// come back with the documents, merged values and chart metadata.
    ///
    /// The values are checked against the schema last, when it has had time to compile on
    /// another core; a problem in the values is reported instead of whatever rendering them
    /// caused, as if they had been checked first.
    pub fn render_full(&self, env: &str, layers: &CliLayers) -> Result<Rendered> {
        let values = merge_env(&self.project, &self.templates.defaults(), env, layers)?;
        let rendered = self.render_and_lint(&values, env);
        validate(self.schema()?, &values)?;
        let inert = inert_settings(&values, &self.templates)?;
        let (chart, docs, mut findings) = rendered?;
        findings.extend(inert);
        Ok(Rendered {
            values,
            chart,
            docs,
            findings,
        })
    }

    /// Chart metadata, documents and the lint's warnings and infos of merged values.
    fn render_and_lint(
        &self,
        values: &MergedValues,
        env: &str,
    ) -> Result<(ChartMeta, Vec<Document>, Vec<Diagnostic>)> {
        let chart = ChartMeta::from_values(&values.root).map_err(Diagnostics::from)?;
        let docs = self.render_docs(values, &chart, env)?;
        let findings = lint_rendered(&docs, &self.lint, Some(&values.root));
        let (errors, rest): (Vec<Diagnostic>, Vec<Diagnostic>) = findings
            .into_iter()
            .partition(|d| d.severity == Severity::Error);
        if !errors.is_empty() {
            return Err(LintFailed(Diagnostics(errors)).into());
        }
        Ok((chart, docs, rest))
    }

    /// The templates rendered with `values`, once per component, in install order. Two
    /// objects of one kind with one namespace and name are an error.
    fn render_docs(
        &self,
        values: &MergedValues,
        chart: &ChartMeta,
        env: &str,
    ) -> Result<Vec<Document>> {
        let mut docs = Vec::new();
        let mut problems = Vec::new();
        let (config_maps, renames) = self.render_config(values, chart, env)?;
        for component in &values.components {
            let ctx = RenderContext {
                values: &component.values,
                chart,
                environment: env,
                component: component.name.as_deref(),
            };
            match render_env(&self.templates, &ctx) {
                Ok(rendered) => docs.extend(rendered.into_iter().map(|mut d| {
                    d.component.clone_from(&component.name);
                    d
                })),
                Err(e) => problems.extend(e.0),
            }
        }
        if !problems.is_empty() {
            return Err(Diagnostics(problems).into());
        }
        rename_config_map_refs(&mut docs, &renames);
        docs.extend(config_maps);
        sort_install_order(&mut docs);
        same_names(&docs, &values.root)?;
        Ok(docs)
    }

    /// The project's config sets rendered with the shared values, as hash-named ConfigMaps,
    /// and the renames of their plain names. A set named in the values (`configFiles.<set>`,
    /// shared or in a component) without its `config/<set>/` folder is an error at that line.
    fn render_config(
        &self,
        values: &MergedValues,
        chart: &ChartMeta,
        env: &str,
    ) -> Result<(Vec<Document>, std::collections::BTreeMap<String, String>)> {
        let mut missing = Vec::new();
        let known: Vec<&str> = self.config.names().collect();
        let mut check =
            |node: Option<&Node>, path: &str| {
                for (set, spec) in node.and_then(Node::as_map).into_iter().flatten() {
                    if !known.contains(&set.as_str()) {
                        missing.push(
                        Diagnostic::error(format!(
                            "config set `{set}` has no folder {}/{set}/ in the project",
                            crate::render::CONFIG_DIR
                        ))
                        .at(spec.origin.clone())
                        .key(format!("{path}.{set}"))
                        .help(match crate::diag::did_you_mean(set, known.iter().copied()) {
                            Some(s) => format!("did you mean `{s}`?"),
                            None => format!(
                                "create {}/{set}/ with the files to mount, or remove the key",
                                crate::render::CONFIG_DIR
                            ),
                        }),
                    );
                    }
                }
            };
        check(values.root.get_path(&["configFiles"]), "configFiles");
        for (name, own) in values
            .root
            .get_path(&[COMPONENTS])
            .and_then(Node::as_map)
            .into_iter()
            .flatten()
        {
            check(
                own.get_path(&["configFiles"]),
                &format!("{COMPONENTS}.{name}.configFiles"),
            );
        }
        if !missing.is_empty() {
            return Err(Diagnostics(missing).into());
        }
        if self.config.is_empty() {
            return Ok((Vec::new(), Default::default()));
        }
        let ctx = RenderContext {
            values: &values.root,
            chart,
            environment: env,
            component: None,
        };
        Ok(self.config.render(&ctx)?)
    }

    /// Merges, validates and renders `env` (with hooks) without linting the result.
    pub fn render_unchecked(&self, env: &str, layers: &CliLayers) -> Result<Rendered> {
        let (values, chart) = self.values(env, layers)?;
        let docs = self.render_docs(&values, &chart, env)?;
        Ok(Rendered {
            values,
            chart,
            docs,
            findings: Vec::new(),
        })
    }

    /// Renders every environment, on every core; failures of all environments are reported
    /// together (a broken values schema once).
    pub fn render_all(
        &self,
        layers: &CliLayers,
        hooks: Hooks,
    ) -> Result<Vec<(String, Vec<Document>)>> {
        let envs = self.envs();
        let docs = self.each_env(&envs, |env| self.render(env, layers, hooks))?;
        Ok(envs.into_iter().zip(docs).collect())
    }

    /// Renders, lints and packages each of `envs` in memory, refusing (exit 1) an environment
    /// whose last release (`previous`) it cannot upgrade; all failures are reported together.
    pub fn package_all(
        &self,
        envs: &[String],
        layers: &CliLayers,
        opts: &PackageOptions,
        previous: &Previous,
    ) -> Result<Vec<Packaged>> {
        self.each_env(envs, |env| {
            let rendered = self.render_full(env, layers)?;
            let (_, upgrade) = self.upgrade_check(env, &rendered, opts, previous)?;
            let (errors, rest): (Vec<Diagnostic>, Vec<Diagnostic>) = upgrade
                .into_iter()
                .partition(|d| d.severity == Severity::Error);
            if !errors.is_empty() {
                return Err(LintFailed(Diagnostics(errors)).into());
            }
            let (mut packaged, docs) = package_rendered(env, rendered, opts)?;
            packaged.record = previous::release_record(&packaged.digest, &docs);
            packaged.findings.extend(rest);
            Ok(packaged)
        })
    }

    /// `job` for each environment, on every core, results in the environments' order. Every
    /// environment's failure is reported together, except a broken values schema, which fails
    /// them all and is reported once.
    pub fn each_env<T: Send>(
        &self,
        envs: &[String],
        job: impl Fn(&str) -> Result<T> + Sync,
    ) -> Result<Vec<T>> {
        let results = crate::par::map(envs, |env| job(env));
        self.schema()?;
        let mut done = Vec::new();
        let mut failed = EnvFailures::default();
        for (env, r) in envs.iter().zip(results) {
            match r {
                Ok(t) => done.push(t),
                Err(e) => failed.push(env, e),
            }
        }
        if failed.is_empty() {
            Ok(done)
        } else {
            Err(failed.into())
        }
    }
}

/// Two rendered objects with one identity (kind, namespace, name) — two components whose names
/// collide, or a template that renders a name twice — as an error at the values that named the
/// components.
fn same_names(docs: &[Document], values: &Node) -> Result<()> {
    let mut seen: std::collections::HashMap<(&str, &str, &str), &Document> =
        std::collections::HashMap::new();
    let mut problems = Vec::new();
    for d in docs {
        let key = (d.kind.as_str(), d.namespace.as_str(), d.name.as_str());
        let Some(first) = seen.insert(key, d) else {
            continue;
        };
        let who = |d: &Document| match &d.component {
            Some(c) => format!("component `{c}` ({})", d.template),
            None => d.template.clone(),
        };
        let mut diag = Diagnostic::error(format!(
            "{} and {} both render {} `{}`; every object needs its own name",
            who(first),
            who(d),
            d.kind,
            d.name
        ))
        .help("give the components distinct names (or distinct fullnameOverride values)");
        if let Some(node) = values.get_path(&[COMPONENTS]) {
            diag = diag.at(node.origin.clone()).key(COMPONENTS);
        }
        problems.push(diag);
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Diagnostics(problems).into())
    }
}

/// The files of one environment's output folder (`render --output-dir`, `golden/`): name →
/// content, in name order.
pub fn env_files<D: std::borrow::Borrow<Document>>(docs: &[D]) -> Result<Vec<(String, String)>> {
    let docs = docs
        .iter()
        .map(<D as std::borrow::Borrow<Document>>::borrow);
    let names = crate::manifest::object_file_names(
        "",
        docs.clone()
            .map(|d| (d.kind.as_str(), d.namespace.as_str(), d.name.as_str())),
    );
    let mut files: Vec<(String, String)> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (doc, name) in docs.zip(names) {
        if !seen.insert(name.clone()) {
            // Distinct objects get distinct names: only the same object twice gets here.
            return Err(Diagnostics::from(Diagnostic::error(format!(
                "{} {}/{} is rendered twice (both would be written to {name}); give the objects distinct kinds, namespaces or names",
                doc.kind, doc.namespace, doc.name
            )))
            .into());
        }
        files.push((name, doc.to_yaml()));
    }
    files.sort();
    Ok(files)
}
