//! User-facing diagnostics, printed rustc-style: what is wrong, where (file:line:col with the
//! source line and a caret, plus the key path), and what to do.

use std::fmt;
use std::io::{self, IsTerminal, Write};

use crate::yaml::Origin;

/// Whether output is coloured: a value passed down to whatever formats it (as ripgrep's
/// printers take their colour spec), never a global, so any thread formats it alike.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Color(pub bool);

impl Color {
    /// Plain text.
    pub const NEVER: Color = Color(false);

    /// Colour for `stream`: a terminal, and NO_COLOR unset or empty (https://no-color.org).
    pub fn for_stream(stream: &impl IsTerminal) -> Self {
        Color(stream.is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()))
    }

    /// `text` in the ANSI style `code`, or as it is when colour is off.
    pub fn paint(self, code: &str, text: &str) -> String {
        if self.0 {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
}

/// How a failed run ends: the process exit code of the command contract.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Exit {
    /// The check found problems (lint errors, golden drift, a diff with `--exit-code`): 1.
    Findings = 1,
    /// The input or the invocation is wrong (bad YAML, unknown environment, bad flag): 2.
    Input = 2,
}

impl Exit {
    /// The process exit code.
    pub fn code(self) -> u8 {
        self as u8
    }
}

impl From<Exit> for std::process::ExitCode {
    fn from(e: Exit) -> Self {
        std::process::ExitCode::from(e.code())
    }
}

/// An error of a library module as the user meets it: it carries its exit code and writes
/// itself (diagnostics rustc-style, in colour when asked). Every typed error implements it, so
/// the command layer never downcasts to find either.
pub trait Failure: std::error::Error + Send + Sync + 'static {
    /// The failure this one wraps, if it only wraps one (an error enum of a stage whose
    /// variants carry other stages' failures): every other method delegates to it by default,
    /// so a wrapper says what it wraps and nothing else.
    fn inner(&self) -> Option<&dyn Failure> {
        None
    }

    /// The exit code a run that fails with this error ends with.
    fn exit(&self) -> Exit {
        self.inner().map_or(Exit::Input, Failure::exit)
    }

    /// Writes the error for a user: `error: ...`, then each cause.
    fn report(&self, out: &mut dyn Write, color: Color) -> io::Result<()> {
        if let Some(f) = self.inner() {
            return f.report(out, color);
        }
        writeln!(out, "error: {}", printable(&self.to_string()))?;
        write_causes(out, self.source())
    }

    /// The diagnostics this failure consists of, if it is made of diagnostics (so that one
    /// met in several environments can be reported once).
    fn diagnostics(&self) -> Option<&Diagnostics> {
        self.inner().and_then(Failure::diagnostics)
    }

    /// Writes the error as the cause of another (under its `error:` line).
    fn report_cause(&self, out: &mut dyn Write, color: Color) -> io::Result<()> {
        if let Some(f) = self.inner() {
            return f.report_cause(out, color);
        }
        writeln!(out, "  caused by: {}", printable(&self.to_string()))?;
        write_causes(out, self.source())
    }
}

/// Several independent failures (one per environment, one per archive), all reported; the
/// run exits 1 only when every one of them is a finding.
#[derive(Debug, Default)]
pub struct Failures(pub Vec<Box<dyn Failure>>);

impl Failures {
    /// Adds one.
    pub fn push(&mut self, f: impl Failure) {
        self.0.push(Box::new(f));
    }

    /// `Ok(value)` when nothing failed, else these failures.
    pub fn into_result<T>(self, value: T) -> Result<T, Failures> {
        if self.0.is_empty() {
            Ok(value)
        } else {
            Err(self)
        }
    }
}

impl fmt::Display for Failures {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for e in &self.0 {
            writeln!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Failures {}

impl Failure for Failures {
    fn exit(&self) -> Exit {
        self.0.iter().map(|f| f.exit()).max().unwrap_or(Exit::Input)
    }

    fn report(&self, out: &mut dyn Write, color: Color) -> io::Result<()> {
        for f in &self.0 {
            f.report(out, color)?;
        }
        Ok(())
    }

