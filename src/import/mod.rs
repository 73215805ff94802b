//! `kforge import`: an existing application's manifests (one stream, file or folder per
//! environment) turned into a kforge project: each workload a component with the Services that
//! select it, shared values in base.yaml, each environment's differences in its overlay,
//! objects kforge has no values for kept verbatim as project templates, golden/ written.
//!
//! The result is proved, not hoped: the new project is rendered (and linted) for every
//! environment and compared with the input as `kforge diff -e ENV --against PATH` would; a
//! component whose objects differ is kept verbatim instead, until nothing differs. The project
//! is built in a folder beside the one asked for and moved into place only when proved: a run
//! that fails leaves no project there (or, with `--force`, the previous one untouched).

mod account;
mod anchors;
mod config;
mod convert;
mod factor;
mod hook;
mod ingress;
mod input;
mod layers;
mod map;
mod pod;
mod prepare;
mod prove;
mod write;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value as Json, json};

use crate::diag::{Diagnostic, Diagnostics, Exit, Failure};
use crate::diff::Key;
use crate::fs::StagedDir;

use input::{EnvInput, check_out_dir, destination, objects_of, read_env};
use map::{Object, map_env};

/// Attempts at demoting components whose objects differ before giving up.
const MAX_ROUNDS: usize = 4;

/// Why an import failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// `ENV=PATH` without `=`, or an environment name that is not a file name.
    #[error(
        "`{0}` is not a valid environment: write ENV=PATH, ENV a file name of lower-case letters, digits, `-` and `_` (e.g. prod=release/)"
    )]
    BadEnv(String),
    /// The same environment twice.
    #[error("environment `{0}` is given twice")]
    EnvTwice(String),
    /// The output folder holds files already.
    #[error("{0} exists and is not empty: choose a new folder, or pass --force to write into it")]
    NotEmpty(String),
    /// The output folder is inside an input folder: the project would be read as input the
    /// next time (its golden/ objects a second time), and by `kforge diff --against` it.
    #[error(
        "the output folder {out} is inside {input}, the input folder of environment {env}: the project would be read as input (its golden/ copies of the objects a second time) by the next import and by `kforge diff --against {input}`; choose an output folder outside {input}"
    )]
    OutputInInput {
        /// The output folder, as given.
        out: String,
        /// The input folder, as given.
        input: String,
        /// The environment.
        env: String,
    },
    /// Located problems in the input: YAML that does not parse, an object twice, no objects.
    #[error(transparent)]
    Input(#[from] Diagnostics),
    /// Writing the project.
    #[error(transparent)]
    Fs(#[from] crate::fs::Error),
    /// The new project does not render (a bug of the import; the project is kept beside the
    /// folder asked for, to look at).
    #[error(
        "the imported project does not render; it is kept in {dir} to look at (nothing was written to the folder asked for)"
    )]
    Render {
        /// The project.
        dir: String,
        /// What the import did, when it got as far as writing the project.
        summary: Option<Box<Report>>,
        /// Why.
        #[source]
        cause: crate::pipeline::Error,
    },
    /// Comparing failed.
    #[error(transparent)]
    Diff(#[from] crate::diff::Error),
    /// Differences remained (a bug of the import): the project is kept beside the folder
    /// asked for, to look at; `kforge check` fails there (golden/ holds the input).
    #[error(
        "the imported project still differs from its input; it is kept in {dir} to look at, where `kforge check` fails until its render matches golden/ (the input); nothing was written to the folder asked for:\n{report}"
    )]
    Drift {
        /// Where the project is kept.
        dir: String,
        /// What the import did, as a proved one says it.
        summary: Box<Report>,
        /// The differences.
        report: String,
    },
}

impl Error {
    /// What the import did, when it got as far as a proof that failed.
    pub fn summary(&self) -> Option<&Report> {
        match self {
            Error::Drift { summary, .. } => Some(summary),
            Error::Render { summary, .. } => summary.as_deref(),
            _ => None,
        }
    }
}

