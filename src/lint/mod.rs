//! Lint: Kubernetes API types, API lifecycle, cross-object references, best practice and
//! security. Every rule has a stable id, a category, a default severity, a fix, and the names of
//! equivalent checks in other linters ([`RULES`]). Findings are [`Diagnostic`]s located at the
//! offending node (file:line:col) with the JSON path as key.
//!
//! This file holds the entry points; the rest is one concern a file, imported downwards only:
//! the checks (`types` with `pod_validation` and `spec_validation`, `lifecycle`, `workload`, `batch` with `cron`, `references`,
//! `disruption`, `config_refs`) report into the [`Sink`], which
//! applies the run's [`Options`] (`config`), the objects' ignore annotations (`ignore`) and names
//! where a value was set (`provenance`). `input` reads manifest files and drives the entry
//! points; `report` writes the findings in each output format.

pub mod acknowledge;
mod batch;
mod config;
mod config_refs;
mod crds;
mod cron;
mod deprecated_fields;
mod deserialize;
mod disruption;
mod duplicates;
mod hardening;
mod ignore;
pub mod input;
mod kinds;
mod kube_version;
mod lifecycle;
mod names;
mod old_versions;
mod pod_makers;
mod pod_validation;
mod provenance;
mod readiness;
mod references;
pub mod report;
mod resources;
mod rules;
mod schema;
mod service_accounts;
mod spec_validation;
#[rustfmt::skip]
mod schema_table;
mod release_parts;
mod sink;
mod templates;
mod types;
mod upgrade;
mod workload;
mod yaml11;

pub use config::{CONFIG_FILE, Options};
pub use duplicates::Applied;
pub use kube_version::{KubeVersionError, NEWEST_KUBE, OLDEST_KUBE, parse_kube_version};
pub use pod_makers::POD_CREATING_KINDS;
pub use release_parts::compared_parts;
pub use rules::{Category, RULES, Rule, rule};
pub use sink::{Sink, path, sort_findings};
pub use upgrade::{Release, UPGRADE_KINDS, upgrade_findings};

use crate::diag::Diagnostic;
use crate::manifest::Document;
use crate::yaml::Node;

/// How each deprecated or removed apiVersion is type-checked, one line each (for
/// `--explain` of the lifecycle rules).
pub fn old_version_readings() -> Vec<String> {
    old_versions::OLD_VERSIONS
        .iter()
        .map(old_versions::OldVersion::describe)
        .collect()
}

/// Lints documents that belong together (one rendered environment): per-object types,
/// lifecycle and workload rules, then references across them; findings sorted by file
/// position. With `values`, findings on a value that came from the merged `values`
/// also name the values key and the file:line (or `--set`) that set it.
pub fn lint_rendered(docs: &[Document], opts: &Options, values: Option<&Node>) -> Vec<Diagnostic> {
    let mut sink = Sink::new(opts, values);
    for doc in docs {
        lint_document(doc, opts, &mut sink);
    }
    let defined = lint_references(docs, opts, Applied::Together, &mut sink);
    let mut findings = sink.into_findings();
    crds::drop_known_kinds(&mut findings, &defined);
    findings
}

/// The checks of one object on its own: types, lifecycle, workload practice and security.
pub fn lint_document(doc: &Document, opts: &Options, sink: &mut Sink<'_>) {
    let typed = types::check(doc, opts, sink);
    // What the API server's validation rejects beyond the types (a built-in kind only).
    if typed && opts.category_enabled(Category::Types) {
        pod_validation::check(doc, sink);
        spec_validation::check(doc, sink);
    }
    if opts.category_enabled(Category::Lifecycle) {
        lifecycle::check(doc, opts, sink);
        deprecated_fields::check(doc, sink);
    }
    // The workload rules are all practice or security rules.
    let workload_on =
        opts.category_enabled(Category::Practice) || opts.category_enabled(Category::Security);
    if typed && workload_on {
        workload::check(doc, sink);
        hardening::rbac(doc, sink);
    }
    // Also on removed batch/v1beta1 CronJobs: their schedule and pod are the same fields.
    batch::check(doc, sink);
    config_refs::secret_data(doc, sink);
}

