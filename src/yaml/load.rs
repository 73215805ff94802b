//! Builds [`Node`] trees from yaml-rust2's event stream, with positions, duplicate-key
//! detection, merge keys (`<<`), and hard limits against alias bombs and deep nesting.

use std::collections::HashMap;
use std::sync::Arc;

use indexmap::map::Entry;
use yaml_rust2::parser::{Event, Parser, Tag};
use yaml_rust2::scanner::{Marker, TScalarStyle};

use super::{Map, Node, Origin, SourceFile, Value, resolve_plain};

/// Bounds that keep hostile input from exhausting memory or the stack.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Deepest allowed nesting of maps and sequences.
    pub max_depth: usize,
    /// Most nodes a document may grow to, counting every alias expansion.
    pub max_nodes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_depth: 128,
            max_nodes: 2_000_000,
        }
    }
}

/// A YAML syntax or structure error, with its position.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct YamlError {
    /// The file.
    pub file: Arc<SourceFile>,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub col: usize,
    /// What is wrong.
    pub message: String,
    /// What to do about it, when kforge knows.
    pub help: Option<String>,
}

enum Frame {
    Seq {
        items: Vec<Node>,
        origin: Origin,
        anchor: usize,
    },
    Map {
        entries: Map,
        key: Option<PendingKey>,
        merges: Vec<Node>,
        origin: Origin,
        anchor: usize,
    },
}

struct PendingKey {
    text: String,
    origin: Origin,
    is_merge: bool,
}

struct Builder<'a> {
    file: &'a Arc<SourceFile>,
    limits: Limits,
    stack: Vec<Frame>,
    anchors: HashMap<usize, (Node, usize)>,
    nodes: usize,
    /// Of `nodes`, those copied by alias expansions.
    alias_nodes: usize,
    docs: Vec<Node>,
    root: Option<Node>,
    /// Keep the last of duplicate keys and record them instead of failing.
    keep_duplicates: bool,
    duplicates: Vec<YamlError>,
    doc_duplicates: Vec<Vec<YamlError>>,
}

/// Parses every document of a YAML stream. Empty documents are returned as `Null` nodes;
/// a stream with no documents at all gives an empty list.
pub fn parse_documents(
    text: &str,
    file: &Arc<SourceFile>,
    limits: Limits,
) -> Result<Vec<Node>, YamlError> {
    Ok(parse(text, file, limits, false)?.0)
}

/// Like [`parse_documents`], but a duplicate key is not fatal: the last value wins (as in
/// `kubectl`'s non-strict reading) and each duplicate comes back, per document, to be reported.
pub fn parse_documents_keeping_duplicates(
    text: &str,
    file: &Arc<SourceFile>,
    limits: Limits,
) -> Result<Vec<(Node, Vec<YamlError>)>, YamlError> {
    let (docs, dups) = parse(text, file, limits, true)?;
    Ok(docs.into_iter().zip(dups).collect())
}

type Parsed = (Vec<Node>, Vec<Vec<YamlError>>);

