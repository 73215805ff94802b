//! Components: the workloads of one application (`components.<name>` in the values). Every key
//! outside `components` is shared: each component's values are the shared values with its own
//! merged over them, as an overlay is merged over base. A project without `components` is one
//! unnamed component, rendered exactly as before components existed.
//!
//! `components.<name>.enabled: false` declares a component that renders nothing in that
//! environment (an overlay switches it back on): an application whose components differ
//! between environments declares them all once, in base.yaml.

use crate::yaml::{Node, Value};

use super::merge::{merge_keeping_nulls, merge_overlay};

/// The key holding the components.
pub const COMPONENTS: &str = "components";

/// A component's switch: `components.<name>.enabled` (default true). Not a value the templates
/// see: it is taken out of the component's merged values.
pub const ENABLED: &str = "enabled";

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

/// The components to render, in the order the values list them: those switched off
/// (`enabled: false`) are left out. `own` gives each component's own values with their `null`s
/// (see [`own_values`]). Values without components are one unnamed component of all of them;
/// values whose components are all switched off have none, and render nothing.
pub fn components(root: &Node, own: Option<&Node>) -> Vec<Component> {
    declared(root, own)
        .into_iter()
        .filter_map(|(c, on)| on.then_some(c))
        .collect()
}

/// The components declared but switched off (`enabled: false`) in these values, with their
/// merged values: not rendered, but checked like the others (a typo in one is found before the
/// environment that switches it on is deployed).
pub fn switched_off(root: &Node, own: Option<&Node>) -> Vec<Component> {
    declared(root, own)
        .into_iter()
        .filter_map(|(c, on)| (!on).then_some(c))
        .collect()
}

/// Every declared component with its merged values (its switch taken out) and whether it is
/// switched on. A switch that is not a boolean counts as on: the values schema reports it.
fn declared(root: &Node, own: Option<&Node>) -> Vec<(Component, bool)> {
    let listed = root
        .get_path(&[COMPONENTS])
        .and_then(Node::as_map)
        .filter(|m| !m.is_empty());
    let Some(listed) = listed else {
        return vec![(
            Component {
                name: None,
                values: root.clone(),
            },
            true,
        )];
    };
    let mut shared = root.clone();
    if let Value::Map(m) = &mut shared.value {
        m.shift_remove(COMPONENTS);
    }
    listed
        .iter()
        .map(|(name, merged)| {
            let on = !matches!(
                merged.get_path(&[ENABLED]).map(|n| &n.value),
                Some(Value::Bool(false))
            );
            let mut values = shared.clone();
            // The nulls recorded per layer, under what the layers (and `--set`) left: a key
            // set again after its `null` is kept, a key only deleted stays `null` and so
            // deletes the shared key.
            let mut mine = match own.and_then(|o| o.get_path(&[name.as_str()])) {
                Some(with_nulls) => with_nulls.clone(),
                None => Node::new(Value::Map(Default::default()), merged.origin.clone()),
            };
            merge_keeping_nulls(&mut mine, merged.clone());
            if let Value::Map(m) = &mut mine.value {
                m.shift_remove(ENABLED);
            }
            merge_overlay(&mut values, mine);
            (
                Component {
                    name: Some(name.clone()),
                    values,
                },
                on,
            )
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

    #[test]
    fn a_component_switched_off_is_not_rendered_and_its_switch_is_no_value() {
        let base = node(
            "replicaCount: 2\ncomponents:\n  web: {}\n  worker: {enabled: false, replicaCount: 5}\n",
        );
        let prod = node("components:\n  worker: {enabled: true}\n");
        let names = |root: &Node, layers: &[Node]| -> Vec<String> {
            components(root, own_values(layers).as_ref())
                .into_iter()
                .map(|c| c.name.unwrap())
                .collect()
        };
        assert_eq!(names(&base, std::slice::from_ref(&base)), ["web"]);
        let off = switched_off(&base, own_values(std::slice::from_ref(&base)).as_ref());
        assert_eq!(off.len(), 1);
        assert!(off[0].values.get_path(&[ENABLED]).is_none());
        let mut merged = base.clone();
        crate::values::merge_overlay(&mut merged, prod.clone());
        let layers = [base, prod];
        assert_eq!(names(&merged, &layers), ["web", "worker"]);
        let worker = &components(&merged, own_values(&layers).as_ref())[1];
        assert!(worker.values.get_path(&[ENABLED]).is_none());
        // Every component switched off: nothing to render, not the top level as one component.
        let none = node("components:\n  web: {enabled: false}\n");
        assert!(components(&none, None).is_empty());
    }
}
