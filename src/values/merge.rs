//! Deep merge of value layers: maps merge key by key, scalars and lists are replaced whole,
//! and an explicit `null` deletes the key.

use crate::yaml::{Node, Value};

/// Merges `overlay` into `base` in place.
pub fn merge_overlay(base: &mut Node, overlay: Node) {
    merge(base, overlay, Nulls::Delete);
}

/// Merges `overlay` into `base` in place, keeping its `null`s as values instead of applying
/// them: how a component's own values are folded across layers (base, environment, `-f`), so
/// that a `null` written in any layer still deletes the shared key when the component is merged
/// over the shared values (see the components module).
pub fn merge_keeping_nulls(base: &mut Node, overlay: Node) {
    merge(base, overlay, Nulls::Keep);
}

/// What a `null` in an overlay does.
#[derive(Clone, Copy, PartialEq)]
enum Nulls {
    /// It deletes the key (and is dropped where there is nothing to delete).
    Delete,
    /// It is kept as the value.
    Keep,
}

fn merge(base: &mut Node, overlay: Node, nulls: Nulls) {
    let tidy = |node: Node| match nulls {
        Nulls::Delete => without_nulls(node),
        Nulls::Keep => node,
    };
    match (&mut base.value, overlay.value) {
        (Value::Map(b), Value::Map(o)) => {
            for (key, value) in o {
                if nulls == Nulls::Delete && matches!(value.value, Value::Null) {
                    b.shift_remove(&key);
                    continue;
                }
                match b.get_mut(&key) {
                    Some(existing)
                        if matches!(existing.value, Value::Map(_))
                            && matches!(value.value, Value::Map(_)) =>
                    {
                        merge(existing, value, nulls);
                    }
                    Some(existing) => *existing = tidy(value),
                    None => {
                        b.insert(key, tidy(value));
                    }
                }
            }
        }
        (_, value) => *base = tidy(Node::new(value, overlay.origin)),
    }
}

/// A map from an overlay that has nothing below it: its `null` entries delete nothing and are
/// dropped, so `a: {b: null}` over no `a` gives `a: {}`.
fn without_nulls(mut node: Node) -> Node {
    if let Value::Map(m) = &mut node.value {
        m.retain(|_, v| !matches!(v.value, Value::Null));
        for v in m.values_mut() {
            let taken = std::mem::replace(v, Node::new(Value::Null, v.origin.clone()));
            *v = without_nulls(taken);
        }
    }
    node
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::{Limits, SourceFile, emit_document, parse_documents};

    fn doc(text: &str) -> Node {
        parse_documents(text, &SourceFile::new("t", text), Limits::default())
            .unwrap()
            .remove(0)
    }

    #[test]
    fn maps_merge_lists_replace_null_deletes() {
        let mut base = doc("a: {x: 1, w: [1, 2]}\nb: 1\nc: {k: v}\n");
        merge_overlay(
            &mut base,
            doc("a: {w: [3], z: 2}\nb: null\nd: {e: null, f: 1}\n"),
        );
        assert_eq!(
            emit_document(&base),
            "a:\n  x: 1\n  w:\n    - 3\n  z: 2\nc:\n  k: v\nd:\n  f: 1\n"
        );
    }

    // Deletion (`null`) is applied while folding layers bottom-up, so associativity is a
    // property of null-free overlays.
    #[test]
    fn keeping_nulls_records_them_for_a_later_merge() {
        let mut own = doc("a: {x: 1, q: 2}\n");
        merge_keeping_nulls(&mut own, doc("a: {x: null}\nb: null\n"));
        assert_eq!(emit_document(&own), "a:\n  x: null\n  q: 2\nb: null\n");
        let mut shared = doc("a: {x: 5, z: 6}\nb: 1\nc: 1\n");
        merge_overlay(&mut shared, own);
        assert_eq!(emit_document(&shared), "a:\n  z: 6\n  q: 2\nc: 1\n");
    }

    #[test]
    fn merging_maps_is_associative() {
        let (a, b, c) = (
            doc("a: {x: 1, w: {p: 1}}\nl: [1]\n"),
            doc("a: {w: {q: 2}, z: 3}\nl: [2]\n"),
            doc("a: {x: 2, w: {p: 3}}\nm: 1\n"),
        );
        let mut left = a.clone();
        merge_overlay(&mut left, b.clone());
        merge_overlay(&mut left, c.clone());
        let mut bc = b;
        merge_overlay(&mut bc, c);
        let mut right = a;
        merge_overlay(&mut right, bc);
        assert_eq!(emit_document(&left), emit_document(&right));
    }
}