/// Which objects the checks across objects need kept while a stream is linted.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Keep {
    /// Every object: the references, security or practice checks are on.
    All,
    /// Only CustomResourceDefinitions and custom resources, for the CRD schema check (types
    /// only): a stream of built-in objects is still linted in constant memory.
    Custom,
    /// None.
    Nothing,
}

impl Keep {
    /// Whether `doc` is kept.
    pub fn keeps(self, doc: &Document) -> bool {
        match self {
            Keep::All => true,
            Keep::Nothing => false,
            Keep::Custom => {
                let api = doc
                    .node
                    .get_path(&["apiVersion"])
                    .and_then(Node::as_str)
                    .unwrap_or("");
                doc.kind == "CustomResourceDefinition" || kinds::kind(api, &doc.kind).is_none()
            }
        }
    }
}

/// Which objects the checks across objects need kept: all when their category (references,
/// security for the service-account token, practice for the readiness probe) is on; CRDs and custom resources for the types.
pub fn objects_to_keep(opts: &Options) -> Keep {
    if opts.category_enabled(Category::References)
        || opts.category_enabled(Category::Security)
        || opts.category_enabled(Category::Practice)
    {
        Keep::All
    } else if opts.category_enabled(Category::Types) {
        Keep::Custom
    } else {
        Keep::Nothing
    }
}

/// The checks across objects (selectors, backends, scale targets, duplicates, service-account
/// tokens), when their category is on. `docs` must be in input order: "first defined at"
/// depends on it; `applied` says which of them are applied together. Custom resources are
/// validated against the CRDs of the set and of `opts.crd_documents`; the positions of the
/// `kind` of those validated are returned (their `unknown-kind` findings are moot).
pub fn lint_references(
    docs: &[Document],
    opts: &Options,
    applied: Applied,
    sink: &mut Sink<'_>,
) -> Vec<crds::Position> {
    let extra = if opts.category_enabled(Category::Types) {
        crds::CrdSchemas::new(opts.crd_documents.iter())
    } else {
        crds::CrdSchemas::new(std::iter::empty())
    };
    lint_references_with(docs, opts, &extra, applied, sink)
}

/// [`lint_references`] with `opts.crd_documents` compiled already (`extra`).
pub fn lint_references_with(
    docs: &[Document],
    opts: &Options,
    extra: &crds::CrdSchemas<'_>,
    applied: Applied,
    sink: &mut Sink<'_>,
) -> Vec<crds::Position> {
    let mut defined = Vec::new();
    if opts.category_enabled(Category::Types) {
        defined = crds::check_with(docs, extra, sink);
    }
    if opts.category_enabled(Category::Security) {
        service_accounts::check(docs, sink);
    }
    if opts.category_enabled(Category::Practice) {
        readiness::check(docs, sink);
    }
    if opts.category_enabled(Category::References) {
        duplicates::check(docs, applied, sink);
        references::check(docs, opts, sink);
        disruption::check(docs, sink);
        config_refs::check(docs, opts, sink);
    }
    defined
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::{Limits, SourceFile, parse_documents};

    fn doc(text: &str) -> Document {
        let file = SourceFile::new("t.yaml", text.to_string());
        let node = parse_documents(&file.text, &file, Limits::default())
            .unwrap()
            .remove(0);
        Document::new("t.yaml", 0, node)
    }

    // A stream linted for types alone keeps only what the CRD check needs, so its memory does
    // not grow with the built-in objects (W2's streaming target).
    #[test]
    fn types_alone_keep_only_crds_and_custom_resources() {
        let deployment = doc("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\n");
        let crd = doc(
            "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: w.example.com}\n",
        );
        let widget = doc("apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n");
        let mut opts = Options::default();
        opts.only.insert(Category::Types);
        let keep = objects_to_keep(&opts);
        assert_eq!(keep, Keep::Custom);
        assert!(!keep.keeps(&deployment));
        assert!(keep.keeps(&crd) && keep.keeps(&widget));
        assert_eq!(objects_to_keep(&Options::default()), Keep::All);
    }
}
