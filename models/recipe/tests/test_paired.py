"""paired.py: a candidate's bench samples against a baseline's, task by task. Synthetic samples; no model.

Run: PYENV_VERSION=system python3 -m unittest models/recipe/tests/test_paired.py
"""
import contextlib
import io
import json
import os
import shutil
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), "..")))
import paired as P  # noqa: E402


def sample(task_id, es, em):
    return {"taskId": task_id, "editSimilarity": es, "exactMatch": em, "completion": "x"}


class PairedTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp()

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def write(self, name, rows):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.writelines(json.dumps(r) + "\n" for r in rows)
        return path

    def run_main(self, *args):
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = P.main(list(args))
        return code, out.getvalue(), err.getvalue()

    def test_paired_difference_counts_only_shared_tasks(self):
        base = [sample("a", 0.5, False), sample("b", 1.0, True), sample("c", 0.2, False), sample("only-base", 0, False)]
        cand = [sample("c", 0.4, False), sample("a", 1.0, True), sample("b", 0.9, False), sample("only-cand", 1, True)]
        row = P.compare(base, cand)
        self.assertEqual(row["tasks"], 3)
        self.assertAlmostEqual(row["editSimilarityDiff"], (20 + 50 - 10) / 3, places=2)
        # differences 20, 50, -10 (points): sample sd 30, standard error 30 / sqrt(3)
        self.assertAlmostEqual(row["standardError"], round(30 / 3 ** 0.5, 2))
        self.assertEqual((row["exactWon"], row["exactLost"], row["exactMatchNet"]), (1, 1, 0))
        self.assertEqual(row["baseline"], {"editSimilarity": round(100 * 1.7 / 3, 2), "exactMatch": round(100 / 3, 2)})
        self.assertEqual(row["candidate"]["editSimilarity"], round(100 * 2.3 / 3, 2))

    def test_cli_prints_one_line_or_json(self):
        base = self.write("base.jsonl", [sample("a", 0.5, False), sample("b", 0.5, False)])
        cand = self.write("cand.jsonl", [sample("a", 0.75, True), sample("b", 0.75, False)])
        code, out, _ = self.run_main("--baseline", base, "--candidate", cand)
        self.assertEqual(code, 0)
        self.assertIn("2 tasks  edit sim. 50.00 -> 75.00 %  (+25.00 ± 0.00 points", out)
        self.assertIn("(won 1, lost 0)", out)
        code, out, _ = self.run_main("--baseline", base, "--candidate", cand, "--json")
        self.assertEqual(json.loads(out)["candidate"]["exactMatch"], 50.0)

    def test_by_source_groups_tasks_by_the_kind_of_file_they_were_cut_from(self):
        files = [("a.py", "python", "def f(x):\n    return x + 1\n"),
                 ("src/g.ts", "typescript", "export function g(y: number) {\n  return y * 2;\n}\n"),
                 ("lib/g.d.ts", "typescript", "export declare function g(y: number): number;\n"),
                 ("dist/g.js", "javascript", '"use strict";\nObject.defineProperty(exports, "__esModule", '
                                             '{ value: true });\nexports.g = g;\n')]
        corpus = self.write("val.jsonl", [{"path": p, "lang": lang, "text": text} for p, lang, text in files])
        cuts = [("py", "def f(x):\n    return ", "x + 1"), ("ts", "export function g(y: number) {\n  return ", "y * 2;"),
                ("dts", "export declare function g(", "y: number): number;"), ("js", '"use strict";\n', "Object"),
                ("lost", "nowhere ", "to be found")]
        tasks = self.write("tasks.jsonl", [{"task_id": t, "prompt": p, "suffix": "", "canonical_solution": c}
                                           for t, p, c in cuts])
        self.assertEqual(P.source_kinds(tasks, corpus), {"py": "python", "ts": "hand-written js/ts",
                                                         "dts": "declaration", "js": "compiled", "lost": "unknown"})
        base = self.write("base.jsonl", [sample(t, 0.5, False) for t, _, _ in cuts])
        cand = self.write("cand.jsonl", [sample(t, 0.5 + 0.1 * i, i == 1) for i, (t, _, _) in enumerate(cuts)])
        code, out, _ = self.run_main("--baseline", base, "--candidate", cand, "--by-source", tasks, "--corpus", corpus,
                                     "--json")
        self.assertEqual(code, 0)
        rows = json.loads(out)["bySource"]
        self.assertEqual([(r["group"], r["tasks"], r["editSimilarityDiff"], r["exactMatchNet"]) for r in rows],
                         [("python", 1, 0.0, 0), ("hand-written js/ts", 1, 10.0, 1), ("declaration", 1, 20.0, 0),
                          ("compiled", 1, 30.0, 0), ("unknown", 1, 40.0, 0)])
        code, out, _ = self.run_main("--baseline", base, "--candidate", cand, "--by-source", tasks, "--corpus", corpus)
        self.assertIn("\n  declaration           1 tasks  +20.00 ± 0.00 points", out)
        with self.assertRaises(SystemExit):
            self.run_main("--baseline", base, "--candidate", cand, "--by-source", tasks)

    def test_bad_inputs_are_one_line_errors(self):
        base = self.write("base.jsonl", [sample("a", 0.5, False)])
        other = self.write("other.jsonl", [sample("z", 0.5, False)])
        tasks = self.write("tasks.jsonl", [{"task_id": "a", "prompt": "x"}])
        for args, why in (((base, other), "share no task ids"), ((base, tasks), "a bench --samples file?"),
                          ((base, os.path.join(self.dir, "missing.jsonl")), "missing.jsonl")):
            code, out, err = self.run_main("--baseline", args[0], "--candidate", args[1])
            self.assertEqual((code, out), (2, ""))
            self.assertIn(why, err)
            self.assertTrue(err.startswith("paired: "))


if __name__ == "__main__":
    unittest.main()
