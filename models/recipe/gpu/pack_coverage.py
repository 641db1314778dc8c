"""Did a model trained on a partial corpus pack lose on the packages the pack left out? (models/recipe/README.md,
"Two continuations on the GPU").

Two ``d3llm bench --samples`` files of the same validation tasks (a baseline model and a candidate trained on a
``gpu/pack_data.py`` pack) are paired task by task, and the differences in edit similarity and exact match are
grouped by how much of the task's source package (its ``source`` field, ``eval_infill.py extract``) the pack
kept, counted in corpus bytes. A candidate that forgets what the pack left out loses only in the first group.

  python3 models/recipe/gpu/pack_coverage.py --pack .device-data/tok --corpus $DATA/corpus/train.jsonl \\
      --tasks $DATA/val_single_line.jsonl --baseline old.jsonl --candidate new.jsonl [--json]
"""
import argparse
import json
import math
import os
import re
import sys
from collections import Counter
from typing import Dict, List

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from paired import PairingError, grouped, pair  # noqa: E402

GROUPS = ((0.4, "kept < 40 %"), (0.8, "kept 40-80 %"), (math.inf, "kept >= 80 %"))
RECORD_HEAD = re.compile(r'"id": "([^"]+)", "source": "([^"]+)"')


class CoverageError(Exception):
    """An expected problem with the inputs: reported without a traceback."""


def read_jsonl(path: str) -> List[dict]:
    try:
        with open(path) as f:
            return [json.loads(line) for line in f if line.strip()]
    except (OSError, ValueError) as e:
        raise CoverageError("%s: %s" % (path, e))


def kept_share_by_source(pack_dir: str, corpus: str) -> Dict[str, float]:
    """Share of each source's training bytes whose file ids are in the pack's train split."""
    try:
        with open("%s/train.meta.json" % pack_dir) as f:
            kept = set(json.load(f)["ids"])
    except (OSError, ValueError, KeyError) as e:
        raise CoverageError("%s has no readable train.meta.json with file ids: %s" % (pack_dir, e))
    total, inside = Counter(), Counter()
    try:
        with open(corpus) as f:
            for line in f:
                head = RECORD_HEAD.search(line[:400])
                if head:
                    total[head.group(2)] += len(line)
                    inside[head.group(2)] += len(line) if head.group(1) in kept else 0
    except OSError as e:
        raise CoverageError("%s: %s" % (corpus, e))
    if not total:
        raise CoverageError("%s has no corpus records (id, source)" % corpus)
    return {source: inside[source] / total[source] for source in total}


def group_of(share: float) -> str:
    return next(name for bound, name in GROUPS if share < bound)


def compare(shares: Dict[str, float], tasks: List[dict], baseline: List[dict], candidate: List[dict]) -> List[dict]:
    """One row per coverage group: tasks, mean paired edit-similarity difference (points) with its standard
    error, and exact matches won minus lost by the candidate."""
    source_of = {t["task_id"]: t.get("source", "") for t in tasks}
    try:
        pairs = pair(baseline, candidate)
    except PairingError as e:
        raise CoverageError(str(e))
    return grouped(pairs, lambda after: group_of(shares.get(source_of.get(after["taskId"], ""), 0.0)),
                   [name for _, name in GROUPS])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pack", required=True, help="packed corpus folder (gpu/pack_data.py pack --out)")
    ap.add_argument("--corpus", required=True, help="the corpus train.jsonl the pack was made from")
    ap.add_argument("--tasks", required=True, help="validation tasks (eval_infill.py extract)")
    ap.add_argument("--baseline", required=True, help="d3llm bench --samples file of the baseline model")
    ap.add_argument("--candidate", required=True, help="d3llm bench --samples file of the candidate model")
    ap.add_argument("--json", action="store_true", help="print the rows as JSON")
    args = ap.parse_args(argv)
    try:
        rows = compare(kept_share_by_source(args.pack, args.corpus), read_jsonl(args.tasks),
                       read_jsonl(args.baseline), read_jsonl(args.candidate))
    except CoverageError as e:
        print("pack_coverage: %s" % e, file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(rows))
    else:
        for r in rows:
            print("%-13s %4d tasks  edit sim. %+6.2f ± %.2f points  exact match net %+d"
                  % (r["group"], r["tasks"], r["editSimilarityDiff"], r["standardError"], r["exactMatchNet"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
