//! Writing an imported project: environments/ (base.yaml and one overlay per environment),
//! chart-templates/ (the objects kept verbatim), config/, kforge-lint.yaml, golden/.

use std::path::Path;

use serde_json::{Value as Json, json};

use super::Plan;
use super::factor::{base_and_overlays, lines};
use super::layers::{EnvOverlay, Layer, merged, shared_layers};
use crate::diff::Key;
use crate::fs::{Error, replace_dir, write_atomically};
use crate::yaml::{emit_document, from_json};

/// Writes the project of `plan` into `dir` (replacing what an earlier round wrote), its chart
/// named `name`.
pub fn project(dir: &Path, name: &str, envs: &[&str], plan: &Plan) -> Result<(), Error> {
    std::fs::create_dir_all(dir)
        .map_err(|e| Error::new(format!("creating {}", dir.display()), e))?;
    let all: Vec<&Json> = plan.values.iter().map(|(_, v)| v).collect();
    let (base, layers, env_overlays) = factored(&all, name, envs);
    let adds = near_miss_adds(&base, &layers, &env_overlays);
    let mut files = vec![(
        "base.yaml".to_string(),
        format!(
            "# Imported by `kforge import` from {}.\n# Values every environment shares; each overlay holds its differences.\n{}",
            envs.join(", "),
            emit(&base)
        ),
    )];
    for (i, layer) in layers.iter().enumerate() {
        let users: Vec<&str> = layer.envs.iter().map(|&e| envs[e]).collect();
        files.push((
            format!("_{}.yaml", layer.name),
            format!(
                "# Shared layer: what {} have alike beyond base.yaml; each names it in its overlay.\n{}{}",
                and_list(&users),
                directives(&[], &adds.layers[i]),
                emit(&layer.values)
            ),
        ));
    }
    for (i, ((env, _), own)) in plan.values.iter().zip(&env_overlays).enumerate() {
        let text = own.overlay.as_ref().map(emit).unwrap_or_default();
        let named: Vec<&str> = own
            .layers
            .iter()
            .map(|&l| layers[l].name.as_str())
            .collect();
        let head = if named.is_empty() {
            format!("# {env}: its differences from base.yaml.\n")
        } else {
            format!("# {env}: its differences from base.yaml and the layers it builds on.\n")
        };
        files.push((
            format!("{env}.yaml"),
            format!("{head}{}{text}", directives(&named, &adds.envs[i])),
        ));
    }
    replace_dir(&dir.join("environments"), &files)?;
    let guard = guard(envs, &plan.renderers);
    let templates = kept_templates(&guard, envs, plan);
    replace_dir(&dir.join("chart-templates"), &templates)?;
    config_sets(&dir.join(crate::render::CONFIG_DIR), &plan.config_files)?;
    // No rule is disabled: an error of the input is silenced on its object (prepare.rs).
    write_atomically(
        &dir.join(crate::lint::CONFIG_FILE),
        b"# kforge lint settings (see docs/rules.md).\n",
    )
}

/// A kind with more kept objects than this has them written several to a file.
const OWN_FILES_PER_KIND: usize = 20;
/// Kept objects in one shared file at most.
const OBJECTS_PER_FILE: usize = 500;
/// A shared file is closed once it holds this many bytes (Helm refuses a chart file over
/// 5 MiB decompressed; a kept object is at most what its input held).
const SHARED_FILE_BYTES: usize = 1 << 20;

