"""Unit checks for models/recipe/model.py: shapes, KV-cache equivalence, causal masking, GQA.

Run: PYENV_VERSION=system OPENBLAS_NUM_THREADS=2 python3 -m unittest models/recipe/tests/test_model.py
"""

import os
import sys
import unittest

import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from model import DiffusionLM, ModelConfig, apply_rope, empty_past, rope_cos_sin  # noqa: E402

torch.set_num_threads(1)


def tiny(**kw) -> DiffusionLM:
    torch.manual_seed(0)
    cfg = ModelConfig(vocab_size=97, hidden_size=32, num_layers=2, num_heads=4, num_kv_heads=2,
                      intermediate_size=48, **kw)
    return DiffusionLM(cfg).eval()


def split_forward(model, ids, pos, cached_idx, window_idx):
    """Cache = the cached_idx rows of a full forward's K/V; then run window_idx as the window."""
    _, full_kv = model(ids, pos, return_present=True)
    cache = [(k[:, cached_idx], v[:, cached_idx]) for k, v in full_kv]
    return model(ids[:, window_idx], pos[:, window_idx], past=cache)


class ModelTest(unittest.TestCase):
    def test_training_forward_shapes(self):
        m = tiny()
        ids = torch.randint(0, 97, (3, 11))
        self.assertEqual(tuple(m(ids).shape), (3, 11, 97))
        mask = torch.ones(3, 11, dtype=torch.long)
        mask[0, 8:] = 0
        self.assertEqual(tuple(m(ids, attention_mask=mask).shape), (3, 11, 97))

    def test_window_against_cache_bidirectional(self):
        m = tiny()
        ids = torch.randint(0, 97, (1, 12))
        pos = torch.arange(12).unsqueeze(0)
        with torch.no_grad():
            full = m(ids, pos)
            window = [3, 4, 9]
            cached = [i for i in range(12) if i not in window]
            cached = cached[::-1]  # the cache is an unordered set
            logits, present = split_forward(m, ids, pos, cached, window)
        self.assertLess((full[:, window] - logits).abs().max().item(), 1e-5)
        self.assertEqual(tuple(present[0][0].shape), (1, 3, 2, 8))

    def test_empty_past(self):
        m = tiny()
        ids = torch.randint(0, 97, (1, 5))
        pos = torch.arange(5).unsqueeze(0) + 7
        with torch.no_grad():
            a, _ = m(ids, pos, past=empty_past(m.config))
            b = m(ids, pos)
        self.assertLess((a - b).abs().max().item(), 1e-6)

    def test_causal_cache(self):
        m = tiny(causal=True)
        ids = torch.randint(0, 97, (1, 10))
        pos = torch.arange(10).unsqueeze(0)
        with torch.no_grad():
            full = m(ids, pos)
            logits, _ = split_forward(m, ids, pos, list(range(6)), list(range(6, 10)))
            # a causal row does not depend on later tokens
            ids2 = ids.clone()
            ids2[0, 7] = (ids2[0, 7] + 1) % 97
            full2 = m(ids2, pos)
        self.assertLess((full[:, 6:] - logits).abs().max().item(), 1e-5)
        self.assertLess((full[:, :7] - full2[:, :7]).abs().max().item(), 1e-6)
        self.assertGreater((full[:, 7:] - full2[:, 7:]).abs().max().item(), 1e-6)

    def test_padding_mask_ignores_pad_keys(self):
        m = tiny()
        ids = torch.randint(0, 97, (1, 8))
        mask = torch.ones(1, 8, dtype=torch.long)
        mask[0, 6:] = 0
        ids2 = ids.clone()
        ids2[0, 6:] = 0
        with torch.no_grad():
            a = m(ids, attention_mask=mask)[:, :6]
            b = m(ids2, attention_mask=mask)[:, :6]
            c = m(ids[:, :6])
        self.assertLess((a - b).abs().max().item(), 1e-6)
        self.assertLess((a - c).abs().max().item(), 1e-5)

    def test_gqa_matches_naive_repeat_kv(self):
        """Attention equals the textbook form with K/V heads repeated (head h uses kv head h // g)."""
        m = tiny()
        att = m.layers[0].self_attn
        x = torch.randn(1, 6, 32)
        pos = torch.arange(6).unsqueeze(0)
        cos, sin = rope_cos_sin(pos, m.inv_freq)
        with torch.no_grad():
            out, _ = att(x, cos, sin, None, None)
            q = apply_rope(att.q_proj(x).view(1, 6, 4, 8), cos, sin).transpose(1, 2)
            k = apply_rope(att.k_proj(x).view(1, 6, 2, 8), cos, sin).transpose(1, 2)
            v = att.v_proj(x).view(1, 6, 2, 8).transpose(1, 2)
            k, v = k.repeat_interleave(2, dim=1), v.repeat_interleave(2, dim=1)
            w = torch.softmax(q @ k.transpose(-1, -2) / 8 ** 0.5, -1)
            ref = att.o_proj((w @ v).transpose(1, 2).reshape(1, 6, 32))
        self.assertLess((out - ref).abs().max().item(), 1e-6)

    def test_tied_embeddings(self):
        m = tiny(tie_embeddings=True)
        self.assertIs(m.lm_head.weight, m.embed_tokens.weight)
        loss = m(torch.randint(0, 97, (2, 4))).logsumexp(-1).mean()
        loss.backward()
        self.assertIsNotNone(m.embed_tokens.weight.grad)


if __name__ == "__main__":
    unittest.main()