impl Failure for Error {
    fn exit(&self) -> Exit {
        match self {
            Error::Drift { .. } => Exit::Findings,
            Error::Render { cause, .. } => cause.exit(),
            _ => Exit::Input,
        }
    }

    fn report(
        &self,
        out: &mut dyn std::io::Write,
        color: crate::diag::Color,
    ) -> std::io::Result<()> {
        match self {
            Error::Input(d) => d.report(out, color),
            Error::Render { cause, .. } => {
                writeln!(out, "error: {self}")?;
                cause.report_cause(out, color)
            }
            other => crate::diag::write_chain(out, other),
        }
    }
}

/// What to import.
pub struct Request {
    /// The project folder to write.
    pub out: PathBuf,
    /// Write into a folder that is not empty.
    pub force: bool,
    /// `ENV=PATH` as given.
    pub envs: Vec<String>,
    /// For tests of a failed proof (which is a bug of the import, so no input makes one on
    /// purpose): the project gets one object its input does not have.
    pub inject_drift: bool,
    /// For tests of a project that does not render (a bug of the import too): the project
    /// gets a template that does not parse.
    pub inject_render_failure: bool,
    /// For tests of an import that fails while writing (a full disk; no valid input makes one
    /// on purpose): writing fails once environments/ is written.
    pub inject_write_failure: bool,
}

/// What an import did.
#[derive(Debug)]
pub struct Report {
    /// Where the project is: the folder asked for, or where a project whose proof failed is
    /// kept.
    pub dir: PathBuf,
    /// Environments, in the order given, with their input path and object count.
    pub envs: Vec<(String, String, usize)>,
    /// Components written.
    pub components: Vec<String>,
    /// Config sets written (config/<set>/), one per ConfigMap.
    pub config_sets: Vec<String>,
    /// Objects kept verbatim as project templates (`Kind name: why`).
    pub kept: Vec<String>,
    /// Secrets not imported, each with why (`Secret name (environment) holds data ...`).
    pub secrets: Vec<String>,
    /// Names in the input folders that are not regular files, skipped: a warning each.
    pub skipped: Vec<Diagnostic>,
    /// Objects converted from a removed API version before the import (`Kind name: what`);
    /// the proof and golden/ compare with them converted.
    pub converted: Vec<String>,
    /// Objects given `kforge.io/ignore` for the error rules the input fails
    /// (`Kind name: kforge.io/ignore: rules (why)`); no rule is disabled for the project.
    pub ignored: Vec<String>,
    /// Lines of the input manifests and of the values files written.
    pub manifest_lines: usize,
    /// Lines of environments/*.yaml.
    pub values_lines: usize,
}

