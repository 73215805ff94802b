//! An index.yaml exactly as kforge writes it, read without building a YAML tree.
//!
//! Adding one archive to an index of thousands of entries used to cost nearly a full index:
//! most of it went to parsing the existing index into YAML nodes (on every core, see
//! [`super::chunked`]), only to emit the same nodes again. An index kforge wrote is in one
//! fixed layout, so each entry is recognised line by line instead: its text is kept as it is
//! (it is already what emitting its tree gives, so it is written back by copying) and only the
//! fields later steps ask for (`version`, `digest`, `created`, `urls`) are picked out.
//!
//! This is only a faster way to the same result: the reading is taken only when it is certain,
//! and anything else gives `None`, and the caller parses the whole file, which gives the
//! canonical tree or error. Certain means every line is one the emitter (`yaml::emit`) writes
//! for the tree the parser reads from it, so that emitting that tree gives these very bytes:
//!
//! - the file is `apiVersion: v1`, `entries:`, then charts, then `generated:`, and nothing else
//!   (no comment, blank line, tab, carriage return, document marker or other top-level key);
//! - charts are `  name:` keys, each with a non-empty block list of entries at four spaces;
//! - an entry, and every map in it, is `key: value` lines at one indentation, keys plain (as
//!   the emitter writes them: [`plain_is_safe`]) and strictly increasing (as sorted keys are
//!   written: no duplicates), a block map or list under a key two columns deeper, a list's
//!   items `- ` at that indentation, a map in a list starting on the item's line;
//! - a scalar is a plain string the emitter writes plain ([`plain_is_safe`], so the parser reads
//!   it as that string), a double-quoted string without escapes that the emitter would quote,
//!   `true`, `false`, `null`, a decimal integer written as Rust writes it, `{}` or `[]`;
//! - every entry has a SemVer `version` string and at least one `urls` string, as
//!   the index module requires of a read entry.
//!
//! Any other line (a literal block, a multi-line plain scalar, a flow collection, an anchor,
//! a single-quoted or escaped string, a float) makes the reading uncertain. The depth stays far
//! under the parser's limit and the size under 32 MiB (so the node count does too: see
//! [`super::chunked`]), so the full parse could not refuse what is taken here.

use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::Arc;

use crate::yaml::{Origin, SourceFile, plain_is_safe};

/// Larger indexes are parsed (a node budget argument as in [`super::chunked`]).
const MAX_BYTES: usize = 32 * 1024 * 1024;

/// Deepest indentation of a line inside an entry: 2 columns a level, far under the parser's
/// depth limit (64).
const MAX_INDENT: usize = 64;

/// Longest key taken (YAML limits an implicit key to 1024 characters).
const MAX_KEY: usize = 256;

/// An entry read by [`read`]: its text in the file and where its fields are.
#[derive(Clone, Debug)]
pub(super) struct Raw {
    /// The file the entry is in.
    pub file: Arc<SourceFile>,
    /// Its text (whole lines, each ending in a line break).
    pub span: Range<usize>,
    /// Lines of the file before it.
    pub first_line: usize,
    /// The `version` string.
    pub version: Range<usize>,
    /// The `digest` string, and where the loader places it (its key's 1-based line and column).
    pub digest: Option<(Range<usize>, usize, usize)>,
    /// The `created` string.
    pub created: Option<Range<usize>>,
    /// The `urls` strings.
    pub urls: Vec<Range<usize>>,
    /// Where the entry's map starts, as the parser reports it.
    pub origin: Origin,
}

impl Raw {
    /// Its text.
    pub fn text(&self) -> &str {
        &self.file.text[self.span.clone()]
    }

    /// A field's string.
    pub fn str(&self, r: &Range<usize>) -> &str {
        &self.file.text[r.clone()]
    }
}

/// A chart's entries as [`read`] gives them: each with its version, parsed.
pub(super) type Charts = BTreeMap<String, Vec<(semver::Version, Raw)>>;

