//! Subcommands. Each composes the pipeline stages and returns the exit code; errors go back
//! to `main`, which prints them through [`report_error`] and exits 2.

mod build;
mod check;
mod diff;
mod golden;
mod init;
mod lint;
mod package;
mod push;
mod render;
mod repo;
mod values;

use std::fmt;
use std::io::{self, Write};
use std::process::ExitCode;

use anyhow::Context;

use crate::chart::ChartMeta;
use crate::cli::{Cli, Command};
use crate::diag::Diagnostics;
use crate::diag::{Diagnostic, Severity};
use crate::lint::{Options as LintOptions, lint_rendered};
use crate::project::Project;
use crate::render::{Document, TemplateSet, render_env};
use crate::values::{CliLayers, MergedValues, PendingSchema, ValuesSchema, merge_env, validate};

/// Runs a parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    if let Some(dir) = &cli.directory {
        std::env::set_current_dir(dir)
            .with_context(|| format!("cannot change to directory {} (-C)", dir.display()))?;
    }
    match cli.command {
        Command::Render(args) => render::run(&args),
        Command::Values(args) => values::run(&args),
        Command::Golden(args) => golden::run(args.action),
        Command::Package(args) => package::run(&args),
        Command::Build(args) => build::run(&args),
        Command::Repo(args) => repo::run(&args.action),
        Command::Push(args) => push::run(&args),
        Command::Lint(args) => lint::run(&args),
        Command::Check(args) => check::run(&args),
        Command::Diff(args) => diff::run(&args),
        Command::Init(args) => init::run(&args),
        Command::Completions(args) => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            let mut out = Vec::new();
            clap_complete::generate(args.shell, &mut cmd, "kforge", &mut out);
            write_stdout(&String::from_utf8_lossy(&out))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Man => {
            let cmd = <Cli as clap::CommandFactory>::command();
            let mut out = Vec::new();
            clap_mangen::Man::new(cmd).render(&mut out)?;
            write_stdout(&String::from_utf8_lossy(&out))?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Prints an error (all diagnostics, or the cause chain) and picks the exit code.
pub fn report_error(err: &anyhow::Error) -> ExitCode {
    if is_broken_pipe(err) {
        return ExitCode::SUCCESS;
    }
    crate::diag::set_color(crate::diag::color_for(&io::stderr()));
    let mut stderr = io::stderr().lock();
    let _ = write_error(&mut stderr, err);
    if only_lint_failures(err) {
        ExitCode::from(1)
    } else {
        ExitCode::from(2)
    }
}

/// Exit 1 (the check found problems) when every failure is a lint finding; else exit 2.
fn only_lint_failures(err: &anyhow::Error) -> bool {
    match err.downcast_ref::<Errors>() {
        Some(many) => many.0.iter().all(only_lint_failures),
        None => err.chain().any(|c| c.is::<LintFailed>()),
    }
}

/// Rendered objects failed the lint stage: reported, and the run exits 1.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct LintFailed(pub Diagnostics);

/// Writes an error as [`report_error`] does, to `out`.
pub fn write_error(out: &mut impl Write, err: &anyhow::Error) -> io::Result<()> {
    if let Some(many) = err.downcast_ref::<Errors>() {
        for e in &many.0 {
            write_error(out, e)?;
        }
        return Ok(());
    }
    if let Some(diags) = err.downcast_ref::<Diagnostics>() {
        return writeln!(out, "{diags}");
    }
    if let Some(LintFailed(diags)) = err.downcast_ref::<LintFailed>() {
        return writeln!(out, "{diags}");
    }
    writeln!(out, "error: {err}")?;
    for cause in err.chain().skip(1) {
        if let Some(diags) = cause.downcast_ref::<Diagnostics>() {
            writeln!(out, "{diags}")?;
        } else if let Some(LintFailed(diags)) = cause.downcast_ref::<LintFailed>() {
            writeln!(out, "{diags}")?;
        } else {
            writeln!(out, "  caused by: {cause}")?;
        }
    }
    Ok(())
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|c| {
        c.downcast_ref::<io::Error>()
            .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
    })
}

/// Several independent failures (e.g. one per environment), all reported.
#[derive(Debug)]
pub struct Errors(pub Vec<anyhow::Error>);

impl fmt::Display for Errors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for e in &self.0 {
            writeln!(f, "{e:#}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Errors {}

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
    /// The values schema, compiling on another core until first needed.
    schema: PendingSchema,
    /// Lint options from the project's kforge-lint.yaml.
    pub lint: LintOptions,
}

impl Workspace {
    /// Loads the project in the current directory, its values schema compiled.
    pub fn load() -> anyhow::Result<Self> {
        let ws = Self::load_overlapped()?;
        ws.schema()?;
        Ok(ws)
    }

    /// [`Workspace::load`] without waiting for the values schema, which compiles on another
    /// core while the caller renders ([`Workspace::render_full`] validates last). A broken
    /// schema then surfaces in every environment: callers ask [`Workspace::schema`] before
    /// reporting environments' errors, so it is reported once, as [`Workspace::load`] would.
    pub fn load_overlapped() -> anyhow::Result<Self> {
        let project = Project::discover(std::path::Path::new("."))?;
        let templates = TemplateSet::load(&project.root)?;
        let schema_file = templates.schema();
        let schema = PendingSchema::start(&schema_file.text, &schema_file.display)
            .map_err(|d| Diagnostics(vec![d]))?;
        let lint = match LintOptions::from_project(&project.root) {
            Ok(lint) => lint,
            Err(e) => {
                if let Err(d) = schema.get() {
                    return Err(Diagnostics(vec![d.clone()]).into());
                }
                return Err(e.into());
            }
        };
        Ok(Self {
            project,
            templates,
            schema,
            lint,
        })
    }

    /// The compiled values schema (waiting for it); a broken schema is an input error.
    pub fn schema(&self) -> anyhow::Result<&ValuesSchema> {
        self.schema
            .get()
            .map_err(|d| Diagnostics(vec![d.clone()]).into())
    }

    /// `err`, unless the values schema is broken: that comes first, as it would have from
    /// [`Workspace::load`].
    pub fn schema_first(&self, err: anyhow::Error) -> anyhow::Error {
        match self.schema() {
            Ok(_) => err,
            Err(broken) => broken,
        }
    }

    /// Merges and validates the values of `env`.
    pub fn values(
        &self,
        env: &str,
        layers: &CliLayers,
    ) -> anyhow::Result<(MergedValues, ChartMeta)> {
        let merged = merge_env(&self.project, &self.templates, env, layers)?;
        validate(self.schema()?, &merged)?;
        let chart = ChartMeta::from_values(&merged.root).map_err(|d| Diagnostics(vec![d]))?;
        Ok((merged, chart))
    }

    /// Renders `env` into documents in install order, without Helm hooks (those only go into
    /// packaged charts); if the lint finds errors nothing is emitted (exit 1).
    pub fn render(&self, env: &str, layers: &CliLayers) -> anyhow::Result<Vec<Document>> {
        let mut docs = self.render_full(env, layers)?.docs;
        docs.retain(|d| !d.is_hook());
        Ok(docs)
    }

    /// Renders `env` with hooks and lints it: lint errors fail (exit 1); warnings and infos
    /// come back with the documents, merged values and chart metadata.
    ///
    /// The values are checked against the schema last, when it has had time to compile on
    /// another core; a problem in the values is reported instead of whatever rendering them
    /// caused, as if they had been checked first.
    pub fn render_full(&self, env: &str, layers: &CliLayers) -> anyhow::Result<Rendered> {
        let values = merge_env(&self.project, &self.templates, env, layers)?;
        let rendered = self.render_and_lint(&values, env);
        validate(self.schema()?, &values)?;
        let (chart, docs, findings) = rendered?;
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
    ) -> anyhow::Result<(ChartMeta, Vec<Document>, Vec<Diagnostic>)> {
        let chart = ChartMeta::from_values(&values.root).map_err(|d| Diagnostics(vec![d]))?;
        let docs = render_env(&self.templates, &values.root, &chart, env)?;
        let findings = lint_rendered(&docs, &self.lint, Some(&values.root));
        let (errors, rest): (Vec<Diagnostic>, Vec<Diagnostic>) = findings
            .into_iter()
            .partition(|d| d.severity == Severity::Error);
        if !errors.is_empty() {
            return Err(LintFailed(Diagnostics(errors)).into());
        }
        Ok((chart, docs, rest))
    }

    /// Merges, validates and renders `env` (with hooks) without linting the result.
    pub fn render_unchecked(&self, env: &str, layers: &CliLayers) -> anyhow::Result<Rendered> {
        let (values, chart) = self.values(env, layers)?;
        let docs = render_env(&self.templates, &values.root, &chart, env)?;
        Ok(Rendered {
            values,
            chart,
            docs,
            findings: Vec::new(),
        })
    }

    /// Renders every environment, on every core; failures of all environments are reported
    /// together (a broken values schema once).
    pub fn render_all(&self, layers: &CliLayers) -> anyhow::Result<Vec<(String, Vec<Document>)>> {
        let envs: Vec<String> = self.project.envs.keys().cloned().collect();
        let docs = self.each_env(&envs, |env| self.render(env, layers))?;
        Ok(envs.into_iter().zip(docs).collect())
    }

    /// `job` for each environment, on every core, results in the environments' order. Every
    /// environment's failure is reported together, except a broken values schema, which fails
    /// them all and is reported once.
    pub fn each_env<T: Send>(
        &self,
        envs: &[String],
        job: impl Fn(&str) -> anyhow::Result<T> + Sync,
    ) -> anyhow::Result<Vec<T>> {
        let results = crate::par::map(envs, |env| job(env));
        self.schema()?;
        let mut done = Vec::new();
        let mut errors = Vec::new();
        for (env, r) in envs.iter().zip(results) {
            match r {
                Ok(t) => done.push(t),
                Err(e) => errors.push(e.context(format!("environment `{env}` failed"))),
            }
        }
        if errors.is_empty() {
            Ok(done)
        } else {
            Err(Errors(errors).into())
        }
    }
}

/// Writes to stdout; a closed pipe (`kforge render | head`) is not an error.
pub fn write_stdout(text: &str) -> anyhow::Result<()> {
    let mut out = io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(())
}

/// The files of one environment's output folder: name → content.
pub fn env_files(docs: &[Document]) -> anyhow::Result<Vec<(String, String)>> {
    let mut files: Vec<(String, String)> = Vec::new();
    for doc in docs {
        let name = doc.file_name();
        if let Some((_, _)) = files.iter().find(|(n, _)| *n == name) {
            anyhow::bail!(
                "two rendered objects would both be written to {name} ({} {}/{}); give them distinct names",
                doc.kind,
                doc.namespace,
                doc.name
            );
        }
        files.push((name, doc.to_yaml()));
    }
    files.sort();
    Ok(files)
}

/// Replaces `dir` with exactly `files`, building the new folder beside it first so a failure
/// leaves the old one in place.
pub fn replace_dir(dir: &std::path::Path, files: &[(String, String)]) -> anyhow::Result<()> {
    let parent = crate::chart::repo::parent_dir(dir);
    std::fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
    let tmp = tempfile::Builder::new()
        .prefix(".kforge-tmp-")
        .tempdir_in(parent)
        .with_context(|| format!("creating a temporary folder in {}", parent.display()))?;
    for (name, text) in files {
        std::fs::write(tmp.path().join(name), text).with_context(|| format!("writing {name}"))?;
    }
    if dir.exists() {
        std::fs::remove_dir_all(dir).with_context(|| format!("removing old {}", dir.display()))?;
    }
    let kept = tmp.keep();
    std::fs::rename(&kept, dir).with_context(|| format!("moving output into {}", dir.display()))?;
    Ok(())
}
