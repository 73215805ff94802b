//! Reading chart archives that kforge did not necessarily write (a chart repository folder may
//! hold anything). Entry names are checked exactly as Helm's loader checks them
//! (`pkg/chart/loader/archive.go`), so every archive Helm refuses is refused here too, and
//! sizes are bounded by Helm's own limits whatever the headers claim.

use std::io::Read;

use flate2::bufread::GzDecoder;

/// Largest archive file read from disk.
pub const MAX_ARCHIVE_BYTES: u64 = 100 * 1024 * 1024;
/// Largest total of decompressed file contents (Helm's `MaxDecompressedChartSize`).
pub const MAX_CHART_BYTES: u64 = 100 * 1024 * 1024;
/// Largest single decompressed file (Helm's `MaxDecompressedFileSize`).
pub const MAX_ENTRY_BYTES: u64 = 5 * 1024 * 1024;
/// Most entries an archive may hold, so a stream of empty headers cannot spin for long.
pub const MAX_ENTRIES: usize = 100_000;

/// Why an archive was refused. The messages contain Helm's own wording where Helm has one.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ArchiveError {
    /// Zero bytes.
    #[error("the file is empty; it is not a chart archive")]
    Empty,
    /// Not gzip, or the gzip/tar stream is broken.
    #[error("corrupt chart archive: {0}")]
    Corrupt(String),
    /// An absolute entry path.
    #[error("chart illegally contains absolute paths ({0:?})")]
    AbsolutePath(String),
    /// An entry directly at the top level, outside the `<name>/` folder.
    #[error("chart illegally contains content outside the base directory: {0:?}")]
    OutsideBase(String),
    /// `..` escapes the chart folder.
    #[error("chart illegally references parent directory ({0:?})")]
    ParentDir(String),
    /// A Windows drive path after normalisation.
    #[error("chart contains illegally named files ({0:?})")]
    IllegalName(String),
    /// Chart.yaml at the top level instead of inside `<name>/`.
    #[error("chart yaml not in base directory")]
    ChartYamlNotInBase,
    /// A symlink, hard link, device or fifo entry.
    #[error(
        "chart archive entry {0:?} is a link or special file; chart archives hold regular files only"
    )]
    NotRegular(String),
    /// One entry over [`MAX_ENTRY_BYTES`].
    #[error("decompressed chart file {0:?} is larger than the maximum file size {MAX_ENTRY_BYTES}")]
    EntryTooLarge(String),
    /// The total over [`MAX_CHART_BYTES`].
    #[error("decompressed chart is larger than the maximum size {MAX_CHART_BYTES}")]
    ChartTooLarge,
    /// More than [`MAX_ENTRIES`] entries.
    #[error("chart archive has more than {MAX_ENTRIES} entries")]
    TooManyEntries,
    /// No regular file at all.
    #[error("no files in chart archive")]
    NoFiles,
    /// No `<name>/Chart.yaml`.
    #[error("Chart.yaml file is missing")]
    NoChartYaml,
}

/// One file of an archive, named relative to the chart folder (`templates/x.yaml`).
#[derive(Debug)]
pub struct ArchiveFile {
    /// Normalised path inside the chart.
    pub name: String,
    /// Contents, with a UTF-8 byte order mark removed (as Helm does).
    pub data: Vec<u8>,
}

/// Reads every file of a `.tgz` chart archive, refusing what Helm refuses.
pub fn read_archive(bytes: &[u8]) -> Result<Vec<ArchiveFile>, ArchiveError> {
    if bytes.is_empty() {
        return Err(ArchiveError::Empty);
    }
    read_archive_keeping(GzDecoder::new(bytes), |_| true)
}

/// Checks a whole `.tgz` chart archive as [`read_archive`] does, but keeps only `Chart.yaml`
/// (what a repository index needs): the other files are decompressed and measured, not
/// stored.
///
/// A repository index reads thousands of archives: each thread keeps one gzip decoder and
/// resets it per archive, instead of allocating and zeroing a fresh 40 KiB inflate state.
pub fn read_chart_yaml(bytes: Vec<u8>) -> Result<Vec<u8>, ArchiveError> {
    type Decoder = GzDecoder<std::io::Cursor<Vec<u8>>>;
    thread_local! {
        static DECODER: std::cell::RefCell<Option<Decoder>> = const { std::cell::RefCell::new(None) };
    }
    if bytes.is_empty() {
        return Err(ArchiveError::Empty);
    }
    DECODER.with(|cell| {
        let mut slot = cell.borrow_mut();
        let mut decoder = match slot.take() {
            Some(mut d) => {
                d.reset(std::io::Cursor::new(bytes));
                d
            }
            None => GzDecoder::new(std::io::Cursor::new(bytes)),
        };
        let files = read_archive_keeping(&mut decoder, |name| name == "Chart.yaml");
        *slot = Some(decoder);
        files?
            .into_iter()
            .find(|f| f.name == "Chart.yaml")
            .map(|f| f.data)
            .ok_or(ArchiveError::NoChartYaml)
    })
}

