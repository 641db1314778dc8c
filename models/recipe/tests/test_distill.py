"""distill.py: the teacher's reveal order (semi-autoregressive blocks, lowest entropy first, shifted rows), the
student's examples (reference §3.2), the curricula (§3.3), the loss (§3.4) and a resumable stream.

Run: PYENV_VERSION=system python3 -m unittest models/recipe/tests/test_distill.py
"""
import math
import os
import sys
import tempfile
import types
import unittest

import numpy as np
import torch
from torch.nn import functional as F

sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), "..")))
import data as D  # noqa: E402
import distill as DL  # noqa: E402
from model import DiffusionLM, ModelConfig  # noqa: E402


class SureToTheRight(torch.nn.Module):
    """Each row's prediction is sharper the further right the row is: the teacher reveals right to left."""

    def __init__(self, logit_shift: bool) -> None:
        super().__init__()
        self.config = types.SimpleNamespace(logit_shift=logit_shift, causal=False)
        self.forwards = 0

    def forward(self, ids, attention_mask=None):
        self.forwards += 1
        b, n = ids.shape
        logits = torch.zeros(b, n, 12)
        logits[:, :, 7] = torch.arange(n, dtype=torch.float32) * 0.5
        return logits


def ranks_of(model, n=20, start=3, end=13, block=4, per_step=1):
    ids = torch.arange(20, 20 + n).unsqueeze(0)
    rank, forwards = DL.teacher_ranks(model, ids, torch.ones_like(ids), torch.tensor([start]), torch.tensor([end]),
                                      block, per_step)
    return rank[0].tolist(), forwards


class TeacherTest(unittest.TestCase):
    def test_reveals_block_by_block_lowest_entropy_first(self):
        for shift in (True, False):
            rank, forwards = ranks_of(SureToTheRight(shift))
            self.assertEqual(rank[:3] + rank[13:], [-1] * 10, "only the middle gets ranks")
            self.assertEqual(rank[3:13], [3, 2, 1, 0, 7, 6, 5, 4, 9, 8], shift)
            self.assertEqual(forwards, 10)

    def test_several_positions_per_step_take_fewer_forwards(self):
        rank, forwards = ranks_of(SureToTheRight(True), per_step=3)
        self.assertEqual(rank[3:13], [3, 2, 1, 0, 7, 6, 5, 4, 9, 8])
        self.assertEqual(forwards, 2 + 2 + 1)

    def test_rows_of_a_batch_keep_their_own_blocks(self):
        model = SureToTheRight(True)
        ids = torch.arange(20, 36).unsqueeze(0).repeat(2, 1)
        rank, _ = DL.teacher_ranks(model, ids, torch.ones_like(ids), torch.tensor([2, 5]), torch.tensor([6, 8]), 2, 1)
        self.assertEqual(rank[0, 2:6].tolist(), [1, 0, 3, 2])
        self.assertEqual(rank[1, 5:8].tolist(), [1, 0, 2])

    def test_a_middle_no_row_predicts_is_an_error_not_a_hang(self):
        with self.assertRaisesRegex(ValueError, "no row predicts"):
            ranks_of(SureToTheRight(True), start=0)

    def test_single_middle(self):
        self.assertEqual(DL.single_middle(np.array([0, 1, 1, 0], dtype=bool)), (1, 3))
        self.assertIsNone(DL.single_middle(np.array([1, 1, 1], dtype=bool)), "a whole window")
        self.assertIsNone(DL.single_middle(np.array([1, 0, 1, 0], dtype=bool)), "two middles")
        self.assertIsNone(DL.single_middle(np.zeros(3, dtype=bool)))


