//! The last release of an environment, which the upgrade rules compare a new render with
//! ([`crate::lint::upgrade_findings`]).
//!
//! Where it is looked for, first found wins:
//! 1. `--previous [ENV=]CHART` (a `.tgz` file, or `oci://HOST/PATH/NAME:VERSION` pulled with
//!    push's credential rules): the chart's own `kforge.io/environment` annotation says which
//!    environment it is the last release of, unless `ENV=` says so.
//! 2. The newest version below the one being built in the published index
//!    (`--published DIR`: `DIR/<env>/index.yaml`), read from `DIR/<env>/` when its archive is there.
//!    With `--published oci://HOST/PATH` instead, the newest version below it among the tags
//!    of `HOST/PATH/<env>/<chart>` in that registry, pulled.
//! 3. The same in the destination (`dist/<env>/index.yaml` and its archives), where the last
//!    build or a fetched repository left them.
//!
//! An earlier version that is indexed but whose archive is not at hand is reported (a warning
//! that the upgrade was not checked), never skipped in silence.

use std::path::{Path, PathBuf};

use super::Published;
use crate::chart::ChartYaml;
use crate::chart::read::{FileError, read_archive, read_archive_bytes};
use crate::chart::repo::read_index;
use crate::diag::{Diagnostic, Diagnostics};
use crate::manifest::Document;

/// A release to compare with: its version, where it came from, its objects.
#[derive(Debug)]
pub struct Baseline {
    /// The chart version.
    pub version: String,
    /// Where it was read (`dist/prod/shop-1.0.0.tgz`, `oci://...`).
    pub source: String,
    /// Its objects as the upgrade rules read them ([`crate::lint::compared_parts`]): what a
    /// rule compares, no hooks.
    pub docs: Vec<Document>,
    /// What a user should know of how it was chosen (the version went down, the chart was
    /// renamed), with what to do: each a warning of the check.
    pub notes: Vec<(String, String)>,
}

/// What is known of an environment's last release.
#[derive(Debug)]
pub enum LastRelease {
    /// No earlier version of the chart where kforge looked: a first release.
    None,
    /// The last release, read.
    Found(Baseline),
    /// An earlier version is indexed, but its archive is not at hand.
    NotAtHand {
        /// Its version.
        version: String,
        /// The index that lists it.
        index: String,
    },
}

/// Where last releases are looked for, shared by every environment of a run.
#[derive(Debug, Default)]
pub struct Previous {
    /// Charts given with `--previous`, by environment.
    given: Vec<(String, Baseline)>,
    /// The destination (`-d`, default `dist`).
    destination: PathBuf,
    /// `--published DIR`.
    published: Option<PathBuf>,
    /// `--published oci://HOST/PATH`, and how it is reached.
    registry: Option<(String, crate::oci::PullOptions)>,
}

impl Previous {
    /// Reads the charts of `--previous` (each `[ENV=]FILE` or `[ENV=]oci://REF`) and notes the
    /// folders to look in. A chart that cannot be read, or names no environment, is an input
    /// error.
    pub fn new(
        given: &[String],
        destination: &Path,
        published: &Published,
        oci: &crate::oci::PullOptions,
    ) -> super::Result<Self> {
        let mut out = Vec::new();
        for arg in given {
            let (env, what) = match arg.split_once('=') {
                Some((env, what)) if !env.contains('/') && !env.contains(':') => {
                    (Some(env.to_string()), what)
                }
                _ => (None, arg.as_str()),
            };
            let (bytes, source) = if what.starts_with("oci://") {
                (crate::oci::pull_chart(what, oci)?, what.to_string())
            } else {
                let path = Path::new(what);
                (read_archive_bytes(path)?, path.display().to_string())
            };
            let (chart, docs) = read_chart(&source, &bytes)?;
            let named = chart
                .node
                .get_path(&["annotations", "kforge.io/environment"])
                .and_then(crate::yaml::Node::as_str)
                .map(str::to_string);
            if let (Some(given), Some(named)) = (&env, &named)
                && given != named
            {
                return Err(Diagnostics::from(
                    Diagnostic::error(format!(
                        "--previous {arg}: the chart is a release of environment `{named}` (its kforge.io/environment annotation), not of `{given}`"
                    ))
                    .help(format!(
                        "give {given}'s last release, or write --previous {named}=... if this is the one meant"
                    )),
                )
                .into());
            }
            let Some(env) = env.or(named) else {
                return Err(Diagnostics::from(
                    Diagnostic::error(format!(
                        "--previous {arg}: the chart does not say which environment it is a release of (no kforge.io/environment annotation)"
                    ))
                    .help("name the environment: --previous ENV=CHART"),
                )
                .into());
            };
            if out.iter().any(|(e, _)| *e == env) {
                return Err(Diagnostics::from(
                    Diagnostic::error(format!(
                        "--previous gives two charts for environment `{env}`"
                    ))
                    .help("give one last release per environment"),
                )
                .into());
            }
            out.push((
                env,
                Baseline {
                    version: chart.version.clone(),
                    source,
                    docs,
                    notes: Vec::new(),
                },
            ));
        }
        Ok(Self {
            given: out,
            destination: destination.to_path_buf(),
            published: published.dir.clone(),
            registry: published.registry.clone().map(|r| (r, published.pull)),
        })
    }

