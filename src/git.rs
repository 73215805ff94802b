//! The commit a project is built from, read straight from `.git` (no `git` process: kforge
//! never runs a shell). Handles a `.git` folder, a `.git` file (`gitdir:` of worktrees and
//! submodules), loose and packed refs. Anything unexpected gives `None`, never an error: the
//! commit is an annotation, not an input.

use std::fs;
use std::path::{Path, PathBuf};

/// The full hash of HEAD for the checkout containing `start`, if it is one.
pub fn head_commit(start: &Path) -> Option<String> {
    let start = fs::canonicalize(start).ok()?;
    let git_dir = start.ancestors().find_map(git_dir_at)?;
    let common = match fs::read_to_string(git_dir.join("commondir")) {
        Ok(rel) => git_dir.join(rel.trim()),
        Err(_) => git_dir.clone(),
    };
    let mut head = small_file(&git_dir.join("HEAD"))?;
    for _ in 0..5 {
        let Some(name) = head.strip_prefix("ref:") else {
            return is_hash(&head).then_some(head);
        };
        let name = name.trim();
        if name.split('/').any(|p| p == ".." || p.is_empty()) || !name.starts_with("refs/") {
            return None;
        }
        head = small_file(&git_dir.join(name))
            .or_else(|| small_file(&common.join(name)))
            .or_else(|| packed_ref(&common, name))?;
    }
    None
}

fn git_dir_at(dir: &Path) -> Option<PathBuf> {
    let dot_git = dir.join(".git");
    let meta = fs::metadata(&dot_git).ok()?;
    if meta.is_dir() {
        return Some(dot_git);
    }
    let text = small_file(&dot_git)?;
    let target = text.strip_prefix("gitdir:")?.trim();
    Some(dir.join(target))
}

fn small_file(path: &Path) -> Option<String> {
    let meta = fs::metadata(path).ok()?;
    if !meta.is_file() || meta.len() > 4096 {
        return None;
    }
    Some(fs::read_to_string(path).ok()?.trim().to_string())
}

fn packed_ref(common: &Path, name: &str) -> Option<String> {
    let path = common.join("packed-refs");
    if fs::metadata(&path).ok()?.len() > 64 * 1024 * 1024 {
        return None;
    }
    let text = fs::read_to_string(path).ok()?;
    text.lines().find_map(|line| {
        let (hash, r) = line.split_once(' ')?;
        (r == name && is_hash(hash)).then(|| hash.to_string())
    })
}

fn is_hash(s: &str) -> bool {
    (s.len() == 40 || s.len() == 64) && s.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_loose_packed_and_detached_heads() {
        let dir = tempfile::tempdir().unwrap();
        let git = dir.path().join(".git");
        fs::create_dir_all(git.join("refs/heads")).unwrap();
        let a = "a".repeat(40);
        let b = "b".repeat(40);
        fs::write(git.join("HEAD"), "ref: refs/heads/main\n").unwrap();
        fs::write(git.join("refs/heads/main"), format!("{a}\n")).unwrap();
        fs::create_dir_all(dir.path().join("sub/deeper")).unwrap();
        assert_eq!(head_commit(&dir.path().join("sub/deeper")), Some(a.clone()));

        fs::remove_file(git.join("refs/heads/main")).unwrap();
        fs::write(
            git.join("packed-refs"),
            format!("# pack-refs with: peeled\n{b} refs/heads/main\n"),
        )
        .unwrap();
        assert_eq!(head_commit(dir.path()), Some(b));

        fs::write(git.join("HEAD"), format!("{a}\n")).unwrap();
        assert_eq!(head_commit(dir.path()), Some(a));

        fs::write(git.join("HEAD"), "ref: refs/../../etc/passwd\n").unwrap();
        assert_eq!(head_commit(dir.path()), None);
    }
}
