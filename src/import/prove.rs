//! The proof of an import: the new project rendered (and linted) for every environment and
//! compared with the input as `kforge diff -e ENV --against PATH` compares; and golden/ written
//! from the input, so that `kforge check` in the project fails whenever its render differs from
//! what was imported (right after a failed proof too).

use std::borrow::Cow;
use std::path::Path;

use super::{EnvInput, Error};
use crate::diff::{Key, compare};
use crate::manifest::{Document, Hooks, release_view_of};
use crate::pipeline::{Workspace, env_files};
use crate::values::CliLayers;

/// One environment's proof.
pub struct Proof {
    /// The objects that differ: added, removed or changed.
    pub drift: Vec<Key>,
    /// The differences, as `kforge diff` prints them (empty when none).
    pub report: String,
    /// golden/<env>/ files: the input's objects as kforge emits them (see [`golden_docs`]).
    pub golden: Vec<(String, String)>,
}

/// Renders every environment of the project in `dir` and compares it with its input; on every
/// core (the environments are independent).
pub fn verify(dir: &Path, inputs: &[EnvInput]) -> Result<Vec<Proof>, Error> {
    let render_err = |cause| Error::Render {
        dir: dir.display().to_string(),
        summary: None,
        cause,
    };
    let ws = Workspace::load_in(dir).map_err(render_err)?;
    crate::par::map(inputs, |input| -> Result<Proof, Error> {
        let docs = ws
            .render(&input.name, &CliLayers::default(), Hooks::Lifecycle)
            .map_err(render_err)?;
        // `helm test` hooks are kept (and packaged) but, as in `kforge render`, not shown. The
        // input's objects are borrowed, not copied.
        let expected = release_view_of(&input.docs, Hooks::Lifecycle);
        let report = compare(
            input.path.display().to_string(),
            &expected,
            format!("environment {}", input.name),
            &docs,
        )?;
        let mut drift: Vec<Key> = report
            .added
            .iter()
            .chain(&report.removed)
            .cloned()
            .collect();
        drift.extend(report.changed.iter().map(|(k, _)| k.clone()));
        for (old, new, _) in &report.renamed {
            drift.push(old.clone());
            drift.push(new.clone());
        }
        let text = if report.differs() {
            report.to_text(crate::diag::Color::NEVER)
        } else {
            String::new()
        };
        let golden = golden_files(&expected, &docs, &drift).map_err(render_err)?;
        Ok(Proof {
            drift,
            report: text,
            golden,
        })
    })
    .into_iter()
    .collect()
}

/// golden/<env>/ of an input that was not rendered (the project does not render): each object
/// as the input has it.
pub fn input_golden(input: &EnvInput) -> Result<Vec<(String, String)>, crate::pipeline::Error> {
    golden_files(&release_view_of(&input.docs, Hooks::Lifecycle), &[], &[])
}

/// The golden files of an environment: one per object of the input (`expected`). An object the
/// render has without a difference is written as the render writes it (the same data, in the
/// render's key order and with its `# Source:`), so `kforge check` passes on a proved import;
/// any other is written as the input has it, so `check` reports it until the render matches.
fn golden_files(
    expected: &[Cow<'_, Document>],
    rendered: &[Document],
    drift: &[Key],
) -> Result<Vec<(String, String)>, crate::pipeline::Error> {
    // Looked up once per expected object: maps, not scans (an import can hold 100k objects,
    // and a scan per object made this 73% of a 2,000-object import). The first rendered
    // object of an identity wins, as a scan would find it.
    let mut by_key: std::collections::HashMap<Key, &Document> =
        std::collections::HashMap::with_capacity(rendered.len());
    for r in rendered {
        by_key.entry(r.key()).or_insert(r);
    }
    let drift: std::collections::HashSet<&Key> = drift.iter().collect();
    let docs: Vec<&Document> = expected
        .iter()
        .map(|d| {
            let k = d.key();
            if drift.contains(&k) {
                return d.as_ref();
            }
            by_key.get(&k).map_or(d.as_ref(), |r| *r)
        })
        .collect();
    env_files(&docs)
}
