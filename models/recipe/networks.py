"""The recipe's network sizes and how a training run builds its network (issue 3, "Model"; train.py ``--size``).

Qwen2/Dream-style blocks (model.DiffusionLM). ``small`` is the 5 M network of the CPU recipe, ``medium`` the
15.7 M network of the GPU recipe (the shipped model), ``tiny`` the tests' network. The configuration is stored in
every checkpoint, so export and recovery need no flag.
"""
from __future__ import annotations

import functools
import json
import os
from typing import Optional

import torch

from model import DiffusionLM, ModelConfig, torch_load

SMALL = dict(vocab_size=8192, hidden_size=256, num_layers=4, num_heads=4, num_kv_heads=2,
             intermediate_size=704, max_positions=1024, tie_embeddings=True)
TINY = dict(vocab_size=8192, hidden_size=32, num_layers=2, num_heads=4, num_kv_heads=2,
            intermediate_size=48, max_positions=1024, tie_embeddings=True)
# 8 layers, hidden 384, 6 heads / 2 KV heads (head dim 64), SwiGLU 1024: 15.74 M parameters with the
# 8192 vocabulary; model.onnx with fp16 weights 31.7 MB (the tied embedding stored once).
MEDIUM = dict(vocab_size=8192, hidden_size=384, num_layers=8, num_heads=6, num_kv_heads=2,
              intermediate_size=1024, max_positions=1024, tie_embeddings=True)
SIZES = {"tiny": TINY, "small": SMALL, "medium": MEDIUM}


def tokenizer_vocab_size(tok_dir: str) -> Optional[int]:
    """The vocabulary size of the tokenizer.json in a pretokenized data folder (None when it has none)."""
    path = os.path.join(tok_dir, "tokenizer.json")
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return max(json.load(f)["model"]["vocab"].values()) + 1


def build_model(args) -> DiffusionLM:
    """The network of ``--size`` (``--tiny`` implies tiny), on the CPU, initialised from ``--seed``."""
    if args.objective == "distill":  # the student is the teacher's network (train.py --init-from)
        torch.manual_seed(args.seed)
        return DiffusionLM(ModelConfig.from_dict(checkpoint_config(args.init_from)))
    cfg = dict(TINY if args.tiny else SIZES[getattr(args, "size", "small")])
    vs = tokenizer_vocab_size(args.data) if getattr(args, "data", None) else None
    if vs:
        cfg["vocab_size"] = vs
    if args.objective == "ar":
        cfg.update(causal=True, logit_shift=True)
    elif getattr(args, "logit_shift", False):
        cfg.update(logit_shift=True)
    torch.manual_seed(args.seed)
    return DiffusionLM(ModelConfig(**cfg))


def size_name(config: dict) -> str:
    """The ``--size`` whose network this configuration is ("custom" for none; the vocabulary may differ)."""
    return next((name for name, cfg in SIZES.items()
                 if all(config.get(k) == v for k, v in cfg.items() if k != "vocab_size")), "custom")


def run_size(args, config: dict) -> str:
    """The size a run records: a distilled student's is its network's, otherwise the command's."""
    if args.objective == "distill":
        return size_name(config)
    return "tiny" if args.tiny else args.size


@functools.lru_cache(maxsize=4)
def checkpoint_config(path: str) -> dict:
    """The network configuration stored in a model.pt (read once: EMA copies are built at every evaluation)."""
    return torch_load(path)["config"]
