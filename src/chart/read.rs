//! Reading chart archives that kforge did not necessarily write (a chart repository folder may
//! hold anything). Entry names are checked exactly as Helm's loader checks them
//! (`pkg/chart/loader/archive.go`), so every archive Helm refuses is refused here too, and
//! sizes are bounded by Helm's own limits whatever the headers claim.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use flate2::bufread::GzDecoder;
use sha2::{Digest, Sha256};

use super::limits::{MAX_ARCHIVE_BYTES, MAX_CHART_BYTES, MAX_ENTRIES, MAX_ENTRY_BYTES};

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

impl crate::diag::Failure for ArchiveError {}

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

/// Why a chart archive file named by the user could not be read.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// The file could not be opened or read.
    #[error("reading {path}")]
    Io {
        /// The file.
        path: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// Over [`MAX_ARCHIVE_BYTES`].
    #[error("{path}: {len} bytes, over the {MAX_ARCHIVE_BYTES}-byte limit for a chart archive")]
    TooLarge {
        /// The file.
        path: String,
        /// Its length.
        len: u64,
    },
    /// Not a chart archive Helm would load.
    #[error("{path}: not a valid chart archive")]
    Archive {
        /// The file.
        path: String,
        /// Why.
        #[source]
        source: ArchiveError,
    },
}

impl crate::diag::Failure for FileError {}

/// The bytes of the chart archive at `path`, refused over [`MAX_ARCHIVE_BYTES`] without
/// being read (the length is that of the opened file, and no more is read whatever it says).
pub fn read_archive_bytes(path: &Path) -> Result<Vec<u8>, FileError> {
    let shown = path.display().to_string();
    let io = |source| FileError::Io {
        path: shown.clone(),
        source,
    };
    let file = File::open(path).map_err(io)?;
    let len = file.metadata().map_err(io)?.len();
    read_bounded(file, len, &shown)
}

/// Reads `file`, of length `len` (from its `fstat`), refused over [`MAX_ARCHIVE_BYTES`]: one
/// read of exactly that length; a file cut short since is an error, and one written to since
/// fails its gzip check.
pub(super) fn read_bounded(mut file: File, len: u64, shown: &str) -> Result<Vec<u8>, FileError> {
    if len > MAX_ARCHIVE_BYTES {
        return Err(FileError::TooLarge {
            path: shown.to_string(),
            len,
        });
    }
    let mut bytes = vec![0; usize::try_from(len).unwrap_or(0)];
    file.read_exact(&mut bytes)
        .map_err(|source| FileError::Io {
            path: shown.to_string(),
            source,
        })?;
    Ok(bytes)
}

/// Every file of the chart archive at `path` ([`read_archive_bytes`], then [`read_archive`]).
pub fn read_archive_file(path: &Path) -> Result<Vec<ArchiveFile>, FileError> {
    let bytes = read_archive_bytes(path)?;
    read_archive(&bytes).map_err(|source| FileError::Archive {
        path: path.display().to_string(),
        source,
    })
}

/// Archives whose tar stream inflates to at most this many bytes are inflated in one pass and
/// read from memory; larger ones are streamed, so memory stays bounded whatever an archive holds.
const IN_MEMORY_TAR_BYTES: u64 = 8 * 1024 * 1024;

