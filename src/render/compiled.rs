//! The templates compiled for a render. Compiling is most of a small render's cost
//! (BENCHMARKS.md, round 3), so each template is compiled once per template set, and the
//! built-in templates of one workload kind ([`KIND_GUARDED`]), which render nothing
//! for a component of another kind, are compiled only when a component of their kind is
//! rendered, and not run for the others.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};

use minijinja::{AutoEscape, Environment, UndefinedBehavior};
use serde_json::Value as Json;

use super::{TemplateSet, filters, limits};

/// The built-in templates of one workload kind each, and that kind: each is one block
/// `{% if (values.kind | default("Deployment")) == "<kind>" %}...{% endif %}`, so it renders
/// nothing for a component of another kind, and is neither compiled nor run for one (a test
/// checks both the text and the claim).
const KIND_GUARDED: &[(&str, &str)] = &[
    ("cronjob.yaml", "CronJob"),
    ("daemonset.yaml", "DaemonSet"),
    ("deployment.yaml", "Deployment"),
    ("job.yaml", "Job"),
    ("statefulset.yaml", "StatefulSet"),
];

/// An environment of compiled templates, or the errors of those that did not compile.
pub(super) type Env = Result<Environment<'static>, Arc<Vec<minijinja::Error>>>;

/// The compiled templates of one set.
pub(crate) struct Compiled {
    /// Every template but the kind-guarded ones.
    base: Env,
    /// The kind-guarded templates (name, kind) left out of `base`.
    guarded: Vec<(&'static str, &'static str)>,
    /// `base` with the guarded templates of one kind, by kind.
    kinds: Mutex<BTreeMap<String, Env>>,
}

impl std::fmt::Debug for Compiled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Compiled")
            .field("guarded", &self.guarded)
            .finish_non_exhaustive()
    }
}

impl Compiled {
    fn new(set: &TemplateSet) -> Self {
        let mut env = empty(set);
        // A guarded template that a template of the project names (an include of it) is
        // compiled with the rest, as any other.
        let named_elsewhere = |name: &str| {
            set.sources()
                .any(|(other, file)| !set.is_builtin(other) && file.text.contains(name))
        };
        let guarded: Vec<(&'static str, &'static str)> = KIND_GUARDED
            .iter()
            .filter(|(name, _)| kind_guard(set, name).is_some() && !named_elsewhere(name))
            .copied()
            .collect();
        let errors: Vec<minijinja::Error> = set
            .sources()
            .filter(|(name, _)| !guarded.iter().any(|(g, _)| g == name))
            .filter_map(|(name, file)| {
                env.add_template_owned(name.to_string(), file.text.clone())
                    .err()
            })
            .collect();
        Self {
            base: if errors.is_empty() {
                Ok(env)
            } else {
                Err(Arc::new(errors))
            },
            guarded,
            kinds: Mutex::new(BTreeMap::new()),
        }
    }

    /// Whether the template `name` renders nothing for a component of `kind`, and is left out.
    pub(super) fn skipped(&self, name: &str, kind: Option<&str>) -> bool {
        self.guarded
            .iter()
            .any(|(g, k)| *g == name && Some(*k) != kind)
    }

    /// The environment for a component of `kind` (a clone, sharing the compiled templates).
    fn for_kind(&self, set: &TemplateSet, kind: Option<&str>) -> Env {
        let base = self.base.as_ref().map_err(Arc::clone)?;
        let Some(kind) = kind.filter(|k| self.guarded.iter().any(|(_, g)| g == k)) else {
            return Ok(base.clone());
        };
        let mut kinds = self.kinds.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(env) = kinds.get(kind) {
            return env.clone();
        }
        let mut env = base.clone();
        let errors: Vec<minijinja::Error> = self
            .guarded
            .iter()
            .filter(|(_, k)| *k == kind)
            .filter_map(|(name, _)| {
                let file = set.file(name)?;
                env.add_template_owned(*name, file.text.clone()).err()
            })
            .collect();
        let env = if errors.is_empty() {
            Ok(env)
        } else {
            Err(Arc::new(errors))
        };
        kinds.insert(kind.to_string(), env.clone());
        env
    }
}

