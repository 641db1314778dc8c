"""Training data for the d3LLM tiny code model: token windows and infilling layouts (issue 3).

Reads the flat token files written by ``corpus/pretokenize.js`` (``<split>.bin`` uint16 ids,
``<split>.idx`` int64 file boundaries) and turns windows of at most ``seq_len`` tokens (never crossing a
file boundary) into training sequences.

Masked-diffusion layouts (``diffusion_example``; logitShift false, bidirectional, row i predicts
position i):
  (a) single FIM   ``prefix | middle + EOS*  | suffix``
  (b) continuation ``prefix | middle + EOS*``            (empty suffix)
  (c) multi-span   ``t0 | m1 + EOS* | t1 | m2 + EOS* | t2 [| m3 + EOS* | t3]``
  (d) whole window: every position a candidate (plain MDLM pretraining, 20% of the sequences: more
      supervised tokens per forward pass than the middles alone)
Each middle is padded with ``<|endofmiddle|>`` (id 1) up to a budget >= len(middle) + 1 drawn from
``BUDGETS`` up to 96 (``sample_budget``: uniformly, so the budget says little about the length), and the
model learns where a middle ends from the code itself (the unused tail of the engine's ``MASK x G``
canvas). Only middle/EOS positions are candidates for masking; known text never is. Middles are
line-aligned 1-3 lines most of the time, otherwise a random (possibly mid-line) span, at most 64
tokens; a few single-FIM examples have an empty middle (all EOS).

Snippets (``snippet``, train.py ``--snippet-share``): a share of the training windows is first cut to 2-12 whole
lines, then laid out as above, so short files and holes with little context on both sides are seen too (the
editor's small files; docs/examples). Validation never cuts, so its losses stay comparable across runs.

Boundary re-tokenisation (``heal``): joint tokenisation glues a newline to the next line's indentation,
while the engine tokenises prefix, middle and suffix separately; at 70% of the span edges such a token
is split as separate tokenisation would split it (table from corpus/boundary_table.js), so the model
sees prefixes that end with a bare newline and middles that start with their indentation.

Autoregressive twin (``ar_example``): the PSM layout of docs/model-contract.md,
``<|fim_suffix|> suffix <|fim_prefix|> prefix <|fim_middle|> middle <|endofmiddle|>`` (Bavarian et al.
2022, "Efficient Training of Language Models to Fill in the Middle"), or plain left-to-right text; the
same windows and span sampler as the diffusion model, so both see the same data.

Data order: a deterministic permutation of all windows per epoch (seeded by seed and epoch); each example's
randomness comes from a generator seeded by (seed, epoch, index), so a resumed run reproduces the stream
exactly from its saved (epoch, index).

Parallel producer (``ParallelStream``, train.py ``--data-workers N``): since every batch is a pure function
of its first stream position (epoch * windows + index), N worker processes (torch DataLoader) build batch k
at position start + k * batch and the loader hands them back in order: the same batches as ``Stream``, and
``state()`` counts only the batches the trainer has taken, so resuming is exact with any number of workers
(batches prefetched but not taken are simply built again).
"""
from __future__ import annotations

import json
import os
from typing import Dict, List, Optional, Tuple

import numpy as np

PAD, EOS, MASK, FIM_PREFIX, FIM_SUFFIX, FIM_MIDDLE = 0, 1, 2, 3, 4, 5
MAX_MIDDLE = 64
BUDGETS = (8, 16, 24, 32, 48, 64, 80, 96)


def newline_table(tokenizer_json: str) -> np.ndarray:
    """Bool per token id: does the token's text contain a newline? (byte-level symbol U+010A)."""
    with open(tokenizer_json) as f:
        vocab = json.load(f)["model"]["vocab"]
    table = np.zeros(max(vocab.values()) + 1, dtype=bool)
    for tok, i in vocab.items():
        if "\u010a" in tok:
            table[i] = True
    return table


