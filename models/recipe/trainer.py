"""One training run of the recipe (issue 3, "Training"): the loop, its log, and resumable checkpoints.

Checkpoints: every ``--ckpt-minutes`` to ``<run>/ckpt.pt`` (atomic: write ``.tmp`` then rename): model, EMA,
optimizer, step, tokens, data positions, RNG states, elapsed time, validation history; plus ``<run>/model.pt``
(EMA weights, ``model.save_checkpoint`` format, what export reads). A restarted run resumes from ``ckpt.pt``
automatically; SIGTERM/SIGINT save a checkpoint before exiting. Validation runs every ``--eval-minutes`` on a
fixed subset (the first ``--val-seqs`` windows of the validation permutation, fixed layouts) and at the end.
"""
from __future__ import annotations

import json
import os
import random
import signal
import sys
import time
from typing import Callable, Dict, List

import numpy as np
import torch

import data as D
import distill as DL
from devices import hardware_note, select_device, to_cpu
from model import (DiffusionLM, autocast_for, disable_compile, enable_compile, enable_fast_attention, load_checkpoint,
                   save_checkpoint)
from networks import build_model, run_size
from objectives import batch_loss, evaluate, val_objective
from optimisation import EMA, lr_at, make_optimizer


def atomic_save(path: str, write: Callable[[str], None]) -> None:
    """``write(path.tmp)``, then rename: an interrupted save never leaves a broken checkpoint."""
    tmp = path + ".tmp"
    write(tmp)
    os.replace(tmp, path)


def make_stream(args, split, nl, data_state, progress):
    """The batch producer: serial (``--data-workers 0``, the default) or data.ParallelStream; for
    ``--objective distill`` the student examples of ``--trajectories`` (curricula driven by ``progress()``)."""
    if args.objective == "distill":
        return DL.DistillStream(args.trajectories, args.batch, args.seed, progress, **data_state)
    if args.data_workers > 0:
        return D.ParallelStream(split, nl, args.objective, args.batch, args.seed, workers=args.data_workers,
                                **data_state)
    return D.Stream(split, nl, args.objective, args.batch, args.seed, **data_state)


def validation_batches(args, split: D.TokenSplit, nl) -> List[Dict[str, np.ndarray]]:
    """The fixed validation subset: the first ``--val-seqs`` windows of the validation permutation, fixed layouts."""
    order = split.order(args.val_seed, 0)[: args.val_seqs]
    size = args.val_batch or args.batch
    batches = []
    for j in range(0, len(order), size):
        exs = [D.make_example(val_objective(args), split.window(int(w)), nl,
                              np.random.default_rng([args.val_seed, 99, j + k]), args.seq_len)
               for k, w in enumerate(order[j:j + size])]
        batches.append(D.collate(exs))
    return batches


class LogWindow:
    """Loss and throughput since the last log line."""

    def __init__(self) -> None:
        self.tokens, self.seconds, self.loss, self.steps = 0, 0.0, 0.0, 0

    def add(self, tokens: int, seconds: float, loss) -> None:
        self.tokens += tokens
        self.seconds += seconds
        self.loss += loss
        self.steps += 1

    def line(self, state: dict, lr: float, grad_norm) -> str:
        return "step %d tokens %d loss %.4f lr %.2e gnorm %.2f tok/s %.0f elapsed %.0fs" % (
            state["step"], state["tokens"], float(self.loss) / self.steps, lr, float(grad_norm),
            self.tokens / max(self.seconds, 1e-9), state["elapsed"])


