"""``train.py export``: a run's EMA weights to the model contract (issue 3, "Export", "Ship";
docs/model-contract.md).

The graph comes from export_onnx.export_model_dir; this module writes what model.json says of the run: the
objective, tokens, time, hardware, losses, initialisation (the AR twin for a Dream-style adaptation, the
teacher for a distilled student, or the exported model a run was recovered from), the corpus with every
source's licence, and the tokenizer's statistics.
"""
from __future__ import annotations

import json
import os
import sys
from typing import Optional

from model import load_checkpoint, torch_load

HERE = os.path.dirname(os.path.abspath(__file__))
CPU_HARDWARE = "1 CPU core, fp32, PyTorch 1.13 (Debian)"
OBJECTIVES = {
    "diffusion": ("MDLM masked diffusion (1/t-weighted masked CE on middles + <|endofmiddle|> padding; "
                  "single FIM, continuation, multi-span layouts)"),
    "diffusion-shifted": ("MDLM masked diffusion with shifted logits (Dream convention: row i-1 predicts masked "
                          "position i), bidirectional; same layouts"),
    "ar": "autoregressive next-token CE, PSM fill-in-the-middle + plain left-to-right",
    "distill": ("d3LLM pseudo-trajectory distillation (distill.py: the teacher's decoding order on "
                "training-split middles, block and mask-ratio curricula, CE + entropy on right tokens)"),
}


def objective_text(extra: dict) -> str:
    """model.json's training.objective for a run's recorded objective."""
    if extra["objective"] == "distill":
        return OBJECTIVES["distill"]
    if extra.get("logit_shift"):
        return OBJECTIVES["diffusion-shifted"]
    return OBJECTIVES["diffusion" if extra["objective"] == "diffusion" else "ar"]


def tokenizer_stats(tokenizer_path: str) -> dict:
    """tokenizer-stats.json written beside the tokenizer (or in ../tokenizer of a pretokenized folder), if any."""
    tdir = os.path.dirname(os.path.abspath(tokenizer_path))
    for path in (os.path.join(tdir, "tokenizer-stats.json"),
                 os.path.join(tdir, "..", "tokenizer", "tokenizer-stats.json")):
        if os.path.exists(path):
            with open(path) as f:
                return json.load(f)
    return {}


def corpus_record(sources: dict) -> dict:
    """The corpus totals, licences and kept sources of corpus/sources.json."""
    kept = [s for s in sources["sources"] if s.get("status") == "kept"]
    return {"totals": sources["totals"], "byLicence": sources["by_licence"],
            "sources": [{"name": s["name"], "registry": s["registry"], "version": s.get("version"),
                         "licence": s["licence"]} for s in kept],
            "benchmarkExclusion": sources["benchmark_exclusion"]}


def initialisation_record(extra: dict) -> dict:
    """Where a run's weights started: fields for model.json's training record (empty for a run from scratch)."""
    if not (extra.get("init_from") and os.path.exists(extra["init_from"])):
        return {}
    src = torch_load(extra["init_from"]).get("extra", {})
    if src.get("lineage"):  # a model recovered from an exported folder (recover_from_onnx.py)
        record = {"initialisedFrom": "%s; recovered from its model.onnx and trained on" % src["lineage"]}
    else:
        how = ("the teacher, distilled" if extra["objective"] == "distill"
               else "AR-to-diffusion adaptation as in Dream 7B")
        record = {"initialisedFrom": "%s weights after %s tokens (%s)" % (src.get("objective"), src.get("tokens"),
                                                                          how)}
    record["tokensIncludingInitialisation"] = extra["tokens"] + int(src.get("tokens") or 0)
    if src.get("train_seconds"):
        record["trainSecondsIncludingInitialisation"] = round(extra["train_seconds"] + src["train_seconds"])
    return record


def training_record(extra: dict, trained_ctx: int, sources: dict, tokenizer_path: str,
                    training_json: Optional[str]) -> dict:
    """model.json's ``training``: objective, budget, time, losses, corpus, tokenizer, initialisation."""
    hist = extra.get("history", [])
    stats = tokenizer_stats(tokenizer_path)
    training = {
        "objective": objective_text(extra),
        "steps": extra["step"], "tokens": extra["tokens"], "trainSeconds": round(extra["train_seconds"]),
        "seqLen": trained_ctx, "weights": "EMA (decay 0.999)", "hardware": extra.get("hardware") or CPU_HARDWARE,
        "trainLoss": next((h["train_loss"] for h in reversed(hist) if "train_loss" in h), None),
        "validation": hist[-1] if hist else None,
        "corpus": corpus_record(sources),
        "tokenizer": {"type": "byte-level BPE", "vocabSize": stats.get("vocabSize", 8192),
                      "trainedOnBytes": stats.get("sample", {}).get("bytes"),
                      "bytesPerToken": stats.get("check", {}).get("bytesPerToken")},
    }
    if extra.get("snippet_share"):
        training["snippetShare"] = extra["snippet_share"]  # windows cut to 2-12 lines (data.snippet)
    if extra.get("batch"):
        training["batchSequences"] = extra["batch"]
    training.update(initialisation_record(extra))
    if training_json:
        with open(training_json) as f:
            training.update(json.load(f))
    return training


def provenance_text(sources: dict, run: str) -> str:
    """model.json's ``provenance`` sentence: which script trained it, on how much code, under which licences."""
    how = "gpu/device_train.sh on a GPU" if os.path.exists(os.path.join(run, "device-result.json")) else "run_all.sh"
    return ("Trained from scratch by models/recipe (" + how + ") on %.0f MB of permissively licensed source code "
            "(Python from Debian packages and the Python standard library, TypeScript/JavaScript from npm "
            "packages; licences %s); HumanEval-Infilling excluded. See training.corpus for every source."
            % (sum(v["bytes"] for v in sources["totals"].values()) / 1e6, ", ".join(sorted(sources["by_licence"]))))


def export(args) -> None:
    """Export a run's EMA weights (model.pt) to the model contract with export_onnx.py."""
    from export_onnx import export_model_dir
    if not os.path.exists(os.path.join(args.run, "model.pt")):
        sys.exit("export: %s has no model.pt (a training run folder, or one made by gpu/import_weights.py)" % args.run)
    model, extra = load_checkpoint(os.path.join(args.run, "model.pt"))
    model.eval()
    # The engine fills maxPositions with context; advertise the window length the model was trained on
    # (RoPE positions beyond it were never seen). The graph itself accepts any position.
    trained_ctx = int(extra.get("seq_len", 256))
    model.config.max_positions = args.max_positions or min(model.config.max_positions, trained_ctx)
    with open(os.path.join(HERE, "corpus", "sources.json")) as f:
        sources = json.load(f)
    training = training_record(extra, trained_ctx, sources, args.tokenizer, args.training_json)
    layout = "psm" if extra["objective"] == "ar" else "canvas"
    quality = {}
    if args.quality_json:
        with open(args.quality_json) as f:
            quality = json.load(f)
    fields = {} if layout == "canvas" else {"decoding": {"decoder": "ar"}}
    man = export_model_dir(model, args.out, args.tokenizer, args.id or os.path.basename(args.out.rstrip("/")),
                           layout=layout, license="MIT", provenance=provenance_text(sources, args.run),
                           training=training, quality=quality, fp16_weights=args.fp16_weights, **fields)
    print(json.dumps({k: man[k] for k in ("id", "layout", "sha256") if k in man}, indent=1))
