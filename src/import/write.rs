//! Writing an imported project: environments/ (base.yaml and one overlay per environment),
//! chart-templates/ (the objects kept verbatim), config/, kforge-lint.yaml, golden/.

use std::path::Path;

use serde_json::{Value as Json, json};

use super::Plan;
use super::factor::layers;
use crate::fs::{Error, replace_dir, write_atomically};
use crate::yaml::{emit_document, from_json};

/// Writes the project of `plan` into `dir` (replacing what an earlier round wrote), its chart
/// named `name`.
pub fn project(dir: &Path, name: &str, envs: &[&str], plan: &Plan) -> Result<(), Error> {
    std::fs::create_dir_all(dir)
        .map_err(|e| Error::new(format!("creating {}", dir.display()), e))?;
    let all: Vec<&Json> = plan.values.iter().map(|(_, v)| v).collect();
    let (shared, overlays) = layers(&all);
    let mut base = json!({"chart": {"name": name, "version": "0.1.0"}});
    for (k, v) in shared.as_object().into_iter().flatten() {
        base[k] = v.clone();
    }
    let mut files = vec![(
        "base.yaml".to_string(),
        format!(
            "# Imported by `kforge import` from {}.\n# Values every environment shares; each overlay holds its differences.\n{}",
            envs.join(", "),
            emit(&base)
        ),
    )];
    for ((env, _), overlay) in plan.values.iter().zip(overlays) {
        let text = overlay.as_ref().map(emit).unwrap_or_default();
        files.push((
            format!("{env}.yaml"),
            format!("# {env}: its differences from base.yaml.\n{text}"),
        ));
    }
    replace_dir(&dir.join("environments"), &files)?;
    let guard = guard(envs, &plan.renderers);
    let templates: Vec<(String, String)> = plan
        .verbatim
        .iter()
        .map(|(key, variants)| {
            let why = plan
                .kept
                .iter()
                .find(|(k, _)| k == key)
                .map_or("", |(_, w)| w.as_str());
            (
                template_name(&key.kind, &key.namespace, &key.name),
                verbatim(&guard, envs, variants, why),
            )
        })
        .collect();
    replace_dir(&dir.join("chart-templates"), &templates)?;
    config_sets(&dir.join(crate::render::CONFIG_DIR), &plan.config_files)?;
    // No rule is disabled: an error of the input is silenced on its object (prepare.rs).
    write_atomically(
        &dir.join(crate::lint::CONFIG_FILE),
        b"# kforge lint settings (see docs/rules.md).\n",
    )
}

/// The condition under which a kept object renders exactly once in each environment:
/// templates render once per component switched on (docs/templates.md), so it names, per
/// environment, the one component it renders with (`renderers`, in the order of `envs`);
/// an environment without components renders once, as `component == none`.
fn guard(envs: &[&str], renderers: &[Option<String>]) -> String {
    // Environments by the component they render kept objects with, most environments first.
    let mut groups: Vec<(&str, Vec<&str>)> = Vec::new();
    for (env, r) in envs.iter().zip(renderers) {
        let Some(c) = r else { continue };
        match groups.iter_mut().find(|(g, _)| g == c) {
            Some((_, e)) => e.push(env),
            None => groups.push((c, vec![env])),
        }
    }
    groups.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(b.0)));
    let quote = |s: &str| serde_json::to_string(s).unwrap_or_default();
    let Some(((default, _), rest)) = groups.split_first() else {
        return "{% if component == none %}\n".to_string();
    };
    // `"b" if environment in ["prod"] else "a"`: the others name their environments, the one of
    // most environments (and any environment added later) is the default.
    let mut choice = String::new();
    for (c, in_envs) in rest {
        choice.push_str(&format!(
            "{} if environment in {} else ",
            quote(c),
            serde_json::to_string(in_envs).unwrap_or_default()
        ));
    }
    choice.push_str(&quote(default));
    if rest.is_empty() {
        format!("{{% if component == none or component == {choice} %}}\n")
    } else {
        format!("{{% if component == none or component == ({choice}) %}}\n")
    }
}

