"""The GPU-session path of the recipe, end to end on the CPU with a tiny model (README "Training on a GPU
session"; well under 30 s on 2 cores).

Covers: gpu/pack_data.py (whole-file subset within a byte budget, lzma round trip checked by sha256, a
damaged pack refused), data.ParallelStream (the very batches of data.Stream, across an epoch boundary and
from a resumed position), gpu/device_train.sh with ``--device cpu --size tiny --objective ar+dream``
(probes, two stages, the second initialised from the first, fp16 weights in several chunks, result.json),
gpu/import_weights.py (the imported weights equal the device run's EMA weights rounded to float16, the
lineage points at the imported AR model), and ``train.py export --fp16-weights`` of the imported run
(model.onnx passes the ONNX checker, model.json is complete), compare_candidate.sh on the returned bundle, and
train.py --compile (routing through the compiler, eager fallback; a stand-in compiler, PyTorch 1.13 has none).
Bad input ends with a message, not a traceback.

Run: PYENV_VERSION=system OPENBLAS_NUM_THREADS=1 python3 -m unittest models/recipe/tests/test_gpu_path.py
"""
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

import numpy as np
import torch

RECIPE = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
ROOT = os.path.abspath(os.path.join(RECIPE, "..", ".."))
sys.path.insert(0, RECIPE)
sys.path.insert(0, os.path.join(RECIPE, "gpu"))
import bundle as B  # noqa: E402
import data as D  # noqa: E402
import pack_data as P  # noqa: E402
from model import DiffusionLM, ModelConfig, save_checkpoint  # noqa: E402

ENV = dict(os.environ, PYENV_VERSION="system", OPENBLAS_NUM_THREADS="1")
FIXTURE_TOKENIZER = os.path.join(ROOT, "test", "fixtures", "models", "tiny-random", "tokenizer.json")


def run(cmd, expect=0, **kw):
    r = subprocess.run(cmd, cwd=kw.pop("cwd", ROOT), env=kw.pop("env", ENV), capture_output=True, text=True, timeout=120, **kw)
    if r.returncode != expect:
        raise AssertionError("%s exited %d (expected %d):\n%s\n%s" % (" ".join(cmd), r.returncode, expect,
                                                                     r.stdout[-3000:], r.stderr[-3000:]))
    return r


def write_split(tok_dir, split, nfiles, rng, nl_ids):
    """<split>.{bin,idx,meta.json} of nfiles random 'files' in pretokenize.js's format."""
    lens = rng.integers(40, 500, size=nfiles)
    toks = rng.integers(6, 512, size=int(lens.sum())).astype(np.uint16)
    toks[rng.random(len(toks)) < 0.08] = nl_ids[0]
    toks.tofile(os.path.join(tok_dir, split + ".bin"))
    np.concatenate(([0], np.cumsum(lens))).astype(np.int64).tofile(os.path.join(tok_dir, split + ".idx"))
    meta = {"dtype": "uint16", "tokens": int(lens.sum()), "files": nfiles, "skipped_special": 0,
            "langs": ["python", "javascript", "typescript"], "file_lang": [int(i % 3) for i in range(nfiles)],
            "ids": ["%s-%04d" % (split, i) for i in range(nfiles)]}
    with open(os.path.join(tok_dir, split + ".meta.json"), "w") as f:
        json.dump(meta, f)


def make_token_folder(tok_dir):
    """A tiny corpus in the pre-tokenised format, with the fixture tokenizer (vocab 512)."""
    os.makedirs(tok_dir)
    shutil.copyfile(FIXTURE_TOKENIZER, os.path.join(tok_dir, "tokenizer.json"))
    nl = D.newline_table(FIXTURE_TOKENIZER)
    nl_ids = [int(i) for i in np.nonzero(nl)[0]]
    with open(os.path.join(tok_dir, "boundary.json"), "w") as f:
        json.dump({str(nl_ids[0]): [[nl_ids[0]], []]}, f)
    rng = np.random.default_rng(7)
    write_split(tok_dir, "train", 160, rng, nl_ids)
    write_split(tok_dir, "val", 12, rng, nl_ids)


def read_json(path):
    with open(path) as f:
        return json.load(f)


def read_text(path):
    with open(path, errors="replace") as f:
        return f.read()


def file_tokens(tok_dir, split):
    """{file id: tokens} of a token folder."""
    toks = np.fromfile(os.path.join(tok_dir, split + ".bin"), dtype=np.uint16)
    idx = np.fromfile(os.path.join(tok_dir, split + ".idx"), dtype=np.int64)
    ids = read_json(os.path.join(tok_dir, split + ".meta.json"))["ids"]
    return {fid: toks[idx[i]:idx[i + 1]] for i, fid in enumerate(ids)}


class GpuPathTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="gpu-path-")
        cls.src = os.path.join(cls.tmp, "src-tok")
        make_token_folder(cls.src)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def pack(self, name, max_mb, *extra):
        out = os.path.join(self.tmp, name)
        run([sys.executable, "models/recipe/gpu/pack_data.py", "pack", "--data", self.src, "--out", out,
             "--max-mb", str(max_mb), "--block-mb", "0.01", *extra])
        return out

    def test_pack_keeps_whole_files_within_budget(self):
        packed = self.pack("packed-small", 0.06)
        self.assertLessEqual(P.folder_bytes(packed), 60_000)
        self.assertTrue(os.path.exists(os.path.join(packed, "train.bin.xz")))
        dest = os.path.join(self.tmp, "unpacked-small")
        P.unpack(packed, dest)
        src_files, got = file_tokens(self.src, "train"), file_tokens(dest, "train")
        self.assertLess(len(got), len(src_files))  # a subset...
        self.assertGreater(len(got), 10)
        for fid, toks in got.items():  # ...of whole files, unchanged
            np.testing.assert_array_equal(toks, src_files[fid])
        self.assertEqual(file_tokens(dest, "val").keys(), file_tokens(self.src, "val").keys())  # val whole
        meta = read_json(os.path.join(dest, "train.meta.json"))
        self.assertEqual(len(meta["file_lang"]), meta["files"])
        self.assertEqual(D.TokenSplit(dest, "train", 128).tokens.shape[0], meta["tokens"])
        # a damaged pack is refused
        with open(os.path.join(packed, "train.bin.xz"), "r+b") as f:
            f.seek(-12, 2)
            f.write(b"\0" * 12)
        with self.assertRaises(Exception):
            P.unpack(packed, os.path.join(self.tmp, "unpacked-bad"))

    def test_shipped_models_go_aside_and_come_back(self):
        """gpu/shipped_models.sh: model.onnx files to .models-aside/ and back; the rest of each folder stays."""
        tree = os.path.join(self.tmp, "tree")
        for m in ("d3llm-tiny-code", "d3llm-tiny-code-ar"):
            os.makedirs(os.path.join(tree, "models", m))
            for name in ("model.onnx", "model.json"):
                with open(os.path.join(tree, "models", m, name), "w") as f:
                    f.write(m + name)
        script = os.path.join(ROOT, "models", "recipe", "gpu", "shipped_models.sh")
        step = lambda fn: run(["bash", "-c", ". %s && %s" % (script, fn)], cwd=tree)  # noqa: E731
        step("set_shipped_models_aside")
        self.assertFalse(os.path.exists(os.path.join(tree, "models", "d3llm-tiny-code", "model.onnx")))
        self.assertEqual(read_text(os.path.join(tree, ".models-aside", "d3llm-tiny-code-ar", "model.onnx")),
                         "d3llm-tiny-code-armodel.onnx")
        self.assertTrue(os.path.exists(os.path.join(tree, "models", "d3llm-tiny-code", "model.json")))
        step("set_shipped_models_aside")  # again: nothing left to move, nothing lost
        step("restore_shipped_models")
        self.assertEqual(read_text(os.path.join(tree, "models", "d3llm-tiny-code", "model.onnx")),
                         "d3llm-tiny-codemodel.onnx")
        self.assertFalse(os.path.exists(os.path.join(tree, ".models-aside", "d3llm-tiny-code", "model.onnx")))

    def test_bad_input_is_a_message(self):
        r = run([sys.executable, "models/recipe/gpu/pack_data.py", "pack", "--data", os.path.join(self.tmp, "none"),
                 "--out", os.path.join(self.tmp, "x")], expect=2)
        self.assertIn("does not exist", r.stderr)
        self.assertNotIn("Traceback", r.stderr)
        r = run([sys.executable, "models/recipe/gpu/import_weights.py", "--bundle", self.tmp, "--runs",
                 os.path.join(self.tmp, "r")], expect=2)
        self.assertIn("no result.json", r.stderr)
        self.assertNotIn("Traceback", r.stderr)
        r = run(["models/recipe/gpu/device_train.sh", "--device", "cpu"], expect=2,
                env={k: v for k, v in ENV.items() if k != "OUT"})
        self.assertIn("set OUT", r.stderr)

    def test_parallel_stream_gives_the_serial_batches(self):
        split = D.TokenSplit(self.src, "train", 128)
        nl = D.load_tables(self.src)
        start = {"epoch": 0, "index": len(split) - 10}  # crosses into epoch 1 within the first batches
        serial = D.Stream(split, nl, "diffusion", 4, 5, **start)
        par = D.ParallelStream(split, nl, "diffusion", 4, 5, workers=2, **start)
        try:
            for _ in range(7):
                a, b = serial.next(), par.next()
                for k in a:
                    np.testing.assert_array_equal(a[k], b[k])
            pos = lambda st: st["epoch"] * len(split) + st["index"]  # noqa: E731
            self.assertEqual(pos(par.state()), pos(serial.state()))
        finally:
            par.close()

    def train_with_compile(self, name, fake_compile):
        """Three steps of a tiny run with --compile, torch.compile replaced by ``fake_compile``; the train.log."""
        from train import check_training_args, training_parser
        from trainer import Trainer
        rundir = os.path.join(self.tmp, name)
        ap = training_parser()
        args = ap.parse_args(["--size", "tiny", "--data", self.src, "--run", rundir, "--max-steps", "3", "--batch", "4",
                              "--seq-len", "128", "--val-seqs", "8", "--log-every", "1", "--compile"])
        check_training_args(ap, args)
        had, real = hasattr(torch, "compile"), getattr(torch, "compile", None)
        torch.compile = fake_compile
        try:
            Trainer(args).run()
        finally:
            if had:
                torch.compile = real
            else:
                del torch.compile
        return read_text(os.path.join(rundir, "train.log"))

    def test_compile_routes_the_network_body_through_the_compiler(self):
        calls = []

        def fake_compile(fn, dynamic=None):
            def compiled(*a):
                calls.append(dynamic)
                return fn(*a)
            return compiled
        log = self.train_with_compile("run-compiled", fake_compile)
        self.assertIn("compile: torch.compile (dynamic shapes)", log)
        self.assertEqual(calls, [True] * 3)  # one body call per training step
        self.assertIn("step 3 tokens", log)

    def test_compile_falls_back_to_eager_when_the_first_step_fails(self):
        def fake_compile(fn, dynamic=None):
            def compiled(*a):
                raise RuntimeError("fake compiler failure")
            return compiled
        log = self.train_with_compile("run-compile-fails", fake_compile)
        self.assertIn("compile: failed at the first step (RuntimeError: fake compiler failure); eager", log)
        self.assertIn("step 3 tokens", log)

    def test_sigterm_saves_and_stops(self):
        """What device_run.py relies on at a deadline: SIGTERM -> final evaluation, checkpoint, exit 0."""
        rundir = os.path.join(self.tmp, "run-sigterm")
        proc = subprocess.Popen([sys.executable, "models/recipe/train.py", "--size", "tiny", "--data", self.src,
                                 "--run", rundir, "--max-tokens", str(10**9), "--batch", "4", "--seq-len", "128",
                                 "--data-workers", "2", "--log-every", "1", "--val-seqs", "8"],
                                cwd=ROOT, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        log_path = os.path.join(rundir, "train.log")
        deadline = time.time() + 60
        while time.time() < deadline and proc.poll() is None:
            if os.path.exists(log_path) and "step 3 " in read_text(log_path):
                break
            time.sleep(0.1)
        proc.send_signal(signal.SIGTERM)
        out = proc.communicate(timeout=60)[0].decode(errors="replace")
        self.assertEqual(proc.returncode, 0, out[-2000:])
        with open(log_path) as f:
            self.assertIn("stopped (signal)", f.read())
        extra = torch.load(os.path.join(rundir, "model.pt"))["extra"]
        self.assertGreaterEqual(extra["step"], 3)
        self.assertEqual(extra["size"], "tiny")

    def test_device_run_import_export(self):
        packed = self.pack("packed", 1.0)
        out, work, runs = (os.path.join(self.tmp, n) for n in ("out", "work", "runs"))
        env = dict(ENV, OUT=out, PYTHON=sys.executable)
        r = run(["models/recipe/gpu/device_train.sh", "--device", "cpu", "--size", "tiny", "--objective", "ar+dream",
                 "--data", packed, "--work", work, "--minutes", "0.2", "--hard-minutes", "1.5",
                 "--batch", "4", "--seq-len", "128", "--probe-steps", "3", "--data-workers", "2", "--threads", "1",
                 "--log-every", "5", "--eval-reserve", "0", "--val-seqs", "8", "--chunk-bytes", "40000",
                 "--snippet-share", "0.3"], env=env)
        self.assertIn("done: status ok", r.stdout)
        files = sorted(os.listdir(out))
        chunks = [f for f in files if f.startswith("weights.")]
        self.assertEqual(sorted(set(files) - set(chunks)), ["result.json", "train.log"])
        self.assertGreater(len(chunks), 1)
        self.assertLessEqual(len(files), 8)
        res = read_json(os.path.join(out, "result.json"))
        self.assertEqual(res["status"], "ok")
        self.assertEqual([m["name"] for m in res["models"]], ["ar", "dream"])
        self.assertEqual(res["models"][1]["init_model"], "ar")
        self.assertEqual(set(res["probe"]), {"ar", "diffusion+shift"})
        for st in res["stages"]:
            self.assertGreater(st["tokens"], 0)
            self.assertIn("val_loss", st["final_eval"])
            self.assertIn(st["stop"], ("budget", "time"))
        with open(os.path.join(out, "train.log")) as f:
            log = f.read()
        self.assertIn("initialised from", log)

        run([sys.executable, "models/recipe/gpu/import_weights.py", "--bundle", out, "--runs", runs])
        for name in ("ar", "dream"):
            trained = B.fp16_state(os.path.join(work, name, "model.pt"))
            imported = torch.load(os.path.join(runs, name, "model.pt"))
            self.assertEqual(imported["config"], torch.load(os.path.join(work, name, "model.pt"))["config"])
            self.assertEqual(set(imported["state_dict"]), set(trained))
            for k, v in trained.items():
                self.assertTrue(torch.equal(imported["state_dict"][k], v), k)
        dream_extra = torch.load(os.path.join(runs, "dream", "model.pt"))["extra"]
        self.assertEqual(dream_extra["init_from"], os.path.join(runs, "ar", "model.pt"))
        self.assertTrue(dream_extra["logit_shift"])

        export = os.path.join(self.tmp, "export-dream")
        run([sys.executable, "models/recipe/train.py", "export", "--run", os.path.join(runs, "dream"), "--out", export,
             "--tokenizer", os.path.join(self.src, "tokenizer.json"), "--id", "tiny-gpu-dream", "--fp16-weights"])
        import onnx
        onnx.checker.check_model(os.path.join(export, "model.onnx"))
        man = read_json(os.path.join(export, "model.json"))
        self.assertEqual((man["layout"], man["logitShift"], man["causal"]), ("canvas", True, False))
        self.assertEqual(man["vocabSize"], 512)
        self.assertEqual(man["training"]["tokens"], dream_extra["tokens"])
        self.assertIn("ar weights after", man["training"]["initialisedFrom"])
        self.assertEqual(man["training"]["tokensIncludingInitialisation"],
                         dream_extra["tokens"] + res["stages"][0]["tokens"])
        with open(os.path.join(export, "model.onnx"), "rb") as f:
            sha = hashlib.sha256(f.read()).hexdigest()
        self.assertEqual(man["sha256"]["model.onnx"], sha)
        self.check_compare_candidate(out)

    def check_compare_candidate(self, bundle):
        """compare_candidate.sh on a returned bundle, against the fixture pair (same tokenizer): 3 tasks."""
        data, train = os.path.join(self.tmp, "cmp-data"), os.path.join(self.tmp, "cmp-train")
        os.makedirs(data)
        with open(os.path.join(data, "val_single_line.jsonl"), "w") as f:
            for i in range(3):
                f.write(json.dumps({"task_id": "T/%d" % i, "prompt": "def f%d(x):\n    return " % i, "suffix": "\n",
                                    "canonical_solution": "x + %d\n" % i, "entry_point": "", "test": ""}) + "\n")
        fixture = "test/fixtures/models/tiny-random"
        env = dict(ENV, DATA=data, TRAIN=train, LIMIT="3", SETS="val_single_line", EXAMPLES="0", MAX_TOKENS="8",
                   BASELINE=fixture, BASELINE_TWIN=fixture + "-causal")
        r = run(["models/recipe/compare_candidate.sh", bundle], env=env)
        summary = r"3 tasks  edit sim\. [\d.]+ -> [\d.]+ %"
        self.assertRegex(r.stdout, summary)
        cand = read_json(os.path.join(train, "candidate", "models", "tiny-random", "model.json"))
        self.assertEqual(cand["decoding"], read_json(os.path.join(ROOT, fixture, "model.json"))["decoding"])
        self.assertEqual(len(read_text(os.path.join(train, "candidate", "val_single_line.candidate.jsonl")).splitlines()), 3)
        # the same pair as train.py run folders (a CPU continuation): no import, same comparison
        runs = os.path.join(self.tmp, "cmp-runs")
        shutil.copytree(os.path.join(train, "candidate", "runs"), runs)
        again = run(["models/recipe/compare_candidate.sh", "--runs", os.path.join(runs, "dream"), os.path.join(runs, "ar")],
                    env=env)
        self.assertEqual(re.findall(summary, again.stdout), re.findall(summary, r.stdout))
        r = run(["models/recipe/compare_candidate.sh", "--runs", os.path.join(runs, "dream"), os.path.join(runs, "none")],
                expect=2, env=env)
        self.assertIn("no %s/model.pt" % os.path.join(runs, "none"), r.stderr)
        inside = os.path.join(train, "candidate", "runs")
        shutil.copytree(runs, inside)
        r = run(["models/recipe/compare_candidate.sh", "--runs", os.path.join(inside, "dream"), os.path.join(inside, "ar")],
                expect=2, env=env)
        self.assertIn("which this script empties", r.stderr)
        self.assertTrue(os.path.isfile(os.path.join(inside, "dream", "model.pt")))

    def test_distill_objective_decodes_then_trains_the_student(self):
        packed = self.pack("packed-distill", 1.0)
        out, work = (os.path.join(self.tmp, n) for n in ("out-distill", "work-distill"))
        teacher = os.path.join(self.tmp, "teacher.pt")
        torch.manual_seed(0)
        save_checkpoint(teacher, DiffusionLM(ModelConfig(vocab_size=512, hidden_size=32, num_layers=2, num_heads=4,
                                                         num_kv_heads=2, intermediate_size=48, logit_shift=True)),
                        {"objective": "diffusion", "tokens": 1000, "logit_shift": True})
        r = run(["models/recipe/gpu/device_train.sh", "--device", "cpu", "--size", "tiny", "--objective", "distill",
                 "--init-from", teacher, "--data", packed, "--work", work, "--minutes", "0.6", "--hard-minutes", "2",
                 "--teacher-share", "0.5", "--teacher-count", "12", "--teacher-per-step", "2", "--distill-mix", "0.25",
                 "--batch", "4", "--seq-len", "128", "--probe-steps", "3", "--data-workers", "1", "--threads", "1",
                 "--log-every", "5", "--eval-reserve", "0", "--val-seqs", "8"], env=dict(ENV, OUT=out, PYTHON=sys.executable))
        self.assertIn("done: status ok", r.stdout)
        res = read_json(os.path.join(out, "result.json"))
        self.assertEqual([m["name"] for m in res["models"]], ["distill"])
        self.assertEqual(set(res["probe"]), {"diffusion+shift"})
        decoded, student = res["stages"]
        self.assertEqual((decoded["objective"], decoded["perStep"]), ("teacher", 2))
        self.assertTrue(0 < decoded["count"] <= 12)
        self.assertGreater(student["tokens"], 0)
        self.assertIn("val_loss", student["final_eval"])
        log = read_text(os.path.join(work, "distill", "train.log"))
        self.assertIn('"objective": "distill"', log)
        self.assertIn('"mix_mdlm": 0.25', log)
        r = run(["models/recipe/gpu/device_train.sh", "--device", "cpu", "--objective", "distill"], expect=2,
                env=dict(ENV, OUT=out, PYTHON=sys.executable))
        self.assertIn("--objective distill needs --init-from", r.stderr)

    def test_probe_only_measures_and_trains_nothing(self):
        packed = self.pack("packed-probe", 1.0)
        out, work = (os.path.join(self.tmp, n) for n in ("out-probe", "work-probe"))
        env = dict(ENV, OUT=out, PYTHON=sys.executable)
        args = ["models/recipe/gpu/device_train.sh", "--device", "cpu", "--size", "tiny", "--objective", "ar",
                "--data", packed, "--work", work, "--batch", "4", "--seq-len", "128", "--probe-steps", "3",
                "--data-workers", "1", "--threads", "1", "--attention", "written", "--probe-only"]
        r = run(args, env=env)
        self.assertIn("probe only: no training", r.stdout)
        self.assertEqual(sorted(os.listdir(out)), ["result.json", "train.log"])
        res = read_json(os.path.join(out, "result.json"))
        self.assertEqual(res["status"], "ok")
        self.assertGreater(res["probe"]["ar"]["tokens_per_second"], 0)
        self.assertIn('"attention": "written"', read_text(os.path.join(work, "probe-ar", "train.log")))
        r = run(args + ["--max-tokens", "100"], expect=2, env=env)
        self.assertIn("--probe-only measures the rates", r.stderr)


if __name__ == "__main__":
    unittest.main()