/// The project templates of the kept objects: one file per object (`imported-<kind>-<ns>-
/// <name>.yaml`, [`crate::manifest::object_file_names`]), except for a kind with more than
/// [`OWN_FILES_PER_KIND`] of them, whose objects are written in files of up to
/// [`OBJECTS_PER_FILE`] (`imported-<kind>-001.yaml`, ...; each object a document): a template
/// per object costs a file and about 10 KB of compiled template each time the project renders
/// (100,000 kept ServiceAccounts held 1 GB of compiled templates).
fn kept_templates(guard: &str, envs: &[&str], plan: &Plan) -> Vec<(String, String)> {
    // Why each was kept, looked up by identity (a scan per object was quadratic: 100k kept
    // ServiceAccounts).
    let mut why_kept: std::collections::HashMap<_, &str> = std::collections::HashMap::new();
    for (k, w) in &plan.kept {
        // The first reason given, as a scan would find it.
        why_kept.entry(k).or_insert(w.as_str());
    }
    let why = |key: &Key| why_kept.get(key).copied().unwrap_or("");
    // Kinds by their file-name spelling, so that kinds alike but for case share a choice.
    let mut per_kind: std::collections::BTreeMap<String, usize> = Default::default();
    for key in plan.verbatim.keys() {
        *per_kind.entry(key.kind.to_ascii_lowercase()).or_default() += 1;
    }
    let shared = |key: &Key| per_kind[&key.kind.to_ascii_lowercase()] > OWN_FILES_PER_KIND;
    let own: Vec<(&Key, &Vec<(String, String)>)> =
        plan.verbatim.iter().filter(|(k, _)| !shared(k)).collect();
    // File names unique among the kept objects and short, whatever their names.
    let names = crate::manifest::object_file_names(
        "imported-",
        own.iter()
            .map(|(k, _)| (k.kind.as_str(), k.namespace.as_str(), k.name.as_str())),
    );
    let mut templates: Vec<(String, String)> = own
        .iter()
        .zip(names)
        .map(|((key, variants), file)| (file, verbatim(guard, envs, variants, why(key))))
        .collect();
    // The shared files of each kind, in the objects' order (kind, namespace, name).
    let mut open: Option<(String, usize, usize, String)> = None;
    for (key, variants) in plan.verbatim.iter().filter(|(k, _)| shared(k)) {
        let kind = key.kind.to_ascii_lowercase();
        let block = verbatim(guard, envs, variants, why(key));
        let full = open.as_ref().is_some_and(|(k, n, _, text)| {
            *k != kind || *n == OBJECTS_PER_FILE || text.len() + block.len() > SHARED_FILE_BYTES
        });
        if full {
            let (k, _, number, text) = open.take().unwrap_or_default();
            templates.push((shared_file_name(&k, number), text));
            if k == kind {
                open = Some((kind.clone(), 0, number + 1, String::new()));
            }
        }
        let (_, n, _, text) = open.get_or_insert_with(|| (kind.clone(), 0, 1, String::new()));
        // Each object its own document; an object an environment does not have leaves an
        // empty one, which is not an object.
        text.push_str(&block.replacen("-#}\n", "-#}\n---\n", 1));
        *n += 1;
    }
    if let Some((k, _, number, text)) = open {
        templates.push((shared_file_name(&k, number), text));
    }
    templates
}

/// `imported-<kind>-NNN.yaml`, the `number`th shared file of kept objects of `kind` (in lower
/// case, a character other than a letter or digit written `_`).
fn shared_file_name(kind: &str, number: usize) -> String {
    let kind: String = kind
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    format!("imported-{kind}-{number:03}.yaml")
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
    // As JSON strings and lists (which minijinja reads): printed through serde_json::Value's
    // Display, which cannot fail.
    let quote = |s: &str| Json::from(s).to_string();
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
            Json::from(in_envs.clone())
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

/// Adds a project template that does not parse: a project that does not render, for tests of
/// that path (`Request::inject_render_failure`).
pub fn broken_template(dir: &Path) -> Result<(), Error> {
    write_atomically(
        &dir.join("chart-templates/zz-injected-broken.yaml"),
        b"{% if %}\n",
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
            let list = Json::from(in_envs.clone()).to_string();
            out.push_str(&format!(
                "{{% {} environment in {list} %}}\n",
                if i == 0 { "if" } else { "elif" }
            ));
        } else if i > 0 {
            out.push_str("{% else %}\n");
        }
        // Each `{{`, `{%` and `{#` is written by an expression, never inside `{% raw %}`:
        // block tags are subject to trim_blocks and lstrip_blocks (an indented `{%` line lost
        // its indentation, a line ending in `{%` its line break), and raw cannot hold
        // `{% endraw %}`.
        let escaped = super::config::escape(text);
        // An object in its environment's one namespace takes it from the values.
        let escaped = escaped.replace(
            &format!("namespace: {}", super::NAMESPACE_PLACEHOLDER),
            "namespace: {{ values.namespace }}",
        );
        // Labels that are the rendering component's commonLabels take them from the values.
        out.push_str(&escaped.replace(
            &format!("labels: {}", super::LABELS_PLACEHOLDER),
            "labels: {{ values.commonLabels }}",
        ));
    }
    if texts.iter().any(|(_, e)| e.len() != envs.len()) {
        out.push_str("{% endif %}\n");
    }
    out.push_str("{% endif %}\n");
    out
}

/// The environments' values as base.yaml (with the chart named `name`), the shared layers and
/// each environment's overlay.
fn factored(values: &[&Json], name: &str, envs: &[&str]) -> (Json, Vec<Layer>, Vec<EnvOverlay>) {
    let (shared, overlays) = base_and_overlays(values);
    let mut base = json!({"chart": {"name": name, "version": "0.1.0"}});
    for (k, v) in shared.as_object().into_iter().flatten() {
        base[k] = v.clone();
    }
    let (layers, env_overlays) = shared_layers(&base, &overlays, envs);
    (base, layers, env_overlays)
}

/// The values lines environments/ would hold for these values (without the `adds`
/// directives, which do not depend on how values are shared).
pub fn lines_written(values: &[&Json], envs: &[&str]) -> usize {
    let (base, layers, env_overlays) = factored(values, "app", envs);
    lines(&base)
        + layers.iter().map(|l| lines(&l.values)).sum::<usize>()
        + env_overlays
            .iter()
            .map(|e| e.overlay.as_ref().map_or(0, lines) + usize::from(!e.layers.is_empty()))
            .sum::<usize>()
}