/// The entries of the index in `file` by chart name, when it is certainly in kforge's layout
/// (see the module documentation; no other top-level key); `None` when it must be parsed.
pub(super) fn read(file: &Arc<SourceFile>) -> Option<Charts> {
    let text = file.text.as_str();
    if text.len() > MAX_BYTES || !text.ends_with('\n') || text.contains('\r') {
        return None;
    }
    let mut r = Reader {
        text,
        pos: 0,
        end: text.find('\n'),
        line: 0,
    };
    if r.current()? != "apiVersion: v1" {
        return None;
    }
    r.advance();
    if r.current()? != "entries:" {
        return None;
    }
    r.advance();
    let mut index = Charts::new();
    let mut last_name: Option<&str> = None;
    loop {
        let line = r.current()?;
        let Some(key) = line.strip_prefix("  ") else {
            break;
        };
        let name = key.strip_suffix(':')?;
        if !plain_key(name) || last_name.is_some_and(|l| l >= name) {
            return None;
        }
        last_name = Some(name);
        r.advance();
        let mut list = Vec::new();
        while r.current()?.starts_with("    - ") {
            list.push(r.entry(file)?);
        }
        if list.is_empty() {
            return None;
        }
        index.insert(name.to_string(), list);
    }
    let generated = r.current()?.strip_prefix("generated: ")?;
    scalar(generated)?;
    r.advance();
    (r.pos == text.len()).then_some(index)
}

/// A plain key as the emitter writes it.
fn plain_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= MAX_KEY
        && key.as_bytes()[0].is_ascii_alphanumeric()
        && plain_is_safe(key)
}

/// What a scalar token reads as, for the fields picked out.
enum Scalar {
    /// A string, at this range of its token.
    Str(Range<usize>),
    /// Anything else.
    Other,
}

/// A certain scalar token (see the module documentation), or `None`.
fn scalar(token: &str) -> Option<Scalar> {
    match token {
        "true" | "false" | "null" | "{}" | "[]" => return Some(Scalar::Other),
        _ => {}
    }
    if let Some(inner) = token.strip_prefix('"') {
        let inner = inner.strip_suffix('"')?;
        // Written double-quoted, without escapes: what the emitter does with a one-line string
        // that is not plain-safe and holds no character it escapes.
        let plain = !inner.is_empty() && plain_is_safe(inner);
        let escaped = inner.chars().any(|c| {
            matches!(
                c,
                '"' | '\\' | '\u{85}' | '\u{2028}' | '\u{2029}' | '\u{feff}'
            ) || c.is_control()
        });
        return (!plain && !escaped).then_some(Scalar::Str(1..1 + inner.len()));
    }
    let first = *token.as_bytes().first()?;
    if first.is_ascii_digit() || first == b'-' {
        // A decimal integer, as Rust writes an i64 (so the emitter writes it back so).
        if let Ok(i) = token.parse::<i64>()
            && i.to_string() == token
        {
            return Some(Scalar::Other);
        }
    }
    let start_ok = first.is_ascii_alphanumeric()
        || matches!(first, b'/' | b'_' | b'$')
        || (first == b'-' && token.as_bytes().get(1).is_some_and(u8::is_ascii_alphabetic));
    (start_ok && plain_is_safe(token)).then_some(Scalar::Str(0..token.len()))
}

/// The top-level fields of an entry being read.
#[derive(Default)]
struct Fields {
    version: Option<Range<usize>>,
    digest: Option<(Range<usize>, usize, usize)>,
    created: Option<Range<usize>>,
    urls: Vec<Range<usize>>,
}

/// A cursor over the lines of the text.
struct Reader<'a> {
    text: &'a str,
    /// Start of the current line.
    pos: usize,
    /// Its line break (`None` at the end of the text).
    end: Option<usize>,
    /// Lines before the current one.
    line: usize,
}

