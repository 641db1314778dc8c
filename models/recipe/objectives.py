"""The training objectives of the recipe (issue 3, "Objective") and the validation loss of a run.

- MDLM masked diffusion (Sahoo et al. 2024; the LLaDA estimator): per sequence t ~ U(0, 1), stratified over the
  batch and clipped to [1e-3, 1]; each candidate position (a middle and its ``<|endofmiddle|>`` padding,
  data.py) becomes ``<|mask|>`` with probability t; loss = sum of the masked positions' cross-entropy weighted
  1/t, divided by the candidate positions of the batch (a bound on the middles' negative log-likelihood). With
  shifted logits (Dream 7B, Ye et al. 2025) row i-1 predicts masked position i.
- Autoregressive twin: next-token cross-entropy on every position (data.ar_example layouts).
- d3LLM pseudo-trajectory distillation: distill.distill_loss, optionally beside a plain MDLM batch
  (``--mix-mdlm``).
"""
from __future__ import annotations

from typing import Dict

import numpy as np
import torch
from torch.nn import functional as F

import data as D
import distill as DL
from model import hidden_states, model_device


def stratified_t(batch_size: int, gen: torch.Generator) -> torch.Tensor:
    """One mask ratio per sequence, evenly spread over (0, 1] from one uniform draw, clipped at 1e-3."""
    u = torch.rand(1, generator=gen)
    return ((u + torch.arange(batch_size) / batch_size) % 1.0).clamp(1e-3, 1.0)


def draw_masks(cand: torch.Tensor, t: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """Each candidate masked with its sequence's probability t; a sequence with candidates gets at least one."""
    masked = (torch.rand(cand.shape, generator=gen) < t[:, None]) & cand
    none = (masked.sum(1) == 0) & (cand.sum(1) > 0)
    for i in torch.nonzero(none).flatten().tolist():
        c = torch.nonzero(cand[i]).flatten()
        masked[i, c[torch.randint(len(c), (1,), generator=gen)]] = True
    return masked


def diffusion_loss(model, batch: Dict[str, np.ndarray], gen: torch.Generator, fixed_t=None):
    """MDLM loss of a batch; returns (loss, stats).

    The masking is drawn on the CPU (``gen``) whatever the model's device, so a run draws the same masks
    on a GPU; stats["masked_ce"] is a 0-dim tensor (no device sync), "n_masked" and "tokens" are ints."""
    ids = torch.from_numpy(batch["ids"])
    cand = torch.from_numpy(batch["flag"])
    att = torch.from_numpy(batch["attention"])
    t = stratified_t(ids.shape[0], gen) if fixed_t is None else torch.as_tensor(fixed_t, dtype=torch.float32)
    shift = model.config.logit_shift
    if shift:  # Dream convention: row j-1 predicts position j, so position 0 is never a target
        cand = cand.clone()
        cand[:, 0] = False
    masked = draw_masks(cand, t, gen)
    inp = torch.where(masked, torch.full_like(ids, D.MASK), ids)
    n_masked, n_tokens = int(masked.sum()), int(att.sum())
    dev = model_device(model)
    if dev.type != "cpu":
        ids, inp, att, masked, cand, t = (x.to(dev, non_blocking=True) for x in (ids, inp, att, masked, cand, t))
    h = hidden_states(model, inp, att)
    rows, target = (h[:, :-1][masked[:, 1:]], ids[:, 1:][masked[:, 1:]]) if shift else (h[masked], ids[masked])
    ce = F.cross_entropy(model.lm_head(rows), target, reduction="none")
    w = (1.0 / t)[:, None].expand_as(ids)[masked]
    loss = (ce * w).sum() / cand.sum().clamp(min=1)
    return loss, {"masked_ce": ce.detach().mean(), "n_masked": n_masked, "tokens": n_tokens}


def ar_loss(model, batch: Dict[str, np.ndarray]):
    """Next-token loss of a batch; returns (loss, stats) with stats["middle_ce"] a 0-dim tensor."""
    ids = torch.from_numpy(batch["ids"])
    att = torch.from_numpy(batch["attention"])
    mid = torch.from_numpy(batch["flag"])
    n_tokens = int(att.sum())
    dev = model_device(model)
    if dev.type != "cpu":
        ids, att, mid = (x.to(dev, non_blocking=True) for x in (ids, att, mid))
    h = hidden_states(model, ids, att)
    logits = model.lm_head(h[:, :-1])
    tgt = ids[:, 1:]
    valid = att[:, 1:].bool()
    ce = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), tgt.reshape(-1), reduction="none").view_as(tgt)
    loss = (ce * valid).sum() / valid.sum()
    midv = mid[:, 1:] & valid
    mce = (ce * midv).detach().sum() / midv.sum().clamp(min=1)
    return loss, {"middle_ce": mce, "tokens": n_tokens}


def batch_loss(model, batch, args, gen: torch.Generator, mix=None):
    """The loss of one training step for ``args.objective``; ``mix`` is the plain MDLM stream of a distill run."""
    if args.objective == "diffusion":
        return diffusion_loss(model, batch, gen)
    if args.objective == "ar":
        return ar_loss(model, batch)
    loss, st = DL.distill_loss(model, batch, args.entropy_weight)
    if mix is not None:  # plain MDLM batches beside the student's, against forgetting
        mdlm, mst = diffusion_loss(model, mix.next(), gen)
        loss, st = loss + args.mix_mdlm * mdlm, dict(st, tokens=st["tokens"] + mst["tokens"])
    return loss, st


def val_objective(args) -> str:
    """Validation loss of a run: a distilled student is still measured by the MDLM bound of the diffusion model."""
    return "diffusion" if args.objective == "distill" else args.objective


@torch.no_grad()
def evaluate(model, val_batches, objective: str) -> Dict[str, float]:
    """Mean validation loss over fixed batches (diffusion: a fixed t grid and fixed masks per batch)."""
    model.eval()
    tot, n, extra = 0.0, 0, 0.0
    for i, batch in enumerate(val_batches):
        if objective == "diffusion":
            b = batch["ids"].shape[0]
            t = ((torch.arange(b) + 0.5) / b).clamp(1e-3, 1.0)  # fixed t grid
            loss, st = diffusion_loss(model, batch, torch.Generator().manual_seed(1000 + i), fixed_t=t)
            extra += float(st["masked_ce"])
        else:
            loss, st = ar_loss(model, batch)
            extra += float(st["middle_ce"])
        tot += loss.item()
        n += 1
    model.train()
    key = "val_masked_ce" if objective == "diffusion" else "val_middle_ce"
    return {"val_loss": tot / n, key: extra / n}
