"""End-to-end test of the Dream checkpoint exporter (models/recipe/dream/export_dream.py).

1. Writes a TINY random checkpoint with the Qwen2/Dream layout: config.json (model_type Dream),
   generation_config.json, two safetensors shards (one BF16, one F32) with Hugging Face names, and a
   tokenizer.json (the fixture's).
2. Checks the exporter's PyTorch model against an independent textbook Qwen2 forward written here
   from the raw tensors (repeat_kv, rotate_half, non-causal softmax attention).
3. Exports to ONNX (fp32; fp16 weights; fp32 forced into external data) and runs
   models/recipe/parity/run.sh on each: onnxruntime-node vs PyTorch, full and windowed.

Run: PYENV_VERSION=system OPENBLAS_NUM_THREADS=2 python3 -m unittest models/recipe/tests/test_dream_export.py
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
RECIPE = os.path.dirname(HERE)
ROOT = os.path.dirname(os.path.dirname(RECIPE))
sys.path.insert(0, RECIPE)
sys.path.insert(0, os.path.join(RECIPE, "dream"))
import export_dream  # noqa: E402
import export_onnx  # noqa: E402
import safetensors_io  # noqa: E402
from model import save_checkpoint  # noqa: E402

torch.set_num_threads(1)
HF = dict(architectures=["DreamModel"], model_type="Dream", vocab_size=512, hidden_size=64, num_hidden_layers=2,
          num_attention_heads=4, num_key_value_heads=2, intermediate_size=128, max_position_embeddings=2048,
          rope_theta=1000000.0, rms_norm_eps=1e-6, hidden_act="silu", tie_word_embeddings=False,
          mask_token_id=2, torch_dtype="bfloat16")
GEN = dict(bos_token_id=None, eos_token_id=1, pad_token_id=0)
FIXTURE_TOKENIZER = os.path.join(ROOT, "test", "fixtures", "models", "tiny-random", "tokenizer.json")


def random_qwen2_tensors(seed: int = 7) -> dict:
    g = torch.Generator().manual_seed(seed)
    r = lambda *shape, std=0.2: torch.randn(*shape, generator=g) * std  # noqa: E731
    d, kv, ff, v = 64, 32, 128, 512
    t = {"model.embed_tokens.weight": r(v, d, std=1.0), "model.norm.weight": 1 + r(d, std=0.1),
         "lm_head.weight": r(v, d, std=0.4)}
    for i in range(2):
        p = f"model.layers.{i}."
        t.update({
            p + "input_layernorm.weight": 1 + r(d, std=0.1), p + "post_attention_layernorm.weight": 1 + r(d, std=0.1),
            p + "self_attn.q_proj.weight": r(d, d, std=0.125), p + "self_attn.q_proj.bias": r(d, std=0.1),
            p + "self_attn.k_proj.weight": r(kv, d, std=0.125), p + "self_attn.k_proj.bias": r(kv, std=0.1),
            p + "self_attn.v_proj.weight": r(kv, d, std=0.125), p + "self_attn.v_proj.bias": r(kv, std=0.1),
            p + "self_attn.o_proj.weight": r(d, d, std=0.125),
            p + "mlp.gate_proj.weight": r(ff, d, std=0.125), p + "mlp.up_proj.weight": r(ff, d, std=0.125),
            p + "mlp.down_proj.weight": r(d, ff, std=0.09),
        })
    return t


def write_checkpoint(folder: str) -> dict:
    tensors = random_qwen2_tensors()
    names = sorted(tensors)
    half = len(names) // 2
    shard1 = {n: tensors[n].bfloat16() for n in names[:half]}
    shard2 = {n: tensors[n] for n in names[half:]}
    safetensors_io.write_file(os.path.join(folder, "model-00001-of-00002.safetensors"), shard1, {"format": "pt"})
    safetensors_io.write_file(os.path.join(folder, "model-00002-of-00002.safetensors"), shard2, {"format": "pt"})
    for name, obj in (("config.json", HF), ("generation_config.json", GEN)):
        with open(os.path.join(folder, name), "w") as f:
            json.dump(obj, f)
    shutil.copyfile(FIXTURE_TOKENIZER, os.path.join(folder, "tokenizer.json"))
    # what the exporter should see: shard 1 went through bfloat16
    return {n: (shard1[n].float() if n in shard1 else shard2[n]) for n in names}


def textbook_qwen2(w: dict, ids: torch.Tensor) -> torch.Tensor:
    """Independent reference: Qwen2 forward without a causal mask (Dream), positions 0..n-1."""
    n, heads, kvh, hd, eps = ids.shape[1], 4, 2, 16, 1e-6

    def rms(x, weight):
        return weight * (x / torch.sqrt((x * x).mean(-1, keepdim=True) + eps))

    inv = 1.0 / (1000000.0 ** (torch.arange(0, hd, 2).double() / hd)).float()
    ang = torch.arange(n).float()[:, None] * inv[None, :]
    cos, sin = torch.cat([ang, ang], -1).cos(), torch.cat([ang, ang], -1).sin()

    def rope(x):  # x [B, H, n, hd]
        x1, x2 = x[..., : hd // 2], x[..., hd // 2:]
        return x * cos + torch.cat([-x2, x1], -1) * sin

    x = w["model.embed_tokens.weight"][ids]
    for i in range(2):
        p = f"model.layers.{i}."
        h = rms(x, w[p + "input_layernorm.weight"])
        lin = lambda name: h @ w[p + name + ".weight"].T + w[p + name + ".bias"]  # noqa: E731
        q = rope(lin("self_attn.q_proj").view(1, n, heads, hd).transpose(1, 2))
        k = rope(lin("self_attn.k_proj").view(1, n, kvh, hd).transpose(1, 2))
        v = lin("self_attn.v_proj").view(1, n, kvh, hd).transpose(1, 2)
        k = k[:, :, None].expand(1, kvh, heads // kvh, n, hd).reshape(1, heads, n, hd)
        v = v[:, :, None].expand(1, kvh, heads // kvh, n, hd).reshape(1, heads, n, hd)
        att = torch.softmax(q @ k.transpose(-1, -2) / hd ** 0.5, -1) @ v
        x = x + att.transpose(1, 2).reshape(1, n, heads * hd) @ w[p + "self_attn.o_proj.weight"].T
        h = rms(x, w[p + "post_attention_layernorm.weight"])
        gate = torch.nn.functional.silu(h @ w[p + "mlp.gate_proj.weight"].T)
        x = x + (gate * (h @ w[p + "mlp.up_proj.weight"].T)) @ w[p + "mlp.down_proj.weight"].T
    return rms(x, w["model.norm.weight"]) @ w["lm_head.weight"].T


def parity(model_dir: str, ckpt: str) -> str:
    run = subprocess.run([os.path.join(RECIPE, "parity", "run.sh"), model_dir, ckpt], capture_output=True, text=True)
    print(run.stdout, run.stderr[-2000:] if run.returncode else "")
    if run.returncode:
        raise AssertionError(f"parity failed for {model_dir}")
    return run.stdout


class DreamExportTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="dream-test-")
        cls.ckpt_dir = os.path.join(cls.tmp, "ckpt")
        os.makedirs(cls.ckpt_dir)
        cls.weights = write_checkpoint(cls.ckpt_dir)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_model_matches_textbook_qwen2(self):
        model, info = export_dream.load_dream(self.ckpt_dir)
        self.assertEqual(info["special"], {"pad": 0, "eos": 1, "mask": 2, "bos": None})
        self.assertTrue(model.config.logit_shift)
        self.assertFalse(model.config.causal)
        ids = torch.randint(0, 512, (1, 19), generator=torch.Generator().manual_seed(3))
        with torch.no_grad():
            diff = (model(ids) - textbook_qwen2(self.weights, ids)).abs().max().item()
        print(f"model.py vs textbook Qwen2 logits max|diff| = {diff:.2e}")
        self.assertLess(diff, 1e-4)

    def _export_and_check(self, name: str, fp16: bool):
        out = os.path.join(self.tmp, name)
        manifest = export_dream.export_dream(self.ckpt_dir, out, model_id=name, fp16_weights=fp16)
        self.assertEqual(manifest["specialTokens"]["mask"], 2)
        self.assertTrue(manifest["logitShift"])
        self.assertEqual(manifest["ropeTheta"], 1000000.0)
        model, _ = export_dream.load_dream(self.ckpt_dir)
        if fp16:  # the ONNX weights are rounded to float16: compare with the same rounding
            with torch.no_grad():
                for p in model.parameters():
                    if p.numel() >= 16:
                        p.copy_(p.half().float())
        ckpt = os.path.join(self.tmp, name + ".pt")
        save_checkpoint(ckpt, model)
        parity(out, ckpt)
        return out

    def test_export_fp32(self):
        self._export_and_check("dream-fp32", fp16=False)

    def test_export_fp16_weights(self):
        out = self._export_and_check("dream-fp16", fp16=True)
        print(f"fp16-weights model.onnx: {os.path.getsize(os.path.join(out, 'model.onnx'))} bytes")

    def test_external_data(self):
        limit = export_onnx.EXTERNAL_DATA_LIMIT
        export_onnx.EXTERNAL_DATA_LIMIT = 1000
        try:
            out = self._export_and_check("dream-external", fp16=False)
        finally:
            export_onnx.EXTERNAL_DATA_LIMIT = limit
        self.assertTrue(os.path.exists(os.path.join(out, "model.onnx.data")))
        with open(os.path.join(out, "model.json")) as f:
            self.assertIn("model.onnx.data", json.load(f)["sha256"])


if __name__ == "__main__":
    unittest.main()