impl<'a> Reader<'a> {
    /// The current line without its break (`None` at the end).
    fn current(&self) -> Option<&'a str> {
        Some(&self.text[self.pos..self.end?])
    }

    fn advance(&mut self) {
        if let Some(end) = self.end {
            self.pos = end + 1;
            self.end = self.text[self.pos..].find('\n').map(|e| self.pos + e);
            self.line += 1;
        }
    }

    /// The current line's indentation and the rest, or `None` at the end.
    fn indented(&self) -> Option<(usize, &'a str)> {
        let line = self.current()?;
        let content = line.trim_start_matches(' ');
        Some((line.len() - content.len(), content))
    }

    /// One entry of a chart's list, the current line being its `    - ` item.
    fn entry(&mut self, file: &Arc<SourceFile>) -> Option<(semver::Version, Raw)> {
        let start = self.pos;
        let first_line = self.line;
        // The parser places a block map at its first key's `:` (the map below checks the key).
        let first = self.current()?.get(6..)?;
        let key_len = first
            .split_once(": ")
            .map_or(first.len().saturating_sub(1), |(k, _)| k.len());
        let origin = Origin::File {
            file: file.clone(),
            line: self.line + 1,
            col: 6 + key_len + 1,
        };
        let mut fields = Fields::default();
        self.map(6, true, Some(&mut fields))?;
        let version = fields.version?;
        let semver = semver::Version::parse(&self.text[version.clone()]).ok()?;
        if fields.urls.is_empty() {
            return None;
        }
        let raw = Raw {
            file: file.clone(),
            span: start..self.pos,
            first_line,
            version,
            digest: fields.digest,
            created: fields.created,
            urls: fields.urls,
            origin,
        };
        Some((semver, raw))
    }

    /// A block map whose keys are at column `level`, the current line being its first key's
    /// (after a `- ` two columns to the left when `on_item`). With `fields`, an entry's map:
    /// its fields are picked out (ranges in the whole text).
    fn map(&mut self, level: usize, on_item: bool, mut fields: Option<&mut Fields>) -> Option<()> {
        if level > MAX_INDENT {
            return None;
        }
        let mut last: Option<&str> = None;
        let mut first = true;
        loop {
            let Some(line) = self.current() else {
                return Some(());
            };
            let (indent, content) = self.indented()?;
            let starts_here = if first && on_item {
                indent == level - 2 && content.starts_with("- ")
            } else {
                if indent < level {
                    return (!first).then_some(());
                }
                indent == level
            };
            if !starts_here {
                return None;
            }
            first = false;
            let rest = &line[level..];
            let (key, value) = match rest.split_once(": ") {
                Some((k, v)) => (k, Some(v)),
                None => (rest.strip_suffix(':')?, None),
            };
            if !plain_key(key) || last.is_some_and(|l| l >= key) {
                return None;
            }
            last = Some(key);
            let value_at = self.pos + level + key.len() + 2;
            // The loader places a map's value at its key.
            let (line_no, col) = (self.line + 1, level + 1);
            match value {
                Some(token) => {
                    let s = scalar(token)?;
                    if let (Some(f), Scalar::Str(r)) = (fields.as_deref_mut(), s) {
                        let r = value_at + r.start..value_at + r.end;
                        match key {
                            "version" => f.version = Some(r),
                            "digest" => f.digest = Some((r, line_no, col)),
                            "created" => f.created = Some(r),
                            _ => {}
                        }
                    } else if fields.is_some() && key == "digest" {
                        // Not a string: its place is not kept; the parse decides.
                        return None;
                    }
                    self.advance();
                }
                None => {
                    self.advance();
                    let (indent, content) = self.indented()?;
                    if indent != level + 2 {
                        return None;
                    }
                    let urls = match fields.as_deref_mut() {
                        Some(f) if key == "urls" => Some(&mut f.urls),
                        Some(_) if key == "digest" => return None,
                        _ => None,
                    };
                    if content.starts_with("- ") {
                        self.seq(level + 2, urls)?;
                    } else {
                        self.map(level + 2, false, None)?;
                    }
                }
            }
        }
    }

    /// A block list whose `- ` items are at column `level`, the current line being its first.
    /// With `strings`, its string items are gathered (ranges in the whole text).
    fn seq(&mut self, level: usize, mut strings: Option<&mut Vec<Range<usize>>>) -> Option<()> {
        if level > MAX_INDENT {
            return None;
        }
        let mut first = true;
        loop {
            let Some(line) = self.current() else {
                return Some(());
            };
            let (indent, content) = self.indented()?;
            if indent < level && !first {
                return Some(());
            }
            if indent != level || !content.starts_with("- ") {
                return None;
            }
            first = false;
            let item = &line[level + 2..];
            if item.starts_with("- ") || item.is_empty() {
                return None;
            }
            if item.contains(": ") || item.ends_with(':') {
                // A map starting on the item's line (a plain scalar never holds `: ` nor
                // ends in `:`; a quoted one would be refused by the key check).
                self.map(level + 2, true, None)?;
                continue;
            }
            let s = scalar(item)?;
            if let (Some(v), Scalar::Str(r)) = (strings.as_deref_mut(), s) {
                let at = self.pos + level + 2;
                v.push(at + r.start..at + r.end);
            }
            self.advance();
        }
    }
}

#[cfg(test)]
#[path = "canonical_tests.rs"]
mod tests;
