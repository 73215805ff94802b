//! The finding sink of one lint run: rules report into it; it drops what the run's options or
//! the object's ignore annotations silence, locates the rest and names where values came from.

use super::config::Options;
use super::ignore::ignored;
use super::provenance::ValuesIndex;
use super::rules::rule;
use crate::diag::Diagnostic;
use crate::manifest::Document;
use crate::yaml::{Node, Origin, display_key_path};

/// Collects findings for one lint run.
pub struct Sink<'a> {
    opts: &'a Options,
    values: Option<ValuesIndex<'a>>,
    out: Vec<Diagnostic>,
}

impl<'a> Sink<'a> {
    /// A sink for one run; with `values` (a rendered environment's merged values), findings
    /// on a value also name the values key and where it was set.
    pub fn new(opts: &'a Options, values: Option<&'a Node>) -> Self {
        Self {
            opts,
            values: values.map(ValuesIndex::new),
            out: Vec::new(),
        }
    }

    /// The findings so far, sorted by file position.
    pub fn into_findings(self) -> Vec<Diagnostic> {
        let mut out = self.out;
        sort_findings(&mut out);
        out
    }

    /// Reports rule `id` on `doc` at a position that is not a node of the object.
    pub fn report_at(
        &mut self,
        id: &'static str,
        doc: &Document,
        origin: &Origin,
        message: String,
    ) {
        let Some(rule) = rule(id) else {
            debug_assert!(false, "no lint rule `{id}`");
            return;
        };
        if !self.opts.enabled(rule) || ignored(doc, rule) {
            return;
        }
        let mut d = Diagnostic::error(format!("{}: {message}", object_label(doc)))
            .at(origin.clone())
            .help(rule.fix);
        d.severity = rule.severity;
        d.code = Some(rule.id);
        self.out.push(d);
    }

    /// Reports rule `id` on `doc` at the node under `tokens` (or its deepest existing parent),
    /// unless the rule is disabled or the object opts out by annotation.
    pub fn report(&mut self, id: &'static str, doc: &Document, tokens: &[String], message: String) {
        let Some(rule) = rule(id) else {
            debug_assert!(false, "no lint rule `{id}`");
            return;
        };
        if !self.opts.enabled(rule) || ignored(doc, rule) {
            return;
        }
        let node = (0..=tokens.len())
            .rev()
            .find_map(|n| doc.node.pointer(&tokens[..n]))
            .unwrap_or(&doc.node);
        let mut d = Diagnostic::error(format!("{}: {message}", object_label(doc)))
            .at(node.origin.clone())
            .key(display_key_path(tokens))
            .help(rule.fix);
        d.severity = rule.severity;
        d.code = Some(rule.id);
        if let Some(values) = &self.values {
            d.notes = values.sources(node, tokens.last().map(String::as_str));
        }
        self.out.push(d);
    }
}

/// `Kind name`, as findings name the object they are about.
fn object_label(doc: &Document) -> String {
    match (doc.kind.is_empty(), doc.name.is_empty()) {
        (true, _) => "object".to_string(),
        (false, true) => doc.kind.clone(),
        (false, false) => format!("{} {}", doc.kind, doc.name),
    }
}

/// Findings sorted by file position (stable: findings at one position keep their order).
pub fn sort_findings(out: &mut [Diagnostic]) {
    out.sort_by(|a, b| position(a).cmp(&position(b)));
}

fn position(d: &Diagnostic) -> (&str, usize, usize) {
    match d.origin.as_ref().and_then(Origin::file_line) {
        Some((f, line, col)) => (f.display.as_str(), line, col),
        None => ("", 0, 0),
    }
}

/// Path tokens from string literals (the key path [`Sink::report`] takes).
pub fn path(parts: &[&str]) -> Vec<String> {
    parts.iter().map(|s| (*s).to_string()).collect()
}
