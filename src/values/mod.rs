//! The values model: load the layers of an environment, merge them with origins, apply
//! `--set`, and validate the result against the values schema.

mod components;
mod directives;
mod extend;
mod inert;
mod keyed;
mod merge;
#[cfg(test)]
mod quick_check_tests;
mod schema;
mod set;

use std::path::PathBuf;
use std::sync::Arc;

pub use components::{COMPONENTS, Component, ENABLED, components, own_values, switched_off};
pub use extend::{REPLACE_KEYWORD, for_layers};
pub use inert::{INERT_RULES, InertRule, inert_settings};
pub use keyed::{KeyedMaps, MAX_SCHEMA_WALK, added_near_miss_paths};
pub use merge::merge_overlay;
pub use schema::{PendingSchema, SchemaSource, ValuesSchema};
pub use set::{SetError, apply_set};

use crate::diag::{Diagnostic, Diagnostics, Failure};
use crate::project::{Overlay, Project, ProjectError, read_text};
use crate::yaml::{
    Limits, Map, Node, Origin, SourceFile, Value, display_key_path, parse_documents,
};

/// A `--set` / `--set-string` argument, in command-line order.
#[derive(Clone, Debug)]
pub struct SetArg {
    /// True for `--set-string`.
    pub as_string: bool,
    /// `KEY=VALUE[,KEY=VALUE...]`.
    pub arg: String,
}

/// Extra layers from the command line, applied after the environment's overlay.
#[derive(Clone, Debug, Default)]
pub struct CliLayers {
    /// `-f FILE`, in order.
    pub files: Vec<PathBuf>,
    /// `--set` and `--set-string`, in command-line order.
    pub sets: Vec<SetArg>,
}

/// The merged values of one environment, before validation.
pub struct MergedValues {
    /// The merged tree (a map).
    pub root: Node,
    /// Each values file as read, lowest first (for `values --show-origin`: what a leaf
    /// overrode).
    pub layers: Vec<Node>,
    /// The components to render, each with its merged values, made once here for both the
    /// schema check and the renderer. Components switched off (`enabled: false`) are not
    /// among them.
    pub components: Vec<Component>,
    /// The key paths each layer (parallel to `layers`) adds to keyed maps on purpose (its
    /// `kforge: {adds: [...]}`).
    pub adds: Vec<Vec<Vec<String>>>,
    /// The index in `layers` of the first layer above base (an overlay, a `-f` file).
    pub first_overlay: usize,
    /// The merged tree before `--set`, when there are `--set`s (their new names are checked
    /// like an overlay's).
    pub before_sets: Option<Node>,
    /// The components declared but switched off in this environment: checked, not rendered.
    pub switched_off: Vec<Component>,
    /// The defaults layers (the built-in and the project's chart-templates/values.yaml): what
    /// they set nobody chose for this environment.
    pub defaults: Vec<Arc<SourceFile>>,
}

/// Parses a values file: zero or one YAML document, which must be a map.
pub fn parse_values_file(file: &Arc<SourceFile>) -> Result<Option<Node>, Diagnostic> {
    let docs = parse_documents(&file.text, file, Limits::default()).map_err(Diagnostic::from)?;
    let mut docs = docs.into_iter().filter(|d| !matches!(d.value, Value::Null));
    let Some(doc) = docs.next() else {
        return Ok(None);
    };
    if let Some(extra) = docs.next() {
        return Err(
            Diagnostic::error("a values file must hold a single YAML document")
                .at(extra.origin)
                .help("remove the `---` separator or split the file"),
        );
    }
    if !matches!(doc.value, Value::Map(_)) {
        return Err(Diagnostic::error(format!(
            "values must be a map of keys, not a {}",
            doc.value.type_name()
        ))
        .at(doc.origin));
    }
    Ok(Some(doc))
}

