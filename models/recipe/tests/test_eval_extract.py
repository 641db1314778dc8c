"""eval_infill.py extract: the whole-line, mid-line (cursor inside the line) and multi-line tasks are cut from the
same lines, and each task's prompt + canonical_solution + suffix is the file's text around that line.

Run: PYENV_VERSION=system python3 -m unittest models/recipe/tests/test_eval_extract.py
"""
import argparse
import contextlib
import io
import json
import os
import shutil
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), "..")))
import eval_infill as E  # noqa: E402


def code_file(i):
    body = ["def f%d(x):" % i, "    y = x + %d" % i, "    z = compute(y, %d)" % i, "    if z > 10:",
            "        return z * 2", "    total = sum(values)", "    return y", ""]
    return "\n".join(["# file %d" % i, "import os", "import sys"] + body)


class ExtractTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.corpus = os.path.join(self.dir, "val.jsonl")
        with open(self.corpus, "w") as f:
            for i in range(12):
                f.write(json.dumps({"id": "id%02d" % i, "lang": "python", "source": "deb:x", "path": "p%d.py" % i,
                                    "text": code_file(i)}) + "\n")

    def extract(self, cursor):
        out = os.path.join(self.dir, cursor + ".jsonl")
        args = argparse.Namespace(corpus=self.corpus, out=out, max_per_lang=300, prompt_lines=40, suffix_lines=20,
                                  seed=0, cursor=cursor)
        with contextlib.redirect_stdout(io.StringIO()):
            E.extract(args)
        with open(out) as f:
            return [json.loads(line) for line in f]

    def test_mid_line_tasks_cut_the_same_lines_inside_their_code(self):
        lines, mids = self.extract("line"), self.extract("mid")
        self.assertEqual(len(lines), 12)
        self.assertEqual(len(mids), 12)
        for whole, mid in zip(lines, mids):
            self.assertEqual(whole["prompt"] + whole["canonical_solution"], mid["prompt"] + mid["canonical_solution"])
            self.assertEqual(whole["suffix"], mid["suffix"])
            self.assertTrue(mid["task_id"].startswith("ValMidLine/python/"))
            line = whole["canonical_solution"]
            start = mid["prompt"].rsplit("\n", 1)[1]
            self.assertTrue(start.strip(), "the cursor follows some of the line's code, not just its indentation")
            self.assertGreater(len(mid["canonical_solution"]), 1, "at least one character is left to complete")
            self.assertEqual(start + mid["canonical_solution"], line)

    def test_before_closers_tasks_leave_the_closing_run_in_the_suffix(self):
        lines = {t["path"]: t for t in self.extract("line")}
        closers = self.extract("close")
        self.assertTrue(closers, "some chosen lines end in closers")
        for task in closers:
            whole = lines[task["path"]]
            line = whole["canonical_solution"][:-1]
            start = task["prompt"].rsplit("\n", 1)[1]
            rest = line[len(start) + len(task["canonical_solution"]):]
            self.assertTrue(rest and set(rest) <= set(")]}'\"`;:,"), rest)
            self.assertEqual(start + task["canonical_solution"] + rest, line)
            self.assertEqual(task["suffix"], rest + "\n" + whole["suffix"])
            self.assertNotIn(task["canonical_solution"][-1:], ")]}'\"`;:,")

    def test_after_space_tasks_start_right_after_a_space_in_the_code(self):
        lines = {t["path"]: t for t in self.extract("line")}
        spaces = self.extract("space")
        self.assertEqual(len(spaces), 12, "every chosen line has a space inside its code")
        for task in spaces:
            whole = lines[task["path"]]
            start = task["prompt"].rsplit("\n", 1)[1]
            self.assertTrue(task["task_id"].startswith("ValAfterSpace/python/"))
            self.assertTrue(start.endswith(" ") and start.strip(), repr(start))
            self.assertFalse(task["canonical_solution"].startswith(" "))
            self.assertEqual(start + task["canonical_solution"], whole["canonical_solution"])
            self.assertEqual(task["suffix"], whole["suffix"])

    def test_multi_line_tasks_start_at_the_same_lines_and_span_two_to_four_of_them(self):
        lines = {t["path"]: t for t in self.extract("line")}
        multi = self.extract("lines")
        self.assertEqual(len(multi), 12)
        spans = set()
        for task in multi:
            whole = lines[task["path"]]
            self.assertTrue(task["task_id"].startswith("ValMultiLine/python/"))
            self.assertEqual(task["prompt"], whole["prompt"])
            self.assertTrue(task["canonical_solution"].startswith(whole["canonical_solution"]))
            self.assertTrue(task["canonical_solution"].endswith("\n"))
            # the test files are shorter than the 20 suffix lines, so both suffixes run to the end of the file
            self.assertEqual(task["canonical_solution"] + task["suffix"], whole["canonical_solution"] + whole["suffix"])
            spans.add(task["canonical_solution"].count("\n"))
        self.assertTrue(spans <= {1, 2, 3, 4} and spans & {2, 3, 4}, spans)

    def test_hole_lines_stops_before_the_last_line(self):
        self.assertEqual(E.hole_lines("line", 3, 10, "a"), 1)
        self.assertTrue(all(2 <= E.hole_lines("lines", 3, 100, str(k)) <= 4 for k in range(50)))
        self.assertEqual(E.hole_lines("lines", 8, 10, "a"), 1)

    def test_after_space_column_skips_indentation_and_lines_without_spaces(self):
        self.assertIsNone(E.after_space_column("    return", "a"))
        self.assertIsNone(E.after_space_column("    x  ", "a"))
        self.assertEqual(E.after_space_column("    return y", "a"), 11)
        self.assertIn(E.after_space_column("    x = y", "b"), (6, 8))

    def test_cursor_is_deterministic_per_file(self):
        self.assertEqual(self.extract("mid"), self.extract("mid"))
        self.assertEqual(E.cursor_column("    return y", "a"), E.cursor_column("    return y", "a"))


if __name__ == "__main__":
    unittest.main()
