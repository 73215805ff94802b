//! Components: the workloads of one application (`components.<name>` in the values). Every key
//! outside `components` is shared: each component's values are the shared values with its own
//! merged over them, as an overlay is merged over base. A project without `components` is one
//! unnamed component, rendered exactly as before components existed.

use crate::yaml::{Node, Value};

use super::merge::{merge_keeping_nulls, merge_overlay};

/// The key holding the components.
pub const COMPONENTS: &str = "components";

/// One component to render: its name (none for a one-component project) and its values.
pub struct Component {
    /// The name, a DNS-1123 label (checked by the values schema).
    pub name: Option<String>,
    /// The shared values with the component's merged over them, without `components`.
    pub values: Node,
}

/// Each component's own values folded across `layers` (lowest first) with their `null`s kept,
/// so that a `null` in a component deletes the shared key of that name even when the layer
/// that wrote it also created the component (the layer merge drops such `null`s from `root`).
pub fn own_values(layers: &[Node]) -> Option<Node> {
    let mut own: Option<Node> = None;
    for layer in layers {
        let Some(listed) = layer.get_path(&[COMPONENTS]) else {
            continue;
        };
        match &mut own {
            Some(o) if matches!(listed.value, Value::Map(_)) => {
                merge_keeping_nulls(o, listed.clone());
            }
            // `components: null` (or a scalar, which the schema refuses) starts over.
            _ => own = Some(listed.clone()),
        }
    }
    own
}

/// The components of merged values, in the order the values list them. `own` gives each
/// component's own values with their `null`s (see [`own_values`]).
pub fn components(root: &Node, own: Option<&Node>) -> Vec<Component> {
    let listed = root
        .get_path(&[COMPONENTS])
        .and_then(Node::as_map)
        .filter(|m| !m.is_empty());
    let Some(listed) = listed else {
        return vec![Component {
            name: None,
            values: root.clone(),
        }];
    };
    let mut shared = root.clone();
    if let Value::Map(m) = &mut shared.value {
        m.shift_remove(COMPONENTS);
    }
    listed
        .iter()
        .map(|(name, merged)| {
            let mut values = shared.clone();
            // The nulls recorded per layer, under what the layers (and `--set`) left: a key
            // set again after its `null` is kept, a key only deleted stays `null` and so
            // deletes the shared key.
            let mut mine = match own.and_then(|o| o.get_path(&[name.as_str()])) {
                Some(with_nulls) => with_nulls.clone(),
                None => Node::new(Value::Map(Default::default()), merged.origin.clone()),
            };
            merge_keeping_nulls(&mut mine, merged.clone());
            merge_overlay(&mut values, mine);
            Component {
                name: Some(name.clone()),
                values,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::{Limits, SourceFile, parse_documents};

    fn node(text: &str) -> Node {
        let file = SourceFile::new("t.yaml", text.to_string());
        parse_documents(&file.text, &file, Limits::default())
            .unwrap()
            .remove(0)
    }

    #[test]
    fn shared_values_under_each_components_own() {
        let root = node(
            "image: {repository: app, tag: '1'}\nreplicaCount: 2\ncomponents:\n  web: {}\n  worker:\n    replicaCount: 5\n    image: {tag: '2'}\n",
        );
        let got = components(&root, own_values(std::slice::from_ref(&root)).as_ref());
        let names: Vec<_> = got.iter().map(|c| c.name.clone().unwrap()).collect();
        assert_eq!(names, ["web", "worker"]);
        let worker = &got[1].values;
        assert!(worker.get_path(&["components"]).is_none());
        assert_eq!(
            worker
                .get_path(&["image", "repository"])
                .and_then(Node::as_str),
            Some("app")
        );
        assert_eq!(
            worker.get_path(&["image", "tag"]).and_then(Node::as_str),
            Some("2")
        );
        let replicas = |n: &Node| crate::yaml::to_json(n.get_path(&["replicaCount"]).unwrap());
        assert_eq!(replicas(&got[0].values), 2);
        assert_eq!(replicas(worker), 5);
    }

    #[test]
    fn no_components_is_one_unnamed_component_of_all_the_values() {
        let root = node("replicaCount: 2\n");
        let got = components(&root, own_values(std::slice::from_ref(&root)).as_ref());
        assert_eq!(got.len(), 1);
        assert!(got[0].name.is_none());
        let empty = node("replicaCount: 2\ncomponents: {}\n");
        assert!(components(&empty, None)[0].name.is_none());
    }
}