/// Imports the environments of `req` into `req.out` and proves the result renders them.
pub fn import(req: &Request) -> Result<Report, Error> {
    let mut named: Vec<(&str, &str)> = Vec::new();
    for arg in &req.envs {
        let (name, path) = arg
            .split_once('=')
            .ok_or_else(|| Error::BadEnv(arg.clone()))?;
        let valid = !name.is_empty()
            && name.len() <= 63
            && name != "base"
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
        if !valid || path.is_empty() {
            return Err(Error::BadEnv(arg.clone()));
        }
        if named.iter().any(|(n, _)| *n == name) {
            return Err(Error::EnvTwice(name.to_string()));
        }
        named.push((name, path));
    }
    let dest = destination(&req.out)?;
    let failed = failed_dir(&dest);
    for (name, path) in &named {
        if let Some(input) = input::holding(Path::new(path), &dest) {
            return Err(Error::OutputInInput {
                out: req.out.display().to_string(),
                input,
                env: (*name).to_string(),
            });
        }
    }
    // Environments are read and parsed on every core; the first failure in the order given
    // is reported.
    let mut inputs = crate::par::map(&named, |(name, path)| {
        read_env(name, Path::new(path), &req.out)
    })
    .into_iter()
    .collect::<Result<Vec<EnvInput>, Error>>()?;
    if inputs.is_empty() {
        return Err(Error::BadEnv(String::new()));
    }
    // The folder, and where a project that fails its proof is kept, written only when
    // neither is reached through a link out of the project.
    crate::fs::checked_output(&dest, [&dest])?;
    crate::fs::checked_output(&failed, [&failed])?;
    check_out_dir(&req.out, req.force)?;
    let name = dest
        .file_name()
        .map(|n| map::component_name(&n.to_string_lossy()))
        .unwrap_or_else(|| "app".to_string());

    // Secrets with data left out, removed API versions converted, errors of the input
    // silenced on their objects: what is mapped, proved and kept in golden/.
    let prepared = prepare::prepare(&mut inputs)?;

    let staged = StagedDir::begin(&dest)?;
    let dir = staged.path().to_path_buf();
    let mut keep = Vec::new();
    let mut round = 0;
    // Values shared only where every component has them alike, after a project of shared
    // values with exceptions did not render (a bug of the import, met on no input so far).
    let mut cautious = false;
    loop {
        round += 1;
        // The objects as JSON, for mapping: made for each round and dropped once the project is
        // written, with the kept objects' texts, so that the proof (which holds the render
        // beside the input) does not hold them too.
        for input in &mut inputs {
            input.objects = objects_of(&input.docs);
        }
        let mut plan = plan(&inputs, &keep, cautious);
        write::project(&dir, &name, &env_names(&inputs), &plan)?;
        plan.verbatim = BTreeMap::new();
        for input in &mut inputs {
            input.objects = Vec::new();
        }
        if req.inject_write_failure {
            return Err(crate::fs::Error::new(
                format!("writing {}", dir.join("golden").display()),
                std::io::Error::other("no space left on device (injected for a test)"),
            )
            .into());
        }
        if req.inject_drift {
            write::extra_object(&dir)?;
        }
        if req.inject_render_failure {
            write::broken_template(&dir)?;
        }
        let proofs = match prove::verify(&dir, &inputs) {
            Ok(p) => p,
            Err(Error::Render { .. }) if !cautious && !req.inject_render_failure => {
                cautious = true;
                continue;
            }
            Err(Error::Render { cause, .. }) => {
                // Kept to look at, with golden/ the input: `check` fails there.
                for input in &inputs {
                    let files = prove::input_golden(input).map_err(|cause| Error::Render {
                        dir: failed.display().to_string(),
                        summary: None,
                        cause,
                    })?;
                    write::golden(&dir, &input.name, &files)?;
                }
                let mut report = summary(&inputs, &plan, &prepared, write::values_lines(&dir)?);
                report.dir.clone_from(&failed);
                staged.keep_as(&failed)?;
                return Err(Error::Render {
                    dir: failed.display().to_string(),
                    summary: Some(Box::new(report)),
                    cause,
                });
            }
            Err(e) => return Err(e),
        };
        let drift: Vec<Key> = proofs.iter().flat_map(|p| p.drift.clone()).collect();
        // A component whose workload differs is kept whole; otherwise only the objects that
        // differ (a Service, an autoscaler) are kept verbatim and the workload stays mapped.
        let mut demote: Vec<Key> = plan
            .covers
            .iter()
            .flat_map(|(_, keys)| match keys.first() {
                Some(workload) if drift.contains(workload) => keys.clone(),
                _ => keys.iter().filter(|k| drift.contains(k)).cloned().collect(),
            })
            .collect();
        // A config set that differs in one environment is kept verbatim in all of them.
        for (_, keys) in &plan.config_covers {
            if keys.iter().any(|k| drift.contains(k)) {
                demote.extend(keys.iter().cloned());
            }
        }
        if !(drift.is_empty() || demote.is_empty() || round == MAX_ROUNDS) {
            keep.extend(demote);
            continue;
        }
        for (input, proof) in inputs.iter().zip(&proofs) {
            write::golden(&dir, &input.name, &proof.golden)?;
        }
        let mut report = summary(&inputs, &plan, &prepared, write::values_lines(&dir)?);
        if drift.is_empty() {
            // What the import does not write (a .git folder, a README, dist/) stays.
            staged.commit(|entry| !WRITTEN.contains(&entry))?;
            report.dir.clone_from(&req.out);
            return Ok(report);
        }
        report.dir.clone_from(&failed);
        staged.keep_as(&failed)?;
        return Err(Error::Drift {
            dir: failed.display().to_string(),
            summary: Box::new(report),
            report: proofs.iter().map(|p| p.report.as_str()).collect(),
        });
    }
}

