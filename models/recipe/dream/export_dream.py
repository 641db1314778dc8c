"""Export a Dream / d3LLM-Coder (Qwen2-architecture) checkpoint folder to the model contract.

Implements the checkpoint exporter of /work/shared/design/architecture.md §4 using the checkpoint
facts of /work/shared/reference/d3llm-reference.md §5: Qwen2 blocks (RMSNorm, GQA with q/k/v bias
and no o bias, RoPE, SwiGLU), non-causal attention, shifted logits (row i predicts position i+1),
mask id 151666 and EOS 151643 unless the folder's config says otherwise.

Input folder: config.json, weights as *.safetensors shards (F32/F16/BF16, read by our own
safetensors_io) or pytorch_model*.bin, tokenizer.json, optional generation_config.json.
Output folder: model.onnx (+ model.onnx.data above 2 GB), tokenizer.json (copied after checking
its added tokens), model.json.

Usage:
  PYENV_VERSION=system python3 models/recipe/dream/export_dream.py CHECKPOINT_DIR OUT_DIR
      [--id d3llm-dream-coder] [--fp16-weights] [--license ...] [--provenance ...]

API: ``load_dream(folder) -> (DiffusionLM, info)``; ``export_dream(folder, out_dir, ...) -> manifest``.
See docs/exporting-dream.md for memory and file sizes.
"""

import argparse
import glob
import json
import os
import re
import sys
from typing import Dict, Iterator, Optional, Tuple

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)
from export_onnx import export_model_dir  # noqa: E402
from model import DiffusionLM, ModelConfig  # noqa: E402
import safetensors_io  # noqa: E402

DEFAULT_MASK_ID = 151666
DEFAULT_EOS_ID = 151643
FIM_STRINGS = {"fimPrefix": "<|fim_prefix|>", "fimSuffix": "<|fim_suffix|>", "fimMiddle": "<|fim_middle|>"}
LAYER_KEY = re.compile(
    r"^layers\.\d+\.(input_layernorm\.weight|post_attention_layernorm\.weight|"
    r"self_attn\.[qkv]_proj\.(weight|bias)|self_attn\.o_proj\.weight|mlp\.(gate|up|down)_proj\.weight)$")


def read_json(path: str) -> dict:
    if not os.path.exists(path):
        return {}
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def config_from_hf(hf: dict) -> ModelConfig:
    """Map a Qwen2/Dream config.json onto ModelConfig (non-causal, shifted logits)."""
    if hf.get("rope_scaling"):
        raise ValueError(f"rope_scaling {hf['rope_scaling']} is not supported")
    if hf.get("hidden_act", "silu") != "silu":
        raise ValueError(f"hidden_act {hf['hidden_act']} is not supported (SwiGLU with silu only)")
    heads = hf["num_attention_heads"]
    return ModelConfig(
        vocab_size=hf["vocab_size"], hidden_size=hf["hidden_size"], num_layers=hf["num_hidden_layers"],
        num_heads=heads, num_kv_heads=hf.get("num_key_value_heads", heads),
        intermediate_size=hf["intermediate_size"], max_positions=hf.get("max_position_embeddings", 32768),
        rope_theta=float(hf.get("rope_theta", 10000.0)), tie_embeddings=bool(hf.get("tie_word_embeddings", False)),
        causal=False, logit_shift=True, rms_eps=float(hf.get("rms_norm_eps", 1e-6)),
    )


def first_id(value) -> Optional[int]:
    if isinstance(value, list):
        return value[0] if value else None
    return value


def special_ids(hf: dict, gen: dict) -> Dict[str, Optional[int]]:
    """mask / eos / pad / bos from generation_config.json, then config.json, then Dream defaults."""
    def pick(key):
        for source in (gen, hf):
            if first_id(source.get(key)) is not None:
                return first_id(source.get(key))
        return None
    mask = pick("mask_token_id")
    eos = pick("eos_token_id")
    mask = DEFAULT_MASK_ID if mask is None else mask
    eos = DEFAULT_EOS_ID if eos is None else eos
    pad = pick("pad_token_id")
    return {"pad": eos if pad is None else pad, "eos": eos, "mask": mask, "bos": pick("bos_token_id")}


def weight_files(folder: str) -> Tuple[str, list]:
    st = sorted(glob.glob(os.path.join(folder, "*.safetensors")))
    if st:
        return "safetensors", st
    bins = sorted(glob.glob(os.path.join(folder, "pytorch_model*.bin")))
    if bins:
        return "bin", bins
    raise FileNotFoundError(f"{folder}: no *.safetensors or pytorch_model*.bin")


def iter_weights(folder: str) -> Iterator[Tuple[str, torch.Tensor]]:
    """(HF name, float32 tensor) for every tensor of every shard, one shard at a time."""
    kind, files = weight_files(folder)
    for path in files:
        if kind == "safetensors":
            yield from safetensors_io.iter_tensors(path, torch.float32)
        else:
            for name, t in torch.load(path, map_location="cpu").items():
                yield name, t.float() if t.is_floating_point() else t


