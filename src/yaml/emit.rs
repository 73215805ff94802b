//! Block-style YAML emitter. Hand-written because serde_yaml 0.9 quotes by YAML 1.2 rules only
//! and leaves `on`, `no`, `1_000`, `12:30:00` plain, which `kubectl apply` (YAML 1.1) misreads.
//!
//! Format: two-space indentation, sequences indented under their key, strings plain only when
//! [`plain_is_safe`], multi-line strings as literal blocks when that is lossless, otherwise
//! double-quoted with escapes that YAML 1.1 and 1.2 share.

use std::fmt::Write;

use super::scalar::plain_is_safe;
use super::{Node, Value};

/// Emits one document (without the `---` separator), ending in a newline.
pub fn emit_document(node: &Node) -> String {
    let mut out = String::new();
    match &node.value {
        Value::Map(m) if !m.is_empty() => emit_map(&mut out, node, 0),
        Value::Seq(s) if !s.is_empty() => emit_seq(&mut out, node, 0),
        Value::String(s) => {
            out.push_str(&double_quoted(s));
            out.push('\n');
        }
        _ => {
            emit_inline_scalar(&mut out, &node.value, 0);
            out.push('\n');
        }
    }
    out
}

/// A map key as it would be emitted (quoted when needed).
pub fn emit_scalar_key(key: &str) -> String {
    if plain_is_safe(key) {
        key.to_owned()
    } else {
        double_quoted(key)
    }
}

fn indent(out: &mut String, n: usize) {
    out.extend(std::iter::repeat_n(' ', n));
}

fn emit_map(out: &mut String, node: &Node, level: usize) {
    let Value::Map(m) = &node.value else { return };
    let mut first = true;
    for (key, value) in m {
        if !first || !out.ends_with("- ") {
            indent(out, level);
        }
        first = false;
        out.push_str(&emit_scalar_key(key));
        out.push(':');
        emit_value_after_key(out, value, level);
    }
}

fn emit_seq(out: &mut String, node: &Node, level: usize) {
    let Value::Seq(items) = &node.value else {
        return;
    };
    emit_seq_items(out, items, level);
}

/// Block sequence items at indentation `level`, as they appear under a map key (so a long
/// sequence can be emitted in parts and the parts joined).
pub fn emit_seq_items(out: &mut String, items: &[Node], level: usize) {
    let mut first = true;
    for item in items {
        if !first || !out.ends_with("- ") {
            indent(out, level);
        }
        first = false;
        out.push_str("- ");
        match &item.value {
            Value::Map(m) if !m.is_empty() => emit_map(out, item, level + 2),
            Value::Seq(s) if !s.is_empty() => emit_seq(out, item, level + 2),
            other => {
                emit_inline_scalar(out, other, level + 2);
                out.push('\n');
            }
        }
    }
}

fn emit_value_after_key(out: &mut String, value: &Node, level: usize) {
    match &value.value {
        Value::Map(m) if !m.is_empty() => {
            out.push('\n');
            emit_map(out, value, level + 2);
        }
        Value::Seq(s) if !s.is_empty() => {
            out.push('\n');
            emit_seq(out, value, level + 2);
        }
        other => {
            out.push(' ');
            emit_inline_scalar(out, other, level + 2);
            out.push('\n');
        }
    }
}

/// A scalar (or empty collection) on the current line; block literals continue below at
/// `block_indent`.
fn emit_inline_scalar(out: &mut String, value: &Value, block_indent: usize) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Value::Float(f) => out.push_str(&format_float(*f)),
        Value::Seq(_) => out.push_str("[]"),
        Value::Map(_) => out.push_str("{}"),
        Value::String(s) => {
            if plain_is_safe(s) {
                out.push_str(s);
            } else if literal_block_is_lossless(s) {
                emit_literal(out, s, block_indent);
            } else {
                out.push_str(&double_quoted(s));
            }
        }
    }
}

/// Floats always carry a `.` (and a signed exponent), which YAML 1.1 requires of a float.
fn format_float(f: f64) -> String {
    if f.is_nan() {
        return ".nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 {
            ".inf".into()
        } else {
            "-.inf".into()
        };
    }
    let s = format!("{f:?}");
    let (mantissa, exp) = match s.split_once('e') {
        Some((m, e)) => (m.to_string(), Some(e.to_string())),
        None => (s, None),
    };
    let mantissa = if mantissa.contains('.') {
        mantissa
    } else {
        format!("{mantissa}.0")
    };
    match exp {
        Some(e) if e.starts_with('-') => format!("{mantissa}e{e}"),
        Some(e) => format!("{mantissa}e+{e}"),
        None => mantissa,
    }
}

fn literal_block_is_lossless(s: &str) -> bool {
    if !s.contains('\n') || s.starts_with([' ', '\t', '\n']) {
        return false;
    }
    let body = s.trim_end_matches('\n');
    if body.is_empty() || s.len() - body.len() > 1 {
        return false;
    }
    body.split('\n').all(|line| {
        !line.ends_with([' ', '\t'])
            && line
                .chars()
                .all(|c| c == '\t' || (!c.is_control() && !is_special_break(c)))
    })
}

fn is_special_break(c: char) -> bool {
    matches!(c, '\u{85}' | '\u{2028}' | '\u{2029}' | '\u{feff}')
}

fn emit_literal(out: &mut String, s: &str, block_indent: usize) {
    out.push('|');
    if !s.ends_with('\n') {
        out.push('-');
    }
    for line in s.trim_end_matches('\n').split('\n') {
        out.push('\n');
        if !line.is_empty() {
            indent(out, block_indent);
            out.push_str(line);
        }
    }
}

