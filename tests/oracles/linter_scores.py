#!/usr/bin/env python3
"""Scores kforge's lint rules against kube-linter's and kube-score's own test suites
(tests/corpora), for every equivalent check a rule claims (`kforge lint --explain RULE`).

Usage: linter_scores.py KFORGE CORPORA_DIR   prints one JSON object:
  {"kube-linter": {...}, "kube-score": {...}}  with per-check results and totals.

kube-linter (tests/checks/<check>.yml, EXPECTATIONS.tsv): every object the check is expected to
report (kind from the expected message; objects not named dont-fire*) must be reported by the
claiming kforge rule, and no object named dont-fire* may be. Expected reports on kinds that are
not built into Kubernetes (OpenShift's DeploymentConfig) are out of scope and counted apart.
kube-score (score/testdata, EXPECTATIONS.tsv): for each row of a claimed check, the first object
in the file the check applies to must be reported when graded CRITICAL or WARNING and must not
be when graded OK. Rows graded SKIPPED are not scored.
"""
import csv
import json
import os
import re
import subprocess
import sys

import yaml

BUILTIN_GROUPS = ("", "apps", "batch", "networking.k8s.io", "autoscaling", "policy", "rbac.authorization.k8s.io")


def claims(kforge):
    rules = subprocess.run([kforge, "lint", "--list-rules"], capture_output=True, text=True, check=True)
    out = {}
    for line in rules.stdout.splitlines():
        rule = line.split()[0]
        text = subprocess.run([kforge, "lint", "--explain", rule], capture_output=True, text=True, check=True).stdout
        for tool, check in re.findall(r"^  (kube-linter|kube-score): (\S+)$", text, re.M):
            out.setdefault(tool, {}).setdefault(check, []).append(rule)
    return out


def lint(kforge, path, kube_version=None, cache={}):
    key = (path, kube_version)
    if key not in cache:
        extra = ["--kube-version", kube_version] if kube_version else []
        r = subprocess.run(
            [kforge, "lint", "--format", "json", "--allow-unknown-kinds", *extra, path],
            capture_output=True, text=True,
        )
        if r.returncode not in (0, 1):
            raise SystemExit(f"kforge lint {path} failed ({r.returncode}): {r.stderr}")
        cache[key] = json.loads(r.stdout)["findings"]
    return cache[key]


def reported(findings, rules):
    """(kind, name) of every object a finding of `rules` is about (message `Kind name: ...`)."""
    return {(u[0], u[1]) for u in units(findings, rules)}


def units(findings, rules):
    """(kind, object name, container or None) of every finding of `rules`."""
    out = []
    for f in findings:
        if f["rule"] in rules:
            m = re.match(r"(\S+)(?: (\S+))?:", f["message"])
            c = re.search(r"container `([^`]+)`", f["message"])
            if m:
                out.append((m.group(1), m.group(2) or "", c.group(1) if c else None))
    return out


def objects(path):
    with open(path) as fh:
        return [d for d in yaml.safe_load_all(fh) if isinstance(d, dict)]


def is_builtin(doc):
    api = str(doc.get("apiVersion", ""))
    group = api.split("/")[0] if "/" in api else ""
    return group in BUILTIN_GROUPS


