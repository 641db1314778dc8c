"""Export a DiffusionLM (models/recipe/model.py) to the model contract (docs/model-contract.md).

Graph (opset 17, fp32 I/O, dynamic window length n and cache length p):
  inputs   input_ids int64 [1,n], position_ids int64 [1,n],
           past_key_<i>, past_value_<i> float32 [1,p,kvHeads,headDim]  (p may be 0)
  outputs  entropy float32 [1,n]   (nats, from an in-graph log-softmax),
           token int64 [1,n], confidence float32 [1,n],
           topk_ids int64 [1,n,K], topk_probs float32 [1,n,K]   (K = 5),
           present_key_<i>, present_value_<i> float32 [1,n,kvHeads,headDim]
Full logits never leave the graph. A tied embedding is stored once (the output projection reads it
through a Transpose; ``share_tied_embedding``). Optional fp16 weights (``fp16_weights=True``): float
initialisers are stored as float16 and cast back to float32 at load, so compute and I/O stay fp32.
Files over 2 GB are written with ONNX external data (``model.onnx.data`` beside ``model.onnx``).

API (import from the recipe folder: ``from export_onnx import export_model_dir``)
---
``export_onnx(model, onnx_path, fp16_weights=False, top_k=5)``
    write only model.onnx for a DiffusionLM.
``write_manifest(out_dir, config, model_id, layout, special_tokens, **fields) -> dict``
    write model.json (sha256 of model.onnx and tokenizer.json, which must already be in out_dir).
    fields: license, provenance, training, quality, decoding (merged over DEFAULT_DECODING).
``export_model_dir(model, out_dir, tokenizer_json, model_id, layout="canvas", special_tokens=None,
                   fp16_weights=False, **fields) -> dict``
    the whole folder: copy tokenizer.json, export model.onnx, write model.json. special_tokens
    defaults to the ids of the project's six special strings looked up in tokenizer.json.
``special_tokens_from_tokenizer(tokenizer_json_path) -> dict``

CLI
---
PYENV_VERSION=system python3 models/recipe/export_onnx.py --checkpoint ckpt.pt \
    --tokenizer tokenizer.json --out models/<id> --id <id> [--layout canvas|psm] [--fp16-weights]
    [--provenance "..."] [--license MIT] [--training-json f.json] [--quality-json f.json]
(ckpt.pt as written by model.save_checkpoint; causal / logit_shift come from its config.)
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from typing import Dict, List, Optional

import numpy as np
import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from filehash import sha256_file  # noqa: E402
from model import DiffusionLM, ModelConfig, load_checkpoint  # noqa: E402

OPSET = 17
TOP_K = 5
FORMAT = "d3llm-model/1"
SPECIAL_STRINGS = {
    "pad": "<|pad|>",
    "eos": "<|endofmiddle|>",
    "mask": "<|mask|>",
    "fimPrefix": "<|fim_prefix|>",
    "fimSuffix": "<|fim_suffix|>",
    "fimMiddle": "<|fim_middle|>",
}
DEFAULT_DECODING = {
    "decoder": "d3llm",
    "threshold": 0.5,
    "blockSize": 16,
    "blockAddThreshold": 0.1,
    "fullActivationThreshold": 0.95,
    "cacheDelay": 1,
    "refreshInterval": 0,
}
EXTERNAL_DATA_LIMIT = 2_000_000_000


class ContractGraph(nn.Module):
    """Wraps DiffusionLM with flat past/present tensors and in-graph reductions."""

    def __init__(self, model: DiffusionLM, top_k: int = TOP_K) -> None:
        super().__init__()
        self.model = model
        self.top_k = top_k

    def forward(self, input_ids, position_ids, *past_flat):
        past = [(past_flat[2 * i], past_flat[2 * i + 1]) for i in range(len(past_flat) // 2)]
        logits, present = self.model(input_ids, position_ids, past=past)
        outputs = reduce_logits(logits.float(), self.top_k)
        flat = [t for kv in present for t in kv]
        return (*outputs, *[t.float() for t in flat])


def reduce_logits(logits: torch.Tensor, top_k: int):
    """(entropy, token, confidence, topk_ids, topk_probs) of logits [..., V]; stable log-softmax."""
    logp = torch.log_softmax(logits, dim=-1)
    entropy = -(logp.exp() * logp).sum(-1)
    best_logp, token = logp.max(dim=-1)
    top_logp, top_ids = torch.topk(logp, top_k, dim=-1)
    return entropy, token, best_logp.exp(), top_ids, top_logp.exp()


def io_names(num_layers: int):
    past = [f"past_{kind}_{i}" for i in range(num_layers) for kind in ("key", "value")]
    present = [f"present_{kind}_{i}" for i in range(num_layers) for kind in ("key", "value")]
    inputs = ["input_ids", "position_ids", *past]
    outputs = ["entropy", "token", "confidence", "topk_ids", "topk_probs", *present]
    return inputs, outputs, past, present


def dynamic_axes(num_layers: int) -> Dict[str, Dict[int, str]]:
    inputs, outputs, past, present = io_names(num_layers)
    axes = {name: {1: "n"} for name in ["input_ids", "position_ids", *outputs]}
    axes.update({name: {1: "p"} for name in past})
    return axes


def dummy_inputs(cfg: ModelConfig, n: int = 4, p: int = 3):
    ids = torch.randint(0, cfg.vocab_size, (1, n))
    pos = torch.arange(p, p + n).unsqueeze(0)
    kv = torch.zeros(1, p, cfg.num_kv_heads, cfg.head_dim)
    return (ids, pos, *[kv.clone() for _ in range(2 * cfg.num_layers)])


def export_onnx(model: DiffusionLM, onnx_path: str, fp16_weights: bool = False, top_k: int = TOP_K) -> None:
    """Trace model into onnx_path (opset 17); the model is used in eval mode, fp32."""
    import onnx

    cfg = model.config
    model = model.float().eval()
    graph = ContractGraph(model, top_k)
    inputs, outputs, _, _ = io_names(cfg.num_layers)
    # torch writes models over 2 GB as one external file per tensor next to the .onnx: trace into
    # a scratch folder, then re-save as model.onnx (+ a single model.onnx.data when needed).
    scratch = tempfile.mkdtemp(prefix="export-", dir=os.path.dirname(os.path.abspath(onnx_path)))
    try:
        traced = os.path.join(scratch, "model.onnx")
        with torch.no_grad():
            torch.onnx.export(
                graph, dummy_inputs(cfg), traced, input_names=inputs, output_names=outputs,
                dynamic_axes=dynamic_axes(cfg.num_layers), opset_version=OPSET, do_constant_folding=True,
            )
        proto = onnx.load(traced)
        share_tied_embedding(proto)
        if fp16_weights:
            weights_to_fp16(proto)
        save_onnx(proto, onnx_path)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def share_tied_embedding(proto) -> bool:
    """Store a tied embedding once: tracing with constant folding writes the output projection as its own
    transposed copy of the embedding matrix (6.3 MB at fp16 for 8192 x 384); replace that initialiser with a
    Transpose of the embedding, which onnxruntime folds back into a constant when the session loads.
    Returns whether a copy was found (only an exact transpose counts). An untied head of the same shape
    (Dream 7B's) is told apart on a few values first, without copying the matrices."""
    from onnx import helper

    graph = proto.graph
    inits = {init.name: init for init in graph.initializer}
    gathered = [n.input[0] for n in graph.node if n.op_type == "Gather" and n.input[0] in inits]
    for name in gathered:
        table = initializer_values(inits[name])
        if table.ndim != 2:
            continue
        for init in graph.initializer:
            if list(init.dims) != [table.shape[1], table.shape[0]]:
                continue
            head = initializer_values(init)
            if np.array_equal(head[0, :16], table[:16, 0]) and np.array_equal(head, table.T):
                graph.initializer.remove(init)
                graph.node.insert(0, helper.make_node("Transpose", [name], [init.name], perm=[1, 0],
                                                      name=init.name + "__tied"))
                return True
    return False


def initializer_values(init) -> "np.ndarray":
    """An initialiser's values, without a copy when it is stored as raw float32 bytes."""
    from onnx import TensorProto, numpy_helper

    if init.raw_data and init.data_type == TensorProto.FLOAT:
        return np.frombuffer(init.raw_data, dtype=np.float32).reshape(tuple(init.dims))
    return numpy_helper.to_array(init)


def weights_to_fp16(proto, min_elements: int = 16) -> None:
    """Store float32 initialisers (>= min_elements) as float16 plus a Cast back to float32."""
    from onnx import TensorProto, helper, numpy_helper

    graph = proto.graph
    casts = []
    for init in list(graph.initializer):
        if init.data_type != TensorProto.FLOAT or np.prod(init.dims) < min_elements:
            continue
        name = init.name
        half = numpy_helper.from_array(numpy_helper.to_array(init).astype(np.float16), name + "__fp16")
        graph.initializer.remove(init)
        graph.initializer.append(half)
        casts.append(helper.make_node("Cast", [half.name], [name], to=TensorProto.FLOAT, name=name + "__cast"))
    for i, node in enumerate(casts):
        graph.node.insert(i, node)


def save_onnx(proto, onnx_path: str) -> None:
    """Check and save; weights go to model.onnx.data when the file would pass 2 GB."""
    import onnx

    data_name = os.path.basename(onnx_path) + ".data"
    data_path = os.path.join(os.path.dirname(onnx_path), data_name)
    if os.path.exists(data_path):
        os.remove(data_path)
    if sum(len(t.raw_data) for t in proto.graph.initializer) > EXTERNAL_DATA_LIMIT:
        onnx.save_model(proto, onnx_path, save_as_external_data=True, all_tensors_to_one_file=True,
                        location=data_name, size_threshold=1024)
        onnx.checker.check_model(onnx_path)
    else:
        onnx.checker.check_model(proto)
        onnx.save_model(proto, onnx_path)


def special_tokens_from_tokenizer(tokenizer_json: str) -> Dict[str, Optional[int]]:
    """Ids of the project's six special strings (added_tokens of tokenizer.json); bos = None."""
    with open(tokenizer_json, encoding="utf-8") as f:
        tok = json.load(f)
    added = {t["content"]: t["id"] for t in tok.get("added_tokens", [])}
    missing = [s for s in SPECIAL_STRINGS.values() if s not in added]
    if missing:
        raise ValueError(f"{tokenizer_json}: special tokens missing from added_tokens: {missing}")
    ids: Dict[str, Optional[int]] = {key: added[s] for key, s in SPECIAL_STRINGS.items()}
    ids["bos"] = None
    return ids


def write_manifest(out_dir: str, config: ModelConfig, model_id: str, layout: str,
                   special_tokens: Dict[str, Optional[int]], license: str = "MIT", provenance: str = "",
                   training: Optional[dict] = None, quality: Optional[dict] = None,
                   decoding: Optional[dict] = None, architecture: str = "qwen2") -> dict:
    if layout not in ("canvas", "psm"):
        raise ValueError("layout must be 'canvas' or 'psm'")
    manifest = {
        "format": FORMAT,
        "id": model_id,
        "architecture": architecture,
        "numLayers": config.num_layers,
        "hiddenSize": config.hidden_size,
        "numHeads": config.num_heads,
        "numKvHeads": config.num_kv_heads,
        "headDim": config.head_dim,
        "intermediateSize": config.intermediate_size,
        "vocabSize": config.vocab_size,
        "maxPositions": config.max_positions,
        "ropeTheta": config.rope_theta,
        "topK": TOP_K,
        "logitShift": bool(config.logit_shift),
        "causal": bool(config.causal),
        "layout": layout,
        "specialTokens": dict(special_tokens),
        "decoding": {**DEFAULT_DECODING, **(decoding or {})},
        "license": license,
        "provenance": provenance,
        "training": training or {},
        "quality": quality or {},
        "sha256": {name: sha256_file(os.path.join(out_dir, name)) for name in ("model.onnx", "tokenizer.json")},
    }
    data = os.path.join(out_dir, "model.onnx.data")
    if os.path.exists(data):
        manifest["sha256"]["model.onnx.data"] = sha256_file(data)
    with open(os.path.join(out_dir, "model.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    return manifest


def export_model_dir(model: DiffusionLM, out_dir: str, tokenizer_json: str, model_id: str,
                     layout: str = "canvas", special_tokens: Optional[dict] = None,
                     fp16_weights: bool = False, **fields) -> dict:
    """Write out_dir/{model.onnx, tokenizer.json, model.json}; returns the manifest."""
    os.makedirs(out_dir, exist_ok=True)
    dest_tok = os.path.join(out_dir, "tokenizer.json")
    if os.path.abspath(tokenizer_json) != os.path.abspath(dest_tok):
        shutil.copyfile(tokenizer_json, dest_tok)
    if special_tokens is None:
        special_tokens = special_tokens_from_tokenizer(dest_tok)
    export_onnx(model, os.path.join(out_dir, "model.onnx"), fp16_weights=fp16_weights)
    return write_manifest(out_dir, model.config, model_id, layout, special_tokens, **fields)


def _load_json_arg(path: Optional[str]) -> Optional[dict]:
    if not path:
        return None
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def main(argv: Optional[List[str]] = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--checkpoint", required=True, help="file written by model.save_checkpoint")
    ap.add_argument("--tokenizer", required=True, help="tokenizer.json")
    ap.add_argument("--out", required=True, help="output folder")
    ap.add_argument("--id", required=True, help="model id for model.json")
    ap.add_argument("--layout", default="canvas", choices=["canvas", "psm"])
    ap.add_argument("--fp16-weights", action="store_true")
    ap.add_argument("--license", default="MIT")
    ap.add_argument("--provenance", default="")
    ap.add_argument("--training-json")
    ap.add_argument("--quality-json")
    ap.add_argument("--decoding-json")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    model, _ = load_checkpoint(args.checkpoint)
    manifest = export_model_dir(
        model, args.out, args.tokenizer, args.id, layout=args.layout, fp16_weights=args.fp16_weights,
        license=args.license, provenance=args.provenance, training=_load_json_arg(args.training_json),
        quality=_load_json_arg(args.quality_json), decoding=_load_json_arg(args.decoding_json),
    )
    print(json.dumps({"out": args.out, "sha256": manifest["sha256"]}, indent=2))


if __name__ == "__main__":
    main()