/// What an import writes into its folder: with `--force`, everything else already there stays.
const WRITTEN: &[&str] = &[
    "environments",
    "chart-templates",
    crate::render::CONFIG_DIR,
    "golden",
    crate::lint::CONFIG_FILE,
];

/// Where a project whose proof failed is kept: `<DIR>.import-failed` beside DIR.
fn failed_dir(dest: &Path) -> PathBuf {
    let mut name = dest.file_name().unwrap_or_default().to_os_string();
    name.push(".import-failed");
    dest.with_file_name(name)
}

/// What an import did, for the summary.
fn summary(
    inputs: &[EnvInput],
    plan: &Plan,
    prepared: &prepare::Prepared,
    values_lines: usize,
) -> Report {
    Report {
        dir: PathBuf::new(),
        envs: inputs
            .iter()
            .map(|i| {
                (
                    i.name.clone(),
                    i.path.display().to_string(),
                    // An object per document (objects_of).
                    i.docs.len(),
                )
            })
            .collect(),
        components: plan.covers.iter().map(|(c, _)| c.clone()).collect(),
        config_sets: plan.config_files.iter().map(|(s, _)| s.clone()).collect(),
        kept: plan
            .kept
            .iter()
            .map(|(key, why)| {
                let (k, ns, n) = (&key.kind, &key.namespace, &key.name);
                if ns.is_empty() {
                    format!("{k} {n}: {why}")
                } else {
                    format!("{k} {ns}/{n}: {why}")
                }
            })
            .collect(),
        secrets: prepared.secrets.clone(),
        skipped: inputs.iter().flat_map(|i| i.skipped.clone()).collect(),
        converted: prepared.converted.clone(),
        ignored: prepared.ignored.clone(),
        manifest_lines: inputs.iter().map(|i| i.lines).sum(),
        values_lines,
    }
}

/// What to write: the values of each environment, the objects kept verbatim.
pub(crate) struct Plan {
    /// Per environment (in input order): its values.
    pub values: Vec<(String, Json)>,
    /// Components and the objects each stands for (union over environments).
    pub covers: Vec<(String, Vec<Key>)>,
    /// Objects kept verbatim: (kind, namespace, name) and why. The namespace is empty for an
    /// object in its environment's one namespace, written from the values' `namespace`.
    pub kept: Vec<(Key, String)>,
    /// Kept objects' YAML per environment: key -> [(env, text)].
    pub verbatim: BTreeMap<Key, Vec<(String, String)>>,
    /// Config sets made of ConfigMaps: name and files (file name, template text).
    pub config_files: Vec<(String, Vec<(String, String)>)>,
    /// The ConfigMaps each config set stands for (every environment's).
    pub config_covers: Vec<(String, Vec<Key>)>,
    /// Per environment (in input order): the component kept objects render with there, none
    /// when it has no components (see write.rs).
    pub renderers: Vec<Option<String>>,
}

/// Stands for an object's namespace in a kept object's text; the template writes the
/// environment's `namespace` value there (write.rs).
pub(crate) const NAMESPACE_PLACEHOLDER: &str = "KFORGE_IMPORT_NAMESPACE_3b9f";

/// Stands for a kept object's labels when they are the first component's `commonLabels`; the
/// template writes that value there (write.rs).
pub(crate) const LABELS_PLACEHOLDER: &str = "KFORGE_IMPORT_LABELS_3b9f";

/// Why a demoted object is kept.
const DIFFERED: &str = "rendered from values it differed from its manifest";