def map_name(hf_name: str) -> Optional[str]:
    """Qwen2 weight name -> model.py parameter name; None for tensors we do not use."""
    if hf_name == "lm_head.weight":
        return hf_name
    if not hf_name.startswith("model."):
        return None
    name = hf_name[len("model."):]
    if name in ("embed_tokens.weight", "norm.weight") or LAYER_KEY.match(name):
        return name
    return None


def load_dream(folder: str) -> Tuple[DiffusionLM, dict]:
    """Build the PyTorch model from a checkpoint folder; info holds the HF configs and special ids."""
    hf = read_json(os.path.join(folder, "config.json"))
    gen = read_json(os.path.join(folder, "generation_config.json"))
    if not hf:
        raise FileNotFoundError(f"{folder}/config.json is missing")
    cfg = config_from_hf(hf)
    model = DiffusionLM(cfg)
    params = dict(model.named_parameters())
    seen, ignored = set(), []
    with torch.no_grad():
        for hf_name, tensor in iter_weights(folder):
            name = map_name(hf_name)
            if name is None or name not in params:
                ignored.append(hf_name)
                continue
            if tuple(tensor.shape) != tuple(params[name].shape):
                raise ValueError(f"{hf_name}: shape {tuple(tensor.shape)}, model expects {tuple(params[name].shape)}")
            params[name].copy_(tensor)
            seen.add(name)
    if cfg.tie_embeddings:
        seen.add("lm_head.weight")
    missing = sorted(set(params) - seen)
    if missing:
        raise ValueError(f"checkpoint lacks {len(missing)} tensors, e.g. {missing[:5]}")
    unexpected = [n for n in ignored if "rotary_emb" not in n]
    if unexpected:
        print(f"note: ignored {len(unexpected)} tensors, e.g. {unexpected[:3]}", file=sys.stderr)
    return model.eval(), {"hf_config": hf, "generation_config": gen, "special": special_ids(hf, gen)}


def check_tokenizer(path: str, special: Dict[str, Optional[int]], vocab_size: int) -> Dict[str, Optional[int]]:
    """Check that tokenizer.json has the mask / eos ids; return ids of the FIM tokens (or None)."""
    tok = read_json(path)
    if not tok:
        raise FileNotFoundError(f"{path} is missing (export needs a Hugging Face tokenizer.json)")
    added = {t["id"]: t["content"] for t in tok.get("added_tokens", [])}
    by_content = {v: k for k, v in added.items()}
    vocab = tok.get("model", {}).get("vocab", {})
    known = set(added) | set(vocab.values())
    for key in ("mask", "eos", "pad", "bos"):
        tid = special[key]
        if tid is not None and tid not in known:
            raise ValueError(f"tokenizer.json has no token with id {tid} ({key})")
        if tid is not None and tid >= vocab_size:
            raise ValueError(f"{key} id {tid} >= model vocab {vocab_size}")
    if added.get(special["mask"]) not in (None, "<|mask|>"):
        print(f"note: mask id {special['mask']} is {added[special['mask']]!r}", file=sys.stderr)
    return {key: by_content.get(s) for key, s in FIM_STRINGS.items()}


def export_dream(folder: str, out_dir: str, model_id: str = "d3llm-dream-coder", fp16_weights: bool = False,
                 license: str = "see the checkpoint's model card", provenance: Optional[str] = None) -> dict:
    model, info = load_dream(folder)
    tok_path = os.path.join(folder, "tokenizer.json")
    fim = check_tokenizer(tok_path, info["special"], model.config.vocab_size)
    special = {**{k: info["special"][k] for k in ("pad", "eos", "mask")}, **fim, "bos": info["special"]["bos"]}
    provenance = provenance or f"Exported by models/recipe/dream/export_dream.py from {os.path.abspath(folder)}"
    return export_model_dir(
        model, out_dir, tok_path, model_id, layout="canvas", special_tokens=special, fp16_weights=fp16_weights,
        license=license, provenance=provenance,
        training={"source": "checkpoint", "model_type": info["hf_config"].get("model_type"),
                  "architectures": info["hf_config"].get("architectures")},
        architecture="qwen2",
    )


def main() -> None:
    ap = argparse.ArgumentParser(description="Export a Dream/Qwen2 checkpoint folder to the model contract")
    ap.add_argument("checkpoint_dir")
    ap.add_argument("out_dir")
    ap.add_argument("--id", default="d3llm-dream-coder")
    ap.add_argument("--fp16-weights", action="store_true", help="store weights as float16 (compute stays fp32)")
    ap.add_argument("--license", default="see the checkpoint's model card")
    ap.add_argument("--provenance")
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    manifest = export_dream(args.checkpoint_dir, args.out_dir, args.id, args.fp16_weights, args.license,
                            args.provenance)
    print(json.dumps({"out": args.out_dir, "specialTokens": manifest["specialTokens"], "sha256": manifest["sha256"]},
                     indent=2))


if __name__ == "__main__":
    main()
