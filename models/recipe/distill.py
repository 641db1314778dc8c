"""Pseudo-trajectory distillation of the diffusion model (d3LLM, ICML 2026; shared reference §3), for infilling.

Why: the decoder commits every position whose entropy is under the threshold, so a model that is seldom sure of
more than one position per forward decodes one token per forward (the shipped model: TPF ~1.2). d3LLM fine-tunes
the model on the order in which a teacher decodes, with an entropy penalty on the tokens it already gets right,
so that it becomes sure of several positions at once.

Teacher pass (``distill.py trajectories``): infilling layouts of the *training* split (data.diffusion_example,
kept when they hold one middle with its end-of-middle padding). The teacher decodes each middle semi-
autoregressively over blocks of ``--block`` (32) positions, revealing per step the still-masked position of the
current block whose prediction has the lowest entropy, and the order is recorded as a rank per position (the
reference's "order of unmasked positions", §3.6). Adapted: the teacher reveals the reference token there
(teacher forcing) instead of its own guess. The reference trains on the dataset's response under the teacher's
order anyway (its open point Q-T1), so here the order belongs to the very canvases the student sees.
``--per-step k`` reveals the k lowest-entropy positions per step (k = 1 is the reference; about k times fewer forwards).

Student (``train.py --objective distill --trajectories FILE --init-from TEACHER``, per example, §3.2-3.4):
block size B from the window curriculum (16 → 24 → 32 over the run), mask ratio r ~ U(lo, 0.8) with lo rising
from 0 to 0.8, a block [s, e) of the middle starting at P, keep = floor((1 - r)(e - s)); the block shows what
the teacher had revealed after (s - P) + keep + 1 steps (at least one position stays masked: the last the
teacher revealed), the middle before s shows the reference and the middle after e is masked, the known text
around it as in inference. Loss (Dream-Coder: no complementary view) = (CE + λ·Hcorr) / 4 over the block's
masked positions with shifted logits, Hcorr = mean entropy of softmax(logits / 0.5) where the argmax is right.
``--mix-mdlm W`` adds W x the MDLM loss of a plain training batch per step (not in d3LLM; against forgetting when
the middles are few: models/recipe/README.md, "Distilling").

  PYENV_VERSION=system python3 models/recipe/distill.py trajectories --teacher RUN/model.pt \\
      --data $DATA/tok --out traj.npz --count 2000 [--per-step 1] [--max-budget 64] [--device cuda]
"""
from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import sys
import time
from typing import Callable, Dict, Iterator, List, Optional, Tuple

import numpy as np
import torch
from torch.nn import functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import data as D  # noqa: E402
from model import autocast_for, hidden_states, load_checkpoint, model_device  # noqa: E402

BLOCK_SIZES = (16, 24, 32)
RATIO_MAX = 0.8
ENTROPY_TEMPERATURE = 0.5


# ------------------------------------------------------------------------------------------ teacher
def single_middle(flag: np.ndarray) -> Optional[Tuple[int, int]]:
    """[start, end) of the one candidate run of a layout, None for whole windows and multi-span layouts."""
    idx = np.nonzero(flag)[0]
    if len(idx) == 0 or len(idx) == len(flag) or idx[-1] - idx[0] + 1 != len(idx):
        return None
    return int(idx[0]), int(idx[-1]) + 1


Layout = Tuple[np.ndarray, int, int]  # ids, start and end of the middle


def infill_layouts(split: D.TokenSplit, nl, seed: int, max_budget: int) -> Iterator[Layout]:
    """Single-middle layouts of the split's seeded order, one per window that gives one: (ids, start, end)."""
    for i, w in enumerate(split.order(seed, 0)):
        ids, flag = D.diffusion_example(split.window(int(w)), nl, np.random.default_rng([seed, 7, i]), split.seq_len)
        region = single_middle(flag)  # position 0 has no row to predict it (shifted logits)
        if region is not None and region[0] >= 1 and region[1] - region[0] <= max_budget:
            yield ids, region[0], region[1]


def row_entropy(logits: torch.Tensor, shift: bool) -> torch.Tensor:
    """Entropy of each position's prediction; with shifted logits row i - 1 predicts position i."""
    logp = F.log_softmax(logits.float(), dim=-1)
    ent = -(logp.exp() * logp).sum(-1)
    if not shift:
        return ent
    return torch.cat((torch.full_like(ent[:, :1], float("inf")), ent[:, :-1]), dim=1)


