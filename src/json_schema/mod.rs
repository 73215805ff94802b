//! JSON Schema as kforge compiles and applies it (with boon), read from its own document alone
//! and bounded: a schema kforge compiles is a document it has read itself (a CRD's
//! `openAPIV3Schema`, `values.schema.json`), so boon is given a loader that refuses every other
//! resource (a file, a URL, a FIFO), the references of a schema are checked before it is
//! compiled (`refs`), and the work of validating one instance against it is counted before
//! boon does it (`work`). docs/limits.md lists the bounds.

mod pattern;
mod quick;
mod refs;
mod work;

use serde_json::{Map, Value as Json};

pub use quick::{Quick, Verdict};

pub use refs::{RefProblem, crd_refs, local_refs_only};
pub use work::{
    MAX_VALIDATION_DEPTH, MAX_VALIDATION_STEPS, SchemaWork, WorkError, WorkLimits, check_work,
};

/// A boon compiler that loads nothing by itself. The metaschemas of the JSON Schema drafts are
/// built into boon and still found; any other resource a schema names (`$ref`, `$schema`) is
/// an error without being opened, whatever its scheme.
pub fn compiler() -> boon::Compiler {
    let mut compiler = boon::Compiler::new();
    compiler.use_loader(Box::new(NoLoader));
    compiler
}

/// The loader of [`compiler`]: refuses every URL.
struct NoLoader;

impl boon::UrlLoader for NoLoader {
    fn load(&self, url: &str) -> Result<serde_json::Value, Box<dyn std::error::Error>> {
        Err(
            format!("kforge reads a schema from its own document only, and does not load `{url}`")
                .into(),
        )
    }
}

/// `obj[key]`, found by a scan of the entries when `obj` is small, as a subschema's keywords
/// are: serde_json's maps (`preserve_order`) hash every key looked up with SipHash, about 180
/// instructions, where the scan compares a few lengths. The schema walks look up some twenty
/// keywords per subschema (BENCHMARKS.md, round 3). The same entry either way: a JSON object's
/// keys are unique.
#[inline]
pub fn keyword<'a>(obj: &'a Map<String, Json>, key: &str) -> Option<&'a Json> {
    if obj.len() <= SCANNED {
        obj.iter().find_map(|(k, v)| (k == key).then_some(v))
    } else {
        obj.get(key)
    }
}

/// The largest object [`keyword`] scans rather than hashes into.
const SCANNED: usize = 12;

/// `tokens` as a JSON pointer (`/properties/a~1b`).
pub fn pointer(tokens: &[String]) -> String {
    tokens
        .iter()
        .map(|t| format!("/{}", t.replace('~', "~0").replace('/', "~1")))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_compiler_opens_no_file_and_still_knows_the_drafts() {
        let dir = tempfile::tempdir().unwrap();
        let leak = dir.path().join("leak.json");
        std::fs::write(&leak, r#"{"enum": ["LEAKEDENUMVALUE777"]}"#).unwrap();
        let url = format!("file://{}", leak.display());
        for schema in [
            json!({"$ref": url}),
            json!({"$schema": url}),
            json!({"properties": {"a": {"$ref": "other.json"}}}),
        ] {
            let mut c = compiler();
            c.add_resource("file:///s.json", schema.clone()).unwrap();
            let err = c
                .compile("file:///s.json", &mut boon::Schemas::new())
                .unwrap_err();
            let text = format!("{err:#}");
            assert!(text.contains("does not load"), "{schema}: {text}");
            assert!(!text.contains("LEAKEDENUMVALUE777"), "{text}");
        }
        let mut c = compiler();
        let mut schemas = boon::Schemas::new();
        for draft in [
            "http://json-schema.org/draft-04/schema#",
            "https://json-schema.org/draft/2020-12/schema",
        ] {
            c.compile(draft, &mut schemas).unwrap();
        }
    }

    #[test]
    fn pointers_escape_their_tokens() {
        let t = ["properties".to_string(), "a/b~c".to_string()];
        assert_eq!(pointer(&t), "/properties/a~1b~0c");
    }
}
