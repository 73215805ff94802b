//! A large index.yaml parsed on every core. Nearly all of an index is the block lists of
//! entries under `entries:`, written one item after another at one indentation (by Helm as
//! by kforge). Those lists are cut at their items into chunks parsed in parallel, each as a
//! piece of the file that keeps the file's line numbers; the rest of the file (the
//! skeleton, with the items' lines turned into comment lines) is parsed on its own and the
//! lists put back under their chart names.
//!
//! This is only a faster way to the same tree: anything outside that plain layout, and any
//! chunk or skeleton that does not parse cleanly, gives `None`, and the caller parses the
//! whole file in one pass, which gives the canonical result or error. Why a cut can only
//! fall between two items, or make a chunk fail:
//!
//! - a cut is a line at the items' indentation starting with `- `; a block scalar's or a
//!   plain scalar's continuation lines are indented deeper, so such a line always ends them;
//! - a quoted scalar or flow collection left open by a cut leaves its chunk unterminated,
//!   which is an error, so the whole file is parsed instead;
//! - the line before each list is a bare `name:` key, so nothing is open there either;
//! - an alias to an anchor in another chunk is an error in its chunk; anchors and aliases are
//!   refused anyway (an alias inside a chunk would be expanded against each chunk's budget,
//!   not the file's), as are tabs, carriage returns and `|+`/`>+` (keep-chomped) scalars.

use std::sync::Arc;

use crate::yaml::{Limits, Node, SourceFile, Value, parse_documents};

/// Smaller indexes are parsed in one pass: a chunked parse would gain too little.
const MIN_BYTES: usize = 256 * 1024;

/// Larger ones too: a chunk's node budget is its own, so the sum over chunks must stay under
/// the file's (20M nodes for an index); without aliases a node takes at least 2 bytes
/// (`a,` in a flow list), so 32 MiB stays under it.
const MAX_BYTES: usize = 32 * 1024 * 1024;

/// The documents of `file`, parsed in chunks, or `None` when the whole file must be parsed
/// in one pass (see the module documentation).
pub fn parse(file: &Arc<SourceFile>, limits: Limits) -> Option<Vec<Node>> {
    let text = file.text.as_str();
    if !(MIN_BYTES..=MAX_BYTES).contains(&text.len()) {
        return None;
    }
    let plan = Plan::of(text)?;
    // Each chunk is a list at the root; in the file it sits two maps deeper.
    let chunk_limits = Limits {
        max_depth: limits.max_depth.checked_sub(2)?,
        max_nodes: limits.max_nodes,
    };
    let parsed = crate::par::map(&plan.chunks, |c| {
        let piece = SourceFile::piece(file.display.clone(), &text[c.start..c.end], c.first_line);
        let mut docs = parse_documents(&piece.text, &piece, chunk_limits).ok()?;
        match (docs.pop(), docs.is_empty()) {
            (
                Some(Node {
                    value: Value::Seq(items),
                    ..
                }),
                true,
            ) => Some(items),
            _ => None,
        }
    });
    let mut docs = parse_documents(&plan.skeleton, file, limits).ok()?;
    let entries = match &mut docs.first_mut()?.value {
        Value::Map(root) => match &mut root.get_mut("entries")?.value {
            Value::Map(entries) => entries,
            _ => return None,
        },
        _ => return None,
    };
    let mut parsed = parsed.into_iter();
    for (name, chunks) in &plan.lists {
        let list = entries.get_mut(name.as_str())?;
        if !matches!(list.value, Value::Null) {
            return None;
        }
        let mut items = Vec::new();
        for _ in 0..*chunks {
            items.extend(parsed.next()??);
        }
        list.value = Value::Seq(items);
    }
    parsed.next().is_none().then_some(docs)
}

/// Where to cut: the chunks (byte ranges of whole items), the chart lists they make up (name
/// and number of chunks, in file order), and the skeleton text.
struct Plan {
    chunks: Vec<Chunk>,
    lists: Vec<(String, usize)>,
    skeleton: String,
}

struct Chunk {
    start: usize,
    end: usize,
    /// Lines of the file before the chunk.
    first_line: usize,
}

enum State {
    /// A chart name key is next (or the end of `entries`).
    Key,
    /// After `name:`, before its first item.
    List,
    /// Inside a list's items.
    Items,
}

