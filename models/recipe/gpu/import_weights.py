"""Turn the files a GPU session returned into run folders that ``train.py export --run`` accepts
(models/recipe/README.md, "Training on a GPU session").

Reads a folder written by gpu/device_run.py (``result.json`` + ``weights.NNN.bin``, gpu/bundle.py): checks
every chunk's size and sha256, rebuilds each model from its recorded ModelConfig and float16 weights (as
float32) and writes ``<runs>/<name>/model.pt`` in ``model.save_checkpoint`` format with the ``extra`` that
train.py saved on the device (objective, seq_len, logit_shift, steps, tokens, train_seconds, validation
history, hardware), which is what ``train.py export`` reads for model.json. The initialisation is carried
over for export's lineage fields: a stage initialised from another model of the same bundle (``ar+dream``)
points at that model's imported model.pt; an ``--init-from`` carried to the device is recorded in
``<run>/init-lineage.pt`` (its tokens, seconds and lineage). The session's train.log and result.json are
copied beside each model.pt (``device-train.log``, ``device-result.json``).

Usage:
  PYENV_VERSION=system python3 models/recipe/gpu/import_weights.py --bundle FOLDER --runs /work/d3llm-train/gpu
      [--model NAME]    # -> /work/d3llm-train/gpu/<name>/model.pt for each model (ar, dream, diffusion)
  PYENV_VERSION=system python3 models/recipe/train.py export --run /work/d3llm-train/gpu/dream --fp16-weights ...
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
from typing import List

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))
import bundle as B  # noqa: E402
from model import DiffusionLM, ModelConfig, save_checkpoint  # noqa: E402


def import_model(folder: str, entry: dict, config: dict, state: dict, extra: dict, runs: str):
    """Write <runs>/<name>/model.pt (+ the session's log and result); returns (run folder, network)."""
    run = os.path.join(runs, entry["name"])
    os.makedirs(run, exist_ok=True)
    try:
        net = DiffusionLM(ModelConfig.from_dict(config))
        net.load_state_dict(state)
    except (TypeError, ValueError, RuntimeError) as e:
        raise B.BundleError("model %s does not fit its recorded config: %s" % (entry["name"], e))
    extra = dict(extra)
    extra.update(imported_from=os.path.abspath(folder), weights_transfer="float16")
    if entry.get("init_model"):
        extra["init_from"] = os.path.abspath(os.path.join(runs, entry["init_model"], "model.pt"))
    elif entry.get("init_extra"):
        lineage = os.path.join(run, "init-lineage.pt")
        torch.save({"extra": entry["init_extra"]}, lineage)
        extra["init_from"] = os.path.abspath(lineage)
    else:
        extra["init_from"] = None
    tmp = os.path.join(run, "model.pt.tmp")
    save_checkpoint(tmp, net, extra)
    os.replace(tmp, os.path.join(run, "model.pt"))
    for src, dst in (("train.log", "device-train.log"), (B.MANIFEST, "device-result.json")):
        if os.path.exists(os.path.join(folder, src)):
            shutil.copyfile(os.path.join(folder, src), os.path.join(run, dst))
    return run, net


def import_bundle(folder: str, runs: str, only: str = "") -> List[str]:
    manifest, models = B.read_bundle(folder)
    entries = {m["name"]: m for m in manifest["models"]}
    if only and only not in models:
        raise B.BundleError("%s has no model %r (it has %s)" % (folder, only, sorted(models)))
    done = []
    for name, (config, state, extra) in models.items():  # bundle order: an initialisation comes first
        if only and name != only:
            continue
        run, net = import_model(folder, entries[name], config, state, extra, runs)
        hist = extra.get("history") or [{}]
        print("%s: %s, %.2f M parameters, %s tokens in %s s, final validation %s -> %s/model.pt" % (
            name, extra.get("objective"), net.num_params() / 1e6, extra.get("tokens"), round(extra.get("train_seconds") or 0),
            {k: round(v, 4) for k, v in hist[-1].items() if k.startswith("val_")}, run))
        done.append(run)
    return done


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bundle", required=True, help="folder with result.json and weights.NNN.bin")
    ap.add_argument("--runs", required=True, help="parent folder of the run folders to write")
    ap.add_argument("--model", default="", help="import only this model (default: all)")
    args = ap.parse_args(argv)
    try:
        import_bundle(args.bundle, args.runs, args.model)
    except B.BundleError as e:
        print("import_weights: %s" % e, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