@torch.no_grad()
def teacher_ranks(model, ids: torch.Tensor, attention: torch.Tensor, start: torch.Tensor, end: torch.Tensor,
                  block: int = 32, per_step: int = 1) -> Tuple[torch.Tensor, int]:
    """Reveal order of each middle (rank per position, -1 outside it) and the forwards it took."""
    b, n = ids.shape
    pos = torch.arange(n, device=ids.device).unsqueeze(0).expand(b, n)
    region = (pos >= start[:, None]) & (pos < end[:, None])
    canvas = torch.where(region, torch.full_like(ids, D.MASK), ids)
    rank = torch.full_like(ids, -1)
    count = torch.zeros(b, dtype=torch.long, device=ids.device)
    forwards = 0
    while True:
        masked = (canvas == D.MASK) & region
        if not masked.any():
            return rank, forwards
        with autocast_for(ids.device):
            logits = model(canvas, attention_mask=attention)
        forwards += 1
        first = torch.where(masked, pos, torch.full_like(pos, n)).min(1).values
        block_start = start + torch.div(first - start, block, rounding_mode="floor") * block
        current = masked & (pos >= block_start[:, None]) & (pos < torch.minimum(block_start + block, end)[:, None])
        never = torch.tensor(float("inf"), device=ids.device)
        score = torch.where(current, row_entropy(logits, model.config.logit_shift), never)
        k = min(per_step, n)
        best, where = torch.topk(score, k, dim=1, largest=False)
        valid = torch.isfinite(best)
        if not valid.any():  # shifted logits: no row predicts position 0
            raise ValueError("a middle holds a position no row predicts (a middle starting at 0 with shifted logits)")
        offset = count[:, None] + torch.cumsum(valid.long(), 1) - 1
        rows = torch.arange(b, device=ids.device)[:, None].expand(b, k)
        rank[rows[valid], where[valid]] = offset[valid]
        canvas[rows[valid], where[valid]] = ids[rows[valid], where[valid]]
        count += valid.sum(1)


def write_trajectories(path: str, layouts: List[Layout], ranks: List[np.ndarray], meta: dict) -> None:
    n = max((len(ids) for ids, _, _ in layouts), default=1)
    ids = np.full((len(layouts), n), D.PAD, dtype=np.uint16)
    rank = np.full((len(layouts), n), -1, dtype=np.int16)
    for i, ((x, _, _), r) in enumerate(zip(layouts, ranks)):
        ids[i, : len(x)] = x
        rank[i, : len(r)] = r
    np.savez_compressed(path, ids=ids, rank=rank, length=np.array([len(x) for x, _, _ in layouts], dtype=np.int32),
                        start=np.array([s for _, s, _ in layouts], dtype=np.int32),
                        end=np.array([e for _, _, e in layouts], dtype=np.int32), meta=json.dumps(meta))


def run_teacher(model, layouts: Iterator[Layout], count: int, device: torch.device, batch: int, block: int,
                per_step: int, log: Callable[[str], None], deadline: float = math.inf
                ) -> Tuple[List[Tuple[Layout, np.ndarray]], int]:
    """(layout, ranks) of the first ``count`` layouts, or of those done by ``deadline``, and the forwards taken.
    Layouts are drawn in pools of 16 batches, and each pool is batched by middle length (fewer idle rows)."""
    done: List[Tuple[Layout, np.ndarray]] = []
    forwards = 0
    while len(done) < count and time.time() < deadline:
        pool = list(itertools.islice(layouts, min(16 * batch, count - len(done))))
        if not pool:
            break
        pool.sort(key=lambda x: x[2] - x[1])
        for j in range(0, len(pool), batch):
            if time.time() > deadline:
                break
            chunk = pool[j:j + batch]
            col = D.collate([(x[0], np.zeros(len(x[0]), dtype=bool)) for x in chunk])
            ids, att = (torch.from_numpy(col[k]).to(device) for k in ("ids", "attention"))
            start = torch.tensor([x[1] for x in chunk], device=device)
            end = torch.tensor([x[2] for x in chunk], device=device)
            rank, f = teacher_ranks(model, ids, att, start, end, block, per_step)
            forwards += f
            rank = rank.cpu().numpy().astype(np.int16)
            done += [(x, rank[row, : len(x[0])]) for row, x in enumerate(chunk)]
        log("teacher: %d / %d layouts, %d forwards" % (len(done), count, forwards))
    return done, forwards