    /// The environments `--previous` names, to check them against the project's.
    pub fn given_envs(&self) -> impl Iterator<Item = &str> {
        self.given.iter().map(|(e, _)| e.as_str())
    }

    /// The last release of chart `name` in `env` before `version`.
    pub fn last_release(&self, env: &str, name: &str, version: &str) -> super::Result<LastRelease> {
        if let Some((_, b)) = self.given.iter().find(|(e, _)| e == env) {
            return Ok(LastRelease::Found(Baseline {
                version: b.version.clone(),
                source: b.source.clone(),
                docs: b.docs.clone(),
                notes: b.notes.clone(),
            }));
        }
        let Ok(current) = semver::Version::parse(version) else {
            return Ok(LastRelease::None);
        };
        let folders: Vec<PathBuf> = self
            .published
            .iter()
            .map(|d| d.join(env))
            .chain(std::iter::once(self.destination.join(env)))
            .collect();
        let mut found = Vec::new();
        for dir in &folders {
            let index_path = dir.join("index.yaml");
            if !index_path.is_file() {
                continue;
            }
            let index = read_index(&index_path)?;
            for (chart, entries) in &index.entries {
                for e in entries.iter().filter(|e| *e.semver() != current) {
                    let archive = e.urls().into_iter().find_map(|u| archive_in(dir, u));
                    found.push(Indexed {
                        chart: chart.clone(),
                        version: e.semver().clone(),
                        archive,
                        index: index_path.display().to_string(),
                    });
                }
            }
        }
        let (mut best, notes) = choose(found, name, &current);
        // The registry CI publishes to: its newest earlier version wins a tie (it is what was
        // released; a folder may hold a local build).
        if let Some((repo, version)) = self.newest_in_registry(env, name, &current)?
            && best.as_ref().is_none_or(|b| version >= b.version)
        {
            let reference = format!("{repo}:{}", version.to_string().replace('+', "_"));
            let pull = self.registry.as_ref().map(|(_, p)| *p).unwrap_or_default();
            let bytes = crate::oci::pull_chart(&reference, &pull)?;
            return Ok(LastRelease::Found(Baseline {
                version: version.to_string(),
                docs: read_chart(&reference, &bytes)?.1,
                source: reference,
                notes: Vec::new(),
            }));
        }
        Ok(match best.take() {
            None => LastRelease::None,
            Some(Indexed {
                version,
                archive: None,
                index,
                ..
            }) => LastRelease::NotAtHand {
                version: version.to_string(),
                index,
            },
            Some(Indexed {
                version,
                archive: Some(path),
                ..
            }) => {
                let bytes = read_archive_bytes(&path)?;
                let source = path.display().to_string();
                let docs = match read_record(&path, &source, &bytes) {
                    Some(docs) => docs,
                    None => read_chart(&source, &bytes)?.1,
                };
                LastRelease::Found(Baseline {
                    version: version.to_string(),
                    source,
                    docs,
                    notes,
                })
            }
        })
    }
}

/// A version an index of the environment lists.
struct Indexed {
    chart: String,
    version: semver::Version,
    /// Its archive, when it is beside the index.
    archive: Option<PathBuf>,
    /// The index (`dist/prod/index.yaml`).
    index: String,
}