class Trainer:
    """A run folder's network, optimizer, EMA and data streams, resumed from its checkpoint when it has one."""

    def __init__(self, args) -> None:
        self.args = args
        torch.set_num_threads(args.threads)
        self.device = select_device(args)
        self.on_gpu = self.device.type != "cpu"
        self.started = time.time()
        self.stopping = False
        os.makedirs(args.run, exist_ok=True)
        self._log_file = open(os.path.join(args.run, "train.log"), "a")
        self.nl = D.load_tables(args.data)
        self.train_split = D.TokenSplit(args.data, "train", args.seq_len, max_files=args.max_files)
        self.val_split = D.TokenSplit(args.data, "val", args.seq_len, max_files=args.max_files)
        self.model = build_model(args)
        if self.on_gpu:
            self.model = self.model.to(self.device)
        self.opt = make_optimizer(self.model, args, self.device)
        self.ema = EMA(self.model, args.ema)
        self.state = {"step": 0, "tokens": 0, "elapsed": 0.0, "data": {"epoch": 0, "index": 0}, "history": []}
        self.ckpt_path = os.path.join(args.run, "ckpt.pt")
        self.gen = torch.Generator().manual_seed(args.seed)
        if os.path.exists(self.ckpt_path):
            self._resume()
        else:
            self._start()
        if self.on_gpu:
            self._prepare_gpu()
        self.compile_pending = False
        if args.compile:  # after the attention check, which runs the eager network
            self.compile_pending, how = enable_compile(self.model)
            self.log("compile: " + how)
        self._install_signal_handlers()  # before the data workers start: they inherit the handlers
        train_nl = self.nl.with_snippets(args.snippet_share)
        self.stream = make_stream(args, self.train_split, train_nl, self.state["data"],
                                  lambda: self.state["tokens"] / max(1, args.max_tokens))
        self.mix = D.Stream(self.train_split, train_nl, "diffusion", args.batch, args.seed + 1,
                            **self.state.get("mix_data", {})) \
            if args.objective == "distill" and args.mix_mdlm > 0 else None
        self.val_batches = validation_batches(args, self.val_split, self.nl)

    def log(self, msg: str) -> None:
        line = time.strftime("%Y-%m-%dT%H:%M:%SZ ", time.gmtime()) + msg
        print(line, file=self._log_file, flush=True)
        if self.args.verbose:
            print(line, flush=True)

    def _resume(self) -> None:
        ck = torch.load(self.ckpt_path, map_location="cpu", weights_only=False)
        if ck.get("config") and ck["config"] != self.model.config.to_dict():
            sys.exit("checkpoint config %s differs from this command's %s "
                     "(same --objective/--logit-shift/--size/--tiny?)" % (ck["config"], self.model.config.to_dict()))
        self.model.load_state_dict(ck["model"])
        self.opt.load_state_dict(ck["optimizer"])
        self.ema.shadow = {k: v.to(self.device) for k, v in ck["ema"].items()} if self.on_gpu else ck["ema"]
        self.state = ck["state"]
        self.gen.set_state(ck["rng"]["torch_gen"])
        torch.set_rng_state(ck["rng"]["torch"])
        np.random.set_state(ck["rng"]["numpy"])
        random.setstate(ck["rng"]["python"])
        self.log("resumed from %s at step %d, %d tokens" % (self.ckpt_path, self.state["step"], self.state["tokens"]))

    def _start(self) -> None:
        args = self.args
        if args.init_from:  # e.g. AR twin -> diffusion adaptation (Dream): same shapes, new attention mode
            src, src_extra = load_checkpoint(args.init_from)
            self.model.load_state_dict(src.state_dict())
            self.ema = EMA(self.model, args.ema)
            self.log("initialised from %s (%s, %s tokens)" % (args.init_from, src_extra.get("objective"),
                                                              src_extra.get("tokens")))
        self.log("new run: %s params=%d config=%s" % (args.objective, self.model.num_params(),
                                                      json.dumps(self.model.config.to_dict())))
        self.log("args: " + json.dumps(vars(args)))
        self.log("data: %d train windows, %d val windows" % (len(self.train_split), len(self.val_split)))

    def _prepare_gpu(self) -> None:
        self.log("device: %s" % hardware_note(self.device))
        if self.args.attention == "auto":  # after the weights are in place: the check runs the real model
            self.log("attention: %s" % enable_fast_attention(self.model)[1])

    def ema_network(self, on_device: bool = True) -> DiffusionLM:
        """A network holding the EMA weights: on the training device, or on the CPU for saving."""
        net = build_model(self.args)
        net.load_state_dict(self.ema.shadow)
        return net.to(self.device) if self.on_gpu and on_device else net

    def save(self) -> None:
        """ckpt.pt (everything a resume needs), then model.pt (the EMA weights export reads)."""
        self.state["data"] = self.stream.state()
        if self.mix is not None:
            self.state["mix_data"] = self.mix.state()
        checkpoint = self._checkpoint()
        atomic_save(self.ckpt_path, lambda tmp: torch.save(checkpoint, tmp))
        net, extra = self.ema_network(on_device=False), self._model_extra()
        atomic_save(os.path.join(self.args.run, "model.pt"), lambda tmp: save_checkpoint(tmp, net, extra))
        self.log("checkpoint step %d tokens %d" % (self.state["step"], self.state["tokens"]))

    def _checkpoint(self) -> dict:
        return {"model": to_cpu(self.model.state_dict()), "optimizer": to_cpu(self.opt.state_dict()),
                "ema": to_cpu(self.ema.shadow), "state": self.state, "config": self.model.config.to_dict(),
                "args": vars(self.args),
                "rng": {"torch_gen": self.gen.get_state(), "torch": torch.get_rng_state(),
                        "numpy": np.random.get_state(), "python": random.getstate()}}

    def _model_extra(self) -> dict:
        """What model.pt records beside the weights (export builds model.json's training record from it)."""
        args, state, config = self.args, self.state, self.model.config
        extra = {"objective": args.objective, "seq_len": args.seq_len, "init_from": args.init_from,
                 "logit_shift": config.logit_shift and args.objective != "ar",  # diffusion, shifted logits
                 "step": state["step"], "tokens": state["tokens"],
                 "train_seconds": state["elapsed"], "history": state["history"][-20:], "batch": args.batch,
                 "snippet_share": args.snippet_share,
                 "size": run_size(args, config.to_dict())}
        if self.on_gpu:
            extra["hardware"] = hardware_note(self.device)
        return extra

    def validate(self, train_loss=None) -> None:
        """Evaluate the EMA network on the fixed validation batches and log it into the run's history."""
        ev = evaluate(self.ema_network(), self.val_batches, val_objective(self.args))
        ev.update(step=self.state["step"], tokens=self.state["tokens"], elapsed=round(self.state["elapsed"]))
        if train_loss is not None:
            ev["train_loss"] = round(train_loss, 4)
        self.state["history"].append(ev)
        self.log("eval " + json.dumps(ev))

    def out_of_time(self) -> bool:
        return bool(self.args.max_minutes) and time.time() - self.started > self.args.max_minutes * 60

    def _should_continue(self) -> bool:
        args, state = self.args, self.state
        if state["tokens"] >= args.max_tokens or self.stopping or self.out_of_time():
            return False
        return not (args.max_steps and state["step"] >= args.max_steps)

    def _step(self):
        """One optimizer step; returns (loss, stats, learning rate, gradient norm). The first step of a compiled
        network compiles it; if that fails, the network is trained eagerly from then on (same batch)."""
        batch = self.stream.next()
        if not self.compile_pending:
            return self._step_on(batch)
        self.compile_pending = False
        try:
            return self._step_on(batch)
        except Exception as e:  # noqa: BLE001 - whatever the compiler raises, eager training still works
            disable_compile(self.model)
            self.opt.zero_grad(set_to_none=True)
            self.log("compile: failed at the first step (%s: %s); eager" % (type(e).__name__, str(e)[:300]))
            return self._step_on(batch)

    def _step_on(self, batch):
        lr = lr_at(self.state["tokens"], self.args)
        for g in self.opt.param_groups:
            g["lr"] = lr
        with autocast_for(self.device):
            loss, st = batch_loss(self.model, batch, self.args, self.gen, self.mix)
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        gn = torch.nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
        self.opt.step()
        self.ema.update(self.model, self.state["step"])
        if self.on_gpu and (self.state["step"] + 1) % self.args.log_every == 0:
            torch.cuda.synchronize()  # GPU work is queued: wait at log steps so step times add up to wall time
        return loss, st, lr, gn

    def _install_signal_handlers(self) -> None:
        def on_signal(signum, frame):  # noqa: ARG001
            self.stopping = True

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)

    def run(self) -> None:
        """Train until the token, step or time budget or a signal; validate and checkpoint on the way and at the end."""
        args, state = self.args, self.state
        last_ckpt = time.time()
        last_eval = time.time() if state["step"] else 0.0
        window = LogWindow()
        self.model.train()
        while self._should_continue():
            t0 = time.time()
            loss, st, lr, gn = self._step()
            dt = time.time() - t0
            state["step"] += 1
            state["tokens"] += st["tokens"]
            state["elapsed"] += dt
            window.add(st["tokens"], dt, loss.detach() if self.on_gpu else loss.item())  # no device sync per step
            if state["step"] % args.log_every == 0:
                self.log(window.line(state, lr, gn))
                window = LogWindow()
            if time.time() - last_eval > args.eval_minutes * 60:
                self.validate(train_loss=loss.item())
                last_eval = time.time()
            if time.time() - last_ckpt > args.ckpt_minutes * 60:
                self.save()
                last_ckpt = time.time()
        self.finish()

    def finish(self) -> None:
        """The final validation and checkpoint, and why the run stopped."""
        self.validate()
        self.save()
        self.stream.close()
        reason = "signal" if self.stopping else "time" if self.out_of_time() else "budget"
        self.log("stopped (%s) at step %d, %d tokens" % (reason, self.state["step"], self.state["tokens"]))
        self._log_file.close()