/// Writes config/<set>/ of each set, and removes the folders of sets an earlier round wrote.
fn config_sets(dir: &Path, sets: &[(String, Vec<(String, String)>)]) -> Result<(), Error> {
    if dir.is_dir() {
        let entries = std::fs::read_dir(dir)
            .map_err(|e| Error::new(format!("reading {}", dir.display()), e))?;
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if entry.path().is_dir() && !sets.iter().any(|(s, _)| *s == name) {
                std::fs::remove_dir_all(entry.path())
                    .map_err(|e| Error::new(format!("removing {}", entry.path().display()), e))?;
            }
        }
    }
    for (set, files) in sets {
        replace_dir(&dir.join(set), files)?;
    }
    Ok(())
}

/// Adds a project template rendering a ConfigMap no input has (one per component): a drift
/// for tests of the failed-proof path (`Request::inject_drift`).
pub fn extra_object(dir: &Path) -> Result<(), Error> {
    write_atomically(
        &dir.join("chart-templates/zz-injected-drift.yaml"),
        b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ \"injected-drift-\" ~ (component or \"app\") }}\ndata: {a: b}\n",
    )
}

/// Writes golden/<env>/ (prove.rs says what it holds).
pub fn golden(dir: &Path, env: &str, files: &[(String, String)]) -> Result<(), Error> {
    replace_dir(&dir.join("golden").join(env), files)
}

/// Lines of environments/*.yaml, comments and blank lines left out.
pub fn values_lines(dir: &Path) -> Result<usize, Error> {
    let env_dir = dir.join("environments");
    let mut n = 0;
    let entries = std::fs::read_dir(&env_dir)
        .map_err(|e| Error::new(format!("reading {}", env_dir.display()), e))?;
    for entry in entries.flatten() {
        let text = std::fs::read_to_string(entry.path())
            .map_err(|e| Error::new(format!("reading {}", entry.path().display()), e))?;
        n += text
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
            .count();
    }
    Ok(n)
}

fn template_name(kind: &str, ns: &str, name: &str) -> String {
    let mut s = format!("imported-{}", kind.to_ascii_lowercase());
    if !ns.is_empty() {
        s.push('-');
        s.push_str(ns);
    }
    s.push('-');
    s.push_str(name);
    let s: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                c
            } else {
                '-'
            }
        })
        .collect();
    format!("{s}.yaml")
}

/// A project template holding an object as written, per environment (one variant per distinct
/// text), rendered once per environment (under `guard`); its first line says why it is kept.
fn verbatim(guard: &str, envs: &[&str], variants: &[(String, String)], why: &str) -> String {
    // A reason can quote the input (a key, a host): `#}` there would end the comment early.
    let mut out = format!(
        "{{#- Kept verbatim by `kforge import`: {}. -#}}\n",
        why.replace("#}", "# }")
    );
    out.push_str(guard);
    let mut texts: Vec<(&str, Vec<&str>)> = Vec::new();
    for (env, text) in variants {
        match texts.iter_mut().find(|(t, _)| *t == text.as_str()) {
            Some((_, e)) => e.push(env),
            None => texts.push((text, vec![env])),
        }
    }
    for (i, (text, in_envs)) in texts.iter().enumerate() {
        let all = in_envs.len() == envs.len();
        if !all {
            let list = serde_json::to_string(in_envs).unwrap_or_default();
            out.push_str(&format!(
                "{{% {} environment in {list} %}}\n",
                if i == 0 { "if" } else { "elif" }
            ));
        } else if i > 0 {
            out.push_str("{% else %}\n");
        }
        out.push_str("{% raw %}\n");
        // Inside raw only `{% endraw %}` ends it; every `{%` leaves raw for a moment to be safe.
        let escaped = text.replace("{%", "{% endraw %}{{ \"{%\" | safe }}{% raw %}");
        // An object in its environment's one namespace takes it from the values.
        // (the newline after `{% raw %}` is trimmed: a second one keeps the line)
        let escaped = escaped.replace(
            &format!("namespace: {}", super::NAMESPACE_PLACEHOLDER),
            "namespace: {% endraw %}{{ values.namespace }}{% raw %}\n",
        );
        // Labels that are the rendering component's commonLabels take them from the values.
        out.push_str(&escaped.replace(
            &format!("labels: {}", super::LABELS_PLACEHOLDER),
            "labels: {% endraw %}{{ values.commonLabels }}{% raw %}\n",
        ));
        out.push_str("{% endraw %}\n");
    }
    if texts.iter().any(|(_, e)| e.len() != envs.len()) {
        out.push_str("{% endif %}\n");
    }
    out.push_str("{% endif %}\n");
    out
}

/// YAML of JSON values.
fn emit(v: &Json) -> String {
    emit_document(&from_json(v))
}
