"""Pretraining of the embedded d3LLM tiny code model and its autoregressive twin (issue 3).

Objective (``--objective diffusion``): masked diffusion in the MDLM form (Sahoo et al. 2024, "Simple and
Effective Masked Diffusion Language Models"; the same estimator as LLaDA, Nie et al. 2025). Per sequence
t ~ U(0, 1) (stratified over the batch, clipped to [1e-3, 1]); every candidate position (the middle and
its ``<|endofmiddle|>`` padding, see data.py) is replaced by ``<|mask|>`` with probability t; the loss is
the cross-entropy of the masked positions weighted by 1/t, summed and divided by the number of candidate
positions in the batch (an upper bound on the negative log-likelihood of the middles). The network is
``model.DiffusionLM`` with bidirectional attention and logit_shift false (row i predicts position i), and
the LM head is applied only to the masked rows. With ``--logit-shift`` the diffusion model uses the Dream
convention (Ye et al. 2025, "Dream 7B": row i-1 predicts masked position i), which lets it start from the
autoregressive twin's weights (``--init-from <ar run>/model.pt``), as Dream starts from Qwen2.5.

Objective ``--objective ar``: the autoregressive twin, the same network with causal=True and
logit_shift=True (row i predicts position i+1), next-token cross-entropy on every position of PSM
fill-in-the-middle and plain left-to-right sequences (data.ar_example), with the same token budget.

Objective ``--objective distill``: d3LLM pseudo-trajectory distillation of an ``--init-from`` diffusion model on
a teacher's decoding orders (``--trajectories``, written by distill.py, which holds the examples and the loss);
validation stays the MDLM bound above.

Optimisation: AdamW (betas 0.9/0.95, weight decay 0.1 on matrices), linear warmup then cosine decay to
10% over ``--max-tokens`` (tokens = non-pad sequence positions), gradient clipping 1.0, fp32, and an
exponential moving average of the weights (used for evaluation and export, so an export taken before the
learning rate has decayed is still smooth).

Checkpoints: every ``--ckpt-minutes`` to ``<run>/ckpt.pt`` (atomic: write ``.tmp`` then rename): model,
EMA, optimizer, step, tokens, data position, RNG states, elapsed time, validation history; plus
``<run>/model.pt`` (EMA weights, ``model.save_checkpoint`` format, what export_onnx.py reads). A restarted
run resumes from ``ckpt.pt`` automatically. SIGTERM/SIGINT save a checkpoint before exiting.

Devices and sizes (models/recipe/gpu/, README "Training on a GPU session"): ``--device cuda`` puts the model
and the batches on the GPU and runs the forward pass and the loss under bf16 autocast with TF32 matmuls,
keeping fp32 master weights, optimizer state and EMA; the masking randomness stays on the CPU generator,
and checkpoints always hold CPU tensors, so a run trained on a GPU loads and resumes here. ``--size``
picks the network: ``small`` (SMALL, the shipped 5 M model, default), ``medium`` (MEDIUM, 15.7 M; ~38 MB
as fp16 ONNX) or ``tiny`` (TINY, tests); the configuration is stored in every checkpoint, so export and
recovery need no flag. ``--data-workers N`` builds batches in N worker processes (data.ParallelStream:
the very batches of the serial stream, in the same order, so resuming is exact either way);
``--max-minutes`` stops the loop (with a final evaluation and checkpoint) after that much wall-clock time.

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
import functools
import json
import math
import os
import random
import signal
import sys
import time
from typing import Dict, Optional

import numpy as np
import torch
from torch.nn import functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import data as D  # noqa: E402
import distill as DL  # noqa: E402
from model import (DiffusionLM, ModelConfig, autocast_for, enable_fast_attention, hidden_states,  # noqa: E402
                   model_device, save_checkpoint, torch_load)

SMALL = dict(vocab_size=8192, hidden_size=256, num_layers=4, num_heads=4, num_kv_heads=2,
             intermediate_size=704, max_positions=1024, tie_embeddings=True)
TINY = dict(vocab_size=8192, hidden_size=32, num_layers=2, num_heads=4, num_kv_heads=2,
            intermediate_size=48, max_positions=1024, tie_embeddings=True)
# 8 layers, hidden 384, 6 heads / 2 KV heads (head dim 64), SwiGLU 1024: 15.74 M parameters with the
# 8192 vocabulary; model.onnx with fp16 weights ~38 MB (the tied embedding is stored twice there).
MEDIUM = dict(vocab_size=8192, hidden_size=384, num_layers=8, num_heads=6, num_kv_heads=2,
              intermediate_size=1024, max_positions=1024, tie_embeddings=True)
SIZES = {"tiny": TINY, "small": SMALL, "medium": MEDIUM}
CPU_HARDWARE = "1 CPU core, fp32, PyTorch 1.13 (Debian)"


def diffusion_loss(model, batch: Dict[str, np.ndarray], gen: torch.Generator, fixed_t=None):
    """MDLM loss of a batch; returns (loss, stats).

    The masking is drawn on the CPU (``gen``) whatever the model's device, so a run draws the same masks
    on a GPU; stats["masked_ce"] is a 0-dim tensor (no device sync), "n_masked" and "tokens" are ints."""
    ids = torch.from_numpy(batch["ids"])
    cand = torch.from_numpy(batch["flag"])
    att = torch.from_numpy(batch["attention"])
    b = ids.shape[0]
    if fixed_t is None:
        u = torch.rand(1, generator=gen)
        t = ((u + torch.arange(b) / b) % 1.0).clamp(1e-3, 1.0)  # stratified over the batch
    else:
        t = torch.as_tensor(fixed_t, dtype=torch.float32)
    shift = model.config.logit_shift
    if shift:  # Dream convention: row j-1 predicts position j, so position 0 is never a target
        cand = cand.clone()
        cand[:, 0] = False
    masked = (torch.rand(ids.shape, generator=gen) < t[:, None]) & cand
    # at least one masked position per sequence that has candidates
    none = (masked.sum(1) == 0) & (cand.sum(1) > 0)
    for i in torch.nonzero(none).flatten().tolist():
        c = torch.nonzero(cand[i]).flatten()
        masked[i, c[torch.randint(len(c), (1,), generator=gen)]] = True
    inp = torch.where(masked, torch.full_like(ids, D.MASK), ids)
    n_masked, n_tokens = int(masked.sum()), int(att.sum())
    dev = model_device(model)
    if dev.type != "cpu":
        ids, inp, att, masked, cand, t = (x.to(dev, non_blocking=True) for x in (ids, inp, att, masked, cand, t))
    h = hidden_states(model, inp, att)
    if shift:
        sel = masked[:, 1:]
        rows = h[:, :-1][sel]
        target = ids[:, 1:][sel]
    else:
        rows = h[masked]
        target = ids[masked]
    logits = model.lm_head(rows)
    ce = F.cross_entropy(logits, target, reduction="none")
    w = (1.0 / t)[:, None].expand_as(ids)[masked]
    ncand = cand.sum().clamp(min=1)
    loss = (ce * w).sum() / ncand
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


class EMA:
    def __init__(self, model: torch.nn.Module, decay: float) -> None:
        self.decay = decay
        self.shadow = {k: v.detach().clone() for k, v in model.state_dict().items()}

    @torch.no_grad()
    def update(self, model: torch.nn.Module, step: int) -> None:
        d = min(self.decay, (1 + step) / (10 + step))
        if model_device(model).type != "cpu":  # one fused kernel per list instead of two per tensor
            cur = model.state_dict()
            keys = [k for k, v in cur.items() if v.dtype.is_floating_point]
            shadow = [self.shadow[k] for k in keys]
            torch._foreach_mul_(shadow, d)
            torch._foreach_add_(shadow, [cur[k].detach() for k in keys], alpha=1 - d)
            for k, v in cur.items():
                if not v.dtype.is_floating_point:
                    self.shadow[k].copy_(v)
            return
        for k, v in model.state_dict().items():
            if v.dtype.is_floating_point:
                self.shadow[k].mul_(d).add_(v.detach(), alpha=1 - d)
            else:
                self.shadow[k].copy_(v)


def lr_at(tokens: int, args) -> float:
    warm = args.warmup_tokens
    if tokens < warm:
        return args.lr * max(tokens, 1) / warm
    p = min(1.0, (tokens - warm) / max(1, args.max_tokens - warm))
    return args.lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * p)))


def tokenizer_vocab_size(tok_dir: str) -> Optional[int]:
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


@functools.lru_cache(maxsize=4)
def checkpoint_config(path: str) -> dict:
    """The network configuration stored in a model.pt (read once: EMA copies are built at every evaluation)."""
    return torch_load(path)["config"]


def atomic_save(obj, path: str) -> None:
    tmp = path + ".tmp"
    torch.save(obj, tmp)
    os.replace(tmp, path)


@torch.no_grad()
def evaluate(model, val_batches, objective: str) -> Dict[str, float]:
    model.eval()
    tot, n, extra = 0.0, 0, 0.0
    for i, batch in enumerate(val_batches):
        if objective == "diffusion":
            g = torch.Generator().manual_seed(1000 + i)
            b = batch["ids"].shape[0]
            t = ((torch.arange(b) + 0.5) / b).clamp(1e-3, 1.0)  # fixed t grid
            loss, st = diffusion_loss(model, batch, g, fixed_t=t)
            extra += float(st["masked_ce"])
        else:
            loss, st = ar_loss(model, batch)
            extra += float(st["middle_ce"])
        tot += loss.item()
        n += 1
    model.train()
    key = "val_masked_ce" if objective == "diffusion" else "val_middle_ce"
    return {"val_loss": tot / n, key: extra / n}


def val_objective(args) -> str:
    """Validation loss of a run: a distilled student is still measured by the MDLM bound of the diffusion model."""
    return "diffusion" if args.objective == "distill" else args.objective


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


def make_optimizer(model: DiffusionLM, args, device: torch.device) -> torch.optim.Optimizer:
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        (decay if p.dim() >= 2 else no_decay).append(p)
    groups = [{"params": decay, "weight_decay": args.weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
    kw = dict(lr=args.lr, betas=(0.9, 0.95), eps=1e-8)
    if device.type != "cpu":
        try:  # one fused kernel for the whole update (PyTorch >= 2.0)
            return torch.optim.AdamW(groups, fused=True, **kw)
        except (TypeError, RuntimeError):
            return torch.optim.AdamW(groups, foreach=True, **kw)
    return torch.optim.AdamW(groups, **kw)


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


def make_stream(args, split, nl, data_state, progress):
    """The batch producer: serial (``--data-workers 0``, the default) or data.ParallelStream; for
    ``--objective distill`` the student examples of ``--trajectories`` (curricula driven by ``progress()``)."""
    if args.objective == "distill":
        return DL.DistillStream(args.trajectories, args.batch, args.seed, progress, **data_state)
    if args.data_workers > 0:
        return D.ParallelStream(split, nl, args.objective, args.batch, args.seed, workers=args.data_workers,
                                **data_state)
    return D.Stream(split, nl, args.objective, args.batch, args.seed, **data_state)


def train(args) -> None:
    torch.set_num_threads(args.threads)
    device = select_device(args)
    on_gpu = device.type != "cpu"
    started = time.time()
    os.makedirs(args.run, exist_ok=True)
    log_path = os.path.join(args.run, "train.log")
    logf = open(log_path, "a")

    def log(msg: str) -> None:
        line = time.strftime("%Y-%m-%dT%H:%M:%SZ ", time.gmtime()) + msg
        print(line, file=logf, flush=True)
        if args.verbose:
            print(line, flush=True)

    nl = D.load_tables(args.data)
    train_split = D.TokenSplit(args.data, "train", args.seq_len, max_files=args.max_files)
    val_split = D.TokenSplit(args.data, "val", args.seq_len, max_files=args.max_files)
    model = build_model(args)
    if on_gpu:
        model = model.to(device)
    opt = make_optimizer(model, args, device)
    ema = EMA(model, args.ema)
    state = {"step": 0, "tokens": 0, "elapsed": 0.0, "data": {"epoch": 0, "index": 0}, "history": []}
    ckpt_path = os.path.join(args.run, "ckpt.pt")
    gen = torch.Generator().manual_seed(args.seed)
    if os.path.exists(ckpt_path):
        ck = torch.load(ckpt_path, map_location="cpu", weights_only=False)
        if ck.get("config") and ck["config"] != model.config.to_dict():
            sys.exit("checkpoint config %s differs from this command's %s (same --objective/--logit-shift/--size/--tiny?)"
                     % (ck["config"], model.config.to_dict()))
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["optimizer"])
        ema.shadow = {k: v.to(device) for k, v in ck["ema"].items()} if on_gpu else ck["ema"]
        state = ck["state"]
        gen.set_state(ck["rng"]["torch_gen"])
        torch.set_rng_state(ck["rng"]["torch"])
        np.random.set_state(ck["rng"]["numpy"])
        random.setstate(ck["rng"]["python"])
        log("resumed from %s at step %d, %d tokens" % (ckpt_path, state["step"], state["tokens"]))
    else:
        if args.init_from:  # e.g. AR twin -> diffusion adaptation (Dream): same shapes, new attention mode
            from model import load_checkpoint as _load
            src, src_extra = _load(args.init_from)
            model.load_state_dict(src.state_dict())
            ema = EMA(model, args.ema)
            log("initialised from %s (%s, %s tokens)" % (args.init_from, src_extra.get("objective"), src_extra.get("tokens")))
        log("new run: %s params=%d config=%s" % (args.objective, model.num_params(), json.dumps(model.config.to_dict())))
        log("args: " + json.dumps(vars(args)))
        log("data: %d train windows, %d val windows" % (len(train_split), len(val_split)))
    if on_gpu:
        log("device: %s" % hardware_note(device))
        if args.attention == "auto":  # after the weights are in place: the check runs the real model
            log("attention: %s" % enable_fast_attention(model)[1])

    stop = {"flag": False}

    def on_signal(signum, frame):  # noqa: ARG001
        stop["flag"] = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    stream = make_stream(args, train_split, nl, state["data"], lambda: state["tokens"] / max(1, args.max_tokens))
    mix = D.Stream(train_split, nl, "diffusion", args.batch, args.seed + 1, **state.get("mix_data", {})) \
        if args.objective == "distill" and args.mix_mdlm > 0 else None
    # fixed validation subset: the first windows of the val permutation, fixed layouts
    vorder = val_split.order(args.val_seed, 0)[: args.val_seqs]
    val_batches = []
    vb = args.val_batch or args.batch
    for j in range(0, len(vorder), vb):
        exs = [D.make_example(val_objective(args), val_split.window(int(w)), nl,
                              np.random.default_rng([args.val_seed, 99, j + k]), args.seq_len)
               for k, w in enumerate(vorder[j:j + vb])]
        val_batches.append(D.collate(exs))

    def ema_network(on_device: bool = True) -> DiffusionLM:
        """A network holding the EMA weights: on the training device, or on the CPU for saving."""
        net = build_model(args)
        net.load_state_dict(ema.shadow)
        return net.to(device) if on_gpu and on_device else net

    def save() -> None:
        state["data"] = stream.state()
        if mix is not None:
            state["mix_data"] = mix.state()
        ck = {"model": to_cpu(model.state_dict()), "optimizer": to_cpu(opt.state_dict()), "ema": to_cpu(ema.shadow),
              "state": state, "config": model.config.to_dict(), "args": vars(args),
              "rng": {"torch_gen": gen.get_state(), "torch": torch.get_rng_state(), "numpy": np.random.get_state(),
                      "python": random.getstate()}}
        atomic_save(ck, ckpt_path)
        ema_model = ema_network(on_device=False)
        extra = {"objective": args.objective, "seq_len": args.seq_len, "init_from": args.init_from,
                 "logit_shift": model.config.logit_shift and args.objective != "ar",  # diffusion, shifted logits
                 "step": state["step"], "tokens": state["tokens"],
                 "train_seconds": state["elapsed"], "history": state["history"][-20:],
                 "size": size_name(model.config.to_dict()) if args.objective == "distill"
                 else "tiny" if args.tiny else args.size}
        if on_gpu:
            extra["hardware"] = hardware_note(device)
        tmp = os.path.join(args.run, "model.pt.tmp")
        save_checkpoint(tmp, ema_model, extra)
        os.replace(tmp, os.path.join(args.run, "model.pt"))
        log("checkpoint step %d tokens %d" % (state["step"], state["tokens"]))

    def out_of_time() -> bool:
        return bool(args.max_minutes) and time.time() - started > args.max_minutes * 60

    last_ckpt = time.time()
    last_eval = time.time() if state["step"] else 0.0
    win_tokens, win_time, win_loss, win_n = 0, 0.0, 0.0, 0
    model.train()
    while state["tokens"] < args.max_tokens and not stop["flag"] and not out_of_time():
        if args.max_steps and state["step"] >= args.max_steps:
            break
        t0 = time.time()
        batch = stream.next()
        lr = lr_at(state["tokens"], args)
        for g in opt.param_groups:
            g["lr"] = lr
        with autocast_for(device):
            if args.objective == "diffusion":
                loss, st = diffusion_loss(model, batch, gen)
            elif args.objective == "distill":
                loss, st = DL.distill_loss(model, batch, args.entropy_weight)
                if mix is not None:  # plain MDLM batches beside the student's, against forgetting
                    mdlm, mst = diffusion_loss(model, mix.next(), gen)
                    loss, st = loss + args.mix_mdlm * mdlm, dict(st, tokens=st["tokens"] + mst["tokens"])
            else:
                loss, st = ar_loss(model, batch)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        gn = torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        ema.update(model, state["step"])
        if on_gpu and (state["step"] + 1) % args.log_every == 0:
            torch.cuda.synchronize()  # GPU work is queued: wait at log steps so step times add up to wall time
        dt = time.time() - t0
        state["step"] += 1
        state["tokens"] += st["tokens"]
        state["elapsed"] += dt
        win_tokens += st["tokens"]
        win_time += dt
        win_loss += loss.detach() if on_gpu else loss.item()  # no device sync per step
        win_n += 1
        if state["step"] % args.log_every == 0:
            log("step %d tokens %d loss %.4f lr %.2e gnorm %.2f tok/s %.0f elapsed %.0fs" % (
                state["step"], state["tokens"], float(win_loss) / win_n, lr, float(gn), win_tokens / max(win_time, 1e-9),
                state["elapsed"]))
            win_tokens, win_time, win_loss, win_n = 0, 0.0, 0.0, 0
        if time.time() - last_eval > args.eval_minutes * 60:
            ev = evaluate(ema_network(), val_batches, val_objective(args))
            ev.update(step=state["step"], tokens=state["tokens"], elapsed=round(state["elapsed"]),
                      train_loss=round(loss.item(), 4))
            state["history"].append(ev)
            log("eval " + json.dumps(ev))
            last_eval = time.time()
        if time.time() - last_ckpt > args.ckpt_minutes * 60:
            save()
            last_ckpt = time.time()
    ev = evaluate(ema_network(), val_batches, val_objective(args))
    ev.update(step=state["step"], tokens=state["tokens"], elapsed=round(state["elapsed"]))
    state["history"].append(ev)
    log("eval " + json.dumps(ev))
    save()
    stream.close()
    reason = "signal" if stop["flag"] else "time" if out_of_time() else "budget"
    log("stopped (%s) at step %d, %d tokens" % (reason, state["step"], state["tokens"]))


def export(args) -> None:
    """Export a run's EMA weights (model.pt) to the model contract with export_onnx.py."""
    from export_onnx import export_model_dir  # owned by the export engineer
    from model import load_checkpoint
    if not os.path.exists(os.path.join(args.run, "model.pt")):
        sys.exit("export: %s has no model.pt (a training run folder, or one made by gpu/import_weights.py)" % args.run)
    model, extra = load_checkpoint(os.path.join(args.run, "model.pt"))
    model.eval()
    # The engine fills maxPositions with context; advertise the window length the model was trained on
    # (RoPE positions beyond it were never seen). The graph itself accepts any position.
    trained_ctx = int(extra.get("seq_len", 256))
    model.config.max_positions = args.max_positions or min(model.config.max_positions, trained_ctx)
    sources = json.load(open(os.path.join(HERE, "corpus", "sources.json")))
    kept = [s for s in sources["sources"] if s.get("status") == "kept"]
    tokstats = {}
    tdir = os.path.dirname(os.path.abspath(args.tokenizer))
    for tsp in (os.path.join(tdir, "tokenizer-stats.json"), os.path.join(tdir, "..", "tokenizer", "tokenizer-stats.json")):
        if os.path.exists(tsp):
            tokstats = json.load(open(tsp))
            break
    hist = extra.get("history", [])
    training = {
        "objective": ("MDLM masked diffusion (1/t-weighted masked CE on middles + <|endofmiddle|> padding; "
                      "single FIM, continuation, multi-span layouts)") if extra["objective"] == "diffusion"
        else "autoregressive next-token CE, PSM fill-in-the-middle + plain left-to-right",
        "steps": extra["step"], "tokens": extra["tokens"], "trainSeconds": round(extra["train_seconds"]),
        "seqLen": trained_ctx, "weights": "EMA (decay 0.999)", "hardware": extra.get("hardware") or CPU_HARDWARE,
        "trainLoss": next((h["train_loss"] for h in reversed(hist) if "train_loss" in h), None),
        "validation": hist[-1] if hist else None,
        "corpus": {"totals": sources["totals"], "byLicence": sources["by_licence"],
                   "sources": [{"name": s["name"], "registry": s["registry"], "version": s.get("version"),
                                "licence": s["licence"]} for s in kept],
                   "benchmarkExclusion": sources["benchmark_exclusion"]},
        "tokenizer": {"type": "byte-level BPE", "vocabSize": tokstats.get("vocabSize", 8192),
                      "trainedOnBytes": tokstats.get("sample", {}).get("bytes"),
                      "bytesPerToken": tokstats.get("check", {}).get("bytesPerToken")},
    }
    if extra.get("logit_shift"):
        training["objective"] = ("MDLM masked diffusion with shifted logits (Dream convention: row i-1 predicts masked "
                                 "position i), bidirectional; same layouts")
    if extra["objective"] == "distill":
        training["objective"] = ("d3LLM pseudo-trajectory distillation (distill.py: the teacher's decoding order on "
                                 "training-split middles, block and mask-ratio curricula, CE + entropy on right tokens)")
    if extra.get("init_from") and os.path.exists(extra["init_from"]):
        src = torch_load(extra["init_from"]).get("extra", {})
        if src.get("lineage"):  # a model recovered from an exported folder (recover_from_onnx.py)
            training["initialisedFrom"] = "%s; recovered from its model.onnx and trained on" % src["lineage"]
        else:
            how = "the teacher, distilled" if extra["objective"] == "distill" else "AR-to-diffusion adaptation as in Dream 7B"
            training["initialisedFrom"] = "%s weights after %s tokens (%s)" % (src.get("objective"), src.get("tokens"), how)
        training["tokensIncludingInitialisation"] = extra["tokens"] + int(src.get("tokens") or 0)
        if src.get("train_seconds"):
            training["trainSecondsIncludingInitialisation"] = round(extra["train_seconds"] + src["train_seconds"])
    if args.training_json:
        with open(args.training_json) as f:
            training.update(json.load(f))
    how = ("gpu/device_train.sh on a GPU" if os.path.exists(os.path.join(args.run, "device-result.json"))
           else "run_all.sh")
    provenance = ("Trained from scratch by models/recipe (" + how + ") on %.0f MB of permissively licensed source code "
                  "(Python from Debian packages and the Python standard library, TypeScript/JavaScript from npm "
                  "packages; licences %s); HumanEval-Infilling excluded. See training.corpus for every source."
                  % (sum(v["bytes"] for v in sources["totals"].values()) / 1e6, ", ".join(sorted(sources["by_licence"]))))
    layout = "psm" if extra["objective"] == "ar" else "canvas"
    quality = json.load(open(args.quality_json)) if args.quality_json else {}
    fields = {} if layout == "canvas" else {"decoding": {"decoder": "ar"}}
    man = export_model_dir(model, args.out, args.tokenizer, args.id or os.path.basename(args.out.rstrip("/")),
                           layout=layout, license="MIT", provenance=provenance, training=training, quality=quality,
                           fp16_weights=args.fp16_weights, **fields)
    print(json.dumps({k: man[k] for k in ("id", "layout", "sha256") if k in man}, indent=1))


