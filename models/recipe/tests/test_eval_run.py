"""eval_infill.py run's diffusion decoding (confidence_unmask): it ends even when the model ranks the mask token
first, fills the gap in confidence order inside semi-autoregressive blocks, and stops the middle at a committed EOS."""
import os
import sys
import types
import unittest

import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import eval_infill as E  # noqa: E402

VOCAB = 16


class ScriptedModel:
    """Logits from a function of the current ids; records the ids of every call."""

    def __init__(self, logits_for, shift=False):
        self.config = types.SimpleNamespace(logit_shift=shift)
        self.logits_for = logits_for
        self.calls = []

    def __call__(self, ids):
        self.calls.append(ids[0].tolist())
        return self.logits_for(ids)


def args(**kw):
    return types.SimpleNamespace(**dict(dict(gap=4, per_step=1, block=0, eos_from_left=0), **kw))


class ConfidenceUnmaskTest(unittest.TestCase):
    def test_a_model_that_prefers_the_mask_token_still_finishes(self):
        def logits(ids):
            out = torch.zeros(1, ids.shape[1], VOCAB)
            out[..., E.MASK] = 10.0  # the untrained model's favourite
            out[..., 7] = 5.0
            return out
        model = ScriptedModel(logits)
        self.assertEqual(E.confidence_unmask(model, [9, 9], [8], args()), [7, 7, 7, 7])
        self.assertEqual(len(model.calls), 4, "one position per forward")

    def test_order_blocks_and_eos(self):
        # position j of the gap predicts token 10 + j with confidence rising to the right, but position 2 is
        # surest of all that the middle ends there
        def logits(ids):
            out = torch.zeros(1, ids.shape[1], VOCAB)
            for j in range(4):
                if j == 2:
                    out[0, 2 + j, E.EOS] = 9.0
                else:
                    out[0, 2 + j, 10 + j] = 1.0 + j
            return out
        model = ScriptedModel(logits)
        self.assertEqual(E.confidence_unmask(model, [9, 9], [8], args(block=2)), [10, 11])
        gaps = [call[2:6] for call in model.calls]
        self.assertEqual(gaps[:3], [[E.MASK] * 4, [E.MASK, 11, E.MASK, E.MASK], [10, 11, E.MASK, E.MASK]],
                         "block 1 first, its surer position first")
        self.assertEqual(len(model.calls), 3, "the committed EOS ended the middle: the rest became EOS")


if __name__ == "__main__":
    unittest.main()