fn read_archive_keeping(
    decompressed: impl Read,
    keep: impl Fn(&str) -> bool,
) -> Result<Vec<ArchiveFile>, ArchiveError> {
    let corrupt = |e: std::io::Error| ArchiveError::Corrupt(e.to_string());
    let mut tar = tar::Archive::new(decompressed);
    let mut files = Vec::new();
    let mut any = false;
    let mut remaining = MAX_CHART_BYTES;
    let mut count = 0usize;
    for entry in tar.entries().map_err(corrupt)? {
        let mut entry = entry.map_err(corrupt)?;
        count += 1;
        if count > MAX_ENTRIES {
            return Err(ArchiveError::TooManyEntries);
        }
        let raw = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let kind = entry.header().entry_type();
        if kind.is_dir() || kind.is_pax_global_extensions() || kind.is_pax_local_extensions() {
            continue;
        }
        let name = normalise_entry_name(&raw)?;
        if !(kind.is_file() || kind == tar::EntryType::Continuous) {
            return Err(ArchiveError::NotRegular(raw));
        }
        let size = entry.header().size().map_err(corrupt)?;
        if size > MAX_ENTRY_BYTES {
            return Err(ArchiveError::EntryTooLarge(raw));
        }
        if size > remaining {
            return Err(ArchiveError::ChartTooLarge);
        }
        any = true;
        if !keep(&name) {
            let len = std::io::copy(
                &mut (&mut entry).take(MAX_ENTRY_BYTES + 1),
                &mut std::io::sink(),
            )
            .map_err(corrupt)?;
            if len > MAX_ENTRY_BYTES {
                return Err(ArchiveError::EntryTooLarge(raw));
            }
            remaining = remaining
                .checked_sub(len)
                .ok_or(ArchiveError::ChartTooLarge)?;
            continue;
        }
        let mut data = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
        (&mut entry)
            .take(MAX_ENTRY_BYTES + 1)
            .read_to_end(&mut data)
            .map_err(corrupt)?;
        let len = data.len() as u64;
        if len > MAX_ENTRY_BYTES {
            return Err(ArchiveError::EntryTooLarge(raw));
        }
        remaining = remaining
            .checked_sub(len)
            .ok_or(ArchiveError::ChartTooLarge)?;
        if let Some(rest) = data.strip_prefix(b"\xEF\xBB\xBF") {
            data = rest.to_vec();
        }
        files.push(ArchiveFile { name, data });
    }
    if !any {
        return Err(ArchiveError::NoFiles);
    }
    Ok(files)
}

/// Helm's entry-name rules: drop the first path element (the chart folder), normalise `\` to
/// `/`, then refuse absolute paths, an empty remainder, `..` and drive letters.
fn normalise_entry_name(raw: &str) -> Result<String, ArchiveError> {
    let delimiter = if raw.contains('\\') { '\\' } else { '/' };
    let mut parts = raw.split(delimiter);
    let first = parts.next().unwrap_or_default();
    let rest: Vec<&str> = parts.collect();
    let joined = rest.join(&delimiter.to_string()).replace(delimiter, "/");
    if joined.starts_with('/') {
        return Err(ArchiveError::AbsolutePath(raw.to_string()));
    }
    let cleaned = clean_path(&joined);
    if cleaned == "." {
        return Err(ArchiveError::OutsideBase(raw.to_string()));
    }
    if cleaned.starts_with("..") {
        return Err(ArchiveError::ParentDir(raw.to_string()));
    }
    let b = cleaned.as_bytes();
    if b.len() >= 3 && b[0].is_ascii_alphabetic() && b[1] == b':' && b[2] == b'/' {
        return Err(ArchiveError::IllegalName(raw.to_string()));
    }
    if first == "Chart.yaml" {
        return Err(ArchiveError::ChartYamlNotInBase);
    }
    Ok(cleaned)
}

/// Go's `path.Clean` for relative paths: collapses `//`, removes `.`, resolves `..` lexically
/// (keeping leading `..` elements), and gives `.` for an empty result.
fn clean_path(p: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    for part in p.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if out.last().is_some_and(|l| *l != "..") {
                    out.pop();
                } else {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    if out.is_empty() {
        ".".to_string()
    } else {
        out.join("/")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_path_matches_go() {
        for (input, want) in [
            ("", "."),
            ("a//b/./c", "a/b/c"),
            ("a/../..", ".."),
            ("../../x", "../../x"),
            ("./c://foo", "c:/foo"),
            ("a/b/../c", "a/c"),
        ] {
            assert_eq!(clean_path(input), want, "{input}");
        }
    }
}
