"""Recover PyTorch weights from an exported model folder (issue 3: resumable training).

A model folder written by ``export_onnx.export_model_dir`` holds the full fp32 (or fp16, read back as
fp32) weights inside ``model.onnx``, but the tracer names most matrices anonymously (``onnx::MatMul_824``, stored transposed).
To map them back without guessing, this script builds a network of the same configuration with random
weights, exports it through the same exporter, and pairs each initialiser of that trace with the parameter
it equals (directly or transposed). The traced graph of the same code and configuration has the same
initialiser names, so the pairing carries over to the shipped file; every parameter must be covered and
every shape must agree, or the script refuses. (Tensors with identical values, such as the all-ones norms
of an untrained network, may be merged by the tracer; trained weights never are.)

The result is a ``model.save_checkpoint`` file: ``train.py --init-from`` continues training from it when
the original run folder is gone (the shipped models are the only copy that survives a new machine). With
``--bundle DIR`` the weights are (also) written as a float16 weight bundle (gpu/bundle.py, 31.5 MB for the
medium network instead of 63 MB of float32), the form a GPU session carries: ``device_train.sh --init-from DIR``.

Usage:
  PYENV_VERSION=system python3 models/recipe/recover_from_onnx.py --model-dir models/d3llm-tiny-code \
      (--out /work/d3llm-train/dream-resume/init.pt | --bundle .device-data/init) [--max-positions 1024]
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from typing import Dict, Tuple

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from export_onnx import export_onnx  # noqa: E402
from model import DiffusionLM, ModelConfig, save_checkpoint  # noqa: E402


def config_from_manifest(manifest: dict, max_positions: int, tie: bool) -> ModelConfig:
    """The network configuration recorded in model.json (it does not record tying: see ``recover``)."""
    return ModelConfig(
        vocab_size=manifest["vocabSize"], hidden_size=manifest["hiddenSize"], num_layers=manifest["numLayers"],
        num_heads=manifest["numHeads"], num_kv_heads=manifest["numKvHeads"],
        intermediate_size=manifest["intermediateSize"], max_positions=max_positions or manifest["maxPositions"],
        rope_theta=manifest.get("ropeTheta", 10000.0), tie_embeddings=tie,
        causal=bool(manifest.get("causal")), logit_shift=bool(manifest.get("logitShift")),
    )


FP16_SUFFIX = "__fp16"


def initializers(path: str) -> Dict[str, np.ndarray]:
    """Initialisers as float32 under their traced names (an ``--fp16-weights`` export stores ``name__fp16``
    plus a Cast back to ``name``: the value is widened and the name restored)."""
    import onnx
    from onnx import numpy_helper

    proto = onnx.load(path)
    out: Dict[str, np.ndarray] = {}
    for init in proto.graph.initializer:
        name = init.name[: -len(FP16_SUFFIX)] if init.name.endswith(FP16_SUFFIX) else init.name
        out[name] = numpy_helper.to_array(init).astype(np.float32)
    return out


def trace_pairing(model: DiffusionLM) -> Dict[str, Tuple[str, bool]]:
    """Initialiser name -> (parameter name, transposed) for the exporter's trace of this configuration."""
    with tempfile.TemporaryDirectory(prefix="recover-") as scratch:
        traced_path = os.path.join(scratch, "model.onnx")
        export_onnx(model, traced_path)
        traced = initializers(traced_path)
    params = {k: v.detach().numpy() for k, v in model.state_dict().items()}
    pairing: Dict[str, Tuple[str, bool]] = {}
    for name, arr in traced.items():
        for pname, p in params.items():
            if arr.shape == p.shape and np.array_equal(arr, p):
                pairing[name] = (pname, False)
                break
            if arr.ndim == 2 and arr.shape == p.T.shape and np.array_equal(arr, p.T):
                pairing[name] = (pname, True)
                break
    return pairing


def recover(model_dir: str, max_positions: int = 0) -> Tuple[DiffusionLM, dict]:
    """The network of an exported folder, tied embeddings or not (whichever trace matches model.onnx)."""
    with open(os.path.join(model_dir, "model.json"), encoding="utf-8") as f:
        manifest = json.load(f)
    shipped = initializers(os.path.join(model_dir, "model.onnx"))
    try:
        return _recover_with(config_from_manifest(manifest, max_positions, tie=True), shipped), manifest
    except ValueError:
        return _recover_with(config_from_manifest(manifest, max_positions, tie=False), shipped), manifest