class Tables:
    """Token tables the layouts need (newline tokens, the split of newline+indent tokens) and the share of
    training windows cut to a snippet (``snippet``; 0 for validation, so its numbers stay comparable)."""

    def __init__(self, nl: np.ndarray, split: Optional[Dict[int, Tuple[List[int], List[int]]]] = None,
                 heal_prob: float = 0.7, snippet_share: float = 0.0) -> None:
        self.nl = nl
        self.split = split or {}
        self.heal_prob = heal_prob
        self.snippet_share = snippet_share

    def with_snippets(self, share: float) -> "Tables":
        """The same tables with ``share`` of the windows cut to snippets (the training stream's)."""
        return Tables(self.nl, self.split, self.heal_prob, share)


def load_tables(tok_dir: str) -> Tables:
    """Tables for a token folder; boundary.json is made with corpus/boundary_table.js when missing."""
    tj = os.path.join(tok_dir, "tokenizer.json")
    bj = os.path.join(tok_dir, "boundary.json")
    if not os.path.exists(bj):
        import subprocess
        subprocess.run(["node", os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "boundary_table.js"),
                        tj, bj], check=True)
    with open(bj) as f:
        split = {int(k): (v[0], v[1]) for k, v in json.load(f).items()}
    return Tables(newline_table(tj), split)


def _tables(t) -> Tables:
    return t if isinstance(t, Tables) else Tables(t)


def heal(known_left: np.ndarray, mid: np.ndarray, known_right: np.ndarray, tables: Tables,
         rng: np.random.Generator) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Re-tokenise the edges of a middle as if prefix, middle and suffix were tokenised separately.

    Joint tokenisation glues a newline to the next line's indentation ("\n    "); the engine tokenises
    the text before the cursor on its own, so its prefix ends with a bare newline and the middle starts
    with the indentation. With probability heal_prob per edge, such a token is split accordingly
    (otherwise the joint tokenisation is kept, so both forms are seen).
    """
    sp = tables.split
    if len(known_left) and int(known_left[-1]) in sp and rng.random() < tables.heal_prob:
        a, b = sp[int(known_left[-1])]
        known_left = np.concatenate((known_left[:-1], a)).astype(np.int64)
        if len(mid):
            mid = np.concatenate((b, mid)).astype(np.int64)
        else:
            known_right = np.concatenate((b, known_right)).astype(np.int64)
    if len(mid) and int(mid[-1]) in sp and rng.random() < tables.heal_prob:
        a, b = sp[int(mid[-1])]
        mid = np.concatenate((mid[:-1], a)).astype(np.int64)
        known_right = np.concatenate((b, known_right)).astype(np.int64)
    return known_left, mid, known_right


class TokenSplit:
    """A memory-mapped split with its file boundaries and the list of windows."""

    def __init__(self, tok_dir: str, split: str, seq_len: int, min_len: int = 32,
                 max_files: Optional[int] = None) -> None:
        self.tokens = np.memmap(os.path.join(tok_dir, split + ".bin"), dtype=np.uint16, mode="r")
        self.offsets = np.fromfile(os.path.join(tok_dir, split + ".idx"), dtype=np.int64)
        with open(os.path.join(tok_dir, split + ".meta.json")) as f:
            meta = json.load(f)
        self.langs: List[str] = meta["langs"]
        self.file_lang = np.asarray(meta["file_lang"], dtype=np.int32)
        nfiles = len(self.offsets) - 1
        if max_files is not None:
            nfiles = min(nfiles, max_files)
        starts, files = [], []
        for fi in range(nfiles):
            a, b = int(self.offsets[fi]), int(self.offsets[fi + 1])
            for s in range(a, b, seq_len):
                if min(b, s + seq_len) - s >= min_len:
                    starts.append(s)
                    files.append(fi)
        self.win_start = np.asarray(starts, dtype=np.int64)
        self.win_file = np.asarray(files, dtype=np.int32)
        self.seq_len = seq_len

    def __len__(self) -> int:
        return len(self.win_start)

    def window(self, i: int, length: Optional[int] = None) -> np.ndarray:
        s = int(self.win_start[i])
        end = int(self.offsets[self.win_file[i] + 1])
        n = self.seq_len if length is None else length
        return np.asarray(self.tokens[s:min(end, s + n)], dtype=np.int64)

    def opens_file(self, i: int) -> bool:
        """Does window i start at its file's first token?"""
        return int(self.win_start[i]) == int(self.offsets[self.win_file[i]])

    def order(self, seed: int, epoch: int) -> np.ndarray:
        return np.random.default_rng([seed, epoch, 7]).permutation(len(self))


