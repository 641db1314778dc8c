"""The training run of a GPU session, started by gpu/device_train.sh (README "Training on a GPU session").

Steps, all inside one wall-clock budget so the device command never outlives its 10-minute limit:
  1. data: a folder written by ``pack_data.py pack`` (``.device-data/tok``, carried along) is unpacked and
     checked into the scratch folder; a plain token folder is used as it is.
  2. probe: a few steps of each objective with the real settings (train.py ``--max-steps``), which also
     proves the whole path (data, model, loss, evaluation, checkpoint) before the long run; its tokens/s
     and its start/finish overhead give each stage its ``--max-tokens``, so the cosine schedule ends when
     the time does.
  3. stages: ``diffusion`` (default; Dream-style shifted logits unless ``--no-logit-shift``), ``ar`` (the
     autoregressive twin), or ``ar+dream``: the AR twin for ``--ar-share`` of the time, then the diffusion
     model initialised from it (Ye et al. 2025, Dream 7B) for the rest; or ``distill``: d3LLM pseudo-trajectory
     distillation of the diffusion model given by ``--init-from`` (distill.py: its decoding orders on training
     middles for ``--teacher-share`` of the time, then the student fine-tune). ``--init-from`` (a model.pt or a
     returned bundle folder) initialises the first stage. Each stage also gets train.py
     ``--max-minutes`` (it stops itself with a final evaluation and checkpoint), and is sent SIGTERM
     (train.py saves, then exits) and at last SIGKILL if it overruns.
  4. results in ``$OUT`` (at most 8 files of at most 16 MiB come back): ``train.log`` (this script's lines,
     then every probe's and stage's train.log; refreshed every 15 s, so even a killed command returns it),
     ``result.json`` (status, device, probe rates, per stage: tokens, steps, seconds, stop reason, final
     validation losses, epochs over the packed data; plus the bundle manifest) and the EMA weights as
     float16 chunks ``weights.NNN.bin`` of at most 15 MiB (gpu/bundle.py). ``gpu/import_weights.py``
     turns them back into run folders here.

Options: gpu/device_args.py. The clock, log, $OUT limits and the train.py processes: gpu/session.py.

Usage (from the repository root; normally through device_train.sh):
  OUT=/tmp/out python3 models/recipe/gpu/device_run.py [--objective diffusion|ar|ar+dream] [--minutes 7]
      [--size medium] [--device cuda] [--data .device-data/tok] [--init-from PATH] [--max-tokens N] ...
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from typing import Dict, List, Optional, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
RECIPE = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import bundle as B  # noqa: E402
import pack_data as P  # noqa: E402
from device_args import parse_args  # noqa: E402
from session import BUNDLE_RESERVE_S, RunError, Session, check_out_files, parse_log, run_train  # noqa: E402


# ------------------------------------------------------------------------------------------ data
def prepare_data(s: Session) -> str:
    """A plain token folder: the packed folder unpacked into the scratch folder, or --data itself."""
    src = os.path.abspath(s.args.data)
    if not os.path.isdir(src):
        raise RunError("data folder %s does not exist (here: gpu/pack_data.py pack; device: carry .device-data)" % src)
    if not os.path.exists(os.path.join(src, "pack.json")):
        return src
    dest = os.path.join(s.work, "tok")
    if os.path.exists(dest):
        shutil.rmtree(dest)
    try:
        manifest = P.unpack(src, dest)
    except P.PackError as e:
        raise RunError(str(e))
    s.result["data"] = {k: {"tokens": v["tokens"], "files": v["files"], "of_tokens": v["of_tokens"]}
                        for k, v in manifest["splits"].items()}
    s.log("data: unpacked %s -> %s: train %.1f M tokens (%d files), val %.2f M tokens" % (
        src, dest, manifest["splits"]["train"]["tokens"] / 1e6, manifest["splits"]["train"]["files"],
        manifest["splits"]["val"]["tokens"] / 1e6))
    return dest


def train_tokens(tok_dir: str) -> int:
    with open(os.path.join(tok_dir, "train.meta.json")) as f:
        return int(json.load(f)["tokens"])


# ------------------------------------------------------------------------------------------ stages
def plan_stages(args) -> List[dict]:
    """[{name, objective, logit_shift, lr, share, init}] for --objective."""
    if args.objective == "ar":
        return [dict(name="ar", objective="ar", logit_shift=True, lr=args.lr, share=1.0, init=args.init_from)]
    if args.objective == "diffusion":
        return [dict(name="diffusion", objective="diffusion", logit_shift=args.logit_shift, lr=args.lr, share=1.0,
                     init=args.init_from)]
    if args.objective == "distill":
        return [dict(name="teacher", objective="teacher", logit_shift=True, lr=0.0, share=args.teacher_share,
                     init=args.init_from),
                dict(name="distill", objective="distill", logit_shift=True, lr=args.distill_lr, share=1.0,
                     init=args.init_from)]
    return [dict(name="ar", objective="ar", logit_shift=True, lr=args.lr, share=args.ar_share, init=args.init_from),
            dict(name="dream", objective="diffusion", logit_shift=True, lr=args.dream_lr, share=1.0,
                 init="stage:ar")]


def train_command(args, data: str, stage: dict, run: str, max_tokens: int, max_minutes: float,
                  init_path: Optional[str], max_steps: int = 0, log_every: int = 0) -> List[str]:
    cmd = [sys.executable, os.path.join(RECIPE, "train.py"), "--objective", stage["objective"], "--size", args.size,
           "--device", args.device, "--data", data, "--run", run, "--max-tokens", str(max_tokens),
           "--max-minutes", "%.3f" % max_minutes, "--batch", str(args.batch), "--seq-len", str(args.seq_len),
           "--lr", str(stage["lr"]), "--warmup-tokens", str(max(100, int(args.warmup_share * max_tokens))),
           "--seed", str(args.seed), "--data-workers", str(args.data_workers), "--val-batch", "16",
           "--val-seqs", str(args.val_seqs), "--eval-minutes", str(args.eval_minutes),
           "--ckpt-minutes", str(args.ckpt_minutes), "--log-every", str(log_every or args.log_every),
           "--threads", str(args.threads), "--attention", args.attention, "--snippet-share", str(args.snippet_share)]
    if stage["objective"] == "diffusion" and stage["logit_shift"]:
        cmd.append("--logit-shift")
    if args.compile:
        cmd.append("--compile")
    if stage["objective"] == "distill":
        cmd += ["--trajectories", stage["trajectories"], "--mix-mdlm", str(args.distill_mix)]
    if init_path:
        cmd += ["--init-from", init_path]
    if max_steps:
        cmd += ["--max-steps", str(max_steps)]
    return cmd


def probe_key(stage: dict) -> Tuple[str, bool]:
    """The probe a stage's speed comes from: a student trains as fast as the diffusion model it starts from."""
    if stage["objective"] == "distill":
        return "diffusion", True
    return stage["objective"], stage["logit_shift"]


