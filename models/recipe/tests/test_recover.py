"""recover_from_onnx.py: weights read back from an exported folder re-export to the same initialisers.

Run: PYENV_VERSION=system OPENBLAS_NUM_THREADS=2 python3 -m unittest models/recipe/tests/test_recover.py
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
from export_onnx import export_onnx  # noqa: E402
from model import DiffusionLM, ModelConfig  # noqa: E402
from recover_from_onnx import initializers, recover  # noqa: E402

torch.set_num_threads(1)


class RecoverTest(unittest.TestCase):
    def setUp(self):
        self.scratch = tempfile.mkdtemp(prefix="recover-test-")

    def tearDown(self):
        shutil.rmtree(self.scratch, ignore_errors=True)

    def export_random(self, name, fp16_weights=False, **kw):
        """A folder like export_model_dir's, with random weights (every tensor distinct, as after training)."""
        torch.manual_seed(3)
        cfg = ModelConfig(vocab_size=97, hidden_size=32, num_layers=2, num_heads=4, num_kv_heads=2,
                          intermediate_size=48, **kw)
        src = DiffusionLM(cfg)
        with torch.no_grad():
            for p in src.parameters():
                p.copy_(torch.randn_like(p) * 0.1)
        folder = os.path.join(self.scratch, name)
        os.makedirs(folder)
        export_onnx(src, os.path.join(folder, "model.onnx"), fp16_weights=fp16_weights)
        with open(os.path.join(folder, "model.json"), "w") as f:
            json.dump({"vocabSize": 97, "hiddenSize": 32, "numLayers": 2, "numHeads": 4, "numKvHeads": 2,
                       "intermediateSize": 48, "maxPositions": 1024, "logitShift": cfg.logit_shift,
                       "causal": cfg.causal}, f)
        return src, folder

    def assert_round_trip(self, src, folder, fp16_weights=False):
        model, manifest = recover(folder, 0)
        again = os.path.join(self.scratch, "again.onnx")
        export_onnx(model, again, fp16_weights=fp16_weights)
        a, b = initializers(again), initializers(os.path.join(folder, "model.onnx"))
        self.assertEqual(set(a), set(b))
        for name in b:
            np.testing.assert_array_equal(a[name], b[name], err_msg=name)
        self.assertEqual(model.config.causal, src.config.causal)
        self.assertEqual(model.config.tie_embeddings, src.config.tie_embeddings)
        ids = torch.randint(0, 97, (1, 9))
        with torch.no_grad():
            tolerance = {"atol": 2e-2, "rtol": 2e-2} if fp16_weights else {}
            torch.testing.assert_close(model.eval()(ids), src.eval()(ids), **tolerance)

    def test_tied_diffusion_model_round_trips(self):
        self.assert_round_trip(*self.export_random("tied", tie_embeddings=True, logit_shift=True))

    def test_untied_causal_model_round_trips(self):
        self.assert_round_trip(*self.export_random("causal", causal=True, logit_shift=True))

    def test_fp16_weight_export_round_trips(self):
        src, folder = self.export_random("half", fp16_weights=True, tie_embeddings=True, logit_shift=True)
        self.assert_round_trip(src, folder, fp16_weights=True)

    def big_initializers(self, folder):
        """Names of the initialisers of a folder's model.onnx with a vocabulary-sized matrix (97 x 32)."""
        import onnx
        return [i.name for i in onnx.load(os.path.join(folder, "model.onnx")).graph.initializer
                if int(np.prod(i.dims)) == 97 * 32]

    def test_a_tied_embedding_is_stored_once_and_an_untied_head_is_kept(self):
        _, tied = self.export_random("once", fp16_weights=True, tie_embeddings=True, logit_shift=True)
        self.assertEqual(len(self.big_initializers(tied)), 1)
        _, untied = self.export_random("twice", causal=True, logit_shift=True)
        self.assertEqual(len(self.big_initializers(untied)), 2)

    def test_an_export_holding_the_tied_embedding_twice_still_recovers(self):
        """Files exported before share_tied_embedding (the shipped models up to 2026-11-27) hold a transposed copy."""
        import onnx
        from onnx import numpy_helper
        src, folder = self.export_random("old-style", tie_embeddings=True, logit_shift=True)
        path = os.path.join(folder, "model.onnx")
        proto = onnx.load(path)
        tied = next(n for n in proto.graph.node if n.op_type == "Transpose" and n.name.endswith("__tied"))
        table = next(numpy_helper.to_array(i) for i in proto.graph.initializer if i.name == tied.input[0])
        proto.graph.node.remove(tied)
        proto.graph.initializer.append(numpy_helper.from_array(np.ascontiguousarray(table.T), tied.output[0]))
        onnx.save(proto, path)
        self.assertEqual(len(self.big_initializers(folder)), 2)
        model, _ = recover(folder, 0)
        ids = torch.randint(0, 97, (1, 9))
        with torch.no_grad():
            torch.testing.assert_close(model.eval()(ids), src.eval()(ids))

    def test_writes_a_float16_bundle_that_a_gpu_session_reads(self):
        src, folder = self.export_random("for-bundle", fp16_weights=True, tie_embeddings=True, logit_shift=True)
        out = os.path.join(self.scratch, "bundle")
        script = os.path.join(HERE, "..", "recover_from_onnx.py")
        subprocess.run([sys.executable, script, "--model-dir", folder, "--bundle", out], check=True,
                       capture_output=True)
        sys.path.insert(0, os.path.join(HERE, "..", "gpu"))
        from bundle import read_bundle  # noqa: E402
        _, models = read_bundle(out)
        self.assertEqual(list(models), ["dream"])
        _, state, extra = models["dream"]
        recovered, _ = recover(folder, 0)
        for name, tensor in recovered.state_dict().items():
            np.testing.assert_array_equal(state[name].numpy(), tensor.numpy(), err_msg=name)
        self.assertEqual(extra["objective"], "diffusion")

    def test_refuses_a_graph_of_another_configuration(self):
        _, folder = self.export_random("wrong", tie_embeddings=True)
        with open(os.path.join(folder, "model.json")) as f:
            manifest = json.load(f)
        manifest["intermediateSize"] = 40
        with open(os.path.join(folder, "model.json"), "w") as f:
            json.dump(manifest, f)
        with self.assertRaises(ValueError):
            recover(folder, 0)


if __name__ == "__main__":
    unittest.main()