/// The last release among `found` (every indexed version but `current`): the newest version of
/// chart `name` below `current`, of equal ones one whose archive is at hand. When there is none
/// below, the newest above (the version went down: what is deployed is a higher one); when
/// the indexes hold no version of `name` at all, the newest of another chart (it was renamed:
/// the Helm release it upgrades is the same). What was chosen so is said in the notes.
fn choose(
    found: Vec<Indexed>,
    name: &str,
    current: &semver::Version,
) -> (Option<Indexed>, Vec<(String, String)>) {
    let mut notes = Vec::new();
    let (mine, others): (Vec<Indexed>, Vec<Indexed>) =
        found.into_iter().partition(|i| i.chart == name);
    let renamed = mine.is_empty();
    let pool = if renamed { others } else { mine };
    let rank = |i: &Indexed| (i.version.clone(), i.archive.is_some());
    let highest = pool.iter().map(|i| i.version.clone()).max();
    let (below, above): (Vec<Indexed>, Vec<Indexed>) =
        pool.into_iter().partition(|i| i.version < *current);
    if let Some(top) = highest.filter(|h| h > current) {
        notes.push((
            format!(
                "version {current} is below {top}, which is published already: chart repositories, `helm upgrade` without --version and `helm pull` take the highest version, so {top} stays the one installed"
            ),
            format!("give this release a version above {top}"),
        ));
    }
    let chosen = if below.is_empty() {
        above.into_iter().max_by_key(rank)
    } else {
        below.into_iter().max_by_key(rank)
    };
    if renamed && let Some(c) = &chosen {
        notes.push((
            format!(
                "chart `{name}` has no earlier release here, but chart `{}` has: {} {} is taken as the last release (a renamed chart upgrades the same Helm release)",
                c.chart, c.chart, c.version
            ),
            format!("nothing to do if the chart was renamed from `{}` on purpose; this note ends with its first release", c.chart),
        ));
    }
    (chosen, notes)
}

impl Previous {
    /// The newest version below `current` the registry of `--published oci://...` holds of
    /// `env`'s chart `name` (tags that are not SemVer versions are not releases), with the
    /// repository it is in.
    fn newest_in_registry(
        &self,
        env: &str,
        name: &str,
        current: &semver::Version,
    ) -> super::Result<Option<(String, semver::Version)>> {
        let Some((base, pull)) = &self.registry else {
            return Ok(None);
        };
        let repo = format!("{base}/{env}/{name}");
        let newest = crate::oci::published_tags(&repo, pull)?
            .iter()
            .filter_map(|t| semver::Version::parse(&t.replace('_', "+")).ok())
            .filter(|v| v < current)
            .max();
        Ok(newest.map(|v| (repo, v)))
    }
}

/// The archive an index entry's URL names, if it is a regular file (not a link) in `dir`:
/// the URL's last path segment, which is how kforge and `helm repo index` name archives.
fn archive_in(dir: &Path, url: &str) -> Option<PathBuf> {
    let path = url.split(['?', '#']).next().unwrap_or_default();
    let file = path.rsplit('/').next().unwrap_or_default();
    let plain = !file.is_empty()
        && file != "."
        && file != ".."
        && !file.contains('\\')
        && file.ends_with(".tgz");
    if !plain {
        return None;
    }
    let candidate = dir.join(file);
    std::fs::symlink_metadata(&candidate)
        .is_ok_and(|m| m.file_type().is_file())
        .then_some(candidate)
}

/// Chart.yaml and the objects of an archive's bytes; `source` names it.
fn read_chart(source: &str, bytes: &[u8]) -> super::Result<(ChartYaml, Vec<Document>)> {
    let files = read_archive(bytes).map_err(|e| FileError::Archive {
        path: source.to_string(),
        source: e,
    })?;
    let chart_yaml = files
        .iter()
        .find(|f| f.name == "Chart.yaml")
        .map(|f| f.data.clone())
        .unwrap_or_default();
    let chart = ChartYaml::from_archive(source, chart_yaml).map_err(|e| {
        Diagnostics::from(
            Diagnostic::error(format!("{e}"))
                .help("--previous takes a chart archive that kforge or Helm packaged (`.tgz`)"),
        )
    })?;
    // Only objects an upgrade rule looks at are read: a file that is plainly one object of
    // another kind is left unparsed (a file of another shape, or several objects, is read).
    let files = files
        .into_iter()
        .filter(|f| {
            !(f.name.starts_with("templates/")
                && single_kind(&f.data).is_some_and(|k| !crate::lint::UPGRADE_KINDS.contains(&k)))
        })
        .collect();
    let docs = crate::diff::archive_documents(source, files)?
        .iter()
        .filter_map(|d| {
            crate::lint::compared_parts(d).map(|n| Document::new(&d.template, d.index, n))
        })
        .collect();
    Ok((chart, docs))
}

