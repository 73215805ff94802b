//! Settings that do nothing: a value the built-in templates ignore in the configuration it is
//! written in (a disruption budget on a CronJob, a canary weight without an Ingress, a schedule
//! on a Deployment). Each is reported at the values file:line that set it, with its key path and
//! why: an error (exit 2), or a warning where leaving the setting in place while an environment
//! switches on what overrides it is normal. Only values someone chose count: the defaults layers
//! (the built-in and the project's chart-templates/values.yaml) are never reported, and a shared
//! value only when it does nothing in every component that has it. The rules hold for the
//! built-in templates: a key whose name a project template mentions is not checked, since that
//! template may read it. Settings of a feature switched off (`ingress.*` with `ingress.enabled:
//! false`, `canary.*` with `canary.enabled: false`...) are normal and not reported.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use crate::diag::{Diagnostic, Diagnostics, Severity};
use crate::render::TemplateSet;
use crate::yaml::{Node, SourceFile, Value};

use super::{COMPONENTS, MergedValues};

/// One component's merged values, as the rules read them.
struct Workload<'a> {
    values: &'a Node,
    kind: &'a str,
}

impl Workload<'_> {
    fn get(&self, path: &str) -> Option<&Node> {
        let parts: Vec<&str> = path.split('.').collect();
        self.values.get_path(&parts)
    }

    /// Whether the switch at `path` is `true`.
    fn on(&self, path: &str) -> bool {
        matches!(self.get(path).map(|n| &n.value), Some(Value::Bool(true)))
    }

    /// Whether `path` holds something (not missing, null or empty), whoever set it.
    fn has(&self, path: &str) -> bool {
        self.get(path).is_some_and(|n| !is_empty(n))
    }

    fn is_job(&self) -> bool {
        matches!(self.kind, "Job" | "CronJob")
    }

    fn is_scaled(&self) -> bool {
        matches!(self.kind, "Deployment" | "StatefulSet")
    }

    /// Why service.yaml renders no Service from `service` for this component (None: it does).
    fn no_service(&self) -> Option<String> {
        if self.is_job() {
            Some(format!("a {} gets no Service", self.kind))
        } else if self.has("services") {
            Some("`services` is set, and replaces the Service of `service`".to_string())
        } else if matches!(
            self.get("service.enabled").map(|n| &n.value),
            Some(Value::Bool(false))
        ) {
            Some("service.enabled is false".to_string())
        } else {
            None
        }
    }
}

/// A kind of setting that does nothing, as docs/values.md lists it.
pub struct InertRule {
    /// The keys it covers, in a component's values.
    pub keys: &'static [&'static str],
    /// Only when the key is `true` (a switch turned on), not for any value.
    pub switch: bool,
    /// When they do nothing.
    pub when: &'static str,
    /// An error, or a warning where the setting is normally left in place.
    pub severity: Severity,
    /// What to do.
    pub fix: &'static str,
    /// Why the keys do nothing for this workload, or None when they do something.
    inert: fn(&Workload) -> Option<String>,
}

const CRONJOB_KEYS: &[&str] = &[
    "schedule",
    "timeZone",
    "concurrencyPolicy",
    "startingDeadlineSeconds",
    "successfulJobsHistoryLimit",
    "failedJobsHistoryLimit",
    "suspend",
    "jobTemplateLabels",
];

const JOB_KEYS: &[&str] = &[
    "backoffLimit",
    "activeDeadlineSeconds",
    "ttlSecondsAfterFinished",
    "completions",
    "parallelism",
    "restartPolicy",
    "podSelectorLabels",
];