/// The `kind` a renderable template renders something for, when it is a built-in template
/// that renders nothing for any other (its whole text one block guarded by
/// `(values.kind | default("Deployment")) == "<kind>"`, [`KIND_GUARDED`]); `None` for a
/// template always rendered, a project's own or a changed built-in one included.
fn kind_guard(set: &TemplateSet, name: &str) -> Option<&'static str> {
    let (_, kind) = KIND_GUARDED.iter().find(|(n, _)| *n == name)?;
    set.is_builtin(name).then_some(*kind)
}

/// An environment of kforge's settings and filters, without templates.
fn empty(set: &TemplateSet) -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_auto_escape_callback(|_| AutoEscape::Json);
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    env.set_fuel(Some(set.limits.fuel));
    env.set_formatter(limits::format_value);
    filters::register(&mut env);
    env
}

/// The environment that renders a component whose values are `values`, and what
/// `values.kind | default("Deployment")` is for it (`None` when not a string: then no guarded
/// template renders anything).
pub(super) fn environment<'v>(set: &TemplateSet, values: &'v Json) -> (Env, Option<&'v str>) {
    let kind = match values.get("kind") {
        None => Some("Deployment"),
        Some(Json::String(kind)) => Some(kind.as_str()),
        Some(_) => None,
    };
    let compiled = set.compiled.get_or_init(|| Compiled::new(set));
    (compiled.for_kind(set, kind), kind)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_kind_guarded_template_renders_nothing_for_another_kind() {
        let set = TemplateSet::builtin();
        let mut env = empty(&set);
        for (name, file) in set.sources() {
            env.add_template_owned(name.to_string(), file.text.clone())
                .unwrap();
        }
        let kinds = [
            json!({}),
            json!({"kind": "Deployment"}),
            json!({"kind": "CronJob"}),
            json!({"kind": "Job"}),
            json!({"kind": "DaemonSet"}),
            json!({"kind": "StatefulSet"}),
            json!({"kind": "Pod"}),
            json!({"kind": null}),
            json!({"kind": 3}),
        ];
        for (name, kind) in KIND_GUARDED {
            let text = &set.file(name).unwrap().text;
            let guard =
                format!("{{% if (values.kind | default(\"Deployment\")) == \"{kind}\" %}}\n");
            assert!(text.starts_with(&guard), "{name}");
            assert!(text.ends_with("{% endif %}\n"), "{name}");
            assert_eq!(kind_guard(&set, name), Some(*kind));
            for values in &kinds {
                let (_, for_kind) = environment(&set, values);
                if for_kind == Some(*kind) {
                    continue;
                }
                let mut env = env.clone();
                env.add_global("values", super::super::ordered::template_value(values));
                let out = env.get_template(name).unwrap().render(()).unwrap();
                assert_eq!(out, "", "{name} for {values}");
                assert!(set.compiled.get().unwrap().skipped(name, for_kind));
            }
        }
    }

    #[test]
    fn a_guarded_template_a_project_names_or_changes_is_compiled_and_run() {
        let dir = tempfile::tempdir().unwrap();
        let templates = dir.path().join("chart-templates");
        std::fs::create_dir(&templates).unwrap();
        std::fs::write(templates.join("job.yaml"), "{# changed #}\n").unwrap();
        std::fs::write(
            templates.join("extra.yaml"),
            "{% include \"statefulset.yaml\" %}\n",
        )
        .unwrap();
        let set = TemplateSet::load(dir.path()).unwrap();
        assert_eq!(kind_guard(&set, "job.yaml"), None);
        let (env, _) = environment(&set, &json!({}));
        let env = env.unwrap();
        let compiled = set.compiled.get().unwrap();
        for name in ["job.yaml", "statefulset.yaml"] {
            assert!(!compiled.skipped(name, Some("Deployment")), "{name}");
            assert!(env.get_template(name).is_ok(), "{name}");
        }
        assert!(compiled.skipped("cronjob.yaml", Some("Deployment")));
        assert!(env.get_template("cronjob.yaml").is_err());
    }
}
