//! Subcommands. Each parses its arguments, calls the library (the pipeline and its stages)
//! and prints; failures go back to `main`, which prints them through [`report_error`] and
//! exits with the code the error carries. A command file never imports another.

mod build;
mod check;
mod diff;
mod golden;
mod import;
mod init;
mod lint;
mod package;
mod push;
mod render;
mod repo;
mod schema;
mod values;

use std::io::{self, Write};
use std::process::ExitCode;

use anyhow::Context;

use crate::cli::{Cli, Command};
use crate::diag::{Color, Exit, Failure, printable};

/// Runs a parsed command line.
pub fn run(cli: Cli) -> Result<ExitCode> {
    watch_templates()?;
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
        Command::Import(args) => import::run(&args),
        Command::Schema(args) => schema::run(&args),
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
            clap_mangen::Man::new(cmd)
                .render(&mut out)
                .context("writing the man page")?;
            write_stdout(&String::from_utf8_lossy(&out))?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Prints the warnings of a loaded project (files kforge does not use) on stderr.
pub fn warn_workspace(ws: &crate::pipeline::Workspace) {
    warn(&ws.warnings());
}

/// Prints warnings on stderr.
pub fn warn(warnings: &[crate::diag::Diagnostic]) {
    let color = Color::for_stream(&io::stderr());
    let mut err = io::stderr().lock();
    for d in warnings {
        let _ = writeln!(err, "{}", d.styled(color));
    }
}

/// A command's failure: a typed error of the library, which carries its exit code and writes
/// itself, or an error of the command glue (an argument, a file the command itself reads),
/// which is an input problem (exit 2).
#[derive(Debug)]
pub enum Error {
    /// A library error.
    Library(Box<dyn Failure>),
    /// A glue error, with its context chain.
    Glue(anyhow::Error),
}

impl<E: Failure> From<E> for Error {
    fn from(e: E) -> Self {
        Error::Library(Box::new(e))
    }
}

impl From<anyhow::Error> for Error {
    fn from(e: anyhow::Error) -> Self {
        Error::Glue(e)
    }
}

impl From<io::Error> for Error {
    fn from(e: io::Error) -> Self {
        Error::Glue(e.into())
    }
}

/// A command's result.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// `anyhow::bail!` for commands: returns an input error made of a message.
macro_rules! bail {
    ($($arg:tt)*) => {
        return Err($crate::cmd::Error::Glue(anyhow::anyhow!($($arg)*)))
    };
}
pub(crate) use bail;

/// Prints an error (diagnostics rustc-style, in colour on a terminal, or the cause chain) and
/// returns the exit code it carries.
pub fn report_error(err: &Error) -> ExitCode {
    if is_broken_pipe(err) {
        return ExitCode::SUCCESS;
    }
    let color = Color::for_stream(&io::stderr());
    let mut stderr = io::stderr().lock();
    let _ = write_error(&mut stderr, err, color);
    ExitCode::from(exit_of(err).code())
}

/// Bounds template runs (docs/limits.md): their memory, `KFORGE_TEMPLATE_MEMORY_MIB` MiB per
/// environment rendering, and their time, `KFORGE_TEMPLATE_SECONDS` per template (0: no
/// bound; by default `render::watchdog::DEFAULT_MEMORY` and `DEFAULT_TIME`). Over either, the
/// error names the environments and templates, kforge's temporary files are removed and the
/// process exits with 2.
fn watch_templates() -> Result<()> {
    use crate::render::watchdog::{self, Bounds, DEFAULT_MEMORY, DEFAULT_TIME};
    let memory = bound_from_env("KFORGE_TEMPLATE_MEMORY_MIB", "MiB", DEFAULT_MEMORY >> 20)?
        .map(|mib| mib << 20);
    let time = bound_from_env("KFORGE_TEMPLATE_SECONDS", "seconds", DEFAULT_TIME.as_secs())?
        .map(std::time::Duration::from_secs);
    // Not Linux: no /proc to measure memory with; only the time bound and fuel apply there
    // (docs/limits.md).
    let _ = watchdog::watch(Bounds { memory, time }, |over| {
        crate::fs::abandon_writes();
        let _ = writeln!(io::stderr().lock(), "error: {}", over.message());
        std::process::exit(i32::from(Exit::Input.code()));
    });
    Ok(())
}

/// A bound set by the environment variable `name` in `unit` (unset or empty: `default`; 0: no
/// bound).
fn bound_from_env(name: &str, unit: &str, default: u64) -> Result<Option<u64>> {
    const MAX: u64 = 1 << 30;
    match std::env::var(name) {
        Err(std::env::VarError::NotPresent) => Ok(Some(default)),
        Ok(v) if v.is_empty() => Ok(Some(default)),
        Ok(v) => match v.trim().parse::<u64>() {
            Ok(0) => Ok(None),
            Ok(n) if n <= MAX => Ok(Some(n)),
            _ => {
                bail!("{name}={v:?} is not a number of {unit} (0 to {MAX}; 0 turns the bound off)")
            }
        },
        Err(_) => bail!("{name} is not valid UTF-8"),
    }
}

/// The exit code `err` carries.
fn exit_of(err: &Error) -> Exit {
    match err {
        Error::Library(f) => f.exit(),
        Error::Glue(_) => Exit::Input,
    }
}

/// Writes an error as [`report_error`] does, to `out`.
pub fn write_error(out: &mut dyn Write, err: &Error, color: Color) -> io::Result<()> {
    match err {
        Error::Library(f) => f.report(out, color),
        Error::Glue(e) => {
            writeln!(out, "error: {}", printable(&e.to_string()))?;
            for cause in e.chain().skip(1) {
                writeln!(out, "  caused by: {}", printable(&cause.to_string()))?;
            }
            Ok(())
        }
    }
}

/// A closed stdout (`kforge render | head`) is not an error.
fn is_broken_pipe(err: &Error) -> bool {
    match err {
        Error::Glue(e) => e.chain().any(|c| {
            c.downcast_ref::<io::Error>()
                .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
        }),
        Error::Library(_) => false,
    }
}

/// Writes to stdout; a closed pipe (`kforge render | head`) is not an error.
pub fn write_stdout(text: &str) -> Result<()> {
    let mut out = io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(())
}

/// Where published versions are known: `--published DIR` or `oci://HOST/PATH` (reached with
/// `--plain-http` as `--previous` is).
pub fn published(chart: &crate::cli::ChartArgs) -> crate::pipeline::Published {
    crate::pipeline::Published::new(
        chart.published.clone(),
        crate::oci::PullOptions {
            plain_http: chart.plain_http,
            ..Default::default()
        },
    )
}

/// Where the last releases of `--previous`, `-d` and `--published` are found, each environment
/// `--previous` names checked against the project's (check, build and package share it).
pub fn last_releases(
    ws: &crate::pipeline::Workspace,
    chart: &crate::cli::ChartArgs,
    published: &crate::pipeline::Published,
) -> crate::pipeline::Result<crate::pipeline::Previous> {
    let previous = crate::pipeline::Previous::new(
        &chart.previous,
        &chart.destination,
        published,
        &published.pull,
    )?;
    ws.known_envs(previous.given_envs())?;
    Ok(previous)
}