/// Every setting that does nothing, found by reading the built-in templates.
pub static INERT_RULES: &[InertRule] = &[
    InertRule {
        keys: &["replicaCount"],
        switch: false,
        when: "the kind is DaemonSet, Job or CronJob",
        severity: Severity::Error,
        fix: "remove it (a Job runs `completions` pods, `parallelism` at a time)",
        inert: |w| {
            matches!(w.kind, "DaemonSet" | "Job" | "CronJob")
                .then(|| format!("a {} has no replicas", w.kind))
        },
    },
    InertRule {
        keys: &["replicaCount"],
        switch: false,
        when: "`autoscaling.enabled` on a Deployment or StatefulSet (a warning: base often sets replicas and one environment turns autoscaling on)",
        severity: Severity::Warning,
        fix: "set `replicaCount: null` in the layer that enables autoscaling",
        inert: |w| {
            (w.is_scaled() && w.on("autoscaling.enabled")).then(|| {
                "autoscaling.enabled is true, so the HorizontalPodAutoscaler sets the replicas and the workload is rendered without them".to_string()
            })
        },
    },
    InertRule {
        keys: &["replicaCount"],
        switch: false,
        when: "every blue-green colour sets its own `replicaCount` (a warning, as under autoscaling)",
        severity: Severity::Warning,
        fix: "set `replicaCount: null` in the layer where every colour sets its own",
        inert: |w| {
            let colours = w.get("blueGreen.colours").and_then(Node::as_map);
            (w.kind == "Deployment"
                && !w.on("autoscaling.enabled")
                && colours.is_some_and(|c| {
                    !c.is_empty()
                        && c.values().all(|colour| {
                            colour
                                .get_path(&["replicaCount"])
                                .is_some_and(|n| !is_empty(n))
                        })
                }))
            .then(|| "every blue-green colour sets its own replicaCount".to_string())
        },
    },
    InertRule {
        keys: &["autoscaling.enabled"],
        switch: true,
        when: "the kind is DaemonSet, Job or CronJob",
        severity: Severity::Error,
        fix: "remove it, or make the component a Deployment or StatefulSet",
        inert: |w| {
            (!w.is_scaled()).then(|| {
                format!(
                    "a HorizontalPodAutoscaler is rendered for a Deployment or StatefulSet only, and this component is a {}",
                    w.kind
                )
            })
        },
    },
    InertRule {
        keys: &["podDisruptionBudget.enabled"],
        switch: true,
        when: "the kind is DaemonSet, Job or CronJob",
        severity: Severity::Error,
        fix: "remove podDisruptionBudget from this component",
        inert: |w| {
            (!w.is_scaled()).then(|| {
                format!(
                    "a PodDisruptionBudget is rendered for a Deployment or StatefulSet only, and this component is a {}",
                    w.kind
                )
            })
        },
    },
    InertRule {
        keys: &["canary", "blueGreen"],
        switch: false,
        when: "the kind is not Deployment",
        severity: Severity::Error,
        fix: "remove it, or make the component a Deployment",
        inert: |w| {
            (w.kind != "Deployment").then(|| {
                format!(
                    "canary and blue-green tracks are Deployments, and this component is a {}",
                    w.kind
                )
            })
        },
    },
    InertRule {
        keys: &["canary"],
        switch: false,
        when: "`blueGreen` is set too",
        severity: Severity::Error,
        fix: "keep one release strategy: remove `canary` or `blueGreen`",
        inert: |w| {
            (w.kind == "Deployment" && w.has("blueGreen")).then(|| {
                "blueGreen is set too and takes precedence, so no canary track is rendered"
                    .to_string()
            })
        },
    },
    InertRule {
        keys: &["canary.weight"],
        switch: false,
        when: "`canary.enabled` without `ingress.enabled`",
        severity: Severity::Error,
        fix: "enable the Ingress (`ingress.enabled: true`), or remove `weight` to split the traffic by replicas",
        inert: |w| {
            (w.kind == "Deployment"
                && !w.has("blueGreen")
                && w.on("canary.enabled")
                && !w.on("ingress.enabled"))
            .then(|| {
                "the weight is an annotation of the canary's Ingress and ingress.enabled is false, so no Ingress weighs the traffic and the Service sends every request to the stable track".to_string()
            })
        },
    },
    InertRule {
        keys: CRONJOB_KEYS,
        switch: false,
        when: "the kind is not CronJob",
        severity: Severity::Error,
        fix: "remove it, or set `kind: CronJob`",
        inert: |w| {
            (w.kind != "CronJob")
                .then(|| format!("only a CronJob has it, and this component is a {}", w.kind))
        },
    },
    InertRule {
        keys: JOB_KEYS,
        switch: false,
        when: "the kind is not Job or CronJob",
        severity: Severity::Error,
        fix: "remove it, or set `kind: Job` or `kind: CronJob`",
        inert: |w| {
            (!w.is_job()).then(|| {
                format!(
                    "only a Job or a CronJob has it, and this component is a {}",
                    w.kind
                )
            })
        },
    },
    InertRule {
        keys: &["hook"],
        switch: false,
        when: "the kind is not Job",
        severity: Severity::Error,
        fix: "remove it, or set `kind: Job`",
        inert: |w| {
            (w.kind != "Job").then(|| {
                format!(
                    "only a Job runs as a Helm hook, and this component is a {}",
                    w.kind
                )
            })
        },
    },
    InertRule {
        keys: &["strategy", "workloadSpec", "services"],
        switch: false,
        when: "the kind is Job or CronJob",
        severity: Severity::Error,
        fix: "remove it from this component",
        inert: |w| {
            w.is_job().then(|| {
                format!(
                    "a {} has no update strategy, no Deployment, StatefulSet or DaemonSet spec and no Service",
                    w.kind
                )
            })
        },
    },
    InertRule {
        keys: &[
            "service.type",
            "service.targetPort",
            "service.nodePort",
            "service.annotations",
        ],
        switch: false,
        when: "no Service is rendered from `service`: a Job or CronJob, `service.enabled: false`, or `services` set",
        severity: Severity::Error,
        fix: "remove it, or render the Service (`service.enabled: true` on a Deployment, StatefulSet or DaemonSet without `services`)",
        inert: |w| {
            w.no_service()
                .map(|why| format!("no Service is rendered from `service` ({why})"))
        },
    },
    InertRule {
        keys: &["service.port"],
        switch: false,
        when: "no Service is rendered from `service`, and neither `ingress.enabled` nor `helmTest.enabled` routes to it",
        severity: Severity::Error,
        fix: "remove it, or render the Service",
        inert: |w| {
            w.no_service()
                .filter(|_| !w.on("ingress.enabled") && !w.on("helmTest.enabled"))
                .map(|why| format!("no Service is rendered from `service` ({why}), and no Ingress or helm test uses its port"))
        },
    },
    InertRule {
        keys: &["service.nodePort"],
        switch: false,
        when: "`service.type` is not NodePort or LoadBalancer",
        severity: Severity::Error,
        fix: "set `service.type: NodePort` (or LoadBalancer), or remove nodePort",
        inert: |w| {
            let ty = w
                .get("service.type")
                .and_then(Node::as_str)
                .unwrap_or("ClusterIP");
            (w.no_service().is_none() && !matches!(ty, "NodePort" | "LoadBalancer")).then(|| {
                format!(
                    "a nodePort is written only for a NodePort or LoadBalancer Service, and this one is {ty}"
                )
            })
        },
    },
    InertRule {
        keys: &["serviceAccount.annotations", "serviceAccount.labels"],
        switch: false,
        when: "`serviceAccount.create` is not true",
        severity: Severity::Error,
        fix: "set `serviceAccount.create: true`, or annotate (label) the ServiceAccount where it is created",
        inert: |w| {
            (!w.on("serviceAccount.create")).then(|| {
                "they annotate or label the ServiceAccount kforge creates, and serviceAccount.create is false".to_string()
            })
        },
    },
];