def main(argv=None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "export":
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
        export(ap.parse_args(argv[1:]))
        return
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
    ap.add_argument("--data-workers", type=int, default=0,
                    help="build batches in N worker processes (same batches, same order; 0 = in this process)")
    ap.add_argument("--max-minutes", type=float, default=0.0,
                    help="stop (final evaluation + checkpoint) after this much wall-clock time; 0 = no limit")
    ap.add_argument("--val-batch", type=int, default=0,
                    help="validation batch size (default --batch; 16 keeps numbers comparable with CPU runs)")
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args(argv)
    if args.data_workers < 0 or args.max_minutes < 0 or args.val_batch < 0:
        ap.error("--data-workers, --max-minutes and --val-batch must not be negative")
    if args.objective == "distill" and not (args.trajectories and args.init_from):
        ap.error("--objective distill needs --trajectories FILE and --init-from TEACHER/model.pt")
    if args.mix_mdlm < 0 or args.entropy_weight < 0:
        ap.error("--mix-mdlm and --entropy-weight must not be negative")
    for flag, path in (("--trajectories", args.trajectories), ("--init-from", args.init_from)):
        if path and not os.path.isfile(path):
            ap.error("%s %s: no such file" % (flag, path))
    if args.tiny:
        args.max_steps = args.max_steps or 4
        args.batch = min(args.batch, 4)
        args.seq_len = min(args.seq_len, 128)
        args.val_seqs = min(args.val_seqs, 8)
        args.warmup_tokens = 100
        args.log_every = 1
    train(args)


if __name__ == "__main__":
    main()