/// The kind of a manifest file that plainly holds one object in block style: exactly one
/// line `kind: X` at the start of a line, no document separator but a leading `---`, and
/// nothing that reads as flow style or JSON at the top. `None` when in doubt.
fn single_kind(data: &[u8]) -> Option<&str> {
    let text = std::str::from_utf8(data).ok()?;
    let mut kind = None;
    let mut first = true;
    for line in text.lines() {
        let content = !line.is_empty() && !line.starts_with('#');
        if first && content {
            first = false;
            if line == "---" {
                continue;
            }
            if line.starts_with(['{', '[', '"', '\'']) {
                return None;
            }
        }
        if line.starts_with("---") || line.starts_with("...") {
            return None;
        }
        if let Some(rest) = line.strip_prefix("kind:") {
            if kind.is_some() {
                return None;
            }
            kind = Some(rest.trim().trim_matches(['"', '\'']));
        }
    }
    kind.filter(|k| !k.is_empty() && k.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// The record a build keeps beside archive `file_name` (`app-1.0.0.tgz`) in its folder: what
/// the upgrade rules compare of the release, so the next build or check compares without
/// reading the archive back (inflating and parsing every object of it cost a fifth of a check).
/// Hidden, like `.kforge-digests`; a cache: a missing, stale or unreadable record only costs
/// reading the archive, which is also what a record of another kforge version costs.
pub fn record_name(file_name: &str) -> String {
    format!(".kforge-compared-{file_name}.yaml")
}

/// The largest record read; a bigger one is ignored (the archive is read instead).
const MAX_RECORD_BYTES: u64 = crate::chart::limits::MAX_ARCHIVE_BYTES;

/// The text of the record of an archive of digest `digest` holding `docs`, as packaged: each
/// object's compared parts with where the archive holds it (file, line and column of its first
/// key, and that line), so a finding on it reads the same as one found by reading the archive.
pub fn release_record(digest: &str, docs: &[Document]) -> String {
    use crate::yaml::{Map, Node, Origin, Value};
    let plain = |v: Value| Node::new(v, Origin::Generated);
    let text = |s: &str| plain(Value::String(s.to_string()));
    let mut objects = Vec::new();
    // Named as package_rendered names the files of templates/ (tests apart, and hooks, which
    // the rules leave out).
    let manifests: Vec<&Document> = docs.iter().filter(|d| !d.is_test_hook()).collect();
    let names = crate::manifest::object_file_names(
        "",
        manifests
            .iter()
            .map(|d| (d.kind.as_str(), d.namespace.as_str(), d.name.as_str())),
    );
    for (doc, file) in manifests.into_iter().zip(names) {
        let Some(parts) = crate::lint::compared_parts(doc) else {
            continue;
        };
        // The packaged file is `Document::to_yaml`: its header, then the object's first key
        // at column 1, whose line is the first of the object emitted alone.
        let first_line = match doc.node.as_map().and_then(|m| m.first()) {
            Some((k, v)) => {
                let mut one = Map::default();
                one.insert(k.clone(), v.clone());
                let emitted = crate::yaml::emit_document(&plain(Value::Map(one)));
                emitted.lines().next().unwrap_or_default().to_string()
            }
            None => continue,
        };
        let mut entry = Map::default();
        entry.insert("file".into(), text(&format!("templates/{file}")));
        entry.insert(
            "line".into(),
            plain(Value::Int(crate::manifest::YAML_HEADER_LINES as i64 + 1)),
        );
        entry.insert("text".into(), text(&first_line));
        entry.insert("object".into(), parts);
        objects.push(plain(Value::Map(entry)));
    }
    let mut root = Map::default();
    root.insert("kforge".into(), text(env!("CARGO_PKG_VERSION")));
    root.insert("archive".into(), text(digest));
    let count = objects.len();
    root.insert("objects".into(), plain(Value::Seq(objects)));
    // Last, so a record cut short (it is written without a sync) is never taken for whole.
    root.insert("count".into(), plain(Value::Int(count as i64)));
    let body = format!(
        "# What kforge's upgrade rules compare of the archive whose sha256 is `archive`, kept so\n# the next version is checked without reading the archive back. A cache: safe to delete.\n{}",
        crate::yaml::emit_document(&plain(Value::Map(root)))
    );
    let seal = crate::chart::read::sha256_hex(body.as_bytes());
    format!("{body}{SEAL}{seal}\n")
}

/// The record's last line: the sha256 of everything before it. A record edited by hand (or by
/// a merge) no longer matches, and the archive is read instead of what the edit says.
const SEAL: &str = "# sha256 of the lines above: ";

/// The record's text without its seal, if the seal matches it.
fn unsealed(text: &str) -> Option<&str> {
    let body = text.strip_suffix('\n')?;
    let at = body.rfind('\n')? + 1;
    let (body, last) = body.split_at(at);
    let seal = last.strip_prefix(SEAL)?;
    (crate::chart::read::sha256_hex(body.as_bytes()) == seal).then_some(body)
}

/// The objects of the record beside `archive` (whose bytes are `bytes`, shown as `source`), if
/// there is one this kforge wrote for exactly these bytes; `None` sends the caller to the
/// archive itself.
fn read_record(archive: &Path, source: &str, bytes: &[u8]) -> Option<Vec<Document>> {
    use crate::yaml::{Limits, Origin, SourceFile, Value, parse_documents};
    let file_name = archive.file_name()?.to_str()?;
    let path = archive.with_file_name(record_name(file_name));
    let meta = std::fs::symlink_metadata(&path).ok()?;
    if !meta.file_type().is_file() || meta.len() > MAX_RECORD_BYTES {
        return None;
    }
    let text = std::fs::read_to_string(&path).ok()?;
    let text = unsealed(&text)?.to_string();
    let file = SourceFile::new(path.display().to_string(), text);
    let root = parse_documents(&file.text, &file, Limits::default())
        .ok()?
        .into_iter()
        .next()?;
    let field = |n: &crate::yaml::Node, k: &str| {
        n.get_path(&[k])
            .and_then(|v| v.as_str())
            .map(str::to_string)
    };
    if field(&root, "kforge")? != env!("CARGO_PKG_VERSION")
        || field(&root, "archive")? != crate::chart::read::sha256_hex(bytes)
    {
        return None;
    }
    let Value::Seq(objects) = &root.get_path(&["objects"])?.value else {
        return None;
    };
    let Value::Int(count) = root.get_path(&["count"])?.value else {
        return None;
    };
    if usize::try_from(count).ok()? != objects.len() {
        return None;
    }
    let mut docs = Vec::with_capacity(objects.len());
    for entry in objects {
        let (file_in, line_text) = (field(entry, "file")?, field(entry, "text")?);
        let Value::Int(line) = entry.get_path(&["line"])?.value else {
            return None;
        };
        let line = usize::try_from(line).ok().filter(|l| *l >= 1)?;
        let display = format!("{source}:{file_in}");
        let origin = Origin::File {
            file: SourceFile::piece(display.clone(), line_text, line - 1),
            line,
            col: 1,
        };
        let mut object = entry.get_path(&["object"])?.clone();
        set_origin(&mut object, &origin);
        docs.push(Document::new(&display, 0, object));
    }
    Some(docs)
}

/// Gives every node of `node` the one origin: a recorded object is reported at its first key.
fn set_origin(node: &mut crate::yaml::Node, origin: &crate::yaml::Origin) {
    use crate::yaml::Value;
    node.origin = origin.clone();
    match &mut node.value {
        Value::Map(m) => m.values_mut().for_each(|v| set_origin(v, origin)),
        Value::Seq(s) => s.iter_mut().for_each(|v| set_origin(v, origin)),
        _ => {}
    }
}
