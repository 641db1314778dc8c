"""length_probe.py: the first end-of-middle position is read from the right rows (shifted logits or not), and
the probe runs on a real network.

Run: PYENV_VERSION=system python3 -m unittest models/recipe/tests/test_length_probe.py
"""
import os
import sys
import types
import unittest

import torch

sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), "..")))
import length_probe as L  # noqa: E402
from model import DiffusionLM, ModelConfig  # noqa: E402


class EndsAt(torch.nn.Module):
    """Predicts end of middle at hole offset ``k`` and after it, a plain token elsewhere."""

    def __init__(self, prefix_len: int, k: int, logit_shift: bool) -> None:
        super().__init__()
        self.config = types.SimpleNamespace(logit_shift=logit_shift)
        self.first_row = prefix_len + k - (1 if logit_shift else 0)

    def forward(self, ids):
        logits = torch.zeros(1, ids.shape[1], 10)
        logits[0, :, 7] = 1.0
        logits[0, self.first_row:, L.EOS] = 2.0
        return logits


class LengthProbeTest(unittest.TestCase):
    def test_reads_the_row_that_predicts_each_position(self):
        prefix, suffix = [5, 6, 7], [8, 9]
        for shift in (True, False):
            for k in (0, 3, 7):
                self.assertEqual(L.first_eos(EndsAt(len(prefix), k, shift), prefix, suffix, 8), k, (shift, k))

    def test_a_hole_without_an_end_counts_as_full(self):
        self.assertEqual(L.first_eos(EndsAt(3, 20, True), [5, 6, 7], [], 8), 8)

    def test_probe_runs_on_a_network_and_stays_in_the_hole(self):
        torch.manual_seed(0)
        cfg = ModelConfig(vocab_size=97, hidden_size=32, num_layers=2, num_heads=4, num_kv_heads=2,
                          intermediate_size=48, logit_shift=True)
        model = DiffusionLM(cfg).eval()
        result = L.probe(model, [([10, 11, 12], [13, 14]), ([20, 21], [])], [4, 8])
        self.assertEqual(sorted(result), [4, 8])
        self.assertTrue(0 <= result[4] <= 4 and 0 <= result[8] <= 8, result)


if __name__ == "__main__":
    unittest.main()
