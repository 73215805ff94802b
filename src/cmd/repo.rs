//! `kforge repo index`: a chart repository's index.yaml, like `helm repo index` but without
//! churn, immutable versions, and safe against concurrent writers.

use std::fmt::Write as _;
use std::io::Write as _;
use std::process::ExitCode;

use crate::chart::repo::{IndexOptions, Repo};
use crate::cli::{RepoAction, RepoIndexArgs};
use crate::cmd::Result;
use crate::epoch::BuildTime;

/// Runs a `repo` subcommand.
pub fn run(action: &RepoAction) -> Result<ExitCode> {
    match action {
        RepoAction::Index(args) => index(args),
    }
}

fn index(args: &RepoIndexArgs) -> Result<ExitCode> {
    let time = BuildTime::from_env()?;
    let opts = IndexOptions {
        url: args.url.clone(),
        merge: args.merge.clone(),
        now: time.now(),
        known: Vec::new(),
        verify: args.verify,
    };
    let mut repo = Repo::open(&args.dir)?;
    let summary = repo.reindex(&opts)?;
    let path = repo.write_index(opts.now)?;
    // One write for the whole report: a line per added archive, written piece by piece to an
    // unbuffered stderr, costs three system calls per archive.
    let mut report = String::new();
    for rel in &summary.added {
        let _ = writeln!(report, "added {rel}");
    }
    for gone in &summary.removed {
        let _ = writeln!(
            report,
            "removed {gone} (its archive is no longer in the folder)"
        );
    }
    for (entry, rel) in &summary.duplicates {
        let _ = writeln!(
            report,
            "removed {entry} (a duplicate: another entry already indexes {rel})"
        );
    }
    let _ = writeln!(
        report,
        "wrote {}: {} entries ({} added, {} already indexed, {} removed)",
        path.display(),
        summary.total,
        summary.added.len(),
        summary.kept,
        summary.removed.len() + summary.duplicates.len()
    );
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(report.as_bytes());
    let _ = err.flush();
    // The index can hold 100k entries; the process ends here and the OS frees them faster
    // than dropping them node by node would.
    std::mem::forget(repo);
    Ok(ExitCode::SUCCESS)
}
