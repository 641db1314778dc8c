"""Pretraining of the embedded d3LLM tiny code model and its autoregressive twin (issue 3): the command line.

``--objective diffusion``: MDLM masked diffusion on infilling layouts (data.py), bidirectional; with
``--logit-shift`` the Dream convention (row i-1 predicts masked position i), which lets it start from the
autoregressive twin's weights (``--init-from <ar run>/model.pt``), as Dream starts from Qwen2.5.
``--objective ar``: the autoregressive twin, the same network with a causal mask, next-token cross-entropy.
``--objective distill``: d3LLM pseudo-trajectory distillation of an ``--init-from`` diffusion model on a
teacher's decoding orders (``--trajectories``, distill.py); validation stays the MDLM bound.

Where the parts live: objectives.py (the losses and the validation loss), optimisation.py (AdamW, warmup and
cosine decay to 10 %, the weight EMA used for evaluation and export), trainer.py (the loop, checkpoints every
``--ckpt-minutes`` with automatic resume, SIGTERM/SIGINT-safe), networks.py (``--size``: small 5 M, medium
15.7 M, tiny for tests), devices.py (``--device cuda``: bf16 autocast, TF32, fp32 master weights, CPU
checkpoints), export_run.py (``train.py export``: model.json's training record). ``--data-workers N`` builds
the very batches of the serial stream in N processes (data.ParallelStream); ``--max-minutes`` stops the loop
with a final evaluation and checkpoint.

Usage:
  PYENV_VERSION=system OPENBLAS_NUM_THREADS=1 python3 models/recipe/train.py --objective diffusion \
      --data /work/d3llm-data/tok --run /work/d3llm-train/diffusion --max-tokens 20000000
  ... --objective ar --run /work/d3llm-train/ar
  ... --tiny   (a few steps of a tiny model; for CI)
  ... --device cuda --size medium --batch 128 --data-workers 4   (GPU; see models/recipe/gpu/device_train.sh)
  python3 models/recipe/train.py export --run /work/d3llm-train/diffusion --out models/d3llm-tiny-code [--fp16-weights]
"""
from __future__ import annotations

import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from networks import SIZES  # noqa: E402


