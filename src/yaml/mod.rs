//! Position-aware YAML: a small document tree whose every node remembers where it came from,
//! a loader built on yaml-rust2's event parser, and an emitter whose output reads back the same
//! under YAML 1.2 (serde_yaml) and YAML 1.1 (PyYAML, go-yaml as used by kubectl).

mod de;
mod emit;
mod load;
mod scalar;

use std::fmt;
use std::sync::Arc;

use indexmap::IndexMap;

/// A YAML mapping: keys in their written order, hashed with foldhash (seeded per process),
/// several times faster than std's SipHash on the short keys of Kubernetes objects and
/// chart indexes.
pub type Map = IndexMap<String, Node, foldhash::fast::RandomState>;

pub use de::{DeError, Track, Tracked};
pub use emit::{emit_document, emit_scalar_key, emit_seq_items, from_json, to_json};
pub use load::{Limits, YamlError, parse_documents, parse_documents_keeping_duplicates};
pub use scalar::{plain_is_safe, resolve_plain};

/// A loaded text file, kept whole so diagnostics can quote the offending line.
#[derive(Debug)]
pub struct SourceFile {
    /// Path as shown to the user (relative to the project when possible).
    pub display: String,
    /// The file's full text, or one piece of it (see [`SourceFile::piece`]).
    pub text: String,
    /// Lines of the file before `text` (0 unless this is a piece of a larger file): line
    /// numbers are always the file's own.
    pub first_line: usize,
    /// Byte offset of each line's start, built on first use (diagnostics quote lines; a
    /// linear scan per quote made reporting on big files quadratic).
    line_starts: std::sync::OnceLock<Vec<usize>>,
}

impl SourceFile {
    /// Wraps a text under a display name.
    pub fn new(display: impl Into<String>, text: impl Into<String>) -> Arc<Self> {
        Self::piece(display, text, 0)
    }

    /// A piece of a larger file that starts after its first `first_line` lines (large inputs
    /// are read and checked piece by piece, and only pieces with findings stay in memory).
    pub fn piece(
        display: impl Into<String>,
        text: impl Into<String>,
        first_line: usize,
    ) -> Arc<Self> {
        Arc::new(Self {
            display: display.into(),
            text: text.into(),
            first_line,
            line_starts: std::sync::OnceLock::new(),
        })
    }

    /// The text of 1-based line `line` of the file, without its line break (`None` when the
    /// line is not in this piece).
    pub fn line_text(&self, line: usize) -> Option<&str> {
        let line = line.checked_sub(self.first_line)?;
        let starts = self.line_starts.get_or_init(|| {
            std::iter::once(0)
                .chain(self.text.match_indices('\n').map(|(i, _)| i + 1))
                .filter(|&i| i < self.text.len())
                .collect()
        });
        let start = *starts.get(line.checked_sub(1)?)?;
        let rest = &self.text[start..];
        let end = rest.find('\n').unwrap_or(rest.len());
        Some(rest[..end].strip_suffix('\r').unwrap_or(&rest[..end]))
    }
}

/// Where a value came from: a position in a file, or a command-line argument.
#[derive(Clone, Debug)]
pub enum Origin {
    /// A position in a loaded file (1-based line and column).
    File {
        /// The file.
        file: Arc<SourceFile>,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        col: usize,
    },
    /// A `--set`-style command-line argument.
    Arg {
        /// The flag, e.g. `--set`.
        flag: &'static str,
        /// The whole argument as given.
        arg: Arc<str>,
    },
    /// Made by kforge itself (e.g. a list padded by `--set name[3]=x`).
    Generated,
}

impl Origin {
    /// The file and line, if the value came from a file.
    pub fn file_line(&self) -> Option<(&Arc<SourceFile>, usize, usize)> {
        match self {
            Origin::File { file, line, col } => Some((file, *line, *col)),
            _ => None,
        }
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::File { file, line, col } => write!(f, "{}:{line}:{col}", file.display),
            Origin::Arg { flag, arg } => match arg.char_indices().nth(200) {
                None => write!(f, "{flag} {arg}"),
                Some((cut, _)) => write!(f, "{flag} {}... ({} bytes)", &arg[..cut], arg.len()),
            },
            Origin::Generated => f.write_str("(generated)"),
        }
    }
}

/// A YAML node with its origin.
#[derive(Clone, Debug)]
pub struct Node {
    /// The data.
    pub value: Value,
    /// Where it was written: for a map entry, the position of its key.
    pub origin: Origin,
}

/// YAML data after tag resolution (YAML 1.2 core schema, as serde_yaml reads it).
#[derive(Clone, Debug)]
pub enum Value {
    /// `null`, `~` or nothing.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// An integer that fits in i64.
    Int(i64),
    /// Any other number.
    Float(f64),
    /// A string.
    String(String),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping with string keys, in document order.
    Map(Map),
}

impl Node {
    /// A node with the given value and origin.
    pub fn new(value: Value, origin: Origin) -> Self {
        Self { value, origin }
    }

    /// The map entries, if this is a map.
    pub fn as_map(&self) -> Option<&Map> {
        match &self.value {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    /// The items of the list at key path `path`; none when there is no list there.
    pub fn seq_at(&self, path: &[&str]) -> &[Node] {
        match self.get_path(path).map(|n| &n.value) {
            Some(Value::Seq(items)) => items,
            _ => &[],
        }
    }

    /// The string, if this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// Looks up a nested map entry by key path.
    pub fn get_path(&self, path: &[&str]) -> Option<&Node> {
        let mut node = self;
        for key in path {
            node = node.as_map()?.get(*key)?;
        }
        Some(node)
    }

    /// Follows a JSON pointer (`/a/0/b`, with `~0`/`~1` escapes).
    pub fn pointer(&self, tokens: &[String]) -> Option<&Node> {
        let mut node = self;
        for token in tokens {
            node = match &node.value {
                Value::Map(m) => m.get(token.as_str())?,
                Value::Seq(items) => items.get(token.parse::<usize>().ok()?)?,
                _ => return None,
            };
        }
        Some(node)
    }
}

impl Value {
    /// A short name of the type, for messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Int(_) => "integer",
            Value::Float(_) => "number",
            Value::String(_) => "string",
            Value::Seq(_) => "list",
            Value::Map(_) => "map",
        }
    }
}

/// Formats a key path like `image.tag` or `ingress.hosts[0]`, quoting keys that contain dots.
pub fn display_key_path<S: AsRef<str>>(tokens: &[S]) -> String {
    let mut out = String::new();
    for token in tokens {
        let token = token.as_ref();
        if token.chars().all(|c| c.is_ascii_digit()) && !token.is_empty() && !out.is_empty() {
            out.push_str(&format!("[{token}]"));
        } else if !token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
            || token.is_empty()
        {
            out.push_str(&format!("[{token:?}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(token);
        }
    }
    out
}
