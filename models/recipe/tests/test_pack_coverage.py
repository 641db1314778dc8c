"""gpu/pack_coverage.py: paired validation differences grouped by how much of each task's package a partial
corpus pack kept (README "Two continuations on the GPU"). Synthetic pack, corpus, tasks and samples; no model.

Run: PYENV_VERSION=system python3 -m unittest models/recipe/tests/test_pack_coverage.py
"""
import contextlib
import io
import json
import os
import shutil
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "gpu")))
import pack_coverage as C  # noqa: E402


def write_jsonl(path, rows):
    with open(path, "w") as f:
        f.writelines(json.dumps(r) + "\n" for r in rows)


def sample(task_id, es, em):
    return {"taskId": task_id, "editSimilarity": es, "exactMatch": em}


class PackCoverageTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.dir, True)
        pack = os.path.join(self.dir, "pack")
        os.makedirs(pack)
        with open(os.path.join(pack, "train.meta.json"), "w") as f:  # keeps all of npm:kept, half of deb:half
            json.dump({"ids": ["k1", "k2", "h1"]}, f)
        text = "x" * 100
        write_jsonl(os.path.join(self.dir, "train.jsonl"), [
            {"id": i, "source": s, "path": "p", "lang": "python", "licence": "MIT", "text": text}
            for i, s in (("k1", "npm:kept"), ("k2", "npm:kept"), ("h1", "deb:half"), ("h2", "deb:half"),
                         ("g1", "npm:gone"))])
        write_jsonl(os.path.join(self.dir, "tasks.jsonl"), [
            {"task_id": "t%d" % i, "source": s}
            for i, s in enumerate(["npm:kept", "npm:gone", "npm:gone", "deb:half"])])
        write_jsonl(os.path.join(self.dir, "old.jsonl"), [sample("t0", 0.5, False), sample("t1", 0.9, True),
                                                           sample("t2", 0.7, True), sample("t3", 0.4, False)])
        write_jsonl(os.path.join(self.dir, "new.jsonl"), [sample("t0", 0.8, True), sample("t1", 0.5, False),
                                                           sample("t2", 0.5, False), sample("t3", 0.4, False)])
        self.args = ["--pack", pack, "--corpus", os.path.join(self.dir, "train.jsonl"),
                     "--tasks", os.path.join(self.dir, "tasks.jsonl"),
                     "--baseline", os.path.join(self.dir, "old.jsonl"),
                     "--candidate", os.path.join(self.dir, "new.jsonl")]

    def run_main(self, args):
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            rc = C.main(args)
        return rc, out.getvalue(), err.getvalue()

    def test_shares_follow_the_packed_bytes(self):
        shares = C.kept_share_by_source(os.path.join(self.dir, "pack"), os.path.join(self.dir, "train.jsonl"))
        self.assertEqual(shares, {"npm:kept": 1.0, "deb:half": 0.5, "npm:gone": 0.0})

    def test_groups_pair_the_tasks_by_coverage(self):
        rc, out, _ = self.run_main(self.args + ["--json"])
        self.assertEqual(rc, 0)
        rows = {r["group"]: r for r in json.loads(out)}
        self.assertEqual(rows["kept < 40 %"]["tasks"], 2)
        self.assertAlmostEqual(rows["kept < 40 %"]["editSimilarityDiff"], -30.0)
        self.assertEqual(rows["kept < 40 %"]["exactMatchNet"], -2)
        self.assertEqual(rows["kept 40-80 %"]["editSimilarityDiff"], 0.0)
        self.assertEqual(rows["kept >= 80 %"]["exactMatchNet"], 1)

    def test_bad_input_is_a_message(self):
        rc, _, err = self.run_main(self.args[:1] + [os.path.join(self.dir, "missing")] + self.args[2:])
        self.assertEqual(rc, 2)
        self.assertIn("train.meta.json", err)
        write_jsonl(os.path.join(self.dir, "other.jsonl"), [sample("zz", 0.1, False)])
        rc, _, err = self.run_main(self.args[:-1] + [os.path.join(self.dir, "other.jsonl")])
        self.assertEqual(rc, 2)
        self.assertIn("no task ids", err)


if __name__ == "__main__":
    unittest.main()
