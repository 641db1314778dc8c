"""Optimisation of a recipe run (issue 3, "Training"): AdamW, the learning-rate schedule and the weight EMA.

AdamW with betas 0.9/0.95 and weight decay on matrices only (the nanoGPT/Qwen2 practice); linear warmup over
``--warmup-tokens`` then cosine decay to 10 % of ``--lr`` at ``--max-tokens``; an exponential moving average of
the weights (decay ramping up as (1 + step) / (10 + step)), which evaluation and export use.
"""
from __future__ import annotations

import math

import torch

from model import DiffusionLM, model_device


class EMA:
    """An exponential moving average of a network's floating-point weights (integer buffers are copied)."""

    def __init__(self, model: torch.nn.Module, decay: float) -> None:
        self.decay = decay
        self.shadow = {k: v.detach().clone() for k, v in model.state_dict().items()}

    @torch.no_grad()
    def update(self, model: torch.nn.Module, step: int) -> None:
        d = min(self.decay, (1 + step) / (10 + step))
        if model_device(model).type != "cpu":  # one fused kernel per list instead of two per tensor
            self._update_fused(model.state_dict(), d)
            return
        for k, v in model.state_dict().items():
            if v.dtype.is_floating_point:
                self.shadow[k].mul_(d).add_(v.detach(), alpha=1 - d)
            else:
                self.shadow[k].copy_(v)

    def _update_fused(self, cur, d: float) -> None:
        keys = [k for k, v in cur.items() if v.dtype.is_floating_point]
        shadow = [self.shadow[k] for k in keys]
        torch._foreach_mul_(shadow, d)
        torch._foreach_add_(shadow, [cur[k].detach() for k in keys], alpha=1 - d)
        for k, v in cur.items():
            if not v.dtype.is_floating_point:
                self.shadow[k].copy_(v)


def lr_at(tokens: int, args) -> float:
    """The learning rate after ``tokens`` training tokens: linear warmup, then cosine decay to 10 %."""
    warm = args.warmup_tokens
    if tokens < warm:
        return args.lr * max(tokens, 1) / warm
    p = min(1.0, (tokens - warm) / max(1, args.max_tokens - warm))
    return args.lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * p)))


def make_optimizer(model: DiffusionLM, args, device: torch.device) -> torch.optim.Optimizer:
    """AdamW over the network, decaying matrices only; fused (or foreach) kernels on a GPU."""
    decay, no_decay = [], []
    for _, p in model.named_parameters():
        (decay if p.dim() >= 2 else no_decay).append(p)
    groups = [{"params": decay, "weight_decay": args.weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
    kw = dict(lr=args.lr, betas=(0.9, 0.95), eps=1e-8)
    if device.type != "cpu":
        try:  # one fused kernel for the whole update (PyTorch >= 2.0)
            return torch.optim.AdamW(groups, fused=True, **kw)
        except (TypeError, RuntimeError):
            return torch.optim.AdamW(groups, foreach=True, **kw)
    return torch.optim.AdamW(groups, **kw)
