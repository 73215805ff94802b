//! User-facing diagnostics, printed rustc-style: what is wrong, where (file:line:col with the
//! source line and a caret, plus the key path), and what to do.

use std::cell::Cell;
use std::fmt;
use std::io::IsTerminal;

use crate::yaml::Origin;

thread_local! {
    static COLOR: Cell<bool> = const { Cell::new(false) };
}

/// Whether diagnostics written to `stream` should be coloured: a terminal, and NO_COLOR unset
/// or empty (https://no-color.org).
pub fn color_for(stream: &impl IsTerminal) -> bool {
    stream.is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Colours the diagnostics this thread formats from now on (or not).
pub fn set_color(on: bool) {
    COLOR.with(|c| c.set(on));
}

/// ANSI styles, or nothing when colour is off.
struct Style {
    on: bool,
}

impl Style {
    fn paint(&self, code: &str, text: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
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
        }
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

    /// The diagnostic as plain text, whatever the colour setting (for reports written to files).
    pub fn plain(&self) -> String {
        let was = COLOR.with(|c| c.replace(false));
        let text = self.to_string();
        set_color(was);
        text
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
        let st = Style {
            on: COLOR.with(Cell::get),
        };
        let sev_code = match self.severity {
            Severity::Error => "1;31",
            Severity::Warning => "1;33",
            Severity::Info => "1;36",
        };
        let label = match self.code {
            Some(code) => format!("{}[{code}]", self.severity.as_str()),
            None => self.severity.as_str().to_string(),
        };
        writeln!(
            f,
            "{}{}",
            st.paint(sev_code, &label),
            st.paint("1", &format!(": {}", self.message))
        )?;
        let gutter = match &self.origin {
            Some(Origin::File { line, .. }) => line.to_string().len(),
            _ => 1,
        };
        let pad = " ".repeat(gutter);
        let blue = |t: &str| st.paint("1;34", t);
        match &self.origin {
            Some(Origin::File { file, line, col }) => {
                writeln!(f, "{pad}{} {}:{line}:{col}", blue("-->"), file.display)?;
                if let Some(text) = file.line_text(*line) {
                    let shown: String = text.chars().take(200).collect();
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
            Some(origin @ Origin::Arg { .. }) => writeln!(f, "{pad}{} {origin}", blue("-->"))?,
            Some(Origin::Generated) | None => {}
        }
        let eq = blue("=");
        if let Some(key) = &self.key_path {
            writeln!(f, "{pad} {eq} key: {key}")?;
        }
        for note in &self.notes {
            writeln!(f, "{pad} {eq} {}: {note}", st.paint("1", "note"))?;
        }
        if let Some(help) = &self.help {
            writeln!(f, "{pad} {eq} {}: {help}", st.paint("1", "help"))?;
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

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

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