/// Why the values of an environment could not be loaded and merged.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A values file could not be found or read.
    #[error(transparent)]
    Project(#[from] ProjectError),
    /// A values file is not valid (YAML, not a map...).
    #[error(transparent)]
    Invalid(#[from] Diagnostics),
    /// A `--set` argument is not valid.
    #[error(transparent)]
    Set(#[from] SetError),
}

impl Failure for Error {
    fn inner(&self) -> Option<&dyn Failure> {
        match self {
            Error::Invalid(d) => Some(d),
            _ => None,
        }
    }
}

/// Loads and merges every layer of `env`: `defaults` (the built-in defaults, then the
/// project's `chart-templates/values.yaml`), base, the shared layers the overlay names
/// (`kforge: {layers: [...]}`, `environments/_<name>.yaml`, in that order), the overlay
/// file(s), `-f` files, then `--set`/`--set-string` in order.
pub fn merge_env(
    project: &Project,
    defaults: &[Arc<SourceFile>],
    env: &str,
    cli: &CliLayers,
) -> Result<MergedValues, Error> {
    let overlay = project.overlay(env)?;
    let mut below: Vec<Arc<SourceFile>> = defaults.to_vec();
    below.push(project.read_source(&project.base)?);
    let mut above: Vec<Arc<SourceFile>> = Vec::new();
    match overlay {
        Overlay::File(p) => above.push(project.read_source(p)?),
        Overlay::Dir(ps) => {
            for p in ps {
                above.push(project.read_source(p)?);
            }
        }
    }
    let overlay_files = above.len();
    for p in &cli.files {
        let text = read_text(p)?;
        above.push(SourceFile::new(p.display().to_string(), text));
    }
    let mut problems = Vec::new();
    let parsed = |files: &[Arc<SourceFile>], problems: &mut Vec<Diagnostic>| {
        let mut out = Vec::new();
        for file in files {
            match parse_values_file(file) {
                Ok(Some(mut doc)) => match directives::take_directives(&mut doc) {
                    Ok(d) => out.push((doc, d)),
                    Err(found) => problems.extend(found),
                },
                Ok(None) => {}
                Err(d) => problems.push(d),
            }
        }
        out
    };
    let below = parsed(&below, &mut problems);
    let (overlays, extra): (Vec<_>, Vec<_>) = {
        let mut all = Vec::new();
        for (i, file) in above.iter().enumerate() {
            let one = parsed(std::slice::from_ref(file), &mut problems);
            all.extend(one.into_iter().map(|x| (i < overlay_files, x)));
        }
        all.into_iter().partition(|(is_overlay, _)| *is_overlay)
    };
    // The shared layers, named by the environment's overlay only, once.
    let mut named: Option<&directives::Directives> = None;
    let mut shared = Vec::new();
    for (is_overlay, (_, d)) in below
        .iter()
        .map(|x| (false, x))
        .chain(overlays.iter().map(|(o, x)| (*o, x)))
        .chain(extra.iter().map(|(o, x)| (*o, x)))
    {
        let Some(at) = &d.layers_at else { continue };
        if !is_overlay {
            problems.push(
                Diagnostic::error("only an environment's overlay names the shared layers it builds on")
                    .at(at.clone())
                    .key("kforge.layers")
                    .help("move `layers:` to the overlay of each environment that builds on them (docs/layers.md)"),
            );
        } else if named.is_some() {
            problems.push(
                Diagnostic::error(format!("environment `{env}` names its shared layers twice"))
                    .at(at.clone())
                    .key("kforge.layers")
                    .help("name them once, in one file of the overlay"),
            );
        } else {
            named = Some(d);
        }
    }
    for (name, at) in named.map(|d| d.layers.as_slice()).unwrap_or_default() {
        match project.layers.get(name) {
            Some(path) => {
                let file = project.read_source(path)?;
                for (doc, d) in parsed(std::slice::from_ref(&file), &mut problems) {
                    if let Some(at) = &d.layers_at {
                        problems.push(
                            Diagnostic::error("a shared layer cannot name other layers")
                                .at(at.clone())
                                .key("kforge.layers")
                                .help("list every layer in the environment's overlay, in order"),
                        );
                    }
                    shared.push((doc, d));
                }
            }
            None => {
                let known = project.layers.keys().map(String::as_str);
                problems.push(
                    Diagnostic::error(format!(
                        "no shared layer `{name}`: environments/_{name}.yaml does not exist"
                    ))
                    .at(at.clone())
                    .key("kforge.layers")
                    .help(match crate::diag::did_you_mean(name, known) {
                        Some(s) => format!("did you mean `{s}`?"),
                        None => format!(
                            "create environments/_{name}.yaml, or remove `{name}` from the list"
                        ),
                    }),
                );
            }
        }
    }
    if !problems.is_empty() {
        return Err(Error::Invalid(Diagnostics(problems)));
    }
    let first_overlay = below.len();
    let mut root = Node::new(Value::Map(Map::default()), Origin::Generated);
    let mut layers = Vec::new();
    let mut adds = Vec::new();
    for (doc, d) in below
        .into_iter()
        .chain(shared)
        .chain(overlays.into_iter().map(|(_, x)| x))
        .chain(extra.into_iter().map(|(_, x)| x))
    {
        adds.push(d.adds);
        layers.push(doc.clone());
        merge_overlay(&mut root, doc);
    }
    let before_sets = (!cli.sets.is_empty()).then(|| root.clone());
    for set in &cli.sets {
        let flag = if set.as_string {
            "--set-string"
        } else {
            "--set"
        };
        apply_set(&mut root, flag, &set.arg, set.as_string)?;
    }
    let own = own_values(&layers);
    let components = components(&root, own.as_ref());
    let switched_off = switched_off(&root, own.as_ref());
    Ok(MergedValues {
        root,
        layers,
        components,
        adds,
        first_overlay,
        before_sets,
        switched_off,
        defaults: defaults.to_vec(),
    })
}

/// A blue-green `active` colour that is not one of the `colours` (top level or a component).
fn active_colours(root: &Node) -> Vec<Diagnostic> {
    let mut places = vec![(String::new(), root)];
    for (name, own) in root
        .get_path(&[COMPONENTS])
        .and_then(Node::as_map)
        .into_iter()
        .flatten()
    {
        places.push((format!("{COMPONENTS}.{name}."), own));
    }
    let mut out = Vec::new();
    for (prefix, node) in places {
        let Some(active) = node.get_path(&["blueGreen", "active"]) else {
            continue;
        };
        let colours: Vec<&str> = node
            .get_path(&["blueGreen", "colours"])
            .and_then(Node::as_map)
            .map(|m| m.keys().map(String::as_str).collect())
            .unwrap_or_default();
        let name = active.as_str().unwrap_or_default();
        if !colours.contains(&name) {
            out.push(
                Diagnostic::error(format!(
                    "blue-green active colour `{name}` is not one of the colours ({})",
                    colours.join(", ")
                ))
                .at(active.origin.clone())
                .key(format!("{prefix}blueGreen.active"))
                .help("set `active` to one of the colours under blueGreen.colours"),
            );
        }
    }
    out
}

/// Validates merged values; all violations are returned together. Each component's values
/// (the shared values with its own merged over them) are checked as the top level is, so a typo
/// or a wrong type inside `components.<name>` is found with its file:line; a problem of a shared
/// value is reported once, not once per component.
pub fn validate(schema: &ValuesSchema, values: &MergedValues) -> Result<(), Diagnostics> {
    let mut problems: Vec<Diagnostic> = schema
        .problems(&values.root)
        .into_iter()
        .map(|p| match deleted_by(&values.layers, &p.tokens) {
            // A key missing from the merged values because a layer deleted it with null.
            Some((node, key)) => {
                let mut d = p.diagnostic.at(node.origin.clone());
                d.notes.push(format!("`{key}: null` here deletes it"));
                d.help(format!(
                    "the key is required: remove `{key}: null`, or give it a value here"
                ))
            }
            None => p.diagnostic,
        })
        .collect();
    problems.extend(unknown_null_keys(schema, &values.layers, &problems));
    problems.extend(added_near_misses(schema.keyed(), values));
    if problems.is_empty() {
        problems.extend(active_colours(&values.root));
    }
    let declared = values
        .components
        .iter()
        .map(|c| (c, true))
        .chain(values.switched_off.iter().map(|c| (c, false)));
    for (component, on) in declared {
        let Some(name) = &component.name else {
            continue;
        };
        for problem in schema.problems(&component.values) {
            let mut d = problem.diagnostic;
            let seen = problems.iter().any(|p| {
                p.message == d.message
                    && p.origin.as_ref().map(ToString::to_string)
                        == d.origin.as_ref().map(ToString::to_string)
            });
            if !seen {
                // The key as written, when the component's own values hold it.
                let own = values.root.get_path(&[COMPONENTS, name.as_str()]);
                if d.key_path.is_some() && own.and_then(|n| n.pointer(&problem.tokens)).is_some() {
                    let mut full = vec![COMPONENTS.to_string(), name.clone()];
                    full.extend(problem.tokens);
                    d.key_path = Some(display_key_path(&full));
                }
                d.notes.push(format!(
                    "in component `{name}`{}: its values are the shared values with `components.{name}` merged over them",
                    if on { "" } else { " (switched off here, checked all the same)" }
                ));
                problems.push(d);
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Diagnostics(problems))
    }
}

/// The null that deletes key path `tokens` (or a map holding it) in the highest layer that
/// writes it, with the key it is written at; `None` when no layer deletes it there.
fn deleted_by<'a>(layers: &'a [Node], tokens: &[String]) -> Option<(&'a Node, String)> {
    for layer in layers.iter().rev() {
        let mut node = layer;
        for (depth, token) in tokens.iter().enumerate() {
            let Some(next) = node.as_map().and_then(|m| m.get(token)) else {
                break;
            };
            if matches!(next.value, Value::Null) {
                return Some((next, display_key_path(&tokens[..=depth])));
            }
            if depth + 1 == tokens.len() {
                // This layer writes the key itself: not deleted.
                return None;
            }
            node = next;
        }
    }
    None
}

/// Names the layers above base (and `--set`) add to keyed maps that are near misses of names
/// the layers below them define ([`keyed`]).
fn added_near_misses(keyed: &KeyedMaps, values: &MergedValues) -> Vec<Diagnostic> {
    let start = values.first_overlay.min(values.layers.len());
    let mut lower = Node::new(Value::Map(Map::default()), Origin::Generated);
    for layer in &values.layers[..start] {
        merge_overlay(&mut lower, layer.clone());
    }
    let mut out = Vec::new();
    for (layer, adds) in values.layers.iter().zip(&values.adds).skip(start) {
        let name = layer.origin.file_line().map_or_else(
            || "a values file".to_string(),
            |(f, _, _)| f.display.clone(),
        );
        out.extend(keyed::near_misses(keyed, &lower, layer, adds, &name));
        merge_overlay(&mut lower, layer.clone());
    }
    if let Some(before) = &values.before_sets {
        out.extend(keyed::near_misses(
            keyed,
            before,
            &values.root,
            &[],
            "--set",
        ));
    }
    out
}

/// Keys set to null in a layer, which the merge drops (null deletes a key), so the check of
/// the merged values never sees them: one the schema does not know is a typo (`replicaCont:`)
/// or not values at all (`root:*:0:0:::` lines read as keys), and is reported like any unknown
/// key. All of them are checked in one validation of a tree holding only them.
fn unknown_null_keys(
    schema: &ValuesSchema,
    layers: &[Node],
    already: &[Diagnostic],
) -> Vec<Diagnostic> {
    fn collect(from: &Node, into: &mut Node) -> bool {
        let (Value::Map(src), Value::Map(dst)) = (&from.value, &mut into.value) else {
            return false;
        };
        let mut any = false;
        for (k, v) in src {
            match &v.value {
                Value::Null => {
                    dst.insert(k.clone(), v.clone());
                    any = true;
                }
                Value::Map(_) => {
                    let child = dst
                        .entry(k.clone())
                        .or_insert_with(|| Node::new(Value::Map(Map::default()), v.origin.clone()));
                    if !matches!(child.value, Value::Map(_)) {
                        *child = Node::new(Value::Map(Map::default()), v.origin.clone());
                    }
                    any |= collect(v, child);
                }
                _ => {}
            }
        }
        any
    }
    let mut probe = Node::new(Value::Map(Map::default()), Origin::Generated);
    let mut any = false;
    for layer in layers {
        any |= collect(layer, &mut probe);
    }
    if !any {
        return Vec::new();
    }
    schema
        .problems(&probe)
        .into_iter()
        .filter(|p| p.kind == schema::ProblemKind::UnknownKey)
        .map(|p| p.diagnostic)
        .filter(|d| !already.iter().any(|p| p.message == d.message))
        .collect()
}

/// Every leaf (scalar, list or empty map) with its key tokens, in document order (for
/// `values --show-origin`).
pub fn leaf_paths(root: &Node) -> Vec<(Vec<String>, &Node)> {
    let mut out = Vec::new();
    walk(root, &mut Vec::new(), &mut out);
    out
}

fn walk<'a>(node: &'a Node, path: &mut Vec<String>, out: &mut Vec<(Vec<String>, &'a Node)>) {
    match &node.value {
        Value::Map(m) if !m.is_empty() => {
            for (k, v) in m {
                path.push(k.clone());
                walk(v, path, out);
                path.pop();
            }
        }
        _ => out.push((path.clone(), node)),
    }
}
