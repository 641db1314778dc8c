"""Where a recipe run computes (train.py ``--device``; README "Training on a GPU session").

``cuda`` puts the network and the batches on the GPU with TF32 matmuls (bf16 autocast is model.autocast_for);
master weights, optimizer state and EMA stay fp32, and checkpoints hold CPU tensors so a GPU run resumes and
exports on these CPU machines.
"""
from __future__ import annotations

import sys
from typing import Optional

import torch


def select_device(args) -> torch.device:
    """``--device``: cpu (default) or cuda (refused with a clear message when no GPU is visible)."""
    if args.device == "cpu":
        return torch.device("cpu")
    if not torch.cuda.is_available():
        sys.exit("--device cuda: no CUDA device is visible to PyTorch %s" % torch.__version__)
    allow_tf32()
    return torch.device("cuda")


def allow_tf32() -> None:
    """TF32 for the fp32 matmuls that autocast leaves (the optimizer's math stays fp32)."""
    try:
        if hasattr(torch.backends.cuda.matmul, "fp32_precision"):  # PyTorch >= 2.9: the legacy flags warn
            torch.backends.cuda.matmul.fp32_precision = "tf32"
            torch.backends.cudnn.conv.fp32_precision = "tf32"
        else:
            torch.backends.cuda.matmul.allow_tf32 = True
            torch.backends.cudnn.allow_tf32 = True
    except (AttributeError, RuntimeError, ValueError) as e:  # a speed setting: never worth a failed run
        print("train.py: TF32 not enabled (%s)" % e, file=sys.stderr)


def hardware_note(device: torch.device) -> Optional[str]:
    """What model.json's training.hardware says for a run on this device (None: the CPU default)."""
    if device.type == "cpu":
        return None
    return "1 x %s, bf16 autocast with fp32 master weights, PyTorch %s" % (
        torch.cuda.get_device_name(device), torch.__version__)


def to_cpu(obj):
    """The same structure with every tensor on the CPU (checkpoints load anywhere)."""
    if torch.is_tensor(obj):
        return obj.detach().cpu()
    if isinstance(obj, dict):
        out = type(obj)((k, to_cpu(v)) for k, v in obj.items())
        if hasattr(obj, "_metadata"):  # a state_dict's version information
            out._metadata = obj._metadata
        return out
    if isinstance(obj, (list, tuple)):
        return type(obj)(to_cpu(v) for v in obj)
    return obj