# ------------------------------------------------------------------------------------------ snippets
SNIPPET_LINES = (2, 12)


def snippet(x: np.ndarray, tables: "Tables", rng: np.random.Generator, file_head: bool = False) -> np.ndarray:
    """2-12 whole lines of window x, so the model also fills holes in short pieces of code with little context
    on either side, as in a small file or a scratch buffer. Lines start after a newline token (or at the
    window's start when it opens a file: ``file_head``, then half of the snippets are the file's head); the
    indentation a newline token carries for the line after the snippet is cut off (``Tables.split``). Windows
    with fewer whole lines come back as they are."""
    starts = 1 + np.nonzero(tables.nl[x[:-1]])[0]
    if file_head:
        starts = np.concatenate(([0], starts))
    lo, hi = SNIPPET_LINES
    if len(starts) < lo + 1:
        return x
    first = 0 if file_head and rng.random() < 0.5 else int(rng.integers(len(starts) - lo))
    last = min(first + int(rng.integers(lo, hi + 1)), len(starts) - 1)
    piece = np.asarray(x[int(starts[first]):int(starts[last])], dtype=np.int64)
    glued = tables.split.get(int(piece[-1]))
    if glued is not None:
        piece = np.concatenate((piece[:-1], glued[0])).astype(np.int64)
    return piece


# ------------------------------------------------------------------------------------------ spans
def sample_span(x: np.ndarray, nl: np.ndarray, rng: np.random.Generator, lo: int = 0,
                hi: Optional[int] = None, line_prob: float = 0.65) -> Tuple[int, int]:
    """A middle span [s, s+m) inside x[lo:hi]: 1-3 whole lines (often) or a random span (<= 64)."""
    hi = len(x) if hi is None else hi
    if hi - lo < 2:
        return lo, max(0, hi - lo)
    if rng.random() < line_prob:
        is_nl = nl[x[lo:hi]]
        starts = np.concatenate(([lo], lo + 1 + np.nonzero(is_nl)[0]))
        starts = starts[starts < hi]
        s = int(starts[rng.integers(len(starts))])
        k = int(rng.choice([1, 2, 3], p=[0.55, 0.3, 0.15]))
        after = np.nonzero(nl[x[s:hi]])[0]
        e = s + int(after[k - 1]) + 1 if len(after) >= k else hi
        m = min(e - s, MAX_MIDDLE)
        if m >= 1:
            return s, m
    s = int(rng.integers(lo, hi - 1))
    m = int(rng.integers(1, 17)) if rng.random() < 0.5 else int(rng.integers(1, MAX_MIDDLE + 1))
    return s, min(m, hi - s)


def sample_budget(m: int, rng: np.random.Generator, cap: int = 96) -> int:
    """The EOS-padded length of a middle of m tokens: any of BUDGETS that holds it, uniformly (the engine asks
    for a fixed budget whatever the middle's length, so the budget must not tell the model the length).
    Before 2026-11-27 the smallest was drawn 60 % of the time, and models trained so guess the length from the
    budget (length_probe.py: a 5 M network's first end of middle at 2.1 / 6.7 / 15.4 in 16- / 32- / 64-token
    holes, 2.7 / 2.7 / 3.7 with this sampler)."""
    cands = [b for b in BUDGETS if m + 1 <= b <= cap]
    if not cands:
        return m + 1
    return int(cands[int(rng.integers(len(cands)))])