def kube_linter(kforge, root, checks):
    rows = list(csv.DictReader(open(os.path.join(root, "EXPECTATIONS.tsv")), delimiter="\t"))
    results = {}
    for check, rules in sorted(checks.items()):
        mine = [r for r in rows if r["check_or_test"] == check and r["include_or_config"] == check and r["file"]]
        if not mine:
            results[check] = {"rules": rules, "error": "kube-linter has no test file for this check"}
            continue
        path = os.path.join(root, mine[0]["file"])
        builtin = {d.get("kind") for d in objects(path) if is_builtin(d)}
        ours = units(lint(kforge, path), set(rules))
        used = [False] * len(ours)
        produced, missed, out_of_scope = 0, [], 0
        for r in mine:
            text = r["expected_text"]
            kind = text.split(":")[0]
            if kind not in builtin:
                out_of_scope += 1
                continue
            c = re.search(r'container "([^"]+)"', text)
            want = c.group(1) if c else None
            hit = next(
                (i for i, u in enumerate(ours)
                 if not used[i] and u[0] == kind and not u[1].startswith("dont-fire")
                 and (want is None or u[2] is None or u[2] == want)),
                None,
            )
            if hit is None:
                missed.append(text)
            else:
                used[hit] = True
                produced += 1
        false_positives = sorted({
            f"{u[0]}/{u[1]}" + (f" container {u[2]}" if u[2] else "")
            for u in ours
            if u[1].startswith("dont-fire") or (u[2] or "").startswith("dont-fire")
        })
        dont = sum(1 for d in objects(path)
                   if str((d.get("metadata") or {}).get("name", "")).startswith("dont-fire"))
        dont += sum(1 for d in objects(path) for ctr in containers(d)
                    if str(ctr.get("name", "")).startswith("dont-fire"))
        results[check] = {
            "rules": rules,
            "expected": len(mine) - out_of_scope,
            "produced": produced,
            "missed": missed,
            "dont_fire": dont,
            "false_positives": false_positives,
            "out_of_scope": out_of_scope,
        }
    return results


def containers(doc):
    spec = doc.get("spec") or {}
    for path in (("template", "spec"), ("jobTemplate", "spec", "template", "spec"), ()):
        node = spec
        for k in path:
            node = (node or {}).get(k) or {}
        if isinstance(node, dict) and isinstance(node.get("containers"), list):
            return [c for c in node["containers"] if isinstance(c, dict)]
    return []


def kube_score(kforge, root, checks):
    rows = list(csv.DictReader(open(os.path.join(root, "EXPECTATIONS.tsv")), delimiter="\t"))
    results = {}
    for check, rules in sorted(checks.items()):
        mine = [r for r in rows if r["check_id"] == check]
        res = {"rules": rules, "rows": 0, "agree": 0, "disagree": [], "skipped": 0}
        for r in mine:
            grade = r["expected_grade"]
            version = kube_version(r["config"])
            if grade.startswith("SKIPPED") or version is None:
                res["skipped"] += 1
                continue
            files = r["file(s)"].split(",")
            path = os.path.join(root, files[0].strip())
            got = reported(lint(kforge, path, version), set(rules))
            # The object graded: the first one of a kind the check is about.
            first = first_applicable(path, check)
            hit = first in got if first else bool(got)
            want = grade in ("CRITICAL", "WARNING")
            res["rows"] += 1
            if hit == want:
                res["agree"] += 1
            else:
                res["disagree"].append(f"{files[0]} {grade}: {'reported' if hit else 'not reported'} {first}")
        results[check] = res
    return results


def kube_version(config):
    """The --kube-version matching a kube-score test's run configuration: its
    KubernetesVersion, else kube-score's default target, 1.18. None when the configuration
    changes something else, or names a version kforge does not support (before 1.16)."""
    m = re.search(r"KubernetesVersion: config.Semver\{Major: (\d+), Minor: (\d+)\}", config)
    if m:
        major, minor = int(m.group(1)), int(m.group(2))
        return f"{major}.{minor}" if (major, minor) >= (1, 16) else None
    if config and "EnabledOptionalTests" not in config:
        return None
    return "1.18"


KIND_OF_CHECK = {
    "service": "Service", "ingress": "Ingress", "horizontalpodautoscaler": "HorizontalPodAutoscaler",
    "deployment": "Deployment", "statefulset": "StatefulSet",
}


def first_applicable(path, check):
    prefix = check.split("-")[0]
    kind = KIND_OF_CHECK.get(prefix)
    for d in objects(path):
        k = d.get("kind")
        if (kind and k == kind) or (not kind and k in ("Deployment", "StatefulSet", "DaemonSet", "Pod", "Job", "CronJob", "ReplicaSet")):
            return (k, (d.get("metadata") or {}).get("name", ""))
    return None


def main():
    kforge, corpora = sys.argv[1], sys.argv[2]
    c = claims(kforge)
    print(json.dumps({
        "kube-linter": kube_linter(kforge, os.path.join(corpora, "kube-linter"), c.get("kube-linter", {})),
        "kube-score": kube_score(kforge, os.path.join(corpora, "kube-score"), c.get("kube-score", {})),
    }, indent=1))


if __name__ == "__main__":
    main()