/// Null, an empty map, list or string: no setting at all.
fn is_empty(node: &Node) -> bool {
    match &node.value {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Seq(s) => s.is_empty(),
        Value::Map(m) => m.is_empty(),
        _ => false,
    }
}

/// Where `node` says something that a values layer other than the defaults chose: the node, or
/// for a map the defaults hold, the first entry under it that another layer set.
fn chosen<'a>(node: &'a Node, defaults: &[Arc<SourceFile>]) -> Option<&'a Node> {
    if is_empty(node) {
        return None;
    }
    let from_defaults = node
        .origin
        .file_line()
        .is_some_and(|(f, ..)| defaults.iter().any(|d| Arc::ptr_eq(d, f)));
    match &node.value {
        Value::Map(m) if from_defaults => m.values().find_map(|v| chosen(v, defaults)),
        _ => (!from_defaults).then_some(node),
    }
}

/// The lines of `text` that name `key`'s first part as a word, trimmed, each once.
fn lines_naming<'t>(text: &'t str, key: &'t str) -> impl Iterator<Item = &'t str> {
    let mut last_start = None;
    words(text, key).filter_map(move |i| {
        let start = text[..i].rfind('\n').map_or(0, |n| n + 1);
        let end = text[i..].find('\n').map_or(text.len(), |n| i + n);
        (last_start.replace(start) != Some(start)).then(|| text[start..end].trim())
    })
}

/// Whether `key`'s first part appears as a word in `text`.
fn mentions(text: &str, key: &str) -> bool {
    words(text, key).next().is_some()
}

/// Where `key`'s first part appears in `text` as a word (not inside a longer name).
fn words<'t>(text: &'t str, key: &'t str) -> impl Iterator<Item = usize> {
    let word = key.split('.').next().unwrap_or(key);
    let is_ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    text.match_indices(word)
        .filter(move |(i, _)| {
            !text[..*i].ends_with(is_ident) && !text[i + word.len()..].starts_with(is_ident)
        })
        .map(|(i, _)| i)
}

/// A setting shared by several components: where it is set, and in how many of the components
/// that have it it does nothing.
struct Shared {
    diagnostic: Diagnostic,
    inert_in: Vec<String>,
    applies_to: usize,
}