# ------------------------------------------------------------------------------------------ student
def block_size_at(progress: float, sizes=BLOCK_SIZES) -> int:
    """Window curriculum: linear from sizes[k] to sizes[k+1] over the k-th of len(sizes) equal parts, then the last."""
    parts = len(sizes)
    k = min(int(progress * parts), parts - 1)
    if k == parts - 1:
        return sizes[-1]
    frac = progress * parts - k
    return int(sizes[k] + (sizes[k + 1] - sizes[k]) * frac)


def ratio_floor_at(progress: float) -> float:
    """Noise curriculum: the lower bound of the mask ratio rises linearly from 0 to RATIO_MAX."""
    return min(max(progress, 0.0), 1.0) * RATIO_MAX


def distill_example(ids: np.ndarray, rank: np.ndarray, start: int, end: int, size: int, ratio: float,
                    rng: np.random.Generator) -> Tuple[np.ndarray, np.ndarray]:
    """(input ids, loss mask) of one student example (module docstring; reference §3.2)."""
    blocks = math.ceil((end - start) / size)
    s = start + int(rng.integers(blocks)) * size
    e = min(s + size, end)
    keep = int(math.floor((1 - ratio) * (e - s)))
    seg = ~((rank[s:e] >= 0) & (rank[s:e] <= (s - start) + keep))
    if not seg.any():
        seg[int(np.argmax(rank[s:e]))] = True
    inp = ids.astype(np.int64)
    inp[s:e][seg] = D.MASK
    inp[e:end] = D.MASK
    loss = np.zeros(len(ids), dtype=bool)
    loss[s:e] = seg
    return inp, loss


class Trajectories:
    """A trajectories file (``write_trajectories``) in memory."""

    def __init__(self, path: str) -> None:
        with np.load(path) as z:
            self.ids, self.rank, self.length = z["ids"], z["rank"], z["length"]
            self.start, self.end = z["start"], z["end"]
            self.meta = json.loads(str(z["meta"]))
        if len(self.ids) == 0:
            raise ValueError("%s holds no trajectories" % path)

    def __len__(self) -> int:
        return len(self.ids)

    def example(self, i: int, size: int, ratio: float, rng: np.random.Generator) -> Dict[str, np.ndarray]:
        n = int(self.length[i])
        ids = self.ids[i, :n].astype(np.int64)
        inp, loss = distill_example(ids, self.rank[i, :n], int(self.start[i]), int(self.end[i]), size, ratio, rng)
        return {"ids": ids, "input": inp, "loss": loss}


class DistillStream:
    """Deterministic, resumable batches of student examples; ``progress()`` in [0, 1] drives the curricula."""

    def __init__(self, path: str, batch: int, seed: int, progress: Callable[[], float],
                 epoch: int = 0, index: int = 0) -> None:
        self.data, self.batch, self.seed, self.progress = Trajectories(path), batch, seed, progress
        self.epoch, self.index = epoch, index

    def state(self) -> Dict[str, int]:
        return {"epoch": self.epoch, "index": self.index}

    def next(self) -> Dict[str, np.ndarray]:
        p = self.progress()
        size = block_size_at(p)
        order = np.random.default_rng([self.seed, self.epoch]).permutation(len(self.data))
        out = []
        for _ in range(self.batch):
            if self.index >= len(order):
                self.epoch, self.index = self.epoch + 1, 0
                order = np.random.default_rng([self.seed, self.epoch]).permutation(len(self.data))
            rng = np.random.default_rng([self.seed, self.epoch, self.index, 3])
            ratio = float(rng.uniform(ratio_floor_at(p), RATIO_MAX))
            out.append(self.data.example(int(order[self.index]), size, ratio, rng))
            self.index += 1
        return collate(out)

    def close(self) -> None:
        """Nothing to release."""


def collate(examples: List[Dict[str, np.ndarray]]) -> Dict[str, np.ndarray]:
    base = D.collate([(e["ids"], e["loss"]) for e in examples])
    inp = np.full_like(base["ids"], D.PAD)
    for i, e in enumerate(examples):
        inp[i, : len(e["input"])] = e["input"]
    return {"ids": base["ids"], "input": inp, "loss": base["flag"], "attention": base["attention"]}


