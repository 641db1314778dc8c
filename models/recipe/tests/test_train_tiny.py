"""End-to-end check of the training recipe on a tiny scale (CI; well under 2 minutes on 2 cores).

Covers: the infilling layouts of data.py (masked-diffusion candidates and <|endofmiddle|> padding, PSM
layout of the autoregressive twin), the tokenizer trainer and pre-tokeniser of corpus/ on a mini corpus
made of this repository's own recipe sources, a few MDLM and AR training steps of a tiny model
(train.py --tiny), automatic resume from the checkpoint, export to the model contract, and d3LLM distillation
(distill.py trajectories, train.py --objective distill).

Run: PYENV_VERSION=system OPENBLAS_NUM_THREADS=2 python3 -m unittest models/recipe/tests/test_train_tiny.py
"""
import glob
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import unittest

import numpy as np

RECIPE = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
ROOT = os.path.abspath(os.path.join(RECIPE, "..", ".."))
sys.path.insert(0, RECIPE)
import data as D  # noqa: E402

ENV = dict(os.environ, PYENV_VERSION="system", OPENBLAS_NUM_THREADS="1")


def read(path, mode="r"):
    """A whole file's text (or bytes with mode "rb"), closed again."""
    with open(path, mode) as f:
        return f.read()


def run(cmd, **kw):
    r = subprocess.run(cmd, cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=300, **kw)
    if r.returncode != 0:
        raise AssertionError("%s failed:\n%s\n%s" % (" ".join(cmd), r.stdout[-2000:], r.stderr[-2000:]))
    return r


class LayoutTest(unittest.TestCase):
    def setUp(self):
        rng = np.random.default_rng(0)
        self.nl = np.zeros(600, dtype=bool)
        self.nl[10] = True  # token 10 is a newline token
        self.x = rng.integers(20, 600, size=256)
        self.x[::9] = 10

    def test_diffusion_examples(self):
        for seed in range(300):
            ids, cand = D.diffusion_example(self.x, self.nl, np.random.default_rng(seed), 256)
            self.assertLessEqual(len(ids), 256)
            self.assertEqual(len(ids), len(cand))
            self.assertTrue(cand.any())
            if cand.all():  # whole-window layout
                self.assertTrue((ids == self.x).all())
                continue
            self.assertFalse(np.isin(ids, [D.PAD, D.MASK]).any())
            # every candidate run ends with at least one <|endofmiddle|>, known text has none
            runs = np.split(np.arange(len(ids)), np.nonzero(np.diff(cand.astype(int)))[0] + 1)
            for r in runs:
                if cand[r[0]]:
                    self.assertEqual(ids[r[-1]], D.EOS)
                    self.assertLessEqual(len(r), 96)
                    tail = ids[r]
                    first_eos = int(np.argmax(tail == D.EOS))
                    self.assertTrue((tail[first_eos:] == D.EOS).all())
                else:
                    self.assertFalse((ids[r] == D.EOS).any())

    def test_heal_splits_newline_indent(self):
        tables = D.Tables(self.nl, {10: ([11], [12, 13])}, heal_prob=1.0)
        rng = np.random.default_rng(0)
        pre, mid, suf = D.heal(np.array([30, 10]), np.array([40, 10]), np.array([50]), tables, rng)
        self.assertEqual(pre.tolist(), [30, 11])
        self.assertEqual(mid.tolist(), [12, 13, 40, 11])
        self.assertEqual(suf.tolist(), [12, 13, 50])
        pre, mid, suf = D.heal(np.array([30, 10]), np.array([], dtype=np.int64), np.array([50]), tables, rng)
        self.assertEqual((pre.tolist(), mid.tolist(), suf.tolist()), ([30, 11], [], [12, 13, 50]))
        for seed in range(50):  # layouts stay valid with healing on
            ids, cand = D.diffusion_example(self.x, tables, np.random.default_rng(seed), 256)
            self.assertLessEqual(len(ids), 256)
            ids, mid = D.ar_example(self.x, tables, np.random.default_rng(seed), 256)
            self.assertLessEqual(len(ids), 256)

    def test_ar_examples(self):
        kinds = set()
        for seed in range(100):
            ids, mid = D.ar_example(self.x, self.nl, np.random.default_rng(seed), 256)
            self.assertLessEqual(len(ids), 256)
            if ids[0] == D.FIM_SUFFIX:
                kinds.add("psm")
                p, m = list(ids).index(D.FIM_PREFIX), list(ids).index(D.FIM_MIDDLE)
                self.assertLess(p, m)
                self.assertEqual(ids[-1], D.EOS)
                self.assertTrue(mid[m + 1:].all() and not mid[: m + 1].any())
                # suffix + prefix + middle is a permutation of the original window text
                text = np.concatenate((ids[p + 1:m], ids[m + 1:-1], ids[1:p]))
                self.assertTrue((text == self.x[: len(text)]).all())
            else:
                kinds.add("plain")
                self.assertFalse(mid.any())
        self.assertEqual(kinds, {"psm", "plain"})


