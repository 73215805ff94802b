//! The chart archive reader on arbitrary bytes: an error or the files, never a panic, and
//! bounded memory (entry and total size limits).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(files) = kforge::chart::read::read_archive(data) {
        for f in files {
            assert!(
                !f.name.starts_with('/') && !f.name.split('/').any(|p| p == ".."),
                "{}",
                f.name
            );
        }
    }
});