/// Checks a whole `.tgz` chart archive as [`read_archive`] does, but keeps only `Chart.yaml`
/// (what a repository index needs): the other files are decompressed and measured, not
/// stored.
///
/// A repository index reads thousands of archives, so this is its hot path:
/// - each thread keeps its inflate state and one buffer, reset per archive, instead of
///   allocating and zeroing a fresh 40 KiB inflate state;
/// - a chart's tar stream (usually well under a megabyte) is inflated in one call into that
///   buffer ([`inflate_member`]) and its entries read from memory: tar's 512-byte header
///   reads no longer each go through the inflater, and the data of skipped entries and
///   padding are seeked past and measured, not copied through a zeroed buffer;
/// - an archive that is larger, laid out otherwise, that does not inflate cleanly, or whose
///   last entry runs past its end is read again entry by entry through flate2, so its errors
///   are exactly those of the streamed check.
///
/// Either way the gzip trailer is read: an archive whose checksum or length does not match
/// its contents is refused.
pub fn read_chart_yaml(bytes: Vec<u8>) -> Result<Vec<u8>, ArchiveError> {
    type Decoder = GzDecoder<std::io::Cursor<Vec<u8>>>;
    /// Per thread: the streaming decoder, the flat inflater and its output buffer.
    struct Readers {
        decoder: Option<Decoder>,
        inflater: zlib_rs::Inflate,
        tar: Vec<u8>,
    }
    thread_local! {
        static READERS: std::cell::RefCell<Option<Readers>> =
            const { std::cell::RefCell::new(None) };
    }
    if bytes.is_empty() {
        return Err(ArchiveError::Empty);
    }
    let keep = |name: &str| name == "Chart.yaml";
    READERS.with(|cell| {
        let mut slot = cell.borrow_mut();
        let readers = slot.get_or_insert_with(|| Readers {
            decoder: None,
            inflater: raw_inflater(),
            tar: Vec::new(),
        });
        let files = inflate_member(&bytes, &mut readers.inflater, &mut readers.tar).and_then(|n| {
            let mut archive = tar::Archive::new(std::io::Cursor::new(&readers.tar[..n]));
            // `None` when cut short: streamed below, for the streamed check's own error.
            archive
                .entries_with_seek()
                .map_err(corrupt)
                .and_then(|entries| check_entries(entries, keep, Some(n as u64)))
                .transpose()
        });
        let files = files.unwrap_or_else(|| {
            let source = std::io::Cursor::new(bytes);
            let decoder = match &mut readers.decoder {
                Some(d) => {
                    d.reset(source);
                    d
                }
                None => readers.decoder.insert(GzDecoder::new(source)),
            };
            read_archive_keeping(decoder, keep)
        });
        files?
            .into_iter()
            .find(|f| f.name == "Chart.yaml")
            .map(|f| f.data)
            .ok_or(ArchiveError::NoChartYaml)
    })
}

/// Inflates a `.tgz` that is one plain gzip member (RFC 1952: no header checksum, nothing
/// after the member) whose trailer says it holds at most [`IN_MEMORY_TAR_BYTES`], in one
/// call, straight into `out` (grown, never zeroed: inflating writes every byte before it
/// reads it); the checksum and length in the trailer are checked. Gives the tar stream's
/// length, or `None` for anything else (other gzip layouts, a broken stream, a wrong
/// trailer), which the streamed check then reads and reports as it always has.
///
/// flate2's reader inflates through a 32 KiB window and copies out of it; one call into a
/// buffer the size of the stream does neither. The inflater is zlib-rs's, faster on these
/// archives than miniz_oxide's (flate2 keeps miniz_oxide: it also writes our archives, and
/// their bytes must not change). Measurements: benches/HISTORY.md.
fn inflate_member(
    bytes: &[u8],
    inflater: &mut zlib_rs::Inflate,
    out: &mut Vec<u8>,
) -> Option<usize> {
    const FEXTRA: u8 = 4;
    const FNAME: u8 = 8;
    const FCOMMENT: u8 = 16;
    let (header, trailer) = bytes.split_at_checked(bytes.len().checked_sub(8)?)?;
    // ID1 ID2 CM FLG MTIME(4) XFL OS; only the optional fields below (not FHCRC, not the
    // reserved bits) take the fast path.
    let [0x1f, 0x8b, 8, flags, ..] = *header else {
        return None;
    };
    if flags & !(FEXTRA | FNAME | FCOMMENT) != 0 {
        return None;
    }
    let mut at = 10;
    if flags & FEXTRA != 0 {
        let len = u16::from_le_bytes([*header.get(at)?, *header.get(at + 1)?]);
        at += 2 + usize::from(len);
    }
    for flag in [FNAME, FCOMMENT] {
        if flags & flag != 0 {
            at += header.get(at..)?.iter().position(|&b| b == 0)? + 1;
        }
    }
    let deflate = header.get(at..)?;
    let crc = u32::from_le_bytes(trailer[..4].try_into().ok()?);
    let len = usize::try_from(u32::from_le_bytes(trailer[4..].try_into().ok()?)).ok()?;
    if len as u64 > IN_MEMORY_TAR_BYTES {
        return None;
    }
    if out.len() < len {
        out.resize(len, 0);
    }
    inflater.reset(false);
    let status = inflater.decompress(deflate, &mut out[..len], zlib_rs::InflateFlush::Finish);
    let whole = status == Ok(zlib_rs::Status::StreamEnd)
        && inflater.total_in() == deflate.len() as u64
        && inflater.total_out() == len as u64
        && crc32fast::hash(&out[..len]) == crc;
    whole.then_some(len)
}