class StudentTest(unittest.TestCase):
    def setUp(self):
        self.ids = np.arange(100, 140)
        self.rank = np.full(40, -1)
        self.rank[10:34] = [5, 3, 0, 1, 2, 4, 7, 6, 11, 8, 9, 10, 12, 13, 14, 15, 23, 16, 17, 18, 19, 20, 21, 22]

    def test_block_shows_the_teacher_snapshot_and_masks_what_follows(self):
        for seed in range(50):
            rng = np.random.default_rng(seed)
            inp, loss = DL.distill_example(self.ids, self.rank, 10, 34, 8, 0.5, rng)
            s = 10 + 8 * int(np.random.default_rng(seed).integers(3))
            e = s + 8
            keep = math.floor(0.5 * 8)
            shown = (self.rank[s:e] <= (s - 10) + keep)
            self.assertTrue((inp[:s] == self.ids[:s]).all(), "known text and earlier blocks show the reference")
            self.assertTrue((inp[e:34] == D.MASK).all(), "later blocks are masked")
            self.assertTrue((inp[34:] == self.ids[34:]).all(), "the suffix is known")
            self.assertTrue((inp[s:e][shown] == self.ids[s:e][shown]).all())
            self.assertTrue((inp[s:e][~shown] == D.MASK).all())
            self.assertTrue((loss[s:e] == ~shown).all() and not loss[:s].any() and not loss[e:].any())

    def test_a_block_the_teacher_finished_keeps_its_last_position_masked(self):
        inp, loss = DL.distill_example(self.ids, self.rank, 10, 34, 8, 0.0, np.random.default_rng(1))
        self.assertEqual(int(loss.sum()), 1)
        masked = int(np.nonzero(loss)[0][0])
        block = slice(masked - (masked - 10) % 8, masked - (masked - 10) % 8 + 8)
        self.assertEqual(self.rank[masked], self.rank[block].max())
        self.assertEqual(inp[masked], D.MASK)

    def test_curricula(self):
        self.assertEqual([DL.block_size_at(p) for p in (0, 1 / 6, 1 / 3, 0.5, 2 / 3, 0.9, 1)], [16, 20, 24, 28, 32, 32, 32])
        self.assertEqual([DL.ratio_floor_at(p) for p in (0, 0.5, 1, 2)], [0, 0.4, 0.8, 0.8])

    def test_loss_is_ce_plus_entropy_of_right_tokens_over_four(self):
        torch.manual_seed(0)
        model = DiffusionLM(ModelConfig(vocab_size=50, hidden_size=32, num_layers=2, num_heads=4, num_kv_heads=2,
                                        intermediate_size=48, logit_shift=True))
        model.lm_head = Favouring(model.lm_head, 9)  # token 9 is every row's argmax
        ids = torch.randint(10, 50, (2, 12))
        ids[:, 5:7] = 9  # so the model is right on these masked positions and wrong on the others
        inp = ids.clone()
        lm = torch.zeros(2, 12, dtype=torch.bool)
        lm[:, 5:9] = True
        inp[lm] = D.MASK
        batch = {"ids": ids.numpy(), "input": inp.numpy(), "loss": lm.numpy(), "attention": np.ones((2, 12), dtype=np.int64)}
        with torch.no_grad():
            loss, st = DL.distill_loss(model, batch, weight=1.0)
            logits = model(inp)[:, :-1][lm[:, 1:]]
            target = ids[:, 1:][lm[:, 1:]]
            right = logits.argmax(-1) == target
            self.assertEqual(int(right.sum()), 4)
            p = F.softmax(logits[right] / 0.5, -1)
            h = -(p * p.log()).sum(-1).mean()
            ce = F.cross_entropy(logits, target)
        self.assertGreater(float(h), 0)
        self.assertAlmostEqual(float(loss), float((ce + h) / 4), places=5)
        self.assertAlmostEqual(float(st["hcorr"]), float(h), places=5)
        self.assertEqual(st["tokens"], 24)


class Favouring(torch.nn.Module):
    """An LM head that adds 4 to one token's logit."""

    def __init__(self, head: torch.nn.Module, token: int) -> None:
        super().__init__()
        self.head, self.token = head, token

    def forward(self, h):
        out = self.head(h)
        out[..., self.token] += 4.0
        return out


class StreamTest(unittest.TestCase):
    def test_batches_are_deterministic_and_resume_exactly(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "traj.npz")
            rng = np.random.default_rng(0)
            layouts, ranks = [], []
            for i in range(5):
                ids = rng.integers(6, 90, size=30 + i)
                rank = np.full(len(ids), -1, dtype=np.int16)
                rank[4:20] = rng.permutation(16)
                layouts.append((ids, 4, 20))
                ranks.append(rank)
            DL.write_trajectories(path, layouts, ranks, {"test": True})
            progress = {"p": 0.0}
            a = DL.DistillStream(path, 3, 9, lambda: progress["p"])
            first, second = a.next(), a.next()
            b = DL.DistillStream(path, 3, 9, lambda: progress["p"], **{"epoch": 0, "index": 3})
            again = b.next()
            for k in ("ids", "input", "loss", "attention"):
                self.assertTrue((second[k] == again[k]).all(), k)
            self.assertEqual(a.state(), {"epoch": 1, "index": 1}, "5 trajectories: the sixth example starts epoch 1")
            self.assertTrue(first["loss"].any(axis=1).all(), "every example has a masked position to learn")
            self.assertTrue((first["input"][first["loss"]] == D.MASK).all())

    def test_an_empty_file_is_refused(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "empty.npz")
            np.savez_compressed(path, ids=np.zeros((0, 4), np.uint16), rank=np.zeros((0, 4), np.int16),
                                length=np.zeros(0, np.int32), start=np.zeros(0, np.int32), end=np.zeros(0, np.int32),
                                meta="{}")
            with self.assertRaisesRegex(ValueError, "holds no trajectories"):
                DL.Trajectories(path)


if __name__ == "__main__":
    unittest.main()
