//! Scalars kubectl reads differently: `kubectl apply` reads YAML with go-yaml v2 (through
//! sigs.k8s.io/yaml), which resolves plain scalars by YAML 1.1 rules, while kforge reads YAML
//! 1.2 (the core schema). An unquoted `yes`, `no`, `on`, `off`, `y`, `n` (any case kubectl
//! takes) is a boolean to kubectl, and `1_000` or `0b101` a number; where the Kubernetes field
//! takes a string (an env value, a label, an annotation, a ConfigMap's data), the API server
//! refuses the object (`cannot unmarshal bool into Go struct field EnvVar...value of type
//! string`). Found by reading the object as kubectl would, through its kind's type.

use super::rules::rule_id;
use std::borrow::Cow;

use super::deserialize::{Findings, deserialize_all};
use super::sink::Sink;
use crate::manifest::Document;
use crate::yaml::{Node, Origin, Value, resolve_plain};

/// go-yaml v2's booleans that the YAML 1.2 core schema reads as strings.
const BOOLEANS: &[(&str, bool)] = &[
    ("y", true),
    ("Y", true),
    ("yes", true),
    ("Yes", true),
    ("YES", true),
    ("on", true),
    ("On", true),
    ("ON", true),
    ("n", false),
    ("N", false),
    ("no", false),
    ("No", false),
    ("NO", false),
    ("off", false),
    ("Off", false),
    ("OFF", false),
];

/// What go-yaml v2 reads the plain scalar `text` as, when that is not the string kforge
/// reads: a boolean, or a number written with `_` separators, a `0b` prefix or a sign before
/// a base prefix (go-yaml v2 removes `_` and parses with Go's `ParseInt(s, 0, 64)`).
pub fn as_kubectl_reads(text: &str) -> Option<Value> {
    if let Some((_, b)) = BOOLEANS.iter().find(|(w, _)| *w == text) {
        return Some(Value::Bool(*b));
    }
    if !could_be_number(text) {
        return None;
    }
    number_read_differently(text)
}

/// Whether `text` could be a number to either reading: one is made of digits, letters (of a
/// base prefix, a hex digit, an exponent, `.inf`), signs, `.` and `_` only, and has a digit.
/// Anything else is a string to both, found without resolving it (most strings, and the long
/// ones of a ConfigMap's data).
fn could_be_number(text: &str) -> bool {
    text.bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'+' | b'-' | b'.'))
        && text.bytes().any(|b| b.is_ascii_digit())
}

/// The number go-yaml v2 reads `text` as, when kforge reads a string.
fn number_read_differently(text: &str) -> Option<Value> {
    if !matches!(resolve_plain(text), Value::String(_)) {
        return None;
    }
    let plain: String = text.chars().filter(|c| *c != '_').collect();
    if plain.is_empty() || !plain.bytes().any(|b| b.is_ascii_digit()) {
        return None;
    }
    let (neg, body) = match plain.as_bytes()[0] {
        b'-' => (true, &plain[1..]),
        b'+' => (false, &plain[1..]),
        _ => (false, plain.as_str()),
    };
    let lower = body.to_ascii_lowercase();
    let (radix, digits) = if let Some(d) = lower.strip_prefix("0x") {
        (16, d)
    } else if let Some(d) = lower.strip_prefix("0o") {
        (8, d)
    } else if let Some(d) = lower.strip_prefix("0b") {
        (2, d)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, &lower[1..])
    } else {
        (10, lower.as_str())
    };
    if !digits.is_empty()
        && let Ok(v) = i64::from_str_radix(digits, radix)
    {
        return Some(Value::Int(if neg { -v } else { v }));
    }
    match resolve_plain(&plain) {
        v @ Value::Float(_) if plain != text => Some(v),
        _ => None,
    }
}

/// Whether the scalar `text` at `origin` was written plain (unquoted, untagged). A map
/// value's origin is its key's position (`key` is then the key); a list item's is its own.
fn written_plain(origin: &Origin, key: Option<&str>, text: &str) -> bool {
    let Some((file, line, col)) = origin.file_line() else {
        return false;
    };
    let Some(line_text) = file.line_text(line) else {
        return false;
    };
    let start = line_text
        .char_indices()
        .nth(col.saturating_sub(1))
        .map_or(line_text.len(), |(i, _)| i);
    let mut rest = &line_text[start..];
    if let Some(key) = key {
        rest = match rest.chars().next() {
            Some(q @ ('"' | '\'')) => match rest[1..].find(q) {
                Some(end) => &rest[end + 2..],
                None => return false,
            },
            _ => match rest.strip_prefix(key) {
                Some(r) => r,
                None => return false,
            },
        };
        rest = rest.trim_start_matches([' ', '\t']);
        let Some(r) = rest.strip_prefix(':') else {
            return false;
        };
        rest = r.trim_start_matches([' ', '\t']);
        if rest.is_empty() || rest.starts_with('#') {
            // The value is on a line of its own below.
            let Some(next) = (line + 1..line + 64)
                .map_while(|l| file.line_text(l))
                .map(str::trim_start)
                .find(|l| !l.is_empty() && !l.starts_with('#'))
            else {
                return false;
            };
            rest = next;
        }
    }
    let Some(after) = rest.strip_prefix(text) else {
        return false;
    };
    matches!(
        after.chars().next(),
        None | Some(' ' | '\t' | ',' | '}' | ']' | '#')
    )
}