/// A raw deflate inflater (the gzip header and trailer are read by [`inflate_member`]).
fn raw_inflater() -> zlib_rs::Inflate {
    zlib_rs::Inflate::new(false, 15)
}

fn corrupt(e: std::io::Error) -> ArchiveError {
    ArchiveError::Corrupt(e.to_string())
}

fn read_archive_keeping(
    decompressed: impl Read,
    keep: impl Fn(&str) -> bool,
) -> Result<Vec<ArchiveFile>, ArchiveError> {
    let mut tar = tar::Archive::new(decompressed);
    // Only an in-memory check answers `None`; a streamed one reports the cut itself.
    let files = check_entries(tar.entries().map_err(corrupt)?, keep, None)?
        .ok_or_else(|| ArchiveError::Corrupt("unexpected end of the tar stream".into()))?;
    // The rest of the stream (padding after the end of the tar, then the gzip trailer), so a
    // checksum or length that does not match the contents is refused.
    std::io::copy(&mut tar.into_inner(), &mut std::io::sink()).map_err(corrupt)?;
    Ok(files)
}

/// Every entry checked with Helm's rules and measured; the files `keep` names are returned.
/// `in_memory`: the length of a tar stream held in memory, whose skipped entries are measured
/// from their position in it instead of being read (copying tar padding through a zeroed
/// buffer was a visible share of a repository index); the next entry is then found by seeking past
/// them. Such a stream gives `Ok(None)` where an entry (or its padding) runs past its end, to
/// be checked again streamed: reading reports that as an error, which seeking would not.
fn check_entries<R: Read>(
    entries: tar::Entries<'_, R>,
    keep: impl Fn(&str) -> bool,
    in_memory: Option<u64>,
) -> Result<Option<Vec<ArchiveFile>>, ArchiveError> {
    let mut files = Vec::new();
    let mut any = false;
    let mut remaining = MAX_CHART_BYTES;
    let mut count = 0usize;
    for entry in entries {
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
        if let Some(total) = in_memory {
            let end = entry
                .raw_file_position()
                .checked_add(entry.size().next_multiple_of(512));
            if end.is_none_or(|end| end > total) {
                return Ok(None);
            }
        }
        if !keep(&name) {
            let len = match in_memory {
                // Whole (checked above): what reading it would measure.
                Some(_) => entry.size().min(MAX_ENTRY_BYTES + 1),
                None => std::io::copy(
                    &mut (&mut entry).take(MAX_ENTRY_BYTES + 1),
                    &mut std::io::sink(),
                )
                .map_err(corrupt)?,
            };
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
    Ok(Some(files))
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

/// sha256 of `bytes` as lowercase hex (Helm's `digest` field).
pub fn sha256_hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    Sha256::digest(bytes)
        .iter()
        .flat_map(|b| [HEX[usize::from(b >> 4)], HEX[usize::from(b & 15)]])
        .map(char::from)
        .collect()
}

/// Opens a file and gives it with its length, or `None` when it is not a regular file: a
/// symlink is not followed and a FIFO is not waited on (`O_NOFOLLOW | O_NONBLOCK`), and the
/// type is read from the opened file (`fstat`), which a path lookup per archive cost more than.
pub(super) fn open_regular(path: &Path) -> std::io::Result<Option<(File, u64)>> {
    crate::fs::walk::open_regular(path, crate::fs::walk::Links::Refuse)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tgz(files: &[(&str, Vec<u8>)]) -> Vec<u8> {
        let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(
            Vec::new(),
            flate2::Compression::default(),
        ));
        for (name, data) in files {
            // The name is written raw: tar's own setter refuses the `..` these tests need.
            let mut header = tar::Header::new_gnu();
            header.as_gnu_mut().unwrap().name[..name.len()].copy_from_slice(name.as_bytes());
            header.set_size(data.len() as u64);
            header.set_mode(0o644);
            header.set_entry_type(tar::EntryType::Regular);
            header.set_cksum();
            builder.append(&header, &data[..]).unwrap();
        }
        builder.into_inner().unwrap().finish().unwrap()
    }

    /// Small archives are inflated whole and read from memory, large ones streamed: both give
    /// the same answer, and both refuse an archive whose gzip checksum is wrong.
    #[test]
    fn small_and_large_archives_are_checked_alike() {
        let chart = b"apiVersion: v2\nname: x\nversion: 1.0.0\n".to_vec();
        let big = vec![b'a'; 4 * 1024 * 1024 + 7];
        let small = tgz(&[
            ("x/Chart.yaml", chart.clone()),
            ("x/values.yaml", b"a: 1\n".to_vec()),
        ]);
        let large = tgz(&[
            ("x/Chart.yaml", chart.clone()),
            ("x/a.txt", big.clone()),
            ("x/b.txt", big.clone()),
        ]);
        assert!(gunzip_len(&large) > IN_MEMORY_TAR_BYTES as usize);
        for (what, archive) in [("small", &small), ("large", &large)] {
            assert_eq!(read_chart_yaml(archive.clone()).unwrap(), chart, "{what}");
            assert_eq!(read_archive(archive).unwrap()[0].data, chart, "{what}");
            // The CRC-32 is the trailer's first four bytes.
            let mut bad = archive.clone();
            let at = bad.len() - 8;
            bad[at] ^= 1;
            for err in [
                read_chart_yaml(bad.clone()).unwrap_err(),
                read_archive(&bad).unwrap_err(),
            ] {
                assert!(
                    matches!(&err, ArchiveError::Corrupt(m) if m.contains("checksum")),
                    "{what}: {err}"
                );
            }
        }
        // A path Helm refuses is refused with Helm's words on either path.
        let evil = tgz(&[
            ("x/Chart.yaml", chart.clone()),
            ("x/../../etc/passwd", big.clone()),
            ("x/b.txt", big),
        ]);
        assert_eq!(
            read_chart_yaml(evil).unwrap_err(),
            ArchiveError::ParentDir("x/../../etc/passwd".into())
        );
        let evil = tgz(&[("x/Chart.yaml", chart), ("x/../../etc/passwd", vec![])]);
        assert_eq!(
            read_chart_yaml(evil).unwrap_err(),
            ArchiveError::ParentDir("x/../../etc/passwd".into())
        );
    }

    /// Entries skipped in memory are measured from their position, not read: the verdict is
    /// the streamed one for every cut of the tar stream, mid-header and mid-data included.
    #[test]
    fn entries_measured_in_memory_match_entries_read() {
        let chart = b"apiVersion: v2\nname: x\nversion: 1.0.0\n".to_vec();
        let whole = gunzip(&tgz(&[
            ("x/values.yaml", vec![b'v'; 1500]),
            ("x/Chart.yaml", chart),
            ("x/templates/a.yaml", vec![b'a'; 700]),
        ]));
        for cut in (0..=whole.len()).step_by(50).chain([whole.len()]) {
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            std::io::Write::write_all(&mut gz, &whole[..cut]).unwrap();
            let archive = gz.finish().unwrap();
            let streamed =
                read_archive_keeping(GzDecoder::new(&archive[..]), |n| n == "Chart.yaml").and_then(
                    |files| {
                        files
                            .into_iter()
                            .find(|f| f.name == "Chart.yaml")
                            .map(|f| f.data)
                            .ok_or(ArchiveError::NoChartYaml)
                    },
                );
            assert_eq!(
                read_chart_yaml(archive),
                streamed,
                "tar stream cut at {cut}"
            );
        }
    }

    /// The one-call inflate takes the gzip layouts archivers write (with a file name, a
    /// comment, an extra field) and gives the streamed verdict on every other layout and on
    /// every damaged trailer: the fast path is taken where it should be, and never changes an
    /// answer.
    #[test]
    fn one_call_inflate_gives_the_streamed_verdict() {
        let chart = b"apiVersion: v2\nname: x\nversion: 1.0.0\n".to_vec();
        let tar = gunzip(&tgz(&[
            ("x/Chart.yaml", chart.clone()),
            ("x/values.yaml", vec![b'v'; 3000]),
        ]));
        let gz = |builder: flate2::GzBuilder| {
            let mut enc = builder.write(Vec::new(), flate2::Compression::default());
            std::io::Write::write_all(&mut enc, &tar).unwrap();
            enc.finish().unwrap()
        };
        let streamed = |archive: &[u8]| {
            read_archive_keeping(GzDecoder::new(archive), |n| n == "Chart.yaml").and_then(|files| {
                files
                    .into_iter()
                    .find(|f| f.name == "Chart.yaml")
                    .map(|f| f.data)
                    .ok_or(ArchiveError::NoChartYaml)
            })
        };
        let plain = gz(flate2::GzBuilder::new());
        let named = gz(flate2::GzBuilder::new()
            .filename("x.tar")
            .comment("made by a test")
            .extra(vec![1, 2, 3, 4]));
        let mut inflater = raw_inflater();
        let mut out = Vec::new();
        for archive in [&plain, &named] {
            assert_eq!(
                inflate_member(archive, &mut inflater, &mut out),
                Some(tar.len())
            );
            assert_eq!(out[..tar.len()], tar[..]);
            assert_eq!(read_chart_yaml(archive.clone()), Ok(chart.clone()));
        }
        let mut variants = vec![gz(flate2::GzBuilder::new().operating_system(3))];
        // A header checksum (FHCRC), reserved flag bits, another method: streamed.
        for (at, value) in [(3, 2u8), (3, 0x20), (2, 7)] {
            let mut v = plain.clone();
            v[at] |= value;
            variants.push(v);
        }
        // Every byte of the trailer flipped, a second member, trailing bytes, cut short.
        for at in plain.len() - 8..plain.len() {
            let mut v = plain.clone();
            v[at] ^= 0x40;
            variants.push(v);
        }
        variants.push([plain.clone(), plain.clone()].concat());
        variants.push([plain.clone(), vec![0; 3]].concat());
        for cut in [0, 5, 12, plain.len() / 2, plain.len() - 9, plain.len() - 1] {
            variants.push(plain[..cut].to_vec());
        }
        for (i, archive) in variants.into_iter().enumerate() {
            let want = if archive.is_empty() {
                Err(ArchiveError::Empty)
            } else {
                streamed(&archive)
            };
            assert_eq!(read_chart_yaml(archive), want, "variant {i}");
        }
    }

    fn gunzip(bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(bytes)
            .read_to_end(&mut out)
            .unwrap();
        out
    }

    fn gunzip_len(bytes: &[u8]) -> usize {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(bytes)
            .read_to_end(&mut out)
            .unwrap();
        out.len()
    }

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
