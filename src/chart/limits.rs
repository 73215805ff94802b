//! The size limits of chart archives and repository indexes, in one place: what is read is
//! bounded by them whatever a header claims, and what kforge writes stays within them, so it
//! never writes an archive or an index that it (or Helm) would then refuse to read.

/// Largest archive file read from disk (or pushed).
pub const MAX_ARCHIVE_BYTES: u64 = 100 * 1024 * 1024;
/// Largest total of decompressed file contents (Helm's `MaxDecompressedChartSize`).
pub const MAX_CHART_BYTES: u64 = 100 * 1024 * 1024;
/// Largest single decompressed file (Helm's `MaxDecompressedFileSize`).
pub const MAX_ENTRY_BYTES: u64 = 5 * 1024 * 1024;
/// Most entries an archive may hold, so a stream of empty headers cannot spin for long.
pub const MAX_ENTRIES: usize = 100_000;
/// Largest index.yaml read or written (Helm's own indexes reach tens of MB: helm/helm#9931).
pub const MAX_INDEX_BYTES: u64 = 256 * 1024 * 1024;