/// `cautious`: components share only what all of them have alike ([`Sharing::AllAlike`]).
fn plan(inputs: &[EnvInput], keep: &[Key], cautious: bool) -> Plan {
    let mut values = Vec::new();
    let mut covers: Vec<(String, Vec<Key>)> = Vec::new();
    let mut covered = Vec::new();
    let mut reasons: BTreeMap<Key, String> = BTreeMap::new();
    let mut env_components = Vec::new();
    for input in inputs {
        let mut mapped = map_env(&input.objects, keep);
        account::map_accounts(&input.objects, keep, &mut mapped);
        env_components.push(mapped.components.clone());
        for (k, why) in mapped.reasons {
            reasons.entry(k).or_insert(why);
        }
        for (c, keys) in mapped.covers {
            covered.extend(keys.iter().cloned());
            match covers.iter_mut().find(|(n, _)| *n == c) {
                Some((_, k)) => {
                    for key in keys {
                        if !k.contains(&key) {
                            k.push(key);
                        }
                    }
                }
                None => covers.push((c, keys)),
            }
        }
    }
    // Ports that leave their protocol unset, as most do in some inputs: said once.
    let unset = {
        let mut all: Vec<&mut Map<String, Json>> = env_components
            .iter_mut()
            .flat_map(|m| m.values_mut().filter_map(Json::as_object_mut))
            .collect();
        pod::ports_unset_by_default(&mut all)
    };
    let any_component = env_components.iter().any(|c| !c.is_empty());
    // What the components share, chosen the way that writes the fewest values lines.
    let everywhere = {
        // Across components, not across one component's environments.
        let names: std::collections::BTreeSet<&String> =
            env_components.iter().flat_map(Map::keys).collect();
        let all: Vec<&Json> = env_components.iter().flat_map(Map::values).collect();
        if names.len() > 1 {
            factor::shared_by_components(&all)
        } else {
            json!({})
        }
    };
    let defaults = factor::builtin_defaults();
    // `lift`: what all of an environment's components still write alike after sharing goes
    // to its top level ([`factor::lift_common`]).
    let frames = |(sharing, lift): (Sharing, bool)| -> Vec<Json> {
        let frames = inputs
            .iter()
            .zip(&env_components)
            .map(|(input, components)| {
                let all: Vec<&Json> = components.values().collect();
                let shared = match sharing {
                    Sharing::PerEnvironment => factor::shared_by_components(&all),
                    Sharing::Everywhere => everywhere.clone(),
                    Sharing::AllAlike => (all.len() > 1)
                        .then(|| factor::common(&all))
                        .flatten()
                        .unwrap_or_else(|| json!({})),
                };
                let ns = env_namespace(&input.objects);
                shared_frame(components, ns, any_component, unset, shared)
            })
            .collect::<Vec<Json>>();
        if !lift {
            return frames;
        }
        let own: Vec<Map<String, Json>> = frames
            .iter()
            .map(|f| {
                f.get("components")
                    .and_then(Json::as_object)
                    .cloned()
                    .unwrap_or_default()
            })
            .collect();
        frames
            .into_iter()
            .enumerate()
            .map(|(i, mut frame)| {
                let elsewhere: Vec<&Map<String, Json>> = own
                    .iter()
                    .enumerate()
                    .filter_map(|(j, o)| (j != i).then_some(o))
                    .collect();
                factor::lift_common(&mut frame, &defaults, &elsewhere);
                frame
            })
            .collect()
    };
    let names = env_names(inputs);
    let ways: &[(Sharing, bool)] = if cautious {
        &[(Sharing::AllAlike, false)]
    } else {
        &[
            (Sharing::PerEnvironment, false),
            (Sharing::Everywhere, false),
            (Sharing::AllAlike, false),
            (Sharing::PerEnvironment, true),
            (Sharing::Everywhere, true),
            (Sharing::AllAlike, true),
        ]
    };
    let best = ways
        .iter()
        .copied()
        .map(frames)
        .min_by_key(|frames| write::lines_written(&frames.iter().collect::<Vec<_>>(), &names))
        .unwrap_or_default();
    values.extend(inputs.iter().map(|i| i.name.clone()).zip(best));
    // ConfigMaps become config sets, looked at across environments (a file's content may
    // differ between them).
    let envs: Vec<config::EnvObjects<'_>> = inputs
        .iter()
        .zip(&values)
        .map(|(i, (_, v))| config::EnvObjects {
            objects: &i.objects,
            namespace: env_namespace(&i.objects),
            common_labels: v.get("commonLabels").and_then(Json::as_object),
        })
        .collect();
    let config = config::map_config_maps(&envs, keep);
    for (k, why) in config.reasons {
        reasons.entry(k).or_insert(why);
    }
    for (_, keys) in &config.covers {
        covered.extend(keys.iter().cloned());
    }
    for ((_, v), files) in values.iter_mut().zip(config.values) {
        if !files.is_empty() {
            v["configFiles"] = Json::Object(files);
        }
    }
    let mut verbatim: BTreeMap<Key, Vec<(String, String)>> = BTreeMap::new();
    let mut kept_reasons: BTreeMap<Key, String> = BTreeMap::new();
    // Kept objects render once per environment, with one of its components (write.rs): labels
    // that are that component's commonLabels are written from them, so they follow the
    // environment too.
    let renderers = renderers(&env_components);
    for ((input, components), renderer) in inputs.iter().zip(&env_components).zip(&renderers) {
        let ns = env_namespace(&input.objects);
        let labels = renderer
            .as_deref()
            .and_then(|c| components.get(c))
            .and_then(|c| c.get("commonLabels"))
            .filter(|l| l.as_object().is_some_and(|m| !m.is_empty()));
        for (obj, doc) in input.objects.iter().zip(&input.docs) {
            if covered.contains(&obj.key) {
                continue;
            }
            // An object in the environment's one namespace is one template for every
            // environment, its namespace the environment's value.
            let own_ns = &obj.key.namespace;
            let mut group = Key::new(&obj.key.kind, "", &obj.key.name);
            let factored = ns == Some(own_ns.as_str())
                && !verbatim
                    .get(&group)
                    .is_some_and(|v| v.iter().any(|(e, _)| *e == input.name));
            let own_labels = labels.is_some() && obj.json.pointer("/metadata/labels") == labels;
            let mut node = doc.node.clone();
            if factored {
                set_meta(&mut node, "namespace", NAMESPACE_PLACEHOLDER);
            } else {
                group.namespace = own_ns.clone();
            }
            if own_labels {
                set_meta(&mut node, "labels", LABELS_PLACEHOLDER);
            }
            let text = crate::yaml::emit_document(&node);
            kept_reasons
                .entry(group.clone())
                .or_insert_with(|| match reasons.get(&obj.key) {
                    Some(why) => why.clone(),
                    None if keep.contains(&obj.key) => DIFFERED.to_string(),
                    None => why_kept(obj),
                });
            verbatim
                .entry(group)
                .or_default()
                .push((input.name.clone(), text));
        }
    }
    Plan {
        values,
        covers,
        kept: kept_reasons.into_iter().collect(),
        verbatim,
        config_files: config.files,
        config_covers: config.covers,
        renderers,
    }
}

