//! Lint report formats: text (rustc-style), json, sarif (2.1.0, for code scanning), junit (CI
//! test reports) and github (workflow annotations). SARIF and JUnit are written by hand with
//! serde_json and a five-entity XML escaper: both are small, fixed shapes.

use std::fmt::Write as _;

use serde_json::json;

use super::rules::{RULES, rule};
use crate::diag::{Color, Diagnostic, Severity};

/// Output format of `kforge lint`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ReportFormat {
    /// Human-readable, with the offending source lines.
    #[default]
    Text,
    /// One JSON object with every finding.
    Json,
    /// SARIF 2.1.0 (GitHub code scanning and other viewers).
    Sarif,
    /// JUnit XML (CI test report views).
    Junit,
    /// GitHub Actions workflow commands (`::error file=...`).
    Github,
}

impl ReportFormat {
    /// Every format, in the order `--help` lists them.
    pub const ALL: &[ReportFormat] = &[
        ReportFormat::Text,
        ReportFormat::Json,
        ReportFormat::Sarif,
        ReportFormat::Junit,
        ReportFormat::Github,
    ];

    /// The name used on the command line (`--format sarif`).
    pub fn as_str(self) -> &'static str {
        match self {
            ReportFormat::Text => "text",
            ReportFormat::Json => "json",
            ReportFormat::Sarif => "sarif",
            ReportFormat::Junit => "junit",
            ReportFormat::Github => "github",
        }
    }
}

struct Loc {
    file: String,
    line: usize,
    col: usize,
}

fn loc(d: &Diagnostic) -> Option<Loc> {
    let (f, line, col) = d.origin.as_ref()?.file_line()?;
    Some(Loc {
        file: f.display.clone(),
        line,
        col,
    })
}

/// Counts by severity: (errors, warnings, infos).
pub fn counts(findings: &[Diagnostic]) -> (usize, usize, usize) {
    let n = |s| findings.iter().filter(|d| d.severity == s).count();
    (n(Severity::Error), n(Severity::Warning), n(Severity::Info))
}

/// The report text for `findings` from `objects` linted objects.
pub fn render(
    format: ReportFormat,
    findings: &[Diagnostic],
    objects: usize,
    color: Color,
) -> String {
    match format {
        ReportFormat::Text => text(findings, objects, color),
        ReportFormat::Json => json_report(findings, objects),
        ReportFormat::Sarif => sarif(findings),
        ReportFormat::Junit => junit(findings, objects),
        ReportFormat::Github => github(findings),
    }
}

/// Values quoted in a text finding are cut to this many characters (json, sarif, junit and
/// github reports keep them whole).
pub const TEXT_VALUE_CHARS: usize = 80;

fn text(findings: &[Diagnostic], objects: usize, color: Color) -> String {
    let mut out = String::new();
    for d in findings {
        let short = shorten_values(&d.message, TEXT_VALUE_CHARS);
        if short == d.message {
            let _ = writeln!(out, "{}", d.styled(color));
        } else {
            let mut d = d.clone();
            d.message = short;
            let _ = writeln!(out, "{}", d.styled(color));
        }
    }
    let (e, w, i) = counts(findings);
    let _ = writeln!(
        out,
        "{objects} objects linted: {e} error{}, {w} warning{}, {i} info",
        if e == 1 { "" } else { "s" },
        if w == 1 { "" } else { "s" }
    );
    out
}

/// `message` with every `quoted` value longer than `max` characters cut to its start and end
/// around a mark that says how long it is: `aaaa…[300 characters]…zzzz`.
pub fn shorten_values(message: &str, max: usize) -> String {
    let parts: Vec<&str> = message.split('`').collect();
    let mut out = String::with_capacity(message.len().min(4096));
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            out.push('`');
        }
        // Odd parts are between two backticks (a trailing unmatched one is left alone).
        let n = part.chars().count();
        if i % 2 == 1 && i + 1 < parts.len() && n > max {
            let keep = max / 2;
            let head: String = part.chars().take(keep).collect();
            let tail: String = part.chars().skip(n - keep).collect();
            let _ = write!(out, "{head}…[{n} characters]…{tail}");
        } else {
            out.push_str(part);
        }
    }
    out
}

fn finding_json(d: &Diagnostic) -> serde_json::Value {
    let l = loc(d);
    json!({
        "rule": d.code,
        "category": d.code.and_then(rule).map(|r| r.category.as_str()),
        "severity": d.severity.as_str(),
        "message": d.message,
        "file": l.as_ref().map(|l| l.file.clone()),
        "line": l.as_ref().map(|l| l.line),
        "column": l.as_ref().map(|l| l.col),
        "path": d.key_path,
        "help": d.help,
        "notes": d.notes,
        "component": d.component,
        "environments": d.environments,
    })
}

fn json_report(findings: &[Diagnostic], objects: usize) -> String {
    let (e, w, i) = counts(findings);
    let v = json!({
        "objects": objects,
        "errors": e,
        "warnings": w,
        "info": i,
        "findings": findings.iter().map(finding_json).collect::<Vec<_>>(),
    });
    // A `serde_json::Value` prints infallibly; `{:#}` is `to_string_pretty`.
    format!("{v:#}\n")
}

fn sarif_level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