/// `a`, `a and b`, `a, b and c`.
fn and_list(items: &[&str]) -> String {
    match items.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        Some((last, _)) => (*last).to_string(),
        None => String::new(),
    }
}

/// The names each file adds on purpose though one slip from a name below it (its
/// `kforge: {adds: [...]}`): the layers' (checked under each environment naming them) and the
/// overlays'.
struct Adds {
    layers: Vec<Vec<Vec<String>>>,
    envs: Vec<Vec<Vec<String>>>,
}

/// The near-miss names each layer and overlay adds (docs/layers.md), found as the values
/// check finds them: each file over the merged files below it, in each environment's order.
fn near_miss_adds(base: &Json, layers: &[Layer], envs: &[EnvOverlay]) -> Adds {
    let keyed = serde_json::from_str::<Json>(&crate::render::TemplateSet::builtin().schema().text)
        .ok()
        .and_then(|s| crate::values::KeyedMaps::from_schema(&s).ok())
        .unwrap_or_default();
    let mut out = Adds {
        layers: vec![Vec::new(); layers.len()],
        envs: vec![Vec::new(); envs.len()],
    };
    let add = |into: &mut Vec<Vec<String>>, lower: &Json, upper: &Json| {
        for path in
            crate::values::added_near_miss_paths(&keyed, &from_json(lower), &from_json(upper))
        {
            if !into.contains(&path) {
                into.push(path);
            }
        }
    };
    for (i, env) in envs.iter().enumerate() {
        let mut lower = base.clone();
        for &l in &env.layers {
            add(&mut out.layers[l], &lower, &layers[l].values);
            lower = merged(&lower, Some(&layers[l].values));
        }
        if let Some(own) = &env.overlay {
            add(&mut out.envs[i], &lower, own);
        }
    }
    out
}

/// A values file's `kforge:` directives line (none when it has none): the layers it builds on
/// and the names it adds on purpose.
fn directives(layers: &[&str], adds: &[Vec<String>]) -> String {
    let mut parts = Vec::new();
    if !layers.is_empty() {
        parts.push(format!("layers: [{}]", layers.join(", ")));
    }
    if !adds.is_empty() {
        let paths: Vec<String> = adds.iter().map(|p| key_path(p)).collect();
        parts.push(format!("adds: [{}]", paths.join(", ")));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!("kforge: {{{}}}\n", parts.join(", "))
    }
}

/// A key path as `kforge: {adds: [...]}` reads it: dotted, a key that is not a plain name in
/// brackets and quotes; the whole quoted when it holds anything YAML's flow style would read.
fn key_path(tokens: &[String]) -> String {
    let mut out = String::new();
    for t in tokens {
        let plain = !t.is_empty()
            && t.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            && !t.chars().all(|c| c.is_ascii_digit());
        if plain {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(t);
        } else {
            out.push_str(&format!("[\"{t}\"]"));
        }
    }
    if out
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    {
        out
    } else {
        serde_json::to_string(&out).unwrap_or(out)
    }
}

/// YAML of JSON values, each block it would write twice written once (anchors and aliases).
fn emit(v: &Json) -> String {
    super::anchors::alias_repeats(&emit_document(&from_json(v)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_near_miss_name_is_listed_in_the_file_that_adds_it_layer_or_overlay() {
        let base = json!({"components": {"web": {"ports": {"http": 80}}}});
        let layer = Layer {
            name: "staging-production".into(),
            envs: vec![1, 2],
            values: json!({"components": {"web": {"ports": {"https": 443}}}}),
        };
        let envs = [
            EnvOverlay {
                layers: vec![],
                overlay: Some(
                    json!({"components": {"web": {"ports": {"htp": 81, "metrics": 9090}}}}),
                ),
            },
            EnvOverlay {
                layers: vec![0],
                overlay: None,
            },
            EnvOverlay {
                layers: vec![0],
                overlay: Some(json!({"components": {"web": {"ports": {"httpss": 8443}}}})),
            },
        ];
        let adds = near_miss_adds(&base, &[layer], &envs);
        let path = |p: &str| p.split('.').map(String::from).collect::<Vec<_>>();
        assert_eq!(adds.layers, [vec![path("components.web.ports.https")]]);
        assert_eq!(adds.envs[0], [path("components.web.ports.htp")]);
        assert!(adds.envs[1].is_empty());
        // Over base and the layer: one slip from the layer's `https`.
        assert_eq!(adds.envs[2], [path("components.web.ports.httpss")]);
        assert_eq!(
            directives(&["staging-production"], &adds.envs[2]),
            "kforge: {layers: [staging-production], adds: [components.web.ports.httpss]}\n"
        );
        assert_eq!(
            key_path(&["env".into(), "log.level".into()]),
            r#""env[\"log.level\"]""#
        );
    }
}