/// Per environment, the component its kept objects render with: of its components, the one
/// most environments have (then the first by name), so that one name serves most of them.
fn renderers(env_components: &[Map<String, Json>]) -> Vec<Option<String>> {
    let count = |c: &str| env_components.iter().filter(|m| m.contains_key(c)).count();
    env_components
        .iter()
        .map(|m| {
            m.keys()
                .max_by(|a, b| count(a).cmp(&count(b)).then(b.cmp(a)))
                .cloned()
        })
        .collect()
}

/// The one namespace of an environment: every workload has it and no object has another.
fn env_namespace(objects: &[Object]) -> Option<&str> {
    let mut ns: Option<&str> = None;
    for o in objects {
        let own = o.key.namespace.as_str();
        if own.is_empty() {
            if map::is_component_kind(&o.key.kind) {
                return None;
            }
            continue;
        }
        match ns {
            Some(n) if n != own => return None,
            _ => ns = Some(own),
        }
    }
    ns
}

/// Sets metadata.<key> of an object's node (it has one).
fn set_meta(node: &mut crate::yaml::Node, key: &str, to: &str) {
    use crate::yaml::Value;
    if let Value::Map(m) = &mut node.value
        && let Some(meta) = m.get_mut("metadata")
        && let Value::Map(meta) = &mut meta.value
        && let Some(v) = meta.get_mut(key)
    {
        v.value = Value::String(to.to_string());
    }
}