    fn report_cause(&self, out: &mut dyn Write, color: Color) -> io::Result<()> {
        for f in &self.0 {
            f.report_cause(out, color)?;
        }
        Ok(())
    }
}

/// `error: {err}` and a `caused by:` line per source.
pub fn write_chain(out: &mut dyn Write, err: &(dyn std::error::Error + 'static)) -> io::Result<()> {
    writeln!(out, "error: {}", printable(&err.to_string()))?;
    write_causes(out, err.source())
}

/// `text` with every control character written as an escape (`\u{1b}`, `\n`): for text from
/// the input inside a one-line message (a name, a path).
pub fn escaped(text: &str) -> String {
    text.chars()
        .flat_map(|c| {
            if c.is_control() {
                c.escape_default().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect()
}

/// `text` as it may reach a terminal: line breaks and tabs kept, every other control character
/// (ESC, CSI, a carriage return, a bell) written as an escape, so no object name, value,
/// registry reply or user name read from the input can set the terminal's title, clear the
/// screen or overwrite a line. Everything kforge prints that came from input goes through it
/// (diagnostics, reports, errors).
pub fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    if !text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return std::borrow::Cow::Borrowed(text);
    }
    text.chars()
        .flat_map(|c| {
            if c.is_control() && c != '\n' && c != '\t' {
                c.escape_default().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect::<String>()
        .into()
}

/// An error and each of its causes on one line, `: `-separated (`reading x: permission
/// denied`), for a message that is one line.
pub fn causes_text(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = err.to_string();
    let mut cause = err.source();
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    text
}

/// A `caused by:` line for `cause` and each of its sources: the one way causes are written.
pub fn write_causes(
    out: &mut dyn Write,
    mut cause: Option<&(dyn std::error::Error + 'static)>,
) -> io::Result<()> {
    while let Some(c) = cause {
        writeln!(out, "  caused by: {}", printable(&c.to_string()))?;
        cause = c.source();
    }
    Ok(())
}

/// How bad a problem is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Worth knowing; never fails a run.
    Info,
    /// Should be fixed; fails only under `--strict`.
    Warning,
    /// Must be fixed.
    Error,
}

impl Severity {
    /// `error`, `warning` or `info`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// One problem, located.
#[derive(Clone, Debug)]
pub struct Diagnostic {
    /// How bad it is.
    pub severity: Severity,
    /// The lint rule that found it, if any (`latest-tag`).
    pub code: Option<&'static str>,
    /// One line saying what is wrong.
    pub message: String,
    /// Where: a file position or a command-line argument.
    pub origin: Option<Origin>,
    /// The key path inside the document, e.g. `image.tag`.
    pub key_path: Option<String>,
    /// What to do about it.
    pub help: Option<String>,
    /// Extra context, e.g. which values file set the offending value.
    pub notes: Vec<String>,
    /// The component of the application whose object it is about, when linting a rendered
    /// project with components.
    pub component: Option<String>,
    /// The environments it was met in, when one finding of several rendered environments is
    /// reported once ([`by_environment`]); empty otherwise.
    pub environments: Vec<String>,
}

impl Diagnostic {
    /// An error with a message.
    pub fn error(message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Error,
            code: None,
            message: message.into(),
            origin: None,
            key_path: None,
            help: None,
            notes: Vec::new(),
            component: None,
            environments: Vec::new(),
        }
    }

    /// The same problem as a warning (it does not fail the run).
    #[must_use]
    pub fn warning(mut self) -> Self {
        self.severity = Severity::Warning;
        self
    }

    /// Sets the origin.
    #[must_use]
    pub fn at(mut self, origin: Origin) -> Self {
        self.origin = Some(origin);
        self
    }

    /// Sets the key path.
    #[must_use]
    pub fn key(mut self, key_path: impl Into<String>) -> Self {
        let k = key_path.into();
        self.key_path = (!k.is_empty()).then_some(k);
        self
    }

    /// Sets the help line.
    #[must_use]
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// The diagnostic as it is printed, coloured or not; its `Display` is the plain text.
    pub fn styled(&self, color: Color) -> Styled<'_> {
        Styled { diag: self, color }
    }

    /// What makes two findings one: all but the line and column they point at. One object
    /// rendered for several environments sits at different lines of each rendering, but a
    /// finding on it (same message, key, notes and file) is one finding met in each.
    pub fn finding_key(&self) -> String {
        let file = match &self.origin {
            Some(Origin::File { file, .. }) => file.display.clone(),
            Some(other) => other.to_string(),
            None => String::new(),
        };
        format!(
            "{:?}\u{0}{:?}\u{0}{}\u{0}{file}\u{0}{:?}\u{0}{:?}\u{0}{:?}\u{0}{:?}",
            self.severity,
            self.code,
            self.message,
            self.key_path,
            self.component,
            self.notes,
            self.help
        )
    }

    /// Sets the help line if there is one.
    #[must_use]
    pub fn maybe_help(mut self, help: Option<String>) -> Self {
        self.help = help;
        self
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.styled(Color::NEVER).fmt(f)
    }
}

/// A [`Diagnostic`] formatted with a colour choice.
pub struct Styled<'a> {
    diag: &'a Diagnostic,
    color: Color,
}

impl fmt::Display for Styled<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (st, this) = (self.color, self.diag);
        let sev_code = match this.severity {
            Severity::Error => "1;31",
            Severity::Warning => "1;33",
            Severity::Info => "1;36",
        };
        let label = match this.code {
            Some(code) => format!("{}[{code}]", this.severity.as_str()),
            None => this.severity.as_str().to_string(),
        };
        writeln!(
            f,
            "{}{}",
            st.paint(sev_code, &label),
            st.paint("1", &format!(": {}", printable(&this.message)))
        )?;
        let gutter = match &this.origin {
            Some(Origin::File { line, .. }) => line.to_string().len(),
            _ => 1,
        };
        let pad = " ".repeat(gutter);
        let blue = |t: &str| st.paint("1;34", t);
        match &this.origin {
            Some(Origin::File { file, line, col }) => {
                writeln!(
                    f,
                    "{pad}{} {}:{line}:{col}",
                    blue("-->"),
                    printable(&file.display)
                )?;
                if let Some(text) = file.line_text(*line) {
                    let shown: String = printable(text).chars().take(200).collect();
                    writeln!(f, "{pad} {}", blue("|"))?;
                    writeln!(f, "{} {shown}", blue(&format!("{line} |")))?;
                    let start = col.saturating_sub(1).min(shown.chars().count());
                    let width = caret_width(&shown, start);
                    let lead: String = shown
                        .chars()
                        .take(start)
                        .map(|c| if c == '\t' { '\t' } else { ' ' })
                        .collect();
                    writeln!(
                        f,
                        "{pad} {} {lead}{}",
                        blue("|"),
                        st.paint(sev_code, &"^".repeat(width))
                    )?;
                }
            }
            Some(origin @ Origin::Arg { .. }) => {
                writeln!(f, "{pad}{} {}", blue("-->"), printable(&origin.to_string()))?
            }
            Some(Origin::Generated) | None => {}
        }
        let eq = blue("=");
        if let Some(key) = &this.key_path {
            writeln!(f, "{pad} {eq} key: {}", printable(key))?;
        }
        if let Some(component) = &this.component {
            writeln!(f, "{pad} {eq} component: {}", printable(component))?;
        }
        if !this.environments.is_empty() {
            let envs: Vec<&str> = this.environments.iter().map(String::as_str).collect();
            writeln!(f, "{pad} {eq} in {}", env_list(&envs))?;
        }
        for note in &this.notes {
            writeln!(
                f,
                "{pad} {eq} {}: {}",
                st.paint("1", "note"),
                printable(note)
            )?;
        }
        if let Some(help) = &this.help {
            writeln!(
                f,
                "{pad} {eq} {}: {}",
                st.paint("1", "help"),
                printable(help)
            )?;
        }
        Ok(())
    }
}

/// Underline the token at `start`: up to `: `, the end of a quoted string, or the line end.
fn caret_width(line: &str, start: usize) -> usize {
    let rest: String = line.chars().skip(start).collect();
    let rest = rest.trim_end();
    let token = match rest.find(": ") {
        Some(i) => &rest[..i],
        None => rest.strip_suffix(':').unwrap_or(rest),
    };
    token.chars().count().max(1)
}

/// A batch of diagnostics that together stop the run (exit code 2).
#[derive(Debug, thiserror::Error)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    /// Writes the diagnostics, a blank line between them: the first [`MAX_SHOWN`], then how
    /// many more there are.
    pub fn write(&self, out: &mut dyn Write, color: Color) -> io::Result<()> {
        for (i, d) in self.0.iter().take(MAX_SHOWN).enumerate() {
            if i > 0 {
                writeln!(out)?;
            }
            write!(out, "{}", d.styled(color))?;
        }
        if let Some(more) = self.not_shown() {
            write!(out, "\n{more}")?;
        }
        Ok(())
    }

    /// The line that stands for the diagnostics past [`MAX_SHOWN`], if any.
    fn not_shown(&self) -> Option<String> {
        let more = self.0.len().checked_sub(MAX_SHOWN).filter(|&n| n > 0)?;
        Some(format!(
            "... and {more} more problems like these, not shown ({} in all): fix the ones above and run again\n",
            self.0.len()
        ))
    }
}

/// Most diagnostics a failed run prints: a values file or `--set` argument with thousands of
/// mistakes would otherwise print thousands of screens.
pub const MAX_SHOWN: usize = 50;

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.0.iter().take(MAX_SHOWN).enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{d}")?;
        }
        if let Some(more) = self.not_shown() {
            write!(f, "\n{more}")?;
        }
        Ok(())
    }
}