def export_parser() -> argparse.ArgumentParser:
    """``train.py export``: a run folder to models/<id>/."""
    ap = argparse.ArgumentParser(description="export a run to models/<id>/")
    ap.add_argument("--run", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--id")
    ap.add_argument("--tokenizer", default="/work/d3llm-data/tok/tokenizer.json")
    ap.add_argument("--quality-json")
    ap.add_argument("--training-json", help="extra fields merged into model.json training (e.g. initialisation)")
    ap.add_argument("--max-positions", type=int, default=0,
                    help="maxPositions for model.json (default: the training window length)")
    ap.add_argument("--fp16-weights", action="store_true",
                    help="store the weights in model.onnx as float16 (compute stays fp32; half the file)")
    return ap


def training_parser() -> argparse.ArgumentParser:
    """The training command's options (a long but flat list: one line per option)."""
    ap = argparse.ArgumentParser(description="MDLM / autoregressive pretraining of the tiny code model")
    ap.add_argument("--objective", choices=["diffusion", "ar", "distill"], default="diffusion",
                    help="distill: d3LLM pseudo-trajectory distillation of --init-from on --trajectories (distill.py)")
    ap.add_argument("--trajectories", help="distill: the teacher's decoding orders (distill.py trajectories)")
    ap.add_argument("--entropy-weight", type=float, default=1.0, help="distill: weight of the entropy term (λ)")
    ap.add_argument("--mix-mdlm", type=float, default=0.0,
                    help="distill: also train on a plain MDLM batch per step, its loss weighted so (0: off)")
    ap.add_argument("--data", default="/work/d3llm-data/tok")
    ap.add_argument("--run", required=True)
    ap.add_argument("--max-tokens", type=int, default=30_000_000)
    ap.add_argument("--max-steps", type=int, default=0)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--seq-len", type=int, default=256)
    ap.add_argument("--lr", type=float, default=1.5e-3)
    ap.add_argument("--warmup-tokens", type=int, default=400_000)
    ap.add_argument("--weight-decay", type=float, default=0.1)
    ap.add_argument("--ema", type=float, default=0.999)
    ap.add_argument("--seed", type=int, default=1234, help="initialisation and data order")
    ap.add_argument("--val-seed", type=int, default=1234, help="fixed validation subset (keep it for comparisons)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--ckpt-minutes", type=float, default=5.0)
    ap.add_argument("--eval-minutes", type=float, default=10.0)
    ap.add_argument("--val-seqs", type=int, default=64)
    ap.add_argument("--log-every", type=int, default=20)
    ap.add_argument("--snippet-share", type=float, default=0.0,
                    help="share of the training windows cut to a snippet of 2-12 lines (data.snippet; 0: none)")
    ap.add_argument("--max-files", type=int, default=None, help="use only the first N files of each split")
    ap.add_argument("--logit-shift", action="store_true",
                    help="diffusion with the Dream convention: row i predicts position i+1")
    ap.add_argument("--init-from", help="model.pt to start a new run from (e.g. the AR twin, Dream-style)")
    ap.add_argument("--tiny", action="store_true", help="tiny model, a few steps (CI)")
    ap.add_argument("--size", choices=sorted(SIZES), default="small",
                    help="network: small (5 M, default), medium (15.7 M) or tiny (tests); stored in the checkpoint")
    ap.add_argument("--device", choices=["cpu", "cuda"], default="cpu",
                    help="cuda: model and batches on the GPU, bf16 autocast, TF32, fp32 master weights")
    ap.add_argument("--attention", choices=["auto", "written"], default="auto",
                    help="cuda: auto = PyTorch's fused scaled_dot_product_attention when it matches the "
                         "written-out math on a probe batch; written = always the written-out math")
    ap.add_argument("--compile", action="store_true",
                    help="train through torch.compile (PyTorch >= 2; eager when it is missing or the first step fails)")
    ap.add_argument("--data-workers", type=int, default=0,
                    help="build batches in N worker processes (same batches, same order; 0 = in this process)")
    ap.add_argument("--max-minutes", type=float, default=0.0,
                    help="stop (final evaluation + checkpoint) after this much wall-clock time; 0 = no limit")
    ap.add_argument("--val-batch", type=int, default=0,
                    help="validation batch size (default --batch; 16 keeps numbers comparable with CPU runs)")
    ap.add_argument("--verbose", action="store_true")
    return ap


def check_training_args(ap: argparse.ArgumentParser, args) -> None:
    """Usage errors for values argparse cannot check alone (exits with the parser's message)."""
    if args.data_workers < 0 or args.max_minutes < 0 or args.val_batch < 0:
        ap.error("--data-workers, --max-minutes and --val-batch must not be negative")
    if args.objective == "distill" and not (args.trajectories and args.init_from):
        ap.error("--objective distill needs --trajectories FILE and --init-from TEACHER/model.pt")
    if args.mix_mdlm < 0 or args.entropy_weight < 0:
        ap.error("--mix-mdlm and --entropy-weight must not be negative")
    if not 0 <= args.snippet_share <= 1:
        ap.error("--snippet-share must be in [0, 1]")
    for flag, path in (("--trajectories", args.trajectories), ("--init-from", args.init_from)):
        if path and not os.path.isfile(path):
            ap.error("%s %s: no such file" % (flag, path))


def apply_tiny(args) -> None:
    """``--tiny``: a few steps of short sequences, logged at every step (CI)."""
    args.max_steps = args.max_steps or 4
    args.batch = min(args.batch, 4)
    args.seq_len = min(args.seq_len, 128)
    args.val_seqs = min(args.val_seqs, 8)
    args.warmup_tokens = 100
    args.log_every = 1


def main(argv=None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "export":
        from export_run import export
        export(export_parser().parse_args(argv[1:]))
        return
    ap = training_parser()
    args = ap.parse_args(argv)
    check_training_args(ap, args)
    if args.tiny:
        apply_tiny(args)
    from trainer import Trainer
    Trainer(args).run()


if __name__ == "__main__":
    main()