/// The plain scalars of `node` that kubectl reads as something else: (path, kubectl's value).
fn differing<'a>(
    node: &'a Node,
    key: Option<&str>,
    tokens: &mut Vec<Cow<'a, str>>,
    out: &mut Vec<(Vec<String>, Value)>,
) {
    match &node.value {
        Value::String(s) => {
            if let Some(v) = as_kubectl_reads(s)
                && written_plain(&node.origin, key, s)
            {
                out.push((tokens.iter().map(|t| t.to_string()).collect(), v));
            }
        }
        Value::Map(m) => {
            for (k, v) in m {
                tokens.push(Cow::Borrowed(k));
                differing(v, Some(k), tokens, out);
                tokens.pop();
            }
        }
        Value::Seq(items) => {
            for (i, v) in items.iter().enumerate() {
                tokens.push(Cow::Owned(i.to_string()));
                differing(v, None, tokens, out);
                tokens.pop();
            }
        }
        _ => {}
    }
}

fn set(node: &mut Node, tokens: &[String], value: Value) {
    let mut cur = node;
    for t in tokens {
        let next = match &mut cur.value {
            Value::Map(m) => m.get_mut(t.as_str()),
            Value::Seq(a) => t.parse::<usize>().ok().and_then(|i| a.get_mut(i)),
            _ => None,
        };
        match next {
            Some(n) => cur = n,
            None => return,
        }
    }
    cur.value = value;
}

/// Most scalars of one object judged (each is one more reading of the object).
const MAX_JUDGED: usize = 100;

/// Reports every plain scalar of `node` (the object as its kind's type reads it, `check`,
/// which found `findings`) that kubectl reads as a boolean or a number where the field takes
/// a string. Returns the paths of kforge's own `invalid-type` findings that kubectl's reading
/// makes right (`tty: yes` is the boolean kubectl expects): those are reported here instead,
/// as a warning, and are to be dropped.
pub fn check(
    doc: &Document,
    node: &Node,
    check: fn(&Node) -> Findings,
    findings: &Findings,
    sink: &mut Sink<'_>,
) -> Vec<Vec<String>> {
    let mut found = Vec::new();
    differing(node, None, &mut Vec::new(), &mut found);
    let mut right_for_kubectl = Vec::new();
    for (tokens, v) in found.into_iter().take(MAX_JUDGED) {
        let Some(text) = node.pointer(&tokens).and_then(Node::as_str) else {
            continue;
        };
        let mut as_kubectl = node.clone();
        set(&mut as_kubectl, &tokens, v.clone());
        let wrong = |f: &Findings| {
            f.iter()
                .any(|(t, id, _)| *id == rule_id!("invalid-type") && *t == tokens)
        };
        let read = match &v {
            Value::Bool(b) => format!("the boolean {b}"),
            Value::Int(i) => format!("the number {i}"),
            Value::Float(f) => format!("the number {f}"),
            _ => continue,
        };
        match (wrong(findings), wrong(&deserialize_all(check, &as_kubectl))) {
            (false, true) => sink.report(
                rule_id!("ambiguous-scalar"),
                doc,
                &tokens,
                format!(
                    "`{text}` unquoted is {read} to kubectl (YAML 1.1), and this field takes a string: the API server refuses the object; write \"{text}\""
                ),
            ),
            (true, false) => {
                sink.report_as(
                    rule_id!("ambiguous-scalar"),
                    Some(crate::diag::Severity::Warning),
                    doc,
                    &tokens,
                    format!(
                        "`{text}` unquoted is {read} to kubectl (YAML 1.1), which this field takes, but a string to YAML 1.2 readers (kforge, yq, most editors); write {}",
                        match &v {
                            Value::Bool(b) => b.to_string(),
                            Value::Int(i) => i.to_string(),
                            Value::Float(f) => f.to_string(),
                            _ => String::new(),
                        }
                    ),
                );
                right_for_kubectl.push(tokens);
            }
            _ => {}
        }
    }
    right_for_kubectl
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_kubectl_reads_differently() {
        for (t, b) in [("yes", true), ("Off", false), ("y", true), ("N", false)] {
            assert!(
                matches!(as_kubectl_reads(t), Some(Value::Bool(x)) if x == b),
                "{t}"
            );
        }
        assert!(matches!(as_kubectl_reads("1_000"), Some(Value::Int(1000))));
        assert!(matches!(as_kubectl_reads("0b101"), Some(Value::Int(5))));
        assert!(matches!(as_kubectl_reads("+0x1F"), Some(Value::Int(31))));
        // Read alike by both (or a string to both): nothing.
        for t in [
            "true",
            "no-op",
            "yes please",
            "10",
            "1.5",
            "0x1F",
            "a_b",
            "v1_2",
            "_",
        ] {
            assert!(as_kubectl_reads(t).is_none(), "{t}");
        }
    }

    #[test]
    fn what_is_skipped_as_no_number_is_no_number() {
        // Every string of up to three characters from an alphabet with each kind of
        // character: the quick test never skips one the full reading takes as a number.
        let alphabet = [
            "0", "1", "9", "x", "b", "o", "e", "E", "a", "f", "_", "+", "-", ".", " ", ":", "i",
            "n",
        ];
        let mut texts = vec![String::new()];
        for _ in 0..3 {
            let longer: Vec<String> = texts
                .iter()
                .flat_map(|t| alphabet.iter().map(move |c| format!("{t}{c}")))
                .collect();
            texts.extend(longer);
        }
        texts.extend(["1 000", "0x1F:", "1_0.5e3", ".inf", "-.5", "1__0"].map(String::from));
        let mut numbers = 0;
        for t in &texts {
            let full = number_read_differently(t);
            numbers += usize::from(full.is_some());
            assert!(could_be_number(t) || full.is_none(), "{t:?}");
        }
        assert!(numbers > 100, "{numbers}");
    }
}