impl From<Diagnostic> for Diagnostics {
    fn from(d: Diagnostic) -> Self {
        Diagnostics(vec![d])
    }
}

impl Failure for Diagnostics {
    fn diagnostics(&self) -> Option<&Diagnostics> {
        Some(self)
    }

    fn report(&self, out: &mut dyn Write, color: Color) -> io::Result<()> {
        self.write(out, color)?;
        writeln!(out)
    }

    fn report_cause(&self, out: &mut dyn Write, color: Color) -> io::Result<()> {
        self.report(out, color)
    }
}

/// Rendered objects failed the lint stage: reported, and the run exits 1.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct LintFailed(pub Diagnostics);

impl Failure for LintFailed {
    fn exit(&self) -> Exit {
        Exit::Findings
    }

    fn diagnostics(&self) -> Option<&Diagnostics> {
        Some(&self.0)
    }

    fn report(&self, out: &mut dyn Write, color: Color) -> io::Result<()> {
        self.0.report(out, color)
    }

    fn report_cause(&self, out: &mut dyn Write, color: Color) -> io::Result<()> {
        self.0.report(out, color)
    }
}

/// The failures of several environments of one run. A problem met identically in several
/// of them (a typo in `base.yaml`) is reported once, under the names of all of them.
#[derive(Debug, Default)]
pub struct EnvFailures(pub Vec<(String, Box<dyn Failure>)>);