impl Plan {
    fn of(text: &str) -> Option<Self> {
        let target = (text.len() / (crate::par::workers(usize::MAX) * 4)).max(64 * 1024);
        let mut skeleton = String::with_capacity(text.len());
        let mut chunks: Vec<Chunk> = Vec::new();
        let mut lists: Vec<(String, usize)> = Vec::new();
        let mut state = None::<State>;
        let mut entries_seen = false;
        let (mut key_indent, mut item_indent) = (None::<usize>, None::<usize>);
        let mut offset = 0;
        for (n, line) in text.split_inclusive('\n').enumerate() {
            let start = offset;
            offset += line.len();
            let body = line.strip_suffix('\n').unwrap_or(line);
            let content = body.trim_start_matches(' ');
            let indent = body.len() - content.len();
            let neutral = content.is_empty() || content.starts_with('#');
            if let Some(s) = &state {
                // `entries` ends at the next line that starts in the first column.
                if indent == 0 && !neutral {
                    if matches!(s, State::List) {
                        return None;
                    }
                    state = None;
                }
            }
            let Some(s) = &state else {
                if body.trim_end() == "entries:" {
                    if entries_seen {
                        return None;
                    }
                    entries_seen = true;
                    state = Some(State::Key);
                }
                skeleton.push_str(line);
                continue;
            };
            if body.contains(['\t', '\r']) || !safe(content) {
                return None;
            }
            let item = content == "-" || content.starts_with("- ");
            let is_key_line = |k: usize| {
                !neutral
                    && !item
                    && key_indent.is_none_or(|ki| ki == k)
                    && item_indent.is_none_or(|ii| k <= ii)
            };
            match s {
                State::Key | State::Items if is_key_line(indent) => {
                    let name = content.trim_end().strip_suffix(':')?;
                    if name.is_empty()
                        || !name
                            .bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
                    {
                        return None;
                    }
                    key_indent = Some(indent);
                    lists.push((name.to_string(), 0));
                    state = Some(State::List);
                    skeleton.push_str(line);
                }
                State::Key => {
                    if !neutral {
                        return None;
                    }
                    skeleton.push_str(line);
                }
                State::List if neutral => skeleton.push_str(line),
                State::List | State::Items => {
                    let at_item_indent = item && item_indent.is_none_or(|ii| ii == indent);
                    if matches!(s, State::List) && !at_item_indent {
                        return None;
                    }
                    if !neutral && indent <= item_indent.unwrap_or(indent) && !at_item_indent {
                        return None;
                    }
                    if at_item_indent {
                        if key_indent.is_some_and(|k| indent < k) {
                            return None;
                        }
                        item_indent = Some(indent);
                        // A new list, or a full chunk: this item starts the next chunk.
                        let fits = matches!(s, State::Items)
                            && chunks.last().is_some_and(|c| c.end - c.start < target);
                        if !fits {
                            chunks.push(Chunk {
                                start,
                                end: start,
                                first_line: n,
                            });
                            lists.last_mut()?.1 += 1;
                        }
                        state = Some(State::Items);
                    }
                    chunks.last_mut()?.end = offset;
                    skeleton.push_str("#\n");
                }
            }
        }
        if matches!(state, Some(State::List)) || chunks.is_empty() {
            return None;
        }
        Some(Self {
            chunks,
            lists,
            skeleton,
        })
    }
}