def distill_loss(model, batch: Dict[str, np.ndarray], weight: float = 1.0):
    """(CE + weight · Hcorr) / 4 over the masked block positions; returns (loss, stats)."""
    ids, inp, lm, att = (torch.from_numpy(batch[k]) for k in ("ids", "input", "loss", "attention"))
    dev = model_device(model)
    if dev.type != "cpu":
        ids, inp, lm, att = (x.to(dev, non_blocking=True) for x in (ids, inp, lm, att))
    h = hidden_states(model, inp, att)
    if model.config.logit_shift:
        rows, target = h[:, :-1][lm[:, 1:]], ids[:, 1:][lm[:, 1:]]
    else:
        rows, target = h[lm], ids[lm]
    logits = model.lm_head(rows).float()
    ce = F.cross_entropy(logits, target)
    right = (logits.argmax(-1) == target).float()
    logp = F.log_softmax(logits / ENTROPY_TEMPERATURE, dim=-1)
    hcorr = (-(logp.exp() * logp).sum(-1) * right).sum() / right.sum().clamp(min=1)  # no device sync
    loss = (ce + weight * hcorr) / 4
    return loss, {"masked_ce": ce.detach(), "hcorr": hcorr.detach(), "tokens": int(att.sum())}


# ------------------------------------------------------------------------------------------ command
def trajectories_parser() -> argparse.ArgumentParser:
    """``distill.py trajectories`` options (a flat list, one line per option)."""
    ap = argparse.ArgumentParser(description="record a teacher's decoding order on training-split middles")
    ap.add_argument("--teacher", required=True, help="model.pt of the diffusion model (model.save_checkpoint)")
    ap.add_argument("--data", default="/work/d3llm-data/tok")
    ap.add_argument("--out", required=True, help="trajectories file (.npz)")
    ap.add_argument("--count", type=int, default=2000)
    ap.add_argument("--block", type=int, default=32, help="teacher block size (reference: 32)")
    ap.add_argument("--per-step", type=int, default=1, help="positions revealed per teacher forward (reference: 1)")
    ap.add_argument("--max-budget", type=int, default=64, help="skip middles (with padding) longer than this")
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--seq-len", type=int, default=256)
    ap.add_argument("--seed", type=int, default=4321)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    ap.add_argument("--max-minutes", type=float, default=0.0,
                    help="stop after this long, keeping what is done (0: no limit)")
    return ap


def checked_trajectories_args(argv: List[str]):
    """The options, with usage errors for bad numbers and missing files; never reads shared/ (benchmarks)."""
    ap = trajectories_parser()
    args = ap.parse_args(argv)
    if min(args.count, args.block, args.per_step, args.max_budget, args.batch) < 1 or args.max_minutes < 0:
        ap.error("--count, --block, --per-step, --max-budget and --batch must be at least 1, --max-minutes >= 0")
    if os.path.abspath(args.data).startswith("/work/shared"):
        sys.exit("distill: refusing to read shared/ (benchmarks)")
    for flag, path in (("--teacher", args.teacher), ("--data", os.path.join(args.data, "train.bin"))):
        if not os.path.isfile(path):
            ap.error("%s: no such file: %s" % (flag, path))
    return args


def trajectories_main(argv: List[str]) -> None:
    """The teacher decodes training-split middles; their orders go to ``--out`` with a meta record (also printed)."""
    args = checked_trajectories_args(argv)
    torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    model, extra = load_checkpoint(args.teacher)
    if model.config.causal:
        sys.exit("distill: the teacher must be a bidirectional diffusion model (%s is causal)" % args.teacher)
    model.to(device).eval()
    started = time.time()
    split = D.TokenSplit(args.data, "train", args.seq_len)
    layouts = infill_layouts(split, D.load_tables(args.data), args.seed, args.max_budget)
    deadline = started + args.max_minutes * 60 if args.max_minutes else math.inf
    done, forwards = run_teacher(model, layouts, args.count, device, args.batch, args.block, args.per_step,
                                 lambda line: print(line, flush=True), deadline)
    if not done:
        sys.exit("distill: no middle decoded (none of at most %d positions in %s, or --max-minutes too short)"
                 % (args.max_budget, args.data))
    layouts, ranks = [d[0] for d in done], [d[1] for d in done]
    meta = {"teacher": os.path.abspath(args.teacher), "teacherTokens": extra.get("tokens"), "block": args.block,
            "perStep": args.per_step, "maxBudget": args.max_budget, "seed": args.seed, "split": "train",
            "count": len(layouts), "forwards": forwards, "seconds": round(time.time() - started, 1)}
    write_trajectories(args.out, layouts, ranks, meta)
    print(json.dumps(meta))


if __name__ == "__main__":
    if sys.argv[1:2] != ["trajectories"]:
        sys.exit("usage: distill.py trajectories --teacher RUN/model.pt --out traj.npz [options] (see --help)")
    trajectories_main(sys.argv[2:])
