//! The finding sink of one lint run: rules report into it; it drops what the run's options or
//! the object's ignore annotations silence, locates the rest and names where values came from.

use super::config::Options;
use super::ignore::ignored;
use super::provenance::ValuesIndex;
use super::rules::RuleId;
use super::rules::rule_id;
use crate::diag::{Diagnostic, Severity};
use crate::manifest::Document;
use crate::yaml::{Node, Origin, display_key_path};

/// Collects findings for one lint run.
pub struct Sink<'a> {
    opts: &'a Options,
    values: Option<ValuesIndex<'a>>,
    out: Vec<Diagnostic>,
    /// Findings on a template placeholder are dropped (manifest files linted as given, whose
    /// templates are reported once per file as `unrendered-template`).
    skip_placeholders: bool,
}

impl<'a> Sink<'a> {
    /// A sink for one run; with `values` (a rendered environment's merged values), findings
    /// on a value also name the values key and where it was set.
    pub fn new(opts: &'a Options, values: Option<&'a Node>) -> Self {
        Self {
            opts,
            values: values.map(ValuesIndex::new),
            out: Vec::new(),
            skip_placeholders: false,
        }
    }

    /// This sink drops findings located on a Helm or kforge template placeholder (a value
    /// or a key): the file is reported once as an unrendered template instead. Not for a
    /// rendered project, where a `{{` in a value is data.
    pub fn skipping_placeholders(mut self) -> Self {
        self.skip_placeholders = true;
        self
    }

    /// The options of the run (what kforge-lint.yaml declares external, ...).
    pub fn options(&self) -> &'a Options {
        self.opts
    }

    /// The findings so far, sorted by file position.
    pub fn into_findings(self) -> Vec<Diagnostic> {
        let mut out = self.out;
        sort_findings(&mut out);
        out
    }

    /// Reports rule `id` on `doc` at a position that is not a node of the object.
    pub fn report_at(&mut self, id: RuleId, doc: &Document, origin: &Origin, message: String) {
        if let Some(d) = self.finding(id, None, doc, message) {
            self.out.push(d.at(origin.clone()));
        }
    }

    /// Reports rule `id` on `doc` at the node under `tokens` (or its deepest existing parent),
    /// unless the rule is disabled or the object opts out by annotation.
    pub fn report(&mut self, id: RuleId, doc: &Document, tokens: &[String], message: String) {
        self.report_as(id, None, doc, tokens, message);
    }

    /// [`Sink::report`] at a severity other than the rule's default (lower, when what the set
    /// shows makes the finding less certain).
    pub fn report_as(
        &mut self,
        id: RuleId,
        severity: Option<Severity>,
        doc: &Document,
        tokens: &[String],
        message: String,
    ) {
        self.report_noted(id, severity, doc, tokens, message, Vec::new());
    }

    /// [`Sink::report`], also naming where the values of the nodes at `related` were set: the
    /// other nodes the finding is about (the other handlers of a probe that has several), which
    /// may come from another values file than the node it points at.
    pub fn report_related(
        &mut self,
        id: RuleId,
        doc: &Document,
        tokens: &[String],
        message: String,
        related: &[Vec<String>],
    ) {
        let notes = match &self.values {
            Some(values) => related
                .iter()
                .filter_map(|t| Some((doc.node.pointer(t)?, t.last()?)))
                .flat_map(|(node, key)| values.sources(node, Some(key)))
                .collect(),
            None => Vec::new(),
        };
        self.report_noted(id, None, doc, tokens, message, notes);
    }

    /// [`Sink::report_as`] with notes of the rule's own (which release was compared, an
    /// acknowledgement) before those naming where values were set.
    pub fn report_noted(
        &mut self,
        id: RuleId,
        severity: Option<Severity>,
        doc: &Document,
        tokens: &[String],
        message: String,
        notes: Vec<String>,
    ) {
        if self.skip_placeholders && id != rule_id!("unrendered-template") {
            let at_placeholder = doc
                .node
                .pointer(tokens)
                .and_then(Node::as_str)
                .into_iter()
                .chain(tokens.last().map(String::as_str))
                .any(|s| super::templates::marker(s).is_some());
            if at_placeholder {
                return;
            }
        }
        let Some(mut d) = self.finding(id, severity, doc, message) else {
            return;
        };
        let (depth, node) = (0..=tokens.len())
            .rev()
            .find_map(|n| doc.node.pointer(&tokens[..n]).map(|node| (n, node)))
            .unwrap_or((0, &doc.node));
        d = d.at(key_origin(node)).key(display_key_path(tokens));
        d.notes = notes;
        if let Some(values) = &self.values {
            // The key of the node found: the finding's own, or a map's that lacks it.
            let key = depth.checked_sub(1).and_then(|i| tokens.get(i));
            d.notes
                .extend(values.sources(node, key.map(String::as_str)));
            let mut seen = std::collections::HashSet::new();
            d.notes.retain(|n| seen.insert(n.clone()));
        }
        self.out.push(d);
    }

    /// A finding of rule `id` on `doc`, or `None` when the run or the object silences it.
    fn finding(
        &self,
        id: RuleId,
        severity: Option<Severity>,
        doc: &Document,
        message: String,
    ) -> Option<Diagnostic> {
        let rule = id.rule();
        // An upgrade rule is acknowledged per release, never by an annotation that would
        // silence it in every later release too.
        let annotated = rule.category != super::rules::Category::Upgrade && ignored(doc, rule);
        if !self.opts.enabled(rule) || annotated {
            return None;
        }
        let mut d = Diagnostic::error(format!("{}: {message}", object_label(doc))).help(rule.fix);
        d.severity = severity.unwrap_or(rule.severity);
        d.code = Some(rule.id);
        d.component = component(doc);
        Some(d)
    }
}

/// Where a finding on `node` points: the first character of its key. A map entry's node
/// already carries its key's position; a map that is a list item or a whole document carries
/// the position the parser gives a block map's start (the colon after its first key), so its
/// first key's position, which comes before it, is used instead.
fn key_origin(node: &Node) -> Origin {
    let first_key = node
        .as_map()
        .and_then(|m| m.values().next())
        .map(|first| &first.origin);
    match (
        first_key,
        node.origin.file_line(),
        first_key.and_then(Origin::file_line),
    ) {
        (Some(first), Some((_, line, col)), Some((_, fline, fcol)))
            if (fline, fcol) < (line, col) =>
        {
            first.clone()
        }
        _ => node.origin.clone(),
    }
}

/// The application component an object belongs to: the one that rendered it, or its
/// `app.kubernetes.io/component` label.
fn component(doc: &Document) -> Option<String> {
    doc.component.clone().or_else(|| {
        doc.node
            .get_path(&["metadata", "labels", "app.kubernetes.io/component"])
            .and_then(Node::as_str)
            .map(str::to_string)
    })
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
