"""A copy of a built corpus without machine-written JavaScript/TypeScript (issue 3, "Corpus builder"; the
experiment of models/recipe/README.md, "Continuing the shipped pair on hand-written code").

npm packages ship what a compiler wrote next to, or instead of, their sources: TypeScript declaration files
(``.d.ts``: signatures without bodies, 26.7 MB of the 48.8 MB of TypeScript) and JavaScript compiled from
TypeScript or bundled (31.1 MB of the 95.6 MB of JavaScript: tsc's and Babel's helpers, webpack's loader, a
source map link). An editor's user writes neither, and a small model trained on them completes hand-written
code in their style (``require('../../internal/fs.js')``, ``remove(id: string): string;`` where a body goes).
This keeps every other record in its order, so pretokenize.js sees the same files minus the dropped ones, and
writes sources.json again with the dropped counts and the new totals.

Usage: PYENV_VERSION=system python3 models/recipe/corpus/filter_corpus.py --corpus $DATA/corpus --out DIR
"""
import argparse
import json
import os
import sys

from corpus_writer import machine_written

SPLITS = ("train", "val")


def filter_split(src, dest):
    """Copies the kept records of one JSON Lines split; returns ({reason: files}, {lang: [files, bytes]})."""
    dropped, totals = {}, {}
    with open(src) as f, open(dest, "w") as out:
        for line in f:
            rec = json.loads(line)
            why = machine_written(rec["path"], rec["lang"], rec["text"])
            if why:
                dropped[why] = dropped.get(why, 0) + 1
                continue
            out.write(line)
            total = totals.setdefault(rec["lang"], [0, 0])
            total[0] += 1
            total[1] += len(rec["text"].encode("utf-8"))
    return dropped, totals


def filter_corpus(corpus, out):
    """Writes out/{train,val}.jsonl and out/sources.json; returns the new sources.json content."""
    if os.path.abspath(corpus) == os.path.abspath(out):
        raise ValueError("--out must differ from --corpus (the corpus is read while the copy is written)")
    with open(os.path.join(corpus, "sources.json")) as f:
        sources = json.load(f)
    os.makedirs(out, exist_ok=True)
    machine, totals = {}, {}
    for split in SPLITS:
        dropped, kept = filter_split(os.path.join(corpus, split + ".jsonl"), os.path.join(out, split + ".jsonl"))
        machine[split] = dropped
        for lang, (files, size) in sorted(kept.items()):
            totals["%s/%s" % (split, lang)] = {"files": files, "bytes": size}
    sources["filters"]["machine_written"] = {"dropped": machine, "rule": "corpus_writer.machine_written"}
    sources["filtered_from"] = os.path.abspath(corpus)
    sources["totals"] = totals
    with open(os.path.join(out, "sources.json"), "w") as f:
        json.dump(sources, f, indent=1)
    return sources


def main():
    ap = argparse.ArgumentParser(description="a corpus copy without machine-written JavaScript/TypeScript")
    ap.add_argument("--corpus", required=True, help="folder with train.jsonl, val.jsonl, sources.json")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    missing = [n for n in ("sources.json",) + tuple(s + ".jsonl" for s in SPLITS)
               if not os.path.isfile(os.path.join(args.corpus, n))]
    if missing:
        ap.error("%s has no %s (build_corpus.py writes them)" % (args.corpus, ", ".join(missing)))
    try:
        sources = filter_corpus(args.corpus, args.out)
    except ValueError as e:
        ap.error(str(e))
    print("kept %s; dropped %s" % (json.dumps(sources["totals"]), json.dumps(sources["filters"]["machine_written"]["dropped"])))


if __name__ == "__main__":
    sys.exit(main())
