"""The corpus builder (issue 3, "Corpus builder") on a cache of made-up packages: licences, filters, dedup, split.

Builds two .deb files with dpkg-deb (one MIT by its DEP-5 copyright, one GPL) and three npm tarballs (MIT, GPL,
and one whose name is a benchmark's), then runs build_corpus.build with fetching off and checks which sources
are kept, which files are dropped and why, and that sources.json agrees with the JSON Lines it describes.
"""
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "corpus"))
import build_corpus as BC  # noqa: E402
import corpus_writer as CW  # noqa: E402
from licences import debian_licence, normalise_licence  # noqa: E402

DEP5 = "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\nFiles: *\nLicense: %s\n"
CODE = "def %s(values):\n    total = 0\n    for v in values:\n        total += v * %d\n    return total\n"


def make_deb(cache, pkg, licence, files):
    """A .deb of ``pkg`` 1.0 in cache/deb holding ``files`` under its dist-packages and a DEP-5 copyright."""
    with tempfile.TemporaryDirectory() as tree:
        os.makedirs(os.path.join(tree, "DEBIAN"))
        with open(os.path.join(tree, "DEBIAN", "control"), "w") as f:
            f.write("Package: %s\nVersion: 1.0\nArchitecture: all\nMaintainer: t <t@example.org>\n"
                    "Description: test\n" % pkg)
        doc = os.path.join(tree, "usr", "share", "doc", pkg)
        os.makedirs(doc)
        with open(os.path.join(doc, "copyright"), "w") as f:
            f.write(DEP5 % licence)
        for rel, text in files.items():
            path = os.path.join(tree, "usr", "lib", "python3", "dist-packages", pkg, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                f.write(text)
        os.makedirs(os.path.join(cache, "deb"), exist_ok=True)
        subprocess.run(["dpkg-deb", "--root-owner-group", "-b", tree,
                        os.path.join(cache, "deb", "%s_1.0_all.deb" % pkg)], check=True, capture_output=True)


def make_tgz(cache, name, version, licence, files):
    """An ``npm pack`` tarball: package/package.json with ``licence`` and ``files`` under package/."""
    os.makedirs(os.path.join(cache, "npm"), exist_ok=True)
    members = dict(files, **{"package.json": json.dumps({"name": name, "version": version, "license": licence})})
    with tarfile.open(os.path.join(cache, "npm", BC.npm_tgz_name(name, version)), "w:gz") as t:
        for rel, text in members.items():
            data = text.encode()
            info = tarfile.TarInfo("package/" + rel)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))


class LicenceTest(unittest.TestCase):
    def test_expressions(self):
        self.assertEqual(normalise_licence("MIT OR GPL-3.0"), "MIT")
        self.assertIsNone(normalise_licence("MIT AND GPL-3.0"))
        self.assertEqual(normalise_licence("(Apache-2.0)"), "Apache-2.0")
        self.assertEqual(normalise_licence("Expat"), "MIT")
        self.assertIsNone(normalise_licence("GPL-2+"))
        self.assertIsNone(normalise_licence(""))

    def test_debian_copyright(self):
        self.assertEqual(debian_licence(DEP5 % "BSD-3-clause", "MIT")[0], "BSD-3-Clause")
        text = "This is free software.\nPermission is hereby granted, free of charge, to any person ..."
        self.assertEqual(debian_licence(text, "MIT")[0], "MIT", "a recognisable text confirms the declared licence")
        self.assertIsNone(debian_licence("All rights reserved.", "MIT")[0])


class BuildTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)
        self.data = self.tmp.name
        self.cache = os.path.join(self.data, "cache")
        self.originals = (BC.HERE, BC.load_benchmark_lines, BC.log)
        BC.HERE = self.data  # the copy of sources.json goes here, not beside the committed one
        BC.load_benchmark_lines = lambda: ["an overlapping benchmark docstring line of forty characters or more"]
        BC.log = lambda *a: None

    def tearDown(self):
        BC.HERE, BC.load_benchmark_lines, BC.log = self.originals

    def build(self):
        make_deb(self.cache, "python3-okpkg", "MIT", {
            "a.py": CODE % ("alpha", 1), "b.py": CODE % ("beta", 2),
            "same.py": CODE % ("alpha", 1),  # a duplicate of a.py
            "leak.py": CODE % ("gamma", 3) + '"""an overlapping benchmark docstring line of forty characters or more"""\n',
            "tiny.py": "x = 1\n", "notes.txt": "not code " * 20})
        make_deb(self.cache, "python3-gplpkg", "GPL-3+", {"c.py": CODE % ("delta", 4)})
        make_tgz(self.cache, "okjs", "1.2.3", "MIT", {
            "index.js": "export function add(a, b) {\n  return a + b;\n}\n// a comment that makes it long enough\n",
            "types.ts": "export interface Point {\n  x: number;\n  y: number;\n}\n// a comment that is long enough\n",
            "dist/app.min.js": "function f(){return 1}\n" * 10})
        make_tgz(self.cache, "gpljs", "1.0.0", "GPL-3.0", {"index.js": "module.exports = 1;\n" * 10})
        make_tgz(self.cache, "human-eval-js", "1.0.0", "MIT", {"index.js": "module.exports = 2;\n" * 10})
        BC.build(self.data, self.cache, [("python3-okpkg", "MIT"), ("python3-gplpkg", "GPL-3+"),
                                         ("python3-absent", "MIT")],
                 [("okjs", "1.2.3", "MIT"), ("gpljs", "1.0.0", "GPL-3.0"), ("human-eval-js", "1.0.0", "MIT")])
        corpus = os.path.join(self.data, "corpus")
        records = []
        for split in ("train", "val"):
            with open(os.path.join(corpus, split + ".jsonl")) as f:
                records += [dict(json.loads(line), split=split) for line in f]
        with open(os.path.join(corpus, "sources.json")) as f:
            return records, json.load(f)

    def test_sources_filters_and_split(self):
        records, summary = self.build()
        status = {s["name"]: s["status"] for s in summary["sources"]}
        self.assertEqual(status, {"python3-okpkg": "kept", "python3-gplpkg": "refused: licence",
                                  "python3-absent": "missing (download failed)", "okjs": "kept",
                                  "gpljs": "refused: licence", "human-eval-js": "refused: benchmark name"})
        self.assertEqual(sorted(r["path"] for r in records),
                         ["package/index.js", "package/types.ts", "usr/lib/python3/dist-packages/python3-okpkg/a.py",
                          "usr/lib/python3/dist-packages/python3-okpkg/b.py"])
        self.assertEqual(summary["filters"]["skipped"],
                         {"duplicate": 1, "benchmark-overlap": 1, "small": 1, "minified": 1})
        self.assertEqual({r["lang"] for r in records}, {"python", "javascript", "typescript"})
        for r in records:
            digest = hashlib.sha256(r["text"].encode()).hexdigest()
            self.assertEqual(r["id"], digest[:16])
            self.assertEqual(r["split"], "val" if int(digest[:8], 16) % 1000 < CW.VAL_PERMILLE else "train")
        kept_bytes = sum(len(r["text"].encode()) for r in records)
        self.assertEqual(sum(v["bytes"] for v in summary["totals"].values()), kept_bytes)
        self.assertEqual(summary["by_licence"], {"MIT": {"files": 4, "bytes": kept_bytes}})
        with open(os.path.join(self.data, "sources.json")) as f:
            self.assertEqual(json.load(f), summary, "the copy beside the script is the same file")

    def test_rebuild_from_the_extracted_cache_is_identical(self):
        first = self.build()
        second = self.build()
        self.assertEqual(first, second)


if __name__ == "__main__":
    unittest.main()


class FilterCorpusTest(unittest.TestCase):
    """filter_corpus.py: machine-written JavaScript/TypeScript out, everything else kept in order."""

    RECORDS = [
        ("a.py", "python", 'x = 1  # //# sourceMappingURL in a Python comment stays\n'),
        ("lib/index.d.ts", "typescript", "export declare function f(x: number): number;\n"),
        ("src/index.ts", "typescript", "export function f(x: number): number {\n  return x + 1;\n}\n"),
        ("dist/index.js", "javascript", '"use strict";\nObject.defineProperty(exports, "__esModule", { value: true });\n'),
        ("lib/util.js", "javascript", "function g(y) {\n  return y * 2;\n}\nmodule.exports = g;\n"),
        ("bundle.mjs", "javascript", "var m = __webpack_require__(3);\n"),
    ]

    def write_corpus(self, folder):
        os.makedirs(folder)
        for split, recs in (("train", self.RECORDS), ("val", self.RECORDS[2:4])):
            with open(os.path.join(folder, split + ".jsonl"), "w") as f:
                for path, lang, text in recs:
                    f.write(json.dumps({"id": path, "source": "t", "path": path, "lang": lang, "licence": "MIT",
                                        "text": text}) + "\n")
        with open(os.path.join(folder, "sources.json"), "w") as f:
            json.dump({"format": "d3llm-corpus/1", "filters": {"skipped": {}}, "totals": {}, "sources": []}, f)

    def test_drops_declarations_and_compiled_output_only(self):
        import filter_corpus as FC
        with tempfile.TemporaryDirectory() as tmp:
            corpus, out = os.path.join(tmp, "corpus"), os.path.join(tmp, "out")
            self.write_corpus(corpus)
            sources = FC.filter_corpus(corpus, out)
            with open(os.path.join(out, "train.jsonl")) as f:
                kept = [json.loads(line)["path"] for line in f]
            self.assertEqual(kept, ["a.py", "src/index.ts", "lib/util.js"])
            self.assertEqual(sources["filters"]["machine_written"]["dropped"],
                             {"train": {"declaration": 1, "compiled": 2}, "val": {"compiled": 1}})
            self.assertEqual(sources["totals"]["val/typescript"]["files"], 1)
            self.assertNotIn("val/javascript", sources["totals"])
            self.assertEqual(sources["totals"]["train/javascript"]["bytes"], len(self.RECORDS[4][2]))
            with open(os.path.join(out, "sources.json")) as f:
                self.assertEqual(json.load(f), sources)
            with self.assertRaises(ValueError):
                FC.filter_corpus(corpus, corpus)

    def test_missing_corpus_is_a_message(self):
        with tempfile.TemporaryDirectory() as tmp:
            r = subprocess.run([sys.executable, os.path.join(os.path.dirname(HERE), "corpus", "filter_corpus.py"),
                                "--corpus", tmp, "--out", os.path.join(tmp, "out")], capture_output=True, text=True)
            self.assertEqual(r.returncode, 2)
            self.assertIn("has no sources.json, train.jsonl, val.jsonl", r.stderr)
