"""Paired comparison of two ``d3llm bench --samples`` files of the same tasks: a candidate model against a baseline
(models/recipe/README.md, "Comparing a candidate pair"). Tasks are matched by ``taskId``; the differences in edit
similarity (points) and exact match are per task, so the standard error is that of the paired difference, much
smaller than comparing two means (tasks differ far more than models do).

  python3 models/recipe/paired.py --baseline old.samples.jsonl --candidate new.samples.jsonl [--json]
"""
from __future__ import annotations

import argparse
import json
import math
import sys
from typing import List, Tuple


class PairingError(Exception):
    """An expected problem with the inputs: reported without a traceback."""


def read_samples(path: str) -> List[dict]:
    """The records of a samples file (JSON lines with taskId, editSimilarity in [0, 1], exactMatch)."""
    try:
        with open(path) as f:
            rows = [json.loads(line) for line in f if line.strip()]
    except (OSError, ValueError) as e:
        raise PairingError("%s: %s" % (path, e))
    for r in rows:
        if not {"taskId", "editSimilarity", "exactMatch"} <= set(r):
            raise PairingError("%s: a record without taskId, editSimilarity and exactMatch (a bench --samples "
                               "file?)" % path)
    return rows


def pair(baseline: List[dict], candidate: List[dict]) -> List[Tuple[dict, dict]]:
    """(baseline, candidate) records of the tasks both files have, in the candidate's order."""
    before = {s["taskId"]: s for s in baseline}
    pairs = [(before[s["taskId"]], s) for s in candidate if s["taskId"] in before]
    if not pairs:
        raise PairingError("the two samples files share no task ids")
    return pairs


def differences(pairs: List[Tuple[dict, dict]]) -> List[Tuple[float, int]]:
    """(edit-similarity difference in points, exact-match difference) per task, candidate minus baseline."""
    return [(100 * (b["editSimilarity"] - a["editSimilarity"]), int(b["exactMatch"]) - int(a["exactMatch"]))
            for a, b in pairs]


def summarize(name: str, diffs: List[Tuple[float, int]]) -> dict:
    """Mean paired edit-similarity difference with its standard error, and exact matches won minus lost."""
    es = [d[0] for d in diffs]
    mean = sum(es) / len(es)
    var = sum((x - mean) ** 2 for x in es) / (len(es) - 1) if len(es) > 1 else 0.0
    return {"group": name, "tasks": len(diffs), "editSimilarityDiff": round(mean, 2),
            "standardError": round(math.sqrt(var / len(es)), 2), "exactMatchNet": sum(d[1] for d in diffs)}


def compare(baseline: List[dict], candidate: List[dict]) -> dict:
    """The summary, each side's means, and the exact matches the candidate won and lost."""
    pairs = pair(baseline, candidate)
    row = summarize("all", differences(pairs))
    mean = lambda side, key: round(100 * sum(float(p[side][key]) for p in pairs) / len(pairs), 2)  # noqa: E731
    row.update(baseline={"editSimilarity": mean(0, "editSimilarity"), "exactMatch": mean(0, "exactMatch")},
               candidate={"editSimilarity": mean(1, "editSimilarity"), "exactMatch": mean(1, "exactMatch")},
               exactWon=sum(1 for a, b in pairs if b["exactMatch"] and not a["exactMatch"]),
               exactLost=sum(1 for a, b in pairs if a["exactMatch"] and not b["exactMatch"]))
    return row


def line(row: dict) -> str:
    return ("%d tasks  edit sim. %.2f -> %.2f %%  (%+.2f ± %.2f points, 95 %%: ± %.2f)  exact %.2f -> %.2f %%  "
            "(won %d, lost %d)" % (row["tasks"], row["baseline"]["editSimilarity"], row["candidate"]["editSimilarity"],
                                   row["editSimilarityDiff"], row["standardError"], 1.96 * row["standardError"],
                                   row["baseline"]["exactMatch"], row["candidate"]["exactMatch"], row["exactWon"],
                                   row["exactLost"]))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--baseline", required=True, help="d3llm bench --samples file of the baseline model")
    ap.add_argument("--candidate", required=True, help="d3llm bench --samples file of the candidate model")
    ap.add_argument("--json", action="store_true", help="print the comparison as JSON")
    args = ap.parse_args(argv)
    try:
        row = compare(read_samples(args.baseline), read_samples(args.candidate))
    except PairingError as e:
        print("paired: %s" % e, file=sys.stderr)
        return 2
    print(json.dumps(row) if args.json else line(row))
    return 0


if __name__ == "__main__":
    sys.exit(main())
