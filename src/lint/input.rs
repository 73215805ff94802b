//! Manifests to lint from files, folders (recursively `*.yaml`, `*.yml`, `*.json`) and stdin:
//! multi-document YAML, JSON, and `kind: List` (each item becomes its own object, keeping its
//! position in the file).

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::diag::{Diagnostic, Diagnostics};
use crate::project::{read_dir_sorted, text_from_bytes};
use crate::render::Document;
use crate::yaml::{Limits, Node, Origin, SourceFile, Value, parse_documents_keeping_duplicates};

/// Largest single input (a file or stdin).
pub const MAX_INPUT_BYTES: u64 = 512 * 1024 * 1024;

/// Reads every input; problems with any of them (unreadable, not YAML) are all reported.
pub fn read_inputs(paths: &[PathBuf]) -> Result<Vec<Document>, Diagnostics> {
    let mut files = Vec::new();
    let mut problems = Vec::new();
    for p in paths {
        if p.as_os_str() == "-" {
            files.push(p.clone());
        } else if p.is_dir() {
            if let Err(e) = walk(p, &mut files, 0) {
                problems.push(e);
            }
        } else {
            files.push(p.clone());
        }
    }
    let mut docs = Vec::new();
    for f in files {
        match read_one(&f) {
            Ok(mut d) => docs.append(&mut d),
            Err(mut d) => problems.append(&mut d),
        }
    }
    if problems.is_empty() {
        Ok(docs)
    } else {
        Err(Diagnostics(problems))
    }
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>, depth: usize) -> Result<(), Diagnostic> {
    if depth > 64 {
        return Err(Diagnostic::error(format!(
            "{}: folders nested more than 64 deep (a symlink loop?)",
            dir.display()
        )));
    }
    let entries = read_dir_sorted(dir).map_err(|e| Diagnostic::error(e.to_string()))?;
    for p in entries {
        let hidden = p
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with('.'));
        if hidden {
            continue;
        }
        if p.is_dir() {
            walk(&p, out, depth + 1)?;
        } else if matches!(
            p.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml" | "json")
        ) {
            out.push(p);
        }
    }
    Ok(())
}

fn read_one(path: &Path) -> Result<Vec<Document>, Vec<Diagnostic>> {
    let one = |d: Diagnostic| vec![d];
    let (display, bytes) = if path.as_os_str() == "-" {
        let mut bytes = Vec::new();
        std::io::stdin()
            .lock()
            .take(MAX_INPUT_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| one(Diagnostic::error(format!("reading stdin: {e}"))))?;
        ("<stdin>".to_string(), bytes)
    } else {
        let display = path.display().to_string();
        let meta = std::fs::metadata(path)
            .map_err(|e| one(Diagnostic::error(format!("{display}: {e}"))))?;
        if meta.len() > MAX_INPUT_BYTES {
            return Err(one(Diagnostic::error(format!(
                "{display} is {} bytes, over the {MAX_INPUT_BYTES}-byte limit",
                meta.len()
            ))));
        }
        let mut bytes = Vec::new();
        std::fs::File::open(path)
            .and_then(|f| f.take(MAX_INPUT_BYTES + 1).read_to_end(&mut bytes))
            .map_err(|e| one(Diagnostic::error(format!("{display}: {e}"))))?;
        (display, bytes)
    };
    if bytes.len() as u64 > MAX_INPUT_BYTES {
        return Err(one(Diagnostic::error(format!(
            "{display} is over the {MAX_INPUT_BYTES}-byte limit"
        ))));
    }
    let text = text_from_bytes(bytes, Path::new(&display))
        .map_err(|e| one(Diagnostic::error(e.to_string())))?;
    let file = SourceFile::new(display.clone(), text);
    let limits = Limits {
        max_depth: 128,
        max_nodes: 20_000_000,
    };
    let nodes =
        parse_documents_keeping_duplicates(&file.text, &file, limits).map_err(|e| one(e.into()))?;
    let mut docs = Vec::new();
    for (index, (node, dups)) in nodes.into_iter().enumerate() {
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
        let is_list = node.get_path(&["kind"]).and_then(Node::as_str) == Some("List")
            || node
                .get_path(&["kind"])
                .and_then(Node::as_str)
                .is_some_and(|k| k.ends_with("List") && node.get_path(&["items"]).is_some());
        match (is_list, node.get_path(&["items"]).map(|n| &n.value)) {
            (true, Some(Value::Seq(items))) => {
                for item in items {
                    let mut doc = Document::new(&display, index, item.clone());
                    doc.duplicate_keys = within(&dups, item);
                    docs.push(doc);
                }
            }
            _ => {
                let mut doc = Document::new(&display, index, node);
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
