//! The index.yaml reader on arbitrary text: an error with a location or an index, never a
//! panic; a parsed index serialises and parses again.
#![no_main]

use kforge::chart::index::RepoIndex;
use kforge::yaml::SourceFile;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let file = SourceFile::new("index.yaml", text);
    if let Ok(mut index) = RepoIndex::parse(&file) {
        let out = index.to_yaml("2000-01-01T00:00:00Z");
        let again = SourceFile::new("index.yaml (written)", out.clone());
        if let Err(e) = RepoIndex::parse(&again) {
            panic!("written index does not parse: {e:?}\n{out}");
        }
    }
});
