#!/usr/bin/env bash
# Seeds each fuzz target's corpus from the repository and tests/corpora, then runs every
# target for SECONDS (default 300) with libFuzzer. Built unoptimised and without a sanitizer
# (safe Rust; an optimised ASan build of this crate takes ~45 min on 2 cores).
# Needs cargo-fuzz (`cargo install cargo-fuzz`) and a C++ compiler (libfuzzer-sys builds
# libFuzzer). cargo-fuzz passes nightly-only rustc flags (-Z...); the default toolchain (stable)
# is told to accept them with RUSTC_BOOTSTRAP=1, which is how this script is run here (the first
# build takes ~16 min on 2 busy cores, later targets reuse it); FUZZ_TOOLCHAIN=nightly uses a
# nightly toolchain instead (a separate, full build). Crashes land in fuzz/artifacts/<target>/.
#   [FUZZ_TOOLCHAIN=nightly] fuzz/run.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-300}
shift || true
targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=(set_parser values_merge render template_limits archive_reader index_reader folder_walk schema_loader)
corpora=tests/corpora
seed() { mkdir -p "fuzz/corpus/$1"; cp -f "${@:2}" "fuzz/corpus/$1/" 2>/dev/null || true; }

mkdir -p fuzz/corpus/set_parser
i=0
for s in 'image.tag=2.10.1' 'a.b=c,d.e=f' 'list={a,b,c}' 'list[2]=x' 'a\.b=1' 'x=' 'n=012' \
         'env.FOO.value=bar' 'ports[0].containerPort=80' 'a[1][2]=3' 'k=true,v=null'; do
    printf '%s\nimage:\n  tag: "1"\nlist: [a, b]\n' "$s" > "fuzz/corpus/set_parser/seed$i"
    i=$((i + 1))
done
# Keys at and past the nesting bound (values::set::MAX_DEPTH).
python3 -c "print('.'.join(['a'] * 128) + '=1')" > fuzz/corpus/set_parser/deep128
python3 -c "print('args' + '[0]' * 200 + '=1')" > fuzz/corpus/set_parser/deep200
seed values_merge environments/*.yaml chart-templates/values.yaml
seed render environments/*.yaml
seed template_limits chart-templates/*.yaml tests/fixtures/fuzz/template_limits/*
mkdir -p dist-fuzz-seed && cargo run -q -- build -d dist-fuzz-seed >/dev/null
seed archive_reader dist-fuzz-seed/*/*.tgz $(find "$corpora/helm" -name '*.tgz')
seed index_reader dist-fuzz-seed/*/index.yaml $(find "$corpora/helm" -name 'index*.yaml')
rm -rf dist-fuzz-seed
# folder_walk: 3 bytes an operation (fuzz_targets/folder_walk.rs): a folder with a manifest and
# two links to itself (which hung the walk before issue 34), a link to the root from below, a
# socket named like a manifest, a dangling link.
mkdir -p fuzz/corpus/folder_walk
printf '\x01\x00\x00\x03\x00\x00\x03\x00\x00' > fuzz/corpus/folder_walk/self-links
printf '\x00\x00\x00\x00\x01\x00\x02\x02\x00\x01\x02\x00' > fuzz/corpus/folder_walk/link-to-root
printf '\x05\x00\x00\x04\x00\x07\x01\x00\x00' > fuzz/corpus/folder_walk/special
# schema_loader: a schema, a NUL, a value. The project's schema with the reference values; the
# CRD schemas of the corpora with an empty spec; references that multiply, and references to
# the file the target plants (its content must never show).
mkdir -p fuzz/corpus/schema_loader
{ cat chart-templates/values.schema.json; printf '\0'; cat environments/base.yaml; } > fuzz/corpus/schema_loader/values
python3 - "$corpora" fuzz/corpus/schema_loader <<'PY'
import json, pathlib, sys, yaml
corpora, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
n = 0
for f in sorted(corpora.rglob("*.yaml")):
    try:
        docs = list(yaml.safe_load_all(f.read_text()))
    except Exception:
        continue
    for d in docs:
        if isinstance(d, dict) and d.get("kind") == "CustomResourceDefinition" and n < 20:
            for v in (d.get("spec") or {}).get("versions") or []:
                s = ((v or {}).get("schema") or {}).get("openAPIV3Schema")
                if s:
                    (out / f"crd{n}").write_text(json.dumps(s) + "\0spec: {}\n")
                    n += 1
                    break
defs = {f"d{i}": {"allOf": [{"$ref": f"#/$defs/d{i+1}"}] * 2} for i in range(40)}
(out / "doubling").write_text(json.dumps({"$defs": defs, "$ref": "#/$defs/d0"}) + "\0x: 1\n")
for i, ref in enumerate(["file:///tmp/kforge-fuzz-planted.json", "/tmp/kforge-fuzz-planted.json",
                         "kforge-fuzz-planted.json", "#/properties/a"]):
    (out / f"ref{i}").write_text(json.dumps({"properties": {"a": {"$ref": ref}}}) + "\0a: 1\n")
PY

if [[ -n ${FUZZ_TOOLCHAIN:-} ]]; then
    fuzz=(cargo "+$FUZZ_TOOLCHAIN" fuzz)
else
    fuzz=(env RUSTC_BOOTSTRAP=1 cargo fuzz)
fi
for t in "${targets[@]}"; do
    echo "== $t: ${secs}s"
    # Built first, in the open: a target that no longer compiles stops the script.
    "${fuzz[@]}" build --dev -s none "$t"
    # The flood seed of template_limits reaches the 256 MiB output bound only after over 20 s in
    # this unoptimised, instrumented build: at -timeout=20 it was reported as a hang at once.
    timeout=20
    [[ $t == template_limits ]] && timeout=120
    "${fuzz[@]}" run --dev -s none "$t" "fuzz/corpus/$t" -- \
        -max_total_time="$secs" -rss_limit_mb=4096 -timeout="$timeout" -print_final_stats=1 2>&1 |
        grep -E '^(#[0-9]+ +DONE|stat::|==[0-9]+==|SUMMARY|Test unit written|.*panicked)' || true
done