def run_teacher(s: Session, data: str, stage: dict, seconds: float, init_path: str) -> dict:
    """distill.py trajectories on the device for ``seconds``: the stage record, with the trajectories file."""
    a = s.args
    run = os.path.join(s.work, stage["name"])
    shutil.rmtree(run, ignore_errors=True)
    traj = os.path.join(run, "traj.npz")
    cmd = [sys.executable, os.path.join(RECIPE, "distill.py"), "trajectories", "--teacher", init_path, "--data", data,
           "--out", traj, "--count", str(a.teacher_count), "--per-step", str(a.teacher_per_step), "--max-budget",
           str(a.teacher_max_budget), "--batch", str(a.batch), "--seq-len", str(a.seq_len), "--device", a.device,
           "--threads", str(a.threads), "--max-minutes", "%.3f" % (seconds / 60.0)]
    s.log("stage %s: %.0f s, decoding orders of at most %d middles" % (stage["name"], seconds, a.teacher_count))
    out = run_train(s, cmd, run, min(time.time() + seconds + 30, s.hard_deadline - BUNDLE_RESERVE_S))
    with open(os.path.join(run, "stdout.log"), errors="replace") as f:
        meta = [json.loads(line) for line in f if line.startswith("{")]
    if out["rc"] != 0 or not meta or not os.path.exists(traj):
        raise RunError("stage %s failed (exit %s): see train.log" % (stage["name"], out["rc"]))
    s.log("stage %s: %d middles, %d forwards, %.0f s" % (stage["name"], meta[-1]["count"], meta[-1]["forwards"],
                                                         meta[-1]["seconds"]))
    return {"name": stage["name"], "objective": "teacher", "exit": out["rc"], "wall_seconds": out["wall_seconds"],
            "trajectories": traj, **{k: meta[-1][k] for k in ("count", "forwards", "perStep", "maxBudget")}}