# ------------------------------------------------------------------------------------------ diffusion
def choose_spans(x: np.ndarray, nl: np.ndarray, rng: np.random.Generator, r: float, seq_len: int
                 ) -> Tuple[np.ndarray, List[Tuple[int, int]], int]:
    """(window, [(start, length)] of the middles, largest budget) of layouts (a) - (c)."""
    n = len(x)
    if r < 0.6 or n < 48:  # (a) single FIM
        if rng.random() < 0.05:
            return x, [(int(rng.integers(0, n)), 0)], 96  # empty middle: all EOS
        return x, [sample_span(x, nl, rng)], 96
    if r < 0.8:  # (b) continuation: the middle runs to the end of the kept text
        s, m = sample_span(x, nl, rng, lo=max(8, n // 2), line_prob=0.8)
        return x[: s + m], [(s, m)], 96
    # (c) 2-3 spans in disjoint slices of a shorter window (room for the EOS padding)
    k = int(rng.choice([2, 3]))
    x = x[: seq_len - 32 * k]
    cuts = np.linspace(0, len(x), k + 1).astype(int)
    spans = []
    for j in range(k):
        hi = int(cuts[j + 1]) - (1 if j < k - 1 else 0)  # keep known text between the spans
        spans.append(sample_span(x, nl, rng, lo=int(cuts[j]), hi=hi))
    return x, spans, 64


def cut_at_spans(x: np.ndarray, spans: List[Tuple[int, int]]) -> Tuple[List[np.ndarray], List[np.ndarray]]:
    """known[0], mid[0], known[1], mid[1], ..., known[k] of a window."""
    known: List[np.ndarray] = []
    mids: List[np.ndarray] = []
    pos = 0
    for s, m in spans:
        known.append(np.asarray(x[pos:s], dtype=np.int64))
        mids.append(np.asarray(x[s:s + m], dtype=np.int64))
        pos = s + m
    known.append(np.asarray(x[pos:], dtype=np.int64))
    return known, mids


def lay_out(known: List[np.ndarray], mids: List[np.ndarray], rng: np.random.Generator, cap: int
            ) -> Tuple[np.ndarray, np.ndarray]:
    """The sequence with each middle padded with EOS to a drawn budget; candidates = middles and padding."""
    pieces: List[np.ndarray] = []
    cand: List[np.ndarray] = []
    for j, mid in enumerate(mids):
        pieces.append(known[j])
        cand.append(np.zeros(len(known[j]), dtype=bool))
        padded = np.full(sample_budget(len(mid), rng, cap=cap), EOS, dtype=np.int64)
        padded[: len(mid)] = mid
        pieces.append(padded)
        cand.append(np.ones(len(padded), dtype=bool))
    pieces.append(known[-1])
    cand.append(np.zeros(len(known[-1]), dtype=bool))
    return np.concatenate(pieces), np.concatenate(cand)


def trim_known(ids: np.ndarray, c: np.ndarray, seq_len: int) -> Tuple[np.ndarray, np.ndarray]:
    """At most seq_len positions, cutting known text only: the suffix's tail first, then the prefix's head
    (longer than seq_len still when the candidates alone do not fit)."""
    if len(ids) <= seq_len:
        return ids, c
    idx = np.nonzero(c)[0]
    first, last = int(idx[0]), int(idx[-1])
    over = len(ids) - seq_len
    cut_right = min(over, len(ids) - 1 - last)
    ids, c = ids[: len(ids) - cut_right], c[: len(c) - cut_right]
    cut_left = min(over - cut_right, first)
    return ids[cut_left:], c[cut_left:]


def diffusion_example(x: np.ndarray, nl, rng: np.random.Generator, seq_len: int
                      ) -> Tuple[np.ndarray, np.ndarray]:
    """(target ids, candidate mask) of one masked-diffusion training sequence built from window x.

    ``nl`` is a Tables (or just the newline table, then no boundary re-tokenisation)."""
    tables = _tables(nl)
    r = rng.random()
    if r < 0.2:  # (d) whole window: plain MDLM pretraining, every position is a candidate
        return x.copy(), np.ones(len(x), dtype=bool)
    window, spans, cap = choose_spans(x, tables.nl, rng, r, seq_len)
    known, mids = cut_at_spans(window, spans)
    for j in range(len(mids)):
        known[j], mids[j], known[j + 1] = heal(known[j], mids[j], known[j + 1], tables, rng)
    ids, c = trim_known(*lay_out(known, mids, rng, cap), seq_len)
    if len(ids) > seq_len:  # padding between the spans does not fit: use a single FIM instead
        return diffusion_example(window[:seq_len // 2], tables, rng, seq_len)
    return ids, c


# ------------------------------------------------------------------------------------------ AR twin
def ar_example(x: np.ndarray, nl, rng: np.random.Generator, seq_len: int
               ) -> Tuple[np.ndarray, np.ndarray]:
    """(ids, middle mask) of one autoregressive sequence: PSM fill-in-the-middle or plain text.

    The middle mask marks the middle tokens and the closing EOS (used for a middle-only metric);
    training uses next-token loss on every position.
    """
    tables = _tables(nl)
    x = x[: seq_len - 8]  # room for the 4 control tokens and a few tokens of boundary re-tokenisation
    if rng.random() < 0.25 or len(x) < 8:
        return x.copy(), np.zeros(len(x), dtype=bool)
    if rng.random() < 0.05:
        s, m = int(rng.integers(0, len(x))), 0
    else:
        s, m = sample_span(x, tables.nl, rng)
    pre, mid, suf = heal(np.asarray(x[:s]), np.asarray(x[s:s + m]), np.asarray(x[s + m:]), tables, rng)
    ids = np.concatenate(([FIM_SUFFIX], suf, [FIM_PREFIX], pre, [FIM_MIDDLE], mid, [EOS])).astype(np.int64)
    ids = ids[-seq_len:] if len(ids) > seq_len else ids
    mm = np.zeros(len(ids), dtype=bool)
    mm[len(ids) - len(mid) - 1:] = True
    return ids, mm


def collate(examples: List[Tuple[np.ndarray, np.ndarray]]) -> Dict[str, np.ndarray]:
    """Right-pad to the longest example: ids (PAD), flag mask (False), attention mask (0 on pads)."""
    L = max(len(e[0]) for e in examples)
    ids = np.full((len(examples), L), PAD, dtype=np.int64)
    flag = np.zeros((len(examples), L), dtype=bool)
    att = np.zeros((len(examples), L), dtype=np.int64)
    for i, (a, f) in enumerate(examples):
        ids[i, : len(a)] = a
        flag[i, : len(f)] = f
        att[i, : len(a)] = 1
    return {"ids": ids, "flag": flag, "attention": att}


class Stream:
    """Deterministic, resumable stream of batches over a TokenSplit."""

    def __init__(self, split: TokenSplit, nl, kind: str, batch: int, seed: int,
                 epoch: int = 0, index: int = 0) -> None:
        self.split, self.nl, self.kind, self.batch, self.seed = split, nl, kind, batch, seed
        self.epoch, self.index = epoch, index
        self._order = split.order(seed, epoch)

    def state(self) -> Dict[str, int]:
        return {"epoch": self.epoch, "index": self.index}

    def next(self) -> Dict[str, np.ndarray]:
        out = []
        for _ in range(self.batch):
            if self.index >= len(self._order):
                self.epoch += 1
                self.index = 0
                self._order = self.split.order(self.seed, self.epoch)
            w = int(self._order[self.index])
            rng = np.random.default_rng([self.seed, self.epoch, self.index])
            self.index += 1
            out.append(make_example(self.kind, self.split.window(w), self.nl, rng, self.split.seq_len,
                                    self.split.opens_file(w)))
        return collate(out)


    def close(self) -> None:
        """Nothing to release (ParallelStream stops its workers here)."""


def batch_at(split: TokenSplit, nl, kind: str, batch: int, seed: int, position: int,
             orders: Optional[Dict[int, np.ndarray]] = None) -> Dict[str, np.ndarray]:
    """The batch that Stream yields when its position (epoch * len(split) + index) is ``position``."""
    n = len(split)
    orders = {} if orders is None else orders
    out = []
    for g in range(position, position + batch):
        epoch, index = divmod(g, n)
        if epoch not in orders:
            orders.clear()  # one epoch's permutation at a time
            orders[epoch] = split.order(seed, epoch)
        rng = np.random.default_rng([seed, epoch, index])
        w = int(orders[epoch][index])
        out.append(make_example(kind, split.window(w), nl, rng, split.seq_len, split.opens_file(w)))
    return collate(out)


class _BatchesFrom:
    """Map-style dataset for torch's DataLoader: item k is the k-th batch from a start position."""

    def __init__(self, split: TokenSplit, nl, kind: str, batch: int, seed: int, start: int) -> None:
        self.args = (split, nl, kind, batch, seed)
        self.start = start
        self.orders: Dict[int, np.ndarray] = {}

    def __getitem__(self, k: int) -> Dict[str, np.ndarray]:
        split, nl, kind, batch, seed = self.args
        return batch_at(split, nl, kind, batch, seed, self.start + k * batch, self.orders)


def _as_is(x):
    return x


class ParallelStream:
    """Stream's batches, built ahead by ``workers`` processes; same interface (next, state, close)."""

    def __init__(self, split: TokenSplit, nl, kind: str, batch: int, seed: int, workers: int = 2,
                 epoch: int = 0, index: int = 0, prefetch: int = 4) -> None:
        import itertools

        from torch.utils.data import DataLoader

        if workers < 1:
            raise ValueError("ParallelStream needs at least one worker (use Stream for none)")
        self.n, self.batch = len(split), batch
        self.start = epoch * self.n + index
        self.taken = 0
        dataset = _BatchesFrom(split, nl, kind, batch, seed, self.start)
        import multiprocessing

        # fork: workers share the memory-mapped split and need nothing pickled (they never touch CUDA)
        context = "fork" if "fork" in multiprocessing.get_all_start_methods() else None
        self._loader = DataLoader(dataset, batch_size=None, sampler=itertools.count(), num_workers=workers,
                                  collate_fn=_as_is, prefetch_factor=prefetch, persistent_workers=False,
                                  multiprocessing_context=context)
        self._it = iter(self._loader)

    def state(self) -> Dict[str, int]:
        epoch, index = divmod(self.start + self.taken * self.batch, self.n)
        return {"epoch": epoch, "index": index}

    def next(self) -> Dict[str, np.ndarray]:
        out = next(self._it)
        self.taken += 1
        return out

    def close(self) -> None:
        """Stop the worker processes."""
        it, self._it = self._it, None
        if it is not None and hasattr(it, "_shutdown_workers"):
            it._shutdown_workers()


def make_example(kind: str, x: np.ndarray, nl, rng: np.random.Generator, seq_len: int, file_head: bool = False):
    """One training sequence of window x; with Tables.snippet_share > 0, that share of the windows is first cut
    to a snippet (the same windows for both kinds, so the AR twin sees the same data); ``file_head``: x opens
    its file."""
    share = getattr(nl, "snippet_share", 0.0)
    if share > 0 and rng.random() < share:
        x = snippet(x, _tables(nl), rng, file_head)
    if kind == "diffusion":
        return diffusion_example(x, nl, rng, seq_len)
    return ar_example(x, nl, rng, seq_len)