fn sarif(findings: &[Diagnostic]) -> String {
    let rules: Vec<serde_json::Value> = RULES
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "shortDescription": {"text": r.summary},
                "help": {"text": r.fix},
                "defaultConfiguration": {"level": sarif_level(r.severity)},
                "properties": {"category": r.category.as_str()},
            })
        })
        .collect();
    let results: Vec<serde_json::Value> = findings
        .iter()
        .map(|d| {
            let mut r = json!({
                "ruleId": d.code.unwrap_or("kforge"),
                "level": sarif_level(d.severity),
                "message": {"text": sarif_text(d)},
            });
            if let Some(i) = d.code.and_then(|c| RULES.iter().position(|r| r.id == c)) {
                r["ruleIndex"] = json!(i);
            }
            let mut props = serde_json::Map::new();
            if let Some(c) = &d.component {
                props.insert("component".into(), json!(c));
            }
            if !d.environments.is_empty() {
                props.insert("environments".into(), json!(d.environments));
            }
            if !props.is_empty() {
                r["properties"] = serde_json::Value::Object(props);
            }
            if let Some(l) = loc(d) {
                r["locations"] = json!([{
                    "physicalLocation": {
                        "artifactLocation": {"uri": uri(&l.file)},
                        "region": {"startLine": l.line, "startColumn": l.col},
                    }
                }]);
            }
            r
        })
        .collect();
    let v = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "kforge",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/kforge/kforge",
                "rules": rules,
            }},
            "results": results,
        }],
    });
    // A `serde_json::Value` prints infallibly; `{:#}` is `to_string_pretty`.
    format!("{v:#}\n")
}

/// The message with its key path and notes (e.g. which values file set the value).
fn sarif_text(d: &Diagnostic) -> String {
    let mut text = match &d.key_path {
        Some(k) => format!("{} ({k})", d.message),
        None => d.message.clone(),
    };
    if let Some(c) = &d.component {
        let _ = write!(text, "; component {c}");
    }
    for n in &d.notes {
        let _ = write!(text, "; {n}");
    }
    if !d.environments.is_empty() {
        let _ = write!(text, "; environments: {}", d.environments.join(", "));
    }
    text
}

/// A relative URI for a file display name (spaces and the like percent-encoded).
fn uri(file: &str) -> String {
    let mut out = String::new();
    for b in file.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\t' | '\r') => {
                let _ = write!(out, "&#{};", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

fn junit(findings: &[Diagnostic], objects: usize) -> String {
    let failures = findings
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"kforge lint\" tests=\"{}\" failures=\"{failures}\">",
        findings.len().max(1)
    );
    let _ = writeln!(
        out,
        "  <testsuite name=\"kforge lint\" tests=\"{}\" failures=\"{failures}\" errors=\"0\" skipped=\"0\">",
        findings.len().max(1)
    );
    if findings.is_empty() {
        let _ = writeln!(
            out,
            "    <testcase classname=\"kforge.lint\" name=\"{objects} objects linted\"/>"
        );
    }
    for d in findings {
        let l = loc(d);
        let at = l
            .as_ref()
            .map(|l| format!("{}:{}:{}", l.file, l.line, l.col))
            .unwrap_or_default();
        let code = d.code.unwrap_or("kforge");
        // No `file`/`line` attributes: they are not in the junit-4 XSD that Jenkins and
        // others validate against; the location leads the test name instead.
        let _ = writeln!(
            out,
            "    <testcase classname=\"kforge.{}\" name=\"{}\">",
            xml(code),
            xml(&format!("{at} {}", d.message))
        );
        let body = xml(&d.to_string());
        match d.severity {
            Severity::Error => {
                let _ = writeln!(
                    out,
                    "      <failure type=\"{}\" message=\"{}\">{body}</failure>",
                    xml(code),
                    xml(&d.message)
                );
            }
            _ => {
                let _ = writeln!(out, "      <system-out>{body}</system-out>");
            }
        }
        let _ = writeln!(out, "    </testcase>");
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

/// GitHub workflow-command escaping of a property value or message.
fn gh_escape(s: &str, property: bool) -> String {
    let mut out = s
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A");
    if property {
        out = out.replace(':', "%3A").replace(',', "%2C");
    }
    out
}

fn github(findings: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in findings {
        let level = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let mut props = Vec::new();
        if let Some(l) = loc(d) {
            props.push(format!("file={}", gh_escape(&l.file, true)));
            props.push(format!("line={}", l.line));
            props.push(format!("col={}", l.col));
        }
        if let Some(code) = d.code {
            props.push(format!("title={}", gh_escape(code, true)));
        }
        let mut msg = d.message.clone();
        if let Some(k) = &d.key_path {
            let _ = write!(msg, " ({k})");
        }
        if let Some(c) = &d.component {
            let _ = write!(msg, "\ncomponent: {c}");
        }
        if !d.environments.is_empty() {
            let _ = write!(msg, "\nenvironments: {}", d.environments.join(", "));
        }
        for n in &d.notes {
            let _ = write!(msg, "\nnote: {n}");
        }
        if let Some(h) = &d.help {
            let _ = write!(msg, "\nhelp: {h}");
        }
        let _ = writeln!(
            out,
            "::{level} {}::{}",
            crate::diag::printable(&props.join(",")),
            crate::diag::printable(&gh_escape(&msg, false))
        );
    }
    out
}
