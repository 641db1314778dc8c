"""model.enable_fast_attention / fused_attention: the GPU training path through PyTorch's
scaled_dot_product_attention (README "Training on a GPU session"). Debian's PyTorch 1.13 has no such
function, so these tests install a reference one with the documented semantics (bool mask, True = attend)
and check that the fused path gives the written-out math's logits (GQA head order, key padding, causal mask,
KV cache), and that a kernel that disagrees or fails leaves the model on the written-out math.

Run: PYENV_VERSION=system OPENBLAS_NUM_THREADS=2 python3 -m unittest models/recipe/tests/test_fast_attention.py
"""
import math
import os
import sys
import unittest
from unittest import mock

import torch
from torch.nn import functional as F

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import model as M  # noqa: E402

torch.set_num_threads(1)


def reference_sdpa(q, k, v, attn_mask=None):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if attn_mask is not None:
        scores = scores.masked_fill(~attn_mask, float("-inf"))
    return torch.softmax(scores, dim=-1) @ v


def maskless_sdpa(q, k, v, attn_mask=None):  # a kernel that ignores the mask: must be refused
    return reference_sdpa(q, k, v)


def failing_sdpa(q, k, v, attn_mask=None):
    raise RuntimeError("no kernel for these inputs")


def tiny(causal=False) -> M.DiffusionLM:
    torch.manual_seed(0)
    cfg = M.ModelConfig(vocab_size=97, hidden_size=48, num_layers=2, num_heads=6, num_kv_heads=2,
                        intermediate_size=64, causal=causal)
    return M.DiffusionLM(cfg)


def batch():
    ids = torch.randint(97, (2, 20), generator=torch.Generator().manual_seed(3))
    keep = torch.ones(2, 20, dtype=torch.long)
    keep[0, 15:] = 0
    return ids, keep


def logits_both_ways(model, *args, **kw):
    with torch.no_grad():
        M.set_fused_attention(model, False)
        written = model(*args, **kw)
        M.set_fused_attention(model, True)
        fused = model(*args, **kw)
    M.set_fused_attention(model, False)
    return written, fused


class FastAttentionTest(unittest.TestCase):
    def test_fused_path_matches_the_written_out_math(self):
        ids, keep = batch()
        rows = keep.bool()
        with mock.patch.object(F, "scaled_dot_product_attention", reference_sdpa, create=True):
            for causal in (False, True):
                model = tiny(causal).eval()
                written, fused = logits_both_ways(model, ids, attention_mask=keep)
                torch.testing.assert_close(fused[rows], written[rows], atol=1e-5, rtol=1e-4)

    def test_a_row_with_every_key_masked_stays_finite(self):
        model = tiny(causal=True).eval()  # left padding + causal: row 0 of the second sequence sees no key
        ids, keep = batch()
        keep[1, :3] = 0
        with mock.patch.object(F, "scaled_dot_product_attention", reference_sdpa, create=True):
            written, fused = logits_both_ways(model, ids, attention_mask=keep)
        self.assertTrue(bool(torch.isfinite(fused).all()))
        torch.testing.assert_close(fused[keep.bool()], written[keep.bool()], atol=1e-5, rtol=1e-4)

    def test_fused_path_with_a_kv_cache(self):
        model = tiny().eval()
        ids, _ = batch()
        pos = torch.arange(20).unsqueeze(0).expand(2, 20)
        _, kv = model(ids, pos, return_present=True)
        cache = [(k[:, :12], v[:, :12]) for k, v in kv]
        with mock.patch.object(F, "scaled_dot_product_attention", reference_sdpa, create=True):
            (written, _), (fused, _) = logits_both_ways(model, ids[:, 12:], pos[:, 12:], past=cache)
        torch.testing.assert_close(fused, written, atol=1e-5, rtol=1e-4)

    def test_enable_switches_on_a_matching_kernel_and_clears_gradients(self):
        model = tiny()
        with mock.patch.object(F, "scaled_dot_product_attention", reference_sdpa, create=True):
            on, why = M.enable_fast_attention(model)
        self.assertTrue(on, why)
        self.assertTrue(all(m.fused for m in model.modules() if isinstance(m, M.Attention)))
        self.assertTrue(all(p.grad is None for p in model.parameters()))
        self.assertTrue(model.training)

    def test_a_kernel_that_disagrees_or_fails_is_not_used(self):
        for kernel, words in ((maskless_sdpa, "differs"), (failing_sdpa, "no kernel")):
            model = tiny(causal=True)
            with mock.patch.object(F, "scaled_dot_product_attention", kernel, create=True):
                on, why = M.enable_fast_attention(model)
            self.assertFalse(on)
            self.assertIn(words, why)
            self.assertFalse(any(m.fused for m in model.modules() if isinstance(m, M.Attention)))

    @unittest.skipIf(hasattr(F, "scaled_dot_product_attention"), "this PyTorch has the fused kernel")
    def test_without_the_kernel_nothing_changes(self):
        model = tiny()
        on, why = M.enable_fast_attention(model)
        self.assertFalse(on)
        self.assertIn("no scaled_dot_product_attention", why)

    def test_onnx_export_uses_the_written_out_math(self):
        model = tiny().eval()
        M.set_fused_attention(model, True)
        ids, _ = batch()
        with mock.patch.object(F, "scaled_dot_product_attention", failing_sdpa, create=True), \
                mock.patch.object(torch.onnx, "is_in_onnx_export", return_value=True):
            model(ids)  # would raise if the fused kernel were called


if __name__ == "__main__":
    unittest.main()
