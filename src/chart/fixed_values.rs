//! A packaged chart takes no values: its templates are the rendered manifests, so a value given
//! at install time would do nothing. The chart says so three ways: `values.yaml` holds only a
//! comment (what `helm show values` prints), `values.schema.json` refuses every value Helm does
//! not pass by itself, with the way to change them in its error, and the merged values the chart
//! was rendered from travel beside them as `kforge-values.yaml`, which Helm does not read as
//! values.
//!
//! Checked with real Helm 4 (tests/helm.rs): with no values Helm validates `{}` for a chart
//! installed on its own and `{"global": {}}` for a chart that is a dependency of another; for
//! values it refuses it prints, per key, `at '': invalid propertyName 'replicaCount'` followed by
//! `at '': value must be '<the message>'`. Helm prints no `title` or `description`; a
//! `propertyNames` `const` is the keyword whose failure quotes our text.

use serde_json::{Value as Json, json};

/// The chart file holding the merged values the chart was rendered from (provenance only).
pub const PROVENANCE_VALUES: &str = "kforge-values.yaml";

/// The key Helm adds to the values of a chart that is a dependency of another: the parent's
/// global values, `{}` when it has none.
const GLOBAL: &str = "global";

/// What Helm, Argo CD or Flux print when given values for the chart of `env`, whose overlay is
/// `overlay` (as shown in the project, e.g. `environments/prod.yaml`).
pub fn fixed_values_message(overlay: &str) -> String {
    format!(
        "this chart was rendered by kforge: its values are fixed; change {overlay} in the project and build a new version ({PROVENANCE_VALUES} in the chart holds the values it was rendered from)"
    )
}

/// `values.schema.json`: accepts `{}` and `{"global": {}}`, nothing else; every other key fails
/// with `message` ([`fixed_values_message`]) in Helm's error. Draft-07, the draft every Helm 3
/// and 4 reads (Helm 3 before 3.18 knows no later one).
pub fn values_schema(chart: &str, env: &str, message: &str) -> String {
    let mut global = serde_json::Map::new();
    global.insert(message.to_string(), Json::Bool(false));
    let mut properties = serde_json::Map::new();
    properties.insert(
        GLOBAL.to_string(),
        json!({
            "description": "Helm gives a chart that is a dependency of another its parent's global values ({} when there are none); this chart takes none.",
            "type": "object",
            "propertyNames": {"const": message},
            "properties": global,
        }),
    );
    // A key spelled as the message itself still fails.
    properties.insert(message.to_string(), Json::Bool(false));
    let schema = json!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": format!("{chart} ({env}), rendered by kforge"),
        "description": message,
        "type": "object",
        "properties": properties,
        "propertyNames": {
            "if": {"not": {"const": GLOBAL}},
            "then": {"const": message},
        },
    });
    format!("{schema:#}\n")
}

/// `values.yaml`: no values, only a comment saying why (what `helm show values` prints).
pub fn values_yaml(env: &str, overlay: &str) -> String {
    format!(
        "# This chart was rendered by kforge from the environment `{env}`: its templates are the
# rendered manifests, so it takes no values, and values.schema.json makes Helm refuse any
# (--set, -f, the values of a Flux HelmRelease or an Argo CD Application).
# To change them: change {overlay} in the project and build a new version.
# {PROVENANCE_VALUES} holds the values the chart was rendered from.
"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn validate(schema: &str, values: &Json) -> Result<(), String> {
        let schema: Json = serde_json::from_str(schema).unwrap();
        let mut compiler = boon::Compiler::new();
        compiler
            .add_resource("file:///s.json", schema)
            .map_err(|e| e.to_string())?;
        let mut schemas = boon::Schemas::new();
        let index = compiler
            .compile("file:///s.json", &mut schemas)
            .map_err(|e| e.to_string())?;
        schemas
            .validate(values, index)
            .map_err(|e| format!("{e:#}"))
    }

    #[test]
    fn accepts_only_what_helm_passes_by_itself() {
        let message = fixed_values_message("environments/prod.yaml");
        let schema = values_schema("shop", "prod", &message);
        assert_eq!(validate(&schema, &json!({})), Ok(()));
        assert_eq!(validate(&schema, &json!({"global": {}})), Ok(()));
        for refused in [
            json!({"replicaCount": 5}),
            json!({"global": {"imageRegistry": "r"}}),
        ] {
            let err = validate(&schema, &refused).unwrap_err();
            assert!(err.contains(&message), "{refused}: {err}");
        }
        for refused in [json!({"global": 1}), json!({ message.clone(): 1 })] {
            assert!(validate(&schema, &refused).is_err(), "{refused}");
        }
    }

    #[test]
    fn the_same_inputs_give_the_same_text() {
        let m = fixed_values_message("environments/dev/");
        assert_eq!(values_schema("a", "dev", &m), values_schema("a", "dev", &m));
        assert!(
            values_yaml("dev", "environments/dev/")
                .lines()
                .all(|l| l.starts_with('#'))
        );
    }
}