fn parse(
    text: &str,
    file: &Arc<SourceFile>,
    limits: Limits,
    keep_duplicates: bool,
) -> Result<Parsed, YamlError> {
    let mut parser = Parser::new_from_str(text);
    let mut b = Builder {
        file,
        limits,
        stack: Vec::new(),
        anchors: HashMap::new(),
        nodes: 0,
        alias_nodes: 0,
        docs: Vec::new(),
        root: None,
        keep_duplicates,
        duplicates: Vec::new(),
        doc_duplicates: Vec::new(),
    };
    loop {
        let (event, mark) = parser.next_token().map_err(|e| {
            let m = e.marker();
            b.error_at(*m, e.info().to_string(), None)
        })?;
        match event {
            Event::StreamEnd => break,
            Event::StreamStart | Event::Nothing => {}
            Event::DocumentStart => {
                b.root = None;
                b.anchors.clear();
                b.nodes = 0;
                b.alias_nodes = 0;
            }
            Event::DocumentEnd => {
                let root = b
                    .root
                    .take()
                    .unwrap_or_else(|| Node::new(Value::Null, b.origin(mark)));
                b.docs.push(root);
                b.doc_duplicates.push(std::mem::take(&mut b.duplicates));
            }
            Event::Alias(id) => {
                let Some(size) = b.anchors.get(&id).map(|(_, size)| *size) else {
                    return Err(b.error_at(mark, "alias refers to an unknown anchor".into(), None));
                };
                // Check the budget before copying, so a bomb never allocates its expansion.
                b.alias_nodes = b.alias_nodes.saturating_add(size);
                b.count(size, mark)?;
                let node = b.anchors[&id].0.clone();
                b.attach(node, mark, false)?;
            }
            Event::Scalar(text, style, anchor, tag) => {
                let value = b.scalar_value(text, style, tag.as_ref(), mark)?;
                let origin = b.origin(mark);
                b.count(1, mark)?;
                let node = Node::new(value, origin);
                if anchor > 0 {
                    b.anchors.insert(anchor, (node.clone(), 1));
                }
                let merge_key = style == TScalarStyle::Plain && node.as_str() == Some("<<");
                b.attach(node, mark, merge_key)?;
            }
            Event::SequenceStart(anchor, tag) => {
                b.check_collection_tag(tag.as_ref(), "seq", mark)?;
                b.push(
                    Frame::Seq {
                        items: Vec::new(),
                        origin: b.origin(mark),
                        anchor,
                    },
                    mark,
                )?;
            }
            Event::MappingStart(anchor, tag) => {
                b.check_collection_tag(tag.as_ref(), "map", mark)?;
                b.push(
                    Frame::Map {
                        entries: Map::default(),
                        key: None,
                        merges: Vec::new(),
                        origin: b.origin(mark),
                        anchor,
                    },
                    mark,
                )?;
            }
            Event::SequenceEnd => {
                let Some(Frame::Seq {
                    items,
                    origin,
                    anchor,
                }) = b.stack.pop()
                else {
                    return Err(b.error_at(mark, "unbalanced sequence end".into(), None));
                };
                let node = Node::new(Value::Seq(items), origin);
                b.finish_collection(node, anchor, mark)?;
            }
            Event::MappingEnd => {
                let Some(Frame::Map {
                    mut entries,
                    merges,
                    origin,
                    anchor,
                    ..
                }) = b.stack.pop()
                else {
                    return Err(b.error_at(mark, "unbalanced mapping end".into(), None));
                };
                apply_merges(&mut entries, merges);
                let node = Node::new(Value::Map(entries), origin);
                b.finish_collection(node, anchor, mark)?;
            }
        }
    }
    Ok((b.docs, b.doc_duplicates))
}

/// `<<: *base` (or a list of them): keys of the merged maps that the map does not set itself.
fn apply_merges(entries: &mut Map, merges: Vec<Node>) {
    for source in merges {
        if let Value::Map(m) = source.value {
            for (k, v) in m {
                entries.entry(k).or_insert(v);
            }
        }
    }
}

fn node_count(node: &Node) -> usize {
    let mut count = 0;
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        count += 1;
        match &n.value {
            Value::Seq(items) => stack.extend(items.iter()),
            Value::Map(m) => stack.extend(m.values()),
            _ => {}
        }
    }
    count
}

