"""The options of a GPU session's run (gpu/device_run.py; README "Training on a GPU session")."""
from __future__ import annotations

import argparse
import os

import bundle as B
from session import BUNDLE_RESERVE_S, ROOT


def build_parser() -> argparse.ArgumentParser:
    """device_run.py's options (a flat list, one line per option)."""
    ap = argparse.ArgumentParser(description="The training run of a GPU session, started by gpu/device_train.sh")
    ap.add_argument("--out", default=os.environ.get("OUT"), help="folder whose files come back (default $OUT)")
    ap.add_argument("--objective", choices=["diffusion", "ar", "ar+dream", "distill"], default="diffusion")
    ap.add_argument("--no-logit-shift", dest="logit_shift", action="store_false",
                    help="plain MDLM instead of Dream-style shifted logits (objective diffusion)")
    ap.add_argument("--size", choices=["tiny", "small", "medium"], default="medium")
    ap.add_argument("--device", choices=["cuda", "cpu"], default="cuda")
    ap.add_argument("--minutes", type=float, default=7.0, help="wall-clock minutes for the training stages")
    ap.add_argument("--hard-minutes", type=float, default=9.0,
                    help="everything, probes and the bundle included, ends by then (the device limit is 10)")
    ap.add_argument("--ar-share", type=float, default=0.6, help="ar+dream: share of the time for the AR stage")
    ap.add_argument("--teacher-share", type=float, default=0.35, help="distill: share of the time for the teacher")
    ap.add_argument("--teacher-count", type=int, default=200000, help="distill: at most this many middles")
    ap.add_argument("--teacher-per-step", type=int, default=1,
                    help="distill: positions the teacher reveals per forward")
    ap.add_argument("--teacher-max-budget", type=int, default=64, help="distill: longest middle (with padding)")
    ap.add_argument("--distill-lr", type=float, default=1e-4, help="distill: peak learning rate of the student")
    ap.add_argument("--distill-mix", type=float, default=0.0,
                    help="distill: train.py --mix-mdlm (weight of a plain MDLM batch per student step; 0: off)")
    ap.add_argument("--data", default=os.path.join(ROOT, ".device-data", "tok"))
    ap.add_argument("--work", default="/tmp/d3llm-gpu", help="scratch folder (runs, checkpoints, unpacked data)")
    ap.add_argument("--init-from", help="model.pt or returned bundle folder for the first stage")
    ap.add_argument("--init-model", help="which model of an --init-from bundle (default: its last)")
    ap.add_argument("--max-tokens", type=int, default=0, help="fixed tokens per stage, no probe (tests)")
    ap.add_argument("--probe-only", action="store_true", help="measure each stage's tokens/s, train nothing")
    ap.add_argument("--attention", choices=["auto", "written"], default="auto",
                    help="train.py --attention: fused kernel when it checks out (auto) or the written-out math")
    ap.add_argument("--compile", action="store_true", help="train.py --compile (torch.compile; eager if it fails)")
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--seq-len", type=int, default=256)
    ap.add_argument("--snippet-share", type=float, default=0.0,
                    help="train.py --snippet-share: training windows cut to 2-12 lines (ar / diffusion stages)")
    ap.add_argument("--lr", type=float, default=1e-3, help="peak learning rate (ar / diffusion stage)")
    ap.add_argument("--dream-lr", type=float, default=5e-4, help="peak learning rate of the dream stage")
    ap.add_argument("--warmup-share", type=float, default=0.02, help="warmup tokens as a share of a stage's")
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--data-workers", type=int, default=6)
    ap.add_argument("--threads", type=int, default=2, help="torch CPU threads of each train.py")
    ap.add_argument("--probe-steps", type=int, default=30)
    ap.add_argument("--safety", type=float, default=0.86,
                    help="planned tokens = probe rate x time x safety (batch 128 trained at ~86 %% of its probe)")
    ap.add_argument("--eval-minutes", type=float, default=2.0)
    ap.add_argument("--eval-reserve", type=float, default=5.0, help="seconds per stage for periodic evaluations")
    ap.add_argument("--ckpt-minutes", type=float, default=2.0)
    ap.add_argument("--val-seqs", type=int, default=64)
    ap.add_argument("--log-every", type=int, default=50)
    ap.add_argument("--chunk-bytes", type=int, default=B.CHUNK_BYTES, help="weights chunk size (tests: smaller)")
    return ap


def parse_args(argv=None):
    """The options, checked; ``--minutes`` shortened when it leaves no time for the bundle."""
    ap = build_parser()
    args = ap.parse_args(argv)
    check_args(ap, args)
    if args.minutes * 60 > args.hard_minutes * 60 - BUNDLE_RESERVE_S:
        args.minutes = max(0.5, (args.hard_minutes * 60 - BUNDLE_RESERVE_S - 60) / 60)
    return args


def check_args(ap: argparse.ArgumentParser, args) -> None:
    """Usage errors argparse cannot find alone (exits with the parser's message)."""
    if not args.out:
        ap.error("set $OUT or --out: the folder whose files come back")
    if args.minutes <= 0 or args.hard_minutes <= 0 or not 0 < args.ar_share < 1 or args.batch < 1:
        ap.error("--minutes and --hard-minutes must be positive, --ar-share in (0, 1), --batch >= 1")
    if not 0 <= args.snippet_share <= 1:
        ap.error("--snippet-share must be in [0, 1]")
    if args.objective == "distill" and not args.init_from:
        ap.error("--objective distill needs --init-from: the diffusion model to distill (model.pt or bundle folder)")
    if not 0 < args.teacher_share < 1 or min(args.teacher_count, args.teacher_per_step, args.teacher_max_budget) < 1:
        ap.error("--teacher-share must be in (0, 1); --teacher-count, --teacher-per-step, --teacher-max-budget >= 1")
    if args.probe_only and args.max_tokens:
        ap.error("--probe-only measures the rates that --max-tokens skips: give one of them")
