//! Byte-reproducible chart archives, laid out like `helm package`: every entry under
//! `<name>/`, Chart.yaml first, then values.yaml, then templates/ in name order. Entries have
//! fixed modes (0644), owners (0, no names) and mtimes (SOURCE_DATE_EPOCH or a fixed default);
//! the gzip header carries no time, no file name and a fixed OS byte.

use std::io::Write;

use flate2::{Compression, GzBuilder};

/// One file of a chart, relative to the chart folder (e.g. `templates/service.yaml`).
pub struct ChartFile {
    /// Path inside the chart folder.
    pub path: String,
    /// Contents.
    pub data: Vec<u8>,
}

/// Writes the `.tgz` bytes of a chart named `name` holding `files` (in the order given).
pub fn write_archive(name: &str, files: &[ChartFile], mtime: u64) -> std::io::Result<Vec<u8>> {
    let gz = GzBuilder::new()
        .mtime(0)
        .operating_system(255)
        .write(Vec::new(), Compression::best());
    let mut tar = tar::Builder::new(gz);
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
    let mut gz = tar.into_inner()?;
    gz.flush()?;
    gz.finish()
}

/// Escapes `{{` and `}}` so Helm renders a static manifest back byte-identical. One pass over
/// the original text, so the escapes themselves are never re-escaped.
pub fn escape_for_helm(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(['{', '}']) {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        if let Some(after) = tail.strip_prefix("{{") {
            out.push_str("{{ \"{{\" }}");
            rest = after;
        } else if let Some(after) = tail.strip_prefix("}}") {
            out.push_str("{{ \"}}\" }}");
            rest = after;
        } else {
            out.push_str(&tail[..1]);
            rest = &tail[1..];
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helm_escapes_are_single_pass() {
        assert_eq!(
            escape_for_helm("a {{ b }} c"),
            "a {{ \"{{\" }} b {{ \"}}\" }} c"
        );
        assert_eq!(escape_for_helm("{}}}{"), "{{{ \"}}\" }}}{");
        assert_eq!(escape_for_helm("plain"), "plain");
    }

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
}
