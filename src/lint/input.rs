//! Manifests to lint from files, folders (recursively `*.yaml`, `*.yml`, `*.json`) and stdin:
//! multi-document YAML, JSON, and `kind: List` (each item becomes its own object, keeping its
//! position in the file).
//!
//! Inputs are streamed: a file is read line by line and cut into chunks of whole documents
//! (at `---` lines, and after `...`, which is where YAML itself ends a document), each chunk
//! is parsed and linted on a worker thread and dropped, so a 100k-document stream needs the
//! memory of a few chunks, not of the whole stream, and every core is busy.

use super::rules::rule_id;
use std::io::{BufRead, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::config::Options;
use super::crds::{CrdSchemas, drop_known_kinds, kind_position};
use super::rules::Category;
use super::sink::{Sink, sort_findings};
use super::templates;
use super::{Keep, lint_document, lint_references_with};
use crate::diag::{Diagnostic, Diagnostics};
use crate::fs::walk::{open_walked, walk_files};
use crate::manifest::Document;
use crate::yaml::{Limits, Node, Origin, SourceFile, Value, parse_documents_keeping_duplicates};

/// Largest single input (a file or stdin).
pub const MAX_INPUT_BYTES: u64 = 512 * 1024 * 1024;

/// Largest single document of an input. One Kubernetes object is at most about 1.5 MiB (etcd's
/// request limit); this leaves room for `kind: List` exports of many objects, and stops an
/// endless document (`yes 'a: b' | kforge lint -`) long before the input's own bound.
pub const MAX_DOCUMENT_BYTES: u64 = 64 * 1024 * 1024;

/// Inputs are cut into chunks of about this many bytes, between documents.
const CHUNK_BYTES: usize = 32 * 1024;

/// Whole documents of one input, with where they start in it.
struct Chunk {
    /// Position among all chunks of all inputs (results are put back in this order).
    seq: usize,
    /// The text, its display name and the number of lines before it.
    file: Arc<SourceFile>,
    /// Documents of the input before this chunk (orders objects like the whole file would).
    first_doc: usize,
}

/// The lint options of the project in `dir` (`kforge-lint.yaml`), with the CustomResourceDefinitions
/// its `crds:` names read into `crd_documents`: what every command that lints starts from.
pub fn project_options(dir: &Path) -> Result<Options, Diagnostics> {
    let mut opts = Options::from_project(dir)?;
    let crds = opts.crds.clone();
    add_crds(&mut opts, &crds)?;
    Ok(opts)
}

/// Reads the CustomResourceDefinitions at `paths` (files or folders) into `opts.crd_documents`;
/// one that cannot be read is bad input and stops the run before any linting. Files of their
/// folders that were skipped (not regular files) are warnings in `opts.skipped`.
pub fn add_crds(opts: &mut Options, paths: &[PathBuf]) -> Result<(), Diagnostics> {
    if !paths.is_empty() {
        let mut docs = read_inputs(paths, &mut opts.skipped)?;
        opts.crd_documents.append(&mut docs);
    }
    Ok(())
}

/// Reads every input; problems with any of them (unreadable, not YAML) are all reported.
/// Names in their folders that are not regular files are skipped, a warning each in `skipped`.
pub fn read_inputs(
    paths: &[PathBuf],
    skipped: &mut Vec<Diagnostic>,
) -> Result<Vec<Document>, Diagnostics> {
    let mut docs = Vec::new();
    let mut bad = Vec::new();
    let (files, mut problems, mut warnings) = expand(paths);
    skipped.append(&mut warnings);
    problems.append(&mut for_each_chunk(&files, |chunk| {
        match chunk_documents(&chunk) {
            Ok(mut d) => docs.append(&mut d),
            Err(d) => bad.push(d),
        }
    }));
    problems.append(&mut bad);
    if problems.is_empty() {
        Ok(docs)
    } else {
        Err(Diagnostics(problems))
    }
}

/// What linting the inputs found.
pub struct Linted {
    /// Findings, sorted by file position; inputs that could not be read or parsed are
    /// `parse-error` findings among them.
    pub findings: Vec<Diagnostic>,
    /// Objects linted.
    pub objects: usize,
    /// How many inputs (or pieces of one) could not be read or parsed: the run is then bad
    /// input (exit 2), though everything else was linted and reported.
    pub unreadable: usize,
    /// Names in the input folders that are not regular files, skipped: a warning each.
    pub skipped: Vec<Diagnostic>,
}

/// Reads and lints every input, chunk by chunk on every core. Only findings (and, when the
/// reference checks are on, the objects they need across documents) are kept. An input that
/// cannot be read or parsed does not stop the run: it becomes a `parse-error` finding and the
/// others are linted as if it were not there.
pub fn lint_inputs(paths: &[PathBuf], opts: &Options) -> Linted {
    let keep_docs = super::objects_to_keep(opts);
    // The CRDs from outside the set (`--crd`, `crds:`) are compiled once, before the inputs.
    let extra = if keep_docs != Keep::Nothing && opts.category_enabled(Category::Types) {
        CrdSchemas::new(opts.crd_documents.iter())
    } else {
        CrdSchemas::new(std::iter::empty())
    };
    // With the types checks alone, a custom resource whose CRD is known already is validated
    // in its chunk and dropped there, so a stream of them is linted in constant memory too.
    let known = (keep_docs == Keep::Custom && !extra.is_empty()).then_some(&extra);
    let (files, mut problems, skipped) = expand(paths);
    let (mut more, mut results) = crate::par::stream(
        |hand_over| for_each_chunk(&files, hand_over),
        |chunk: Chunk| lint_chunk(&chunk, opts, keep_docs, known),
    );
    problems.append(&mut more);
    results.sort_by_key(|r| r.seq);
    let mut findings = Vec::new();
    let mut objects = 0;
    let mut docs = Vec::new();
    for r in results {
        match r.outcome {
            Ok((mut f, n, mut d)) => {
                findings.append(&mut f);
                objects += n;
                docs.append(&mut d);
            }
            Err(p) => problems.push(p),
        }
    }
    templates::once_per_file(&mut problems);
    let unreadable = problems.len();
    findings.extend(problems.into_iter().map(parse_error));
    if keep_docs != Keep::Nothing {
        let mut sink = Sink::new(opts, None).skipping_placeholders();
        let defined =
            lint_references_with(&docs, opts, &extra, super::Applied::PerFolder, &mut sink);
        findings.append(&mut sink.into_findings());
        drop_known_kinds(&mut findings, &defined);
    }
    sort_findings(&mut findings);
    templates::once_per_file(&mut findings);
    Linted {
        findings,
        objects,
        unreadable,
        skipped,
    }
}

/// A chunk that does not parse because it is an unrendered template: the finding that says
/// so, at its first placeholder, with the command that renders it.
fn unrendered(chunk: &Chunk) -> Option<Diagnostic> {
    let file = &chunk.file;
    let (line, text, renderer) = templates::first_line_in(&file.text, file.first_line)?;
    let rule = super::rules::rule_id!("unrendered-template").rule();
    let (message, fix) = templates::message(&file.display, &text, renderer, false);
    let mut d = Diagnostic::error(message).help(fix).at(Origin::File {
        file: Arc::clone(file),
        line,
        col: 1,
    });
    d.code = Some(rule.id);
    Some(d)
}

/// A problem reading or parsing an input, as a `parse-error` finding (never silenced: what
/// the file holds was not checked); an unrendered template keeps its own rule.
fn parse_error(mut d: Diagnostic) -> Diagnostic {
    if d.code == Some("unrendered-template") {
        return d;
    }
    let rule = super::rules::rule_id!("parse-error").rule();
    d.code = Some(rule.id);
    d.severity = rule.severity;
    if d.help.is_none() {
        d.help = Some(rule.fix.to_string());
    }
    d
}

struct ChunkResult {
    seq: usize,
    /// Findings, objects, and the documents kept for the reference checks; or why the chunk
    /// could not be read.
    outcome: Result<(Vec<Diagnostic>, usize, Vec<Document>), Diagnostic>,
}

fn lint_chunk(
    chunk: &Chunk,
    opts: &Options,
    keep_docs: Keep,
    known: Option<&CrdSchemas>,
) -> ChunkResult {
    let outcome = chunk_documents(chunk).map_err(|d| unrendered(chunk).unwrap_or(d));
    let outcome = outcome.map(|docs| {
        let mut sink = Sink::new(opts, None).skipping_placeholders();
        let mut validated = Vec::new();
        // The objects kept go into a vector of their own. Filtering `docs.into_iter()` into
        // one would reuse the allocation of `docs` (Rust collects in place), so a chunk that
        // keeps nothing would hold the room of all its objects (about 270 bytes each) until
        // the end of the run: W2's peak RSS grew with the documents (15 MB at 1k, 42 MB at
        // 100k) though no object was kept.
        let mut kept = Vec::new();
        let n = docs.len();
        for doc in docs {
            if let Some((origin, text, renderer)) = templates::first_in(&doc.node) {
                let (message, _) = templates::message(&chunk.file.display, &text, renderer, true);
                sink.report_at(rule_id!("unrendered-template"), &doc, &origin, message);
            }
            lint_document(&doc, opts, &mut sink);
            let checked = known.is_some_and(|k| k.check(&doc, &mut sink));
            if checked {
                validated.extend(kind_position(&doc));
            }
            if !checked && keep_docs.keeps(&doc) {
                kept.push(doc);
            }
        }
        let mut findings = sink.into_findings();
        drop_known_kinds(&mut findings, &validated);
        (findings, n, kept)
    });
    ChunkResult {
        seq: chunk.seq,
        outcome,
    }
}

/// An input to read: a path named on the command line (a FIFO there, `<(helm template ...)`,
/// is read as the user asked), a file a folder walk found (opened without waiting on it), or
/// stdin.
enum Input {
    Named(PathBuf),
    Walked(PathBuf),
    Stdin,
}

/// The inputs, folders walked (each folder once, non-regular files skipped: see
/// [`crate::fs::walk`]); with the problems of folders that could not be walked, and a warning
/// for each name skipped.
fn expand(paths: &[PathBuf]) -> (Vec<Input>, Vec<Diagnostic>, Vec<Diagnostic>) {
    let mut files = Vec::new();
    let mut problems = Vec::new();
    let mut skipped = Vec::new();
    for p in paths {
        if p.as_os_str() == "-" {
            files.push(Input::Stdin);
        } else if p.is_dir() {
            match walk_files(p, is_manifest_name) {
                Ok(walked) => {
                    files.extend(walked.files.into_iter().map(Input::Walked));
                    skipped.extend(
                        walked
                            .skipped
                            .iter()
                            .map(|s| Diagnostic::error(s.to_string()).warning()),
                    );
                }
                Err(e) => problems.push(Diagnostic::error(e.to_string())),
            }
        } else {
            files.push(Input::Named(p.clone()));
        }
    }
    (files, problems, skipped)
}

/// `*.yaml`, `*.yml`, `*.json`: the files a folder walk reads.
fn is_manifest_name(p: &Path) -> bool {
    matches!(
        p.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml" | "json")
    )
}

/// Feeds every chunk of every input to `f`, in order; returns the problems of inputs that
/// could not be read.
fn for_each_chunk(files: &[Input], mut f: impl FnMut(Chunk)) -> Vec<Diagnostic> {
    let mut problems = Vec::new();
    let mut seq = 0;
    for input in files {
        let path = match input {
            Input::Stdin => {
                let read = chunks_of(std::io::stdin().lock(), "<stdin>", &mut seq, &mut f);
                problems.extend(read.err());
                continue;
            }
            Input::Named(path) | Input::Walked(path) => path,
        };
        let display = path.display().to_string();
        let opened = match input {
            Input::Walked(_) => open_walked(path),
            _ => std::fs::metadata(path).and_then(|meta| {
                // Not a regular file (a FIFO named on the command line): its length is unknown.
                let len = if meta.is_file() { meta.len() } else { 0 };
                std::fs::File::open(path).map(|file| Some((file, len)))
            }),
        };
        let result = match opened {
            Ok(Some((_, len))) if len > MAX_INPUT_BYTES => Err(Diagnostic::error(format!(
                "{display} is {len} bytes, over the {MAX_INPUT_BYTES}-byte limit"
            ))),
            Ok(Some((file, _))) => chunks_of(
                std::io::BufReader::with_capacity(64 * 1024, file),
                &display,
                &mut seq,
                &mut f,
            ),
            Ok(None) => Err(Diagnostic::error(format!(
                "{display}: not a regular file any more (it was replaced since its folder was listed)"
            ))),
            Err(e) => Err(Diagnostic::error(format!("{display}: {e}"))),
        };
        if let Err(d) = result {
            problems.push(d);
        }
    }
    problems
}

/// Cuts one input into chunks of whole documents. A cut is made only where YAML itself
/// separates documents: before a `---` line (once the current document has content) and
/// after a `...` line; directives and comments stay with the document they precede. Each
/// chunk is checked to be UTF-8 on its own (cuts fall on line starts, never inside a
/// character).
fn chunks_of(
    mut input: impl BufRead,
    display: &str,
    seq: &mut usize,
    f: &mut impl FnMut(Chunk),
) -> Result<(), Diagnostic> {
    let mut line = Vec::new();
    let mut buf: Vec<u8> = Vec::new();
    let (mut buf_first_line, mut lines, mut read) = (0usize, 0usize, 0u64);
    let (mut buf_offset, mut buf_first_doc, mut docs) = (0u64, 0usize, 0usize);
    let (mut has_content, mut after_end) = (false, false);
    // Where the current document started (line, 1-based) and its bytes so far.
    let (mut doc_line, mut doc_bytes) = (1usize, 0u64);
    let mut emit = |buf: &mut Vec<u8>, first_line: usize, offset: u64, first_doc: usize| {
        let bytes = std::mem::take(buf);
        let text = match String::from_utf8(bytes) {
            Ok(t) => t,
            Err(e) => {
                let bad = e.utf8_error().valid_up_to();
                let line =
                    first_line + e.as_bytes()[..bad].iter().filter(|&&b| b == b'\n').count() + 1;
                let offset = usize::try_from(offset)
                    .unwrap_or(usize::MAX)
                    .saturating_add(bad);
                let path = PathBuf::from(display);
                return Err(Diagnostic::error(
                    crate::project::ProjectError::NotUtf8 { path, line, offset }.to_string(),
                ));
            }
        };
        f(Chunk {
            seq: *seq,
            file: SourceFile::piece(display, text, first_line),
            first_doc,
        });
        *seq += 1;
        Ok(())
    };
    loop {
        line.clear();
        let n = (&mut input)
            .take((MAX_INPUT_BYTES + 1 - read).min(MAX_DOCUMENT_BYTES + 1 - doc_bytes))
            .read_until(b'\n', &mut line)
            .map_err(|e| Diagnostic::error(format!("reading {display}: {e}")))?;
        if n == 0 {
            break;
        }
        if read == 0 && line.starts_with(b"\xEF\xBB\xBF") {
            line.drain(..3);
            buf_offset = 3;
        }
        read += n as u64;
        if read > MAX_INPUT_BYTES {
            return Err(Diagnostic::error(format!(
                "{display} is over the {MAX_INPUT_BYTES}-byte limit"
            )));
        }
        // A document ends before a `---` that follows content, and after a `...` line.
        let start = is_marker(&line, b"---");
        if (start && has_content) || after_end {
            if !after_end {
                docs += 1;
            }
            (has_content, after_end) = (false, false);
            (doc_line, doc_bytes) = (lines + 1, 0);
            if buf.len() >= CHUNK_BYTES {
                let len = buf.len() as u64;
                emit(&mut buf, buf_first_line, buf_offset, buf_first_doc)?;
                buf_first_line = lines;
                buf_offset += len;
                buf_first_doc = docs;
            }
        }
        doc_bytes += n as u64;
        if doc_bytes > MAX_DOCUMENT_BYTES {
            return Err(Diagnostic::error(format!(
                "{display}:{doc_line}: the document starting at this line is over the {MAX_DOCUMENT_BYTES}-byte limit of one document (one Kubernetes object is at most about 1.5 MiB); an endless or unseparated stream? Separate objects with `---` lines"
            )));
        }
        buf.extend_from_slice(&line);
        lines += 1;
        if start {
            has_content = true;
        } else if is_marker(&line, b"...") {
            docs += 1;
            after_end = true;
        } else if !has_content {
            let t = line.trim_ascii_start();
            has_content = !(t.is_empty() || t.starts_with(b"#") || line.starts_with(b"%"));
        }
    }
    if !buf.is_empty() {
        emit(&mut buf, buf_first_line, buf_offset, buf_first_doc)?;
    }
    Ok(())
}

/// A `---` or `...` line: the marker alone or followed by a space, tab or line break.
fn is_marker(line: &[u8], marker: &[u8]) -> bool {
    line.strip_prefix(marker)
        .is_some_and(|rest| matches!(rest.first(), None | Some(b' ' | b'\t' | b'\r' | b'\n')))
}

/// Parses a chunk into objects: documents, and the items of `kind: List` documents.
fn chunk_documents(chunk: &Chunk) -> Result<Vec<Document>, Diagnostic> {
    let file = &chunk.file;
    let display = &file.display;
    let limits = Limits {
        max_depth: 128,
        max_nodes: 20_000_000,
    };
    let nodes = parse_documents_keeping_duplicates(&file.text, file, limits)?;
    let mut docs = Vec::new();
    for (i, (node, dups)) in nodes.into_iter().enumerate() {
        let index = chunk.first_doc + i;
        let dups: Vec<(Origin, String)> = dups
            .into_iter()
            .map(|e| {
                let origin = Origin::File {
                    file: e.file,
                    line: e.line,
                    col: e.col,
                };
                (origin, e.message)
            })
            .collect();
        if matches!(node.value, Value::Null) {
            continue;
        }
        let kind = node.get_path(&["kind"]).and_then(Node::as_str);
        let is_list = kind == Some("List")
            || kind.is_some_and(|k| k.ends_with("List") && node.get_path(&["items"]).is_some());
        match (is_list, node.get_path(&["items"]).map(|n| &n.value)) {
            (true, Some(Value::Seq(items))) => {
                for item in items {
                    let mut doc = Document::new(display, index, item.clone());
                    doc.duplicate_keys = within(&dups, item);
                    docs.push(doc);
                }
            }
            _ => {
                let mut doc = Document::new(display, index, node);
                doc.duplicate_keys = dups;
                docs.push(doc);
            }
        }
    }
    Ok(docs)
}

/// The duplicates whose line falls inside `item` (a List item).
fn within(dups: &[(Origin, String)], item: &Node) -> Vec<(Origin, String)> {
    let (first, last) = line_span(item);
    dups.iter()
        .filter(|(o, _)| {
            o.file_line()
                .is_some_and(|(_, l, _)| (first..=last).contains(&l))
        })
        .cloned()
        .collect()
}

fn line_span(n: &Node) -> (usize, usize) {
    let own = n.origin.file_line().map_or(0, |(_, l, _)| l);
    let (mut lo, mut hi) = (own, own);
    let children: Vec<&Node> = match &n.value {
        Value::Map(m) => m.values().collect(),
        Value::Seq(s) => s.iter().collect(),
        _ => Vec::new(),
    };
    for c in children {
        let (a, b) = line_span(c);
        lo = lo.min(a);
        hi = hi.max(b);
    }
    (lo, hi)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CRD: &str = "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: widgets.example.com}\nspec:\n  group: example.com\n  names: {kind: Widget, plural: widgets}\n  scope: Namespaced\n  versions:\n    - name: v1\n      served: true\n      storage: true\n      schema:\n        openAPIV3Schema:\n          type: object\n          properties:\n            spec: {type: object, properties: {size: {type: integer}}}\n";

    fn chunk(text: &str) -> Chunk {
        Chunk {
            seq: 0,
            file: SourceFile::new("w.yaml", text.to_string()),
            first_doc: 0,
        }
    }

    // An endless document stops at the document bound, naming the line where it started,
    // whether its lines end or not; the documents before it were passed on.
    #[test]
    fn an_endless_document_stops_at_the_document_bound() {
        use std::io::{BufReader, Cursor, Read};
        /// `line` over and over.
        struct Endless(&'static [u8], usize);
        impl Read for Endless {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                for b in buf.iter_mut() {
                    *b = self.0[self.1 % self.0.len()];
                    self.1 += 1;
                }
                Ok(buf.len())
            }
        }
        let kib_line: &'static [u8] = format!("- {}\n", "a".repeat(1021)).leak().as_bytes();
        for endless in [b"a".as_slice(), kib_line] {
            let head = Cursor::new(b"x: 1\n---\ny: 2\n---\n".to_vec());
            let input = head.chain(Endless(endless, 0));
            let (mut seq, mut passed) = (0, 0usize);
            let err = chunks_of(BufReader::new(input), "<stdin>", &mut seq, &mut |c| {
                passed += c.file.text.len();
            })
            .unwrap_err();
            assert!(
                err.message.starts_with(
                    "<stdin>:4: the document starting at this line is over the 67108864-byte limit"
                ),
                "{}",
                err.message
            );
            assert!(passed <= 20, "{passed}");
        }
    }

    // A chunk whose objects are all linted and dropped holds no room for them: its result
    // waits for the end of the run, so with the types checks alone a stream of built-in
    // objects needs the same memory at 1k and 100k documents (W2's peak RSS). Where objects
    // are kept, they are all there, in order.
    #[test]
    fn a_chunk_that_keeps_no_object_holds_no_room_for_them() {
        let text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: b}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n";
        let mut opts = Options::default();
        opts.only.insert(Category::Types);
        let r = lint_chunk(&chunk(text), &opts, Keep::Custom, None);
        let (_, n, kept) = r.outcome.unwrap_or_else(|_| panic!("chunk parses"));
        assert_eq!(n, 3);
        assert!(kept.is_empty());
        assert_eq!(kept.capacity(), 0);
        let r = lint_chunk(&chunk(text), &Options::default(), Keep::All, None);
        let (_, n, kept) = r.outcome.unwrap_or_else(|_| panic!("chunk parses"));
        assert_eq!(n, 3);
        let names: Vec<&str> = kept.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(names, ["a", "b", "c"]);
    }

    // With the types checks alone and the CRD given up front (`--crd`), a custom resource is
    // validated in its chunk and not kept: a stream of them needs constant memory. One whose
    // CRD is not known yet (it may come later in the stream) is kept for the end.
    #[test]
    fn custom_resources_of_known_crds_are_checked_in_their_chunk_and_not_kept() {
        let (crd, _) = parse_documents_keeping_duplicates(
            CRD,
            &SourceFile::new("crd.yaml", CRD.to_string()),
            Limits::default(),
        )
        .unwrap()
        .remove(0);
        let mut opts = Options::default();
        opts.only.insert(Category::Types);
        opts.crd_documents.push(Document::new("crd.yaml", 0, crd));
        let known = CrdSchemas::new(opts.crd_documents.iter());
        let text = "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec: {size: big}\n---\napiVersion: other.example.com/v1\nkind: Gadget\nmetadata: {name: g}\n";
        let r = lint_chunk(&chunk(text), &opts, Keep::Custom, Some(&known));
        let (findings, n, kept) = r.outcome.unwrap_or_else(|_| panic!("chunk parses"));
        assert_eq!(n, 2);
        let kinds: Vec<&str> = kept.iter().map(|d| d.kind.as_str()).collect();
        assert_eq!(kinds, ["Gadget"]);
        let rules: Vec<&str> = findings.iter().filter_map(|f| f.code).collect();
        assert!(rules.contains(&"crd-schema"), "{rules:?}");
        // The Widget's unknown-kind is moot (its CRD checked it); the Gadget's stays.
        assert_eq!(rules.iter().filter(|r| **r == "unknown-kind").count(), 1);
        // Without the CRD known up front, both are kept for the end of the run.
        let r = lint_chunk(&chunk(text), &opts, Keep::Custom, None);
        let (_, _, kept) = r.outcome.unwrap_or_else(|_| panic!("chunk parses"));
        assert_eq!(kept.len(), 2);
    }
}