def probe(s: Session, data: str, stage: dict) -> dict:
    """Tokens/s of a stage's settings and the start/finish overhead of one train.py run."""
    a = s.args
    run = os.path.join(s.work, "probe-" + stage["name"])
    shutil.rmtree(run, ignore_errors=True)
    every = max(1, a.probe_steps // 3)
    cmd = train_command(a, data, stage, run, 10**12, 3.0, None, max_steps=a.probe_steps, log_every=every)
    s.log("probe %s: %d steps" % (stage["name"], a.probe_steps))
    out = run_train(s, cmd, run, min(time.time() + 240, s.hard_deadline - BUNDLE_RESERVE_S))
    info = parse_log(out["log"])
    if out["rc"] != 0 or not info["rates"]:
        raise RunError("probe %s failed (exit %s): see %s in train.log" % (stage["name"], out["rc"], run))
    rate = info["rates"][-1]  # the last window: CUDA start-up and first-step costs are behind it
    overhead = max(0.0, out["wall_seconds"] - info["loop_seconds"])
    res = {"tokens_per_second": rate, "overhead_seconds": round(overhead, 1), "wall_seconds": out["wall_seconds"],
           "windows": info["rates"]}
    s.log("probe %s: %.0f tokens/s, start+finish overhead %.1f s" % (stage["name"], rate, overhead))
    return res


def stage_tokens(rate: float, seconds: float, overhead: float, safety: float) -> int:
    """--max-tokens that fill `seconds` of wall time at `rate` after `overhead` (with a safety factor)."""
    return max(1, int(rate * max(0.0, seconds - overhead) * safety))


def resolve_init(s: Session, init: Optional[str], done: Dict[str, dict]) -> Tuple[Optional[str], dict]:
    """(model.pt path, bundle fields) of a stage's initialisation: an earlier stage, a file or a bundle."""
    if not init:
        return None, {}
    if init.startswith("stage:"):
        name = init.split(":", 1)[1]
        return done[name]["model"], {"init_model": name}
    if init in s.inits:
        return s.inits[init]
    s.inits[init] = resolved = resolve_external_init(s, init)
    return resolved


def resolve_external_init(s: Session, init: str) -> Tuple[str, dict]:
    """A model.pt as it is, or a returned bundle folder written back to a model.pt in the scratch folder."""
    path = os.path.abspath(init)
    if os.path.isdir(path):  # a folder returned by an earlier GPU session
        try:
            _, models = B.read_bundle(path)
        except B.BundleError as e:
            raise RunError("--init-from %s: %s" % (init, e))
        name = s.args.init_model or list(models)[-1]
        if name not in models:
            raise RunError("--init-from %s has no model %r (it has %s)" % (init, name, sorted(models)))
        sys.path.insert(0, RECIPE)
        from model import DiffusionLM, ModelConfig, save_checkpoint
        cfg, state, extra = models[name]
        net = DiffusionLM(ModelConfig.from_dict(cfg))
        net.load_state_dict(state)
        path = os.path.join(s.work, "init-%s.pt" % name)
        save_checkpoint(path, net, extra)
    elif not os.path.isfile(path):
        raise RunError("--init-from %s: no such file or bundle folder" % init)
    extra = B.load_model_file(path).get("extra", {})
    keep = {k: extra.get(k) for k in ("objective", "tokens", "train_seconds", "lineage", "hardware") if k in extra}
    return path, {"init_extra": keep}


def probe_rates(s: Session, data: str, stages: List[dict]) -> Dict[Tuple[str, bool], dict]:
    """Every objective's tokens/s, probed before any stage (speed does not depend on the initial weights)."""
    rates: Dict[Tuple[str, bool], dict] = {}
    for st in stages:
        key = probe_key(st)
        if st["objective"] != "teacher" and key not in rates:
            rates[key] = probe(s, data, dict(st, objective=key[0], logit_shift=key[1], name=key[0]))
            s.copy_logs(force=True)
    s.result["probe"] = {"%s%s" % (k[0], "+shift" if k[0] == "diffusion" and k[1] else ""): v
                         for k, v in rates.items()}
    return rates


def planned_tokens(s: Session, st: dict, seconds: float, rates: Dict[Tuple[str, bool], dict]) -> int:
    """A stage's --max-tokens: fixed by --max-tokens, or its probed rate times its time."""
    a = s.args
    if a.max_tokens:
        return a.max_tokens
    r = rates[probe_key(st)]
    return stage_tokens(r["tokens_per_second"], seconds, r["overhead_seconds"] + a.eval_reserve, a.safety)


def run_training_stage(s: Session, data: str, st: dict, seconds: float, tokens: int, init_path: Optional[str],
                       packed: int) -> Tuple[dict, dict, Optional[str]]:
    """train.py for one stage: (its record for result.json, train.py's outcome, its model.pt or None)."""
    run = os.path.join(s.work, st["name"])
    shutil.rmtree(run, ignore_errors=True)
    s.log("stage %s: %.0f s, --max-tokens %d (%.1f epochs of the packed %d train tokens)%s" % (
        st["name"], seconds, tokens, tokens / max(1, packed), packed,
        ", init " + os.path.basename(init_path) if init_path else ""))
    cmd = train_command(s.args, data, st, run, tokens, seconds / 60.0, init_path)
    out = run_train(s, cmd, run, min(time.time() + seconds + 20, s.hard_deadline - BUNDLE_RESERVE_S))
    info = parse_log(out["log"])
    rec = {"name": st["name"], "objective": st["objective"], "logit_shift": st["logit_shift"], "lr": st["lr"],
           "planned_seconds": round(seconds, 1), "planned_tokens": tokens, "exit": out["rc"],
           "wall_seconds": out["wall_seconds"], "stop": info["reason"], "final_eval": info["eval"],
           "terminated": out["terminated"], "killed": out["killed"]}
    model_pt = os.path.join(run, "model.pt")
    saved = os.path.exists(model_pt)
    if saved:
        extra = B.load_model_file(model_pt).get("extra", {})
        rec.update(tokens=extra.get("tokens"), steps=extra.get("step"), train_seconds=extra.get("train_seconds"),
                   epochs=round((extra.get("tokens") or 0) / max(1, packed), 2))
    s.log("stage %s: exit %s, stop %s, %s tokens, final eval %s" % (
        st["name"], out["rc"], info["reason"], rec.get("tokens"), json.dumps(info["eval"])))
    s.copy_logs(force=True)
    return rec, out, model_pt if saved else None


def run_stages(s: Session, data: str) -> List[dict]:
    """Probe, then each stage of --objective in its share of the time; the trained models, in order."""
    a = s.args
    stages = plan_stages(a)
    done: Dict[str, dict] = {}
    packed = train_tokens(data)
    for st in stages:  # an --init-from that does not load fails now, before any GPU time is spent
        if st["init"] and not st["init"].startswith("stage:"):
            resolve_init(s, st["init"], done)
    rates = {} if a.max_tokens else probe_rates(s, data, stages)
    if a.probe_only:
        s.log("probe only: no training")
        return []
    train_end = min(time.time() + a.minutes * 60, s.hard_deadline - BUNDLE_RESERVE_S)
    s.result["stages"] = []
    for i, st in enumerate(stages):
        left = train_end - time.time()
        seconds = left * (st["share"] if i < len(stages) - 1 else 1.0)
        if seconds < 1:
            raise RunError("no time left for stage %s (%.0f s)" % (st["name"], seconds))
        init_path, fields = resolve_init(s, st["init"], done)
        if st["objective"] == "teacher":
            s.result["stages"].append(run_teacher(s, data, st, seconds, init_path))
            continue
        if st["objective"] == "distill":
            st = dict(st, trajectories=s.result["stages"][-1]["trajectories"])
        tokens = planned_tokens(s, st, seconds, rates)
        rec, out, model_pt = run_training_stage(s, data, st, seconds, tokens, init_path, packed)
        rec.update(fields)
        s.result["stages"].append(rec)
        if model_pt is None:
            raise RunError("stage %s left no model.pt (exit %s): see train.log" % (st["name"], out["rc"]))
        done[st["name"]] = {"model": model_pt, "fields": fields}
        if out["rc"] != 0:
            s.result["status"] = "partial"
            break
    return [{"name": n, "path": d["model"], **d["fields"]} for n, d in done.items()]


# ------------------------------------------------------------------------------------------ output
def device_note(args) -> dict:
    """PyTorch version and GPU name (from nvidia-smi: this process leaves CUDA to train.py)."""
    import torch
    info = {"torch": torch.__version__, "device": args.device}
    if args.device == "cuda":
        try:
            info["gpu"] = subprocess.run(["nvidia-smi", "--query-gpu=name,memory.total", "--format=csv,noheader"],
                                         capture_output=True, text=True, timeout=20).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            info["gpu"] = "unknown (no nvidia-smi)"
    return info


def write_models(s: Session, models: List[dict]) -> int:
    """The trained weights as a bundle in $OUT (those of every stage that saved one when the run failed);
    returns 5 when the bundle cannot be written, else 0."""
    if not models and "stages" in s.result:
        models = [{"name": st["name"], "path": os.path.join(s.work, st["name"], "model.pt")}
                  for st in s.result["stages"] if os.path.exists(os.path.join(s.work, st["name"], "model.pt"))]
    if not models:
        return 0
    try:
        s.log("bundle: %s -> %s" % ([m["name"] for m in models], s.out))
        s.result["wall_seconds"] = round(s.elapsed(), 1)
        s.result = B.write_bundle(s.out, models, s.result, chunk_bytes=s.args.chunk_bytes)
    except B.BundleError as e:
        s.log("bundle FAILED: %s" % e)
        s.result.update(status="failed", error=str(e))
        return 5
    return 0


def main(argv=None) -> int:
    args = parse_args(argv)
    s = Session(args)
    status = 0
    models: List[dict] = []
    try:
        s.result.update(device_note(args))
        s.log("start: %s" % json.dumps({k: s.result[k] for k in ("torch", "device", "gpu") if k in s.result}))
        data = prepare_data(s)
        s.write_result()
        models = run_stages(s, data)
        if s.result["status"] == "running":
            s.result["status"] = "ok"
    except RunError as e:
        s.log("FAILED: %s" % e)
        s.result.update(status="failed", error=str(e))
        status = 3
    except Exception as e:  # keep whatever was trained, and say what broke
        s.log("FAILED (unexpected): %r" % e)
        import traceback
        traceback.print_exc()
        s.result.update(status="failed", error=repr(e))
        status = 4
    bundle_status = write_models(s, models)  # always: a failed run still returns what it trained
    status = status or bundle_status
    s.write_result()
    problems = check_out_files(s.out)
    for p in problems:
        s.log("WARNING: %s" % p)
    s.log("done: status %s, %d files in $OUT, %.1f s" % (s.result["status"], len(os.listdir(s.out)), s.elapsed()))
    s.copy_logs(force=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