def without_transposed_copies(shipped: Dict[str, np.ndarray], pairing: Dict[str, Tuple[str, bool]]
                              ) -> Dict[str, np.ndarray]:
    """The shipped initialisers less those the trace does not have that are the exact transpose of one it has:
    exports before 2026-11-28 stored a tied embedding a second time, transposed, for the output projection."""
    kept = dict(shipped)
    for name in set(shipped) - set(pairing):
        arr = shipped[name]
        if arr.ndim == 2 and any(shipped[k].shape == arr.T.shape and np.array_equal(shipped[k], arr.T)
                                 for k in pairing if k in shipped):
            del kept[name]
    return kept


def _recover_with(cfg: ModelConfig, shipped: Dict[str, np.ndarray]) -> DiffusionLM:
    torch.manual_seed(0)
    probe = DiffusionLM(cfg)
    with torch.no_grad():  # distinct values everywhere, so that every pairing is unambiguous
        for p in probe.parameters():
            p.copy_(torch.randn_like(p))
    pairing = trace_pairing(probe)
    shipped = without_transposed_copies(shipped, pairing)
    if set(shipped) != set(pairing):
        missing = sorted(set(shipped) ^ set(pairing))[:5]
        raise ValueError("model.onnx does not match the exporter's trace of model.json (e.g. %s)" % missing)
    state = {k: v.clone() for k, v in probe.state_dict().items()}
    covered = set()
    for name, (pname, transposed) in pairing.items():
        arr = shipped[name].T if transposed else shipped[name]
        if tuple(arr.shape) != tuple(state[pname].shape):
            raise ValueError("shape mismatch for %s (%s)" % (pname, name))
        state[pname] = torch.from_numpy(np.ascontiguousarray(arr))
        covered.add(pname)
    if cfg.tie_embeddings and "lm_head.weight" in state:  # one tensor under two names
        state["lm_head.weight"] = state["embed_tokens.weight"]
        covered.add("lm_head.weight")
    uncovered = sorted(set(state) - covered)
    if uncovered:
        raise ValueError("parameters not found in model.onnx: %s" % uncovered[:5])
    model = DiffusionLM(cfg)
    model.load_state_dict(state)
    return model


def lineage_extra(manifest: dict, model_dir: str) -> dict:
    """What train.py export reports about an initialisation: tokens and seconds of the whole lineage."""
    training = manifest.get("training", {})
    objective = "ar" if manifest.get("causal") else "diffusion"
    own = "%s %s tokens" % (training.get("tokens"), objective)
    earlier = training.get("initialisedFrom")
    sha = manifest.get("sha256")
    sha = sha.get("model.onnx") if isinstance(sha, dict) else sha
    return {
        "objective": objective,
        "tokens": training.get("tokensIncludingInitialisation") or training.get("tokens"),
        "train_seconds": training.get("trainSecondsIncludingInitialisation") or training.get("trainSeconds"),
        "lineage": "%s (model.onnx sha256 %s): %s" % (manifest.get("id"), str(sha)[:12], "%s, then %s" % (earlier, own) if earlier else own),
        "recovered_from": os.path.abspath(model_dir),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model-dir", required=True, help="exported folder: model.onnx + model.json")
    ap.add_argument("--out", help="model.pt to write (model.save_checkpoint format)")
    ap.add_argument("--bundle", help="folder to write a float16 weight bundle to (gpu/bundle.py; model name 'dream' "
                                     "or 'ar' by the model's attention)")
    ap.add_argument("--max-positions", type=int, default=1024,
                    help="rotary table size of the recovered network (training used 1024; 0 = model.json)")
    args = ap.parse_args()
    if not args.out and not args.bundle:
        ap.error("give --out FILE.pt, --bundle DIR, or both")
    try:
        model, manifest = recover(args.model_dir, args.max_positions)
    except (ValueError, OSError) as e:
        raise SystemExit("cannot recover weights from %s: %s" % (args.model_dir, e))
    extra = lineage_extra(manifest, args.model_dir)
    with tempfile.TemporaryDirectory(prefix="recover-") as scratch:
        out = args.out or os.path.join(scratch, "model.pt")
        os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
        save_checkpoint(out, model, extra)
        if args.bundle:
            write_bundle_of(out, args.bundle, "ar" if model.config.causal else "dream")
    print("recovered %d parameters from %s -> %s" % (model.num_params(), args.model_dir,
                                                     " and ".join(p for p in (args.out, args.bundle) if p)))


def write_bundle_of(checkpoint: str, folder: str, name: str) -> None:
    """A one-model float16 bundle of a checkpoint (what ``device_run.py --init-from`` reads)."""
    sys.path.insert(0, os.path.join(HERE, "gpu"))
    import bundle  # noqa: E402

    bundle.write_bundle(folder, [{"name": name, "path": checkpoint}], {"source": "recover_from_onnx.py"})


if __name__ == "__main__":
    main()