/// The settings of `values` that do nothing with `templates`: errors fail (exit 2); warnings
/// come back.
pub fn inert_settings(
    values: &MergedValues,
    templates: &TemplateSet,
) -> Result<Vec<Diagnostic>, Diagnostics> {
    // A project template that replaces a built-in one is compared with it: a key is still
    // checked when the lines naming it are the built-in's (a copy of chart-templates/, or one
    // edited elsewhere), and not when the project's templates use it otherwise.
    // A byte-identical copy names every key as the built-in does, so it is left out; each
    // key's answer is worked out once, not once per component (both were most of a render's
    // cost when the project holds a copy of chart-templates/).
    let project_templates: Vec<(&str, Option<&str>)> = templates
        .sources()
        .filter(|(_, f)| !f.display.ends_with("(built-in)"))
        .map(|(name, f)| (f.text.as_str(), TemplateSet::builtin_text(name)))
        .filter(|(text, builtin)| builtin != &Some(*text))
        .collect();
    let mut verdicts: HashMap<&str, bool> = HashMap::new();
    let mut checked = |key: &'static str| {
        *verdicts.entry(key).or_insert_with(|| {
            project_templates
                .iter()
                .all(|(text, builtin)| match builtin {
                    Some(builtin) => lines_naming(text, key).eq(lines_naming(builtin, key)),
                    None => !mentions(text, key),
                })
        })
    };
    let mut found = Vec::new();
    let mut shared: BTreeMap<(usize, &str, String), Shared> = BTreeMap::new();
    for component in &values.components {
        let kind = component
            .values
            .get_path(&["kind"])
            .and_then(Node::as_str)
            .unwrap_or("Deployment");
        if kind == "None" {
            continue;
        }
        let workload = Workload {
            values: &component.values,
            kind,
        };
        for (index, rule) in INERT_RULES.iter().enumerate() {
            for key in rule.keys.iter().copied() {
                // The templates are searched only for a key that is set (a search of every
                // project template per key was most of this check's cost).
                let Some(at) = workload
                    .get(key)
                    .filter(|n| !rule.switch || matches!(n.value, Value::Bool(true)))
                    .and_then(|n| chosen(n, &values.defaults))
                    .filter(|_| checked(key))
                else {
                    continue;
                };
                let parts: Vec<&str> = key.split('.').collect();
                let own = component.name.as_deref().and_then(|name| {
                    values
                        .root
                        .get_path(&[COMPONENTS, name])
                        .and_then(|own| own.get_path(&parts))
                        .and_then(|n| chosen(n, &values.defaults))
                        .map(|_| name)
                });
                let why = (rule.inert)(&workload);
                let diagnostic = why.map(|why| {
                    let mut d = Diagnostic::error(format!("`{key}` does nothing here: {why}"))
                        .at(at.origin.clone())
                        .key(match own {
                            Some(name) => format!("{COMPONENTS}.{name}.{key}"),
                            None => key.to_string(),
                        })
                        .help(rule.fix);
                    d.severity = rule.severity;
                    d
                });
                match (&component.name, own) {
                    (None, _) | (Some(_), Some(_)) => found.extend(diagnostic),
                    (Some(name), None) => {
                        let entry = shared
                            .entry((index, key, at.origin.to_string()))
                            .or_insert_with(|| Shared {
                                diagnostic: Diagnostic::error(String::new()),
                                inert_in: Vec::new(),
                                applies_to: 0,
                            });
                        entry.applies_to += 1;
                        if let Some(d) = diagnostic {
                            if entry.inert_in.is_empty() {
                                entry.diagnostic = d;
                            }
                            entry.inert_in.push(name.clone());
                        }
                    }
                }
            }
        }
    }
    for (_, mut s) in shared {
        if !s.inert_in.is_empty() && s.inert_in.len() == s.applies_to {
            s.diagnostic.notes.push(format!(
                "a shared value: it does nothing in every component that has it ({})",
                s.inert_in.join(", ")
            ));
            found.push(s.diagnostic);
        }
    }
    let (errors, warnings): (Vec<_>, Vec<_>) = found
        .into_iter()
        .partition(|d| d.severity == Severity::Error);
    if errors.is_empty() {
        Ok(warnings)
    } else {
        Err(Diagnostics(errors))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_mentioned_as_a_word_only() {
        assert!(mentions("{{ values.service.port }}", "service.port"));
        assert!(!mentions(
            "{{ values.serviceAccount.name }}",
            "service.type"
        ));
        assert!(!mentions("{{ values.services }}", "service.type"));
        assert!(mentions("{% if values.schedule %}", "schedule"));
    }

    #[test]
    fn the_lines_naming_a_key_are_each_given_once_trimmed() {
        let text = "a: 1\n  port: {{ port }} {{ port }}\nsupport: x\r\nport\n";
        let lines: Vec<&str> = lines_naming(text, "port.name").collect();
        assert_eq!(lines, ["port: {{ port }} {{ port }}", "port"]);
        assert_eq!(lines_naming("ports", "port").count(), 0);
    }

    #[test]
    fn every_rule_says_when_and_what_to_do() {
        for rule in INERT_RULES {
            assert!(!rule.keys.is_empty() && !rule.when.is_empty() && !rule.fix.is_empty());
        }
    }
}
