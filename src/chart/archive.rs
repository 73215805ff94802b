//! Byte-reproducible chart archives, laid out like `helm package`: every entry under
//! `<name>/`, Chart.yaml first, then values.yaml and values.schema.json, then templates/ in name
//! order, then other files (kforge-values.yaml). Entries have
//! fixed modes (0644), owners (0, no names) and mtimes (SOURCE_DATE_EPOCH or a fixed default);
//! the gzip header carries no time, no file name and a fixed OS byte.

use std::io::Write;

use flate2::{Compression, GzBuilder};

use super::limits::{MAX_ARCHIVE_BYTES, MAX_CHART_BYTES, MAX_ENTRY_BYTES};

/// One file of a chart, relative to the chart folder (e.g. `templates/service.yaml`).
pub struct ChartFile {
    /// Path inside the chart folder.
    pub path: String,
    /// Contents.
    pub data: Vec<u8>,
}

/// Why an archive was not written: an I/O error in memory, or contents over the limits the
/// archive reader (and Helm) hold archives to, which would make it unreadable.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// Compressing or archiving failed.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// One file over [`MAX_ENTRY_BYTES`].
    #[error(
        "{path} is {len} bytes, over the {MAX_ENTRY_BYTES}-byte limit Helm sets for a file of a chart"
    )]
    FileTooLarge {
        /// The file, inside the chart.
        path: String,
        /// Its length.
        len: u64,
    },
    /// All files together over [`MAX_CHART_BYTES`], or the archive over [`MAX_ARCHIVE_BYTES`].
    #[error(
        "the chart is {len} bytes, over the {limit}-byte limit for a chart ({what}); Helm would refuse to load it"
    )]
    ChartTooLarge {
        /// What is measured: its files, or its archive.
        what: &'static str,
        /// Its length.
        len: u64,
        /// The limit.
        limit: u64,
    },
}

/// Writes the `.tgz` bytes of a chart named `name` holding `files` (in the order given),
/// refusing contents the archive reader would refuse.
pub fn write_archive(name: &str, files: &[ChartFile], mtime: u64) -> Result<Vec<u8>, WriteError> {
    let mut total = 0u64;
    for file in files {
        let len = file.data.len() as u64;
        if len > MAX_ENTRY_BYTES {
            return Err(WriteError::FileTooLarge {
                path: file.path.clone(),
                len,
            });
        }
        total += len;
    }
    if total > MAX_CHART_BYTES {
        return Err(WriteError::ChartTooLarge {
            what: "decompressed",
            len: total,
            limit: MAX_CHART_BYTES,
        });
    }
    let bytes = write_tgz(name, files, mtime)?;
    if bytes.len() as u64 > MAX_ARCHIVE_BYTES {
        return Err(WriteError::ChartTooLarge {
            what: "compressed",
            len: bytes.len() as u64,
            limit: MAX_ARCHIVE_BYTES,
        });
    }
    Ok(bytes)
}

fn write_tgz(name: &str, files: &[ChartFile], mtime: u64) -> std::io::Result<Vec<u8>> {
    // The tar stream is made in memory and given to gzip in one write: flate2 zero-fills its
    // 32 KiB output buffer on every write, and the tar builder's writes (a header, the data,
    // the padding of each entry) made that a quarter of the gzip work (BENCHMARKS.md, round 3).
    // Deflate's output does not depend on how its input is cut into writes: the same bytes.
    let size: usize = files.iter().map(|f| 1024 + f.data.len()).sum();
    let mut tar = tar::Builder::new(Vec::with_capacity(size + 1024));
    for file in files {
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(tar::EntryType::Regular);
        header.set_mode(0o644);
        header.set_uid(0);
        header.set_gid(0);
        header.set_mtime(mtime);
        header.set_size(file.data.len() as u64);
        tar.append_data(
            &mut header,
            format!("{name}/{}", file.path),
            file.data.as_slice(),
        )?;
    }
    let stream = tar.into_inner()?;
    let mut gz = GzBuilder::new()
        .mtime(0)
        .operating_system(255)
        .write(Vec::new(), Compression::best());
    gz.write_all(&stream)?;
    gz.flush()?;
    gz.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_input_same_bytes() {
        let files = [ChartFile {
            path: "Chart.yaml".into(),
            data: b"apiVersion: v2\n".to_vec(),
        }];
        let a = write_archive("c", &files, crate::epoch::DEFAULT_MTIME).unwrap();
        let b = write_archive("c", &files, crate::epoch::DEFAULT_MTIME).unwrap();
        assert_eq!(a, b);
        assert_eq!(&a[4..8], &[0, 0, 0, 0], "gzip header mtime is zero");
    }

    #[test]
    fn gzip_in_one_write_gives_the_bytes_of_many_writes() {
        // The archive as the tar builder wrote it straight into gzip (a write per header, per
        // file and per padding), before the tar stream was made in memory first.
        let files: Vec<ChartFile> = (0..12)
            .map(|i| ChartFile {
                path: format!("templates/f{i}.yaml"),
                data: format!("kind: ConfigMap\ndata:\n  k: \"{}\"\n", "x".repeat(i * 997))
                    .into_bytes(),
            })
            .collect();
        let gz = GzBuilder::new()
            .mtime(0)
            .operating_system(255)
            .write(Vec::new(), Compression::best());
        let mut tar = tar::Builder::new(gz);
        for file in &files {
            let mut header = tar::Header::new_gnu();
            header.set_entry_type(tar::EntryType::Regular);
            header.set_mode(0o644);
            header.set_uid(0);
            header.set_gid(0);
            header.set_mtime(7);
            header.set_size(file.data.len() as u64);
            tar.append_data(
                &mut header,
                format!("c/{}", file.path),
                file.data.as_slice(),
            )
            .unwrap();
        }
        let mut gz = tar.into_inner().unwrap();
        gz.flush().unwrap();
        let many_writes = gz.finish().unwrap();
        assert_eq!(write_archive("c", &files, 7).unwrap(), many_writes);
    }

    /// What is written stays within the limits the reader holds archives to.
    #[test]
    fn files_over_the_read_limit_are_not_written() {
        let big = |path: &str, len: u64| ChartFile {
            path: path.into(),
            data: vec![b'a'; usize::try_from(len).unwrap()],
        };
        let at_limit = [big("templates/a.yaml", MAX_ENTRY_BYTES)];
        let bytes = write_archive("c", &at_limit, 0).unwrap();
        assert_eq!(
            super::super::read::read_archive(&bytes).unwrap()[0]
                .data
                .len() as u64,
            MAX_ENTRY_BYTES
        );
        let over = [big("templates/a.yaml", MAX_ENTRY_BYTES + 1)];
        assert!(matches!(
            write_archive("c", &over, 0),
            Err(WriteError::FileTooLarge { len, .. }) if len == MAX_ENTRY_BYTES + 1
        ));
    }
}