/// A double-quoted scalar using only escapes common to YAML 1.1 and 1.2.
fn double_quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\0' => out.push_str("\\0"),
            '\u{85}' => out.push_str("\\N"),
            '\u{2028}' => out.push_str("\\L"),
            '\u{2029}' => out.push_str("\\P"),
            c if c.is_control() || c == '\u{feff}' => {
                let code = c as u32;
                if code <= 0xff {
                    let _ = write!(out, "\\x{code:02X}");
                } else {
                    let _ = write!(out, "\\u{code:04X}");
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Converts a node tree to JSON (maps keep their order).
pub fn to_json(node: &Node) -> serde_json::Value {
    use serde_json::Value as J;
    match &node.value {
        Value::Null => J::Null,
        Value::Bool(b) => J::Bool(*b),
        Value::Int(i) => J::from(*i),
        Value::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
        Value::String(s) => J::String(s.clone()),
        Value::Seq(items) => J::Array(items.iter().map(to_json).collect()),
        Value::Map(m) => J::Object(m.iter().map(|(k, v)| (k.clone(), to_json(v))).collect()),
    }
}

/// A node tree of JSON data (the inverse of [`to_json`]), made by kforge (`Origin::Generated`).
pub fn from_json(v: &serde_json::Value) -> Node {
    use serde_json::Value as J;
    let value = match v {
        J::Null => Value::Null,
        J::Bool(b) => Value::Bool(*b),
        J::Number(n) => n
            .as_i64()
            .map_or_else(|| Value::Float(n.as_f64().unwrap_or(0.0)), Value::Int),
        J::String(s) => Value::String(s.clone()),
        J::Array(items) => Value::Seq(items.iter().map(from_json).collect()),
        J::Object(m) => Value::Map(m.iter().map(|(k, v)| (k.clone(), from_json(v))).collect()),
    };
    Node::new(value, super::Origin::Generated)
}

#[cfg(test)]
mod tests {
    use super::super::{Limits, SourceFile, parse_documents};
    use super::*;

    fn roundtrip(text: &str) -> String {
        let docs = parse_documents(text, &SourceFile::new("t", text), Limits::default()).unwrap();
        emit_document(&docs[0])
    }

    #[test]
    fn block_layout() {
        let out = roundtrip("a: {b: [1, {c: d, e: [x]}], f: []}\ng: \"on\"\n");
        assert_eq!(
            out,
            "a:\n  b:\n    - 1\n    - c: d\n      e:\n        - x\n  f: []\ng: \"on\"\n"
        );
    }

    #[test]
    fn emitted_text_reparses_identically() {
        let text = "s: \"line1\\nline2\\n\"\nt: \"trailing \\n\"\nu: \"a\\u2028b\"\nv: 1.5e-7\nw: 1e300\nx: [[a, b], [c]]\n";
        let once = roundtrip(text);
        assert_eq!(roundtrip(&once), once);
        assert!(once.contains("s: |\n  line1\n  line2\n"), "{once}");
        assert!(once.contains("w: 1.0e+300"), "{once}");
        assert!(once.contains("x:\n  - - a\n    - b\n  - - c\n"), "{once}");
    }

    /// serde_yaml (YAML 1.2, libyaml) reads every emitted document as the tree we emitted.
    #[test]
    fn serde_yaml_reads_emitted_yaml_back_identically() {
        let strings = [
            "on",
            "no",
            "y",
            "~",
            "",
            "1_000",
            "012",
            "0x1F",
            "1e3",
            ".5",
            "-1",
            "12:30:00",
            "2001-12-14",
            "<<",
            "=",
            "-",
            "- x",
            "a: b",
            "a #b",
            "#x",
            "[a]",
            "{a: 1}",
            "*a",
            "&a",
            "!t",
            "%x",
            "@x",
            "`x",
            "|",
            ">",
            "'q'",
            "\"q\"",
            "l1\nl2",
            "t\n",
            "t\n\n",
            "  lead",
            "tail ",
            "\ttab",
            "x\r\ny",
            "---",
            "...",
            "{{ x }}",
            "ünï ✓",
            "a\u{2028}b",
            "\u{85}",
            "\u{1}\u{7f}",
            "500m",
            "128Mi",
            "-d",
            "--flag",
            "http://x:80/a?b=c",
        ];
        let mut m = crate::yaml::Map::default();
        for (i, s) in strings.iter().enumerate() {
            let leaf = Node::new(
                Value::String((*s).to_string()),
                super::super::Origin::Generated,
            );
            m.insert(format!("k{i}"), leaf.clone());
            m.insert((*s).to_string(), leaf.clone());
        }
        let num = |v| Node::new(v, super::super::Origin::Generated);
        m.insert(
            "n".into(),
            num(Value::Seq(vec![
                num(Value::Int(-7)),
                num(Value::Float(1.5e-7)),
                num(Value::Float(1e300)),
                num(Value::Float(2.0)),
                num(Value::Bool(true)),
                num(Value::Null),
                num(Value::Seq(vec![])),
                num(Value::Map(crate::yaml::Map::default())),
            ])),
        );
        let root = num(Value::Map(m));
        let text = emit_document(&root);
        let read: serde_json::Value = serde_yaml::from_str(&text).unwrap();
        assert_eq!(read, to_json(&root), "emitted:\n{text}");
    }
}
