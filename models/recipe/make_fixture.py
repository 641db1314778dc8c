"""Build the random-weight test fixtures in test/fixtures/models/ (docs/model-contract.md).

Variants (2 layers, hidden 64, 4 heads, 2 KV heads, intermediate 128, vocab 512, 1024 positions):
  tiny-random         causal false, logitShift false, layout canvas  (diffusion-style)
  tiny-random-causal  causal true,  logitShift true,  layout psm     (autoregressive twin style)
Weights are random from a fixed seed, scaled so that outputs are peaked (entropies and confidences
vary across rows, argmax ties are unlikely). Both share one tokenizer.json: byte-level BPE, vocab
512, trained by models/recipe/corpus/train_tokenizer.js (--style fixture) on a few Python 3.11 stdlib
files and checked by models/recipe/corpus/check_tokenizer.js.

Usage:  PYENV_VERSION=system python3 models/recipe/make_fixture.py [--out test/fixtures/models]
        [--variant tiny-random ...] [--retrain-tokenizer]
``build_model(variant)`` rebuilds a variant's PyTorch model exactly (used by parity/reference.py).
"""

import argparse
import os
import subprocess
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
from export_onnx import export_model_dir  # noqa: E402
from model import DiffusionLM, ModelConfig  # noqa: E402

BASE = dict(vocab_size=512, hidden_size=64, num_layers=2, num_heads=4, num_kv_heads=2,
            intermediate_size=128, max_positions=1024, rope_theta=10000.0, tie_embeddings=False)
VARIANTS = {
    "tiny-random": dict(seed=1001, causal=False, logit_shift=False, layout="canvas"),
    "tiny-random-causal": dict(seed=1002, causal=True, logit_shift=True, layout="psm"),
}
TOKENIZER_CORPUS = [f"/usr/lib/python3.11/{name}" for name in
                    ("textwrap.py", "json/decoder.py", "json/encoder.py", "string.py", "bisect.py", "heapq.py")]
TOKENIZER_SAMPLE = "/usr/lib/python3.11/shlex.py"


def build_model(variant: str) -> DiffusionLM:
    """The fixture's PyTorch model, bit-identical on every call (fixed seed)."""
    v = VARIANTS[variant]
    cfg = ModelConfig(**BASE, causal=v["causal"], logit_shift=v["logit_shift"])
    torch.manual_seed(v["seed"])
    model = DiffusionLM(cfg)
    randomise(model)
    return model.eval()


@torch.no_grad()
def randomise(model: DiffusionLM) -> None:
    """Scale weights so activations keep unit size and logits have std ~3."""
    for name, p in model.named_parameters():
        if name.endswith("norm.weight"):
            p.copy_(1.0 + 0.1 * torch.randn_like(p))
        elif name.endswith("bias"):
            p.copy_(0.1 * torch.randn_like(p))
        elif name == "embed_tokens.weight":
            p.normal_(std=1.0)
        elif name == "lm_head.weight":
            p.normal_(std=0.4)
        else:
            p.normal_(std=p.shape[1] ** -0.5)


def train_tokenizer(path: str) -> None:
    script = os.path.join(HERE, "corpus", "train_tokenizer.js")
    subprocess.run(["node", script, "--style", "fixture", "--vocab", str(BASE["vocab_size"]), "--out", path,
                    *TOKENIZER_CORPUS], check=True, cwd=ROOT)
    check = os.path.join(HERE, "corpus", "check_tokenizer.js")
    subprocess.run(["node", check, path, TOKENIZER_SAMPLE], check=True, cwd=ROOT)


def provenance(variant: str) -> str:
    corpus = ", ".join(os.path.relpath(f, "/usr/lib/python3.11") for f in TOKENIZER_CORPUS)
    return (f"Test fixture: random weights (torch seed {VARIANTS[variant]['seed']}) from models/recipe/make_fixture.py; "
            f"tokenizer: byte-level BPE (vocab 512) trained with the tokenizers library on Python 3.11 stdlib "
            f"files ({corpus}). Not a language model: outputs are meaningless but deterministic.")


def make_variant(variant: str, out_root: str, tokenizer_json: str) -> dict:
    v = VARIANTS[variant]
    return export_model_dir(
        build_model(variant), os.path.join(out_root, variant), tokenizer_json, variant, layout=v["layout"],
        license="MIT", provenance=provenance(variant), training={"kind": "random-init", "seed": v["seed"]},
        quality={},
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(ROOT, "test", "fixtures", "models"))
    ap.add_argument("--variant", action="append", choices=sorted(VARIANTS))
    ap.add_argument("--retrain-tokenizer", action="store_true")
    args = ap.parse_args()
    torch.set_num_threads(1)
    os.makedirs(args.out, exist_ok=True)
    tok = os.path.join(args.out, "tiny-random", "tokenizer.json")
    if args.retrain_tokenizer or not os.path.exists(tok):
        os.makedirs(os.path.dirname(tok), exist_ok=True)
        train_tokenizer(tok)
    for variant in args.variant or sorted(VARIANTS):
        manifest = make_variant(variant, args.out, tok)
        folder = os.path.join(args.out, variant)
        sizes = {f: os.path.getsize(os.path.join(folder, f)) for f in sorted(os.listdir(folder))}
        print(variant, sizes, manifest["sha256"]["model.onnx"][:12])


if __name__ == "__main__":
    main()