/// No anchor or alias (`&x`, `*x` where a node may start) and no keep-chomped block scalar.
fn safe(content: &str) -> bool {
    let b = content.as_bytes();
    for (i, &c) in b.iter().enumerate() {
        let node_start = i == 0 || matches!(b[i - 1], b' ' | b'[' | b'{' | b',');
        if node_start && matches!(c, b'&' | b'*') {
            return false;
        }
        if matches!(c, b'|' | b'>') && b.get(i + 1..).is_some_and(|rest| rest.contains(&b'+')) {
            // A `+` anywhere after a `|` or `>`: possibly a keep indicator; refused.
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: Limits = Limits {
        max_depth: 64,
        max_nodes: 20_000_000,
    };

    /// Same values and the same file positions, node by node.
    fn same(a: &Node, b: &Node, path: &str) {
        let at = |n: &Node| {
            n.origin
                .file_line()
                .map(|(f, l, c)| (f.display.clone(), l, c))
        };
        assert_eq!(at(a), at(b), "origin of {path}");
        match (&a.value, &b.value) {
            (Value::Map(x), Value::Map(y)) => {
                assert_eq!(
                    x.keys().collect::<Vec<_>>(),
                    y.keys().collect::<Vec<_>>(),
                    "{path}"
                );
                for (k, v) in x {
                    same(v, &y[k], &format!("{path}.{k}"));
                }
            }
            (Value::Seq(x), Value::Seq(y)) => {
                assert_eq!(x.len(), y.len(), "{path}");
                for (i, (v, w)) in x.iter().zip(y).enumerate() {
                    same(v, w, &format!("{path}[{i}]"));
                }
            }
            (x, y) => assert_eq!(format!("{x:?}"), format!("{y:?}"), "{path}"),
        }
    }

    /// The chunked parse of `text`, checked against the one-pass parse when it is taken.
    fn check(text: &str) -> bool {
        let file = SourceFile::new("index.yaml", text);
        let whole = parse_documents(&file.text, &file, LIMITS);
        match parse(&file, LIMITS) {
            Some(docs) => {
                let whole = whole.expect("a chunked parse succeeds only where the whole one does");
                assert_eq!(docs.len(), whole.len());
                for (a, b) in docs.iter().zip(&whole) {
                    same(a, b, "$");
                }
                true
            }
            None => false,
        }
    }

    /// An index of `n` entries per chart, items at `item` spaces under keys at 2, with the
    /// shapes an entry can take: nested lists, flow lists, quoted, folded and literal
    /// scalars, multi-line plain scalars, comments and blank lines between items.
    fn index(charts: &[&str], n: usize, item: usize) -> String {
        let pad = " ".repeat(item);
        let mut s = String::from("# written by hand\napiVersion: v1\nentries:\n");
        for name in charts {
            s.push_str(&format!("  {name}:\n"));
            for i in 0..n {
                s.push_str(&format!(
                    "{pad}- apiVersion: v2\n\
                     {pad}  name: {name}\n\
                     {pad}  version: \"1.{i}.0\"\n\
                     {pad}  description: a plain scalar\n\
                     {pad}    that goes on to a second line\n\
                     {pad}  keywords: [a, \"b c\", 'd''e']\n\
                     {pad}  notes: |-\n\
                     {pad}    - looks like an item\n\
                     {pad}    {{ and a brace\n\
                     {pad}  folded: >\n\
                     {pad}    text\n\
                     \n\
                     {pad}  urls:\n\
                     {pad}  - {name}-1.{i}.0.tgz\n\
                     {pad}  digest: 'x''y'\n"
                ));
                if i % 7 == 0 {
                    s.push_str("# a comment between items\n\n");
                }
            }
        }
        s.push_str("generated: \"2026-01-01T00:00:00Z\"\nserverInfo: {}\n");
        s
    }

    #[test]
    fn chunked_parse_gives_the_one_pass_tree_or_declines() {
        // kforge's layout (items under their key) and Helm's (items at the key's indentation).
        for item in [4, 2] {
            let text = index(&["alpha", "beta-chart", "c.d"], 700, item);
            assert!(text.len() > MIN_BYTES);
            assert!(
                check(&text),
                "item indentation {item}: the chunked parse was not taken"
            );
        }
        // Declined: anchors, keep-chomped scalars, tabs, a list with no items, a second
        // `entries:` line, an entries map written in flow style.
        let base = index(&["alpha"], 2000, 4);
        let cut = base
            .find("    - apiVersion: v2\n      name: alpha\n      version: \"1.5.0\"")
            .unwrap();
        for (what, text) in [
            (
                "anchor",
                base.replacen("description: a plain", "description: &x a plain", 1),
            ),
            ("keep", base.replacen("notes: |-", "notes: |+", 1)),
            ("tab", base.replacen("digest: 'x''y'", "digest:\t'x''y'", 1)),
            (
                "empty list",
                base.replacen("entries:\n", "entries:\n  zeta:\n", 1),
            ),
            ("second entries", format!("{base}entries:\n")),
            (
                "flow",
                base.replacen("entries:\n", "entries: {}\nother:\n", 1),
            ),
        ] {
            assert!(!check(&text), "{what}: not declined");
        }
        // A quoted scalar left open across a cut: the one-pass parse decides (here, that the
        // file is broken); a chunk never passes it off as something else.
        let open = format!("{}\"{}", &base[..cut], &base[cut..]);
        assert!(!check(&open));
        let open = base.replacen("digest: 'x''y'\n", "digest: \"x\n", 3);
        assert!(!check(&open));
        // Too small to bother: one pass.
        assert!(!check(&index(&["alpha"], 10, 4)));
    }
}
