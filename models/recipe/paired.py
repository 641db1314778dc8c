"""Paired comparison of two ``d3llm bench --samples`` files of the same tasks: a candidate model against a baseline
(models/recipe/README.md, "Comparing a candidate pair"). Tasks are matched by ``taskId``; the differences in edit
similarity (points) and exact match are per task, so the standard error is that of the paired difference, much
smaller than comparing two means (tasks differ far more than models do).

  python3 models/recipe/paired.py --baseline old.samples.jsonl --candidate new.samples.jsonl [--json]
      [--by-source TASKS.jsonl --corpus $DATA/corpus/val.jsonl]

``--by-source`` also prints the difference per kind of file the task was cut from: Python, hand-written
JavaScript/TypeScript, declaration files, compiler output (corpus/corpus_writer.machine_written); a task's file is
the validation file that holds its prompt's last 120 characters followed by its solution.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys
from typing import Callable, Dict, List, Sequence, Tuple

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus"))
from corpus_writer import machine_written  # noqa: E402

SOURCE_KINDS = ("python", "hand-written js/ts", "declaration", "compiled")


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


def source_kinds(tasks_path: str, corpus_path: str) -> Dict[str, str]:
    """taskId -> the kind of validation file the task was cut from (SOURCE_KINDS; "unknown" when none holds it)."""
    try:
        with open(corpus_path) as f:
            files = [json.loads(line) for line in f if line.strip()]
        with open(tasks_path) as f:
            tasks = [json.loads(line) for line in f if line.strip()]
    except (OSError, ValueError) as e:
        raise PairingError("--by-source: %s" % e)
    kinds = {}
    for task in tasks:
        key = task["prompt"][-120:] + task["canonical_solution"]
        rec = next((r for r in files if key in r["text"]), None)
        kinds[task["task_id"]] = "unknown" if rec is None else kind_of(rec)
    return kinds


def kind_of(rec: dict) -> str:
    if rec["lang"] == "python":
        return "python"
    return machine_written(rec["path"], rec["lang"], rec["text"]) or "hand-written js/ts"


def grouped(pairs: List[Tuple[dict, dict]], group_of: Callable[[dict], str], names: Sequence[str]) -> List[dict]:
    """summarize() of the paired differences of each group, in the order of ``names`` (empty groups left out);
    ``group_of`` names the group of a candidate record (also gpu/pack_coverage.py's coverage groups)."""
    diffs: Dict[str, list] = {}
    for (_, after), diff in zip(pairs, differences(pairs)):
        diffs.setdefault(group_of(after), []).append(diff)
    return [summarize(name, diffs[name]) for name in names if name in diffs]


def by_kind(pairs: List[Tuple[dict, dict]], kinds: Dict[str, str]) -> List[dict]:
    """summarize() of the paired differences of each kind of source file."""
    return grouped(pairs, lambda s: kinds.get(s["taskId"], "unknown"), SOURCE_KINDS + ("unknown",))


def kind_line(row: dict) -> str:
    return "  %-19s %3d tasks  %+.2f ± %.2f points (95 %%: ± %.2f)  exact won - lost %+d" % (
        row["group"], row["tasks"], row["editSimilarityDiff"], row["standardError"], 1.96 * row["standardError"],
        row["exactMatchNet"])


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
    ap.add_argument("--by-source", metavar="TASKS", help="the tasks file the samples are of: also compare per kind "
                    "of source file (needs --corpus)")
    ap.add_argument("--corpus", help="the corpus validation split the tasks were cut from (corpus/val.jsonl)")
    args = ap.parse_args(argv)
    if bool(args.by_source) != bool(args.corpus):
        ap.error("--by-source and --corpus go together")
    try:
        baseline, candidate = read_samples(args.baseline), read_samples(args.candidate)
        row = compare(baseline, candidate)
        if args.by_source:
            row["bySource"] = by_kind(pair(baseline, candidate), source_kinds(args.by_source, args.corpus))
    except PairingError as e:
        print("paired: %s" % e, file=sys.stderr)
        return 2
    print(json.dumps(row) if args.json else "\n".join([line(row)] + [kind_line(r) for r in row.get("bySource", [])]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