class PipelineTest(unittest.TestCase):
    def test_tokenizer_pretokenize_train_resume_export(self):
        with tempfile.TemporaryDirectory() as tmp:
            corpus = os.path.join(tmp, "corpus")
            os.makedirs(corpus)
            files = sorted(glob.glob(os.path.join(RECIPE, "**", "*.py"), recursive=True)
                           + glob.glob(os.path.join(RECIPE, "**", "*.js"), recursive=True))
            with open(os.path.join(corpus, "train.jsonl"), "w") as tr, open(os.path.join(corpus, "val.jsonl"), "w") as va:
                for i, f in enumerate(files):
                    text = read(f)
                    rec = {"id": hashlib.sha256(text.encode()).hexdigest()[:16], "source": "repo",
                           "path": os.path.relpath(f, ROOT), "lang": "python" if f.endswith(".py") else "javascript",
                           "licence": "MIT", "text": text}
                    (va if i % 5 == 0 else tr).write(json.dumps(rec) + "\n")
            tok = os.path.join(tmp, "tokenizer", "tokenizer.json")
            run(["node", "models/recipe/corpus/train_tokenizer.js", "--corpus", os.path.join(corpus, "train.jsonl"),
                 "--out", tok, "--sample-mb", "1", "--sample-every", "1", "--vocab", "400"])
            vocab = json.loads(read(tok))["model"]["vocab"]
            self.assertEqual(len(vocab), 400)
            self.assertEqual([vocab[s] for s in ("<|pad|>", "<|endofmiddle|>", "<|mask|>", "<|fim_prefix|>",
                                                 "<|fim_suffix|>", "<|fim_middle|>")], [0, 1, 2, 3, 4, 5])
            tokdir = os.path.join(tmp, "tok")
            run(["node", "models/recipe/corpus/pretokenize.js", "--corpus", corpus, "--tokenizer", tok, "--out", tokdir])
            meta = json.loads(read(os.path.join(tokdir, "train.meta.json")))
            idx = np.fromfile(os.path.join(tokdir, "train.idx"), dtype=np.int64)
            self.assertEqual(idx[-1], meta["tokens"])
            self.assertEqual(os.path.getsize(os.path.join(tokdir, "train.bin")), 2 * meta["tokens"])
            for obj in ("diffusion", "ar"):
                rundir = os.path.join(tmp, "run-" + obj)
                base = ["python3", "models/recipe/train.py", "--objective", obj, "--tiny", "--data", tokdir,
                        "--run", rundir]
                run(base + ["--max-steps", "3"])
                run(base + ["--max-steps", "5"])
                log = read(os.path.join(rundir, "train.log"))
                self.assertIn("resumed from", log)
                self.assertIn("step 5 tokens", log)
                self.assertIn("eval {", log)
                out = os.path.join(tmp, "export-" + obj)
                run(["python3", "models/recipe/train.py", "export", "--run", rundir, "--out", out,
                     "--tokenizer", tok, "--id", "tiny-" + obj])
                man = json.loads(read(os.path.join(out, "model.json")))
                self.assertEqual(man["causal"], obj == "ar")
                self.assertEqual(man["logitShift"], obj == "ar")
                self.assertEqual(man["layout"], "canvas" if obj == "diffusion" else "psm")
                self.assertEqual(man["vocabSize"], 400)
                self.assertEqual(man["training"]["steps"], 5)
                onnx_sha = hashlib.sha256(read(os.path.join(out, "model.onnx"), "rb")).hexdigest()
                self.assertEqual(man["sha256"]["model.onnx"], onnx_sha)
            # Dream-style adaptation: a shifted-logit diffusion run initialised from the AR twin
            rundir = os.path.join(tmp, "run-dream")
            r = run(["python3", "models/recipe/train.py", "--objective", "diffusion", "--logit-shift", "--tiny",
                     "--data", tokdir, "--run", rundir, "--max-steps", "2",
                     "--init-from", os.path.join(tmp, "run-ar", "model.pt")])
            log = read(os.path.join(rundir, "train.log"))
            self.assertIn("initialised from", log)
            self.assertIn('"logit_shift": true', log)
            self.assertIn('"causal": false', log)
            # d3LLM distillation of that diffusion model: the teacher's orders, a few student steps, resume, export
            traj = os.path.join(tmp, "traj.npz")
            run(["python3", "models/recipe/distill.py", "trajectories", "--teacher", os.path.join(rundir, "model.pt"),
                 "--data", tokdir, "--out", traj, "--count", "6", "--batch", "4", "--per-step", "2", "--seq-len", "128"])
            student = os.path.join(tmp, "run-distill")
            base = ["python3", "models/recipe/train.py", "--objective", "distill", "--tiny", "--data", tokdir, "--run",
                    student, "--trajectories", traj, "--init-from", os.path.join(rundir, "model.pt"), "--mix-mdlm", "0.25"]
            run(base + ["--max-steps", "2"])
            run(base + ["--max-steps", "3"])
            log = read(os.path.join(student, "train.log"))
            self.assertIn("resumed from", log)
            self.assertIn("step 3 tokens", log)
            from model import torch_load
            student_extra = torch_load(os.path.join(student, "model.pt"))["extra"]
            self.assertEqual(student_extra["size"], "tiny", "the teacher's size")
            self.assertTrue(student_extra["logit_shift"], "the teacher's shifted logits")
            mixed = torch_load(os.path.join(student, "ckpt.pt"))["state"]["mix_data"]
            self.assertGreater(mixed["index"], 0, "plain MDLM batches drawn beside the student's, position saved")
            out = os.path.join(tmp, "export-distill")
            run(["python3", "models/recipe/train.py", "export", "--run", student, "--out", out, "--tokenizer", tok])
            man = json.loads(read(os.path.join(out, "model.json")))
            self.assertEqual((man["layout"], man["causal"], man["logitShift"]), ("canvas", False, True))
            self.assertIn("pseudo-trajectory distillation", man["training"]["objective"])


if __name__ == "__main__":
    unittest.main()