impl Builder<'_> {
    fn origin(&self, mark: Marker) -> Origin {
        Origin::File {
            file: Arc::clone(self.file),
            line: mark.line() + self.file.first_line,
            col: mark.col() + 1,
        }
    }

    fn error_at(&self, mark: Marker, message: String, help: Option<String>) -> YamlError {
        error_in(self.file, mark, message, help)
    }

    fn count(&mut self, n: usize, mark: Marker) -> Result<(), YamlError> {
        self.nodes = self.nodes.saturating_add(n);
        if self.nodes <= self.limits.max_nodes {
            return Ok(());
        }
        let max = self.limits.max_nodes;
        // Name the bound as it was reached: copies made by aliases, or a document this big.
        let (message, help) = if self.alias_nodes > max / 2 {
            (
                format!(
                    "document expands to more than {max} nodes, {} of them copies made by aliases (an alias bomb?)",
                    self.alias_nodes
                ),
                "remove the deeply repeated aliases",
            )
        } else {
            (
                format!(
                    "document has more than {max} nodes (keys, values and list items), the limit of one YAML document"
                ),
                "split the data into several files or documents, or keep bulk data out of values",
            )
        };
        Err(self.error_at(mark, message, Some(help.into())))
    }

    fn push(&mut self, frame: Frame, mark: Marker) -> Result<(), YamlError> {
        if self.stack.len() >= self.limits.max_depth {
            return Err(self.error_at(
                mark,
                format!("nesting deeper than {} levels", self.limits.max_depth),
                None,
            ));
        }
        self.count(1, mark)?;
        self.stack.push(frame);
        Ok(())
    }

    fn finish_collection(
        &mut self,
        node: Node,
        anchor: usize,
        mark: Marker,
    ) -> Result<(), YamlError> {
        let size = if anchor > 0 { node_count(&node) } else { 0 };
        if anchor > 0 {
            self.anchors.insert(anchor, (node.clone(), size));
        }
        self.attach(node, mark, false)
    }

    fn attach(&mut self, node: Node, mark: Marker, is_merge_key: bool) -> Result<(), YamlError> {
        let file = self.file;
        match self.stack.last_mut() {
            None => {
                self.root = Some(node);
                Ok(())
            }
            Some(Frame::Seq { items, .. }) => {
                items.push(node);
                Ok(())
            }
            Some(Frame::Map {
                entries,
                key,
                merges,
                ..
            }) => match key.take() {
                None => {
                    let text = match node.value {
                        Value::String(s) => s,
                        Value::Null => "null".to_string(),
                        Value::Bool(b) => b.to_string(),
                        Value::Int(i) => i.to_string(),
                        Value::Float(f) => f.to_string(),
                        Value::Seq(_) | Value::Map(_) => {
                            return Err(error_in(
                                file,
                                mark,
                                "a map or list used as a map key is not supported".into(),
                                Some("use a plain string key".into()),
                            ));
                        }
                    };
                    *key = Some(PendingKey {
                        text,
                        origin: node.origin,
                        is_merge: is_merge_key,
                    });
                    Ok(())
                }
                Some(k) if k.is_merge => {
                    match node.value {
                        Value::Map(_) => merges.push(node),
                        Value::Seq(items) => {
                            for item in items {
                                if !matches!(item.value, Value::Map(_)) {
                                    return Err(merge_error(file, &k.origin));
                                }
                                merges.push(item);
                            }
                        }
                        _ => return Err(merge_error(file, &k.origin)),
                    }
                    Ok(())
                }
                Some(k) => {
                    let mut node = node;
                    match entries.entry(k.text) {
                        Entry::Occupied(e) => {
                            let first = e.get().origin.clone();
                            let (line, col) = match &k.origin {
                                Origin::File { line, col, .. } => (*line, *col),
                                _ => (0, 0),
                            };
                            let first_line = first.file_line().map_or(0, |(_, l, _)| l);
                            let err = YamlError {
                                file: Arc::clone(file),
                                line,
                                col,
                                message: format!(
                                    "duplicate key `{}` (first defined on line {first_line})",
                                    e.key()
                                ),
                                help: Some("remove one of the two entries".into()),
                            };
                            if !self.keep_duplicates {
                                return Err(err);
                            }
                            self.duplicates.push(err);
                            node.origin = k.origin;
                            *e.into_mut() = node;
                            Ok(())
                        }
                        Entry::Vacant(e) => {
                            node.origin = k.origin;
                            e.insert(node);
                            Ok(())
                        }
                    }
                }
            },
        }
    }

    fn scalar_value(
        &self,
        text: String,
        style: TScalarStyle,
        tag: Option<&Tag>,
        mark: Marker,
    ) -> Result<Value, YamlError> {
        let Some(tag) = tag else {
            return Ok(if style == TScalarStyle::Plain {
                resolve_plain(&text)
            } else {
                Value::String(text)
            });
        };
        if tag.handle == "!" && tag.suffix.is_empty() {
            return Ok(Value::String(text));
        }
        let core = (tag.handle == "tag:yaml.org,2002:" || tag.handle == "!!")
            .then_some(tag.suffix.as_str());
        let resolved = resolve_plain(&text);
        match (core, resolved) {
            (Some("str"), _) => Ok(Value::String(text)),
            (Some("null"), v @ Value::Null) => Ok(v),
            (Some("bool"), v @ Value::Bool(_)) => Ok(v),
            (Some("int"), v @ Value::Int(_)) => Ok(v),
            (Some("float"), v @ (Value::Float(_) | Value::Int(_))) => Ok(match v {
                Value::Int(i) => Value::Float(i as f64),
                v => v,
            }),
            (Some(kind @ ("null" | "bool" | "int" | "float")), _) => {
                Err(self.error_at(mark, format!("`{text}` is not a valid !!{kind}"), None))
            }
            _ => Err(self.error_at(
                mark,
                format!("unsupported YAML tag `{}{}`", tag.handle, tag.suffix),
                Some("remove the tag; kforge reads plain YAML data".into()),
            )),
        }
    }

    fn check_collection_tag(
        &self,
        tag: Option<&Tag>,
        want: &str,
        mark: Marker,
    ) -> Result<(), YamlError> {
        match tag {
            None => Ok(()),
            Some(t)
                if (t.handle == "tag:yaml.org,2002:" || t.handle == "!!") && t.suffix == want =>
            {
                Ok(())
            }
            Some(t) => Err(self.error_at(
                mark,
                format!("unsupported YAML tag `{}{}`", t.handle, t.suffix),
                Some("remove the tag; kforge reads plain YAML data".into()),
            )),
        }
    }
}