impl EnvFailures {
    /// Records that `env` failed with `failure`.
    pub fn push(&mut self, env: &str, failure: impl Failure) {
        self.0.push((env.to_string(), Box::new(failure)));
    }

    /// Whether no environment failed.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// How many distinct problems the failures hold (one in `base.yaml` counts once).
    pub fn distinct_problems(&self) -> usize {
        self.grouped().len()
    }

    /// Each distinct problem (a diagnostic, or a whole failure that is not made of them) with
    /// the environments it was met in, in the order first met.
    fn grouped(&self) -> Vec<(Vec<&str>, Problem<'_>)> {
        let problems = self.0.iter().flat_map(|(env, failure)| {
            let problems: Vec<Problem<'_>> = match failure.diagnostics() {
                Some(diags) => diags.0.iter().map(Problem::Diagnostic).collect(),
                None => vec![Problem::Other(failure.as_ref())],
            };
            problems.into_iter().map(move |p| (env.as_str(), p))
        });
        group_by_environment(problems, Problem::key)
    }
}

/// Problems met in several environments, each distinct one (by `key`) once, in the order first
/// met, with the environments it was met in, in the order met.
fn group_by_environment<'e, T>(
    items: impl IntoIterator<Item = (&'e str, T)>,
    key: impl Fn(&T) -> String,
) -> Vec<(Vec<&'e str>, T)> {
    let mut out: Vec<(Vec<&'e str>, T)> = Vec::new();
    let mut index: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for (env, item) in items {
        match index.entry(key(&item)) {
            std::collections::hash_map::Entry::Occupied(i) => {
                let envs = &mut out[*i.get()].0;
                if !envs.contains(&env) {
                    envs.push(env);
                }
            }
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(out.len());
                out.push((vec![env], item));
            }
        }
    }
    out
}

