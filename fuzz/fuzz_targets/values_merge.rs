//! Values loading and merging: two values files (split at the first NUL) are parsed and merged;
//! the merged tree, emitted as YAML, must read back as the same data.
#![no_main]

use kforge::values::{merge_overlay, parse_values_file};
use kforge::yaml::{Limits, SourceFile, emit_document, parse_documents, to_json};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (a, b) = text.split_once('\0').unwrap_or((text, ""));
    let fa = SourceFile::new("base.yaml", a);
    let fb = SourceFile::new("prod.yaml", b);
    let (Ok(Some(mut base)), Ok(over)) = (parse_values_file(&fa), parse_values_file(&fb)) else {
        return;
    };
    if let Some(over) = over {
        merge_overlay(&mut base, over);
    }
    let emitted = emit_document(&base);
    let fe = SourceFile::new("emitted.yaml", emitted.clone());
    let back = parse_documents(&emitted, &fe, Limits::default())
        .unwrap_or_else(|e| panic!("emitted YAML does not parse: {e:?}\n{emitted}"));
    assert_eq!(back.len(), 1, "{emitted}");
    assert_eq!(
        to_json(&back[0]),
        to_json(&base),
        "emitted YAML reads back differently:\n{emitted}"
    );
});