/// Why an object that mapping did not look at (or did not take) is kept verbatim.
fn why_kept(obj: &Object) -> String {
    match obj.key.kind.as_str() {
        "Ingress" => "it routes to no Service of an imported workload (an Ingress goes with the \
                      component whose Service it routes to)"
            .to_string(),
        "Service" => "it selects no imported workload's pods, or has a field its workload's \
                      `services` cannot say (an unnamed port, metadata beyond labels and annotations)"
            .to_string(),
        "HorizontalPodAutoscaler" => "not an autoscaling/v2 autoscaler of an imported workload \
                                      with fields `autoscaling` says (behavior is not)"
            .to_string(),
        "PodDisruptionBudget" => "its selector is not exactly an imported Deployment's or \
                                  StatefulSet's selector"
            .to_string(),
        kind => format!("kforge has no values for a {kind}"),
    }
}

/// An environment's whole values: kforge's defaults that an imported object does not have
/// turned off at the top level (so components only say what their objects say), what the
/// components share (`shared`, [`Sharing`]), and each component's own values over it.
/// `any_component`: whether some environment of the import has components (when none has,
/// the values say only `kind: None`, the namespace and what keeps kforge's own Service and
/// labels out: nothing renders from the rest);
/// `ports_unset`: whether ports leave their protocol unset unless they say one
/// ([`pod::ports_unset_by_default`]).
fn shared_frame(
    components: &Map<String, Json>,
    namespace: Option<&str>,
    any_component: bool,
    ports_unset: bool,
    mut shared: Json,
) -> Json {
    let mut v = if any_component {
        json!({
            "image": {"pullPolicy": null},
            "replicaCount": null,
            "serviceAccount": {"automount": null},
            "standardLabels": false,
            "service": {"enabled": false},
        })
    } else {
        // No workload: the kept objects and config sets only (their labels as written).
        json!({"standardLabels": false, "service": {"enabled": false}})
    };
    if ports_unset {
        v["containerPortProtocol"] = json!("");
    }
    if let Some(ns) = namespace {
        // The environment's namespace, which kept objects in it are written with.
        v["namespace"] = json!(ns);
    }
    if components.is_empty() {
        // Nothing maps to a component: no workload of kforge's, only the kept objects.
        v["kind"] = json!("None");
        return v;
    }
    if let (Some(ns), Some(m)) = (namespace, shared.as_object_mut()) {
        // Every component is in it (env_namespace): said once.
        m.insert("namespace".into(), json!(ns));
    }
    for (k, val) in shared.as_object().into_iter().flatten() {
        match (v.get_mut(k), val) {
            (Some(Json::Object(frame)), Json::Object(own)) => {
                for (kk, vv) in own {
                    frame.insert(kk.clone(), vv.clone());
                }
            }
            _ => {
                v[k] = val.clone();
            }
        }
    }
    let own: Map<String, Json> = components
        .iter()
        .map(|(name, c)| {
            (
                name.clone(),
                factor::overlay(&shared, c).unwrap_or_else(|| json!({})),
            )
        })
        .collect();
    v["components"] = Json::Object(own);
    v
}

/// Where what components share is looked for (the import writes the way of fewest lines).
#[derive(Clone, Copy)]
enum Sharing {
    /// In each environment's components, with exceptions ([`factor::shared_by_components`]):
    /// what a group of environments shares beyond the others goes to their layer.
    PerEnvironment,
    /// In every environment's components at once, with exceptions: one shared set everywhere.
    Everywhere,
    /// Only what every component of an environment has alike ([`factor::common`]).
    AllAlike,
}

fn env_names(inputs: &[EnvInput]) -> Vec<&str> {
    inputs.iter().map(|i| i.name.as_str()).collect()
}
