//! The folder walk (`kforge lint DIR`, `import ENV=DIR`, `--crd DIR`) on a small tree the input
//! builds in a temporary folder: folders, manifests, links to folders (absolute, `.`, `..`),
//! dangling links and sockets named like manifests, hidden names. The walk must end (libFuzzer's
//! `-timeout` fails one that does not), enter each folder once, and find exactly what an
//! independent walk over canonical paths finds: every regular manifest of every folder
//! reachable from the root, each once; every socket skipped, none read.
#![no_main]

use std::collections::{BTreeMap, BTreeSet};
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};

use kforge::fs::walk::walk_files;
use libfuzzer_sys::fuzz_target;

/// At most this many operations (3 bytes each) per input: trees stay small, runs fast.
const MAX_OPS: usize = 48;

fn wanted(p: &Path) -> bool {
    p.extension().is_some_and(|e| e == "yaml")
}

/// What the walk should find, by canonical path: regular manifests, manifests that are not
/// regular files, and how many wanted names cannot be resolved (dangling links).
#[derive(Debug, Default, PartialEq)]
struct Found {
    files: BTreeSet<PathBuf>,
    skipped: BTreeSet<PathBuf>,
    dangling: usize,
}

/// The reference: every folder reachable from `root` once (by canonical path), its names but
/// hidden ones looked at.
fn reference(root: &Path) -> Found {
    let mut found = Found::default();
    let mut seen = BTreeSet::new();
    let mut stack = vec![std::fs::canonicalize(root).unwrap()];
    while let Some(dir) = stack.pop() {
        if !seen.insert(dir.clone()) {
            continue;
        }
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.file_name().unwrap().as_encoded_bytes().starts_with(b".") {
                continue;
            }
            match std::fs::metadata(&path) {
                Ok(m) if m.is_dir() => stack.push(std::fs::canonicalize(&path).unwrap()),
                Ok(m) if wanted(&path) && m.is_file() => {
                    found.files.insert(std::fs::canonicalize(&path).unwrap());
                }
                Ok(_) if wanted(&path) => {
                    found.skipped.insert(std::fs::canonicalize(&path).unwrap());
                }
                Err(_) if wanted(&path) => found.dangling += 1,
                _ => {}
            }
        }
    }
    found
}

fuzz_target!(|data: &[u8]| {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("r");
    std::fs::create_dir(&root).unwrap();
    let mut dirs = vec![root.clone()];
    for (i, op) in data.chunks(3).take(MAX_OPS).enumerate() {
        let (kind, a, b) = (op[0], *op.get(1).unwrap_or(&0), *op.get(2).unwrap_or(&0));
        let dir = dirs[usize::from(a) % dirs.len()].clone();
        // A high bit of `a` makes the name hidden: nothing under it is walked.
        let name = if a & 0x80 != 0 {
            format!(".n{i}")
        } else {
            format!("n{i}")
        };
        let at = |ext: &str| dir.join(format!("{name}{ext}"));
        match kind % 6 {
            0 => {
                std::fs::create_dir(at("")).unwrap();
                dirs.push(at(""));
            }
            1 => std::fs::write(at(".yaml"), "a: 1\n").unwrap(),
            2 => symlink(&dirs[usize::from(b) % dirs.len()], at("")).unwrap(),
            // `..` of the root is the temporary folder, which holds only the root.
            3 => symlink(if b % 2 == 0 { "." } else { ".." }, at("")).unwrap(),
            4 => symlink(format!("missing{b}"), at(".yaml")).unwrap(),
            // A socket's path has a bound of its own (108 bytes): deep ones are not made.
            _ => drop(std::os::unix::net::UnixListener::bind(at(".yaml"))),
        }
    }
    let walked = walk_files(&root, wanted).expect("a small tree is within the walk's bounds");
    // Each folder entered once: no (folder, name) twice.
    let mut per_folder: BTreeMap<PathBuf, BTreeSet<&std::ffi::OsStr>> = BTreeMap::new();
    for f in &walked.files {
        let folder = std::fs::canonicalize(f.parent().unwrap()).unwrap();
        assert!(
            per_folder
                .entry(folder)
                .or_default()
                .insert(f.file_name().unwrap()),
            "{} found twice: {:?}",
            f.display(),
            walked.files
        );
    }
    let mut got = Found::default();
    for f in &walked.files {
        match std::fs::canonicalize(f) {
            Ok(real) => assert!(got.files.insert(real), "{}: twice", f.display()),
            Err(_) => got.dangling += 1,
        }
    }
    for s in &walked.skipped {
        got.skipped.insert(std::fs::canonicalize(&s.path).unwrap());
    }
    assert_eq!(got, reference(&root));
});