/// An error at a parser mark, as a position in the whole file (`file` may be a piece of it).
fn error_in(
    file: &Arc<SourceFile>,
    mark: Marker,
    message: String,
    help: Option<String>,
) -> YamlError {
    YamlError {
        file: Arc::clone(file),
        line: mark.line().max(1) + file.first_line,
        col: mark.col() + 1,
        message,
        help,
    }
}

fn merge_error(file: &Arc<SourceFile>, origin: &Origin) -> YamlError {
    let (line, col) = match origin {
        Origin::File { line, col, .. } => (*line, *col),
        _ => (0, 0),
    };
    YamlError {
        file: Arc::clone(file),
        line,
        col,
        message: "a merge key `<<` must be followed by a map or a list of maps".into(),
        help: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Vec<Node>, YamlError> {
        parse_documents(text, &SourceFile::new("t.yaml", text), Limits::default())
    }

    #[test]
    fn positions_are_one_based_and_point_at_keys() {
        let docs = parse("a: 1\nb:\n  c: x\n").unwrap();
        let c = docs[0].get_path(&["b", "c"]).unwrap();
        assert_eq!(c.origin.to_string(), "t.yaml:3:3");
        let a = docs[0].get_path(&["a"]).unwrap();
        assert_eq!(a.origin.to_string(), "t.yaml:1:1");
    }

    #[test]
    fn duplicate_keys_are_errors() {
        let err = parse("a: 1\nb: 2\na: 3\n").unwrap_err();
        assert_eq!((err.line, err.col), (3, 1));
        assert!(err.message.contains("duplicate key `a`"), "{}", err.message);
    }

    #[test]
    fn billion_laughs_is_bounded() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let p = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        let err = parse(&text).unwrap_err();
        assert!(err.message.contains("alias bomb"), "{}", err.message);
        assert!(
            err.message.contains("copies made by aliases"),
            "{}",
            err.message
        );
    }

    #[test]
    fn a_large_document_without_aliases_is_not_called_an_alias_bomb() {
        let limits = Limits {
            max_depth: 128,
            max_nodes: 1_000,
        };
        let text: String = (0..600).map(|i| format!("k{i}: v\n")).collect();
        let file = SourceFile::new("big.yaml", text.clone());
        let err = parse_documents(&text, &file, limits).unwrap_err();
        assert!(!err.message.contains("alias"), "{}", err.message);
        assert!(
            err.message.contains("more than 1000 nodes"),
            "{}",
            err.message
        );
        // A few aliases in a big document do not make it a bomb either.
        let text = format!("a: &a x\nb: *a\n{text}");
        let file = SourceFile::new("big.yaml", text.clone());
        let err = parse_documents(&text, &file, limits).unwrap_err();
        assert!(!err.message.contains("alias bomb"), "{}", err.message);
    }

    #[test]
    fn deep_nesting_is_bounded() {
        let text = "[".repeat(100_000);
        assert!(parse(&text).is_err());
    }

    #[test]
    fn merge_keys_apply() {
        let docs = parse("base: &b {x: 1, y: 2}\nm:\n  <<: *b\n  y: 3\n").unwrap();
        let m = docs[0].get_path(&["m"]).unwrap().as_map().unwrap();
        assert!(matches!(m["x"].value, Value::Int(1)));
        assert!(matches!(m["y"].value, Value::Int(3)));
    }

    #[test]
    fn tags() {
        let docs = parse("a: !!str 12\nb: !!int 7\n").unwrap();
        assert_eq!(docs[0].get_path(&["a"]).unwrap().as_str(), Some("12"));
        assert!(parse("a: !custom x\n").is_err());
    }
}