/// One problem of an environment.
enum Problem<'a> {
    Diagnostic(&'a Diagnostic),
    Other(&'a dyn Failure),
}

impl Problem<'_> {
    fn key(&self) -> String {
        match self {
            Problem::Diagnostic(d) => d.finding_key(),
            Problem::Other(f) => {
                let mut text = Vec::new();
                let _ = f.report_cause(&mut text, Color::NEVER);
                String::from_utf8_lossy(&text).into_owned()
            }
        }
    }
}

/// The findings of several environments, each distinct finding once (in the order first met)
/// with the environments it was met in ([`Diagnostic::environments`]): a warning of base.yaml
/// met in three environments is one finding.
pub fn by_environment<'a>(
    per_env: impl IntoIterator<Item = (&'a str, &'a [Diagnostic])>,
) -> Vec<Diagnostic> {
    let findings = per_env
        .into_iter()
        .flat_map(|(env, findings)| findings.iter().map(move |d| (env, d)));
    group_by_environment(findings, |d| d.finding_key())
        .into_iter()
        .map(|(envs, d)| {
            let mut d = d.clone();
            d.environments = envs.into_iter().map(str::to_string).collect();
            d
        })
        .collect()
}

/// `environment `dev``, or `environments `dev`, `prod` and `staging``.
pub fn env_list(envs: &[&str]) -> String {
    let quoted: Vec<String> = envs.iter().map(|e| format!("`{e}`")).collect();
    match quoted.as_slice() {
        [one] => format!("environment {one}"),
        [rest @ .., last] => format!("environments {} and {last}", rest.join(", ")),
        [] => "no environment".to_string(),
    }
}

impl fmt::Display for EnvFailures {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (env, e) in &self.0 {
            writeln!(f, "environment `{env}` failed: {e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for EnvFailures {}

impl Failure for EnvFailures {
    fn exit(&self) -> Exit {
        self.0
            .iter()
            .map(|(_, f)| f.exit())
            .max()
            .unwrap_or(Exit::Input)
    }

    fn report(&self, out: &mut dyn Write, color: Color) -> io::Result<()> {
        let groups = self.grouped();
        let mut i = 0;
        while i < groups.len() {
            let envs = &groups[i].0;
            writeln!(out, "error: {} failed", env_list(envs))?;
            // Consecutive problems of the same environments share one heading.
            let mut diags = Vec::new();
            while i < groups.len() && groups[i].0 == *envs {
                match &groups[i].1 {
                    Problem::Diagnostic(d) => diags.push((*d).clone()),
                    Problem::Other(f) => {
                        if !diags.is_empty() {
                            Diagnostics(std::mem::take(&mut diags)).report(out, color)?;
                        }
                        f.report_cause(out, color)?;
                    }
                }
                i += 1;
            }
            if !diags.is_empty() {
                Diagnostics(diags).report(out, color)?;
            }
        }
        Ok(())
    }
}

impl Failure for crate::yaml::YamlError {}

impl From<crate::yaml::YamlError> for Diagnostic {
    fn from(e: crate::yaml::YamlError) -> Self {
        Diagnostic::error(e.message)
            .at(Origin::File {
                file: e.file,
                line: e.line,
                col: e.col,
            })
            .maybe_help(e.help)
    }
}

/// The closest candidate to `name`, if it is close enough to be a likely typo.
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let lower = name.to_ascii_lowercase();
    candidates
        .into_iter()
        .map(|c| {
            (
                strsim::damerau_levenshtein(&lower, &c.to_ascii_lowercase()),
                c,
            )
        })
        .filter(|(d, c)| *d <= (c.len().max(name.len()) / 3).max(2))
        .min_by_key(|(d, c)| (*d, *c))
        .map(|(_, c)| c)
}
