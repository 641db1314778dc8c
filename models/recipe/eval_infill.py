"""Single-line infilling evaluation on the corpus validation split (issue 3).

``extract``: builds single-line infilling tasks from the validation split of the corpus
(``<data>/corpus/val.jsonl``: files never trained on) in the HumanEval-Infilling shape (Bavarian et al.
2022; fields task_id, prompt, suffix, canonical_solution, entry_point, test, plus language/source/path):
one line per file, chosen deterministically among lines with real code (6-120 characters, not a comment
or a lone bracket); prompt = up to 40 lines before it (ending with a newline), canonical_solution = the
line with its indentation and newline, suffix = up to 20 lines after it. With ``--cursor mid`` the cursor
sits inside that line instead (inline completion while typing): the prompt ends with the line's start and
canonical_solution is the rest of the line; ``--cursor space`` puts it right after a space inside the code
(``x = ``, ``return ``, ``== ``: where inline completions are most often asked for). ``--cursor close``
(only lines that end in closing brackets, quotes or punctuation) also leaves that closing run after the
hole, at the start of the suffix, as an editor's auto-closing does. ``--cursor lines`` makes the hole 2 to 4 whole
lines starting at the same line (multi-line middles, as the fill-in-the-middle commands ask for). The engine's ``d3llm`` CLI computes
exact match on this file; ``/work/shared/benchmarks`` is never read.

``run``: a quick PyTorch check of a trained run on those tasks (used for model.json ``quality``): greedy
decoding of the middle and exact match of its first line (stripped) with canonical_solution.
  * diffusion (canvas layout): ``prefix | MASK x G | suffix``; each step commits the masked position(s)
    of highest confidence (``--per-step``) inside the first block (``--block``) that still has masks,
    until none is left; a committed ``<|endofmiddle|>`` ends the middle (the rest becomes EOS). By default
    an EOS is only committed at the leftmost masked position (``--eos-from-left``): a small model is
    over-confident about the EOS padding at the right of the canvas. This is the plain confidence-ordered unmasking of MDLM/LLaDA sampling, not the
    engine's d3LLM decoder.
  * autoregressive twin (psm layout): ``<|fim_suffix|> suffix <|fim_prefix|> prefix <|fim_middle|>``
    then greedy next tokens until ``<|endofmiddle|>`` or a newline.
Tokenisation goes through corpus/codec.js (the runtime loader @huggingface/tokenizers).

Usage:
  python3 models/recipe/eval_infill.py extract --corpus /work/d3llm-data/corpus/val.jsonl \
      --out /work/d3llm-data/val_single_line.jsonl
  python3 models/recipe/eval_infill.py run --model /work/d3llm-train/diffusion/model.pt \
      --tasks /work/d3llm-data/val_single_line.jsonl --tokenizer /work/d3llm-data/tok/tokenizer.json --limit 200
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from data import EOS, FIM_MIDDLE, FIM_PREFIX, FIM_SUFFIX, MASK  # noqa: E402

COMMENT = re.compile(r"^\s*(#|//|/\*|\*|\"\"\"|''')")
HAS_WORD = re.compile(r"[A-Za-z0-9_]")
CLOSERS = re.compile(r"[)\]}'\"`;:,]*$")


def extract(args) -> None:
    if os.path.abspath(args.corpus).startswith("/work/shared"):
        sys.exit("refusing to read shared/ (benchmarks)")
    rng = random.Random(args.seed)
    per_lang = {}
    tasks = []
    with open(args.corpus) as f:
        recs = [json.loads(l) for l in f]
    recs.sort(key=lambda r: r["id"])
    for r in recs:
        lang = r["lang"]
        if per_lang.get(lang, 0) >= args.max_per_lang:
            continue
        lines = r["text"].split("\n")
        cands = [i for i in range(3, len(lines) - 1)
                 if 6 <= len(lines[i].strip()) <= 120 and not COMMENT.match(lines[i])
                 and HAS_WORD.search(lines[i]) and len(lines[i]) <= 160]
        if not cands:
            continue
        i = rng.choice(cands)
        span = hole_lines(args.cursor, i, len(lines), r["id"])
        line = "\n".join(lines[i:i + span])
        hole = hole_span(line, args.cursor, r["id"])
        if hole is None:
            continue
        cut, end = hole
        whole_rest = end == len(line)
        prompt = "\n".join(lines[max(0, i - args.prompt_lines):i]) + "\n" + line[:cut]
        suffix = "\n".join(lines[i + span:i + span + args.suffix_lines])
        n = per_lang.get(lang, 0)
        per_lang[lang] = n + 1
        tasks.append({"task_id": "%s/%s/%d" % (TASK_KINDS[args.cursor], lang, n),
                      "prompt": prompt, "suffix": suffix if whole_rest else line[end:] + "\n" + suffix,
                      "canonical_solution": line[cut:end] + ("\n" if whole_rest else ""), "entry_point": "", "test": "",
                      "language": lang, "source": r["source"], "path": r["path"]})
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        for t in tasks:
            f.write(json.dumps(t) + "\n")
    print("wrote %d tasks to %s: %s" % (len(tasks), args.out, per_lang))


TASK_KINDS = {"line": "ValSingleLine", "mid": "ValMidLine", "space": "ValAfterSpace", "close": "ValBeforeClosers",
              "lines": "ValMultiLine"}


def hole_lines(cursor: str, first: int, count: int, file_id: str) -> int:
    """How many whole lines the hole spans: 1, or for ``lines`` 2 to 4 (its own generator, seeded by the file id,
    so the chosen first lines are the same as in the whole-line tasks), fewer where the file ends first (the
    file's last line is never part of a hole)."""
    if cursor != "lines":
        return 1
    return min(random.Random("lines:" + file_id).randint(2, 4), count - 1 - first)


def hole_span(line: str, cursor: str, file_id: str):
    """(cut, end) of the hole in the line, or None when the line has no such hole. ``line``: the whole line;
    ``mid``: from a cursor inside the code to the line's end; ``space``: from a cursor right after a space inside
    the code to the line's end; ``close``: from a cursor inside the code to the run of closing brackets, quotes
    and punctuation that ends the line (what auto-closing leaves after it)."""
    if cursor in ("line", "lines"):
        return 0, len(line)
    if cursor == "space":
        cut = after_space_column(line, file_id)
        return None if cut is None else (cut, len(line))
    end = len(line) - len(CLOSERS.search(line).group(0)) if cursor == "close" else len(line)
    indent = len(line) - len(line.lstrip())
    if end < indent + 2 or (cursor == "close" and end == len(line)):
        return None
    return cursor_column(line[:end], file_id), end


def cursor_column(line: str, file_id: str) -> int:
    """A cursor inside the line's code, as while typing: after at least one character past the indentation and
    before its last character. Drawn from its own generator (seeded by the file id), so the chosen lines are
    the same as in the whole-line tasks."""
    indent = len(line) - len(line.lstrip())
    return random.Random("cursor:" + file_id).randint(indent + 1, len(line) - 1)


def after_space_column(line: str, file_id: str):
    """A cursor right after a space between two pieces of the line's code (``x = |y``), or None if there is none."""
    indent = len(line) - len(line.lstrip())
    cols = [j for j in range(indent + 2, len(line)) if line[j - 1] == " " and line[j] != " "]
    return random.Random("cursor:" + file_id).choice(cols) if cols else None


class Codec:
    def __init__(self, tokenizer: str) -> None:
        self.p = subprocess.Popen(["node", os.path.join(HERE, "corpus", "codec.js"), tokenizer],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def _ask(self, req):
        self.p.stdin.write(json.dumps(req) + "\n")
        self.p.stdin.flush()
        return json.loads(self.p.stdout.readline())

    def encode(self, text):
        return self._ask({"encode": text})["ids"]

    def decode(self, ids):
        if len(ids) == 0:
            return ""
        return self._ask({"decode": [int(i) for i in ids]})["text"]


def load_tasks(args) -> list:
    """The tasks of ``--lang``, shuffled with a fixed seed, at most ``--limit``."""
    with open(args.tasks) as f:
        tasks = [json.loads(line) for line in f]
    if args.lang:
        tasks = [t for t in tasks if t["language"] in args.lang.split(",")]
    random.Random(0).shuffle(tasks)
    return tasks[: args.limit]


def greedy_ar(model, codec: Codec, pre: list, suf: list, gap: int) -> list:
    """The autoregressive twin's middle in PSM order, greedy, up to EOS, a line break or ``gap`` tokens."""
    import torch
    ids = [FIM_SUFFIX] + suf + [FIM_PREFIX] + pre + [FIM_MIDDLE]
    out = []
    for _ in range(gap):
        nxt = int(model(torch.tensor([ids]))[0, -1].argmax())
        if nxt == EOS:
            break
        out.append(nxt)
        ids.append(nxt)
        if "\n" in codec.decode([nxt]):
            break
    return out


def unmask_step(model, ids, lo: int, masked, args) -> None:
    """Commit the ``--per-step`` most confident masked positions of ``ids``; a committed EOS ends the middle."""
    import torch
    g = args.gap
    sh = 1 if model.config.logit_shift else 0  # Dream: row i-1 predicts position i
    probs = torch.softmax(model(ids)[0, lo - sh:lo + g - sh], -1)
    probs[:, MASK] = 0  # never "commit" a mask: the loop would not end
    conf, tok = probs.max(-1)
    cands = masked
    if args.eos_from_left:  # EOS may only be committed at the leftmost masked position
        cands = masked[(tok[masked] != EOS) | (masked == masked[0])]
    order = cands[conf[cands].argsort(descending=True)][: args.per_step]
    ids[0, lo + order] = tok[order]
    eos = [int(j) for j in order if int(tok[j]) == EOS]
    if eos:  # early stop: the first EOS ends the middle
        ids[0, lo + min(eos):lo + g] = EOS


def confidence_unmask(model, pre: list, suf: list, args) -> list:
    """The diffusion model's middle: ``prefix | MASK x gap | suffix`` unmasked by confidence, optionally in
    semi-autoregressive blocks, up to the first EOS."""
    import torch
    g = args.gap
    ids = torch.tensor([pre + [MASK] * g + suf])
    lo = len(pre)
    while True:
        masked = (ids[0, lo:lo + g] == MASK).nonzero().flatten()
        if len(masked) == 0:
            break
        if args.block:  # semi-autoregressive: only the first block that still has masks
            masked = masked[masked // args.block == int(masked[0]) // args.block]
        unmask_step(model, ids, lo, masked, args)
    mid = ids[0, lo:lo + g].tolist()
    return mid[: mid.index(EOS)] if EOS in mid else mid


def decoder_note(causal: bool, args) -> str:
    if causal:
        return "autoregressive greedy (psm)"
    return "confidence-ordered unmasking, gap %d, %d per step, blocks of %d, EOS early stop%s" % (
        args.gap, args.per_step, args.block, ", EOS only from the left" if args.eos_from_left else "")


def run(args) -> dict:
    """First-line exact match of a model.pt on the tasks (the quick PyTorch check behind model.json quality)."""
    import torch
    from model import load_checkpoint
    torch.set_num_threads(args.threads)
    model, extra = load_checkpoint(args.model)
    model.eval()
    causal = model.config.causal
    codec = Codec(args.tokenizer)
    hits, n, t0 = 0, 0, time.time()
    by_lang = {}
    with torch.no_grad():
        for t in load_tasks(args):
            pre = codec.encode(t["prompt"])[-args.prefix_tokens:]
            suf = codec.encode(t["suffix"])[: args.suffix_tokens]
            out = greedy_ar(model, codec, pre, suf, args.gap) if causal else confidence_unmask(model, pre, suf, args)
            text = codec.decode(out)
            ok = text.split("\n")[0].strip() == t["canonical_solution"].strip()
            hits, n = hits + ok, n + 1
            b = by_lang.setdefault(t["language"], [0, 0])
            b[0] += ok
            b[1] += 1
            if args.verbose:
                print(json.dumps({"task": t["task_id"], "ok": ok, "got": text, "want": t["canonical_solution"]}))
    res = {"metric": "single-line infilling exact match (first line, stripped), corpus validation split",
           "decoder": decoder_note(causal, args), "tasks": n, "exactMatch": round(hits / max(n, 1), 4),
           "byLanguage": {k: round(v[0] / v[1], 4) for k, v in by_lang.items()},
           "seconds": round(time.time() - t0, 1), "trainTokens": extra.get("tokens")}
    print(json.dumps(res))
    if args.out:
        with open(args.out, "w") as f:
            json.dump(res, f, indent=1)
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description="single-line infilling tasks from the validation split")
    sub = ap.add_subparsers(dest="cmd", required=True)
    e = sub.add_parser("extract")
    e.add_argument("--corpus", default="/work/d3llm-data/corpus/val.jsonl")
    e.add_argument("--out", default="/work/d3llm-data/val_single_line.jsonl")
    e.add_argument("--max-per-lang", type=int, default=300)
    e.add_argument("--prompt-lines", type=int, default=40)
    e.add_argument("--suffix-lines", type=int, default=20)
    e.add_argument("--seed", type=int, default=0)
    e.add_argument("--cursor", choices=["line", "mid", "space", "close", "lines"], default="line",
                   help="line: the hole is a whole line; lines: 2 to 4 whole lines from the same first line; mid: the cursor sits inside the line and the hole is the "
                        "rest of it (inline completion while typing); space: as mid, with the cursor right after a "
                        "space inside the code; close: as mid, but the line's closing brackets, "
                        "quotes and punctuation stay after the hole, as an editor's auto-closing leaves them "
                        "(only lines that end in some)")
    r = sub.add_parser("run")
    r.add_argument("--model", required=True, help="model.pt of a run (model.save_checkpoint format)")
    r.add_argument("--tasks", default="/work/d3llm-data/val_single_line.jsonl")
    r.add_argument("--tokenizer", default="/work/d3llm-data/tok/tokenizer.json")
    r.add_argument("--limit", type=int, default=200)
    r.add_argument("--lang", default="")
    r.add_argument("--gap", type=int, default=32)
    r.add_argument("--per-step", type=int, default=1)
    r.add_argument("--block", type=int, default=8, help="semi-autoregressive block size (0: whole gap)")
    r.add_argument("--eos-from-left", type=int, default=1,
                   help="1: an EOS is committed only at the leftmost masked position")
    r.add_argument("--prefix-tokens", type=int, default=160)
    r.add_argument("--suffix-tokens", type=int, default=64)
    r.add_argument("--threads", type=int, default=1)
    r.add_argument("--out")
    r.add_argument("--verbose", action="store_true")
    a = ap.parse_args()
    extract(a) if a.cmd == "extract" else run(a)


if __name__ == "__main__":
    main()
