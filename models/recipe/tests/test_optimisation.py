"""optimisation.py: the learning-rate schedule (linear warmup, cosine to 10 %), the weight EMA and AdamW's groups."""
import os
import sys
import types
import unittest

import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from optimisation import EMA, lr_at, make_optimizer  # noqa: E402


class ScheduleTest(unittest.TestCase):
    args = types.SimpleNamespace(lr=1e-3, warmup_tokens=1000, max_tokens=11000)

    def test_warmup_is_linear_from_the_first_token(self):
        self.assertAlmostEqual(lr_at(0, self.args), 1e-6)
        self.assertAlmostEqual(lr_at(500, self.args), 5e-4)
        self.assertAlmostEqual(lr_at(1000, self.args), 1e-3)

    def test_cosine_decay_to_a_tenth_then_flat(self):
        self.assertAlmostEqual(lr_at(6000, self.args), 1e-3 * (0.1 + 0.9 * 0.5))
        self.assertAlmostEqual(lr_at(11000, self.args), 1e-4)
        self.assertAlmostEqual(lr_at(50000, self.args), 1e-4, msg="past the budget it stays at 10 %")
        rates = [lr_at(t, self.args) for t in range(1000, 11001, 500)]
        self.assertTrue(all(a > b for a, b in zip(rates, rates[1:])))


class EmaTest(unittest.TestCase):
    def net(self, value):
        net = torch.nn.BatchNorm1d(2)  # floating weights and an integer buffer (num_batches_tracked)
        with torch.no_grad():
            net.weight.fill_(value)
        net.num_batches_tracked.fill_(int(value))
        return net

    def test_decay_ramps_up_and_integers_are_copied(self):
        ema = EMA(self.net(0.0), decay=0.999)
        ema.update(self.net(1.0), step=0)  # decay min(0.999, 1/10) = 0.1
        self.assertTrue(torch.allclose(ema.shadow["weight"], torch.full((2,), 0.9)))
        self.assertEqual(int(ema.shadow["num_batches_tracked"]), 1)
        ema.update(self.net(1.0), step=10**6)  # decay 0.999 once the ramp is past it
        self.assertTrue(torch.allclose(ema.shadow["weight"], torch.full((2,), 0.9 + 0.1 * 0.001)))

    def test_shadow_is_a_copy(self):
        net = self.net(2.0)
        ema = EMA(net, decay=0.5)
        with torch.no_grad():
            net.weight.fill_(3.0)
        self.assertTrue(torch.equal(ema.shadow["weight"], torch.full((2,), 2.0)))


class OptimizerTest(unittest.TestCase):
    def test_weight_decay_on_matrices_only(self):
        net = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.LayerNorm(4))
        opt = make_optimizer(net, types.SimpleNamespace(lr=1e-3, weight_decay=0.1), torch.device("cpu"))
        decayed, plain = opt.param_groups
        self.assertEqual((decayed["weight_decay"], plain["weight_decay"]), (0.1, 0.0))
        self.assertEqual([tuple(p.shape) for p in decayed["params"]], [(4, 3)])
        self.assertEqual(sorted(tuple(p.shape) for p in plain["params"]), [(4,), (4,), (4,)])
        self.assertEqual(opt.defaults["betas"], (0.9, 0.95))


if __name__ == "__main__":
    unittest.main()
