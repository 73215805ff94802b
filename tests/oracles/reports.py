#!/usr/bin/env python3
"""Validates kforge lint reports with independent tools (see .ci/install-oracles).

  reports.py sarif FILE   SARIF 2.1.0 JSON schema (OASIS rtm.5), with the jsonschema package
  reports.py junit FILE   JUnit XML against the Jenkins junit-4 XSD (kubeconform's copy in
                          tests/corpora), with lxml; also parses it like a CI server would

Prints one JSON object: {"ok": true, ...} or {"ok": false, "errors": [...]}; exit 0 either way
(the test asserts), exit 1 when the validator itself is missing.
"""
import json
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]


def sarif(path):
    import jsonschema

    schema = json.loads((ROOT / "target/oracles/sarif/sarif-2.1.0.json").read_text())
    doc = json.loads(pathlib.Path(path).read_text())
    validator = jsonschema.Draft4Validator(schema)
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(doc)]
    regions = [
        loc["physicalLocation"]["region"]["startLine"]
        for run in doc.get("runs", [])
        for res in run.get("results", [])
        for loc in res.get("locations", [])
        if "region" in loc.get("physicalLocation", {})
    ]
    return {"ok": not errors, "errors": errors[:20], "start_lines": regions}


def junit(path):
    from lxml import etree

    xsd = etree.XMLSchema(etree.parse(str(ROOT / "tests/corpora/kubeconform/fixtures/junit.xsd")))
    doc = etree.parse(str(path))
    ok = xsd.validate(doc)
    errors = [str(e) for e in xsd.error_log][:20]
    cases = doc.findall(".//testcase")
    failures = [
        {"name": c.get("name"), "classname": c.get("classname"), "message": f.get("message")}
        for c in cases
        for f in c.findall("failure")
    ]
    return {"ok": ok, "errors": errors, "testcases": len(cases), "failures": failures}


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("sarif", "junit"):
        sys.exit(__doc__)
    try:
        out = {"sarif": sarif, "junit": junit}[sys.argv[1]](sys.argv[2])
    except (ImportError, FileNotFoundError) as e:
        sys.exit(f"reports.py: validator missing (run .ci/install-oracles): {e}")
    print(json.dumps(out))


if __name__ == "__main__":
    main()
