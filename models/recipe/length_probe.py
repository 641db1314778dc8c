"""Does a diffusion model guess a middle's length from the hole's budget? (issue 3, models/recipe/README.md)

For the first validation single-line tasks (``eval_infill.py extract``), lays out ``prefix | MASK x G | suffix``
as the engine does, runs one forward of a ``model.save_checkpoint`` file (shifted logits: row i-1 predicts
position i) and reports, per budget G, the mean position of the first mask whose most likely token is
``<|endofmiddle|>``. A model whose answer does not depend on the budget gives about the same number for every G.
Measured 2026-11-27 (60 tasks): a 5 M network after 1.7 M tokens with the old budget sampler 2.1 / 6.7 / 15.4
for G = 16 / 32 / 64, with the uniform sampler 2.7 / 2.7 / 3.7; the shipped diffusion model 5.0 / 5.8 / 7.6.

  PYENV_VERSION=system python3 models/recipe/length_probe.py --checkpoint RUN/model.pt \\
      [--tasks $DATA/val_single_line.jsonl] [--tokenizer $DATA/tok/tokenizer.json] [--limit 60] [--json]
"""
import argparse
import json
import os
import sys
from typing import Dict, List, Sequence

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from data import EOS, MASK  # noqa: E402
from eval_infill import Codec  # noqa: E402
from model import load_checkpoint  # noqa: E402


def first_eos(model, prefix: Sequence[int], suffix: Sequence[int], budget: int) -> int:
    """Position in the hole of the first mask predicted as end of middle (``budget`` when none is)."""
    ids = torch.tensor([list(prefix) + [MASK] * budget + list(suffix)])
    with torch.no_grad():
        best = model(ids)[0].argmax(-1).tolist()
    row = (lambda j: len(prefix) + j - 1) if model.config.logit_shift else (lambda j: len(prefix) + j)
    return next((j for j in range(budget) if best[row(j)] == EOS), budget)


def probe(model, holes: List[tuple], budgets: Sequence[int]) -> Dict[int, float]:
    """Mean first end-of-middle position per budget over (prefix ids, suffix ids) holes."""
    return {b: round(sum(first_eos(model, p, s, b) for p, s in holes) / len(holes), 2) for b in budgets}


def main() -> None:
    ap = argparse.ArgumentParser(description="where a diffusion model puts its first end of middle, per budget")
    ap.add_argument("--checkpoint", required=True, help="a model.save_checkpoint file (a run's model.pt)")
    ap.add_argument("--tasks", default="/work/d3llm-data/val_single_line.jsonl")
    ap.add_argument("--tokenizer", default="/work/d3llm-data/tok/tokenizer.json")
    ap.add_argument("--limit", type=int, default=60)
    ap.add_argument("--budgets", default="16,32,64")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if os.path.abspath(args.tasks).startswith("/work/shared"):
        sys.exit("length_probe: refusing to read shared/ (benchmarks)")
    torch.set_num_threads(2)
    model, _ = load_checkpoint(args.checkpoint)
    model.eval()
    codec = Codec(args.tokenizer)
    with open(args.tasks) as f:
        tasks = [json.loads(line) for line in f][: args.limit]
    holes = [(codec.encode(t["prompt"])[-120:], codec.encode(t["suffix"])[:60]) for t in tasks]
    result = probe(model, holes, [int(b) for b in args.budgets.split(",")])
    print(json.dumps(result) if args.json else "first end of middle by budget: %s" % result)


if __name__ == "__main__":
    main()
